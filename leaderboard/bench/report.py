"""The headline benchmark's outputs: the Markdown table and the plots."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from leaderboard.bench.entrants import (
    INVALID,
    PLOTS,
)
from leaderboard.report import fmt_mean_ci, fmt_vs_above


# ---------------------------------------------------------------------- the Markdown table
def markdown(result: dict[str, Any]) -> str:
    """``results.md``: the table (mean ± half-width of the 95% CI) and how it was made."""
    b, ref = result["budget"], result["entrants"][result["reference"]]["label"]
    kwargs = f", env kwargs `{json.dumps(result['env_kwargs'])}`" if result["env_kwargs"] else ""
    m = result["machine"]
    split = result.get("split", "test")
    lines = [
        f"# Benchmark: {result['env_id']}, {split} split",
        "",
        f"Command: `{result['command'] or 'leaderboard.benchmark.run(...)'}`{kwargs}. Budget `{b['name']}`: "
        f"{b['train_steps']:,} training env steps per trainable entrant and seed; seeds "
        f"{result['seeds'][0]}–{result['seeds'][-1]} ({len(result['seeds'])}); dev curve every "
        f"{b['eval_every']:,} steps on {b['dev_episodes']} dev scenarios. Wall-clock "
        f"{result['wall_clock_s'] / 60:.1f} min on {m['machine']} ({m['cpu_count']} CPU cores), "
        f"gopo-bench {result['package_version']}, torch {m['torch']}"
        + (f"; {result['reused_runs']} runs reused from an earlier call" if result["reused_runs"] else "")
        + (f" (all runs together took {result['runs_seconds'] / 60:.1f} min)"
           if result["reused_runs"] and result["runs_seconds"] is not None else "")
        + ".",
        "",
        f"Cells: mean ± half-width of the 95% bootstrap CI over {split} scenarios (each scenario's "
        "value averaged over the seeds; seed s is evaluated with trial seed s). "
        f"vs {ref}: paired bootstrap of the TSE difference on the same (scenario, seed) episodes, "
        "two-sided p; * = p < 0.05. Train s: training wall-clock per seed including the dev "
        "evaluations; steps/s excludes them.",
        "",
        f"| entrant | TSE | success | ESNDCG | GRE | turns | TSE per seed | TSE vs {ref} | train steps "
        "| train s | steps/s |",
        "|---|---|---|---|---|---|---|---|---:|---:|---:|",
    ]
    for row in result["entrants"].values():
        mm, t = row["metrics"], row.get("train")
        vs = row["vs_reference"]["tse"]
        cells = [row["label"], *(fmt_mean_ci(mm[k]) for k in ("tse", "success", "esndcg", "gre")),
                 f"{mm['turns']['mean']:.2f}", " ".join(f"{x:.3f}" for x in row["seed_means"]["tse"]),
                 "(reference)" if vs is None else fmt_vs_above(vs),
                 f"{t['env_steps']:,.0f}" if t else "–", f"{t['wall_clock_s']:.1f}" if t else "–",
                 f"{t['env_steps_per_s']:,.0f}" if t else "–"]
        lines.append("| " + " | ".join(cells) + " |")
    lines += _domain_table(result, ref)
    if result.get("skipped"):
        lines += ["", "Left out (the domain lacks what they need): "
                  + "; ".join(result["skipped"].values()) + "."]
    lines += ["", "Plots: " + ", ".join(f"[{n}]({n})" for n in PLOTS.values()) + ".", ""]
    if result.get("reference_rows"):
        from leaderboard.reference import markdown as reference_markdown

        lines += reference_markdown(result["reference_rows"])
    return "\n".join(lines)


def _domain_table(result: dict[str, Any], ref: str) -> list[str]:
    """The domain's own metrics (``summary["domain_metrics"]``, e.g. MultiWOZ's ConvLab ones), one
    column per key any entrant reported; nothing when the domain defines none."""
    rows = result["entrants"].values()
    keys = list(dict.fromkeys(k for row in rows for k in row.get("domain_metrics", {})))
    if not keys:
        return []
    head_n = result["entrants"][result["reference"]].get("domain_metrics", {})
    header = [f"{k} (n = {head_n[k]['n']})" if k in head_n else k for k in keys]
    lines = ["", f"Domain metrics (the domain's own definitions, `{result['domain']}`): mean ± half-width "
             f"of the 95% bootstrap CI over the {result.get('split', 'test')} scenarios whose episodes "
             f"define the metric (n: those scenarios for the reference entrant, {ref}).", "",
             "| entrant | " + " | ".join(header) + " |", "|---|" + "---|" * len(keys)]
    for row in rows:
        dm = row.get("domain_metrics", {})
        lines.append("| " + " | ".join([row["label"], *(fmt_mean_ci(dm[k]) if k in dm else "–"
                                                        for k in keys)]) + " |")
    return lines


# ---------------------------------------------------------------------- plots
def _save(fig: Any, path: Path) -> None:
    """Save a figure atomically (a temporary file beside it, then ``os.replace``)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".png", dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=110, bbox_inches="tight", metadata={"Software": None})
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_plots(result: dict[str, Any], out: Path) -> None:
    """Learning curves, TSE distributions and the strategy-usage heatmap (matplotlib, Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result["entrants"]
    cmap = plt.get_cmap("tab20")  # the 10 dark colours first, then their light partners
    colors = {k: cmap((2 * i) % 20 + (2 * i) // 20 % 2) for i, k in enumerate(rows)}

    fig, ax = plt.subplots(figsize=(8, 4.8))
    for key, row in rows.items():
        if row["trainable"]:
            curves = [c for c in row["curves"] if c]
            for c in curves:
                ax.plot([p["env_steps"] for p in c], [p["dev_tse"] for p in c], color=colors[key],
                        alpha=0.25, lw=0.8, marker="." if len(c) == 1 else None)
            if curves:
                grid = sorted({p["env_steps"] for c in curves for p in c})
                mean = [np.mean([np.interp(x, [p["env_steps"] for p in c], [p["dev_tse"] for p in c])
                                 for c in curves]) for x in grid]
                ax.plot(grid, mean, color=colors[key], lw=2, label=row["label"],
                        marker="o" if len(grid) == 1 else None)
        elif row["dev_tse"]:
            ax.axhline(float(np.mean(row["dev_tse"])), color=colors[key], ls="--", lw=1.2, label=row["label"])
    ax.set(xlabel="training environment steps", ylabel="dev TSE",
           title=f"Learning curves ({result['env_id']}, dev split; thin: seeds, thick: mean)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    _save(fig, out / PLOTS["curves"])
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(0.8 * len(rows) + 3, 4.8))
    data = [[ep["tse"] for r in row["runs"] for ep in r["episodes"]] for row in rows.values()]
    ax.boxplot(data, showmeans=True, whis=(5, 95), flierprops={"ms": 2})
    ax.set_xticks(range(1, len(rows) + 1), [row["label"] for row in rows.values()], rotation=30,
                  ha="right", fontsize=8)
    split = result.get("split", "test")
    ax.set(ylabel=f"{split} TSE per episode",
           title=f"TSE distributions ({split} split, all seeds; box: quartiles, whiskers: 5-95%, ▲ mean)")
    ax.grid(alpha=0.3, axis="y")
    _save(fig, out / PLOTS["tse"])
    plt.close(fig)

    names = list(result["strategies"]) + (
        [INVALID] if any(INVALID in row["strategy_share"] for row in rows.values()) else [])
    share = np.array([[row["strategy_share"].get(s, 0.0) for s in names] for row in rows.values()])
    fig, ax = plt.subplots(figsize=(0.75 * len(names) + 3, 0.45 * len(rows) + 1.8))
    im = ax.imshow(share, cmap="viridis", vmin=0.0, vmax=max(float(share.max()), 1e-9), aspect="auto")
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)), [row["label"] for row in rows.values()], fontsize=8)
    for i in range(share.shape[0]):
        for j in range(share.shape[1]):
            ax.text(j, i, f"{share[i, j]:.2f}", ha="center", va="center", fontsize=6,
                    color="white" if share[i, j] < 0.6 * share.max() else "black")
    fig.colorbar(im, ax=ax, label=f"share of {split} turns")
    ax.set_title(f"Strategy usage ({split} split, all seeds)")
    _save(fig, out / PLOTS["strategies"])
    plt.close(fig)

