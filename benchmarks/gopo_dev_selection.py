"""Choose GOPO's hyper-parameters on the dev split only (issue 13: "selected on dev").

Trains every candidate configuration of :class:`agents.gopo.GOPOConfig` at the headline
benchmark's step budget for several seeds on the train split, evaluates each trained Expert Agent
on **all** dev scenarios (three trial seeds), and selects the candidate with the highest mean dev
TSE (the headline metric). The test split is never touched: ``leaderboard.bench`` then runs the
selected configuration as the ``gopo-dev`` entrant (``GOPO_DEV_SELECTED`` in
``leaderboard/bench/entrants.py``).

    python benchmarks/gopo_dev_selection.py [--env GOPO-Mgshop-v1] [--budget 30720] [--seeds 3]
        [--out docs/gopo_dev_selection_v1.json]

The candidates are a small, pre-declared grid around the two configurations that exist
(``GOPOConfig`` defaults and the iterated-reference variant of docs/benchmark.md): the sequence
objective, the reference policy, the DPO temperature, pair mining, exploration and the share of the
budget spent on behaviour cloning. Results are written atomically as JSON plus a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from agents.gopo import GOPOAgent
from gopo_env.protocol import TASK_METRICS
from leaderboard.submission import atomic_write_text

ITERATED = {"w_esndcg": 0.0, "ref_sync_every": 2, "pairing": "best", "beta": 1.0, "pref_lr": 1e-3}
"""The iterated-reference variant (``leaderboard.bench.entrants.GOPO_TSE_ITERATED``)."""

CANDIDATES: dict[str, dict[str, Any]] = {
    "defaults (J = TSE + 0.25 ESNDCG, frozen reference)": {},
    "J = TSE, frozen reference": {"w_esndcg": 0.0},
    "J = TSE, iterated reference (sync 2), best pairs, beta 1": dict(ITERATED),
    "iterated, beta 0.3": {**ITERATED, "beta": 0.3},
    "iterated, sync every iteration": {**ITERATED, "ref_sync_every": 1},
    "iterated, all pairs": {**ITERATED, "pairing": "all"},
    "iterated, more exploration (epsilon 0.3)": {**ITERATED, "epsilon": 0.3},
    "iterated, groups of 12": {**ITERATED, "group_size": 12},
    "iterated, 10% BC budget": {**ITERATED, "bc_share": 0.1},
    "iterated, J = TSE + success": {**ITERATED, "w_success": 1.0},
}
"""Candidate name -> ``GOPOConfig`` overrides; declared before any run, never edited after one."""

DEV_TRIALS = (0, 1, 2)
"""Trial seeds of the dev evaluation (each of all dev scenarios once per trial seed)."""


def run(env_id: str = "GOPO-Mgshop-v1", budget: int = 30_720, seeds: int = 3,
        eval_every: int = 3072, eval_episodes: int = 60) -> dict[str, Any]:
    """Train and evaluate every candidate; returns the rows and the selected candidate.

    ``eval_every`` / ``eval_episodes`` are GOPO's own in-training model selection (on dev, as in
    the benchmark's ``full`` budget). Raises ``ValueError`` for a budget below one episode.
    """
    started = time.perf_counter()
    rows: dict[str, Any] = {}
    for name, overrides in CANDIDATES.items():
        per_seed = []
        for seed in range(seeds):
            agent = GOPOAgent(roles=("expert",), progress=False, eval_every=eval_every,
                              eval_episodes=eval_episodes, **overrides)
            stats = agent.train(env_id, budget=budget, seed=seed)
            dev = [agent.evaluate(env_id, split="dev", seed=t) for t in DEV_TRIALS]
            per_seed.append({m: float(np.mean([d[m] for d in dev])) for m in TASK_METRICS}
                            | {"train_s": stats["wall_clock_s"], "env_steps": stats["env_steps"]})
            print(f"{name} seed {seed}: dev TSE {per_seed[-1]['tse']:.4f}", flush=True)
        tses = [r["tse"] for r in per_seed]
        rows[name] = {"overrides": overrides,
                      **{m: statistics.fmean(r[m] for r in per_seed) for m in TASK_METRICS},
                      "tse_per_seed": tses,
                      "tse_sd": statistics.stdev(tses) if len(tses) > 1 else 0.0,
                      "train_s": statistics.fmean(r["train_s"] for r in per_seed)}
    selected = max(rows, key=lambda n: rows[n]["tse"])
    return {"env_id": env_id, "split": "dev", "budget": budget, "seeds": list(range(seeds)),
            "dev_trials": list(DEV_TRIALS), "selected": selected,
            "selected_overrides": rows[selected]["overrides"], "rows": rows,
            "machine": f"{platform.machine()} ({os.cpu_count()} CPU cores)",
            "wall_clock_s": time.perf_counter() - started}


def markdown(result: dict[str, Any]) -> str:
    """The result as a Markdown table, best dev TSE first."""
    lines = [f"Dev-split selection on `{result['env_id']}`: {len(result['seeds'])} training seeds x "
             f"{result['budget']:,} env steps, each evaluated on all dev scenarios with trial seeds "
             f"{result['dev_trials']}. Selected: **{result['selected']}**.", "",
             "| candidate | dev TSE | sd over seeds | TSE per seed | success | turns | train s |",
             "|---|---:|---:|---|---:|---:|---:|"]
    for name, r in sorted(result["rows"].items(), key=lambda kv: -kv[1]["tse"]):
        seeds = " ".join(f"{t:.3f}" for t in r["tse_per_seed"])
        lines.append(f"| {name} | {r['tse']:.4f} | {r['tse_sd']:.4f} | {seeds} | {r['success']:.3f} | "
                     f"{r['turns']:.2f} | {r['train_s']:.1f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--env", default="GOPO-Mgshop-v1")
    ap.add_argument("--budget", type=int, default=30_720)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--out", default="docs/gopo_dev_selection_v1.json")
    args = ap.parse_args(argv)
    out = Path(args.out)
    # every mistake is caught before the (long) training, not after it
    if args.seeds < 1 or args.budget < 1:
        ap.error(f"--seeds and --budget must be >= 1, got {args.seeds} and {args.budget}")
    if args.env not in gym.registry:
        import gopo_env

        ap.error(f"--env {args.env!r} is not registered; the expert views are "
                 f"{sorted(i for i, s in gopo_env.env_specs().items() if s.view == 'expert')}")
    if not out.parent.is_dir():
        ap.error(f"--out {out}: folder {out.parent} does not exist; create it or choose another path")
    result = run(args.env, args.budget, args.seeds)
    atomic_write_text(out, json.dumps(result, indent=2) + "\n")
    atomic_write_text(out.with_suffix(".md"), markdown(result))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
