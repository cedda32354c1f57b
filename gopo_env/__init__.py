"""gopo_env: goal-oriented, task-focused dialogue environments (Gymnasium + PettingZoo).

``import gopo_env`` registers the environments (idempotently):

* Gymnasium: ``GOPO-Mgshop-v0`` (the Expert Agent's view), ``GOPO-Mgshop-Text-v0``
  (a monolithic text agent) and ``GOPO-Mgshop-Flat-v0`` (one policy picks strategy and
  content from a flat act table); also reachable as ``gym.make("gopo_env:GOPO-Mgshop-v0")``.
* PettingZoo: ``gopo/mgshop-v0`` in both the AEC and the Parallel registry, and the module
  ``gopo_env.multiagent.mgshop_v0`` with ``env``, ``parallel_env`` and ``raw_env``.
"""

from __future__ import annotations

import gymnasium

from gopo_env.core.dialogue import Dialogue
from gopo_env.core.domain import CustomerAct, Domain, DomainEpisode, ParsedResponse
from gopo_env.core.errors import DomainError, GopoError, InvalidActionError, ScenarioError
from gopo_env.core.rewards import RewardConfig
from gopo_env.core.spaces import DialogueText
from gopo_env.domains import domain_names, make_domain, register_domain

__version__ = "0.1.0"

GYM_ENVS = {
    "GOPO-Mgshop-v0": ("gopo_env.envs.expert:ExpertEnv", {"domain": "mgshop"}),
    "GOPO-Mgshop-Text-v0": ("gopo_env.envs.text:TextEnv", {"domain": "mgshop"}),
    "GOPO-Mgshop-Flat-v0": ("gopo_env.envs.flat:FlatEnv", {"domain": "mgshop"}),
    "GOPO-Mgshop-v1": ("gopo_env.envs.expert:ExpertEnv", {"domain": "mgshop", "version": 1}),
    "GOPO-Mgshop-Text-v1": ("gopo_env.envs.text:TextEnv", {"domain": "mgshop", "version": 1}),
    "GOPO-Mgshop-Flat-v1": ("gopo_env.envs.flat:FlatEnv", {"domain": "mgshop", "version": 1}),
}
PETTINGZOO_ENVS = {"gopo/mgshop-v0": "gopo_env.multiagent.mgshop_v0",
                   "gopo/mgshop-v1": "gopo_env.multiagent.mgshop_v1"}


def _register() -> None:
    for env_id, (entry_point, kwargs) in GYM_ENVS.items():
        if env_id not in gymnasium.registry:
            gymnasium.register(id=env_id, entry_point=entry_point, kwargs=kwargs)
    try:
        from pettingzoo.env_registry import registration as pz
    except ImportError:  # PettingZoo < 1.26 has no registry; the modules still work
        return
    for env_id, module in PETTINGZOO_ENVS.items():
        if env_id not in pz.aec_registry:
            pz.register("aec", env_id, entry_point=f"{module}:env")
        if env_id not in pz.parallel_registry:
            pz.register("parallel", env_id, entry_point=f"{module}:parallel_env")


_register()

__all__ = [
    "CustomerAct", "Dialogue", "DialogueText", "Domain", "DomainEpisode", "DomainError",
    "GopoError", "InvalidActionError", "ParsedResponse", "RewardConfig", "ScenarioError",
    "domain_names", "make_domain", "register_domain",
]
