"""Running the headline benchmark: GOPO, its ablations and the baselines at equal env-step budgets.

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
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

import gopo_env
from gopo_env.core.errors import DataError, DomainError
from gopo_env.core.files import check_out_dir, staged_dir
from gopo_env.registration import spec_of, version_id
from leaderboard import metrics as M
from leaderboard.bench.entrants import (
    BUDGETS,
    FORMAT_VERSION,
    INVALID,
    OUTPUTS,
    PLOTS,
    RESULTS_FILE,
    RUNS_DIR,
    SPLITS,
    TABLE_FILE,
    TABLE_METRICS,
    TESTED,
    BenchmarkError,
    Budget,
    Entrant,
    domain_envs,
    runnable,
    select,
)
from leaderboard.bench.report import markdown, write_plots
from leaderboard.loading import load_agent, parse_env_kwargs
from leaderboard.runner import check_protocol_kwargs, package_version
from leaderboard.runner import run as run_episodes
from leaderboard.submission import atomic_write_text, dumps


# ---------------------------------------------------------------------- the environment
@contextlib.contextmanager
def env_overrides(env_kwargs: Mapping[str, Any] | None, domain: str | None = None) -> Iterator[None]:
    """Within the block, every registered GOPO env is made with ``env_kwargs`` added.

    Agents train by env id (``train(env_id, budget, seed)``, docs/environment.md), so extra ``gym.make``
    arguments (``{"source": "mgshopdial"}``, ``{"params": "calibrated"}``) reach them, the
    evaluation runner and PPO's flat view only through the registry. The specs are restored on
    exit.
    """
    if not env_kwargs:
        yield
        return
    saved = {k: gym.registry[k] for k, spec in gopo_env.env_specs().items()
             if k in gym.registry and (domain is None or spec.domain == domain)}
    try:
        for k, spec in saved.items():
            gym.registry[k] = dataclasses.replace(spec, kwargs={**spec.kwargs, **env_kwargs})
        yield
    finally:
        gym.registry.update(saved)


def check_env(env_id: str, env_kwargs: Mapping[str, Any], split: str = "test") -> list[str]:
    """Make the env once with ``env_kwargs`` and load the train, dev and ``split`` scenarios (a
    clear error now, not after an hour); the strategy names.

    Raises :class:`BenchmarkError` when the env cannot be made or a split's data is absent (the
    domain's own message names the command that fetches it; ``split='dev'`` is suggested, once,
    when the evaluated split is the missing one)."""
    if split not in SPLITS:
        raise BenchmarkError(f"--split must be one of {SPLITS}, got {split!r}")
    try:
        with env_overrides(env_kwargs, spec_of(env_id).domain):
            env = gym.make(env_id, split=split)
    except Exception as e:
        raise BenchmarkError(f"cannot make {env_id} with --env-kwargs {dict(env_kwargs)}: "
                             f"{type(e).__name__}: {e}") from e
    try:
        dialogue = env.unwrapped.dialogue
        for name in dict.fromkeys(("train", "dev", split)):
            try:
                if not dialogue.scenario_ids(name):
                    raise DataError(f"the {name} split of {env_id} has no scenarios")
            except DataError as e:
                # once: unless the domain's own message already offers split='dev' (the CLI writes
                # that as --split dev)
                hint = (" — or evaluate on the validation goals with split='dev'"
                        if name == split and split != "dev" and "split='dev'" not in str(e) else "")
                raise BenchmarkError(f"cannot run the benchmark on the {split} split of {env_id}: "
                                     f"{e}{hint}") from e
        return list(dialogue.domain.strategies)
    finally:
        env.close()


# ---------------------------------------------------------------------- one (entrant, seed)
def _fingerprint(entrant: Entrant, budget: Budget, seed: int, env_id: str,
                 env_kwargs: Mapping[str, Any], split: str = "test") -> dict[str, Any]:
    """What a stored run must match to be reused by ``resume``."""
    return {"agent": entrant.agent, "kwargs": entrant.build_kwargs(budget, seed), "seed": seed,
            "budget": dataclasses.asdict(budget) if entrant.trainable else None,
            "env_id": env_id, "env_kwargs": dict(env_kwargs), "strict": entrant.strict,
            "split": split, "package_version": package_version()}


def run_one(entrant: Entrant, budget: Budget, seed: int, env_id: str,
            env_kwargs: Mapping[str, Any], split: str = "test") -> dict[str, Any]:
    """Train (if trainable) on the train split and evaluate one entrant with one seed on ``split``
    (every scenario, trial seed ``seed``); the JSON-ready run record."""
    from gopo_env.protocol import evaluate as dev_evaluate

    kwargs = entrant.build_kwargs(budget, seed)
    agent = load_agent(entrant.agent, kwargs)
    train: dict[str, Any] | None = None
    with env_overrides(env_kwargs, spec_of(env_id).domain):
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
            dev = float(np.mean([s["tse"] for s in dev_evaluate(agent, env_id, "dev",
                                                                  episodes=budget.dev_episodes)]))
        _, _, records = run_episodes(agent, env_id, split, trials=1, seed=seed, strict=entrant.strict)
    episodes = []
    for ep in records:
        m = M.episode_metrics(ep, None)
        domain_metrics = ep["outcome"].get("domain_metrics")
        episodes.append({"scenario_id": ep["scenario_id"], "episode_seed": ep["seed"],
                         **{k: m[k] for k in TABLE_METRICS},
                         **({"domain_metrics": domain_metrics} if domain_metrics else {}),
                         "strategies": [t["strategy_name"] for t in ep["turns"]]})
    return {"format_version": FORMAT_VERSION, "entrant": entrant.key,
            "fingerprint": _fingerprint(entrant, budget, seed, env_id, env_kwargs, split),
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
    keyed = {(ep["scenario_id"], r["seed"]): {k: ep[k] for k in TABLE_METRICS}
             for r in runs for ep in r["episodes"]}
    out: dict[str, Any] = {"metrics": M.summarize(keyed)}
    domain = summarize_domain_metrics(runs)
    if domain:
        out["domain_metrics"] = domain
    out["seed_means"] = {k: [float(np.mean([ep[k] for ep in r["episodes"]])) for r in runs]
                         for k in TABLE_METRICS}
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


def summarize_domain_metrics(runs: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The domain's own metrics (``summary["domain_metrics"]``, whatever keys it returns): per key,
    mean and 95% bootstrap CI over the scenarios whose episodes define it (seeds averaged per
    scenario), ``n`` = those scenarios; keys in first-seen order. Empty when the domain has none."""
    keys = list(dict.fromkeys(k for r in runs for ep in r["episodes"] for k in ep.get("domain_metrics", {})))
    out: dict[str, dict[str, Any]] = {}
    for key in keys:
        values = {(ep["scenario_id"], r["seed"]): {key: float(ep["domain_metrics"][key])}
                  for r in runs for ep in r["episodes"] if key in ep.get("domain_metrics", {})}
        out[key] = M.summarize(values)[key]
    return out


def per_episode(runs: Sequence[dict[str, Any]], metric: str) -> dict[tuple[str, int], float]:
    """``(scenario id, seed) -> value``: the pairing key of ``leaderboard.metrics.paired_bootstrap``."""
    return {(ep["scenario_id"], r["seed"]): float(ep[metric]) for r in runs for ep in r["episodes"]}


# ---------------------------------------------------------------------- the benchmark
def run(domain: str = "mgshop", budget: str | Budget = "small", seeds: int | None = None,
        out: str | Path = "benchmark-results", only: str | Sequence[str] | None = None,
        env_kwargs: str | Mapping[str, Any] | None = None, resume: bool = False, progress: bool = False,
        command: str | None = None, split: str = "test", overwrite: bool = False) -> dict[str, Any]:
    """Run the benchmark and write its outputs into ``out``; returns the ``results.json`` content.

    ``out`` is new or empty, or holds an earlier benchmark's outputs and either ``resume`` (reuse
    its finished runs that match, write the rest there) or ``overwrite`` (start afresh in a
    folder beside it that replaces it once the results are complete: a failed run leaves the old
    one whole). Any other folder is refused before anything is trained.

    ``split`` is the split every entrant is evaluated on (``test``, or ``dev`` where the test data
    is absent; training is always on ``train``, learning curves always on ``dev``). Entrants that
    need a view the domain does not register (PPO monolithic: ``flat``) are left out and listed in
    ``results["skipped"]``. Raises :class:`BenchmarkError` on a bad argument or absent data."""
    envs = domain_envs()
    if domain not in envs:
        raise BenchmarkError(f"unknown domain {domain!r}; the benchmark knows {sorted(envs)}")
    if isinstance(budget, str):
        if budget not in BUDGETS:
            raise BenchmarkError(f"unknown budget {budget!r}; choose from {sorted(BUDGETS)}")
        budget = BUDGETS[budget]
    n_seeds = budget.seeds if seeds is None else int(seeds)
    if n_seeds < 1:
        raise BenchmarkError(f"--seeds must be >= 1, got {n_seeds}")
    env_id, env_kwargs = envs[domain], parse_env_kwargs(env_kwargs, BenchmarkError)
    if "version" in env_kwargs:  # an id names its dynamics: run (and record) that version's id
        version = env_kwargs.pop("version")
        try:
            env_id = version_id(env_id, version)
        except DomainError as e:
            raise BenchmarkError(f"--env-kwargs version={version!r}: {e}") from e
    check_protocol_kwargs(env_kwargs, BenchmarkError)
    if resume and overwrite:
        raise BenchmarkError("resume=True reuses the runs in out=DIR, overwrite=True replaces them: pass one")
    out = Path(out)
    earlier = _check_out(out, resume or overwrite)
    entrants, skipped = runnable(select(only), domain)
    if not entrants:
        raise BenchmarkError(f"no entrant of --only {only!r} can run on {domain}: "
                             + "; ".join(skipped.values()))
    _require_extras()
    strategies = check_env(env_id, env_kwargs, split)
    if earlier and overwrite:
        with staged_dir(out) as staging:
            result = _run(staging, entrants, skipped, budget, n_seeds, env_id, env_kwargs, split, strategies,
                          domain, False, progress, command)
            _check_out(out, True)  # again: still a benchmark's folder, not another writer's
        return result
    return _run(out, entrants, skipped, budget, n_seeds, env_id, env_kwargs, split, strategies, domain,
                resume, progress, command)


def _check_out(out: Path, reuse: bool) -> bool:
    """Whether ``out`` holds an earlier benchmark's outputs that ``reuse`` (resume or overwrite)
    allows using; a file, other files or an earlier benchmark without ``reuse`` raise."""
    return check_out_dir(out, OUTPUTS, "benchmark output", reuse, error=BenchmarkError,
                         choices="pass resume=True to reuse its finished runs or overwrite=True to start "
                                 "afresh (the old outputs are replaced only once the new run is complete)")


def _run(out: Path, entrants: Sequence[Entrant], skipped: dict[str, str], budget: Budget, n_seeds: int,
         env_id: str, env_kwargs: dict[str, Any], split: str, strategies: list[str], domain: str,
         resume: bool, progress: bool, command: str | None) -> dict[str, Any]:
    """Train, evaluate and aggregate every (entrant, seed) into ``out`` (checked by :func:`run`)."""
    jobs = [(e, s) for e in entrants for s in range(n_seeds)]
    bar = _bar(len(jobs), progress)
    started = time.perf_counter()
    runs: dict[str, list[dict[str, Any]]] = {e.key: [] for e in entrants}
    reused = 0
    for entrant, seed in jobs:
        bar.set_description(f"{entrant.key} seed {seed}")
        path = out / RUNS_DIR / f"{entrant.key}-seed{seed}.json"
        fingerprint = _fingerprint(entrant, budget, seed, env_id, env_kwargs, split)
        record = _stored(path, fingerprint) if resume else None
        if record is None:
            job_started = time.perf_counter()
            record = run_one(entrant, budget, seed, env_id, env_kwargs, split)
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
        "env_kwargs": env_kwargs, "split": split, "budget": dataclasses.asdict(budget),
        "seeds": list(range(n_seeds)), "reference": reference, "package_version": package_version(),
        "machine": machine_info(), "wall_clock_s": wall, "reused_runs": reused,
        "runs_seconds": _runs_seconds(runs),
        "strategies": strategies, "skipped": skipped, "entrants": {},
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
    if domain == "mgshop":  # published with every run: what the scores mean (issue 13)
        from leaderboard.reference import reference_rows

        with env_overrides(env_kwargs):
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


