"""The toy's public language: strategies, menu, SOP, response parser and template writer.

Everything here is public: the menu hangs on the wall, the parser and the writer read only the
text and the public state (``ToyState.as_dict()``). The hidden customer lives in
:mod:`gopo_env.domains.toy.customer`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from typing import Any

from gopo_env.core.domain import ParsedResponse

STRATEGIES: tuple[str, ...] = ("greet", "ask", "offer", "bye")
"""Strategy ids 0..3: open the conversation, ask what the customer wants, offer one menu item
(with its price), say goodbye."""
GREET, ASK, OFFER, BYE = range(len(STRATEGIES))

MENU: dict[str, float] = {
    "tea": 2.50, "coffee": 3.00, "juice": 3.50, "water": 1.00, "cocoa": 3.20, "soda": 2.00,
}
"""Item -> price in dollars (public: every customer can read the menu)."""
ITEMS: tuple[str, ...] = tuple(MENU)

# Strategy markers; a response's main strategy is the one whose marker occurs last (the move the
# turn ends on: "Hi! What can I get you?" asks).
_MARKERS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (GREET, re.compile(r"\b(hello|hi|hey|welcome|good (?:morning|afternoon|evening))\b", re.I)),
    (ASK, re.compile(r"\bwhat (?:would|can|may|do|shall) (?:you|i)\b", re.I)),
    (OFFER, re.compile(r"\b(how about|may i offer|i (?:recommend|suggest)|here is)\b", re.I)),
    (BYE, re.compile(r"\b(goodbye|bye|have a (?:nice|good|great) day)\b", re.I)),
)
_ITEM = re.compile(r"\b(" + "|".join(ITEMS) + r")\b", re.I)
# "tea for 2.50 dollars", "a tea at $2.50": one price claim about the item just named
_PRICE = re.compile(r"\b(" + "|".join(ITEMS) + r")\b\s+(?:for|at|costs?|is)\s+\$?(\d+(?:\.\d+)?)", re.I)


def parse(text: str) -> ParsedResponse:
    """Strategy, menu items and price claims of any response text (pure function of ``text``)."""
    last: dict[int, int] = {}
    for strategy, pattern in _MARKERS:
        for m in pattern.finditer(text):
            last[strategy] = m.start()
    moves = tuple(sorted(last))
    main = max(last, key=last.__getitem__) if last else None
    products: list[str] = []
    for m in _ITEM.finditer(text):
        item = m.group(1).lower()
        if item not in products:
            products.append(item)
    facts = tuple((m.group(1).lower(), "price", f"{float(m.group(2)):.2f}") for m in _PRICE.finditer(text))
    return ParsedResponse(main, moves, tuple(products), facts)


def is_faithful(parsed: ParsedResponse) -> bool:
    """Every price the text states is the menu price (to the cent)."""
    return all(attr == "price" and f"{MENU[item]:.2f}" == value for item, attr, value in parsed.facts)


def sop_allows(state: Mapping[str, Any], turn: int) -> tuple[bool, ...]:
    """The SOP mask over :data:`STRATEGIES` in the public ``state`` before assistant turn ``turn + 1``.

    Forbids only what cannot make sense (greeting mid-dialogue, asking or offering once the
    customer is served); ``bye`` is always allowed, so the mask is never empty.
    """
    open_ = state["served"] is None
    return (not state["greeted"] and turn == 0, open_, open_, True)


def sop_next(state: Mapping[str, Any], turn: int) -> int:
    """The strategy the SOP prescribes: greet, ask until the want is known, offer it, say bye."""
    if not state["greeted"] and turn == 0:
        return GREET
    if state["served"] is None and state["want"] is None:
        return ASK
    if state["served"] is None:
        return OFFER
    return BYE


def offer_item(state: Mapping[str, Any]) -> str:
    """The item to offer: the stated want, else the first menu item not yet rejected."""
    if state["want"] is not None:
        return state["want"]
    rejected = set(state["rejected"])
    return next((i for i in ITEMS if i not in rejected), ITEMS[0])


_TEMPLATES: dict[int | None, tuple[str, ...]] = {
    GREET: ("Hello, welcome to the café!", "Hi there, welcome in.", "Good morning and welcome!"),
    ASK: ("What would you like to drink?", "What can I get you today?"),
    OFFER: ("How about a {item} for {price:.2f} dollars?", "May I offer you a {item} at {price:.2f} dollars?",
            "I recommend the {item} at {price:.2f} dollars."),
    BYE: ("Goodbye, have a nice day!", "Thank you, bye!"),
    None: ("Sorry, one moment please.",),
}


def write(strategy: int | None, state: Mapping[str, Any], rng: random.Random) -> str:
    """The template writer: a response carrying out ``strategy`` in the public ``state``.

    ``rng`` picks the wording (one draw per call); an offer names :func:`offer_item` with its
    true menu price.
    """
    options = _TEMPLATES[strategy if strategy in _TEMPLATES else None]
    template = options[int(rng.random() * len(options))]
    if strategy == OFFER:
        item = offer_item(state)
        return template.format(item=item, price=MENU[item])
    return template


def context(state: Mapping[str, Any]) -> dict[str, Any]:
    """What a response writer needs besides the transcript: the menu and what is known so far."""
    return {"menu": [{"item": i, "price": p} for i, p in MENU.items()], "want": state["want"],
            "rejected": list(state["rejected"]), "served": state["served"]}
