"""The toy domain: its contract, its customer's rules, and the whole user path (gym.make,
PettingZoo, ``gopo-bench evaluate / submit / leaderboard``) on a domain that is not Mgshop."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pettingzoo
import pytest

from gopo_env.core.dialogue import Dialogue
from gopo_env.domains import make_domain
from gopo_env.domains.toy import language as L
from gopo_env.domains.toy.scenarios import ToyScenario
from gopo_env.protocol import evaluate, mean_metrics
from gopo_env.registration import env_specs

ROOT = Path(__file__).resolve().parents[1]


def dialogue(split: str = "test") -> Dialogue:
    return Dialogue(make_domain("toy"), split=split)


def test_generated_ids():
    specs = env_specs()
    assert specs["GOPO-Toy-v0"].view == "expert" and specs["GOPO-Toy-v0"].domain == "toy"
    assert specs["GOPO-Toy-Text-v0"].view == "text"
    assert "GOPO-Toy-Flat-v0" not in specs  # the toy has no flat act table


def test_splits_fixed_disjoint_and_cover_every_customer_kind():
    a, b = make_domain("toy"), make_domain("toy")
    seen_ids, seen_content = set(), set()
    for split, n in (("train", 16), ("dev", 4), ("test", 4)):
        scenarios = a.scenarios(split)
        assert [s.id for s in scenarios] == [s.id for s in b.scenarios(split)]
        assert len(scenarios) == n and all(s.split == split for s in scenarios)
        content = {(s.want, s.patience, s.vague) for s in scenarios}
        assert not seen_ids & {s.id for s in scenarios} and not seen_content & content
        seen_ids |= {s.id for s in scenarios}
        seen_content |= content
        if split != "train":  # every (patience, vague) pair once
            assert {(p, v) for _, p, v in content} == {(4, 0.0), (4, 0.5), (6, 0.0), (6, 0.5)}
    with pytest.raises(KeyError, match="unknown split"):
        a.scenarios("val")
    with pytest.raises(KeyError, match="no scenario with id"):
        a.scenario("toy-test-99")


def test_features_names_ranges_and_mask_over_random_play():
    d = dialogue("train")
    domain = d.domain
    assert len(domain.feature_names) == domain.n_features == 17
    rng = np.random.default_rng(0)
    for seed in range(30):
        d.reset(seed=seed)
        while not d.done:
            f, m = d.features(), d.mask()
            assert f.dtype == np.float32 and f.shape == (17,) and (f >= -1).all() and (f <= 1).all()
            assert m.dtype == np.int8 and m.shape == (4,) and m.sum() >= 1 and m[L.BYE] == 1
            d.choose(int(rng.choice(np.flatnonzero(m))))
            d.respond(d.realize())


@pytest.mark.parametrize("strategy", range(4))
def test_writer_text_parses_back_to_its_strategy_with_true_prices(strategy):
    toolkit = make_domain("toy").toolkit()
    for state in ({"greeted": False, "asked": 0, "want": None, "offered": [], "rejected": ["tea"],
                   "served": None, "last_strategy": None, "last_intent": "", "last_polarity": 0},
                  {"greeted": True, "asked": 1, "want": "soda", "offered": [], "rejected": [],
                   "served": None, "last_strategy": 1, "last_intent": "inform", "last_polarity": 0}):
        for seed in range(6):
            w = toolkit.writer(state, seed)
            parsed = w.parse(w.realize(strategy))
            assert parsed.strategy == strategy and w.is_faithful(parsed)
            if strategy == L.OFFER:
                assert parsed.products == ((state["want"] or "coffee"),)
                assert len(parsed.facts) == 1


def test_parser_on_free_text():
    p = L.parse("Hi! What can I get you?")
    assert p.strategy == L.ASK and p.moves == (L.GREET, L.ASK)
    p = L.parse("How about a juice at $9.99? Or tea for 2.5")
    assert p.strategy == L.OFFER and p.products == ("juice", "tea")
    assert p.facts == (("juice", "price", "9.99"), ("tea", "price", "2.50"))
    assert not L.is_faithful(p)
    assert L.parse("blah").strategy is None


def test_toolkit_sop_equals_builtin_and_state_hides_the_want():
    d = dialogue()
    toolkit = d.domain.toolkit()
    for sid in d.scenario_ids("test"):
        d.reset(seed=3, scenario_id=sid)
        while not d.done:
            info = d.step_info()
            if not info["state"]["asked"]:
                assert info["state"]["want"] is None  # hidden until the customer says it
            assert toolkit.sop_strategy(info["state"], info["turn"]) == d.builtin_strategy()
            d.choose(d.builtin_strategy())
            d.respond(d.realize())


def _play(d: Dialogue, sid: str, texts: list[str], seed: int = 0) -> list:
    d.reset(seed=seed, scenario_id=sid)
    for text in texts:
        d.respond_directly(text)
        if d.done:
            break
    return d.transcript


def test_customer_rules():
    d = dialogue()
    tea = next(s for s in d.domain.scenarios("test") if s.want == "tea" and s.vague == 0.0)
    t = _play(d, tea.id, ["Hello!", "How about a coffee for 3.00 dollars?",
                          "How about a tea for 2.50 dollars?", "Goodbye!"])
    assert [r.intent for r in t[1:]] == ["greet_back", "reject", "accept", "thank_bye"]
    assert d.episode.public_state()["rejected"] == ["coffee"] and d.summary()["success"]
    t = _play(d, tea.id, ["How about a tea for 1.00 dollars?"])
    assert t[-1].intent == "wrong_price" and not t[-1].faithful
    t = _play(d, tea.id, ["Bye!"])
    assert t[-1].intent == "leave_unserved" and d.terminated and not d.summary()["success"]
    t = _play(d, tea.id, ["Hello"] * 8)  # patience 4: leaves at turn 4
    assert d.terminated and d.turn == tea.patience and t[-1].intent == "give_up"


def test_vague_answers_follow_the_episode_seed_only():
    d = dialogue()
    shy = next(s for s in d.domain.scenarios("test") if s.vague == 0.5)
    intents = {}
    for seed in range(12):
        t = _play(d, shy.id, ["Hi", "What would you like?", "What would you like?"], seed)
        intents[seed] = tuple(r.intent for r in t)
        # the same seed gives the same answers whatever the wording of the responses
        t2 = _play(d, shy.id, ["Hello there", "What can I get you?", "What do you want?"], seed)
        assert tuple(r.intent for r in t2) == intents[seed]
    assert len(set(intents.values())) > 1  # both vague and direct answers occur


def test_gym_make_and_pettingzoo_episodes():
    env = gym.make("GOPO-Toy-Text-v0", split="test")
    obs, info = env.reset(seed=0, options={"scenario_id": "toy-test-00"})
    toolkit = env.unwrapped.dialogue.domain.toolkit()
    done = False
    while not done:
        text = toolkit.writer(info["state"], 0).realize(toolkit.sop_strategy(info["state"], info["turn"]))
        obs, _, terminated, truncated, info = env.step(text)
        done = terminated or truncated
    assert info["success"] and "Customer:" in obs and info["context"]["menu"][0]["item"] == "tea"

    aec = pettingzoo.make("aec", "gopo/toy-v0", split="test")
    aec.reset(seed=0, options={"scenario_id": "toy-test-00"})
    for agent in aec.agent_iter(max_iter=40):
        obs, _, term, trunc, info = aec.last()
        if term or trunc:
            aec.step(None)
        elif agent == "expert":
            aec.step(toolkit.sop_strategy(info["state"], info["turn"]))
        else:
            aec.step(toolkit.writer(info["state"], 1).realize(int(obs["strategy"])))
    assert aec.unwrapped.dialogue.summary()["success"]


def test_baselines_in_process():
    from baselines.random_agent import RandomAgent
    from baselines.scripted import ScriptedSOPAgent

    sop = mean_metrics(evaluate(ScriptedSOPAgent(), "GOPO-Toy-v0", "test"))
    rnd = mean_metrics(evaluate(RandomAgent(), "GOPO-Toy-v0", "test"))
    assert sop["episodes"] == rnd["episodes"] == 4
    assert sop["success"] == 1.0 and sop["tse"] > rnd["tse"]


def test_start_rejects_a_foreign_scenario():
    with pytest.raises(KeyError, match="cannot start"):
        make_domain("toy").start(object(), 0)  # type: ignore[arg-type]
    assert isinstance(make_domain("toy").scenarios("dev")[0], ToyScenario)


def _cli(*args: str, cwd: Path) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-m", "leaderboard.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{args}: {done.stdout[-2000:]}{done.stderr[-3000:]}"
    return done.stdout


def test_cli_evaluate_submit_leaderboard(tmp_path):
    db = str(tmp_path / "board.sqlite")
    for name, spec in (("sop", "baselines.scripted:ScriptedSOPAgent"),
                       ("rnd", "baselines.random_agent:RandomAgent")):
        out = str(tmp_path / name)
        _cli("evaluate", "--agent", spec, "--env", "GOPO-Toy-v0", "--split", "test", "--trials", "3",
             "--out", out, "--name", f"toy-{name}", "--no-progress", cwd=tmp_path)
        submission = json.loads(Path(out, "submission.json").read_text())
        assert submission["env"]["id"] == "GOPO-Toy-v0" and submission["protocol"]["episodes"] == 12
        assert submission["track"] == "standard"  # the standard protocol: 3 trials, seeds 0-2
        _cli("submit", out, "--db", db, "--no-progress", cwd=tmp_path)
    table = _cli("leaderboard", "--db", db, cwd=tmp_path)
    assert "toy-sop" in table and "toy-rnd" in table and "GOPO-Toy-v0" in table
    assert table.index("toy-sop") < table.index("toy-rnd")  # ranked: the SOP beats random
