"""Explicit mapping between MG-ShopDial's annotation and the Mgshop simulator.

MG-ShopDial annotates every utterance with one or more of 12 intents (the same labels for
both participants) and the number of annotators (out of 5) who chose each. The simulator
speaks in strategies (assistant, :data:`~gopo_env.domains.mgshop.strategies.STRATEGIES`) and
customer acts (:data:`~gopo_env.domains.mgshop.state.ACTS`). Calibration, the fidelity
report and behaviour cloning on real assistant moves all go through the tables here, so that
"the same statistic" means the same thing on real and simulated dialogues.

Counting. An utterance's *labels* are its majority intents: the intent(s) with the highest
annotator count. A tie splits the utterance's unit weight equally (590 of the 2,196
utterances tie); nothing depends on the order the file lists them in.

Turns. The simulator alternates strictly (one assistant move, one customer reply); a real
participant often sends several messages in a row. A *turn* is a maximal run of consecutive
utterances by one speaker, and each turn carries unit weight, shared equally among its
utterances. See ``docs/calibration.md`` for the tables as documentation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gopo_env.core.frozen import FrozenMap
from gopo_env.domains.mgshop.state import ACTS
from gopo_env.domains.mgshop.strategies import (
    ANSWER,
    CLARIFY,
    CLOSE,
    ELICIT_NEED,
    ELICIT_PREFERENCES,
    END,
    EXPLAIN,
    GREET,
    OPEN_QUESTION,
    RECOMMEND,
    SEARCH,
    STRATEGIES,
)

MG_INTENTS: tuple[str, ...] = (
    "greeting", "disclose", "elicit", "clarify", "o_question", "answer", "recommend", "explain",
    "pf", "nf", "interaction", "other",
)
"""MG-ShopDial's 12 intent labels (used for both the assistant and the customer)."""

ASSISTANT_SPEAKER, CUSTOMER_SPEAKER = "assistant", "customer"

# ---------------------------------------------------------------- assistant side
WIZARD_INTENT_RULE: Mapping[str, str] = FrozenMap({
    "greeting": "greet at the dialogue's first assistant turn, else end (a closing 'thanks, bye')",
    "elicit": "elicit_need for the first elicitation before any item was presented, "
              "else elicit_preferences",
    "o_question": "open_question once an item was presented, else as elicit",
    "clarify": "clarify",
    "recommend": "search when the utterance's goal is 'search', else recommend",
    "disclose": "search (the assistant tells what the shop has)",
    "explain": "explain",
    "answer": "answer",
    "pf": "no strategy (acknowledgement)",
    "nf": "no strategy (apology, 'out of stock')",
    "interaction": "no strategy (filler: 'give me a minute', 'understood')",
    "other": "no strategy (image links, typos)",
})
"""How a real assistant utterance's majority intent becomes a strategy (documentation of
:func:`utterance_strategies`; a close pattern in the text overrides it, see :data:`CLOSE_PATTERN`)."""

CLOSE_PATTERN = re.compile(
    r"\b(?:add|put|place|prepare|make)\b[^.?!]{0,40}\b(?:basket|cart|order)\b"
    r"|\bwould you like to (?:buy|purchase|order) (?:it|this|that|them|the)\b",
    re.IGNORECASE,
)
"""MG-ShopDial has no intent for proposing the purchase; an assistant utterance offering to
put the item in the basket (or asking whether to buy *it*) is the ``close`` strategy."""

STRATEGY_TO_WIZARD: Mapping[str, str] = FrozenMap({
    "greet": "greeting", "elicit_need": "elicit", "elicit_preferences": "elicit",
    "clarify": "clarify", "search": "recommend", "recommend": "recommend", "explain": "explain",
    "answer": "answer", "open_question": "o_question",
    "close": "clarify",  # real "should I add it to your basket?" is annotated mostly clarify
    "end": "greeting",
})
"""Which MG-ShopDial assistant intent a simulated strategy counts as."""

_PRIORITY = (CLOSE, ANSWER, RECOMMEND, SEARCH, EXPLAIN, CLARIFY, ELICIT_PREFERENCES, ELICIT_NEED,
             OPEN_QUESTION, GREET, END)
"""Tie-break between strategies with equal weight in one turn: the more specific move wins."""

# ---------------------------------------------------------------- customer side
ACT_TO_CLIENT: Mapping[str, str] = FrozenMap({
    "greeting": "greeting",
    "disclose": "disclose",
    "confirm": "answer",       # "Yes, exactly." in reply to clarify
    "answer": "answer",        # requirements stated in reply to an elicitation (p_answer_label)
    "clarify": "clarify",      # "Could you clarify one thing: what color is it?" (p_clarify)
    "o_question": "o_question",  # also "What would you recommend?" (p_ask_recommendation)
    "pf": "pf",
    "nf": "nf",
    "interaction": "interaction",
    "buy": "pf",               # real "I'll buy it" is annotated pf (often also answer)
    "goodbye": "greeting",     # real closings ("thank you so much for your time") are greeting
    "leave": "nf",
})
"""Which MG-ShopDial client intent a simulated customer act counts as."""

CLIENT_TO_ACT: Mapping[str, str | None] = FrozenMap({
    "greeting": "greeting",
    "disclose": "disclose",
    "elicit": "disclose",      # customers' "elicit" utterances state requirements ("my budget is ...")
    "explain": "disclose",     # "they are for men actually", "so I need more battery life"
    "answer": "answer",        # replies to the assistant's questions ("confirm" counts as answer too)
    "o_question": "o_question",
    "pf": "pf",
    "nf": "nf",
    "interaction": "interaction",
    "clarify": "clarify",      # "how much is it?", "do you have it in other colours?"
    "recommend": "o_question",  # "can you recommend me something?": the simulator asks it as a question
    "other": None,
})
"""Which simulated act a real client intent corresponds to (None: the simulator has none)."""


# ---------------------------------------------------------------- counting
def majority_intents(intents: Sequence[tuple[str, float]]) -> dict[str, float]:
    """The utterance's majority intent(s), sharing unit weight on a tie; {} if unannotated."""
    if not intents:
        return {}
    top = max(count for _, count in intents)
    names = sorted({name for name, count in intents if count == top})
    unknown = [n for n in names if n not in MG_INTENTS]
    if unknown:
        raise ValueError(f"unknown MG-ShopDial intent(s) {unknown}; known: {list(MG_INTENTS)}")
    return {name: 1.0 / len(names) for name in names}


@dataclass(frozen=True)
class Turn:
    """A maximal run of consecutive utterances by one speaker."""

    speaker: str
    utterances: tuple[Any, ...]

    def intent_mass(self) -> dict[str, float]:
        """Unit weight over MG-ShopDial intents, each utterance weighing 1/len(utterances)."""
        mass: dict[str, float] = {}
        share = 1.0 / len(self.utterances)
        for utt in self.utterances:
            for name, w in majority_intents(utt.intents).items():
                mass[name] = mass.get(name, 0.0) + w * share
        return mass


def turns(utterances: Iterable[Any]) -> tuple[Turn, ...]:
    """Group a real dialogue's utterances into turns (maximal same-speaker runs)."""
    out: list[Turn] = []
    run: list[Any] = []
    for utt in utterances:
        if utt.speaker not in (ASSISTANT_SPEAKER, CUSTOMER_SPEAKER):
            raise ValueError(f"utterance {getattr(utt, 'id', '?')}: speaker {utt.speaker!r} is neither "
                             f"{ASSISTANT_SPEAKER!r} nor {CUSTOMER_SPEAKER!r}")
        if run and run[-1].speaker != utt.speaker:
            out.append(Turn(run[-1].speaker, tuple(run)))
            run = []
        run.append(utt)
    if run:
        out.append(Turn(run[-1].speaker, tuple(run)))
    return tuple(out)


# ---------------------------------------------------------------- assistant moves
@dataclass
class _MoveContext:
    first_turn: bool = True
    need_elicited: bool = False
    presented: bool = False


def utterance_strategies(utt: Any, ctx: _MoveContext) -> dict[int, float]:
    """Strategy weights of one assistant utterance (its majority intents mapped by the rules)."""
    if CLOSE_PATTERN.search(utt.text or ""):
        return {CLOSE: 1.0}
    out: dict[int, float] = {}
    for name, w in majority_intents(utt.intents).items():
        s: int | None
        if name == "greeting":
            s = GREET if ctx.first_turn else END
        elif name == "o_question" and ctx.presented:
            s = OPEN_QUESTION
        elif name in ("elicit", "o_question"):
            s = ELICIT_PREFERENCES if (ctx.need_elicited or ctx.presented) else ELICIT_NEED
        elif name == "recommend":
            s = SEARCH if utt.goal == "search" else RECOMMEND
        else:
            s = {"clarify": CLARIFY, "disclose": SEARCH, "explain": EXPLAIN, "answer": ANSWER}.get(name)
        if s is not None:
            out[s] = out.get(s, 0.0) + w
    return out


def _turn_strategy(turn: Turn, ctx: _MoveContext) -> int | None:
    weights: dict[int, float] = {}
    for utt in turn.utterances:
        for s, w in utterance_strategies(utt, ctx).items():
            weights[s] = weights.get(s, 0.0) + w
    if not weights:
        return None
    best = max(weights.values())
    return next(s for s in _PRIORITY if weights.get(s, 0.0) == best)


def turn_strategies(dialogue: Any) -> tuple[tuple[Turn, int | None], ...]:
    """Every turn of a real dialogue with the strategy of assistant turns (None: a filler turn,
    or a customer turn)."""
    ctx = _MoveContext()
    out: list[tuple[Turn, int | None]] = []
    for turn in turns(dialogue.utterances):
        if turn.speaker != ASSISTANT_SPEAKER:
            out.append((turn, None))
            continue
        s = _turn_strategy(turn, ctx)
        out.append((turn, s))
        ctx.first_turn = False
        ctx.need_elicited |= s in (ELICIT_NEED, ELICIT_PREFERENCES)
        ctx.presented |= s in (SEARCH, RECOMMEND, EXPLAIN)
    return tuple(out)


def assistant_strategy_sequence(dialogue: Any) -> tuple[int, ...]:
    """The real assistant's moves as strategy ids, in order (for behaviour cloning).

    Each assistant turn (a run of consecutive assistant utterances) becomes the strategy with
    the most weight among its utterances' majority intents, mapped by
    :data:`WIZARD_INTENT_RULE` (a basket offer is ``close``); filler turns with no strategy
    (acknowledgements, "give me a minute", image links) are left out.
    """
    return tuple(s for turn, s in turn_strategies(dialogue)
                 if turn.speaker == ASSISTANT_SPEAKER and s is not None)


def check_tables() -> None:
    """Raise if a mapping table is not total over its vocabulary or names an unknown label."""
    problems = []
    if set(WIZARD_INTENT_RULE) != set(MG_INTENTS):
        problems.append("WIZARD_INTENT_RULE must cover exactly the MG-ShopDial intents")
    if set(STRATEGY_TO_WIZARD) != set(STRATEGIES) or not set(STRATEGY_TO_WIZARD.values()) <= set(MG_INTENTS):
        problems.append("STRATEGY_TO_WIZARD must map every strategy to an MG-ShopDial intent")
    if set(ACT_TO_CLIENT) != set(ACTS) or not set(ACT_TO_CLIENT.values()) <= set(MG_INTENTS):
        problems.append("ACT_TO_CLIENT must map every customer act to an MG-ShopDial intent")
    if set(CLIENT_TO_ACT) != set(MG_INTENTS) or not {a for a in CLIENT_TO_ACT.values() if a} <= set(ACTS):
        problems.append("CLIENT_TO_ACT must map every MG-ShopDial intent to an act or None")
    if problems:
        raise AssertionError("; ".join(problems))

