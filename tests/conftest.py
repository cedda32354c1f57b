"""Shared fixtures; the suite never touches the network or a model hub."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import gymnasium as gym  # noqa: E402
import pytest  # noqa: E402

import gopo_env  # noqa: E402,F401  (registers the environments)


@pytest.fixture
def expert_env():
    env = gym.make("GOPO-Mgshop-v0", split="test")
    yield env
    env.close()


def run_sop(env, seed: int, scenario_id: str | None = None):
    """Play one episode with the built-in SOP expert; returns the final info."""
    _, info = env.reset(seed=seed, options={"scenario_id": scenario_id} if scenario_id else None)
    dialogue = env.unwrapped.dialogue
    done = False
    while not done:
        _, _, terminated, truncated, info = env.step(dialogue.builtin_strategy())
        done = terminated or truncated
    return info
