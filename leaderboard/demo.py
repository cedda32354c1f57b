"""The main job on the embedded default: a transcript and a comparison of reference agents."""

from __future__ import annotations

import statistics
from typing import Any

import gymnasium as gym

import gopo_env  # noqa: F401  (registers the environments)
from baselines.random_agent import RandomAgent
from baselines.scripted import ScriptedSOPAgent

METRICS = ("success", "tse", "esndcg", "gre", "turns")


def play(env: gym.Env, agent: Any, seed: int, scenario_id: str) -> dict[str, Any]:
    """One episode of an expert agent on the Expert view; returns the episode summary."""
    agent.reset(seed=seed)
    obs, info = env.reset(seed=seed, options={"scenario_id": scenario_id})
    done = False
    while not done:
        obs, _, terminated, truncated, info = env.step(agent.act("expert", obs, info))
        done = terminated or truncated
    return info["episode"]


def compare(agents: dict[str, Any], env_id: str = "GOPO-Mgshop-v0", split: str = "test",
            seed: int = 0) -> dict[str, dict[str, float]]:
    """Mean metrics of each agent over every scenario of ``split`` (same seeds for all)."""
    env = gym.make(env_id, split=split)
    ids = env.unwrapped.scenario_ids()
    table = {}
    for name, agent in agents.items():
        runs = [play(env, agent, seed + i, sid) for i, sid in enumerate(ids)]
        table[name] = {m: statistics.fmean(float(r[m]) for r in runs) for m in METRICS}
        table[name]["episodes"] = len(runs)
    return table


def run_demo(seed: int = 0) -> str:
    env = gym.make("GOPO-Mgshop-v0", split="test", render_mode="ansi")
    scripted = ScriptedSOPAgent()
    sid = env.unwrapped.scenario_ids()[3]
    play(env, scripted, seed, sid)
    out = ["One test episode, scripted SOP expert + built-in CS Agent:", env.render()]
    table = compare({"random (masked)": RandomAgent(seed), "scripted SOP": scripted}, seed=seed)
    n = next(iter(table.values()))["episodes"]
    out.append(f"GOPO-Mgshop-v0, test split ({n} scenarios), seed {seed}:")
    out.append(f"{'agent':<18}" + "".join(f"{m:>9}" for m in METRICS))
    for name, row in table.items():
        out.append(f"{name:<18}" + "".join(f"{row[m]:>9.3f}" for m in METRICS))
    return "\n".join(out)
