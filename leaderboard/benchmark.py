"""The headline benchmark: GOPO, its ablations and the baselines at equal env-step budgets.

``gopo-bench benchmark mgshop --budget small|full --seeds N --out DIR`` calls :func:`run`. For
every entrant of :data:`ENTRANTS` and every training seed ``s``: build the agent from its import
string, train it for the budget's environment steps on the train split (recording a learning
curve on the dev split), then play every test scenario with trial seed ``s`` through the
evaluation runner (``leaderboard.runner.run``, strict unless the entrant is the no-mask
ablation). So the test split × N trials of the standard protocol are played, trial ``s`` by
the agent trained with seed ``s``, and every entrant meets the same customers: comparisons
are paired. Metrics, bootstrap CIs and paired-bootstrap p-values come from
``leaderboard.metrics``. Outputs in DIR: ``results.json``, ``results.md`` and three plots;
``runs/`` keeps one file per finished (entrant, seed) for ``resume``. The protocol and how to
read the outputs: ``docs/benchmark.md``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

import gopo_env
from leaderboard import metrics as M
from leaderboard.loading import load_agent
from leaderboard.report import fmt_mean_ci, fmt_vs_above
from leaderboard.runner import package_version
from leaderboard.runner import run as run_episodes
from leaderboard.submission import atomic_write_text, dumps

FORMAT_VERSION = 1
DOMAIN_ENVS = {"mgshop": "GOPO-Mgshop-v0"}
"""Domain name -> the Expert view every entrant is trained and evaluated on."""
METRICS = ("tse", "success", "esndcg", "gre", "return", "turns")
"""Per-episode task metrics reported (``leaderboard.metrics.EPISODE_METRICS``)."""
TESTED = ("tse", "success")
"""Metrics with a paired-bootstrap test against the reference entrant."""
RESULTS_FILE, TABLE_FILE = "results.json", "results.md"
INVALID = "(invalid)"
"""Strategy-usage column of turns whose strategy is not a domain strategy (lenient mode)."""
PLOTS = {"curves": "learning_curves.png", "tse": "tse_distribution.png", "strategies": "strategy_usage.png"}


class BenchmarkError(ValueError):
    """The benchmark cannot run as asked; the message says what to change."""


# ---------------------------------------------------------------------- budgets
@dataclass(frozen=True)
class Budget:
    """How much every entrant gets; the same for all of them, so the comparison is fair."""

    name: str
    """``small`` or ``full``."""
    train_steps: int
    """Training environment steps (assistant turns) of every trainable entrant, every rollout
    counted (GOPO: both stages; BC: the demonstrations). Dev evaluation is not counted."""
    seeds: int
    """Training seeds when ``--seeds`` is not given."""
    eval_every: int
    """Environment steps between the dev evaluations that draw the learning curves."""
    dev_episodes: int
    """Dev scenarios per learning-curve point (the first ones, scenario ``i`` with seed ``i``)."""


BUDGETS = {
    # tiny: checks the pipeline in seconds (tests); its numbers mean nothing
    "tiny": Budget("tiny", train_steps=512, seeds=2, eval_every=256, dev_episodes=3),
    # small: ~3 min for 2 seeds on the 2-core development machine (measured, docs/benchmark.md)
    "small": Budget("small", train_steps=4096, seeds=2, eval_every=1024, dev_episodes=30),
    # full: ~25 min for 5 seeds on the same machine (extrapolated from small, then measured)
    "full": Budget("full", train_steps=30720, seeds=5, eval_every=3072, dev_episodes=60),
}
"""Named budgets. ``train_steps`` are multiples of PPO's rollout (512 steps) so PPO does not
overshoot; GOPO and Memento stop at the last whole episode (or group) that fits."""


# ---------------------------------------------------------------------- entrants
@dataclass(frozen=True)
class Entrant:
    """One line of the table: an agent by import string and how the budget reaches it."""

    key: str
    """Short name for ``--only`` and file names."""
    label: str
    """Name in the table and plots."""
    agent: str
    """``module:Class``, loaded by ``leaderboard.loading.load_agent``."""
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    """Constructor keyword arguments (besides the budget ones below)."""
    budget_kwargs: Mapping[str, str] = field(default_factory=dict)
    """Constructor keyword -> :class:`Budget` field (the agent's dev-evaluation settings)."""
    trainable: bool = True
    """Has ``train(env_id, budget, seed)``; otherwise only evaluated."""
    seed_kwarg: str | None = None
    """Constructor keyword that receives the training seed (untrained, seeded agents)."""
    strict: bool = True
    """Evaluate in strict mode (False only for the no-mask ablation, which plays masked moves)."""

    def build_kwargs(self, budget: Budget, seed: int) -> dict[str, Any]:
        kwargs = dict(self.kwargs)
        kwargs.update({k: getattr(budget, f) for k, f in self.budget_kwargs.items()})
        if self.seed_kwarg:
            kwargs[self.seed_kwarg] = seed
        return kwargs


_GOPO = "agents.gopo:GOPOAgent"
_GOPO_KW = {"roles": ["expert"], "progress": False}
_GOPO_BUDGET = {"eval_every": "eval_every", "eval_episodes": "dev_episodes"}
GOPO_TSE_ITERATED = {"w_esndcg": 0.0, "ref_sync_every": 2, "pairing": "best", "beta": 1.0, "pref_lr": 1e-3}
"""The investigation's GOPO variant (docs/benchmark.md): the sequence objective without the
ESNDCG term, the reference re-synced every 2 iterations, best-vs-rest pairs and a stronger step.
The headline GOPO row keeps the defaults of ``agents.gopo.GOPOConfig``."""
_QUIET = {"progress_bar": False}
_DEV_BUDGET = {"eval_every": "eval_every", "eval_episodes": "dev_episodes"}

ENTRANTS: tuple[Entrant, ...] = (
    Entrant("gopo", "GOPO", _GOPO, {**_GOPO_KW, "ablation": "full"}, _GOPO_BUDGET),
    Entrant("gopo-tse-iter", "GOPO variant: J = TSE, iterated reference", _GOPO,
            {**_GOPO_KW, "ablation": "full", **GOPO_TSE_ITERATED}, _GOPO_BUDGET),
    Entrant("gopo-no-pref", "GOPO w/o preference stage", _GOPO,
            {**_GOPO_KW, "ablation": "no_preference"}, _GOPO_BUDGET),
    Entrant("gopo-no-expert", "GOPO w/o Expert history", _GOPO,
            {**_GOPO_KW, "ablation": "no_expert"}, _GOPO_BUDGET),
    Entrant("gopo-no-mask", "GOPO w/o SOP mask", _GOPO, {**_GOPO_KW, "ablation": "no_mask"},
            _GOPO_BUDGET, strict=False),
    Entrant("ppo-expert", "PPO (expert)", "baselines.ppo:PPOAgent", {**_QUIET, "form": "expert"},
            _DEV_BUDGET),
    Entrant("ppo-mono", "PPO (monolithic)", "baselines.ppo:PPOAgent", {**_QUIET, "form": "monolithic"},
            _DEV_BUDGET),
    Entrant("memento", "Memento (soft-Q cases)", "baselines.memento:MementoAgent", _QUIET, _DEV_BUDGET),
    Entrant("bc", "BC (SOP demos)", "baselines.bc:BCAgent", _QUIET, {"eval_episodes": "dev_episodes"}),
    Entrant("sop", "scripted SOP", "baselines.scripted:ScriptedSOPAgent", trainable=False),
    Entrant("random", "random (masked)", "baselines.random_agent:RandomAgent", trainable=False,
            seed_kwarg="seed"),
)
"""The entrants, in table order. The first one present is the reference of the p-values."""


def select(only: str | Sequence[str] | None) -> list[Entrant]:
    """The entrants named in ``only`` (comma-separated keys), in registry order; all if None."""
    if not only:
        return list(ENTRANTS)
    keys = [k.strip() for k in (only.split(",") if isinstance(only, str) else only) if k.strip()]
    known = {e.key for e in ENTRANTS}
    unknown = [k for k in keys if k not in known]
    if unknown or not keys:
        raise BenchmarkError(f"--only: unknown entrant(s) {unknown or keys}; choose from {sorted(known)}")
    return [e for e in ENTRANTS if e.key in keys]


# ---------------------------------------------------------------------- the environment
@contextlib.contextmanager
def env_overrides(env_kwargs: Mapping[str, Any] | None) -> Iterator[None]:
    """Within the block, every registered GOPO env is made with ``env_kwargs`` added.

    Agents train by env id (``train(env_id, budget, seed)``, SPEC §6), so extra ``gym.make``
    arguments (``{"source": "mgshopdial"}``, ``{"params": "calibrated"}``) reach them, the
    evaluation runner and PPO's flat view only through the registry. The specs are restored on
    exit.
    """
    if not env_kwargs:
        yield
        return
    saved = {k: gym.registry[k] for k in gopo_env.GYM_ENVS if k in gym.registry}
    try:
        for k, spec in saved.items():
            gym.registry[k] = dataclasses.replace(spec, kwargs={**spec.kwargs, **env_kwargs})
        yield
    finally:
        gym.registry.update(saved)


def parse_env_kwargs(text: str | Mapping[str, Any] | None) -> dict[str, Any]:
    """``--env-kwargs`` as a dict (JSON object text, a mapping, or nothing)."""
    if text is None or isinstance(text, Mapping):
        return dict(text or {})
    try:
        value = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as e:
        raise BenchmarkError(f"--env-kwargs is not valid JSON ({e.msg} at character {e.pos}): {text!r}; "
                             'write an object, e.g. \'{"params": "calibrated"}\'') from None
    if not isinstance(value, dict):
        raise BenchmarkError(f"--env-kwargs must be a JSON object, got {type(value).__name__}: {text!r}")
    return value


def check_env(env_id: str, env_kwargs: Mapping[str, Any]) -> list[str]:
    """Make the env once with ``env_kwargs`` (a clear error now, not after an hour); strategy names."""
    try:
        with env_overrides(env_kwargs):
            env = gym.make(env_id, split="test")
    except Exception as e:
        raise BenchmarkError(f"cannot make {env_id} with --env-kwargs {dict(env_kwargs)}: "
                             f"{type(e).__name__}: {e}") from e
    names = list(env.unwrapped.dialogue.domain.strategies)
    env.close()
    return names


# ---------------------------------------------------------------------- one (entrant, seed)
def _fingerprint(entrant: Entrant, budget: Budget, seed: int, env_id: str,
                 env_kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """What a stored run must match to be reused by ``resume``."""
    return {"agent": entrant.agent, "kwargs": entrant.build_kwargs(budget, seed), "seed": seed,
            "budget": dataclasses.asdict(budget) if entrant.trainable else None,
            "env_id": env_id, "env_kwargs": dict(env_kwargs), "strict": entrant.strict,
            "package_version": package_version()}


def run_one(entrant: Entrant, budget: Budget, seed: int, env_id: str,
            env_kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Train (if trainable) and evaluate one entrant with one seed; the JSON-ready run record."""
    from baselines.common import evaluate as dev_evaluate

    kwargs = entrant.build_kwargs(budget, seed)
    agent = load_agent(entrant.agent, kwargs)
    train: dict[str, Any] | None = None
    with env_overrides(env_kwargs):
        if entrant.trainable:
            started = time.perf_counter()
            stats = agent.train(env_id, budget.train_steps, seed)
            wall = time.perf_counter() - started
            curve = [{k: float(p[k]) for k in ("env_steps", "dev_tse", "dev_success", "eval_seconds")}
                     for p in getattr(agent, "curve", [])]
            eval_s = math.fsum(p["eval_seconds"] for p in curve)
            train = {"env_steps": int(stats["env_steps"]), "wall_clock_s": wall, "dev_eval_s": eval_s,
                     "env_steps_per_s": stats["env_steps"] / max(wall - eval_s, 1e-9), "curve": curve}
            dev = None
        else:  # a flat reference line on the learning-curve plot
            dev = dev_evaluate(agent, split="dev", episodes=budget.dev_episodes, env_id=env_id)["tse"]
        _, _, records = run_episodes(agent, env_id, "test", trials=1, seed=seed, strict=entrant.strict)
    episodes = []
    for ep in records:
        m = M.episode_metrics(ep, None)
        episodes.append({"scenario_id": ep["scenario_id"], "episode_seed": ep["seed"],
                         **{k: m[k] for k in METRICS},
                         "strategies": [t["strategy_name"] for t in ep["turns"]]})
    return {"format_version": FORMAT_VERSION, "entrant": entrant.key,
            "fingerprint": _fingerprint(entrant, budget, seed, env_id, env_kwargs),
            "train": train, "dev_tse": dev, "episodes": episodes}


def _stored(path: Path, fingerprint: dict[str, Any]) -> dict[str, Any] | None:
    """A finished run at ``path`` made with exactly ``fingerprint``, else None."""
    try:
        record = json.loads(path.read_text("utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return record if record.get("fingerprint") == json.loads(dumps(fingerprint)) else None


# ---------------------------------------------------------------------- aggregation
def summarize_entrant(runs: Sequence[dict[str, Any]], strategies: Sequence[str]) -> dict[str, Any]:
    """Means with 95% bootstrap CIs over scenarios (seeds averaged per scenario), per-seed means,
    training cost and strategy shares of one entrant's runs."""
    keyed = {(ep["scenario_id"], r["seed"]): {k: ep[k] for k in METRICS}
             for r in runs for ep in r["episodes"]}
    out: dict[str, Any] = {"metrics": M.summarize(keyed)}
    out["seed_means"] = {k: [float(np.mean([ep[k] for ep in r["episodes"]])) for r in runs] for k in METRICS}
    counts = Counter(s if s in strategies else INVALID for r in runs for ep in r["episodes"]
                     for s in ep["strategies"])
    total = sum(counts.values()) or 1
    out["strategy_share"] = {s: counts[s] / total for s in [*strategies, INVALID]
                             if s in strategies or counts[s]}
    trained = [r["train"] for r in runs if r["train"]]
    if trained:
        out["train"] = {k: float(np.mean([t[k] for t in trained]))
                        for k in ("env_steps", "wall_clock_s", "dev_eval_s", "env_steps_per_s")}
    return out


def per_episode(runs: Sequence[dict[str, Any]], metric: str) -> dict[tuple[str, int], float]:
    """``(scenario id, seed) -> value``: the pairing key of ``leaderboard.metrics.paired_bootstrap``."""
    return {(ep["scenario_id"], r["seed"]): float(ep[metric]) for r in runs for ep in r["episodes"]}


# ---------------------------------------------------------------------- the benchmark
def run(domain: str = "mgshop", budget: str | Budget = "small", seeds: int | None = None,
        out: str | Path = "benchmark-results", only: str | Sequence[str] | None = None,
        env_kwargs: str | Mapping[str, Any] | None = None, resume: bool = False, progress: bool = False,
        command: str | None = None) -> dict[str, Any]:
    """Run the benchmark and write its outputs into ``out``; returns the ``results.json`` content."""
    if domain not in DOMAIN_ENVS:
        raise BenchmarkError(f"unknown domain {domain!r}; the benchmark knows {sorted(DOMAIN_ENVS)}")
    if isinstance(budget, str):
        if budget not in BUDGETS:
            raise BenchmarkError(f"unknown budget {budget!r}; choose from {sorted(BUDGETS)}")
        budget = BUDGETS[budget]
    n_seeds = budget.seeds if seeds is None else int(seeds)
    if n_seeds < 1:
        raise BenchmarkError(f"--seeds must be >= 1, got {n_seeds}")
    env_id, env_kwargs = DOMAIN_ENVS[domain], parse_env_kwargs(env_kwargs)
    entrants = select(only)
    _require_extras()
    strategies = check_env(env_id, env_kwargs)
    out = Path(out)
    jobs = [(e, s) for e in entrants for s in range(n_seeds)]
    bar = _bar(len(jobs), progress)
    started = time.perf_counter()
    runs: dict[str, list[dict[str, Any]]] = {e.key: [] for e in entrants}
    reused = 0
    for entrant, seed in jobs:
        bar.set_description(f"{entrant.key} seed {seed}")
        path = out / "runs" / f"{entrant.key}-seed{seed}.json"
        record = _stored(path, _fingerprint(entrant, budget, seed, env_id, env_kwargs)) if resume else None
        if record is None:
            job_started = time.perf_counter()
            record = run_one(entrant, budget, seed, env_id, env_kwargs)
            record["seconds"] = time.perf_counter() - job_started
            atomic_write_text(path, json.dumps(record, indent=1, allow_nan=False) + "\n")
        else:
            reused += 1
        runs[entrant.key].append({**record, "seed": seed})
        bar.update(1)
    bar.close()
    wall = time.perf_counter() - started

    reference = entrants[0].key
    result: dict[str, Any] = {
        "format_version": FORMAT_VERSION, "command": command, "domain": domain, "env_id": env_id,
        "env_kwargs": env_kwargs, "split": "test", "budget": dataclasses.asdict(budget),
        "seeds": list(range(n_seeds)), "reference": reference, "package_version": package_version(),
        "machine": machine_info(), "wall_clock_s": wall, "reused_runs": reused,
        "runs_seconds": _runs_seconds(runs),
        "strategies": strategies, "entrants": {},
    }
    ref_values = {m: per_episode(runs[reference], m) for m in TESTED}
    for e in entrants:
        row = {"label": e.label, "agent": e.agent, "kwargs": dict(e.kwargs), "trainable": e.trainable,
               "strict": e.strict, **summarize_entrant(runs[e.key], strategies)}
        row["vs_reference"] = {m: None if e.key == reference else
                               M.paired_bootstrap(per_episode(runs[e.key], m), ref_values[m]) for m in TESTED}
        row["curves"] = [r["train"]["curve"] if r["train"] else [] for r in runs[e.key]]
        row["dev_tse"] = [r["dev_tse"] for r in runs[e.key]] if not e.trainable else None
        row["runs"] = [{"seed": r["seed"], "episodes": r["episodes"],
                        "train": {k: v for k, v in (r["train"] or {}).items() if k != "curve"}}
                       for r in runs[e.key]]
        result["entrants"][e.key] = row
    from leaderboard.reference import reference_rows

    with env_overrides(env_kwargs):  # published with every run: what the scores mean
        result["reference_rows"] = reference_rows(env_id, None, "test", result["seeds"])
    result["files"] = {"table": TABLE_FILE, "plots": dict(PLOTS)}
    out.mkdir(parents=True, exist_ok=True)
    write_plots(result, out)
    atomic_write_text(out / TABLE_FILE, markdown(result))
    atomic_write_text(out / RESULTS_FILE, json.dumps(result, indent=1, allow_nan=False) + "\n")
    return result


def _runs_seconds(runs: Mapping[str, Sequence[dict[str, Any]]]) -> float | None:
    """Seconds of every (entrant, seed) run, reused ones included (None if one lacks its time)."""
    seconds = [r.get("seconds") for rs in runs.values() for r in rs]
    return None if None in seconds else math.fsum(seconds)


def _require_extras() -> None:
    """Fail before training, not after it, when the plots or the trainable agents cannot run."""
    for module, extra in (("matplotlib", "web"), ("torch", "agents"), ("sb3_contrib", "agents")):
        try:
            __import__(module)
        except ImportError as e:
            raise BenchmarkError(f"the benchmark needs {module} ({e}); "
                                 f"pip install 'gopo-bench[agents,web]' (the {extra} extra)") from e


def machine_info() -> dict[str, Any]:
    """Where the numbers were measured (wall-clock and steps/s only compare on one machine)."""
    import torch

    return {"platform": platform.platform(), "machine": platform.machine(),
            "processor": platform.processor(), "cpu_count": os.cpu_count(),
            "python": platform.python_version(), "numpy": np.__version__, "torch": torch.__version__,
            "gymnasium": gym.__version__}


class _NoBar:
    def set_description(self, _: str) -> None:
        pass

    def update(self, _: int) -> None:
        pass

    def close(self) -> None:
        pass


def _bar(total: int, enabled: bool) -> Any:
    if not enabled:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="run", file=sys.stderr)


# ---------------------------------------------------------------------- the Markdown table
def markdown(result: dict[str, Any]) -> str:
    """``results.md``: the table (mean ± half-width of the 95% CI) and how it was made."""
    b, ref = result["budget"], result["entrants"][result["reference"]]["label"]
    kwargs = f", env kwargs `{json.dumps(result['env_kwargs'])}`" if result["env_kwargs"] else ""
    m = result["machine"]
    lines = [
        f"# Benchmark: {result['env_id']}, test split",
        "",
        f"Command: `{result['command'] or 'leaderboard.benchmark.run(...)'}`{kwargs}. Budget `{b['name']}`: "
        f"{b['train_steps']:,} training env steps per trainable entrant and seed; seeds "
        f"{result['seeds'][0]}–{result['seeds'][-1]} ({len(result['seeds'])}); dev curve every "
        f"{b['eval_every']:,} steps on {b['dev_episodes']} dev scenarios. Wall-clock "
        f"{result['wall_clock_s'] / 60:.1f} min on {m['machine']} ({m['cpu_count']} CPU cores), "
        f"gopo-bench {result['package_version']}, torch {m['torch']}"
        + (f"; {result['reused_runs']} runs reused from an earlier call" if result["reused_runs"] else "")
        + (f" (all runs together took {result['runs_seconds'] / 60:.1f} min)"
           if result["reused_runs"] and result["runs_seconds"] is not None else "")
        + ".",
        "",
        "Cells: mean ± half-width of the 95% bootstrap CI over test scenarios (each scenario's "
        "value averaged over the seeds; seed s is evaluated with trial seed s). "
        f"vs {ref}: paired bootstrap of the TSE difference on the same (scenario, seed) episodes, "
        "two-sided p; * = p < 0.05. Train s: training wall-clock per seed including the dev "
        "evaluations; steps/s excludes them.",
        "",
        f"| entrant | TSE | success | ESNDCG | GRE | turns | TSE per seed | TSE vs {ref} | train steps "
        "| train s | steps/s |",
        "|---|---|---|---|---|---|---|---|---:|---:|---:|",
    ]
    for row in result["entrants"].values():
        mm, t = row["metrics"], row.get("train")
        vs = row["vs_reference"]["tse"]
        cells = [row["label"], *(fmt_mean_ci(mm[k]) for k in ("tse", "success", "esndcg", "gre")),
                 f"{mm['turns']['mean']:.2f}", " ".join(f"{x:.3f}" for x in row["seed_means"]["tse"]),
                 "(reference)" if vs is None else fmt_vs_above(vs),
                 f"{t['env_steps']:,.0f}" if t else "–", f"{t['wall_clock_s']:.1f}" if t else "–",
                 f"{t['env_steps_per_s']:,.0f}" if t else "–"]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Plots: " + ", ".join(f"[{n}]({n})" for n in PLOTS.values()) + ".", ""]
    if result.get("reference_rows"):
        from leaderboard.reference import markdown as reference_markdown

        lines += reference_markdown(result["reference_rows"])
    return "\n".join(lines)


# ---------------------------------------------------------------------- plots
def _save(fig: Any, path: Path) -> None:
    """Save a figure atomically (a temporary file beside it, then ``os.replace``)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".png", dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=110, bbox_inches="tight", metadata={"Software": None})
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_plots(result: dict[str, Any], out: Path) -> None:
    """Learning curves, TSE distributions and the strategy-usage heatmap (matplotlib, Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result["entrants"]
    cmap = plt.get_cmap("tab20")  # the 10 dark colours first, then their light partners
    colors = {k: cmap((2 * i) % 20 + (2 * i) // 20 % 2) for i, k in enumerate(rows)}

    fig, ax = plt.subplots(figsize=(8, 4.8))
    for key, row in rows.items():
        if row["trainable"]:
            curves = [c for c in row["curves"] if c]
            for c in curves:
                ax.plot([p["env_steps"] for p in c], [p["dev_tse"] for p in c], color=colors[key],
                        alpha=0.25, lw=0.8, marker="." if len(c) == 1 else None)
            if curves:
                grid = sorted({p["env_steps"] for c in curves for p in c})
                mean = [np.mean([np.interp(x, [p["env_steps"] for p in c], [p["dev_tse"] for p in c])
                                 for c in curves]) for x in grid]
                ax.plot(grid, mean, color=colors[key], lw=2, label=row["label"],
                        marker="o" if len(grid) == 1 else None)
        elif row["dev_tse"]:
            ax.axhline(float(np.mean(row["dev_tse"])), color=colors[key], ls="--", lw=1.2, label=row["label"])
    ax.set(xlabel="training environment steps", ylabel="dev TSE",
           title=f"Learning curves ({result['env_id']}, dev split; thin: seeds, thick: mean)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    _save(fig, out / PLOTS["curves"])
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(0.8 * len(rows) + 3, 4.8))
    data = [[ep["tse"] for r in row["runs"] for ep in r["episodes"]] for row in rows.values()]
    ax.boxplot(data, showmeans=True, whis=(5, 95), flierprops={"ms": 2})
    ax.set_xticks(range(1, len(rows) + 1), [row["label"] for row in rows.values()], rotation=30,
                  ha="right", fontsize=8)
    ax.set(ylabel="test TSE per episode",
           title="TSE distributions (test split, all seeds; box: quartiles, whiskers: 5-95%, ▲ mean)")
    ax.grid(alpha=0.3, axis="y")
    _save(fig, out / PLOTS["tse"])
    plt.close(fig)

    names = list(result["strategies"]) + (
        [INVALID] if any(INVALID in row["strategy_share"] for row in rows.values()) else [])
    share = np.array([[row["strategy_share"].get(s, 0.0) for s in names] for row in rows.values()])
    fig, ax = plt.subplots(figsize=(0.75 * len(names) + 3, 0.45 * len(rows) + 1.8))
    im = ax.imshow(share, cmap="viridis", vmin=0.0, vmax=max(float(share.max()), 1e-9), aspect="auto")
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)), [row["label"] for row in rows.values()], fontsize=8)
    for i in range(share.shape[0]):
        for j in range(share.shape[1]):
            ax.text(j, i, f"{share[i, j]:.2f}", ha="center", va="center", fontsize=6,
                    color="white" if share[i, j] < 0.6 * share.max() else "black")
    fig.colorbar(im, ax=ax, label="share of test turns")
    ax.set_title("Strategy usage (test split, all seeds)")
    _save(fig, out / PLOTS["strategies"])
    plt.close(fig)
