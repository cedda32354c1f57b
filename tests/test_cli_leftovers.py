"""The CLI's leftovers from a fresh-user trial: `evaluate --out` never clobbers a submission,
`--env-kwargs` on `evaluate` and `train`, and errors that name the flags a CLI user can type."""

from __future__ import annotations

import importlib
import json
import sys
import textwrap
from pathlib import Path

import pytest

from leaderboard.cli import main
from leaderboard.runner import evaluate
from leaderboard.submission import SubmissionError

SOP = ["--agent", "baselines.scripted:ScriptedSOPAgent"]
TOY = ["--env", "GOPO-Toy-v0", "--trials", "1", "--no-progress", "--in-process"]

USER_AGENTS = textwrap.dedent('''
    import json

    import numpy as np


    def first_allowed(observation):
        return int(np.flatnonzero(observation["action_mask"])[0])


    class Crashing:
        """Fails in the third episode: the evaluation stops after writing nothing."""

        roles = ("expert",)

        def __init__(self):
            self.episodes = 0

        def reset(self, seed=None):
            self.episodes += 1

        def act(self, role, observation, info):
            if self.episodes == 3:
                raise RuntimeError("boom")
            return first_allowed(observation)


    class Loadable:
        """Loads nothing: with a missing --load path the run ends while the folder is written."""

        roles = ("expert",)

        def reset(self, seed=None):
            pass

        def act(self, role, observation, info):
            return first_allowed(observation)

        def load(self, path):
            pass


    class OutOfRange:
        """Picks a strategy id outside the action space."""

        roles = ("expert",)

        def reset(self, seed=None):
            pass

        def act(self, role, observation, info):
            return 999


    class MaxTurnsSpy:
        """Trainable: remembers the max_turns of the env it trains on."""

        roles = ("expert",)

        def __init__(self):
            self.seen = None

        def reset(self, seed=None):
            pass

        def act(self, role, observation, info):
            return first_allowed(observation)

        def train(self, env_id, budget, seed):
            import gymnasium as gym
            self.seen = gym.make(env_id, split="train").unwrapped.dialogue.max_turns
            return {"steps": budget}

        def save(self, path):
            with open(path, "w") as f:
                json.dump({"seen": self.seen}, f)


    class Config:
        progress_bar = True


    class Chatty(MaxTurnsSpy):
        """Trainable with a progress option (like PPO's ``progress_bar``); uses more steps than asked."""

        def __init__(self, fail=False):
            self.config = Config()
            self.fail = fail
            self.quiet = None

        def train(self, env_id, budget, seed):
            if self.fail:
                raise RuntimeError("training broke")
            self.quiet = not self.config.progress_bar
            return {"env_steps": 512}

        def save(self, path):
            with open(path, "w") as f:
                json.dump({"quiet": self.quiet}, f)
''')


@pytest.fixture
def user_agents(tmp_path, monkeypatch):
    """The module ``leftover_agents`` (agents the project has never seen), importable."""
    (tmp_path / "leftover_agents.py").write_text(USER_AGENTS)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "leftover_agents", raising=False)
    return "leftover_agents"


def _files(d: Path) -> dict[str, bytes]:
    return {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def _no_partial_folders(parent: Path) -> bool:
    return not [p for p in parent.iterdir() if p.name.endswith(".partial")]


# ---------------------------------------------------------------------- 1: --out and --overwrite
def test_evaluate_refuses_an_existing_submission_unless_told_to_overwrite(tmp_path, capsys):
    out = tmp_path / "sub"
    assert main(["evaluate", *SOP, *TOY, "--out", str(out)]) == 0
    before = _files(out)
    assert main(["evaluate", *SOP, *TOY, "--seed", "7", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{out} already holds a submission" in err and "--overwrite" in err and "--out DIR" in err
    assert "overwrite=True" not in err and _files(out) == before  # nothing touched
    assert main(["evaluate", *SOP, *TOY, "--seed", "7", "--out", str(out), "--overwrite"]) == 0
    assert json.loads((out / "submission.json").read_text())["protocol"]["seeds"] == [7]
    assert sorted(_files(out)) == ["submission.json", "trajectories.jsonl"]
    assert _no_partial_folders(tmp_path)


def test_evaluate_never_replaces_a_folder_that_is_not_a_submission(tmp_path, capsys):
    notes = tmp_path / "mine" / "notes.txt"
    notes.parent.mkdir()
    notes.write_text("keep me")
    assert main(["evaluate", *SOP, *TOY, "--out", str(notes.parent), "--overwrite"]) == 1
    assert "holds no submission (notes.txt)" in capsys.readouterr().err and notes.read_text() == "keep me"
    assert main(["evaluate", *SOP, *TOY, "--out", str(notes)]) == 1
    assert f"{notes} is a file" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()  # an empty folder is fine
    assert main(["evaluate", *SOP, *TOY, "--out", str(tmp_path / "empty")]) == 0


@pytest.mark.parametrize("agent, extra, message", [
    ("Crashing", [], "boom"),  # fails while playing
    # fails while the new folder is written (the checkpoint is copied in last)
    ("Loadable", ["--load", "no-such-checkpoint"], "checkpoint no-such-checkpoint does not exist"),
])
def test_a_failed_overwrite_leaves_the_old_submission_whole(user_agents, tmp_path, capsys, agent, extra,
                                                            message):
    out = tmp_path / "sub"
    assert main(["evaluate", *SOP, *TOY, "--out", str(out)]) == 0
    before = _files(out)
    rc = main(["evaluate", "--agent", f"{user_agents}:{agent}", *TOY, *extra, "--out", str(out),
               "--overwrite"])
    assert rc == 1 and message in capsys.readouterr().err
    assert _files(out) == before and _no_partial_folders(tmp_path)


def test_the_python_api_refuses_in_its_own_words(tmp_path):
    evaluate("baselines.scripted:ScriptedSOPAgent", tmp_path / "sub", env_id="GOPO-Toy-v0", trials=1,
             isolate=False)
    with pytest.raises(SubmissionError, match="already holds a submission.*overwrite=True"):
        evaluate("baselines.scripted:ScriptedSOPAgent", tmp_path / "sub", env_id="GOPO-Toy-v0", trials=1,
                 isolate=False)


# ---------------------------------------------------------------------- 3: --env-kwargs
def test_evaluate_env_kwargs_reach_the_env_and_the_record(tmp_path, capsys):
    out = tmp_path / "short"
    assert main(["evaluate", *SOP, *TOY, "--out", str(out), "--env-kwargs", '{"max_turns": 3}']) == 0
    assert 'with env kwargs {"max_turns": 3}' in capsys.readouterr().out
    sub = json.loads((out / "submission.json").read_text())
    assert sub["env"]["kwargs"] == {"max_turns": 3} and sub["track"] == "custom"
    episodes = [json.loads(line) for line in (out / "trajectories.jsonl").read_text().splitlines()]
    assert max(len(ep["turns"]) for ep in episodes) == 3
    # the leaderboard scores the registered env: such a run is for reading, not for submitting
    assert main(["submit", str(out), "--db", str(tmp_path / "lb.db"), "--no-progress"]) == 1
    assert "env.kwargs {'max_turns': 3}" in capsys.readouterr().err


@pytest.mark.parametrize("command", [
    ["evaluate", *SOP, *TOY],
    ["train", "--agent", "leftover_agents:MaxTurnsSpy", "--env", "GOPO-Toy-v0", "--steps", "1"],
])
@pytest.mark.parametrize("text, message", [
    ("{max_turns: 3}", "--env-kwargs is not valid JSON"),
    ("[3]", "--env-kwargs must be a JSON object, got list"),
    ('{"no_such_argument": 1}', "cannot make GOPO-Toy-v0 with env kwargs {'no_such_argument': 1}"),
])
def test_bad_env_kwargs_are_named_before_anything_runs(user_agents, tmp_path, capsys, command, text,
                                                       message):
    out = tmp_path / "out"
    assert main([*command, "--out", str(out), "--env-kwargs", text]) == 1
    err = capsys.readouterr().err
    assert message in err and ("e.g." in err or "accepts" in err)
    assert not out.exists()


def test_env_kwargs_cannot_change_the_evaluation_protocol(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["evaluate", *SOP, *TOY, "--out", str(out), "--env-kwargs", '{"strict": false}']) == 1
    assert "may not set ['strict']" in capsys.readouterr().err and not out.exists()


def test_train_env_kwargs_reach_training_and_the_dev_evaluation(user_agents, tmp_path):
    run = ["train", "--agent", f"{user_agents}:MaxTurnsSpy", "--env", "GOPO-Toy-v0", "--steps", "1",
           "--out", str(tmp_path / "run"), "--no-progress"]
    assert main([*run, "--env-kwargs", '{"max_turns": 3}']) == 0
    assert json.loads((tmp_path / "run" / "agent").read_text()) == {"seen": 3}
    dev = tmp_path / "run" / "eval-dev" / "submission.json"
    assert json.loads(dev.read_text())["env"]["kwargs"] == {"max_turns": 3}
    assert main([*run, "--overwrite"]) == 0  # a second run replaces the first, dev evaluation included
    assert "kwargs" not in json.loads(dev.read_text())["env"]


def test_train_env_kwargs_cannot_set_the_split_it_trains_on(user_agents, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["train", "--agent", f"{user_agents}:MaxTurnsSpy", "--env", "GOPO-Toy-v0", "--steps", "1",
                 "--out", str(out), "--env-kwargs", '{"split": "test"}']) == 1
    err = capsys.readouterr().err
    assert "env kwargs may not set ['split']" in err and "multiple values" not in err and not out.exists()


# ---------------------------------------------------------------------- 4: errors in flag words
def test_a_missing_dataset_names_the_commands_flag(tmp_path, monkeypatch, capsys):
    from gopo_env.data import DataError, locate_dataset

    monkeypatch.delenv("GOPO_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert main(["calibrate", "mgshop"]) == 1
    err = capsys.readouterr().err
    assert "pass its folder explicitly (--data-dir PATH)" in err and "data_dir=" not in err
    with pytest.raises(DataError, match=r"\(data_dir=PATH\)"):  # the Python API keeps its words
        locate_dataset("mgshopdial", "MGShopDial/MGShopDial.json")


def test_strict_mode_errors_name_lenient_and_counts_name_their_flag(user_agents, tmp_path, capsys):
    assert main(["evaluate", "--agent", f"{user_agents}:OutOfRange", *TOY, "--out", str(tmp_path / "x")]) == 1
    assert "on the command line: add --lenient" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["evaluate", *SOP, *TOY, "--trials", "0", "--out", str(tmp_path / "y")])
    assert "argument --trials: must be >= 1, got 0" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", *SOP, "--steps", "0", "--out", str(tmp_path / "z")])
    assert "argument --steps: must be >= 1, got 0" in capsys.readouterr().err
    assert not (tmp_path / "z").exists()


def test_api_arguments_become_the_commands_flags_only_where_it_has_them():
    from leaderboard.cli import _in_flags, build_parser

    evaluate_parser = build_parser()._subparsers._group_actions[0].choices["evaluate"]
    message = "use split='dev', out=DIR, overwrite=True, strict=True or data_dir=PATH"
    assert _in_flags(message, evaluate_parser) == \
        "use --split dev, --out DIR, --overwrite, strict=True or data_dir=PATH"
    assert _in_flags(message, None) == message


# ---------------------------------------------------------------------- 5: a fresh user's second trial
def test_negative_seeds_are_refused_when_the_command_is_read(tmp_path, capsys):
    out = tmp_path / "out"
    for command in (["evaluate", *SOP, "--seed", "-1", "--out", str(out)],
                    ["train", *SOP, "--steps", "1", "--seed", "-1", "--out", str(out)],
                    ["demo", "--seed", "-1", "--out", str(out)], ["verify", str(out), "--fresh-seed", "-1"],
                    ["llm", "train-tiny", "--seed", "-1", "--out", str(out)]):
        with pytest.raises(SystemExit):
            main(command)
        assert "must be >= 0, got -1" in capsys.readouterr().err, command
    assert not out.exists()
    with pytest.raises(ValueError, match="seed must be >= 0"):  # the library: submit would refuse it
        evaluate("baselines.scripted:ScriptedSOPAgent", out, env_id="GOPO-Toy-v0", seed=-1, isolate=False)
    assert not out.exists()


def test_bad_requirements_are_refused_by_evaluate_and_by_submit(tmp_path, capsys):
    bad = "not a valid req!!"
    assert main(["evaluate", *SOP, *TOY, "--out", str(tmp_path / "x"), "--requires", bad]) == 1
    err = capsys.readouterr().err
    assert f"{bad!r} is not a PEP 508 requirement" in err and "e.g. 'torch>=2.3'" in err
    assert "\n" not in err.strip() and not (tmp_path / "x").exists()
    out = tmp_path / "sub"
    assert main(["evaluate", *SOP, *TOY, "--out", str(out), "--requires", "numpy>=1.20"]) == 0
    sub = json.loads((out / "submission.json").read_text())
    sub["agent"]["requirements"] = [bad]  # written by hand or by an older evaluate
    (out / "submission.json").write_text(json.dumps(sub))
    assert main(["submit", str(out), "--db", str(tmp_path / "lb.db"), "--no-progress"]) == 1
    assert f"agent.requirements: {bad!r} is not a PEP 508 requirement" in capsys.readouterr().err


TRAIN = ["--env", "GOPO-Toy-v0", "--steps", "100"]


def test_train_no_progress_reaches_the_agent_and_the_real_steps_are_printed(user_agents, tmp_path, capsys):
    out, chatty = tmp_path / "run", f"{user_agents}:Chatty"
    assert main(["train", "--agent", chatty, *TRAIN, "--out", str(out), "--no-progress"]) == 0
    assert json.loads((out / "agent").read_text()) == {"quiet": True}
    printed = capsys.readouterr().out
    assert "for 512 env steps (budget 100)" in printed and "for 100 steps" not in printed
    assert main(["train", "--agent", chatty, *TRAIN, "--out", str(out), "--overwrite"]) == 0
    assert json.loads((out / "agent").read_text()) == {"quiet": False}  # without it, as the agent likes


def test_the_shipped_agents_training_bars_are_switched_off():
    pytest.importorskip("torch")
    from leaderboard.cli import quiet_training
    from leaderboard.loading import load_agent

    for spec, option in (("agents.gopo:GOPOAgent", "progress"), ("baselines.ppo:PPOAgent", "progress_bar"),
                         ("baselines.bc:BCAgent", "progress_bar"),
                         ("baselines.memento:MementoAgent", "progress_bar")):
        agent = load_agent(spec)
        assert getattr(agent.config, option) is True, spec
        quiet_training(agent)
        assert getattr(agent.config, option) is False, spec
    quiet_training(load_agent("baselines.scripted:ScriptedSOPAgent"))  # no option: nothing to do


def test_train_writes_its_out_whole_or_not_at_all(user_agents, tmp_path, capsys):
    out = tmp_path / "run"
    chatty, broken = f"{user_agents}:Chatty", ["--agent-kwargs", '{"fail": true}']
    assert main(["train", "--agent", chatty, *TRAIN, *broken, "--out", str(out)]) == 1
    assert "training broke" in capsys.readouterr().err
    assert not out.exists() and _no_partial_folders(tmp_path)  # a failure leaves nothing behind
    assert main(["train", "--agent", chatty, *TRAIN, "--out", str(out), "--no-progress"]) == 0
    before = _files(out)
    assert {"agent", "train_stats.json", "eval-dev/submission.json"} <= set(before)
    capsys.readouterr()
    assert main(["train", "--agent", chatty, *TRAIN, "--out", str(out)]) == 1  # never silently replaced
    err = capsys.readouterr().err
    assert f"{out} already holds a training run" in err and "--overwrite" in err and _files(out) == before
    assert main(["train", "--agent", chatty, *TRAIN, *broken, "--out", str(out), "--overwrite"]) == 1
    assert _files(out) == before and _no_partial_folders(tmp_path)  # the old run is whole
    notes = tmp_path / "notes.txt"
    notes.write_text("keep me")
    assert main(["train", "--agent", chatty, *TRAIN, "--out", str(notes)]) == 1
    assert f"{notes} is a file" in capsys.readouterr().err and notes.read_text() == "keep me"
    assert main(["train", "--agent", chatty, *TRAIN, "--out", str(tmp_path), "--overwrite"]) == 1
    assert "holds no training run" in capsys.readouterr().err and notes.read_text() == "keep me"


def test_train_names_an_unknown_env_without_quotes(user_agents, tmp_path, capsys):
    assert main(["train", "--agent", f"{user_agents}:Chatty", "--env", "NoSuch-v0", "--steps", "1",
                 "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("gopo-bench: unknown env id 'NoSuch-v0'; registered GOPO envs:"), err
    assert not (tmp_path / "run").exists()


BENCH_RUN = importlib.import_module("leaderboard.bench.run")  # the module (the package exports run())
BENCH = ["benchmark", "mgshop", "--budget", "tiny", "--seeds", "1", "--only", "sop,random", "--no-progress"]


@pytest.fixture
def no_training(monkeypatch):
    """Any (entrant, seed) run fails the test: the --out checks come first."""
    def run_one(*args, **kwargs):
        raise AssertionError("trained or evaluated before --out was checked")

    monkeypatch.setattr(BENCH_RUN, "run_one", run_one)


def test_benchmark_refuses_an_out_it_may_not_use_before_anything_runs(tmp_path, capsys, no_training):
    earlier = tmp_path / "earlier"
    (earlier / "runs").mkdir(parents=True)
    (earlier / "runs" / "sop-seed0.json").write_text("{}")
    assert main([*BENCH, "--out", str(earlier)]) == 1
    err = capsys.readouterr().err
    assert f"{earlier} already holds a benchmark output (runs)" in err
    assert "--resume" in err and "--overwrite" in err and "resume=True" not in err
    assert main([*BENCH, "--out", str(earlier), "--resume", "--overwrite"]) == 1
    assert "pass one" in capsys.readouterr().err
    notes = tmp_path / "mine" / "notes.txt"
    notes.parent.mkdir()
    notes.write_text("keep me")
    for extra in ([], ["--overwrite"], ["--resume"]):
        assert main([*BENCH, "--out", str(notes.parent), *extra]) == 1
        assert "holds no benchmark output (notes.txt)" in capsys.readouterr().err
    assert main([*BENCH, "--out", str(notes)]) == 1
    assert f"{notes} is a file" in capsys.readouterr().err
    assert _files(notes.parent) == {"notes.txt": b"keep me"}


def test_benchmark_overwrite_starts_afresh_and_a_failure_keeps_the_old_outputs(tmp_path, monkeypatch, capsys):
    from leaderboard import bench

    out = tmp_path / "b"
    out.mkdir()  # an empty folder is fine
    assert main([*BENCH, "--out", str(out)]) == 0
    stale = out / "runs" / "ppo-expert-seed4.json"  # a run of another command: never mixed in
    stale.write_text("{}")
    before = _files(out)

    def broken(*args, **kwargs):
        raise bench.BenchmarkError("the second run broke")

    with monkeypatch.context() as m:
        m.setattr(BENCH_RUN, "run_one", broken)
        assert main([*BENCH, "--out", str(out), "--overwrite"]) == 1
    assert "the second run broke" in capsys.readouterr().err
    assert _files(out) == before and _no_partial_folders(tmp_path)
    assert main([*BENCH, "--out", str(out), "--overwrite"]) == 0
    assert not stale.exists() and sorted(p.name for p in (out / "runs").iterdir()) == \
        ["random-seed0.json", "sop-seed0.json"]
    assert json.loads((out / "results.json").read_text())["command"].endswith("--overwrite")


def test_the_demo_can_be_run_again_into_its_folder(tmp_path, monkeypatch):
    from leaderboard import demo

    monkeypatch.setattr(demo, "DEMO_ENTRANTS", "sop,random")  # the code path, cheaply
    out = tmp_path / "demo"
    for _ in range(2):
        table = demo.run_demo(out=str(out), budget="tiny", progress=False)
        assert "scripted SOP" in table and (out / "results.json").is_file()
    assert _no_partial_folders(tmp_path)


def test_a_checkpoint_is_refused_on_other_dynamics_than_it_trained_on(tmp_path, capsys):
    """`train` records its env beside the checkpoint; evaluating it on another version names the
    one to use instead of failing inside the network with a shape error (52 vs 55 features)."""
    out = tmp_path / "bc-v0"
    assert main(["train", "--agent", "baselines.bc:BCAgent", "--env", "GOPO-Mgshop-v0", "--steps", "600",
                 "--out", str(out), "--no-progress"]) == 0
    assert json.loads((out / "trained_on.json").read_text())["env_id"] == "GOPO-Mgshop-v0"
    capsys.readouterr()
    bc = ["--agent", "baselines.bc:BCAgent", "--load", str(out / "agent"), "--trials", "1", "--no-progress"]
    assert main(["evaluate", *bc, "--env", "GOPO-Mgshop-v1", "--out", str(tmp_path / "s1")]) != 0
    err = capsys.readouterr().err
    assert "trained on GOPO-Mgshop-v0" in err and "--env GOPO-Mgshop-v0" in err, err
    assert not (tmp_path / "s1").exists()
    assert main(["evaluate", *bc, "--env", "GOPO-Mgshop-v0", "--out", str(tmp_path / "s0")]) == 0
