"""What the dialogue core needs from a domain (a τ²-bench-style plug-in).

A domain supplies its scenario sets and, per episode, a :class:`DomainEpisode`: the hidden
customer, the public dialogue state, the SOP mask, the observation features, the response
parser and the built-in CS Agent (the realizer). The core (``dialogue.py``) only sequences turns,
validates actions, records the transcript and computes rewards.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from gopo_env.core.errors import ScenarioError

SPLITS = ("train", "dev", "test")


class Scenario(Protocol):
    """A task for one customer; ``id`` is stable across versions and processes."""

    id: str
    split: str

    def describe(self) -> str: ...


@dataclass(frozen=True, slots=True)
class ParsedResponse:
    """What a domain parser recovers from a service response, whatever wrote it."""

    def __deepcopy__(self, memo: dict[int, Any]) -> ParsedResponse:
        return self  # immutable: environment copies share it

    strategy: int | None
    """The main strategy the text carries out, ``None`` if none is recognised."""
    moves: tuple[int, ...] = ()
    """Every strategy with a marker in the text (``strategy`` is the main one)."""
    products: tuple[str, ...] = ()
    """Ids of catalogue items the text names, in order of first mention."""
    facts: tuple[tuple[str, str, str], ...] = ()
    """(item id, attribute, stated value) claims, e.g. ``("books-03", "price", "12.99")``."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "moves": list(self.moves),
            "products": list(self.products),
            "facts": [list(f) for f in self.facts],
        }


@dataclass(frozen=True, slots=True)
class CustomerAct:
    """The customer's reply: its text plus the hidden act behind it."""

    def __deepcopy__(self, memo: dict[int, Any]) -> CustomerAct:
        return self  # immutable: environment copies share it

    utterance: str
    intent: str
    polarity: int = 0
    """Feedback: -1 negative, 0 neutral, +1 positive."""
    achieved: tuple[str, ...] = ()
    """Agenda items achieved by the assistant turn this act answers."""
    ends: bool = False
    """The customer leaves (bought and said goodbye, or gave up)."""
    disclosed: tuple[tuple[str, str], ...] = field(default=())
    """Facts the customer stated, (slot, value): what the assistant can now know."""


class DomainEpisode(ABC):
    """One customer, one scenario: everything domain-specific about a running episode."""

    scenario: Scenario

    @abstractmethod
    def opening(self) -> CustomerAct:
        """The customer's first line, before any assistant turn."""

    @abstractmethod
    def write_mask(self, out: np.ndarray) -> None:
        """Fill ``out`` (int8, one per strategy) with 1 where the SOP allows the strategy now."""

    @abstractmethod
    def write_features(self, out: np.ndarray, turn: int) -> None:
        """Fill ``out`` (float32) with the observable dialogue state."""

    @abstractmethod
    def realize(self, strategy: int | None) -> str:
        """The built-in CS Agent: a response carrying out ``strategy`` with the right content."""

    def realize_act(self, strategy: int | None, item: str | None = None,
                    attribute: str | None = None) -> str:
        """Render an act whose content the caller chose: ``strategy`` about ``item`` / ``attribute``.

        Optional: the flat single-agent view (one policy picks strategy *and* content) needs it;
        domains without it simply do not offer that view.
        """
        raise NotImplementedError(
            f"{type(self).__name__} cannot render a chosen act (strategy + content); implement "
            "realize_act to use the flat view with this domain"
        )

    @abstractmethod
    def parse(self, text: str) -> ParsedResponse:
        """Recover strategy, items and stated facts from any response text."""

    @abstractmethod
    def is_faithful(self, parsed: ParsedResponse) -> bool:
        """Whether every fact the response states matches the catalogue."""

    @abstractmethod
    def react(self, strategy: int | None, parsed: ParsedResponse, turn: int) -> CustomerAct:
        """Update the hidden customer and the public state; return the customer's reply."""

    @abstractmethod
    def agenda(self) -> tuple[tuple[str, ...], tuple[float, ...], tuple[int | None, ...]]:
        """Agenda item names, gains and the 1-based assistant turn each was achieved at."""

    @abstractmethod
    def success(self) -> bool:
        """Whether the customer's task was achieved (never vacuously)."""

    @abstractmethod
    def public_state(self) -> dict[str, Any]:
        """The dialogue state any agent could know from the transcript (a fresh dict)."""

    @abstractmethod
    def reference_strategies(self) -> tuple[int, ...]:
        """The scenario's reference strategy sequence (for ESNDCG)."""

    @abstractmethod
    def sop_strategy(self, turn: int) -> int:
        """The strategy the domain's SOP prescribes now (the built-in Expert Agent)."""

    def context(self) -> dict[str, Any]:
        """What a response writer (an LLM CS Agent) needs besides the transcript, now.

        Public information only: catalogue facts about the items matching what the customer
        has said, the item under discussion, the pending question. Plain JSON-able values.
        Optional: the default (no facts) leaves a writer with the transcript alone.
        """
        return {}


class Domain(ABC):
    """A dialogue domain: strategy set, scenarios and the factory of its episodes."""

    name: str
    strategies: tuple[str, ...]
    n_features: int
    max_turns: int
    max_response_chars: int = 2000

    def __deepcopy__(self, memo: dict[int, Any]) -> Domain:
        return self  # immutable once built: environment copies share it (pickle copies it)

    @abstractmethod
    def scenarios(self, split: str) -> Sequence[Scenario]:
        """The scenarios of ``split`` (one of :data:`SPLITS`), in a fixed order."""

    @abstractmethod
    def start(self, scenario: Scenario, seed: int) -> DomainEpisode:
        """A fresh episode of ``scenario`` whose every random draw follows ``seed``."""

    def scenario(self, scenario_id: str) -> Scenario:
        """Look a scenario up by id in any split."""
        index = self._scenario_index()
        try:
            return index[scenario_id]
        except KeyError:
            examples = ", ".join(list(index)[:3])
            raise ScenarioError(
                f"{self.name}: no scenario with id {scenario_id!r} (ids look like {examples}; "
                f"list them with env.unwrapped.scenario_ids(split))"
            ) from None

    def _scenario_index(self) -> dict[str, Scenario]:
        cached = getattr(self, "_index", None)
        if cached is None:
            cached = {s.id: s for split in SPLITS for s in self.scenarios(split)}
            self._index = cached
        return cached
