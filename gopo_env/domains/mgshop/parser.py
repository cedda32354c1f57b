"""Recover strategy, items and stated facts from any response text (rule-based, fast).

It reads text written by anybody (the realizer, an LLM, a person): strategies are found by
marker phrases, items by their catalogue names, facts by prices, ratings and the category's
attribute vocabulary, each fact attached to the item named last before it.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from gopo_env.core.domain import ParsedResponse
from gopo_env.domains.mgshop.catalogue import Product, schema_of
from gopo_env.domains.mgshop.strategies import (
    ANSWER,
    CLARIFY,
    CLOSE,
    ELICIT_NEED,
    ELICIT_PREFERENCES,
    END,
    EXPLAIN,
    GREET,
    OPEN_QUESTION,
    RECOMMEND,
    SEARCH,
)

# Markers in priority order: when several occur, the first listed is the main strategy.
_MARKERS: tuple[tuple[int, str], ...] = (
    (CLOSE, r"add(?:ed)? (?:it|them|this|that|the [^.?!]{1,80}?) to (?:your|the) (?:basket|cart)"
            r"|(?:would|do) you (?:like|want) to (?:buy|purchase|order)"
            r"|shall i (?:add|order|put)|ready to (?:buy|order|check ?out)|place (?:the|an) order"),
    (SEARCH, r"i (?:searched|looked (?:through|in))|i found (?:these|the following|some|a few|\d+)"
             r"|(?:here are|these are) (?:some|a few|the) (?:options|results|matches|products|items)"
             r"|search results|matching (?:items|products|options)"),
    (RECOMMEND, r"i(?: would|'d)? (?:recommend|suggest)|you (?:might|may|could|would) (?:like|enjoy|love)"
                r"|how about|have a look at|my (?:recommendation|pick|suggestion)"),
    (ANSWER, r"to answer your question|as for your question|regarding your question"
             r"|the answer is|in answer to"),
    (EXPLAIN, r"here are (?:the|some) details|let me (?:tell you|explain)|more details|a few details"
              r"|it (?:features|comes with|offers)"),
    (CLARIFY, r"just to confirm|to (?:clarify|confirm)|if i understand (?:you )?correctly"
              r"|do you mean|so you(?:'re| are) looking for"),
    (ELICIT_PREFERENCES, r"budget|price range|any (?:preferences|requirements|particular|specific)"
                         r"|how much (?:would|do|are|can) you"),
    (ELICIT_NEED, r"what (?:are you|kind of [a-z ]{1,20} are you) looking for|what can i (?:help|do)"
                  r"|how (?:can|may) i help|what (?:do|would) you (?:need|like to (?:buy|find))"
                  r"|what brings you"),
    (OPEN_QUESTION, r"any (?:other |more |further )?questions|anything (?:else )?you(?:'d| would) like"
                    r" to know|(?:do|would) you (?:want|like) to know"),
    (END, r"goodbye|good bye|\bbye\b|have a (?:nice|great|good|lovely) day"
          r"|thank(?:s| you) for (?:shopping|visiting|coming|your visit)"),
    (GREET, r"^\W*(?:hello|hi|hey|good (?:morning|afternoon|evening)|welcome)\b|welcome to"),
)
_MARKER_RES = tuple((s, re.compile(p, re.IGNORECASE)) for s, p in _MARKERS)
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
_PRICE = re.compile(r"\$\s?(\d{1,6}(?:[.,]\d{1,2})?)")
_RATING = re.compile(r"(\d(?:\.\d)?)\s*(?:/\s*5|out of (?:5|five)|stars?)", re.IGNORECASE)


class CategoryParser:
    """The parser for one category's catalogue (compiled once, reused by every episode)."""

    def __init__(self, category: str, products: tuple[Product, ...]) -> None:
        self.products = {p.id: p for p in products}
        names: dict[str, str] = {p.name.lower(): p.id for p in products}
        # book titles without "by <author>" are names too, where unambiguous
        titles: dict[str, list[str]] = {}
        for p in products:
            if " by " in p.name:
                titles.setdefault(p.name.split(" by ")[0].lower(), []).append(p.id)
        for title, ids in titles.items():
            if len(ids) == 1 and title not in names:
                names[title] = ids[0]
        self._names = names
        # (?<!\w)...(?!\w) rather than \b: real names may end in "." or ")"
        self._name_re = re.compile(
            r"(?<!\w)(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")(?!\w)",
            re.IGNORECASE,
        )
        schema = schema_of(products, category)
        vocab: dict[str, str] = {}
        for attr, values in schema.attributes.items():
            for v in values:
                vocab[v.lower()] = attr
        self._vocab = vocab
        self._canon = {v.lower(): v for values in schema.attributes.values()
                       for v in values}
        self._value_re = re.compile(
            r"(?<![\w-])(" + "|".join(re.escape(v) for v in sorted(vocab, key=len, reverse=True))
            + r")(?![\w-])",
            re.IGNORECASE,
        )

        # parsing is a pure function of (text, context) and templates repeat: cache it
        self.parse = lru_cache(maxsize=8192)(self._parse)  # type: ignore[method-assign]

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("parse", None)  # the per-instance memo: rebuilt on unpickling
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.parse = lru_cache(maxsize=8192)(self._parse)  # type: ignore[method-assign]

    def __deepcopy__(self, memo: dict) -> CategoryParser:
        return self  # a pure function of its catalogue: environment copies share it

    def parse(self, text: str, context: str | None = None) -> ParsedResponse:
        """Parse ``text``; facts stated before any item is named attach to ``context``."""
        return self._parse(text, context)

    def _parse(self, text: str, context: str | None = None) -> ParsedResponse:
        text = text.translate(_QUOTES)  # typographic apostrophes: "I’d recommend"
        moves = [s for s, rx in _MARKER_RES if rx.search(text)]
        strategy = moves[0] if moves else None

        mentions: list[tuple[int, int, str]] = []
        products: list[str] = []
        for m in self._name_re.finditer(text):
            pid = self._names[m.group(1).lower()]
            mentions.append((m.start(), m.end(), pid))
            if pid not in products:
                products.append(pid)
        if mentions:
            chars = list(text)
            for a, b, _ in mentions:
                chars[a:b] = " " * (b - a)
            rest = "".join(chars)
        else:
            rest = text

        facts: list[tuple[str, str, str]] = []

        def owner(pos: int) -> str | None:
            last = context
            for a, _, pid in mentions:
                if a > pos:
                    break
                last = pid
            return last

        for m in _PRICE.finditer(rest):
            pid = owner(m.start())
            if pid is not None:
                facts.append((pid, "price", m.group(1).replace(",", ".")))
        for m in _RATING.finditer(rest):
            pid = owner(m.start())
            if pid is not None:
                facts.append((pid, "rating", m.group(1)))
        for m in self._value_re.finditer(rest):
            pid = owner(m.start())
            if pid is not None:
                value = self._canon[m.group(1).lower()]
                facts.append((pid, self._vocab[value.lower()], value))
        return ParsedResponse(strategy, tuple(moves), tuple(products), tuple(facts))

    def is_true(self, fact: tuple[str, str, str]) -> bool:
        """Whether a stated fact matches the catalogue."""
        pid, attr, value = fact
        product = self.products[pid]
        if attr == "price":
            return abs(float(value) - product.price) < 0.005
        if attr == "rating":
            return product.rating is not None and abs(float(value) - product.rating) < 0.05
        return product.attributes.get(attr) == value


@cache
def category_parser(category: str, products: tuple[Product, ...]) -> CategoryParser:
    return CategoryParser(category, products)
