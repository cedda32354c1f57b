"""ConvLab's interactive MultiWOZ metrics for one dialogue, from the episode's record.

Definitions (ConvLab-2/3 ``convlab/evaluator/multiwoz_eval.py``, re-implemented; the goal is
the *final* one, after any ``fail_info``/``fail_book`` change):

* **complete** — the customer judges its goal done (every requested slot got a value and
  every booking, taxi included, was accepted); no database check.
* **book_rate** — over the goal domains with a booking (restaurant, hotel, train): the share
  whose accepted booking is of a venue meeting the final constraints. Absent when the goal
  books nothing.
* **inform_precision / inform_recall / inform_f1** — over the requestable slots
  (:data:`~.acts.REQUESTABLE`) the assistant informed in each goal domain: a requested slot
  informed with a database-consistent value is a true positive; an informed slot the customer
  did not request, or a requested one informed only with wrong values, a false positive; a
  requested slot never informed correctly, a false negative. A train's id is its name: naming
  a train is not an inform of ``trainID`` unless the customer asked for it. Precision is
  absent when nothing was informed, recall when nothing was requested, F1 when either is.
* **success** — every goal domain *matches* (the venue the assistant offered last meets the
  final constraints; taxi, police and hospital always match) and the book rate is 1 (or
  absent) and the inform recall is 1 (or absent).
* **success_strict** — success, and every accepted booking has exactly the final booking
  slots (people, day, time / stay).
* **turns** — assistant turns.

Keys that are absent are undefined for that dialogue; an average over dialogues averages
the dialogues that define the key (ConvLab does the same).

The ConvLab **reward convention** is −1 per turn and, at the end, +80 for success and −40
otherwise (``2 × max_turns`` / ``−max_turns``); see :data:`CONVLAB_REWARD`.
"""

from __future__ import annotations

from dataclasses import dataclass

from gopo_env.domains.multiwoz.acts import REQUESTABLE
from gopo_env.domains.multiwoz.data import Goal
from gopo_env.domains.multiwoz.db import Database, normalize_value

CONVLAB_REWARD = {"feedback": 0.0, "progress": 0.0, "violation": 0.0, "turn": -1.0,
                  "success": 120.0, "tse": 0.0, "esndcg": 0.0}
"""``RewardConfig`` weights giving ConvLab's reward shifted by +40 (−1 per turn; success
+120 instead of +80 vs −40): the same optimal policies, returns 40 higher."""


@dataclass(frozen=True)
class Informed:
    """One informed value: requestable ``slot`` of ``domain``, and whether it was right."""

    domain: str
    slot: str
    correct: bool


def episode_metrics(goal: Goal, db: Database, informed: list[Informed],
                    offered: dict[str, str | None], booked: dict[str, tuple[str, dict[str, str]] | None],
                    complete: bool, turns: int) -> dict[str, float]:
    """The metrics of one dialogue (see the module doc).

    ``informed``: every requestable value the assistant stated, in order; ``offered``: domain
    → the venue id the assistant offered last; ``booked``: domain → (venue id, slots) of the
    booking the customer accepted (taxi: ("", slots)).
    """
    tp = fp = fn = 0
    requested_any = False
    for g in goal.domains:
        d = g.domain
        said: dict[str, bool] = {}
        for inf in informed:
            if inf.domain == d and inf.slot in REQUESTABLE.get(d, ()):
                said[inf.slot] = said.get(inf.slot, False) or inf.correct
        reqt = set(g.reqt)
        requested_any = requested_any or bool(reqt)
        for slot, ok in said.items():
            if slot in reqt:
                if ok:
                    tp += 1
                else:
                    fp += 1
            elif not (d == "train" and slot == "trainID"):
                fp += 1
        fn += sum(1 for s in reqt if not said.get(s))
    out: dict[str, float] = {"complete": float(complete), "turns": float(turns)}
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if requested_any else None
    if precision is not None:
        out["inform_precision"] = precision
    if recall is not None:
        out["inform_recall"] = recall
    if precision is not None and recall is not None:
        out["inform_f1"] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    book_domains = [g for g in goal.domains if g.book and g.domain != "taxi"]
    book_hits = strict_hits = 0
    for g in book_domains:
        b = booked.get(g.domain)
        if b is None or not b[0]:
            continue
        if db.satisfies(db.entity(b[0]), dict(g.info)):
            book_hits += 1
            wanted = {s: normalize_value(s, v) for s, v in g.book}
            got = {s: normalize_value(s, b[1].get(s, "")) for s in wanted}
            strict_hits += got == wanted
    book_rate = book_hits / len(book_domains) if book_domains else None
    if book_rate is not None:
        out["book_rate"] = book_rate

    match = True
    for g in goal.domains:
        if g.domain in ("taxi", "police", "hospital"):
            continue
        venue = offered.get(g.domain)
        b = booked.get(g.domain)
        if b is not None and b[0]:
            venue = b[0]
        if venue is None or not db.satisfies(db.entity(venue), dict(g.info)):
            match = False
    success = match and book_rate in (None, 1.0) and recall in (None, 1.0)
    out["success"] = float(success)
    out["success_strict"] = float(success and strict_hits == len(book_domains))
    return out
