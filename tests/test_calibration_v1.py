"""The v1 customer's numbers: estimators on synthetic records, the shipped file, the CLI."""

from __future__ import annotations

import pytest

from gopo_env.domains.mgshop.mgshopdial import calibrate_v1 as c1
from gopo_env.domains.mgshop.mgshopdial.calibrate import DialogueRecord
from gopo_env.domains.mgshop.v1 import V1_PARAMS_PATH, MgshopV1Params


def rec(constraint: str, customer, moves=("greet",)) -> DialogueRecord:
    return DialogueRecord("simple", constraint, "recommendation", False, tuple(moves),
                          tuple((prev, tuple(sorted(m.items()))) for prev, m in customer))


def test_estimators_by_hand():
    a = rec("low", [("elicit_preferences", {"answer": 1.0}), ("recommend", {"disclose": 0.5, "nf": 0.5})],
            moves=("recommend", "search"))
    b = rec("high", [("elicit_need", {"disclose": 1.0}), ("recommend", {"disclose": 1.0}),
                     ("search", {"disclose": 1.0}), ("recommend", {"nf": 1.0})], moves=("recommend",))
    s = c1.v1_statistics([a, b])
    assert s["latent_share"] == pytest.approx(2.5 / 4.5)  # after products / all statements
    assert s["explorer_share"] == pytest.approx(0.5)      # b: 2 after products > 1 elicited
    assert s["reveal_on_reject"] == pytest.approx(0.5)    # 2 nf turns, one with a disclosure
    assert s["low_prefs_share"] == pytest.approx(1.0)
    assert s["nf_after_product"] == pytest.approx(1.5 / 4)
    assert s["presentations"] == pytest.approx(1.5)
    single = c1.v1_statistics([rec("low", [("recommend", {"nf": 1.0})])])
    assert single["reveal_on_reject"] is None  # one intent per turn: not measurable
    est = c1.estimate(s)
    assert (est.p_latent, est.p_explorer, est.reveal_on_reject, est.p_low_prefs) == (
        round(2.5 / 4.5, 4), 0.5, 0.5, 1.0)


def test_shipped_v1_file_is_what_the_command_regenerates(mgshopdial_dir):
    assert c1.run_calibrate_v1(mgshopdial_dir) == V1_PARAMS_PATH.read_text()
    assert MgshopV1Params.load() == MgshopV1Params.load(V1_PARAMS_PATH)


def test_unknown_v1_parameter_is_refused(tmp_path):
    bad = tmp_path / "v1.json"
    bad.write_text('{"p_latnet": 0.3}')
    with pytest.raises(ValueError, match="unknown v1 parameter"):
        MgshopV1Params.load(bad)
