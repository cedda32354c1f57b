"""The monolithic LLM baseline on the text view: catalogue facts from info, determinism, clear errors."""

from __future__ import annotations

import gymnasium as gym
import pytest
from llm_support import StubBackend, tiny_model_dir

import gopo_env  # noqa: F401
from agents.llm.backends import TransformersBackend
from baselines.llm_monolithic import EMPTY_REPLY, LLMMonolithicAgent


def play(agent, seed=4, max_turns=5):
    env = gym.make("GOPO-Mgshop-Text-v0", split="test", strict=False, max_turns=max_turns)
    obs, info = env.reset(seed=seed)
    agent.reset(seed=seed)
    done = False
    while not done:
        obs, _, terminated, truncated, info = env.step(agent.act("service", obs, info))
        done = terminated or truncated
    return env.unwrapped.dialogue, info


def test_the_text_view_gives_the_catalogue_facts_and_the_prompt_has_no_strategy():
    stub = StubBackend(lambda p, i, s: "I would recommend something.")
    d, info = play(LLMMonolithicAgent(backend=stub))
    assert "context" in info and {"candidates", "focus", "pending_question"} <= set(info["context"])
    first = stub.calls[0]["prompts"][0]
    assert "Item: " in first and "Strategy:" not in first and first.endswith("Assistant:")
    assert f"Customer: {d.transcript[0].customer}" in first


def test_the_tiny_model_plays_deterministically():
    backend = TransformersBackend(tiny_model_dir(), device="cpu")
    a, info = play(LLMMonolithicAgent(backend=backend, max_new_tokens=24))
    b, _ = play(LLMMonolithicAgent(backend=backend, max_new_tokens=24))
    assert a.render_text() == b.render_text()
    assert a.turn >= 1 and "summary" in info  # the episode ran to its end and was scored


def test_empty_generations_are_replaced_and_counted():
    agent = LLMMonolithicAgent(backend=StubBackend(lambda p, i, s: ""))
    d, _ = play(agent, max_turns=3)
    assert all(rec.response == EMPTY_REPLY for rec in d.transcript[1:])
    assert agent.counts["empty"] == agent.counts["responses"] == d.turn


def test_without_context_it_says_where_to_run():
    agent = LLMMonolithicAgent(backend=StubBackend(lambda p, i, s: "hi"))
    with pytest.raises(RuntimeError, match="text view"):
        agent.act("service", "Customer: hi", {})
    with pytest.raises(ValueError, match="only 'service'"):
        agent.act("expert", "Customer: hi", {"context": {}})


def test_the_aec_service_info_carries_the_context_and_the_default_is_empty():
    from gopo_env.core.domain import DomainEpisode
    from gopo_env.multiagent import mgshop_v0

    env = mgshop_v0.env()
    env.reset(seed=2)
    env.step(0)  # the expert greets
    ctx = env.infos["service"]["context"]
    assert ctx["category"] and len(ctx["candidates"]) == 3
    assert {"id", "name", "price", "rating", "attributes"} <= set(ctx["candidates"][0])
    assert "context" not in env.infos["expert"]
    assert DomainEpisode.context(object()) == {}  # a domain without the hook gives no facts
