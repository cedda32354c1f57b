"""Spaces for dialogue text: Gymnasium's default ``Text`` charset rejects real dialogue."""

from __future__ import annotations

import multiprocessing as mp
import re
import string
from collections.abc import Sequence
from typing import Any

import numpy as np
from gymnasium.spaces import Box, Text
from gymnasium.spaces.utils import flatten, flatten_space, unflatten
from gymnasium.vector.utils import create_shared_memory, read_from_shared_memory, write_to_shared_memory

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
    ``sample`` draws from :data:`SAMPLE_CHARSET`. ``flatten`` and Gymnasium's shared memory
    (``AsyncVectorEnv``) carry it as int32 Unicode code points, zero-padded to ``max_length``.
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


# ---------------------------------------------------------------------------------------------
# Flat and shared-memory encodings. Gymnasium's ``Text`` encodes a string as indexes into its
# charset, which loses every character outside it (a dialogue's newlines, accents, emoji): under
# ``gym.make_vec(..., vectorization_mode="async")`` the observation arrived blank. A
# ``DialogueText`` string is encoded as its Unicode code points instead (int32, zero-padded:
# NUL is a control character, never part of the space), so it crosses shared memory and
# ``FlattenObservation`` intact.

def _encode(space: DialogueText, x: str) -> np.ndarray:
    if not isinstance(x, str) or len(x) > space.max_length:
        raise ValueError(f"{space!r} cannot encode {type(x).__name__} of length "
                         f"{len(x) if isinstance(x, str) else '?'}; it holds str of at most "
                         f"{space.max_length} characters")
    out = np.zeros(space.max_length, dtype=np.int32)
    out[:len(x)] = np.frombuffer(x.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return out


def _decode(codes: np.ndarray) -> str:
    return codes.astype("<u4").tobytes().decode("utf-32-le", "surrogatepass").split("\x00", 1)[0]


@flatten.register(DialogueText)
def _flatten_dialogue_text(space: DialogueText, x: str) -> np.ndarray:
    return _encode(space, x)


@unflatten.register(DialogueText)
def _unflatten_dialogue_text(space: DialogueText, x: np.ndarray) -> str:
    return _decode(np.asarray(x, dtype=np.int32))


@flatten_space.register(DialogueText)
def _flatten_space_dialogue_text(space: DialogueText) -> Box:
    return Box(low=0, high=0x10FFFF, shape=(space.max_length,), dtype=np.int32)


@create_shared_memory.register(DialogueText)
def _create_dialogue_text_shared_memory(space: DialogueText, n: int = 1, ctx: Any = mp) -> Any:
    return ctx.Array(np.dtype(np.int32).char, n * space.max_length)


@write_to_shared_memory.register(DialogueText)
def _write_dialogue_text(space: DialogueText, index: int, value: str, shared_memory: Any) -> None:
    size = space.max_length
    destination = np.frombuffer(shared_memory.get_obj(), dtype=np.int32)
    destination[index * size:(index + 1) * size] = _encode(space, value)


class SharedTexts(Sequence):
    """A live view of ``n`` strings in shared memory: what an ``AsyncVectorEnv`` batch holds.

    Gymnasium reads its shared buffer once, when the vector env is built, and relies on the
    result being a view (NumPy arrays are); a tuple of ``str`` would be a stale snapshot. This
    view decodes on access, and copies (``copy.deepcopy`` -- what ``AsyncVectorEnv(copy=True)``,
    the default, hands out -- ``copy.copy``, pickle) are plain tuples of ``str``.
    """

    __slots__ = ("_data",)

    def __init__(self, data: np.ndarray) -> None:
        self._data = data  # (n, max_length) int32 view of the shared buffer

    def __len__(self) -> int:
        return int(self._data.shape[0])

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return tuple(_decode(row) for row in self._data[index])
        return _decode(self._data[index])

    def __deepcopy__(self, memo: dict[int, Any]) -> tuple[str, ...]:
        return tuple(self)

    def __copy__(self) -> tuple[str, ...]:
        return tuple(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (tuple, (tuple(self),))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (SharedTexts, tuple, list)):
            return tuple(self) == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"SharedTexts({tuple(self)!r})"


@read_from_shared_memory.register(DialogueText)
def _read_dialogue_text(space: DialogueText, shared_memory: Any, n: int = 1) -> SharedTexts:
    return SharedTexts(np.frombuffer(shared_memory.get_obj(), dtype=np.int32).reshape((n, space.max_length)))
