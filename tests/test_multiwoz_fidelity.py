"""The MultiWOZ grounding report: divergences, both sides' statistics, determinism."""

from __future__ import annotations

import pytest

from gopo_env.domains.multiwoz.fidelity import (
    INTENTS,
    ROWS,
    compare,
    js_divergence,
    real_stats,
    relative_error,
    report,
)


def test_divergences():
    assert js_divergence({"a": 1, "b": 1}, {"a": 5, "b": 5}) == pytest.approx(0.0)
    assert js_divergence({"a": 1}, {"b": 3}) == pytest.approx(1.0)
    assert 0 < js_divergence({"a": 3, "b": 1}, {"a": 1, "b": 3}) < 1
    assert relative_error(1.5, 2.0) == pytest.approx(0.25)
    assert relative_error(0.0, 0.0) == 0.0 and relative_error(1.0, 0.0) == 1.0


def test_real_turn_reduction():
    class D:
        log = (
            {"text": "I need a cheap hotel in the east .",
             "dialog_act": {"Hotel-Inform": [["Price", "cheap"], ["Area", "east"]]}},
            {"text": "Okay ."},
            {"text": "Thanks , what is the phone ?",
             "dialog_act": {"general-thank": [["none", "none"]], "Hotel-Request": [["Phone", "?"]]}},
            {"text": "It is 0123 ."},
        )

    s = real_stats(D())
    assert s.user_turns == 2
    assert s.user_intents == {"inform": 2, "thank": 1, "request": 1}
    assert s.user_domains == {"hotel": 3} and s.domains_talked == 1
    assert s.acts_per_turn == [2, 1] and s.words_per_turn == [9, 7]


def test_report_on_real_and_simulated_dialogues(multiwoz_dir):
    first = report(multiwoz_dir, seed=3, limit=25)
    assert first["real"]["n_dialogues"] == first["simulated"]["n_dialogues"] == 25
    assert [r["statistic"] for r in first["rows"]] == [name for name, _, _ in ROWS]
    for side in ("real", "simulated"):
        assert set(first[side]["user_intents"]) <= set(INTENTS)
        assert first[side]["turns_mean"] > 1 and first[side]["requests_per_dialogue_mean"] > 0
    assert first == report(multiwoz_dir, seed=3, limit=25)  # deterministic
    # the comparison reacts: a side compared with itself matches perfectly
    assert all(r["value"] == pytest.approx(0.0) for r in compare(first["real"], first["real"]))


def test_calibrate_command(multiwoz_dir, tmp_path):
    import argparse
    import json

    from gopo_env.domains.multiwoz.fidelity import calibrate, calibrate_arguments

    parser = argparse.ArgumentParser()
    calibrate_arguments(parser)
    with pytest.raises(ValueError, match="pass --report"):
        calibrate(parser.parse_args(["--data-dir", str(multiwoz_dir)]))
    out = tmp_path / "report.json"
    text = calibrate(parser.parse_args(["--data-dir", str(multiwoz_dir), "--report", "--limit", "10",
                                        "--json", str(out)]))
    assert "statistics match" in text and "| user act intents | js |" in text
    assert json.loads(out.read_text())["real"]["n_dialogues"] == 10
