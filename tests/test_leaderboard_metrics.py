"""Leaderboard metrics: TSE properties, agreement with the environment, pass^k, bootstrap."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baselines.random_agent import RandomAgent
from baselines.scripted import ScriptedSOPAgent
from gopo_env.protocol import dialogue_of, make_view
from leaderboard import metrics as M
from leaderboard.runner import record_episode


def record(gains: list[float], achieved: list[int | None], polarities: list[int]) -> dict:
    """A minimal recorded episode: agenda item k achieved at turn achieved[k]; one turn per polarity."""
    items = [f"item{k}" for k in range(len(gains))]
    turns = [{"turn": t, "strategy": 0, "achieved": [i for i, a in zip(items, achieved) if a == t],
              "polarity": p, "aligned": True, "faithful": True, "reward": 0.0, "response": "hi"}
             for t, p in enumerate(polarities, 1)]
    return {"agenda": {"items": items, "gains": gains}, "turns": turns, "reference_strategies": [0],
            "outcome": {"success": False}}


gains_st = st.lists(st.floats(0.1, 5.0, allow_nan=False), min_size=1, max_size=8)


@st.composite
def episodes(draw):
    """Gains, achieved turns within a horizon, and polarities over that horizon."""
    gains = draw(gains_st)
    horizon = draw(st.integers(len(gains), 3 * len(gains) + 2))
    achieved = [draw(st.one_of(st.none(), st.integers(1, horizon))) for _ in gains]
    polarities = draw(st.lists(st.sampled_from([-1, 0, 1]), min_size=horizon, max_size=horizon))
    return gains, achieved, polarities


@given(gains_st)
def test_tse_ideal_dialogue_scores_one(gains):
    ideal = list(range(1, len(gains) + 1))
    assert M.tse(record(gains, ideal, [0] * len(gains))) == pytest.approx(1.0, abs=1e-12)


@given(episodes())
def test_tse_nothing_achieved_scores_zero(ep):
    gains, _, polarities = ep
    assert M.tse(record(gains, [None] * len(gains), polarities)) == 0.0


@given(episodes())
def test_tse_lies_in_unit_interval(ep):
    assert 0.0 <= M.tse(record(*ep)) <= 1.0


@settings(max_examples=200)
@given(episodes(), st.data())
def test_tse_later_never_higher(ep, data):
    gains, achieved, polarities = ep
    horizon = len(polarities)
    later = []
    for t in achieved:  # each item: same turn, a later one within the horizon, or never
        if t is None:
            later.append(None)
        else:
            later.append(data.draw(st.one_of(st.none(), st.integers(t, horizon))))
    assert M.tse(record(gains, later, polarities)) <= M.tse(record(gains, achieved, polarities)) + 1e-12


@settings(max_examples=200)
@given(episodes(), st.data())
def test_tse_more_negative_feedback_never_higher(ep, data):
    gains, achieved, polarities = ep
    flip = data.draw(st.lists(st.booleans(), min_size=len(polarities), max_size=len(polarities)))
    worse = [-1 if f else p for p, f in zip(polarities, flip)]
    assert M.tse(record(gains, achieved, worse)) <= M.tse(record(gains, achieved, polarities)) + 1e-12


def test_tse_penalises_negative_feedback_by_lambda():
    gains = [1.0, 2.0]
    assert M.tse(record(gains, [1, 2], [-1, 0])) == pytest.approx(1.0 - M.TSE_LAMBDA * 0.5)


@pytest.mark.parametrize("agent", [ScriptedSOPAgent(), RandomAgent(3)], ids=["scripted", "random"])
def test_metrics_from_the_record_equal_the_environment_summary(agent):
    view = make_view("GOPO-Mgshop-v0", ("expert",), split="test")
    d = dialogue_of(view)
    for i, sid in enumerate(d.scenario_ids("test")[:40]):
        ep = record_episode(view, agent, ("expert",), 1000 + i, sid, i, 0)
        got, want = M.episode_metrics(ep, None), d.summary()
        for name in ("success", "tse", "esndcg", "gre", "turns"):
            assert got[name] == pytest.approx(float(want[name]), abs=1e-12), (sid, name)
        assert got["return"] == pytest.approx(d.episode_return, abs=1e-9)


def test_pass_hat_k_counts_scenarios_solved_in_every_run():
    runs = {"a": [True, True, False], "b": [True, True, True], "c": [False, False, False]}
    assert M.pass_hat_k(runs, 1) == pytest.approx((2 / 3 + 1 + 0) / 3)
    assert M.pass_hat_k(runs, 2) == pytest.approx((1 / 3 + 1 + 0) / 3)
    assert M.pass_hat_k(runs, 3) == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="at least 4 runs"):
        M.pass_hat_k(runs, 4)


def test_bootstrap_ci_is_seeded_and_has_the_right_width():
    x = np.random.default_rng(1).normal(0.5, 0.1, size=400)
    lo, hi = M.bootstrap_ci(x)
    assert (lo, hi) == M.bootstrap_ci(x)
    assert lo < x.mean() < hi
    assert hi - lo == pytest.approx(2 * 1.96 * x.std() / math.sqrt(len(x)), rel=0.15)
    assert M.bootstrap_ci(np.full(50, 0.3)) == pytest.approx((0.3, 0.3))


def test_summarize_averages_trials_per_scenario_before_resampling():
    per_episode = {("s1", 0): {"tse": 1.0}, ("s1", 1): {"tse": 0.0}, ("s2", 0): {"tse": 1.0},
                   ("s2", 1): {"tse": 1.0}}
    out = M.summarize(per_episode)["tse"]
    assert out["mean"] == pytest.approx(0.75) and out["n"] == 2


def test_paired_bootstrap_detects_a_real_difference_and_not_a_null_one():
    rng = np.random.default_rng(2)
    base = {(f"s{i}", i): float(v) for i, v in enumerate(rng.uniform(0, 1, 100))}
    better = {k: v + 0.1 + float(rng.normal(0, 0.02)) for k, v in base.items()}
    test = M.paired_bootstrap(better, base)
    assert test["delta"] == pytest.approx(0.1, abs=0.01) and test["p_value"] < 0.01 and test["n"] == 100
    same = M.paired_bootstrap(base, dict(base))
    assert same["delta"] == 0.0 and same["p_value"] == 1.0
    assert M.paired_bootstrap(base, {("other", 0): 1.0})["n"] == 0


def test_generation_scorer_against_references_of_the_same_strategy():
    scorer = M.GenerationScorer({0: ["Hello and welcome to our shop!"], 1: ["What are you looking for?"]})
    assert scorer.score(0, "Hello and welcome to our shop!") == pytest.approx((1.0, 1.0))
    bleu, rouge = scorer.score(1, "Hello and welcome to our shop!")
    assert bleu < 0.2 and rouge < 0.3
    assert scorer.score(5, "anything") == (0.0, 0.0)  # no reference for this strategy


def test_realizer_references_cover_every_strategy():
    refs = M.realizer_references("GOPO-Mgshop-v0")
    d = dialogue_of(make_view("GOPO-Mgshop-v0", ("expert",), split="test"))
    assert set(refs) == set(range(d.n_strategies)) and all(refs.values())


def test_distinct_n():
    assert M.distinct_n(["a b a b"], 1) == pytest.approx(2 / 4)
    assert M.distinct_n(["a b a b"], 2) == pytest.approx(2 / 3)
    assert M.distinct_n([""], 2) == 0.0
