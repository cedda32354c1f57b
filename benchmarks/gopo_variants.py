"""A small GOPO benchmark: GOPO, its ablations and the reference experts at one step budget.

The script behind the results note in ``docs/gopo.md`` (``python benchmarks/gopo_variants.py
20000``); the headline ``gopo-bench benchmark`` (with PPO and Memento, CIs and plots) belongs to
the leaderboard.
"""

from __future__ import annotations

import statistics
from typing import Any

from agents.gopo import GOPOAgent

VARIANTS: dict[str, dict[str, Any]] = {
    "GOPO (dev-selected)": {"ablation": "full"},
    "GOPO (last iterate)": {"ablation": "full", "keep_best": False},
    "no preference (BC only)": {"ablation": "no_preference"},
    "no Expert Agent (flat)": {"ablation": "no_expert", "keep_best": False},
    "no SOP mask": {"ablation": "no_mask", "keep_best": False},
}
"""GOPO variants trained per seed (``keep_best=False`` shows what the preference stage did)."""
METRICS = ("success", "tse", "esndcg", "turns")


def run(budget: int = 20_000, seeds: tuple[int, ...] = (0, 1, 2), split: str = "test",
        env_id: str = "GOPO-Mgshop-v0", progress: bool = False) -> dict[str, Any]:
    """Train each variant per seed at ``budget`` env steps, evaluate on ``split``; plus the
    scripted SOP and random experts (``leaderboard.demo.compare``, the same episode seeds)."""
    from baselines.random_agent import RandomAgent
    from baselines.scripted import ScriptedSOPAgent
    from leaderboard.demo import compare

    rows: dict[str, Any] = {}
    for name, kwargs in VARIANTS.items():
        runs = []
        for seed in seeds:
            agent = GOPOAgent(roles=("expert",), progress=progress, **kwargs)
            stats = agent.train(env_id, budget=budget, seed=seed)
            runs.append({**agent.evaluate(env_id, split=split),
                         "wall_clock_s": stats["wall_clock_s"], "env_steps": stats["env_steps"],
                         "env_steps_per_s": stats["env_steps_per_s"]})
        rows[name] = {k: statistics.fmean(r[k] for r in runs) for k in runs[0]}
        rows[name]["per_seed_tse"] = [r["tse"] for r in runs]
    reference = compare({"scripted SOP": ScriptedSOPAgent(), "random (masked)": RandomAgent(0)},
                        env_id=env_id, split=split)
    rows.update(reference)
    return {"budget": budget, "seeds": list(seeds), "split": split, "rows": rows}


def markdown(result: dict[str, Any]) -> str:
    """The result as a Markdown table (means over seeds)."""
    lines = [f"| agent | {' | '.join(METRICS)} | train s | env steps/s |",
             "|---|" + "---:|" * (len(METRICS) + 2)]
    for name, row in result["rows"].items():
        cells = [f"{row[m]:.3f}" for m in METRICS]
        extra = [f"{row['wall_clock_s']:.1f}", f"{row['env_steps_per_s']:.0f}"] \
            if "wall_clock_s" in row else ["–", "–"]
        lines.append(f"| {name} | " + " | ".join(cells + extra) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    import json
    import sys

    out = run(budget=int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
    print(markdown(out))
    print(json.dumps(out, indent=1))
