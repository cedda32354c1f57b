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

from gopo_env.core.errors import DataError, ScenarioError

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

    def metrics(self) -> dict[str, float]:
        """Domain-specific episode metrics (e.g. MultiWOZ's ConvLab Inform/Book rates), by name.

        Optional; the core puts them in the episode summary as ``summary["domain_metrics"]``.
        """
        return {}


class Writer(Protocol):
    """What a response writer may use in one turn: the domain's public tools bound to the
    public state (:meth:`Toolkit.writer`). The CS Agents call exactly these four."""

    def parse(self, text: str) -> ParsedResponse: ...

    def is_faithful(self, parsed: ParsedResponse) -> bool: ...

    def realize(self, strategy: int | None) -> str: ...

    def context(self) -> dict[str, Any]: ...


class Toolkit(ABC):
    """The public toolkit an agent may use, built from the domain's public facts only.

    It holds no scenario, no customer and no engine: an agent process that has it can reach
    nothing hidden. The evaluation driver hands it to agents as ``info["toolkit"]``. Every
    method reads the public state ``info["state"]`` (a JSON-able dict), never hidden state.
    """

    strategies: tuple[str, ...]
    max_response_chars: int

    @abstractmethod
    def writer(self, state: dict[str, Any], seed: int) -> Writer:
        """Parser, fact check, template writer and catalogue facts bound to ``state``.

        ``seed`` seeds the template writer's wording choices (the same seed and state give
        the same text).
        """

    @abstractmethod
    def sop_strategy(self, state: dict[str, Any], turn: int) -> int:
        """The strategy the domain's SOP prescribes in ``state`` before assistant turn
        ``turn + 1`` (the scripted baseline's policy)."""

    def flat_acts(self) -> FlatActTable | None:
        """The flat act table of the domain (strategy × content), or ``None`` if it has none."""
        return None


class FlatActTable(ABC):
    """A flat act table: one discrete action picks strategy *and* content (the monolithic view).

    Everything is computed from the public state, so an agent outside the environment computes
    the same observation, mask and content as the flat view.
    """

    n: int
    """Number of acts (the action space is ``Discrete(n)``)."""
    names: tuple[str, ...]
    """A readable name per act, e.g. ``"recommend[0]"``."""
    n_extra: int
    """Features appended to the domain's own (the flat view's ``features`` has
    ``n_features + n_extra`` entries)."""
    extra_feature_names: tuple[str, ...]

    @abstractmethod
    def strategy_of(self, act: int) -> int:
        """The strategy id act ``act`` carries out."""

    @abstractmethod
    def mask(self, strategy_mask: np.ndarray, state: dict[str, Any]) -> np.ndarray:
        """int8 mask over acts: the SOP allows the strategy and the content exists."""

    @abstractmethod
    def features(self, base: np.ndarray, state: dict[str, Any]) -> np.ndarray:
        """The domain features followed by the ``n_extra`` content features (float32)."""

    @abstractmethod
    def render(self, act: int, state: dict[str, Any], writer: Any) -> str:
        """The response carrying out ``act`` in ``state``; ``writer`` is the episode's own
        template writer (``DomainEpisode.realize_act``)."""


class Domain(ABC):
    """A dialogue domain: strategy set, scenarios and the factory of its episodes.

    The contract (types, shapes, units of every hook) is written out in
    ``gopo_env/domains/README.md``.
    """

    name: str
    """Registry name, lower case (``"mgshop"``)."""
    title: str = ""
    """The name in env ids (``GOPO-<title>-v<version>``); defaults to ``name.capitalize()``."""
    versions: tuple[int, ...] = (0,)
    """Env versions the domain serves; the factory takes ``version=`` when there are several."""
    views: tuple[str, ...] = ("expert", "text")
    """Gymnasium views to register: ``expert``, ``text`` and (with a flat act table) ``flat``."""
    strategies: tuple[str, ...]
    n_features: int
    feature_names: tuple[str, ...] = ()
    """One name per observation feature (``len == n_features``), e.g. ``"greeted"``."""
    max_turns: int
    max_response_chars: int = 2000
    datasets: dict[str, str] = {}
    """Datasets ``gopo-bench data fetch`` knows for this domain: name -> ``module:MANIFEST``."""
    commands: dict[str, str] = {}
    """CLI commands the domain contributes: name -> ``module:function``. The function takes the
    parsed ``argparse.Namespace`` and returns the text to print; ``module:function_arguments``
    adds its options to the parser. ``gopo-bench <name> <domain> ...`` runs it (e.g.
    ``calibrate`` -> ``gopo-bench calibrate mgshop``)."""

    @classmethod
    def reference_responses(cls, data_dir: str | None = None) -> dict[int, list[str]] | None:
        """Real human assistant utterances per strategy id (references for BLEU/ROUGE-L), or
        ``None`` when the domain has none here (never the built-in writer's own templates)."""
        return None

    def demonstrations(self, split: str) -> list[tuple[str, tuple[int, ...]]]:
        """Human assistants' strategy sequences on scenarios of ``split`` (``(scenario id,
        strategies)`` pairs) where the domain has real dialogues; ``[]`` otherwise."""
        return []

    def toolkit(self) -> Toolkit | None:
        """The public toolkit of :class:`Toolkit` (``None``: agents get the transcript only)."""
        return None

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
            cached = {}
            for split in SPLITS:
                try:
                    cached.update((s.id, s) for s in self.scenarios(split))
                except DataError:  # a split whose data is not here (e.g. a test split to fetch)
                    continue
            self._index = cached
        return cached
