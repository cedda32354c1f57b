"""The verified track: re-run a submitted agent, on the public seeds and on fresh scenarios.

Replay (``submit``) proves that every recorded episode is one the simulator produces from the
recorded actions; it cannot prove that *one agent* produced them all (a submission assembled
from the best of several runs per episode replays fine), nor that the agent's score holds on
customers it has not seen (the public test split can be regenerated and memorised). So
``gopo-bench verify DIR``:

1. validates DIR again and finds its stored entry (by content digest);
2. rebuilds the agent from ``agent.class``, ``agent.kwargs``, ``agent.checkpoint`` (a path
   inside DIR, passed to ``agent.load``) after checking ``agent.requirements`` are installed;
3. **reproduction**: runs it in its own process (``gopo_env.protocol.AgentProcess``, the
   isolated runner of ``gopo-bench evaluate``) on the protocol's split and seeds; the
   content digest of the re-run must equal the stored one — every episode reproduced exactly
   (agents must be deterministic given the episode seed passed to ``reset``);
4. **fresh scenarios**: runs it on a scenario set drawn by the domain's generator from a seed
   drawn now (``secrets``), same trial seeds; and tests whether the fresh TSE is significantly
   below the public one: one-sided bootstrap test of the difference of means over scenarios
   (the two sets are independent draws from one distribution, so unpaired), flagged at
   p < :data:`FLAG_ALPHA`. An honest agent is flagged with probability ≈ ``FLAG_ALPHA``;
5. records both scores; the board shows the entry as verified (or flagged, or failed).

Cost: one evaluation for the reproduction plus one for the fresh set, plus a replay: about
2× the original evaluation with an agent that dominates the run time (measured ratio in
``docs/leaderboard.md``).
"""

from __future__ import annotations

import math
import secrets
from pathlib import Path
from typing import Any

import numpy as np

from leaderboard import metrics as M
from leaderboard.submission import SubmissionError, parse_requirements

FLAG_ALPHA = 0.01
"""Significance level of the fresh-vs-public test; the false-flag rate of an honest agent."""
BOOTSTRAP_SAMPLES = 4000


class VerifyError(SubmissionError):
    """The agent cannot be rebuilt or run for verification; the message says why and what to do."""


def check_requirements(requirements: list[str]) -> None:
    """Every declared requirement is installed in a matching version, else :class:`VerifyError`.

    ``verify`` never installs anything: it names the missing ones for the operator to install
    (in a throw-away environment: a submitted agent is code you run).
    """
    from importlib.metadata import PackageNotFoundError, version

    missing = []
    for text, req in zip(requirements, parse_requirements(requirements, error=VerifyError)):
        if req.marker is not None and not req.marker.evaluate():
            continue
        try:
            have = version(req.name)
        except PackageNotFoundError:
            missing.append(f"{text} (not installed)")
            continue
        if req.specifier and not req.specifier.contains(have, prereleases=True):
            missing.append(f"{text} (installed: {have})")
    if missing:
        raise VerifyError("the agent's declared requirements are not met: " + "; ".join(missing)
                          + ". Install them (pip install ...) and run verify again")


def checkpoint_path(directory: Path, agent: dict[str, Any]) -> str | None:
    """``agent.checkpoint`` resolved inside the submission directory (never outside it)."""
    rel = agent.get("checkpoint")
    if not rel:
        return None
    root = directory.resolve()
    path = (root / rel)
    real = path.resolve()
    if not real.is_relative_to(root):
        raise VerifyError(f"agent.checkpoint {rel!r} leads outside the submission directory")
    if not real.exists() and not list(real.parent.glob(real.name + ".*")):
        raise VerifyError(f"agent.checkpoint {rel!r}: no such file in {directory}")
    return str(path)


def play_protocol(agent: Any, env_id: str, split: str, seeds: list[int], strict: bool,
                  domain_kwargs: dict[str, Any]) -> list[dict[str, Any]]:
    """Play every (trial, scenario) of the protocol with ``agent``; the episode records.

    ``domain_kwargs`` reach the domain (``scenario_seed`` for a fresh scenario set).
    """
    from gopo_env.protocol import dialogue_of, make_view
    from leaderboard.loading import check_agent
    from leaderboard.runner import episode_plan, record_episode

    roles = check_agent(agent)
    view = make_view(env_id, roles, split=split, strict=strict, **domain_kwargs)
    ids = dialogue_of(view).scenario_ids(split)
    return [record_episode(view, agent, roles, ep_seed, sid, index, trial)
            for index, trial, sid, ep_seed in episode_plan(ids, seeds)]


def build_agent(spec: str, kwargs: dict[str, Any], checkpoint: str | None, env_id: str,
                isolate: bool) -> Any:
    """The submitted agent: in its own process (:class:`gopo_env.protocol.AgentProcess`: it
    sees only observations, public info and the public toolkit) or, ``isolate=False``, here."""
    from leaderboard.loading import load_agent, load_class

    if isolate:
        from gopo_env.protocol import AgentProcess
        from leaderboard.runner import toolkit_of

        load_class(spec)  # a clear error here, not in the child
        return AgentProcess(spec, kwargs, load=checkpoint, toolkit=toolkit_of(env_id))
    agent = load_agent(spec, kwargs)
    if checkpoint is not None:
        if not callable(getattr(agent, "load", None)):
            raise VerifyError(f"agent.checkpoint given but {spec} has no load(path) method")
        agent.load(checkpoint)
    return agent


def _run(spec: str, kwargs: dict[str, Any], checkpoint: str | None, env_id: str, split: str,
         seeds: list[int], strict: bool, domain_kwargs: dict[str, Any],
         isolate: bool) -> list[dict[str, Any]]:
    """A fresh agent (a new process when isolated) playing the protocol; failures explained."""
    from leaderboard.loading import AgentLoadError

    try:
        agent = build_agent(spec, kwargs, checkpoint, env_id, isolate)
    except AgentLoadError as e:
        raise VerifyError(str(e)) from None
    try:
        return play_protocol(agent, env_id, split, seeds, strict, domain_kwargs)
    except SubmissionError:
        raise
    except TypeError as e:
        if domain_kwargs:
            raise VerifyError(f"{env_id}: its domain cannot draw fresh scenarios ({e}); only "
                              "reproduction can be verified for it") from None
        raise VerifyError(f"the agent failed while being re-run: {type(e).__name__}: {e}") from None
    except Exception as e:  # the agent's own failure (in its process or here)
        if domain_kwargs and "scenario_seed" in str(e):
            raise VerifyError(f"{env_id}: its domain cannot draw fresh scenarios ({e}); only "
                              "reproduction can be verified for it") from None
        raise VerifyError(f"the agent failed while being re-run: {type(e).__name__}: {e}") from None
    finally:
        if callable(getattr(agent, "close", None)):
            agent.close()


def unpaired_drop_test(public: np.ndarray, fresh: np.ndarray, samples: int = BOOTSTRAP_SAMPLES,
                       seed: int = M.BOOTSTRAP_SEED) -> dict[str, Any]:
    """One-sided bootstrap test of H0: mean(fresh) >= mean(public), scenarios resampled per set.

    Returns ``delta = mean(fresh) - mean(public)``, its 95% bootstrap interval and the
    p-value: the share of bootstrap differences ``>= 0`` (small when fresh is clearly lower).
    """
    rng = np.random.default_rng(seed)
    a = public[rng.integers(0, len(public), size=(samples, len(public)))].mean(axis=1)
    b = fresh[rng.integers(0, len(fresh), size=(samples, len(fresh)))].mean(axis=1)
    diff = b - a
    lo, hi = np.quantile(diff, [0.025, 0.975])
    p = float((np.sum(diff >= 0.0) + 1) / (samples + 1))
    return {"delta": float(fresh.mean() - public.mean()), "ci": [float(lo), float(hi)], "p_value": p}


def _per_scenario_tse(records: list[dict[str, Any]]) -> np.ndarray:
    groups: dict[str, list[float]] = {}
    for ep in records:
        groups.setdefault(ep["scenario_id"], []).append(M.tse(ep))
    return np.array([math.fsum(v) / len(v) for _, v in sorted(groups.items())], dtype=np.float64)


def _first_mismatch(stored: list[dict[str, Any]], rerun: list[dict[str, Any]]) -> str:
    from leaderboard.validate import _first_difference, _path, _where

    by_index = {ep["episode"]: ep for ep in rerun}
    for ep in stored:
        again = by_index.get(ep["episode"])
        if again is None:
            return f"{_where(ep)} was not played again"
        diff = _first_difference({k: v for k, v in ep.items() if k != "metrics"}, again)
        if diff is not None:
            path, a, b = diff
            return f"{_where(ep)}: field {_path(path)} is {a!r} in the submission, {b!r} on the re-run"
    return "the episodes differ"


def verify(directory: str | Path, db: str | Path, *, fresh_seed: int | None = None,
           progress: bool = False, isolate: bool = True) -> dict[str, Any]:
    """Verify a stored submission by re-running its agent; records and returns the outcome.

    ``fresh_seed`` fixes the fresh scenario set (default: drawn now with :mod:`secrets`, so
    that nobody can prepare for it). ``isolate=False`` runs the agent in this process (tests,
    debugging); by default each run gets a fresh agent process.
    Raises :class:`SubmissionError` when the submission is invalid or not stored, and
    :class:`VerifyError` when the agent cannot be rebuilt. A submission whose episodes are not
    reproduced is recorded as failed (``reproduced: False``) and returned, not raised.
    """
    from leaderboard import store
    from leaderboard.validate import ContentDigest, validate

    directory = Path(directory)
    verified = validate(directory, progress=progress)
    entry = store.entry_by_digest(db, verified.digest)
    if entry is None:
        raise SubmissionError(f"{directory} is not on the leaderboard {db}; `gopo-bench submit` it first")
    sub = verified.submission
    agent, env, protocol = sub["agent"], sub["env"], sub["protocol"]
    check_requirements(agent.get("requirements", []))
    checkpoint = checkpoint_path(directory, agent)
    base = (agent["class"], agent["kwargs"], checkpoint, env["id"], protocol["split"],
            list(protocol["seeds"]), protocol["strict"])

    rerun = _run(*base, {}, isolate)
    digest = ContentDigest(sub)
    for ep in rerun:
        digest.add(ep)
    reproduced = digest.hexdigest() == verified.digest
    stored = list(verified.episodes())
    result: dict[str, Any] = {"entry": entry, "reproduced": reproduced,
                              "mismatch": None if reproduced else _first_mismatch(stored, rerun)}
    public = _per_scenario_tse(stored)
    result["public_tse"] = float(public.mean())

    seed = secrets.randbelow(2**31) if fresh_seed is None else int(fresh_seed)
    result["fresh_seed"] = seed
    try:
        fresh_records = _run(*base, {"scenario_seed": seed}, isolate)
    except VerifyError as e:
        if "cannot draw fresh scenarios" not in str(e):
            raise
        outcome = "reproduced exactly" if reproduced else f"NOT reproduced ({result['mismatch']})"
        raise VerifyError(f"entry {entry}: {outcome}; but {e}") from None
    fresh = _per_scenario_tse(fresh_records)
    lo, hi = M.bootstrap_ci(fresh)
    result["fresh"] = {"mean": float(fresh.mean()), "ci": [lo, hi], "n": len(fresh)}
    test = unpaired_drop_test(public, fresh)
    result.update(delta=test["delta"], delta_ci=test["ci"], p_value=test["p_value"],
                  flagged=bool(test["p_value"] < FLAG_ALPHA), alpha=FLAG_ALPHA)
    store.record_verification(db, entry, result)
    return result
