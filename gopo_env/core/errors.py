"""Errors raised by the environment: each names who did what wrong, where, and how to fix it."""

from __future__ import annotations


class GopoError(Exception):
    """Base class of every error gopo_env raises on purpose."""


class InvalidActionError(GopoError, ValueError):
    """An agent's action breaks the protocol (docs/environment.md, "Bad input").

    Raised in the default strict mode; with ``strict=False`` the same action is instead
    recorded and scored as an SOP violation (see ``docs/environment.md``).
    """

    def __init__(self, agent: str, turn: int, problem: str, fix: str) -> None:
        self.agent = agent
        self.turn = turn
        self.problem = problem
        self.fix = fix
        super().__init__(f"{agent} at turn {turn}: {problem}. {fix}")


class DomainError(GopoError):
    """A domain is unknown, registered twice or misconfigured."""


class ScenarioError(GopoError, KeyError):
    """A scenario id or split does not exist."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


class DataError(GopoError):
    """A dataset is missing, malformed or failed verification (the message says how to fix it)."""
