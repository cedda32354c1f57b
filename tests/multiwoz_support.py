"""An SOP/random episode runner for the MultiWOZ tests (the data fixtures are in conftest)."""

from __future__ import annotations

import numpy as np


def play(dialogue, seed: int, scenario_id: str, policy: str = "sop") -> None:
    """One episode with the built-in CS Agent; ``policy`` "sop" or "random" (masked)."""
    rng = np.random.default_rng(seed)
    dialogue.reset(seed=seed, scenario_id=scenario_id)
    while not dialogue.done:
        if policy == "sop":
            action = dialogue.builtin_strategy()
        else:
            action = int(rng.choice(np.flatnonzero(dialogue.mask())))
        dialogue.choose(action)
        dialogue.respond(dialogue.realize())
