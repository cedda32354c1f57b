"""Download a dataset's files, verify each sha256, and install them all-or-nothing.

Every file is streamed into a staging folder beside the destination (same file system) while
its sha256 is computed; only when *every* file has verified are they moved into place with
``os.replace``. A failed or corrupted download therefore leaves neither a partial file nor a
half-populated dataset. A source is the upstream (each entry's own URL), another http(s) base
URL, or a local directory with the same layout.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gopo_env.core.errors import DataError

CHUNK = 1 << 16
TIMEOUT_S = 60


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


def _copy(src: str | Path, out, relpath: str) -> str:
    """Stream ``src`` into the open file ``out``; its sha256."""
    h = hashlib.sha256()

    def pump(f) -> None:
        for chunk in iter(lambda: f.read(CHUNK), b""):
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
        with urllib.request.urlopen(src, timeout=TIMEOUT_S) as response:  # noqa: S310 (http(s) only)
            pump(response)
    except urllib.error.HTTPError as e:
        raise DataError(f"{relpath}: downloading {src} failed with HTTP {e.code} {e.reason}; check the "
                        "URL (or use --from with a mirror or a local copy)") from None
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise DataError(f"{relpath}: downloading {src} failed ({reason}); check the network or use "
                        "--from with a local copy of the dataset") from None
    return h.hexdigest()


def fetch_dataset(manifest: Manifest, dest: str | Path, source: str | Path | None = None,
                  on_file: Callable[[str, str], None] | None = None) -> FetchResult:
    """Fetch every file of ``manifest`` into ``dest``: all verified and installed, or nothing.

    ``on_file(relpath, status)`` reports progress ("present", "fetched"). Files already at
    ``dest`` with the right sha256 are kept as they are.
    """
    dest = Path(dest).expanduser()
    present = tuple(e.relpath for e in manifest.files
                    if (dest / e.relpath).is_file() and sha256_file(dest / e.relpath) == e.sha256)
    todo = [e for e in manifest.files if e.relpath not in present]
    for relpath in present:
        if on_file:
            on_file(relpath, "present")
    if not todo:
        return FetchResult(dest, (), present)
    sources = {e.relpath: _source_of(e, source) for e in todo}
    dest.parent.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent))
    staging = workdir / dest.name  # made by mkdir, so it gets the user's usual permissions
    staging.mkdir()
    try:
        for entry in todo:
            target = staging / entry.relpath
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as out:
                digest = _copy(sources[entry.relpath], out, entry.relpath)
            if digest != entry.sha256:
                raise DataError(
                    f"{entry.relpath}: sha256 mismatch for {sources[entry.relpath]} (got {digest}, "
                    f"expected {entry.sha256}); the file is corrupted or not the pinned upstream "
                    f"version. Nothing was written to {dest}; retry, or fetch from another source "
                    "with --from"
                )
            if on_file:
                on_file(entry.relpath, "fetched")
        # every file verified: install them (a whole new folder is one rename)
        if not dest.exists():
            os.replace(staging, dest)
        else:
            for entry in todo:
                target = dest / entry.relpath
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staging / entry.relpath, target)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return FetchResult(dest, tuple(e.relpath for e in todo), present)
