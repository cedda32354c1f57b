"""``GOPO-Mgshop-v1`` dynamics: catalogue at scale, task-disjoint splits, keyed customer draws,
preferences elicited at the real rates, critiquing, customer profiles (docs/environment.md, v1).

Everything here is new in v1; ``GOPO-Mgshop-v0`` does not import this module and stays
byte-identical. The customer is :class:`CustomerV1`, a :class:`~.simulator.Customer` whose every
random draw is keyed by (episode seed, event) (common random numbers) and whose behaviours read
:class:`MgshopV1Params` (numbers measured on MG-ShopDial by
``gopo_env.domains.mgshop.mgshopdial.calibrate_v1``; ``docs/calibration.md``, "v1").
"""

from __future__ import annotations

import hashlib
import json
import random
import struct
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import numpy as np

from gopo_env.core.domain import CustomerAct, ParsedResponse
from gopo_env.core.errors import DomainError
from gopo_env.domains.mgshop.catalogue import CATEGORIES, Product
from gopo_env.domains.mgshop.episode import N_FEATURES, MgshopEpisode
from gopo_env.domains.mgshop.params import MgshopParams
from gopo_env.domains.mgshop.realizer import Realizer
from gopo_env.domains.mgshop.scenarios import (
    GENERATOR_SEED,
    ItemNeed,
    MgshopScenario,
    _draw_level,
    _pick,
    draw_questions,
)
from gopo_env.domains.mgshop.simulator import Customer, decapitalise
from gopo_env.domains.mgshop.state import PublicStateV1

V1_PARAMS_PATH = Path(__file__).with_name("calibrated_v1.json")
PRODUCTS_PER_KIND_V1 = 200
"""Products per kind in the v1 catalogue (1,200 per category): recommending blindly fails."""
_SUFFIXES = ("", " X", " S", " Lite", " Pro", " Max", " Air", " Plus")
PROFILES = ("stater", "explorer")
"""A *stater* states every preference but the latent ones when asked; an *explorer* states only
the need and forms every preference, budget included, on seeing options."""


@dataclass(frozen=True)
class MgshopV1Params:
    """The v1 behaviours' numbers; each measured on MG-ShopDial (``calibrate_v1``) or labelled an
    assumption in docs/calibration.md."""

    p_latent: float = 0.2095
    """Share of preference statements that real customers make after seeing a product (search,
    recommend, explain) rather than when asked (elicit, clarify): each attribute preference of a
    stater is latent with this chance."""
    p_explorer: float = 0.1406
    """Share of real dialogues with more preference statements after products than on being
    asked: the explorer profile."""
    reveal_on_reject: float = 0.1
    """Share of real customer turns with negative feedback that also state a requirement."""
    p_low_prefs: float = 0.7188
    """Share of real low-constraint dialogues whose customer states a preference anyway (after an
    elicitation of preferences, a clarification or a product): a low-constraint task gets one
    attribute preference with this chance."""
    p_taste_reject: float = 0.2387
    """v1's own chance of disliking the first acceptable product of an item (v0's
    ``MgshopParams.p_taste_reject``): refitted because critiques also lead to second
    recommendations (the calibrated value matches the real share of dialogues with one)."""
    max_products_read: int = 3
    """Assumption (docs/calibration.md): a customer considers at most this many products of one
    response, the first named; real assistants present about 2 times per dialogue (measured) and
    show 1-3 products at a time."""

    def __post_init__(self) -> None:
        # an impossible number would not fail: the customer would just behave oddly (a TSE of 0.26)
        bad = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "max_products_read":
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    bad.append(f"max_products_read={value!r} (an int >= 1)")
            elif isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                bad.append(f"{f.name}={value!r} (a probability in [0, 1])")
        if bad:
            raise ValueError(f"MgshopV1Params: {', '.join(bad)}; pass values in those ranges")

    @classmethod
    def load(cls, path: str | Path = V1_PARAMS_PATH) -> MgshopV1Params:
        """Read a v1 parameter file (JSON object of field -> value, like ``calibrated_v1.json``);
        a missing or non-JSON file is a :class:`DomainError`, a bad key or value a ``ValueError``."""
        if not Path(path).is_file():
            raise DomainError(f"mgshop: v1_params={str(path)!r} is not a file that exists; pass an "
                              f"MgshopV1Params or the path of a JSON file like {V1_PARAMS_PATH.name}")
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as e:  # JSONDecodeError is a ValueError
            raise DomainError(f"mgshop: v1_params={str(path)!r} is not a JSON file ({e}); write it as "
                              f"a JSON object of field -> value like {V1_PARAMS_PATH.name}") from None
        if not isinstance(data, dict):
            raise DomainError(f"mgshop: v1_params={str(path)!r} holds a JSON {type(data).__name__}, "
                              f"not an object of field -> value like {V1_PARAMS_PATH.name}; fix that file")
        data.pop("_meta", None)
        known = {f.name for f in fields(cls)}
        if set(data) - known:
            raise ValueError(f"{path}: unknown v1 parameter(s) {sorted(set(data) - known)}; "
                             f"known: {sorted(known)}; fix that file")
        try:
            return cls(**data)
        except ValueError as e:
            raise ValueError(f"{path}: {e}; fix the value in that file") from None


_OVERRIDE: MgshopV1Params | None = None
"""Set only by the v1 calibration while it simulates candidate parameters."""


@lru_cache(maxsize=1)
def v1_params() -> MgshopV1Params:
    """The shipped v1 numbers (``calibrated_v1.json``)."""
    if _OVERRIDE is not None:
        return _OVERRIDE
    return MgshopV1Params.load() if V1_PARAMS_PATH.is_file() else MgshopV1Params()


# ---------------------------------------------------------------- catalogue
def _v1_name(rng: random.Random, category: str, kind: str, taken: set[str]) -> str:
    from gopo_env.domains.mgshop.catalogue import _name

    return _name(rng, category, kind, taken, _SUFFIXES)


@lru_cache(maxsize=1)
def v1_catalogue() -> dict[str, tuple[Product, ...]]:
    """Category -> 1,200 products (200 per kind), a fixed draw (seed 2027) over the embedded
    vocabularies; prices uniform in the kind's range, ratings uniform in [3.0, 5.0]."""
    rng = random.Random(2027)
    out: dict[str, tuple[Product, ...]] = {}
    for cat in CATEGORIES.values():
        taken: set[str] = set()
        items: list[Product] = []
        for kind, (lo, hi) in cat.kinds.items():
            for _ in range(PRODUCTS_PER_KIND_V1):
                price = round(lo + (hi - lo) * rng.random(), 0) - 0.01
                rating = round(3.0 + 2.0 * rng.random(), 1)
                attrs = {a: v[int(rng.random() * len(v))] for a, v in cat.attributes.items()}
                items.append(Product(id=f"{cat.name}-{len(items):04d}", category=cat.name,
                                     name=_v1_name(rng, cat.name, kind, taken), kind=kind,
                                     price=max(price, 0.99), rating=rating,
                                     attributes=MappingProxyType(attrs)))
        out[cat.name] = tuple(items)
    return out


# ---------------------------------------------------------------- scenarios
@dataclass(frozen=True)
class MgshopScenarioV1(MgshopScenario):
    """A v1 task: the v0 fields plus the customer's profile and its latent preferences."""

    profile: str = "stater"
    latent: tuple[tuple[int, str], ...] = ()
    """(item index, slot: an attribute or "max_price") preferences the customer states only on
    seeing a product that breaks them (critiquing), never on being asked."""

    def task_key(self) -> tuple:
        """What makes two scenarios the same task (splits are disjoint by it)."""
        return (self.category, self.goal, self.items, self.questions, self.min_rating,
                self.profile, self.latent)

    def describe(self) -> str:
        text = super().describe() + f" | {self.profile}"
        if self.latent:
            text += " | forms on seeing: " + ", ".join(a for _, a in self.latent)
        return text


def _v1_item(rng: random.Random, products: tuple[Product, ...], kind: str, level: str,
             second: bool, v1: MgshopV1Params) -> ItemNeed:
    target = _pick(rng, [p for p in products if p.kind == kind])
    attrs = sorted(target.attributes)
    if level == "low":
        if rng.random() < v1.p_low_prefs:
            a = _pick(rng, attrs)
            return ItemNeed(kind, attributes=((a, target.attributes[a]),))
        return ItemNeed(kind)
    budget = float(int(target.price * (1.05 + 0.25 * rng.random())) // 5 * 5 + 5)
    if level == "medium":
        return ItemNeed(kind, max_price=budget)
    n_attrs = 1 if second else 1 + int(rng.random() * 2)
    chosen: list[str] = []
    for _ in range(n_attrs):
        chosen.append(_pick(rng, [a for a in attrs if a not in chosen]))
    return ItemNeed(kind, max_price=budget, attributes=tuple((a, target.attributes[a]) for a in chosen))


def generate_v1(params: MgshopParams, v1: MgshopV1Params,
                seed: int | None = None) -> dict[str, tuple[MgshopScenarioV1, ...]]:
    """``params.n_scenarios`` distinct tasks (by :meth:`MgshopScenarioV1.task_key`), the k-th
    distinct one in split train (k mod 10 in 0-6), dev (7) or test (8-9): disjoint by task.

    ``seed=None`` is the public set; another ``seed`` draws a *fresh* set from the same
    distribution, ids ``mgshop-v1-s<seed>-<split>-NNNN`` (the leaderboard's verified track).
    """
    fresh = seed is not None
    rng = random.Random(f"v1-fresh:{seed}" if fresh else GENERATOR_SEED + 1)
    prefix = f"mgshop-v1-s{seed}" if fresh else "mgshop-v1"
    catalogue = v1_catalogue()
    names = list(CATEGORIES)
    splits: dict[str, list[MgshopScenarioV1]] = {"train": [], "dev": [], "test": []}
    seen: set[tuple] = set()
    attempts = 0
    while len(seen) < params.n_scenarios:
        attempts += 1
        if attempts > 50 * params.n_scenarios:
            raise RuntimeError(f"generate_v1: cannot draw {params.n_scenarios} distinct tasks")
        category = names[len(seen) % len(names)]
        schema = CATEGORIES[category]
        products = catalogue[category]
        kinds = list(schema.kinds)
        complexity = "complex" if rng.random() < params.p_complex else "simple"
        level = _draw_level(rng, params.constraint_levels)
        goal = "search" if rng.random() < params.p_search else "recommendation"
        first = _pick(rng, kinds)
        items = [_v1_item(rng, products, first, level, False, v1)]
        if complexity == "complex":
            items.append(_v1_item(rng, products, _pick(rng, [k for k in kinds if k != first]),
                                  level, True, v1))
        questions = draw_questions(rng, items, schema, params)
        min_rating = 4.0 if rng.random() < params.p_min_rating else None
        profile = "explorer" if rng.random() < v1.p_explorer else "stater"
        # an explorer states nothing but the need when asked (budget included); a stater keeps
        # each attribute preference latent by chance, never its budget
        latent = tuple((i, slot) for i, it in enumerate(items) for slot in it.slots
                       if profile == "explorer" or (slot != "max_price" and rng.random() < v1.p_latent))
        k = len(seen)
        split = "train" if k % 10 < 7 else "dev" if k % 10 == 7 else "test"
        scenario = MgshopScenarioV1(
            id=f"{prefix}-{split}-{len(splits[split]):04d}", split=split, category=category,
            goal=goal, complexity="complex" if len(items) > 1 else "simple", constraint_level=level,
            items=tuple(items), questions=tuple(questions), min_rating=min_rating,
            profile=profile, latent=latent)
        key = scenario.task_key()
        if key in seen:
            continue
        seen.add(key)
        splits[split].append(scenario)
    return {k: tuple(v) for k, v in splits.items()}


@lru_cache(maxsize=4)
def v1_scenarios(params: MgshopParams, v1: MgshopV1Params,
                 seed: int | None = None) -> dict[str, tuple[MgshopScenarioV1, ...]]:
    """:func:`generate_v1`, cached (the public set unless ``seed`` asks for a fresh one)."""
    return generate_v1(params, v1, seed)


# ---------------------------------------------------------------- customer
class KeyedDraws:
    """Common random numbers: ``u(event, *key)`` is a uniform number in [0, 1) that depends only
    on (stream, episode seed, event, key) — not on how many draws came before — so two agents
    meeting the same scenario and seed meet the same customer wherever their paths agree."""

    def __init__(self, stream: str, seed: int) -> None:
        self.prefix = f"{stream}:{int(seed)}".encode()

    def __call__(self, *event: object) -> float:
        h = hashlib.blake2b(self.prefix + b"|" + repr(event).encode(), digest_size=8).digest()
        return (struct.unpack(">Q", h)[0] >> 11) * (1.0 / 2**53)


class CustomerV1(Customer):
    """The v1 customer: keyed draws, latent preferences (critiquing), profiles, a limit on how
    many products of one response it reads, rejections that rarely say why (MG-ShopDial rate)."""

    lowercase_whole_need = False

    def __init__(self, scenario: MgshopScenarioV1, products: tuple[Product, ...], parser,
                 params: MgshopParams, seed: int, v1: MgshopV1Params) -> None:
        self._draw = KeyedDraws("customer", seed)
        self.v1 = v1
        # v1's own numbers of the behaviours the base customer implements replace v0's (reveal 0.5,
        # taste 0.24): the base customer reads them from its params
        params = replace(params, reveal_on_reject=v1.reveal_on_reject, p_taste_reject=v1.p_taste_reject)
        super().__init__(scenario, products, parser, params, self._draw)  # type: ignore[arg-type]
        # the real MG-ShopDial scenarios (source="mgshopdial") carry no profile or latent slots
        self.latent = set(getattr(scenario, "latent", ()))
        # latent preferences are not "untold" requirements the customer can state when asked
        self.untold = [key for key in self.untold if key not in self.latent]
        self.critiques = 0

    def _u(self, *event: object) -> float:
        return self._draw(*event)

    def opening(self) -> CustomerAct:
        label = self.schema.label
        if getattr(self.scenario, "profile", "stater") == "explorer":
            text = self._pick((f"Hi! I'm looking for {label}, but I'm not sure yet what exactly.",
                               f"Hello, I need {label}. I don't really know what I want, though."),
                              "opening")
            return self._act(text, "greeting", 0, [], [("profile", "explorer")])
        return super().opening()

    def _on_elicit_preferences(self, achieved: list[str]) -> CustomerAct:
        act = super()._on_elicit_preferences(achieved)
        if self.need_told and self.latent and self.prefs_done and act.polarity >= 0 and \
                any(i == self.item for i, _ in self.latent) and "already" not in act.utterance:
            text = act.utterance + " I'd have to see a few options for the rest."
            return CustomerAct(text, act.intent, act.polarity, act.achieved, act.ends, act.disclosed)
        return act

    def _on_products(self, parsed: ParsedResponse, achieved: list[str]) -> CustomerAct:
        shown = [pid for pid in parsed.products if pid in self.products]
        limit = self.v1.max_products_read
        if len(shown) > limit:  # reads the first ones only (docs: an assumption)
            parsed = ParsedResponse(parsed.strategy, parsed.moves, tuple(shown[:limit]), parsed.facts)
            shown = shown[:limit]
        need = self._need()
        if shown and not (self.candidate is not None and self.candidate in shown):
            fitting = [pid for pid in shown if pid not in self.rejected
                       and need.violation(self.products[pid]) is None]
            if not fitting:
                for pid in shown:
                    broken = need.violation(self.products[pid])
                    slot = "max_price" if broken == "price" else broken
                    if (self.item, slot) in self.latent:
                        return self._critique(pid, slot, achieved)
        return super()._on_products(parsed, achieved)

    def _critique(self, pid: str, attr: str, achieved: list[str]) -> CustomerAct:
        """Seeing a product makes a latent preference surface: the customer states it (a
        disclosure, no patience cost) and the product is off its list."""
        self.latent.discard((self.item, attr))
        self.critiques += 1
        self.wants_recommendation = False
        if pid not in self.rejected:
            self.rejected.append(pid)
        text, fact = self._slot_text(self.item, attr)
        name = self.products[pid].name
        opener = self._pick((f"Hmm, now that I see the {name}, I realise something:",
                             f"Seeing the {name} helps. Actually,"), "critique_text", pid)
        return self._act(f"{opener} {decapitalise(text)} Do you have something like that?",
                         "disclose", 0, achieved, [("reject", pid), fact, ("critique", "1")])


class MgshopEpisodeV1(MgshopEpisode):
    """A v1 episode: the v1 customer; the observation adds what v0 lost after turn 1."""

    def __init__(self, scenario: MgshopScenarioV1, products: tuple[Product, ...],
                 params: MgshopParams, seed: int, max_turns: int, v1: MgshopV1Params,
                 surface=None, scale: tuple[int, int] = (2, 2)) -> None:
        super().__init__(scenario, products, params, seed, max_turns, surface, scale)
        self.customer = CustomerV1(scenario, products, self.parser, params, seed, v1)
        self.state = PublicStateV1()
        self.realizer = Realizer(self.state, products, type(self.realizer.rng)(f"realizer:{seed}"))

    def write_features(self, out: np.ndarray, turn: int) -> None:
        super().write_features(out[:N_FEATURES], turn)
        st = self.state
        out[N_FEATURES] = st.profile_explorer
        out[N_FEATURES + 1] = min(st.critiques, 3) / 3
        out[N_FEATURES + 2] = min(len(st.shown), 9) / 9


N_FEATURES_V1 = N_FEATURES + 3
FEATURE_NAMES_V1_EXTRA = ("opening_unsure", "critiques", "products_shown")
