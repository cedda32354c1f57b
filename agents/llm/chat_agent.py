"""The LLM chat writer: a chat model writes every response from the dialogue as chat messages.

The counterpart, at evaluation time, of the data ``gopo-bench export`` writes for the service
role (``turn``/``dialogue`` pairs, ``sft``): the model reads exactly the conversation those rows
hold (:func:`agents.llm.chat.service_messages`: system, then the customer's lines with the
catalogue facts of each turn as ``user``, its own responses as ``assistant``) and writes the next
assistant message. So a model trained with TRL on exported data is evaluated on the same
rendering it was trained on (``GOPO-Mgshop-Text-v0``: the environment's parser decides which
strategy each text carried out).

Batchable (``act_batch``, ``gopo_env.batched``): the sampling seed comes from the episode seed
of ``reset`` (in a batch, of the dialogue's ``info["slot"]``) and ``info["turn"]``; the facts
of past turns (each turn's ``info["context"]``) are kept per slot.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agents.llm.backends import Backend, make_backend
from agents.llm.chat import SERVICE_SYSTEM, service_messages
from gopo_env.core.spaces import CONTROL_CHARS

EMPTY_REPLY = "Sorry, could you say that again?"


class LLMChatAgent:
    """A chat model writing every response (plays ``service`` on a text view).

    Model options as :class:`agents.llm.cs_agent.LLMCSAgent` (``backend``, ``llm_path``, or
    ``base_url`` + ``model``); a local checkpoint needs a chat template. ``temperature=0``
    (default) is greedy; above it, sampling is seeded per episode and turn.
    """

    roles = ("service",)

    def __init__(self, llm_path: str | Path | None = None, backend: Backend | None = None, *,
                 base_url: str | None = None, model: str | None = None, device: str = "auto",
                 temperature: float = 0.0, top_p: float = 1.0, max_new_tokens: int = 64,
                 system: str = SERVICE_SYSTEM, max_chars: int = 2000, seed: int = 0) -> None:
        self.backend = backend if backend is not None else make_backend(
            llm_path, base_url=base_url, model=model, device=device)
        self.temperature, self.top_p, self.max_new_tokens = temperature, top_p, max_new_tokens
        self.system, self.max_chars, self.seed = system, max_chars, seed
        self._facts: dict[int | None, dict[int, dict[str, Any]]] = {}
        self._seeds: dict[int | None, int] = {None: seed}
        self.counts: Counter[str] = Counter()

    def reset(self, seed: int | None = None) -> None:
        self._facts.pop(None, None)
        self._seeds[None] = self.seed if seed is None else int(seed)

    def reset_batch(self, seeds: Sequence[int]) -> None:
        """Batched evaluation: the episode seed of each slot."""
        self._facts = {}
        self._seeds = {None: self.seed, **{i: int(s) for i, s in enumerate(seeds)}}

    def messages(self, info: dict[str, Any]) -> list[dict[str, str]]:
        """The conversation so far, as the exported datasets render it."""
        transcript = info.get("transcript")
        if transcript is None or "turn" not in info:
            raise ValueError("LLMChatAgent needs info['transcript'] and info['turn'] (the gopo-bench views "
                             "provide them)")
        facts = self._facts.setdefault(info.get("slot"), {})
        facts[int(info["turn"])] = info.get("context") or {}
        contexts = [facts.get(i) for i in range(len(transcript))]
        return service_messages(transcript, contexts, self.system)

    def _seed(self, info: dict[str, Any]) -> int:
        episode_seed = self._seeds.get(info.get("slot"), self.seed)
        return zlib.crc32(f"llm-chat:{self.seed}:{episode_seed}:{info.get('turn')}".encode())

    def _clean(self, text: str) -> str:
        text = CONTROL_CHARS.sub(" ", text).strip()[: self.max_chars]
        self.counts["responses"] += 1
        if not text:
            self.counts["empty"] += 1
            return EMPTY_REPLY
        return text

    def act(self, role: str, observation: Any, info: dict[str, Any]) -> str:
        return self.act_batch(role, [observation], [info])[0]

    def act_batch(self, role: str, observations: Sequence[Any], infos: Sequence[dict[str, Any]]) -> list[str]:
        """One response per dialogue, in one ``generate`` call."""
        if role != "service":
            raise ValueError(f"LLMChatAgent plays only 'service' (on a text view), got {role!r}")
        conversations = [self.messages(i) for i in infos]
        texts = self.backend.generate(conversations, max_new_tokens=self.max_new_tokens,
                                      temperature=self.temperature, top_p=self.top_p,
                                      seed=[self._seed(i) for i in infos])
        return [self._clean(t) for t in texts]
