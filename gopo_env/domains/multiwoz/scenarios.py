"""MultiWOZ scenarios and splits.

* ``dev`` — the 999 official validation goals (``multiwoz-dev-<dialogue id>``, e.g.
  ``multiwoz-dev-PMUL1635``), with the gold dialogue's system acts as reference strategies;
* ``test`` — the 1,000 official test goals (``multiwoz-test-<dialogue id>``) when the user has
  fetched them (``gopo-bench data fetch multiwoz``; a :class:`DataError` naming the command
  otherwise);
* ``train`` — goals drawn by our goal generator (:mod:`.goalgen`, fitted on the validation
  goals' statistics by :mod:`.fit`), ``multiwoz-train-<index>``; a generated goal identical to
  a dev goal (or to a test goal, when present) is left out, the others keep their index, so
  ids never shift.

Goals are made consistent with the database before use (:func:`effective_goal`): a
``fail_info`` whose constraints *do* match a venue of the 2.1 database (175 of the 420
validation ones: the goals predate the database clean-up) could never produce the no-offer
that motivates the change, so the customer starts from ``info`` directly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from gopo_env.domains.multiwoz.data import Dialogue, Goal
from gopo_env.domains.multiwoz.db import Database
from gopo_env.domains.multiwoz.strategies import ID

_ACT_STRATEGY = {
    "book": "book", "offerbooked": "book", "nobook": "nobook", "offerbook": "offerbook",
    "nooffer": "nooffer", "select": "select", "recommend": "recommend", "inform": "inform",
    "request": "request", "reqmore": "reqmore", "welcome": "welcome", "greet": "welcome",
    "bye": "bye",
}
_RANK = ("book", "nobook", "offerbook", "nooffer", "select", "recommend", "inform", "request",
         "reqmore", "welcome", "bye")


def turn_strategy(dialog_act: Any) -> int | None:
    """The strategy of one gold system turn (its ``dialog_act`` dict), by :data:`_RANK`.

    ``Booking-Inform`` (a booking offer) counts as ``offerbook``; ``Booking-Request`` as
    ``request``; ``general-thank`` and empty turns carry no strategy.
    """
    if not isinstance(dialog_act, dict):
        return None
    found = set()
    for act in dialog_act:
        dom, _, intent = str(act).partition("-")
        intent = intent.lower()
        if dom == "Booking" and intent == "inform":
            intent = "offerbook"
        s = _ACT_STRATEGY.get(intent)
        if s:
            found.add(s)
    for s in _RANK:
        if s in found:
            return ID[s]
    return None


def reference_from_log(log: tuple[dict[str, Any], ...]) -> tuple[int, ...]:
    out = []
    for i, turn in enumerate(log):
        if i % 2 == 1:
            s = turn_strategy(turn.get("dialog_act"))
            if s is not None:
                out.append(s)
    return tuple(out)


def effective_goal(goal: Goal, db: Database) -> Goal:
    """``goal`` with every ``fail_info`` that matches a venue dropped (see the module doc)."""
    changed = False
    domains = []
    for g in goal.domains:
        if g.fail_info and g.domain != "taxi" and db.query(g.domain, dict(g.fail_info)):
            g = replace(g, fail_info=())
            changed = True
        domains.append(g)
    return replace(goal, domains=tuple(domains)) if changed else goal


@dataclass(frozen=True)
class MultiwozScenario:
    id: str
    split: str
    goal: Goal
    """The goal the customer pursues (after :func:`effective_goal`)."""
    source_goal: Goal
    """The goal as the data (or the generator) gives it."""
    reference: tuple[int, ...] = ()
    """Reference strategy sequence: the gold dialogue's system acts (corpus splits only)."""
    dialogue_id: str | None = None

    def describe(self) -> str:
        parts = []
        for g in self.goal.domains:
            bits = [",".join(f"{s}={v}" for s, v in g.info)]
            if g.reqt:
                bits.append("reqt " + ",".join(g.reqt))
            if g.book:
                bits.append("book " + ",".join(f"{s}={v}" for s, v in g.book))
            if g.fail_info:
                bits.append("fail_info")
            if g.fail_book:
                bits.append("fail_book " + ",".join(f"{s}={v}" for s, v in g.fail_book))
            parts.append(f"{g.domain}({'; '.join(b for b in bits if b)})")
        return " -> ".join(parts)

    def reference_strategies(self) -> tuple[int, ...]:
        return self.reference

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "split": self.split, "goal": self.goal.as_dict(),
                "domains": list(self.goal.domain_names), "dialogue_id": self.dialogue_id}


def corpus_scenarios(split: str, dialogues: tuple[Dialogue, ...],
                     db: Database) -> tuple[MultiwozScenario, ...]:
    return tuple(
        MultiwozScenario(f"multiwoz-{split}-{d.id}", split, effective_goal(d.goal, db), d.goal,
                         reference_from_log(d.log), d.id)
        for d in dialogues
    )


def goal_keys(scenarios: tuple[MultiwozScenario, ...]) -> frozenset[str]:
    return frozenset(json.dumps(s.source_goal.key()) for s in scenarios)
