"""One MultiWOZ episode: the agenda customer, the belief state, parser, writer and scorer."""

from __future__ import annotations

from typing import Any

import numpy as np

from gopo_env.core.domain import CustomerAct, DomainEpisode, ParsedResponse
from gopo_env.domains.multiwoz.acts import REQUESTABLE
from gopo_env.domains.multiwoz.booking import BookingDesk
from gopo_env.domains.multiwoz.data import DOMAINS
from gopo_env.domains.multiwoz.db import Database, Entity
from gopo_env.domains.multiwoz.metrics import Informed, episode_metrics
from gopo_env.domains.multiwoz.parser import MultiwozParse, Parser
from gopo_env.domains.multiwoz.scenarios import MultiwozScenario
from gopo_env.domains.multiwoz.simulator import AgendaUser
from gopo_env.domains.multiwoz.state import PublicState
from gopo_env.domains.multiwoz.strategies import BOOKABLE, STRATEGIES, VENUES, SopView, sop_allows, sop_next
from gopo_env.domains.multiwoz.toolkit import fact_true, parse_in, writer_context
from gopo_env.domains.multiwoz.writer import Writer


def _copy(value: Any) -> Any:
    """A fresh copy of nested dicts/lists of scalars (cheaper than deepcopy)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


_INTENTS = ("inform", "request", "book", "negate", "bye", "none")
_RESULT_BINS = ("results=0", "results=1", "results=2-5", "results>5", "results=n/a")
FEATURE_NAMES: tuple[str, ...] = (
    "turn", "greeted", "customer_bye",
    *(f"active={d}" for d in DOMAINS),
    *_RESULT_BINS,
    "offer_ok", "requested", "wants_booking=yes", "wants_booking=no", "booked", "book_missing",
    "available=yes", "available=no", "offered_booking", "nooffer_said", "can_ask",
    *(f"mentioned:{d}" for d in DOMAINS),
    *(f"served:{d}" for d in DOMAINS),
    *(f"last_intent={i}" for i in _INTENTS),
    *(f"last_strategy={s}" for s in STRATEGIES),
    *(f"count:{s}" for s in STRATEGIES),
)
"""Names of the observation features, in order (all in [0, 1]; counts are min(n, 3) / 3)."""
N_FEATURES = len(FEATURE_NAMES)
_F = {name: i for i, name in enumerate(FEATURE_NAMES)}
_TRAIN_REQUIRED = ("departure", "destination", "day")
MANY = 5
"""The SOP asks for another constraint while a venue search has more matches than this."""
MAX_SEARCH_QUESTIONS = 2


class MultiwozEpisode(DomainEpisode):
    """One customer (an :class:`~.simulator.AgendaUser` on ``scenario.goal``) and the public
    belief state; the booking desk holds the scenario's hidden booking refusals."""

    def __init__(self, scenario: MultiwozScenario, db: Database, parser: Parser,
                 act_counts: tuple[float, ...], seed: int, max_turns: int) -> None:
        self.scenario = scenario
        self.seed = seed
        self.db = db
        self.parser = parser
        self.max_turns = max_turns
        self.desk = BookingDesk(scenario.id, scenario.goal, db)
        self.user = AgendaUser(scenario.id, scenario.goal, db, self.desk, act_counts, seed)
        self.state = PublicState()
        self.writer = Writer(db)
        self.turn = 0
        self._view: SopView | None = None
        self._public: dict[str, Any] | None = None
        self._informed: list[Informed] = []
        self.disclosed_log: list[tuple[tuple[str, str], ...]] = []
        """The structured acts of every customer turn (for grounding statistics)."""

    # ------------------------------------------------------------------ state
    def view(self) -> SopView:
        """The SOP's view of the public state (cached until the next state change)."""
        if self._view is None:
            self._view = self._compute_view()
        return self._view

    def _compute_view(self) -> SopView:
        st = self.state
        d = st.active
        n_results, offer_ok, available = -1, False, None
        book_missing: tuple[str, ...] = ()
        ask: tuple[str, ...] = ()
        ds = st.domains[d] if d else None
        if ds is not None and d != "taxi":
            hits = self.db.query(d, ds.constraints)
            n_results = len(hits)
            if ds.offered is not None:
                try:
                    offer_ok = self.db.entity(ds.offered) in hits
                except Exception:  # noqa: BLE001 - an unknown id is simply not a valid offer
                    offer_ok = False
            if d in BOOKABLE:
                book_missing = self.desk.missing(d, ds.book)
                if offer_ok and not book_missing and ds.offered is not None:
                    result = self.desk.attempt(d, ds.offered, ds.book)
                    available = result.available if result is not None else None
            if offer_ok and ds.wants_booking and d in BOOKABLE:
                ask = book_missing
            elif not offer_ok and d in VENUES and n_results:
                ask = self._search_questions(d, ds.constraints, ds.asked, hits)
        elif ds is not None:
            book_missing = self.desk.missing("taxi", ds.constraints)
            ask = book_missing[:2]
        return SopView(
            turn=self.turn, greeted=st.greeted, customer_bye=st.customer_bye, active=d,
            n_results=n_results, offer_ok=offer_ok,
            requested=tuple(ds.requested) if ds else (), wants_booking=ds.wants_booking if ds else None,
            booked=bool(ds and ds.booked), book_missing=book_missing, available=available,
            offered_booking=bool(ds and ds.offered_booking), nooffer_said=bool(ds and ds.nooffer),
            ask=ask,
        )

    def _search_questions(self, d: str, known: dict[str, str], asked: list[str],
                          hits: tuple[Entity, ...]) -> tuple[str, ...]:
        if d == "train":
            missing = tuple(s for s in _TRAIN_REQUIRED if s not in known)
            if missing:
                return missing[:2]
            timed = "leaveAt" in known or "arriveBy" in known
            if not timed and len(hits) > 1 and "leaveAt" not in asked:
                return ("leaveAt",)
            return ()
        if len(hits) <= MANY or sum(1 for s in asked if s not in ("people", "day", "time", "stay")) \
                >= MAX_SEARCH_QUESTIONS:
            return ()
        from gopo_env.domains.multiwoz.db import SEARCH_SLOTS

        for slot in SEARCH_SLOTS[d]:
            if slot == "name" or slot in known or slot in asked:
                continue
            if len({e.fields.get(slot) for e in hits}) > 1:
                return (slot,)
        return ()

    # ------------------------------------------------------------------ contract
    def opening(self) -> CustomerAct:
        act = self.user.opening()
        self.disclosed_log.append(act.disclosed)
        self.state.on_customer(act.intent, act.disclosed)
        self._view = None
        self._public = None
        return act

    def write_mask(self, out: np.ndarray) -> None:
        out[:] = sop_allows(self.view())

    def write_features(self, out: np.ndarray, turn: int) -> None:
        v = self.view()
        st = self.state
        out[:] = 0.0
        out[_F["turn"]] = min(turn / self.max_turns, 1.0)
        out[_F["greeted"]] = st.greeted
        out[_F["customer_bye"]] = st.customer_bye
        if v.active:
            out[_F[f"active={v.active}"]] = 1.0
        n = v.n_results
        out[_F[_RESULT_BINS[0 if n == 0 else 1 if n == 1 else 2 if 2 <= n <= 5 else 3 if n > 5 else 4]]] = 1.0
        out[_F["offer_ok"]] = v.offer_ok
        out[_F["requested"]] = min(len(v.requested), 3) / 3
        out[_F["wants_booking=yes"]] = v.wants_booking is True
        out[_F["wants_booking=no"]] = v.wants_booking is False
        out[_F["booked"]] = v.booked
        out[_F["book_missing"]] = min(len(v.book_missing), 3) / 3
        out[_F["available=yes"]] = v.available is True
        out[_F["available=no"]] = v.available is False
        out[_F["offered_booking"]] = v.offered_booking
        out[_F["nooffer_said"]] = v.nooffer_said
        out[_F["can_ask"]] = bool(v.ask)
        for d in st.mentioned:
            ds = st.domains[d]
            out[_F[f"mentioned:{d}"]] = 1.0
            out[_F[f"served:{d}"]] = bool(ds.booked) or (ds.offered is not None and not ds.requested
                                                         and ds.wants_booking is not True)
        out[_F[f"last_intent={st.last_intent if st.last_intent in _INTENTS else 'none'}"]] = 1.0
        if st.last_strategy is not None and st.last_strategy >= 0:
            out[_F[f"last_strategy={STRATEGIES[st.last_strategy]}"]] = 1.0
        for s, c in st.counts.items():
            if 0 <= s < len(STRATEGIES):
                out[_F[f"count:{STRATEGIES[s]}"]] = min(c, 3) / 3

    def realize(self, strategy: int | None) -> str:
        return self.writer.realize(strategy, self._state_dict())

    def parse(self, text: str) -> MultiwozParse:
        return parse_in(self.parser, self._state_dict(), text)

    def fact_true(self, fact: tuple[str, str, str]) -> bool:
        """Whether one (entity id, slot, value) claim holds (see :func:`.toolkit.fact_true`)."""
        return fact_true(self.db, self._state_dict(), fact)

    def is_faithful(self, parsed: ParsedResponse) -> bool:
        return all(self.fact_true(f) for f in parsed.facts)

    def react(self, strategy: int | None, parsed: ParsedResponse, turn: int) -> CustomerAct:
        acts = parsed.acts if isinstance(parsed, MultiwozParse) else ()
        for fact in parsed.facts:
            who, slot, _ = fact
            dom = "taxi" if who == "taxi" else who.split("-")[0]
            if slot in REQUESTABLE.get(dom, ()):
                self._informed.append(Informed(dom, slot, self.fact_true(fact)))
        # a booking the desk never issued is not recorded as booked in the public state
        kept = tuple(a for a in acts if not (a.intent == "book" and a.slot in ("ref", "phone")
                                               and not self._book_fact_ok(a, parsed)))
        self.state.on_system(kept, strategy)
        self.turn = turn
        act = self.user.react(acts, turn)
        self.disclosed_log.append(act.disclosed)
        self.state.on_customer(act.intent, act.disclosed)
        self._view = None
        self._public = None
        return act

    def _book_fact_ok(self, act: Any, parsed: ParsedResponse) -> bool:
        for f in parsed.facts:
            if f[1] == act.slot and f[2].upper() == act.value.upper():
                return self.fact_true(f)
        return False

    def agenda(self) -> tuple[tuple[str, ...], tuple[float, ...], tuple[int | None, ...]]:
        u = self.user
        return u.agenda_names, u.agenda_gains, tuple(u.achieved.get(n) for n in u.agenda_names)

    def metrics(self) -> dict[str, float]:
        """ConvLab's interactive metrics of the episode so far (see :mod:`.metrics`)."""
        offered = {d: self.state.domains[d].offered for d in DOMAINS}
        booked = {d: ud.booked for d, ud in self.user.domains.items()}
        return episode_metrics(self.scenario.goal, self.db, self._informed, offered, booked,
                               self.user.complete(), self.turn)

    def success(self) -> bool:
        return self.metrics()["success"] == 1.0

    def public_state(self) -> dict[str, Any]:
        """The belief state, the SOP's view (``sop``) and the booking desk's answer for the
        active domain's current request (``booking``: venue id, available, reference; taxi:
        car and phone; ``None`` while the request is incomplete)."""
        return _copy(self._state_dict())

    def _state_dict(self) -> dict[str, Any]:
        """The cached public state, for internal read-only use (no copy)."""
        if self._public is None:
            d = self.state.as_dict()
            d["sop"] = self.view().as_dict()
            d["booking"] = self._booking(d)
            self._public = d
        return self._public

    def _booking(self, state: dict[str, Any]) -> dict[str, Any] | None:
        d = self.state.active
        if d == "taxi":
            result = self.desk.attempt("taxi", None, self.state.domains["taxi"].constraints)
            return None if result is None else {"car": result.car, "phone": result.phone}
        if d not in BOOKABLE:
            return None
        e = self.writer.focus(state)
        result = self.desk.attempt(d, e.id, self.state.domains[d].book) if e is not None else None
        if result is None:
            return None
        return {"entity": e.id, "available": result.available, "ref": result.ref}

    def reference_strategies(self) -> tuple[int, ...]:
        return self.scenario.reference_strategies()

    def sop_strategy(self, turn: int) -> int:
        return sop_next(self.view())

    def context(self) -> dict[str, Any]:
        """Public facts for a response writer (see :func:`.toolkit.writer_context`)."""
        return writer_context(self.db, self.writer, self._state_dict())
