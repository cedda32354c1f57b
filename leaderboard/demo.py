"""The main job on the embedded default: a transcript and a comparison of reference agents.

It needs only the core install plus ``[agents]``: the comparison uses the evaluation runner
and the task metrics with bootstrap CIs, not the generation metrics (``[metrics]`` extra).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

import gopo_env  # noqa: F401  (registers the environments)
from baselines.common import play_episode
from baselines.random_agent import RandomAgent
from baselines.scripted import ScriptedSOPAgent
from leaderboard import metrics as M
from leaderboard.report import fmt_mean_ci
from leaderboard.runner import run

METRICS = ("success", "tse", "esndcg", "gre", "turns")


def compare(agents: dict[str, Any], env_id: str = "GOPO-Mgshop-v0", split: str = "test",
            seed: int = 0) -> dict[str, dict[str, dict[str, Any]]]:
    """Mean and 95% CI of each task metric per agent over ``split`` (the same seeds for all)."""
    table = {}
    for name, agent in agents.items():
        _, _, records = run(agent, env_id, split, trials=1, seed=seed)
        per_episode = {(ep["scenario_id"], ep["trial"]): M.episode_metrics(ep, None) for ep in records}
        table[name] = M.summarize(per_episode)
    return table


def run_demo(seed: int = 0) -> str:
    env = gym.make("GOPO-Mgshop-v0", split="test", render_mode="ansi")
    scripted = ScriptedSOPAgent()
    sid = env.unwrapped.scenario_ids()[3]
    play_episode(scripted, env, seed, sid)
    out = ["One test episode, scripted SOP expert + built-in CS Agent:", env.render()]
    table = compare({"random (masked)": RandomAgent(seed), "scripted SOP": scripted}, seed=seed)
    n = next(iter(table.values()))["tse"]["n"]
    out.append(f"GOPO-Mgshop-v0, test split ({n} scenarios), trial seed {seed}; "
               "mean ± half-width of the 95% bootstrap CI:")
    out.append(f"{'agent':<18}" + "".join(f"{m:>16}" for m in METRICS))
    for name, row in table.items():
        out.append(f"{name:<18}" + "".join(f"{fmt_mean_ci(row[m]):>16}" for m in METRICS))
    return "\n".join(out)
