"""Scripted SOP expert: follows the domain's standard operating procedure step by step.

For Mgshop: greet, elicit the need and the preferences, recommend the best match, invite and
answer questions, close, say goodbye. It reads only the public dialogue state ``info["state"]``
through the domain's public toolkit (``info["toolkit"].sop_strategy``), so it works on every
domain that has one.
"""

from __future__ import annotations

from typing import Any


class ScriptedSOPAgent:
    roles = ("expert",)

    def reset(self, seed: int | None = None) -> None:
        pass

    def act(self, role: str, observation: Any, info: dict[str, Any]) -> int:
        toolkit = info.get("toolkit")
        if toolkit is None:
            raise ValueError("ScriptedSOPAgent needs info['toolkit'] (given by gopo_env.protocol.play); "
                             "in a hand-written loop pass env.unwrapped.dialogue.domain.toolkit()")
        return toolkit.sop_strategy(info["state"], info["turn"])
