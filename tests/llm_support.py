"""Shared by the tests/test_llm_*.py files: one tiny model per test session, and stub backends.

The model is trained once per process with a budget of seconds (it writes poorly; the tests
check the plumbing, the checks and determinism, not its prose).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from agents.llm.backends import GenerationStats

TEST_CONFIG = dict(episodes=12, vocab_size=400, n_layer=2, n_embd=48, n_head=2, n_positions=192,
                   steps=25, batch_size=8, warmup=5, lr=3e-3, progress=False)
_CACHE: dict[str, Path] = {}


def tiny_model_dir() -> Path:
    """A tiny checkpoint trained (once per session) in a temporary directory."""
    if "path" not in _CACHE:
        from agents.llm.tiny import TinyConfig, train_tiny

        root = Path(tempfile.mkdtemp(prefix="gopo-test-tiny-"))
        train_tiny(root / "tiny", TinyConfig(**TEST_CONFIG))
        _CACHE["path"] = root / "tiny"
    return _CACHE["path"]


class StubBackend:
    """A backend whose texts come from ``write(prompt, index_in_batch, seed)``; records its calls."""

    def __init__(self, write):
        self.write = write
        self.calls: list[dict] = []
        self.stats = GenerationStats()

    def generate(self, prompts, *, max_new_tokens=64, temperature=0.0, top_p=1.0, seed=None, stop=("\n",)):
        self.calls.append({"prompts": list(prompts), "temperature": temperature, "seed": seed})
        return [self.write(p, i, seed) for i, p in enumerate(prompts)]


def chat_checkpoint(arch: str = "qwen2") -> Path:
    """A tiny random checkpoint of ``arch`` with its chat template (once per session), its BPE
    trained on rendered Mgshop dialogues so that sequences stay short."""
    key = f"chat:{arch}"
    if key not in _CACHE:
        from agents.llm.chat import expert_messages, service_messages
        from agents.llm.checkpoints import build_checkpoint
        from agents.llm.export import collect

        rollouts = collect("GOPO-Mgshop-v0", {"builtin": None}, episodes=6)
        texts = []
        for r in rollouts:
            for m in service_messages(r.records, r.contexts) + expert_messages(r.records, r.strategies):
                texts.append(m["content"])
        root = Path(tempfile.mkdtemp(prefix=f"gopo-test-{arch}-"))
        _CACHE[key] = build_checkpoint(root / arch, arch, texts, vocab_size=1024)
    return _CACHE[key]
