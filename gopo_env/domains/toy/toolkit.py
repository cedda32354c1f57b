"""The toy's public toolkit: parser, price check, template writer and SOP over the public state.

It holds the menu only (public), never a scenario or a customer.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from gopo_env.core.domain import ParsedResponse, Toolkit
from gopo_env.domains.toy import language as L


class ToyWriter:
    """The toolkit bound to one public state (:class:`gopo_env.core.domain.Writer`)."""

    def __init__(self, state: Mapping[str, Any], rng: random.Random) -> None:
        self.state = state
        self.rng = rng

    def parse(self, text: str) -> ParsedResponse:
        return L.parse(text)

    def is_faithful(self, parsed: ParsedResponse) -> bool:
        return L.is_faithful(parsed)

    def realize(self, strategy: int | None) -> str:
        return L.write(strategy, self.state, self.rng)

    def context(self) -> dict[str, Any]:
        return L.context(self.state)


class ToyToolkit(Toolkit):
    """Public tools of the café: everything is computed from ``info["state"]`` and the menu."""

    strategies = L.STRATEGIES

    def __init__(self, max_response_chars: int) -> None:
        self.max_response_chars = max_response_chars
        self.menu = dict(L.MENU)

    def writer(self, state: dict[str, Any], seed: int | random.Random) -> ToyWriter:
        rng = seed if isinstance(seed, random.Random) else random.Random(f"writer:{seed}")
        return ToyWriter(state, rng)

    def sop_strategy(self, state: dict[str, Any], turn: int) -> int:
        return L.sop_next(state, turn)
