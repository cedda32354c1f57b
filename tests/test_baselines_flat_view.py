"""``GOPO-Mgshop-Flat-v0``: conformance, masks, and that the realizer only renders the chosen act."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import gopo_env
from gopo_env import InvalidActionError
from gopo_env.core.domain import DomainEpisode
from gopo_env.domains.mgshop.strategies import ANSWER, RECOMMEND

FLAT = "GOPO-Mgshop-Flat-v0"


def test_gymnasium_check_env():
    check_env(gym.make(FLAT, strict=False).unwrapped, skip_render_check=True)


def test_sb3_check_env():
    sb3_checker = pytest.importorskip("stable_baselines3.common.env_checker")
    sb3_checker.check_env(gym.make(FLAT, strict=False).unwrapped, warn=True)


def test_registered_once_and_reachable_by_module_prefix():
    assert FLAT in gopo_env.env_specs()
    env = gym.make(f"gopo_env:{FLAT}")
    assert env.action_space.n == env.unwrapped.acts.n == len(env.unwrapped.acts.names)


def _best_act(env, info, obs):
    """The SOP's strategy with the content the built-in CS Agent would choose."""
    e = env.unwrapped
    s = e.dialogue.builtin_strategy()
    if s == ANSWER:
        slot = e.acts.attributes(e.dialogue.scenario.category).index(info["state"]["pending_question"])
        return e.acts.table.index((ANSWER, slot))
    return e.acts.table.index((s, 0))


@pytest.mark.parametrize("index", [0, 7, 33])
def test_best_acts_replay_the_expert_view(index):
    # the flat view with the SOP's strategy and the realizer's own content choice must give the
    # outcome of GOPO-Mgshop-v0 with the built-in agents: same customer, same rewards
    flat, expert = gym.make(FLAT, split="test"), gym.make("GOPO-Mgshop-v0", split="test")
    sid = flat.unwrapped.scenario_ids()[index]
    obs, info = flat.reset(seed=index, options={"scenario_id": sid})
    expert.reset(seed=index, options={"scenario_id": sid})
    done = False
    while not done:
        assert obs["action_mask"][_best_act(flat, info, obs)]
        obs, r1, terminated, truncated, info = flat.step(_best_act(flat, info, obs))
        _, r2, *_ = expert.step(expert.unwrapped.dialogue.builtin_strategy())
        assert r1 == r2
        done = terminated or truncated
    mine, theirs = info["summary"], expert.unwrapped.dialogue.summary()
    assert mine["success"] and mine["strategies"] == theirs["strategies"]
    assert [t.customer for t in flat.unwrapped.dialogue.transcript] == \
           [t.customer for t in expert.unwrapped.dialogue.transcript]


def _play_until_question(env, seed):
    """SOP play on the flat view until the customer asks a question; returns obs, info."""
    for s in range(seed, seed + 40):
        obs, info = env.reset(seed=s)
        done = False
        while not done:
            if info["state"]["pending_question"] is not None and info["state"]["candidate"]:
                return obs, info
            obs, _, terminated, truncated, info = env.step(_best_act(env, info, obs))
            done = terminated or truncated
    raise AssertionError("no question asked in 40 episodes")


def test_content_choice_matters_wrong_attribute_draws_negative_feedback():
    env = gym.make(FLAT, split="train")
    obs, info = _play_until_question(env, 0)
    e = env.unwrapped
    attrs = e.acts.attributes(e.dialogue.scenario.category)
    wrong = next(a for a in attrs if a != info["state"]["pending_question"])
    _, _, _, _, info = env.step(e.acts.table.index((ANSWER, attrs.index(wrong))))
    assert info["customer"]["polarity"] == -1
    assert info["aligned"] and [f[1] for f in info["parsed"]["facts"]] == [wrong]


def test_recommend_slots_beyond_the_matches_are_masked_and_rejected_in_strict_mode():
    env = gym.make(FLAT, split="train", strict=True)
    e = env.unwrapped
    seen_few = False
    for seed in range(30):
        obs, info = env.reset(seed=seed)
        done = False
        while not done:
            n = len(e.acts.candidates(info["state"], e.dialogue.scenario.category))
            slots = [int(obs["action_mask"][e.acts.table.index((RECOMMEND, i))]) for i in range(e.acts.k)]
            allowed = bool(e.dialogue.mask()[RECOMMEND])
            assert slots == [int(allowed and (i == 0 or i < n)) for i in range(e.acts.k)]
            seen_few |= allowed and n < e.acts.k
            obs, _, terminated, truncated, info = env.step(_best_act(env, info, obs))
            done = terminated or truncated
    assert seen_few, "no state with fewer matches than slots: the test would not check the mask"
    obs, _ = env.reset(seed=0)
    masked = np.flatnonzero(obs["action_mask"] == 0)
    with pytest.raises(InvalidActionError, match="masked"):
        env.step(int(masked[0]))
    with pytest.raises(InvalidActionError, match="not an integer"):
        env.step(e.acts.n)


def test_lenient_mode_scores_masked_acts_as_violations():
    env = gym.make(FLAT, split="train", invalid_input="score")  # lenient is the default
    obs, _ = env.reset(seed=1)
    masked = int(np.flatnonzero(obs["action_mask"] == 0)[0])
    _, reward, *_, info = env.step(masked)
    assert info["violations"] and reward < 0
    _, _, *_, info = env.step(env.unwrapped.acts.n + 3)
    assert "invalid_strategy" in info["violations"]


def test_observation_extends_the_expert_features():
    flat, expert = gym.make(FLAT), gym.make("GOPO-Mgshop-v0")
    o1, _ = flat.reset(seed=4)
    o2, _ = expert.reset(seed=4)
    n = o2["features"].shape[0]
    assert np.array_equal(o1["features"][:n], o2["features"])
    assert o1["features"].shape == flat.observation_space["features"].shape
    assert flat.observation_space.contains(o1)


def test_domains_without_realize_act_say_so():
    class Bare(DomainEpisode):
        pass

    for name in sorted(Bare.__abstractmethods__):
        setattr(Bare, name, lambda self, *a, **k: None)
    Bare.__abstractmethods__ = frozenset()
    with pytest.raises(NotImplementedError, match="realize_act"):
        Bare().realize_act(0)
