"""MultiWOZ's public toolkit: parser, fact check, template writer, writer context and SOP,
all over the public state ``info["state"]`` and the (public) venue database.

It holds the database and the parser only — no scenario, no customer, no booking desk: the
desk's answer for the current request is already in the public state (``state["booking"]``).
The episode uses the same functions, so an agent with the toolkit writes, parses and checks
exactly what the built-in CS Agent would.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gopo_env.core.domain import ParsedResponse, Toolkit
from gopo_env.core.errors import DataError
from gopo_env.domains.multiwoz.db import Database, Entity, normalize_value, slot_value_matches
from gopo_env.domains.multiwoz.parser import MultiwozParse, Parser
from gopo_env.domains.multiwoz.strategies import BOOKABLE, STRATEGIES, sop_next
from gopo_env.domains.multiwoz.writer import Writer


def fact_true(db: Database, state: Mapping[str, Any], fact: tuple[str, str, str]) -> bool:
    """Whether one (entity id, slot, value) claim holds: venue facts against the database row;
    a reference, or a taxi's car and phone, against the booking desk's answer in ``state``."""
    who, slot, value = fact
    booking = state.get("booking") if isinstance(state.get("booking"), Mapping) else {}
    if who == "taxi":
        truth = {"car type": booking.get("car"), "phone": booking.get("phone")}.get(slot)
        return truth is not None and normalize_value(slot, value) == normalize_value(slot, truth)
    try:
        e = db.entity(who)
    except DataError:
        return False
    if slot == "ref":
        return (booking.get("entity") == e.id and bool(booking.get("available"))
                and str(booking.get("ref", "")).upper() == value.upper())
    if slot == "trainID":
        return value.upper() == e.name
    return slot_value_matches(slot, value, e.get(slot))


def _plain(value: Any) -> Any:
    """A fresh copy of nested mappings/lists of scalars (the context must not alias the state)."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def focus_entity(db: Database, state: Mapping[str, Any]) -> Entity | None:
    """The venue the active domain's offer names (what "its phone number" refers to)."""
    d = state.get("active")
    offered = ((state.get("domains") or {}).get(d or "", {}) or {}).get("offered")
    if not offered or d == "taxi":
        return None
    try:
        return db.entity(offered)
    except DataError:
        return None


def parse_in(parser: Parser, state: Mapping[str, Any], text: str) -> MultiwozParse:
    """Parse ``text`` in the public ``state`` (active domain, venue under discussion, train)."""
    train = ((state.get("domains") or {}).get("train") or {}).get("constraints") or {}
    return parser.parse(text, active=state.get("active"), focus=focus_entity(parser.db, state),
                        train=dict(train))


def writer_context(db: Database, writer: Writer, state: Mapping[str, Any]) -> dict[str, Any]:
    """For a response writer: the active domain's constraints, the first matches, the venue
    under discussion and the booking desk's answer (public lookups), JSON-able."""
    d = state.get("active")
    out: dict[str, Any] = {"active": d, "sop": _plain(state.get("sop") or {})}
    if d is None:
        return out
    ds = (state.get("domains") or {}).get(d) or {}
    out["constraints"] = {k: v for k, v in (ds.get("constraints") or {}).items() if v != "dontcare"}
    out["booking_slots"] = dict(ds.get("book") or {})
    out["requested"] = list(ds.get("requested") or ())
    out["booking"] = _plain(state.get("booking"))
    if d == "taxi":
        return out

    def card(e: Entity) -> dict[str, Any]:
        return {"id": e.id, "name": e.name, **{k: v for k, v in e.fields.items() if k != "id"}}

    hits = db.query(d, ds.get("constraints") or {})
    out["n_results"] = len(hits)
    out["candidates"] = [card(e) for e in hits[:3]]
    focus = writer.focus(state)
    out["focus"] = card(focus) if focus is not None else None
    out["bookable"] = d in BOOKABLE
    return out


class MultiwozWriter:
    """The toolkit bound to one public state (:class:`gopo_env.core.domain.Writer`)."""

    def __init__(self, db: Database, parser: Parser, writer: Writer, state: Mapping[str, Any]) -> None:
        self.db, self.parser, self._writer, self.state = db, parser, writer, state

    def parse(self, text: str) -> MultiwozParse:
        return parse_in(self.parser, self.state, text)

    def is_faithful(self, parsed: ParsedResponse) -> bool:
        return all(fact_true(self.db, self.state, f) for f in parsed.facts)

    def realize(self, strategy: int | None) -> str:
        return self._writer.realize(strategy, self.state)

    def context(self) -> dict[str, Any]:
        return writer_context(self.db, self._writer, self.state)


class MultiwozToolkit(Toolkit):
    """Public tools of the Cambridge clerk: the venue database, parser, writer and rule SOP.

    The template writer's wording is deterministic, so ``seed`` is accepted and unused.
    """

    strategies = STRATEGIES

    def __init__(self, db: Database, parser: Parser, max_response_chars: int) -> None:
        self.db = db
        self.parser = parser
        self.template = Writer(db)
        self.max_response_chars = max_response_chars

    def writer(self, state: dict[str, Any], seed: int) -> MultiwozWriter:
        return MultiwozWriter(self.db, self.parser, self.template, state)

    def sop_strategy(self, state: dict[str, Any], turn: int) -> int:
        return sop_next(state)
