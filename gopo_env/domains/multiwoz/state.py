"""The public dialogue state of a MultiWOZ episode: a belief state any agent could track.

It is updated from the customer's stated acts (``CustomerAct.disclosed``: what the customer
said, in structured form, i.e. perfect NLU) and from the acts the parser recovers from the
assistant's text. Nothing hidden (the goal, the agenda) enters it.

``disclosed`` keys (the customer side, see :mod:`.simulator`):

* ``"<domain>-<slot>"`` → value: an informable constraint (``"restaurant-food"`` → ``"italian"``);
* ``"<domain>-book <slot>"`` → value: a booking slot (``"hotel-book stay"`` → ``"3"``);
* ``"<domain>-request"`` → slot: a requested slot (``"hotel-request"`` → ``"phone"``);
* ``"<domain>-booking"`` → ``"yes"`` / ``"no"``: asks to book / declines a booking offer;
* ``"general-bye"`` / ``"general-thank"`` → ``""``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gopo_env.domains.multiwoz.acts import Act
from gopo_env.domains.multiwoz.data import DOMAINS


@dataclass
class DomainState:
    constraints: dict[str, str] = field(default_factory=dict)
    book: dict[str, str] = field(default_factory=dict)
    wants_booking: bool | None = None
    requested: list[str] = field(default_factory=list)
    """Slots the customer asked for and the assistant has not informed yet."""
    offered: str | None = None
    """Entity id the assistant offered last (recommend, inform, select, book)."""
    offered_name: str | None = None
    booked: str | None = None
    """The reference (taxi: ``"<car> <phone>"``) of the booking the assistant reported."""
    nooffer: bool = False
    nobook: bool = False
    offered_booking: bool = False
    asked: list[str] = field(default_factory=list)
    """Slots the assistant has asked for in this domain."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "constraints": dict(self.constraints), "book": dict(self.book),
            "wants_booking": self.wants_booking, "requested": list(self.requested),
            "offered": self.offered, "offered_name": self.offered_name, "booked": self.booked,
            "nooffer": self.nooffer, "nobook": self.nobook, "offered_booking": self.offered_booking,
            "asked": list(self.asked),
        }


class PublicState:
    """Belief state over the seven domains plus the dialogue's bookkeeping."""

    def __init__(self) -> None:
        self.domains: dict[str, DomainState] = {d: DomainState() for d in DOMAINS}
        self.mentioned: list[str] = []
        self.active: str | None = None
        self.customer_bye = False
        self.last_intent = "none"
        self.last_strategy: int | None = None
        self.counts: dict[int, int] = {}
        self.greeted = False

    def on_customer(self, intent: str, disclosed: tuple[tuple[str, str], ...]) -> None:
        self.last_intent = intent
        for key, value in disclosed:
            domain, _, slot = key.partition("-")
            if domain == "general":
                if slot == "bye":
                    self.customer_bye = True
                continue
            if domain not in self.domains:
                continue
            st = self.domains[domain]
            if domain not in self.mentioned:
                self.mentioned.append(domain)
            self.active = domain
            if slot == "request":
                if value not in st.requested:
                    st.requested.append(value)
            elif slot == "booking":
                st.wants_booking = value == "yes"
            elif slot.startswith("book "):
                st.book[slot[5:]] = value
                st.wants_booking = True
            else:
                if st.constraints.get(slot) != value:
                    st.constraints[slot] = value
                    st.nooffer = False

    def on_system(self, acts: tuple[Act, ...], strategy: int | None) -> None:
        self.last_strategy = strategy
        if strategy is not None:
            self.counts[strategy] = self.counts.get(strategy, 0) + 1
        for act in acts:
            if act.intent == "welcome":
                self.greeted = True
            if act.domain not in self.domains:
                continue
            st = self.domains[act.domain]
            if act.intent == "request":
                if act.slot not in st.asked:
                    st.asked.append(act.slot)
            elif act.intent in ("inform", "recommend", "select", "offerbook", "book"):
                if act.slot == "id":
                    st.offered = act.value
                elif act.slot == "name":
                    st.offered_name = act.value
                elif act.slot in st.requested:
                    st.requested.remove(act.slot)
                if act.intent == "offerbook":
                    st.offered_booking = True
                reported = act.slot == "ref" or act.domain == "taxi" and act.slot == "phone"
                if act.intent == "book" and reported:
                    st.booked = act.value
                    st.nobook = False
            elif act.intent == "nooffer":
                st.nooffer = True
            elif act.intent == "nobook":
                st.nobook = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "active": self.active,
            "mentioned": list(self.mentioned),
            "customer_bye": self.customer_bye,
            "last_intent": self.last_intent,
            "last_strategy": self.last_strategy,
            "greeted": self.greeted,
            "domains": {d: self.domains[d].as_dict() for d in self.mentioned},
        }
