"""Where a dataset lives: an explicit path, ``$GOPO_DATA_DIR/<name>``, or the fetch cache.

The order is fixed so that a user can always override what the machine provides: a path
given in code wins over the environment variable, which wins over what
``gopo-bench data fetch`` put in the cache (``$XDG_CACHE_HOME/gopo-bench/<name>``, by default
``~/.cache/gopo-bench/<name>``).
"""

from __future__ import annotations

import os
from pathlib import Path

from gopo_env.core.errors import DataError

DATA_DIR_ENV = "GOPO_DATA_DIR"


def default_cache_dir(name: str) -> Path:
    """Where ``gopo-bench data fetch NAME`` writes by default."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gopo-bench" / name


def locate_dataset(name: str, marker: str, path: str | Path | None = None) -> Path:
    """The directory holding dataset ``name`` (the one that contains the file ``marker``).

    ``path`` may be the dataset folder itself or a folder holding ``<name>/``. An explicit
    ``path`` that does not hold the dataset is an error (it never silently falls back).
    """
    if path is not None:
        given = Path(path).expanduser()
        for candidate in (given, given / name):
            if (candidate / marker).is_file():
                return candidate.resolve()
        raise DataError(
            f"{name}: {given} does not hold the dataset (no {marker} in it or in {given / name}); "
            f"pass the folder that contains {marker}, or fetch it with `gopo-bench data fetch {name} "
            f"--dest {given}`"
        )
    tried = []
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        candidate = Path(env).expanduser() / name
        if (candidate / marker).is_file():
            return candidate.resolve()
        tried.append(f"${DATA_DIR_ENV}/{name} = {candidate}")
    cache = default_cache_dir(name)
    if (cache / marker).is_file():
        return cache.resolve()
    tried.append(f"the fetch cache {cache}")
    raise DataError(
        f"{name}: dataset not found (looked in {' and '.join(tried)}). Provide it in one of three "
        f"ways: pass its folder explicitly (data_dir=PATH), set {DATA_DIR_ENV} to a folder holding "
        f"{name}/, or download it with `gopo-bench data fetch {name}` (writes to {cache})"
    )
