"""The ranked leaderboard: text table, Markdown and CSV from the stored entries.

Entries are ranked within (env, track) by the headline metric, TSE, and by nothing else. Each
entry is compared with the one ranked just above it by a paired bootstrap test on the episodes
both share (same scenario, same seed), so "significant" means the gap is unlikely to be luck of
the draw. Each entry is ``verified`` (re-run by ``gopo-bench verify``: reproduced, and scored on
fresh scenarios; ``flagged`` when the fresh score is significantly lower) or ``self-reported``.

GRE, BLEU and ROUGE-L say something only about text the entry wrote itself: for an entry that
plays the expert alone they would score the built-in writer (GRE is 1.000 for all of them), so
they are shown as ``n/a (built-in writer)``. BLEU/ROUGE-L are computed against real MG-ShopDial
assistant turns, only when that data was available at submission.

Every user string goes through the escaping of its output (:mod:`leaderboard.names`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from leaderboard import metrics as M
from leaderboard import names, store

COLUMNS = ("tse", "success", "esndcg", "gre", "return", "turns", "bleu", "rouge_l")
"""Metrics shown in tables, headline first."""
TEXT_METRICS = ("gre", "bleu", "rouge_l")
"""Shown only for entries that write their own responses (play ``service``)."""
ALPHA = 0.05
BUILTIN = "n/a (built-in writer)"


def writes_text(row: dict[str, Any]) -> bool:
    """Whether the entry's responses are its own (it plays ``service``), not the built-in writer's."""
    return "service" in row.get("roles", ()) or not row.get("roles")


def metric_cell(row: dict[str, Any], name: str) -> dict[str, Any] | str | None:
    """The metric to show, or :data:`BUILTIN` where it would only score the built-in writer."""
    if name in TEXT_METRICS and not writes_text(row):
        return BUILTIN
    return row["metrics"].get(name)


def status(row: dict[str, Any]) -> str:
    """``self-reported``, ``verified`` or ``verified, FLAGGED: fresh TSE 0.41 < 0.80 (p=0.001)``."""
    v = row.get("verification")
    if not v:
        return "self-reported"
    if not v["reproduced"]:
        return "verification FAILED: not reproduced"
    if v["flagged"]:
        return (f"verified, FLAGGED: fresh TSE {v['fresh_tse']:.3f} < public {v['public_tse']:.3f} "
                f"(p={v['p_value']:.3f})")
    return f"verified (fresh TSE {v['fresh_tse']:.3f})"


def ranked(db: str | Path, metric: str = M.HEADLINE) -> list[dict[str, Any]]:
    """Entries grouped by (env id, track), best first, each with ``rank`` and ``vs_above``."""
    rows = store.entries(db)
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["env_id"], row["track"]), []).append(row)
    out = []
    for key in sorted(groups, key=lambda k: (k[0], k[1] != "standard", k[1])):
        group = sorted(groups[key], key=lambda r: (-r["metrics"].get(metric, {}).get("mean", 0.0), r["id"]))
        above_values = None
        for rank, row in enumerate(group, 1):
            values = store.episode_values(db, row["id"], metric)
            row["rank"] = rank
            row["vs_above"] = None if above_values is None else M.paired_bootstrap(values, above_values)
            above_values = values
            out.append(row)
    return out


def fmt_mean_ci(m: dict[str, Any] | str | None) -> str:
    """``mean ± half-width`` of the 95% CI (just the mean for metrics without a CI)."""
    if m is None:
        return "—"
    if isinstance(m, str):
        return m
    if not m.get("ci"):
        return f"{m['mean']:.3f}"
    lo, hi = m["ci"]
    return f"{m['mean']:.3f} ± {(hi - lo) / 2:.3f}"


def fmt_vs_above(test: dict[str, Any] | None) -> str:
    """``Δ=-0.031 p=0.002 *`` (star: significant at 5%); ``—`` for the top entry."""
    if test is None:
        return "—"
    if test["p_value"] is None:
        return "no shared episodes"
    star = " *" if test["p_value"] < ALPHA else " (n.s.)"
    p = "p<0.001" if test["p_value"] < 0.001 else f"p={test['p_value']:.3f}"
    return f"Δ={test['delta']:+.3f} {p}{star}"


HEADER = ["rank", "id", "name", "organisation", "env", "track", "status", "episodes", *COLUMNS,
          "vs above (TSE)"]
_USER = (2, 3)
"""Columns of ``HEADER`` that hold submitter strings."""


def _table(rows: list[dict[str, Any]], escape: Any) -> tuple[list[str], list[list[str]]]:
    body = [[str(r["rank"]), str(r["id"]), escape(r["name"]), escape(r["organisation"]), r["env_id"],
             r["track"], status(r), str(r["episodes"]),
             *(fmt_mean_ci(metric_cell(r, c)) for c in COLUMNS), fmt_vs_above(r["vs_above"])]
            for r in rows]
    return list(HEADER), body


def text_table(db: str | Path) -> str:
    """The ranked table as aligned plain text (control characters in names shown escaped)."""
    rows = ranked(db)
    if not rows:
        return f"no entries yet in {names.terminal(str(db))} (add one with `gopo-bench submit DIR`)\n"
    header, body = _table(rows, names.terminal)
    widths = [max(len(x) for x in col) for col in zip(header, *body)]
    lines = ["  ".join(x.ljust(w) for x, w in zip(row, widths)).rstrip() for row in [header, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    note = ("mean ± half-width of the 95% bootstrap CI over test scenarios; 'vs above': paired "
            "bootstrap test of TSE against the entry ranked above (* p < 0.05)")
    return "\n".join(lines) + "\n" + note + "\n"


def markdown(db: str | Path) -> str:
    """The ranked table in GitHub Markdown (user strings escaped for tables)."""
    rows = ranked(db)
    header, body = _table(rows, names.markdown_literal)
    out = ["# gopo-bench leaderboard", "",
           "Mean ± half-width of the 95% bootstrap CI; *vs above*: paired bootstrap test of TSE "
           "against the entry ranked above (* p < 0.05).", "",
           "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(x if i in _USER else names.markdown(x) for i, x in enumerate(row)) + " |"
            for row in body]
    return "\n".join(out) + "\n"


def csv_text(db: str | Path, delimiter: str = ",") -> str:
    """One row per entry: identity, status, rank and, per metric, mean and CI bounds.

    Written by the csv module with every cell quoted; user strings are formula-defused
    (:func:`leaderboard.names.csv_cell`) so the file is safe whatever delimiter a spreadsheet
    assumes. Text metrics of entries that use the built-in writer are left empty.
    """
    rows = ranked(db)
    metric_names = sorted({n for r in rows for n in r["metrics"]})
    header = ["env_id", "track", "status", "rank", "id", "name", "organisation", "agent_class",
              "episodes", *(f"{n}_{p}" for n in metric_names for p in ("mean", "ci_low", "ci_high")),
              "tse_delta_vs_above", "tse_p_vs_above"]
    body = []
    for r in rows:
        values: list[Any] = []
        for n in metric_names:
            m = metric_cell(r, n)
            m = None if isinstance(m, str) else m
            ci = (m or {}).get("ci") or [None, None]
            values += [None if m is None else m["mean"], ci[0], ci[1]]
        test = r["vs_above"] or {}
        body.append([r["env_id"], r["track"], status(r), r["rank"], r["id"], r["name"],
                     r["organisation"], r["agent_class"], r["episodes"], *values,
                     test.get("delta"), test.get("p_value")])
    return names.csv_text(header, body, delimiter)


def episode_transcript(ep: dict[str, Any]) -> str:
    """One recorded episode (a ``trajectories.jsonl`` record) as a readable transcript."""
    o = ep["outcome"]
    lines = [f"episode {ep['episode']} · scenario {ep['scenario_id']} · trial {ep['trial']} · "
             f"seed {ep['seed']}",
             f"  customer : {ep['opening']['customer']}   [{ep['opening']['intent']}]"]
    for t in ep["turns"]:
        flag = "" if not t["violations"] else "  !" + ",".join(t["violations"])
        mark = {1: " (+)", -1: " (-)"}.get(t["polarity"], "")
        lines += [f"  expert   → {t['strategy_name']}", f"  service  : {t['response']}{flag}",
                  f"  customer : {t['customer']}   [{t['intent']}]{mark}"]
    end = "terminated" if o["terminated"] else "truncated"
    metrics = ep.get("metrics") or {}
    scores = ", ".join(f"{k} {metrics[k]:.3f}" for k in ("tse", "esndcg", "gre") if k in metrics)
    lines.append(f"  -- {end} after {o['turns']} turns; success={o['success']}"
                 + (f"; {scores}" if scores else ""))
    return "\n".join(lines) + "\n"


def training_summary(stats: dict[str, Any]) -> str:
    """The headline figures of a ``train()`` result, one per line (the rest goes to a JSON file)."""
    keys = ("env_steps", "wall_seconds", "wall_clock_s", "steps_per_second", "env_steps_per_s",
            "final_loss", "train_accuracy")
    lines = [f"  {k}: {stats[k]:,.3f}" if isinstance(stats[k], float) else f"  {k}: {stats[k]}"
             for k in keys if k in stats]
    return "\n".join(lines) + ("\n" if lines else "")


def learning_curve_plot(curve: list[dict[str, float]], path: Path, title: str = "") -> Path | None:
    """Dev TSE and success against env steps, saved to ``path`` (None without matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    steps = [p["env_steps"] for p in curve]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(steps, [p["dev_tse"] for p in curve], marker="o", label="dev TSE")
    ax.plot(steps, [p["dev_success"] for p in curve], marker="s", label="dev success")
    ax.set_xlabel("environment steps")
    ax.set_ylim(0, 1.02)
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)

