"""The reference rows of a Mgshop split, with 95% CIs, paired tests against the SOP and the aims.

``leaderboard.reference.reference_rows`` (also part of every ``gopo-bench benchmark`` run) on
``GOPO-Mgshop-v<version>``: random, ask-nothing, scripted SOP, best fixed rule and the
hidden-state lookahead ceiling on every scenario of ``--split`` for seeds ``0..--seeds-1`` (the
protocol's episode seeds), then issue 13's aims against what was measured. ``--json`` writes it.

    PYTHONPATH=. python benchmarks/reference_rows.py --version 1 --split test --seeds 5
"""

from __future__ import annotations

import argparse
import json

from leaderboard.reference import markdown, reference_rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--version", type=int, default=1, choices=(0, 1), help="dynamics version (default 1)")
    ap.add_argument("--split", default="test", choices=("train", "dev", "test"))
    ap.add_argument("--seeds", type=int, default=5, help="seeds per scenario (default 5)")
    ap.add_argument("--json", default=None, metavar="FILE", help="write the full result here")
    args = ap.parse_args()
    ref = reference_rows(f"GOPO-Mgshop-v{args.version}", None, args.split, range(args.seeds))
    print(f"# GOPO-Mgshop-v{args.version}\n")
    print("\n".join(markdown(ref)))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(ref, f, indent=1)


if __name__ == "__main__":
    main()
