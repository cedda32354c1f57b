"""The suite exercises what users install, and the CLI they run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(os.environ.get("GOPO_TEST_INSTALLED") != "1",
                    reason="set by `make test`, which installs the package (editable) before testing it")
def test_an_edit_is_seen_by_the_cli_and_by_python_alike(tmp_path):
    """The development install is editable: `gopo-bench` and `import baselines` from any folder
    both run the source tree, so an edit to a baseline is never silently ignored by one of them."""
    code = "import baselines, leaderboard.cli; print(baselines.__file__); print(leaderboard.cli.__file__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                         env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, check=True)
    first, second = (Path(p).resolve() for p in out.stdout.split())
    assert first == REPO / "baselines" / "__init__.py"
    assert second == REPO / "leaderboard" / "cli.py"


def test_core_install_needs_only_gymnasium_pettingzoo_numpy():
    from importlib.metadata import requires

    core = [r for r in requires("gopo-bench") if "extra ==" not in r]
    names = sorted(r.split(">")[0].split("=")[0].split("<")[0].strip() for r in core)
    assert names == ["gymnasium", "numpy", "pettingzoo"]


def test_cli_demo_trains_evaluates_and_ranks(tmp_path):
    exe = Path(sys.executable).with_name("gopo-bench")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "leaderboard.cli"]
    out = subprocess.run(cmd + ["demo", "--budget", "tiny", "--out", str(tmp_path / "demo"), "--no-progress"],
                         capture_output=True, text=True, timeout=600, cwd=REPO.parent)
    assert out.returncode == 0, out.stderr
    assert "expert   → greet" in out.stdout
    ranked = out.stdout[out.stdout.index("vs GOPO"):]
    for label in ("GOPO", "PPO (expert)", "Memento", "BC (SOP demos)", "scripted SOP", "random (masked)"):
        assert label in ranked, label
    assert (tmp_path / "demo" / "results.json").is_file()


def test_gym_make_with_module_prefix_in_a_fresh_process():
    code = (
        "import gymnasium as gym\n"
        "env = gym.make('gopo_env:GOPO-Mgshop-v0')\n"
        "obs, info = env.reset(seed=0)\n"
        "print(sorted(obs), info['scenario_id'])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=REPO.parent)
    assert out.returncode == 0, out.stderr
    assert "['action_mask', 'features']" in out.stdout
