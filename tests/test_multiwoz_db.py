"""The venue database: the field's query semantics and a deterministic order."""

from __future__ import annotations

import pytest

from gopo_env.core.errors import DataError
from gopo_env.domains.multiwoz.db import DONTCARE, load_database, name_matches, normalize_value


@pytest.fixture(scope="module")
def db(multiwoz_dir):
    return load_database(multiwoz_dir)


def test_tables_loaded(db):
    sizes = {d: len(rows) for d, rows in db.tables.items()}
    assert sizes == {"restaurant": 110, "hotel": 33, "attraction": 79, "train": 2828, "police": 1,
                     "hospital": 66}
    assert db.taxi_colors and db.taxi_types
    ids = [e.id for rows in db.tables.values() for e in rows]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("slot, raw, norm", [
    ("area", "Center", "centre"), ("type", "guest house", "guesthouse"), ("parking", "free", "yes"),
    ("pricerange", "moderately priced", "moderate"), ("leaveAt", "9:15", "09:15"),
    ("arriveBy", "1730", "17:30"), ("stars", "4 star", "4"), ("area", "do n't care", DONTCARE),
    ("food", "not mentioned", ""), ("type", "concert hall", "concerthall"),
])
def test_normalize_value(slot, raw, norm):
    assert normalize_value(slot, raw) == norm


def test_dontcare_and_unknown_slots_constrain_nothing(db):
    base = db.query("restaurant", {"area": "centre"})
    assert db.query("restaurant", {"area": "centre", "food": "dontcare"}) == base
    assert db.query("restaurant", {"area": "centre", "food": "do n't care"}) == base
    assert db.query("restaurant", {"area": "centre", "parking": "yes"}) == base  # no such column
    assert all(e.fields["area"] == "centre" for e in base)
    assert len(db.query("restaurant", {})) == 110


def test_normalised_values_and_case(db):
    a = db.query("hotel", {"type": "Guest House", "parking": "free", "area": "EAST", "stars": "4"})
    b = db.query("hotel", {"type": "guesthouse", "parking": "yes", "area": "east", "stars": "4"})
    assert a == b and a
    assert all(e.fields["type"] == "guesthouse" and e.fields["parking"] == "yes" for e in a)


def test_train_time_bounds_and_order(db):
    cons = {"departure": "cambridge", "destination": "london kings cross", "day": "monday"}
    leave = db.query("train", {**cons, "leaveAt": "09:15"})
    assert leave and all(e.fields["leaveAt"] >= "09:15" for e in leave)
    assert [e.fields["leaveAt"] for e in leave] == sorted(e.fields["leaveAt"] for e in leave)
    arrive = db.query("train", {**cons, "arriveBy": "12:00"})
    assert arrive and all(e.fields["arriveBy"] <= "12:00" for e in arrive)
    assert [e.fields["arriveBy"] for e in arrive] == sorted((e.fields["arriveBy"] for e in arrive),
                                                            reverse=True)
    every = db.query("train", cons)
    assert set(leave) | set(arrive) <= set(every)
    assert not set(e.id for e in every) - {e.id for e in db.tables["train"]}


def test_fuzzy_name_match(db):
    hit = db.query("restaurant", {"name": "the pizza hut city centre"})
    assert [e.name for e in hit] == ["pizza hut city centre"]
    assert db.query("restaurant", {"name": "Pizza Hut City Center"}) == hit
    assert name_matches("cambridge belfry", "the cambridge belfry")
    assert not name_matches("pizza hut", "curry garden")
    assert db.find_name("hotel", "Acorn Guest House").name == "acorn guest house"


def test_order_is_deterministic_and_satisfies_agrees(db):
    q = {"area": "centre", "pricerange": "expensive"}
    first = db.query("restaurant", q)
    db._cache.clear()
    assert db.query("restaurant", dict(reversed(list(q.items())))) == first
    assert [e.id for e in first] == [e.id for e in db.tables["restaurant"] if e in first]
    assert all(db.satisfies(e, q) for e in first)
    assert not any(db.satisfies(e, q) for e in db.tables["restaurant"] if e not in first)


def test_bad_input(db):
    with pytest.raises(DataError, match="unknown domain 'pub'"):
        db.query("pub", {})
    with pytest.raises(DataError, match="no entity with id"):
        db.entity("restaurant-nope")
    assert db.query("taxi", {"departure": "x"}) == ()
