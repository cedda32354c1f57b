"""MG-ShopDial's real catalogues and scenarios as Mgshop products and scenarios.

The real items are free text (10-17 per category); the simulator, parser and realizer need a
kind, a price, a rating and categorical attributes. Per category, a vocabulary written for
this project (:data:`VOCABULARIES`) gives the kinds and attribute values together with the
keyword rules that find them: in an item's name first, then its short description, then its
long description (the first text with a match decides). The same kind rules read a
scenario description (``desc``), so that a scenario asks for kinds the catalogue uses.

Each of the 64 real dialogues becomes one scenario (``mgshopdial-<split>-<dialogue id>``);
how a description becomes item needs, and what is relaxed when the real catalogue cannot
satisfy it, is documented in ``docs/data.md`` and recorded on the scenario
(:attr:`RealScenario.relaxations`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from gopo_env.core.errors import DataError
from gopo_env.core.frozen import FrozenMap
from gopo_env.domains.mgshop.catalogue import Catalogue, CategorySchema, Product
from gopo_env.domains.mgshop.mgshopdial.loader import MgshopDialData, RealDialogue, RealItem, load_mgshopdial
from gopo_env.domains.mgshop.scenarios import ItemNeed, MgshopScenario, Question
from gopo_env.domains.mgshop.strategies import CLARIFY

SOURCE = "mgshopdial"


@dataclass(frozen=True)
class Vocabulary:
    """One category's kinds and attributes, with the keyword rules that find them."""

    label: str
    kinds: tuple[tuple[str, str, str | None], ...]
    """(kind, rule on item text, rule on a scenario description or None), in priority order."""
    attributes: Mapping[str, tuple[tuple[str, str], ...]]
    """Attribute -> (value, rule on item text) in priority order."""
    questions: Mapping[str, str]
    disclose: Mapping[str, str]
    answers: Mapping[str, str]
    fields: tuple[str, ...] = ("name", "short_description", "product_description")
    """Which item texts the attribute rules read, in order (kinds read all three)."""


_COLORS = ("red", "green", "black", "white", "blue", "pink", "clear")


def _colors(*values: str) -> tuple[tuple[str, str], ...]:
    return tuple((v, rf"\b{v}\b") for v in values)


VOCABULARIES: dict[str, Vocabulary] = {
    "books": Vocabulary(
        label="a book",
        kinds=(
            ("trivia", r"\btrivia\b|\btrue facts\b", r"\btrivia\b"),
            ("thriller", r"thriller|suspense|\bcrime\b|poirot|detective|mystery|murder", r"thriller"),
            ("romance", r"romance|romantic|love story", r"romance"),
            ("science fiction", r"science fiction|sci-fi", r"science fiction"),
            ("sociology", r"sociolog|\bcaste\b", r"sociology"),
            ("classical literature", r"\bclassics?\b", r"classic(?:al)? literature"),
        ),
        attributes=FrozenMap({}),  # authors are added from the catalogue ("<title> by <author>")
        questions=FrozenMap({"author": "Who wrote it?", "rating": "How well is it rated?"}),
        disclose=FrozenMap({"author": "I'd like a book by {v}."}),
        answers=FrozenMap({"author": "is written by {v}"}),
        fields=("name",),
    ),
    "sports_outdoors": Vocabulary(
        label="something for sports and outdoors",
        kinds=(
            ("running shoes", r"running shoe", r"running shoes?"),
            ("badminton racquet", r"racquet|racket", r"racquet|racket"),
            ("shuttlecock", r"shuttlecock|birdie", r"shuttlecock|birdie"),
            ("ice skates", r"\bskates\b", r"\bskates\b"),
            ("helmet liner", r"helmet (?:sweat )?liner|sweat liner", r"helmet liner|sweat liner"),
            ("hockey helmet", r"\bhelmet\b", r"\bhelmet\b"),
            ("protective gear", r"hockey pants|shoulder pad|hockey gloves|\bgloves\b",
             r"protection gear|protective gear|\bpads\b"),
        ),
        attributes=FrozenMap({
            "color": _colors("red", "black", "white", "blue", "green"),
            "material": (("recycled", r"\brecycled\b"), ("graphite", r"graphite|carbon fiber"),
                         ("goose feather", r"goose feather"), ("nylon", r"\bnylon\b"),
                         ("steel", r"\bsteel\b")),
        }),
        questions=FrozenMap({"color": "What color is it?", "material": "What is it made of?",
                                    "rating": "What do other customers think of it?"}),
        disclose=FrozenMap({"material": "It should be made of {v} material."}),
        answers=FrozenMap({"material": "is made of {v} material"}),
        fields=("name", "short_description"),
    ),
    "office_products": Vocabulary(
        label="some office products",
        kinds=(
            ("planner", r"planner", None),
            ("calendar", r"calendar", r"calendar"),
            ("ink cartridge", r"cartridge", r"cartridges?"),
            ("printer paper", r"printer paper|copy paper", r"\bpaper\b"),
            ("paint set", r"\bpaints?\b", r"art supplies|\bpaints?\b"),
            ("pencil case", r"pencil case|pencil pouch", r"pencil case"),
            ("pen", r"\bpens?\b", r"\bpens?\b"),
            ("notebook", r"notebook", r"notebook"),
        ),
        attributes=FrozenMap({"color": _colors("green", "black", "white", "clear", "blue", "pink")}),
        questions=FrozenMap({"color": "What color does it come in?",
                                    "rating": "Is it well reviewed?"}),
        disclose=FrozenMap({}),
        answers=FrozenMap({}),
        fields=("name", "short_description"),
    ),
    "cellphones_accessories": Vocabulary(
        label="a phone or accessory",
        kinds=(
            ("gimbal", r"gimbal", r"gimbal"),
            ("vlogging kit", r"vlog|video rig", r"vlogging kit"),
            ("ring light", r"ring light", r"\blights?\b"),
            ("selfie stick", r"selfie stick", r"selfie stick"),
            ("microphone", r"microphone|\bmic\b", r"microphone|\bmic\b"),
            ("headphones", r"headphones", r"headphones"),
            ("smartphone", r"smartphone|cell phone|android phone", r"smartphone|\bphone\b"),
        ),
        attributes=FrozenMap({"color": _colors("black", "white", "blue", "pink")}),
        questions=FrozenMap({"storage": "How much storage does it have?",
                                    "color": "What color is it?", "rating": "How is it rated?"}),
        disclose=FrozenMap({"storage": "It needs {v} of storage."}),
        answers=FrozenMap({"storage": "has {v} of storage"}),
        fields=("name",),
    ),
}

STORAGE_THRESHOLD_GB = 16
"""Storage is bucketed at the only threshold the scenarios use ("at least 16GB")."""
_STORAGE_VALUES = (f"at least {STORAGE_THRESHOLD_GB}GB", f"under {STORAGE_THRESHOLD_GB}GB")
_GB = re.compile(r"(\d+)\s?GB\b", re.IGNORECASE)
_AUTHOR = re.compile(r"\bby ([A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,3})\s*$")


def _search(rule: str, text: str) -> re.Match | None:
    return re.search(rule, text, re.IGNORECASE)


def _texts(item: RealItem, fields: tuple[str, ...]) -> list[str]:
    return [getattr(item, f) for f in fields]


def item_kind(category: str, item: RealItem) -> str | None:
    """The kind of a real item: the first rule matching its name, else its descriptions."""
    vocab = VOCABULARIES[category]
    for text in _texts(item, ("name", "short_description", "product_description")):
        for kind, rule, _ in vocab.kinds:
            if _search(rule, text):
                return kind
    return None


def item_attributes(category: str, item: RealItem, kind: str) -> dict[str, str]:
    """Categorical attributes of a real item found by the vocabulary's rules."""
    vocab = VOCABULARIES[category]
    attrs: dict[str, str] = {}
    for attr, values in vocab.attributes.items():
        for text in _texts(item, vocab.fields):
            hits = [(m.start(), value) for value, rule in values if (m := _search(rule, text))]
            if hits:
                attrs[attr] = min(hits)[1]  # the value mentioned first
                break
    if category == "books" and (m := _AUTHOR.search(item.name)):
        attrs["author"] = m.group(1)
    if category == "cellphones_accessories" and kind == "smartphone":
        sizes = [int(g) for g in _GB.findall(" ".join(_texts(item, ("name", "short_description"))))]
        if sizes:
            attrs["storage"] = _STORAGE_VALUES[0 if max(sizes) >= STORAGE_THRESHOLD_GB else 1]
    return attrs


def _schema(category: str, products: list[Product]) -> CategorySchema:
    vocab = VOCABULARIES[category]
    kinds: dict[str, tuple[float, float]] = {}
    values: dict[str, list[str]] = {a: [] for a in vocab.attributes}
    for p in products:
        lo, hi = kinds.get(p.kind, (p.price, p.price))
        kinds[p.kind] = (min(lo, p.price), max(hi, p.price))
        for a, v in p.attributes.items():
            values.setdefault(a, [])
            if v not in values[a]:
                values[a].append(v)
    if category == "cellphones_accessories":
        values["storage"] = list(_STORAGE_VALUES)
    return CategorySchema(
        name=category, label=vocab.label, kinds=FrozenMap(kinds),
        attributes=FrozenMap({a: tuple(v) for a, v in values.items() if v}),
        questions=vocab.questions, disclose=vocab.disclose, answers=vocab.answers,
    )


def real_catalogue(data: MgshopDialData, category: str) -> Catalogue:
    """The real items of ``category`` as products (ids ``<category>-r<NN>`` in file order)."""
    products = []
    for i, item in enumerate(data.catalogues[category]):
        kind = item_kind(category, item)
        if kind is None:
            raise DataError(f"mgshopdial: no kind rule matches {category} item {i} ({item.name[:60]!r}); "
                            "extend VOCABULARIES in gopo_env/domains/mgshop/mgshopdial/real.py")
        products.append(Product(
            id=f"{category}-r{i:02d}", category=category, name=item.name, kind=kind,
            price=item.price, rating=item.rating,
            attributes=FrozenMap(item_attributes(category, item, kind)),
        ))
    return Catalogue(products, _schema(category, products))


# ---------------------------------------------------------------- scenarios
@dataclass(frozen=True)
class RealScenario(MgshopScenario):
    """A scenario read from one real dialogue (its description, checklists and outcome rules)."""

    dialogue_id: str
    desc: str
    client_checklist: tuple[str, ...]
    assistant_checklist: tuple[str, ...]
    relaxations: tuple[str, ...]
    """What was changed because the real catalogue could not satisfy the description."""

    def reference_strategies(self) -> tuple[int, ...]:
        """The SOP sequence of the scenario, with ``clarify`` where the real assistant ticked it."""
        seq = list(super().reference_strategies())
        if "clarify" in self.assistant_checklist:
            seq.insert(2, CLARIFY)
        return tuple(seq)

    def describe(self) -> str:
        return super().describe() + f" | MG-ShopDial {self.dialogue_id}: {self.desc}"


def split_of(dialogue_id: str) -> str:
    """Deterministic split of a real dialogue: sha256(id) mod 10 -> 0-6 train, 7 dev, 8-9 test."""
    r = int(hashlib.sha256(dialogue_id.encode("utf-8")).hexdigest(), 16) % 10
    return "train" if r < 7 else "dev" if r == 7 else "test"


def _choose(options: list[str], dialogue: RealDialogue) -> str:
    """The option the real customer named first; else one fixed by the dialogue id."""
    for utt in dialogue.utterances:
        if utt.speaker != "customer":
            continue
        hits = [(m.start(), o) for o in options if (m := _search(rf"\b{re.escape(o)}\b", utt.text))]
        if hits:
            return min(hits)[1]
    return options[int(hashlib.sha256(dialogue.id.encode()).hexdigest(), 16) % len(options)]


def _mentions(rules, text: str) -> list[tuple[int, str]]:
    out = []
    for name, rule in rules:
        if rule is not None:
            out += [(m.start(), name) for m in re.finditer(rule, text, re.IGNORECASE)]
    return sorted(out)


def _needs(dialogue: RealDialogue, catalogue: Catalogue) -> tuple[list[dict], list[str]]:
    """Item needs (kind, max_price, attributes) read from the description, before relaxation."""
    category, desc = dialogue.category, dialogue.desc
    vocab = VOCABULARIES[category]
    notes: list[str] = []
    kind_hits = _mentions([(k, d) for k, _, d in vocab.kinds], desc)
    kinds = list(dict.fromkeys(kind for _, kind in kind_hits))
    attrs: dict[str, dict[str, str]] = {k: {} for k in kinds}
    if category == "books":
        authors = [a for a in catalogue.schema.attributes.get("author", ()) if _search(re.escape(a), desc)]
        if authors:
            author = _choose(authors, dialogue)
            kinds = [next(p.kind for p in catalogue if p.attributes.get("author") == author)]
            attrs = {kinds[0]: {"author": author}}
        else:
            options = kinds or list(dict.fromkeys(p.kind for p in catalogue))
            kinds = [_choose(options, dialogue)]
            attrs = {kinds[0]: {}}
    if not kinds:
        raise DataError(f"mgshopdial: dialogue {dialogue.id}: no kind of the {category} vocabulary in its "
                        f"description {desc!r}; extend VOCABULARIES in mgshopdial/real.py")

    def owner(pos: int) -> str:
        """The kind named nearest to ``pos`` in the same sentence, else the first kind."""
        start = max(desc.rfind(".", 0, pos), 0)
        end = desc.find(".", pos)
        end = len(desc) if end < 0 else end
        near = [(abs(p - pos), k) for p, k in kind_hits if start <= p <= end and k in attrs]
        return min(near)[1] if near else kinds[0]

    for attr, values in catalogue.schema.attributes.items():
        if attr in ("author", "storage"):
            continue
        for value in values:
            for m in re.finditer(rf"\b{re.escape(value)}\b", desc, re.IGNORECASE):
                attrs[owner(m.start())][attr] = value
    if category == "cellphones_accessories" and (m := re.search(r"at least (\d+)\s?GB", desc, re.IGNORECASE)):
        if int(m.group(1)) != STORAGE_THRESHOLD_GB:
            raise DataError(f"mgshopdial: dialogue {dialogue.id}: storage threshold {m.group(0)!r} is "
                            f"not the bucket at {STORAGE_THRESHOLD_GB}GB; extend the storage buckets in "
                            "real.py")
        attrs[owner(m.start())]["storage"] = _STORAGE_VALUES[0]
    for m in re.finditer(r"\bsize (\d+)", desc, re.IGNORECASE):
        notes.append(f"size {m.group(1)} dropped: the catalogue lists no sizes")
    budget = re.search(r"\$(\d+(?:\.\d{1,2})?)", desc)
    max_price = float(budget.group(1)) if budget else None
    return [{"kind": k, "max_price": max_price, "attributes": attrs[k]} for k in kinds], notes


def _fits(products, kind: str, max_price: float | None, attributes: dict[str, str]) -> bool:
    return any(ItemNeed(kind, max_price, tuple(attributes.items())).violation(p) is None for p in products)


def _relax(dialogue: RealDialogue, needs: list[dict], catalogue: Catalogue,
           notes: list[str]) -> tuple[ItemNeed, ...]:
    """Needs the catalogue can satisfy; every change is recorded in ``notes``."""
    items = []
    for need in needs:
        kind, max_price, attrs = need["kind"], need["max_price"], dict(need["attributes"])
        if not any(p.kind == kind for p in catalogue):
            notes.append(f"item {kind!r} dropped: no {kind} in the catalogue")
            continue
        for attr in list(attrs):
            if not _fits(catalogue, kind, None, {attr: attrs[attr]}):
                notes.append(f"{kind}: {attr} {attrs.pop(attr)!r} dropped: no such {kind} in the catalogue")
        if not _fits(catalogue, kind, max_price, attrs):
            notes.append(f"{kind}: budget ${max_price:.0f} dropped: no matching {kind} costs that little")
            max_price = None
        if not _fits(catalogue, kind, max_price, attrs):  # attributes that only clash together
            notes.append(f"{kind}: attributes {attrs} dropped: no {kind} has them all")
            attrs = {}
        items.append(ItemNeed(kind, max_price, tuple(sorted(attrs.items()))))
    if not items:
        raise DataError(f"mgshopdial: dialogue {dialogue.id}: no item of {dialogue.desc!r} is in the "
                        "catalogue")
    return tuple(items)


def _question(items: tuple[ItemNeed, ...], catalogue: Catalogue) -> Question | None:
    """A question every product fitting its item can answer (the first such attribute)."""
    for i, need in enumerate(items):
        fitting = [p for p in catalogue if need.violation(p) is None]
        taken = {a for a, _ in need.attributes}
        for attr in catalogue.schema.questions:
            if attr in taken:
                continue
            if all((p.rating is not None) if attr == "rating" else (attr in p.attributes) for p in fitting):
                return Question(i, attr)
    return None


def _goal(dialogue: RealDialogue) -> str:
    """search or recommendation: whichever more of the dialogue's utterances pursue (ties: recommendation)."""
    goals = [u.goal for u in dialogue.utterances]
    return "search" if goals.count("search") > goals.count("recommendation") else "recommendation"


def real_scenario(dialogue: RealDialogue, catalogue: Catalogue) -> RealScenario:
    """The scenario of one real dialogue: its description parsed into needs the catalogue can meet."""
    needs, notes = _needs(dialogue, catalogue)
    items = _relax(dialogue, needs, catalogue, notes)
    questions: tuple[Question, ...] = ()
    if "qa" in dialogue.client_checklist:
        q = _question(items, catalogue)
        if q is None:
            notes.append("qa dropped: no attribute is known for every fitting item")
        else:
            questions = (q,)
    split = split_of(dialogue.id)
    return RealScenario(
        id=f"{SOURCE}-{split}-{dialogue.id}", split=split, category=dialogue.category,
        goal=_goal(dialogue), complexity=dialogue.type, constraint_level=dialogue.constraint,
        items=items, questions=questions, min_rating=None, dialogue_id=dialogue.id, desc=dialogue.desc,
        client_checklist=dialogue.client_checklist, assistant_checklist=dialogue.assistant_checklist,
        relaxations=tuple(notes),
    )


@dataclass(frozen=True)
class RealSource:
    """Everything the Mgshop domain needs to run on MG-ShopDial."""

    data: MgshopDialData
    catalogues: dict[str, Catalogue]
    scenarios: dict[str, tuple[RealScenario, ...]]
    """Split -> scenarios, in file order."""


@lru_cache(maxsize=4)
def _source(root: str) -> RealSource:
    data = load_mgshopdial(root)
    catalogues = {c: real_catalogue(data, c) for c in data.catalogues}
    splits: dict[str, list[RealScenario]] = {"train": [], "dev": [], "test": []}
    for dialogue in data.dialogues:
        scenario = real_scenario(dialogue, catalogues[dialogue.category])
        splits[scenario.split].append(scenario)
    return RealSource(data, catalogues, {k: tuple(v) for k, v in splits.items()})


def real_source(data_dir: str | Path | None = None) -> RealSource:
    """The real catalogues and scenarios (cached per data folder)."""
    return _source(str(load_mgshopdial(data_dir).root))
