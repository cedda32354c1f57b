"""The README's commands work with what its quickstart installed (they are run, not just written).

Every ```python block is executed; every `gopo-bench ...` command of the README's bash blocks is
run in order, in a scratch folder, with two documented substitutions that keep the suite short:
training budgets (`--steps N`) become 600 steps and `--budget full` becomes `tiny`. Commands that
start a server or need the network are checked for syntax only (`--help`).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(python|bash)\n(.*?)```", README, flags=re.S)
SLOW = ("demo", "benchmark", "calibrate")  # run by the demo test / their own tests
SYNTAX_ONLY = ("serve", "fetch", "train-tiny")


def _commands() -> list[str]:
    out = []
    for lang, body in BLOCKS:
        if lang != "bash":
            continue
        for line in body.replace("\\\n", " ").splitlines():
            line = line.split("  #")[0].strip()
            for part in (p.strip() for p in line.split("&&")):
                if part.startswith("gopo-bench "):
                    out.append(part)
    return out


def _shim(tmp: Path) -> Path:
    """A `gopo-bench` on PATH: the installed script, else `python -m leaderboard.cli`."""
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    exe = Path(sys.executable).with_name("gopo-bench")
    script = f'#!/bin/sh\nexec "{exe}" "$@"\n' if exe.exists() else \
        f'#!/bin/sh\nexec "{sys.executable}" -m leaderboard.cli "$@"\n'
    (bin_dir / "gopo-bench").write_text(script)
    (bin_dir / "gopo-bench").chmod(0o755)
    return bin_dir


@pytest.mark.parametrize("index", [i for i, (lang, _) in enumerate(BLOCKS) if lang == "python"])
def test_readme_python_blocks_run(index, tmp_path):
    code = BLOCKS[index][1]
    if "/models/" in code or "base_url" in code:
        pytest.skip("needs a model checkpoint or a server the user brings")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                         timeout=300)
    assert run.returncode == 0, run.stderr


def test_readme_cli_commands_run_in_order(tmp_path):
    commands = _commands()
    assert any(c.startswith("gopo-bench evaluate") for c in commands)
    env = {**os.environ, "PATH": f"{_shim(tmp_path)}{os.pathsep}{os.environ['PATH']}",
           "GOPO_LEADERBOARD_DB": str(tmp_path / "lb.db"), "HF_HUB_OFFLINE": "1"}
    for command in commands:
        words = shlex.split(command)
        if len(words) > 1 and words[1] in SLOW:
            continue
        if any(w in SYNTAX_ONLY for w in words):
            keep = 3 if words[1] in ("leaderboard", "data", "llm") else 2
            words = words[:keep] + ["--help"]
        command = re.sub(r"--steps \d+", "--steps 600", shlex.join(words))
        command = command.replace("--budget full", "--budget tiny")
        run = subprocess.run(command, shell=True, capture_output=True, text=True, cwd=tmp_path, env=env,
                             timeout=600)
        assert run.returncode == 0, f"{command}\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}"
