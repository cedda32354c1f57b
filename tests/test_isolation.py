"""A hostile agent that walks its own interpreter's objects finds nothing of the hidden customer
when ``gopo-bench evaluate`` runs it in its own process, and finds it when run in process (so
the search is real and the test can fail)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from data_support import held_out_split

from gopo_env.domains import make_domain
from gopo_env.registration import env_specs, spec_of
from leaderboard.runner import evaluate

SPEC = "hostile_agent:HostileAgent"
EXPERT_IDS = [i for i, spec in env_specs().items() if spec.view == "expert"]  # one per domain version


def _run(env_id: str, tmp_path: Path, isolate: bool) -> tuple[list[dict], list[str]]:
    found = tmp_path / f"found-{isolate}.jsonl"
    out = tmp_path / f"sub-{isolate}"
    evaluate(SPEC, out, agent_kwargs={"out": str(found), "episodes": 2, "scans": 2}, env_id=env_id,
             split=held_out_split(env_id), trials=1, isolate=isolate)
    lines = [json.loads(x) for x in found.read_text().splitlines()]
    played = [json.loads(x)["scenario_id"] for x in (out / "trajectories.jsonl").read_text().splitlines()]
    return lines, played


@pytest.mark.parametrize("env_id", EXPERT_IDS)
def test_hostile_agent_finds_nothing_in_its_own_process(env_id, tmp_path):
    lines, _ = _run(env_id, tmp_path, isolate=True)
    assert len(lines) == 4  # it did search: 2 episodes x 2 acts
    for line in lines:
        assert line["types"] == {} and line["live"] == [] and line["ids"] == [], line


@pytest.mark.parametrize("env_id", EXPERT_IDS)
def test_same_agent_in_process_finds_the_current_customer(env_id, tmp_path):
    lines, played = _run(env_id, tmp_path, isolate=False)
    spec = spec_of(env_id)
    domain = make_domain(spec.domain, **{k: v for k, v in spec.kwargs.items() if k != "domain"})
    assert len(lines) == 4
    for line in lines:
        current = played[line["episode"]]
        assert line["types"].get("Dialogue", 0) >= 1
        assert repr(domain.scenario(current)) in line["live"]  # the hidden constraints, read
        assert current in line["ids"]


def test_gopo_bench_evaluate_cli_isolates_the_hostile_agent(tmp_path):
    """The same check through the command line a participant runs (``gopo-bench evaluate``)."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    found = tmp_path / "found.jsonl"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": os.pathsep.join(
        [str(root), str(root / "tests"), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-m", "leaderboard.cli", "evaluate", "--agent", SPEC, "--agent-kwargs",
         json.dumps({"out": str(found), "episodes": 4, "scans": 3}), "--env", "GOPO-Toy-v0",
         "--split", "test", "--out", str(tmp_path / "sub"), "--no-progress"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [json.loads(x) for x in found.read_text().splitlines()]
    assert len(lines) == 12
    assert all(x["types"] == {} and x["live"] == [] and x["ids"] == [] for x in lines), lines
