"""Shared fixtures; the suite never touches the network or a model hub."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import gymnasium as gym  # noqa: E402
import pytest  # noqa: E402

import gopo_env  # noqa: E402,F401  (registers the environments)


@pytest.fixture
def expert_env():
    env = gym.make("GOPO-Mgshop-v0", split="test")
    yield env
    env.close()


def run_sop(env, seed: int, scenario_id: str | None = None):
    """Play one episode with the built-in SOP expert; returns the final info."""
    _, info = env.reset(seed=seed, options={"scenario_id": scenario_id} if scenario_id else None)
    dialogue = env.unwrapped.dialogue
    done = False
    while not done:
        _, _, terminated, truncated, info = env.step(dialogue.builtin_strategy())
        done = terminated or truncated
    return info


def _data_root():
    from pathlib import Path

    env = os.environ.get("GOPO_DATA_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def mgshopdial_dir():
    """The real MG-ShopDial directory (``$GOPO_DATA_DIR/mgshopdial`` or ``../shared/data``).

    Absent data skips the test, except under ``GOPO_REQUIRE_DATA=1`` (CI), where it fails.
    """
    path = _data_root() / "mgshopdial"
    if not (path / "MGShopDial" / "MGShopDial.json").is_file():
        reason = (f"MG-ShopDial not found at {path}; set GOPO_DATA_DIR to the folder holding "
                  "mgshopdial/ or run `gopo-bench data fetch mgshopdial`")
        if os.environ.get("GOPO_REQUIRE_DATA") == "1":
            pytest.fail(reason + " (GOPO_REQUIRE_DATA=1: real data is required here)")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def multiwoz_dir():
    """The MultiWOZ folder (``$GOPO_DATA_DIR/multiwoz`` or ``../shared/data/multiwoz``).

    Absent data skips the test, except under ``GOPO_REQUIRE_DATA=1`` (CI), where it fails.
    """
    path = _data_root() / "multiwoz"
    if not (path / "data" / "multiwoz" / "val.json.zip").is_file():
        reason = (f"MultiWOZ not found at {path}; set GOPO_DATA_DIR to the folder holding multiwoz/ "
                  "or run `gopo-bench data fetch multiwoz`")
        if os.environ.get("GOPO_REQUIRE_DATA") == "1":
            pytest.fail(reason + " (GOPO_REQUIRE_DATA=1: real data is required here)")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def multiwoz_domain(multiwoz_dir):
    """A MultiWOZ domain on the real data with a small generated train split (300 goals)."""
    from gopo_env.domains.multiwoz import MultiwozDomain

    return MultiwozDomain(data_dir=multiwoz_dir, n_train=300)


@pytest.fixture(autouse=True)
def _domain_data_present(request):
    """A test parametrised by a domain, env id or PettingZoo id skips (fails under
    GOPO_REQUIRE_DATA=1) when that domain's dataset is not here (``data_support``)."""
    callspec = getattr(request.node, "callspec", None)
    if callspec is None:
        return
    from data_support import playable_splits

    from gopo_env.registration import env_specs, pettingzoo_ids

    domains, specs, pz = set(gopo_env.domain_names()), env_specs(), pettingzoo_ids()
    for value in callspec.params.values():
        if not isinstance(value, str):
            continue
        if value in domains:
            playable_splits(value)
        elif value.removeprefix("gopo_env:") in specs:
            playable_splits(specs[value.removeprefix("gopo_env:")].domain)
        elif value in pz:
            playable_splits(pz[value][0])
