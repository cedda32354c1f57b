"""Read-only mappings (``types.MappingProxyType``) made picklable.

Catalogues and schemas hold their tables as mapping proxies so that nothing can edit them; the
standard library cannot pickle those, which process-isolated agents (the toolkit crosses a
pipe), vector envs, ``copy.deepcopy`` and Ray need. Registering a reducer keeps the proxies
read-only and makes them round-trip as proxies.
"""

from __future__ import annotations

import copyreg
from types import MappingProxyType
from typing import Any


def mapping_proxy(items: dict[Any, Any]) -> MappingProxyType:
    """Rebuild a read-only mapping (the unpickling side)."""
    return MappingProxyType(items)


def _reduce(proxy: MappingProxyType) -> tuple[Any, tuple[dict[Any, Any]]]:
    return mapping_proxy, (dict(proxy),)


copyreg.pickle(MappingProxyType, _reduce)
