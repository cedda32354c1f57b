"""Properties of the sound TSE (``gopo_env.core.scoring.tse_sound``, GOPO-Mgshop-v1)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gopo_env.core.scoring import tse, tse_sound

gains_st = st.lists(st.floats(0.1, 5.0, allow_nan=False), min_size=1, max_size=9)


@st.composite
def episodes(draw):
    """Gains, achieved turns within a horizon, and the negative share of that horizon."""
    gains = draw(gains_st)
    horizon = draw(st.integers(1, 3 * len(gains) + 2))
    achieved = [draw(st.one_of(st.none(), st.integers(1, horizon))) for _ in gains]
    negatives = draw(st.integers(0, horizon))
    return gains, achieved, negatives / horizon, horizon


@given(gains_st)
def test_ideal_dialogue_scores_exactly_one(gains):
    assert tse_sound(gains, list(range(1, len(gains) + 1)), 0.0) == pytest.approx(1.0, abs=1e-12)


@given(episodes())
def test_nothing_achieved_scores_zero(ep):
    gains, _, share, _ = ep
    assert tse_sound(gains, [None] * len(gains), share) == 0.0


@settings(max_examples=300)
@given(episodes())
def test_never_above_one_without_clipping(ep):
    """Any turns at all, stacked several per turn or skipping items: never above the ideal."""
    gains, achieved, share, _ = ep
    assert 0.0 <= tse_sound(gains, achieved, share) <= 1.0 + 1e-12


@settings(max_examples=300)
@given(gains_st, st.data())
def test_stacking_or_skipping_never_beats_the_ideal(gains, data):
    """Achieving several items in one turn, or leaving one out (every later item a turn
    earlier), scores at most the ideal; any item never achieved makes it strictly lower."""
    n = len(gains)
    turns = sorted(data.draw(st.lists(st.integers(1, n), min_size=n, max_size=n)))  # stacked, in order
    dropped = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    achieved = [None if d else t for t, d in zip(turns, dropped)]
    score = tse_sound(gains, achieved, 0.0)
    assert score <= 1.0 + 1e-12
    if any(dropped):
        assert score < 1.0


def test_the_legacy_tse_pays_for_stacking_and_the_sound_one_does_not():
    """The v0 defect this definition removes: greet skipped, need + preferences in one turn."""
    gains = [0.5, 1.0, 1.0, 1.0, 3.0, 0.5]  # greetings, need, prefs, recommend, purchase, end
    achieved = [None, 1, 1, 2, 3, 4]
    assert tse(gains, achieved, 0.0) == 1.0  # clipped: the greeting never happened
    assert tse_sound(gains, achieved, 0.0) < 1.0 - 0.5 / sum(gains) / 2


@settings(max_examples=300)
@given(episodes(), st.data())
def test_later_never_higher(ep, data):
    gains, achieved, share, horizon = ep
    later = [None if t is None else data.draw(st.one_of(st.none(), st.integers(t, horizon + 3)))
             for t in achieved]
    assert tse_sound(gains, later, share) <= tse_sound(gains, achieved, share) + 1e-12


@settings(max_examples=300)
@given(episodes(), st.data())
def test_more_negative_feedback_never_higher(ep, data):
    gains, achieved, share, horizon = ep
    more = data.draw(st.integers(round(share * horizon), horizon)) / horizon
    assert tse_sound(gains, achieved, more) <= tse_sound(gains, achieved, share) + 1e-12


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="gains but"):
        tse_sound([1.0], [1, 2], 0.0)
    with pytest.raises(ValueError, match="1-based"):
        tse_sound([1.0], [0], 0.0)
    with pytest.raises(ValueError, match=">= 0"):
        tse_sound([-1.0], [1], 0.0)
    with pytest.raises(ValueError, match="negative_share"):
        tse_sound([1.0], [1], 1.5)
    assert tse_sound([], [], 0.0) == 0.0
