"""`gopo-bench benchmark multiwoz --split dev` end to end (tiny budget, one seed, a few entrants),
the domain-metrics columns, the view requirement that leaves PPO monolithic out, and the clear
error when the test split is absent. Skips without the MultiWOZ data (fails under
GOPO_REQUIRE_DATA=1, like every data test)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from data_support import playable_splits

from leaderboard.bench import ENTRANTS
from leaderboard.bench.entrants import runnable
from leaderboard.bench.run import summarize_domain_metrics
from leaderboard.cli import main

ONLY = "bc,sop,ppo-mono"


@pytest.fixture(scope="module")
def data_root(multiwoz_dir):
    """Point the registered MultiWOZ envs at the data the fixtures found."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GOPO_DATA_DIR", str(multiwoz_dir.parent))
        yield multiwoz_dir.parent


@pytest.fixture(scope="module")
def dev_run(data_root, tmp_path_factory):
    out = tmp_path_factory.mktemp("bench-mwoz")
    rc = main(["benchmark", "multiwoz", "--split", "dev", "--budget", "tiny", "--seeds", "1",
               "--out", str(out), "--no-progress", "--only", ONLY])
    assert rc == 0
    return out, json.loads((out / "results.json").read_text())


def test_dev_run_end_to_end(dev_run):
    out, res = dev_run
    assert res["domain"] == "multiwoz" and res["env_id"] == "GOPO-MultiWOZ-v0" and res["split"] == "dev"
    assert list(res["entrants"]) == ["bc", "sop"]
    assert "ppo-mono" in res["skipped"] and "flat view" in res["skipped"]["ppo-mono"]
    n_dev = len({ep["scenario_id"] for ep in res["entrants"]["sop"]["runs"][0]["episodes"]})
    assert n_dev > 900 and all(ep["scenario_id"].startswith("multiwoz-dev-")
                               for ep in res["entrants"]["bc"]["runs"][0]["episodes"])
    assert 0 < res["entrants"]["bc"]["train"]["env_steps"] <= 512
    table = (out / "results.md").read_text()
    assert "GOPO-MultiWOZ-v0, dev split" in table and "over dev scenarios" in table
    assert "inform_f1" in table and "book_rate" in table and "Left out" in table and "flat view" in table


def test_domain_metrics_come_from_the_episodes(dev_run):
    _, res = dev_run
    for row in res["entrants"].values():
        dm = row["domain_metrics"]
        assert {"success", "book_rate", "inform_f1", "complete", "success_strict"} <= set(dm)
        for key, cell in dm.items():
            values = [ep["domain_metrics"][key] for ep in row["runs"][0]["episodes"]
                      if key in ep["domain_metrics"]]
            assert cell["n"] == len(values) and cell["mean"] == pytest.approx(np.mean(values))
            assert cell["ci"][0] <= cell["mean"] <= cell["ci"][1]
        # the core's success on MultiWOZ is ConvLab's success
        assert dm["success"]["mean"] == pytest.approx(row["metrics"]["success"]["mean"])
    # the rule SOP books what it should; not every goal books, so book_rate is over fewer dialogues
    sop = res["entrants"]["sop"]["domain_metrics"]
    assert sop["success"]["mean"] > 0.9 and sop["book_rate"]["n"] < sop["success"]["n"]


def test_test_split_absent_is_a_clear_error(data_root, tmp_path, capsys):
    if "test" in playable_splits("multiwoz"):
        pytest.skip("the MultiWOZ test split is present here")
    rc = main(["benchmark", "multiwoz", "--budget", "tiny", "--seeds", "1", "--out", str(tmp_path / "x"),
               "--no-progress", "--only", "sop"])
    err = capsys.readouterr().err
    assert rc != 0 and "gopo-bench data fetch multiwoz" in err and err.count("--split dev") == 1, err
    assert not (tmp_path / "x").exists()  # nothing half-written


def test_entrants_needing_a_missing_view_are_left_out():
    kept, skipped = runnable(ENTRANTS, "multiwoz")
    assert "ppo-mono" not in {e.key for e in kept} and set(skipped) == {"ppo-mono"}
    kept, skipped = runnable(ENTRANTS, "mgshop")  # Mgshop registers a flat view
    assert "ppo-mono" in {e.key for e in kept} and not skipped


def test_domain_metrics_summary_counts_defining_episodes_only():
    runs = [{"seed": s, "episodes": [
        {"scenario_id": "a", "domain_metrics": {"x": 1.0, "y": 0.0}},
        {"scenario_id": "b", "domain_metrics": {"x": 0.0}},
        {"scenario_id": "c"}]} for s in (0, 1)]
    out = summarize_domain_metrics(runs)
    assert list(out) == ["x", "y"]
    assert out["x"]["n"] == 2 and out["x"]["mean"] == 0.5
    assert out["y"] == {"mean": 0.0, "ci": [0.0, 0.0], "n": 1}
    assert summarize_domain_metrics([{"seed": 0, "episodes": [{"scenario_id": "a"}]}]) == {}


def test_episode_records_carry_domain_metrics_checked_by_replay(data_root):
    from baselines.scripted import ScriptedSOPAgent
    from gopo_env.protocol import dialogue_of, episode_seed, make_view
    from leaderboard.loading import check_agent
    from leaderboard.runner import record_episode
    from leaderboard.validate import Rejected, replay_episode

    agent = ScriptedSOPAgent()
    roles = check_agent(agent, "ScriptedSOPAgent")
    view = make_view("GOPO-MultiWOZ-v0", roles, split="dev", strict=True)
    sid = dialogue_of(view).scenario_ids("dev")[0]
    ep = json.loads(json.dumps(record_episode(view, agent, roles, episode_seed(0, sid), sid, 0, 0)))
    dm = ep["outcome"]["domain_metrics"]
    assert {"success", "success_strict", "complete", "turns"} <= set(dm)
    ep["metrics"] = {}
    replay_episode(view, "expert", ep)  # the record replays as it is
    ep["outcome"]["domain_metrics"]["success"] = 1.0 - dm["success"]
    with pytest.raises(Rejected, match="outcome.domain_metrics.success"):
        replay_episode(view, "expert", ep)
