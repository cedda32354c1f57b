"""MG-ShopDial and simulated dialogues reduced to one record, and the statistics of a set of
records (one function, :func:`statistics`, on either side). See ``docs/calibration.md``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gopo_env.domains.mgshop.mgshopdial.intents import (
    ACT_TO_CLIENT,
    ASSISTANT_SPEAKER,
    MG_INTENTS,
    turn_strategies,
)
from gopo_env.domains.mgshop.params import MgshopParams
from gopo_env.domains.mgshop.scenarios import LEVELS
from gopo_env.domains.mgshop.strategies import STRATEGIES

TYPES = ("simple", "complex")
OPENING, FILLER = "(opening)", "(no strategy)"
"""Preceding-move keys of a customer turn with no assistant turn before it / after a filler."""



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
