"""Errors raised by the environment: each names who did what wrong, where, and how to fix it."""

from __future__ import annotations


class GopoError(Exception):
    """Base class of every error gopo_env raises on purpose."""


class InvalidActionError(GopoError, ValueError):
    """An agent's action breaks the protocol (docs/environment.md, "Bad input").

    Raised for out-of-space input (unless ``invalid_input="score"``) and, with ``strict=True``,
    for an in-space action the SOP masks (by default that one is played and scored as an SOP
    violation); see ``docs/environment.md``, "Bad input".
    """

    def __init__(self, agent: str, turn: int, problem: str, fix: str) -> None:
        self.agent = agent
        self.turn = turn
        self.problem = problem
        self.fix = fix
        super().__init__(f"{agent} at turn {turn}: {problem}. {fix}")


class ResetOptionError(GopoError, ValueError):
    """A ``reset(options=...)`` key the environment does not know (a misspelt ``scenario_id``
    would otherwise be dropped and the episode drawn at random)."""


class DomainError(GopoError):
    """A domain is unknown, registered twice or misconfigured."""


class ScenarioError(GopoError, KeyError):
    """A scenario id or split does not exist."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


class DataError(GopoError):
    """A dataset is missing, malformed or failed verification (the message says how to fix it)."""


class UnsupportedRenderModeError(GopoError, TypeError, ValueError):
    """A ``render_mode`` the environment does not offer (it renders text: ``"ansi"``, ``"human"``).

    Both a ``ValueError`` (what it is) and a ``TypeError``: Stable-Baselines3's ``make_vec_env``
    asks every env for ``render_mode="rgb_array"`` and falls back to none on ``TypeError``, the
    convention for environments that cannot render images.
    """

    def __init__(self, render_mode: object, supported: list[str] | None = None) -> None:
        if supported is None:  # re-raised with a message (gymnasium.make adds the env id)
            super().__init__(str(render_mode))
            return
        self.render_mode = render_mode
        super().__init__(
            f"render_mode must be one of {supported} or None, got {render_mode!r} "
            "(the dialogue renders as text; render() with 'ansi' returns the transcript)"
        )


def warn_no_render_mode() -> None:
    """The warning of ``render()`` on an env made without ``render_mode`` (which returns None, as
    Gymnasium and PettingZoo envs do)."""
    from gymnasium import logger

    logger.warn("render() called without a render_mode, so nothing is rendered; make the env with "
                "render_mode='ansi' (render() returns the transcript) or 'human' (prints it)")
