"""The submission format: protocol seeds, episode records, atomic writes and reading back.

A submission is a directory with ``submission.json`` (who, what, protocol, claimed metrics) and
``trajectories.jsonl`` (one episode per line). The runner writes it, the validator reads it;
both build episode records with :func:`episode_record`, so a replayed episode can be compared
with the recorded one field by field. The format is documented in ``docs/submission.md``; the
JSON Schemas ship beside this module.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import gopo_env
from gopo_env.core.dialogue import Dialogue
from gopo_env.protocol import episode_seed  # noqa: F401  (re-exported: the protocol's seeding)

FORMAT_VERSION = 1
SUBMISSION_FILE = "submission.json"
TRAJECTORIES_FILE = "trajectories.jsonl"
MAX_SUBMISSION_BYTES = 1 << 20
"""``submission.json`` larger than this (1 MiB) is rejected before parsing."""
MAX_TRAJECTORIES_BYTES = 512 << 20
"""``trajectories.jsonl`` larger than this (512 MiB) is rejected before parsing."""
MAX_LINE_BYTES = 4 << 20
"""One episode line larger than this (4 MiB) is rejected."""
LEADERBOARD_SPLIT = "test"
"""The leaderboard scores the test split only (docs/environment.md)."""

TURN_FIELDS = ("turn", "strategy", "strategy_name", "response", "customer", "intent", "polarity",
               "achieved", "aligned", "faithful", "violations", "reward")
"""What each recorded turn holds; all but ``metrics`` are checked by replay."""


class SubmissionError(Exception):
    """A submission cannot be written, read or accepted; the message says where and why."""


@dataclass(frozen=True)
class EnvInfo:
    """What identifies the environment an evaluation ran on."""

    env_id: str
    env_version: int | None
    package_version: str
    mode: str
    """``"turns"``: expert and service roles; ``"text"``: one agent writes each response."""


def env_info(env_id: str) -> EnvInfo:
    """What identifies the environment behind a registered GOPO env id."""
    from gopo_env.registration import spec_of

    try:
        spec = spec_of(env_id)
    except KeyError as e:
        raise SubmissionError(e.args[0]) from None
    mode = "text" if spec.view == "text" else "turns"
    return EnvInfo(spec.env_id, spec.version, gopo_env.__version__, mode)


def episode_record(d: Dialogue, index: int, trial: int, raw_responses: list[Any]) -> dict[str, Any]:
    """The JSON record of the dialogue's finished episode.

    ``raw_responses`` are the texts the agent (or built-in) actually sent, one per turn; they
    equal the transcript's text except in lenient mode, where the environment cleans bad text
    and replay must send the original to reproduce the same violation.
    """
    opening = d.transcript[0]
    turns = []
    for rec, raw in zip(d.transcript[1:], raw_responses):
        turns.append({
            "turn": rec.turn, "strategy": rec.strategy, "strategy_name": rec.strategy_name,
            "response": raw if isinstance(raw, str) else None, "customer": rec.customer,
            "intent": rec.intent, "polarity": rec.polarity, "achieved": list(rec.achieved),
            "aligned": rec.aligned, "faithful": rec.faithful, "violations": list(rec.violations),
            "reward": rec.reward,
        })
    summary = d.summary()
    return {
        "episode": index,
        "scenario_id": d.scenario.id,
        "trial": trial,
        "seed": d.episode_seed,
        "opening": {"customer": opening.customer, "intent": opening.intent,
                    "polarity": opening.polarity},
        "turns": turns,
        "agenda": {"items": summary["agenda"]["items"], "gains": summary["agenda"]["gains"],
                   **({"tse_version": v} if (v := summary["agenda"].get("tse_version", 0)) else {})},
        "reference_strategies": summary["reference_strategies"],
        "outcome": {"success": summary["success"], "terminated": summary["terminated"],
                    "truncated": summary["truncated"], "turns": summary["turns"],
                    "return": d.episode_return},
    }


def track(seeds: list[int], strict: bool) -> str:
    """``standard`` when the protocol is the default one (seeds 0..K-1, strict), else ``custom``.

    Only entries of the same track and env are ranked against each other.
    """
    return "standard" if strict and seeds == list(range(len(seeds))) else "custom"


# ---------------------------------------------------------------------- files
def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new one, never half."""
    write_lines_atomic(path, [text])


def write_lines_atomic(path: Path, chunks: Iterable[str]) -> None:
    """Stream ``chunks`` to a temporary file beside ``path``, fsync, then ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            for chunk in chunks:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def dumps(value: Any) -> str:
    """Canonical JSON: the same value always gives the same bytes (the digest relies on it)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=False)


def load_schema(name: str) -> dict[str, Any]:
    """A JSON Schema shipped with the package (``submission`` or ``episode``)."""
    text = resources.files("leaderboard").joinpath(f"{name}.schema.json").read_text("utf-8")
    return json.loads(text)


def _check_size(path: Path, limit: int) -> None:
    if not path.is_file():
        raise SubmissionError(f"{path}: missing; a submission directory holds {SUBMISSION_FILE} "
                              f"and {TRAJECTORIES_FILE} (write one with `gopo-bench evaluate`)")
    size = path.stat().st_size
    if size > limit:
        raise SubmissionError(f"{path.name}: {size} bytes, over the limit of {limit} bytes")


def read_submission(directory: Path) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
    """Parse a submission directory; returns (submission, episodes, sha256 digest of both files).

    Checks sizes before parsing and names the file and line of malformed JSON. Structure is
    checked later, by the schema.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise SubmissionError(f"{directory}: not a directory (give the --out DIR of `evaluate`)")
    sub_path, traj_path = directory / SUBMISSION_FILE, directory / TRAJECTORIES_FILE
    _check_size(sub_path, MAX_SUBMISSION_BYTES)
    _check_size(traj_path, MAX_TRAJECTORIES_BYTES)
    digest = hashlib.sha256()
    raw = sub_path.read_bytes()
    digest.update(raw)
    try:
        submission = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SubmissionError(f"{SUBMISSION_FILE}: malformed JSON: {e}") from None
    episodes = []
    with traj_path.open("rb") as f:
        for lineno, line in enumerate(f, 1):
            digest.update(line)
            if len(line) > MAX_LINE_BYTES:
                raise SubmissionError(f"{TRAJECTORIES_FILE} line {lineno}: {len(line)} bytes, over "
                                      f"the per-episode limit of {MAX_LINE_BYTES} bytes")
            if not line.strip():
                continue
            try:
                episodes.append(json.loads(line.decode("utf-8")))
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                raise SubmissionError(f"{TRAJECTORIES_FILE} line {lineno}: malformed JSON: {e}") from None
    return submission, episodes, digest.hexdigest()


def read_episode(directory: Path, index: int) -> dict[str, Any]:
    """Episode ``index`` (its ``episode`` field) of a submission folder, read line by line.

    Raises :class:`SubmissionError` naming the folder and the episodes it holds.
    """
    path = Path(directory) / TRAJECTORIES_FILE
    if not path.is_file():
        raise SubmissionError(f"{directory}: no {TRAJECTORIES_FILE} (give the --out DIR of `evaluate`)")
    count = 0
    with path.open("rb") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            if len(line) > MAX_LINE_BYTES:
                raise SubmissionError(f"{TRAJECTORIES_FILE} line {lineno}: over {MAX_LINE_BYTES} bytes")
            try:
                ep = json.loads(line.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                raise SubmissionError(f"{TRAJECTORIES_FILE} line {lineno}: malformed JSON: {e}") from None
            count += 1
            if isinstance(ep, dict) and ep.get("episode") == index:
                return ep
    raise SubmissionError(f"{path}: no episode {index}; it holds {count} episodes (0..{count - 1})")

