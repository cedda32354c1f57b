"""The booking desk: the world's answer to a booking request (venue, taxi), deterministic.

A booking of ``domain`` for an entity with booking slots (restaurant: people/day/time; hotel:
people/day/stay; train: people) succeeds unless the goal marks those values as refused: a
domain goal with ``fail_book`` refuses every request whose values of the ``fail_book`` slots
equal those first-attempt values (MultiWOZ's "the first attempt fails" device). A taxi needs a
departure, a destination and a time (leave at or arrive by) and always succeeds.

The reference (eight upper-case letters and digits), the taxi's car (colour + make from the
taxi table) and phone number are hashes of (scenario id, domain, entity, slots): the same
request gets the same answer in any process, and a reference that was never issued for the
customer's actual request can be told apart (the customer does not accept it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from gopo_env.domains.multiwoz.data import BOOK_SLOTS, Goal
from gopo_env.domains.multiwoz.db import Database, normalize_value

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TAXI_NEEDS = ("departure", "destination")


@dataclass(frozen=True)
class BookingResult:
    available: bool
    ref: str | None = None
    """The reference number (venues) or ``None`` when refused."""
    car: str | None = None
    """Taxi only: ``"<colour> <make>"``."""
    phone: str | None = None
    """Taxi only: the driver's contact number."""


def _digest(*parts: str) -> bytes:
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).digest()


class BookingDesk:
    """Answers booking requests for one scenario (its goal fixes which requests are refused)."""

    def __init__(self, scenario_id: str, goal: Goal, db: Database) -> None:
        self.scenario_id = scenario_id
        self.db = db
        self._refused: dict[str, dict[str, str]] = {
            g.domain: {s: normalize_value(s, v) for s, v in g.fail_book} for g in goal.domains if g.fail_book
        }

    @staticmethod
    def missing(domain: str, slots: Mapping[str, str]) -> tuple[str, ...]:
        """Booking slots of ``domain`` still unknown in ``slots`` (taxi: its trip slots)."""
        if domain == "taxi":
            miss = [s for s in TAXI_NEEDS if not slots.get(s)]
            if not (slots.get("leaveAt") or slots.get("arriveBy")):
                miss.append("leaveAt")
            return tuple(miss)
        return tuple(s for s in BOOK_SLOTS.get(domain, ()) if not slots.get(s))

    def _key(self, domain: str, entity_id: str | None, slots: Mapping[str, str]) -> tuple[str, ...]:
        wanted = ("departure", "destination", "leaveAt", "arriveBy") if domain == "taxi" \
            else BOOK_SLOTS.get(domain, ())
        return (self.scenario_id, domain, entity_id or "",
                *(f"{s}={normalize_value(s, slots.get(s, ''))}" for s in wanted))

    def attempt(self, domain: str, entity_id: str | None, slots: Mapping[str, str]) -> BookingResult | None:
        """The desk's answer, or ``None`` when the request is incomplete (see :meth:`missing`)
        or names no bookable entity."""
        if self.missing(domain, slots):
            return None
        if domain == "taxi":
            h = _digest(*self._key(domain, None, slots))
            colors, makes = self.db.taxi_colors or ("black",), self.db.taxi_types or ("toyota",)
            car = f"{colors[h[0] % len(colors)]} {makes[h[1] % len(makes)]}"
            phone = "07" + "".join(str(b % 10) for b in h[2:11])
            return BookingResult(True, ref=None, car=car, phone=phone)
        if domain not in BOOK_SLOTS or entity_id is None:
            return None
        refused = self._refused.get(domain)
        if refused and all(normalize_value(s, slots.get(s, "")) == v for s, v in refused.items()):
            return BookingResult(False)
        h = _digest(*self._key(domain, entity_id, slots))
        return BookingResult(True, ref="".join(_ALPHABET[b % len(_ALPHABET)] for b in h[:8]))
