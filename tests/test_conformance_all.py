"""Conformance of every registered GOPO env id (Gymnasium) and gopo/* id (PettingZoo).

The ids are read from the registries, so a newly registered domain is checked without editing
this file: Gymnasium's env checker, byte-identical transcripts for the same seed and actions (in
this process and in a fresh one), PettingZoo's AEC and Parallel API tests.
"""

from __future__ import annotations

import json
import os
import pickle
import random
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pettingzoo
import pytest
from data_support import held_out_split
from gymnasium.utils.env_checker import check_env
from pettingzoo.env_registry import registration as pz
from pettingzoo.test import api_test, parallel_api_test

import gopo_env  # noqa: F401  (registers the ids)
from gopo_env.core.dialogue import Dialogue
from gopo_env.domains import domain_names, make_domain

GOPO_IDS = sorted(k for k in gym.registry if k.startswith("GOPO-"))
PZ_IDS = sorted(k for k in pz.aec_registry if k.startswith("gopo/"))
ROOT = Path(__file__).resolve().parents[1]


def test_every_domain_has_its_ids():
    for name in domain_names():
        assert f"gopo/{name}-v0" in PZ_IDS
        assert f"gopo/{name}-v0" in pz.parallel_registry
    assert {"GOPO-Toy-v0", "GOPO-Toy-Text-v0", "GOPO-Mgshop-v0"} <= set(GOPO_IDS)


@pytest.mark.parametrize("env_id", GOPO_IDS)
def test_gymnasium_check_env(env_id):
    # the checker samples actions without the SOP mask: lenient mode scores them as violations
    env = gym.make(env_id, strict=False)
    check_env(env.unwrapped, skip_render_check=False)


def transcript(env_id: str, seed: int, episodes: int = 2) -> str:
    """JSON of ``episodes`` episodes played with seeded actions: observations, rewards, transcript.

    Expert and flat views pick uniformly among the masked-in actions; text views write the
    domain toolkit's template response for a random strategy.
    """
    env = gym.make(env_id, split=held_out_split(env_id))
    toolkit = env.unwrapped.dialogue.domain.toolkit()
    rng = random.Random(seed)
    out = []
    for k in range(episodes):
        obs, info = env.reset(seed=seed + k)
        steps, done = [], False
        while not done:
            if isinstance(obs, dict):
                action = int(rng.choice(np.flatnonzero(obs["action_mask"])))
            else:
                strategy = rng.randrange(len(toolkit.strategies))
                action = toolkit.writer(info["state"], rng.randrange(2**31)).realize(strategy)
            obs, reward, terminated, truncated, info = env.step(action)
            done = terminated or truncated
            steps.append([action, reward, obs if isinstance(obs, str) else
                          {key: np.asarray(v).tolist() for key, v in obs.items()}])
        out.append({"steps": steps,
                    "transcript": [r.as_dict() for r in env.unwrapped.dialogue.transcript],
                    "summary": env.unwrapped.dialogue.summary()})
    env.close()
    return json.dumps(out, sort_keys=True)


@pytest.mark.parametrize("env_id", GOPO_IDS)
def test_same_seed_and_actions_same_transcript(env_id):
    a, b = transcript(env_id, 7), transcript(env_id, 7)
    assert a == b
    assert transcript(env_id, 8) != a  # the seed matters (a transcript that ignores it would pass)


def test_transcripts_identical_in_a_fresh_process():
    code = ("import json, sys; sys.path.insert(0, 'tests'); "
            "from test_conformance_all import GOPO_IDS, transcript; "
            "print(json.dumps({i: transcript(i, 7) for i in GOPO_IDS}))")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "PYTHONHASHSEED": "12345"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    there = json.loads(done.stdout.strip().splitlines()[-1])
    assert sorted(there) == GOPO_IDS
    for env_id in GOPO_IDS:
        assert there[env_id] == transcript(env_id, 7), env_id


@pytest.mark.parametrize("domain", domain_names())
def test_domain_contract(domain):
    """The SOP, mask, toolkit and public state of every domain keep the contract of
    ``gopo_env/domains/README.md`` along the SOP's own episodes on the test split."""
    split = held_out_split(domain)
    d = Dialogue(make_domain(domain), split=split)
    dom = d.domain
    assert len(dom.feature_names) == dom.n_features and dom.max_turns >= 1
    toolkit = dom.toolkit()
    if toolkit is not None:
        assert toolkit.strategies == dom.strategies
        toolkit = pickle.loads(pickle.dumps(toolkit))  # what an agent process receives
    for sid in d.scenario_ids(split)[:10]:
        d.reset(seed=1, scenario_id=sid)
        while not d.done:
            state = d.episode.public_state()
            assert json.loads(json.dumps(state)) == state  # JSON-able, plain values
            sop = d.builtin_strategy()
            assert d.mask()[sop] == 1, (sid, d.turn, dom.strategies[sop])
            if toolkit is not None:
                assert toolkit.sop_strategy(state, d.turn) == sop
            d.choose(sop)
            text = d.realize()
            assert 0 < len(text) <= dom.max_response_chars and d.episode.parse(text).strategy == sop
            d.respond(text)
        names, gains, achieved = d.episode.agenda()
        assert len(names) == len(gains) == len(achieved) and all(g >= 0 for g in gains)


@pytest.mark.parametrize("pz_id", PZ_IDS)
def test_pettingzoo_api_test(pz_id):
    api_test(pettingzoo.make("aec", pz_id), num_cycles=200)


@pytest.mark.parametrize("pz_id", PZ_IDS)
def test_pettingzoo_parallel_api_test(pz_id):
    parallel_api_test(pettingzoo.make("parallel", pz_id), num_cycles=200)
