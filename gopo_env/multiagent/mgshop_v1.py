"""PettingZoo entry points of the Mgshop dialogue, v1 dynamics: ``env``, ``parallel_env``, ``raw_env``."""

from __future__ import annotations

from typing import Any

from pettingzoo.utils import wrappers
from pettingzoo.utils.conversions import turn_based_aec_to_parallel

from gopo_env.multiagent.dialogue_aec import DialogueAECEnv


class raw_env(DialogueAECEnv):  # noqa: N801 - PettingZoo's naming convention
    metadata = {**DialogueAECEnv.metadata, "name": "gopo_mgshop_v1"}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(domain="mgshop", version=1, **kwargs)


def env(**kwargs: Any):
    """The AEC environment wrapped in PettingZoo's order-enforcing and bounds checks."""
    aec = raw_env(**kwargs)
    aec = wrappers.AssertOutOfBoundsWrapper(aec)
    return wrappers.OrderEnforcingWrapper(aec)


def parallel_env(**kwargs: Any):
    """The Parallel view, by PettingZoo's turn-based conversion (only the active agent acts)."""
    return turn_based_aec_to_parallel(env(**kwargs))
