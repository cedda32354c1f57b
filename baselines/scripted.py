"""Scripted SOP expert: follows the domain's standard operating procedure step by step.

Greet, elicit the need and the preferences, recommend the best match, invite and answer
questions, close, say goodbye -- reading only the public dialogue state in ``info["state"]``.
"""

from __future__ import annotations

from typing import Any

from gopo_env.domains.mgshop import sop_next


class ScriptedSOPAgent:
    roles = ("expert",)

    def reset(self, seed: int | None = None) -> None:
        pass

    def act(self, role: str, observation: Any, info: dict[str, Any]) -> int:
        return sop_next(info["state"], info["turn"])
