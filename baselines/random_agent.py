"""Random expert: uniform over the strategies the SOP allows (the floor of the scale)."""

from __future__ import annotations

import random
from typing import Any

import numpy as np


class RandomAgent:
    """Picks uniformly among the unmasked strategies; seeded per episode."""

    roles = ("expert",)

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.rng = random.Random(seed)

    def reset(self, seed: int | None = None) -> None:
        self.rng = random.Random(f"{self.seed}:{seed}")

    def act(self, role: str, observation: Any, info: dict[str, Any]) -> int:
        allowed = np.flatnonzero(observation["action_mask"])
        return int(allowed[int(self.rng.random() * len(allowed))])
