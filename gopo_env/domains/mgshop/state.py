"""The public dialogue state: what any agent can know from the transcript so far.

It is updated only from what was said: the customer's disclosed slots and the parsed
responses. The realizer, the SOP mask, the features and the scripted policy read it; the
hidden customer state lives in ``simulator.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gopo_env.core.domain import CustomerAct, ParsedResponse
from gopo_env.domains.mgshop.strategies import GREET, STRATEGIES

INTENTS: tuple[str, ...] = (
    "greeting", "disclose", "confirm", "o_question", "pf", "nf", "interaction", "buy",
    "goodbye", "leave",
)
"""Customer intents as the observation shows them (a mapping to MG-ShopDial's client intents
is part of calibration)."""
ACT_ALIASES: dict[str, str] = {"answer": "confirm", "clarify": "o_question"}
"""Acts the observation shows as another intent, so that the feature layout stays fixed: stating
requirements in answer to the assistant's question replies like a confirmation; asking to clarify
a detail is a question (the pending question is visible as one)."""
ACTS: tuple[str, ...] = INTENTS + tuple(ACT_ALIASES)
"""Every customer act the simulator can produce."""
INTENT_ID = {name: i for i, name in enumerate(INTENTS)} | {
    act: INTENTS.index(shown) for act, shown in ACT_ALIASES.items()}


@dataclass
class KnownNeed:
    """What the customer said about one item."""

    max_price: float | None = None
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class PublicState:
    greeted: bool = False
    kinds: list[str] = field(default_factory=list)
    known: list[KnownNeed] = field(default_factory=list)
    min_rating: float | None = None
    prefs_done: bool = False
    item: int = 0
    candidate: str | None = None
    shown: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    pending_question: str | None = None
    questions_done: bool = False
    bought: list[str] = field(default_factory=list)
    task_done: bool = False
    last_strategy: int | None = None
    counts: list[int] = field(default_factory=lambda: [0] * len(STRATEGIES))
    last_intent: int = 0
    last_polarity: int = 0
    negatives: int = 0

    @property
    def need_known(self) -> bool:
        return bool(self.kinds)

    def on_response(self, parsed: ParsedResponse) -> None:
        s = parsed.strategy
        if s is not None:
            self.counts[s] += 1
        self.last_strategy = s
        for pid in parsed.products:
            if pid not in self.shown:
                self.shown.append(pid)
        if GREET in parsed.moves:
            self.greeted = True

    def on_customer(self, act: CustomerAct) -> None:
        self.last_intent = INTENT_ID[act.intent]
        self.last_polarity = act.polarity
        if act.polarity < 0:
            self.negatives += 1
        for slot, value in act.disclosed:
            self._apply(slot, value)

    def _apply(self, slot: str, value: str) -> None:
        head, _, rest = slot.partition(":")
        if head == "kind":
            self.kinds.append(value)
            self._known(len(self.kinds) - 1)
        elif head == "max_price":
            self._known(int(rest)).max_price = float(value)
        elif head == "attr":
            i, attr = rest.split(":", 1)
            self._known(int(i)).attributes[attr] = value
        elif head == "min_rating":
            self.min_rating = float(value)
        elif head == "prefs_done":
            self.prefs_done = True
        elif head == "accept":
            self.candidate = value
        elif head == "reject":
            if value not in self.rejected:
                self.rejected.append(value)
        elif head == "question":
            self.pending_question = value
        elif head == "answered":
            self.pending_question = None
        elif head == "no_questions":
            self.questions_done = True
        elif head == "bought":
            self.bought.append(value)
            self.item += 1
            self.candidate = None
            self.questions_done = False
        elif head == "task_done":
            self.task_done = True
        elif head in ("profile", "critique"):
            self._apply_v1(head, value)
        else:
            raise ValueError(f"unknown disclosed slot {slot!r}")

    def _apply_v1(self, head: str, value: str) -> None:
        raise ValueError(f"disclosed slot {head!r} exists only in GOPO-Mgshop-v1 (PublicStateV1)")

    def _known(self, item: int) -> KnownNeed:
        while len(self.known) <= item:  # a requirement can be heard before the need itself
            self.known.append(KnownNeed())
        return self.known[item]

    def as_dict(self) -> dict[str, Any]:
        """JSON-able snapshot (what ``info["state"]`` carries)."""
        return {
            "greeted": self.greeted,
            "need_known": self.need_known,
            "kinds": list(self.kinds),
            "known": [{"max_price": k.max_price, "attributes": dict(k.attributes)}
                      for k in self.known],
            "min_rating": self.min_rating,
            "prefs_done": self.prefs_done,
            "item": self.item,
            "candidate": self.candidate,
            "shown": list(self.shown),
            "rejected": list(self.rejected),
            "pending_question": self.pending_question,
            "questions_done": self.questions_done,
            "bought": list(self.bought),
            "task_done": self.task_done,
        }


@dataclass
class PublicStateV1(PublicState):
    """v1: also what the opening line said about the customer and how many critiques it made."""

    profile_explorer: bool = False
    critiques: int = 0

    def _apply_v1(self, head: str, value: str) -> None:
        if head == "profile":
            self.profile_explorer = value == "explorer"
        else:
            self.critiques += 1

    def as_dict(self) -> dict[str, Any]:
        return super().as_dict() | {"profile_explorer": self.profile_explorer,
                                    "critiques": self.critiques}
