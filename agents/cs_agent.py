"""The CS Agent: writes the response that carries out the Expert Agent's chosen strategy.

The decoupling GOPO relies on only holds if the text really executes the chosen strategy, so
every candidate is checked through the domain's parser before it is sent: the parser must
recover the chosen strategy and every stated fact (price, rating, attribute) must match the
catalogue. A pluggable ``generator`` (e.g. an LLM, a later issue) writes candidates; a rejected
candidate is regenerated (bounded, with the reason as feedback) and, when every attempt fails,
the domain's template realizer writes the response instead.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gopo_env.core.domain import DomainEpisode, Writer


@dataclass(frozen=True)
class GenerationRequest:
    """What a generator is asked to write: the strategy, the public state and past failures."""

    strategy: int
    strategy_name: str
    state: dict[str, Any]
    attempt: int
    """0 for the first try, then 1, 2, ... for regenerations."""
    feedback: str | None = None
    """Why the previous attempt was rejected (``None`` on the first try)."""


Generator = Callable[[GenerationRequest], str]


def hash_seed(episode_seed: int, turn: int) -> int:
    """The template writer's seed for one turn: a stream per (episode seed, turn)."""
    return zlib.crc32(f"cs-writer:{episode_seed}:{turn}".encode())
"""A response writer: any callable from a :class:`GenerationRequest` to text."""


@dataclass
class WriteReport:
    """The response that was sent and how it came about (for logs and tests)."""

    text: str
    source: str
    """``"generator"`` or ``"realizer"``."""
    attempts: int
    """Generator calls made (0 without a generator)."""
    aligned: bool
    faithful: bool
    rejections: list[str] = field(default_factory=list)
    """Why each rejected generator candidate was rejected, in order."""


class CSAgent:
    """Strategy-bound response writer over a running domain episode.

    ``write(writer, strategy)`` is the core: ``writer`` is any object with the domain's
    ``parse``, ``is_faithful``, ``realize`` and ``context`` (a running ``DomainEpisode`` during
    training, or the public toolkit bound to the public state). ``act("service", ...)`` serves
    the agent protocol with ``info["toolkit"].writer(info["state"], seed)``: the service
    observation has the chosen strategy, the toolkit the catalogue that parser and realizer need.
    """

    roles = ("service",)

    def __init__(self, generator: Generator | None = None, max_attempts: int = 3,
                 strategies: tuple[str, ...] | None = None, max_chars: int = 2000) -> None:
        if max_attempts < 1:
            raise ValueError(f"CSAgent: max_attempts must be >= 1, got {max_attempts}")
        self.generator = generator
        self.max_attempts = max_attempts
        self.strategies = strategies
        self.max_chars = max_chars
        self.last_report: WriteReport | None = None
        self._writer_seed = 0
        self._writer_turn = 0

    # ------------------------------------------------------------------ core
    def check(self, episode: Writer | DomainEpisode, strategy: int, text: Any) -> str | None:
        """Why ``text`` may not be sent for ``strategy`` (``None``: it may)."""
        if not isinstance(text, str) or not text.strip():
            return f"the response must be a non-empty string, got {text!r:.60}"
        if len(text) > self.max_chars:
            return f"the response has {len(text)} characters, over {self.max_chars}"
        parsed = episode.parse(text)
        if parsed.strategy != strategy:
            return (f"the text carries out strategy {self._name(parsed.strategy)}, "
                    f"not the chosen {self._name(strategy)}")
        if not episode.is_faithful(parsed):
            return f"a stated fact does not match the catalogue: {list(parsed.facts)}"
        return None

    def write(self, episode: Writer | DomainEpisode, strategy: int) -> WriteReport:
        """The response for ``strategy``: a checked generator candidate, else the realizer's."""
        rejections: list[str] = []
        attempts = 0
        if self.generator is not None:
            feedback = None
            name = self.strategies[strategy] if self.strategies else str(strategy)
            for attempt in range(self.max_attempts):
                request = GenerationRequest(strategy, name, episode.public_state(), attempt, feedback)
                text = self.generator(request)
                attempts += 1
                feedback = self.check(episode, strategy, text)
                if feedback is None:
                    self.last_report = WriteReport(text, "generator", attempts, True, True, rejections)
                    return self.last_report
                rejections.append(feedback)
        text = episode.realize(strategy)
        parsed = episode.parse(text)
        self.last_report = WriteReport(
            text, "realizer", attempts, aligned=parsed.strategy == strategy,
            faithful=episode.is_faithful(parsed), rejections=rejections,
        )
        return self.last_report

    # ------------------------------------------------------------------ agent protocol
    def reset(self, seed: int | None = None) -> None:
        self.last_report = None
        self._writer_seed = 0 if seed is None else int(seed)
        self._writer_turn = 0

    def bind(self, info: dict[str, Any]) -> Any:
        """The public toolkit bound to this turn's public state (what :meth:`write` needs)."""
        toolkit = info.get("toolkit")
        if toolkit is None:
            raise RuntimeError("CSAgent.act: info has no 'toolkit'; play it with gopo_env.protocol.play "
                               "(or pass info['toolkit'] = env.unwrapped.dialogue.domain.toolkit())")
        if self.strategies is None:
            self.strategies = tuple(toolkit.strategies)
        self.max_chars = toolkit.max_response_chars
        self._writer_turn += 1
        return toolkit.writer(info["state"], seed=hash_seed(self._writer_seed, self._writer_turn))

    def act(self, role: str, observation: Any, info: dict[str, Any]) -> str:
        """The response for ``observation["strategy"]`` (the service observation of the AEC env)."""
        if role != "service":
            raise ValueError(f"CSAgent plays only the 'service' role, got {role!r}")
        return self.write(self.bind(info), int(observation["strategy"])).text

    def _name(self, strategy: int | None) -> str:
        if strategy is None:
            return "<none>"
        if self.strategies is not None and 0 <= strategy < len(self.strategies):
            return f"{strategy} ({self.strategies[strategy]})"
        return str(strategy)
