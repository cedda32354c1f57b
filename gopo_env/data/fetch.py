"""Download a dataset's files, verify each sha256, and install them all-or-nothing.

Every file is streamed into a staging folder beside the destination (same file system) while
its sha256 is computed, under an overall deadline and a size cap. Only when *every* file has
verified is the staged folder — a complete copy of the dataset, the files already present
included — put in place by one rename: a new dataset by ``os.replace``, an update by an atomic
exchange of the two folders (Linux ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames in a
row). Readers therefore see the old dataset or the new one, never a mix, and a failed,
corrupted, too large or too slow download changes nothing. Staging folders older than the
deadline (left by a killed fetch: no live fetch can be that old) are removed first. A source
is the upstream (each entry's own URL), another http(s) base URL, or a local directory with
the same layout.
"""

from __future__ import annotations


import hashlib
import os
import shutil
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gopo_env.core.files import exchange_dirs
from gopo_env.core.errors import DataError

CHUNK = 1 << 16
TIMEOUT_S = 60
"""Per network operation (connect, each read)."""
DEADLINE_S = 1800.0
"""The whole fetch, all files together (seconds); a fetch still running then is aborted."""
MAX_BYTES = 2 << 30
"""All downloaded files together (2 GiB; MG-ShopDial is about 10 MB)."""


@dataclass(frozen=True)
class ManifestEntry:
    """One file of a dataset: where it goes, where it comes from, what it must hash to."""

    relpath: str
    url: str
    sha256: str


@dataclass(frozen=True)
class Manifest:
    name: str
    files: tuple[ManifestEntry, ...]
    marker: str
    """The relpath whose presence means "the dataset is here" (see ``locate_dataset``)."""


@dataclass(frozen=True)
class FetchResult:
    dest: Path
    fetched: tuple[str, ...]
    """Files downloaded and verified by this call."""
    present: tuple[str, ...]
    """Files already at the destination with the right sha256 (left untouched)."""


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _source_of(entry: ManifestEntry, source: str | Path | None) -> str | Path:
    """The URL or local path to read ``entry`` from."""
    if source is None:
        return entry.url
    text = str(source)
    if text.startswith(("http://", "https://")):
        return text.rstrip("/") + "/" + urllib.parse.quote(entry.relpath)
    if "://" in text:
        raise DataError(f"unsupported source {text!r}: give an http(s) URL or a local directory")
    root = Path(source).expanduser()
    if not root.is_dir():
        raise DataError(f"source directory {root} does not exist; give an http(s) URL or an existing "
                        "directory with the dataset's layout")
    return root / entry.relpath


class _Budget:
    """The fetch's deadline and byte cap, shared by its files."""

    def __init__(self, deadline_s: float, max_bytes: int) -> None:
        self.end = time.monotonic() + deadline_s
        self.deadline_s, self.max_bytes, self.used = deadline_s, max_bytes, 0

    def remaining(self) -> float:
        return self.end - time.monotonic()

    def take(self, n: int, relpath: str) -> None:
        self.used += n
        if self.used > self.max_bytes:
            raise DataError(f"{relpath}: the download exceeds the size cap of {self.max_bytes} bytes; "
                            "the source does not serve the pinned dataset. Nothing was installed")
        if self.remaining() <= 0:
            raise DataError(f"{relpath}: the fetch did not finish within {self.deadline_s:.0f} s; "
                            "nothing was installed. Retry, or use --from with a mirror or local copy")


def _copy(src: str | Path, out, relpath: str, budget: _Budget | None = None) -> str:
    """Stream ``src`` into the open file ``out`` within ``budget``; its sha256."""
    h = hashlib.sha256()
    budget = budget or _Budget(DEADLINE_S, MAX_BYTES)

    def pump(f) -> None:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            budget.take(len(chunk), relpath)
            h.update(chunk)
            out.write(chunk)

    if isinstance(src, Path):
        try:
            with open(src, "rb") as f:
                pump(f)
        except OSError as e:
            raise DataError(f"{relpath}: cannot read {src} ({e.strerror or e}); check the source "
                            "directory has the dataset's layout") from None
        return h.hexdigest()
    try:
        timeout = max(1.0, min(TIMEOUT_S, budget.remaining()))
        with urllib.request.urlopen(src, timeout=timeout) as response:  # noqa: S310 (http(s) only)
            pump(response)
    except urllib.error.HTTPError as e:
        raise DataError(f"{relpath}: downloading {src} failed with HTTP {e.code} {e.reason}; check the "
                        "URL (or use --from with a mirror or a local copy)") from None
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise DataError(f"{relpath}: downloading {src} failed ({reason}); check the network or use "
                        "--from with a local copy of the dataset") from None
    return h.hexdigest()


def _install(staging: Path, dest: Path, workdir: Path) -> None:
    """Put the complete staged dataset at ``dest`` in one step."""
    if not dest.exists():
        os.replace(staging, dest)
        return
    if exchange_dirs(staging, dest):
        return  # the old dataset is now at ``staging`` and goes with ``workdir``
    old = workdir / "old"
    os.replace(dest, old)  # no renameat2: a short window with no dataset, never a mixed one
    os.replace(staging, dest)


def clean_stale_staging(parent: Path, name: str, older_than_s: float = DEADLINE_S) -> list[Path]:
    """Remove staging folders of ``name`` in ``parent`` left by fetches killed midway."""
    removed = []
    now = time.time()
    for p in parent.glob(f".{name}.*.partial"):
        try:
            if p.is_dir() and not p.is_symlink() and now - p.stat().st_mtime > older_than_s:
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p)
        except OSError:
            continue
    return removed


def _prepare_dest(dest: Path) -> None:
    if dest.exists() and not dest.is_dir():
        raise DataError(f"{dest} exists and is not a folder; give --dest a folder path (it is "
                        "created if missing)")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DataError(f"cannot create {dest.parent} ({e.strerror}); give --dest a folder you can "
                        "write to") from None
    if not os.access(dest.parent, os.W_OK | os.X_OK):
        raise DataError(f"no permission to write in {dest.parent}; give --dest a folder you can write to")


def fetch_dataset(manifest: Manifest, dest: str | Path, source: str | Path | None = None,
                  on_file: Callable[[str, str], None] | None = None, *,
                  deadline_s: float = DEADLINE_S, max_bytes: int = MAX_BYTES) -> FetchResult:
    """Fetch every file of ``manifest`` into ``dest``: all verified and installed, or nothing.

    ``on_file(relpath, status)`` reports progress ("present", "fetched"). Files already at
    ``dest`` with the right sha256 are kept. The whole fetch must finish within
    ``deadline_s`` seconds and download at most ``max_bytes``; otherwise, and on any error,
    :class:`DataError` is raised and ``dest`` is as it was.
    """
    dest = Path(dest).expanduser()
    _prepare_dest(dest)
    clean_stale_staging(dest.parent, dest.name, max(deadline_s, 60.0))
    present = tuple(e.relpath for e in manifest.files
                    if (dest / e.relpath).is_file() and sha256_file(dest / e.relpath) == e.sha256)
    todo = [e for e in manifest.files if e.relpath not in present]
    for relpath in present:
        if on_file:
            on_file(relpath, "present")
    if not todo:
        return FetchResult(dest, (), present)
    sources = {e.relpath: _source_of(e, source) for e in todo}
    budget = _Budget(deadline_s, max_bytes)
    try:
        workdir = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent))
    except OSError as e:
        raise DataError(f"cannot write in {dest.parent} ({e.strerror}); give --dest a folder you can "
                        "write to") from None
    staging = workdir / dest.name  # made by mkdir/copytree, so it gets the user's usual permissions
    try:
        if dest.exists():  # the update is a complete new folder: the current one, linked
            shutil.copytree(dest, staging, symlinks=True, copy_function=_link_or_copy)
        else:
            staging.mkdir()
        for entry in todo:
            target = staging / entry.relpath
            target.parent.mkdir(parents=True, exist_ok=True)
            target.unlink(missing_ok=True)  # a hard link to the old file: never write through it
            with open(target, "wb") as out:
                digest = _copy(sources[entry.relpath], out, entry.relpath, budget)
            if digest != entry.sha256:
                raise DataError(
                    f"{entry.relpath}: sha256 mismatch for {sources[entry.relpath]} (got {digest}, "
                    f"expected {entry.sha256}); the file is corrupted or not the pinned upstream "
                    f"version. Nothing was written to {dest}; retry, or fetch from another source "
                    "with --from"
                )
            if on_file:
                on_file(entry.relpath, "fetched")
        _install(staging, dest, workdir)
    except OSError as e:
        raise DataError(f"installing into {dest} failed ({e}); nothing was changed") from None
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return FetchResult(dest, tuple(e.relpath for e in todo), present)


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
