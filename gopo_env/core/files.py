"""Filesystem steps every writer of a folder shares: check the folder it is told to write, replace a
whole directory in one step."""

from __future__ import annotations

import ctypes
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator, Sequence
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


def check_out_dir(out: Path, markers: Sequence[str], what: str, reuse: bool = False, *,
                  error: type[Exception] = ValueError,
                  choices: str = "pass overwrite=True to replace it (only once the new one is complete)"
                  ) -> bool:
    """Whether ``out``, where a writer puts a whole ``what`` (``"submission"``), already holds one:
    False when it is absent or empty, True when it holds one (any of ``markers`` is in it) and
    ``reuse`` (the caller's overwrite or resume) allows that.

    Otherwise ``error`` says what to do: a file, or an earlier ``what`` without ``reuse`` (the
    message offers ``choices``). A folder of other files is refused even with ``reuse``: the
    writer replaces or fills the whole folder, and those files are not its to delete or mix.
    """
    out = Path(out)
    if not out.exists():
        return False
    if not out.is_dir():
        raise error(f"{out} is a file, not a {what} folder; choose another out=DIR")
    found = [m for m in markers if (out / m).exists()]
    if found:
        if reuse:
            return True
        raise error(f"{out} already holds a {what} ({found[0]}); choose another out=DIR, or {choices}")
    others = sorted(p.name for p in out.iterdir())
    if others:
        raise error(f"{out} is not empty and holds no {what} ({', '.join(others[:3])}"
                    f"{', ...' if len(others) > 3 else ''}); a {what} is written as a whole folder: "
                    "choose a new or empty out=DIR")
    return False
