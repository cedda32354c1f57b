"""Normalisation for corpus scoring: unified slot codes, delexicalisation, state values.

The convention is that of the standardized MultiWOZ context-to-response evaluation (Nekvinda &
Dušek 2021, "Shades of BLEU, Flavours of Success", GEM workshop; reference code
``github.com/Tomiinek/MultiWOZ_Evaluation``), re-implemented here:

* every delexicalisation placeholder, whatever its style (``[restaurant_name]``, ``[value_name]``,
  ``[name]``, plural ``[hotel_name]s``) becomes one *unified code* (``NAME``) so that systems
  delexicalised differently are scored alike (:data:`SLOT_CODES`, :func:`normalize_response`);
* belief-state values are canonicalised (times to ``HH:MM``, venue-name and food spelling variants
  to the database spelling, ``guest house`` → ``guesthouse``) before the database is queried
  (:func:`normalize_state`);
* gold MultiWOZ 2.1 system turns are delexicalised from their ``span_info`` annotations
  (:func:`delexicalize`), which is how the BLEU references of this project are built.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

# ------------------------------------------------------------------------------------ slot codes

_CODE_ALIASES: dict[str, tuple[str, ...]] = {
    "ADDRESS": ("address", "addr", "value_address"),
    "AREA": ("area", "value_area"),
    "TIME": ("time", "booktime", "value_time", "duration", "value_duration", "arriveby", "arrive by",
             "arrive", "value_arrive", "leaveat", "leave at", "leave", "value_leave"),
    "DAY": ("day", "bookday", "value_day"),
    "PLACE": ("destination", "value_destination", "dest", "departure", "value_departure", "depart",
              "value_place", "place"),
    "FOOD": ("food", "value_food"),
    "NAME": ("name", "value_name"),
    "PHONE": ("phone", "value_phone"),
    "POST": ("postcode", "post", "value_postcode"),
    "PRICE": ("price", "value_price", "entrancefee", "entrance fee", "fee", "pricerange",
              "price range", "value_pricerange", "ticket"),
    "REFERENCE": ("reference", "ref", "value_reference"),
    "COUNT": ("stars", "value_stars", "bookstay", "stay", "value_stay", "bookpeople", "people",
              "value_people", "choice", "value_choice", "value_count", "count"),
    "TYPE": ("type", "value_type", "car", "value_car", "car type"),
    "TRAINID": ("trainid", "train_id", "id", "value_id", "train"),
    "INTERNET": ("internet",),
    "PARKING": ("parking",),
    "DEPARTMENT": ("department", "value_department"),
    "OPEN": ("openhours", "open"),
}
"""Unified code → the placeholder names (without domain prefix) that denote it."""

DOMAINS = ("restaurant", "hotel", "attraction", "train", "taxi", "police", "hospital")
"""The MultiWOZ domains (``bus`` exists in the 2.1 states but never in goals)."""

# Domain-prefixed names that do not follow "<domain>_<alias>" with the same meaning as the bare
# alias: an entity's database id is not a train id.
_PREFIXED_EXCEPTIONS = {f"{d}_id": "ID" for d in ("hospital", "attraction", "restaurant", "hotel")}
_PREFIXED_EXCEPTIONS.update({"train_train": "", "train_id": "TRAINID", "train_trainid": "TRAINID"})


def _build_slot_codes() -> dict[str, str]:
    codes: dict[str, str] = {}
    for code, aliases in _CODE_ALIASES.items():
        for alias in aliases:
            codes[alias] = code
            if not alias.startswith("value_"):
                for domain in DOMAINS:
                    codes[f"{domain}_{alias}"] = code
    for name, code in _PREFIXED_EXCEPTIONS.items():
        if code:
            codes[name] = code
        else:
            codes.pop(name, None)
    return codes


SLOT_CODES: Mapping[str, str] = _build_slot_codes()
"""Lower-case placeholder name (``restaurant_name``, ``value_time``, ``name``, …) → unified code.

The codes: ADDRESS AREA TIME DAY PLACE FOOD NAME PHONE POST PRICE REFERENCE COUNT TYPE TRAINID
INTERNET PARKING ID DEPARTMENT OPEN. Unknown placeholders map to nothing (they are dropped
from the response and reported by the scorer).
"""

REQUESTABLE_CODES = ("PHONE", "ADDRESS", "POST", "REFERENCE", "TRAINID")
"""The requestable slots Success checks: the ones a response can deliver only as a placeholder."""

_PLACEHOLDER = re.compile(r"\[([\w\s]+)\](es|s|-s|-es|)")


def placeholder_code(name: str) -> str | None:
    """The unified code of one placeholder name (case-insensitive), or ``None`` if unknown."""
    return SLOT_CODES.get(name.strip().lower())


@lru_cache(maxsize=1)
def _moses() -> tuple[object, object]:
    try:
        from sacremoses import MosesDetokenizer, MosesTokenizer
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "corpus scoring needs sacremoses (and sacrebleu): pip install 'gopo-bench[metrics]'"
        ) from exc
    return MosesTokenizer(lang="en"), MosesDetokenizer(lang="en")


def normalize_response(text: str, unknown: set[str] | None = None) -> str:
    """One delexicalised response in the scorer's canonical form.

    Lower-cases, replaces every ``[placeholder]`` (with an optional plural suffix ``s``/``es``)
    by its unified code (:data:`SLOT_CODES`), drops the stray ``-s``/``-ly`` suffixes some
    delexicalisers leave, and re-tokenises with the Moses tokenizer + detokenizer so that
    ``does n't`` and ``doesn't`` compare equal. Unknown placeholder names are removed and, if
    ``unknown`` is given, added to it.
    """

    def code(match: re.Match[str]) -> str:
        name = match.group(1)
        found = placeholder_code(name)
        if found is None:
            if unknown is not None:
                unknown.add(name.strip())
            return ""
        return found

    text = _PLACEHOLDER.sub(code, text.lower())
    text = text.replace("-s", "").replace("-ly", "")
    tokenizer, detokenizer = _moses()
    return detokenizer.detokenize(tokenizer.tokenize(text, escape=False))  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------- delexicalisation

_SPAN_SLOT_NAME = {
    "addr": "address", "post": "postcode", "ref": "reference", "id": "id", "dest": "destination",
    "depart": "departure", "arrive": "arriveby", "leave": "leaveat", "fee": "entrancefee",
    "ticket": "price", "car": "car", "choice": "choice", "open": "openhours", "time": "time",
}
"""MultiWOZ 2.1 ``span_info`` slot (lower-cased) → the placeholder's slot part, where they differ."""


def span_placeholder(act: str, slot: str) -> str:
    """The placeholder text for a 2.1 span: ``("Hotel-Inform", "Addr")`` → ``[hotel_address]``.

    Spans of the ``Booking`` pseudo-domain (and any other non-domain) use the ``value_`` prefix,
    e.g. ``[value_reference]``. Every placeholder produced maps to a unified code.
    """
    domain = act.split("-", 1)[0].lower()
    name = _SPAN_SLOT_NAME.get(slot.lower(), slot.lower())
    if domain == "train" and name == "id":
        return "[train_id]"
    if domain == "train" and name == "time":
        return "[train_duration]"
    if domain in ("restaurant", "hotel", "attraction") and name == "price":
        name = "pricerange"
    if name in ("people", "stay"):  # booking details: no domain-prefixed name in common use
        domain = "value"
    if name == "openhours":
        return "[openhours]"
    prefix = domain if domain in DOMAINS else "value"
    placeholder = f"{prefix}_{name}"
    if placeholder not in SLOT_CODES:  # e.g. value_entrancefee: fall back to the bare name
        placeholder = name
    return f"[{placeholder}]"


def delexicalize(text: str, span_info: list[list]) -> str:
    """Replace the annotated value spans of a MultiWOZ 2.1 turn by placeholders.

    ``span_info`` rows are ``[act, slot, value, first_token, last_token]`` with inclusive indices
    into ``text.split()`` (the 2.1 convention). Overlapping spans keep the first by start index;
    ``dontcare`` values are left as text; spans outside the turn are ignored.
    """
    tokens = text.split()
    spans = sorted(
        (int(row[3]), int(row[4]), span_placeholder(row[0], row[1]))
        for row in span_info
        if str(row[2]).lower() != "dontcare"
    )
    out: list[str] = []
    position = 0
    for start, end, placeholder in spans:
        if start < position or start > end or end >= len(tokens):
            continue
        out.extend(tokens[position:start])
        out.append(placeholder)
        position = end + 1
    out.extend(tokens[position:])
    return " ".join(out)


# ------------------------------------------------------------------------------- state values

_NONE_VALUES = frozenset({"", "not mentioned", "none", "dontcare", "don't care", "dont care",
                          "do n't care", "do not care"})
"""State values that constrain nothing."""

_NAME_VARIANTS = {
    # restaurant
    "hotel du vin bistro": "hotel du vin and bistro",
    "the river bar and grill": "the river bar steakhouse and grill",
    "nando's": "nandos", "caffee uno": "caffe uno", "cafe uno": "caffe uno",
    "restaurant called two two": "restaurant two two", "restaurant 2 two": "restaurant two two",
    "restaurant two 2": "restaurant two two", "restaurant 2 2": "restaurant two two",
    "restaurant 1 7": "restaurant one seven", "restaurant 17": "restaurant one seven",
    "city center b and b": "city center north b and b", "acorn house": "acorn guest house",
    "rosa's": "rosas bed and breakfast",
    # hotel
    "lime house": "limehouse", "cityrooms": "cityroomz", "whale of time": "whale of a time",
    "huntingdon hotel": "huntingdon marriott hotel",
    "holiday inn exlpress, cambridge": "express by holiday inn cambridge",
    "university hotel": "university arms hotel", "arbury guesthouse and lodge": "arbury lodge guesthouse",
    "bridge house": "bridge guest house", "arbury guesthouse": "arbury lodge guesthouse",
    "nandos in the city centre": "nandos city centre",
    # attraction
    "broughton gallery": "broughton house gallery", "scudamores punt co": "scudamores punting co",
    "cambridge botanic gardens": "cambridge university botanic gardens",
    "the botanical gardens at cambridge university": "cambridge university botanic gardens",
    "the junction": "junction theatre", "trinity street college": "trinity college",
    "christ college": "christ's college", "christs": "christ's college",
    "history of science museum": "whipple museum of the history of science",
    "parkside pools": "parkside swimming pool", "cafe jello museum": "cafe jello gallery",
}
"""Annotated venue-name variants → the database spelling (the reference scorer's list)."""

_FOOD_VARIANTS = {
    "eriterean": "mediterranean", "brazilian": "portuguese", "sea food": "seafood",
    "portugese": "portuguese", "modern american": "north american", "americas": "north american",
    "intalian": "italian", "italain": "italian", "asian or oriental": "asian", "english": "british",
    "australasian": "australian", "gastropod": "gastropub", "brutish": "british",
    "bristish": "british", "europeon": "european",
}

_TYPE_VARIANTS = {"swimming pool": "swimmingpool", "mutliple sports": "multiple sports",
                  "night club": "nightclub", "guest house": "guesthouse"}

_TIME_WORDS = {
    "afternoon": "13:00", "lunch": "12:00", "noon": "12:00", "mid-day": "12:00",
    "around lunch time": "12:00", "morning": "08:00", "seven o'clock tomorrow evening": "07:00",
    "three forty five p.m": "15:45", "one thirty p.m.": "13:30", "six fourty five": "06:45",
    "eight thirty": "08:30",
}


def normalize_time(value: str) -> str:
    """A free-form time (``7pm``, ``after 17:30``, ``1715``, ``noon``) as ``HH:MM``.

    Unparseable strings are returned stripped and lower-cased (they then match no train and
    count as minute 0 in comparisons, as in the reference scorer).
    """
    time = value.strip().lower()
    if time in _TIME_WORDS:
        return _TIME_WORDS[time]
    if time.startswith("one o'clock p.m"):
        return "13:00"
    if time.startswith("ten o'clock a.m"):
        return "10:00"
    for prefix in ("by ", "after", "afer"):
        if time.startswith(prefix):
            time = time[len(prefix):].strip()
    for suffix in ("am", "a.m."):
        if time.endswith(suffix):
            time = time[: -len(suffix)].strip()
    for suffix in ("pm", "p.m."):
        if time.endswith(suffix):
            parts = time[: -len(suffix)].strip().split(":")
            if len(parts) == 2 and parts[0].isdigit():
                return f"{int(parts[0]) + 12}:{parts[1]}"
            if len(parts) == 1 and parts[0].isdigit():
                return f"{int(parts[0]) + 12}:00"
            time = time[: -len(suffix)].strip()
    if not time:
        return "00:00"
    if time[-1] in ".,?":
        time = time[:-1]
    if time.isdigit():
        return f"{time[:2]}:{time[2:]}" if len(time) == 4 else f"{time.zfill(2)}:00"
    if ":" in time:
        time = time.replace(" ", "")
        if len(time) == 4 and time[1] == ":":
            return "0" + time
    return time


def time_to_minutes(value: str) -> int:
    """``HH:MM`` → minutes after midnight; anything else → 0 (the reference behaviour)."""
    if not re.match(r"[0-9][0-9]:[0-9][0-9]", value):
        return 0
    hours, minutes = value.split(":")[:2]
    return int(hours) * 60 + int(minutes[:2])


def normalize_slot_name(slot: str) -> str:
    """A state or goal slot name in the scorer's form: lower-case, no spaces, ``arrive``/``leave``."""
    slot = slot.lower().replace(" ", "")
    return {"arriveby": "arrive", "leaveat": "leave"}.get(slot, slot)


def normalize_value(slot: str, value: str) -> str:
    """One state value canonicalised for the database query; ``slot`` as from :func:`normalize_slot_name`."""
    value = str(value)
    if slot in ("name", "destination", "departure"):
        name = value.strip().lower().replace(" & ", " and ").replace("&", " and ").replace(" '", "'")
        return _NAME_VARIANTS.get(name, name)
    if slot == "type":
        return _TYPE_VARIANTS.get(value, value)
    if slot == "food":
        food = value.strip().lower()
        return _FOOD_VARIANTS.get(food, food)
    if slot in ("arrive", "leave", "time"):
        return normalize_time(value)
    if slot in ("parking", "internet"):
        return "yes" if value == "free" else value
    return value


def is_unconstrained(value: object) -> bool:
    """True for values that constrain nothing (``""``, ``not mentioned``, ``dontcare`` …)."""
    return str(value).strip().lower() in _NONE_VALUES


def normalize_state(state: Mapping[str, Mapping[str, object]]) -> dict[str, dict[str, str]]:
    """A belief state ``{domain: {slot: value}}`` with normalised slot names and values.

    Unconstraining values and domains left empty are dropped. Domain names are lower-cased.
    """
    out: dict[str, dict[str, str]] = {}
    for domain, slots in state.items():
        clean = {}
        for slot, value in slots.items():
            if is_unconstrained(value):
                continue
            name = normalize_slot_name(slot)
            clean[name] = normalize_value(name, str(value))
        if clean:
            out[str(domain).lower()] = clean
    return out
