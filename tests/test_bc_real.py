"""Behaviour cloning from MG-ShopDial's real assistant moves (replayed on the real scenarios)."""

import numpy as np
import pytest

pytest.importorskip("torch")

from baselines.bc import BCAgent  # noqa: E402


def _agent(mgshopdial_dir, sources):
    return BCAgent(sources=sources, real_data=str(mgshopdial_dir), progress_bar=False,
                   eval_episodes=0, epochs=2)


def test_real_moves_are_replayed_and_respect_the_mask(mgshopdial_dir):
    agent = _agent(mgshopdial_dir, "real")
    feats, masks, labels, counts = agent.real_demonstrations("GOPO-Mgshop-v0", budget=10_000)
    assert counts["real_dialogues"] > 20 and counts["real_moves"] == len(labels) > 100
    assert counts["real_skipped"] > 0  # real assistants do things the SOP forbids: counted, not hidden
    assert all(m[y] for m, y in zip(masks, labels))
    assert len(set(labels)) >= 5


def test_real_budget_caps_the_demonstrations(mgshopdial_dir):
    *_, counts = _agent(mgshopdial_dir, "real").real_demonstrations("GOPO-Mgshop-v0", budget=25)
    assert counts["real_moves"] == 25


def test_sop_plus_real_fills_the_budget_and_is_deterministic(mgshopdial_dir):
    first = _agent(mgshopdial_dir, "sop+real").train("GOPO-Mgshop-v0", 600, seed=1)
    second = _agent(mgshopdial_dir, "sop+real").train("GOPO-Mgshop-v0", 600, seed=1)
    assert first["env_steps"] == 600 and 0 < first["real_moves"] < 600
    for key in ("final_loss", "train_accuracy", "real_moves", "real_skipped"):
        assert first[key] == second[key]


def test_real_only_agent_acts_within_the_mask(mgshopdial_dir):
    import gymnasium as gym

    agent = _agent(mgshopdial_dir, "real")
    agent.train("GOPO-Mgshop-v0", 10_000, seed=0)
    env = gym.make("GOPO-Mgshop-v0", split="test")
    obs, info = env.reset(seed=3)
    for _ in range(5):
        action = agent.act("expert", obs, info)
        assert np.asarray(obs["action_mask"])[action]
        obs, _, term, trunc, info = env.step(action)
        if term or trunc:
            break


def test_unknown_source_is_refused():
    with pytest.raises(ValueError, match="sources must be"):
        BCAgent(sources="videos")
