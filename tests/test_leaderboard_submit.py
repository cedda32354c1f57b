"""Submissions: a genuine one is accepted; every kind of tampering is rejected and stores nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from leaderboard import store
from leaderboard.runner import evaluate
from leaderboard.submission import MAX_SUBMISSION_BYTES, SubmissionError
from leaderboard.validate import Verified, validate

SUB, TRAJ = "submission.json", "trajectories.jsonl"


@pytest.fixture(scope="module")
def genuine(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("genuine") / "scripted"
    evaluate("baselines.scripted:ScriptedSOPAgent", out, trials=3, name="scripted")
    return out


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def _edit_episodes(d: Path, change) -> None:
    lines = (d / TRAJ).read_text().splitlines()
    eps = [json.loads(x) for x in lines]
    eps = change(eps)
    (d / TRAJ).write_text("".join(json.dumps(e) + "\n" for e in eps))


def _edit_submission(d: Path, change) -> None:
    sub = json.loads((d / SUB).read_text())
    change(sub)
    (d / SUB).write_text(json.dumps(sub))


def _set(obj, path, value):
    for key in path[:-1]:
        obj = obj[key]
    obj[path[-1]] = value
    return obj


def customer_changed(d):
    _edit_episodes(d, lambda eps: [_set(eps[5], ["turns", 2, "customer"], "Great, I'll buy it!"), eps][1])


def response_changed(d):
    _edit_episodes(d, lambda eps: [_set(eps[7], ["turns", 1, "response"], "Goodbye and have a great day!"),
                                   eps][1])


def success_flipped(d):
    def change(eps):
        eps[9]["outcome"]["success"] = not eps[9]["outcome"]["success"]
        return eps
    _edit_episodes(d, change)


def claimed_mean_inflated(d):
    _edit_submission(d, lambda s: _set(s, ["metrics", "tse", "mean"], s["metrics"]["tse"]["mean"] + 0.05))


def claimed_episode_metric_changed(d):
    _edit_episodes(d, lambda eps: [_set(eps[3], ["metrics", "tse"], 0.123), eps][1])  # not its true TSE


def episode_missing(d):
    _edit_episodes(d, lambda eps: eps[:10] + eps[11:])


def episode_duplicated(d):
    _edit_episodes(d, lambda eps: eps[:-1] + [eps[10]])


def seed_changed(d):
    _edit_episodes(d, lambda eps: [_set(eps[4], ["seed"], eps[4]["seed"] + 1), eps][1])


def env_version_wrong(d):
    _edit_submission(d, lambda s: _set(s, ["env", "version"], s["env"]["version"] + 7))


def package_version_wrong(d):
    _edit_submission(d, lambda s: _set(s, ["env", "package_version"], "0.0.1"))


def dev_split(d):
    _edit_submission(d, lambda s: _set(s, ["protocol", "split"], "dev"))


def submission_malformed(d):
    (d / SUB).write_text((d / SUB).read_text()[:-10])


def trajectories_malformed(d):
    lines = (d / TRAJ).read_text().splitlines(keepends=True)
    lines[12] = lines[12][: len(lines[12]) // 2] + "\n"
    (d / TRAJ).write_text("".join(lines))


def schema_violation(d):
    _edit_submission(d, lambda s: s["agent"].pop("name"))


def submission_oversized(d):
    text = (d / SUB).read_text()
    (d / SUB).write_text(text + " " * MAX_SUBMISSION_BYTES)


def trajectories_missing(d):
    (d / TRAJ).unlink()


TAMPERING = [
    (customer_changed, ["episode 5", "turns[2].customer"]),
    (response_changed, ["episode 7"]),
    (success_flipped, ["episode 9", "outcome.success"]),
    (claimed_mean_inflated, ["metrics.tse.mean"]),
    (claimed_episode_metric_changed, ["episode 3", "metrics.tse"]),
    (episode_missing, ["missing", "mgshop-v1-test-0010"]),
    (episode_duplicated, ["line 360", "duplicates line 11"]),
    (seed_changed, ["episode 4", "field seed"]),
    (env_version_wrong, ["env.version"]),
    (package_version_wrong, ["env.package_version"]),
    (dev_split, ["protocol.split"]),
    (submission_malformed, ["submission.json", "malformed JSON"]),
    (trajectories_malformed, ["line 13", "malformed JSON"]),
    (schema_violation, ["agent", "'name' is a required property"]),
    (submission_oversized, ["submission.json", "over the limit"]),
    (trajectories_missing, ["trajectories.jsonl", "missing"]),
]


@pytest.mark.parametrize("tamper,expected", TAMPERING, ids=[t.__name__ for t, _ in TAMPERING])
def test_tampered_submission_is_rejected_and_stores_nothing(genuine, tmp_path, tamper, expected):
    d = _copy(genuine, tmp_path / "sub")
    tamper(d)
    db = tmp_path / "lb.db"
    with pytest.raises(SubmissionError) as err:
        store.submit(d, db)
    for part in expected:
        assert part in str(err.value)
    assert store.counts(db) == {"submissions": 0, "metrics": 0, "episodes": 0}


def test_genuine_submission_is_accepted_once(genuine, tmp_path):
    db = tmp_path / "lb.db"
    entry, verified = store.submit(genuine, db)
    assert store.counts(db) == {"submissions": 1, "metrics": len(verified.metrics), "episodes": 360}
    [row] = store.entries(db)
    assert row["id"] == entry and row["name"] == "scripted" and row["track"] == "standard"
    assert row["metrics"]["tse"]["mean"] == pytest.approx(verified.metrics["tse"]["mean"])
    with pytest.raises(store.DuplicateSubmission, match=f"entry {entry}"):
        store.submit(genuine, db)
    assert store.counts(db)["submissions"] == 1


def test_a_failure_inside_the_transaction_leaves_nothing(genuine, tmp_path):
    verified = validate(genuine)
    episodes = list(verified.episodes())
    broken = Verified.from_episodes(verified.submission, episodes + [episodes[0]], verified.metrics,
                                    verified.digest)  # the repeated episode breaks the episodes' primary key
    db = tmp_path / "lb.db"
    with pytest.raises(Exception, match="UNIQUE"):
        store.store(db, broken)
    assert store.counts(db) == {"submissions": 0, "metrics": 0, "episodes": 0}


def _submit_process(directory: Path, db: Path, cwd: Path) -> subprocess.Popen:
    env = dict(os.environ)
    paths = [os.path.abspath(p) for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    cmd = [sys.executable, "-m", "leaderboard.cli", "submit", str(directory), "--db", str(db),
           "--no-progress"]
    return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_concurrent_submits_end_consistently(genuine, tmp_path):
    other = tmp_path / "random"
    evaluate("baselines.random_agent:RandomAgent", other, trials=1, name="random")
    db = tmp_path / "lb.db"
    procs = [_submit_process(d, db, tmp_path) for d in (genuine, other, genuine)]
    results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    accepted = [r for r in results if r[0] == 0]
    assert len(accepted) == 2, results
    assert sum("already stored" in r[2] for r in results) == 1, results
    assert store.counts(db)["submissions"] == 2 and store.counts(db)["episodes"] == 360 + 120
    assert sorted(e["name"] for e in store.entries(db)) == ["random", "scripted"]
