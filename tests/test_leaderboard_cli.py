"""End to end through the ``gopo-bench`` CLI with a user's own agent, unknown to the project."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from leaderboard.cli import build_parser

USER_AGENT = textwrap.dedent('''
    """A user's own agents, in their own module: the project has never seen them."""
    import json

    import numpy as np


    class PreferenceExpert:
        """Picks the first allowed strategy in a preference order."""

        roles = ("expert",)

        def __init__(self, order):
            self.order = list(order)

        def reset(self, seed=None):
            pass

        def act(self, role, observation, info):
            mask = observation["action_mask"]
            return next((s for s in self.order if mask[s]), int(np.flatnonzero(mask)[0]))


    class CountingExpert:
        """Trainable: learns the built-in expert's most frequent move at each turn index."""

        roles = ("expert",)

        def __init__(self):
            self.table = {}

        def reset(self, seed=None):
            pass

        def act(self, role, observation, info):
            s = self.table.get(str(info["turn"]))
            mask = observation["action_mask"]
            return s if s is not None and mask[s] else int(np.flatnonzero(mask)[-1])

        def train(self, env_id, budget, seed):
            import gymnasium as gym
            import gopo_env  # noqa: F401
            d = gym.make(env_id, split="train").unwrapped.dialogue
            counts, steps, episode = {}, 0, 0
            while steps < budget:
                d.reset(seed + episode)
                episode += 1
                while not d.done and steps < budget:
                    s = d.builtin_strategy()
                    counts.setdefault(str(d.turn), {}).setdefault(s, 0)
                    counts[str(d.turn)][s] += 1
                    d.choose(s)
                    d.respond(d.realize())
                    steps += 1
            self.table = {t: max(c, key=c.get) for t, c in counts.items()}
            return {"steps": steps, "episodes": episode}

        def save(self, path):
            with open(path, "w") as f:
                json.dump(self.table, f)

        def load(self, path):
            with open(path) as f:
                self.table = {k: int(v) for k, v in json.load(f).items()}
''')


@pytest.fixture
def cli(tmp_path):
    """Run ``python -m leaderboard.cli`` in a fresh directory with the user's module importable."""
    (tmp_path / "my_agents.py").write_text(USER_AGENT)
    env = dict(os.environ)
    paths = [os.path.abspath(p) for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), *paths])
    env.pop("GOPO_LEADERBOARD_DB", None)
    env["HOME"] = str(tmp_path / "home")  # the default database lands here, never in the real home

    def run(*args: str, **extra_env: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "leaderboard.cli", *args], cwd=tmp_path,
                              env={**env, **extra_env}, capture_output=True, text=True, timeout=300)
    return run


def test_user_agent_evaluated_submitted_and_ranked(cli, tmp_path):
    order = json.dumps({"order": [7, 0, 1, 2, 5, 8, 9, 10]})
    r = cli("evaluate", "--agent", "my_agents:PreferenceExpert", "--agent-kwargs", order,
            "--env", "GOPO-Mgshop-v0", "--split", "test", "--trials", "2", "--out", "sub",
            "--name", "Mine <b>&", "--organisation", "Lab", "--no-progress")
    assert r.returncode == 0, r.stderr
    sub = json.loads((tmp_path / "sub" / "submission.json").read_text())
    assert sub["agent"]["class"] == "my_agents:PreferenceExpert" and sub["protocol"]["episodes"] == 240
    r = cli("submit", "sub", "--no-progress", GOPO_LEADERBOARD_DB=str(tmp_path / "lb.db"))
    assert r.returncode == 0, r.stderr
    assert "accepted" in r.stdout and (tmp_path / "lb.db").exists()
    r = cli("leaderboard", "--db", "lb.db")
    assert r.returncode == 0 and "Mine <b>&" in r.stdout
    assert f"{sub['metrics']['tse']['mean']:.3f}" in r.stdout
    r = cli("leaderboard", "export", "--db", "lb.db", "--out", "site")
    assert r.returncode == 0, r.stderr
    page = (tmp_path / "site" / "entry-1.html").read_text()
    assert "Mine &lt;b&gt;&amp;" in page and "Mine <b>" not in page


def test_default_database_is_per_user(cli, tmp_path):
    assert cli("evaluate", "--agent", "baselines.scripted:ScriptedSOPAgent", "--out", "s",
               "--no-progress").returncode == 0
    r = cli("submit", "s", "--no-progress")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "home" / ".local" / "share" / "gopo-bench" / "leaderboard.db").is_file()


@pytest.mark.parametrize("args,message", [
    (["--agent", "my_agents.PreferenceExpert"], "not of the form MODULE:CLASS"),
    (["--agent", "my_agents:Missing"], "'Missing' not found in 'my_agents'"),
    (["--agent", "my_agents:PreferenceExpert", "--agent-kwargs", "{order: [1]}"], "not valid JSON"),
    (["--agent", "my_agents:PreferenceExpert"], "cannot be constructed"),
])
def test_cli_explains_bad_agents(cli, args, message):
    r = cli("evaluate", *args, "--out", "x", "--no-progress")
    assert r.returncode == 1 and message in r.stderr, r.stderr


def test_rejected_submission_exits_nonzero_and_names_the_problem(cli, tmp_path):
    assert cli("evaluate", "--agent", "baselines.scripted:ScriptedSOPAgent", "--out", "s",
               "--no-progress").returncode == 0
    lines = (tmp_path / "s" / "trajectories.jsonl").read_text().splitlines()
    (tmp_path / "s" / "trajectories.jsonl").write_text("\n".join(lines[1:]) + "\n")
    r = cli("submit", "s", "--db", "lb.db", "--no-progress")
    assert r.returncode == 1 and "rejected" in r.stderr and "mgshop-v1-test-0000" in r.stderr


def test_train_saves_and_evaluates_on_dev(cli, tmp_path):
    r = cli("train", "--agent", "my_agents:CountingExpert", "--env", "GOPO-Mgshop-v0", "--steps", "300",
            "--seed", "1", "--out", "run", "--no-progress")
    assert r.returncode == 0, r.stderr
    table = json.loads((tmp_path / "run" / "agent").read_text())
    assert table["0"] == 0  # the SOP greets first
    sub = json.loads((tmp_path / "run" / "eval-dev" / "submission.json").read_text())
    # untrained, it says goodbye at once (TSE ~0); the learnt table gets part of the way
    assert sub["protocol"]["split"] == "dev" and sub["metrics"]["tse"]["mean"] > 0.3, sub["metrics"]
    r = cli("evaluate", "--agent", "my_agents:CountingExpert", "--load", "run/agent", "--split", "dev",
            "--env", "GOPO-Mgshop-v0",
            "--seed", "1", "--trials", "1", "--out", "reloaded", "--no-progress")
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / "reloaded" / "submission.json").read_text())["metrics"] == sub["metrics"]
    r = cli("train", "--agent", "my_agents:PreferenceExpert", "--agent-kwargs", '{"order": [1]}',
            "--steps", "10", "--out", "run2")
    assert r.returncode == 1 and "not trainable" in r.stderr


def test_serve_binds_localhost_by_default():
    args = build_parser().parse_args(["leaderboard", "serve"])
    assert args.host == "127.0.0.1"
    assert build_parser().parse_args(["leaderboard", "export", "--out", "x", "--db", "d"]).db == "d"
    assert Path(build_parser().parse_args(["leaderboard", "--db", "d"]).db) == Path("d")
