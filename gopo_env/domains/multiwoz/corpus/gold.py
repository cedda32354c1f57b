"""What the corpus scorer needs from the gold MultiWOZ 2.1 dialogues of a split.

From each dialogue of ``dev`` (the validation set) or ``test``: the goal in the scorer's form
(:class:`CorpusGoal`), and per *system* turn the gold belief state, the domains booked so far,
the delexicalised reference response and the lexicalised text. Everything is derived here from
the 2.1 files loaded by :mod:`gopo_env.domains.multiwoz.data`; nothing is shipped.

Where the reference scorer (Nekvinda & Dušek 2021) reads MultiWOZ 2.2 (gold states, references)
we read 2.1, which is what ConvLab-3 distributes:

* gold state of system turn *t* = the 2.1 ``metadata`` of that turn (the state after the user's
  turn), ``semi`` slots plus ``book`` slots as ``book<slot>``; unconstraining values dropped;
* booked domains of turn *t* = the domains other than taxi whose
  ``metadata[domain]["book"]["booked"]`` is non-empty at that turn (on the validation set this
  equals, turn by turn, the list the reference scorer ships, ``booked_domains.json``);
* reference response = the 2.1 system text delexicalised from its ``span_info`` annotations;
* goal = the final goal (``info``; ``fail_info`` is the first, failed attempt), with the
  requestable slots of the original MultiWOZ evaluator (Budzianowski et al. 2018): PHONE,
  ADDRESS, POST from ``reqt``; REFERENCE when the domain has a ``book`` goal; for train only
  REFERENCE (if booked) and TRAINID (if ``trainID`` is requested).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from gopo_env.core.errors import DataError
from gopo_env.domains.multiwoz import data as mwdata
from gopo_env.domains.multiwoz.corpus.normalize import (
    delexicalize,
    normalize_response,
    normalize_slot_name,
    normalize_state,
    normalize_value,
)

_REQT_CODES = {"phone": "PHONE", "address": "ADDRESS", "postcode": "POST", "reference": "REFERENCE"}


def canonical_id(dialogue_id: str) -> str:
    """The scorer's dialogue id: lower-case, no ``.json`` (``PMUL1635.json`` → ``pmul1635``)."""
    did = str(dialogue_id).strip().lower()
    return did[:-5] if did.endswith(".json") else did


@dataclass(frozen=True)
class CorpusGoal:
    """One goal domain as the scorer sees it.

    ``informable``: the final constraints, slot names/values normalised (``arrive``, ``leave``,
    times ``HH:MM``); ``requestable``: the unified codes Success requires
    (subset of ``PHONE ADDRESS POST REFERENCE TRAINID``); ``named``: the goal names the venue
    (then Inform matches automatically).
    """

    informable: Mapping[str, str]
    requestable: frozenset[str]
    named: bool


@dataclass(frozen=True)
class GoldDialogue:
    """The gold side of one dialogue, one entry per system turn in each tuple."""

    id: str
    """Canonical id (:func:`canonical_id`)."""
    goal: Mapping[str, CorpusGoal]
    """Goal domains → their scorer goal."""
    states: tuple[Mapping[str, Mapping[str, str]], ...]
    booked: tuple[frozenset[str], ...]
    references: tuple[str, ...]
    """Delexicalised and normalised reference responses."""
    delexicalised: tuple[str, ...]
    """The same before normalisation (``[hotel_name]`` placeholders), for inspection and replay."""
    texts: tuple[str, ...]
    """The lexicalised 2.1 system texts."""

    @property
    def n_turns(self) -> int:
        return len(self.references)


def corpus_goal(goal: mwdata.Goal) -> dict[str, CorpusGoal]:
    """The scorer goal of every domain of a parsed 2.1 goal (see the module docstring)."""
    out = {}
    for dg in goal.domains:
        if dg.domain == "train":
            codes = {"REFERENCE"} if dg.book else set()
            if "trainID" in dg.reqt:
                codes.add("TRAINID")
        else:
            codes = {_REQT_CODES[s] for s in dg.reqt if s in _REQT_CODES}
            if dg.book:
                codes.add("REFERENCE")
        informable = {}
        for slot, value in dg.info:
            name = normalize_slot_name(slot)
            informable[name] = normalize_value(name, value)
        out[dg.domain] = CorpusGoal(MappingProxyType(informable), frozenset(codes), "name" in informable)
    return out


def turn_state(metadata: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """The normalised belief state of a 2.1 system turn's ``metadata``."""
    raw: dict[str, dict[str, object]] = {}
    for domain, parts in metadata.items():
        slots = dict(parts.get("semi", {}))
        for slot, value in parts.get("book", {}).items():
            if slot != "booked" and isinstance(value, str):
                slots[f"book{slot}"] = value
        raw[domain] = slots
    return normalize_state(raw)


def booked_domains(metadata: Mapping[str, Any]) -> frozenset[str]:
    """Domains with a completed booking recorded in a 2.1 system turn's ``metadata``.

    Taxi is left out, as in the reference scorer's list: a taxi booking yields a car and a
    phone number, never a reference, so only REFERENCE checks read this.
    """
    return frozenset(d for d, parts in metadata.items()
                     if d != "taxi" and parts.get("book", {}).get("booked"))


def gold_dialogue(dialogue: mwdata.Dialogue) -> GoldDialogue:
    """The gold side of one loaded 2.1 dialogue (user turns even, system turns odd in ``log``)."""
    system = [turn for i, turn in enumerate(dialogue.log) if i % 2 == 1]
    delex = tuple(delexicalize(t["text"], t.get("span_info") or []) for t in system)
    return GoldDialogue(
        id=canonical_id(dialogue.id),
        goal=MappingProxyType(corpus_goal(dialogue.goal)),
        states=tuple(turn_state(t.get("metadata") or {}) for t in system),
        booked=tuple(booked_domains(t.get("metadata") or {}) for t in system),
        references=tuple(normalize_response(text) for text in delex),
        delexicalised=delex,
        texts=tuple(t["text"] for t in system),
    )


@lru_cache(maxsize=4)
def _gold_split(root: Path, split: str) -> Mapping[str, GoldDialogue]:
    dialogues = mwdata.load_dialogues(split, root)
    return MappingProxyType({g.id: g for g in map(gold_dialogue, dialogues)})


def load_gold(split: str = "dev", data_dir: str | Path | None = None) -> Mapping[str, GoldDialogue]:
    """Canonical id → :class:`GoldDialogue` for ``split`` (``"dev"`` or ``"test"``), cached.

    Raises :class:`~gopo_env.core.errors.DataError` when the data is absent (the message names
    ``gopo-bench data fetch multiwoz``) or the split is unknown.
    """
    if split not in mwdata.SPLIT_FILES:
        raise DataError(f"corpus split must be one of {sorted(mwdata.SPLIT_FILES)}, got {split!r}")
    return _gold_split(mwdata.locate(data_dir), split)


def load_venue_records(data_dir: str | Path | None = None) -> dict[str, list]:
    """The raw venue tables (restaurant, hotel, attraction, train) for :class:`VenueTable`."""
    tables = mwdata.load_db_tables(data_dir)
    return {d: tables[d] for d in ("restaurant", "hotel", "attraction", "train")}
