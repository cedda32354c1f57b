"""PettingZoo multi-agent environments: the AEC dialogue for any domain, and one thin
versioned module per domain for direct import (``from gopo_env.multiagent import mgshop_v0``)."""

from __future__ import annotations

from typing import Any


def aec_env(**kwargs: Any):
    """The AEC environment of ``domain=...`` wrapped in PettingZoo's order-enforcing and bounds
    checks (what ``pettingzoo.make("aec", "gopo/<domain>-v<n>")`` builds)."""
    from pettingzoo.utils import wrappers

    from gopo_env.multiagent.dialogue_aec import DialogueAECEnv

    aec = wrappers.AssertOutOfBoundsWrapper(DialogueAECEnv(**kwargs))
    return wrappers.OrderEnforcingWrapper(aec)


def parallel_env(**kwargs: Any):
    """The Parallel view, by PettingZoo's turn-based conversion (only the active agent acts)."""
    from pettingzoo.utils.conversions import turn_based_aec_to_parallel

    return turn_based_aec_to_parallel(aec_env(**kwargs))
