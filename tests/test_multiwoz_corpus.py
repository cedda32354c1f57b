"""MultiWOZ corpus scoring (Inform/Success/BLEU/Combined): normalisation, rules, errors, gold replay."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("sacrebleu")
pytest.importorskip("sacremoses")

from gopo_env.domains.multiwoz.corpus.gold import CorpusGoal, GoldDialogue  # noqa: E402
from gopo_env.domains.multiwoz.corpus.normalize import (  # noqa: E402
    delexicalize,
    normalize_response,
    normalize_state,
    normalize_time,
    span_placeholder,
)
from gopo_env.domains.multiwoz.corpus.scorer import (  # noqa: E402
    CorpusInputError,
    estimate_active_domains,
    score_dialogue,
    validate_predictions,
)
from gopo_env.domains.multiwoz.corpus.venues import VenueTable, partial_ratio  # noqa: E402

HUMAN_INFORM, HUMAN_SUCCESS = 93.7, 90.9
"""Human reference responses on the test set (MultiWOZ 2.2 references; budzianowski/multiwoz README)."""
TOLERANCE = 3.0


# ------------------------------------------------------------------------------ normalisation

@pytest.mark.parametrize("text, expected", [
    ("[restaurant_name] is at [restaurant_address] .", "NAME is at ADDRESS."),
    ("[value_count] [hotel_name]s are in the [value_area]", "COUNT NAME are in the AREA"),
    ("Your reference is [hotel_reference] , the [train_id] leaves at [value_time] .",
     "your reference is REFERENCE, the TRAINID leaves at TIME."),
    ("Call [attraction_phone] , post code [attraction_postcode]", "call PHONE, post code POST"),
    ("I have [name] on [day] .", "i have NAME on DAY."),
    ("That does n't matter .", "that does n't matter."),
])
def test_placeholders_map_to_unified_codes(text, expected):
    assert normalize_response(text) == expected


def test_unknown_placeholders_are_dropped_and_reported():
    unknown: set[str] = set()
    assert normalize_response("at [restaurant_blah] now", unknown) == "at now"
    assert unknown == {"restaurant_blah"}


@pytest.mark.parametrize("raw, expected", [
    ("7pm", "19:00"), ("after 17:30", "17:30"), ("1715", "17:15"), ("9:05", "09:05"),
    ("noon", "12:00"), ("by 08:45", "08:45"), ("10:15 am", "10:15"), ("3", "03:00"),
])
def test_times_to_hh_mm(raw, expected):
    assert normalize_time(raw) == expected


def test_state_normalisation_drops_unconstraining_values():
    state = normalize_state({"Hotel": {"type": "guest house", "parking": "free", "area": "not mentioned",
                                       "name": "dontcare"},
                             "train": {"arriveBy": "7pm", "leaveAt": ""}})
    assert state == {"hotel": {"type": "guesthouse", "parking": "yes"}, "train": {"arrive": "19:00"}}


def test_delexicalize_replaces_token_spans():
    text = "I recommend the Warkworth House , it is cheap ."
    spans = [["Hotel-Recommend", "Name", "Warkworth House", 3, 4], ["Hotel-Inform", "Price", "cheap", 8, 8]]
    assert delexicalize(text, spans) == "I recommend the [hotel_name] , it is [hotel_pricerange] ."
    # overlapping spans keep the first; dontcare stays text; out-of-range spans are ignored
    spans = [["Hotel-Inform", "Name", "Warkworth House", 3, 4], ["Hotel-Inform", "Name", "House", 4, 4],
             ["Hotel-Inform", "Price", "dontcare", 8, 8], ["Hotel-Inform", "Area", "x", 30, 31]]
    assert delexicalize(text, spans) == "I recommend the [hotel_name] , it is cheap ."


@pytest.mark.parametrize("act, slot, code", [
    ("Booking-Book", "Ref", "REFERENCE"), ("Train-Inform", "Id", "TRAINID"), ("Train-Inform", "Time", "TIME"),
    ("Attraction-Inform", "Fee", "PRICE"), ("Taxi-Inform", "Car", "TYPE"), ("Hotel-Inform", "Post", "POST"),
    ("Train-OfferBook", "Depart", "PLACE"), ("Restaurant-Inform", "Choice", "COUNT"),
])
def test_every_span_placeholder_has_a_code(act, slot, code):
    assert normalize_response(span_placeholder(act, slot)) == code


def test_partial_ratio_definition():
    assert partial_ratio("cambridge", "cambridge") == 100
    assert partial_ratio("the cambridge punter", "cambridge punter") == 100
    assert partial_ratio("", "x") == 0
    assert partial_ratio("ely", "norwich") < 90


# -------------------------------------------------------------------------------- rules

ROWS = {
    "restaurant": [
        {"id": "0", "name": "golden curry", "food": "indian", "area": "centre", "pricerange": "expensive"},
        {"id": "1", "name": "curry king", "food": "indian", "area": "centre", "pricerange": "expensive"},
        {"id": "2", "name": "pizza hut", "food": "italian", "area": "south", "pricerange": "cheap"},
    ],
    "hotel": [{"id": "0", "name": "acorn guest house", "type": "guesthouse", "area": "north"}],
    "attraction": [{"id": "0", "name": "kings college", "type": "college", "area": "centre"}],
    "train": [
        {"trainID": "TR1", "departure": "cambridge", "destination": "ely", "day": "monday",
         "leaveAt": "08:00", "arriveBy": "08:17"},
        {"trainID": "TR2", "departure": "cambridge", "destination": "ely", "day": "monday",
         "leaveAt": "10:00", "arriveBy": "10:17"},
    ],
}


@pytest.fixture(scope="module")
def venues():
    return VenueTable(ROWS)


def goal(informable, requestable=(), named=False):
    return CorpusGoal(informable, frozenset(requestable), named)


def test_venue_query_semantics(venues):
    assert venues.query("restaurant", {"food": "indian", "area": "centre"}) == ("0", "1")
    assert venues.query("restaurant", {"food": "indian", "area": "dontcare"}) == ("0", "1")
    assert venues.query("restaurant", {"name": "golden curry restaurant"}) == ("0",)  # fuzzy name
    assert venues.query("train", {"departure": "cambridge", "arriveBy": "9:00"}) == ("TR1",)
    assert venues.query("train", {"leaveAt": "9am"}) == ("TR2",)
    assert venues.query("taxi", {"departure": "x"}) == ()


def test_inform_uses_last_offer_and_success_needs_requestables(venues):
    g = {"restaurant": goal({"food": "indian", "area": "centre"}, {"PHONE"})}
    italian = {"restaurant": {"food": "italian"}}
    indian = {"restaurant": {"food": "indian", "area": "centre"}}
    active = [("restaurant",)] * 2
    booked = [frozenset()] * 2
    # first offer wrong, last offer right -> inform; phone given -> success
    s = score_dialogue(g, ["NAME is nice", "NAME, PHONE"], [italian, indian], active, booked, venues)
    assert s.inform_total and s.success_total
    # the other order -> the last offer (italian) is wrong
    s = score_dialogue(g, ["NAME is nice", "NAME, PHONE"], [indian, italian], active, booked, venues)
    assert not s.inform_total and not s.success_total and s.success == {}
    # right venue, no phone -> inform without success
    s = score_dialogue(g, ["NAME is nice", "ok"], [indian, indian], active, booked, venues)
    assert s.inform_total and not s.success_total
    # not active -> nothing counts
    s = score_dialogue(g, ["NAME is nice", "NAME, PHONE"], [indian, indian], [(), ()], booked, venues)
    assert not s.inform_total


def test_reference_counts_only_when_booked_and_special_domains_match(venues):
    g = {"hotel": goal({"name": "acorn guest house"}, {"REFERENCE"}, named=True),
         "taxi": goal({"departure": "acorn guest house"}, {"PHONE"})}
    states = [{"hotel": {"name": "acorn guest house"}}, {"taxi": {"departure": "acorn guest house"}}]
    responses = ["booked, ref REFERENCE", "your taxi: PHONE"]
    active = [("hotel",), ("taxi",)]
    unbooked = score_dialogue(g, responses, states, active, [frozenset(), frozenset()], venues)
    assert unbooked.inform_total and not unbooked.success["hotel"] and unbooked.success["taxi"]
    booked = score_dialogue(g, responses, states, active, [frozenset({"hotel"})] * 2, venues)
    assert booked.success_total


def test_train_matches_without_offer_unless_trainid_requested(venues):
    state = [{"train": {"departure": "cambridge", "destination": "ely", "arrive": "09:00"}}]
    plain = {"train": goal({"departure": "cambridge", "destination": "ely"})}
    assert score_dialogue(plain, ["no id here"], state, [("train",)], [frozenset()], venues).inform_total
    wants_id = {"train": goal({"departure": "cambridge", "destination": "ely"}, {"TRAINID"})}
    missing = score_dialogue(wants_id, ["no id here"], state, [("train",)], [frozenset()], venues)
    assert not missing.inform_total
    late = {"train": goal({"departure": "cambridge", "destination": "ely", "leave": "09:30"})}
    # offered TR1 (arrive by 9) but the goal leaves after 9:30 -> TR1 not a goal venue
    assert not score_dialogue(late, ["TRAINID"], state, [("train",)], [frozenset()], venues).inform_total


def test_active_domains_follow_state_changes():
    states = [{}, {"hotel": {"area": "north"}}, {"hotel": {"area": "north"}},
              {"hotel": {"area": "north"}, "train": {"day": "monday"}},
              {"hotel": {"area": "north", "stars": "4"}, "train": {"day": "monday", "departure": "ely"}}]
    assert estimate_active_domains(states) == [(), ("hotel",), ("hotel",), ("train",), ("train",)]


# ------------------------------------------------------------------------------- bad input

def _gold(did, n):
    return GoldDialogue(did, {}, ({},) * n, (frozenset(),) * n, ("x",) * n, ("x",) * n, ("x",) * n)


GOLD = {"pmul0001": _gold("pmul0001", 2), "sng0002": _gold("sng0002", 1)}


@pytest.mark.parametrize("predictions, message", [
    ([], "must map dialogue id"),
    ({}, "no dialogue"),
    ({"pmul0001": ["a", "b"], "mul9999": ["a"], "sng0002": ["a"]},
     "not in the MultiWOZ 'dev' split: 'mul9999'"),
    ({"pmul0001": ["a"], "sng0002": ["a"]}, "1 turn(s) given, the gold dialogue has 2 system turns"),
    ({"pmul0001": "ab", "sng0002": ["a"]}, "expected a list of turns"),
    ({"pmul0001": ["a", 3], "sng0002": ["a"]}, "turn 1: expected a response string"),
    ({"pmul0001": ["a", {"text": "b"}], "sng0002": ["a"]}, "unknown key(s) ['text']"),
    ({"pmul0001": [{"response": "a", "state": {}}, "b"], "sng0002": ["a"]},
     "'state' is given for turn(s) [0]"),
    ({"pmul0001": ["a", {"response": "b", "state": {"hotel": "x"}}], "sng0002": ["a"]}, "'state' must map"),
    ({"pmul0001": [{"response": "a", "active_domains": ["bus"]}, {"response": "b", "active_domains": []}],
      "sng0002": ["a"]}, "unknown domain(s) ['bus']"),
    ({"PMUL0001.json": ["a", "b"], "pmul0001": ["a", "b"], "sng0002": ["a"]}, "given twice"),
    ({"pmul0001": ["a", "b"]}, "1 of the 2 'dev' dialogues have no prediction"),
    ({"pmul0001": [{"response": "a", "state": {}}, {"response": "b", "state": {}}], "sng0002": ["a"]},
     "'state' is given in 1 of 2 dialogues"),
])
def test_bad_input_is_rejected_with_a_clear_message(predictions, message):
    with pytest.raises(CorpusInputError) as err:
        validate_predictions(predictions, GOLD, "dev")
    assert message in str(err.value)


def test_subset_allowed_on_request():
    out = validate_predictions({"PMUL0001.json": ["a", "b"]}, GOLD, "dev", allow_subset=True)
    assert list(out) == ["pmul0001"]


# -------------------------------------------------------------------------- real data: replay

@pytest.fixture(scope="module")
def gold_replay(multiwoz_dir):
    from gopo_env.domains.multiwoz.corpus import gold_predictions, score_corpus

    predictions = gold_predictions("dev", multiwoz_dir)
    return predictions, score_corpus(predictions, "dev", multiwoz_dir, per_dialogue=True)


def test_gold_replay_matches_the_human_reference_figures(gold_replay):
    _, result = gold_replay
    assert result["n_dialogues"] == 999 and result["complete"]
    assert abs(result["inform"] - HUMAN_INFORM) <= TOLERANCE, result["inform"]
    assert abs(result["success"] - HUMAN_SUCCESS) <= TOLERANCE, result["success"]
    assert result["bleu"] == pytest.approx(100.0)
    assert result["combined"] == pytest.approx((result["inform"] + result["success"]) / 2 + result["bleu"])
    assert result["state_source"] == "gold" and result["domain_source"] == "estimated"
    assert result["unknown_placeholders"] == []


def test_scores_respond_to_the_responses(gold_replay, multiwoz_dir):
    from gopo_env.domains.multiwoz.corpus import score_corpus

    predictions, reference = gold_replay
    # placeholders removed: no venue offered, nothing delivered
    bare = {d: [t.replace("[", "(").replace("]", ")") for t in turns] for d, turns in predictions.items()}
    result = score_corpus(bare, "dev", multiwoz_dir)
    assert result["inform"] < reference["inform"] - 40
    assert result["success"] < 10
    assert result["bleu"] < 90
    # every response the same generic text with all requestables but no venue -> no inform for venues
    generic = {d: ["[value_phone] [value_address] [value_postcode] [value_reference]"] * len(t)
               for d, t in predictions.items()}
    assert score_corpus(generic, "dev", multiwoz_dir)["success"] < reference["success"] - 40


def test_predicted_gold_states_give_the_gold_result(gold_replay, multiwoz_dir):
    from gopo_env.domains.multiwoz.corpus import score_corpus
    from gopo_env.domains.multiwoz.corpus.gold import load_gold

    predictions, reference = gold_replay
    gold = load_gold("dev", multiwoz_dir)
    with_states = {d: [{"response": r, "state": {k: dict(v) for k, v in s.items()}}
                       for r, s in zip(turns, gold[d].states)] for d, turns in predictions.items()}
    result = score_corpus(with_states, "dev", multiwoz_dir, per_dialogue=True)
    assert result["state_source"] == "predicted"
    assert result["dialogues"] == reference["dialogues"]
    # and wrong states change the outcome: every state empty -> no venue can be matched
    empty = {d: [{"response": r, "state": {}} for r in turns] for d, turns in predictions.items()}
    assert score_corpus(empty, "dev", multiwoz_dir)["inform"] < reference["inform"] - 40


def _command(*argv: str) -> str:
    import argparse

    from gopo_env.domains.multiwoz.corpus.command import evaluate_corpus, evaluate_corpus_arguments

    parser = argparse.ArgumentParser()
    evaluate_corpus_arguments(parser)
    return evaluate_corpus(parser.parse_args(list(argv)))


def test_command_scores_a_file_and_rejects_a_bad_one(gold_replay, multiwoz_dir, tmp_path):
    predictions, reference = gold_replay
    good = tmp_path / "pred.json"
    good.write_text(json.dumps(predictions))
    out_json = tmp_path / "res.json"
    text = _command(str(good), "--split", "dev", "--data-dir", str(multiwoz_dir), "--json", str(out_json))
    assert f"Inform   {reference['inform']:6.2f}" in text and "against MultiWOZ 2.1" in text
    assert json.loads(out_json.read_text())["success"] == pytest.approx(reference["success"])
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"pmul1635": ["only one turn"]}))
    with pytest.raises(CorpusInputError, match="1 turn\\(s\\) given"):
        _command(str(bad), "--split", "dev", "--data-dir", str(multiwoz_dir))
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(CorpusInputError, match="not valid UTF-8 JSON"):
        _command(str(tmp_path / "broken.json"), "--split", "dev", "--data-dir", str(multiwoz_dir))
    with pytest.raises(CorpusInputError, match="exactly one of FILE or --gold"):
        _command(str(good), "--gold", "--split", "dev", "--data-dir", str(multiwoz_dir))
