"""Filesystem steps every writer of a folder shares: replace a whole directory in one step."""

from __future__ import annotations

import ctypes
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def exchange_dirs(a: Path, b: Path) -> bool:
    """Swap two directories atomically (Linux ``renameat2`` with ``RENAME_EXCHANGE``); False where
    the system has no such call."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def replace_dir(staging: Path, dest: Path) -> None:
    """Put the complete folder ``staging`` at ``dest`` in one step; a previous ``dest`` is removed.

    Readers see the old folder or the new one, never a mix: an atomic exchange where the system
    has one, else two renames (a short window with no folder). ``staging`` must be on the same
    filesystem as ``dest`` (create it beside ``dest``).
    """
    staging, dest = Path(staging), Path(dest)
    if not dest.exists():
        os.replace(staging, dest)
        return
    if exchange_dirs(staging, dest):
        shutil.rmtree(staging, ignore_errors=True)  # the old folder, now at ``staging``
        return
    old = Path(tempfile.mkdtemp(prefix=f".{dest.name}-old-", dir=dest.parent))
    os.replace(dest, old / "previous")
    os.replace(staging, dest)
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def staged_dir(dest: Path) -> Iterator[Path]:
    """A new empty folder beside ``dest`` to fill; it replaces ``dest`` (:func:`replace_dir`) when
    the block ends normally, and is removed when it raises, leaving ``dest`` as it was."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = dest.parent / f".{dest.name}-{secrets.token_hex(4)}.partial"
    staging.mkdir()  # not mkdtemp (private): the folder keeps the user's usual permissions
    try:
        yield staging
        replace_dir(staging, dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
