"""Simulated vs real MultiWOZ statistics on the validation goals.

    python benchmarks/multiwoz_grounding.py

The real side is the 999 validation dialogues; the simulated side is the agenda customer
talking to the rule SOP (built-in CS Agent) on the same 999 goals, one episode each (seed =
index). Compared: user turns per dialogue, domain dialogue acts per user turn, the share of
user acts by intent (inform incl. booking slots / request), and domains per dialogue.
"""

from __future__ import annotations

from collections import Counter

from gopo_env.core.dialogue import Dialogue
from gopo_env.domains import make_domain
from gopo_env.domains.multiwoz.data import load_dialogues


def _summary(turns: list[int], acts_per_turn: Counter, intents: Counter, domains: list[int]) -> dict:
    n_turns = sum(acts_per_turn.values())
    total = sum(intents.values())
    return {
        "user turns / dialogue": sum(turns) / len(turns),
        "domain acts / user turn": sum(k * v for k, v in acts_per_turn.items()) / n_turns,
        "share of turns with 1 / 2 / 3+ acts": tuple(
            round(x / n_turns, 3) for x in (acts_per_turn[1], acts_per_turn[2],
                                            sum(v for k, v in acts_per_turn.items() if k >= 3))),
        "inform share of user acts": intents["inform"] / total,
        "request share of user acts": intents["request"] / total,
        "domains / dialogue": sum(domains) / len(domains),
    }


def real() -> dict:
    turns, per, intents, doms = [], Counter(), Counter(), []
    for d in load_dialogues("dev"):
        user = d.log[0::2]
        turns.append(len(user))
        doms.append(len(d.goal.domains))
        for t in user:
            acts = t.get("dialog_act") or {}
            n = 0
            for name, pairs in acts.items():
                dom, _, intent = name.partition("-")
                if dom == "general":
                    continue
                n += len(pairs)
                intents[intent.lower()] += len(pairs)
            if n:
                per[n] += 1
    return _summary(turns, per, intents, doms)


def simulated() -> dict:
    domain = make_domain("multiwoz")
    dialogue = Dialogue(domain, split="dev")
    turns, per, intents, doms = [], Counter(), Counter(), []
    for i, s in enumerate(domain.scenarios("dev")):
        dialogue.reset(seed=i, scenario_id=s.id)
        while not dialogue.done:
            dialogue.choose(dialogue.builtin_strategy())
            dialogue.respond(dialogue.realize())
        doms.append(len(s.goal.domains))
        turns.append(len(dialogue.transcript))  # opening + one reply per assistant turn
        for disclosed in dialogue.episode.disclosed_log:
            n = 0
            for key, _ in disclosed:
                dom, _, slot = key.partition("-")
                if dom == "general":
                    continue
                n += 1
                intents["request" if slot == "request" else "inform"] += 1
            if n:
                per[n] += 1
    return _summary(turns, per, intents, doms)


def main() -> None:
    r, s = real(), simulated()
    print(f"{'statistic':<40}{'real (val)':>22}{'simulated':>22}")
    for k in r:
        fmt = (lambda v: str(v)) if isinstance(r[k], tuple) else (lambda v: f"{v:.3f}")
        print(f"{k:<40}{fmt(r[k]):>22}{fmt(s[k]):>22}")


if __name__ == "__main__":
    main()
