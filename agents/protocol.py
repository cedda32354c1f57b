"""The agent interface every evaluated agent follows (SPEC §6).

It is structural: any class with these members works, without importing this module. The
evaluation runner fills the roles an agent does not play with the domain's built-in agents.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

ROLES = ("expert", "service")


@runtime_checkable
class Agent(Protocol):
    roles: tuple[str, ...]
    """The roles it plays: ``("expert",)``, ``("service",)`` or both."""

    def reset(self, seed: int | None = None) -> None:
        """Called before each episode with the episode's seed."""

    def act(self, role: str, observation: Any, info: dict[str, Any]) -> Any:
        """The action for ``role``: a strategy id (expert) or the response text (service).

        The expert's observation carries ``features`` and ``action_mask``; ``info`` is the
        environment's info of the last step (``info["state"]`` is the public dialogue state).
        """


@runtime_checkable
class TrainableAgent(Agent, Protocol):
    def train(self, env_id: str, budget: int, seed: int) -> dict[str, Any]:
        """Train for ``budget`` environment steps; returns training statistics."""

    def save(self, path: str) -> None: ...

    def load(self, path: str) -> None: ...
