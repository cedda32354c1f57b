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
    # how to use it, in the words of the command line (not the Python API's data_dir=)
    assert f"GOPO_DATA_DIR={dest.resolve().parent}" in out and f"--data-dir {dest.resolve()}" in out
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


# ---------------------------------------------------------------------- issue 14: all-or-nothing
def _tiny(tmp_path: Path, content: dict[str, bytes]):
    """A two-file manifest served from a local folder (no real data needed)."""
    import hashlib

    from gopo_env.data.fetch import Manifest, ManifestEntry

    src = tmp_path / "src"
    for rel, data in content.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_bytes(data)
    files = tuple(ManifestEntry(rel, f"http://invalid.example/{rel}", hashlib.sha256(data).hexdigest())
                  for rel, data in content.items())
    return Manifest("tiny", files, marker=files[0].relpath), src


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_update_of_an_existing_dataset_is_swapped_in_whole(tmp_path):
    m, src = _tiny(tmp_path, {"a.json": b"A" * 100, "sub/b.json": b"B" * 50})
    dest = tmp_path / "tiny"
    dest.mkdir()
    (dest / "a.json").write_bytes(b"old")  # stale copy of a file: replaced
    (dest / "notes.txt").write_bytes(b"mine")  # the user's own file: kept
    inode = dest.stat().st_ino
    fetch_dataset(m, dest, source=src)
    assert _snapshot(dest) == {"a.json": b"A" * 100, "notes.txt": b"mine", "sub/b.json": b"B" * 50}
    assert dest.stat().st_ino != inode  # a new folder took the old one's place: no in-place writes
    assert _leftovers(tmp_path) == []


def test_deadline_and_size_cap_abort_and_change_nothing(tmp_path):
    m, src = _tiny(tmp_path, {"a.json": b"A" * 100, "b.json": b"B" * 200_000})
    dest = tmp_path / "tiny"
    dest.mkdir()
    (dest / "a.json").write_bytes(b"old")
    before = _snapshot(dest)
    with pytest.raises(DataError, match="size cap of 1000 bytes"):
        fetch_dataset(m, dest, source=src, max_bytes=1000)
    assert _snapshot(dest) == before
    with pytest.raises(DataError, match="did not finish within 0 s"):
        fetch_dataset(m, dest, source=src, deadline_s=0.0)
    assert _snapshot(dest) == before and _leftovers(tmp_path) == []


def test_stale_staging_folders_are_cleaned(tmp_path):
    import os
    import time

    m, src = _tiny(tmp_path, {"a.json": b"A"})
    stale = tmp_path / ".tiny.abc123.partial"
    (stale / "tiny").mkdir(parents=True)
    (stale / "tiny" / "a.json").write_bytes(b"half")
    old = time.time() - 7200
    os.utime(stale, (old, old))
    live = tmp_path / ".tiny.def456.partial"  # a fetch running right now: left alone
    live.mkdir()
    fetch_dataset(m, tmp_path / "tiny", source=src)
    assert not stale.exists() and live.exists()


def test_destination_that_is_a_file_or_not_writable_is_a_clear_error(tmp_path, capsys):
    import os

    m, src = _tiny(tmp_path, {"a.json": b"A"})
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(DataError, match="is not a folder"):
        fetch_dataset(m, afile, source=src)
    with pytest.raises(DataError, match="cannot create"):
        fetch_dataset(m, afile / "tiny", source=src)
    assert main(["data", "fetch", "mgshopdial", "--dest", str(afile), "--from", str(src)]) == 1
    assert "is not a folder" in capsys.readouterr().err
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            with pytest.raises(DataError, match="permission|cannot"):
                fetch_dataset(m, locked / "tiny", source=src)
        finally:
            locked.chmod(0o700)
