"""Read and validate MG-ShopDial as published upstream (dialogues, scenario list, catalogues).

Structure is checked with JSON Schema (:mod:`jsonschema`); a malformed file raises
:class:`MgshopDialFormatError` naming the file, the record (index and id) and the field, and
saying how to fix it. Categories use the project's names (``books``, ``sports_outdoors``,
``office_products``, ``cellphones_accessories``).

A dialogue's category is the prefix of its id (``"Books:45:109:118"``): upstream builds ids from
the catalogue file stem, which is also how the collection tool chose the products shown. An id
whose prefix is not one of the four catalogues is an error. (Descriptions cannot serve: they
differ from the scenario list by typos and edits, e.g. "equipement", "etc.".)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from gopo_env.core.errors import DataError
from gopo_env.data.locate import locate_dataset
from gopo_env.domains.mgshop.mgshopdial.manifest import CATALOGUE_FILES, DIALOGUES, NAME, TOPICS

CLIENT_CHECKLIST = ("greetings", "need", "preferences", "search", "qa", "refine", "decision", "end")
ASSISTANT_CHECKLIST = ("greetings", "need", "clarify", "preferences", "first-recommend", "qa", "search",
                       "second-recommend", "end")
_SPEAKERS = {"Wizard": "assistant", "Client": "customer"}
_FIX = ("The file does not have MG-ShopDial's upstream layout: re-fetch it with "
        "`gopo-bench data fetch mgshopdial` (sha256-verified) or correct that record.")


def _key(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


_CATEGORY_BY_KEY = {
    "books": "books", "sportsandoutdoors": "sports_outdoors", "officeproducts": "office_products",
    "cellphonesaccessories": "cellphones_accessories",
}
"""Upstream spellings (id prefixes, file stems, topics.yml keys), letters only -> our name."""


class MgshopDialFormatError(DataError):
    """A file of MG-ShopDial is missing, not parseable or not in the upstream layout."""


@dataclass(frozen=True)
class Utterance:
    id: int
    speaker: str
    """"assistant" (upstream "Wizard") or "customer" (upstream "Client")."""
    text: str
    goal: str
    """search | recommendation | qa | meta."""
    intents: tuple[tuple[str, float], ...]
    """(intent, annotator count), as in the file (counts are out of 5 annotators; a few exceed 5)."""

    @property
    def intent(self) -> str:
        """The majority intent (highest count; ties -> first listed); "" if none was annotated."""
        best, top = "", -1.0
        for name, count in self.intents:
            if count > top:
                best, top = name, count
        return best


@dataclass(frozen=True)
class RealDialogue:
    id: str
    category: str
    type: str
    """simple | complex."""
    constraint: str
    """low | medium | high."""
    desc: str
    client_checklist: tuple[str, ...]
    assistant_checklist: tuple[str, ...]
    """Upstream ``wizard_checklist``."""
    utterances: tuple[Utterance, ...]


@dataclass(frozen=True)
class RealItem:
    category: str
    name: str
    price: float
    rating: float | None
    """Out of 5; None where the catalogue gives none."""
    short_description: str
    product_description: str


@dataclass(frozen=True)
class MgshopDialData:
    root: Path
    dialogues: tuple[RealDialogue, ...]
    catalogues: dict[str, tuple[RealItem, ...]]
    """Category -> items, in file order (treat as read-only: the object is cached)."""
    topics: dict[str, tuple[dict, ...]]
    """Category -> scenario cards ``{desc, type, constraint}`` of the collection tool."""


# ---------------------------------------------------------------- schemas
_STR = {"type": "string"}
_TEXT = {"type": ["string", "null"]}
_UTTERANCE = {
    "type": "object",
    "required": ["utterance_id", "participant", "utterance", "goal", "intents"],
    "properties": {
        "utterance_id": {"type": "integer"},
        "participant": {"enum": list(_SPEAKERS)},
        "utterance": _STR,
        "goal": {"enum": ["search", "recommendation", "qa", "meta"]},
        "intents": {"type": "array", "items": {
            "type": "array", "minItems": 2, "maxItems": 2,
            "prefixItems": [{"type": "string", "minLength": 1},
                            {"type": "number", "minimum": 0, "x-what": "an annotator count"}],
            "x-what": "an [intent, annotator count] pair",
        }},
    },
}
_DIALOGUES_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["id", "metadata", "utterances"],
        "properties": {
            "id": {"type": "string", "minLength": 1},
            "metadata": {
                "type": "object",
                "required": ["type", "constraint", "desc", "client_checklist", "wizard_checklist"],
                "properties": {
                    "type": {"enum": ["simple", "complex"]},
                    "constraint": {"enum": ["low", "medium", "high"]},
                    "desc": {"type": "string", "minLength": 1},
                    "client_checklist": {"type": "array", "items": {"enum": list(CLIENT_CHECKLIST)}},
                    "wizard_checklist": {"type": "array", "items": {"enum": list(ASSISTANT_CHECKLIST)}},
                },
            },
            "utterances": {"type": "array", "items": _UTTERANCE},
        },
    },
}
_PRICE = r"^\$?\s?\d{1,6}(\.\d{1,2})?$"
_RATING = r"^\d(\.\d+)?(/5)?$"
_ITEMS_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["name", "price", "rating", "short_description", "product_description"],
        "properties": {
            "name": {"type": "string", "minLength": 1},
            "price": {"type": "string", "pattern": _PRICE, "x-what": 'a price like "$13.39"'},
            "rating": {"type": ["string", "null"], "pattern": _RATING,
                       "x-what": 'a rating like "4.7/5" (or null)'},
            "short_description": _TEXT,
            "product_description": _TEXT,
        },
    },
}
_CARD = r"^\s*(simple|complex)\s*$"
_TOPICS_SCHEMA = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {
        "type": "object",
        "required": ["desc", "type", "constraint"],
        "properties": {
            "desc": {"type": "string", "minLength": 1},
            "type": {"type": "string", "pattern": _CARD, "x-what": "simple or complex"},
            "constraint": {"type": "string", "pattern": r"^\s*(low|medium|high)\s*$",
                           "x-what": "low, medium or high"},
        },
    }},
}


def _fail(file: Path, record: Any, field: str, problem: str) -> MgshopDialFormatError:
    where = f"record {record}" + (f", field {field}" if field else "")
    return MgshopDialFormatError(f"{file}: {where}: {problem}. {_FIX}")


def _field(parts: list[Any], data: Any) -> str:
    out, node = "", data
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
            if isinstance(node, list) and p < len(node) and isinstance(node[p], dict) \
                    and "utterance_id" in node[p]:
                out += f" (utterance_id {node[p]['utterance_id']})"
        else:
            out += f".{p}" if out else str(p)
        try:
            node = node[p]
        except (KeyError, IndexError, TypeError):  # the missing field itself
            node = None
    return out


def _validate(data: Any, schema: dict, file: Path, record_name) -> None:
    """Raise the first schema violation (in file order) as a message naming record and field."""
    try:
        from jsonschema import Draft202012Validator
    except ImportError:  # pragma: no cover - the data extra installs it
        raise DataError("reading MG-ShopDial needs jsonschema and PyYAML: "
                        "pip install 'gopo-bench[data]'") from None
    errors = list(Draft202012Validator(schema).iter_errors(data))
    if not errors:
        return
    error = min(errors, key=lambda e: [(0, p, "") if isinstance(p, int) else (1, 0, p)
                                       for p in e.absolute_path])
    path = list(error.absolute_path)
    if not path:
        raise MgshopDialFormatError(f"{file}: expected {schema['type']}, found "
                                    f"{type(data).__name__}. {_FIX}")
    record, rest = path[0], path[1:]
    if error.validator == "required":
        missing = next(p for p in error.validator_value if p not in error.instance)
        rest = [*rest, missing]
        problem = "missing"
    elif "x-what" in error.schema:
        problem = f"{error.instance!r} is not {error.schema['x-what']}"
    elif error.validator == "enum":
        problem = f"{error.instance!r} is not one of {error.validator_value}"
    else:
        problem = error.message
    container = data[record] if isinstance(data, list) else data[record]
    field = _field(rest, container)
    raise _fail(file, record_name(record, container), field, problem)


def _read_json(file: Path) -> Any:
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MgshopDialFormatError(f"{file}: missing. {_FIX}") from None
    except UnicodeDecodeError as e:
        raise MgshopDialFormatError(f"{file}: not UTF-8 text ({e.reason} at byte {e.start}). "
                                    f"{_FIX}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise MgshopDialFormatError(f"{file}: not valid JSON (line {e.lineno}, column {e.colno}: "
                                    f"{e.msg}). {_FIX}") from None


def _dialogue_name(index: int, record: Any) -> str:
    rid = record.get("id") if isinstance(record, dict) else None
    return f"{index} (id {rid!r})" if rid else str(index)


def _load_dialogues(root: Path) -> tuple[RealDialogue, ...]:
    file = root / DIALOGUES
    data = _read_json(file)
    _validate(data, _DIALOGUES_SCHEMA, file, _dialogue_name)
    out = []
    for i, rec in enumerate(data):
        prefix = rec["id"].split(":", 1)[0]
        category = _CATEGORY_BY_KEY.get(_key(prefix))
        if category is None:
            raise _fail(file, _dialogue_name(i, rec), "id",
                        f"category prefix {prefix!r} is none of the catalogues "
                        "(Books, SportsandOutdoors, Officeproducts, Cellphones&Accessories)")
        meta = rec["metadata"]
        utterances = tuple(
            Utterance(u["utterance_id"], _SPEAKERS[u["participant"]], u["utterance"], u["goal"],
                      tuple((name, float(count)) for name, count in u["intents"]))
            for u in rec["utterances"]
        )
        out.append(RealDialogue(rec["id"], category, meta["type"], meta["constraint"], meta["desc"],
                                tuple(meta["client_checklist"]), tuple(meta["wizard_checklist"]),
                                utterances))
    return tuple(out)


def _item_name(index: int, record: Any) -> str:
    name = record.get("name") if isinstance(record, dict) else None
    return f"{index} (name {name[:40]!r})" if isinstance(name, str) and name else str(index)


def _load_catalogue(root: Path, category: str) -> tuple[RealItem, ...]:
    file = root / CATALOGUE_FILES[category]
    data = _read_json(file)
    _validate(data, _ITEMS_SCHEMA, file, _item_name)
    out = []
    for i, rec in enumerate(data):
        price = float(rec["price"].lstrip("$ "))
        if price <= 0:
            raise _fail(file, _item_name(i, rec), "price", f"{rec['price']!r} is not a positive price")
        rating = None
        if rec["rating"] is not None:
            rating = float(rec["rating"].split("/")[0])
            if not 0.0 <= rating <= 5.0:
                raise _fail(file, _item_name(i, rec), "rating", f"{rec['rating']!r} is not a rating out of 5")
        out.append(RealItem(category, rec["name"].strip(), price, rating, rec["short_description"] or "",
                            rec["product_description"] or ""))
    return tuple(out)


def _load_topics(root: Path) -> dict[str, tuple[dict, ...]]:
    file = root / TOPICS
    try:
        import yaml
    except ImportError:  # pragma: no cover - the data extra installs it
        raise DataError("reading MG-ShopDial's scenario list needs PyYAML: "
                        "pip install 'gopo-bench[data]'") from None
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MgshopDialFormatError(f"{file}: missing. {_FIX}") from None
    except yaml.YAMLError as e:
        raise MgshopDialFormatError(f"{file}: not valid YAML ({e}). {_FIX}") from None
    _validate(data, _TOPICS_SCHEMA, file, lambda key, _: repr(key))
    topics: dict[str, tuple[dict, ...]] = {}
    for key, cards in data.items():
        category = _CATEGORY_BY_KEY.get(_key(str(key)))
        if category is None:
            raise _fail(file, repr(key), "", "not one of the four MG-ShopDial categories")
        topics[category] = tuple({"desc": c["desc"].strip(), "type": c["type"].strip(),
                                  "constraint": c["constraint"].strip()} for c in cards)
    return topics


@lru_cache(maxsize=8)
def _load(root: str) -> MgshopDialData:
    path = Path(root)
    return MgshopDialData(
        root=path,
        dialogues=_load_dialogues(path),
        catalogues={c: _load_catalogue(path, c) for c in CATALOGUE_FILES},
        topics=_load_topics(path),
    )


def load_mgshopdial(data_dir: str | Path | None = None) -> MgshopDialData:
    """Load MG-ShopDial from ``data_dir``, else ``$GOPO_DATA_DIR/mgshopdial``, else the fetch cache.

    Cached per resolved folder: every environment on the same data shares one copy.
    """
    return _load(str(locate_dataset(NAME, DIALOGUES, data_dir)))
