"""``GOPO-<Domain>-Flat-v<n>``: one monolithic policy picks the whole act, strategy *and* content.

The paper's comparison point for decoupling (PPO monolithic): no Expert/CS split. An action is
one entry of the domain's flat act table (:class:`gopo_env.core.domain.FlatActTable`, from its
toolkit) and the domain's realizer only renders the chosen act, choosing nothing itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from gopo_env.core.dialogue import INVALID_STRATEGY, _as_int
from gopo_env.core.errors import InvalidActionError
from gopo_env.envs.base import DialogueView


class FlatEnv(DialogueView):
    """Observation ``Dict(features, action_mask)`` over the flat acts, action ``Discrete(n_acts)``.

    A masked act (strategy forbidden by the SOP, or content that does not exist now: a
    ``recommend[i]`` with fewer than i+1 matches, an attribute the item lacks) is scored as a
    ``masked_strategy`` violation by default -- a forbidden strategy is played and flagged,
    missing content is a void move -- and raises :class:`InvalidActionError` with
    ``strict=True``. An action outside ``Discrete(n_acts)`` raises (``invalid_input="score"``
    records it as ``invalid_strategy``). ``action_masks()`` serves sb3-contrib's ``MaskablePPO``.
    """

    def __init__(self, flat_options: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        domain = self.dialogue.domain
        toolkit = domain.toolkit()
        acts = toolkit.flat_acts(**(flat_options or {})) if toolkit is not None else None
        if acts is None:
            raise ValueError(f"domain {domain.name!r} has no flat act table (Toolkit.flat_acts), "
                             "so it has no flat view; use its expert or text view")
        self.acts = acts
        n_features = self.dialogue.domain.n_features + self.acts.n_extra
        self.observation_space = spaces.Dict({
            "features": spaces.Box(-1.0, 1.0, (n_features,), np.float32),
            "action_mask": spaces.Box(0, 1, (self.acts.n,), np.int8),
        })
        self.action_space = spaces.Discrete(self.acts.n)
        self.feature_names: tuple[str, ...] = (*domain.feature_names, *self.acts.extra_feature_names)
        """Index -> name of ``observation["features"]``: the domain's, then the act table's."""
        self.act_names: tuple[str, ...] = tuple(self.acts.names)
        """Index -> name of each action (``recommend[0]``, ``answer[2]``, ...)."""

    def _state(self) -> dict[str, Any]:
        """The public state, built once per turn (mask, features and content all read it)."""
        d = self.dialogue
        assert d.episode is not None
        cached = getattr(self, "_state_cache", None)  # (episode, turn, state): holds the episode
        if cached is None or cached[0] is not d.episode or cached[1] != d.turn:
            cached = self._state_cache = (d.episode, d.turn, d.episode.public_state())
        return cached[2]

    def _act_mask(self) -> np.ndarray:
        d = self.dialogue
        if d.episode is None or d.done:
            out = np.zeros(self.acts.n, dtype=np.int8)
            out[0] = 1
            return out
        return self.acts.mask(d.mask(), self._state())

    def _obs(self) -> dict[str, np.ndarray]:
        d = self.dialogue
        return {"features": self.acts.features(d.features(), self._state()),
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
        elif self.acts.mask(np.ones_like(strategy_mask), self._state())[act]:
            text = self._play(act)  # the content exists: the dialogue records the masked strategy
        else:
            d.void("masked_strategy")  # no such content now (a missing match or attribute)
            text = d.realize()
        reward = d.respond(text)
        self._after_step()
        return self._obs(), float(reward), d.terminated, d.truncated, self._info()

    def _play(self, act: int) -> str:
        d = self.dialogue
        state = self._state()
        d.choose(self.acts.strategy_of(act))
        assert d.episode is not None
        return self.acts.render(act, state, d.episode)

    def action_masks(self) -> np.ndarray:
        """The act mask as booleans (the hook MaskablePPO calls)."""
        return self._act_mask().astype(bool)
