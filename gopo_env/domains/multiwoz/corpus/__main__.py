"""``python -m gopo_env.domains.multiwoz.corpus FILE [--split dev] ...``.

The same as ``gopo-bench evaluate-corpus multiwoz`` (see :mod:`.command`).
"""

from __future__ import annotations

import argparse
import sys

from gopo_env.core.errors import GopoError
from gopo_env.domains.multiwoz.corpus.command import evaluate_corpus, evaluate_corpus_arguments


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gopo_env.domains.multiwoz.corpus")
    evaluate_corpus_arguments(parser)
    try:
        print(evaluate_corpus(parser.parse_args(argv)), end="")
    except (GopoError, ValueError, OSError, ImportError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
