"""Datasets the environment can use when present: locate them, or fetch and verify them.

A dataset is described by a :class:`Manifest` (files, upstream URLs, sha256) that lives with
the domain that reads it; each domain declares its datasets (``Domain.datasets``: name ->
``module:MANIFEST``) and :func:`datasets` collects them from the domain registry.
"""

from __future__ import annotations

import importlib

from gopo_env.core.errors import DataError
from gopo_env.data.fetch import FetchResult, Manifest, ManifestEntry, fetch_dataset, sha256_file
from gopo_env.data.locate import DATA_DIR_ENV, default_cache_dir, locate_dataset


def datasets() -> dict[str, str]:
    """Every dataset the registered domains declare: name -> ``module:attribute`` of its manifest."""
    from gopo_env.domains.registry import domain_factory, domain_names

    out: dict[str, str] = {}
    for name in domain_names():
        out.update(getattr(domain_factory(name), "datasets", {}) or {})
    return out


def manifest(name: str) -> Manifest:
    """The manifest of dataset ``name``; :class:`DataError` names the known ones otherwise."""
    known = datasets()
    if name not in known:
        raise DataError(f"unknown dataset {name!r}; known datasets: {sorted(known)}")
    module, _, attr = known[name].partition(":")
    return getattr(importlib.import_module(module), attr)


__all__ = [
    "DATA_DIR_ENV", "DataError", "FetchResult", "Manifest", "ManifestEntry",
    "datasets", "default_cache_dir", "fetch_dataset", "locate_dataset", "manifest", "sha256_file",
]
