"""GOPO-Mgshop-v1: versioning, task-disjoint splits, common random numbers, no free shortcuts."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import gopo_env  # noqa: F401 (registers the envs)
from baselines.reference import REFERENCES, play
from gopo_env.core.dialogue import Dialogue
from gopo_env.core.errors import DomainError
from gopo_env.domains import make_domain
from gopo_env.domains.mgshop.strategies import ANSWER, CLOSE, END
from gopo_env.domains.mgshop.v1 import (
    N_FEATURES_V1,
    PRODUCTS_PER_KIND_V1,
    KeyedDraws,
    v1_catalogue,
)


@pytest.fixture(scope="module")
def domain():
    return make_domain("mgshop", version=1)


def test_v1_ids_make_every_view():
    for env_id in ("GOPO-Mgshop-v1", "GOPO-Mgshop-Text-v1", "GOPO-Mgshop-Flat-v1"):
        env = gym.make(env_id, split="dev")
        obs, info = env.reset(seed=0)
        assert info["scenario_id"].startswith("mgshop-v1-dev-")
        env.close()
    assert gym.make("GOPO-Mgshop-v1").observation_space["features"].shape == (N_FEATURES_V1,)
    from gopo_env.multiagent import mgshop_v1

    aec = mgshop_v1.env(split="test")
    aec.reset(seed=1)
    assert aec.agent_selection == "expert"


def test_unknown_version_is_refused():
    with pytest.raises(DomainError, match="unknown version 2"):
        make_domain("mgshop", version=2)


def test_v1_dynamics_run_on_the_real_scenarios(mgshopdial_dir):
    """source="mgshopdial": the real scenarios and catalogues, v1's customer (no latent slots)."""
    d = Dialogue(make_domain("mgshop", version=1, source="mgshopdial", data_dir=mgshopdial_dir),
                 split="test")
    for i, sid in enumerate(d.scenario_ids("test")):
        summary = play(d, REFERENCES["sop"][1], i, sid)
        assert summary["agenda"]["tse_version"] == 1
        assert 0.0 <= summary["tse"] <= 1.0


def test_catalogue_is_at_scale_with_unique_names():
    for category, products in v1_catalogue().items():
        kinds = {p.kind for p in products}
        assert all(sum(p.kind == k for p in products) == PRODUCTS_PER_KIND_V1 for k in kinds)
        assert len({p.name.lower() for p in products}) == len(products), category


def test_splits_are_disjoint_by_task(domain):
    keys = {split: {s.task_key() for s in domain.scenarios(split)} for split in ("train", "dev", "test")}
    assert not keys["train"] & keys["test"]
    assert not keys["train"] & keys["dev"]
    assert not keys["dev"] & keys["test"]
    assert [len(domain.scenarios(s)) for s in ("train", "dev", "test")] == [420, 60, 120]


def test_keyed_draws_depend_on_the_event_only():
    a, b = KeyedDraws("customer", 7), KeyedDraws("customer", 7)
    first = [a("taste", 0), a("reveal", 0, "color", "x")]
    b("something", "else")  # an extra draw on one side shifts nothing
    assert [b("taste", 0), b("reveal", 0, "color", "x")] == first
    assert KeyedDraws("customer", 8)("taste", 0) != first[0]
    assert all(0.0 <= x < 1.0 for x in first)


def test_same_seed_same_customer_whatever_the_path(domain):
    """Two agents that diverge and meet again meet the same persona and the same draws."""
    d = Dialogue(domain, split="test")
    sid = d.scenario_ids("test")[3]
    d.reset(seed=5, scenario_id=sid)
    p1 = d.episode.customer.persona
    d.choose(4)  # search first: a path the SOP never takes
    d.respond(d.realize())
    taste1 = d.episode.customer._u("taste", 0)
    d.reset(seed=5, scenario_id=sid)
    assert d.episode.customer.persona == p1
    assert d.episode.customer._u("taste", 0) == taste1


def test_transcripts_are_deterministic(domain):
    def run():
        d = Dialogue(domain, split="test")
        ids = d.scenario_ids("test")[:30]
        return [play(d, REFERENCES["sop"][1], i, sid)["tse"] for i, sid in enumerate(ids)] + [d.render_text()]
    assert run() == run()


def test_sop_completes_and_latent_preferences_surface(domain):
    d = Dialogue(domain, split="train")
    ids = d.scenario_ids("train")[:120]
    critiques = 0
    for i, sid in enumerate(ids):
        summary = play(d, REFERENCES["sop"][1], i, sid)
        assert summary["success"], d.render_text()
        critiques += d.episode.state.critiques
    assert critiques > 0


def _catalogue_lister(d: Dialogue) -> None:
    """Greets, asks, then lists as many products of the wanted kind as a response holds."""
    d.respond_directly("Hello and welcome! What are you looking for today?")
    while not d.done:
        ep = d.episode
        st = ep.public_state()
        if st["pending_question"] is not None:
            text = ep.realize(ANSWER)
        elif st["task_done"]:
            text = ep.realize(END)
        elif st["candidate"] is not None:
            text = ep.realize(CLOSE)
        else:
            kind = st["kinds"][st["item"]] if st["item"] < len(st["kinds"]) else None
            names = [p.name for p in ep.customer.products.values()
                     if (kind is None or p.kind == kind) and p.id not in st["rejected"]]
            text = "I searched our catalogue and found "
            for name in names:
                if len(text) + len(name) + 3 > d.domain.max_response_chars:
                    break
                text += name + "; "
            text = text.rstrip("; ") + "."
        d.respond_directly(text)


def test_listing_the_catalogue_scores_below_the_sop(domain):
    d = Dialogue(domain, split="test")
    lister, sop = [], []
    for i, sid in enumerate(d.scenario_ids("test")):
        d.reset(seed=i, scenario_id=sid)
        _catalogue_lister(d)
        lister.append(d.summary()["tse"])
        sop.append(play(d, REFERENCES["sop"][1], i, sid)["tse"])
    assert np.mean(lister) < np.mean(sop) - 0.1, (np.mean(lister), np.mean(sop))


def test_reference_rows_are_ordered(domain):
    d = Dialogue(domain, split="test")
    ids = d.scenario_ids("test")[:40]
    mean = {k: np.mean([play(d, REFERENCES[k][1], i, sid)["tse"] for i, sid in enumerate(ids)])
            for k in ("random", "sop", "oracle-lookahead")}
    assert mean["random"] < mean["sop"] <= mean["oracle-lookahead"] <= 1.0


def test_v1_records_carry_the_sound_tse(domain):
    d = Dialogue(domain, split="test")
    s = play(d, REFERENCES["sop"][1], 0, d.scenario_ids("test")[0])
    assert s["agenda"]["tse_version"] == 1
    v0 = Dialogue(make_domain("mgshop"), split="test")
    assert "tse_version" not in play(v0, REFERENCES["sop"][1], 0, v0.scenario_ids("test")[0])["agenda"]


def test_v0_keeps_its_documented_split_overlap():
    """v0 stays byte-identical, so its splits keep the overlap CHANGELOG.md states (v1 fixes it)."""
    d = make_domain("mgshop")

    def key(s):
        return (s.category, s.goal, s.items, s.questions, s.min_rating)

    train = {key(s) for s in d.scenarios("train")}
    assert sum(key(s) in train for s in d.scenarios("test")) == 3
    assert sum(key(s) in train for s in d.scenarios("dev")) == 3


def test_rejections_say_why_at_the_v1_rate():
    """v1's measured reveal-on-reject (0.10) is the one the customer uses, not v0's 0.5: with the
    rate at 0 no rejection names the broken requirement, at 1 some do (regression: v1 read v0's)."""
    import re
    from dataclasses import replace

    from gopo_env.domains.mgshop.v1 import v1_params

    said_why = {}
    for rate in (0.0, 1.0):
        d = Dialogue(make_domain("mgshop", version=1, v1_params=replace(v1_params(), reveal_on_reject=rate)),
                     split="dev")
        n = 0
        for i, sid in enumerate(d.scenario_ids("dev")):
            play(d, REFERENCES["ask-nothing"][1], i, sid)
            n += len(re.findall(r"(?:That doesn't work for me|That's too expensive)\. (?!Actually)\w",
                                d.render_text()))
        said_why[rate] = n
    assert said_why[0.0] == 0 and said_why[1.0] > 0, said_why


def test_v1_params_only_for_version_1():
    with pytest.raises(DomainError, match="version 1 only"):
        make_domain("mgshop", version=0, v1_params="x.json")
    with pytest.raises(DomainError, match="MgshopV1Params or a path"):
        make_domain("mgshop", version=1, v1_params=3)


@pytest.mark.parametrize("field, value, message", [
    ("p_latent", 1.5, r"p_latent=1\.5 \(a probability in \[0, 1\]\)"),
    ("p_latent", -0.1, r"p_latent=-0\.1"),
    ("reveal_on_reject", -3, r"reveal_on_reject=-3"),
    ("p_explorer", "0.2", r"p_explorer='0\.2'"),
    ("max_products_read", 0, r"max_products_read=0 \(an int >= 1\)"),
    ("max_products_read", 2.5, r"max_products_read=2\.5"),
])
def test_v1_params_refuse_impossible_values(field, value, message):
    from dataclasses import replace

    from gopo_env.domains.mgshop.v1 import MgshopV1Params, v1_params

    with pytest.raises(ValueError, match=message):
        MgshopV1Params(**{field: value})
    with pytest.raises(ValueError, match=message):
        replace(v1_params(), **{field: value})


def test_v1_params_files_are_checked(tmp_path):
    import json

    from gopo_env.domains.mgshop.v1 import V1_PARAMS_PATH, MgshopV1Params

    assert MgshopV1Params.load() == MgshopV1Params.load(V1_PARAMS_PATH)  # the shipped file loads
    missing = tmp_path / "nope.json"
    with pytest.raises(DomainError, match=r"v1_params='.*nope\.json' is not a file that exists; pass"):
        MgshopV1Params.load(missing)
    with pytest.raises(DomainError, match="v1_params=.*nope"):
        make_domain("mgshop", version=1, v1_params=str(missing))
    garbled = tmp_path / "garbled.json"
    garbled.write_text("p_latent: 0.3\n")
    with pytest.raises(DomainError, match=r"v1_params='.*garbled\.json' is not a JSON file .*write it as"):
        MgshopV1Params.load(garbled)
    listed = tmp_path / "list.json"
    listed.write_text("[0.3]")
    with pytest.raises(DomainError, match="holds a JSON list"):
        MgshopV1Params.load(listed)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"p_latent": 2.0}))
    with pytest.raises(ValueError, match=r"bad\.json: MgshopV1Params: p_latent=2\.0.*fix the value"):
        MgshopV1Params.load(bad)


def test_the_pronoun_stays_capitalised(domain):
    """Critiques ("Actually, I'd like ...") and a need told on being asked for preferences
    ("First of all, I'm looking for ...") keep "I" (v0 keeps its lower-cased need: frozen)."""
    d = Dialogue(domain, split="train")
    lines = []
    for i, sid in enumerate(d.scenario_ids("train")[:150]):
        for policy in ("sop", "random"):
            play(d, REFERENCES[policy][1], i, sid)
            lines += [r.customer for r in d.transcript if "Seeing the" in r.customer
                      or "realise something" in r.customer or "First of all" in r.customer]
    assert any("First of all" in c for c in lines) and any("Seeing the" in c for c in lines)
    assert not any(" i'" in c or " i " in c for c in lines), [c for c in lines if " i'" in c][:3]
