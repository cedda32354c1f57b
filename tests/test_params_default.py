"""The environment's default customer is the shipped MG-ShopDial calibration; "handset" the old one."""

import gymnasium as gym

import gopo_env  # noqa: F401
from gopo_env.domains.mgshop.params import MgshopParams


def _params(**kwargs):
    return gym.make("GOPO-Mgshop-v0", **kwargs).unwrapped.dialogue.domain.params


def test_default_is_the_calibrated_file():
    assert _params() == MgshopParams.load("calibrated") == _params(params="calibrated")
    assert _params().p_taste_reject > 0  # a fitted behaviour the hand-set values leave off


def test_handset_alias_gives_the_class_defaults():
    assert _params(params="handset") == MgshopParams()
    assert MgshopParams().p_taste_reject == 0


def test_the_two_customers_really_differ():
    def transcript(**kwargs):
        env = gym.make("GOPO-Mgshop-v0", split="test", **kwargs)
        env.reset(seed=5)
        d = env.unwrapped.dialogue
        while not d.done:
            env.step(int(d.builtin_strategy()))
        return d.render_text()

    assert transcript() == transcript(params="calibrated")
    runs = [transcript(params=p) for p in ("calibrated", "handset")]
    assert runs[0] != runs[1]
