"""The fidelity report: real vs simulated statistics (Jensen-Shannon divergence, base 2, for
distributions; relative error for means), a verdict, and the intent plot."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gopo_env.domains.mgshop.mgshopdial.intents import (
    MG_INTENTS,
)
from gopo_env.domains.mgshop.mgshopdial.stats import (
    TYPES,
    Statistics,
)

MIN_CONDITION_WEIGHT = 10.0
"""A conditional intent distribution is compared only where both sides have this many turns."""

THRESHOLDS = {"js": 0.2, "rel": 0.25}
"""A statistic *matches* when its JS divergence (base 2) or relative error is at most this."""
VERDICTS = ((1.0, "faithful"), (0.6, "partly faithful"), (0.0, "unfaithful"))
"""Overall verdict by the share of compared statistics that match (first bound reached)."""



def js_divergence(p: Mapping[str, float], q: Mapping[str, float]) -> float:
    """Jensen-Shannon divergence (base 2, in [0, 1]) of two distributions over the same keys."""
    from scipy.spatial.distance import jensenshannon

    keys = sorted(set(p) | set(q))
    a = [p.get(k, 0.0) for k in keys]
    b = [q.get(k, 0.0) for k in keys]
    if not sum(a) or not sum(b):
        return 1.0
    return float(jensenshannon(a, b, base=2) ** 2)


def relative_error(real: float, sim: float) -> float:
    """|sim - real| / |real| (1.0 when the real value is 0 and the simulated one is not)."""
    if real == 0:
        return 0.0 if sim == 0 else 1.0
    return abs(sim - real) / abs(real)


@dataclass(frozen=True)
class Row:
    """One line of the fidelity table."""

    name: str
    kind: str
    """"js" (distribution) or "rel" (mean); "info" rows are shown but not judged."""
    real: Any
    sim: Any
    divergence: float
    judged: bool = True

    @property
    def ok(self) -> bool:
        return self.divergence <= THRESHOLDS[self.kind]


def compare(real: Statistics, sim: Statistics) -> list[Row]:
    """Real vs simulated, one row per statistic (customer-side rows are judged)."""
    rows = [Row(f"assistant turns ({t})", "rel", real.turns_by_type[t], sim.turns_by_type[t],
                relative_error(real.turns_by_type[t], sim.turns_by_type[t])) for t in TYPES]
    rows.append(Row("customer intents", "js", real.customer_intents, sim.customer_intents,
                    js_divergence(real.customer_intents, sim.customer_intents)))
    weighted, weight = 0.0, 0.0
    for key, (w_real, dist) in real.conditional.items():
        w_sim, sim_dist = sim.conditional.get(key, (0.0, {}))
        if w_real < MIN_CONDITION_WEIGHT or w_sim < MIN_CONDITION_WEIGHT:
            continue
        d = js_divergence(dist, sim_dist)
        rows.append(Row(f"customer intents | {key}", "js", dist, sim_dist, d, judged=False))
        weighted, weight = weighted + w_real * d, weight + w_real
    rows.append(Row("customer intents | preceding move (weighted mean)", "js", None, None,
                    weighted / weight if weight else 1.0))
    for name in ("pf_rate", "nf_rate", "disclosures", "questions", "questions_qa", "search_share",
                 "qa_share", "complex_share"):
        a, b = getattr(real, name), getattr(sim, name)
        rows.append(Row(name, "rel", a, b, relative_error(a, b)))
    rows.append(Row("constraint levels", "js", real.constraint_levels, sim.constraint_levels,
                    js_divergence(real.constraint_levels, sim.constraint_levels)))
    rows.append(Row("assistant strategies (policy)", "js", real.assistant_moves, sim.assistant_moves,
                    js_divergence(real.assistant_moves, sim.assistant_moves), judged=False))
    if real.second_recommend is not None and sim.second_recommend is not None:
        rows.append(Row("second recommendation", "rel", real.second_recommend, sim.second_recommend,
                        relative_error(real.second_recommend, sim.second_recommend), judged=False))
    return rows


def verdict(rows: Sequence[Row]) -> tuple[str, int, int]:
    """(verdict, matching judged rows, judged rows)."""
    judged = [r for r in rows if r.judged]
    ok = sum(r.ok for r in judged)
    share = ok / len(judged)
    return next(v for bound, v in VERDICTS if share >= bound), ok, len(judged)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict):
        top = sorted(value.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        return " ".join(f"{k}:{v:.2f}" for k, v in top)
    return f"{value:.3f}"


def format_report(real: Statistics, sims: Mapping[str, Statistics]) -> str:
    """The fidelity table: each statistic, real vs each simulation, with its divergence."""
    compared = {label: compare(real, s) for label, s in sims.items()}
    first = next(iter(compared.values()))
    head = ["statistic", "measure", "real"]
    for label in compared:
        head += [f"sim {label}", "div", ""]
    lines = [head]
    for i, row in enumerate(first):
        line = [row.name, row.kind if row.judged else f"{row.kind}*", _fmt(row.real)]
        for rows in compared.values():
            r = rows[i]
            line += [_fmt(r.sim), f"{r.divergence:.3f}", ("ok" if r.ok else "--") if r.judged else ""]
        lines.append(line)
    widths = [max(len(line[c]) for line in lines) for c in range(len(head))]
    text = ["  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip() for line in lines]
    text.append("")
    text.append(f"real: {real.n_dialogues} MG-ShopDial dialogues; "
                + "; ".join(f"sim {k}: {s.n_dialogues} episodes" for k, s in sims.items()))
    text.append(f"matches: JS <= {THRESHOLDS['js']}, relative error <= {THRESHOLDS['rel']}; "
                "* = shown, not judged (per-move detail, or the assistant policy)")
    for label, rows in compared.items():
        v, ok, n = verdict(rows)
        text.append(f"verdict ({label}): {v} ({ok}/{n} statistics match)")
    return "\n".join(text) + "\n"


def plot_intents(real: Statistics, sims: Mapping[str, Statistics], path: str | Path) -> Path:
    """Bar chart of the customer intent distributions, real vs each simulation, saved atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = {"MG-ShopDial (real)": real.customer_intents} | {
        f"simulated ({k})": s.customer_intents for k, s in sims.items()}
    fig, ax = plt.subplots(figsize=(10, 4))
    width = 0.8 / len(series)
    for j, (label, dist) in enumerate(series.items()):
        xs = [i + (j - (len(series) - 1) / 2) * width for i in range(len(MG_INTENTS))]
        ax.bar(xs, [dist[k] for k in MG_INTENTS], width, label=label)
    ax.set_xticks(range(len(MG_INTENTS)), MG_INTENTS, rotation=30, ha="right")
    ax.set_ylabel("share of customer turns")
    ax.set_title("Customer intents: MG-ShopDial vs the simulator (scripted SOP assistant)")
    ax.legend()
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".png")
    os.close(fd)
    try:
        # fixed metadata: the same figure gives the same bytes
        fig.savefig(tmp, format="png", dpi=100, metadata={"Software": None})
        os.replace(tmp, path)
    finally:
        plt.close(fig)
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


# ---------------------------------------------------------------- fit
