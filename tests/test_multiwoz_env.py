"""GOPO-MultiWOZ: envs and conformance, splits, determinism, the SOP, the agenda customer."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from multiwoz_support import play
from pettingzoo.test import api_test, parallel_api_test

import gopo_env  # noqa: F401
from gopo_env.core.dialogue import Dialogue
from gopo_env.core.errors import DataError, InvalidActionError, ScenarioError
from gopo_env.domains.multiwoz import MultiwozDomain
from gopo_env.domains.multiwoz.episode import FEATURE_NAMES, N_FEATURES
from gopo_env.domains.multiwoz.strategies import ID, STRATEGIES

REPO = Path(__file__).resolve().parents[1]


def test_gym_make_and_env_checker(multiwoz_dir):
    for env_id in ("GOPO-MultiWOZ-v0", "GOPO-MultiWOZ-Text-v0"):
        env = gym.make(env_id, split="dev", strict=False, data_dir=multiwoz_dir)
        check_env(env.unwrapped, skip_render_check=False)
    env = gym.make("GOPO-MultiWOZ-v0", split="dev", data_dir=multiwoz_dir)
    obs, info = env.reset(seed=0)
    assert obs["features"].shape == (N_FEATURES,) == (len(FEATURE_NAMES),)
    assert env.action_space.n == len(STRATEGIES)
    assert info["scenario_id"].startswith("multiwoz-dev-")
    assert "sop" in info["state"] and info["state"]["active"] is not None


def test_pettingzoo_api(multiwoz_dir):
    from gopo_env.multiagent import multiwoz_v0

    api_test(multiwoz_v0.env(split="dev", strict=False, data_dir=multiwoz_dir), num_cycles=60)
    parallel_api_test(multiwoz_v0.parallel_env(split="dev", strict=False, data_dir=multiwoz_dir),
                      num_cycles=60)


def test_sop_succeeds_on_dev(multiwoz_domain):
    """The rule SOP against the agenda customer on the first 300 dev goals (docs: all 999)."""
    d = Dialogue(multiwoz_domain, split="dev")
    scenarios = multiwoz_domain.scenarios("dev")[:300]
    success, aligned, faithful = [], [], []
    for i, s in enumerate(scenarios):
        play(d, i, s.id)
        m = d.episode.metrics()
        success.append(m["success"])
        summary = d.summary()
        aligned += summary["aligned"]
        faithful += summary["faithful"]
    rate = sum(success) / len(success)
    assert rate >= 0.95, rate
    assert all(aligned), "the parser must read every built-in response as the act it realises"
    assert all(faithful), "the built-in CS Agent must state only database facts"


def test_random_policy_is_far_worse(multiwoz_domain):
    d = Dialogue(multiwoz_domain, split="dev")
    wins = 0
    for i, s in enumerate(multiwoz_domain.scenarios("dev")[:100]):
        play(d, i, s.id, policy="random")
        wins += d.episode.metrics()["success"]
    assert wins < 30


def _transcripts(multiwoz_dir, policy: str) -> str:
    code = textwrap.dedent(f"""
        import json, sys
        sys.path.insert(0, {str(REPO / 'tests')!r})
        from multiwoz_support import play
        from gopo_env.core.dialogue import Dialogue
        from gopo_env.domains.multiwoz import MultiwozDomain
        dom = MultiwozDomain(data_dir={str(multiwoz_dir)!r}, n_train=50)
        out = []
        for split in ("dev", "train"):
            d = Dialogue(dom, split=split)
            for i, s in enumerate(dom.scenarios(split)[:12]):
                play(d, 100 + i, s.id, {policy!r})
                out.append([r.as_dict() for r in d.transcript])
                out.append(d.summary())
                out.append(d.episode.metrics())
        print(json.dumps(out, sort_keys=True))
    """)
    env = {"PYTHONPATH": str(REPO), "PYTHONHASHSEED": "random"}
    import os

    env = {**os.environ, **env}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return res.stdout


@pytest.mark.parametrize("policy", ["sop", "random"])
def test_transcripts_are_byte_identical_across_processes(multiwoz_dir, policy):
    a = _transcripts(multiwoz_dir, policy)
    b = _transcripts(multiwoz_dir, policy)
    assert a == b and len(a) > 1000


def test_same_customer_where_paths_agree(multiwoz_domain):
    """Two experts on the same scenario and seed meet the same customer until they differ."""
    sid = multiwoz_domain.scenarios("dev")[5].id
    a, b = Dialogue(multiwoz_domain, split="dev"), Dialogue(multiwoz_domain, split="dev")
    a.reset(seed=7, scenario_id=sid)
    b.reset(seed=7, scenario_id=sid)
    assert a.transcript[0] == b.transcript[0]
    first = a.builtin_strategy()
    for d in (a, b):
        d.choose(first)
        d.respond(d.realize())
    assert a.transcript[1].customer == b.transcript[1].customer


def test_splits_disjoint_and_ids_stable(multiwoz_dir, multiwoz_domain):
    dev = multiwoz_domain.scenarios("dev")
    train = multiwoz_domain.scenarios("train")
    assert len(dev) == 999 and 250 <= len(train) <= 300
    assert not {s.id for s in dev} & {s.id for s in train}
    assert not {s.source_goal.key() for s in dev} & {s.source_goal.key() for s in train}
    assert dev[0].id == "multiwoz-dev-MUL0001" or dev[0].id.startswith("multiwoz-dev-")
    assert multiwoz_domain.scenario("multiwoz-dev-PMUL1635").dialogue_id == "PMUL1635"
    again = MultiwozDomain(data_dir=multiwoz_dir, n_train=300)
    assert [s.id for s in again.scenarios("train")] == [s.id for s in train]
    assert [s.goal for s in again.scenarios("train")] == [s.goal for s in train]
    # a longer generation keeps every id and goal of the shorter one
    longer = MultiwozDomain(data_dir=multiwoz_dir, n_train=400).scenarios("train")
    assert [s.goal for s in longer[: len(train)]] == [s.goal for s in train]
    assert all(s.reference for s in dev[:50])
    assert all(s.id.startswith("multiwoz-train-") and s.reference == () for s in train)


def test_test_split_requires_the_fetch(multiwoz_domain):
    if multiwoz_domain.has_test():
        assert len(multiwoz_domain.scenarios("test")) == 1000
        return
    with pytest.raises(DataError, match="gopo-bench data fetch multiwoz"):
        multiwoz_domain.scenarios("test")
    with pytest.raises(DataError, match="gopo-bench data fetch multiwoz"):
        multiwoz_domain.scenario("multiwoz-test-MUL0003")


def test_bad_input(multiwoz_dir, multiwoz_domain):
    with pytest.raises(ScenarioError, match="no scenario with id 'multiwoz-dev-NOPE'"):
        multiwoz_domain.scenario("multiwoz-dev-NOPE")
    with pytest.raises(ScenarioError, match="unknown split"):
        multiwoz_domain.scenarios("valid")
    with pytest.raises(ValueError, match="n_train must be a positive int"):
        MultiwozDomain(data_dir=multiwoz_dir, n_train=0)
    env = gym.make("GOPO-MultiWOZ-v0", split="dev", data_dir=multiwoz_dir, strict=True)
    obs, _ = env.reset(seed=1)
    masked = int(np.flatnonzero(obs["action_mask"] == 0)[0])
    with pytest.raises(InvalidActionError, match="masked by the SOP"):
        env.step(masked)


def test_fail_info_switch_and_fail_book(multiwoz_domain):
    """nooffer on the failing constraints makes the customer state its real ones; a refused
    booking (no-book) makes it change the failing booking slot."""
    d = Dialogue(multiwoz_domain, split="dev")
    fi = next(s for s in multiwoz_domain.scenarios("dev") if any(g.fail_info for g in s.goal.domains))
    play(d, 0, fi.id)
    assert "nooffer" in [r.strategy_name for r in d.transcript[1:]]
    g = next(g for g in fi.goal.domains if g.fail_info)
    assert d.episode.user.domains[g.domain].info_changed
    assert d.episode.metrics()["success"] == 1.0
    fb = next(s for s in multiwoz_domain.scenarios("dev") if any(g.fail_book for g in s.goal.domains))
    play(d, 0, fb.id)
    names = [r.strategy_name for r in d.transcript[1:]]
    assert "nobook" in names and names.index("nobook") < len(names) - 1 - names[::-1].index("book")
    assert d.episode.metrics()["success_strict"] == 1.0


def test_false_booking_is_not_accepted(multiwoz_domain):
    """A reference the desk never issued is unfaithful and the customer does not take it."""
    d = Dialogue(multiwoz_domain, split="dev", strict=False)
    s = next(s for s in multiwoz_domain.scenarios("dev")
             if s.goal.domains[0].domain == "restaurant" and s.goal.domains[0].book)
    d.reset(seed=3, scenario_id=s.id)
    for _ in range(12):
        if d.done:
            break
        if d.builtin_strategy() == ID["book"]:
            d.choose(ID["book"])
            text = d.realize()
            fake = text[:-9] + "ZZZZ9999."
            d.respond(fake)
            assert not d.transcript[-1].faithful
            assert d.episode.user.domains["restaurant"].booked is None
            return
        d.choose(d.builtin_strategy())
        d.respond(d.realize())
    pytest.fail("the SOP never booked")


def test_text_env_round_trip(multiwoz_dir):
    env = gym.make("GOPO-MultiWOZ-Text-v0", split="dev", data_dir=multiwoz_dir)
    obs, info = env.reset(seed=4)
    assert obs.startswith("Customer: ")
    assert "sop" in info["context"]
    obs, reward, term, trunc, info = env.step("Hello, welcome to Cambridge. How can I help you?")
    assert info["parsed"]["strategy"] == ID["welcome"]
    assert isinstance(info["parsed"]["acts"], list)
    json.dumps(dict(info["parsed"]))


def test_features_and_public_state_are_bounded(multiwoz_domain):
    d = Dialogue(multiwoz_domain, split="dev")
    for i, s in enumerate(multiwoz_domain.scenarios("dev")[:20]):
        d.reset(seed=i, scenario_id=s.id)
        while not d.done:
            f = d.features()
            assert f.dtype == np.float32 and f.min() >= 0.0 and f.max() <= 1.0
            state = d.episode.public_state()
            json.dumps(state)
            assert "goal" not in json.dumps(state)
            d.choose(d.builtin_strategy())
            d.respond(d.realize())


def test_toolkit_matches_the_episode(multiwoz_domain):
    """The public toolkit (what an agent process receives, pickled) writes, parses, checks and
    plans exactly as the episode does, from ``info["state"]`` alone."""
    import pickle

    kit = pickle.loads(pickle.dumps(multiwoz_domain.toolkit()))
    assert kit.strategies == multiwoz_domain.strategies
    d = Dialogue(multiwoz_domain, split="dev")
    for i, s in enumerate(multiwoz_domain.scenarios("dev")[:25]):
        d.reset(seed=i, scenario_id=s.id)
        while not d.done:
            state = d.episode.public_state()
            sop = d.builtin_strategy()
            assert kit.sop_strategy(state, d.turn) == sop
            d.choose(sop)
            text = d.realize()
            writer = kit.writer(state, seed=0)
            assert writer.realize(sop) == text
            parsed = writer.parse(text)
            assert parsed == d.episode.parse(text)
            assert writer.is_faithful(parsed) and d.episode.is_faithful(parsed)
            assert json.loads(json.dumps(writer.context())) == d.episode.context()
            d.respond(text)
    demos = multiwoz_domain.demonstrations("dev")
    assert len(demos) == 999 and demos[0][0].startswith("multiwoz-dev-") and demos[0][1]
    assert multiwoz_domain.demonstrations("train") == []


def test_wrong_inform_fills_the_request_but_earns_no_agenda_item(multiwoz_domain):
    """ConvLab's *Complete* accepts any informed value; our TSE item needs the true one."""
    d = Dialogue(multiwoz_domain, split="dev", strict=False)
    s = next(s for s in multiwoz_domain.scenarios("dev")
             if len(s.goal.domains) == 1 and s.goal.domains[0].domain == "attraction"
             and "phone" in s.goal.domains[0].reqt)
    d.reset(seed=0, scenario_id=s.id)
    while not d.done:
        sop = d.builtin_strategy()
        d.choose(sop)
        text = d.realize()
        if sop == ID["inform"] and "phone number" in text:
            text = re.sub(r"\b0\d{9,10}\b", "01223000000", text)
            d.respond(text)
            assert not d.transcript[-1].faithful
            user = d.episode.user
            assert user.domains["attraction"].reqt["phone"] == "01223000000"
            assert "attraction:phone" not in user.achieved
            return
        d.respond(text)
    pytest.fail("the SOP never informed a phone number")


def test_text_view_survives_arbitrary_text(multiwoz_dir):
    """Any printable response is parsed (never raises) and the dialogue goes on to its end."""
    rng = np.random.default_rng(0)
    words = ["hello", "TR1234", "Pizza Hut City Centre", "booked", "reference", "ABCD2345", "?", "no",
             "cheap", "north", "01223323737", "cb21ab", "taxi", "goodbye", "which", "price", "12:30",
             "the place", "sorry", "there is no", "would you like me to book", "£5", "free", "wifi"]
    env = gym.make("GOPO-MultiWOZ-Text-v0", split="dev", data_dir=multiwoz_dir)
    for episode in range(5):
        env.reset(seed=episode)
        done = False
        while not done:
            n = int(rng.integers(1, 12))
            text = " ".join(str(rng.choice(words)) for _ in range(n)) + str(rng.choice([".", "?", "!"]))
            _, reward, term, trunc, info = env.step(text)
            assert np.isfinite(reward) and isinstance(info["parsed"], Mapping)
            done = term or trunc
        assert info["summary"]["turns"] >= 1 and "domain_metrics" in info["summary"]
