"""Corpus (context-to-response) evaluation of MultiWOZ: Inform, Success, BLEU, Combined.

The standardized convention of Nekvinda & Dušek (2021), re-implemented on the MultiWOZ 2.1
files (see ``docs/multiwoz_corpus.md``)::

    from gopo_env.domains.multiwoz.corpus import score_corpus
    result = score_corpus({"pmul1635": ["[hotel_name] is in the [value_area] .", ...], ...}, split="dev")
    result["inform"], result["success"], result["bleu"], result["combined"]
"""

from gopo_env.domains.multiwoz.corpus.normalize import SLOT_CODES, delexicalize, normalize_response
from gopo_env.domains.multiwoz.corpus.scorer import (
    BLEU_REFERENCE,
    CorpusInputError,
    estimate_active_domains,
    gold_predictions,
    load_predictions,
    score_corpus,
)

__all__ = [
    "BLEU_REFERENCE", "CorpusInputError", "SLOT_CODES", "delexicalize", "estimate_active_domains",
    "gold_predictions", "load_predictions", "normalize_response", "score_corpus",
]
