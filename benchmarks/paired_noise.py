"""Paired-difference noise of two fixed policies, with and without common random numbers.

Two agents compared on the same (scenario, seed) pairs should differ only by what they do.
With one random stream per customer (``GOPO-Mgshop-v0``'s scheme) a draw's value depends on
how many draws came before, so two agents whose paths diverge and meet again meet different
customers; ``GOPO-Mgshop-v1`` keys every draw by (episode seed, event). This script plays the
scripted SOP and the SOP with 20% random moves (``baselines.reference``) on the v1 test split, ``--seeds``
seeds per scenario, once with the v1 customer's keyed draws and once with the same customer on
one stream (the "before"), and prints the standard deviation of the per-episode paired TSE
difference and the standard error of the mean difference over one pass of the split.

    PYTHONPATH=. python benchmarks/paired_noise.py --seeds 10
"""

from __future__ import annotations

import argparse
import random
import statistics

from baselines.reference import REFERENCES, play, sop_epsilon, sop_no_greeting
from gopo_env.core.dialogue import Dialogue
from gopo_env.domains import make_domain
from gopo_env.domains.mgshop import v1

POLICIES = {**{k: p for k, (_, p) in REFERENCES.items()},
            "sop-eps": sop_epsilon, "sop-no-greeting": sop_no_greeting}


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
        diffs, per_scenario, per_a, per_b = [], [], [], []
        for k, sid in enumerate(d.scenario_ids(split)):
            mine, xa, xb = [], [], []
            for s in range(seeds):
                seed = 100_000 * s + k
                a = play(d, POLICIES[policies[0]], seed, sid)["tse"]
                b = play(d, POLICIES[policies[1]], seed, sid)["tse"]
                mine.append(a - b)
                xa.append(a)
                xb.append(b)
            diffs += mine
            per_scenario.append(mine)
            per_a.append(xa)
            per_b.append(xb)
    finally:
        v1.CustomerV1._u = original
    n = len(per_scenario)
    sd = statistics.pstdev(diffs)
    within = statistics.mean(statistics.pvariance(x) for x in per_scenario) ** 0.5
    def sd_within(groups):
        return statistics.mean(statistics.pvariance(x) for x in groups) ** 0.5

    return {"sd_within_a": sd_within(per_a), "sd_within_b": sd_within(per_b),
            "mean_diff": statistics.mean(diffs), "sd_paired_diff": sd, "sd_within_scenario": within,
            "se_one_pass": sd / n ** 0.5, "episodes": len(diffs)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10, help="seeds per scenario (default 10)")
    ap.add_argument("--policies", nargs=2, action="append", choices=sorted(POLICIES),
                    help="a pair of policies (repeatable; default: sop vs sop-no-greeting, "
                         "sop vs best-rule, sop vs ask-nothing)")
    args = ap.parse_args()
    for pair in args.policies or DEFAULT_PAIRS:
        report(tuple(pair), args.seeds)


DEFAULT_PAIRS = (("sop", "sop-no-greeting"), ("sop", "best-rule"), ("sop", "ask-nothing"))


def report(pair: tuple[str, str], seeds: int) -> None:
    print(f"paired TSE difference {pair[0]} - {pair[1]}, v1 test split, {seeds} seeds per scenario")
    for label, keyed in (("one stream (before)", False), ("keyed draws (v1)", True)):
        r = measure(pair, seeds, keyed)
        print(f"  {label:22s} mean {r['mean_diff']:+.4f}  sd(paired diff) {r['sd_paired_diff']:.4f}  "
              f"sd within scenario {r['sd_within_scenario']:.4f}  SE one pass {r['se_one_pass']:.4f}  "
              f"({r['episodes']} pairs; sd within scenario of each policy alone "
              f"{r['sd_within_a']:.4f}, {r['sd_within_b']:.4f})")


if __name__ == "__main__":
    main()
