"""Fit the goal generator and the customer's turn-size model on the validation dialogues.

    python -m gopo_env.domains.multiwoz.fit [--data-dir DIR] [--out PATH]

writes ``fitted.json`` (committed next to this file): statistics only — counts of goal
*structures* (which slots a domain goal constrains, requests and books; whether it has a
``fail_info``/``fail_book``), of domain sequences, of booking values and taxi times, and the
number of user dialogue acts per user turn. No dialogue text and no venue data is stored; the
generator draws the constraint values from the database at run time. Deterministic: the same
data gives a byte-identical file.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from gopo_env.domains.multiwoz.data import load_dialogues, locate
from gopo_env.domains.multiwoz.db import load_database
from gopo_env.domains.multiwoz.scenarios import effective_goal

FITTED = Path(__file__).with_name("fitted.json")
MAX_ACTS = 5


def _counts(c: Counter) -> list[list[Any]]:
    return [[k, n] for k, n in sorted(c.items(), key=lambda kv: (-kv[1], json.dumps(kv[0])))]


def fit(data_dir: str | Path | None = None) -> dict[str, Any]:
    root = locate(data_dir)
    dialogues = load_dialogues("dev", root)
    db = load_database(root)
    sequences: Counter = Counter()
    structures: dict[str, Counter] = {}
    book_values: dict[str, dict[str, Counter]] = {}
    taxi_times: dict[str, Counter] = {"leaveAt": Counter(), "arriveBy": Counter()}
    acts_per_turn: Counter = Counter()
    user_turns = 0
    for dlg in dialogues:
        goal = effective_goal(dlg.goal, db)
        sequences[tuple(goal.domain_names)] += 1
        for g in goal.domains:
            structure = {
                "info": sorted(s for s, _ in g.info), "reqt": sorted(g.reqt),
                "book": sorted(s for s, _ in g.book), "fail_info": bool(g.fail_info),
                "fail_book": sorted(s for s, _ in g.fail_book),
            }
            structures.setdefault(g.domain, Counter())[json.dumps(structure, sort_keys=True)] += 1
            for s, v in (*g.book, *g.fail_book):
                book_values.setdefault(g.domain, {}).setdefault(s, Counter())[v] += 1
            if g.domain == "taxi":
                for s, v in g.info:
                    if s in taxi_times:
                        taxi_times[s][v] += 1
        for i, turn in enumerate(dlg.log):
            if i % 2:
                continue
            user_turns += 1
            acts = turn.get("dialog_act") or {}
            n = sum(len(v) for k, v in acts.items() if not str(k).startswith("general"))
            if n:
                acts_per_turn[min(n, MAX_ACTS)] += 1
    total = sum(acts_per_turn.values())
    return {
        "about": "Fitted by gopo_env/domains/multiwoz/fit.py on the MultiWOZ 2.1 validation goals "
                 "(ConvLab-3 commit 2a168fc9); counts only.",
        "n_dialogues": len(dialogues),
        "domain_sequences": _counts(Counter({json.dumps(list(k)): n for k, n in sequences.items()})),
        "structures": {d: _counts(c) for d, c in sorted(structures.items())},
        "book_values": {d: {s: _counts(c) for s, c in sorted(v.items())}
                        for d, v in sorted(book_values.items())},
        "taxi_times": {s: _counts(c) for s, c in taxi_times.items()},
        "user": {
            "acts_per_turn": [round(acts_per_turn[k] / total, 6) for k in range(1, MAX_ACTS + 1)],
            "acts_per_turn_counts": [acts_per_turn[k] for k in range(1, MAX_ACTS + 1)],
            "user_turns": user_turns,
            "note": "P(k domain acts in a user turn | k >= 1), k = 1..5 (5 = 5 or more)",
        },
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data-dir", default=None, help="MultiWOZ folder (default: located as usual)")
    p.add_argument("--out", default=str(FITTED))
    args = p.parse_args(argv)
    fitted = fit(args.data_dir)
    Path(args.out).write_text(json.dumps(fitted, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({fitted['n_dialogues']} dialogues)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
