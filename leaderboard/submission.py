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
import math
import os
import re
import stat
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO

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
MAX_LINE_BYTES = 1 << 20
"""One episode line larger than this (1 MiB) is rejected, before it is parsed."""
MAX_TEXT_CHARS = 4_000_000
"""All responses of a submission together (characters): bounds distinct-n's n-gram tables."""
MAX_JSON_DEPTH = 32
"""Deepest nesting of arrays/objects accepted anywhere (the formats need 5)."""
MAX_INT_DIGITS = 40
"""Longest integer literal accepted (seeds are 48-bit: 15 digits)."""
LEADERBOARD_SPLIT = "test"
"""The leaderboard scores the test split only (docs/environment.md)."""
STANDARD_TRIALS = 3
STANDARD_SEEDS = (0, 1, 2)
"""The standard track's protocol: every test scenario × these trial seeds, strict mode. Fixed:
a submission of the standard track is exactly this, all of it; anything else is ``custom``."""

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


def parse_requirements(texts: Iterable[str], where: str = "agent.requirements",
                       error: type[Exception] = SubmissionError) -> list[Any]:
    """PEP 508 requirement strings as ``packaging`` Requirements; ``error`` names the first bad one.

    ``evaluate`` and ``submit`` check them as ``verify`` reads them: an entry whose requirements
    cannot be read could never be verified.
    """
    try:
        from packaging.requirements import InvalidRequirement, Requirement
    except ImportError as e:  # not a core dependency; nearly every environment has it
        raise error(f"checking {where} needs the packaging library ({e}); pip install packaging") from None
    out = []
    for text in texts:
        try:
            out.append(Requirement(text))
        except InvalidRequirement as e:
            why = str(e).splitlines()[0] if str(e) else type(e).__name__  # not its drawing of the spot
            raise error(f"{where}: {text!r} is not a PEP 508 requirement ({why}); write a distribution "
                        "name and optional version, e.g. 'torch>=2.3'") from None
    return out


def gopo_env_ids() -> list[str]:
    """The Gymnasium ids gopo_env generates (another package's env cannot be scored)."""
    from gopo_env.registration import env_specs

    return sorted(env_specs())


def env_info(env_id: str) -> EnvInfo:
    """What identifies the environment behind a registered GOPO env id."""
    from gopo_env.registration import spec_of

    try:
        spec = spec_of(env_id)
    except KeyError as e:
        import gymnasium as gym

        other = " (a Gymnasium env of another package)" if env_id in gym.registry else ""
        raise SubmissionError(e.args[0].replace(f"{env_id!r}", f"{env_id!r}{other}", 1)) from None
    if spec.view == "flat":
        expert = next(s.env_id for s in gopo_env.env_specs().values()
                      if (s.domain, s.version, s.view) == (spec.domain, spec.version, "expert"))
        raise SubmissionError(
            f"{spec.env_id} is a training view (one action = strategy + content); evaluate agents "
            f"trained on it on {expert}, where they play both roles (e.g. PPO form='monolithic')")
    mode = "text" if spec.view == "text" else "turns"
    return EnvInfo(spec.env_id, spec.version, gopo_env.__version__, mode)


_SURROGATE = re.compile("[\ud800-\udfff]")


def storable_text(text: str) -> str:
    """``text`` with each lone surrogate (not writable as UTF-8) replaced by U+0000.

    Only lenient runs can record such text (strict mode rejects it). The environment treats
    both characters alike — a control character, flagged ``invalid_response`` and removed —
    so replaying the stored text reproduces the run exactly, and the file can be written.
    """
    return _SURROGATE.sub("\x00", text)


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
            "response": storable_text(raw) if isinstance(raw, str) else None, "customer": rec.customer,
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
                    "return": d.episode_return,
                    # the domain's own metrics (Domain contract: DomainEpisode.metrics), if any
                    **({"domain_metrics": summary["domain_metrics"]} if "domain_metrics" in summary
                       else {})},
    }


def track(seeds: list[int], strict: bool, split: str = LEADERBOARD_SPLIT,
          env_kwargs: Mapping[str, Any] | None = None) -> str:
    """``standard`` for exactly the standard protocol (:data:`STANDARD_SEEDS`, strict, test
    split) on the registered env (no ``env_kwargs``), else ``custom``. Only entries of the same
    track and env are ranked together."""
    standard = (strict and split == LEADERBOARD_SPLIT and list(seeds) == list(STANDARD_SEEDS)
                and not env_kwargs)
    return "standard" if standard else "custom"


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


# ---------------------------------------------------------------------- bounded reading
def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number (NaN and Infinity are not allowed)")


def _bounded_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise ValueError(f"an integer of {digits} digits (at most {MAX_INT_DIGITS} are accepted)")
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:30]} overflows a float")
    return value


def _check_value(value: Any, where: str) -> None:
    """Depth and text of a parsed JSON value: bounded nesting, strings encodable as UTF-8."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        v, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise SubmissionError(f"{where}: at {path or '(top level)'}: nested deeper than "
                                  f"{MAX_JSON_DEPTH} levels")
        if isinstance(v, str):
            _check_utf8(v, f"{where}: at {path or '(top level)'}")
        elif isinstance(v, dict):
            for k, x in v.items():
                _check_utf8(k, f"{where}: key at {path or '(top level)'}")
                stack.append((x, f"{path}.{k}" if path else k, depth + 1))
        elif isinstance(v, list):
            stack.extend((x, f"{path}[{i}]", depth + 1) for i, x in enumerate(v))


def _check_utf8(text: str, where: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise SubmissionError(f"{where}: a lone surrogate \\u{ord(text[e.start]):04x} (character "
                              f"{e.start}) is not text; write valid Unicode") from None


def loads(data: bytes, where: str) -> Any:
    """Parse one JSON document with bounds; :class:`SubmissionError` naming ``where`` otherwise.

    Rejects invalid UTF-8, NaN/Infinity, integers of more than :data:`MAX_INT_DIGITS`
    digits, floats that overflow, nesting deeper than :data:`MAX_JSON_DEPTH` and lone
    surrogates (``"\\ud800"``), each with a message instead of a traceback.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SubmissionError(f"{where}: not UTF-8 (byte {e.start}: {e.reason})") from None
    try:
        value = json.loads(text, parse_constant=_reject_constant, parse_int=_bounded_int,
                           parse_float=_finite_float)
    except json.JSONDecodeError as e:
        raise SubmissionError(f"{where}: malformed JSON: {e}") from None
    except ValueError as e:  # from the parse_* hooks (and the interpreter's own digit limit)
        raise SubmissionError(f"{where}: malformed JSON: {e}") from None
    except RecursionError:
        raise SubmissionError(f"{where}: malformed JSON: nested deeper than {MAX_JSON_DEPTH} "
                              "levels") from None
    _check_value(value, where)
    return value


def open_member(directory: Path, name: str, limit: int) -> BinaryIO:
    """Open ``directory/name`` for reading: a regular file, not a symlink, at most ``limit`` bytes.

    Symbolic links are refused (``O_NOFOLLOW``), so a submission cannot make ``submit`` read
    a file outside its directory; FIFOs and devices are refused (they could block forever).
    """
    path = directory / name
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    if path.is_symlink():
        raise SubmissionError(f"{path}: is a symbolic link; copy the file itself into the submission "
                              "directory")
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise SubmissionError(f"{path}: missing; a submission directory holds {SUBMISSION_FILE} "
                              f"and {TRAJECTORIES_FILE} (write one with `gopo-bench evaluate`)") from None
    except OSError as e:
        raise SubmissionError(f"{path}: cannot be opened ({e.strerror}); it must be a regular file "
                              "you can read") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise SubmissionError(f"{path}: not a regular file")
    if info.st_size > limit:
        os.close(fd)
        raise SubmissionError(f"{path.name}: {info.st_size} bytes, over the limit of {limit} bytes")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def read_submission_json(directory: Path) -> dict[str, Any]:
    """The parsed ``submission.json`` of ``directory`` (size-checked, bounded parse)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise SubmissionError(f"{directory}: not a directory (give the --out DIR of `evaluate`)")
    with open_member(directory, SUBMISSION_FILE, MAX_SUBMISSION_BYTES) as f:
        raw = f.read(MAX_SUBMISSION_BYTES + 1)
    value = loads(raw, SUBMISSION_FILE)
    if not isinstance(value, dict):
        raise SubmissionError(f"{SUBMISSION_FILE}: must hold a JSON object, got {type(value).__name__}")
    return value


def iter_lines(f: BinaryIO, max_lines: int) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, parsed episode) of each non-blank line, reading at most one line at a time.

    A line is read with a bound (:data:`MAX_LINE_BYTES`), so a file without newlines costs one
    line's worth of memory; more than ``max_lines`` non-blank lines, or more than
    ``2 * max_lines + 16`` blank ones, are rejected as soon as they are seen.
    """
    lineno = blanks = count = 0
    max_blanks = 2 * max_lines + 16
    while True:
        line = f.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        lineno += 1
        if len(line) > MAX_LINE_BYTES:
            raise SubmissionError(f"{TRAJECTORIES_FILE} line {lineno}: over the per-episode limit of "
                                  f"{MAX_LINE_BYTES} bytes")
        if not line.strip():
            blanks += 1
            if blanks > max_blanks:
                raise SubmissionError(f"{TRAJECTORIES_FILE} line {lineno}: more than {max_blanks} blank "
                                      "lines")
            continue
        count += 1
        if count > max_lines:
            raise SubmissionError(f"{TRAJECTORIES_FILE} line {lineno}: more episodes than the "
                                  f"protocol's {max_lines}")
        value = loads(line, f"{TRAJECTORIES_FILE} line {lineno}")
        if not isinstance(value, dict):
            raise SubmissionError(f"{TRAJECTORIES_FILE} line {lineno}: must hold a JSON object")
        yield lineno, value


def read_submission(directory: Path) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
    """Parse a whole submission directory into memory: (submission, episodes, sha256 of the files).

    For tools and tests on small submissions; ``submit`` streams instead
    (:func:`leaderboard.validate.validate`).
    """
    directory = Path(directory)
    submission = read_submission_json(directory)
    digest = hashlib.sha256()
    digest.update((directory / SUBMISSION_FILE).read_bytes())
    with open_member(directory, TRAJECTORIES_FILE, MAX_TRAJECTORIES_BYTES) as f:
        episodes = [ep for _, ep in iter_lines(f, 10**6)]
    digest.update((directory / TRAJECTORIES_FILE).read_bytes())
    return submission, episodes, digest.hexdigest()


def read_episode(directory: Path, index: int) -> dict[str, Any]:
    """Episode ``index`` (its ``episode`` field) of a submission folder, read line by line.

    Reads with the same bounds as validation. Raises :class:`SubmissionError` naming the
    folder and the episodes it holds.
    """
    count = 0
    with open_member(Path(directory), TRAJECTORIES_FILE, MAX_TRAJECTORIES_BYTES) as f:
        for _, ep in iter_lines(f, 10**6):
            count += 1
            if ep.get("episode") == index:
                return ep
    raise SubmissionError(f"{Path(directory) / TRAJECTORIES_FILE}: no episode {index}; it holds {count} "
                          f"episodes (0..{count - 1})")
