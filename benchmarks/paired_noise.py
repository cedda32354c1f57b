"""Paired-difference noise of two fixed policies, with and without common random numbers.

Two agents compared on the same (scenario, seed) pairs should differ only by what they do.
With one random stream per customer (``GOPO-Mgshop-v0``'s scheme) a draw's value depends on
how many draws came before, so two agents whose paths diverge and meet again meet different
customers; ``GOPO-Mgshop-v1`` keys every draw by (episode seed, event). This script plays the
scripted SOP and the best fixed rule (``baselines.reference``) on the v1 test split, ``--seeds``
seeds per scenario, once with the v1 customer's keyed draws and once with the same customer on
one stream (the "before"), and prints the standard deviation of the per-episode paired TSE
difference and the standard error of the mean difference over one pass of the split.

    PYTHONPATH=. python benchmarks/paired_noise.py --seeds 10
"""

from __future__ import annotations

import argparse
import random
import statistics

from baselines.reference import REFERENCES, play
from gopo_env.core.dialogue import Dialogue
from gopo_env.domains import make_domain
from gopo_env.domains.mgshop import v1


def measure(policies: tuple[str, str], seeds: int, keyed: bool, split: str = "test") -> dict:
    original = v1.CustomerV1._u
    if not keyed:  # the "before": the same customer, its draws from one stream per episode
        def one_stream(self, *event):
            if not hasattr(self, "_stream"):
                self._stream = random.Random(f"customer:{self._draw.prefix.decode()}")
            return self._stream.random()
        v1.CustomerV1._u = one_stream
    try:
        d = Dialogue(make_domain("mgshop", version=1), split=split)
        diffs, per_scenario = [], []
        for k, sid in enumerate(d.scenario_ids(split)):
            mine = []
            for s in range(seeds):
                seed = 100_000 * s + k
                a = play(d, REFERENCES[policies[0]][1], seed, sid)["tse"]
                b = play(d, REFERENCES[policies[1]][1], seed, sid)["tse"]
                mine.append(a - b)
            diffs += mine
            per_scenario.append(mine)
    finally:
        v1.CustomerV1._u = original
    n = len(per_scenario)
    sd = statistics.pstdev(diffs)
    within = statistics.mean(statistics.pvariance(x) for x in per_scenario) ** 0.5
    return {"mean_diff": statistics.mean(diffs), "sd_paired_diff": sd, "sd_within_scenario": within,
            "se_one_pass": sd / n ** 0.5, "episodes": len(diffs)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10, help="seeds per scenario (default 10)")
    ap.add_argument("--policies", nargs=2, default=("sop", "best-rule"), choices=sorted(REFERENCES),
                    help="the two fixed policies (default: sop best-rule)")
    args = ap.parse_args()
    print(f"paired TSE difference {args.policies[0]} - {args.policies[1]}, v1 test split, "
          f"{args.seeds} seeds per scenario")
    for label, keyed in (("one stream (before)", False), ("keyed draws (v1)", True)):
        r = measure(tuple(args.policies), args.seeds, keyed)
        print(f"  {label:22s} mean {r['mean_diff']:+.4f}  sd(paired diff) {r['sd_paired_diff']:.4f}  "
              f"sd within scenario {r['sd_within_scenario']:.4f}  SE one pass {r['se_one_pass']:.4f}  "
              f"({r['episodes']} pairs)")


if __name__ == "__main__":
    main()
