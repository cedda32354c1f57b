"""The PettingZoo AEC environment: ``expert`` and ``service`` act in turn (docs/environment.md)."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from pettingzoo import AECEnv

from gopo_env.core.dialogue import EXPERT, SERVICE, Dialogue, pinned_scenario
from gopo_env.core.errors import UnsupportedRenderModeError, warn_no_render_mode
from gopo_env.core.rewards import RewardConfig
from gopo_env.core.spaces import DialogueText
from gopo_env.domains import make_domain

PETTINGZOO_PROBE = ("options",)
"""Reset options accepted and ignored: PettingZoo's ``api_test`` and ``parallel_api_test`` call
``reset(options={"options": 1})`` only to check that ``reset`` takes options. Any other unknown
key raises (:func:`~gopo_env.core.dialogue.scenario_from_options`)."""


class DialogueAECEnv(AECEnv):
    """Each turn the expert picks a strategy, then the service writes the response.

    Both agents receive the joint reward when the customer replies (after the service's move).
    ``expert`` observes ``{"features", "action_mask"}``; ``service`` observes
    ``{"features", "strategy", "customer"}`` where ``strategy`` is the expert's choice
    (``n_strategies`` when there is none) and ``customer`` the last customer utterance; the
    service's ``info["context"]`` holds the catalogue facts a writer needs (``DomainEpisode.context``).
    """

    metadata = {"name": "gopo_dialogue_v0", "render_modes": ["ansi", "human"],
                "is_parallelizable": False, "render_fps": 1}

    def __init__(
        self,
        domain: str = "mgshop",
        split: str = "train",
        render_mode: str | None = None,
        strict: bool = False,
        invalid_input: str = "raise",
        reward_config: RewardConfig | dict[str, Any] | None = None,
        max_turns: int | None = None,
        **domain_kwargs: Any,
    ) -> None:
        super().__init__()
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise UnsupportedRenderModeError(render_mode, self.metadata["render_modes"])
        self.render_mode = render_mode
        self.dialogue = Dialogue(
            make_domain(domain, **domain_kwargs), split=split, reward_config=reward_config,
            strict=strict, max_turns=max_turns, invalid_input=invalid_input,
        )
        n = self.dialogue.n_strategies
        features = spaces.Box(-1.0, 1.0, (self.dialogue.domain.n_features,), np.float32)
        self.possible_agents = [EXPERT, SERVICE]
        self._observation_spaces = {
            EXPERT: spaces.Dict({"features": features,
                                 "action_mask": spaces.Box(0, 1, (n,), np.int8)}),
            SERVICE: spaces.Dict({"features": features, "strategy": spaces.Discrete(n + 1),
                                  "customer": DialogueText(self.dialogue.domain.max_response_chars,
                                                           min_length=0)}),
        }
        self._action_spaces = {
            EXPERT: spaces.Discrete(n),
            SERVICE: DialogueText(self.dialogue.domain.max_response_chars),
        }

    def observation_space(self, agent: str) -> spaces.Space:
        return self._observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        return self._action_spaces[agent]

    def observe(self, agent: str) -> dict[str, Any]:
        d = self.dialogue
        if agent == EXPERT:
            return {"features": d.features(), "action_mask": d.mask()}
        strategy = d.strategy if d.strategy is not None and d.strategy >= 0 else d.n_strategies
        return {"features": d.features(), "strategy": strategy,
                "customer": d.transcript[-1].customer}

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None) -> None:
        scenario_id = pinned_scenario(self.dialogue, options, ignored=PETTINGZOO_PROBE)
        self.dialogue.reset(seed=seed, scenario_id=scenario_id)
        self.agents = self.possible_agents[:]
        self.rewards = {a: 0.0 for a in self.agents}
        self._cumulative_rewards = {a: 0.0 for a in self.agents}
        self.terminations = {a: False for a in self.agents}
        self.truncations = {a: False for a in self.agents}
        self.infos = self._infos()
        self.agent_selection = EXPERT

    def step(self, action: Any) -> None:
        agent = self.agent_selection
        if self.terminations[agent] or self.truncations[agent]:
            self._was_dead_step(action)
            return
        d = self.dialogue
        self._cumulative_rewards[agent] = 0.0
        if agent == EXPERT:
            d.choose(action)
            self.rewards = {a: 0.0 for a in self.agents}
            self.agent_selection = SERVICE
        else:
            reward = d.respond(action)
            self.rewards = {a: float(reward) for a in self.agents}
            self.infos = self._infos()
            if d.done:
                self.terminations = {a: d.terminated for a in self.agents}
                self.truncations = {a: d.truncated for a in self.agents}
            self.agent_selection = EXPERT
            if self.render_mode == "human":
                self.render()
        self._accumulate_rewards()

    def _infos(self) -> dict[str, dict[str, Any]]:
        # the expert's info is the expert view's (what an Expert Agent trains on)
        info = self.dialogue.step_info()
        info["transcript"] = tuple(self.dialogue.transcript)
        infos = {a: dict(info) for a in self.agents}
        if SERVICE in infos:  # the catalogue facts the response writer needs (domain.context())
            del infos[SERVICE]["action_mask"]  # the expert's mask, not the writer's
            infos[SERVICE]["context"] = self.dialogue.episode.context()
        return infos

    def render(self) -> str | None:
        """``"ansi"``: the transcript with strategies; ``"human"``: the same, printed; no
        ``render_mode``: nothing (a warning says how to ask for the transcript)."""
        if self.render_mode is None:  # Gymnasium's and PettingZoo's convention: warn, render nothing
            warn_no_render_mode()
            return None
        if self.dialogue.episode is None:
            return None
        text = self.dialogue.render_text()
        if self.render_mode == "human":
            print(text, end="")
            return None
        return text

    def close(self) -> None:
        pass
