"""Env ids generated from the domain registry (Gymnasium and PettingZoo).

For every registered domain ``d`` with ``title`` T and each of its ``versions`` n:

* Gymnasium ``GOPO-T-vn`` (the Expert Agent's view), ``GOPO-T-Text-vn`` (one monolithic text
  agent) and, for domains whose toolkit has a flat act table, ``GOPO-T-Flat-vn``;
* PettingZoo ``gopo/d-vn`` in the AEC and Parallel registries.

Adding a domain is one ``register_domain`` line: its env ids follow from its class attributes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import gymnasium

from gopo_env.domains.registry import domain_factory, domain_names

VIEWS = {
    "expert": ("", "gopo_env.envs.expert:ExpertEnv"),
    "text": ("-Text", "gopo_env.envs.text:TextEnv"),
    "flat": ("-Flat", "gopo_env.envs.flat:FlatEnv"),
}


@dataclass(frozen=True)
class EnvSpec:
    """What a generated env id stands for."""

    env_id: str
    domain: str
    version: int
    view: str
    """``expert``, ``text`` or ``flat``."""
    kwargs: dict[str, Any]
    """The keyword arguments the view is built with (``domain`` and, if versioned, ``version``)."""


def env_specs() -> dict[str, EnvSpec]:
    """Every generated Gymnasium env id -> its :class:`EnvSpec`, in registry order."""
    specs: dict[str, EnvSpec] = {}
    for name in domain_names():
        cls = domain_factory(name)
        title = getattr(cls, "title", "") or name.capitalize()
        versions = tuple(getattr(cls, "versions", (0,)))
        for version in versions:
            kwargs: dict[str, Any] = {"domain": name}
            if len(versions) > 1:
                kwargs["version"] = version
            for view in getattr(cls, "views", ("expert", "text")):
                suffix, _ = VIEWS[view]
                env_id = f"GOPO-{title}{suffix}-v{version}"
                specs[env_id] = EnvSpec(env_id, name, version, view, kwargs)
    return specs


def pettingzoo_ids() -> dict[str, tuple[str, dict[str, Any]]]:
    """PettingZoo id -> (domain, view kwargs) for every domain version."""
    out = {}
    for spec in env_specs().values():
        if spec.view == "expert":
            out[f"gopo/{spec.domain}-v{spec.version}"] = (spec.domain, spec.kwargs)
    return out


def spec_of(env_id: str) -> EnvSpec:
    """The :class:`EnvSpec` of a generated id (``gopo_env:`` prefix allowed).

    Raises ``KeyError`` naming the registered GOPO ids when ``env_id`` is not one of them.
    """
    specs = env_specs()
    key = env_id.removeprefix("gopo_env:")
    if key not in specs:
        raise KeyError(f"unknown env id {env_id!r}; registered GOPO envs: {sorted(specs)}")
    return specs[key]


def sibling_id(env_id: str, view: str) -> str:
    """The id of ``view`` for the domain and version of ``env_id`` (e.g. the expert view of a flat
    id); ``ValueError`` if the domain has no such view."""
    spec = spec_of(env_id)
    for other in env_specs().values():
        if (other.domain, other.version, other.view) == (spec.domain, spec.version, view):
            return other.env_id
    raise ValueError(f"{env_id}: domain {spec.domain!r} has no {view} view")


def register_all() -> None:
    """Register every generated id (idempotent: ids already registered are left alone)."""
    for env_id, spec in env_specs().items():
        if env_id not in gymnasium.registry:
            gymnasium.register(id=env_id, entry_point=VIEWS[spec.view][1], kwargs=dict(spec.kwargs))
    try:
        from pettingzoo.env_registry import registration as pz
    except ImportError:  # PettingZoo < 1.26 has no registry; gopo_env.multiagent still works
        return
    from gopo_env.multiagent import aec_env, parallel_env

    for env_id, (_, kwargs) in pettingzoo_ids().items():
        if env_id not in pz.aec_registry:
            pz.register("aec", env_id, entry_point=functools.partial(aec_env, **kwargs))
        if env_id not in pz.parallel_registry:
            pz.register("parallel", env_id, entry_point=functools.partial(parallel_env, **kwargs))
