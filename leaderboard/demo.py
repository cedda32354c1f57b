"""The main job on the embedded default: a transcript, then GOPO and the baselines trained,
evaluated on the test split and ranked.

It needs the core install plus ``[agents,web]``: training and the comparison go through the
headline benchmark (``leaderboard.bench``) at the ``full`` budget with one training seed
(about 1.5 minutes on 2 cores), so the demo's table is made by the same code as the README's.
"""

from __future__ import annotations

from typing import Any

import gopo_env  # noqa: F401  (registers the environments)
from gopo_env.protocol import make_view, play
from leaderboard import metrics as M
from leaderboard.loading import load_agent
from leaderboard.report import fmt_mean_ci, fmt_vs_above
from leaderboard.runner import run

DEMO_ENV = "GOPO-Mgshop-v1"
"""The embedded default's current version (the benchmark of ``gopo-bench benchmark mgshop``)."""
DEMO_ENTRANTS = "gopo,ppo-expert,memento,bc,sop,random"
"""GOPO and one of each baseline (the ablations and PPO monolithic are in the full benchmark)."""



def compare(agents: dict[str, Any], env_id: str = DEMO_ENV, split: str = "test",
            seed: int = 0) -> dict[str, dict[str, dict[str, Any]]]:
    """Mean and 95% CI of each task metric per agent over ``split`` (the same seeds for all)."""
    table = {}
    for name, agent in agents.items():
        _, _, records = run(agent, env_id, split, trials=1, seed=seed)
        per_episode = {(ep["scenario_id"], ep["trial"]): M.episode_metrics(ep, None) for ep in records}
        table[name] = M.summarize(per_episode)
    return table


def transcript(seed: int = 0) -> str:
    """One test episode of the scripted SOP expert with the built-in CS Agent, rendered."""
    view = make_view(DEMO_ENV, ("expert",), split="test", render_mode="ansi")
    sid = view.scenario_ids()[3]
    play(view, load_agent("baselines.scripted:ScriptedSOPAgent"), seed=seed, scenario_id=sid)
    return view.render()


def ranking(result: dict[str, Any]) -> str:
    """The benchmark's entrants ranked by test TSE, as a terminal table."""
    ref = result["entrants"][result["reference"]]["label"]
    rows = sorted(result["entrants"].values(), key=lambda r: -r["metrics"]["tse"]["mean"])
    head = f"{'#':>2} {'entrant':<24}{'TSE':>16}{'success':>16}{'ESNDCG':>16}{'turns':>7}  vs {ref}"
    lines = [head, "-" * len(head)]
    for rank, row in enumerate(rows, 1):
        mm, vs = row["metrics"], row["vs_reference"]["tse"]
        lines.append(f"{rank:>2} {row['label']:<24}" + "".join(
            f"{fmt_mean_ci(mm[m]):>16}" for m in ("tse", "success", "esndcg"))
            + f"{mm['turns']['mean']:>7.2f}  " + ("(reference)" if vs is None else fmt_vs_above(vs)))
    return "\n".join(lines)


def run_demo(seed: int = 0, out: str = "runs/demo", budget: str = "full", progress: bool = True) -> str:
    """Transcript, then train + evaluate GOPO and the baselines (``budget``, training seed 0)."""
    from leaderboard import bench as benchmark

    print("One test episode, scripted SOP expert + built-in CS Agent:", transcript(seed), sep="\n",
          flush=True)
    steps = benchmark.BUDGETS[budget].train_steps
    print(f"Training GOPO, PPO, Memento and BC for {steps:,} env steps each (seed 0), then "
          "evaluating every agent on the 120 test scenarios ...", flush=True)
    # re-runnable: each run replaces the demo's previous results (only once the new ones are complete)
    result = benchmark.run("mgshop", budget, seeds=1, out=out, only=DEMO_ENTRANTS, progress=progress,
                           command=f"gopo-bench demo (budget {budget})", overwrite=True)
    return "\n".join([
        f"{result['env_id']}, test split, training seed 0; mean ± half-width of the 95% bootstrap CI; "
        f"paired bootstrap of TSE vs GOPO ({result['wall_clock_s']:.0f} s):",
        ranking(result),
        f"Results, plots and per-run records: {out}/ (results.md, results.json). The full benchmark "
        "(5 seeds, all ablations): gopo-bench benchmark mgshop --budget full --out DIR",
    ])
