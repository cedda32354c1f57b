"""Arguments of gym.make / pettingzoo.make / reset / render that must be refused, not silently
misread: a version that contradicts the id, a non-bool ``strict``, reward weights of the wrong
sign, non-dict reset options; and ``render()`` without a render mode (Gymnasium's convention)."""

from __future__ import annotations

import warnings

import gymnasium as gym
import pettingzoo
import pytest

import gopo_env  # noqa: F401  (registers the ids)
from gopo_env import DomainError, ResetOptionError, RewardConfig
from gopo_env.multiagent import mgshop_v0, mgshop_v1
from gopo_env.protocol import make_view


# ------------------------------------------------------------------ an id names its dynamics
@pytest.mark.parametrize("env_id, version, use", [
    ("GOPO-Mgshop-v1", 0, "GOPO-Mgshop-v0"),
    ("GOPO-Mgshop-v0", 1, "GOPO-Mgshop-v1"),
    ("GOPO-Mgshop-Text-v1", 0, "GOPO-Mgshop-Text-v0"),
    ("GOPO-Mgshop-Flat-v0", 1, "GOPO-Mgshop-Flat-v1"),
])
def test_gym_make_refuses_a_version_other_than_the_ids(env_id, version, use):
    with pytest.raises(DomainError, match=f"use {use}"):
        gym.make(env_id, version=version)
    # the id's own version is harmless, and the id plays what it names
    env = gym.make(env_id, version=int(env_id[-1]))
    assert env.unwrapped.dialogue.domain.version == int(env_id[-1]) and env.spec.id == env_id


def test_an_unregistered_version_lists_the_registered_ones():
    with pytest.raises(DomainError, match=r"no version 7.*GOPO-Mgshop-v0.*GOPO-Mgshop-v1"):
        gym.make("GOPO-Mgshop-v1", version=7)
    from gopo_env.registration import version_id

    assert version_id("GOPO-Mgshop-Text-v1", 0) == "GOPO-Mgshop-Text-v0"


def test_pettingzoo_refuses_a_version_other_than_the_ids():
    for kind in ("aec", "parallel"):
        with pytest.raises(DomainError, match="use gopo/mgshop-v0"):
            pettingzoo.make(kind, "gopo/mgshop-v1", version=0)
    for make in (mgshop_v0.env, mgshop_v0.parallel_env, mgshop_v0.raw_env):
        with pytest.raises(DomainError, match="use gopo/mgshop-v1"):
            make(version=1)
    for make in (mgshop_v1.env, mgshop_v1.parallel_env, mgshop_v1.raw_env):
        with pytest.raises(DomainError, match="use gopo/mgshop-v0"):
            make(version=0)
    assert mgshop_v0.raw_env().dialogue.domain.version == 0
    assert mgshop_v1.raw_env().dialogue.domain.version == 1
    assert pettingzoo.make("aec", "gopo/mgshop-v0").unwrapped.dialogue.domain.version == 0


def test_the_evaluation_views_refuse_it_too():
    """What ``gopo-bench evaluate --env-kwargs '{"version": 0}'`` builds (both drive paths)."""
    for roles in (("expert",), ("expert", "service")):
        with pytest.raises(DomainError, match="use GOPO-Mgshop-v0"):
            make_view("GOPO-Mgshop-v1", roles, split="dev", version=0)


# ------------------------------------------------------------------ strict, reward_config, options
def test_strict_must_be_a_bool():
    for bad in ("yes", "no", 1, None):
        with pytest.raises(TypeError, match="strict must be True or False"):
            gym.make("GOPO-Mgshop-v1", strict=bad)
    assert gym.make("GOPO-Mgshop-v1", strict=True).unwrapped.dialogue.strict is True


@pytest.mark.parametrize("weights, message", [
    ({"success": -5}, "success=-5 must be a finite number >= 0"),
    ({"turn": 0.5}, "turn=0.5 must be a finite number <= 0"),
    ({"violation": 1}, "violation=1 must be"),
    ({"tse_lambda": 1.5}, "tse_lambda=1.5 must be a finite number >= 0 and <= 1"),
    ({"tse": float("nan")}, "tse=nan"),
    ({"progress": "1"}, "progress='1'"),
])
def test_reward_weights_outside_their_documented_range_are_refused(weights, message):
    with pytest.raises(ValueError, match=message) as err:
        gym.make("GOPO-Mgshop-v1", reward_config=weights)
    assert "the weights: feedback >= 0" in str(err.value)  # the known keys and their ranges
    with pytest.raises(ValueError, match=message.split(" must")[0]):
        RewardConfig(**weights)
    with pytest.raises(ValueError, match=r"unknown weight\(s\) \['sucess'\]; known"):
        gym.make("GOPO-Mgshop-v1", reward_config={"sucess": 1.0})


def test_the_documented_reward_configs_still_load():
    from gopo_env.domains.multiwoz.metrics import CONVLAB_REWARD

    assert RewardConfig.from_any(CONVLAB_REWARD).turn == -1.0
    assert RewardConfig(success=5.0, turn=0.0, esndcg=0.5, tse_lambda=1).success == 5.0


@pytest.mark.parametrize("options", ["scenario", ["scenario_id"], 3])
def test_reset_options_must_be_a_dict(options):
    env = gym.make("GOPO-Mgshop-v1")
    with pytest.raises(ResetOptionError, match=r"options=\.\.\.\) must be a dict or None, got"):
        env.reset(seed=0, options=options)
    aec = pettingzoo.make("aec", "gopo/mgshop-v1")
    with pytest.raises(ResetOptionError, match="must be a dict or None"):
        aec.reset(seed=0, options=options)


# ------------------------------------------------------------------ render without a mode
def test_render_without_a_render_mode_returns_none():
    env = gym.make("GOPO-Mgshop-v1")
    env.reset(seed=0)
    env.step(1)
    aec = pettingzoo.make("aec", "gopo/mgshop-v1")
    aec.reset(seed=0)
    for view in (env.unwrapped, aec.unwrapped):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert view.render() is None
        assert any("render_mode='ansi'" in str(w.message) for w in caught)
    ansi = gym.make("GOPO-Mgshop-v1", render_mode="ansi")
    ansi.reset(seed=0)
    ansi.step(1)
    assert "elicit_need" in ansi.render()
