"""Which split a generic test may play, per domain, given the data present here.

A domain whose scenarios come from a dataset (MultiWOZ) needs that data; its official test split
may be absent even when the rest is there (shared/ holds MultiWOZ's validation split only: users
get the test split with `gopo-bench data fetch multiwoz`). Generic tests then play the held-out
split that exists, and skip a domain whose data is missing -- except under GOPO_REQUIRE_DATA=1
(CI), where missing data fails.
"""

from __future__ import annotations

import functools
import os

import pytest

from gopo_env import make_domain
from gopo_env.core.errors import DataError
from gopo_env.registration import spec_of


@functools.cache
def _splits(domain: str) -> tuple[str, ...] | str:
    try:
        built = make_domain(domain)
    except DataError as e:
        return str(e)
    out = []
    for split in ("train", "dev", "test"):
        try:
            built.scenarios(split)
            out.append(split)
        except DataError:
            pass
    return tuple(out)


def playable_splits(domain_or_env_id: str) -> tuple[str, ...]:
    """The splits of the domain (or of the env id's domain) whose scenarios load here."""
    domain = spec_of(domain_or_env_id).domain if domain_or_env_id.startswith(("GOPO-", "gopo_env:")) \
        else domain_or_env_id
    found = _splits(domain)
    if isinstance(found, str):
        if os.environ.get("GOPO_REQUIRE_DATA") == "1":
            pytest.fail(f"{domain}: {found} (GOPO_REQUIRE_DATA=1: real data is required here)")
        pytest.skip(f"{domain}: {found}")
    return found


def held_out_split(domain_or_env_id: str) -> str:
    """``"test"`` where the domain's test split loads here, else ``"dev"``."""
    splits = playable_splits(domain_or_env_id)
    return "test" if "test" in splits else "dev"
