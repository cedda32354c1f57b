"""The MultiWOZ files gopo-bench reads: where they are, what they must hash to, what they hold.

Upstream: ConvLab-3 (github.com/ConvLab/ConvLab-3, Apache-2.0) ships MultiWOZ 2.1 (MIT) in its
``data/multiwoz/`` folder; every file is pinned to commit :data:`COMMIT` by sha256. The dataset
folder keeps the upstream layout (``data/multiwoz/val.json.zip``, ``data/multiwoz/db/...``) so that
a ConvLab-3 checkout can be pointed at directly.

Only JSON is ever read (the zip archives hold one JSON file each); ConvLab's pickled goal
models are never loaded (unpickling can execute code).

Goals are parsed into frozen dataclasses (:class:`Goal`, :class:`DomainGoal`). The conventions
of the 2.1 goal format, kept as they are:

* ``info`` — the informable constraints the customer finally settles on;
  ``fail_info`` — if non-empty, the *complete* first constraint set, which has no match in the
  database: the customer states it first and moves to ``info`` after a no-offer.
* ``book`` — the booking the customer finally makes; ``fail_book`` — the slots whose first
  value is refused by the venue (the first attempt is ``book`` updated with ``fail_book``).
  The flags ``invalid`` / ``pre_invalid`` of the raw ``book`` dict are crowd-sourcing
  bookkeeping and are dropped.
* ``reqt`` — the slots the customer asks for (a list in the raw data).
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from gopo_env.core.errors import DataError
from gopo_env.data.fetch import Manifest, ManifestEntry
from gopo_env.data.locate import locate_dataset

NAME = "multiwoz"
COMMIT = "2a168fc9843e54a468ddec71e001b7559c36aff4"
RAW_BASE = f"https://raw.githubusercontent.com/ConvLab/ConvLab-3/{COMMIT}"
FETCH_HINT = f"`gopo-bench data fetch {NAME}`"

DOMAINS: tuple[str, ...] = ("restaurant", "hotel", "attraction", "train", "taxi", "police", "hospital")
"""The seven MultiWOZ goal domains, in the order the goal format lists them."""
VENUE_DOMAINS: tuple[str, ...] = ("restaurant", "hotel", "attraction", "train", "police", "hospital")
"""Domains with a database (taxi has none: a booking yields a car and a phone number)."""

_DIR = "data/multiwoz"
VAL = f"{_DIR}/val.json.zip"
TEST = f"{_DIR}/test.json.zip"
ONTOLOGY = f"{_DIR}/ontology.json"
DB_FILES: dict[str, str] = {d: f"{_DIR}/db/{d}_db.json" for d in DOMAINS}

_SHA256 = {
    VAL: "25ddfd4d0b01304012b54e2d98caa038c91d95295c4b519cc721b9b616f506dc",
    TEST: "438deb6ff5402cef5ff29cc0d5a10db818c1e9142727c1d631e71b563c66a5b4",
    ONTOLOGY: "e3046a9c5edd37bd9a705753e715d87dfd7ae33a2f12dd39cf0669b9088d7167",
    DB_FILES["attraction"]: "ac2486936c373917fd9ed1aa46d0e63f7dc6fae4667c80e62b643ac6051e9848",
    DB_FILES["hospital"]: "6b1c867e54fa1ca92b58036945819168ec4ac981da28a09d9dec0ed9d6185937",
    DB_FILES["hotel"]: "972bbd65beada7c64f0b87322c694fd9173b46cf8e61ca3bbe951717ac1d1662",
    DB_FILES["police"]: "5282b151240e9e31682172c806722ee117da9e7a9fe701b00b77b98ae118bf6f",
    DB_FILES["restaurant"]: "7864b4e36027af0907d6afe9ed962fecd6c6966cd626b8ae9341708a04ea201a",
    DB_FILES["taxi"]: "4305d9410d8674313ea1e227c3f9bfa5f15ff0bb2a4976d9ab8d656aa558ee23",
    DB_FILES["train"]: "4818e735bae20690f6d0d06bb2ae8eec1981c0b680258a970dc01c9073f3fec9",
}
"""sha256 of each file at :data:`COMMIT` (computed from the files of that commit)."""

MANIFEST = Manifest(
    name=NAME,
    files=tuple(ManifestEntry(rel, f"{RAW_BASE}/{rel}", sha) for rel, sha in _SHA256.items()),
    marker=VAL,
)
"""What ``gopo-bench data fetch multiwoz`` downloads and verifies (the test split included)."""


# ---------------------------------------------------------------------------------- goals
@dataclass(frozen=True, slots=True)
class DomainGoal:
    """The customer's goal in one domain (values lower-case, as in the data).

    ``info``/``fail_info``/``book``/``fail_book`` are ``(slot, value)`` pairs in the data's
    order; ``reqt`` the requested slots. Slot names are the 2.1 goal names (``pricerange``,
    ``arriveBy``, ``leaveAt``, ``entrance fee``, ``car type``, ``trainID``, ...).
    """

    domain: str
    info: tuple[tuple[str, str], ...] = ()
    reqt: tuple[str, ...] = ()
    book: tuple[tuple[str, str], ...] = ()
    fail_info: tuple[tuple[str, str], ...] = ()
    fail_book: tuple[tuple[str, str], ...] = ()

    @property
    def first_info(self) -> tuple[tuple[str, str], ...]:
        """The constraints stated first: ``fail_info`` when present, else ``info``."""
        return self.fail_info or self.info

    @property
    def first_book(self) -> tuple[tuple[str, str], ...]:
        """The booking asked for first: ``book`` updated with ``fail_book``."""
        if not self.fail_book:
            return self.book
        changed = dict(self.fail_book)
        return tuple((s, changed.get(s, v)) for s, v in self.book)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"info": dict(self.info)}
        if self.reqt:
            out["reqt"] = list(self.reqt)
        if self.book:
            out["book"] = dict(self.book)
        if self.fail_info:
            out["fail_info"] = dict(self.fail_info)
        if self.fail_book:
            out["fail_book"] = dict(self.fail_book)
        return out


@dataclass(frozen=True, slots=True)
class Goal:
    """A customer goal over one to three domains (``domains`` in the order they are pursued)."""

    domains: tuple[DomainGoal, ...]
    message: tuple[str, ...] = ()
    """The crowd-worker instructions (HTML spans stripped), for display only."""

    def __post_init__(self) -> None:
        if not self.domains:
            raise DataError("a MultiWOZ goal needs at least one domain")

    def get(self, domain: str) -> DomainGoal | None:
        for g in self.domains:
            if g.domain == domain:
                return g
        return None

    @property
    def domain_names(self) -> tuple[str, ...]:
        return tuple(g.domain for g in self.domains)

    def key(self) -> str:
        """A canonical JSON text of the task (for disjointness checks): domains and constraints."""
        return json.dumps([[g.domain, g.as_dict()] for g in self.domains], sort_keys=True)

    def as_dict(self) -> dict[str, Any]:
        return {g.domain: g.as_dict() for g in self.domains}


_BOOK_SLOTS = {"restaurant": ("people", "day", "time"), "hotel": ("people", "day", "stay"),
               "train": ("people",)}
BOOK_SLOTS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(_BOOK_SLOTS)
"""The booking slots of each bookable domain (taxi is booked from its informable slots)."""


def _pairs(raw: Any, where: str, drop: tuple[str, ...] = ()) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise DataError(f"{where}: expected an object of slot -> value, got {type(raw).__name__}")
    out = []
    for slot, value in raw.items():
        if slot in drop:
            continue
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise DataError(f"{where}.{slot}: expected a string value, got {value!r}")
        out.append((str(slot), str(value).strip().lower()))
    return tuple(out)


def _strip_html(text: str) -> str:
    import re

    return re.sub(r"<[^>]+>", "", text)


def parse_goal(raw: Any, where: str, log: Any = None) -> Goal:
    """A :class:`Goal` from one 2.1-format ``goal`` object; :class:`DataError` naming ``where``.

    The domains are ordered as the dialogue ``log`` first mentions them in a dialogue act when
    it is given, else as the crowd-worker instructions introduce them.
    """
    if not isinstance(raw, dict):
        raise DataError(f"{where}: the goal must be an object, got {type(raw).__name__}")
    domains = []
    for d in DOMAINS:
        g = raw.get(d)
        if not g:
            continue
        if not isinstance(g, dict):
            raise DataError(f"{where}.{d}: expected an object, got {type(g).__name__}")
        reqt = g.get("reqt") or ()
        if isinstance(reqt, dict):  # a few releases store reqt as slot -> "?"
            reqt = list(reqt)
        if not isinstance(reqt, (list, tuple)) or not all(isinstance(s, str) for s in reqt):
            raise DataError(f"{where}.{d}.reqt: expected a list of slot names, got {reqt!r}")
        dg = DomainGoal(
            domain=d,
            info=_pairs(g.get("info"), f"{where}.{d}.info"),
            reqt=tuple(reqt),
            book=_pairs(g.get("book"), f"{where}.{d}.book", drop=("invalid", "pre_invalid")),
            fail_info=_pairs(g.get("fail_info"), f"{where}.{d}.fail_info"),
            fail_book=_pairs(g.get("fail_book"), f"{where}.{d}.fail_book"),
        )
        if not (dg.info or dg.reqt or dg.book):
            continue
        domains.append(dg)
    if not domains:
        raise DataError(f"{where}: the goal names no domain among {DOMAINS}")
    message = raw.get("message") or ()
    if isinstance(message, str):
        message = (message,)
    ordered = _pursuit_order(tuple(domains), message, log)
    return Goal(ordered, tuple(_strip_html(m) for m in message if isinstance(m, str)))


_MESSAGE_WORDS = {
    "restaurant": ("restaurant", "place to dine", "place to eat", "food"),
    "hotel": ("place to stay", "hotel", "guesthouse", "guest house"),
    "attraction": ("attraction", "places to go", "place to go", "something to do", "entertainment",
                   "college", "museum"),
    "train": ("train",),
    "taxi": ("taxi",),
    "police": ("police",),
    "hospital": ("hospital",),
}


def _pursuit_order(domains: tuple[DomainGoal, ...], message: Any, log: Any) -> tuple[DomainGoal, ...]:
    """The domains in the order the dialogue pursued them.

    The goal object lists domains in a fixed order unrelated to the dialogue. With the turn
    ``log``, a domain ranks by the first turn whose dialogue acts name it; without it (or for
    a domain the acts never name), by the first instruction sentence mentioning it. Ties keep
    the data order.
    """
    text = [m.lower() for m in message if isinstance(m, str)]
    first_turn: dict[str, int] = {}
    if isinstance(log, (list, tuple)):
        for t, turn in enumerate(log):
            acts = turn.get("dialog_act") if isinstance(turn, dict) else None
            if isinstance(acts, dict):
                for act in acts:
                    d = str(act).split("-")[0].lower()
                    first_turn.setdefault(d, t)

    def rank(dg: DomainGoal) -> tuple[int, int]:
        msg = len(text)
        for i, sentence in enumerate(text):
            if any(w in sentence for w in _MESSAGE_WORDS[dg.domain]):
                msg = i
                break
        return (first_turn.get(dg.domain, 10_000), msg)

    return tuple(sorted(domains, key=rank))


# ---------------------------------------------------------------------------------- files
@dataclass(frozen=True)
class Dialogue:
    """One corpus dialogue: id, goal and the raw turn log (``log``, user turn first)."""

    id: str
    goal: Goal
    log: tuple[dict[str, Any], ...]


def locate(data_dir: str | Path | None = None) -> Path:
    """The MultiWOZ folder (the one holding ``data/multiwoz/val.json.zip``).

    Looks in ``data_dir``, else ``$GOPO_DATA_DIR/multiwoz``, else the fetch cache; raises
    :class:`DataError` naming ``gopo-bench data fetch multiwoz`` when absent.
    """
    return locate_dataset(NAME, MANIFEST.marker, data_dir)


def _read_json(path: Path, what: str) -> Any:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise DataError(f"{NAME}: {what} is missing ({path}); fetch the dataset with {FETCH_HINT}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise DataError(f"{NAME}: {path} is not valid JSON ({e}); re-fetch it with {FETCH_HINT}") from None


def _read_zipped_json(path: Path, what: str) -> Any:
    if not path.is_file():
        raise DataError(f"{NAME}: {what} is missing ({path}); fetch the dataset with {FETCH_HINT}")
    try:
        with zipfile.ZipFile(path) as z:
            names = [n for n in z.namelist() if n.endswith(".json")]
            if len(names) != 1:
                raise DataError(f"{NAME}: {path} should hold exactly one .json file, holds {names}; "
                                f"re-fetch it with {FETCH_HINT}")
            return json.loads(z.read(names[0]).decode("utf-8"))
    except zipfile.BadZipFile:
        raise DataError(f"{NAME}: {path} is not a valid zip archive; re-fetch it with {FETCH_HINT}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise DataError(f"{NAME}: {path} does not hold valid JSON ({e}); "
                        f"re-fetch it with {FETCH_HINT}") from None


SPLIT_FILES = {"dev": VAL, "test": TEST}
"""Corpus file of each corpus split (``dev`` is the official validation set)."""


def has_split(root: Path, split: str) -> bool:
    return (root / SPLIT_FILES[split]).is_file()


@lru_cache(maxsize=8)
def _load_dialogues(root: Path, split: str) -> tuple[Dialogue, ...]:
    rel = SPLIT_FILES[split]
    what = "the official test split" if split == "test" else "the validation split"
    raw = _read_zipped_json(root / rel, what)
    if not isinstance(raw, dict) or not raw:
        raise DataError(f"{NAME}: {root / rel} should map dialogue ids to dialogues; "
                        f"re-fetch it with {FETCH_HINT}")
    out = []
    for did in sorted(raw):  # a fixed order, independent of the file's
        d = raw[did]
        where = f"{rel}:{did}"
        if not isinstance(d, dict) or "goal" not in d or not isinstance(d.get("log"), list):
            raise DataError(f"{where}: a dialogue needs 'goal' and a 'log' list; re-fetch with {FETCH_HINT}")
        name = did[:-5] if did.endswith(".json") else did
        out.append(Dialogue(name, parse_goal(d["goal"], where, d["log"]), tuple(d["log"])))
    return tuple(out)


def load_dialogues(split: str, data_dir: str | Path | None = None) -> tuple[Dialogue, ...]:
    """The corpus dialogues of ``split`` (``"dev"`` or ``"test"``), sorted by id.

    Raises :class:`DataError` when the files are absent or malformed; for ``"test"`` the
    message names the fetch command (the test split is not shipped with the shared data).
    """
    if split not in SPLIT_FILES:
        raise DataError(f"{NAME}: corpus split must be one of {sorted(SPLIT_FILES)}, got {split!r}")
    root = locate(data_dir)
    return _load_dialogues(root, split)


@lru_cache(maxsize=4)
def _load_db(root: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for d, rel in DB_FILES.items():
        raw = _read_json(root / rel, f"the {d} database")
        if d == "taxi":
            if not isinstance(raw, dict) or not raw.get("taxi_colors") or not raw.get("taxi_types"):
                raise DataError(f"{root / rel}: expected taxi_colors and taxi_types lists; "
                                f"re-fetch with {FETCH_HINT}")
        elif not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
            raise DataError(f"{root / rel}: expected a list of entity objects; re-fetch with {FETCH_HINT}")
        out[d] = raw
    return out


def load_db_tables(data_dir: str | Path | None = None) -> dict[str, Any]:
    """The raw database tables, domain -> list of entities (taxi: its colour/type lists)."""
    return _load_db(locate(data_dir))


def load_ontology(data_dir: str | Path | None = None) -> dict[str, list[str]]:
    """``ontology.json``: ``"domain-slot"`` -> the values seen in the data."""
    root = locate(data_dir)
    raw = _read_json(root / ONTOLOGY, "the ontology")
    if not isinstance(raw, dict):
        raise DataError(f"{root / ONTOLOGY}: expected an object; re-fetch with {FETCH_HINT}")
    return raw
