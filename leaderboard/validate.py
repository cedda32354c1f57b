"""Validation of a submission before it is stored (docs/submission.md).

In order, cheapest first: file types and sizes, ``submission.json`` (bounded JSON parse, JSON
Schema, printable names, environment and protocol), then ``trajectories.jsonl`` **streamed one
line at a time**: bounded parse, schema, coverage of split × trials, **replay** of the episode
through the simulator from the recorded seed and actions (every customer utterance, act and
outcome must match), recomputation of its metrics; finally the aggregate claims. The first
problem found is raised as :class:`Rejected`, naming the file and line or the episode and field.

Memory is bounded whatever the input: one line (≤ ``MAX_LINE_BYTES``) is parsed at a time,
the canonical episodes go to a temporary spool file on disk, and what is kept per episode is
its metrics (a few hundred bytes) plus 8 bytes per response n-gram for distinct-n (responses
total ≤ ``MAX_TEXT_CHARS``); see ``docs/submission.md`` for the measured bound.
"""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import gymnasium as gym

import gopo_env
from gopo_env.core.errors import GopoError
from gopo_env.protocol import dialogue_of, make_view, play
from leaderboard import metrics as M
from leaderboard import names
from leaderboard.runner import episode_plan, progress_bar
from leaderboard.submission import (
    LEADERBOARD_SPLIT,
    MAX_LINE_BYTES,
    MAX_TEXT_CHARS,
    MAX_TRAJECTORIES_BYTES,
    SUBMISSION_FILE,
    TRAJECTORIES_FILE,
    SubmissionError,
    dumps,
    env_info,
    episode_record,
    gopo_env_ids,
    iter_lines,
    load_schema,
    open_member,
    parse_requirements,
    read_submission_json,
    track,
)

TOLERANCE = 1e-9
"""Claimed and recomputed metrics may differ by float rounding only."""


class Rejected(SubmissionError):
    """The submission fails a check; nothing of it is stored."""


@dataclass
class Verified:
    """A submission that passed every check, with its recomputed metrics.

    ``digest`` is the content hash (:func:`content_digest`): the same run gives the same
    digest however its files are formatted or its agent renamed. The canonical episodes (the
    replayed records with recomputed metrics) are in ``spool``, one JSON line each, in episode
    order; :meth:`episodes` reads them back one at a time.
    """

    submission: dict[str, Any]
    metrics: dict[str, Any]
    digest: str
    spool: IO[str] | None = None
    count: int = 0
    _list: list[dict[str, Any]] | None = field(default=None, repr=False)

    def episodes(self) -> Iterator[dict[str, Any]]:
        """The canonical episode records (with ``metrics``), in episode order."""
        if self._list is not None:
            yield from self._list
            return
        assert self.spool is not None
        self.spool.seek(0)
        for line in self.spool:
            yield json.loads(line)

    @classmethod
    def from_episodes(cls, submission: dict[str, Any], episodes: list[dict[str, Any]],
                      metrics: dict[str, Any], digest: str) -> Verified:
        """An in-memory result (for tests and tools that already hold the episodes)."""
        return cls(submission, metrics, digest, None, len(episodes), list(episodes))


def _where(ep: dict[str, Any]) -> str:
    return f"episode {ep.get('episode')} (scenario {ep.get('scenario_id')}, trial {ep.get('trial')})"


def _path(parts: Any) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def _validator(name: str) -> Any:
    try:
        from jsonschema import Draft202012Validator
    except ImportError as e:
        raise ImportError(f"validating submissions needs the [web] extra ({e}): "
                          "pip install 'gopo-bench[web,metrics]'") from e
    return Draft202012Validator(load_schema(name))


def _first_error(validator: Any, value: Any) -> Any:
    return next(iter(sorted(validator.iter_errors(value), key=lambda e: list(e.path))), None)


def check_submission_schema(submission: dict[str, Any]) -> None:
    """Structure of ``submission.json`` and its user strings (printable, bounded)."""
    error = _first_error(_validator("submission"), submission)
    if error is not None:
        raise Rejected(f"{SUBMISSION_FILE}: at {_path(error.path)}: {error.message}")
    agent = submission["agent"]
    try:
        for key, limit, required in (("name", names.MAX_NAME, True),
                                     ("organisation", names.MAX_ORGANISATION, False),
                                     ("contact", names.MAX_ORGANISATION, False)):
            agent[key] = names.check_text(f"agent.{key}", agent[key], limit, required=required)
        agent["description"] = names.check_text("agent.description", agent["description"],
                                                names.MAX_DESCRIPTION, allow_newlines=True)
    except names.NameError_ as e:
        raise Rejected(f"{SUBMISSION_FILE}: {e}") from None
    parse_requirements(agent.get("requirements", ()), f"{SUBMISSION_FILE}: agent.requirements", Rejected)


def check_schema(submission: dict[str, Any], episodes: list[dict[str, Any]]) -> None:
    """Structure of both files, by the JSON Schemas shipped in the package."""
    check_submission_schema(submission)
    if not episodes:
        raise Rejected(f"{TRAJECTORIES_FILE}: no episodes")
    validator = _validator("episode")
    for line, ep in enumerate(episodes, 1):
        _check_episode_schema(validator, ep, line)


def _check_episode_schema(validator: Any, ep: dict[str, Any], line: int) -> None:
    error = _first_error(validator, ep)
    if error is not None:
        raise Rejected(f"{TRAJECTORIES_FILE} line {line}: at {_path(error.path)}: {error.message}")


def check_env(submission: dict[str, Any]) -> tuple[Any, str]:
    """The env and protocol are the ones this installation scores; returns (replay view, mode)."""
    env, protocol = submission["env"], submission["protocol"]
    env_id = env["id"]
    if env_id not in gopo_env_ids():
        other = " is another package's Gymnasium env, not a gopo-bench one" if env_id in gym.registry \
            else " is not a registered environment"
        raise Rejected(f"{SUBMISSION_FILE}: env.id {env_id!r}{other}; choose one of {gopo_env_ids()}")
    version = gym.registry[env_id].version
    if env["version"] != version:
        raise Rejected(f"{SUBMISSION_FILE}: env.version is {env['version']} but {env_id} here is version "
                       f"{version}; re-run `gopo-bench evaluate` with this installation")
    if env["package_version"] != gopo_env.__version__:
        raise Rejected(f"{SUBMISSION_FILE}: env.package_version is {env['package_version']!r} but this "
                       f"leaderboard runs gopo_env {gopo_env.__version__!r}; replay is only exact on "
                       "the same version: re-run `gopo-bench evaluate` with it")
    if env.get("kwargs"):
        raise Rejected(f"{SUBMISSION_FILE}: env.kwargs {env['kwargs']}: the run changed the environment "
                       f"(evaluate --env-kwargs); the leaderboard scores {env_id} as registered: re-run "
                       "`gopo-bench evaluate` without --env-kwargs")
    if protocol["split"] != LEADERBOARD_SPLIT:
        raise Rejected(f"{SUBMISSION_FILE}: protocol.split is {protocol['split']!r}; the leaderboard "
                       f"scores the {LEADERBOARD_SPLIT!r} split only (evaluate --split test)")
    if len(protocol["seeds"]) != protocol["trials"]:
        raise Rejected(f"{SUBMISSION_FILE}: protocol.seeds has {len(protocol['seeds'])} seeds for "
                       f"{protocol['trials']} trials (one seed per trial)")
    if len(set(protocol["seeds"])) != len(protocol["seeds"]):
        raise Rejected(f"{SUBMISSION_FILE}: protocol.seeds {protocol['seeds']} repeats a seed")
    expected_track = track(protocol["seeds"], protocol["strict"], protocol["split"])
    if submission["track"] != expected_track:
        raise Rejected(f"{SUBMISSION_FILE}: track is {submission['track']!r} but the protocol (seeds "
                       f"{protocol['seeds']}, strict={protocol['strict']}) is {expected_track!r}; the "
                       "standard track is exactly `evaluate --trials 3 --seed 0` (seeds [0, 1, 2], "
                       "strict, every test scenario)")
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


class Coverage:
    """Exactly one episode per (scenario, trial) of the split, with the protocol's seed and index."""

    def __init__(self, submission: dict[str, Any], view: Any) -> None:
        self.protocol = submission["protocol"]
        ids = dialogue_of(view).scenario_ids(self.protocol["split"])
        self.expected = {(trial, sid): (index, seed) for index, trial, sid, seed
                         in episode_plan(ids, self.protocol["seeds"])}
        self.seen: dict[tuple[int, str], int] = {}

    def check(self, ep: dict[str, Any], line: int) -> tuple[int, int]:
        """Check one episode; returns its (index, trial) as the protocol's integers."""
        for key in ("episode", "trial", "seed"):
            if type(ep[key]) is not int:  # 0.0 passes the schema's "integer"; the content is an int
                raise Rejected(f"{TRAJECTORIES_FILE} line {line}: field {key} is {ep[key]!r}; write an "
                               "integer")
        key = (ep["trial"], ep["scenario_id"])
        if key in self.seen:
            raise Rejected(f"{TRAJECTORIES_FILE} line {line}: {_where(ep)} duplicates line "
                           f"{self.seen[key]}")
        if key not in self.expected:
            raise Rejected(f"{TRAJECTORIES_FILE} line {line}: {_where(ep)} is not part of the "
                           f"{self.protocol['split']} split × {self.protocol['trials']} trials")
        index, seed = self.expected[key]
        if ep["seed"] != seed:
            raise Rejected(f"{_where(ep)}: field seed is {ep['seed']} but the protocol's seed for it "
                           f"is {seed}")
        if ep["episode"] != index:
            raise Rejected(f"{_where(ep)}: field episode is {ep['episode']}, expected {index}")
        self.seen[key] = line
        return index, ep["trial"]

    def finish(self) -> None:
        missing = [key for key in self.expected if key not in self.seen]
        if missing:
            trial, sid = missing[0]
            raise Rejected(f"{TRAJECTORIES_FILE}: {len(missing)} episode(s) missing, e.g. scenario {sid} "
                           f"trial {trial}; the submission must cover all {len(self.expected)}")
        if self.protocol["episodes"] != len(self.seen):
            raise Rejected(f"{SUBMISSION_FILE}: protocol.episodes is {self.protocol['episodes']} but "
                           f"{TRAJECTORIES_FILE} holds {len(self.seen)}")


def check_coverage(submission: dict[str, Any], episodes: list[dict[str, Any]], view: Any) -> None:
    """Exactly one episode per (scenario, trial) of the split, with the protocol's seed."""
    cov = Coverage(submission, view)
    for line, ep in enumerate(episodes, 1):
        cov.check(ep, line)
    cov.finish()


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


def replay_episode(view: Any, mode: str, ep: dict[str, Any]) -> dict[str, Any]:
    """Re-run one episode from its seed and recorded actions (through ``gopo_env.protocol.play``);
    any difference rejects it.

    Returns the replayed record: the canonical form of the episode (the simulator's values,
    Python types; ``metrics`` not included).
    """
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
    return replayed


def _close(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, (int, float)):
        return a == b
    return math.isclose(a, b, rel_tol=0.0, abs_tol=TOLERANCE)


def check_episode_metrics(ep: dict[str, Any], m: dict[str, float]) -> None:
    """The episode's claimed metrics equal the recomputed ones ``m``."""
    claimed = ep["metrics"]
    for name in sorted(set(m) | set(claimed)):
        if name not in claimed:
            raise Rejected(f"{_where(ep)}: field metrics.{name} is missing")
        if name not in m:
            raise Rejected(f"{_where(ep)}: field metrics.{name} is not a metric of this benchmark")
        if not _close(claimed[name], m[name]):
            raise Rejected(f"{_where(ep)}: field metrics.{name} claims {claimed[name]!r} but "
                           f"recomputation gives {m[name]!r}")


def check_aggregate(submission: dict[str, Any], aggregate: dict[str, Any]) -> None:
    """The claimed aggregate metrics of ``submission.json`` equal the recomputed ones."""
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


class ContentDigest:
    """SHA-256 of a submission's *content*: what identifies the run plus its canonical episodes.

    Each canonical episode (:func:`replay_episode`'s record, canonical JSON) is hashed on its
    own and the digests are combined in episode order, so line order, blank lines, key order,
    formatting and the agent's name, organisation or description change nothing: one run is
    stored once. :mod:`leaderboard.verify` computes it over a re-run to check reproduction.
    """

    def __init__(self, submission: dict[str, Any]) -> None:
        env, protocol = submission["env"], submission["protocol"]
        self._head = dumps({"env": [env["id"], env["version"], env["package_version"]],
                            "protocol": [protocol["split"], list(protocol["seeds"]), protocol["strict"]],
                            "roles": sorted(submission["agent"]["roles"])}).encode()
        self._episodes: dict[int, bytes] = {}

    def add(self, record: dict[str, Any]) -> None:
        """Add one canonical episode record (``metrics`` are ignored: they follow from it)."""
        body = {k: v for k, v in record.items() if k != "metrics"}
        self._episodes[int(record["episode"])] = hashlib.sha256(dumps(body).encode()).digest()

    def hexdigest(self) -> str:
        h = hashlib.sha256(b"gopo-bench content 1\n" + self._head + b"\n")
        for index in sorted(self._episodes):
            h.update(index.to_bytes(8, "big") + self._episodes[index])
        return h.hexdigest()


def validate(directory: str | Path, progress: bool = False) -> Verified:
    """Every check of a submission directory; raises :class:`SubmissionError` on the first failure.

    Streams ``trajectories.jsonl``: peak memory does not grow with the file (see the module doc).
    """
    directory = Path(directory)
    submission = read_submission_json(directory)
    check_submission_schema(submission)
    view, mode = check_env(submission)
    coverage = Coverage(submission, view)
    n_expected = len(coverage.expected)
    limit = min(MAX_TRAJECTORIES_BYTES, n_expected * MAX_LINE_BYTES)
    episode_validator = _validator("episode")
    writes_text = "service" in submission["agent"]["roles"]
    refs = M.generation_references(submission["env"]["id"]) if writes_text else None
    generation = M.GenerationScorer(refs) if refs else None
    gen_scores: dict[tuple[str, int], dict[str, float]] = {}
    digest = ContentDigest(submission)
    spool = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 - handed to Verified
    per_episode: list[tuple[str, int, bool, dict[str, float]]] = []
    distinct = M.DistinctCounter()
    text_chars = 0
    advance, close = progress_bar(n_expected, progress, "replay")
    try:
        with open_member(directory, TRAJECTORIES_FILE, limit) as f:
            for line, ep in iter_lines(f, n_expected):
                _check_episode_schema(episode_validator, ep, line)
                coverage.check(ep, line)
                canonical = replay_episode(view, mode, ep)
                m = M.episode_metrics(canonical, None)
                check_episode_metrics(ep, m)
                if generation is not None:
                    gen_scores[(canonical["scenario_id"], canonical["trial"])] = generation.episode(canonical)
                for t in canonical["turns"]:
                    text = t["response"] or ""
                    text_chars += len(text)
                    distinct.add(text)
                if text_chars > MAX_TEXT_CHARS:
                    raise Rejected(f"{TRAJECTORIES_FILE} line {line}: responses total over "
                                   f"{MAX_TEXT_CHARS} characters")
                per_episode.append((canonical["scenario_id"], canonical["trial"],
                                    bool(canonical["outcome"]["success"]), m))
                digest.add(canonical)
                canonical["metrics"] = m
                spool.write(dumps(canonical) + "\n")
                advance()
        if not coverage.seen:
            raise Rejected(f"{TRAJECTORIES_FILE}: no episodes")
        coverage.finish()
        aggregate = M.aggregate_light(per_episode, submission["protocol"]["trials"], distinct)
        check_aggregate(submission, aggregate)
        if gen_scores:  # stored beside the claims, never compared with them (docs/metrics.md)
            aggregate.update(M.summarize(gen_scores))
    except BaseException:
        spool.close()
        raise
    finally:
        close()
    spool.flush()
    return Verified(submission, aggregate, digest.hexdigest(), spool, len(per_episode))


def check_metrics(submission: dict[str, Any], episodes: list[dict[str, Any]]) -> dict[str, Any]:
    """Recompute every metric of in-memory episodes; claims must match (returns the aggregate)."""
    from leaderboard.runner import score

    per_episode, aggregate = score(submission["env"]["id"], episodes, submission["protocol"]["trials"])
    for ep, m in zip(episodes, per_episode):
        check_episode_metrics(ep, m)
    check_aggregate(submission, aggregate)
    return aggregate
