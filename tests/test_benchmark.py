"""The headline benchmark command end to end, at the ``tiny`` budget, on a subset of entrants."""

from __future__ import annotations

import json

import numpy as np
import pytest

from leaderboard.bench import BUDGETS, ENTRANTS
from leaderboard.bench.entrants import PLOTS
from leaderboard.cli import main

ONLY = "gopo,ppo-expert,bc,sop"
SEEDS = 2


def bench(out, *extra: str) -> dict:
    rc = main(["benchmark", "mgshop", "--budget", "tiny", "--seeds", str(SEEDS), "--out", str(out),
               "--no-progress", "--only", ONLY, *extra])  # a later --only wins
    assert rc == 0
    return json.loads((out / "results.json").read_text())


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    return out, bench(out)


def test_results_structure(first):
    out, res = first
    assert list(res["entrants"]) == ONLY.split(",")
    assert res["seeds"] == [0, 1] and res["budget"]["name"] == "tiny" and res["split"] == "test"
    assert res["reference"] == "gopo" and res["package_version"] and res["machine"]["cpu_count"]
    assert res["wall_clock_s"] > 0 and res["reused_runs"] == 0
    budget = BUDGETS["tiny"].train_steps
    for row in res["entrants"].values():
        assert len(row["runs"]) == SEEDS
        n = {len(r["episodes"]) for r in row["runs"]}
        assert n == {row["metrics"]["tse"]["n"]} and n.pop() > 10  # every test scenario, every seed
        for name in ("tse", "success", "esndcg", "gre"):
            m = row["metrics"][name]
            assert 0.0 <= m["ci"][0] <= m["mean"] <= m["ci"][1] <= 1.0
        assert sum(row["strategy_share"].values()) == pytest.approx(1.0)
        if row["trainable"]:
            assert all(0 < r["train"]["env_steps"] <= budget for r in row["runs"])
            assert all(r["train"]["env_steps_per_s"] > 0 for r in row["runs"])
            assert all(c and all(0.0 <= p["dev_tse"] <= 1.0 for p in c) for c in row["curves"])
        else:
            assert row["dev_tse"] and "train" not in row
    # the same customers for everybody: episode seeds pair up across entrants
    seeds = {k: [[ep["episode_seed"] for ep in r["episodes"]] for r in row["runs"]]
             for k, row in res["entrants"].items()}
    assert len({json.dumps(v) for v in seeds.values()}) == 1


def test_p_values_against_gopo(first):
    _, res = first
    assert all(v is None for v in res["entrants"]["gopo"]["vs_reference"].values())
    for key in ONLY.split(",")[1:]:
        for metric, test in res["entrants"][key]["vs_reference"].items():
            assert 0.0 <= test["p_value"] <= 1.0, (key, metric)
            assert test["n"] == res["entrants"][key]["metrics"]["tse"]["n"]


def test_table_numbers_come_from_the_episodes(first):
    out, res = first
    table = (out / "results.md").read_text()
    for key in ("gopo", "ppo-expert"):
        row = res["entrants"][key]
        per_scenario: dict[str, list[float]] = {}
        for run in row["runs"]:
            for ep in run["episodes"]:
                per_scenario.setdefault(ep["scenario_id"], []).append(ep["tse"])
        mean = float(np.mean([np.mean(v) for v in per_scenario.values()]))
        assert mean == pytest.approx(row["metrics"]["tse"]["mean"], abs=1e-12)
        line = next(ln for ln in table.splitlines() if ln.startswith(f"| {row['label']} |"))
        assert line.split(" | ")[1].startswith(f"{mean:.3f} ± ")
        seed_means = [np.mean([ep["tse"] for ep in r["episodes"]]) for r in row["runs"]]
        assert " ".join(f"{x:.3f}" for x in seed_means) in line


def test_reference_rows_are_published(first):
    """Every run plays the reference rows on the same env and seeds and states the aims."""
    out, res = first
    ref = res["reference_rows"]
    assert list(ref["rows"]) == ["random", "ask-nothing", "sop", "best-rule", "oracle-lookahead"]
    assert ref["env_id"] == res["env_id"] and ref["seeds"] == res["seeds"]
    tse = {k: r["metrics"]["tse"]["mean"] for k, r in ref["rows"].items()}
    assert tse["random"] < tse["sop"] <= tse["oracle-lookahead"] <= 1.0
    assert [a["aim"] for a in ref["aims"]][0].startswith("ceiling")
    table = (out / "results.md").read_text()
    assert "## Reference rows" in table and "hidden-state lookahead planner" in table


def test_plots_exist(first):
    out, _ = first
    for name in PLOTS.values():
        data = (out / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000, name


def test_same_seed_same_metrics_and_resume(first, tmp_path):
    out, res = first
    again = bench(tmp_path / "again", "--only", "gopo,ppo-expert")  # the trained ones
    for key, other in again["entrants"].items():
        row = res["entrants"][key]
        assert other["metrics"] == row["metrics"], key
        assert [r["episodes"] for r in other["runs"]] == [r["episodes"] for r in row["runs"]], key
        assert [[p["dev_tse"] for p in c] for c in other["curves"]] == \
            [[p["dev_tse"] for p in c] for c in row["curves"]], key
    resumed = bench(out, "--resume")
    assert resumed["reused_runs"] == len(ONLY.split(",")) * SEEDS
    assert {k: r["metrics"] for k, r in resumed["entrants"].items()} == \
        {k: r["metrics"] for k, r in res["entrants"].items()}


@pytest.mark.parametrize("args, message", [
    (["--only", "gopo,nosuch"], "unknown entrant"),
    (["--env-kwargs", "{not json"], "--env-kwargs is not valid JSON"),
    (["--env-kwargs", '{"no_such_option": 1}'], "cannot make GOPO-Mgshop-v1"),  # the newest version
    (["--seeds", "0"], "--seeds must be >= 1"),
    (["--env-kwargs", '{"version": 7}'], "mgshop has no version 7; its registered ids: ['GOPO-Mgshop-v0'"),
])
def test_bad_input_is_named(tmp_path, capsys, args, message):
    rc = main(["benchmark", "mgshop", "--budget", "tiny", "--out", str(tmp_path / "x"), "--no-progress",
               *args])
    assert rc == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x" / "results.json").exists()


def test_registry_keys_are_unique():
    keys = [e.key for e in ENTRANTS]
    assert len(keys) == len(set(keys)) and keys[0] == "gopo"


def test_version_kwarg_runs_and_records_that_versions_id(tmp_path):
    """``--env-kwargs '{"version": 0}'`` (docs/benchmark.md) runs GOPO-Mgshop-v0 and says so."""
    out = tmp_path / "v0"
    rc = main(["benchmark", "mgshop", "--budget", "tiny", "--seeds", "1", "--out", str(out), "--no-progress",
               "--only", "sop", "--split", "dev", "--env-kwargs", '{"version": 0, "max_turns": 30}'])
    assert rc == 0
    res = json.loads((out / "results.json").read_text())
    assert res["env_id"] == "GOPO-Mgshop-v0" and res["env_kwargs"] == {"max_turns": 30}
    assert res["reference_rows"]["env_id"] == "GOPO-Mgshop-v0"
    episodes = res["entrants"]["sop"]["runs"][0]["episodes"]
    assert episodes and all(ep["scenario_id"].startswith("mgshop-dev-") for ep in episodes)  # v0's ids
