"""The CLI's leftovers from a fresh-user trial: `evaluate --out` never clobbers a submission,
`--env-kwargs` on `evaluate` and `train`, and errors that name the flags a CLI user can type."""

from __future__ import annotations

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
    assert main(run) == 0  # a second run into the same OUT replaces its own dev evaluation
    assert "kwargs" not in json.loads(dev.read_text())["env"]


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
