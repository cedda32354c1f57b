"""Env ids generated from the domain registry (Gymnasium and PettingZoo).

For every registered domain ``d`` with ``title`` T and each of its ``versions`` n:

* Gymnasium ``GOPO-T-vn`` (the Expert Agent's view), ``GOPO-T-Text-vn`` (one monolithic text
  agent) and, for domains whose toolkit has a flat act table, ``GOPO-T-Flat-vn``;
* PettingZoo ``gopo/d-vn`` in the AEC and Parallel registries.

Adding a domain is one ``register_domain`` line: its env ids follow from its class attributes.
An id names its dynamics: making it with a ``version`` other than its own raises
(:func:`check_id_kwargs`), so a recorded id is always the one played.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import gymnasium

from gopo_env.core.errors import DomainError
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


def version_id(env_id: str, version: Any) -> str:
    """The id of the same domain and view as ``env_id`` at dynamics ``version`` (``GOPO-Mgshop-v1``,
    0 -> ``GOPO-Mgshop-v0``); :class:`DomainError` listing the registered versions if none."""
    spec = spec_of(env_id)
    for other in env_specs().values():
        if (other.domain, other.view, other.version) == (spec.domain, spec.view, version):
            return other.env_id
    ids = [s.env_id for s in env_specs().values() if (s.domain, s.view) == (spec.domain, spec.view)]
    raise DomainError(f"{spec.domain} has no version {version!r}; its registered ids: {ids}")


def check_id_kwargs(env_id: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` for making ``env_id``, after refusing a ``version`` that contradicts the id: an
    id names its dynamics (Gymnasium's rule), so ``GOPO-Mgshop-v1`` made with ``version=0`` would
    play v0 while every record says v1. ``env_id`` is a Gymnasium id or a PettingZoo
    ``gopo/<domain>-v<n>`` id; the result is the id's registered kwargs updated with ``kwargs``."""
    pz_id = env_id.startswith("gopo/")
    if pz_id:
        spec = next((s for s in env_specs().values()
                     if s.view == "expert" and f"gopo/{s.domain}-v{s.version}" == env_id), None)
        if spec is None:
            raise DomainError(f"unknown PettingZoo id {env_id!r}; registered: {sorted(pettingzoo_ids())}")
    else:
        spec = spec_of(env_id)

    def name(s: EnvSpec) -> str:
        return f"gopo/{s.domain}-v{s.version}" if pz_id else s.env_id

    if "version" in kwargs and kwargs["version"] != spec.version:
        try:
            other = name(spec_of(version_id(spec.env_id, kwargs["version"])))
        except DomainError as e:
            raise DomainError(f"{name(spec)} names version {spec.version}, but version="
                              f"{kwargs['version']!r} was passed: {e}") from None
        raise DomainError(f"{name(spec)} names version {spec.version}, but version={kwargs['version']!r} "
                          f"was passed: an env id names its dynamics, so use {other} (and drop "
                          f"version=)")
    return {**spec.kwargs, **kwargs}


@dataclass(frozen=True)
class ViewEntryPoint:
    """``gym.make``'s entry point of one generated id: checks the arguments against the id
    (:func:`check_id_kwargs`), then builds the view (imported only when first made)."""

    env_id: str
    target: str
    """``module:Class`` of the view."""

    @property
    def metadata(self) -> dict[str, Any]:  # gym.make reads the render modes from the creator
        return gymnasium.envs.registration.load_env_creator(self.target).metadata

    def __call__(self, **kwargs: Any) -> gymnasium.Env:
        view = gymnasium.envs.registration.load_env_creator(self.target)
        return view(**check_id_kwargs(self.env_id, kwargs))


def make_pettingzoo(kind: str, env_id: str, **kwargs: Any) -> Any:
    """``pettingzoo.make``'s entry point of ``gopo/<domain>-v<n>``: the AEC (``kind="aec"``) or
    Parallel env, with the arguments checked against the id (:func:`check_id_kwargs`)."""
    from gopo_env.multiagent import aec_env, parallel_env

    return (aec_env if kind == "aec" else parallel_env)(**check_id_kwargs(env_id, kwargs))


def register_all() -> None:
    """Register every generated id (idempotent: ids already registered are left alone)."""
    for env_id, spec in env_specs().items():
        if env_id not in gymnasium.registry:
            gymnasium.register(id=env_id, entry_point=ViewEntryPoint(env_id, VIEWS[spec.view][1]),
                               kwargs=dict(spec.kwargs))
    try:
        from pettingzoo.env_registry import registration as pz
    except ImportError:  # PettingZoo < 1.26 has no registry; gopo_env.multiagent still works
        return
    for env_id in pettingzoo_ids():
        for kind, registry in (("aec", pz.aec_registry), ("parallel", pz.parallel_registry)):
            if env_id not in registry:
                pz.register(kind, env_id, entry_point=functools.partial(make_pettingzoo, kind, env_id))
