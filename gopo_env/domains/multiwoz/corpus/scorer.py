"""Corpus (context-to-response) scoring of MultiWOZ: Inform, Success, BLEU, Combined.

The convention of the standardized evaluation of Nekvinda & Dušek (2021, "Shades of BLEU,
Flavours of Success: the case of MultiWOZ", GEM; ``github.com/Tomiinek/MultiWOZ_Evaluation``),
re-implemented on this project's MultiWOZ 2.1 files. A system is given the gold context of each
system turn of the ``dev`` or ``test`` dialogues and writes one delexicalised response per turn;
this module scores those responses.

Per dialogue, over the *goal domains*:

* **Inform** (a.k.a. match): in every turn whose active domains include the goal domain and
  whose response mentions ``NAME`` (restaurant/hotel/attraction) or ``TRAINID`` (train), the
  venues the system could have offered are the database results for that turn's belief state;
  the set is replaced when an earlier offered venue is not among the new results (only the last
  offering counts). The domain matches if that set is non-empty and a subset of the database
  results for the goal's final constraints. Taxi, police and hospital always match, as does a
  domain whose goal names the venue, and a train domain where nothing was offered and TRAINID
  is not requested. Inform = 1 iff every goal domain matches.
* **Success**: only when Inform = 1; every requested slot of the goal among PHONE, ADDRESS,
  POST, REFERENCE, TRAINID must appear as a placeholder in some active turn of its domain,
  REFERENCE only in turns where the domain has been booked (gold booking record).
* **BLEU**: sacreBLEU corpus BLEU of the normalised responses against the normalised
  **MultiWOZ 2.1** delexicalised references (one per turn). The canonical references of the
  standardized scorer are MultiWOZ 2.2's, which this project does not have: our BLEU is
  labelled accordingly and is not comparable to published 2.2 BLEU.
* **Combined** = (Inform + Success) / 2 + BLEU. Rates are × 100.

Belief states and active domains: predicted ones when the submission gives them for every turn
(end-to-end setting), else the gold 2.1 states, with the active domain of a turn estimated
from which domain's state changed last (the policy-optimisation setting).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gopo_env.core.errors import GopoError
from gopo_env.domains.multiwoz.corpus.gold import (
    CorpusGoal,
    GoldDialogue,
    canonical_id,
    load_gold,
    load_venue_records,
)
from gopo_env.domains.multiwoz.corpus.normalize import (
    DOMAINS,
    REQUESTABLE_CODES,
    normalize_response,
    normalize_state,
)
from gopo_env.domains.multiwoz.corpus.venues import VenueTable

BLEU_REFERENCE = (
    "MultiWOZ 2.1 delexicalised references (span_info); not the canonical MultiWOZ 2.2 "
    "references of the standardized scorer, so not comparable to published BLEU"
)
ALWAYS_MATCHED = ("taxi", "police", "hospital")
NAMED_DOMAINS = ("restaurant", "hotel", "attraction")


class CorpusInputError(GopoError, ValueError):
    """A corpus submission is malformed: the message says which dialogue/turn and how to fix it."""


@dataclass(frozen=True)
class TurnInput:
    """One system turn of a submission, validated."""

    response: str
    state: Mapping[str, Mapping[str, str]] | None = None
    active_domains: tuple[str, ...] | None = None


@dataclass(frozen=True)
class DialogueScore:
    """Inform/Success of one dialogue: per goal domain, and ``total`` (all domains)."""

    inform: Mapping[str, bool]
    success: Mapping[str, bool]
    """Empty when Inform failed (Success is then 0 for every domain)."""
    inform_total: bool
    success_total: bool


# ------------------------------------------------------------------------------- validation

def _check_turn(did: str, t: int, raw: Any) -> TurnInput:
    where = f"dialogue {did!r}, turn {t}"
    if isinstance(raw, str):
        return TurnInput(raw)
    if not isinstance(raw, Mapping):
        raise CorpusInputError(f"{where}: expected a response string or an object with 'response', "
                               f"got {type(raw).__name__}")
    unknown = set(raw) - {"response", "state", "active_domains"}
    if unknown:
        raise CorpusInputError(f"{where}: unknown key(s) {sorted(unknown)}; a turn may hold 'response', "
                               "'state' and 'active_domains' only")
    if not isinstance(raw.get("response"), str):
        raise CorpusInputError(f"{where}: 'response' must be a string (the delexicalised system "
                               f"response), got {type(raw.get('response')).__name__}")
    state = None
    if "state" in raw:
        state = raw["state"]
        if not isinstance(state, Mapping) or not all(
            isinstance(slots, Mapping) and all(isinstance(v, str) for v in slots.values())
            for slots in state.values()
        ):
            raise CorpusInputError(f"{where}: 'state' must map domain -> {{slot: value string}}, e.g. "
                                   '{"restaurant": {"food": "italian", "area": "centre"}}')
        state = normalize_state(state)
    domains = None
    if "active_domains" in raw:
        domains = raw["active_domains"]
        if not isinstance(domains, Sequence) or isinstance(domains, str) or not all(
            isinstance(d, str) for d in domains
        ):
            raise CorpusInputError(f"{where}: 'active_domains' must be a list of domain names")
        bad = [d for d in domains if d.lower() not in DOMAINS]
        if bad:
            raise CorpusInputError(f"{where}: unknown domain(s) {bad} in 'active_domains'; "
                                   f"use names from {list(DOMAINS)}")
        domains = tuple(d.lower() for d in domains)
    return TurnInput(raw["response"], state, domains)


def validate_predictions(
    predictions: Any, gold: Mapping[str, GoldDialogue], split: str, allow_subset: bool = False
) -> dict[str, list[TurnInput]]:
    """Check a submission against the gold split; canonical id → its validated turns.

    Raises :class:`CorpusInputError` for: a non-mapping, no dialogues, an id not in ``split``
    (or given twice in two spellings), a turn count different from the gold dialogue's number
    of system turns, a malformed turn, ``state``/``active_domains`` given for some turns of a
    dialogue only, and — unless ``allow_subset`` — dialogues of the split left out.
    """
    if not isinstance(predictions, Mapping):
        raise CorpusInputError(
            f"predictions must map dialogue id -> list of turns, got {type(predictions).__name__}")
    if not predictions:
        raise CorpusInputError("predictions hold no dialogue")
    out: dict[str, list[TurnInput]] = {}
    unknown = []
    for raw_id, turns in predictions.items():
        did = canonical_id(raw_id)
        if did not in gold:
            unknown.append(str(raw_id))
            continue
        if did in out:
            raise CorpusInputError(f"dialogue {did!r} is given twice (ids are case-insensitive and "
                                   "'.json' is ignored); keep one")
        if not isinstance(turns, Sequence) or isinstance(turns, str):
            raise CorpusInputError(
                f"dialogue {raw_id!r}: expected a list of turns, got {type(turns).__name__}")
        expected = gold[did].n_turns
        if len(turns) != expected:
            raise CorpusInputError(
                f"dialogue {raw_id!r}: {len(turns)} turn(s) given, the gold dialogue has {expected} system "
                "turns; give exactly one response per system turn, in order"
            )
        checked = [_check_turn(str(raw_id), t, turn) for t, turn in enumerate(turns)]
        for key in ("state", "active_domains"):
            have = [getattr(c, key) is not None for c in checked]
            if any(have) and not all(have):
                raise CorpusInputError(
                    f"dialogue {raw_id!r}: {key!r} is given for turn(s) "
                    f"{[i for i, h in enumerate(have) if h]} only; give it for every turn or for none"
                )
        out[did] = checked
    for key in ("state", "active_domains"):
        given = sorted(did for did, turns in out.items() if getattr(turns[0], key) is not None)
        if given and len(given) < len(out):
            raise CorpusInputError(
                f"{key!r} is given in {len(given)} of {len(out)} dialogues (e.g. {given[0]!r}); give it in "
                "every dialogue (predicted, end-to-end setting) or in none (gold, policy setting)"
            )
    if unknown:
        sample = ", ".join(repr(u) for u in unknown[:5])
        raise CorpusInputError(
            f"{len(unknown)} dialogue id(s) not in the MultiWOZ {split!r} split: {sample}"
            f"{' …' if len(unknown) > 5 else ''}. Ids look like 'pmul1635' or 'PMUL1635.json'; "
            f"check the split (dev = validation, test = official test)"
        )
    missing = sorted(set(gold) - set(out))
    if missing and not allow_subset:
        raise CorpusInputError(
            f"{len(missing)} of the {len(gold)} {split!r} dialogues have no prediction (e.g. {missing[:3]}); "
            "published scores cover the whole split. Pass allow_subset=True (CLI: --allow-subset) to score "
            "a subset; the result then says so"
        )
    return out


# ----------------------------------------------------------------------------- active domains

def estimate_active_domains(states: Sequence[Mapping[str, Mapping[str, str]]]) -> list[tuple[str, ...]]:
    """Per turn, the domain the system most likely talks about, from the belief-state changes.

    The reference scorer's heuristic: the current domain is the one whose state gained or
    changed a slot this turn; among several changed domains the current one stays if it
    changed too, else the one with the most filled slots wins; a turn with no change keeps the
    current domain (or, after a multi-domain change, moves to the other changed domain).
    Before any state, no domain is active.
    """
    current: str | None = None
    previous: Mapping[str, Mapping[str, str]] = {}
    previous_changed: list[str] = []
    out: list[tuple[str, ...]] = []
    for state in states:
        changed = [d for d, slots in state.items()
                   if set(slots.items()) - set(previous.get(d, {}).items())]
        if not changed:
            if current is None:
                out.append(())
                continue
            if len(previous_changed) > 1:
                others = [d for d in previous_changed if d in state and d != current]
                if others:
                    current = others[0]
        elif current not in changed:
            current = max(changed, key=lambda d: len(state[d]))
        previous, previous_changed = state, changed
        out.append((current,) if current is not None else ())
    return out


# ------------------------------------------------------------------------------ inform/success

def score_dialogue(
    goal: Mapping[str, CorpusGoal],
    responses: Sequence[str],
    states: Sequence[Mapping[str, Mapping[str, str]]],
    active: Sequence[Sequence[str]],
    booked: Sequence[frozenset[str]],
    venues: VenueTable,
) -> DialogueScore:
    """Inform and Success of one dialogue (see the module docstring).

    ``responses`` are normalised (:func:`normalize_response`: unified codes in upper case);
    ``states``, ``active`` and ``booked`` give per turn the normalised belief state, the active
    domains and the domains booked so far. All sequences have one entry per system turn.
    """
    offered: dict[str, tuple[str, ...]] = {d: () for d in goal}
    provided: dict[str, set[str]] = {d: set() for d in goal}
    for response, state, domains, booked_now in zip(responses, states, active, booked):
        for domain in goal:
            if domain not in domains:
                continue
            names_venue = ("NAME" in response and domain in NAMED_DOMAINS) or (
                "TRAINID" in response and domain == "train")
            if names_venue:
                results = venues.query(domain, state[domain]) if domain in state else ()
                if not offered[domain] or any(v not in results for v in offered[domain]):
                    offered[domain] = results
            for code in REQUESTABLE_CODES:
                if code in response and (code != "REFERENCE" or domain in booked_now):
                    provided[domain].add(code)
    inform = {}
    for domain, g in goal.items():
        if (g.named or domain in ALWAYS_MATCHED
                or (domain == "train" and not offered[domain] and "TRAINID" not in g.requestable)):
            inform[domain] = True
        elif offered[domain]:
            inform[domain] = set(offered[domain]) <= set(venues.query(domain, g.informable))
        else:
            inform[domain] = False
    inform_total = all(inform.values())
    success = {d: g.requestable <= provided[d] for d, g in goal.items()} if inform_total else {}
    return DialogueScore(inform, success, inform_total, inform_total and all(success.values()))


def _bleu(hypotheses: list[str], references: list[str]) -> float:
    try:
        from sacrebleu import corpus_bleu
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError("corpus BLEU needs sacrebleu: pip install 'gopo-bench[metrics]'") from exc
    return float(corpus_bleu(hypotheses, [references]).score)


def score_corpus(
    predictions: Mapping[str, Any],
    split: str = "dev",
    data_dir: str | Path | None = None,
    *,
    allow_subset: bool = False,
    per_dialogue: bool = False,
) -> dict[str, Any]:
    """Score delexicalised system responses on the MultiWOZ ``dev`` or ``test`` dialogues.

    ``predictions`` maps a dialogue id (``"pmul1635"``, ``"PMUL1635"`` or ``"PMUL1635.json"``)
    to its system turns in order, one per gold system turn; a turn is the response string or
    ``{"response": str, "state": {domain: {slot: value}}?, "active_domains": [domain]?}`` (the
    ``mwzeval`` input format). Placeholders may use any common delexicalisation style
    (``[restaurant_name]``, ``[value_time]``, ``[name]``).

    Returns a dict: ``inform``, ``success``, ``bleu``, ``combined`` (floats, 0-100 scale;
    combined up to 200), ``inform_by_domain`` / ``success_by_domain`` (per goal domain, over
    the dialogues having it), ``n_dialogues``, ``n_turns``, ``complete`` (the whole split was
    scored), ``state_source`` (``"gold"`` or ``"predicted"``) / ``domain_source`` (``"predicted"`` or
    ``"estimated"`` from the states),
    ``bleu_reference`` (what BLEU is against), ``unknown_placeholders`` (names dropped), and with
    ``per_dialogue=True`` a ``dialogues`` map id → ``{"inform": bool, "success": bool}``.

    Raises :class:`CorpusInputError` for malformed input (see :func:`validate_predictions`) and
    :class:`~gopo_env.core.errors.DataError` when the MultiWOZ files are absent (run
    ``gopo-bench data fetch multiwoz``; ``dev`` also reads ``$GOPO_DATA_DIR/multiwoz``).
    """
    gold = load_gold(split, data_dir)
    checked = validate_predictions(predictions, gold, split, allow_subset=allow_subset)
    venues = _venues(data_dir)
    unknown: set[str] = set()
    hypotheses: list[str] = []
    references: list[str] = []
    inform_hits: dict[str, int] = {}
    success_hits: dict[str, int] = {}
    counts: dict[str, int] = {}
    dialogues = {}
    predicted_states = predicted_domains = True
    for did in sorted(checked):
        turns, g = checked[did], gold[did]
        responses = [normalize_response(t.response, unknown) for t in turns]
        hypotheses.extend(responses)
        references.extend(g.references)
        if turns[0].state is not None:
            states = [t.state for t in turns]
        else:
            states, predicted_states = list(g.states), False
        if turns[0].active_domains is not None:
            active = [t.active_domains for t in turns]
        else:
            active, predicted_domains = estimate_active_domains(states), False
        result = score_dialogue(g.goal, responses, states, active, g.booked, venues)
        for domain in [*g.goal, "total"]:
            counts[domain] = counts.get(domain, 0) + 1
            hit_inform = result.inform_total if domain == "total" else result.inform[domain]
            hit_success = result.success_total if domain == "total" else result.success.get(domain, False)
            inform_hits[domain] = inform_hits.get(domain, 0) + hit_inform
            success_hits[domain] = success_hits.get(domain, 0) + hit_success
        dialogues[did] = {"inform": result.inform_total, "success": result.success_total}
    if unknown:
        warnings.warn(f"unknown placeholder name(s) dropped from responses: {sorted(unknown)}; "
                      "see SLOT_CODES for the accepted names", stacklevel=2)
    n = len(checked)
    inform = 100.0 * inform_hits["total"] / n
    success = 100.0 * success_hits["total"] / n
    bleu = _bleu(hypotheses, references)
    out: dict[str, Any] = {
        "split": split,
        "inform": inform,
        "success": success,
        "bleu": bleu,
        "combined": (inform + success) / 2 + bleu,
        "inform_by_domain": {d: 100.0 * inform_hits[d] / counts[d] for d in sorted(counts) if d != "total"},
        "success_by_domain": {d: 100.0 * success_hits[d] / counts[d] for d in sorted(counts) if d != "total"},
        "n_dialogues": n,
        "n_turns": len(hypotheses),
        "complete": n == len(gold),
        "state_source": "predicted" if predicted_states else "gold",
        "domain_source": "predicted" if predicted_domains else "estimated",
        "bleu_reference": BLEU_REFERENCE,
        "unknown_placeholders": sorted(unknown),
        "convention": "mwzeval (Nekvinda & Dusek 2021), re-implemented on MultiWOZ 2.1 gold data",
    }
    if per_dialogue:
        out["dialogues"] = dialogues
    return out


_VENUES: dict[str, VenueTable] = {}


def _venues(data_dir: str | Path | None) -> VenueTable:
    from gopo_env.domains.multiwoz import data as mwdata

    key = str(mwdata.locate(data_dir))
    if key not in _VENUES:
        _VENUES[key] = VenueTable(load_venue_records(data_dir))
    return _VENUES[key]


def gold_predictions(split: str = "dev", data_dir: str | Path | None = None) -> dict[str, list[str]]:
    """The human responses of ``split`` as a submission (delexicalised 2.1 text): the gold replay."""
    return {did: list(g.delexicalised) for did, g in load_gold(split, data_dir).items()}


def load_predictions(path: str | Path) -> dict[str, Any]:
    """Read a submission file (JSON, the format of :func:`score_corpus`); clear errors if unreadable."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        raise CorpusInputError(f"{path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CorpusInputError(f"{path}: not valid UTF-8 JSON ({e})") from None
    if not isinstance(data, dict):
        raise CorpusInputError(f"{path}: the top level must be an object mapping dialogue id -> turns")
    return data
