"""The MultiWOZ venue databases with the field's query semantics.

The semantics are those every MultiWOZ evaluator applies (ConvLab's database query, the
``mwzeval`` scorer of Nekvinda & Dušek 2021), written here in our own code:

* values are compared after :func:`normalize_value` (lower case, ``center`` → ``centre``,
  ``guest house`` → ``guesthouse``, ``free`` parking/wifi → ``yes``, times → ``HH:MM``, ...);
* ``dontcare`` (and its spellings ``do n't care``, ``any``, ...), ``not mentioned`` and empty
  values constrain nothing;
* a slot the domain's table does not have constrains nothing (ConvLab ignores them too);
* train ``arriveBy`` is an upper bound and ``leaveAt`` a lower bound (``HH:MM`` compared as
  times; the table's ``24:xx`` arrivals are after midnight);
* ``name`` matches fuzzily (:func:`name_matches`);
* the result order is deterministic: the table's order for venues; trains by departure time
  (earliest first) when ``leaveAt`` is given, by arrival (latest first, i.e. closest to the
  deadline) when only ``arriveBy`` is, else by departure time; ties by table order.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from gopo_env.core.errors import DataError
from gopo_env.domains.multiwoz.data import DOMAINS, VENUE_DOMAINS, load_db_tables, locate

DONTCARE = "dontcare"
_DONTCARE = {"dontcare", "dont care", "don't care", "do n't care", "do nt care", "any", "doesn't matter",
             "does not matter", "no preference", "none"}
_IGNORED = {"", "not mentioned", "none mentioned", "?"}

_TIME = re.compile(r"^(\d{1,2})[:.]?(\d{2})$")

_VALUE_MAP: dict[str, dict[str, str]] = {
    "area": {"center": "centre", "city centre": "centre", "city center": "centre",
             "town centre": "centre", "central": "centre"},
    "pricerange": {"moderately priced": "moderate", "moderately": "moderate", "mid": "moderate",
                   "mid-priced": "moderate", "inexpensive": "cheap", "pricey": "expensive"},
    "type": {"guest house": "guesthouse", "guest houses": "guesthouse", "guesthouses": "guesthouse",
             "hotels": "hotel", "concert hall": "concerthall", "swimming pool": "swimmingpool",
             "pool": "swimmingpool", "night club": "nightclub", "nightclubs": "nightclub",
             "sports": "multiple sports", "mutliple sports": "multiple sports", "museums": "museum",
             "colleges": "college", "theater": "theatre", "parks": "park", "boats": "boat",
             "churches": "architecture", "church": "architecture", "cinemas": "cinema",
             "entertainment venue": "entertainment"},
    "parking": {"free": "yes", "free parking": "yes", "y": "yes", "n": "no", "none": "no"},
    "internet": {"free": "yes", "wifi": "yes", "free wifi": "yes", "y": "yes", "n": "no", "none": "no"},
    "stars": {"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5"},
}
_TIME_SLOTS = {"arriveBy", "leaveAt", "time", "arriveby", "leaveat"}


def normalize_value(slot: str, value: Any) -> str:
    """The canonical form of ``value`` for ``slot`` (``""`` when it constrains nothing).

    ``dontcare`` spellings map to :data:`DONTCARE`; times to zero-padded ``HH:MM``; the
    other maps are the spelling variants found in MultiWOZ annotations.
    """
    return _normalize(slot, str(value))


@lru_cache(maxsize=1 << 16)
def _normalize(slot: str, value: str) -> str:
    v = value.strip().lower()
    v = re.sub(r"\s+", " ", v)
    if v in _IGNORED:
        return ""
    if v in _DONTCARE:
        return DONTCARE
    if slot in _TIME_SLOTS:
        m = _TIME.match(v.replace(" ", ""))
        if m:
            return f"{int(m.group(1)):02d}:{m.group(2)}"
        return v
    if slot == "stars":
        v = v.replace("stars", "").replace("star", "").strip()
    return _VALUE_MAP.get(slot, {}).get(v, v)


def slot_value_matches(slot: str, said: str, truth: str | None) -> bool:
    """Whether a stated value ``said`` agrees with a row's ``truth`` for ``slot`` (phones and
    postcodes ignoring spacing, addresses as a prefix, prices and durations by number, the
    rest after :func:`normalize_value`; ``"?"`` = "not listed", true of a missing value)."""
    if said == "?":  # "not listed": true when the row has no value
        return truth in (None, "", "?")
    if truth is None:
        return False
    if slot in ("phone", "postcode"):
        return re.sub(r"[^a-z0-9]", "", said.lower()) == re.sub(r"[^a-z0-9]", "", truth.lower())
    if slot == "address":
        a = re.sub(r"[^a-z0-9]", "", said.lower())
        b = re.sub(r"[^a-z0-9]", "", truth.lower())
        return len(a) >= 5 and (b.startswith(a) or a.startswith(b))
    if slot in ("price", "duration", "entrance fee"):
        na, nb = re.findall(r"\d+(?:\.\d+)?", said), re.findall(r"\d+(?:\.\d+)?", truth)
        if na or nb:
            return [float(x) for x in na] == [float(x) for x in nb]
        return said.strip().lower() == truth.strip().lower()
    return normalize_value(slot, said) == normalize_value(slot, truth)


@lru_cache(maxsize=4096)
def _name_key(name: str) -> str:
    v = re.sub(r"[^a-z0-9 ]", "", str(name).lower().replace("&", " and "))
    v = re.sub(r"^the ", "", re.sub(r"\s+", " ", v).strip())
    return v


@lru_cache(maxsize=65536)
def name_matches(asked: str, name: str) -> bool:
    """Fuzzy venue-name match: equal after normalisation (case, punctuation, a leading
    "the"), one containing the other as whole words, or a difflib similarity ratio ≥ 0.9."""
    a, b = _name_key(asked), _name_key(name)
    if not a or not b:
        return False
    if a == b or f" {a} " in f" {b} " or f" {b} " in f" {a} ":
        return True
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.9


def _minutes(t: str) -> int | None:
    m = _TIME.match(t)
    return int(m.group(1)) * 60 + int(m.group(2)) if m else None


@dataclass(frozen=True, eq=False)
class Entity:
    """One database row. ``id`` is stable (``restaurant-19210``, ``train-0042`` = table row)."""

    domain: str
    id: str
    name: str
    """The venue name (lower case), the train id for trains, the department for hospitals."""
    fields: Mapping[str, str]
    """Column -> value, lower-cased except train times/ids; nested/numeric columns as text."""

    def get(self, slot: str) -> str | None:
        return self.fields.get(slot)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Entity) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)


_SEARCH_SLOTS = {
    "restaurant": ("name", "food", "pricerange", "area"),
    "hotel": ("name", "type", "pricerange", "area", "stars", "internet", "parking"),
    "attraction": ("name", "type", "area"),
    "train": ("departure", "destination", "day", "leaveAt", "arriveBy"),
    "hospital": ("department",),
    "police": ("name",),
    "taxi": (),
}
SEARCH_SLOTS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(_SEARCH_SLOTS)
"""The informable (searchable) slots of each domain, in the order a clerk asks for them."""


def _entity(domain: str, row: int, raw: dict[str, Any]) -> Entity:
    fields: dict[str, str] = {}
    for k, v in raw.items():
        if k in ("location", "introduction", "signature"):
            continue
        if isinstance(v, dict):
            v = ", ".join(f"{a} {b}" for a, b in sorted(v.items()))
        text = str(v)
        fields[k] = text if domain == "train" else text.lower()
    if domain == "train":
        fields["leaveAt"] = normalize_value("leaveAt", fields["leaveAt"])
        fields["arriveBy"] = normalize_value("arriveBy", fields["arriveBy"])
        for k in ("departure", "destination", "day"):
            fields[k] = fields[k].lower()
        return Entity(domain, f"train-{row:04d}", fields["trainID"], MappingProxyType(fields))
    if domain == "hospital":
        return Entity(domain, f"hospital-{fields['id']}", fields["department"], MappingProxyType(fields))
    return Entity(domain, f"{domain}-{fields.get('id', row)}", fields.get("name", ""),
                  MappingProxyType(fields))


class Database:
    """Query the six venue tables (taxi has none: see :attr:`taxi_colors`, :attr:`taxi_types`)."""

    def __init__(self, tables: Mapping[str, Any]) -> None:
        self.tables: dict[str, tuple[Entity, ...]] = {}
        for d in VENUE_DOMAINS:
            rows = tables.get(d)
            if not isinstance(rows, list):
                raise DataError(f"multiwoz database: table {d!r} missing or not a list")
            self.tables[d] = tuple(_entity(d, i, r) for i, r in enumerate(rows))
        taxi = tables.get("taxi") or {}
        self.taxi_colors: tuple[str, ...] = tuple(taxi.get("taxi_colors", ()))
        self.taxi_types: tuple[str, ...] = tuple(taxi.get("taxi_types", ()))
        self._by_id = {e.id: e for rows in self.tables.values() for e in rows}
        self._norm = {e.id: {k: normalize_value(k, v) for k, v in e.fields.items()}
                      for rows in self.tables.values() for e in rows}
        self._mins = {e.id: (_minutes(e.fields["leaveAt"]), _minutes(e.fields["arriveBy"]))
                      for e in self.tables["train"]}
        # slot -> value -> row positions: a query intersects the sets of its equality constraints
        self._index: dict[str, dict[str, dict[str, frozenset[int]]]] = {}
        for d, rows in self.tables.items():
            idx: dict[str, dict[str, set[int]]] = {}
            for i, e in enumerate(rows):
                for k, v in self._norm[e.id].items():
                    if k not in ("name", "leaveAt", "arriveBy"):
                        idx.setdefault(k, {}).setdefault(v, set()).add(i)
            self._index[d] = {k: {v: frozenset(p) for v, p in vals.items()} for k, vals in idx.items()}
        self._columns = {d: frozenset(k for e in rows for k in e.fields) for d, rows in self.tables.items()}
        self._cache: dict[tuple[str, tuple[tuple[str, str], ...]], tuple[Entity, ...]] = {}

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_cache"] = {}  # the query cache is rebuilt on demand (smaller pickles for agents)
        return state

    def entity(self, entity_id: str) -> Entity:
        try:
            return self._by_id[entity_id]
        except KeyError:
            raise DataError(f"multiwoz database: no entity with id {entity_id!r} "
                            "(ids look like restaurant-19210, hotel-0, train-0042)") from None

    def find_name(self, domain: str, name: str) -> Entity | None:
        """The entity of ``domain`` whose name (train: trainID) matches ``name``, if any."""
        if domain == "train":
            key = name.strip().upper()
            for e in self.tables["train"]:
                if e.name == key:
                    return e
            return None
        for e in self.tables.get(domain, ()):
            if _name_key(e.name) == _name_key(name):
                return e
        for e in self.tables.get(domain, ()):
            if name_matches(name, e.name):
                return e
        return None

    def constraints(self, domain: str, constraints: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
        """The normalised constraints that take part in a query of ``domain`` (sorted)."""
        cols = self._columns.get(domain, frozenset())
        out = []
        for slot, value in constraints.items():
            if slot not in cols:
                continue
            v = normalize_value(slot, value)
            if v and v != DONTCARE:
                out.append((slot, v))
        return tuple(sorted(out))

    def query(self, domain: str, constraints: Mapping[str, Any]) -> tuple[Entity, ...]:
        """Entities of ``domain`` satisfying ``constraints`` (slot -> value), in a fixed order.

        Raises :class:`DataError` for a domain outside :data:`DOMAINS`; taxi (no table)
        returns ``()``.
        """
        if domain not in DOMAINS:
            raise DataError(f"multiwoz database: unknown domain {domain!r}; choose one of {DOMAINS}")
        if domain == "taxi":
            return ()
        key = (domain, self.constraints(domain, constraints))
        hit = self._cache.get(key)
        if hit is None:
            hit = self._query(domain, dict(key[1]))
            self._cache[key] = hit
        return hit

    def _query(self, domain: str, cons: dict[str, str]) -> tuple[Entity, ...]:
        table = self.tables[domain]
        idx = self._index[domain]
        rest: dict[str, str] = {}
        positions: frozenset[int] | None = None
        for slot, v in cons.items():
            if slot in idx:
                bucket = idx[slot].get(v, frozenset())
                positions = bucket if positions is None else positions & bucket
            else:
                rest[slot] = v
        rows = table if positions is None else [table[i] for i in sorted(positions)]
        bounds = {s: _minutes(v) for s, v in rest.items()
                  if domain == "train" and s in ("leaveAt", "arriveBy")}
        out = [e for e in rows if self._matches(e, rest, bounds)] if rest else list(rows)
        if domain == "train":
            if "leaveAt" not in cons and "arriveBy" in cons:
                out.sort(key=lambda e: -(self._mins[e.id][1] or 0))
            else:
                out.sort(key=lambda e: self._mins[e.id][0] or 0)
        return tuple(out)

    def _matches(self, e: Entity, cons: dict[str, str], bounds: dict[str, int | None] | None = None) -> bool:
        """``cons``: normalised constraints (as :meth:`constraints` gives them)."""
        norm = self._norm[e.id]
        for slot, v in cons.items():
            if slot == "name":
                if not name_matches(v, e.name):
                    return False
            elif e.domain == "train" and slot in ("leaveAt", "arriveBy"):
                t = self._mins[e.id][0 if slot == "leaveAt" else 1]
                bound = bounds[slot] if bounds is not None else _minutes(v)
                if t is None or bound is None or (t < bound if slot == "leaveAt" else t > bound):
                    return False
            elif norm.get(slot, "") != v:
                return False
        return True

    def satisfies(self, entity: Entity, constraints: Mapping[str, Any]) -> bool:
        """Whether ``entity`` meets ``constraints`` under the same semantics as :meth:`query`."""
        return self._matches(entity, dict(self.constraints(entity.domain, constraints)))


@lru_cache(maxsize=4)
def _database(root: Path) -> Database:
    return Database(load_db_tables(root))


def load_database(data_dir: str | Path | None = None) -> Database:
    """The :class:`Database` of the located MultiWOZ folder (built once per folder)."""
    return _database(locate(data_dir))
