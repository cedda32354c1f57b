"""The reference rows of a Mgshop split, with 95% CIs and paired tests against the SOP.

Plays every policy of ``baselines.reference.REFERENCES`` (random, ask-nothing, scripted SOP,
best fixed rule, hidden-state lookahead ceiling) on every scenario of ``--split`` with
``--seeds`` seeds each (seed ``1000 * s + k`` for scenario ``k``; the same customers for every
policy), then prints mean TSE and success with percentile-bootstrap CIs over scenarios
(``leaderboard.metrics``), the paired bootstrap test of each row against the SOP, and the aims
of issue 13 (ceiling - SOP >= 0.15; SOP success <= 0.85; best rule <= ceiling - 0.08;
random <= 0.15) against what was measured. ``--json`` writes everything.

    PYTHONPATH=. python benchmarks/reference_rows.py --version 1 --split test --seeds 5
"""

from __future__ import annotations

import argparse
import json
import time

from baselines.reference import REFERENCES, play
from gopo_env.core.dialogue import Dialogue
from gopo_env.domains import make_domain
from leaderboard.metrics import paired_bootstrap, summarize


def run(version: int, split: str, seeds: int) -> dict:
    d = Dialogue(make_domain("mgshop", version=version), split=split)
    ids = d.scenario_ids(split)
    rows = {}
    for key, (label, policy) in REFERENCES.items():
        t0 = time.perf_counter()
        per = {}
        for s in range(seeds):
            for k, sid in enumerate(ids):
                out = play(d, policy, 1000 * s + k, sid)
                per[(sid, s)] = {"tse": out["tse"], "success": float(out["success"]),
                                 "turns": float(out["turns"])}
        rows[key] = {"label": label, "metrics": summarize(per), "per": per,
                     "seconds": time.perf_counter() - t0}
    sop = {k: m["tse"] for k, m in rows["sop"]["per"].items()}
    for row in rows.values():
        row["vs_sop"] = paired_bootstrap({k: m["tse"] for k, m in row["per"].items()}, sop)
    return {"version": version, "split": split, "seeds": seeds, "scenarios": len(ids), "rows": rows}


def aims(res: dict) -> list[tuple[str, str, bool]]:
    m = {k: r["metrics"] for k, r in res["rows"].items()}
    tse = {k: v["tse"]["mean"] for k, v in m.items()}
    return [
        ("ceiling - SOP >= 0.15 TSE", f"{tse['oracle-lookahead'] - tse['sop']:+.3f}",
         tse["oracle-lookahead"] - tse["sop"] >= 0.15),
        ("SOP success <= 0.85", f"{m['sop']['success']['mean']:.3f}", m["sop"]["success"]["mean"] <= 0.85),
        ("best fixed rule <= ceiling - 0.08", f"{tse['best-rule']:.3f} vs {tse['oracle-lookahead'] - 0.08:.3f}",
         tse["best-rule"] <= tse["oracle-lookahead"] - 0.08),
        ("random <= 0.15 TSE", f"{tse['random']:.3f}", tse["random"] <= 0.15),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--version", type=int, default=1, help="GOPO-Mgshop dynamics version (default 1)")
    ap.add_argument("--split", default="test", choices=("train", "dev", "test"))
    ap.add_argument("--seeds", type=int, default=5, help="seeds per scenario (default 5)")
    ap.add_argument("--json", default=None, metavar="FILE", help="write the full result here")
    args = ap.parse_args()
    res = run(args.version, args.split, args.seeds)
    print(f"GOPO-Mgshop-v{args.version}, {args.split} split: {res['scenarios']} scenarios x {args.seeds} seeds")
    print("| row | TSE [95% CI] | success [95% CI] | turns | TSE vs SOP (p) |")
    print("|---|---|---|---|---|")
    for key, row in res["rows"].items():
        m, v = row["metrics"], row["vs_sop"]
        vs = "—" if key == "sop" else f"{v['delta']:+.3f} (p={v['p_value']:.3f})"
        print(f"| {row['label']} | {m['tse']['mean']:.3f} [{m['tse']['ci'][0]:.3f}, {m['tse']['ci'][1]:.3f}] | "
              f"{m['success']['mean']:.3f} [{m['success']['ci'][0]:.3f}, {m['success']['ci'][1]:.3f}] | "
              f"{m['turns']['mean']:.1f} | {vs} |")
    print("\n| aim | measured | met |\n|---|---|---|")
    for aim, measured, ok in aims(res):
        print(f"| {aim} | {measured} | {'yes' if ok else 'no'} |")
    if args.json:
        for row in res["rows"].values():
            row["per"] = {f"{sid}#{s}": m for (sid, s), m in row["per"].items()}
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
