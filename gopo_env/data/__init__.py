"""Datasets the environment can use when present: locate them, or fetch and verify them.

A dataset is described by a :class:`Manifest` (files, upstream URLs, sha256) that lives with
the domain that reads it; :data:`DATASETS` maps a dataset name to that manifest by import
string, so that this package needs no domain import until a dataset is asked for.
"""

from __future__ import annotations

import importlib

from gopo_env.core.errors import DataError
from gopo_env.data.fetch import FetchResult, Manifest, ManifestEntry, fetch_dataset, sha256_file
from gopo_env.data.locate import DATA_DIR_ENV, default_cache_dir, locate_dataset

DATASETS: dict[str, str] = {
    "mgshopdial": "gopo_env.domains.mgshop.mgshopdial.manifest:MANIFEST",
    "multiwoz": "gopo_env.domains.multiwoz.data:MANIFEST",
}


def manifest(name: str) -> Manifest:
    """The manifest of dataset ``name``."""
    if name not in DATASETS:
        raise DataError(f"unknown dataset {name!r}; known datasets: {sorted(DATASETS)}")
    module, _, attr = DATASETS[name].partition(":")
    return getattr(importlib.import_module(module), attr)


__all__ = [
    "DATASETS", "DATA_DIR_ENV", "DataError", "FetchResult", "Manifest", "ManifestEntry",
    "default_cache_dir", "fetch_dataset", "locate_dataset", "manifest", "sha256_file",
]
