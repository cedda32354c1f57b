"""Calibrate the Mgshop customer simulator to MG-ShopDial, and measure its fidelity.

Real and simulated dialogues are first reduced to the same :class:`DialogueRecord` (the
assistant's moves as strategies, the customer's turns as MG-ShopDial intent mass, the
scenario's type, constraint level and goals), using the tables of :mod:`.intents`; every
statistic is then computed by one function, :func:`statistics`, on either side.

The fit (:func:`fit`) sets each scenario-mix parameter and each behaviour probability
(``p_answer_label``, ``p_ask_recommendation``, ``p_clarify``, ``p_thanks``, ``p_taste_reject``,
``p_chitchat``) by a direct estimator on the real dialogues, and the persona ranges by a small
seeded grid search over simulated statistics;
:func:`write_params` writes the result atomically with a ``_meta`` header. :func:`compare`
and :func:`format_report` give the fidelity table (Jensen-Shannon divergence, base 2, for
distributions; relative error for means) and :func:`plot_intents` the intent plot.
See ``docs/calibration.md``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from gopo_env.domains.mgshop.mgshopdial.intents import (
    ACT_TO_CLIENT,
    ASSISTANT_SPEAKER,
    MG_INTENTS,
    turn_strategies,
)
from gopo_env.domains.mgshop.params import CALIBRATED_PATH, MgshopParams
from gopo_env.domains.mgshop.scenarios import LEVELS
from gopo_env.domains.mgshop.strategies import STRATEGIES

TYPES = ("simple", "complex")
OPENING, FILLER = "(opening)", "(no strategy)"
"""Preceding-move keys of a customer turn with no assistant turn before it / after a filler."""

MIN_CONDITION_WEIGHT = 10.0
"""A conditional intent distribution is compared only where both sides have this many turns."""

THRESHOLDS = {"js": 0.2, "rel": 0.25}
"""A statistic *matches* when its JS divergence (base 2) or relative error is at most this."""
VERDICTS = ((1.0, "faithful"), (0.6, "partly faithful"), (0.0, "unfaithful"))
"""Overall verdict by the share of compared statistics that match (first bound reached)."""

FIT_EPISODES = 400
"""Simulated episodes per grid point of the fit's search."""
DECISIVENESS_GRID = (0.0, 0.2, 0.4, 0.6, 0.8)
"""Lower bounds tried for the decisiveness range (its width stays that of the default)."""
CURIOSITY_GRID = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
"""Midpoints tried for the curiosity range (width 0.2, clipped to [0, 1])."""


# ---------------------------------------------------------------- records
@dataclass(frozen=True)
class DialogueRecord:
    """One dialogue, real or simulated, in the terms every statistic is computed from."""

    type: str
    """"simple" or "complex"."""
    constraint: str
    """"low", "medium" or "high"."""
    goal: str
    """Primary goal: "search" or "recommendation"."""
    has_qa: bool
    moves: tuple[str | None, ...]
    """The assistant's turns as strategy names (None: a real filler turn with no strategy)."""
    customer: tuple[tuple[str, tuple[tuple[str, float], ...]], ...]
    """Customer turns: (the preceding assistant move, MG-ShopDial intent mass summing to 1)."""
    second_recommend: bool | None = None
    """The assistant needed a second recommendation: real, its checklist says so
    ("second-recommend"); simulated, it presented products more often than there are items to
    buy. None: not known (a dialogue without a checklist)."""


def _primary_goal(utterances: Iterable[Any]) -> str:
    goals = [u.goal for u in utterances]
    return "search" if goals.count("search") > goals.count("recommendation") else "recommendation"


def real_record(dialogue: Any) -> DialogueRecord:
    """A real MG-ShopDial dialogue (the loader's ``RealDialogue``) as a record.

    The primary goal is the more frequent of "search" / "recommendation" among its utterances'
    goal labels (a tie counts as recommendation); it has a QA goal if any utterance is labelled qa.
    """
    if dialogue.type not in TYPES or dialogue.constraint not in LEVELS:
        raise ValueError(f"dialogue {dialogue.id}: type {dialogue.type!r} / constraint "
                         f"{dialogue.constraint!r} not in {TYPES} / {LEVELS}")
    moves: list[str | None] = []
    customer = []
    prev = OPENING
    for turn, s in turn_strategies(dialogue):
        if turn.speaker == ASSISTANT_SPEAKER:
            moves.append(STRATEGIES[s] if s is not None else None)
            prev = STRATEGIES[s] if s is not None else FILLER
            continue
        mass = turn.intent_mass()
        if mass:  # a run of unannotated utterances carries no intent
            customer.append((prev, tuple(sorted(mass.items()))))
    checklist = getattr(dialogue, "assistant_checklist", None)
    return DialogueRecord(dialogue.type, dialogue.constraint, _primary_goal(dialogue.utterances),
                          any(u.goal == "qa" for u in dialogue.utterances), tuple(moves), tuple(customer),
                          None if checklist is None else "second-recommend" in checklist)


def sim_record(scenario: Any, transcript: Sequence[Any]) -> DialogueRecord:
    """A simulated episode (its scenario and ``dialogue.transcript``) as a record."""
    moves: list[str | None] = []
    customer = []
    for rec in transcript:
        if rec.strategy is None:
            prev = OPENING
        else:
            prev = STRATEGIES[rec.strategy]
            moves.append(prev)
        customer.append((prev, ((ACT_TO_CLIENT[rec.intent], 1.0),)))
    presentations = sum(m in ("search", "recommend") for m in moves)
    return DialogueRecord(scenario.complexity, scenario.constraint_level, scenario.goal,
                          bool(scenario.questions), tuple(moves), tuple(customer),
                          presentations > len(scenario.items))


def simulate(params: MgshopParams, episodes: int, seed: int = 0,
             split: str = "train", env_id: str = "GOPO-Mgshop-v0") -> tuple[DialogueRecord, ...]:
    """``episodes`` dialogues of the scripted SOP expert with the built-in CS Agent on ``env_id``.

    Episode ``i`` plays scenario ``i mod len(split)`` with seed ``seed + i``: deterministic.
    """
    import gymnasium as gym

    if episodes < 1:
        raise ValueError(f"episodes must be >= 1, got {episodes}")
    env = gym.make(env_id, split=split, params=params)
    dialogue = env.unwrapped.dialogue
    ids = dialogue.scenario_ids(split)
    out = []
    for i in range(episodes):
        env.reset(seed=seed + i, options={"scenario_id": ids[i % len(ids)]})
        done = False
        while not done:
            _, _, terminated, truncated, _ = env.step(dialogue.builtin_strategy())
            done = terminated or truncated
        out.append(sim_record(dialogue.scenario, dialogue.transcript))
    env.close()
    return tuple(out)


# ---------------------------------------------------------------- statistics
def _normalise(counts: Mapping[str, float], keys: Sequence[str]) -> dict[str, float]:
    total = sum(counts.values())
    return {k: (counts.get(k, 0.0) / total if total else 0.0) for k in keys}


def _mean(xs: Sequence[float]) -> float:
    return sum(xs) / len(xs) if xs else 0.0


@dataclass(frozen=True)
class Statistics:
    """What the fit and the report compare (same definitions for real and simulated)."""

    n_dialogues: int
    turns_by_type: dict[str, float]
    """Mean assistant turns with a strategy per dialogue, by scenario type."""
    customer_intents: dict[str, float]
    """Distribution of customer-turn intent mass over MG-ShopDial's intents."""
    conditional: dict[str, tuple[float, dict[str, float]]]
    """Preceding assistant move -> (customer turns after it, their intent distribution)."""
    assistant_moves: dict[str, float]
    """Distribution of the assistant's strategies (the policy's, not the customer's)."""
    pf_rate: float
    """Share of customer-turn mass that is positive feedback."""
    nf_rate: float
    """Share of customer-turn mass that is negative feedback."""
    disclosures: float
    """Mean disclose mass per dialogue."""
    questions: float
    """Mean o_question mass per dialogue."""
    questions_qa: float
    """Mean o_question mass per dialogue with a QA goal."""
    search_share: float
    qa_share: float
    complex_share: float
    constraint_levels: dict[str, float]
    second_recommend: float | None = None
    """Share of dialogues with a second recommendation (of those where it is known; None: none)."""


def statistics(records: Sequence[DialogueRecord]) -> Statistics:
    """Every statistic of a set of dialogue records."""
    if not records:
        raise ValueError("no dialogues to compute statistics on")
    intents: dict[str, float] = {}
    cond: dict[str, dict[str, float]] = {}
    moves: dict[str, float] = {}
    per_dialogue: list[dict[str, float]] = []
    for r in records:
        mine: dict[str, float] = {}
        for prev, mass in r.customer:
            bucket = cond.setdefault(prev, {})
            for name, w in mass:
                intents[name] = intents.get(name, 0.0) + w
                bucket[name] = bucket.get(name, 0.0) + w
                mine[name] = mine.get(name, 0.0) + w
        per_dialogue.append(mine)
        for m in r.moves:
            if m is not None:
                moves[m] = moves.get(m, 0.0) + 1.0
    total = sum(intents.values())
    qa = [d for d, r in zip(per_dialogue, records) if r.has_qa]
    second = [r.second_recommend for r in records if r.second_recommend is not None]
    return Statistics(
        n_dialogues=len(records),
        turns_by_type={t: _mean([sum(m is not None for m in r.moves) for r in records if r.type == t])
                       for t in TYPES},
        customer_intents=_normalise(intents, MG_INTENTS),
        conditional={k: (sum(v.values()), _normalise(v, MG_INTENTS)) for k, v in sorted(cond.items())},
        assistant_moves=_normalise(moves, STRATEGIES),
        pf_rate=intents.get("pf", 0.0) / total if total else 0.0,
        nf_rate=intents.get("nf", 0.0) / total if total else 0.0,
        disclosures=_mean([d.get("disclose", 0.0) for d in per_dialogue]),
        questions=_mean([d.get("o_question", 0.0) for d in per_dialogue]),
        questions_qa=_mean([d.get("o_question", 0.0) for d in qa]),
        search_share=_mean([r.goal == "search" for r in records]),
        qa_share=_mean([r.has_qa for r in records]),
        complex_share=_mean([r.type == "complex" for r in records]),
        constraint_levels=_normalise({lv: sum(r.constraint == lv for r in records) for lv in LEVELS}, LEVELS),
        second_recommend=_mean(second) if second else None,
    )


# ---------------------------------------------------------------- divergences
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


__all__ = [
    "CALIBRATED_PATH", "DialogueRecord", "Row", "Statistics", "calibrate_mgshop", "compare",
    "direct_estimates", "fit", "format_report", "js_divergence", "per_item_rate", "plot_intents",
    "real_record", "run_calibrate", "relative_error", "share_after", "sim_record", "simulate",
    "statistics", "verdict", "write_params",
]
