"""Scenario validity: solvable by the SOP, not by chance, never vacuous; stable splits."""

from __future__ import annotations

import random

import gymnasium as gym
import numpy as np
import pytest
from conftest import run_sop

from gopo_env.domains import make_domain

DOMAIN = make_domain("mgshop")
TEST = DOMAIN.scenarios("test")


def test_splits_are_fixed_disjoint_and_ids_stable():
    ids = {split: [s.id for s in DOMAIN.scenarios(split)] for split in ("train", "dev", "test")}
    assert [len(v) for v in ids.values()] == [420, 60, 120]
    flat = [i for v in ids.values() for i in v]
    assert len(flat) == len(set(flat))
    assert ids["test"][:2] == ["mgshop-test-0000", "mgshop-test-0001"]
    again = make_domain("mgshop")
    assert [s for s in again.scenarios("test")] == list(TEST)  # same content, not just ids
    assert DOMAIN.scenario("mgshop-dev-0005").split == "dev"


def test_no_scenario_has_an_empty_success_criterion():
    for s in TEST:
        assert s.items, s.id
        names, gains = s.agenda()
        assert any(n.startswith("purchase") for n in names) and sum(gains) > 0


@pytest.mark.parametrize("scenario", TEST, ids=lambda s: s.id)
def test_sop_expert_solves_every_test_scenario(scenario):
    env = gym.make("GOPO-Mgshop-v0", split="test")
    for seed in (0, 1):
        info = run_sop(env, seed, scenario.id)
        assert info["success"], env.unwrapped.dialogue.render_text()
        assert info["summary"]["tse"] > 0.5


def _play(policy, seed: int, scenario_id: str) -> dict:
    env = gym.make("GOPO-Mgshop-v0", split="test")
    obs, info = env.reset(seed=seed, options={"scenario_id": scenario_id})
    rng = random.Random(seed)
    done = False
    while not done:
        obs, _, term, trunc, info = env.step(policy(obs, info, rng))
        done = term or trunc
    return info


def test_random_and_do_nothing_policies_mostly_fail():
    def random_policy(obs, info, rng):
        allowed = np.flatnonzero(obs["action_mask"])
        return int(allowed[int(rng.random() * len(allowed))])

    def do_nothing(obs, info, rng):
        return 8  # open_question: always allowed, never moves the task on

    random_wins = sum(_play(random_policy, i, s.id)["success"] for i, s in enumerate(TEST))
    idle_wins = sum(_play(do_nothing, i, s.id)["success"] for i, s in enumerate(TEST))
    assert random_wins / len(TEST) < 0.2
    assert idle_wins == 0


def test_success_is_never_vacuous_for_a_fresh_episode():
    for s in TEST[:20]:
        assert not DOMAIN.start(s, 0).success()
