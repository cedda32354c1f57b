"""The goal generator of the ``train`` split, driven by ``fitted.json`` (see :mod:`.fit`).

Goal ``i`` is drawn with ``random.Random(f"multiwoz-train:{i}")`` (string seeds hash the same
in every process):

1. a domain sequence, by its validation frequency;
2. per domain, a goal *structure* (constrained slots, requested slots, booking slots,
   whether the first constraints fail, which booking slots fail first), by its validation
   frequency within the domain;
3. constraint values from one database row drawn uniformly (so the goal is satisfiable; the
   ConvLab generator does the same): a train's ``leaveAt`` is its departure rounded down and
   ``arriveBy`` its arrival rounded up to the quarter hour; a taxi's times come from the
   validation taxi times and its ends are venues of the goal's other domains (or random
   venues);
4. booking values by their validation frequency; a failing booking slot takes another value
   of the same distribution;
5. a ``fail_info`` copies the constraints and changes one (non-name) slot to another value of
   that column for which nothing matches; when no such change exists the goal has none.
"""

from __future__ import annotations

import json
import random
from functools import lru_cache
from pathlib import Path
from typing import Any

from gopo_env.core.errors import DataError
from gopo_env.domains.multiwoz.data import DomainGoal, Goal
from gopo_env.domains.multiwoz.db import Database

FITTED = Path(__file__).with_name("fitted.json")


@lru_cache(maxsize=2)
def load_fitted(path: str | Path = FITTED) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as f:
            fitted = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise DataError(f"multiwoz: cannot read the fitted goal model {path} ({e}); regenerate it with "
                        "`python -m gopo_env.domains.multiwoz.fit`") from None
    for key in ("domain_sequences", "structures", "book_values", "taxi_times", "user"):
        if key not in fitted:
            raise DataError(f"multiwoz: {path} lacks {key!r}; regenerate it with "
                            "`python -m gopo_env.domains.multiwoz.fit`")
    return fitted


def _draw(rng: random.Random, counts: list[list[Any]]) -> Any:
    total = sum(n for _, n in counts)
    u = rng.random() * total
    for value, n in counts:
        u -= n
        if u < 0:
            return value
    return counts[-1][0]


def _quarter(t: str, up: bool) -> str | None:
    h, m = (int(x) for x in t.split(":"))
    minutes = h * 60 + m
    minutes = -(-minutes // 15) * 15 if up else minutes // 15 * 15
    if minutes >= 24 * 60:
        return None
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class GoalGenerator:
    def __init__(self, db: Database, fitted: dict[str, Any] | None = None) -> None:
        self.db = db
        self.fitted = fitted or load_fitted()
        self._columns: dict[tuple[str, str], list[str]] = {}

    def _values(self, domain: str, slot: str) -> list[str]:
        key = (domain, slot)
        if key not in self._columns:
            self._columns[key] = sorted({e.fields.get(slot, "") for e in self.db.tables[domain]} - {"", "?"})
        return self._columns[key]

    def goal(self, index: int) -> Goal:
        rng = random.Random(f"multiwoz-train:{index}")
        sequence = json.loads(_draw(rng, self.fitted["domain_sequences"]))
        venues: dict[str, str] = {}
        domains = []
        for d in sequence:
            structure = json.loads(_draw(rng, self.fitted["structures"][d]))
            domains.append(self._domain_goal(rng, d, structure, venues))
        return Goal(tuple(domains), ())

    def _domain_goal(self, rng: random.Random, d: str, st: dict[str, Any],
                     venues: dict[str, str]) -> DomainGoal:
        info: list[tuple[str, str]] = []
        if d == "taxi":
            others = [n for n in venues.values()]
            for slot in st["info"]:
                if slot in ("leaveAt", "arriveBy"):
                    info.append((slot, _draw(rng, self.fitted["taxi_times"][slot])))
                elif slot in ("departure", "destination"):
                    if others:
                        info.append((slot, others.pop(0)))
                    else:
                        table = self.db.tables[rng.choice(("restaurant", "hotel", "attraction"))]
                        info.append((slot, table[rng.randrange(len(table))].name))
        elif d in self.db.tables:
            table = self.db.tables[d]
            row = table[rng.randrange(len(table))]
            for slot in st["info"]:
                if slot == "name":
                    info.append((slot, row.name))
                elif d == "train" and slot in ("leaveAt", "arriveBy"):
                    t = _quarter(row.fields[slot], up=slot == "arriveBy")
                    info.append((slot, t or row.fields[slot]))
                elif row.get(slot) not in (None, "", "?"):
                    info.append((slot, row.fields[slot]))
            if d in ("restaurant", "hotel", "attraction"):
                venues[d] = row.name
        book = [(s, _draw(rng, self.fitted["book_values"][d][s])) for s in st["book"]
                if s in self.fitted["book_values"].get(d, {})]
        fail_book = []
        for s in st["fail_book"]:
            current = dict(book).get(s)
            counts = [c for c in self.fitted["book_values"].get(d, {}).get(s, []) if c[0] != current]
            if counts and current is not None:
                fail_book.append((s, _draw(rng, counts)))
        fail_info: tuple[tuple[str, str], ...] = ()
        if st["fail_info"] and d in ("restaurant", "hotel", "attraction", "train"):
            fail_info = self._failing(rng, d, info)
        return DomainGoal(d, tuple(info), tuple(st["reqt"]), tuple(book), fail_info, tuple(fail_book))

    def _failing(self, rng: random.Random, d: str,
                 info: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
        slots = [s for s, _ in info if s not in ("name", "leaveAt", "arriveBy")]
        rng.shuffle(slots)
        for slot in slots:
            current = dict(info)[slot]
            options = [v for v in self._values(d, slot) if v != current]
            rng.shuffle(options)
            for v in options:
                changed = tuple((s, v if s == slot else x) for s, x in info)
                if not self.db.query(d, dict(changed)):
                    return changed
        return ()
