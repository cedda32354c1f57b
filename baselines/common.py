"""What the trainable baselines share: playing an agent through the protocol and scoring it.

The loop is the one the leaderboard runs (SPEC §6, ``agents.protocol.play``): the agent sees
the expert's observation and the last ``info``; where it also plays ``service`` it writes the
text, otherwise the domain's built-in CS Agent does. Baselines use it for their periodic dev
evaluation and the tests and the results script use it to score them, so every number comes
from the same code path.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

import gopo_env  # noqa: F401  (registers the environments)
from agents.protocol import play

EVAL_ENV = "GOPO-Mgshop-v0"
METRICS = ("success", "tse", "esndcg", "gre", "turns")


def play_episode(agent: Any, env: gym.Env, seed: int, scenario_id: str | None = None) -> dict[str, Any]:
    """One episode of ``agent`` on an expert view (``GOPO-<Domain>-v0``); returns its summary."""
    dialogue = env.unwrapped.dialogue
    env.reset(seed=seed, options={"scenario_id": scenario_id} if scenario_id else None)
    play(dialogue, agent, tuple(agent.roles), seed, scenario_id, reset=False)
    summary = dialogue.summary()
    summary["return"] = dialogue.episode_return
    return summary


def rollouts(agent: Any, split: str = "dev", episodes: int | None = None, seed: int = 0,
             env_id: str = EVAL_ENV) -> list[dict[str, Any]]:
    """Episode summaries of ``agent`` on the first ``episodes`` scenarios of ``split`` (all if None).

    Scenario ``i`` is played with seed ``seed + i``, so two calls score the same dialogues.
    Strict mode: an agent that plays a masked strategy fails loudly here.
    """
    env = gym.make(env_id, split=split, strict=True)
    try:
        ids = env.unwrapped.scenario_ids(split)
        ids = ids if episodes is None else ids[:episodes]
        return [play_episode(agent, env, seed + i, sid) for i, sid in enumerate(ids)]
    finally:
        env.close()


def evaluate(agent: Any, split: str = "dev", episodes: int | None = None, seed: int = 0,
             env_id: str = EVAL_ENV) -> dict[str, float]:
    """Mean metrics (and return) of :func:`rollouts`."""
    rows = rollouts(agent, split, episodes, seed, env_id)
    out = {m: float(np.mean([float(r[m]) for r in rows])) for m in METRICS}
    out["return"] = float(np.mean([r["return"] for r in rows]))
    out["episodes"] = len(rows)
    return out
