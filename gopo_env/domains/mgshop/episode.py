"""One Mgshop episode: ties the hidden customer, the public state, parser and realizer."""

from __future__ import annotations

from typing import Any

import numpy as np

from gopo_env.core.domain import CustomerAct, DomainEpisode, ParsedResponse
from gopo_env.core.frozen import CopyableRandom
from gopo_env.domains.mgshop.catalogue import CATEGORIES, Product
from gopo_env.domains.mgshop.params import MgshopParams
from gopo_env.domains.mgshop.parser import category_parser
from gopo_env.domains.mgshop.realizer import Realizer
from gopo_env.domains.mgshop.scenarios import MgshopScenario
from gopo_env.domains.mgshop.simulator import Customer
from gopo_env.domains.mgshop.state import INTENTS, PublicState
from gopo_env.domains.mgshop.strategies import STRATEGIES, sop_allows, sop_next
from gopo_env.domains.mgshop.surface import CustomerSurface, apply_surface
from gopo_env.domains.mgshop.toolkit import context_of, parse_in

_CATEGORY_INDEX = {name: i for i, name in enumerate(CATEGORIES)}
_N = len(STRATEGIES)
# feature layout: 16 scalars, last intent, last strategy, strategy counts, category
_SCALARS = 16
_INTENT0 = _SCALARS
_LAST0 = _INTENT0 + len(INTENTS)
_COUNT0 = _LAST0 + _N
_CAT0 = _COUNT0 + _N
N_FEATURES = _CAT0 + len(CATEGORIES)
FEATURE_NAMES = (
    "turn_fraction", "greeted", "need_known", "kinds_known/2", "item_index/2", "bought/2",
    "budget_known", "attributes_known/2", "min_rating_known", "prefs_done", "has_candidate",
    "rejected/5", "question_pending", "questions_done", "task_done", "last_polarity",
    *(f"last_intent={i}" for i in INTENTS),
    *(f"last_strategy={s}" for s in STRATEGIES),
    *(f"count({s})/3" for s in STRATEGIES),
    *(f"category={c}" for c in CATEGORIES),
)
"""Index -> name of the observation features (``Domain.feature_names``); ``x/k`` means the
count x divided by k (clipped where the text of ``write_features`` says so)."""
assert len(FEATURE_NAMES) == N_FEATURES


class MgshopEpisode(DomainEpisode):
    def __init__(self, scenario: MgshopScenario, products: tuple[Product, ...],
                 params: MgshopParams, seed: int, max_turns: int,
                 surface: CustomerSurface | None = None, scale: tuple[int, int] = (2, 2)) -> None:
        self.scenario = scenario
        # count features are divided by the source's largest count, so they stay in [0, 1]
        self._items_scale, self._attributes_scale = scale
        self.seed = seed
        self.surface = surface
        self.params = params
        self.max_turns = max_turns
        self.parser = category_parser(scenario.category, products)
        # separate streams, so the built-in realizer's draws never shift the customer's
        self.customer = Customer(scenario, products, self.parser, params,
                                 CopyableRandom(f"customer:{seed}"))
        self.state = PublicState()
        self.realizer = Realizer(self.state, products, CopyableRandom(f"realizer:{seed}"))
        self._category = _CATEGORY_INDEX[scenario.category]

    def opening(self) -> CustomerAct:
        act = apply_surface(self.surface, self.customer.opening(), self.scenario, self.seed, 0, None)
        self.state.on_customer(act)
        return act

    def write_mask(self, out: np.ndarray) -> None:
        out[:] = sop_allows(self.state, self.customer.turn)

    def write_features(self, out: np.ndarray, turn: int) -> None:
        st = self.state
        out[:] = 0.0
        known = st.known[st.item] if st.item < len(st.known) else None
        out[0] = turn / self.max_turns
        out[1] = st.greeted
        out[2] = st.need_known
        out[3] = len(st.kinds) / self._items_scale
        out[4] = st.item / self._items_scale
        out[5] = len(st.bought) / self._items_scale
        out[6] = known is not None and known.max_price is not None
        out[7] = (len(known.attributes) / self._attributes_scale) if known is not None else 0.0
        out[8] = st.min_rating is not None
        out[9] = st.prefs_done
        out[10] = st.candidate is not None
        out[11] = min(len(st.rejected), 5) / 5
        out[12] = st.pending_question is not None
        out[13] = st.questions_done
        out[14] = st.task_done
        out[15] = st.last_polarity
        out[_INTENT0 + st.last_intent] = 1.0
        if st.last_strategy is not None:
            out[_LAST0 + st.last_strategy] = 1.0
        for i, c in enumerate(st.counts):
            if c:
                out[_COUNT0 + i] = min(c, 3) / 3
        out[_CAT0 + self._category] = 1.0

    def realize(self, strategy: int | None) -> str:
        return self.realizer.realize(strategy)

    def realize_act(self, strategy: int | None, item: str | None = None,
                    attribute: str | None = None) -> str:
        return self.realizer.render_act(strategy, item, attribute)

    def parse(self, text: str) -> ParsedResponse:
        # "It's waterproof." speaks of the item under discussion
        st = self.state
        return parse_in(self.parser, text, st.candidate or (st.shown[-1] if st.shown else None))

    def is_faithful(self, parsed: ParsedResponse) -> bool:
        return all(self.parser.is_true(f) for f in parsed.facts)

    def react(self, strategy: int | None, parsed: ParsedResponse, turn: int) -> CustomerAct:
        self.state.on_response(parsed)
        act = apply_surface(self.surface, self.customer.react(parsed, turn), self.scenario,
                            self.seed, turn, strategy)
        self.state.on_customer(act)
        return act

    def agenda(self) -> tuple[tuple[str, ...], tuple[float, ...], tuple[int | None, ...]]:
        c = self.customer
        return c.agenda_names, c.agenda_gains, tuple(c.achieved.get(n) for n in c.agenda_names)

    def success(self) -> bool:
        return self.customer.success()

    def public_state(self) -> dict[str, Any]:
        # the category is public: the customer names it in the opening line
        return {**self.state.as_dict(), "category": self.scenario.category}

    def reference_strategies(self) -> tuple[int, ...]:
        return self.scenario.reference_strategies()

    def sop_strategy(self, turn: int) -> int:
        return sop_next(self.state, turn)

    def context(self) -> dict[str, Any]:
        """Catalogue facts for a response writer (public information only)."""
        return context_of(self.realizer, self.public_state(), self.scenario.category)
