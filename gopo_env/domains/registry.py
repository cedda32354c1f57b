"""The domain registry: names -> domain factories; a name can be registered once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gopo_env.core.domain import Domain
from gopo_env.core.errors import DomainError

_REGISTRY: dict[str, Callable[..., Domain]] = {}


def register_domain(name: str, factory: Callable[..., Domain]) -> None:
    """Register ``factory`` (a Domain class or callable) under ``name``; duplicates are an error."""
    if name in _REGISTRY:
        if _REGISTRY[name] is factory:
            return  # re-importing the module that registered it is harmless
        raise DomainError(
            f"domain {name!r} is already registered (by {_REGISTRY[name]!r}); pick another name "
            "or unregister_domain() it first"
        )
    _REGISTRY[name] = factory


def unregister_domain(name: str) -> None:
    _REGISTRY.pop(name, None)


def make_domain(name: str, **kwargs: Any) -> Domain:
    """Build the domain registered as ``name`` with its keyword arguments."""
    try:
        factory = _REGISTRY[name]
    except KeyError:
        raise DomainError(
            f"unknown domain {name!r}; registered domains: {sorted(_REGISTRY)}"
        ) from None
    return factory(**kwargs)


def domain_names() -> list[str]:
    """Registered domain names, in registration order (the order env ids are generated in)."""
    return list(_REGISTRY)


def domain_factory(name: str) -> Callable[..., Domain]:
    """The factory (usually the :class:`Domain` subclass) registered as ``name``."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise DomainError(f"unknown domain {name!r}; registered domains: {list(_REGISTRY)}") from None
