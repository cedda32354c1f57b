"""PettingZoo multi-agent environments: the AEC dialogue for any domain, and one thin
versioned module per domain for direct import (``from gopo_env.multiagent import mgshop_v0``)."""

from __future__ import annotations

from collections.abc import Callable
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


def entry_points(env_id: str, module: str) -> tuple[type, Callable[..., Any], Callable[..., Any]]:
    """PettingZoo's ``(raw_env, env, parallel_env)`` of one ``gopo/<domain>-v<n>`` id, for the
    thin per-domain module named ``module`` (they are given its name, so that they pickle by
    reference); every one refuses arguments that contradict the id (a ``version`` of other
    dynamics: :func:`gopo_env.registration.check_id_kwargs`)."""
    from gopo_env.multiagent.dialogue_aec import DialogueAECEnv
    from gopo_env.registration import check_id_kwargs

    def __init__(self: Any, **kwargs: Any) -> None:
        DialogueAECEnv.__init__(self, **check_id_kwargs(env_id, kwargs))

    name = env_id.replace("/", "_").replace("-", "_")
    raw = type("raw_env", (DialogueAECEnv,), {
        "metadata": {**DialogueAECEnv.metadata, "name": name}, "__init__": __init__,
        "__doc__": f"The bare AEC environment of ``{env_id}`` (no PettingZoo wrappers)."})

    def env(**kwargs: Any) -> Any:
        """The AEC environment wrapped in PettingZoo's order-enforcing check."""
        return aec_env(**check_id_kwargs(env_id, kwargs))

    def parallel(**kwargs: Any) -> Any:
        """The Parallel view, by PettingZoo's turn-based conversion (only the active agent acts)."""
        return parallel_env(**check_id_kwargs(env_id, kwargs))

    parallel.__name__ = "parallel_env"
    for obj in (raw, env, parallel):
        obj.__module__, obj.__qualname__ = module, obj.__name__
    return raw, env, parallel
