"""The customer surface rewrites words only: outcomes stay, transcripts stay deterministic."""

import gymnasium as gym
import pytest

import gopo_env  # noqa: F401
from gopo_env.core.errors import DomainError


def _play(**kwargs):
    env = gym.make("GOPO-Mgshop-v0", split="test", **kwargs)
    env.reset(seed=11)
    dialogue = env.unwrapped.dialogue
    while not dialogue.done:
        env.step(int(dialogue.builtin_strategy()))
    return dialogue


def _shout(act, ctx):
    return f"{act.utterance.upper()} #{ctx.turn}-{int(ctx.rng.random() * 1000)}"


def test_surface_changes_words_not_outcomes():
    plain, loud = _play(), _play(surface=_shout)
    assert plain.summary() == loud.summary()
    assert [t.intent for t in plain.transcript] == [t.intent for t in loud.transcript]
    assert all(b.customer.startswith(a.customer.upper()) for a, b in
               zip(plain.transcript, loud.transcript))


def test_surface_is_deterministic_per_seed():
    assert _play(surface=_shout).render_text() == _play(surface=_shout).render_text()


@pytest.mark.parametrize("bad", ["", "   ", "bell\x07", None])
def test_bad_surface_output_is_a_clear_error(bad):
    with pytest.raises(DomainError, match="surface"):
        _play(surface=lambda act, ctx: bad)


def test_unknown_surface_name():
    with pytest.raises(DomainError, match="unknown customer surface 'nope'"):
        gym.make("GOPO-Mgshop-v0", surface="nope")
