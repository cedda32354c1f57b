"""Reference rows of a benchmark run (issue 13): what a split's scores mean.

Runs the five policies of :data:`baselines.reference.REFERENCES` (random, ask-nothing, scripted
SOP, best fixed rule, hidden-state lookahead ceiling) on every scenario of a split, one episode
per (scenario, seed) with the protocol's episode seeds (``submission.episode_seed``), and
summarises them as the leaderboard does: mean and 95% bootstrap CI over scenarios, the paired
bootstrap test of each row against the SOP, and the aims of issue 13 against what was measured.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Mapping, Sequence
from typing import Any

import gymnasium as gym

from leaderboard import metrics as M
from leaderboard.report import fmt_vs_above
from leaderboard.submission import episode_seed

REFERENCE_MODULE = "baselines.reference"
"""Where the reference policies live (``REFERENCES``, ``play``)."""

AIMS = (
    ("ceiling − SOP ≥ 0.15 TSE", lambda t, s: (t["oracle-lookahead"] - t["sop"],
                                               t["oracle-lookahead"] - t["sop"] >= 0.15)),
    ("SOP success ≤ 0.85", lambda t, s: (s["sop"], s["sop"] <= 0.85)),
    ("best fixed rule − ceiling ≤ −0.08", lambda t, s: (t["best-rule"] - t["oracle-lookahead"],
                                                     t["best-rule"] <= t["oracle-lookahead"] - 0.08)),
    ("random TSE ≤ 0.15", lambda t, s: (t["random"], t["random"] <= 0.15)),
)
"""Issue 13's aims for a benchmark that separates algorithms: (aim, f(tse means, success means)
-> (measured value, met))."""


def reference_rows(env_id: str, env_kwargs: Mapping[str, Any] | None = None, split: str = "test",
                   seeds: Sequence[int] = (0,)) -> dict[str, Any]:
    """Every reference row on ``split`` of ``env_id`` (made with ``env_kwargs``) for ``seeds``.

    Returns ``{"rows": {key: {"label", "metrics", "vs_sop", "seconds"}}, "aims": [...]}``;
    metrics as :func:`leaderboard.metrics.summarize` (tse, success, turns).
    """
    module = importlib.import_module(REFERENCE_MODULE)  # by import string (import-linter contract)
    env = gym.make(env_id, split=split, **dict(env_kwargs or {}))
    d = env.unwrapped.dialogue
    ids = d.scenario_ids(split)
    rows: dict[str, Any] = {}
    per_tse: dict[str, dict[tuple[str, int], float]] = {}
    for key, (label, policy) in module.REFERENCES.items():
        started = time.perf_counter()
        per: dict[tuple[str, int], dict[str, float]] = {}
        for trial, seed in enumerate(seeds):
            for sid in ids:
                out = module.play(d, policy, episode_seed(seed, sid), sid)
                per[(sid, trial)] = {"tse": out["tse"], "success": float(out["success"]),
                                     "turns": float(out["turns"])}
        per_tse[key] = {k: v["tse"] for k, v in per.items()}
        rows[key] = {"label": label, "metrics": M.summarize(per), "seconds": time.perf_counter() - started}
    env.close()
    for key, row in rows.items():
        row["vs_sop"] = None if key == "sop" else M.paired_bootstrap(per_tse[key], per_tse["sop"])
    tse = {k: r["metrics"]["tse"]["mean"] for k, r in rows.items()}
    success = {k: r["metrics"]["success"]["mean"] for k, r in rows.items()}
    aims = []
    for aim, f in AIMS:
        value, met = f(tse, success)
        aims.append({"aim": aim, "measured": value, "met": bool(met)})
    return {"env_id": env_id, "env_kwargs": dict(env_kwargs or {}), "split": split,
            "seeds": list(seeds), "scenarios": len(ids), "rows": rows, "aims": aims}


def markdown(ref: Mapping[str, Any]) -> list[str]:
    """The reference table and the aims table, as Markdown lines."""
    lines = [f"## Reference rows ({ref['split']} split, {ref['scenarios']} scenarios × "
             f"{len(ref['seeds'])} seeds)", "",
             "The hidden-state planner reads the customer's hidden constraints: a ceiling *estimate*, "
             "not an entrant (baselines/reference.py).", "",
             "| reference | TSE | success | turns | TSE vs SOP |", "|---|---|---|---|---|"]
    for row in ref["rows"].values():
        mm, vs = row["metrics"], row["vs_sop"]
        lines.append(f"| {row['label']} | {M_fmt(mm['tse'])} | {M_fmt(mm['success'])} | "
                     f"{mm['turns']['mean']:.2f} | "
                     + fmt_vs_above(vs) + " |")
    lines += ["", "| aim (issue 13) | measured | met |", "|---|---|---|"]
    lines += [f"| {a['aim']} | {a['measured']:+.3f} | {'yes' if a['met'] else 'no'} |" for a in ref["aims"]]
    return lines + [""]


def M_fmt(m: Mapping[str, Any]) -> str:  # noqa: N802 - reads as the metric formatter
    lo, hi = m["ci"]
    return f"{m['mean']:.3f} [{lo:.3f}, {hi:.3f}]"
