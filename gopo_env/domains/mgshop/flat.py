"""Mgshop's flat act table: one discrete action picks strategy *and* content.

``recommend[i]`` recommends the i-th of the top-k catalogue matches for what the customer has
said, ``answer[j]`` answers about the j-th attribute of the item under discussion, every other
strategy is one act; the domain's realizer only renders the chosen act. :class:`FlatActs`
reads the table in a *public* state snapshot (``info["state"]``), so an agent outside the
environment computes the same observation, mask and content as the flat view does.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import numpy as np

from gopo_env.core.domain import FlatActTable
from gopo_env.domains.mgshop.catalogue import Product, embedded_catalogue, schema_of
from gopo_env.domains.mgshop.realizer import public_realizer
from gopo_env.domains.mgshop.strategies import ANSWER, RECOMMEND, STRATEGIES

TOP_K = 3
"""Catalogue matches a ``recommend[i]`` act can pick from."""
_PER_CANDIDATE = 5  # exists, rating, already shown, is the accepted item, price / budget


class FlatActs(FlatActTable):
    """The Mgshop flat act table and its reading in a public state (shared by view and agents)."""

    def __init__(self, k: int = TOP_K, catalogues: Mapping[str, tuple[Product, ...]] | None = None) -> None:
        if k < 1:
            raise ValueError(f"k (candidate products per recommend) must be >= 1, got {k}")
        self.k = k
        self.catalogues = dict(catalogues) if catalogues is not None else embedded_catalogue()
        self._attributes = {c: (*schema_of(products, c).attributes, "rating")
                            for c, products in self.catalogues.items()}
        self._by_id = {c: {p.id: p for p in products} for c, products in self.catalogues.items()}
        # answer[j] slots: the most any category has; a category with fewer masks the rest
        self.n_attributes = max(len(a) for a in self._attributes.values())
        table: list[tuple[int, int]] = []
        for s in range(len(STRATEGIES)):
            slots = k if s == RECOMMEND else self.n_attributes if s == ANSWER else 1
            table.extend((s, i) for i in range(slots))
        self.table: tuple[tuple[int, int], ...] = tuple(table)
        self.n = len(table)
        self.names = tuple(
            f"{STRATEGIES[s]}[{i}]" if s in (RECOMMEND, ANSWER) else STRATEGIES[s] for s, i in table
        )
        self.n_extra = k * _PER_CANDIDATE + self.n_attributes
        per = ("exists", "rating", "shown", "is_candidate", "price_over_budget")
        self.extra_feature_names = tuple(
            [f"candidate{i}.{f}" for i in range(k) for f in per]
            + [f"pending_question.attribute{j}" for j in range(self.n_attributes)])
        self._rng = random.Random(0)  # matches() draws nothing; a realizer needs one
        self._last: tuple[Any, str, list[Product]] | None = None

    def attributes(self, category: str) -> tuple[str, ...]:
        return self._attributes[category]

    def candidates(self, state: Mapping[str, Any], category: str | None = None) -> list[Product]:
        """The top-k catalogue matches for what the customer has said, best first."""
        category = category or state["category"]
        last = self._last
        if last is not None and last[0] is state and last[1] == category:
            return last[2]  # the same snapshot: mask, content and features share one search
        found = public_realizer(state, self.catalogues[category], self._rng).matches(self.k)
        self._last = (state, category, found)
        return found

    def strategy_of(self, act: int) -> int:
        return self.table[act][0]

    def render(self, act: int, state: Mapping[str, Any], writer: Any) -> str:
        """The text of ``act``: ``writer.realize_act`` (the episode's, or a toolkit writer's)."""
        strategy, item, attribute = self.content(act, state)
        return writer.realize_act(strategy, item, attribute)

    def mask(self, strategy_mask: np.ndarray, state: Mapping[str, Any],
             category: str | None = None) -> np.ndarray:
        """Acts allowed now: the SOP allows the strategy and the content exists.

        ``recommend[0]`` stays allowed with no match (it then says there is nothing to offer).
        """
        category = category or state["category"]
        n_candidates = len(self.candidates(state, category))
        answerable = self._answerable(state, category)
        out = np.zeros(self.n, dtype=np.int8)
        for a, (s, i) in enumerate(self.table):
            out[a] = strategy_mask[s] and not (s == RECOMMEND and i > 0 and i >= n_candidates) \
                and not (s == ANSWER and i not in answerable)
        return out

    def _answerable(self, state: Mapping[str, Any], category: str) -> set[int]:
        """``answer[j]`` slots with something to say: the category's attributes that the item
        under discussion has (a real item may lack one), or all of them with no item yet."""
        attributes = self.attributes(category)
        focus = state["candidate"] or (state["shown"][-1] if state["shown"] else None)
        item = self._by_id[category].get(focus) if focus is not None else None
        return {j for j, a in enumerate(attributes)
                if item is None or a == "rating" or a in item.attributes}

    def content(self, act: int, state: Mapping[str, Any],
                category: str | None = None) -> tuple[int, str | None, str | None]:
        """``(strategy, item id, attribute)`` of ``act`` in this state."""
        category = category or state["category"]
        s, i = self.table[act]
        if s == RECOMMEND:
            found = self.candidates(state, category)
            return s, (found[i].id if i < len(found) else None), None
        if s == ANSWER:
            return s, None, self.attributes(category)[i]
        return s, None, None

    def features(self, base: np.ndarray, state: Mapping[str, Any],
                 category: str | None = None) -> np.ndarray:
        """The domain features plus what content choice needs: the candidates and the question."""
        category = category or state["category"]
        extra = np.zeros(self.n_extra, dtype=np.float32)
        item = state["item"]
        known = state["known"][item] if item < len(state["known"]) else None
        budget = known["max_price"] if known is not None else None
        for i, p in enumerate(self.candidates(state, category)):
            row = extra[i * _PER_CANDIDATE:(i + 1) * _PER_CANDIDATE]
            row[0] = 1.0
            row[1] = (p.rating - 3.0) / 2.0 if p.rating is not None else -1.0  # unrated
            row[2] = p.id in state["shown"]
            row[3] = p.id == state["candidate"]
            row[4] = min(p.price / budget, 1.0) if budget else 0.0
        question = state["pending_question"]
        if question is not None:
            extra[self.k * _PER_CANDIDATE + self.attributes(category).index(question)] = 1.0
        return np.concatenate([base, extra]).astype(np.float32)


