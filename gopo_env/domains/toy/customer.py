"""The toy's hidden customer: a rule set over the parsed response, seeded per (episode, event).

**Assumption, not data:** these rules are hand-written for tests (the customer accepts only its
want, answers vaguely with probability ``vague``, leaves after ``patience`` turns). Each random
draw uses ``random.Random(f"toy:{seed}:{turn}:{event}")``, so one draw never shifts another and
a transcript depends only on the episode seed and the responses.
"""

from __future__ import annotations

import random

from gopo_env.core.domain import CustomerAct, ParsedResponse
from gopo_env.domains.toy.language import ASK, BYE, GREET, OFFER
from gopo_env.domains.toy.scenarios import ToyScenario

AGENDA = ("greeted", "need", "served", "farewell")
GAINS = (0.1, 0.2, 0.5, 0.2)

_SAY = {
    "hello": ("Hi.", "Hello there.", "Good day."),
    "greet_back": ("Hello!", "Hi, thanks."),
    "greet_again": ("We already said hello.",),
    "inform": ("I'd like a {want}, please.", "A {want} would be great."),
    "vague": ("Hmm, something to drink, I think.", "Not sure yet, something nice."),
    "repeat": ("I already told you: a {want}.",),
    "accept": ("Yes, a {item}, perfect!", "Great, I'll take the {item}."),
    "reject": ("No thanks, I don't want {item}.", "Not {item}, sorry."),
    "wrong_price": ("That's not the price on the menu.",),
    "what": ("Offer me what?",),
    "served_already": ("I already have my {item}.",),
    "thank_bye": ("Thanks, bye!", "Thank you, goodbye."),
    "leave_unserved": ("Oh. Bye then.",),
    "confused": ("Sorry, what do you mean?",),
    "give_up": ("Never mind, I have to go.",),
}


class ToyCustomer:
    """Reads each response (its parse) and replies; tracks its agenda."""

    def __init__(self, scenario: ToyScenario, seed: int) -> None:
        self.scenario = scenario
        self.seed = seed
        self.greeted = False
        self.told = False
        self.served: str | None = None
        self.achieved: dict[str, int] = {}

    def _rng(self, turn: int, event: str) -> random.Random:
        return random.Random(f"toy:{self.seed}:{turn}:{event}")

    def _act(self, turn: int, intent: str, polarity: int = 0, achieved: tuple[str, ...] = (),
             ends: bool = False, disclosed: tuple[tuple[str, str], ...] = (), **fill: str) -> CustomerAct:
        options = _SAY[intent]
        text = options[int(self._rng(turn, "words").random() * len(options))].format(**fill)
        for name in achieved:
            self.achieved[name] = turn
        return CustomerAct(text, intent, polarity, achieved, ends, disclosed)

    def opening(self) -> CustomerAct:
        return self._act(0, "hello")

    def react(self, parsed: ParsedResponse, faithful: bool, turn: int) -> CustomerAct:
        s, want = parsed.strategy, self.scenario.want
        if s == GREET:
            if self.greeted:
                act = self._act(turn, "greet_again", -1)
            else:
                self.greeted = True
                act = self._act(turn, "greet_back", 1, ("greeted",))
        elif s == ASK:
            if self.served is not None:
                act = self._act(turn, "served_already", -1, item=self.served)
            elif self.told:
                act = self._act(turn, "repeat", -1, want=want)
            elif self._rng(turn, "vague").random() < self.scenario.vague:
                act = self._act(turn, "vague")
            else:
                self.told = True
                act = self._act(turn, "inform", 0, ("need",), disclosed=(("want", want),), want=want)
        elif s == OFFER:
            item = parsed.products[0] if parsed.products else None
            if self.served is not None:
                act = self._act(turn, "served_already", -1, item=self.served)
            elif item is None:
                act = self._act(turn, "what", -1)
            elif not faithful:
                act = self._act(turn, "wrong_price", -1)
            elif item == want:
                self.served = item
                achieved = ("served",) if self.told else ("need", "served")
                act = self._act(turn, "accept", 1, achieved, disclosed=(("served", item),), item=item)
            else:
                act = self._act(turn, "reject", -1, disclosed=(("rejected", item),), item=item)
        elif s == BYE:
            if self.served is not None:
                return self._act(turn, "thank_bye", 1, ("farewell",), ends=True)
            return self._act(turn, "leave_unserved", -1, ends=True)
        else:
            act = self._act(turn, "confused")
        if self.served is None and turn >= self.scenario.patience:
            left = self._act(turn, "give_up", -1, ends=True)  # keeps what this turn achieved
            return CustomerAct(left.utterance, left.intent, -1, act.achieved, True, act.disclosed)
        return act

    def success(self) -> bool:
        return self.served is not None and "farewell" in self.achieved


