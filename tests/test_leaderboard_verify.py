"""The verified track: cherry-picked and memorising submissions pass replay but not verification."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from leaderboard import report, store
from leaderboard.runner import evaluate, score
from leaderboard.submission import SubmissionError, dumps
from leaderboard.verify import VerifyError, unpaired_drop_test, verify

SUB, TRAJ = "submission.json", "trajectories.jsonl"

MEMO = textwrap.dedent('''
    import json, random

    class Memoriser:
        """Plays a memorised strategy sequence on the public test episodes it recognises by the
        episode seed ``reset`` receives (public: it follows from the trial seed and scenario
        id); random valid strategies anywhere else."""

        roles = ("expert",)

        def __init__(self):
            self.table = {}
            self.rng = random.Random(0)

        def load(self, path):
            with open(path) as f:
                self.table = json.load(f)

        def reset(self, seed=None):
            self.rng = random.Random(seed)
            self.plan = self.table.get(str(seed))

        def act(self, role, observation, info):
            allowed = [i for i, m in enumerate(observation["action_mask"]) if m]
            plan, turn = self.plan, info["turn"]
            if plan and turn < len(plan) and plan[turn] in allowed:
                return plan[turn]
            return allowed[int(self.rng.random() * len(allowed))]
''')


def _read(d: Path) -> list[dict]:
    return [json.loads(x) for x in (d / TRAJ).read_text().splitlines() if x.strip()]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[int, Path]:
    """Five standard-track runs of the (stochastic) random agent, agent seeds 0-4."""
    base = tmp_path_factory.mktemp("runs")
    out = {}
    for s in range(5):
        out[s] = base / f"random-{s}"
        evaluate("baselines.random_agent:RandomAgent", out[s], agent_kwargs={"seed": s}, name="random")
    return out


def _cherry_pick(runs: dict[int, Path], dest: Path) -> Path:
    """Best TSE per episode across the runs, declared as agent seed 0 (the attack of issue 14)."""
    per_run = {s: _read(d) for s, d in runs.items()}
    best = [max((per_run[s][i] for s in per_run), key=lambda ep: ep["metrics"]["tse"])
            for i in range(len(per_run[0]))]
    sub = json.loads((runs[0] / SUB).read_text())
    per_episode, claims = score(sub["env"]["id"], best, sub["protocol"]["trials"])
    for ep, m in zip(best, per_episode):
        ep["metrics"] = m
    sub["metrics"] = claims
    sub["agent"]["name"] = "picked"
    dest.mkdir()
    (dest / TRAJ).write_text("".join(dumps(ep) + "\n" for ep in best))
    (dest / SUB).write_text(json.dumps(sub))
    return dest


def test_cherry_picked_submission_replays_but_fails_verification(runs, tmp_path):
    picked = _cherry_pick(runs, tmp_path / "picked")
    db = tmp_path / "lb.db"
    entry, verified = store.submit(picked, db)  # every episode replays: accepted, self-reported
    single = json.loads((runs[0] / SUB).read_text())["metrics"]["tse"]["mean"]
    assert verified.metrics["tse"]["mean"] > single + 0.02
    [row] = report.ranked(db)
    assert report.status(row) == "self-reported"
    result = verify(picked, db, fresh_seed=7, isolate=False)
    assert result["reproduced"] is False and "episode" in result["mismatch"]
    [row] = report.ranked(db)
    assert "FAILED" in report.status(row)
    assert "FAILED" in report.text_table(db) and "FAILED" in report.csv_text(db)


def test_honest_agent_is_reproduced_in_a_separate_process_and_not_flagged(runs, tmp_path):
    db = tmp_path / "lb.db"
    store.submit(runs[1], db)
    result = verify(runs[1], db, fresh_seed=11)  # isolate=True: the agent runs in a spawned process
    assert result["reproduced"] is True and result["fresh_seed"] == 11
    assert result["flagged"] is False and result["p_value"] > 0.01
    assert abs(result["fresh"]["mean"] - result["public_tse"]) < 0.1
    [row] = report.ranked(db)
    assert report.status(row).startswith("verified (fresh TSE")


def test_memorising_agent_is_flagged_on_fresh_scenarios(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "memo_agents.py").write_text(MEMO)
    scripted = tmp_path / "scripted"
    evaluate("baselines.scripted:ScriptedSOPAgent", scripted, name="scripted")
    table = {str(ep["seed"]): [t["strategy"] for t in ep["turns"]] for ep in _read(scripted)}
    (tmp_path / "table.json").write_text(json.dumps(table))
    memo = tmp_path / "memo"
    evaluate("memo_agents:Memoriser", memo, name="memoriser", checkpoint=tmp_path / "table.json",
             requirements=["numpy>=1.20"])
    assert json.loads((memo / SUB).read_text())["agent"]["checkpoint"] == "checkpoint/table.json"
    db = tmp_path / "lb.db"
    store.submit(memo, db)
    result = verify(memo, db, fresh_seed=3, isolate=False)
    assert result["reproduced"] is True  # the checkpoint was found and loaded again
    assert result["flagged"] is True and result["p_value"] < 0.01
    assert result["fresh"]["mean"] < result["public_tse"] - 0.1
    [row] = report.ranked(db)
    assert "FLAGGED" in report.status(row)


def test_missing_requirement_and_unstored_submission_are_explained(runs, tmp_path):
    db = tmp_path / "lb.db"
    with pytest.raises(SubmissionError, match="submit` it first"):
        verify(runs[2], db, isolate=False)
    d = tmp_path / "req"
    evaluate("baselines.random_agent:RandomAgent", d, agent_kwargs={"seed": 2}, name="random req",
             requirements=["gopo-no-such-package>=1.0"])
    store.submit(d, db)
    with pytest.raises(VerifyError, match="gopo-no-such-package>=1.0 \\(not installed\\)"):
        verify(d, db, isolate=False)


def test_checkpoint_outside_the_directory_is_rejected(runs, tmp_path):
    import shutil

    d = tmp_path / "escape"
    shutil.copytree(runs[3], d)
    sub = json.loads((d / SUB).read_text())
    sub["agent"]["checkpoint"] = "../../etc/passwd"
    (d / SUB).write_text(json.dumps(sub))
    with pytest.raises(SubmissionError, match="agent.checkpoint"):
        store.submit(d, tmp_path / "lb.db")


def test_drop_test_flags_a_real_drop_only():
    import numpy as np

    rng = np.random.default_rng(0)
    same = [unpaired_drop_test(rng.uniform(0, 1, 120), rng.uniform(0, 1, 120))["p_value"] for _ in range(200)]
    assert 0.0 <= np.mean(np.array(same) < 0.01) <= 0.04  # false-flag rate near alpha
    assert unpaired_drop_test(rng.uniform(0.5, 1, 120), rng.uniform(0, 0.5, 120))["p_value"] < 0.01


def test_a_domain_without_fresh_scenarios_is_said_so(tmp_path):
    d = tmp_path / "toy"
    evaluate("baselines.scripted:ScriptedSOPAgent", d, env_id="GOPO-Toy-v0", name="toy sop", isolate=False)
    db = tmp_path / "lb.db"
    store.submit(d, db)
    with pytest.raises(VerifyError, match="reproduced exactly; but GOPO-Toy-v0: its domain cannot draw"):
        verify(d, db, isolate=False)
