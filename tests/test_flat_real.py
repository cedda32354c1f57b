"""The monolithic flat view and PPO (monolithic) on the real MG-ShopDial scenarios and catalogues."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import gopo_env  # noqa: F401

FLAT = "GOPO-Mgshop-Flat-v0"


def _env(mgshopdial_dir, **kwargs):
    return gym.make(FLAT, source="mgshopdial", data_dir=str(mgshopdial_dir), **kwargs)


def test_flat_view_on_real_data_passes_the_gymnasium_checker(mgshopdial_dir):
    check_env(_env(mgshopdial_dir, strict=False).unwrapped, skip_render_check=True)


def test_masked_random_acts_never_fail_on_real_items(mgshopdial_dir):
    """Every allowed act renders (real items may lack an attribute: its answer slot is masked)."""
    env = _env(mgshopdial_dir, split="test")
    rng = np.random.default_rng(0)
    for sid in env.unwrapped.scenario_ids("test"):
        obs, _ = env.reset(seed=1, options={"scenario_id": sid})
        done = False
        while not done:
            action = int(rng.choice(np.flatnonzero(obs["action_mask"])))
            obs, _, terminated, truncated, _ = env.step(action)
            done = terminated or truncated


def test_ppo_monolithic_trains_and_evaluates_on_real_data(mgshopdial_dir):
    pytest.importorskip("sb3_contrib")
    from baselines.ppo import PPOAgent
    from leaderboard.bench import env_overrides
    from leaderboard.runner import run

    with env_overrides({"source": "mgshopdial", "data_dir": str(mgshopdial_dir)}):
        agent = PPOAgent(form="monolithic", n_steps=64, batch_size=32, n_epochs=1, eval_every=0,
                         progress_bar=False)
        agent.train(FLAT, 128, seed=0)
        _, _, records = run(agent, "GOPO-Mgshop-v0", "test", trials=1)
    assert len(records) == 15 and all(r["scenario_id"].startswith("mgshopdial-test-") for r in records)
