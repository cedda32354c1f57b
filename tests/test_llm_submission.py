"""LLM agents go through the standard runner (attach + catalogue context) and pass replay."""

from __future__ import annotations

import pytest

pytest.importorskip("transformers")

from llm_support import StubBackend  # noqa: E402

from leaderboard.runner import evaluate  # noqa: E402
from leaderboard.validate import validate  # noqa: E402


def _greeter(prompt, index, seed):
    return "Hello and welcome to our shop!"


def test_monolithic_llm_agent_evaluates_and_replays(tmp_path):
    from baselines.llm_monolithic import LLMMonolithicAgent

    agent = LLMMonolithicAgent(backend=StubBackend(_greeter))
    submission = evaluate("baselines.llm_monolithic:LLMMonolithicAgent", tmp_path / "sub", agent=agent,
                          env_id="GOPO-Mgshop-Text-v0", split="test", trials=1)
    assert agent.backend.calls, "the runner never asked the model"
    assert not hasattr(agent, "dialogue")  # agents never get the engine
    verified = validate(tmp_path / "sub")
    assert submission["metrics"] == verified.submission["metrics"]
    assert verified.submission["metrics"]["success"]["mean"] == 0.0  # greeting forever buys nothing


def test_gopo_with_llm_cs_agent_evaluates_and_replays(tmp_path):
    from agents.gopo import GOPOAgent

    # a writer that always says the wrong thing: every turn must fall back to the realizer
    agent = GOPOAgent(cs="llm", llm={"backend": StubBackend(_greeter)}, use_preference=False,
                      eval_every=0, eval_episodes=0, progress=False)
    agent.train("GOPO-Mgshop-v0", budget=300, seed=0)
    submission = evaluate("agents.gopo:GOPOAgent", tmp_path / "sub", agent=agent,
                          env_id="GOPO-Mgshop-v0", split="test", trials=1)
    verified = validate(tmp_path / "sub")
    assert submission["metrics"] == verified.submission["metrics"]
    assert verified.submission["metrics"]["gre"]["mean"] == 1.0
