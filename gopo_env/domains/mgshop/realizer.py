"""The built-in CS Agent: template responses that carry out a strategy with the right content.

Content comes from the public dialogue state only (what the customer has said), never from
the customer's hidden constraints: the realizer searches the catalogue with what it knows.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from gopo_env.core.frozen import FrozenMap
from gopo_env.domains.mgshop.catalogue import Product, schema_of, stars
from gopo_env.domains.mgshop.state import KnownNeed, PublicState
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

_FIXED = {
    GREET: ("Hello and welcome to our shop!", "Hi there, welcome to the store!",
            "Good morning and welcome!"),
    ELICIT_NEED: ("What are you looking for today?", "How can I help you today?",
                  "What can I help you find?"),
    OPEN_QUESTION: ("Do you have any questions about it?",
                    "Is there anything you'd like to know about it?",
                    "Any other questions before you decide?"),
    END: ("Thank you for shopping with us, goodbye!", "Thanks for visiting, have a nice day!",
          "Goodbye and have a great day!"),
}
_UNKNOWN = "Sorry, one moment please."
_ANSWER_PHRASES = {
    "format": "comes as {a}", "audience": "is written for {v}", "length": "is {a}",
    "color": "is {v}", "protection": "is {v}", "weight": "is {v}", "material": "is made of {v}",
    "warranty": "comes with a {v}", "compatibility": "works with {v}", "brand": "is made by {v}",
}


def _a(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def _rated(p: Product) -> str:
    return f"rated {p.rating:.1f}/5" if p.rating is not None else "not rated yet"


def _brief(p: Product) -> str:
    return f"the {p.name} (${p.price:.2f}, {_rated(p)})"


class Realizer:
    """Writes responses for one episode; phrasing variants follow the episode's seed."""

    def __init__(self, state: PublicState, products: tuple[Product, ...], rng: random.Random):
        self.state = state
        self.products = products
        self.by_id = FrozenMap({p.id: p for p in products})  # shared by env deep copies
        self.rng = rng
        self.schema = schema_of(products) if products else None

    def _variant(self, options: tuple[str, ...]) -> str:
        return options[int(self.rng.random() * len(options))]

    def matches(self, limit: int) -> list[Product]:
        """Best catalogue matches for what the customer has said, best first."""
        st = self.state
        known = st.known[st.item] if st.item < len(st.known) else None
        kind = st.kinds[st.item] if st.item < len(st.kinds) else None
        pool = [p for p in self.products if p.id not in st.rejected]
        if kind is not None:
            pool = [p for p in pool if p.kind == kind]
        if known is not None:
            if known.max_price is not None:
                pool = [p for p in pool if p.price <= known.max_price + 1e-9]
            pool = [p for p in pool
                    if all(p.attributes.get(a) == v for a, v in known.attributes.items())]
        floor = st.min_rating or 0.0
        pool.sort(key=lambda p: (stars(p) < floor, -stars(p), p.price, p.id))
        return pool[:limit]

    def focus(self) -> Product | None:
        """The item under discussion: the chosen one, else the last one shown."""
        st = self.state
        pid = st.candidate or (st.shown[-1] if st.shown else None)
        return self.by_id.get(pid) if pid else None

    def realize(self, strategy: int | None) -> str:
        st = self.state
        if strategy in _FIXED:
            return self._variant(_FIXED[strategy])
        kind = st.kinds[st.item] if st.item < len(st.kinds) else None
        if strategy == ELICIT_PREFERENCES:
            if kind:
                return f"Do you have a budget or any particular requirements for the {kind}?"
            return "Do you have a budget or any particular requirements in mind?"
        if strategy == CLARIFY:
            what = _a(kind) if kind else "something"
            known = st.known[st.item] if st.item < len(st.known) else None
            extra = ""
            if known is not None:
                bits = list(known.attributes.values())
                if known.max_price is not None:
                    bits.append(f"under ${known.max_price:.0f}")
                extra = (" " + ", ".join(bits)) if bits else ""
            return f"Just to confirm, you're looking for {what}{extra}?"
        if strategy == SEARCH:
            found = self.matches(3)
            if not found:
                return "I searched our catalogue but found no matching products, I'm afraid."
            return "I searched our catalogue and found " + "; ".join(_brief(p) for p in found) + "."
        if strategy == RECOMMEND:
            found = self.matches(1)
            if not found:
                return "I'm afraid I have nothing to recommend that matches."
            return self._recommend(found[0])
        if strategy == EXPLAIN:
            p = self.focus()
            if p is None:
                return "Let me tell you more once we have picked a product."
            values = ", ".join(p.attributes.values())
            if not values:
                return f"Here are the details: the {p.name} is {_rated(p)}."
            return f"Here are the details: the {p.name} is {values}, and {_rated(p)}."
        if strategy == ANSWER:
            return self._answer(self.focus(), st.pending_question)
        if strategy == CLOSE:
            p = self.focus()
            if p is None:
                return "Would you like to buy something today?"
            return f"Shall I add the {p.name} to your basket?"
        return _UNKNOWN

    def render_act(self, strategy: int | None, item: str | None = None,
                   attribute: str | None = None) -> str:
        """A response for ``strategy`` whose content the caller chose (a monolithic agent's act).

        ``item`` names the product to recommend, ``attribute`` the one to answer about (of the
        item under discussion); any other strategy, or no content, renders as :meth:`realize`.
        """
        if strategy == RECOMMEND and item is not None:
            if item not in self.by_id:
                raise ValueError(f"render_act: {item!r} is not a product of this catalogue")
            return self._recommend(self.by_id[item])
        if strategy == ANSWER and attribute is not None:
            p = self.focus()
            if p is not None and attribute != "rating" and attribute not in p.attributes:
                raise ValueError(f"render_act: the {p.name} has no attribute {attribute!r}; "
                                 f"choose one of {sorted(p.attributes)} or 'rating'")
            return self._answer(p, attribute)
        return self.realize(strategy)

    def _recommend(self, p: Product) -> str:
        rated = f"is {_rated(p)}" if p.rating is not None else "is not rated yet"
        return f"I would recommend the {p.name}: it costs ${p.price:.2f} and {rated}."

    def _answer(self, p: Product | None, attr: str | None) -> str:
        if p is None or attr is None:
            return "To answer your question: I'm not sure, sorry."
        if attr == "rating":
            return f"To answer your question: the {p.name} is {_rated(p)}."
        if attr not in p.attributes:
            return f"To answer your question: I don't have that information for the {p.name}, sorry."
        template = (self.schema.answers.get(attr) if self.schema else None) or _ANSWER_PHRASES[attr]
        phrase = template.format(v=p.attributes[attr], a=_a(p.attributes[attr]))
        return f"To answer your question: the {p.name} {phrase}."


def public_realizer(state: Mapping[str, Any], products: tuple[Product, ...],
                    rng: random.Random) -> Realizer:
    """A realizer over a public-state snapshot (``info["state"]``), for agents that write text.

    Everything it reads is public, so an agent outside the environment can render the same
    acts as the built-in CS Agent.
    """
    public = PublicState(
        greeted=state["greeted"], kinds=list(state["kinds"]),
        known=[KnownNeed(k["max_price"], dict(k["attributes"])) for k in state["known"]],
        min_rating=state["min_rating"], prefs_done=state["prefs_done"], item=state["item"],
        candidate=state["candidate"], shown=list(state["shown"]), rejected=list(state["rejected"]),
        pending_question=state["pending_question"], questions_done=state["questions_done"],
        bought=list(state["bought"]), task_done=state["task_done"],
    )
    return Realizer(public, products, rng)
