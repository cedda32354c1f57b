"""The verified track: re-run a submitted agent, on the public seeds and on fresh scenarios.

Replay (``submit``) proves that every recorded episode is one the simulator produces from the
recorded actions; it cannot prove that *one agent* produced them all (a submission assembled
from the best of several runs per episode replays fine), nor that the agent's score holds on
customers it has not seen (the public test split can be regenerated and memorised). So
``gopo-bench verify DIR``:

1. validates DIR again and finds its stored entry (by content digest);
2. rebuilds the agent from ``agent.class``, ``agent.kwargs``, ``agent.checkpoint`` (a path
   inside DIR, passed to ``agent.load``) after checking ``agent.requirements`` are installed;
3. **reproduction**: runs it, in a separate process, on the protocol's split and seeds; the
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
import multiprocessing
import secrets
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from leaderboard import metrics as M
from leaderboard.submission import SubmissionError

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

    from packaging.requirements import InvalidRequirement, Requirement

    missing = []
    for text in requirements:
        try:
            req = Requirement(text)
        except InvalidRequirement as e:
            raise VerifyError(f"agent.requirements: {text!r} is not a PEP 508 requirement ({e})") from None
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


def play_protocol(agent_spec: str, kwargs: dict[str, Any], checkpoint: str | None, env_id: str,
                  split: str, seeds: list[int], strict: bool,
                  domain_kwargs: dict[str, Any]) -> list[dict[str, Any]]:
    """Build the agent and play every (trial, scenario) of the protocol; the episode records.

    Runs in the verification's child process (module-level so that it can be pickled).
    """
    from leaderboard.loading import check_agent, load_agent
    from leaderboard.runner import episode_plan, play_episode
    from leaderboard.submission import make_dialogue

    agent = load_agent(agent_spec, kwargs)
    if checkpoint is not None:
        if not callable(getattr(agent, "load", None)):
            raise VerifyError(f"agent.checkpoint given but {agent_spec} has no load(path) method")
        agent.load(checkpoint)
    roles = check_agent(agent, agent_spec)
    d, info = make_dialogue(env_id, split, strict, **domain_kwargs)
    return [play_episode(d, info.mode, agent, roles, ep_seed, sid, index, trial)
            for index, trial, sid, ep_seed in episode_plan(d, split, seeds)]


def _run_isolated(*args: Any) -> list[dict[str, Any]]:
    """:func:`play_protocol` in a fresh interpreter (``spawn``): the agent shares no memory with
    the verifier, and a crash or ``sys.exit`` in it is reported, not fatal."""
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        try:
            return pool.submit(play_protocol, *args).result()
        except SubmissionError:
            raise
        except Exception as e:  # the agent's own failure, raised in the child
            raise VerifyError(f"the agent failed while being re-run: {type(e).__name__}: {e}") from None


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
    that nobody can prepare for it). ``isolate=False`` runs the agent in this process (tests).
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
    run = _run_isolated if isolate else play_protocol
    base = (agent["class"], agent["kwargs"], checkpoint, env["id"], protocol["split"],
            list(protocol["seeds"]), protocol["strict"])

    rerun = run(*base, {})
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
        fresh_records = run(*base, {"scenario_seed": seed})
    except TypeError as e:
        raise VerifyError(f"{env['id']}: its domain cannot draw fresh scenarios ({e}); only "
                          "reproduction can be verified for it") from None
    fresh = _per_scenario_tse(fresh_records)
    lo, hi = M.bootstrap_ci(fresh)
    result["fresh"] = {"mean": float(fresh.mean()), "ci": [lo, hi], "n": len(fresh)}
    test = unpaired_drop_test(public, fresh)
    result.update(delta=test["delta"], delta_ci=test["ci"], p_value=test["p_value"],
                  flagged=bool(test["p_value"] < FLAG_ALPHA), alpha=FLAG_ALPHA)
    store.record_verification(db, entry, result)
    return result
