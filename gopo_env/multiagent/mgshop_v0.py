"""PettingZoo entry points of the Mgshop dialogue: ``env``, ``parallel_env``, ``raw_env``."""

from __future__ import annotations

from typing import Any

from pettingzoo.utils import wrappers

from gopo_env.multiagent.dialogue_aec import DialogueAECEnv
from gopo_env.multiagent.parallel import TurnBasedParallelEnv


class raw_env(DialogueAECEnv):  # noqa: N801 - PettingZoo's naming convention
    metadata = {**DialogueAECEnv.metadata, "name": "gopo_mgshop_v0"}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(domain="mgshop", **kwargs)


def env(**kwargs: Any):
    """The AEC environment wrapped in PettingZoo's order-enforcing and bounds checks."""
    aec = raw_env(**kwargs)
    aec = wrappers.AssertOutOfBoundsWrapper(aec)
    return wrappers.OrderEnforcingWrapper(aec)


def parallel_env(inactive_action: str = "warn", **kwargs: Any):
    """The turn-based Parallel view: only ``infos[a]["active_agent"]`` acts each step; an
    inactive agent's action other than ``None`` warns (``inactive_action``: "warn", "raise",
    "ignore"; see :mod:`gopo_env.multiagent.parallel`)."""
    return TurnBasedParallelEnv(env(**kwargs), inactive_action=inactive_action)
