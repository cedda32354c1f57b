"""Customer dynamics (SPEC §3): the order of strategies matters."""

from __future__ import annotations

import statistics

import gymnasium as gym
import pytest
from conftest import run_sop

from gopo_env.domains.mgshop.strategies import ID


def _play(env, seed, sid, policy):
    env.reset(seed=seed, options={"scenario_id": sid})
    d = env.unwrapped.dialogue
    info = None
    while not d.done:
        _, _, _, _, info = env.step(policy(d))
    return info


def _recommend_first(d):
    st = d.episode.state
    if st.pending_question is not None:
        return ID["answer"]
    if st.task_done:
        return ID["end"]
    return ID["close"] if st.candidate is not None else ID["recommend"]


def test_eliciting_before_recommending_pays():
    env = gym.make("GOPO-Mgshop-v0", split="test")
    ids = env.unwrapped.scenario_ids()
    sop = [run_sop(env, i, sid)["episode"] for i, sid in enumerate(ids)]
    myopic = [_play(env, i, sid, _recommend_first)["episode"] for i, sid in enumerate(ids)]
    tse_sop = statistics.fmean(e["tse"] for e in sop)
    tse_myopic = statistics.fmean(e["tse"] for e in myopic)
    neg_sop = statistics.fmean(e["negative_share"] for e in sop)
    neg_myopic = statistics.fmean(e["negative_share"] for e in myopic)
    assert tse_sop > tse_myopic + 0.1
    assert neg_myopic > neg_sop
    assert statistics.fmean(e["success"] for e in myopic) < 1.0


def _to_first_candidate(env, seed):
    """Play the SOP until the customer has accepted an item; returns the dialogue."""
    env.reset(seed=seed)
    d = env.unwrapped.dialogue
    while d.episode.state.candidate is None and not d.done:
        env.step(d.builtin_strategy())
    return d


def test_ignoring_a_question_draws_negative_feedback():
    env = gym.make("GOPO-Mgshop-v0", split="train")
    for seed in range(200):
        d = _to_first_candidate(env, seed)
        if d.episode.state.pending_question is not None and not d.done:
            _, _, _, _, info = env.step(ID["elicit_preferences"])
            assert info["customer"]["polarity"] == -1
            assert "didn't answer my question" in info["customer"]["utterance"]
            return
    pytest.fail("no episode with a question after the first recommendation")


@pytest.mark.parametrize("move, text", [
    ("end", "goodbye"),
    ("close", "haven't decided"),
])
def test_closing_too_early_costs(move, text):
    env = gym.make("GOPO-Mgshop-v0", strict=False)
    env.reset(seed=4)
    env.step(ID["elicit_need"])
    _, _, term, _, info = env.step(ID[move])
    assert info["customer"]["polarity"] == -1
    assert text in info["customer"]["utterance"].lower()
    if move == "end":
        assert term and not info["success"]


def test_repeating_a_move_draws_negative_feedback():
    env = gym.make("GOPO-Mgshop-v0")
    env.reset(seed=0)
    _, _, _, _, first = env.step(ID["elicit_need"])
    _, _, _, _, second = env.step(ID["elicit_need"])
    assert first["customer"]["polarity"] == 0 and second["customer"]["polarity"] == -1


def test_hidden_needs_stay_hidden_until_elicited():
    env = gym.make("GOPO-Mgshop-v0")
    _, info = env.reset(seed=0)
    assert info["state"]["kinds"] == [] and info["state"]["known"] == []
    _, _, _, _, info = env.step(ID["elicit_need"])
    assert info["state"]["kinds"]


def test_patience_runs_out():
    env = gym.make("GOPO-Mgshop-v0")
    env.reset(seed=0)
    env.step(ID["elicit_need"])
    intents = []
    for _ in range(10):
        _, _, term, _, info = env.step(ID["elicit_need"])
        intents.append(info["customer"]["intent"])
        if term:
            break
    assert intents[-1] == "leave" and not info["success"]
