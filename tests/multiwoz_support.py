"""Shared helpers of the MultiWOZ tests: the data fixture and an SOP/random episode runner."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest


def _data_root() -> Path:
    env = os.environ.get("GOPO_DATA_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def multiwoz_dir() -> Path:
    """The MultiWOZ folder (``$GOPO_DATA_DIR/multiwoz`` or ``../shared/data/multiwoz``).

    Absent data skips the test, except under ``GOPO_REQUIRE_DATA=1`` (CI), where it fails.
    """
    path = _data_root() / "multiwoz"
    if not (path / "data" / "multiwoz" / "val.json.zip").is_file():
        reason = (f"MultiWOZ not found at {path}; set GOPO_DATA_DIR to the folder holding multiwoz/ "
                  "or run `gopo-bench data fetch multiwoz`")
        if os.environ.get("GOPO_REQUIRE_DATA") == "1":
            pytest.fail(reason + " (GOPO_REQUIRE_DATA=1: real data is required here)")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def multiwoz_domain(multiwoz_dir):
    from gopo_env.domains.multiwoz import MultiwozDomain

    return MultiwozDomain(data_dir=multiwoz_dir, n_train=300)


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
