"""Why GOPO-Mgshop-v1 misses issue 13's headroom aims: a sensitivity study of its customer.

The shipped v1 customer is measured on MG-ShopDial (``calibrated.json``, ``calibrated_v1.json``)
except for the labelled assumptions (patience and its costs, the 3-product reading limit, the
20-turn limit). This script moves one knob family at a time — far beyond what the data supports —
and reports issue 13's four aims each time, for the reference policies of ``baselines.reference``
(random, ask-nothing, scripted SOP, best fixed rule, hidden-state lookahead ceiling). It answers
"how far would the customer have to move from the data for the aims to be met?". It is an
analysis, never a setting: nothing here is shipped, and it runs on the **dev** split so that the
test split stays untouched.

    python benchmarks/headroom_v1.py [--split dev] [--seeds 2] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from typing import Any

from gopo_env.domains.mgshop.params import MgshopParams
from gopo_env.domains.mgshop.v1 import v1_params
from leaderboard.reference import reference_rows

BASE = MgshopParams.load("calibrated")
V1 = v1_params()

SETTINGS: dict[str, tuple[str, dict[str, Any]]] = {
    "shipped": ("the shipped, data-fitted v1 customer", {}),
    "patience-half": ("assumption: patience (1.5, 3) instead of (3, 6)",
                      {"params": replace(BASE, patience=(1.5, 3.0))}),
    "patience-1": ("assumption: patience 1 (the first complaint ends the dialogue)",
                   {"params": replace(BASE, patience=(1.0, 1.0))}),
    "costs-double": ("assumption: every patience cost doubled",
                     {"params": replace(BASE, negative_cost=2.0, repeat_cost=2.0,
                                        early_close_cost=2.0, mild_cost=1.0)}),
    "read-one": ("assumption: the customer reads only the first product of a response",
                 {"v1_params": replace(V1, max_products_read=1)}),
    "turns-12": ("assumption: 12 assistant turns instead of 20",
                 {"params": replace(BASE, max_turns=12)}),
    "latent-all": (f"data ->1: every attribute preference latent (p_latent 1.0, fitted {V1.p_latent})",
                   {"v1_params": replace(V1, p_latent=1.0)}),
    "explorer-0.5": (f"data x3.6: p_explorer 0.5 (measured {V1.p_explorer})",
                     {"v1_params": replace(V1, p_explorer=0.5)}),
    "taste-v0": (f"data x30: p_taste_reject 0.2387 (v0's rate; v1 fitted {V1.p_taste_reject})",
                 {"v1_params": replace(V1, p_taste_reject=0.2387)}),
    "no-reasons": ("data: rejections never say why (reveal_on_reject 0, measured 0.10)",
                   {"v1_params": replace(V1, reveal_on_reject=0.0)}),
    "all-at-once": ("every change above together",
                    {"params": replace(BASE, patience=(1.5, 3.0), negative_cost=2.0, repeat_cost=2.0,
                                       early_close_cost=2.0, mild_cost=1.0, max_turns=12),
                     "v1_params": replace(V1, max_products_read=1, p_latent=1.0, p_explorer=0.5,
                                          p_taste_reject=0.2387, reveal_on_reject=0.0)}),
}
"""Setting key -> (what it changes and whether that is data or assumption, env kwargs)."""


def run(split: str = "dev", seeds: int = 2) -> dict[str, Any]:
    """Reference rows and aims (``leaderboard.reference.reference_rows``) per setting."""
    out = {}
    for key, (what, kwargs) in SETTINGS.items():
        ref = reference_rows("GOPO-Mgshop-v1", kwargs, split, range(seeds))
        tse = {k: r["metrics"]["tse"]["mean"] for k, r in ref["rows"].items()}
        success = {k: r["metrics"]["success"]["mean"] for k, r in ref["rows"].items()}
        out[key] = {"what": what, "tse": tse, "success": success, "aims": ref["aims"]}
        print(f"{key}: " + " ".join(f"{k} {v:.3f}" for k, v in tse.items()), flush=True)
    return {"split": split, "seeds": seeds, "settings": out}


def markdown(result: dict[str, Any]) -> str:
    lines = [f"Reference policies on the {result['split']} split, {result['seeds']} seeds per scenario "
             "(TSE; SOP success). Aims: ceiling − SOP ≥ 0.15, SOP success ≤ 0.85, best rule ≤ "
             "ceiling − 0.08, random ≤ 0.15.", "",
             "| setting | what changes | random | ask-nothing | SOP | best rule | ceiling | "
             "ceiling − SOP | SOP success | ceiling − best rule | aims met |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for key, s in result["settings"].items():
        t = s["tse"]
        met = sum(a["met"] for a in s["aims"])
        lines.append(f"| {key} | {s['what']} | {t['random']:.3f} | {t['ask-nothing']:.3f} | {t['sop']:.3f} | "
                     f"{t['best-rule']:.3f} | {t['oracle-lookahead']:.3f} | "
                     f"{t['oracle-lookahead'] - t['sop']:+.3f} | {s['success']['sop']:.3f} | "
                     f"{t['oracle-lookahead'] - t['best-rule']:+.3f} | {met}/{len(s['aims'])} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="dev", choices=("train", "dev", "test"))
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--json", default=None, metavar="FILE")
    args = ap.parse_args(argv)
    if args.seeds < 1:
        ap.error(f"--seeds must be >= 1, got {args.seeds}")
    result = run(args.split, args.seeds)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1)
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
