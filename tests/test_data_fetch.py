"""Fetching a dataset: sha256-verified, all-or-nothing; and where a dataset is looked for."""

from __future__ import annotations

import functools
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from gopo_env.data import DataError, fetch_dataset, locate_dataset, manifest, sha256_file
from leaderboard.cli import main

MANIFEST = manifest("mgshopdial")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def serve():
    """serve(folder) -> base URL of an HTTP server on 127.0.0.1 (port 0) serving that folder."""
    servers = []

    def start(folder: Path) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _corrupted_copy(src: Path, dst: Path, relpath: str) -> Path:
    shutil.copytree(src, dst)
    target = dst / relpath
    target.chmod(0o644)
    target.write_bytes(target.read_bytes() + b"\n")  # one extra byte: a different sha256
    return dst


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".partial"))


def test_fetch_over_http_verifies_and_installs_every_file(mgshopdial_dir, tmp_path, serve):
    url = serve(mgshopdial_dir)
    seen = []
    result = fetch_dataset(MANIFEST, tmp_path / "mgshopdial", source=url,
                           on_file=lambda rel, status: seen.append((rel, status)))
    assert sorted(result.fetched) == sorted(e.relpath for e in MANIFEST.files)
    assert seen == [(e.relpath, "fetched") for e in MANIFEST.files]
    for e in MANIFEST.files:
        assert sha256_file(tmp_path / "mgshopdial" / e.relpath) == e.sha256
    assert _leftovers(tmp_path) == []
    again = fetch_dataset(MANIFEST, tmp_path / "mgshopdial", source=url)
    assert again.fetched == () and len(again.present) == len(MANIFEST.files)


def test_corrupted_download_names_the_file_and_writes_nothing(mgshopdial_dir, tmp_path, serve):
    rel = "CCC/data/items/Books_items.json"
    url = serve(_corrupted_copy(mgshopdial_dir, tmp_path / "served", rel))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(DataError) as e:
        fetch_dataset(MANIFEST, out / "mgshopdial", source=url)
    assert "Books_items.json" in str(e.value) and "sha256" in str(e.value)
    assert list(out.iterdir()) == []  # no dataset folder, no partial file, no staging folder


def test_failed_refetch_leaves_an_existing_dataset_as_it_was(mgshopdial_dir, tmp_path, serve):
    dest = tmp_path / "mgshopdial"
    fetch_dataset(MANIFEST, dest, source=mgshopdial_dir)
    rel = "CCC/data/items/Books_items.json"
    (dest / rel).unlink()
    before = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    url = serve(_corrupted_copy(mgshopdial_dir, tmp_path.parent / (tmp_path.name + "-served"), rel))
    with pytest.raises(DataError, match="Books_items.json"):
        fetch_dataset(MANIFEST, dest, source=url)
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == before


def test_missing_file_on_the_server_is_a_clear_error(mgshopdial_dir, tmp_path, serve):
    served = tmp_path / "served"
    shutil.copytree(mgshopdial_dir, served)
    (served / "CCC/ccc/app/chat/static/yml/topics.yml").unlink()
    with pytest.raises(DataError, match=r"topics\.yml.*HTTP 404"):
        fetch_dataset(MANIFEST, tmp_path / "out" / "mgshopdial", source=serve(served))
    assert list((tmp_path / "out").iterdir()) == []


def test_fetch_from_a_local_directory(mgshopdial_dir, tmp_path):
    result = fetch_dataset(MANIFEST, tmp_path / "d", source=mgshopdial_dir)
    assert len(result.fetched) == len(MANIFEST.files)
    assert locate_dataset("mgshopdial", MANIFEST.marker, tmp_path / "d") == (tmp_path / "d").resolve()


def test_bad_sources_are_refused(tmp_path):
    with pytest.raises(DataError, match="http"):
        fetch_dataset(MANIFEST, tmp_path / "d", source="ftp://example.org/data")
    with pytest.raises(DataError, match="does not exist"):
        fetch_dataset(MANIFEST, tmp_path / "d", source=tmp_path / "nowhere")
    assert not (tmp_path / "d").exists()


def test_cli_data_fetch(mgshopdial_dir, tmp_path, serve, capsys):
    dest = tmp_path / "cli" / "mgshopdial"
    assert main(["data", "fetch", "mgshopdial", "--from", serve(mgshopdial_dir), "--dest", str(dest)]) == 0
    out = capsys.readouterr().out
    assert "6 file(s) fetched and sha256-verified" in out and str(dest.resolve()) in out
    bad = serve(_corrupted_copy(mgshopdial_dir, tmp_path / "served", "MGShopDial/MGShopDial.json"))
    assert main(["data", "fetch", "mgshopdial", "--from", bad, "--dest", str(tmp_path / "x")]) == 1
    assert "MGShopDial.json" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def _fake(folder: Path) -> Path:
    (folder / "MGShopDial").mkdir(parents=True)
    (folder / "MGShopDial" / "MGShopDial.json").write_text("[]")
    return folder


def test_locate_precedence(tmp_path, monkeypatch):
    marker = "MGShopDial/MGShopDial.json"
    explicit = _fake(tmp_path / "explicit" / "mgshopdial")
    env_root = tmp_path / "env"
    _fake(env_root / "mgshopdial")
    cache_root = tmp_path / "cache"
    _fake(cache_root / "gopo-bench" / "mgshopdial")
    monkeypatch.setenv("GOPO_DATA_DIR", str(env_root))
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_root))
    assert locate_dataset("mgshopdial", marker, explicit) == explicit.resolve()
    assert locate_dataset("mgshopdial", marker, explicit.parent) == explicit.resolve()  # the parent works too
    assert locate_dataset("mgshopdial", marker) == (env_root / "mgshopdial").resolve()
    monkeypatch.delenv("GOPO_DATA_DIR")
    assert locate_dataset("mgshopdial", marker) == (cache_root / "gopo-bench" / "mgshopdial").resolve()
    with pytest.raises(DataError, match="does not hold the dataset"):
        locate_dataset("mgshopdial", marker, tmp_path / "empty")


def test_missing_dataset_error_names_all_three_ways(tmp_path, monkeypatch):
    monkeypatch.setenv("GOPO_DATA_DIR", str(tmp_path / "nothing"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "nocache"))
    with pytest.raises(DataError) as e:
        locate_dataset("mgshopdial", "MGShopDial/MGShopDial.json")
    message = str(e.value)
    assert "data_dir=PATH" in message and "GOPO_DATA_DIR" in message
    assert "gopo-bench data fetch mgshopdial" in message and str(tmp_path / "nocache") in message
