"""How the customer's hidden act is put into words: the pluggable customer surface.

The rule-based :class:`~gopo_env.domains.mgshop.simulator.Customer` decides *what* the
customer does (intent, feedback, disclosures, leaving); a surface only rewrites the words
(real MG-ShopDial utterances, an LLM, ...). Outcomes therefore never depend on the surface,
and a seeded surface keeps transcripts deterministic: each call gets its own stream
derived from the episode seed and the turn.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace

from gopo_env.core.domain import CustomerAct
from gopo_env.core.errors import DomainError
from gopo_env.core.spaces import CONTROL_CHARS
from gopo_env.domains.mgshop.scenarios import MgshopScenario


@dataclass(frozen=True)
class SurfaceContext:
    """What a surface may condition on, besides the act itself."""

    scenario: MgshopScenario
    turn: int
    """0 for the opening line, else the assistant turn this act answers."""
    strategy: int | None
    """The strategy of the assistant turn being answered (None for the opening)."""
    rng: random.Random
    """A stream private to this (episode seed, turn): draw from it, not from ``random``."""


CustomerSurface = Callable[[CustomerAct, SurfaceContext], str]
"""``surface(act, context) -> text``; ``act.utterance`` is the template wording."""

SurfaceSpec = str | CustomerSurface | None

_NAMED: dict[str, Callable[..., CustomerSurface]] = {}


def register_surface(name: str, factory: Callable[..., CustomerSurface]) -> None:
    """Make ``surface=name`` available; ``factory(domain)`` builds the surface."""
    _NAMED[name] = factory


def resolve_surface(spec: SurfaceSpec, domain: object) -> CustomerSurface | None:
    """``None``/"template" keep the simulator's own words; a name or a callable rewrites them."""
    if spec is None or spec == "template":
        return None
    if callable(spec):
        return spec
    if isinstance(spec, str) and spec in _NAMED:
        return _NAMED[spec](domain)
    raise DomainError(
        f"mgshop: unknown customer surface {spec!r}; use 'template', one of "
        f"{sorted(_NAMED)}, or a callable surface(act, context) -> str"
    )


def apply_surface(surface: CustomerSurface | None, act: CustomerAct, scenario: MgshopScenario,
                  seed: int, turn: int, strategy: int | None) -> CustomerAct:
    """The act with its words rewritten by ``surface`` (checked: non-empty, no control chars)."""
    if surface is None:
        return act
    context = SurfaceContext(scenario, turn, strategy, random.Random(f"surface:{seed}:{turn}"))
    text = surface(act, context)
    if not isinstance(text, str) or not text.strip() or CONTROL_CHARS.search(text):
        raise DomainError(
            f"mgshop: customer surface {surface!r} returned {text!r} at turn {turn}; a surface "
            "must return a non-empty string without control characters"
        )
    return replace(act, utterance=text.strip())
