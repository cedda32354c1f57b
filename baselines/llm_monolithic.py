"""LLM prompting baseline for the text view (``GOPO-Mgshop-Text-v0``): one model does it all.

No Expert Agent and no strategy: the model reads the recent dialogue and the catalogue facts
(``info["context"]``, which the text view provides) and writes the next message; the
environment's parser decides which strategy that text carried out and whether its facts hold.
It is the comparison point of GOPO's decoupling: the same model, the same prompt format, minus
the chosen strategy and the alignment check.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agents.llm.backends import Backend, make_backend
from agents.llm.prompts import history_from_records, history_from_text, service_prompt
from gopo_env.core.spaces import CONTROL_CHARS

EMPTY_REPLY = "Sorry, could you say that again?"
"""Sent when the model writes nothing usable (counted in ``counts["empty"]``); it carries no
strategy, so the environment scores it as misaligned."""


class LLMMonolithicAgent:
    """A language model writing every response directly (plays ``service`` on a text view).

    Model options as :class:`agents.llm.cs_agent.LLMCSAgent`: ``backend``, ``llm_path`` or
    ``base_url`` + ``model``; the default is the tiny model in the cache directory.
    ``temperature = 0`` (default) is greedy; above it, sampling is seeded per episode and turn.
    """

    roles = ("service",)

    def __init__(self, llm_path: str | Path | None = None, backend: Backend | None = None, *,
                 base_url: str | None = None, model: str | None = None, device: str = "auto",
                 temperature: float = 0.0, top_p: float = 1.0, max_new_tokens: int = 64,
                 history_lines: int = 3, max_chars: int = 2000, seed: int = 0) -> None:
        self.backend = backend if backend is not None else make_backend(
            llm_path, base_url=base_url, model=model, device=device)
        self.temperature = temperature
        self.top_p = top_p
        self.max_new_tokens = max_new_tokens
        self.history_lines = history_lines
        self.max_chars = max_chars
        self.seed = seed
        self._episode_seed = seed
        self._turn = 0
        self._slot_seeds: list[int] = []
        self.counts: Counter[str] = Counter()

    def reset(self, seed: int | None = None) -> None:
        self._episode_seed = self.seed if seed is None else int(seed)
        self._turn = 0

    def reset_batch(self, seeds: Sequence[int]) -> None:
        """Batched evaluation (``gopo_env.batched``): the episode seed of each slot."""
        self._slot_seeds = [int(s) for s in seeds]

    def _context(self, info: dict[str, Any]) -> dict[str, Any]:
        if "context" in info:
            return info["context"]
        if info.get("toolkit") is not None and "state" in info:
            return info["toolkit"].writer(info["state"], seed=0).context()
        raise RuntimeError("LLMMonolithicAgent: info has neither 'context' (the catalogue facts) nor "
                           "'toolkit'; play it on a text view (GOPO-<Domain>-Text-v<n>), whose info has both")

    def _prompt_and_seed(self, role: str, observation: Any, info: dict[str, Any]) -> tuple[str, int]:
        """The prompt of one turn and its sampling seed: from the episode seed of ``reset`` (or,
        in a batch, of the dialogue's ``info["slot"]``) and ``info["turn"]``."""
        if role != "service":
            raise ValueError(f"LLMMonolithicAgent plays only 'service' (on a text view), got {role!r}")
        transcript = info.get("transcript")
        history = (history_from_records(transcript) if transcript is not None
                   else history_from_text(str(observation)))
        prompt = service_prompt(history, self._context(info), None, self.history_lines)
        self._turn += 1
        slot = info.get("slot")
        episode_seed = self._episode_seed if slot is None else self._slot_seeds[slot]
        turn = info.get("turn")
        turn = self._turn if turn is None else int(turn) + 1
        return prompt, zlib.crc32(f"llm-mono:{self.seed}:{episode_seed}:{turn}".encode())

    def _clean(self, text: str) -> str:
        text = CONTROL_CHARS.sub(" ", text).strip()[: self.max_chars]
        self.counts["responses"] += 1
        if not text:
            self.counts["empty"] += 1
            return EMPTY_REPLY
        return text

    def act(self, role: str, observation: Any, info: dict[str, Any]) -> str:
        prompt, seed = self._prompt_and_seed(role, observation, info)
        text = self.backend.generate([prompt], max_new_tokens=self.max_new_tokens,
                                     temperature=self.temperature, top_p=self.top_p, seed=seed)[0]
        return self._clean(text)

    def act_batch(self, role: str, observations: Sequence[Any], infos: Sequence[dict[str, Any]]) -> list[str]:
        """``act`` for many dialogues at once, in one ``generate`` call (batched evaluation,
        ``leaderboard.batched``): the same texts as ``act`` on each, in order."""
        pairs = [self._prompt_and_seed(role, o, i) for o, i in zip(observations, infos)]
        texts = self.backend.generate([p for p, _ in pairs], max_new_tokens=self.max_new_tokens,
                                      temperature=self.temperature, top_p=self.top_p,
                                      seed=[s for _, s in pairs])
        return [self._clean(t) for t in texts]
