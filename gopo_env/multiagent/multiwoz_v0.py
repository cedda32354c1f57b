"""PettingZoo entry points of the MultiWOZ dialogue: ``env``, ``parallel_env``, ``raw_env``."""

from __future__ import annotations

from gopo_env.multiagent import entry_points

ENV_ID = "gopo/multiwoz-v0"
"""The PettingZoo id these entry points build: a ``version`` argument that contradicts it is
refused (:func:`~gopo_env.registration.check_id_kwargs`)."""

raw_env, env, parallel_env = entry_points(ENV_ID, __name__)
