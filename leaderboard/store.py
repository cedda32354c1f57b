"""Leaderboard storage: one SQLite file; a submission is stored in one transaction or not at all.

Location: ``--db PATH``, else ``$GOPO_LEADERBOARD_DB``, else
``$XDG_DATA_HOME/gopo-bench/leaderboard.db`` (``~/.local/share/...`` by default). Any path
works (``#``, ``?``, ``%`` included): paths are passed to SQLite as plain file names, never as
URIs. Concurrent ``submit`` runs serialise on SQLite's write lock (``BEGIN IMMEDIATE``); the
same run is stored once, however its files are formatted or its agent renamed (the content
digest of :class:`leaderboard.validate.ContentDigest` is unique), and a name that only looks
like another submitter's entry name (:func:`leaderboard.names.skeleton`) is refused.

Journal: **WAL** (write-ahead log). Readers never block the writer nor each other (``serve``
keeps answering during a ``submit``), a commit is one append + fsync, and a write killed at
any point leaves a log that the next opener — reader or writer — recovers. Readers open the
file read-write with ``PRAGMA query_only`` rather than ``mode=ro``: a read-only connection
cannot recover a hot journal/WAL and failed with "attempt to write a readonly database" after
an interrupted write. WAL needs a local file system (not NFS), like SQLite's locking itself.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from leaderboard.submission import SubmissionError, dumps
from leaderboard.validate import Verified

BUSY_TIMEOUT_S = 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY,
    digest TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    organisation TEXT NOT NULL,
    contact TEXT NOT NULL,
    description TEXT NOT NULL,
    agent_class TEXT NOT NULL,
    track TEXT NOT NULL,
    env_id TEXT NOT NULL,
    env_version INTEGER,
    package_version TEXT NOT NULL,
    split TEXT NOT NULL,
    trials INTEGER NOT NULL,
    episodes INTEGER NOT NULL,
    submitted_at TEXT NOT NULL,
    submission TEXT NOT NULL,
    name_key TEXT NOT NULL DEFAULT '',
    roles TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS verifications (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    verified_at TEXT NOT NULL,
    reproduced INTEGER NOT NULL,
    fresh_seed INTEGER NOT NULL,
    public_tse REAL NOT NULL,
    fresh_tse REAL NOT NULL,
    fresh_ci_low REAL,
    fresh_ci_high REAL,
    p_value REAL NOT NULL,
    flagged INTEGER NOT NULL,
    detail TEXT NOT NULL,
    PRIMARY KEY (submission_id, verified_at, fresh_seed)
);
CREATE TABLE IF NOT EXISTS metrics (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    name TEXT NOT NULL,
    mean REAL NOT NULL,
    ci_low REAL,
    ci_high REAL,
    n INTEGER NOT NULL,
    PRIMARY KEY (submission_id, name)
);
CREATE TABLE IF NOT EXISTS episodes (
    submission_id INTEGER NOT NULL REFERENCES submissions(id),
    idx INTEGER NOT NULL,
    scenario_id TEXT NOT NULL,
    trial INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    metrics TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (submission_id, idx)
);
"""


class DuplicateSubmission(SubmissionError):
    """This run (by content) is already stored, or its name looks like another entry's."""


class StorageError(SubmissionError):
    """The database cannot be opened or written; the message says which path and why."""


def default_db_path() -> Path:
    """``$GOPO_LEADERBOARD_DB``, else the per-user data directory."""
    env = os.environ.get("GOPO_LEADERBOARD_DB")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "gopo-bench" / "leaderboard.db"


def _connect(path: Path) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # a plain file name (uri=False): '#', '?', '%' are ordinary characters of it
        con = sqlite3.connect(os.fspath(path), timeout=BUSY_TIMEOUT_S, isolation_level=None,
                              uri=False)
        con.execute("PRAGMA journal_mode = WAL")
        con.execute("PRAGMA synchronous = FULL")
        con.execute("PRAGMA foreign_keys = ON")
    except (sqlite3.Error, OSError) as e:
        raise StorageError(f"cannot open the database {path} for writing ({e}); choose a writable "
                           "path with --db PATH or $GOPO_LEADERBOARD_DB") from None
    return con


def _migrate(con: sqlite3.Connection) -> None:
    """Columns added after the first release, for databases created before them."""
    have = {r[1] for r in con.execute("PRAGMA table_info(submissions)")}
    for column in ("name_key", "roles"):
        if column not in have:
            con.execute(f"ALTER TABLE submissions ADD COLUMN {column} TEXT NOT NULL DEFAULT ''")


@contextmanager
def transaction(path: Path) -> Iterator[sqlite3.Connection]:
    """A write transaction holding the database's write lock from its start; rolled back on error."""
    con = _connect(path)
    try:
        try:
            con.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            raise StorageError(f"cannot write to the database {path} ({e}); choose a writable path "
                               "with --db PATH") from None
        try:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    con.execute(statement)
            _migrate(con)
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
    finally:
        con.close()


def store(path: str | Path, verified: Verified) -> int:
    """Store a verified submission with its metrics and episodes; returns its entry id.

    Raises :class:`DuplicateSubmission` when the same run is stored already (by content) or
    when the name's skeleton equals another submitter's entry name; nothing is written then.
    """
    from leaderboard.names import skeleton

    sub = verified.submission
    agent, env, protocol = sub["agent"], sub["env"], sub["protocol"]
    key = skeleton(agent["name"])
    with transaction(Path(path)) as con:
        row = con.execute("SELECT id FROM submissions WHERE digest = ?", (verified.digest,)).fetchone()
        if row is not None:
            raise DuplicateSubmission(f"this run is already stored as entry {row[0]} (same episodes, "
                                      "whatever the file formatting or agent name)")
        for other in con.execute("SELECT id, name, organisation, contact FROM submissions "
                                 "WHERE name_key = ?", (key,)):
            if (other[2], other[3]) != (agent["organisation"], agent["contact"]):
                raise DuplicateSubmission(
                    f"agent.name {agent['name']!r} looks like entry {other[0]}'s name {other[1]!r} of "
                    "another submitter (compared after Unicode normalisation, with invisible and "
                    "look-alike characters folded); choose a distinct name")
        cur = con.execute(
            "INSERT INTO submissions (digest, name, organisation, contact, description, agent_class, "
            "track, env_id, env_version, package_version, split, trials, episodes, submitted_at, "
            "submission, name_key, roles) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (verified.digest, agent["name"], agent["organisation"], agent["contact"],
             agent["description"], agent["class"], sub["track"], env["id"], env["version"],
             env["package_version"], protocol["split"], protocol["trials"], verified.count,
             datetime.now(timezone.utc).isoformat(timespec="seconds"), dumps(sub), key,
             ",".join(sorted(agent["roles"]))),
        )
        entry = cur.lastrowid
        con.executemany(
            "INSERT INTO metrics (submission_id, name, mean, ci_low, ci_high, n) VALUES (?, ?, ?, ?, ?, ?)",
            [(entry, name, m["mean"], m["ci"][0] if m["ci"] else None, m["ci"][1] if m["ci"] else None,
              m["n"]) for name, m in verified.metrics.items()],
        )
        con.executemany(
            "INSERT INTO episodes (submission_id, idx, scenario_id, trial, seed, metrics, record) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            ((entry, ep["episode"], ep["scenario_id"], ep["trial"], ep["seed"], dumps(ep["metrics"]),
              dumps({k: v for k, v in ep.items() if k != "metrics"})) for ep in verified.episodes()),
        )
        return int(entry)


def entry_by_digest(path: str | Path, digest: str) -> int | None:
    """The id of the entry holding the run with this content digest, if stored."""
    with reader(path) as con:
        if con is None:
            return None
        row = con.execute("SELECT id FROM submissions WHERE digest = ?", (digest,)).fetchone()
        return None if row is None else int(row[0])


def record_verification(path: str | Path, entry: int, result: dict[str, Any]) -> None:
    """Store the outcome of ``gopo-bench verify`` for an entry (see ``leaderboard.verify``)."""
    fresh = result["fresh"]
    with transaction(Path(path)) as con:
        con.execute(
            "INSERT INTO verifications (submission_id, verified_at, reproduced, fresh_seed, public_tse, "
            "fresh_tse, fresh_ci_low, fresh_ci_high, p_value, flagged, detail) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (entry, datetime.now(timezone.utc).isoformat(timespec="microseconds"),
             int(result["reproduced"]), result["fresh_seed"], result["public_tse"], fresh["mean"],
             fresh["ci"][0], fresh["ci"][1], result["p_value"], int(result["flagged"]),
             dumps(result)))


# ---------------------------------------------------------------------- reading
@contextmanager
def reader(path: str | Path) -> Iterator[sqlite3.Connection | None]:
    """A read-only connection, or ``None`` when the database does not exist yet."""
    path = Path(path)
    if not path.exists():
        yield None
        return
    try:
        con = sqlite3.connect(os.fspath(path), timeout=BUSY_TIMEOUT_S, uri=False)
        con.execute("PRAGMA query_only = ON")  # read-write open: it may recover an interrupted write
        con.execute("SELECT 1 FROM sqlite_master LIMIT 1")
    except sqlite3.Error as e:
        raise StorageError(f"cannot read the database {path} ({e}); is it a gopo-bench leaderboard "
                           "database you may open?") from None
    con.row_factory = sqlite3.Row
    try:
        yield con
    finally:
        con.close()


def entries(path: str | Path) -> list[dict[str, Any]]:
    """Every stored entry with its aggregate metrics (``metrics[name] = {mean, ci, n}``)."""
    with reader(path) as con:
        if con is None:
            return []
        have = {r[1] for r in con.execute("PRAGMA table_info(submissions)")}
        roles = "roles" if "roles" in have else "'' AS roles"
        rows = [dict(r) for r in con.execute(
            "SELECT id, name, organisation, contact, description, agent_class, track, env_id, "
            f"env_version, package_version, split, trials, episodes, submitted_at, {roles} "
            "FROM submissions ORDER BY id")]
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for row in rows:
            row["roles"] = tuple(x for x in row["roles"].split(",") if x)
            row["verification"] = None
            if "verifications" in tables:
                v = con.execute("SELECT * FROM verifications WHERE submission_id = ? "
                                "ORDER BY verified_at DESC LIMIT 1", (row["id"],)).fetchone()
                row["verification"] = None if v is None else dict(v)
            row["metrics"] = {
                m["name"]: {"mean": m["mean"], "n": m["n"],
                            "ci": None if m["ci_low"] is None else [m["ci_low"], m["ci_high"]]}
                for m in con.execute("SELECT * FROM metrics WHERE submission_id = ?", (row["id"],))
            }
        return rows


def episode_values(path: str | Path, entry: int, metric: str) -> dict[tuple[str, int], float]:
    """One metric per episode of an entry, keyed by (scenario id, seed) for paired tests."""
    with reader(path) as con:
        if con is None:
            return {}
        return {(r["scenario_id"], r["seed"]): float(json.loads(r["metrics"])[metric])
                for r in con.execute("SELECT scenario_id, seed, metrics FROM episodes "
                                     "WHERE submission_id = ?", (entry,))}


def episode_records(path: str | Path, entry: int) -> list[dict[str, Any]]:
    """The stored episode records of an entry (with their metrics), in episode order."""
    with reader(path) as con:
        if con is None:
            return []
        out = []
        for r in con.execute("SELECT record, metrics FROM episodes WHERE submission_id = ? ORDER BY idx",
                             (entry,)):
            record = json.loads(r["record"])
            record["metrics"] = json.loads(r["metrics"])
            out.append(record)
        return out


def counts(path: str | Path) -> dict[str, int]:
    """Row counts per table (what tests use to see that nothing partial was stored)."""
    with reader(path) as con:
        if con is None:
            return {"submissions": 0, "metrics": 0, "episodes": 0}
        have = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return {t: (con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] if t in have else 0)
                for t in ("submissions", "metrics", "episodes")}


def submit(directory: str | Path, db: str | Path, progress: bool = False) -> tuple[int, Verified]:
    """Validate a submission directory (replay included) and store it; returns (entry id, result).

    Validation runs before the write lock is taken, so a slow replay never blocks other writers.
    """
    from leaderboard.validate import validate

    verified = validate(directory, progress=progress)
    return store(db, verified), verified
