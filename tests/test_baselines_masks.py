"""Expert agents never pick a strategy the SOP masks (strict mode would raise), trained or not."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from protocol_support import score as evaluate
from test_baselines_smoke import train_tiny

from baselines.random_agent import RandomAgent
from baselines.scripted import ScriptedSOPAgent
from gopo_env import InvalidActionError


class MaskSpy:
    """Wraps an agent and records (mask, choice) for every expert decision."""

    def __init__(self, agent):
        self.agent = agent
        self.roles = agent.roles
        self.choices: list[tuple[np.ndarray, int]] = []

    def reset(self, seed=None):
        self.agent.reset(seed)

    def act(self, role, observation, info):
        action = self.agent.act(role, observation, info)
        if role == "expert":
            self.choices.append((np.array(observation["action_mask"]), int(action)))
        return action


def _agents():
    yield "random", lambda: RandomAgent(seed=5)
    yield "scripted", ScriptedSOPAgent
    for name in ("ppo-expert", "ppo-monolithic", "memento", "bc"):
        yield name, lambda name=name: train_tiny(name)[0]


@pytest.mark.parametrize("name,make", list(_agents()), ids=[n for n, _ in _agents()])
def test_no_masked_strategy_in_strict_mode(name, make):
    spy = MaskSpy(make())
    evaluate(spy, split="test", episodes=6)  # the evaluation env is strict: a masked pick raises
    assert spy.choices
    assert all(mask[choice] for mask, choice in spy.choices)


def test_strict_mode_does_raise_on_a_masked_strategy():
    # the guard the test above relies on: greeting mid-dialogue is masked and raises
    env = gym.make("GOPO-Mgshop-v0", split="test", strict=True)
    env.reset(seed=0)
    env.step(0)
    assert not env.unwrapped.action_masks()[0]
    with pytest.raises(InvalidActionError):
        env.step(0)
