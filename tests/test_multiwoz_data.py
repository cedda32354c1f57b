"""MultiWOZ data: the pinned manifest, locating, loading, goals, and clear errors."""

from __future__ import annotations

import dataclasses
import shutil
import zipfile

import pytest

from gopo_env.core.errors import DataError
from gopo_env.data import datasets, fetch_dataset, manifest, sha256_file
from gopo_env.domains.multiwoz import data


def test_manifest_is_declared_and_pinned():
    assert "multiwoz" in datasets()
    m = manifest("multiwoz")
    assert m is data.MANIFEST and m.marker == data.VAL
    rels = {e.relpath for e in m.files}
    assert {data.VAL, data.TEST, data.ONTOLOGY, *data.DB_FILES.values()} == rels
    for e in m.files:
        assert e.url == f"https://raw.githubusercontent.com/ConvLab/ConvLab-3/{data.COMMIT}/{e.relpath}"
        assert len(e.sha256) == 64


def test_shared_files_match_the_pinned_hashes(multiwoz_dir):
    for e in data.MANIFEST.files:
        path = multiwoz_dir / e.relpath
        if e.relpath == data.TEST and not path.is_file():
            continue  # the shared copy holds no test split
        assert sha256_file(path) == e.sha256, e.relpath


def test_missing_data_names_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv("GOPO_DATA_DIR", str(tmp_path / "nothing"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(DataError, match="gopo-bench data fetch multiwoz"):
        data.locate()
    with pytest.raises(DataError, match="gopo-bench data fetch multiwoz"):
        data.locate(tmp_path)
    from gopo_env.domains.multiwoz import MultiwozDomain

    with pytest.raises(DataError, match="gopo-bench data fetch multiwoz"):
        MultiwozDomain()


def test_test_split_absent_is_a_clear_error(multiwoz_dir):
    if (multiwoz_dir / data.TEST).is_file():
        pytest.skip("the official test split is present here")
    with pytest.raises(DataError, match="gopo-bench data fetch multiwoz"):
        data.load_dialogues("test", multiwoz_dir)


def test_fetch_is_all_or_nothing_without_the_test_split(multiwoz_dir, tmp_path):
    if (multiwoz_dir / data.TEST).is_file():
        pytest.skip("the official test split is present here")
    dest = tmp_path / "multiwoz"
    with pytest.raises(DataError, match="test.json.zip"):
        fetch_dataset(data.MANIFEST, dest, source=multiwoz_dir)
    assert not dest.exists()
    assert not list(tmp_path.iterdir())


def test_dev_dialogues_and_goals(multiwoz_dir):
    dialogues = data.load_dialogues("dev", multiwoz_dir)
    assert len(dialogues) == 999
    ids = [d.id for d in dialogues]
    assert ids == sorted(ids) and len(set(ids)) == 999
    by_id = {d.id: d for d in dialogues}
    goal = by_id["PMUL1635"].goal
    assert goal.domain_names == ("hotel", "train")  # the order the dialogue pursues them
    hotel = goal.get("hotel")
    assert dict(hotel.info) == {"area": "east", "parking": "yes", "stars": "4", "internet": "yes"}
    assert dict(hotel.book) == {"people": "3", "day": "monday", "stay": "4"}  # flags dropped
    assert goal.get("train").reqt == ("duration", "leaveAt", "price")
    with pytest.raises(dataclasses.FrozenInstanceError):
        hotel.info = ()  # type: ignore[misc]
    n_domains = [len(d.goal.domains) for d in dialogues]
    assert set(n_domains) == {1, 2, 3}


def test_fail_book_first_attempt():
    g = data.parse_goal({"hotel": {"info": {"area": "east"}, "book": {"stay": "4", "day": "monday",
                         "people": "2", "invalid": False}, "fail_book": {"stay": "2"}}}, "t")
    hotel = g.get("hotel")
    assert dict(hotel.first_book) == {"stay": "2", "day": "monday", "people": "2"}
    assert dict(hotel.book)["stay"] == "4"


@pytest.mark.parametrize("raw, where", [
    ("not a goal", "the goal must be an object"),
    ({"hotel": "east"}, "t.hotel: expected an object"),
    ({"hotel": {"info": {"area": ["east"]}}}, r"t.hotel.info.area: expected a string"),
    ({"hotel": {"info": {"area": "east"}, "reqt": "phone"}}, "t.hotel.reqt: expected a list"),
    ({"topic": {}}, "names no domain"),
])
def test_bad_goals_are_named(raw, where):
    with pytest.raises(DataError, match=where):
        data.parse_goal(raw, "t")


def test_corrupt_files_are_clear_errors(multiwoz_dir, tmp_path):
    root = tmp_path / "multiwoz"
    shutil.copytree(multiwoz_dir / "data" / "multiwoz" / "db", root / "data" / "multiwoz" / "db")
    (root / data.VAL).write_bytes(b"not a zip")
    with pytest.raises(DataError, match="not a valid zip archive.*data fetch multiwoz"):
        data.load_dialogues("dev", root)
    with zipfile.ZipFile(root / data.VAL, "w") as z:
        z.writestr("val.json", "{broken")
    data._load_dialogues.cache_clear()
    with pytest.raises(DataError, match="does not hold valid JSON"):
        data.load_dialogues("dev", root)
    (root / data.DB_FILES["hotel"]).write_text("{}")
    with pytest.raises(DataError, match="hotel_db.json: expected a list"):
        data.load_db_tables(root)
    with pytest.raises(DataError, match="corpus split must be one of"):
        data.load_dialogues("train", root)
