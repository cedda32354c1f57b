"""The domain registry: names -> domain factories; a name can be registered once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gopo_env.core.domain import Domain
from gopo_env.core.errors import DomainError

_REGISTRY: dict[str, Callable[..., Domain] | str] = {}


def register_domain(name: str, factory: Callable[..., Domain] | str) -> None:
    """Register ``factory`` under ``name``: a Domain class or callable, or its import string
    ``"package.module:Class"`` (imported when first asked for). Duplicates are an error."""
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
    return domain_factory(name)(**kwargs)


def domain_names() -> list[str]:
    """Registered domain names, in registration order (the order env ids are generated in)."""
    return list(_REGISTRY)


def domain_factory(name: str) -> Callable[..., Domain]:
    """The factory (usually the :class:`Domain` subclass) registered as ``name``."""
    try:
        factory = _REGISTRY[name]
    except KeyError:
        raise DomainError(f"unknown domain {name!r}; registered domains: {list(_REGISTRY)}") from None
    if isinstance(factory, str):
        import importlib

        module, _, attr = factory.partition(":")
        factory = _REGISTRY[name] = getattr(importlib.import_module(module), attr)
    return factory
