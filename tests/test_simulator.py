"""Customer dynamics (docs/environment.md): the order of strategies matters."""

from __future__ import annotations

import statistics
from dataclasses import replace

import gymnasium as gym
import pytest
from conftest import run_sop

from gopo_env.domains.mgshop.params import MgshopParams
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
    sop = [run_sop(env, i, sid)["summary"] for i, sid in enumerate(ids)]
    myopic = [_play(env, i, sid, _recommend_first)["summary"] for i, sid in enumerate(ids)]
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


# ---------------------------------------------------------------- calibrated behaviours
# Each behaviour of the customer is one MgshopParams knob (docs/calibration.md): at its
# "always" value it happens wherever it can, at its "never" value it does not, and in both
# cases the scripted SOP still completes every dialogue.

def _sop_episodes(params, n=None):
    """SOP dialogues on the test split (seed = index): (transcript, final info, customer) each."""
    env = gym.make("GOPO-Mgshop-v0", split="test", params=params)
    d = env.unwrapped.dialogue
    out = []
    for i, sid in enumerate(env.unwrapped.scenario_ids()[:n]):
        info = run_sop(env, i, sid)
        out.append((list(d.transcript), info, d.episode.customer))
    env.close()
    return out


def _turns_after(episodes, strategy):
    """Turn records whose assistant move is ``strategy`` (each holds the customer's reply)."""
    return [rec for transcript, _, _ in episodes for rec in transcript[1:] if rec.strategy == ID[strategy]]


def _replies(transcript):
    """Customer replies paired with the assistant move that follows them."""
    return list(zip(transcript, transcript[1:]))


def _answer_label(episodes, on):
    after = _turns_after(episodes, "elicit_need")
    assert after and all(r.intent == ("answer" if on else "disclose") for r in after)
    return True


def _ask_recommendation(episodes, on):
    asks = [(rec, nxt) for t, _, _ in episodes for rec, nxt in _replies(t)
            if rec.customer.endswith("What would you recommend?")]
    if not on:
        return not asks
    # every dialogue whose requirements were completed by an elicitation asks, and the SOP
    # serves it at once with products, which draws no complaint
    told = [t for t, _, _ in episodes if any(
        r.strategy == ID["elicit_preferences"] and r.intent != "nf" for r in t)]
    assert len(asks) == len(told) > 0
    return all(rec.intent == "o_question" and nxt.strategy in (ID["recommend"], ID["search"])
               and nxt.polarity >= 0 for rec, nxt in asks)


def _clarify(episodes, on):
    asks = [(rec, nxt) for t, _, _ in episodes for rec, nxt in _replies(t) if rec.intent == "clarify"]
    if not on:
        return not asks
    # at least once per dialogue that accepted an item with something left to ask about, and
    # the SOP answers it (the clarification shows as a pending question)
    assert len(asks) >= len(episodes) // 2
    return all(nxt.strategy == ID["answer"] and nxt.polarity >= 0 for _, nxt in asks)


def _thanks(episodes, on):
    intents = [r.intent for t, _, _ in episodes for r in t]
    neutral = [r for t, _, _ in episodes for r in t if r.customer in ("Okay.", "Okay, I see.")
               or r.customer.endswith("works for me.")]
    if on:
        return "pf" in intents and not neutral
    return "pf" not in intents and neutral and all(r.polarity == 0 for r in neutral)


def _taste_reject(episodes, on):
    taste = [r for t, _, _ in episodes for r in t if "don't really like it" in r.customer]
    if not on:
        return not taste
    assert all(r.intent == "nf" and r.polarity == -1 for r in taste)
    # once per item that has another acceptable product beside the first one shown
    choice = sum(sum(need.violation(p) is None for p in c.products.values()) > 1
                 for _, _, c in episodes for need in c.scenario.items)
    return 0 < len(taste) == choice


def _chitchat(episodes, on):
    after = _turns_after(episodes, "greet")
    return after and all(r.intent == ("interaction" if on else "greeting") for r in after)


BEHAVIOURS = {
    # knob: (value that always does it, value that never does, check(episodes, on))
    "p_answer_label": (1.0, 0.0, _answer_label),
    "p_ask_recommendation": (1.0, 0.0, _ask_recommendation),
    "p_clarify": (1.0, 0.0, _clarify),
    "p_thanks": (1.0, 0.0, _thanks),
    "p_taste_reject": (1.0, 0.0, _taste_reject),
    "p_chitchat": (1.0, 0.0, _chitchat),
}


@pytest.mark.parametrize("knob", sorted(BEHAVIOURS))
@pytest.mark.parametrize("on", [True, False], ids=["always", "never"])
def test_behaviour_knob(knob, on):
    always, never, check = BEHAVIOURS[knob]
    params = replace(MgshopParams(), **{knob: always if on else never})
    episodes = _sop_episodes(params, n=60)
    assert check(episodes, on)
    assert all(info["success"] for _, info, _ in episodes), "the SOP must still complete every dialogue"


def test_behaviour_defaults_are_off():
    """The defaults keep the behaviours as they were before they became parameters."""
    p = MgshopParams()
    assert {k: getattr(p, k) for k in BEHAVIOURS} == {k: v[0 if k == "p_thanks" else 1]
                                                       for k, v in BEHAVIOURS.items()}


def test_taste_rejection_keeps_the_scenario_satisfiable():
    """With taste rejections always on, the last acceptable product is never rejected on taste."""
    for _, info, customer in _sop_episodes(replace(MgshopParams(), p_taste_reject=1.0)):
        assert info["success"]
        for i, need in enumerate(customer.scenario.items):
            acceptable = [p for p in customer.products.values() if need.violation(p) is None]
            taste = [pid for pid in customer.rejected if customer.products[pid] in acceptable]
            assert len(taste) <= 1 and len(acceptable) > len(taste), (customer.scenario.id, i)


@pytest.mark.parametrize("knob, text", [
    ("p_clarify", "You didn't answer my question. "),
    ("p_ask_recommendation", "You didn't answer my question. What would you recommend?"),
])
def test_ignoring_a_request_draws_negative_feedback(knob, text):
    env = gym.make("GOPO-Mgshop-v0", split="test", params=replace(MgshopParams(), **{knob: 1.0}))
    d = env.unwrapped.dialogue
    wanted = "clarify" if knob == "p_clarify" else "o_question"
    for seed in range(40):
        env.reset(seed=seed)
        while not d.done and d.transcript[-1].intent != wanted:
            env.step(d.builtin_strategy())
        if not d.done:
            _, _, _, _, info = env.step(ID["open_question"])
            assert info["customer"]["polarity"] == -1 and text in info["customer"]["utterance"]
            return
    pytest.fail(f"no episode with a request under {knob}=1")


def test_new_acts_fit_the_observation():
    """New acts show as an existing intent: the v0 feature layout stays as it was."""
    from gopo_env.domains.mgshop.episode import N_FEATURES
    from gopo_env.domains.mgshop.state import ACTS, INTENT_ID, INTENTS

    assert N_FEATURES == 52 and set(INTENT_ID) == set(ACTS)
    assert all(0 <= INTENT_ID[a] < len(INTENTS) for a in ACTS)
    assert INTENT_ID["clarify"] == INTENT_ID["o_question"]


def test_probabilities_are_checked(tmp_path):
    with pytest.raises(ValueError, match=r"p_clarify=1\.5.*\[0, 1\]"):
        MgshopParams(p_clarify=1.5)
    bad = tmp_path / "p.json"
    bad.write_text('{"p_thanks": -0.1}')
    with pytest.raises(ValueError, match=r"p\.json.*p_thanks=-0\.1"):
        MgshopParams.load(bad)
