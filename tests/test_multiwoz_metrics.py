"""ConvLab interactive metrics on hand-built dialogues, and the parser on hand-written text."""

from __future__ import annotations

import pytest

from gopo_env.domains.multiwoz.data import parse_goal
from gopo_env.domains.multiwoz.db import load_database
from gopo_env.domains.multiwoz.metrics import CONVLAB_REWARD, Informed, episode_metrics
from gopo_env.domains.multiwoz.parser import Parser
from gopo_env.domains.multiwoz.strategies import ID


@pytest.fixture(scope="module")
def db(multiwoz_dir):
    return load_database(multiwoz_dir)


@pytest.fixture(scope="module")
def goal():
    return parse_goal({
        "restaurant": {"info": {"food": "italian", "area": "centre", "pricerange": "cheap"},
                       "book": {"people": "2", "day": "monday", "time": "18:00"}},
        "attraction": {"info": {"type": "museum", "area": "centre"}, "reqt": ["phone", "postcode"]},
    }, "hand")


def _venues(db, goal):
    rest = db.query("restaurant", dict(goal.get("restaurant").info))[0]
    museum = db.query("attraction", dict(goal.get("attraction").info))[0]
    return rest, museum


def test_perfect_dialogue(db, goal):
    rest, museum = _venues(db, goal)
    booked = {"restaurant": (rest.id, {"people": "2", "day": "monday", "time": "18:00"})}
    informed = [Informed("attraction", "phone", True), Informed("attraction", "postcode", True)]
    m = episode_metrics(goal, db, informed, {"restaurant": rest.id, "attraction": museum.id}, booked, True, 6)
    assert m == {"complete": 1.0, "turns": 6.0, "inform_precision": 1.0, "inform_recall": 1.0,
                 "inform_f1": 1.0, "book_rate": 1.0, "success": 1.0, "success_strict": 1.0}


def test_wrong_and_unrequested_informs(db, goal):
    rest, museum = _venues(db, goal)
    booked = {"restaurant": (rest.id, {"people": "2", "day": "monday", "time": "18:00"})}
    informed = [Informed("attraction", "phone", False), Informed("attraction", "postcode", True),
                Informed("attraction", "address", True)]
    m = episode_metrics(goal, db, informed, {"attraction": museum.id}, booked, True, 8)
    # TP = postcode; FP = wrong phone + unrequested address; FN = phone
    assert m["inform_precision"] == pytest.approx(1 / 3)
    assert m["inform_recall"] == pytest.approx(1 / 2)
    assert m["inform_f1"] == pytest.approx(2 * (1 / 3) * 0.5 / (1 / 3 + 0.5))
    assert m["success"] == 0.0 and m["complete"] == 1.0  # complete never checks the database


def test_booking_of_the_wrong_venue_or_slots(db, goal):
    rest, museum = _venues(db, goal)
    wrong = db.query("restaurant", {"food": "indian", "area": "east"})[0]
    informed = [Informed("attraction", "phone", True), Informed("attraction", "postcode", True)]
    slots = {"people": "2", "day": "monday", "time": "18:00"}
    offered = {"attraction": museum.id}
    m = episode_metrics(goal, db, informed, offered, {"restaurant": (wrong.id, slots)}, True, 7)
    assert m["book_rate"] == 0.0 and m["success"] == 0.0
    m = episode_metrics(goal, db, informed, {"attraction": museum.id},
                        {"restaurant": (rest.id, {"people": "3", "day": "monday", "time": "18:00"})}, True, 7)
    assert m["book_rate"] == 1.0 and m["success"] == 1.0 and m["success_strict"] == 0.0


def test_offered_venue_must_match_the_final_constraints(db, goal):
    rest, _ = _venues(db, goal)
    other = db.query("attraction", {"type": "college"})[0]
    booked = {"restaurant": (rest.id, {"people": "2", "day": "monday", "time": "18:00"})}
    informed = [Informed("attraction", "phone", True), Informed("attraction", "postcode", True)]
    m = episode_metrics(goal, db, informed, {"attraction": other.id}, booked, True, 7)
    assert m["inform_recall"] == 1.0 and m["success"] == 0.0


def test_undefined_keys_are_absent(db):
    g = parse_goal({"taxi": {"info": {"leaveAt": "10:00"}}}, "hand")
    m = episode_metrics(g, db, [], {}, {}, False, 3)
    assert set(m) == {"complete", "turns", "success", "success_strict"}
    assert m["success"] == 1.0  # a taxi always matches; nothing to inform or book
    assert CONVLAB_REWARD["turn"] == -1.0 and CONVLAB_REWARD["success"] == 120.0


@pytest.mark.parametrize("text, strategy", [
    ("Hello, welcome to the Cambridge TownInfo centre. How can I help you today?", "welcome"),
    ("What price range are you looking for?", "request"),
    ("I recommend Pizza Hut City Centre.", "recommend"),
    ("How about the Golden Wok? It is a nice place.", "recommend"),
    ("I have 3 options, for example Curry Garden and Kymmoy. Which would you prefer?", "select"),
    ("I'm sorry, there is no restaurant matching your criteria.", "nooffer"),
    ("Would you like me to book Curry Garden?", "offerbook"),
    ("I have booked Curry Garden for 2 people. Your reference number is ABCD2345.", "book"),
    ("I'm sorry, I was unable to book Curry Garden for that.", "nobook"),
    ("Is there anything else I can help you with?", "reqmore"),
    ("Thank you for using our service. Goodbye!", "bye"),
    ("The phone number of Kettle's Yard is 01223748100.", "inform"),
    # free-form wordings an LLM writer might use
    ("I've booked a table for 2 at Curry Garden on Monday at 18:00, ref ABCD2345.", "book"),
    ("Any preference on price?", "request"),
    ("You are welcome! Have a great day.", "bye"),
    ("Unfortunately there are no restaurants matching that.", "nooffer"),
    ("Sorry, that hotel is fully booked for those nights.", "nobook"),
    ("Shall I reserve it for you?", "offerbook"),
])
def test_parser_strategies(db, text, strategy):
    parsed = Parser(db).parse(text, active="restaurant")
    assert parsed.strategy == ID[strategy], parsed


def test_parser_facts_and_requests(db):
    p = Parser(db)
    parsed = p.parse("The phone number of Kettle's Yard is 01223748100 and its postcode is cb3 0aq.")
    yard = db.find_name("attraction", "kettle's yard")
    assert (yard.id, "phone", "01223748100") in parsed.facts
    assert (yard.id, "postcode", "cb30aq") in parsed.facts
    parsed = p.parse("Where will you be departing from? What day would you like to travel?", active="train")
    assert {(a.intent, a.domain, a.slot) for a in parsed.acts} >= {("request", "train", "departure"),
                                                                   ("request", "train", "day")}
    parsed = p.parse("TR1111 leaves at 11:00 and arrives at 11:51.", active="train",
                     train={"day": "monday", "departure": "cambridge"})
    ids = {f[0] for f in parsed.facts}
    assert len(ids) == 1 and db.entity(ids.pop()).name == "TR1111"
    assert {f[1] for f in parsed.facts} >= {"leaveAt", "arriveBy"}
    assert p.parse("Let me see what I can do.").strategy is None
