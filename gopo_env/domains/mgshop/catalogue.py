"""The embedded product catalogue, in the MG-ShopDial style, written by the project.

Four categories as in MG-ShopDial; every product has a kind (the need: genre or product type),
a price, a rating out of 5 and three categorical attributes. The catalogue is generated from
the vocabularies below by a fixed-seed draw, so it is identical in every process and version.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from gopo_env.core.frozen import FrozenMap, share_on_deepcopy


@share_on_deepcopy
@dataclass(frozen=True)
class CategorySchema:
    """The vocabulary of one category: what a customer can need and ask about."""

    name: str
    label: str
    """How a customer names it: "a book", "something for sports and outdoors"."""
    kinds: Mapping[str, tuple[float, float]]
    """Kind -> (min, max) price in dollars."""
    attributes: Mapping[str, tuple[str, ...]]
    """Attribute -> its possible values (unique words within the category)."""
    questions: Mapping[str, str]
    """Attribute -> how a customer asks about it."""
    disclose: Mapping[str, str] = field(default_factory=lambda: FrozenMap({}))
    """Attribute -> how a customer states it ("{v}" the value, "{a}" with its article); the
    simulator's own phrases cover the embedded attributes."""
    answers: Mapping[str, str] = field(default_factory=lambda: FrozenMap({}))
    """Attribute -> how the built-in CS Agent states it ("is {v}"); as ``disclose``."""


CATEGORIES: dict[str, CategorySchema] = {
    "books": CategorySchema(
        name="books",
        label="a book",
        kinds=FrozenMap({
            "thriller": (8, 28), "romance": (6, 22), "science fiction": (8, 30),
            "biography": (10, 35), "classic literature": (5, 25), "fantasy": (8, 32),
        }),
        attributes=FrozenMap({
            "format": ("hardcover", "paperback", "ebook", "audiobook"),
            "audience": ("adult readers", "young adults", "all ages"),
            "length": ("short read", "medium length", "long read"),
        }),
        questions=FrozenMap({
            "format": "Which format is it available in?",
            "audience": "Who is it written for?",
            "length": "How long is it?",
            "rating": "How well is it rated?",
        }),
    ),
    "sports_outdoors": CategorySchema(
        name="sports_outdoors",
        label="something for sports and outdoors",
        kinds=FrozenMap({
            "tent": (60, 320), "backpack": (35, 180), "water bottle": (10, 45),
            "yoga mat": (18, 90), "hiking boots": (55, 240), "bike helmet": (30, 150),
        }),
        attributes=FrozenMap({
            "color": ("black", "blue", "green", "red", "grey", "orange"),
            "protection": ("waterproof", "water-resistant", "not weatherproof"),
            "weight": ("ultralight", "standard weight", "heavy-duty"),
        }),
        questions=FrozenMap({
            "color": "What color is it?",
            "protection": "Is it waterproof?",
            "weight": "How heavy is it?",
            "rating": "What do other customers think of it?",
        }),
    ),
    "office_products": CategorySchema(
        name="office_products",
        label="some office products",
        kinds=FrozenMap({
            "desk lamp": (15, 90), "notebook": (4, 30), "pen set": (6, 45),
            "office chair": (80, 450), "stapler": (8, 40), "monitor stand": (20, 120),
        }),
        attributes=FrozenMap({
            "color": ("black", "white", "silver", "blue", "walnut"),
            "material": ("metal", "plastic", "bamboo", "fabric", "recycled paper"),
            "warranty": ("1-year warranty", "2-year warranty", "lifetime warranty"),
        }),
        questions=FrozenMap({
            "color": "What color does it come in?",
            "material": "What is it made of?",
            "warranty": "What warranty does it have?",
            "rating": "Is it well reviewed?",
        }),
    ),
    "cellphones_accessories": CategorySchema(
        name="cellphones_accessories",
        label="a phone accessory",
        kinds=FrozenMap({
            "phone case": (8, 60), "charger": (10, 70), "wireless earbuds": (25, 250),
            "screen protector": (5, 35), "power bank": (15, 90), "smartphone": (150, 1100),
        }),
        attributes=FrozenMap({
            "compatibility": ("iPhone", "Android", "universal"),
            "color": ("black", "white", "navy", "pink", "transparent"),
            "brand": ("Voltra", "Nexon", "Kestrel", "Aurix"),
        }),
        questions=FrozenMap({
            "compatibility": "Which phones does it work with?",
            "color": "What color is it?",
            "brand": "Which brand makes it?",
            "rating": "How is it rated?",
        }),
    ),
}

_BOOK_WORDS = (
    "Silent", "Harbor", "Glass", "Orchard", "Winter", "Ember", "Hollow", "Tide", "Paper",
    "Lantern", "Crimson", "Meridian", "Quiet", "Iron", "Velvet", "Northern", "Salt", "Copper",
)
_AUTHORS = (
    "Mara Quill", "Jonas Avery", "Lena Hart", "Tobias Rowe", "Iris Calder", "Owen Marsh",
    "Nadia Frost", "Felix Orme", "Clara Vance", "Hugo Lind", "Esme Thorne", "Rafael Stone",
)
_MODEL_WORDS = (
    "Summit", "Aero", "Trail", "Nova", "Pulse", "Orbit", "Ridge", "Core", "Flux", "Apex",
    "Drift", "Vista", "Zephyr", "Atlas", "Cinder", "Halo",
)
PRODUCTS_PER_KIND = 6


@share_on_deepcopy
@dataclass(frozen=True, eq=False)
class Product:
    """One catalogue item (compared by identity: the catalogue holds one of each)."""

    id: str
    category: str
    name: str
    kind: str
    price: float
    rating: float | None
    """Out of 5; None: not rated (some real catalogue items)."""
    attributes: Mapping[str, str]

    def value(self, attribute: str) -> str:
        """The item's value of ``attribute`` as text ("price" and "rating" included)."""
        if attribute == "price":
            return f"{self.price:.2f}"
        if attribute == "rating":
            return f"{self.rating:.1f}" if self.rating is not None else "unrated"
        if attribute == "kind":
            return self.kind
        return self.attributes[attribute]


class Catalogue(tuple):
    """One category's products together with their vocabulary.

    A ``tuple`` of :class:`Product` (so it passes wherever ``tuple[Product, ...]`` does) that
    also carries its :class:`CategorySchema`: a catalogue other than the embedded one (the real
    MG-ShopDial items) brings its own kinds, attributes and phrasing to the parser, the
    simulator and the realizer.
    """

    schema: CategorySchema

    def __new__(cls, products, schema: CategorySchema) -> Catalogue:
        obj = super().__new__(cls, products)
        obj.schema = schema
        return obj

    def __reduce__(self) -> tuple:
        return (type(self), (tuple(self), self.schema))

    def __deepcopy__(self, memo: dict) -> Catalogue:
        return self  # immutable shared data: environment copies share it


def schema_of(products: tuple[Product, ...], category: str | None = None) -> CategorySchema:
    """The vocabulary of ``products``: its own for a :class:`Catalogue`, else the embedded one."""
    schema = getattr(products, "schema", None)
    if schema is not None:
        return schema
    return CATEGORIES[category if category is not None else products[0].category]


def stars(product: Product) -> float:
    """The rating for ordering and thresholds (an unrated item counts as 0 stars)."""
    return product.rating if product.rating is not None else 0.0


def _name(rng: random.Random, category: str, kind: str, taken: set[str],
          suffixes: tuple[str, ...] = ()) -> str:
    """A product name not in ``taken`` (lower case); ``suffixes`` (v1's larger catalogue) adds a
    model suffix draw to non-book names, so that hundreds per kind stay distinct."""
    while True:
        if category == "books":
            a, b = (_BOOK_WORDS[int(rng.random() * len(_BOOK_WORDS))] for _ in range(2))
            author = _AUTHORS[int(rng.random() * len(_AUTHORS))]
            name = f"{a} {b} by {author}" if a != b else ""
        else:
            w = _MODEL_WORDS[int(rng.random() * len(_MODEL_WORDS))]
            n = 2 + int(rng.random() * 8)
            suffix = suffixes[int(rng.random() * len(suffixes))] if suffixes else ""
            name = f"{w} {n}00{suffix} {kind}"
        if name and name.lower() not in taken:
            taken.add(name.lower())
            return name


@lru_cache(maxsize=1)
def embedded_catalogue() -> dict[str, tuple[Product, ...]]:
    """Category -> its products (fixed draw, seed 2026)."""
    rng = random.Random(2026)
    catalogue: dict[str, tuple[Product, ...]] = {}
    for cat in CATEGORIES.values():
        taken: set[str] = set()
        items: list[Product] = []
        for kind, (lo, hi) in cat.kinds.items():
            for _ in range(PRODUCTS_PER_KIND):
                price = round(lo + (hi - lo) * rng.random(), 0) - 0.01
                rating = round(3.0 + 2.0 * rng.random(), 1)
                attrs = {
                    a: values[int(rng.random() * len(values))]
                    for a, values in cat.attributes.items()
                }
                items.append(
                    Product(
                        id=f"{cat.name}-{len(items):03d}",
                        category=cat.name,
                        name=_name(rng, cat.name, kind, taken),
                        kind=kind,
                        price=max(price, 0.99),
                        rating=rating,
                        attributes=FrozenMap(attrs),
                    )
                )
        catalogue[cat.name] = Catalogue(items, cat)  # shared, not copied, by env deep copies
    return catalogue
