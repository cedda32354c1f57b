"""Cross-check our MultiWOZ corpus scorer against the reference implementation (mwzeval).

    python benchmarks/multiwoz_corpus_crosscheck.py --mwzeval PATH [--data-dir DIR] [--split dev]

``PATH`` is a checkout of github.com/Tomiinek/MultiWOZ_Evaluation (the folder holding
``mwzeval/``), with its database files; ``fuzzywuzzy`` and ``sacremoses`` must be importable
(``pip install fuzzywuzzy sacremoses``). mwzeval's goals and 2.2 states are not used: its own
``get_dialog_success``, venue database, active-domain estimate and normaliser are run on *our*
goals, gold 2.1 states and booked-domain lists, and every result is compared with ours,
dialogue by dialogue. Prints the differences and exits 1 if there is any.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import functools
import io
import json
import sys
import types
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mwzeval", required=True, help="checkout of Tomiinek/MultiWOZ_Evaluation")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--split", default="dev", choices=("dev", "test"))
    args = p.parse_args(argv)

    sys.path.insert(0, str(Path(args.mwzeval).resolve()))
    # mwzeval.metrics imports lexical_diversity for its richness metrics, unused here
    stub = types.ModuleType("lexical_diversity")
    stub.lex_div = types.ModuleType("lexical_diversity.lex_div")  # type: ignore[attr-defined]
    sys.modules.setdefault("lexical_diversity", stub)
    sys.modules.setdefault("lexical_diversity.lex_div", stub.lex_div)  # type: ignore[attr-defined]
    from fuzzywuzzy import fuzz

    fuzz.partial_ratio = functools.lru_cache(maxsize=None)(fuzz.partial_ratio)  # speed only
    from mwzeval.database import MultiWOZVenueDatabase
    from mwzeval.metrics import get_dialog_success
    from mwzeval.normalization import normalize_data
    from mwzeval.utils import get_domain_estimates_from_state

    from gopo_env.domains.multiwoz.corpus.gold import load_gold, load_venue_records
    from gopo_env.domains.multiwoz.corpus.scorer import estimate_active_domains, score_dialogue
    from gopo_env.domains.multiwoz.corpus.venues import VenueTable

    gold = load_gold(args.split, args.data_dir)
    ours_db = VenueTable(load_venue_records(args.data_dir))
    their_db = MultiWOZVenueDatabase()
    problems: list[str] = []

    shipped = Path(args.mwzeval) / "mwzeval" / "data" / "booked_domains.json"
    if shipped.is_file():
        booked_ref = json.loads(shipped.read_text())
        same = sum([set(b) for b in booked_ref[d]] == [set(b) for b in g.booked] for d, g in gold.items())
        print(f"booked domains equal to the shipped list: {same} of {len(gold)} dialogues")
        if same != len(gold):
            problems.append("booked domains")

    data = {d: [{"response": t} for t in g.delexicalised] for d, g in gold.items()}
    with contextlib.redirect_stdout(io.StringIO()):
        normalize_data(data)
    diff = sum(a["response"] != b for d, g in gold.items() for a, b in zip(data[d], g.references))
    print(f"normalised references differing: {diff} of {sum(g.n_turns for g in gold.values())}")
    if diff:
        problems.append("normalisation")

    inform = success = mismatches = 0
    for did, g in gold.items():
        goal = {d: {"informable": dict(c.informable), "requestable": sorted(c.requestable)}
                for d, c in g.goal.items()}
        turns = [{"response": r, "state": copy.deepcopy({k: dict(v) for k, v in s.items()})}
                 for r, s in zip(g.references, g.states)]
        get_domain_estimates_from_state({did: turns})
        active = estimate_active_domains(g.states)
        if [t["active_domains"] for t in turns] != [list(a) for a in active]:
            problems.append(f"{did}: active domains")
        m, s = get_dialog_success(goal, [list(b) for b in g.booked], list(g.references),
                                  [t["state"] for t in turns], [t["active_domains"] for t in turns], their_db)
        ours = score_dialogue(g.goal, g.references, g.states, active, g.booked, ours_db)
        inform += bool(m["total"])
        success += bool(s.get("total"))
        if bool(m["total"]) != ours.inform_total or bool(s.get("total")) != ours.success_total:
            mismatches += 1
            problems.append(f"{did}: inform/success")
        for d, c in g.goal.items():
            if d in ("restaurant", "hotel", "attraction", "train") and \
                    list(their_db.query(d, dict(c.informable))) != list(ours_db.query(d, c.informable)):
                problems.append(f"{did}: goal query {d}")
    n = len(gold)
    print(f"reference implementation on our gold data: Inform {100 * inform / n:.2f}, "
          f"Success {100 * success / n:.2f}; dialogues scored differently: {mismatches} of {n}")
    for line in problems[:20]:
        print("  difference:", line)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
