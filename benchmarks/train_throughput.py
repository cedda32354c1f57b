"""GOPO vs PPO (expert form) training cost on the same budget, measured in the same run.

    python benchmarks/train_throughput.py [--steps 20480] [--repeats 3]

Trains ``agents.gopo:GOPOAgent`` (defaults) and ``baselines.ppo:PPOAgent(form="expert")`` on
``GOPO-Mgshop-v0`` for the same number of environment steps, alternating GOPO, PPO, GOPO, ...
(so a change in machine load hits both), and prints each one's training wall-clock and env
steps/s plus the ratio GOPO / PPO (medians over the repeats). PPO's periodic dev evaluation is
off; GOPO always evaluates on dev after each stage (its model selection), so its time is shown
with and without those evaluations. Both use one torch thread.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from typing import Any

import torch

from agents.gopo import GOPOAgent
from baselines.ppo import PPOAgent

ENV = "GOPO-Mgshop-v0"


def train(which: str, steps: int, seed: int) -> dict[str, float]:
    """Train one agent; wall-clock, dev-evaluation seconds and env steps."""
    agent: Any = (GOPOAgent(roles=("expert",), progress=False, eval_every=0) if which == "GOPO"
                  else PPOAgent(form="expert", progress_bar=False, eval_every=0))
    start = time.perf_counter()
    stats = agent.train(ENV, steps, seed)
    wall = time.perf_counter() - start
    eval_s = sum(p["eval_seconds"] for p in agent.curve)
    return {"wall": wall, "eval": eval_s, "steps": float(stats["env_steps"])}


def measure(r: dict[str, float]) -> dict[str, float]:
    """The four figures of one run: wall-clock and steps/s, with and without dev evaluation."""
    train_s = r["wall"] - r["eval"]
    return {"wall": r["wall"], "train": train_s, "rate": r["steps"] / r["wall"],
            "rate_train": r["steps"] / train_s}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=20480, help="training env steps of each run")
    p.add_argument("--repeats", type=int, default=3, help="runs of each agent (seeds 0..N-1)")
    args = p.parse_args()
    runs: dict[str, list[dict[str, float]]] = {"GOPO": [], "PPO": []}
    for seed in range(args.repeats):
        for which in runs:
            runs[which].append(train(which, args.steps, seed))
            r = runs[which][-1]
            print(f"{which} seed {seed}: {r['steps']:.0f} steps in {r['wall']:.1f} s "
                  f"(dev eval {r['eval']:.1f} s)", flush=True)

    def med(which: str, key: str) -> float:
        return statistics.median(measure(r)[key] for r in runs[which])

    print(f"\n{platform.machine()}, {os.cpu_count()} CPU cores, torch {torch.__version__} "
          f"(1 thread), budget {args.steps} env steps, median of {args.repeats}")
    print(f"{'':26}{'GOPO':>10}{'PPO':>10}{'GOPO/PPO':>10}")
    for label, key in (("wall-clock s (all)", "wall"), ("wall-clock s (no dev eval)", "train"),
                       ("env steps/s (all)", "rate"), ("env steps/s (no dev eval)", "rate_train")):
        g, q = med("GOPO", key), med("PPO", key)
        print(f"{label:26}{g:>10.1f}{q:>10.1f}{g / q:>10.2f}")


if __name__ == "__main__":
    main()
