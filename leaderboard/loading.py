"""Agents by import string: ``"module:Class"`` plus keyword arguments as JSON (docs/baselines.md).

The leaderboard never lists agents: any importable class with ``roles``, ``reset`` and ``act``
works, the user's own included.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping
from typing import Any

ROLES = ("expert", "service")


class AgentLoadError(Exception):
    """The agent string, its keyword arguments or the class itself are not usable."""


def parse_json_object(text: str | Mapping[str, Any] | None, option: str, example: str,
                      error: type[Exception] = ValueError) -> dict[str, Any]:
    """A JSON-object option (``--agent-kwargs``, ``--env-kwargs``) as a dict: JSON text, a mapping
    or nothing; ``error`` (naming ``option`` and showing ``example``) when it is not an object."""
    if text is None or isinstance(text, Mapping):
        return dict(text or {})
    try:
        value = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as e:
        raise error(f"{option} is not valid JSON ({e.msg} at character {e.pos}): {text!r}; "
                    f"write an object, e.g. '{example}'") from None
    if not isinstance(value, dict):
        raise error(f"{option} must be a JSON object, got {type(value).__name__}: {text!r}; "
                    f"e.g. '{example}'")
    return value


def parse_kwargs(text: str | Mapping[str, Any] | None) -> dict[str, Any]:
    """``--agent-kwargs`` JSON: an object, or nothing."""
    return parse_json_object(text, "--agent-kwargs", '{"seed": 1}', AgentLoadError)


def parse_env_kwargs(text: str | Mapping[str, Any] | None,
                     error: type[Exception] = ValueError) -> dict[str, Any]:
    """``--env-kwargs`` JSON (extra ``gym.make`` arguments): an object, or nothing."""
    return parse_json_object(text, "--env-kwargs", '{"params": "calibrated"}', error)


def load_class(spec: str) -> type:
    """Import ``module:Class`` (``Class`` may be dotted: ``module:Outer.Inner``)."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise AgentLoadError(
            f"agent {spec!r} is not of the form MODULE:CLASS, e.g. baselines.scripted:ScriptedSOPAgent"
        )
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as e:
        raise AgentLoadError(
            f"agent {spec!r}: cannot import module {module_name!r} ({e}); is it installed or on "
            "PYTHONPATH?"
        ) from e
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            public = sorted(n for n in dir(obj) if not n.startswith("_"))[:20]
            raise AgentLoadError(
                f"agent {spec!r}: {part!r} not found in {obj.__name__!r}; it has {public}"
            ) from None
    if not isinstance(obj, type):
        raise AgentLoadError(f"agent {spec!r} is a {type(obj).__name__}, not a class")
    return obj


def check_agent(agent: Any, spec: str = "agent") -> tuple[str, ...]:
    """The agent's roles, after checking it follows the protocol (``gopo_env/protocol.py``)."""
    missing = [m for m in ("roles", "reset", "act") if not hasattr(agent, m)]
    if missing:
        raise AgentLoadError(
            f"{spec} lacks {missing}; an agent has `roles` (a tuple of {ROLES}), "
            "`reset(seed=None)` and `act(role, observation, info)`"
        )
    roles = agent.roles
    if isinstance(roles, str):
        roles = (roles,)
    roles = tuple(roles)
    unknown = [r for r in roles if r not in ROLES]
    if not roles or unknown:
        raise AgentLoadError(f"{spec}: roles must be a non-empty tuple of {ROLES}, got {agent.roles!r}")
    return roles


def load_agent(spec: str, kwargs: dict[str, Any] | str | None = None) -> Any:
    """Import and construct the agent ``spec`` with ``kwargs`` (a dict or a JSON string)."""
    if not isinstance(kwargs, dict):
        kwargs = parse_kwargs(kwargs)
    cls = load_class(spec)
    try:
        agent = cls(**kwargs)
    except TypeError as e:
        raise AgentLoadError(f"agent {spec!r} cannot be constructed with {kwargs}: {e}") from e
    check_agent(agent, spec)
    return agent
