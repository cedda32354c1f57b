"""Spaces for dialogue text: Gymnasium's default ``Text`` charset rejects real dialogue."""

from __future__ import annotations

import re
import string
from typing import Any

from gymnasium.spaces import Text

# What sample() draws from: printable ASCII (minus vertical whitespace) and a few common
# non-ASCII letters and signs, so random samples look like (noisy) dialogue.
SAMPLE_CHARSET = frozenset(
    string.ascii_letters + string.digits + " .,;:!?'\"-()$%&/+*#@" + "éèàüöñçß€£’“”—…"
)

# Control characters (C0, DEL, C1) except tab and newline, and lone surrogates.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


class DialogueText(Text):
    """A ``Text`` space that contains any Unicode string without control characters.

    ``contains`` accepts every printable character (spaces, punctuation, non-ASCII, emoji);
    ``sample`` draws from :data:`SAMPLE_CHARSET`.
    """

    def __init__(self, max_length: int, *, min_length: int = 1, seed: Any = None) -> None:
        super().__init__(max_length, min_length=min_length, charset=SAMPLE_CHARSET, seed=seed)

    def contains(self, x: Any) -> bool:
        """Any string of allowed length with no control characters (and not blank if required)."""
        return (
            isinstance(x, str)
            and self.min_length <= len(x) <= self.max_length
            and CONTROL_CHARS.search(x) is None
            and (self.min_length == 0 or not x.isspace())
        )

    def sample(self, mask: Any = None, probability: Any = None) -> str:
        """A random string of the sample charset; never blank when ``min_length`` > 0."""
        text = super().sample(mask=mask, probability=probability)
        if self.min_length and text.isspace():
            text = "x" + text[1:]
        return text

    def __repr__(self) -> str:
        return f"DialogueText({self.min_length}, {self.max_length})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, DialogueText)
            and self.min_length == other.min_length
            and self.max_length == other.max_length
        )

    __hash__ = None  # type: ignore[assignment]
