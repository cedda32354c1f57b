"""The turn-based Parallel view: PettingZoo's conversion, with the active agent made explicit.

The dialogue is turn-based (the expert picks a strategy, then the service writes the text that
carries it out), so one Parallel ``step`` moves only the **active agent**, as in PettingZoo's
``turn_based_aec_to_parallel``. PettingZoo's conversion silently ignores every other agent's
action; this view instead

* names the active agent in ``infos[agent]["active_agent"]`` from ``reset`` on (PettingZoo's
  own key, which its conversion sets only after the first step);
* accepts ``None`` (or no entry) for an inactive agent, and for any other action of an inactive
  agent follows ``inactive_action``: ``"warn"`` (default: a ``UserWarning``, once per env,
  naming the agent and the fix), ``"raise"`` (:class:`~gopo_env.core.errors.InvalidActionError`)
  or ``"ignore"`` (PettingZoo's behaviour). The ignored actions are counted in
  ``ignored_actions`` (agent -> count).
"""

from __future__ import annotations

import warnings
from typing import Any

from pettingzoo.utils.conversions import turn_based_aec_to_parallel_wrapper

from gopo_env.core.errors import InvalidActionError

INACTIVE_ACTION = ("warn", "raise", "ignore")


class TurnBasedParallelEnv(turn_based_aec_to_parallel_wrapper):
    """PettingZoo's turn-based Parallel conversion of a dialogue AEC env (see the module doc)."""

    def __init__(self, aec_env: Any, inactive_action: str = "warn") -> None:
        if inactive_action not in INACTIVE_ACTION:
            raise ValueError(f"inactive_action must be one of {INACTIVE_ACTION}, got {inactive_action!r}")
        super().__init__(aec_env)
        self.inactive_action = inactive_action
        self.ignored_actions: dict[str, int] = {}
        self._warned = False

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None):
        observations, infos = super().reset(seed=seed, options=options)
        for agent in self.aec_env.agents:
            infos[agent]["active_agent"] = self.aec_env.agent_selection
        return observations, infos

    def step(self, actions: dict[str, Any]):
        if self.agents:
            active = self.aec_env.agent_selection
            if active not in actions:
                raise InvalidActionError(
                    active, self.aec_env.unwrapped.dialogue.turn + 1, "no action for the active agent",
                    f"Pass actions[{active!r}]: the dialogue is turn-based and only "
                    "infos[agent]['active_agent'] acts each step.")
            for agent, action in actions.items():
                if agent != active and action is not None:
                    self._inactive(agent, active)
        return super().step(actions)

    def _inactive(self, agent: str, active: str) -> None:
        self.ignored_actions[agent] = self.ignored_actions.get(agent, 0) + 1
        message = (f"parallel view: the action of {agent!r} is ignored, it is {active!r}'s turn "
                   "(the dialogue is turn-based: only infos[a]['active_agent'] acts each step). "
                   f"Pass None for {agent!r}, or make the env with inactive_action='ignore'.")
        if self.inactive_action == "raise":
            raise InvalidActionError(agent, self.aec_env.unwrapped.dialogue.turn + 1,
                                     f"it is {active}'s turn, not {agent}'s",
                                     "Pass None for the inactive agent (infos[a]['active_agent'] names "
                                     "the one that acts).")
        if self.inactive_action == "warn" and not self._warned:
            self._warned = True
            warnings.warn(message, UserWarning, stacklevel=3)
