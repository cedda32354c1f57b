"""The LLM CS Agent: the alignment check catches wrong strategies and wrong facts (falling back to
the realizer, counted), regeneration, and the agent inside GOPO with the tiny model."""

from __future__ import annotations

import re

import gymnasium as gym
import pytest
from llm_support import StubBackend, tiny_model_dir

from agents.llm.cs_agent import LLMCSAgent
from baselines.scripted import ScriptedSOPAgent
from gopo_env.protocol import make_view, play


class SOPWithWriter:
    """The scripted SOP expert whose strategies ``writer`` writes."""

    roles = ("expert", "service")

    def __init__(self, writer):
        self.expert, self.writer = ScriptedSOPAgent(), writer

    def reset(self, seed=None):
        self.expert.reset(seed)
        self.writer.reset(seed)

    def act(self, role, observation, info):
        return (self.expert if role == "expert" else self.writer).act(role, observation, info)


def run(write, seed=3, **kw):
    """One SOP episode whose responses the stub ``write(dialogue, prompt, i, seed)`` writes."""
    view = make_view("GOPO-Mgshop-v0", ("expert", "service"), split="test")
    d = view.dialogue
    stub = StubBackend(lambda p, i, s: write(d, p, i, s))
    agent = LLMCSAgent(backend=stub, **kw)
    summary = play(view, SOPWithWriter(agent), seed=seed).summary
    return agent, stub, summary, d


def realized(d):
    return d.episode.realize(d.strategy)


def test_correct_text_is_accepted_on_the_first_greedy_try():
    agent, stub, summary, d = run(lambda d, p, i, s: realized(d))
    assert summary["gre"] == 1.0
    assert agent.counts["accepted_first"] == agent.counts["responses"] == summary["turns"]
    assert agent.counts["fallbacks"] == 0
    assert all(c["temperature"] == 0.0 and len(c["prompts"]) == 1 for c in stub.calls)
    names = d.domain.strategies
    for call, rec in zip(stub.calls, d.transcript[1:]):
        assert f"Strategy: {names[rec.strategy]}" in call["prompts"][0]
        assert f"Customer: {d.transcript[rec.turn - 1].customer}" in call["prompts"][0]


def test_a_wrong_strategy_is_caught_and_the_realizer_writes_instead():
    def wrong(d, p, i, s):
        return "Hello and welcome!" if d.strategy != 0 else "Goodbye and have a great day!"

    agent, stub, summary, d = run(wrong)
    turns = summary["turns"]
    assert agent.counts["fallbacks"] == turns and agent.counts["accepted"] == 0
    assert agent.counts["rejected_strategy"] == agent.counts["generated"] == turns * (1 + agent.candidates)
    assert all(rec.aligned and rec.faithful for rec in d.transcript[1:])  # what was sent is the realizer's
    assert agent.last_report.source == "realizer"
    assert "not the chosen" in agent.last_report.rejections[0]


def test_a_wrong_price_is_caught():
    def cheap(d, p, i, s):
        return re.sub(r"\$\d+(\.\d+)?", "$1.00", realized(d))

    agent, stub, summary, d = run(cheap)
    priced = [rec for rec in d.transcript[1:] if "$" in rec.response]
    assert priced, "the episode should state at least one price"
    assert agent.counts["rejected_fact"] >= len(priced)
    assert agent.counts["fallbacks"] == len(priced)
    assert agent.counts["accepted"] == summary["turns"] - len(priced)
    assert summary["gre"] == 1.0 and all(rec.faithful for rec in d.transcript[1:])


def test_regeneration_samples_a_batch_and_takes_the_first_good_candidate():
    def second_candidate_right(d, p, i, s):
        return realized(d) if (s is not None and i == 1) else "Sorry, one moment please."

    agent, stub, summary, d = run(second_candidate_right, max_attempts=2, candidates=3, retry_feedback=True)
    assert agent.counts["fallbacks"] == 0 and agent.counts["accepted_first"] == 0
    assert agent.counts["generated"] == 3 * summary["turns"]  # greedy miss, then hit at candidate 2
    retry = stub.calls[1]
    assert len(retry["prompts"]) == 3 and retry["temperature"] > 0 and retry["seed"] is not None
    assert "Rejected before:" in retry["prompts"][0]


def test_sampling_seeds_follow_the_episode_so_runs_repeat():
    def never(d, p, i, s):
        return "Sorry, one moment please."

    seeds_a = [c["seed"] for c in run(never, seed=5)[1].calls]
    seeds_b = [c["seed"] for c in run(never, seed=5)[1].calls]
    seeds_c = [c["seed"] for c in run(never, seed=6)[1].calls]
    assert seeds_a == seeds_b and seeds_a != seeds_c


def test_write_without_strategy_names_says_how_to_fix():
    env = gym.make("GOPO-Mgshop-v0", split="test")
    env.reset(seed=0)
    agent = LLMCSAgent(backend=StubBackend(lambda p, i, s: "hi"))
    with pytest.raises(RuntimeError, match="strategies"):
        agent.write(env.unwrapped.dialogue.episode, 0)


def test_llm_cs_agent_inside_gopo_completes_episodes():
    from agents.gopo import GOPOAgent

    agent = GOPOAgent(cs="llm", llm_path=str(tiny_model_dir()), llm={"device": "cpu", "candidates": 2},
                      max_attempts=2, use_preference=False, eval_every=0, eval_episodes=2, progress=False)
    agent.train("GOPO-Mgshop-v0", budget=200, seed=0)
    view = make_view("GOPO-Mgshop-v0", agent.roles, split="test")
    summaries = [play(view, agent, seed=seed).summary for seed in (0, 1)]
    cs = agent.cs
    assert isinstance(cs, LLMCSAgent)
    turns = sum(s["turns"] for s in summaries)
    assert all(s["terminated"] or s["truncated"] for s in summaries)
    assert cs.counts["responses"] == turns
    assert cs.counts["accepted"] + cs.counts["fallbacks"] == turns
    # whatever the tiny model wrote, nothing misaligned or unfaithful reached the customer
    assert all(s["gre"] == 1.0 for s in summaries)


def test_gopo_refuses_an_unknown_cs():
    from agents.gopo import GOPOAgent

    with pytest.raises(ValueError, match="cs must be"):
        GOPOAgent(cs="gpt")


def test_an_invented_product_is_caught():
    def invented(d, p, i, s):
        text = realized(d)
        if d.strategy == 5:  # recommend: a product that is not in the catalogue
            return "I would recommend the Moon Lantern by Nobody: it costs $5.00 and is rated 4.0/5."
        return text

    agent, stub, summary, d = run(invented)
    recommends = [rec for rec in d.transcript[1:] if rec.strategy == 5]
    assert recommends and agent.counts["rejected_item"] >= len(recommends)
    assert agent.counts["fallbacks"] == len(recommends)
    assert all(rec.parsed.products for rec in recommends)


def test_a_real_item_the_prompt_did_not_list_is_caught():
    def mixed_up(d, p, i, s):
        if d.strategy != 5:
            return realized(d)
        given = set(re.findall(r"^Item: (.+?) \|", p, re.M))
        other = next(prod for prod in d.episode.realizer.products if prod.name not in given)
        return (f"I would recommend the {other.name}: it costs ${other.price:.2f} "
                f"and is rated {other.rating:.1f}/5.")

    agent, stub, summary, d = run(mixed_up)
    recommends = [rec for rec in d.transcript[1:] if rec.strategy == 5]
    assert recommends and agent.counts["rejected_item"] >= len(recommends)
    assert agent.counts["rejected_fact"] == 0  # every stated fact was true: only the item check sees it
    assert agent.counts["fallbacks"] == len(recommends)
    assert all(rec.aligned and rec.faithful for rec in recommends)
