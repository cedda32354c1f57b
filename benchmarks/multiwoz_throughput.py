"""MultiWOZ environment throughput against CartPole-v1, measured in the same run.

    python benchmarks/multiwoz_throughput.py [--steps N] [--profile]

Reports steps/s of GOPO-MultiWOZ-v0 on the dev split (random masked strategies; the SOP
expert), of GOPO-MultiWOZ-Text-v0 (fixed texts), and of CartPole-v1 with random actions, all
through ``gym.make``, and CartPole's rate over each. Needs the MultiWOZ data
(``gopo-bench data fetch multiwoz`` or ``$GOPO_DATA_DIR``). ``--profile`` prints the hottest
functions of the MultiWOZ step.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time

import gymnasium as gym
import numpy as np

import gopo_env  # noqa: F401


def gym_loop(env_id: str, steps: int, mode: str, **kwargs) -> float:
    env = gym.make(env_id, **kwargs)
    rng = np.random.default_rng(0)
    obs, _ = env.reset(seed=0)
    replies = ["Hello, how can I help?", "What area would you like?", "I recommend Pizza Hut City Centre.",
               "Would you like me to book it?", "Is there anything else?"]
    t0 = time.perf_counter()
    for i in range(steps):
        if mode == "text":
            action = replies[i % len(replies)]
        elif mode == "masked":
            action = int(rng.choice(np.flatnonzero(obs["action_mask"])))
        elif mode == "sop":
            action = env.unwrapped.dialogue.builtin_strategy()
        else:
            action = env.action_space.sample()
        obs, _, term, trunc, _ = env.step(action)
        if term or trunc:
            obs, _ = env.reset()
    return steps / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        gym_loop("GOPO-MultiWOZ-v0", args.steps, "masked", split="dev")
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(20)
        return
    loops = {
        "CartPole-v1 (random)": ("CartPole-v1", 4, "random", {}),
        "GOPO-MultiWOZ-v0 dev (random masked)": ("GOPO-MultiWOZ-v0", 1, "masked", {"split": "dev"}),
        "GOPO-MultiWOZ-v0 dev (SOP expert)": ("GOPO-MultiWOZ-v0", 1, "sop", {"split": "dev"}),
        "GOPO-MultiWOZ-Text-v0 dev (fixed texts)": ("GOPO-MultiWOZ-Text-v0", 1, "text", {"split": "dev"}),
    }
    # interleaved rounds, best rate of each: the machine is shared, so one slow round says little
    best = {name: 0.0 for name in loops}
    for _ in range(args.rounds):
        for name, (env_id, mult, mode, kwargs) in loops.items():
            best[name] = max(best[name], gym_loop(env_id, args.steps * mult, mode, **kwargs))
    cartpole = best["CartPole-v1 (random)"]
    head = f"loop (best of {args.rounds} interleaved rounds)"
    print(f"{head:<42}{'steps/s':>12}{'CartPole/this':>15}")
    for name, rate in best.items():
        print(f"{name:<42}{rate:>12,.0f}{cartpole / rate:>15.1f}")


if __name__ == "__main__":
    main()
