"""The CLI a new user meets: help without repetition, --version, shown defaults, `show`, `train` output."""

from __future__ import annotations

import json
import re

import pytest

from leaderboard.cli import build_parser, main
from leaderboard.runner import evaluate, package_version


def test_top_level_help_lists_each_command_once(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("demo", "evaluate", "submit", "leaderboard", "train", "data", "benchmark", "show"):
        assert len(re.findall(rf"\n    {command}\s", out)) == 1, command


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"gopo-bench {package_version()}"


def test_defaults_are_shown(capsys):
    with pytest.raises(SystemExit):
        main(["evaluate", "--help"])
    out = " ".join(capsys.readouterr().out.split())  # help text wraps at the terminal width
    assert "(default: GOPO-Mgshop-v1)" in out and "(default: 3)" in out
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    assert "training seed" in " ".join(capsys.readouterr().out.split())
    demo = " ".join(build_parser()._subparsers._group_actions[0].choices["demo"].format_help().split())
    assert "(default: full)" in demo and "small" in demo


def test_show_prints_an_episode_and_explains_a_missing_one(tmp_path, capsys):
    evaluate("baselines.scripted:ScriptedSOPAgent", tmp_path / "sub", split="dev", trials=1, isolate=False)
    assert main(["show", str(tmp_path / "sub"), "--episode", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("episode 2 · scenario mgshop-v1-dev-0002") and "expert   → greet" in out
    assert "success=True" in out
    assert main(["show", str(tmp_path / "sub"), "--episode", "500"]) == 1
    assert "no episode 500; it holds 60 episodes" in capsys.readouterr().err
    assert main(["show", str(tmp_path / "nope")]) == 1


def test_train_writes_statistics_and_a_learning_curve(tmp_path, capsys):
    out = tmp_path / "bc"
    assert main(["train", "--agent", "baselines.bc:BCAgent", "--agent-kwargs", '{"eval_episodes": 3}',
                 "--steps", "200", "--out", str(out), "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "env_steps: 200" in text and "{" not in text.splitlines()[1]
    assert json.loads((out / "train_stats.json").read_text())["env_steps"] == 200
    assert (out / "learning_curve.png").stat().st_size > 1000
