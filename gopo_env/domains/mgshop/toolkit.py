"""Mgshop's public toolkit: parser, fact check, template writer and SOP over public facts.

Built from the catalogues alone (public: every shopper can browse them), it holds no scenario
and no customer, so an agent process that has it can reach nothing hidden. Everything it says
about a dialogue it reads from the public state ``info["state"]``.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from gopo_env.core.domain import ParsedResponse, Toolkit
from gopo_env.domains.mgshop.catalogue import Product
from gopo_env.domains.mgshop.parser import category_parser
from gopo_env.domains.mgshop.realizer import Realizer, public_realizer
from gopo_env.domains.mgshop.strategies import ANSWER, EXPLAIN, STRATEGIES, sop_next


def focus_of(state: Mapping[str, Any]) -> str | None:
    """The item under discussion: the candidate, else the last product shown."""
    return state["candidate"] or (state["shown"][-1] if state["shown"] else None)


def parse_in(parser: Any, text: str, focus: str | None) -> ParsedResponse:
    """Parse ``text``; an answer or explanation naming no product speaks of ``focus``."""
    first = parser.parse(text)
    if first.strategy in (ANSWER, EXPLAIN) and not first.products and focus is not None:
        return parser.parse(text, context=focus)
    return first


def context_of(realizer: Realizer, state: Mapping[str, Any], category: str) -> dict[str, Any]:
    """Catalogue facts for a response writer: the realizer's own search, so that an LLM sees the
    same candidates the built-in CS Agent would use (public information only)."""

    def card(p: Product) -> dict[str, Any]:
        return {"id": p.id, "name": p.name, "kind": p.kind, "price": p.price,
                "rating": p.rating, "attributes": dict(p.attributes)}

    item = state["item"]
    known = state["known"][item] if item < len(state["known"]) else None
    focus = realizer.focus()
    return {
        "category": category,
        "need": {"kind": state["kinds"][item] if item < len(state["kinds"]) else None,
                 "max_price": known["max_price"] if known is not None else None,
                 "attributes": dict(known["attributes"]) if known is not None else {},
                 "min_rating": state["min_rating"]},
        "candidates": [card(p) for p in realizer.matches(3)],
        "focus": card(focus) if focus is not None else None,
        "pending_question": state["pending_question"],
    }


class MgshopWriter:
    """The toolkit bound to one public state (see :class:`gopo_env.core.domain.Writer`)."""

    def __init__(self, state: Mapping[str, Any], products: tuple[Product, ...],
                 rng: random.Random) -> None:
        self.state = state
        self.category = state["category"]
        self.parser = category_parser(self.category, products)
        self.realizer = public_realizer(state, products, rng)

    def parse(self, text: str) -> ParsedResponse:
        return parse_in(self.parser, text, focus_of(self.state))

    def is_faithful(self, parsed: ParsedResponse) -> bool:
        return all(self.parser.is_true(f) for f in parsed.facts)

    def realize(self, strategy: int | None) -> str:
        return self.realizer.realize(strategy)

    def realize_act(self, strategy: int | None, item: str | None = None,
                    attribute: str | None = None) -> str:
        return self.realizer.render_act(strategy, item, attribute)

    def context(self) -> dict[str, Any]:
        return context_of(self.realizer, self.state, self.category)


class MgshopToolkit(Toolkit):
    """Public tools over ``catalogues`` (category -> products)."""

    strategies = STRATEGIES

    def __init__(self, catalogues: Mapping[str, tuple[Product, ...]], max_response_chars: int) -> None:
        self.catalogues = dict(catalogues)
        self.max_response_chars = max_response_chars
        self._flat: dict[int, Any] = {}

    def writer(self, state: dict[str, Any], seed: int | random.Random) -> MgshopWriter:
        rng = seed if isinstance(seed, random.Random) else random.Random(f"writer:{seed}")
        return MgshopWriter(state, self.catalogues[state["category"]], rng)

    def sop_strategy(self, state: dict[str, Any], turn: int) -> int:
        return sop_next(state, turn)

    def flat_acts(self, k: int = 3) -> Any:
        """The flat act table with ``k`` candidate products per ``recommend[i]`` act."""
        if k not in self._flat:
            from gopo_env.domains.mgshop.flat import FlatActs

            self._flat[k] = FlatActs(k, catalogues=self.catalogues)
        return self._flat[k]
