"""``GOPO-<Domain>-Text-v0``: one monolithic agent reads the transcript and writes the text."""

from __future__ import annotations

from typing import Any

from gopo_env.core.dialogue import TurnRecord
from gopo_env.core.frozen import InfoRecord
from gopo_env.core.spaces import DialogueText
from gopo_env.envs.base import DialogueView

TRANSCRIPT_CHARS = 16_000
"""Observation length limit; longer transcripts keep their most recent part."""


def transcript_text(transcript: list[TurnRecord], limit: int = TRANSCRIPT_CHARS) -> str:
    """``Customer: ...`` / ``Assistant: ...`` lines, trimmed from the front to ``limit``."""
    lines = []
    for rec in transcript:
        if rec.turn:
            lines.append(f"Assistant: {rec.response}")
        lines.append(f"Customer: {rec.customer}")
    text = "\n".join(lines)
    return text if len(text) <= limit else text[-limit:]


class TextEnv(DialogueView):
    """Observation: the transcript as text. Action: the response text (no explicit strategy).

    The strategy of each turn is what the domain parser recovers from the text; text that
    carries no recognisable strategy is scored as misaligned.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.observation_space = DialogueText(TRANSCRIPT_CHARS)
        self.action_space = DialogueText(self.dialogue.domain.max_response_chars)

    def _obs(self) -> str:
        return transcript_text(self.dialogue.transcript)

    def _info(self) -> dict[str, Any]:
        info = super()._info()
        info["context"] = InfoRecord(self.dialogue.episode.context())  # the writer has no parser
        return info

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        self._start(seed, options)
        return self._obs(), self._info()

    def step(self, action: Any):
        d = self.dialogue
        reward = d.respond_directly(action)
        self._after_step()
        return self._obs(), float(reward), d.terminated, d.truncated, self._info()
