"""The embedded scenario generator: stable ids, fixed train/dev/test splits.

Each scenario is built around target products drawn from the catalogue, so its hard
constraints are always satisfiable; the constraint level decides how many of them the
customer holds (and keeps hidden until asked).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

from gopo_env.core.frozen import share_on_deepcopy
from gopo_env.domains.mgshop.catalogue import CATEGORIES, Product, embedded_catalogue
from gopo_env.domains.mgshop.params import MgshopParams
from gopo_env.domains.mgshop.strategies import (
    ANSWER,
    CLOSE,
    ELICIT_NEED,
    ELICIT_PREFERENCES,
    END,
    GREET,
    OPEN_QUESTION,
    RECOMMEND,
    SEARCH,
)

GENERATOR_SEED = 20261125
LEVELS = ("low", "medium", "high")
AGENDA_GAINS = {"greetings": 0.5, "need": 1.0, "preferences": 1.0, "recommend": 1.0,
                "qa": 1.0, "purchase": 3.0, "end": 0.5}
"""Gain of each agenda item kind in TSE: the purchase, the final goal, weighs most."""


@dataclass(frozen=True)
class ItemNeed:
    """One item the customer must buy, with its hard constraints."""

    kind: str
    max_price: float | None = None
    attributes: tuple[tuple[str, str], ...] = ()

    def violation(self, product: Product) -> str | None:
        """The first hard constraint ``product`` breaks ("kind", "price" or an attribute)."""
        if product.kind != self.kind:
            return "kind"
        if self.max_price is not None and product.price > self.max_price + 1e-9:
            return "price"
        for attr, value in self.attributes:
            if product.attributes.get(attr) != value:
                return attr
        return None

    @property
    def slots(self) -> tuple[str, ...]:
        """The hidden requirements the customer can disclose, in disclosure order."""
        return (("max_price",) if self.max_price is not None else ()) + tuple(
            a for a, _ in self.attributes
        )


@dataclass(frozen=True)
class Question:
    """A QA goal: the customer wants to know ``attribute`` of the item chosen for ``item``."""

    item: int
    attribute: str


@share_on_deepcopy
@dataclass(frozen=True)
class MgshopScenario:
    id: str
    split: str
    category: str
    goal: str
    """"search" (knows what they want) or "recommendation" (open to suggestions)."""
    complexity: str
    """"simple" (one item) or "complex" (two)."""
    constraint_level: str
    items: tuple[ItemNeed, ...]
    questions: tuple[Question, ...]
    min_rating: float | None
    """Soft preference: lukewarm below this rating, but not a hard constraint."""

    @property
    def goals(self) -> tuple[str, ...]:
        return (self.goal, "qa") if self.questions else (self.goal,)

    def agenda(self) -> tuple[tuple[str, ...], tuple[float, ...]]:
        """The customer checklist as ordered agenda items and their TSE gains."""
        names = ["greetings", "need"]
        if any(item.slots for item in self.items) or self.min_rating is not None:
            names.append("preferences")
        for i, _ in enumerate(self.items):
            names.append(f"recommend:{i}")
            names += [f"qa:{j}" for j, q in enumerate(self.questions) if q.item == i]
            names.append(f"purchase:{i}")
        names.append("end")
        return tuple(names), tuple(AGENDA_GAINS[n.split(":")[0]] for n in names)

    def reference_strategies(self) -> tuple[int, ...]:
        """The SOP's ideal strategy sequence for this scenario (the ESNDCG reference)."""
        seq = [GREET, ELICIT_NEED]
        if any(item.slots for item in self.items) or self.min_rating is not None:
            seq.append(ELICIT_PREFERENCES)
        for i, _ in enumerate(self.items):
            seq += [SEARCH if self.goal == "search" else RECOMMEND, OPEN_QUESTION]
            seq += [ANSWER for q in self.questions if q.item == i]
            seq.append(CLOSE)
        seq.append(END)
        return tuple(seq)

    def describe(self) -> str:
        """The scenario card, in the style of MG-ShopDial's descriptions."""
        parts = []
        for item in self.items:
            s = f"a {item.kind}"
            if item.attributes:
                s += " (" + ", ".join(v for _, v in item.attributes) + ")"
            if item.max_price is not None:
                s += f" for at most ${item.max_price:.0f}"
            parts.append(s)
        text = f"{self.category} | {self.goal} | {self.complexity}/{self.constraint_level} | " + (
            " and ".join(parts)
        )
        if self.min_rating is not None:
            text += f" | prefers rating >= {self.min_rating:.1f}"
        if self.questions:
            text += " | asks: " + ", ".join(q.attribute for q in self.questions)
        return text


def _pick(rng: random.Random, seq):
    return seq[int(rng.random() * len(seq))]


def _draw_level(rng: random.Random, shares: tuple[float, float, float]) -> str:
    u, acc = rng.random() * sum(shares), 0.0
    for level, share in zip(LEVELS, shares):
        acc += share
        if u < acc:
            return level
    return LEVELS[-1]


def _item(rng: random.Random, products: tuple[Product, ...], kind: str, level: str,
          second: bool) -> ItemNeed:
    target = _pick(rng, [p for p in products if p.kind == kind])
    if level == "low":
        return ItemNeed(kind)
    # the budget sits a little above the target's price: the target fits, many do not
    budget = float(int(target.price * (1.05 + 0.25 * rng.random())) // 5 * 5 + 5)
    if level == "medium":
        return ItemNeed(kind, max_price=budget)
    attrs = sorted(target.attributes)
    n_attrs = 1 if second else 1 + int(rng.random() * 2)
    chosen = []
    for _ in range(n_attrs):
        a = _pick(rng, [a for a in attrs if a not in chosen])
        chosen.append(a)
    return ItemNeed(kind, max_price=budget,
                    attributes=tuple((a, target.attributes[a]) for a in chosen))


def draw_questions(rng: random.Random, items: list, schema, params: MgshopParams) -> list[Question]:
    """The scenario's questions (with probability ``p_qa``, ``questions_per_qa`` of them), each about
    an attribute of its item the customer has not already constrained; sorted by item. Shared by
    every version's generator (the same draws in the same order)."""
    questions: list[Question] = []
    if rng.random() < params.p_qa:
        lo, hi = params.questions_per_qa
        for _ in range(lo + int(rng.random() * (hi - lo + 1))):
            item = int(rng.random() * len(items))
            taken = {a for a, _ in items[item].attributes} | {
                q.attribute for q in questions if q.item == item}
            options = [a for a in schema.questions if a not in taken]
            if options:
                questions.append(Question(item, _pick(rng, options)))
    questions.sort(key=lambda q: q.item)
    return questions


def generate(params: MgshopParams | None = None,
             seed: int | None = None) -> dict[str, tuple[MgshopScenario, ...]]:
    """All embedded scenarios by split: index mod 10 in 0-6 train, 7 dev, 8-9 test.

    ``seed=None`` is the public set (:data:`GENERATOR_SEED`). Another ``seed`` draws a *fresh*
    set from the same distribution, with ids ``mgshop-s<seed>-<split>-NNNN``: the leaderboard's
    verification uses it to score an agent on scenarios it cannot have seen.
    """
    params = params or MgshopParams()
    fresh = seed is not None and seed != GENERATOR_SEED
    rng = random.Random(seed if fresh else GENERATOR_SEED)
    prefix = f"mgshop-s{seed}" if fresh else "mgshop"
    catalogue = embedded_catalogue()
    names = list(CATEGORIES)
    splits: dict[str, list[MgshopScenario]] = {"train": [], "dev": [], "test": []}
    for index in range(params.n_scenarios):
        category = names[index % len(names)]
        schema = CATEGORIES[category]
        products = catalogue[category]
        kinds = list(schema.kinds)
        complexity = "complex" if rng.random() < params.p_complex else "simple"
        level = _draw_level(rng, params.constraint_levels)
        goal = "search" if rng.random() < params.p_search else "recommendation"
        first = _pick(rng, kinds)
        items = [_item(rng, products, first, level, second=False)]
        if complexity == "complex":
            second = _pick(rng, [k for k in kinds if k != first])
            items.append(_item(rng, products, second, level, second=True))
        questions = draw_questions(rng, items, schema, params)
        min_rating = 4.0 if rng.random() < params.p_min_rating else None
        r = index % 10
        split = "train" if r < 7 else "dev" if r == 7 else "test"
        sid = f"{prefix}-{split}-{len(splits[split]):04d}"
        splits[split].append(MgshopScenario(
            id=sid, split=split, category=category, goal=goal, complexity=complexity,
            constraint_level=level, items=tuple(items), questions=tuple(questions),
            min_rating=min_rating,
        ))
    return {k: tuple(v) for k, v in splits.items()}


@lru_cache(maxsize=4)
def embedded_scenarios(params: MgshopParams | None = None,
                       seed: int | None = None) -> dict[str, tuple[MgshopScenario, ...]]:
    """:func:`generate`, cached (the public set unless ``seed`` asks for a fresh one)."""
    return generate(params, seed)
