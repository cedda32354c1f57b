"""PettingZoo multi-agent environments: the AEC dialogue for any domain, and one thin
versioned module per domain for direct import (``from gopo_env.multiagent import mgshop_v0``)."""

from __future__ import annotations

from typing import Any


def aec_env(**kwargs: Any):
    """The AEC environment of ``domain=...`` wrapped in PettingZoo's order-enforcing check (what
    ``pettingzoo.make("aec", "gopo/<domain>-v<n>")`` builds); bad actions raise ``InvalidActionError``."""
    from pettingzoo.utils import wrappers

    from gopo_env.multiagent.dialogue_aec import DialogueAECEnv

    # no AssertOutOfBoundsWrapper: the dialogue itself refuses out-of-space actions with an
    # InvalidActionError naming the agent, the turn and the fix (a bare assertion says none)
    return wrappers.OrderEnforcingWrapper(DialogueAECEnv(**kwargs))


def parallel_env(inactive_action: str = "warn", **kwargs: Any):
    """The turn-based Parallel view: only ``infos[a]["active_agent"]`` acts each step; an
    inactive agent's action other than ``None`` warns (``inactive_action``: "warn", "raise",
    "ignore"; see :mod:`gopo_env.multiagent.parallel`)."""
    from gopo_env.multiagent.parallel import TurnBasedParallelEnv

    return TurnBasedParallelEnv(aec_env(**kwargs), inactive_action=inactive_action)
