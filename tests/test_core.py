"""The domain registry, rewards, info and rendering of the dialogue core."""

from __future__ import annotations

import math

import gymnasium as gym
import pytest
from conftest import run_sop

from gopo_env import DomainError, RewardConfig, ScenarioError, make_domain, register_domain
from gopo_env.core.scoring import esndcg, tse
from gopo_env.domains import domain_names, unregister_domain
from gopo_env.domains.mgshop import MgshopDomain


def test_registry_refuses_duplicates_and_unknown_names():
    assert "mgshop" in domain_names()
    register_domain("mgshop", MgshopDomain)  # the same factory again: harmless
    with pytest.raises(DomainError, match="already registered"):
        register_domain("mgshop", lambda: None)
    with pytest.raises(DomainError, match="unknown domain 'nope'.*mgshop"):
        make_domain("nope")
    register_domain("mgshop-copy", MgshopDomain)
    try:
        env = gym.make("GOPO-Mgshop-v0", domain="mgshop-copy")
        env.reset(seed=0)
    finally:
        unregister_domain("mgshop-copy")


def test_unknown_scenario_and_split_errors():
    env = gym.make("GOPO-Mgshop-v0")
    with pytest.raises(ScenarioError, match="no scenario with id 'x'.*mgshop-train-0000"):
        env.reset(seed=0, options={"scenario_id": "x"})
    with pytest.raises(ScenarioError, match="split must be one of"):
        gym.make("GOPO-Mgshop-v0", split="validation")


def test_reward_config_overrides_and_errors():
    env = gym.make("GOPO-Mgshop-v0", reward_config={"success": 5.0, "turn": 0.0})
    assert env.unwrapped.dialogue.rewards == RewardConfig(success=5.0, turn=0.0)
    with pytest.raises(ValueError, match="unknown weight.*'sucess'"):
        gym.make("GOPO-Mgshop-v0", reward_config={"sucess": 1.0})


def test_returns_add_up_and_end_components_are_in_info():
    env = gym.make("GOPO-Mgshop-v0", split="test")
    env.reset(seed=5)
    d = env.unwrapped.dialogue
    total, info = 0.0, {}
    while not d.done:
        _, r, _, _, info = env.step(d.builtin_strategy())
        total += r
    ep = info["summary"]
    assert math.isclose(total, d.episode_return)
    assert ep["success"] and 0 < ep["tse"] <= 1 and 0 < ep["esndcg"] <= 1 and ep["gre"] == 1.0
    names, gains, turns = ep["agenda"]["items"], ep["agenda"]["gains"], ep["agenda"]["achieved_turns"]
    assert math.isclose(ep["tse"], tse(gains, turns, ep["negative_share"]))
    assert math.isclose(ep["esndcg"], esndcg(ep["strategies"], ep["reference_strategies"]))
    assert names[-1] == "end" and turns[-1] == ep["turns"]
    assert info["agenda"]["progress"] == 1.0 and info["agenda"]["pending"] == []


def test_info_carries_act_parse_and_progress_each_turn():
    env = gym.make("GOPO-Mgshop-v0")
    _, info = env.reset(seed=0)
    assert info["customer"]["intent"] == "greeting" and "transcript" in info
    _, _, _, _, info = env.step(0)
    for key in ("customer", "parsed", "agenda", "state", "aligned", "faithful", "violations",
                "strategy", "response", "transcript", "scenario_id", "episode_seed"):
        assert key in info, key
    assert info["agenda"]["achieved"] == ["greetings"]
    assert len(info["transcript"]) == 2


def test_scoring_edge_cases():
    assert tse([1.0, 2.0], [1, 2], 0.0) == pytest.approx(1.0)
    assert tse([1.0, 2.0], [None, None], 0.0) == 0.0
    assert tse([], [], 0.0) == 0.0
    assert tse([1.0, 2.0], [2, 3], 0.0) < tse([1.0, 2.0], [1, 2], 0.0)
    assert tse([1.0], [1], 0.5) == pytest.approx(0.75)
    assert esndcg([0, 1, 2], [0, 1, 2]) == pytest.approx(1.0)
    assert esndcg([5, 5, 5], [0, 1, 2]) == 0.0
    assert esndcg([1, 0, 2], [0, 1, 2]) < 1.0
    assert esndcg([0], []) == 0.0


@pytest.mark.parametrize("mode", ["ansi", "human"])
def test_render_modes(mode, capsys):
    env = gym.make("GOPO-Mgshop-v0", split="test", render_mode=mode)
    run_sop(env, 0)
    out = env.render()
    text = out if mode == "ansi" else capsys.readouterr().out
    assert "expert   → greet" in text and "customer :" in text and "success=True" in text
    with pytest.raises(ValueError, match="render_mode must be one of"):
        gym.make("GOPO-Mgshop-v0", render_mode="rgb_array")
