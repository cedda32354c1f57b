"""The MultiWOZ strategy set (system dialogue acts) and the rule SOP.

The Expert's strategies are the system dialogue-act intents of MultiWOZ/ConvLab, **domain-
agnostic**: each applies to the domain the customer is currently talking about (the public
state's ``active`` domain, the one the customer's latest act named). The content (which slot
to ask, which venue to offer, which values to inform) is the built-in CS Agent's
(:mod:`.writer`), from the belief state and a database query:

============  ==================================================================================
welcome       greet and offer help (MultiWOZ ``general-welcome``/``greet``)
request       ask for the constraint or booking slots still missing (``Request``)
inform        give the venue under discussion and the values the customer asked for (``Inform``)
recommend     offer one matching venue by name (``Recommend``)
select        offer a choice between two matching venues (``Select``)
nooffer       say nothing matches the constraints (``NoOffer``)
offerbook     offer to book the venue under discussion (``OfferBook``)
book          make the booking and give its reference (``Book``; taxi: car and phone)
nobook        say the booking cannot be made as asked (``NoBook``)
reqmore       ask whether anything else is needed (``general-reqmore``)
bye           close the dialogue (``general-bye``)
============  ==================================================================================

The rule SOP (:func:`sop_next`, the scripted baseline's source) is in the spirit of
ConvLab's rule system policy: answer requests first, no-offer when nothing matches, ask for
constraints while the candidates are many, recommend, then book with all booking slots known
(no-book when the desk refuses), offer a booking once when the customer has not said, and
``reqmore`` when the domain is served. It reads only the public :class:`SopView`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

STRATEGIES: tuple[str, ...] = (
    "welcome", "request", "inform", "recommend", "select", "nooffer", "offerbook", "book",
    "nobook", "reqmore", "bye",
)
(WELCOME, REQUEST, INFORM, RECOMMEND, SELECT, NOOFFER, OFFERBOOK, BOOK, NOBOOK, REQMORE,
 BYE) = range(len(STRATEGIES))
ID = {name: i for i, name in enumerate(STRATEGIES)}
PRIORITY: tuple[str, ...] = ("book", "nobook", "offerbook", "nooffer", "select", "recommend", "inform",
                             "request", "reqmore", "welcome", "bye")
"""When a text carries several acts, its main strategy is the first of these."""

BOOKABLE = ("restaurant", "hotel", "train")
VENUES = ("restaurant", "hotel", "attraction", "train")


@dataclass(frozen=True)
class SopView:
    """What the SOP and the mask read: the public state plus database/desk lookups, for the
    active domain. In ``info["state"]["sop"]`` as a dict."""

    turn: int
    greeted: bool
    customer_bye: bool
    active: str | None
    n_results: int
    """Matches of the active domain's constraints (-1: no table, i.e. taxi or none active)."""
    offer_ok: bool
    """A venue was offered and still meets the constraints."""
    requested: tuple[str, ...]
    wants_booking: bool | None
    booked: bool
    book_missing: tuple[str, ...]
    available: bool | None
    """The booking desk's answer for the offered venue and the known slots (None: not asked)."""
    offered_booking: bool
    nooffer_said: bool
    ask: tuple[str, ...]
    """The slots a ``request`` would ask now (empty: nothing worth asking)."""

    def as_dict(self) -> dict[str, Any]:
        d = {f: getattr(self, f) for f in _FIELDS}
        d["requested"] = list(self.requested)
        d["book_missing"] = list(self.book_missing)
        d["ask"] = list(self.ask)
        return d


_FIELDS = tuple(f.name for f in fields(SopView))


def _view(v: SopView | Mapping[str, Any]) -> SopView:
    if isinstance(v, SopView):
        return v
    if "sop" in v:
        v = v["sop"]
    return SopView(**{k: tuple(x) if isinstance(x, list) else x for k, x in v.items()})


def sop_allows(view: SopView | Mapping[str, Any]) -> tuple[bool, ...]:
    """The SOP mask: it forbids only acts that cannot be carried out truthfully now
    (no-offer with matches, booking with the desk refusing or slots missing, ...)."""
    v = _view(view)
    d = v.active
    venue = d in VENUES
    has_entity = v.offer_ok or v.n_results > 0 or d in ("police", "hospital")
    if d == "taxi":
        can_book = not v.booked and not v.book_missing
    else:
        can_book = v.offer_ok and not v.booked and v.available is True
    return (
        v.turn == 0 and not v.greeted,                    # welcome
        bool(v.ask),                                      # request
        d is not None and has_entity,                     # inform
        venue and v.n_results > 0,                        # recommend
        venue and v.n_results >= 2,                       # select
        venue and v.n_results == 0,                       # nooffer
        d in BOOKABLE and v.offer_ok and not v.booked,    # offerbook
        can_book,                                         # book
        d in BOOKABLE and v.offer_ok and v.available is False,  # nobook
        True,                                             # reqmore
        True,                                             # bye
    )


def sop_next(view: SopView | Mapping[str, Any]) -> int:
    """The act the rule SOP prescribes now (the built-in Expert Agent)."""
    v = _view(view)
    d = v.active
    if v.customer_bye:
        return BYE
    if d is None:
        return WELCOME if v.turn == 0 and not v.greeted else REQMORE
    if d == "taxi":
        if v.booked:
            return REQMORE
        return REQUEST if v.book_missing else BOOK
    if d in ("police", "hospital"):
        return INFORM if (v.requested or not v.offer_ok) else REQMORE
    if not v.offer_ok:
        if v.n_results == 0:
            return REQMORE if v.nooffer_said else NOOFFER
        if v.requested:
            return INFORM
        if v.ask and not v.wants_booking:
            return REQUEST
        return RECOMMEND
    if v.requested:
        return INFORM
    if v.wants_booking and d in BOOKABLE:
        if v.booked:
            return REQMORE
        if v.book_missing:
            return REQUEST
        return NOBOOK if v.available is False else BOOK
    if d in BOOKABLE and not v.booked and v.wants_booking is None and not v.offered_booking:
        return OFFERBOOK
    return REQMORE
