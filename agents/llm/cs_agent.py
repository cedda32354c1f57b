"""The LLM CS Agent: a language model writes the response for the Expert Agent's strategy.

The model sees the recent dialogue, the catalogue facts of ``DomainEpisode.context()`` and the
chosen strategy (:func:`agents.llm.prompts.service_prompt`). Every candidate goes through the
same check as :class:`agents.cs_agent.CSAgent`: the parser must recover the chosen strategy and
every stated price, rating or attribute must match the catalogue (GRE's alignment and
faithfulness); and where the realizer's response names a catalogue item, the candidate must
name one too (an invented product has no facts to contradict, so it would pass the fact check
vacuously while giving the customer nothing to buy), and every item it names must be one of the
items its prompt listed (a real product mis-copied from another is a content error the fact
check cannot see). The first attempt is greedy; each
regeneration samples ``candidates`` texts in one batched call; when every attempt fails, the
domain's realizer writes the response, and :attr:`LLMCSAgent.counts` records it, so the share
of LLM text is always known.
"""

from __future__ import annotations

import zlib
from collections import Counter
from pathlib import Path
from typing import Any

from agents.cs_agent import CSAgent, WriteReport
from agents.llm.backends import Backend, make_backend
from agents.llm.prompts import Turn, history_from_records, service_prompt
from gopo_env.core.domain import DomainEpisode, Writer

NO_ITEM = "the text names no catalogue item"
OTHER_ITEM = "the text names an item it was not given"


def rejection_kind(reason: str) -> str:
    """``"strategy"``, ``"fact"``, ``"item"`` or ``"text"``: which check a rejection failed."""
    if reason.startswith("the text carries out strategy"):
        return "strategy"
    if reason.startswith("a stated fact"):
        return "fact"
    if reason.startswith((NO_ITEM, OTHER_ITEM)):
        return "item"
    return "text"


def item_ids(context: dict[str, Any]) -> set[str]:
    """Ids of the catalogue items a prompt listed (``candidates`` and ``focus`` of the context)."""
    cards = list(context.get("candidates") or ())
    if context.get("focus"):
        cards.append(context["focus"])
    return {str(c["id"]) for c in cards if isinstance(c, dict) and "id" in c}


class LLMCSAgent(CSAgent):
    """Strategy-bound response writer backed by a language model (service role).

    Give ``backend`` (any :class:`~agents.llm.backends.Backend`), or ``llm_path`` (a local
    checkpoint directory), or ``base_url`` + ``model`` (an OpenAI-compatible server); with none,
    the tiny model in the default cache directory. ``max_attempts`` bounds the generation rounds
    (the first greedy, the others ``candidates`` samples at ``temperature``); ``retry_feedback``
    tells the model why the last attempt was rejected (useful for instruction-tuned models).
    Like :class:`CSAgent`, it writes through the public toolkit of ``info`` (which also supplies
    the strategy names; to call :meth:`write` directly, pass ``strategies``) and reads the
    dialogue so far from ``info["transcript"]``.
    """

    def __init__(self, llm_path: str | Path | None = None, backend: Backend | None = None, *,
                 base_url: str | None = None, model: str | None = None, device: str = "auto",
                 max_attempts: int = 2, candidates: int = 4, temperature: float = 0.8, top_p: float = 0.95,
                 max_new_tokens: int = 64, history_lines: int = 3, retry_feedback: bool = False,
                 seed: int = 0, strategies: tuple[str, ...] | None = None) -> None:
        super().__init__(generator=None, max_attempts=max_attempts, strategies=strategies)
        if candidates < 1:
            raise ValueError(f"LLMCSAgent: candidates must be >= 1, got {candidates}")
        self.backend = backend if backend is not None else make_backend(
            llm_path, base_url=base_url, model=model, device=device)
        self.candidates = candidates
        self.temperature = temperature
        self.top_p = top_p
        self.max_new_tokens = max_new_tokens
        self.history_lines = history_lines
        self.retry_feedback = retry_feedback
        self.seed = seed
        self._episode_seed = seed
        self._turn = 0
        self.counts: Counter[str] = Counter()
        """responses, generated (candidates), accepted, accepted_first, fallbacks, and
        rejected_strategy / rejected_fact / rejected_item / rejected_text per rejected candidate."""

    def reset(self, seed: int | None = None) -> None:
        super().reset(seed)
        self._episode_seed = self.seed if seed is None else int(seed)
        self._turn = 0

    def act(self, role: str, observation: Any, info: dict[str, Any]) -> str:
        """The response for ``observation["strategy"]``, with the transcript of ``info`` as history."""
        if role != "service":
            raise ValueError(f"LLMCSAgent plays only the 'service' role, got {role!r}")
        writer = self.bind(info)
        history = history_from_records(info.get("transcript", ()))
        return self.write(writer, int(observation["strategy"]), history).text

    def _sampling_seed(self, round_: int) -> int:
        """A stream per (episode seed, turn, round): the same dialogue gives the same texts."""
        return zlib.crc32(f"llm-cs:{self.seed}:{self._episode_seed}:{self._turn}:{round_}".encode())

    def write(self, episode: Writer | DomainEpisode, strategy: int,
              history: list[Turn] | None = None) -> WriteReport:
        """The response for ``strategy``: a checked LLM text, else the realizer's (counted)."""
        if self.strategies is None:
            raise RuntimeError("LLMCSAgent.write: strategy names unknown; pass strategies=... to the "
                               "constructor (act() takes them from info['toolkit'])")
        name = self.strategies[strategy]
        history = [] if history is None else history
        context = episode.context()
        reference = episode.realize(strategy)  # the fallback, and whether the move names an item
        needs_item = bool(episode.parse(reference).products)
        given = item_ids(context)
        self._turn += 1
        rejections: list[str] = []
        attempts = 0
        for round_ in range(self.max_attempts):
            feedback = rejections[-1] if rejections and self.retry_feedback else None
            prompt = service_prompt(history, context, name, self.history_lines, feedback)
            if round_ == 0:
                texts = self.backend.generate([prompt], max_new_tokens=self.max_new_tokens)
            else:
                texts = self.backend.generate([prompt] * self.candidates, max_new_tokens=self.max_new_tokens,
                                              temperature=self.temperature, top_p=self.top_p,
                                              seed=self._sampling_seed(round_))
            for text in texts:
                attempts += 1
                reason = self.check(episode, strategy, text) or self.item_problem(
                    episode.parse(text).products, needs_item, given, name, reference)
                if reason is None:
                    self._count(attempts, rejections, accepted=True)
                    self.last_report = WriteReport(text, "generator", attempts, True, True, rejections)
                    return self.last_report
                rejections.append(reason)
        self._count(attempts, rejections, accepted=False)
        parsed = episode.parse(reference)
        self.last_report = WriteReport(reference, "realizer", attempts, aligned=parsed.strategy == strategy,
                                       faithful=episode.is_faithful(parsed), rejections=rejections)
        return self.last_report

    @staticmethod
    def item_problem(named: tuple[str, ...], needs_item: bool, given: set[str], name: str,
                      reference: str) -> str | None:
        """Why the items a candidate ``named`` are wrong (``None``: fine): none where the move
        needs one, or one that is not among the ``given`` items of its prompt."""
        if needs_item and not named:
            return f"{NO_ITEM}, but {name} is about one (e.g. {reference!r})"
        other = [p for p in named if given and p not in given]
        if other:
            return f"{OTHER_ITEM}: {other} (the prompt listed {sorted(given)})"
        return None

    def _count(self, attempts: int, rejections: list[str], accepted: bool) -> None:
        c = self.counts
        c["responses"] += 1
        c["generated"] += attempts
        c["accepted" if accepted else "fallbacks"] += 1
        if accepted and attempts == 1:
            c["accepted_first"] += 1
        for reason in rejections:
            c["rejected_" + rejection_kind(reason)] += 1

    def rates(self) -> dict[str, float]:
        """Shares of responses written by the LLM (first try / after regeneration) and by the realizer."""
        n = self.counts["responses"] or 1
        return {"llm_first_try": self.counts["accepted_first"] / n, "llm": self.counts["accepted"] / n,
                "fallback": self.counts["fallbacks"] / n,
                "candidates_per_response": self.counts["generated"] / n}
