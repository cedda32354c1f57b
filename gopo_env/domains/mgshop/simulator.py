"""The persona-driven Mgshop customer (docs/environment.md).

The customer holds the scenario's hidden constraints and questions, a persona drawn from
:class:`MgshopParams`, and patience. It reads each response only through the parser, so what
counts is what was said: a product must really satisfy the hidden constraints to be accepted
and bought, and no wording ("purchase confirmed") can stand in for that. Eliciting before
recommending pays; ignoring a question, repeating a move, recommending blindly or closing
early draws negative feedback and costs patience; at zero patience the customer leaves.
Behaviours fitted to MG-ShopDial (answering, asking for a recommendation or a clarification,
neutral acknowledgements, taste rejections, small talk) are ``p_*`` knobs of the parameters,
off by default.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from gopo_env.core.domain import CustomerAct, ParsedResponse
from gopo_env.core.frozen import FrozenMap
from gopo_env.domains.mgshop.catalogue import Product, schema_of, stars
from gopo_env.domains.mgshop.params import MgshopParams
from gopo_env.domains.mgshop.parser import CategoryParser
from gopo_env.domains.mgshop.scenarios import ItemNeed, MgshopScenario
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

_ATTR_PHRASES = {
    "format": "I'd like it as {a}.", "audience": "It's meant for {v}.",
    "length": "Ideally a {v}.", "color": "I'd like it in {v}.", "protection": "It has to be {v}.",
    "weight": "It should be {v}.", "material": "Preferably {v}.", "warranty": "It should come with a {v}.",
    "compatibility": "It has to work with {v}.", "brand": "I'd like a {v} one.",
}


def _a(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


@dataclass(frozen=True)
class Persona:
    patience: float
    decisiveness: float
    curiosity: float
    price_sensitivity: float

    @classmethod
    def draw(cls, rng: random.Random | Callable[..., float], p: MgshopParams, goal: str) -> Persona:
        """``rng``: one stream (v0), or a keyed draw ``u(event, *key) -> [0, 1)`` (v1)."""
        draw = rng if callable(rng) and not isinstance(rng, random.Random) else (
            lambda *_key: rng.random())

        def u(name: str, lo_hi: tuple[float, float]) -> float:
            lo, hi = lo_hi
            return lo + (hi - lo) * draw("persona", name)

        decisive = u("decisiveness", p.decisiveness) + (
            p.search_decisiveness_bonus if goal == "search" else 0.0)
        # v0 stream order: decisiveness, patience, curiosity, price sensitivity
        patience = u("patience", p.patience)
        return cls(patience, min(decisive, 1.0), u("curiosity", p.curiosity),
                   u("price_sensitivity", p.price_sensitivity))


def decapitalise(text: str) -> str:
    """``text`` to follow a comma: its first letter lower-cased, unless it is the pronoun "I"."""
    return text if text.startswith(("I ", "I'")) else text[:1].lower() + text[1:]


class Customer:
    """Hidden state and behaviour of one simulated customer."""

    lowercase_whole_need = True
    """v0 lower-cases the whole need sentence after "First of all," ("i'm looking for ...");
    kept so that v0 transcripts stay byte-identical. v1 lower-cases the first letter only."""

    def __init__(self, scenario: MgshopScenario, products: tuple[Product, ...],
                 parser: CategoryParser, params: MgshopParams, rng: random.Random) -> None:
        self.scenario = scenario
        self.products = FrozenMap({p.id: p for p in products})  # shared by env deep copies
        self.schema = schema_of(products, scenario.category)
        self.parser = parser
        self.params = params
        self.rng = rng
        self.persona = Persona.draw(rng, params, scenario.goal)
        self.patience = self.persona.patience
        names, gains = scenario.agenda()
        self.agenda_names, self.agenda_gains = names, gains
        self.achieved: dict[str, int] = {}
        self.turn = 0
        self.greeted = False
        self.need_told = False
        # hidden requirements not yet disclosed: (item index, slot)
        self.untold: list[tuple[int, str]] = [
            (i, slot) for i, item in enumerate(scenario.items) for slot in item.slots
        ]
        self.rating_told = scenario.min_rating is None
        self.prefs_done = False
        self.item = 0
        self.candidate: str | None = None
        self.rejected: list[str] = []
        self.bought: list[str] = []
        self.asked = [False] * len(scenario.questions)
        self.answered = [False] * len(scenario.questions)
        self.pending: int | None = None
        self.no_more_questions = False
        self.task_done = False
        self.clarified = 0
        self.explained = 0
        self.idle_questions = 0
        self.detail: str | None = None  # a pending request to clarify this attribute
        self.detail_eager = False
        self.details_asked: set[tuple[int, str]] = set()
        self.wants_recommendation = False
        self.taste_drawn: set[int] = set()  # items whose one taste draw is spent

    # ------------------------------------------------------------------ helpers
    def _u(self, *event: object) -> float:
        """One uniform draw in [0, 1) for ``event`` (a name and its keys). v0: the next number
        of the episode's one stream (the key is ignored); :class:`~.simulator_v1.CustomerV1`
        keys it by (episode seed, event), for common random numbers."""
        return self.rng.random()

    def _pick(self, options: tuple[str, ...], *event: object) -> str:
        return options[int(self._u("pick", *event) * len(options))]

    def _chance(self, p: float, *event: object) -> bool:
        """True with probability ``p``; draws nothing at 0 or 1, so knobs at their defaults
        leave every later draw, hence every default transcript, unchanged."""
        if p <= 0.0:
            return False
        return p >= 1.0 or self._u(*event) < p

    def _reply_intent(self) -> str:
        """Requirements stated because the assistant asked: an answer or a disclosure."""
        return "answer" if self._chance(self.params.p_answer_label, "label", self.turn) else "disclose"

    def _satisfied(self, praise: tuple[str, ...], neutral: str) -> tuple[str, int]:
        """What a satisfied customer says, and its polarity: praise (+1) or a neutral okay (0)."""
        if self._chance(self.params.p_thanks, "thanks", self.turn):
            return self._pick(praise, "praise", self.turn), 1
        return neutral, 0

    def _achieve(self, name: str, out: list[str]) -> None:
        if name in self.agenda_names and name not in self.achieved:
            self.achieved[name] = self.turn
            out.append(name)

    def _need(self) -> ItemNeed:
        return self.scenario.items[self.item]

    def _open_questions(self) -> list[int]:
        return [j for j, q in enumerate(self.scenario.questions)
                if q.item == self.item and not self.asked[j]]

    def _slot_text(self, item: int, slot: str) -> tuple[str, tuple[str, str]]:
        need = self.scenario.items[item]
        prefix = f"For the {need.kind}, " if len(self.scenario.items) > 1 else ""
        if slot == "max_price":
            text = f"my budget is ${need.max_price:.0f}." if prefix else \
                f"My budget is ${need.max_price:.0f}."
            return prefix + text, (f"max_price:{item}", f"{need.max_price:.2f}")
        value = dict(need.attributes)[slot]
        phrase = self.schema.disclose.get(slot) or _ATTR_PHRASES[slot]
        text = phrase.format(v=value, a=_a(value))
        if prefix and not text.startswith(("I ", "I'")):
            text = text[0].lower() + text[1:]
        return prefix + text, (f"attr:{item}:{slot}", value)

    def _question_text(self, j: int) -> str:
        attr = self.scenario.questions[j].attribute
        return self.schema.questions[attr]

    def _detail_options(self) -> tuple[str, ...]:
        """Attributes of the chosen item the customer may ask to clarify ("is it waterproof,
        as I asked?" too): not one of its agenda questions, not asked before, known for the item."""
        product = self.products[self.candidate] if self.candidate is not None else None
        if product is None:
            return ()
        taken = {q.attribute for q in self.scenario.questions if q.item == self.item}
        return tuple(a for a in self.schema.questions
                     if a not in taken and (self.item, a) not in self.details_asked
                     and (product.rating is not None if a == "rating" else a in product.attributes))

    def _clarify_now(self) -> tuple[str, ...]:
        """What the customer may ask to clarify if it does so now (drawn), else ()."""
        if self.params.p_clarify <= 0.0:
            return ()
        options = self._detail_options()
        return options if options and self._chance(
            self.params.p_clarify, "clarify", self.item, len(self.details_asked)) else ()

    def _ask_detail(self, prefix: str, polarity: int, achieved: list[str],
                    disclosed: list[tuple[str, str]], options: tuple[str, ...],
                    eager: bool) -> CustomerAct:
        attr = self._pick(options, "clarify_attr", self.item, len(self.details_asked))
        self.detail = attr
        self.detail_eager = eager  # whether its own next question follows at once, once served
        self.details_asked.add((self.item, attr))
        disclosed.append(("question", attr))
        q = self.schema.questions[attr]
        return self._act(f"{prefix} Could you clarify one thing: {q[0].lower()}{q[1:]}", "clarify",
                         polarity, achieved, disclosed)

    def _act(self, text: str, intent: str, polarity: int, achieved: list[str],
             disclosed: list[tuple[str, str]] | None = None, ends: bool = False) -> CustomerAct:
        return CustomerAct(text, intent, polarity, tuple(achieved), ends, tuple(disclosed or ()))

    def _negative(self, text: str, achieved: list[str], cost: float,
                  disclosed: list[tuple[str, str]] | None = None) -> CustomerAct:
        self.patience -= cost
        return self._act(text, "nf", -1, achieved, disclosed)

    # ------------------------------------------------------------------ dialogue
    def opening(self) -> CustomerAct:
        label = self.schema.label
        text = self._pick((f"Hi! I'm looking for {label}.", f"Hello, I need {label}.",
                           f"Hi, I'd like to buy {label}."), "opening")
        return self._act(text, "greeting", 0, [])

    def react(self, parsed: ParsedResponse, turn: int) -> CustomerAct:
        """Read one response and reply; the act carries what the customer disclosed."""
        self.turn = turn
        achieved: list[str] = []
        was_greeted = self.greeted
        if GREET in parsed.moves and not self.greeted:
            self.greeted = True
            self._achieve("greetings", achieved)
        act = self._respond(parsed, achieved, was_greeted)
        if self.patience <= 0 and not act.ends:
            text = act.utterance + " Actually, I'll look elsewhere. Goodbye."
            return CustomerAct(text, "leave", -1, act.achieved, True, act.disclosed)
        return act

    def _respond(self, parsed: ParsedResponse, achieved: list[str], was_greeted: bool) -> CustomerAct:
        s = parsed.strategy
        if self.task_done:
            if s == END:
                self._achieve("end", achieved)
                return self._act("Thank you, goodbye!", "goodbye", 1, achieved, ends=True)
            return self._act("That's all I needed, thanks. Bye!", "goodbye", 0, achieved, ends=True)
        if s is None:
            return self._negative("Sorry, I'm not sure what you mean.", achieved,
                                  self.params.negative_cost)
        if s == END:
            return self._act("Oh. Okay then, goodbye.", "leave", -1, achieved, ends=True)
        if self.pending is not None and s not in (ANSWER, EXPLAIN):
            return self._negative(f"You didn't answer my question. {self._question_text(self.pending)}",
                                  achieved, self.params.negative_cost)
        if self.detail is not None and s not in (ANSWER, EXPLAIN):
            return self._negative(f"You didn't answer my question. {self.schema.questions[self.detail]}",
                                  achieved, self.params.negative_cost)
        if self.wants_recommendation and s not in (SEARCH, RECOMMEND):
            return self._negative("You didn't answer my question. What would you recommend?",
                                  achieved, self.params.negative_cost)
        if s == GREET:
            if was_greeted:
                return self._negative("We've already said hello.", achieved, self.params.repeat_cost)
            if self._chance(self.params.p_chitchat, "chitchat"):
                return self._act(self._pick(("Hi! Could you help me with a purchase?",
                                             "Hello! I hope you're having a good day."),
                                            "chitchat_text"),
                                 "interaction", 0, achieved)
            return self._act("Hello!", "greeting", 0, achieved)
        if s == ELICIT_NEED:
            return self._on_elicit_need(achieved)
        if s == ELICIT_PREFERENCES:
            return self._on_elicit_preferences(achieved)
        if s == CLARIFY:
            return self._on_clarify(achieved)
        if s in (SEARCH, RECOMMEND):
            return self._on_products(parsed, achieved)
        if s in (EXPLAIN, ANSWER):
            return self._on_information(parsed, achieved, s)
        if s == OPEN_QUESTION:
            return self._on_open_question(achieved)
        if s == CLOSE:
            return self._on_close(parsed, achieved)
        raise AssertionError(f"unhandled strategy {s}")

    def _tell_need(self, achieved: list[str], disclosed: list[tuple[str, str]]) -> str:
        self.need_told = True
        self._achieve("need", achieved)
        kinds = [item.kind for item in self.scenario.items]
        disclosed += [(f"kind:{i}", k) for i, k in enumerate(kinds)]
        what = " and ".join(_a(k) for k in kinds)
        return self._pick((f"I'm looking for {what}.", f"I need {what}.", f"I'd like {what}."),
                          "need_text")

    def _on_elicit_need(self, achieved: list[str]) -> CustomerAct:
        if self.need_told:
            kinds = " and ".join(_a(i.kind) for i in self.scenario.items)
            return self._negative(f"I already told you, I need {kinds}.", achieved,
                                  self.params.repeat_cost)
        disclosed: list[tuple[str, str]] = []
        text = self._tell_need(achieved, disclosed)
        if self.untold and self._u("need_volunteer") < self.persona.decisiveness / 2:
            more, slot = self._slot_text(*self.untold.pop(0))
            text += " " + more
            disclosed.append(slot)
        return self._act(text, self._reply_intent(), 0, achieved, disclosed)

    def _finish_prefs(self, achieved: list[str], disclosed: list[tuple[str, str]]) -> None:
        if not self.untold and self.rating_told and not self.prefs_done:
            self.prefs_done = True
            disclosed.append(("prefs_done", "1"))
            self._achieve("preferences", achieved)

    def _on_elicit_preferences(self, achieved: list[str]) -> CustomerAct:
        disclosed: list[tuple[str, str]] = []
        if not self.need_told:
            need = self._tell_need(achieved, disclosed)
            text = "First of all, " + (need.lower() if self.lowercase_whole_need else decapitalise(need))
            return self._act(text, "disclose", 0, achieved, disclosed)
        if self.prefs_done:
            return self._negative("I've already told you everything I need.", achieved,
                                  self.params.repeat_cost)
        if not self.untold and self.rating_told:
            self._finish_prefs(achieved, disclosed)
            return self._told_all("No particular requirements.", achieved, disclosed)
        count = len(self.untold) if self._u("prefs_all", self.item, len(self.untold)) < \
            self.persona.decisiveness else 2
        parts = []
        for _ in range(min(count, len(self.untold))):
            text, slot = self._slot_text(*self.untold.pop(0))
            parts.append(text)
            disclosed.append(slot)
        if not self.rating_told and (not self.untold or len(parts) < count):
            self.rating_told = True
            parts.append(("And I" if parts else "I") + "'d like something well rated, at least 4 stars.")
            disclosed.append(("min_rating", f"{self.scenario.min_rating:.1f}"))
        self._finish_prefs(achieved, disclosed)
        if self.prefs_done:
            parts.append("That's all.")
            return self._told_all(" ".join(parts), achieved, disclosed)
        return self._act(" ".join(parts), self._reply_intent(), 0, achieved, disclosed)

    def _told_all(self, text: str, achieved: list[str], disclosed: list[tuple[str, str]]) -> CustomerAct:
        """The reply that completes the requirements, maybe asking for a recommendation."""
        if self._chance(self.params.p_ask_recommendation, "ask_recommendation", self.item):
            self.wants_recommendation = True
            return self._act(f"{text} What would you recommend?", "o_question", 0, achieved, disclosed)
        return self._act(text, self._reply_intent(), 0, achieved, disclosed)

    def _on_clarify(self, achieved: list[str]) -> CustomerAct:
        self.clarified += 1
        disclosed: list[tuple[str, str]] = []
        if not self.need_told:
            text = "Not quite. " + self._tell_need(achieved, disclosed)
            return self._act(text, "disclose", 0, achieved, disclosed)
        if self.clarified > 1 and not self.untold:
            return self._negative("Yes, as I said.", achieved, self.params.repeat_cost)
        if self.untold:
            more, slot = self._slot_text(*self.untold.pop(0))
            disclosed.append(slot)
            self._finish_prefs(achieved, disclosed)
            return self._act(f"Yes. Also, {more[0].lower()}{more[1:]}", "disclose", 0, achieved,
                             disclosed)
        return self._act("Yes, exactly.", "confirm", 1, achieved, disclosed)

    def _on_products(self, parsed: ParsedResponse, achieved: list[str]) -> CustomerAct:
        shown = [pid for pid in parsed.products if pid in self.products]
        if not shown:
            return self._negative("Which product do you mean?", achieved, self.params.negative_cost)
        self.wants_recommendation = False  # products were shown: the request is served
        need = self._need()
        if self.candidate is not None and self.candidate in shown:
            self.patience -= self.params.mild_cost
            return self._act("Yes, I already like that one.", "interaction", 0, achieved)
        # (a product rejected on taste stays rejected)
        fitting = [pid for pid in shown
                   if pid not in self.rejected and need.violation(self.products[pid]) is None]
        if not fitting:
            if len(shown) == 1 and shown[0] in self.rejected:
                return self._negative("You already suggested that one, and it doesn't work for me.",
                                      achieved, self.params.repeat_cost)
            disclosed = [("reject", pid) for pid in shown]
            for pid in shown:
                if pid not in self.rejected:
                    self.rejected.append(pid)
            text = self._reject_reason(self.products[shown[0]], achieved, disclosed)
            return self._negative(text, achieved, self.params.negative_cost, disclosed)
        floor = self.scenario.min_rating or 0.0
        fitting.sort(key=lambda pid: (stars(self.products[pid]) < floor, -stars(self.products[pid])))
        pid = fitting[0]
        product = self.products[pid]
        if self._dislikes(pid):
            self.rejected.append(pid)
            return self._act(f"Hmm, the {product.name} has what I asked for, but I don't really like "
                             "it. Do you have anything else?", "nf", -1, achieved, [("reject", pid)])
        self.candidate = pid
        self._achieve(f"recommend:{self.item}", achieved)
        disclosed = [("accept", pid)]
        lukewarm = stars(product) < floor or (
            need.max_price is not None and product.price > 0.8 * need.max_price
            and self._u("lukewarm", pid) < self.persona.price_sensitivity
        )
        ref = f"the {product.name}" if len(shown) > 1 else "it"
        if lukewarm:
            base, polarity = f"Okay, I could take {ref}.", 0
        else:
            base, polarity = self._satisfied(
                (f"That sounds great, I like {ref}.", f"Oh nice, {ref} looks good.",
                 f"Perfect, {ref} is what I want."), f"Okay, {ref} works for me.")
        return self._follow_up(base, polarity, achieved, disclosed, eager=False, joined=False)

    def _follow_up(self, text: str, polarity: int, achieved: list[str],
                   disclosed: list[tuple[str, str]], *, eager: bool, joined: bool) -> CustomerAct:
        """What follows a served need (an accepted item, an answered question or clarification):
        maybe a clarification, else maybe the customer's next question (at once when ``eager``,
        else by curiosity), else ``text`` alone, an acknowledgement."""
        if options := self._clarify_now():
            return self._ask_detail(text, polarity, achieved, disclosed, options, eager)
        open_q = self._open_questions()
        if open_q and (eager or self._u("curiosity", self.item, open_q[0])
                       < self.persona.curiosity):
            j = open_q[0]
            self.pending = j
            self.asked[j] = True
            disclosed.append(("question", self.scenario.questions[j].attribute))
            q = self._question_text(j)
            return self._act(f"{text} And {q.lower()}" if joined else f"{text} {q}", "o_question",
                             polarity, achieved, disclosed)
        return self._act(text, "pf" if polarity > 0 else "interaction", polarity, achieved, disclosed)

    def _dislikes(self, pid: str) -> bool:
        """The one taste draw of the current item, made on the first product that meets every
        hard constraint; never when it is the last such product not yet rejected."""
        if self.item in self.taste_drawn:
            return False
        self.taste_drawn.add(self.item)
        need = self._need()
        others = any(p.id != pid and p.id not in self.rejected and need.violation(p) is None
                     for p in self.products.values())
        return others and self._chance(self.params.p_taste_reject, "taste", self.item)

    def _reject_reason(self, product: Product, achieved: list[str],
                       disclosed: list[tuple[str, str]]) -> str:
        need = self._need()
        broken = need.violation(product)
        if broken == "kind":
            if not self.need_told:
                return "That's not what I'm after. " + self._tell_need(achieved, disclosed)
            return f"That's not {_a(need.kind)}."
        slot = "max_price" if broken == "price" else broken
        key = (self.item, slot)
        if key in self.untold and self._u("reveal", *key, product.id) < self.params.reveal_on_reject:
            self.untold.remove(key)
            text, fact = self._slot_text(*key)
            disclosed.append(fact)
            self._finish_prefs(achieved, disclosed)
            return f"That doesn't work for me. {text}"
        return "That doesn't work for me." if broken != "price" else "That's too expensive."

    def _on_information(self, parsed: ParsedResponse, achieved: list[str], s: int) -> CustomerAct:
        facts = parsed.facts
        wrong = [f for f in facts if not self.parser.is_true(f)]
        if wrong:
            return self._negative("That's not what the product page says.", achieved,
                                  self.params.negative_cost)
        if self.detail is not None:
            return self._on_detail_answer(self.detail, facts, achieved)
        if self.pending is not None:
            q = self.scenario.questions[self.pending]
            target = self.candidate
            if any(pid == target and attr == q.attribute for pid, attr, _ in facts):
                self.answered[self.pending] = True
                self._achieve(f"qa:{self.pending}", achieved)
                self.pending = None
                disclosed = [("answered", q.attribute)]
                thanks, polarity = self._satisfied(
                    ("Great, thanks!", "Good to know, thank you.", "Perfect, that answers it."), "Okay.")
                if not self._open_questions():
                    self.no_more_questions = True
                    disclosed.append(("no_questions", "1"))
                # a customer with several questions asks the next one straight away
                return self._follow_up(thanks, polarity, achieved, disclosed, eager=True, joined=True)
            return self._negative(f"That doesn't answer my question. {self._question_text(self.pending)}",
                                  achieved, self.params.negative_cost)
        if s == ANSWER:
            self.patience -= self.params.mild_cost
            return self._act("I didn't ask anything.", "interaction", 0, achieved)
        self.explained += 1
        if self.explained > 2:
            self.patience -= self.params.mild_cost
        return self._act("I see.", "interaction", 0, achieved)

    def _on_detail_answer(self, attr: str, facts: tuple[tuple[str, str, str], ...],
                          achieved: list[str]) -> CustomerAct:
        """The reply to a response while a clarification of ``attr`` is pending: served if it
        states that attribute of the chosen item; then, maybe, the customer's own next question."""
        if not any(pid == self.candidate and a == attr for pid, a, _ in facts):
            return self._negative(f"That doesn't answer my question. {self.schema.questions[attr]}",
                                  achieved, self.params.negative_cost)
        self.detail = None
        disclosed = [("answered", attr)]
        thanks, polarity = self._satisfied(("Thanks, that helps.", "Good to know, thanks."),
                                           "Okay, I see.")
        return self._follow_up(thanks, polarity, achieved, disclosed, eager=self.detail_eager, joined=True)

    def _on_open_question(self, achieved: list[str]) -> CustomerAct:
        open_q = self._open_questions()
        if self.candidate is not None and open_q:
            j = open_q[0]
            self.pending = j
            self.asked[j] = True
            return self._act(f"Yes: {self._question_text(j)}", "o_question", 0, achieved,
                             [("question", self.scenario.questions[j].attribute)])
        if self.no_more_questions:
            return self._negative("No, I told you I have no questions.", achieved,
                                  self.params.repeat_cost)
        if self.candidate is not None:
            self.no_more_questions = True
            return self._act("No, no questions.", "interaction", 0, achieved,
                             [("no_questions", "1")])
        self.idle_questions += 1
        if self.idle_questions > 1:
            return self._negative("Can we find something first?", achieved, self.params.repeat_cost)
        return self._act("Not yet, let's find something first.", "interaction", 0, achieved)

    def _on_close(self, parsed: ParsedResponse, achieved: list[str]) -> CustomerAct:
        named = [pid for pid in parsed.products if pid in self.products]
        if self.candidate is None:
            return self._negative("I haven't decided on anything yet.", achieved,
                                  self.params.early_close_cost)
        if named and named[0] != self.candidate:
            return self._negative(f"No, I wanted the {self.products[self.candidate].name}.",
                                  achieved, self.params.negative_cost)
        open_q = self._open_questions()
        if open_q:
            j = open_q[0]
            self.pending = j
            self.asked[j] = True
            self.patience -= self.params.mild_cost
            return self._act(f"Wait, before I buy it: {self._question_text(j)}", "o_question", 0,
                             achieved, [("question", self.scenario.questions[j].attribute)])
        pid = self.candidate
        self.bought.append(pid)
        self._achieve(f"purchase:{self.item}", achieved)
        disclosed = [("bought", pid)]
        self.item += 1
        self.candidate = None
        self.no_more_questions = False
        if self.item < len(self.scenario.items):
            text = f"Great, I'll take it. Now, about the {self.scenario.items[self.item].kind}."
        else:
            self.task_done = True
            disclosed.append(("task_done", "1"))
            text = "Great, I'll take it. That's everything I needed."
        return self._act(text, "buy", 1, achieved, disclosed)

    # ------------------------------------------------------------------ outcome
    def success(self) -> bool:
        """Every item bought satisfies every hard constraint and every question was answered."""
        items = self.scenario.items
        if not items or len(self.bought) != len(items):
            return False
        if any(need.violation(self.products[pid]) is not None
               for need, pid in zip(items, self.bought)):
            return False
        return all(self.answered)
