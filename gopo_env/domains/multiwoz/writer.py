"""The built-in CS Agent: a template writer realising the Expert's act from the public belief
state (``info["state"]``) and a database query; agents get the same writer in the toolkit.

Content rules (the writer never invents a value): the venue is the one under discussion when
it still meets the constraints, else the first database match (:mod:`.db` order); informed
values are the requested slots of that venue, read from its row; a booking is made at the
booking desk with the booking slots the customer gave and reports the desk's reference (the
desk's answer for the current request is part of the public state, ``state["booking"]``).
Each template is one the parser (:mod:`.parser`) reads back as the same act; an act that
cannot be carried out truthfully (``book`` with slots missing, ``recommend`` with no match)
is written as far as it can be, without a made-up value, and the parser then reports what the
text really does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gopo_env.core.errors import DataError
from gopo_env.domains.multiwoz.acts import DOMAIN_WORDS, SLOT_WORDS
from gopo_env.domains.multiwoz.db import DONTCARE, Database, Entity
from gopo_env.domains.multiwoz.strategies import (
    BOOK,
    BYE,
    INFORM,
    NOBOOK,
    NOOFFER,
    OFFERBOOK,
    RECOMMEND,
    REQMORE,
    REQUEST,
    SELECT,
    WELCOME,
)

_QUESTIONS = {
    "area": "Which area of town would you prefer?",
    "pricerange": "What price range are you looking for?",
    "food": "What type of food would you like?",
    "stars": "How many stars should it have?",
    "parking": "Do you need free parking?",
    "internet": "Do you need free wifi?",
    "departure": "Where will you be departing from?",
    "destination": "Where are you travelling to?",
    "leaveAt": "What time would you like to leave?",
    "arriveBy": "What time do you need to arrive by?",
    "people": "For how many people?",
    "stay": "How many nights will you be staying?",
    "time": "What time would you like the reservation for?",
    "department": "Which department do you need?",
    "name": "Do you have the name of the place in mind?",
}
_TYPE_QUESTION = {"hotel": "Would you prefer a hotel or a guest house?",
                  "attraction": "What type of attraction are you interested in?"}
_DAY_QUESTION = {"train": "What day would you like to travel?",
                 "taxi": "What day do you need the taxi?"}


_UNLISTED = ("phone", "postcode", "address", "entrance fee")
"""Slots a row may lack (a few venues have no phone, most attractions no fee): the writer says
so rather than invent a value."""


def _title(name: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in name.split(" "))


def display_name(entity: Entity) -> str:
    return entity.name if entity.domain == "train" else _title(entity.name)


def slot_sentence(entity: Entity, slot: str) -> str | None:
    """One sentence stating ``slot`` of ``entity`` from its row (None if the row has no value)."""
    value = entity.get(slot) if slot != "trainID" else entity.name
    name = display_name(entity)
    if value is None or value in ("", "?"):
        if slot in _UNLISTED:
            return f"The {SLOT_WORDS[slot]} of {name} is not listed."
        return None
    if slot == "phone":
        return f"The phone number of {name} is {value}."
    if slot == "postcode":
        return f"The postcode of {name} is {value}."
    if slot == "address":
        return f"{name} is located at {value}."
    if slot == "area":
        return f"{name} is in the {value}."
    if slot == "pricerange":
        return f"{name} is in the {value} price range."
    if slot == "food":
        return f"{name} serves {value} food."
    if slot == "stars":
        return f"{name} has {value} stars."
    if slot in ("internet", "parking"):
        what = "free wifi" if slot == "internet" else "free parking"
        return f"{name} has {what}." if value == "yes" else f"{name} has no {what.split()[-1]}."
    if slot == "type":
        article = "a" if entity.domain == "hotel" or value[:1] not in "aeiou" else "an"
        return f"{name} is {article} {'guest house' if value == 'guesthouse' else value}."
    if slot == "entrance fee":
        return f"The entrance fee of {name} is {value}."
    if slot == "leaveAt":
        return f"{name} leaves at {value}."
    if slot == "arriveBy":
        return f"{name} arrives at {value}."
    if slot == "price":
        return f"A ticket on {name} costs {value}."
    if slot == "duration":
        return f"The journey on {name} takes {value}."
    if slot == "trainID":
        return f"The train ID is {name}."
    return f"The {SLOT_WORDS.get(slot, slot)} of {name} is {value}."


def _domain(state: Mapping[str, Any], d: str | None) -> Mapping[str, Any]:
    return (state.get("domains") or {}).get(d or "", {}) or {}


class Writer:
    """Template writer over the public state dict (``info["state"]``) and the database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def focus(self, state: Mapping[str, Any]) -> Entity | None:
        """The venue a response would speak of: the offered one if it still fits the
        constraints, else the first match of the active domain's constraints."""
        d = state.get("active")
        if d is None or d == "taxi":
            return None
        ds = _domain(state, d)
        offered = ds.get("offered")
        if (state.get("sop") or {}).get("offer_ok") and offered:
            try:
                return self.db.entity(offered)
            except DataError:
                pass
        hits = self.db.query(d, ds.get("constraints") or {})
        return hits[0] if hits else None

    def realize(self, strategy: int | None, state: Mapping[str, Any]) -> str:
        d = state.get("active")
        thing = DOMAIN_WORDS.get(d or "", "place")
        if strategy == WELCOME:
            return "Hello, welcome to the Cambridge TownInfo centre. How can I help you today?"
        if strategy == REQMORE or strategy is None:
            return "Is there anything else I can help you with?"
        if strategy == BYE:
            return "Thank you for using our service. Goodbye!"
        if strategy == REQUEST:
            return self._request(d, tuple((state.get("sop") or {}).get("ask") or ()))
        if strategy == NOOFFER:
            return f"I'm sorry, there is no {thing} matching your criteria."
        if d == "taxi":
            return self._taxi(strategy, state)
        e = self.focus(state)
        if e is None:
            return f"I'm sorry, there is no {thing} matching your criteria."
        name = display_name(e)
        ds = _domain(state, d)
        if strategy == RECOMMEND:
            return f"I recommend {name}."
        if strategy == SELECT:
            hits = self.db.query(d, ds.get("constraints") or {}) if d else ()
            if len(hits) < 2:
                return f"I recommend {name}."
            a, b = display_name(hits[0]), display_name(hits[1])
            return f"I have {len(hits)} options, for example {a} and {b}. Which would you prefer?"
        if strategy == INFORM:
            slots = [s for s in ds.get("requested") or () if s != "ref"]
            sentences = [s for s in (slot_sentence(e, slot) for slot in slots) if s]
            if not sentences:
                return f"{name} would suit you."
            return " ".join(sentences)
        if strategy == OFFERBOOK:
            return f"Would you like me to book {name}?"
        if strategy == BOOK:
            return self._book(d, e, ds.get("book") or {}, state.get("booking"))
        if strategy == NOBOOK:
            return f"I'm sorry, I was unable to book {name} for that. Would you like to change the booking?"
        return "Is there anything else I can help you with?"

    def _request(self, d: str | None, ask: tuple[str, ...]) -> str:
        slots = ask or ("area",)
        out = []
        for slot in slots:
            if slot == "type" and d in _TYPE_QUESTION:
                out.append(_TYPE_QUESTION[d])
            elif slot == "day":
                out.append(_DAY_QUESTION.get(d or "", "What day would you like the booking for?"))
            else:
                out.append(_QUESTIONS.get(slot, f"What {SLOT_WORDS.get(slot, slot)} would you like?"))
        return " ".join(out)

    def _book(self, d: str | None, e: Entity, book: Mapping[str, str], booking: Any) -> str:
        name = display_name(e)
        ok = isinstance(booking, Mapping) and booking.get("entity") == e.id and booking.get("available") \
            and booking.get("ref")
        if not ok:
            return f"I have booked {name}."
        parts = []
        if book.get("people") and book["people"] != DONTCARE:
            one = book["people"] == "1"
            if d == "train":
                parts.append("1 ticket" if one else f"{book['people']} tickets")
            else:
                parts.append("for 1 person" if one else f"for {book['people']} people")
        if book.get("day") and d != "train":
            parts.append(f"on {book['day']}")
        if book.get("time"):
            parts.append(f"at {book['time']}")
        if book.get("stay"):
            parts.append(f"for {book['stay']} nights")
        if d == "train":
            what = f"I have booked {' '.join(parts) or 'your tickets'} on {name}."
        else:
            what = f"I have booked {name} {' '.join(parts)}.".replace(" .", ".")
        return f"{what} Your reference number is {booking['ref']}."

    def _taxi(self, strategy: int | None, state: Mapping[str, Any]) -> str:
        booking = state.get("booking")
        car = booking.get("car") if isinstance(booking, Mapping) else None
        phone = booking.get("phone") if isinstance(booking, Mapping) else None
        if strategy == BOOK:
            if not (car and phone):
                return "I have booked a taxi for you."
            return f"I have booked a taxi for you: a {car}, contact number {phone}."
        if strategy == INFORM and car and phone and _domain(state, "taxi").get("booked"):
            return f"Your taxi is a {car} and the contact number is {phone}."
        if strategy in (OFFERBOOK, RECOMMEND, SELECT, INFORM):
            return "Would you like me to book a taxi for you?"
        if strategy == NOBOOK:
            return "I'm sorry, I was unable to book a taxi for that. Would you like to change the time?"
        return "Is there anything else I can help you with?"
