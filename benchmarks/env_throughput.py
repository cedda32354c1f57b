"""Environment throughput against CartPole-v1, measured in the same run.

    python benchmarks/env_throughput.py [--steps N] [--profile]

Reports steps/s of GOPO-Mgshop-v0 (random masked strategies, built-in CS Agent), of the
PettingZoo AEC loop (expert + built-in realizer as the service), of GOPO-Mgshop-Text-v0, and of
CartPole-v1 with random actions, all through ``gym.make`` (with its default wrappers), and the
ratio of each to CartPole. ``--profile`` prints the hottest functions of the Mgshop step.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time

import gymnasium as gym
import numpy as np

import gopo_env  # noqa: F401
from gopo_env.multiagent import mgshop_v0


def gym_loop(env_id: str, steps: int, masked: bool, text: bool = False) -> float:
    env = gym.make(env_id)
    rng = np.random.default_rng(0)
    obs, _ = env.reset(seed=0)
    replies = ["Hello and welcome!", "What are you looking for today?", "Do you have a budget?",
               "I would recommend this one.", "Shall I add it to your basket?"]
    t0 = time.perf_counter()
    for i in range(steps):
        if text:
            action = replies[i % len(replies)]
        elif masked:
            action = int(rng.choice(np.flatnonzero(obs["action_mask"])))
        else:
            action = env.action_space.sample()
        obs, _, term, trunc, _ = env.step(action)
        if term or trunc:
            obs, _ = env.reset()
    return steps / (time.perf_counter() - t0)


def aec_loop(steps: int) -> float:
    env = mgshop_v0.env()
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    dialogue = env.unwrapped.dialogue
    done_steps = 0
    t0 = time.perf_counter()
    while done_steps < steps:
        for agent in env.agent_iter():
            obs, _, term, trunc, _ = env.last()
            if term or trunc:
                env.step(None)
                continue
            if agent == "expert":
                env.step(int(rng.choice(np.flatnonzero(obs["action_mask"]))))
            else:
                env.step(dialogue.realize())
                done_steps += 1  # one dialogue turn = expert move + service move
            if done_steps >= steps:
                break
        env.reset()
    return steps / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        gym_loop("GOPO-Mgshop-v0", args.steps, masked=True)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(18)
        return
    cartpole = gym_loop("CartPole-v1", args.steps, masked=False)
    rows = [
        ("CartPole-v1 (random)", cartpole),
        ("GOPO-Mgshop-v0 (random masked)", gym_loop("GOPO-Mgshop-v0", args.steps, masked=True)),
        ("GOPO-Mgshop-Text-v0 (fixed texts)", gym_loop("GOPO-Mgshop-Text-v0", args.steps, False, True)),
        ("gopo/mgshop-v0 AEC turn (2 agent steps)", aec_loop(args.steps)),
    ]
    print(f"{'loop':<42}{'steps/s':>12}{'CartPole/this':>15}")
    for name, rate in rows:
        print(f"{name:<42}{rate:>12,.0f}{cartpole / rate:>15.1f}")


if __name__ == "__main__":
    main()
