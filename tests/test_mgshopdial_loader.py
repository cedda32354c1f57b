"""The MG-ShopDial loader: the real data as published, and clear errors on malformed copies."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from gopo_env.domains.mgshop.mgshopdial.loader import (
    MgshopDialFormatError,
    Utterance,
    load_mgshopdial,
)

DIALOGUES = "MGShopDial/MGShopDial.json"
BOOKS = "CCC/data/items/Books_items.json"


def test_real_data_loads_with_the_published_counts(mgshopdial_dir):
    data = load_mgshopdial(mgshopdial_dir)
    assert len(data.dialogues) == 64
    assert sum(len(d.utterances) for d in data.dialogues) == 2196
    assert {c: len(items) for c, items in data.catalogues.items()} == {
        "books": 14, "office_products": 17, "sports_outdoors": 16, "cellphones_accessories": 10}
    # the data card's per-category conversation counts
    assert Counter(d.category for d in data.dialogues) == {
        "books": 14, "sports_outdoors": 17, "cellphones_accessories": 19, "office_products": 14}
    assert set(data.topics) == set(data.catalogues)
    assert all(card["type"] in ("simple", "complex") for cards in data.topics.values() for card in cards)
    speakers = Counter(u.speaker for d in data.dialogues for u in d.utterances)
    assert speakers == {"assistant": 1047, "customer": 1149}
    assert load_mgshopdial(mgshopdial_dir) is data  # cached per folder
    prices = [i.price for items in data.catalogues.values() for i in items]
    assert all(p > 0 for p in prices)
    ratings = [i.rating for items in data.catalogues.values() for i in items]
    assert None in ratings and all(r is None or 0 <= r <= 5 for r in ratings)


def test_majority_intent():
    u = Utterance(1, "customer", "hi", "meta", (("greeting", 3.0), ("interaction", 4.0)))
    assert u.intent == "interaction"
    tie = Utterance(2, "customer", "hi", "meta", (("pf", 2.0), ("answer", 2.0)))
    assert tie.intent == "pf"
    assert Utterance(3, "customer", "hi", "meta", ()).intent == ""


@pytest.fixture
def copy(mgshopdial_dir, tmp_path):
    """A writable copy of the data; ``edit(relpath, fn)`` rewrites one JSON file through ``fn``."""
    root = tmp_path / "mgshopdial"
    shutil.copytree(mgshopdial_dir, root)

    def edit(relpath: str, fn) -> Path:
        path = root / relpath
        path.chmod(0o644)
        data = json.loads(path.read_text(encoding="utf-8"))
        fn(data)
        path.write_text(json.dumps(data), encoding="utf-8")
        return root

    return root, edit


def _error(root: Path) -> str:
    with pytest.raises(MgshopDialFormatError) as e:
        load_mgshopdial(root)
    message = str(e.value)
    assert "gopo-bench data fetch mgshopdial" in message  # says how to fix it
    return message


def test_missing_utterances(copy):
    root, edit = copy
    edit(DIALOGUES, lambda d: d[3].pop("utterances"))
    msg = _error(root)
    assert "MGShopDial.json" in msg and "record 3 (id 'Books:45:115:118')" in msg
    assert "field utterances: missing" in msg


def test_intent_without_annotator_count(copy):
    root, edit = copy

    def cut(d):
        d[0]["utterances"][1]["intents"][0] = ["greeting"]

    edit(DIALOGUES, cut)
    msg = _error(root)
    assert "record 0 (id 'Books:45:109:118')" in msg
    assert "utterances[1] (utterance_id 2).intents[0]" in msg and "annotator count" in msg


@pytest.mark.parametrize("field,value,expect", [
    ("price", "thirteen dollars", "'thirteen dollars' is not a price"),
    ("rating", "great", "'great' is not a rating"),
    ("rating", "7/5", "'7/5' is not a rating out of 5"),
])
def test_bad_price_or_rating(copy, field, value, expect):
    root, edit = copy

    def spoil(items):
        items[2][field] = value

    edit(BOOKS, spoil)
    msg = _error(root)
    assert "Books_items.json" in msg and "record 2 (name \"The Handmaid's Tale" in msg
    assert f"field {field}" in msg and expect in msg


def test_unknown_participant(copy):
    root, edit = copy

    def spoil(d):
        d[10]["utterances"][4]["participant"] = "Bot"

    edit(DIALOGUES, spoil)
    msg = _error(root)
    assert "record 10" in msg and "utterances[4] (utterance_id 5).participant" in msg and "'Bot'" in msg


def test_unknown_category_prefix(copy):
    root, edit = copy

    def spoil(d):
        d[5]["id"] = "Garden:1:2:3"

    edit(DIALOGUES, spoil)
    msg = _error(root)
    assert "record 5 (id 'Garden:1:2:3'), field id" in msg and "category prefix 'Garden'" in msg


def test_not_json(copy):
    root, _ = copy
    path = root / BOOKS
    path.chmod(0o644)
    path.write_text('[{"name": "x", ', encoding="utf-8")
    msg = _error(root)
    assert "Books_items.json: not valid JSON (line 1" in msg


def test_bad_scenario_list(copy):
    root, _ = copy
    path = root / "CCC/ccc/app/chat/static/yml/topics.yml"
    path.chmod(0o644)
    path.write_text("Books:\n  - desc: something\n    type: medium-ish\n    constraint: low\n")
    msg = _error(root)
    assert "topics.yml" in msg and "record 'Books'" in msg and "[0].type" in msg
