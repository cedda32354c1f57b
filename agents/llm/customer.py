"""The LLM customer: a language model words the simulated customer's replies.

It is a customer *surface* (the `surface=` option of the Mgshop env): the rule-based simulator still
decides the act (intent, feedback, disclosures, leaving), so outcomes and metrics are exactly
those of the template customer; only the words change. Sampling is seeded from the surface
context's per-turn stream, so the same episode seed gives the same words.

    env = gym.make("GOPO-Mgshop-v0", surface=LLMCustomer(llm_path=DIR))
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from agents.llm.backends import Backend, make_backend
from agents.llm.prompts import customer_prompt
from gopo_env.core.spaces import CONTROL_CHARS


class LLMCustomer:
    """``surface(act, context) -> text`` from a language model, conditioned on the hidden act.

    The prompt carries the act's intent and feedback and the template wording (its meaning).
    An empty or unusable generation falls back to the template wording (counted in
    ``counts["fallbacks"]``), so a weak model never breaks an episode.
    """

    def __init__(self, llm_path: str | Path | None = None, backend: Backend | None = None, *,
                 base_url: str | None = None, model: str | None = None, device: str = "auto",
                 temperature: float = 0.7, top_p: float = 0.95, max_new_tokens: int = 48,
                 max_chars: int = 500) -> None:
        self.backend = backend if backend is not None else make_backend(
            llm_path, base_url=base_url, model=model, device=device)
        self.temperature = temperature
        self.top_p = top_p
        self.max_new_tokens = max_new_tokens
        self.max_chars = max_chars
        self.counts: Counter[str] = Counter()

    def __repr__(self) -> str:
        return f"LLMCustomer({self.backend!r})"

    def __call__(self, act: Any, context: Any) -> str:
        category = getattr(context.scenario, "category", None)
        prompt = customer_prompt(act.intent, act.polarity, act.utterance, category)
        seed = context.rng.randrange(2**31)
        text = self.backend.generate([prompt], max_new_tokens=self.max_new_tokens,
                                     temperature=self.temperature, top_p=self.top_p, seed=seed)[0]
        text = CONTROL_CHARS.sub(" ", text).strip()[: self.max_chars]
        self.counts["utterances"] += 1
        if not text:
            self.counts["fallbacks"] += 1
            return act.utterance
        return text
