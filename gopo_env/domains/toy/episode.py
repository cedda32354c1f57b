"""One toy episode: the hidden customer, the public state, parser and template writer."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gopo_env.core.domain import CustomerAct, DomainEpisode, ParsedResponse
from gopo_env.domains.toy import language as L
from gopo_env.domains.toy.customer import AGENDA, GAINS, ToyCustomer
from gopo_env.domains.toy.scenarios import ToyScenario

_N = len(L.STRATEGIES)
_LAST0 = 7
_WANT0 = _LAST0 + _N
FEATURE_NAMES: tuple[str, ...] = (
    "turn_fraction", "greeted", "want_known", "asked/3", "rejected/3", "served", "last_polarity",
    *(f"last_strategy={s}" for s in L.STRATEGIES),
    *(f"want={i}" for i in L.ITEMS),
)
"""Index -> name of the 17 observation features (float32, each in [-1, 1]; ``x/3`` is the count
x clipped to 3, divided by 3; ``turn_fraction`` is assistant turns done / ``max_turns``)."""
N_FEATURES = len(FEATURE_NAMES)


@dataclass
class ToyState:
    """What anyone reading the transcript knows (``as_dict()`` is ``info["state"]``)."""

    greeted: bool = False
    asked: int = 0
    want: str | None = None
    offered: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    served: str | None = None
    last_strategy: int | None = None
    last_intent: str = ""
    last_polarity: int = 0

    def on_response(self, parsed: ParsedResponse) -> None:
        self.last_strategy = parsed.strategy
        if parsed.strategy == L.GREET:
            self.greeted = True
        elif parsed.strategy == L.ASK:
            self.asked += 1
        elif parsed.strategy == L.OFFER and parsed.products:
            self.offered.append(parsed.products[0])

    def on_customer(self, act: CustomerAct) -> None:
        self.last_intent, self.last_polarity = act.intent, act.polarity
        for slot, value in act.disclosed:
            if slot == "want":
                self.want = value
            elif slot == "served":
                self.want = self.served = value
            elif slot == "rejected" and value not in self.rejected:
                self.rejected.append(value)

    def as_dict(self) -> dict[str, Any]:
        return {"greeted": self.greeted, "asked": self.asked, "want": self.want,
                "offered": list(self.offered), "rejected": list(self.rejected), "served": self.served,
                "last_strategy": self.last_strategy, "last_intent": self.last_intent,
                "last_polarity": self.last_polarity}


class ToyEpisode(DomainEpisode):
    """One café customer: :class:`ToyCustomer` (hidden) and :class:`ToyState` (public).

    The customer reacts to what it reads (the parse of the text), not to the expert's label;
    the template writer draws its wording from ``random.Random(f"writer:{seed}")``.
    """

    def __init__(self, scenario: ToyScenario, seed: int, max_turns: int) -> None:
        self.scenario = scenario
        self.max_turns = max_turns
        self.customer = ToyCustomer(scenario, seed)
        self.state = ToyState()
        self.writer_rng = random.Random(f"writer:{seed}")  # the customer's draws never shift it
        self.turns_done = 0
        """Assistant turns the customer has answered."""

    def opening(self) -> CustomerAct:
        act = self.customer.opening()
        self.state.on_customer(act)
        return act

    def write_mask(self, out: np.ndarray) -> None:
        out[:] = L.sop_allows(self.state.as_dict(), self.turns_done)

    def write_features(self, out: np.ndarray, turn: int) -> None:
        st = self.state
        out[:] = 0.0
        out[0] = min(turn / self.max_turns, 1.0)
        out[1] = st.greeted
        out[2] = st.want is not None
        out[3] = min(st.asked, 3) / 3
        out[4] = min(len(st.rejected), 3) / 3
        out[5] = st.served is not None
        out[6] = st.last_polarity
        if st.last_strategy is not None:
            out[_LAST0 + st.last_strategy] = 1.0
        if st.want is not None:
            out[_WANT0 + L.ITEMS.index(st.want)] = 1.0

    def realize(self, strategy: int | None) -> str:
        return L.write(strategy, self.state.as_dict(), self.writer_rng)

    def parse(self, text: str) -> ParsedResponse:
        return L.parse(text)

    def is_faithful(self, parsed: ParsedResponse) -> bool:
        return L.is_faithful(parsed)

    def react(self, strategy: int | None, parsed: ParsedResponse, turn: int) -> CustomerAct:
        self.state.on_response(parsed)
        act = self.customer.react(parsed, L.is_faithful(parsed), turn)
        self.turns_done = turn
        self.state.on_customer(act)
        return act

    def agenda(self) -> tuple[tuple[str, ...], tuple[float, ...], tuple[int | None, ...]]:
        return AGENDA, GAINS, tuple(self.customer.achieved.get(n) for n in AGENDA)

    def success(self) -> bool:
        return self.customer.success()

    def public_state(self) -> dict[str, Any]:
        return self.state.as_dict()

    def reference_strategies(self) -> tuple[int, ...]:
        return self.scenario.reference_strategies()

    def sop_strategy(self, turn: int) -> int:
        return L.sop_next(self.state.as_dict(), turn)

    def context(self) -> dict[str, Any]:
        return L.context(self.state.as_dict())
