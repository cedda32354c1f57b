"""Leaderboard storage: one SQLite file; a submission is stored in one transaction or not at all.

Location: ``--db PATH``, else ``$GOPO_LEADERBOARD_DB``, else
``$XDG_DATA_HOME/gopo-bench/leaderboard.db`` (``~/.local/share/...`` by default). Concurrent
``submit`` runs serialise on SQLite's write lock (``BEGIN IMMEDIATE``); the same files submitted
twice are stored once (their digest is unique).
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
    submission TEXT NOT NULL
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
    """These exact files are already stored."""


def default_db_path() -> Path:
    """``$GOPO_LEADERBOARD_DB``, else the per-user data directory."""
    env = os.environ.get("GOPO_LEADERBOARD_DB")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "gopo-bench" / "leaderboard.db"


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    con.execute("PRAGMA foreign_keys = ON")
    return con


@contextmanager
def transaction(path: Path) -> Iterator[sqlite3.Connection]:
    """A write transaction holding the database's write lock from its start; rolled back on error."""
    con = _connect(path)
    try:
        con.execute("BEGIN IMMEDIATE")
        try:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    con.execute(statement)
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
    finally:
        con.close()


def store(path: str | Path, verified: Verified) -> int:
    """Store a verified submission with its metrics and episodes; returns its entry id."""
    sub = verified.submission
    agent, env, protocol = sub["agent"], sub["env"], sub["protocol"]
    with transaction(Path(path)) as con:
        row = con.execute("SELECT id FROM submissions WHERE digest = ?", (verified.digest,)).fetchone()
        if row is not None:
            raise DuplicateSubmission(f"this submission is already stored as entry {row[0]}")
        cur = con.execute(
            "INSERT INTO submissions (digest, name, organisation, contact, description, agent_class, "
            "track, env_id, env_version, package_version, split, trials, episodes, submitted_at, "
            "submission) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (verified.digest, agent["name"], agent["organisation"], agent["contact"],
             agent["description"], agent["class"], sub["track"], env["id"], env["version"],
             env["package_version"], protocol["split"], protocol["trials"], len(verified.episodes),
             datetime.now(timezone.utc).isoformat(timespec="seconds"), dumps(sub)),
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
            [(entry, ep["episode"], ep["scenario_id"], ep["trial"], ep["seed"], dumps(ep["metrics"]),
              dumps({k: v for k, v in ep.items() if k != "metrics"})) for ep in verified.episodes],
        )
        return int(entry)


# ---------------------------------------------------------------------- reading
@contextmanager
def reader(path: str | Path) -> Iterator[sqlite3.Connection | None]:
    """A read-only connection, or ``None`` when the database does not exist yet."""
    path = Path(path)
    if not path.exists():
        yield None
        return
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
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
        rows = [dict(r) for r in con.execute(
            "SELECT id, name, organisation, contact, description, agent_class, track, env_id, "
            "env_version, package_version, split, trials, episodes, submitted_at FROM submissions "
            "ORDER BY id")]
        for row in rows:
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
