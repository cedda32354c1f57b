"""ConvLab interactive metrics of the SOP (rule) expert and of a random masked expert.

    python benchmarks/multiwoz_interactive.py [--split dev] [--limit N]

Each policy plays every scenario of the split once (episode seed = the scenario's index)
against the agenda customer, with the built-in CS Agent writing the text. Prints, per metric,
the mean over the dialogues that define it and a 95% normal-approximation confidence interval,
plus the mean turns of successful dialogues. Needs the MultiWOZ data.
"""

from __future__ import annotations

import argparse
import math
import time
from collections import defaultdict

import numpy as np

from gopo_env.core.dialogue import Dialogue
from gopo_env.domains import make_domain

KEYS = ("success", "success_strict", "complete", "book_rate", "inform_precision", "inform_recall",
        "inform_f1", "turns")


def run(policy: str, split: str, limit: int | None) -> dict[str, list[float]]:
    domain = make_domain("multiwoz")
    dialogue = Dialogue(domain, split=split)
    scenarios = list(domain.scenarios(split))[:limit]
    out: dict[str, list[float]] = defaultdict(list)
    for i, s in enumerate(scenarios):
        rng = np.random.default_rng(i)
        dialogue.reset(seed=i, scenario_id=s.id)
        while not dialogue.done:
            if policy == "sop":
                action = dialogue.builtin_strategy()
            else:
                action = int(rng.choice(np.flatnonzero(dialogue.mask())))
            dialogue.choose(action)
            dialogue.respond(dialogue.realize())
        m = dialogue.episode.metrics()
        for k, v in m.items():
            out[k].append(v)
        out["tse"].append(dialogue.summary()["tse"])
        if m["success"]:
            out["turns_success"].append(m["turns"])
    return out


def ci(values: list[float]) -> str:
    n = len(values)
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    return f"{mean:.3f} ± {1.96 * sd / math.sqrt(n):.3f} (n={n})"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--split", default="dev")
    p.add_argument("--limit", type=int, default=None)
    args = p.parse_args()
    for policy in ("sop", "random"):
        t0 = time.perf_counter()
        res = run(policy, args.split, args.limit)
        print(f"[{policy}] {args.split}: {len(res['success'])} dialogues in {time.perf_counter() - t0:.1f} s")
        for k in (*KEYS, "turns_success", "tse"):
            if res.get(k):
                print(f"  {k:<18}{ci(res[k])}")


if __name__ == "__main__":
    main()
