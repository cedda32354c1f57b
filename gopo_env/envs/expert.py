"""``GOPO-<Domain>-v0``: the agent is the Expert Agent; the domain's realizer writes the text."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from gopo_env.envs.base import DialogueView


class ExpertEnv(DialogueView):
    """Observation ``Dict(features, action_mask)``, action ``Discrete(n_strategies)``.

    ``action_masks()`` returns the SOP mask for sb3-contrib's ``MaskablePPO``. The
    transcript, the parsed response and the customer act are in ``info``.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        n = self.dialogue.n_strategies
        self.strategies = self.dialogue.domain.strategies
        self.observation_space = spaces.Dict({
            "features": spaces.Box(-1.0, 1.0, (self.dialogue.domain.n_features,), np.float32),
            "action_mask": spaces.Box(0, 1, (n,), np.int8),
        })
        self.action_space = spaces.Discrete(n)
        self.feature_names: tuple[str, ...] = tuple(self.dialogue.domain.feature_names)
        """Index -> name of ``observation["features"]`` (``Domain.feature_names``)."""

    def _obs(self) -> dict[str, np.ndarray]:
        return {"features": self.dialogue.features(), "action_mask": self.dialogue.mask()}

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        self._start(seed, options)
        return self._obs(), self._info()

    def step(self, action: Any):
        d = self.dialogue
        d.choose(action)
        reward = d.respond(d.realize())
        self._after_step()
        return self._obs(), float(reward), d.terminated, d.truncated, self._info()

    def action_masks(self) -> np.ndarray:
        """The SOP mask as booleans (the hook MaskablePPO calls)."""
        return self.dialogue.mask().astype(bool)
