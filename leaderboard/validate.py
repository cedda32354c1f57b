"""Validation of a submission before it is stored (docs/submission.md).

In order: file sizes and JSON syntax, JSON Schema, environment and protocol, coverage of
split × trials, **replay** of every episode through the simulator from the recorded seed and
actions (every customer utterance, act and outcome must match), and **recomputation** of every
claimed metric. The first problem found is raised as :class:`Rejected`, naming the episode and
the field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym

import gopo_env
from gopo_env.core.errors import GopoError
from gopo_env.protocol import dialogue_of, make_view, play
from leaderboard.runner import episode_plan, progress_bar, score
from leaderboard.submission import (
    LEADERBOARD_SPLIT,
    SUBMISSION_FILE,
    TRAJECTORIES_FILE,
    SubmissionError,
    env_info,
    episode_record,
    load_schema,
    read_submission,
    track,
)

TOLERANCE = 1e-9
"""Claimed and recomputed metrics may differ by float rounding only."""


class Rejected(SubmissionError):
    """The submission fails a check; nothing of it is stored."""


@dataclass
class Verified:
    """A submission that passed every check, with its recomputed metrics."""

    submission: dict[str, Any]
    episodes: list[dict[str, Any]]
    metrics: dict[str, Any]
    digest: str


def _where(ep: dict[str, Any]) -> str:
    return f"episode {ep.get('episode')} (scenario {ep.get('scenario_id')}, trial {ep.get('trial')})"


def _path(parts: Any) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def check_schema(submission: dict[str, Any], episodes: list[dict[str, Any]]) -> None:
    """Structure of both files, by the JSON Schemas shipped in the package."""
    try:
        from jsonschema import Draft202012Validator
    except ImportError as e:
        raise ImportError(f"validating submissions needs the [web] extra ({e}): "
                          "pip install 'gopo-bench[web,metrics]'") from e

    validator = Draft202012Validator(load_schema("submission"))
    error = next(iter(sorted(validator.iter_errors(submission), key=lambda e: list(e.path))), None)
    if error is not None:
        raise Rejected(f"{SUBMISSION_FILE}: at {_path(error.path)}: {error.message}")
    if not episodes:
        raise Rejected(f"{TRAJECTORIES_FILE}: no episodes")
    validator = Draft202012Validator(load_schema("episode"))
    for line, ep in enumerate(episodes, 1):
        error = next(iter(sorted(validator.iter_errors(ep), key=lambda e: list(e.path))), None)
        if error is not None:
            raise Rejected(f"{TRAJECTORIES_FILE} line {line}: at {_path(error.path)}: {error.message}")


def check_env(submission: dict[str, Any]) -> tuple[Any, str]:
    """The env and protocol are the ones this installation scores; returns (replay view, mode)."""
    env, protocol = submission["env"], submission["protocol"]
    env_id = env["id"]
    if env_id not in gym.registry:
        raise Rejected(f"{SUBMISSION_FILE}: env.id {env_id!r} is not a registered environment")
    version = gym.registry[env_id].version
    if env["version"] != version:
        raise Rejected(f"{SUBMISSION_FILE}: env.version is {env['version']} but {env_id} here is version "
                       f"{version}; re-run `gopo-bench evaluate` with this installation")
    if env["package_version"] != gopo_env.__version__:
        raise Rejected(f"{SUBMISSION_FILE}: env.package_version is {env['package_version']!r} but this "
                       f"leaderboard runs gopo_env {gopo_env.__version__!r}; replay is only exact on "
                       "the same version: re-run `gopo-bench evaluate` with it")
    if protocol["split"] != LEADERBOARD_SPLIT:
        raise Rejected(f"{SUBMISSION_FILE}: protocol.split is {protocol['split']!r}; the leaderboard "
                       f"scores the {LEADERBOARD_SPLIT!r} split only (evaluate --split test)")
    if len(protocol["seeds"]) != protocol["trials"]:
        raise Rejected(f"{SUBMISSION_FILE}: protocol.seeds has {len(protocol['seeds'])} seeds for "
                       f"{protocol['trials']} trials (one seed per trial)")
    expected_track = track(protocol["seeds"], protocol["strict"])
    if submission["track"] != expected_track:
        raise Rejected(f"{SUBMISSION_FILE}: track is {submission['track']!r} but the protocol (seeds "
                       f"{protocol['seeds']}, strict={protocol['strict']}) is {expected_track!r}")
    info = env_info(env_id)
    if env["mode"] != info.mode:
        raise Rejected(f"{SUBMISSION_FILE}: env.mode is {env['mode']!r} but {env_id} is a "
                       f"{info.mode!r} environment")
    roles = submission["agent"]["roles"]
    if info.mode == "text" and roles != ["service"]:
        raise Rejected(f"{SUBMISSION_FILE}: agent.roles {roles} on the text view {env_id}; it must be "
                       "['service']")
    replay_roles = ("service",) if info.mode == "text" else ("expert", "service")
    return make_view(env_id, replay_roles, split=protocol["split"], strict=protocol["strict"]), info.mode


def check_coverage(submission: dict[str, Any], episodes: list[dict[str, Any]], view: Any) -> None:
    """Exactly one episode per (scenario, trial) of the split, with the protocol's seed."""
    protocol = submission["protocol"]
    ids = dialogue_of(view).scenario_ids(protocol["split"])
    expected = {(trial, sid): (index, seed)
                for index, trial, sid, seed in episode_plan(ids, protocol["seeds"])}
    seen: dict[tuple[int, str], int] = {}
    for line, ep in enumerate(episodes, 1):
        key = (ep["trial"], ep["scenario_id"])
        if key in seen:
            raise Rejected(f"{TRAJECTORIES_FILE} line {line}: {_where(ep)} duplicates line {seen[key]}")
        if key not in expected:
            raise Rejected(f"{TRAJECTORIES_FILE} line {line}: {_where(ep)} is not part of the "
                           f"{protocol['split']} split × {protocol['trials']} trials")
        index, seed = expected[key]
        if ep["seed"] != seed:
            raise Rejected(f"{_where(ep)}: field seed is {ep['seed']} but the protocol's seed for it "
                           f"is {seed}")
        if ep["episode"] != index:
            raise Rejected(f"{_where(ep)}: field episode is {ep['episode']}, expected {index}")
        seen[key] = line
    missing = [key for key in expected if key not in seen]
    if missing:
        trial, sid = missing[0]
        raise Rejected(f"{TRAJECTORIES_FILE}: {len(missing)} episode(s) missing, e.g. scenario {sid} "
                       f"trial {trial}; the submission must cover all {len(expected)}")
    if protocol["episodes"] != len(episodes):
        raise Rejected(f"{SUBMISSION_FILE}: protocol.episodes is {protocol['episodes']} but "
                       f"{TRAJECTORIES_FILE} holds {len(episodes)}")


def _first_difference(recorded: Any, replayed: Any, path: tuple = ()) -> tuple[tuple, Any, Any] | None:
    """The path and values of the first place two JSON values differ (types included)."""
    if isinstance(recorded, dict) and isinstance(replayed, dict):
        for key in list(replayed) + [k for k in recorded if k not in replayed]:
            found = _first_difference(recorded.get(key), replayed.get(key), path + (key,))
            if found:
                return found
        return None
    if isinstance(recorded, list) and isinstance(replayed, list):
        for i, (a, b) in enumerate(zip(recorded, replayed)):
            found = _first_difference(a, b, path + (i,))
            if found:
                return found
        if len(recorded) != len(replayed):
            return path + ("length",), len(recorded), len(replayed)
        return None
    if type(recorded) is not type(replayed) or recorded != replayed:
        return path, recorded, replayed
    return None


class _ReplayAgent:
    """Plays the recorded actions of one episode back through the episode driver."""

    def __init__(self, ep: dict[str, Any], roles: tuple[str, ...]) -> None:
        self.turns = ep["turns"]
        self.roles = roles
        self.next = {"expert": 0, "service": 0}

    def reset(self, seed: int | None = None) -> None:
        self.next = {"expert": 0, "service": 0}

    def act(self, role: str, observation: Any, info: dict[str, Any]) -> Any:
        i = self.next[role]
        if i >= len(self.turns):
            raise _RecordTooShort(i)
        self.next[role] = i + 1
        return self.turns[i]["strategy" if role == "expert" else "response"]


class _RecordTooShort(Exception):
    pass


def replay_episode(view: Any, mode: str, ep: dict[str, Any]) -> None:
    """Re-run one episode from its seed and recorded actions (through ``gopo_env.protocol.play``);
    any difference rejects it."""
    roles = ("service",) if mode == "text" else ("expert", "service")
    agent = _ReplayAgent(ep, roles)
    d = dialogue_of(view)
    try:
        played = play(view, agent, seed=ep["seed"], scenario_id=ep["scenario_id"], roles=roles)
    except _RecordTooShort:
        raise Rejected(f"{_where(ep)}: field turns: the record stops after turn {d.turn} but on replay "
                       "the dialogue is not over") from None
    except GopoError as e:
        raise Rejected(f"{_where(ep)}: turn {d.turn + 1}: the recorded action fails on replay: "
                       f"{e}") from None
    if len(played.actions) < len(ep["turns"]):
        raise Rejected(f"{_where(ep)}: field turns: the dialogue ends after turn {d.turn} on replay "
                       f"but the record has {len(ep['turns'])} turns")
    replayed = episode_record(d, ep["episode"], ep["trial"], played.actions)
    recorded = {k: v for k, v in ep.items() if k != "metrics"}
    diff = _first_difference(recorded, replayed)
    if diff is not None:
        path, a, b = diff
        raise Rejected(f"{_where(ep)}: field {_path(path)} does not match the replay: recorded {a!r}, "
                       f"replay gives {b!r}")


def _close(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, (int, float)):
        return a == b
    return math.isclose(a, b, rel_tol=0.0, abs_tol=TOLERANCE)


def check_metrics(submission: dict[str, Any], episodes: list[dict[str, Any]]) -> dict[str, Any]:
    """Recompute every metric from the (replayed) trajectories; claims must match."""
    per_episode, aggregate = score(submission["env"]["id"], episodes, submission["protocol"]["trials"])
    for ep, m in zip(episodes, per_episode):
        claimed = ep["metrics"]
        for name in sorted(set(m) | set(claimed)):
            if name not in claimed:
                raise Rejected(f"{_where(ep)}: field metrics.{name} is missing")
            if name not in m:
                raise Rejected(f"{_where(ep)}: field metrics.{name} is not a metric of this benchmark")
            if not _close(claimed[name], m[name]):
                raise Rejected(f"{_where(ep)}: field metrics.{name} claims {claimed[name]!r} but "
                               f"recomputation gives {m[name]!r}")
    claims = submission["metrics"]
    for name in sorted(set(aggregate) | set(claims)):
        if name not in claims:
            raise Rejected(f"{SUBMISSION_FILE}: field metrics.{name} is missing")
        if name not in aggregate:
            raise Rejected(f"{SUBMISSION_FILE}: field metrics.{name} is not a metric of this benchmark")
        for part in ("mean", "ci", "n"):
            if not _close(claims[name][part], aggregate[name][part]):
                raise Rejected(f"{SUBMISSION_FILE}: field metrics.{name}.{part} claims "
                               f"{claims[name][part]!r} but recomputation gives {aggregate[name][part]!r}")
    return aggregate


def validate(directory: str | Path, progress: bool = False) -> Verified:
    """Every check of a submission directory; raises :class:`SubmissionError` on the first failure."""
    submission, episodes, digest = read_submission(Path(directory))
    check_schema(submission, episodes)
    d, mode = check_env(submission)
    check_coverage(submission, episodes, d)
    advance, close = progress_bar(len(episodes), progress, "replay")
    try:
        for ep in episodes:
            replay_episode(d, mode, ep)
            advance()
    finally:
        close()
    aggregate = check_metrics(submission, episodes)
    return Verified(submission, episodes, aggregate, digest)


