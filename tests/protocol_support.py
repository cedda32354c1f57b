"""Scoring helpers for the tests: mean metrics through the one episode driver."""

from __future__ import annotations

from typing import Any

from gopo_env.protocol import TASK_METRICS as METRICS  # noqa: F401  (re-exported for the tests)
from gopo_env.protocol import evaluate, mean_metrics


def score(agent: Any, split: str = "dev", episodes: int | None = None, seed: int = 0,
          env_id: str = "GOPO-Mgshop-v0") -> dict[str, float]:
    """Mean metrics of ``agent`` on the first ``episodes`` scenarios of ``split``."""
    return mean_metrics(evaluate(agent, env_id, split, episodes=episodes, trial_seed=seed))
