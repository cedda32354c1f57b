"""GOPO end to end on a tiny budget: train, save, load, act; determinism; the SOP mask."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

pytest.importorskip("torch")

from agents.gopo import ABLATIONS, GOPOAgent  # noqa: E402

ENV = "GOPO-Mgshop-v0"
TINY = dict(progress=False, eval_every=0, bc_epochs=5, group_size=3, groups_per_iter=4)
BUDGET = 600


def _episode(agent, env, seed, scenario_id):
    """Actions and summary of one episode of ``agent`` on the Expert view."""
    agent.reset(seed=seed)
    obs, info = env.reset(seed=seed, options={"scenario_id": scenario_id})
    actions, masks = [], []
    done = False
    while not done:
        a = agent.act("expert", obs, info)
        actions.append(a)
        masks.append(obs["action_mask"].copy())
        obs, _, terminated, truncated, info = env.step(a)
        done = terminated or truncated
    return actions, masks, info["summary"]


@pytest.fixture(scope="module")
def trained():
    agent = GOPOAgent(**TINY)
    stats = agent.train(ENV, budget=BUDGET, seed=3)
    return agent, stats


def test_smoke_train_save_load_act(trained, tmp_path):
    agent, stats = trained
    assert 0 < stats["bc_steps"] < stats["env_steps"] <= BUDGET  # both stages ran, budget kept
    assert stats["iterations"] >= 1 and stats["pairs"] > 0
    assert stats["evals"] and {"tse", "success"} <= set(stats["evals"][-1])
    agent.save(tmp_path / "gopo")
    loaded = GOPOAgent(roles=("expert",))
    loaded.load(tmp_path / "gopo")
    assert loaded.config == agent.config
    env = gym.make(ENV, split="dev")
    sid = env.unwrapped.scenario_ids()[0]
    for seed in (0, 1):
        before, _, summary = _episode(agent, env, seed, sid)
        after, _, _ = _episode(loaded, env, seed, sid)
        assert before == after
        assert 0.0 <= summary["tse"] <= 1.0


def test_same_seed_same_numbers(trained):
    agent, stats = trained
    again = GOPOAgent(**TINY)
    stats2 = again.train(ENV, budget=BUDGET, seed=3)
    assert stats2["evals"] == stats["evals"]
    assert stats2["pref_loss_last"] == stats["pref_loss_last"]
    other = GOPOAgent(**TINY).train(ENV, budget=BUDGET, seed=4)
    assert other["pref_loss_last"] != stats["pref_loss_last"]  # the seed matters


def test_actions_respect_the_sop_mask(trained):
    agent, _ = trained
    env = gym.make(ENV, split="dev")
    for i, sid in enumerate(env.unwrapped.scenario_ids()[:10]):
        actions, masks, _ = _episode(agent, env, i, sid)
        assert all(m[a] for a, m in zip(actions, masks))


def test_masked_policy_never_picks_a_masked_strategy_even_when_it_prefers_it(trained):
    import torch

    agent, _ = trained
    mask = np.zeros(agent.dims["n_strategies"], dtype=bool)
    mask[[1, 4]] = True
    hist = np.full(agent.config.history, agent.dims["n_strategies"])
    feats = np.zeros(agent.dims["n_features"], dtype=np.float32)
    with torch.no_grad():  # make a masked strategy the favourite of the raw logits
        agent.policy.net[-1].bias[7] += 1e4
    try:
        assert agent.greedy(feats, hist, mask) in (1, 4)
    finally:
        with torch.no_grad():
            agent.policy.net[-1].bias[7] -= 1e4


def test_ablations_are_configurations():
    assert GOPOAgent(ablation="no_preference").config.use_preference is False
    assert GOPOAgent(ablation="no_mask").config.use_mask is False
    assert GOPOAgent(ablation="no_expert").config.history == 0
    assert set(ABLATIONS) == {"full", "no_expert", "no_preference", "no_mask"}
    with pytest.raises(ValueError, match="unknown ablation"):
        GOPOAgent(ablation="nope")
    with pytest.raises(ValueError, match="unknown option"):
        GOPOAgent(betta=1.0)


@pytest.mark.parametrize("option, value, message", [
    ("beta", -1, r"beta=-1: must be a number > 0"),
    ("beta", 0, r"beta=0: must be a number > 0"),
    ("bc_lr", 0.0, r"bc_lr=0\.0"),
    ("pref_lr", float("nan"), r"pref_lr=nan"),
    ("bc_share", 1.5, r"bc_share=1\.5: must be a number >= 0 and <= 1"),
    ("epsilon", -0.1, r"epsilon=-0\.1"),
    ("temperature", 0, r"temperature=0"),
    ("group_size", 1, r"group_size=1: must be an int >= 2"),
    ("groups_per_iter", 0, r"groups_per_iter=0: must be an int >= 1"),
    ("history", -1, r"history=-1"),
    ("history", 2.5, r"history=2\.5: must be an int"),
    ("ref_sync_every", -2, r"ref_sync_every=-2"),
    ("eval_every", -1, r"eval_every=-1"),
    ("min_gap", -0.5, r"min_gap=-0\.5"),
    ("pairing", "worst", r"pairing must be one of \('all', 'best'\)"),
    ("eval_split", "validation", r"eval_split must be one of"),
    ("use_mask", "no", r"use_mask must be True or False"),
])
def test_options_out_of_range_are_refused(option, value, message):
    with pytest.raises(ValueError, match=message):
        GOPOAgent(**{option: value})


def test_the_benchmark_configurations_are_valid():
    from leaderboard.bench.entrants import ENTRANTS

    for entrant in ENTRANTS:
        if entrant.agent == "agents.gopo:GOPOAgent":
            GOPOAgent(**{k: v for k, v in entrant.kwargs.items() if k != "roles"}, roles=("expert",))


@pytest.mark.parametrize("ablation", ["no_expert", "no_preference", "no_mask"])
def test_ablations_train_within_budget(ablation):
    agent = GOPOAgent(ablation=ablation, **TINY)
    stats = agent.train(ENV, budget=300, seed=0)
    assert stats["env_steps"] <= 300
    assert (stats["pairs"] > 0) == (ablation != "no_preference")
    result = agent.evaluate(ENV, split="dev", scenario_ids=agent._engine(ENV, "dev").scenario_ids()[:3])
    assert result["episodes"] == 3


def test_untrained_agent_says_what_to_do():
    with pytest.raises(RuntimeError, match="train"):
        GOPOAgent().greedy(np.zeros(52, np.float32), np.zeros(4, np.int64), np.ones(11, bool))
