"""The CS Agent sends only text that carries out the chosen strategy with true facts."""

from __future__ import annotations

import re

import gymnasium as gym
import pytest

import gopo_env  # noqa: F401
from agents.cs_agent import CSAgent, GenerationRequest
from gopo_env.domains.mgshop.strategies import GREET, RECOMMEND


@pytest.fixture
def dialogue():
    """A dev episode advanced to the point where a recommendation can name an item."""
    env = gym.make("GOPO-Mgshop-v0", split="dev")
    d = env.unwrapped.dialogue
    d.reset(seed=0, scenario_id=d.scenario_ids("dev")[0])
    while d.builtin_strategy() != RECOMMEND:
        d.choose(d.builtin_strategy())
        d.respond(d.realize())
    d.choose(RECOMMEND)
    return d


class Scripted:
    """A generator that replays fixed texts and records its requests."""

    def __init__(self, *texts):
        self.texts, self.requests = list(texts), []

    def __call__(self, request: GenerationRequest) -> str:
        self.requests.append(request)
        return self.texts[min(len(self.requests), len(self.texts)) - 1]


def test_without_generator_the_realizer_writes(dialogue):
    report = CSAgent().write(dialogue.episode, RECOMMEND)
    assert report.source == "realizer" and report.attempts == 0
    assert report.aligned and report.faithful
    assert dialogue.episode.parse(report.text).strategy == RECOMMEND


def test_wrong_strategy_is_regenerated_then_accepted(dialogue):
    good = CSAgent().write(dialogue.episode, RECOMMEND).text  # a correct text to end with
    gen = Scripted("Hello and welcome!", good)
    cs = CSAgent(gen, max_attempts=3, strategies=dialogue.domain.strategies)
    report = cs.write(dialogue.episode, RECOMMEND)
    assert report.source == "generator" and report.attempts == 2 and report.text == good
    assert len(report.rejections) == 1 and "not the chosen" in report.rejections[0]
    assert gen.requests[1].feedback == report.rejections[0]
    assert "0 (greet), not the chosen 5 (recommend)" in report.rejections[0]
    assert gen.requests[0].strategy_name == "recommend"
    assert [r.attempt for r in gen.requests] == [0, 1]


def test_wrong_price_falls_back_to_the_realizer(dialogue):
    good = CSAgent().write(dialogue.episode, RECOMMEND).text
    price = re.search(r"\$(\d+\.\d\d)", good).group(1)
    wrong = good.replace(price, f"{float(price) + 10:.2f}")
    gen = Scripted(wrong)
    report = CSAgent(gen, max_attempts=2).write(dialogue.episode, RECOMMEND)
    assert report.source == "realizer" and report.attempts == 2
    assert all("does not match the catalogue" in r for r in report.rejections)
    assert report.text != wrong and report.faithful and report.aligned


def test_bad_generator_output_is_rejected(dialogue):
    cs = CSAgent(Scripted(""), max_attempts=1)
    report = cs.write(dialogue.episode, RECOMMEND)
    assert report.source == "realizer" and "non-empty" in report.rejections[0]
    assert cs.check(dialogue.episode, GREET, "Hello and welcome to our shop!") is None


def test_act_needs_the_toolkit_and_then_serves_the_aec_observation(dialogue):
    cs = CSAgent()
    with pytest.raises(RuntimeError, match="toolkit"):
        cs.act("service", {"strategy": RECOMMEND}, {})
    info = {"toolkit": dialogue.domain.toolkit(), "state": dialogue.episode.public_state()}
    text = cs.act("service", {"strategy": RECOMMEND}, info)
    assert dialogue.episode.parse(text).strategy == RECOMMEND
    with pytest.raises(ValueError, match="max_attempts"):
        CSAgent(max_attempts=0)
