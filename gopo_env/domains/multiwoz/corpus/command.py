"""``gopo-bench evaluate-corpus multiwoz``: the corpus scorer on the command line.

A domain command (``Domain.commands``): :func:`evaluate_corpus_arguments` adds the options,
:func:`evaluate_corpus` runs :func:`~gopo_env.domains.multiwoz.corpus.score_corpus` and returns
the text to print. Registered by ``MultiwozDomain.commands["evaluate-corpus"]``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def evaluate_corpus_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``gopo-bench evaluate-corpus multiwoz``."""
    parser.description = (
        "Score one delexicalised system response per gold system turn of the MultiWOZ dev or test "
        "dialogues (Inform, Success, BLEU, Combined; the standardized convention of Nekvinda & Dusek "
        "2021). FILE is JSON: {dialogue_id: [response | {response, state?, active_domains?}, ...]}.")
    parser.add_argument("file", nargs="?", metavar="FILE", help="predictions JSON (omit with --gold)")
    parser.add_argument("--gold", action="store_true",
                        help="score the human responses themselves (the conformance check) instead of FILE")
    parser.add_argument("--split", default="test", choices=("dev", "test"),
                        help="dev = the validation dialogues, test = the official test set "
                             "(default: %(default)s)")
    parser.add_argument("--data-dir", default=None, metavar="PATH",
                        help="MultiWOZ folder (default: $GOPO_DATA_DIR/multiwoz, else the fetch cache)")
    parser.add_argument("--allow-subset", action="store_true",
                        help="score the dialogues given even if the split has more (the output says so)")
    parser.add_argument("--per-dialogue", action="store_true",
                        help="include per-dialogue Inform/Success in --json")
    parser.add_argument("--json", default=None, metavar="PATH", help="also write the full result as JSON")


def format_result(result: dict[str, Any]) -> str:
    """The human-readable summary of a :func:`score_corpus` result."""
    lines = [
        f"MultiWOZ corpus evaluation, split {result['split']}: {result['n_dialogues']} dialogues, "
        f"{result['n_turns']} turns{'' if result['complete'] else ' (SUBSET of the split)'}",
        f"  Inform   {result['inform']:6.2f}",
        f"  Success  {result['success']:6.2f}",
        f"  BLEU     {result['bleu']:6.2f}   (against {result['bleu_reference']})",
        f"  Combined {result['combined']:6.2f}   = (Inform + Success) / 2 + BLEU",
        f"  belief states: {result['state_source']}; active domains: {result['domain_source']}",
        "  per domain (inform/success): " + "  ".join(
            f"{d} {result['inform_by_domain'][d]:.1f}/{result['success_by_domain'][d]:.1f}"
            for d in result["inform_by_domain"]),
    ]
    if result["unknown_placeholders"]:
        lines.append(f"  unknown placeholders dropped: {', '.join(result['unknown_placeholders'])}")
    return "\n".join(lines) + "\n"


def evaluate_corpus(args: argparse.Namespace) -> str:
    """Score FILE (or the gold responses with ``--gold``); returns the text to print.

    Raises :class:`~gopo_env.domains.multiwoz.corpus.CorpusInputError` (a ``ValueError``) for a
    bad file or option, :class:`~gopo_env.core.errors.DataError` when MultiWOZ is absent.
    """
    from gopo_env.domains.multiwoz.corpus import (
        CorpusInputError,
        gold_predictions,
        load_predictions,
        score_corpus,
    )

    if args.gold == (args.file is not None):
        raise CorpusInputError("evaluate-corpus needs exactly one of FILE or --gold")
    source = args.split, args.data_dir
    predictions = gold_predictions(*source) if args.gold else load_predictions(args.file)
    result = score_corpus(predictions, args.split, args.data_dir, allow_subset=args.allow_subset,
                          per_dialogue=args.per_dialogue)
    text = format_result(result)
    if args.json:
        out = Path(args.json)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        text += f"wrote {out}\n"
    return text
