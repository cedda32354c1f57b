"""The one episode protocol: generated registration, the driver, isolation, feature names."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import gopo_env
from gopo_env.protocol import (
    HIDDEN_INFO,
    AgentError,
    AgentProcess,
    episode_seed,
    evaluate,
    make_view,
    play,
)
from gopo_env.registration import env_specs, spec_of

SOP = "baselines.scripted:ScriptedSOPAgent"


def test_env_ids_are_generated_from_the_domain_registry():
    specs = env_specs()
    for name in gopo_env.domain_names():
        assert any(s.domain == name for s in specs.values()), name
    for env_id, spec in specs.items():
        assert env_id in gym.registry
        assert gym.registry[env_id].kwargs["domain"] == spec.domain
    assert spec_of("gopo_env:GOPO-Mgshop-Flat-v0").view == "flat"
    with pytest.raises(KeyError, match="unknown env id 'GOPO-Nope-v0'; registered GOPO envs"):
        spec_of("GOPO-Nope-v0")


@pytest.mark.parametrize("env_id", [k for k, s in env_specs().items() if s.view in ("expert", "flat")])
def test_feature_names_index_the_features(env_id):
    env = gym.make(env_id)
    obs, _ = env.reset(seed=0)
    names = env.unwrapped.feature_names
    assert len(names) == obs["features"].shape[0] == len(set(names))


class Spy:
    """Records what the driver hands an agent, and plays the SOP through the toolkit."""

    roles = ("expert", "service")

    def __init__(self):
        self.infos, self.seeds = [], []

    def reset(self, seed=None):
        self.seeds.append(seed)

    def act(self, role, observation, info):
        self.infos.append((role, info))
        kit = info["toolkit"]
        if role == "expert":
            return kit.sop_strategy(info["state"], info["turn"])
        return kit.writer(info["state"], seed=0).realize(int(observation["strategy"]))


def test_agents_get_public_info_and_the_toolkit_never_the_engine():
    spy = Spy()
    view = make_view("GOPO-Mgshop-v0", spy.roles, split="test")
    played = play(view, spy, seed=episode_seed(0, "mgshop-test-0001"), scenario_id="mgshop-test-0001")
    assert played.summary["turns"] == len(played.actions) > 0
    assert spy.seeds == [episode_seed(0, "mgshop-test-0001")]
    for _, info in spy.infos:
        assert not set(HIDDEN_INFO) & set(info)
        assert info["toolkit"] is view.dialogue.domain.toolkit()
        assert not any(v is view.dialogue or v is view.dialogue.episode for v in info.values())
    assert {role for role, _ in spy.infos} == {"expert", "service"}


def test_the_driver_plays_the_sop_like_the_builtin():
    """An agent that writes the SOP's moves through the toolkit scores what the built-ins score."""
    builtin = evaluate(_Builtin(), "GOPO-Mgshop-v0", "test", episodes=5)
    through_kit = evaluate(Spy(), "GOPO-Mgshop-v0", "test", episodes=5)
    assert [s["strategies"] for s in builtin] == [s["strategies"] for s in through_kit]
    assert [s["success"] for s in builtin] == [s["success"] for s in through_kit]


class _Builtin:
    roles = ("expert",)

    def reset(self, seed=None):
        pass

    def act(self, role, observation, info):
        return info["toolkit"].sop_strategy(info["state"], info["turn"])


def test_an_agent_process_plays_byte_identical_episodes():
    view = make_view("GOPO-Mgshop-v0", ("expert",), split="test")
    ids = view.scenario_ids("test")[:4]
    with AgentProcess(SOP, toolkit=view.dialogue.domain.toolkit()) as remote:
        far = [play(view, remote, seed=episode_seed(0, s), scenario_id=s) for s in ids]
    from baselines.scripted import ScriptedSOPAgent

    near = [play(view, ScriptedSOPAgent(), seed=episode_seed(0, s), scenario_id=s) for s in ids]
    assert [p.actions for p in far] == [p.actions for p in near]
    assert [p.summary for p in far] == [p.summary for p in near]


def test_agent_process_errors_are_clear():
    with pytest.raises(AgentError, match="cannot be constructed"):
        AgentProcess(SOP, {"nope": 1})
    with pytest.raises(AgentError, match="ModuleNotFoundError"):
        AgentProcess("no_such_module_xyz:Agent")


def test_one_seeding_scheme_pairs_agents():
    assert episode_seed(0, "a") == episode_seed(0, "a") != episode_seed(1, "a")
    assert 0 <= episode_seed(3, "mgshop-test-0000") < 2**48
    a = evaluate(_Builtin(), "GOPO-Mgshop-v0", "dev", episodes=3, trial_seed=2)
    assert [s["episode_seed"] for s in a] == [
        episode_seed(2, sid) for sid in make_view("GOPO-Mgshop-v0", ("expert",)).scenario_ids("dev")[:3]]
    assert np.isfinite([s["return"] for s in a]).all()
