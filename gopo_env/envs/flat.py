"""``GOPO-Mgshop-Flat-v0``: one monolithic policy picks the whole act, strategy *and* content.

The paper's comparison point for decoupling (SPEC §6, PPO monolithic): no Expert/CS split. An
action is one entry of a flat table of acts -- ``recommend[i]`` recommends the i-th of the top-k
catalogue matches for what the customer has said, ``answer[j]`` answers about the j-th attribute
of the item under discussion, every other strategy is one act -- and the domain's realizer only
renders the chosen act (``DomainEpisode.realize_act``), choosing nothing itself.

:class:`FlatActs` reads the table in a *public* state snapshot (``info["state"]``), so an agent
outside the environment computes the same observation, mask and content as the view does.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import numpy as np
from gymnasium import spaces

from gopo_env.core.dialogue import INVALID_STRATEGY, _as_int
from gopo_env.core.errors import InvalidActionError
from gopo_env.domains.mgshop.catalogue import Product, embedded_catalogue, schema_of
from gopo_env.domains.mgshop.realizer import public_realizer
from gopo_env.domains.mgshop.strategies import ANSWER, RECOMMEND, STRATEGIES
from gopo_env.envs.base import DialogueView

TOP_K = 3
"""Catalogue matches a ``recommend[i]`` act can pick from."""
_PER_CANDIDATE = 5  # exists, rating, already shown, is the accepted item, price / budget


class FlatActs:
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
        self._rng = random.Random(0)  # matches() draws nothing; a realizer needs one

    def attributes(self, category: str) -> tuple[str, ...]:
        return self._attributes[category]

    def candidates(self, state: Mapping[str, Any], category: str) -> list[Product]:
        """The top-k catalogue matches for what the customer has said, best first."""
        return public_realizer(state, self.catalogues[category], self._rng).matches(self.k)

    def mask(self, strategy_mask: np.ndarray, state: Mapping[str, Any], category: str) -> np.ndarray:
        """Acts allowed now: the SOP allows the strategy and the content exists.

        ``recommend[0]`` stays allowed with no match (it then says there is nothing to offer).
        """
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
                category: str) -> tuple[int, str | None, str | None]:
        """``(strategy, item id, attribute)`` of ``act`` in this state."""
        s, i = self.table[act]
        if s == RECOMMEND:
            found = self.candidates(state, category)
            return s, (found[i].id if i < len(found) else None), None
        if s == ANSWER:
            return s, None, self.attributes(category)[i]
        return s, None, None

    def features(self, base: np.ndarray, state: Mapping[str, Any], category: str) -> np.ndarray:
        """The domain features plus what content choice needs: the candidates and the question."""
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


class FlatEnv(DialogueView):
    """Observation ``Dict(features, action_mask)`` over the flat acts, action ``Discrete(n_acts)``.

    A masked act (strategy forbidden by the SOP, or content that does not exist now: a
    ``recommend[i]`` with fewer than i+1 matches, an attribute the item lacks) is scored as a
    ``masked_strategy`` violation by default -- a forbidden strategy is played and flagged,
    missing content is a void move -- and raises :class:`InvalidActionError` with
    ``strict=True``. An action outside ``Discrete(n_acts)`` raises (``invalid_input="score"``
    records it as ``invalid_strategy``). ``action_masks()`` serves sb3-contrib's ``MaskablePPO``.
    """

    def __init__(self, top_k: int = TOP_K, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if self.dialogue.domain.name != "mgshop":
            raise ValueError(f"the flat view is defined for mgshop only, not {self.dialogue.domain.name!r}")
        self.acts = FlatActs(top_k, self.dialogue.domain.catalogues)
        n_features = self.dialogue.domain.n_features + self.acts.n_extra
        self.observation_space = spaces.Dict({
            "features": spaces.Box(-1.0, 1.0, (n_features,), np.float32),
            "action_mask": spaces.Box(0, 1, (self.acts.n,), np.int8),
        })
        self.action_space = spaces.Discrete(self.acts.n)

    def _category(self) -> str:
        return self.dialogue.scenario.category

    def _state(self) -> dict[str, Any]:
        episode = self.dialogue.episode
        assert episode is not None
        return episode.public_state()

    def _act_mask(self) -> np.ndarray:
        d = self.dialogue
        if d.episode is None or d.done:
            out = np.zeros(self.acts.n, dtype=np.int8)
            out[0] = 1
            return out
        return self.acts.mask(d.mask(), self._state(), self._category())

    def _obs(self) -> dict[str, np.ndarray]:
        d = self.dialogue
        return {"features": self.acts.features(d.features(), self._state(), self._category()),
                "action_mask": self._act_mask()}

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        self._start(seed, options)
        return self._obs(), self._info()

    def step(self, action: Any):
        d = self.dialogue
        if d.episode is None or d.done:
            d.choose(action)  # raises the dialogue's own "not started" / "episode is over" error
        act = _as_int(action)
        mask = self._act_mask()
        strategy_mask = d.mask()
        in_space = act is not None and 0 <= act < self.acts.n
        if in_space and mask[act]:
            text = self._play(act)
        elif not in_space:
            if d.invalid_input == "raise":
                raise InvalidActionError(
                    "agent", d.turn + 1, f"action {action!r} is not an integer in [0, {self.acts.n})",
                    f"Pick one of the {self.acts.n} acts {list(self.acts.names)} (env.unwrapped.acts.names). "
                    '(To score such input as a violation instead, make the env with invalid_input="score".)')
            d.choose(INVALID_STRATEGY)  # recorded as invalid_strategy
            text = d.realize()
        elif d.strict:
            allowed = [self.acts.names[i] for i in np.flatnonzero(mask)]
            raise InvalidActionError(
                "agent", d.turn + 1, f"act {act} ({self.acts.names[act]}) is masked",
                f"Choose among the allowed acts {allowed} (observation['action_mask']): mask your policy "
                "(MaskablePPO calls env.action_masks()), or drop strict=True so that a masked act is "
                "played and scored as an SOP violation (the default).")
        elif self.acts.mask(np.ones_like(strategy_mask), self._state(), self._category())[act]:
            text = self._play(act)  # the content exists: the dialogue records the masked strategy
        else:
            d.void("masked_strategy")  # no such content now (a missing match or attribute)
            text = d.realize()
        reward = d.respond(text)
        self._after_step()
        return self._obs(), float(reward), d.terminated, d.truncated, self._info()

    def _play(self, act: int) -> str:
        d = self.dialogue
        strategy, item, attribute = self.acts.content(act, self._state(), self._category())
        d.choose(strategy)
        assert d.episode is not None
        return d.episode.realize_act(strategy, item, attribute)

    def action_masks(self) -> np.ndarray:
        """The act mask as booleans (the hook MaskablePPO calls)."""
        return self._act_mask().astype(bool)
