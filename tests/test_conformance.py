"""The conformance suites of Gymnasium, Stable-Baselines3 and PettingZoo."""

from __future__ import annotations

import warnings

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env
from pettingzoo.test import api_test, parallel_api_test, seed_test

import gopo_env
from gopo_env.multiagent import mgshop_v0


@pytest.mark.parametrize("env_id", ["GOPO-Mgshop-v0", "GOPO-Mgshop-Text-v0"])
def test_gymnasium_check_env(env_id):
    # The checker samples actions without the SOP mask: by default a masked strategy is
    # played and scored as a violation (tests/test_compatibility.py covers every view and source).
    env = gym.make(env_id)
    check_env(env.unwrapped, skip_render_check=False)


def test_sb3_check_env():
    sb3_checker = pytest.importorskip("stable_baselines3.common.env_checker")
    env = gym.make("GOPO-Mgshop-v0")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # SB3 warns about spaces it cannot use well
        sb3_checker.check_env(env.unwrapped, warn=True)


def test_action_masks_hook_matches_observation():
    env = gym.make("GOPO-Mgshop-v0")
    obs, _ = env.reset(seed=3)
    assert (env.unwrapped.action_masks() == obs["action_mask"].astype(bool)).all()
    assert obs["action_mask"].dtype.name == "int8"


def test_pettingzoo_api_test():
    api_test(mgshop_v0.env(), num_cycles=300)


def test_pettingzoo_parallel_api_test():
    parallel_api_test(mgshop_v0.parallel_env(), num_cycles=300)


def test_pettingzoo_seed_test():
    seed_test(mgshop_v0.env, num_cycles=100)


def test_spaces_are_the_same_objects_on_every_call():
    env = mgshop_v0.raw_env()
    for agent in env.possible_agents:
        assert env.observation_space(agent) is env.observation_space(agent)
        assert env.action_space(agent) is env.action_space(agent)


def test_registration_is_idempotent_and_in_both_registries():
    import pettingzoo

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gopo_env.registration.register_all()
        gopo_env.registration.register_all()
    assert "GOPO-Mgshop-v0" in gym.registry and "GOPO-Mgshop-Text-v0" in gym.registry
    aec = pettingzoo.make("aec", "gopo/mgshop-v0")
    par = pettingzoo.make("parallel", "gopo/mgshop-v0")
    aec.reset(seed=0)
    par.reset(seed=0)
    assert aec.agents == ["expert", "service"]
    assert par.possible_agents == ["expert", "service"]


def test_text_space_accepts_real_dialogue():
    space = gopo_env.DialogueText(200)
    for text in ["Hello, welcome! Café au lait — 12,99 € (4.5/5)?", "Ça va? 😊 Sí, ¿y tú?", "a\nb\tc"]:
        assert space.contains(text), text
    for text in ["", "   ", "bad\x00byte", "bell\x07", 5, None, "x" * 201]:
        assert not space.contains(text), repr(text)
    space.seed(0)
    assert all(space.contains(space.sample()) for _ in range(50))


def test_aec_episode_with_user_written_responses():
    env = mgshop_v0.env(render_mode="ansi")
    env.reset(seed=1)
    for agent in env.agent_iter(max_iter=6):
        obs, reward, term, trunc, info = env.last()
        if term or trunc:
            env.step(None)
            continue
        if agent == "expert":
            env.step(1)  # elicit_need is always allowed
        else:
            assert obs["strategy"] == 1
            env.step("What are you looking for today? ¿Algo especial?")
    assert "elicit_need" in env.render()
