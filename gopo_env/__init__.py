"""gopo_env: goal-oriented, task-focused dialogue environments (Gymnasium + PettingZoo).

``import gopo_env`` registers the environments (idempotently), generated from the domain
registry by :mod:`gopo_env.registration`: for each domain and version, Gymnasium
``GOPO-<Domain>-v<n>`` (the Expert Agent's view), ``GOPO-<Domain>-Text-v<n>`` (a monolithic
text agent), ``GOPO-<Domain>-Flat-v<n>`` (strategy and content from a flat act table, where the
domain has one) -- also reachable as ``gym.make("gopo_env:GOPO-Mgshop-v0")`` -- and PettingZoo
``gopo/<domain>-v<n>`` in the AEC and Parallel registries.
"""

from __future__ import annotations

import gopo_env.core.pickling  # noqa: F401  (mapping proxies pickle)
from gopo_env.core.dialogue import Dialogue
from gopo_env.core.domain import CustomerAct, Domain, DomainEpisode, ParsedResponse
from gopo_env.core.errors import (
    DomainError,
    GopoError,
    InvalidActionError,
    ResetOptionError,
    ScenarioError,
)
from gopo_env.core.rewards import RewardConfig
from gopo_env.core.spaces import DialogueText
from gopo_env.domains import domain_names, make_domain, register_domain
from gopo_env.registration import env_specs, register_all

__version__ = "0.1.0"

register_all()

__all__ = [
    "CustomerAct", "Dialogue", "DialogueText", "Domain", "DomainEpisode", "DomainError",
    "GopoError", "InvalidActionError", "ParsedResponse", "ResetOptionError", "RewardConfig", "ScenarioError",
    "domain_names", "env_specs", "make_domain", "register_domain",
]
