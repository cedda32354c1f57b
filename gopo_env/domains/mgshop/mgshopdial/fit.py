"""The fit: direct estimators on the real dialogues plus a seeded grid search over simulated
statistics; the parameter file written atomically; the ``calibrate mgshop`` command."""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from gopo_env.domains.mgshop.mgshopdial.fidelity import (
    format_report,
    js_divergence,
    plot_intents,
    relative_error,
)
from gopo_env.domains.mgshop.mgshopdial.intents import (
    MG_INTENTS,
)
from gopo_env.domains.mgshop.mgshopdial.stats import (
    Statistics,
    real_record,
    simulate,
    statistics,
)
from gopo_env.domains.mgshop.params import MgshopParams
from gopo_env.domains.mgshop.scenarios import LEVELS

FIT_EPISODES = 400
"""Simulated episodes per grid point of the fit's search."""
DECISIVENESS_GRID = (0.0, 0.2, 0.4, 0.6, 0.8)
"""Lower bounds tried for the decisiveness range (its width stays that of the default)."""
CURIOSITY_GRID = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
"""Midpoints tried for the curiosity range (width 0.2, clipped to [0, 1])."""



def _round(x: float) -> float:
    return round(x, 4)


ELICIT_MOVES = ("elicit_need", "elicit_preferences")
"""Assistant moves asking for the customer's requirements."""
PRODUCT_MOVES = ("search", "recommend", "explain", "answer")
"""Assistant moves presenting or discussing products."""
ACKNOWLEDGEMENTS = ("pf", "interaction", "answer")
"""What a customer's turn is when it only acknowledges the assistant ("great, thanks", "okay")."""


def share_after(real: Statistics, moves: Sequence[str], part: Sequence[str],
                whole: Sequence[str]) -> float | None:
    """Among customer turns right after one of ``moves``: intent mass in ``part`` / mass in
    ``whole`` (each move's turns pooled by their weight); None if there is no such mass."""
    num = den = 0.0
    for move in moves:
        weight, dist = real.conditional.get(move, (0.0, {}))
        num += weight * sum(dist.get(k, 0.0) for k in part)
        den += weight * sum(dist.get(k, 0.0) for k in whole)
    return num / den if den > 0 else None


def per_item_rate(share: float, complex_share: float) -> float:
    """The per-item chance p that gives ``share`` of dialogues at least one event when a share
    ``complex_share`` of them have two items: solves (1 - c)·p + c·(1 - (1 - p)²) = share."""
    c, s = complex_share, min(max(share, 0.0), 1.0)
    if c <= 0:
        return s
    return ((1 + c) - math.sqrt((1 + c) ** 2 - 4 * c * s)) / (2 * c)


def direct_estimates(real: Statistics, base: MgshopParams) -> MgshopParams:
    """The scenario mix and the behaviour probabilities read straight off the real dialogues.

    A behaviour whose conditioning turns do not occur in the data keeps its ``base`` value.
    """
    mean_q = real.questions_qa
    hi = max(1, min(4, round(2 * mean_q - 1)))  # uniform integers on [1, hi] have mean (1 + hi) / 2
    shares = {
        # replies to an elicitation: answers among answers and disclosures
        "p_answer_label": share_after(real, ELICIT_MOVES, ("answer",), ("answer", "disclose")),
        # replies to an elicitation that ask something back ("what would you recommend?")
        "p_ask_recommendation": share_after(real, ELICIT_MOVES, ("o_question", "recommend"), MG_INTENTS),
        # turns after a product move that ask to clarify
        "p_clarify": share_after(real, PRODUCT_MOVES, ("clarify",), MG_INTENTS),
        # acknowledgements after a product move that are positive feedback
        "p_thanks": share_after(real, PRODUCT_MOVES, ("pf",), ACKNOWLEDGEMENTS),
        # replies to the greeting that are small talk rather than a greeting
        "p_chitchat": share_after(real, ("greet",), ("interaction",), ("interaction", "greeting")),
    }
    if real.second_recommend is not None:
        shares["p_taste_reject"] = per_item_rate(real.second_recommend, real.complex_share)
    return replace(
        base,
        p_complex=_round(real.complex_share),
        constraint_levels=tuple(_round(real.constraint_levels[lv]) for lv in LEVELS),
        p_search=_round(real.search_share),
        p_qa=_round(real.qa_share),
        questions_per_qa=(1, hi),
        **{k: _round(v) for k, v in shares.items() if v is not None},
    )


def _search_loss(real: Statistics, sim: Statistics) -> float:
    """What the grid search minimises: disclosures per dialogue, and the customer's intents
    after a recommendation and overall (curiosity decides when questions come)."""
    after = "recommend"
    cond = js_divergence(real.conditional[after][1], sim.conditional.get(after, (0, {}))[1]) \
        if after in real.conditional else 0.0
    return relative_error(real.disclosures, sim.disclosures) + cond + js_divergence(
        real.customer_intents, sim.customer_intents)


def fit(real: Statistics, *, episodes: int = FIT_EPISODES, seed: int = 0,
        base: MgshopParams | None = None) -> MgshopParams:
    """Fitted parameters: direct estimates, then a grid search of decisiveness and curiosity.

    Deterministic: the grid, the episodes and their seeds are fixed; ties keep the first point.
    """
    params = direct_estimates(real, base or MgshopParams())
    width = params.decisiveness[1] - params.decisiveness[0]
    best: tuple[float, MgshopParams] | None = None
    for lo in DECISIVENESS_GRID:
        for mid in CURIOSITY_GRID:
            cur = (_round(max(0.0, mid - 0.1)), _round(min(1.0, mid + 0.1)))
            cand = replace(params, decisiveness=(_round(lo), _round(min(1.0, lo + width))), curiosity=cur)
            loss = _search_loss(real, statistics(simulate(cand, episodes, seed)))
            if best is None or loss < best[0] - 1e-12:
                best = (loss, cand)
    assert best is not None
    return best[1]


# ---------------------------------------------------------------- files
def data_sha256(path: str | Path) -> str:
    """sha256 of the MG-ShopDial annotation file the fit read (recorded in ``_meta``)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def params_document(params: MgshopParams, meta: Mapping[str, Any]) -> str:
    """The parameter file's text: every field, then ``_meta`` (ignored by ``MgshopParams.load``)."""
    doc = {k: list(v) if isinstance(v, tuple) else v for k, v in params.as_dict().items()}
    doc["_meta"] = dict(meta)
    return json.dumps(doc, indent=2) + "\n"


def write_params(params: MgshopParams, path: str | Path, meta: Mapping[str, Any]) -> Path:
    """Write the parameter file atomically (a temporary file renamed over the target)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(params_document(params, meta))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def regenerate_command(seed: int, episodes: int) -> str:
    return ("gopo-bench calibrate mgshop --data-dir ../shared/data/mgshopdial "
            f"--out gopo_env/domains/mgshop/calibrated.json --seed {seed} --episodes {episodes}")


def calibrate_mgshop(data_dir: str | Path | None = None, *, episodes: int = FIT_EPISODES,
                     seed: int = 0) -> tuple[MgshopParams, dict[str, Any], Statistics]:
    """Load MG-ShopDial, fit the parameters; returns (params, _meta header, real statistics)."""
    from gopo_env.domains.mgshop.mgshopdial.loader import load_mgshopdial

    data = load_mgshopdial(data_dir)
    real = statistics([real_record(d) for d in data.dialogues])
    params = fit(real, episodes=episodes, seed=seed)
    source = Path(data.root) / "MGShopDial" / "MGShopDial.json"
    meta = {
        "source": "MG-ShopDial (MGShopDial/MGShopDial.json)",
        "data_sha256": data_sha256(source) if source.is_file() else None,
        "dialogues": real.n_dialogues,
        "command": regenerate_command(seed, episodes),
        "doc": "docs/calibration.md",
    }
    return params, meta, real


REPORT_EPISODES = 600
"""Simulated episodes per parameter set in the report."""


def run_calibrate(data_dir: str | Path | None = None, *, out: str | Path | None = None,
                  report: bool = False, plot: str | Path | None = None,
                  params: str | Path | MgshopParams = "calibrated", episodes: int | None = None,
                  seed: int = 0) -> str:
    """What ``gopo-bench calibrate mgshop`` does; returns the text to print.

    Without ``report``: fit, then write ``out`` (or return the file's text when ``out`` is None).
    With ``report``: the fidelity table for the defaults and ``params`` (the fitted parameters
    when ``out`` is given), and the intent plot at ``plot``.
    """
    if episodes is not None and episodes < 1:
        raise ValueError(f"--episodes must be >= 1, got {episodes}")
    lines: list[str] = []
    fitted: MgshopParams | None = None
    real: Statistics | None = None
    if out is not None or not report:
        fitted, meta, real = calibrate_mgshop(data_dir, episodes=episodes or FIT_EPISODES, seed=seed)
        if out is None:
            return params_document(fitted, meta)
        write_params(fitted, out, meta)
        lines.append(f"wrote {out} (fitted to {real.n_dialogues} MG-ShopDial dialogues)")
    if report:
        if real is None:
            from gopo_env.domains.mgshop.mgshopdial.loader import load_mgshopdial

            real = statistics([real_record(d) for d in load_mgshopdial(data_dir).dialogues])
        other = fitted or (params if isinstance(params, MgshopParams) else MgshopParams.load(params))
        label = "fitted" if fitted is not None else ("calibrated" if params == "calibrated" else "params")
        n = episodes or REPORT_EPISODES
        sims = {"default": statistics(simulate(MgshopParams(), n, seed)),
                label: statistics(simulate(other, n, seed))}
        lines.append(format_report(real, sims).rstrip("\n"))
        if plot is not None:
            lines.append(f"wrote the intent plot to {plot_intents(real, sims, plot)}")
    return "\n".join(lines) + "\n"


