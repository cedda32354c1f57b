"""Batched evaluation (leaderboard.batched): N dialogues in lock-step give the sequential records."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("transformers")

from llm_support import StubBackend, tiny_model_dir  # noqa: E402

from agents.llm.backends import TransformersBackend  # noqa: E402
from baselines.llm_monolithic import LLMMonolithicAgent  # noqa: E402
from leaderboard import batched, runner  # noqa: E402

TEXT_ENV = "GOPO-Mgshop-Text-v0"


def dumps(records):
    return [json.dumps(r, sort_keys=True) for r in records]


def test_batched_records_equal_sequential_with_the_tiny_model():
    backend = TransformersBackend(tiny_model_dir(), device="cpu", batch_size=8)
    agent = LLMMonolithicAgent(backend=backend, max_new_tokens=24)
    _, _, sequential = runner.run(agent, TEXT_ENV, "dev", trials=1)
    calls_before = backend.stats.calls
    _, _, lockstep = batched.run(agent, TEXT_ENV, "dev", trials=1, batch=8)
    assert dumps(lockstep) == dumps(sequential)
    # the batched run made far fewer generate calls than one per response
    responses = sum(len(r["turns"]) for r in lockstep)
    assert backend.stats.calls - calls_before < responses / 3


def test_batched_sampling_uses_the_sequential_seeds():
    """With temperature > 0 each prompt gets the seed sequential evaluation would give it."""
    def write(prompt, i, seed):
        seed = seed[i] if isinstance(seed, list) else seed
        return f"I would recommend the item {seed % 97}"

    seq = LLMMonolithicAgent(backend=StubBackend(write), temperature=0.7)
    bat = LLMMonolithicAgent(backend=StubBackend(write), temperature=0.7)
    _, _, a = runner.run(seq, TEXT_ENV, "dev", trials=2, seed=3)
    _, _, b = batched.run(bat, TEXT_ENV, "dev", trials=2, seed=3, batch=5)
    assert dumps(a) == dumps(b)
    assert max(len(c["prompts"]) for c in bat.backend.calls) == 5
    assert all(isinstance(c["seed"], list) for c in bat.backend.calls)


def test_agent_without_act_batch_runs_sequentially():
    from baselines.random_agent import RandomAgent

    _, _, a = runner.run(RandomAgent(seed=1), "GOPO-Mgshop-v0", "dev", trials=1)
    _, _, b = batched.run(RandomAgent(seed=1), "GOPO-Mgshop-v0", "dev", trials=1, batch=4)
    assert dumps(a) == dumps(b)


def test_act_batch_must_answer_every_observation():
    class Short(LLMMonolithicAgent):
        def act_batch(self, role, observations, infos):
            return super().act_batch(role, observations, infos)[:-1]

    agent = Short(backend=StubBackend(lambda p, i, s: "Hello"))
    with pytest.raises(RuntimeError, match="returned 1 actions for 2 observations"):
        batched.run(agent, TEXT_ENV, "dev", trials=1, batch=2)


def test_bad_batch_size():
    with pytest.raises(ValueError, match="batch and trials must be >= 1"):
        batched.run(LLMMonolithicAgent(backend=StubBackend(lambda p, i, s: "x")), TEXT_ENV, "dev", 1, batch=0)
