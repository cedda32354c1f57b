"""The venue-database query of the corpus scorer (fuzzy names, time bounds, ``dontcare`` ignored).

This is deliberately *not* the interactive simulator's query: the corpus convention (Nekvinda &
Dušek 2021) matches venue names, restaurant food and train stations fuzzily (partial-ratio ≥ 90,
the ``fuzzywuzzy`` definition, here on :mod:`difflib` so no extra dependency is needed), treats
``arriveby`` as an upper and ``leaveat`` as a lower bound in minutes, and skips database cells
marked ``?``. Only restaurant, hotel, attraction and train have a venue table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from difflib import SequenceMatcher
from functools import lru_cache

from gopo_env.domains.multiwoz.corpus.normalize import (
    is_unconstrained,
    normalize_slot_name,
    normalize_value,
    time_to_minutes,
)

VENUE_DOMAINS = ("restaurant", "hotel", "attraction", "train")

_IGNORED_COLUMNS = {
    "attraction": {"location", "openhours"},
    "hotel": {"location", "price", "takesbookings"},
    "restaurant": {"location", "introduction", "signature"},
    "train": set(),
}
"""Columns never used as query keys (free text, coordinates, or per-room prices)."""

_FUZZY_COLUMNS = {
    "restaurant": {"name", "food"},
    "hotel": {"name"},
    "attraction": {"name"},
    "train": {"departure", "destination"},
}

FUZZY_THRESHOLD = 90
"""A fuzzy column matches when ``partial_ratio(db_value, query_value) >= FUZZY_THRESHOLD``."""


@lru_cache(maxsize=65536)
def partial_ratio(a: str, b: str) -> int:
    """Best similarity (0-100) of the shorter string against equally long windows of the longer.

    The ``fuzzywuzzy.fuzz.partial_ratio`` definition: windows are anchored at the matching
    blocks of :class:`difflib.SequenceMatcher`; equal strings score 100, an empty one 0.
    """
    if a == b:
        return 100
    if not a or not b:
        return 0
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    best = 0.0
    for block in SequenceMatcher(None, shorter, longer).get_matching_blocks():
        start = max(block[1] - block[0], 0)
        window = longer[start: start + len(shorter)]
        ratio = SequenceMatcher(None, shorter, window).ratio()
        if ratio > 0.995:
            return 100
        best = max(best, ratio)
    return int(round(100 * best))


class VenueTable:
    """The four venue databases in query form: column names normalised, ignored columns dropped.

    ``records`` maps a domain to its list of database rows as loaded from ``<domain>_db.json``.
    Rows are identified by ``id`` (restaurant, hotel, attraction) or ``trainid`` (train).
    """

    def __init__(self, records: Mapping[str, Sequence[Mapping[str, object]]]) -> None:
        self._rows: dict[str, list[dict[str, str]]] = {}
        self._columns: dict[str, set[str]] = {}
        for domain in VENUE_DOMAINS:
            if domain not in records:
                raise ValueError(f"venue database for {domain!r} missing (have {sorted(records)})")
            rows = [
                {normalize_slot_name(key): str(value) for key, value in row.items()
                 if normalize_slot_name(key) not in _IGNORED_COLUMNS[domain]}
                for row in records[domain]
            ]
            self._rows[domain] = rows
            self._columns[domain] = set(rows[0]) - {"id"} if rows else set()
        self._cache: dict[tuple, tuple[str, ...]] = {}

    def query(self, domain: str, constraints: Mapping[str, object]) -> tuple[str, ...]:
        """Ids of the rows of ``domain`` satisfying ``constraints`` (``{slot: value}``, any form).

        Slots that are not database columns are ignored, as are unconstraining values
        (``dontcare``, ``not mentioned``, ``""``). A non-venue domain gives ``()``.
        """
        if domain not in self._rows:
            return ()
        query: dict[str, object] = {}
        for slot, value in constraints.items():
            name = normalize_slot_name(slot)
            if name not in self._columns[domain] or is_unconstrained(value):
                continue
            canonical = normalize_value(name, str(value))
            query[name] = time_to_minutes(canonical) if name in ("arrive", "leave") else canonical
        key = (domain, tuple(sorted(query.items())))
        if key not in self._cache:
            self._cache[key] = tuple(self._run(domain, query))
        return self._cache[key]

    def _run(self, domain: str, query: Mapping[str, object]) -> list[str]:
        fuzzy = _FUZZY_COLUMNS[domain]
        found = []
        for row in self._rows[domain]:
            if all(self._holds(row.get(column, "?"), column, wanted, fuzzy)
                   for column, wanted in query.items()):
                found.append(row["trainid"] if domain == "train" else row["id"])
        return found

    @staticmethod
    def _holds(cell: str, column: str, wanted: object, fuzzy: set[str]) -> bool:
        if cell == "?":
            return True
        if column == "arrive":
            return time_to_minutes(cell) <= wanted  # type: ignore[operator]
        if column == "leave":
            return time_to_minutes(cell) >= wanted  # type: ignore[operator]
        if column in fuzzy:
            return partial_ratio(cell, str(wanted)) >= FUZZY_THRESHOLD
        return cell == wanted
