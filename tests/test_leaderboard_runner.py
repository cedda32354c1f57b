"""The evaluation runner and agent loading: roles, text view, determinism, seeds, errors."""

from __future__ import annotations

import json

import pytest

from leaderboard.loading import AgentLoadError, load_agent, parse_kwargs
from leaderboard.runner import evaluate, run
from leaderboard.validate import validate

PHRASES = {0: "Hello and welcome to our shop!", 1: "What are you looking for today?",
           8: "Do you have any questions about it?", 10: "Goodbye and have a great day!"}


class TemplateService:
    """A service-only agent: fixed phrases per strategy, whatever the built-in expert picks."""

    roles = ("service",)

    def __init__(self) -> None:
        self.seen: list[dict] = []

    def reset(self, seed=None) -> None:
        pass

    def act(self, role, observation, info):
        assert role == "service"
        self.seen.append(observation)
        return PHRASES.get(int(observation["strategy"]), "Let me check that for you.")


class Chatbot:
    """A monolithic text agent for the text view: greets, asks, then says goodbye."""

    roles = ("service",)

    def reset(self, seed=None) -> None:
        pass

    def act(self, role, observation, info):
        assert isinstance(observation, str) and "Customer:" in observation
        return [PHRASES[0], PHRASES[1], PHRASES[10]][min(info["turn"], 2)]


class Crashing:
    roles = ("expert",)

    def reset(self, seed=None) -> None:
        pass

    def act(self, role, observation, info):
        if info["turn"] == 2:
            raise KeyError("boom")
        return 1


def test_evaluation_is_deterministic_byte_for_byte(tmp_path):
    for name in ("a", "b"):
        evaluate("baselines.random_agent:RandomAgent", tmp_path / name, agent_kwargs='{"seed": 5}', trials=2)
    for f in ("submission.json", "trajectories.jsonl"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["submission.json", "trajectories.jsonl"]


def test_every_agent_meets_the_same_customers():
    plans = []
    for spec in ("baselines.random_agent:RandomAgent", "baselines.scripted:ScriptedSOPAgent"):
        _, seeds, records = run(load_agent(spec), "GOPO-Mgshop-v0", "test", trials=2)
        plans.append([(ep["scenario_id"], ep["trial"], ep["seed"], ep["opening"]) for ep in records])
        assert seeds == [0, 1]
    assert plans[0] == plans[1]
    assert len({p[2] for p in plans[0]}) == len(plans[0])  # one seed per (scenario, trial)


def test_service_agent_is_paired_with_the_builtin_expert(tmp_path):
    agent = TemplateService()
    sub = evaluate("tests:TemplateService", tmp_path / "svc", agent=agent, trials=1)
    assert sub["agent"]["roles"] == ["service"]
    episodes = [json.loads(x) for x in (tmp_path / "svc" / "trajectories.jsonl").read_text().splitlines()]
    assert all(ep["turns"][0]["strategy_name"] == "greet" for ep in episodes)  # the SOP expert opens
    responses = {t["response"] for ep in episodes for t in ep["turns"]}
    assert responses <= set(PHRASES.values()) | {"Let me check that for you."}
    assert set(agent.seen[0]) == {"features", "strategy", "customer"}
    assert validate(tmp_path / "svc").metrics["gre"]["mean"] < 1.0  # the filler text is misaligned


def test_text_view_agent_is_evaluated_and_replays(tmp_path):
    sub = evaluate("tests:Chatbot", tmp_path / "text", agent=Chatbot(), env_id="GOPO-Mgshop-Text-v0")
    assert sub["env"]["mode"] == "text"
    verified = validate(tmp_path / "text")
    assert verified.metrics["success"]["mean"] == 0.0
    first = list(verified.episodes())[0]["turns"][0]
    assert first["strategy_name"] == "greet" and first["aligned"]


def test_text_view_refuses_an_expert_agent():
    with pytest.raises(AgentLoadError, match="text view"):
        run(load_agent("baselines.scripted:ScriptedSOPAgent"), "GOPO-Mgshop-Text-v0", "test", 1)


def test_an_agent_error_names_the_episode():
    with pytest.raises(RuntimeError, match=r"episode 0 \(scenario mgshop-dev-0000, trial 0.*KeyError"):
        run(Crashing(), "GOPO-Mgshop-v0", "dev", 1)


def test_unknown_env_is_a_clear_error(tmp_path):
    with pytest.raises(Exception, match="unknown env id 'GOPO-Nope-v0'"):
        evaluate("baselines.scripted:ScriptedSOPAgent", tmp_path / "x", env_id="GOPO-Nope-v0")
    assert not (tmp_path / "x" / "submission.json").exists()


@pytest.mark.parametrize("spec,message", [
    ("baselines.scripted", "not of the form MODULE:CLASS"),
    ("baselines.scripted:", "not of the form MODULE:CLASS"),
    ("no_such_module_xyz:Agent", "cannot import module 'no_such_module_xyz'"),
    ("baselines.scripted:NoSuchAgent", "'NoSuchAgent' not found in 'baselines.scripted'"),
    ("gopo_env.protocol:play", "is a function, not a class"),
    ("json:JSONDecoder", "lacks ['roles', 'reset', 'act']"),
])
def test_bad_agent_strings_are_explained(spec, message):
    with pytest.raises(AgentLoadError) as err:
        load_agent(spec)
    assert message in str(err.value)


@pytest.mark.parametrize("text,message", [
    ("{seed: 1}", "not valid JSON"), ("[1, 2]", "must be a JSON object"),
])
def test_bad_agent_kwargs_are_explained(text, message):
    with pytest.raises(AgentLoadError, match=message):
        parse_kwargs(text)


def test_kwargs_reach_the_agent_and_wrong_ones_are_explained():
    assert load_agent("baselines.random_agent:RandomAgent", '{"seed": 7}').seed == 7
    with pytest.raises(AgentLoadError, match="cannot be constructed"):
        load_agent("baselines.random_agent:RandomAgent", '{"temperature": 2}')


class Sloppy:
    """Plays both roles badly: masked strategies and control characters, every third turn."""

    roles = ("expert", "service")

    def reset(self, seed=None) -> None:
        self.n = 0

    def act(self, role, observation, info):
        self.n += 1
        if role == "expert":
            masked = [i for i, ok in enumerate(observation["action_mask"]) if not ok]
            return masked[0] if masked and self.n % 3 == 0 else 1
        return "What are you looking for today?\x07" if self.n % 3 == 1 else "What are you looking for?"


def test_lenient_mode_records_violations_that_replay_reproduces(tmp_path):
    with pytest.raises(RuntimeError, match="episode 0 .*masked by the SOP|episode 0 .*control character"):
        run(Sloppy(), "GOPO-Mgshop-v0", "test", 1)
    sub = evaluate("tests:Sloppy", tmp_path / "lenient", agent=Sloppy(), strict=False)
    assert sub["track"] == "custom" and sub["protocol"]["strict"] is False
    verified = validate(tmp_path / "lenient")
    violations = {v for ep in verified.episodes() for t in ep["turns"] for v in t["violations"]}
    assert {"masked_strategy", "invalid_response"} <= violations
