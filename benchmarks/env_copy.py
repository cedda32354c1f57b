"""The cost of copying an environment mid-episode (planners, SubprocVecEnv, Ray), in µs.

    python benchmarks/env_copy.py [--repeats N] [--data-dir DIR]

For every registered ``GOPO-*`` view (and the real MG-ShopDial source when its data is found:
``--data-dir``, else ``$GOPO_DATA_DIR/mgshopdial``), an env is played 3 turns into an episode with
masked random actions, then copied ``--repeats`` times by ``copy.deepcopy``, a ``pickle`` round
trip and a ``cloudpickle`` round trip. Reported: the median µs per copy (and the pickled size),
and the ratio to the median µs of one ``env.step`` of the same env measured in the same run (the
reference: a lookahead planner pays one copy per simulated branch and one step per move).
"""

from __future__ import annotations

import argparse
import copy
import os
import pickle
import statistics
import time
import warnings
from pathlib import Path

import cloudpickle
import gymnasium as gym
import numpy as np

import gopo_env  # noqa: F401

REPLIES = ["Hello and welcome!", "What are you looking for today?", "Do you have a budget?"]


def _act(env_id: str, obs, rng, i: int):
    if "Text" in env_id:
        return REPLIES[i % len(REPLIES)]
    return int(rng.choice(np.flatnonzero(obs["action_mask"])))


def _mid_episode(env_id: str, kwargs: dict, seed: int):
    env = gym.make(env_id, **kwargs)
    rng = np.random.default_rng(seed)
    obs, _ = env.reset(seed=seed)
    for i in range(3):
        obs, _, term, trunc, _ = env.step(_act(env_id, obs, rng, i))
        if term or trunc:
            obs, _ = env.reset(seed=seed + 1000)
    return env, obs, rng


def _median_us(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e6


def measure(env_id: str, kwargs: dict, repeats: int) -> dict[str, float]:
    env, obs, rng = _mid_episode(env_id, kwargs, 0)
    blob = pickle.dumps(env)
    out = {
        "deepcopy": _median_us(lambda: copy.deepcopy(env), repeats),
        "pickle": _median_us(lambda: pickle.loads(pickle.dumps(env)), repeats),
        "cloudpickle": _median_us(lambda: cloudpickle.loads(cloudpickle.dumps(env)), repeats),
        "pickle_kb": len(blob) / 1024,
    }
    # the reference: one step from the same mid-episode state (a fresh deep copy per step)
    steps = []
    for i in range(repeats):
        sim = copy.deepcopy(env)
        action = _act(env_id, obs, rng, i)
        t0 = time.perf_counter()
        sim.step(action)
        steps.append(time.perf_counter() - t0)
    out["step"] = statistics.median(steps) * 1e6
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()
    data = Path(args.data_dir) if args.data_dir else Path(os.environ.get("GOPO_DATA_DIR", "")) / "mgshopdial"
    sources = {"embedded": {}}
    if (data / "MGShopDial" / "MGShopDial.json").is_file():
        sources["mgshopdial"] = {"source": "mgshopdial", "data_dir": str(data)}
    ids = sorted(k for k in gym.registry if k.startswith("GOPO-"))
    print(f"median over {args.repeats} copies, env 3 turns into an episode; ratio = copy / one step")
    print(f"{'env':<22} {'source':<10} {'step µs':>8} {'deepcopy µs':>12} {'pickle µs':>10} "
          f"{'cloudpickle µs':>15} {'pickle KiB':>11}  ratios (deepcopy, pickle, cloudpickle)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, kwargs in sources.items():
            for env_id in ids:
                m = measure(env_id, kwargs, args.repeats)
                print(f"{env_id:<22} {name:<10} {m['step']:8.0f} {m['deepcopy']:12.0f} {m['pickle']:10.0f} "
                      f"{m['cloudpickle']:15.0f} {m['pickle_kb']:11.0f}  "
                      f"{m['deepcopy'] / m['step']:.1f}×, {m['pickle'] / m['step']:.1f}×, "
                      f"{m['cloudpickle'] / m['step']:.1f}×")


if __name__ == "__main__":
    main()
