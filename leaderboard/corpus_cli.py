"""``gopo-bench evaluate-corpus``: score a context-to-response system's responses on a corpus.

A thin layer over :func:`gopo_env.domains.multiwoz.corpus.score_corpus` (MultiWOZ: Inform,
Success, BLEU, Combined in the standardized convention; see ``docs/multiwoz_corpus.md``).
``cli.py`` mounts it with ``corpus_cli.add_parser(sub)``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

CORPORA = ("multiwoz",)


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``evaluate-corpus`` sub-command to an ``argparse`` sub-parsers object."""
    p = sub.add_parser(
        "evaluate-corpus",
        help="score delexicalised responses on a corpus (MultiWOZ Inform/Success/BLEU/Combined)",
        description="Score one delexicalised system response per gold system turn of the MultiWOZ dev "
                    "or test dialogues, in the standardized convention of Nekvinda & Dusek (2021). "
                    "FILE is JSON: {dialogue_id: [response | {response, state?, active_domains?}, ...]}.",
    )
    p.add_argument("corpus", choices=CORPORA)
    p.add_argument("file", nargs="?", metavar="FILE", help="predictions JSON (omit with --gold)")
    p.add_argument("--gold", action="store_true",
                   help="score the human responses themselves (the conformance check) instead of FILE")
    p.add_argument("--split", default="test", choices=("dev", "test"),
                   help="dev = the validation dialogues, test = the official test set (default: %(default)s)")
    p.add_argument("--data-dir", default=None, metavar="PATH",
                   help="MultiWOZ folder (default: $GOPO_DATA_DIR/multiwoz, else the fetch cache)")
    p.add_argument("--allow-subset", action="store_true",
                   help="score the dialogues given even if the split has more (the output says so)")
    p.add_argument("--per-dialogue", action="store_true",
                   help="include per-dialogue Inform/Success in --json")
    p.add_argument("--json", default=None, metavar="PATH", help="also write the full result as JSON")
    p.set_defaults(func=run)
    return p


def format_result(result: dict[str, Any]) -> str:
    """The human-readable summary printed by the command."""
    lines = [
        f"MultiWOZ corpus evaluation, split {result['split']}: {result['n_dialogues']} dialogues, "
        f"{result['n_turns']} turns{'' if result['complete'] else ' (SUBSET of the split)'}",
        f"  Inform   {result['inform']:6.2f}",
        f"  Success  {result['success']:6.2f}",
        f"  BLEU     {result['bleu']:6.2f}   (against {result['bleu_reference']})",
        f"  Combined {result['combined']:6.2f}   = (Inform + Success) / 2 + BLEU",
        f"  belief states: {result['state_source']}; active domains: {result['domain_source']}",
        "  per domain  " + "  ".join(
            f"{d}: {result['inform_by_domain'][d]:.1f}/{result['success_by_domain'][d]:.1f}"
            for d in result["inform_by_domain"]) + "  (inform/success)",
    ]
    if result["unknown_placeholders"]:
        lines.append(f"  unknown placeholders dropped: {', '.join(result['unknown_placeholders'])}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run ``evaluate-corpus``; 0 on success, 1 with a one-line error on stderr otherwise."""
    from gopo_env.core.errors import DataError
    from gopo_env.domains.multiwoz.corpus import (
        CorpusInputError,
        gold_predictions,
        load_predictions,
        score_corpus,
    )

    if args.gold == (args.file is not None):
        print("gopo-bench: evaluate-corpus needs exactly one of FILE or --gold", file=sys.stderr)
        return 1
    try:
        if args.gold:
            predictions = gold_predictions(args.split, args.data_dir)
        else:
            predictions = load_predictions(args.file)
        result = score_corpus(predictions, args.split, args.data_dir, allow_subset=args.allow_subset,
                              per_dialogue=args.per_dialogue)
    except (CorpusInputError, DataError, ImportError) as e:
        print(f"gopo-bench: {e}", file=sys.stderr)
        return 1
    print(format_result(result))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (``python -m leaderboard.corpus_cli multiwoz FILE``) until cli.py mounts it."""
    parser = argparse.ArgumentParser(prog="gopo-bench")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return run(parser.parse_args(["evaluate-corpus", *(sys.argv[1:] if argv is None else argv)]))


if __name__ == "__main__":
    sys.exit(main())
