"""What the single-agent views share: building the dialogue, seeding, rendering."""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from gopo_env.core.dialogue import Dialogue, pinned_scenario
from gopo_env.core.errors import UnsupportedRenderModeError, warn_no_render_mode
from gopo_env.core.frozen import InfoRecord
from gopo_env.core.rewards import RewardConfig
from gopo_env.domains import make_domain

RECORD_KEYS = ("state", "parsed", "context")
"""``info`` entries that are :class:`InfoRecord` s (read-only mappings), not ``dict`` s."""


class DialogueView(gym.Env):
    """A Gymnasium view over :class:`~gopo_env.core.dialogue.Dialogue`.

    ``reset(seed=s, options={"scenario_id": id})`` pins the episode: the same seed, scenario
    and actions give the same transcript in any process. Without ``scenario_id`` the seed
    draws a scenario from ``split``.
    """

    metadata = {"render_modes": ["ansi", "human"], "render_fps": 1}

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
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise UnsupportedRenderModeError(render_mode, self.metadata["render_modes"])
        self.render_mode = render_mode
        self.dialogue = Dialogue(
            make_domain(domain, **domain_kwargs), split=split, reward_config=reward_config,
            strict=strict, max_turns=max_turns, invalid_input=invalid_input,
        )

    def _start(self, seed: int | None, options: dict[str, Any] | None) -> None:
        super().reset(seed=seed)
        scenario_id = pinned_scenario(self.dialogue, options)
        self.dialogue.reset(seed=seed, scenario_id=scenario_id)

    def _info(self) -> dict[str, Any]:
        info = self.dialogue.step_info()
        info["transcript"] = tuple(self.dialogue.transcript)
        for key in RECORD_KEYS:  # kept whole by Gymnasium's vector envs (see InfoRecord)
            if info.get(key) is not None:
                info[key] = InfoRecord(info[key])
        return info

    def _after_step(self) -> None:
        if self.render_mode == "human":
            self.render()

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

    def scenario_ids(self, split: str | None = None) -> list[str]:
        """Scenario ids of ``split`` (default: this env's split), in a fixed order."""
        return self.dialogue.scenario_ids(split)
