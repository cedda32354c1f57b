"""PettingZoo entry points of the Mgshop dialogue: ``env``, ``parallel_env``, ``raw_env``."""

from __future__ import annotations

from typing import Any

from gopo_env.multiagent import aec_env
from gopo_env.multiagent import parallel_env as _parallel
from gopo_env.multiagent.dialogue_aec import DialogueAECEnv
from gopo_env.registration import check_id_kwargs

ENV_ID = "gopo/mgshop-v0"
"""The PettingZoo id these entry points build: a ``version`` argument that contradicts it is
refused (:func:`~gopo_env.registration.check_id_kwargs`)."""


class raw_env(DialogueAECEnv):  # noqa: N801 - PettingZoo's naming convention
    metadata = {**DialogueAECEnv.metadata, "name": "gopo_mgshop_v0"}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**check_id_kwargs(ENV_ID, kwargs))


def env(**kwargs: Any):
    """The AEC environment wrapped in PettingZoo's order-enforcing and bounds checks."""
    return aec_env(**check_id_kwargs(ENV_ID, kwargs))


def parallel_env(**kwargs: Any):
    """The Parallel view, by PettingZoo's turn-based conversion (only the active agent acts)."""
    return _parallel(**check_id_kwargs(ENV_ID, kwargs))
