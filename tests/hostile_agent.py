"""A hostile agent for the isolation tests: it searches its own process for the hidden customer.

At its first ``scans`` acts of each of its first ``episodes`` episodes it walks every object the
garbage collector tracks (``gc.get_objects()``) and their direct referents, and appends one JSON
line to ``out`` with what it found:

* ``types``: how many instances of the simulator's hidden classes it saw (the dialogue engine,
  any ``DomainEpisode``, the customers, the scenarios and their parts, the env views);
* ``live``: ``repr`` of the scenario that any ``gopo_env`` object (dialogue, episode, customer,
  a new domain's own classes) points to: the current customer's hidden constraints;
* ``ids``: strings that look like scenario ids (``mgshop-test-0003``), hidden from agents.

It then plays the SOP through the public toolkit, so the episode goes on normally. The module
must be importable by name in the agent's process (``tests/`` is on ``sys.path`` under pytest,
and spawned children inherit it).
"""

from __future__ import annotations

import gc
import json
import re
from collections import Counter
from typing import Any

HIDDEN_TYPES = frozenset({
    "Dialogue", "DomainEpisode", "MgshopEpisode", "ToyEpisode", "Customer", "ToyCustomer", "Persona",
    "MgshopScenario", "ToyScenario", "ItemNeed", "Question", "DialogueAECEnv", "ExpertEnv", "TextEnv",
    "FlatEnv", "MgshopDomain", "ToyDomain",
})
# ids: mgshop-test-0001, mgshop-v1-test-0000, multiwoz-dev-PMUL1635
SCENARIO_ID = re.compile(r"^[a-z]+(?:-v\d+)?-(?:train|dev|test)-[A-Za-z0-9]+$")


def _hidden(obj: Any) -> str | None:
    """The hidden class name ``obj`` is an instance of (its own or a base class), else None."""
    for cls in type(obj).__mro__:
        module = cls.__dict__.get("__module__")
        if cls.__name__ in HIDDEN_TYPES and isinstance(module, str) and module.startswith("gopo_env."):
            return cls.__name__
    return None


def scan() -> dict[str, Any]:
    """What of the simulator this process can reach (see the module docstring)."""
    types: Counter[str] = Counter()
    live: set[str] = set()
    ids: set[str] = set()
    for obj in gc.get_objects():
        name = _hidden(obj)
        if name is not None:
            types[name] += 1
        module = type(obj).__dict__.get("__module__")
        if name is not None or (isinstance(module, str) and module.startswith("gopo_env.")):
            # any simulator object that holds a scenario (a new domain's customer included)
            scenario = getattr(obj, "scenario", None)
            if scenario is not None and not callable(scenario):  # Domain.scenario is a method
                types.setdefault(type(obj).__name__, 1)
                live.add(repr(scenario))
        for ref in gc.get_referents(obj):
            if isinstance(ref, str) and len(ref) < 40 and SCENARIO_ID.match(ref):
                ids.add(ref)
    return {"types": dict(types), "live": sorted(live), "ids": sorted(ids)}


class HostileAgent:
    """Plays both roles by the public SOP and template writer; spies as described above."""

    roles = ("expert", "service")

    def __init__(self, out: str, episodes: int = 2, scans: int = 2) -> None:
        self.out, self.episodes, self.scans = out, episodes, scans
        self.episode = -1
        self.scanned = 0
        self.seed = 0

    def reset(self, seed: int | None = None) -> None:
        self.episode += 1
        self.scanned = 0
        self.seed = seed or 0

    def act(self, role: str, observation: Any, info: dict[str, Any]) -> Any:
        if self.episode < self.episodes and self.scanned < self.scans:
            self.scanned += 1
            line = {"episode": self.episode, "turn": info["turn"], "role": role, **scan()}
            with open(self.out, "a", encoding="utf-8") as f:
                f.write(json.dumps(line) + "\n")
        toolkit = info["toolkit"]
        if role == "expert":
            return toolkit.sop_strategy(info["state"], info["turn"])
        return toolkit.writer(info["state"], self.seed + info["turn"]).realize(int(observation["strategy"]))
