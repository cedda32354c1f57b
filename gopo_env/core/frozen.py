"""Immutable containers that pickle, deep-copy and cloudpickle (unlike ``types.MappingProxyType``).

Catalogues, schemas and scenarios are shared, read-only data. Copies of an environment
(``copy.deepcopy``, ``pickle``, ``cloudpickle``: planners, SubprocVecEnv, Ray) must carry them;
a ``mappingproxy`` cannot be pickled, so read-only mappings are :class:`FrozenMap` instead.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from typing import Any, NoReturn


class FrozenMap(dict):
    """A read-only ``dict``: C-speed lookups, pickles by value, copies as itself.

    Every mutating method raises ``TypeError``; ``copy.copy``/``copy.deepcopy`` return the same
    object (it cannot change, so copies may share it); ``pickle`` rebuilds it from its items.
    JSON encoders and ``dict(m)`` see an ordinary ``dict``.
    """

    __slots__ = ()

    def _readonly(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(f"{type(self).__name__} is read-only; copy it with dict(...) to change it")

    __setitem__ = __delitem__ = __ior__ = _readonly  # type: ignore[assignment]
    clear = pop = popitem = setdefault = update = _readonly  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (dict(self),))

    def __copy__(self) -> FrozenMap:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenMap:
        return self

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict.__repr__(self)})"

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))


def share_on_deepcopy(cls: type) -> type:
    """Class decorator for immutable shared data: ``copy.deepcopy`` returns the object itself.

    Environment copies (planners' lookahead) then share catalogues, scenarios, parsers and the
    domain instead of duplicating them; pickling still carries them by value.
    """
    cls.__deepcopy__ = lambda self, memo: self  # type: ignore[attr-defined]
    cls.__copy__ = lambda self: self  # type: ignore[attr-defined]
    return cls


class InfoRecord(Mapping):
    """A read-only record in a view's ``info`` (``info["state"]``, ``["parsed"]``, ``["context"]``).

    Reads like the ``dict`` it wraps (``r["candidate"]``, ``r.get``, ``dict(r)``, ``==`` a dict)
    but is *not* a ``dict``: Gymnasium's vector envs merge ``dict`` infos key by key into typed
    arrays, which breaks on fields that are a number in one env and ``None`` in another
    (``min_rating``, ``parsed["strategy"]``); a record is kept whole, one per env
    (``infos["state"][i]``). ``to_dict()`` gives the plain, JSON-able dict.
    """

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = dict(data)

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def to_dict(self) -> dict[str, Any]:
        return dict(self._data)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self._data,))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._data!r})"


class CopyableRandom(random.Random):
    """``random.Random`` with the same stream, whose deep copy is one ``setstate`` call.

    ``copy.deepcopy`` of a plain ``Random`` copies its 625-integer state one integer at a time
    (about half a millisecond); environment copies (planners) hold three of them.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> CopyableRandom:
        twin = type(self).__new__(type(self))
        twin.setstate(self.getstate())
        return twin

    __copy__ = lambda self: self.__deepcopy__({})  # noqa: E731
