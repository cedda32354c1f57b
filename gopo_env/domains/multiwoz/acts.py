"""MultiWOZ dialogue-act vocabulary: acts as ``(intent, domain, slot, value)`` tuples.

The tuple order is ConvLab-3's (``[intent, domain, slot, value]``); slot names are the 2.1
goal names. System intents: ``welcome``, ``bye``, ``reqmore``, ``request``, ``inform``,
``recommend``, ``select``, ``nooffer``, ``offerbook``, ``book``, ``nobook``. User intents:
``inform``, ``request``, ``book`` (asks to book: carries the booking slots), ``negate``
(declines a booking offer), ``thank``, ``bye``.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import NamedTuple


class Act(NamedTuple):
    """One dialogue act: ``intent`` about ``slot`` = ``value`` in ``domain`` ('' when unused)."""

    intent: str
    domain: str
    slot: str = ""
    value: str = ""


_REQUESTABLE = {
    "restaurant": ("address", "area", "food", "phone", "postcode", "pricerange"),
    "hotel": ("address", "area", "internet", "parking", "phone", "postcode", "pricerange", "stars", "type"),
    "attraction": ("address", "area", "entrance fee", "phone", "postcode", "type"),
    "train": ("arriveBy", "duration", "leaveAt", "price", "trainID"),
    "taxi": ("car type", "phone"),
    "police": ("address", "phone", "postcode"),
    "hospital": ("address", "phone", "postcode"),
}
REQUESTABLE: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(_REQUESTABLE)
"""Slots a customer may request per domain (the inform precision/recall vocabulary, as
ConvLab's MultiWOZ evaluator uses; booking references are scored by the book rate)."""

SLOT_WORDS: MappingProxyType[str, str] = MappingProxyType({
    "pricerange": "price range", "arriveBy": "arrival time", "leaveAt": "departure time",
    "trainID": "train ID", "entrance fee": "entrance fee", "car type": "car type",
    "ref": "reference number", "postcode": "postcode", "phone": "phone number",
    "address": "address", "area": "area", "food": "type of food", "stars": "star rating",
    "internet": "internet", "parking": "parking", "type": "type", "duration": "travel time",
    "price": "price", "people": "number of people", "day": "day", "stay": "number of nights",
    "time": "time", "department": "department", "departure": "departure",
    "destination": "destination", "name": "name",
})
"""How templates and the parser name each slot in English."""

DOMAIN_WORDS: MappingProxyType[str, str] = MappingProxyType({
    "restaurant": "restaurant", "hotel": "place to stay", "attraction": "attraction",
    "train": "train", "taxi": "taxi", "police": "police station", "hospital": "hospital",
})
