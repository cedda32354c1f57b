"""Reference rows published with every Mgshop benchmark run (issue 13, docs/benchmark.md).

Five policies that bracket what an entrant can reach on a scenario split:

* ``random`` — a uniformly random strategy among those the SOP mask allows;
* ``ask-nothing`` — shows products at once and asks nothing (the shortcut a benchmark must not pay);
* ``sop`` — the scripted SOP expert (``DomainEpisode.sop_strategy``);
* ``best-rule`` — the best fixed rule we could write from public state only: the SOP without the
  idle ``open_question`` (it proposes the purchase instead; a customer with a question asks it
  then);
* ``oracle-lookahead`` — a **ceiling estimate**, not an entrant: it reads the hidden customer (its
  constraints, latent preferences included) to recommend a product that fits, and picks each move
  by rolling every allowed move out to the end of the dialogue with that hidden-state rule
  (one-step lookahead, policy improvement over the rule); it is not a bound, a better planner
  may score higher.

Each is a function ``(dialogue, rng) -> (strategy, text or None)`` over the live
:class:`gopo_env.core.dialogue.Dialogue` (``None``: the built-in CS Agent writes the text);
:func:`play` runs one episode. Hidden-state access is confined to the oracle.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from gopo_env.core.dialogue import Dialogue

# Mgshop's strategy ids, by name (baselines reach the domain only through its public attributes)
(GREET, ELICIT_NEED, ELICIT_PREFERENCES, _CLARIFY, SEARCH, RECOMMEND, _EXPLAIN, ANSWER,
 OPEN_QUESTION, CLOSE, END) = range(11)
_NAMES = ("greet", "elicit_need", "elicit_preferences", "clarify", "search", "recommend", "explain",
          "answer", "open_question", "close", "end")


def _check(d: Dialogue) -> None:
    if tuple(d.domain.strategies) != _NAMES:
        raise ValueError(f"baselines.reference plays the Mgshop strategy set {_NAMES}; "
                         f"this domain has {tuple(d.domain.strategies)}")


def _stars(p) -> float:
    return p.rating if p.rating is not None else 0.0


Move = tuple[int, str | None]
Policy = Callable[[Dialogue, random.Random], Move]


def random_policy(d: Dialogue, rng: random.Random) -> Move:
    mask = d.mask()
    return rng.choice([i for i, m in enumerate(mask) if m]), None


def _after_choice(st, turn: int) -> int | None:
    """The shared tail of every rule: answer a pending question, end a finished task."""
    if st["pending_question"] is not None:
        return ANSWER
    if st["task_done"]:
        return END
    return None


def ask_nothing(d: Dialogue, rng: random.Random) -> Move:
    st = d.episode.public_state()
    s = _after_choice(st, d.turn)
    if s is not None:
        return s, None
    if st["candidate"] is None:
        return SEARCH, None
    return (CLOSE if st["questions_done"] else OPEN_QUESTION), None


def sop(d: Dialogue, rng: random.Random) -> Move:
    return d.builtin_strategy(), None


def best_rule(d: Dialogue, rng: random.Random) -> Move:
    s = d.builtin_strategy()
    return (CLOSE if s == OPEN_QUESTION else s), None


def sop_epsilon(d: Dialogue, rng: random.Random, epsilon: float = 0.2) -> Move:
    """The SOP with a random allowed move at rate ``epsilon`` (a stand-in for an imperfect learned
    policy; used by ``benchmarks/paired_noise.py``, not a reference row)."""
    if rng.random() < epsilon:
        return random_policy(d, rng)
    return sop(d, rng)


def sop_no_greeting(d: Dialogue, rng: random.Random) -> Move:
    """The SOP without its greeting (a one-move variant; ``benchmarks/paired_noise.py``)."""
    s = d.builtin_strategy()
    return (ELICIT_NEED if s == GREET else s), None


# ---------------------------------------------------------------- hidden-state ceiling
def _oracle_pick(d: Dialogue) -> str | None:
    """The product a hidden-state agent recommends: fits every hard constraint (latent ones
    included), not rejected, best rated (meeting the rating floor first)."""
    c = d.episode.customer
    if c.item >= len(c.scenario.items):
        return None
    need = c.scenario.items[c.item]
    floor = c.scenario.min_rating or 0.0
    fits = [p for p in c.products.values() if p.id not in c.rejected and need.violation(p) is None]
    if not fits:
        return None
    fits.sort(key=lambda p: (_stars(p) < floor, p.price > 0.8 * (need.max_price or 1e9), -_stars(p), p.id))
    return fits[0].id


def oracle_rule(d: Dialogue, rng: random.Random) -> Move:
    """The hidden-state rule the lookahead improves on."""
    c = d.episode.customer
    st = d.episode.public_state()
    s = _after_choice(st, d.turn)
    if s is not None:
        return s, None
    if not st["greeted"] and d.turn == 0:
        return GREET, None
    if not st["need_known"]:
        return ELICIT_NEED, None
    if not st["prefs_done"] and c.untold:
        return ELICIT_PREFERENCES, None
    if st["candidate"] is None:
        pid = _oracle_pick(d)
        return RECOMMEND, d.episode.realize_act(RECOMMEND, item=pid) if pid else None
    return CLOSE, None


def _step(d: Dialogue, move: Move) -> None:
    s, text = move
    d.choose(s)
    d.respond(text if text is not None else d.realize())


def _rollout_value(d: Dialogue, first: Move, rng: random.Random) -> float:
    """Replay the dialogue so far on a fresh copy (same seed, same responses: deterministic),
    play ``first``, then the hidden-state rule to the end; TSE + 0.5 * success."""
    sim = Dialogue(d.domain, split=d.split, reward_config=d.rewards, max_turns=d.max_turns)
    sim.reset(seed=d.episode_seed, scenario_id=d.scenario.id)
    for rec in d.transcript[1:]:
        sim.choose(rec.strategy)
        sim.respond(rec.response)
    _step(sim, first)
    while not sim.done:
        _step(sim, oracle_rule(sim, rng))
    s = sim.summary()
    return s["tse"] + 0.5 * s["success"]


def oracle_lookahead(d: Dialogue, rng: random.Random) -> Move:
    candidates: list[Move] = []
    mask = d.mask()
    for s, ok in enumerate(mask):
        if not ok:
            continue
        if s == RECOMMEND:
            pid = _oracle_pick(d)
            candidates.append((s, d.episode.realize_act(RECOMMEND, item=pid) if pid else None))
        else:
            candidates.append((s, None))
    base = oracle_rule(d, rng)
    if base not in candidates:
        candidates.insert(0, base)
    best, best_v = base, _rollout_value(d, base, rng)
    for m in candidates:
        if m == base:
            continue
        v = _rollout_value(d, m, rng)
        if v > best_v + 1e-12:
            best, best_v = m, v
    return best


REFERENCES: dict[str, tuple[str, Policy]] = {
    "random": ("random strategy (masked)", random_policy),
    "ask-nothing": ("show products at once, ask nothing", ask_nothing),
    "sop": ("scripted SOP", sop),
    "best-rule": ("best fixed rule (SOP, close instead of idle open question)", best_rule),
    "oracle-lookahead": ("hidden-state lookahead planner (ceiling estimate)", oracle_lookahead),
}


def play(d: Dialogue, policy: Policy, seed: int, scenario_id: str) -> dict:
    """One episode of ``policy``; returns ``d.summary()``. The policy's own randomness is
    seeded apart from the customer's (``seed`` + a fixed offset)."""
    _check(d)
    d.reset(seed=seed, scenario_id=scenario_id)
    rng = random.Random(seed + 7_000_003)
    while not d.done:
        _step(d, policy(d, rng))
    return d.summary()
