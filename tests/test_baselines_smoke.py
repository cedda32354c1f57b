"""Every trainable baseline end to end with a tiny budget: train -> save -> load -> evaluate."""

from __future__ import annotations

import math

import pytest
from protocol_support import METRICS
from protocol_support import score as evaluate

from baselines.bc import BCAgent
from baselines.memento import MementoAgent
from baselines.ppo import PPOAgent

_PPO = {"n_steps": 64, "batch_size": 32, "n_epochs": 2, "eval_every": 64, "eval_episodes": 2,
        "progress_bar": False}
TINY = {
    # name: (class, kwargs, training view, budget in env steps)
    "ppo-expert": (PPOAgent, {"form": "expert", **_PPO}, "GOPO-Mgshop-v0", 128),
    "ppo-monolithic": (PPOAgent, {"form": "monolithic", **_PPO}, "GOPO-Mgshop-Flat-v0", 128),
    "memento": (MementoAgent, {"eval_every": 100, "eval_episodes": 2, "progress_bar": False},
                "GOPO-Mgshop-v0", 300),
    "memento-bow": (MementoAgent, {"encoder": "hashed_bow", "eval_every": 0, "progress_bar": False},
                    "GOPO-Mgshop-v0", 300),
    "bc": (BCAgent, {"epochs": 3, "eval_episodes": 2, "progress_bar": False}, "GOPO-Mgshop-v0", 200),
}


def train_tiny(name: str, seed: int = 0):
    cls, kwargs, env_id, budget = TINY[name]
    agent = cls(**kwargs)
    stats = agent.train(env_id, budget, seed)
    return agent, stats


@pytest.mark.parametrize("name", sorted(TINY))
def test_train_save_load_evaluate(name, tmp_path):
    agent, stats = train_tiny(name)
    assert stats["env_steps"] >= TINY[name][3]
    before = evaluate(agent, split="test", episodes=3)
    agent.save(str(tmp_path / name))
    loaded = TINY[name][0]()
    loaded.load(str(tmp_path / name))
    assert loaded.roles == agent.roles
    after = evaluate(loaded, split="test", episodes=3)
    assert after == before  # the saved agent is the trained one
    for metric in ("success", "tse", "esndcg", "gre"):
        assert 0.0 <= after[metric] <= 1.0
    assert after["turns"] >= 1 and after["episodes"] == 3


@pytest.mark.parametrize("name", ["ppo-expert", "ppo-monolithic", "memento"])
def test_periodic_dev_evaluation_is_recorded(name):
    _, stats = train_tiny(name)
    history = stats["dev_history"]
    assert len(history) >= 2
    assert [p["env_steps"] for p in history] == sorted(p["env_steps"] for p in history)
    assert all(0.0 <= p["dev_tse"] <= 1.0 for p in history)
    assert stats["steps_per_second"] > 0 and math.isfinite(stats["steps_per_second"])


def test_ppo_refuses_a_view_of_the_other_form():
    with pytest.raises(ValueError, match="GOPO-Mgshop-v0"):
        PPOAgent(form="expert").train("GOPO-Mgshop-Flat-v0", 64, 0)
    with pytest.raises(ValueError, match="GOPO-Mgshop-Flat-v0"):
        PPOAgent(form="monolithic").train("GOPO-Mgshop-Text-v0", 64, 0)
    with pytest.raises(ValueError, match="form must be one of"):
        PPOAgent(form="both")


@pytest.mark.parametrize("cls", [PPOAgent, MementoAgent, BCAgent])
def test_load_from_an_empty_directory_says_what_is_missing(cls, tmp_path):
    with pytest.raises(FileNotFoundError, match="save"):
        cls().load(str(tmp_path))


@pytest.mark.parametrize("cls", [PPOAgent, BCAgent])
def test_acting_untrained_is_a_clear_error(cls):
    with pytest.raises(RuntimeError, match="train"):
        evaluate(cls(), split="test", episodes=1)


def test_memento_with_an_empty_bank_acts_within_the_mask():
    scores = evaluate(MementoAgent(progress_bar=False), split="test", episodes=3)
    assert set(METRICS) <= set(scores)


def test_ppo_training_leaves_no_log_folder(tmp_path, monkeypatch):
    """SB3's default logger makes an empty ``SB3-<time>`` folder in the temp dir per learn()."""
    import tempfile

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    PPOAgent(form="expert", n_steps=64, batch_size=32, n_epochs=1, eval_every=0).train(
        "GOPO-Mgshop-v1", 64, 0)
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("SB3-")]
