"""The agenda-based customer (ConvLab conventions, our own implementation).

Schatzmann et al. (2007) agenda-based user simulation as ConvLab-2/3 apply it to MultiWOZ
(``convlab/policy/rule/multiwoz/policy_agenda_multiwoz.py``), re-implemented here:

* **Agenda** — a stack of user acts built from the goal: for each domain, in the order the
  goal pursues them (the first on top), its constraints (``inform``; the ``fail_info`` set
  when there is one), then its requests (``request``), then its booking slots (``book``); a
  ``bye`` at the bottom.
* **Each turn** the customer first reacts to the assistant's acts, pushing answers on top:
  a requested slot is answered from the constraints or the booking (``dontcare`` when the
  goal has no value for it); an offered venue that breaks a constraint is corrected; a
  no-offer switches ``fail_info`` to ``info`` (the changed slots are re-stated); a no-book
  switches ``fail_book`` to ``book``; a booking offer is answered with the booking slots (or
  declined when the goal books nothing); informed requested slots are filled and their
  requests dropped; a reported booking is checked at the booking desk (a reference never
  issued for the customer's request is not accepted, and the booking is asked again).
  Then it says all the answers plus acts popped from the agenda, of the same domain, up to
  ``k`` acts in all, ``k`` drawn from the number of user acts per turn in the validation
  dialogues (``fitted.json``).
* **Ending** — when the agenda holds only ``bye``: if the goal is complete the customer says
  bye; otherwise it re-asks what is missing (each missing thing at most twice: an
  assumption, ConvLab's user just stops) and then says bye. The assistant saying bye ends the
  dialogue too. The core truncates at 40 assistant turns (ConvLab's limit).

Every random draw is keyed by (episode seed, event) (:meth:`AgendaUser._u`), so two agents
meeting the same scenario and seed meet the same customer wherever their paths agree.
Polarity is always 0: the agenda user has no sentiment model (ConvLab's has none either).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from gopo_env.core.domain import CustomerAct
from gopo_env.domains.multiwoz.acts import DOMAIN_WORDS, SLOT_WORDS, Act
from gopo_env.domains.multiwoz.booking import BookingDesk
from gopo_env.domains.multiwoz.data import BOOK_SLOTS, DomainGoal, Goal
from gopo_env.domains.multiwoz.db import DONTCARE, Database, Entity, normalize_value, slot_value_matches

VENUES = ("restaurant", "hotel", "attraction")
MAX_REMINDERS = 2


@dataclass
class UserDomain:
    """What the customer holds about one domain of its goal."""

    goal: DomainGoal
    info: dict[str, str]
    book: dict[str, str]
    reqt: dict[str, str | None]
    info_changed: bool = False
    book_changed: bool = False
    offered: str | None = None
    """Entity the customer accepted as the candidate (id)."""
    booked: tuple[str, dict[str, str]] | None = None
    """(entity id or "" for taxi, booking slots) of the accepted booking."""
    said_book: set[str] = field(default_factory=set)
    said_info: set[str] = field(default_factory=set)
    reminders: int = 0


def agenda_items(goal: Goal) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """The TSE agenda of ``goal``: per domain in pursuit order, ``<domain>:offer`` (a venue
    meeting the constraints accepted; not for taxi), ``<domain>:<slot>`` per requested slot,
    ``<domain>:book`` when the goal books (taxi: always). Every item has gain 1 (an
    assumption: MultiWOZ defines no weights)."""
    names: list[str] = []
    for g in goal.domains:
        if g.domain != "taxi":
            names.append(f"{g.domain}:offer")
        names.extend(f"{g.domain}:{s}" for s in g.reqt if g.domain != "taxi")
        if g.book or g.domain == "taxi":
            names.append(f"{g.domain}:book")
    return tuple(names), tuple(1.0 for _ in names)


class AgendaUser:
    """The hidden customer of one episode."""

    def __init__(self, scenario_id: str, goal: Goal, db: Database, desk: BookingDesk,
                 act_counts: tuple[float, ...], seed: int) -> None:
        self.scenario_id = scenario_id
        self.goal = goal
        self.db = db
        self.desk = desk
        self.seed = seed
        self.act_counts = act_counts
        self.turn = 0
        self.ended = False
        self.domains: dict[str, UserDomain] = {}
        for g in goal.domains:
            self.domains[g.domain] = UserDomain(
                goal=g, info=dict(g.first_info), book=dict(g.first_book),
                reqt={s: None for s in g.reqt},
            )
        self.agenda_names, self.agenda_gains = agenda_items(goal)
        self._seen: set[str] = set()
        self.achieved: dict[str, int] = {}
        self.agenda: list[Act] = [Act("bye", "general")]
        for g in reversed(goal.domains):
            d = g.domain
            for slot, value in reversed(self.domains[d].book.items()):
                self.agenda.append(Act("book", d, slot, value))
            for slot in reversed(g.reqt):
                if d != "taxi":
                    self.agenda.append(Act("request", d, slot))
            info = list(self.domains[d].info.items())
            if d == "taxi":
                for slot in ("destination", "departure"):
                    if slot not in self.domains[d].info:
                        info.insert(0, (slot, "<endpoint>"))
            for slot, value in reversed(info):
                self.agenda.append(Act("inform", d, slot, value))

    # ------------------------------------------------------------------ randomness
    def _u(self, *event: object) -> float:
        """One uniform draw in [0, 1) keyed by (episode seed, event)."""
        text = "\x1f".join(str(e) for e in (self.seed, *event))
        h = hashlib.blake2b(text.encode(), digest_size=8).digest()
        return int.from_bytes(h, "big") / 2**64

    def _count(self) -> int:
        u = self._u("count", self.turn)
        acc = 0.0
        for k, p in enumerate(self.act_counts, start=1):
            acc += p
            if u < acc:
                return k
        return len(self.act_counts)

    # ------------------------------------------------------------------ helpers
    def _endpoint(self, slot: str) -> str:
        """Taxi departure/destination when the goal leaves it open: the customer's venues.

        An assumption (MultiWOZ goals name the taxi's ends by the other venues): the venue
        domains in pursuit order give departure then destination; a restaurant booking time
        with an arrive-by taxi makes the restaurant the destination. A missing end is the train
        station when the goal has a train, else the city centre.
        """
        venues = [g.domain for g in self.goal.domains if g.domain in VENUES]
        taxi = self.domains["taxi"]
        if "arriveBy" in taxi.info and "restaurant" in venues:
            venues = [v for v in venues if v != "restaurant"] + ["restaurant"]
        pick = venues[0:1] if slot == "departure" else venues[1:2]
        if slot == "destination" and not pick and len(venues) == 1 and "departure" in taxi.info:
            pick = venues
        if pick:
            return self._venue_name(pick[0])
        return "cambridge train station" if "train" in self.domains else "the city centre"

    def _venue_name(self, domain: str) -> str:
        ud = self.domains[domain]
        if ud.booked and ud.booked[0]:
            return self.db.entity(ud.booked[0]).name
        if ud.offered:
            return self.db.entity(ud.offered).name
        hits = self.db.query(domain, dict(ud.goal.info))
        return hits[0].name if hits else domain

    def _taxi_end(self, slot: str) -> str:
        """The taxi's ``slot`` (departure/destination), fixed the first time it is needed."""
        taxi = self.domains["taxi"]
        if slot not in taxi.info:
            taxi.info[slot] = self._endpoint(slot)
        return taxi.info[slot]

    def _resolve(self, act: Act) -> Act:
        if act.value == "<endpoint>":
            return act._replace(value=self._taxi_end(act.slot))
        return act

    def _achieve(self, name: str, out: list[str]) -> None:
        if name in self.agenda_names and name not in self.achieved:
            self.achieved[name] = self.turn
            out.append(name)

    def _correct(self, ud: UserDomain, slot: str, value: str) -> bool:
        """Whether an informed value is true of the venue the customer accepted (the TSE item
        is achieved only then; *Complete* accepts any value, as ConvLab's user does)."""
        if ud.offered is None:
            return False
        entity = self.db.entity(ud.offered)
        truth = entity.name if slot == "trainID" else entity.get(slot)
        return slot_value_matches(slot, value, truth)

    def _drop(self, pred) -> None:
        self.agenda = [a for a in self.agenda if not pred(a)]

    def _violations(self, entity: Entity, info: dict[str, str]) -> list[tuple[str, str]]:
        out = []
        for slot, value in info.items():
            if normalize_value(slot, value) in ("", DONTCARE):
                continue
            if not self.db.satisfies(entity, {slot: value}):
                out.append((slot, value))
        return out

    # ------------------------------------------------------------------ turn
    def opening(self) -> CustomerAct:
        return self._speak([], [])

    def react(self, acts: tuple[Act, ...], turn: int) -> CustomerAct:
        """Read the assistant's acts (from the parser) and reply."""
        self.turn = turn
        replies: list[Act] = []
        achieved: list[str] = []
        if any(a.intent == "bye" for a in acts):
            self.ended = True
            return CustomerAct("Goodbye.", "bye", 0, (), True, (("general-bye", ""),))
        offered: dict[str, list[str]] = {}
        for a in acts:
            if a.domain in self.domains and a.slot == "id" and a.intent in (
                    "inform", "recommend", "select", "offerbook", "book"):
                offered.setdefault(a.domain, []).append(a.value)
        for d, ids in offered.items():
            self._on_offer(d, ids, replies, achieved)
        for a in acts:
            ud = self.domains.get(a.domain)
            if ud is None:
                continue
            if a.intent in ("inform", "recommend", "select", "offerbook", "book") and a.slot in ud.reqt \
                    and a.domain != "taxi":
                if ud.reqt[a.slot] is None:
                    ud.reqt[a.slot] = a.value
                    self._drop(lambda x, a=a: x.intent == "request" and x.domain == a.domain
                               and x.slot == a.slot)
                    if self._correct(ud, a.slot, a.value):
                        self._achieve(f"{a.domain}:{a.slot}", achieved)
            elif a.intent == "request":
                self._on_request(a.domain, a.slot, replies)
        for a in acts:
            ud = self.domains.get(a.domain)
            if ud is None:
                continue
            if a.intent == "nooffer":
                self._on_nooffer(a.domain, replies)
            elif a.intent == "offerbook":
                self._on_offerbook(a.domain, replies)
            elif a.intent == "nobook":
                self._on_nobook(a.domain, replies)
        booked = dict.fromkeys(a.domain for a in acts if a.intent == "book")  # ordered, no set
        for d in booked:
            if d in self.domains:
                self._on_book(d, acts, replies, achieved)
        return self._speak(replies, achieved)

    def _on_offer(self, d: str, ids: list[str], replies: list[Act], achieved: list[str]) -> None:
        ud = self.domains[d]
        entities = []
        for i in ids:
            try:
                entities.append(self.db.entity(i))
            except Exception:  # noqa: BLE001 - an id the parser made up is ignored
                continue
        if not entities:
            return
        fitting = [e for e in entities if not self._violations(e, ud.info)]
        if fitting:
            ud.offered = fitting[0].id
            if not self._violations(fitting[0], dict(ud.goal.info)):
                self._achieve(f"{d}:offer", achieved)
            return
        # the venue breaks a constraint: say so (the first broken one)
        if ud.offered is None or ud.offered in ids:
            ud.offered = None
            slot, value = self._violations(entities[0], ud.info)[0]
            if not any(r.intent == "inform" and r.domain == d and r.slot == slot for r in replies):
                replies.append(Act("inform", d, slot, value))

    def _on_request(self, d: str, slot: str, replies: list[Act]) -> None:
        ud = self.domains[d]
        if slot in ud.info:
            value = ud.info[slot]
            replies.append(Act("inform", d, slot, value))
        elif d == "taxi" and slot in ("departure", "destination"):
            replies.append(Act("inform", d, slot, self._taxi_end(slot)))
        elif slot in BOOK_SLOTS.get(d, ()):
            if ud.book:
                replies.append(Act("book", d, slot, ud.book.get(slot, DONTCARE)))
                ud.said_book.add(slot)
                self._drop(lambda x: x.intent == "book" and x.domain == d and x.slot == slot)
            elif not any(r.intent == "negate" and r.domain == d for r in replies):
                replies.append(Act("negate", d))
        elif d == "taxi" and slot in ("leaveAt", "arriveBy"):
            other = "arriveBy" if slot == "leaveAt" else "leaveAt"
            if other in ud.info:
                replies.append(Act("inform", d, other, ud.info[other]))
            else:
                replies.append(Act("inform", d, slot, DONTCARE))
        else:
            replies.append(Act("inform", d, slot, DONTCARE))
            ud.info.setdefault(slot, DONTCARE)
        if replies and replies[-1].intent == "inform":
            self._drop(lambda x: x.intent == "inform" and x.domain == d and x.slot == slot)

    def _on_nooffer(self, d: str, replies: list[Act]) -> None:
        ud = self.domains[d]
        if ud.goal.fail_info and not ud.info_changed:
            old = ud.info
            ud.info = dict(ud.goal.info)
            ud.info_changed = True
            ud.offered = None
            self._drop(lambda x: x.intent == "inform" and x.domain == d)
            for slot, value in ud.info.items():
                if old.get(slot) != value or slot not in ud.said_info:
                    replies.append(Act("inform", d, slot, value))

    def _on_offerbook(self, d: str, replies: list[Act]) -> None:
        ud = self.domains[d]
        if not ud.book or d == "taxi":
            if not ud.book and d != "taxi":
                replies.append(Act("negate", d))
            return
        if ud.booked:
            return
        pending = [a for a in self.agenda if a.intent == "book" and a.domain == d]
        self._drop(lambda x: x.intent == "book" and x.domain == d)
        if pending:
            replies.extend(reversed(pending))
            ud.said_book.update(a.slot for a in pending)
        else:
            replies.append(Act("book", d))

    def _on_nobook(self, d: str, replies: list[Act]) -> None:
        ud = self.domains[d]
        if ud.goal.fail_book and not ud.book_changed:
            old = ud.book
            ud.book = dict(ud.goal.book)
            ud.book_changed = True
            self._drop(lambda x: x.intent == "book" and x.domain == d)
            for slot, value in ud.book.items():
                if old.get(slot) != value:
                    replies.append(Act("book", d, slot, value))
                    ud.said_book.add(slot)

    def _on_book(self, d: str, acts: tuple[Act, ...], replies: list[Act], achieved: list[str]) -> None:
        ud = self.domains[d]
        if ud.booked is not None:
            return
        if d == "taxi":
            for s in ("departure", "destination"):
                self._taxi_end(s)
            slots = dict(ud.info)
            result = self.desk.attempt("taxi", None, slots)
            said = {a.slot: a.value for a in acts if a.domain == "taxi" and a.intent == "book"}
            if result is not None and said.get("phone") == result.phone:
                ud.booked = ("", slots)
                for slot, value in (("car type", result.car), ("phone", result.phone)):
                    if slot in ud.reqt and ud.reqt[slot] is None:
                        ud.reqt[slot] = value or ""
                self._achieve("taxi:book", achieved)
                return
        else:
            if not ud.book:
                return
            said = {a.slot: a.value for a in acts if a.domain == d and a.intent == "book"}
            entity = said.get("id") or ud.offered
            if entity is None:
                return
            result = self.desk.attempt(d, entity, ud.book)
            ok = (result is not None and result.available and said.get("ref") == result.ref
                  and not self._violations(self.db.entity(entity), ud.info))
            if ok:
                ud.booked = (entity, dict(ud.book))
                ud.offered = entity
                self._drop(lambda x: x.intent == "book" and x.domain == d)
                self._achieve(f"{d}:book", achieved)
                return
            if result is not None and not result.available:
                return  # a booking the desk refused: the customer waits for the no-book
        # not a booking the customer can accept: ask again for its own request
        if not any(r.domain == d and r.intent == "book" for r in replies) and d != "taxi":
            for slot, value in ud.book.items():
                replies.append(Act("book", d, slot, value))

    # ------------------------------------------------------------------ output
    def complete(self) -> bool:
        """The customer's own judgement (ConvLab's *Complete*): every requested slot was given
        a value and every booking (taxi included) was accepted. No database check."""
        for d, ud in self.domains.items():
            if any(v is None for v in ud.reqt.values()):
                return False
            if (ud.goal.book or d == "taxi") and ud.booked is None:
                return False
        return True

    def _reminders(self) -> list[Act]:
        for g in self.goal.domains:
            d = g.domain
            ud = self.domains[d]
            missing_reqt = [s for s, v in ud.reqt.items() if v is None]
            need_book = (ud.goal.book or d == "taxi") and ud.booked is None
            if not (missing_reqt or need_book) or ud.reminders >= MAX_REMINDERS:
                continue
            ud.reminders += 1
            out = []
            if need_book:
                if d == "taxi":
                    out.extend(self._resolve(Act("inform", d, s, v))
                               for s, v in ud.info.items())
                    for s in ("departure", "destination"):
                        if s not in ud.info:
                            out.append(Act("inform", d, s, self._taxi_end(s)))
                else:
                    out.extend(Act("book", d, s, v) for s, v in ud.book.items())
            if d != "taxi":
                out.extend(Act("request", d, s) for s in missing_reqt)
            return out
        return []

    def _speak(self, replies: list[Act], achieved: list[str]) -> CustomerAct:
        said: list[Act] = []
        for a in (self._resolve(r) for r in replies):
            if a not in said:
                said.append(a)
        answered = {(a.domain, a.slot) for a in said if a.intent in ("inform", "book")}
        self._drop(lambda x: x.intent in ("inform", "book") and (x.domain, x.slot) in answered)
        k = self._count()
        if len(said) < k:
            domain = said[0].domain if said else None
            while len(said) < k and len(self.agenda) > 1:
                top = self.agenda[-1]
                if domain is not None and top.domain != domain:
                    break
                domain = top.domain
                self.agenda.pop()
                act = self._resolve(top)
                if act.intent == "request" and self.domains[act.domain].reqt.get(act.slot) is not None:
                    continue
                if act.intent == "book" and self.domains[act.domain].booked is not None:
                    continue
                said.append(act)
                if act.intent == "book":
                    self.domains[act.domain].said_book.add(act.slot)
        if not said:
            if self.complete():
                return self._bye(achieved)
            said = self._reminders()
            if not said:
                return self._bye(achieved)
        for a in said:
            if a.intent == "inform" and a.domain in self.domains:
                self.domains[a.domain].said_info.add(a.slot)
        disclosed = tuple(_disclose(a) for a in said)
        text = self._realize(said, bool(achieved))
        intent = said[0].intent
        return CustomerAct(text, intent, 0, tuple(achieved), False, disclosed)

    def _bye(self, achieved: list[str]) -> CustomerAct:
        self.ended = True
        text = self._pick(("Thank you, that is all I need. Goodbye!",
                           "That's everything, thanks. Bye!",
                           "Great, thank you for your help. Goodbye."), "bye")
        return CustomerAct(text, "bye", 0, tuple(achieved), True, (("general-bye", ""),))

    def _pick(self, options: tuple[str, ...], *event: object) -> str:
        return options[int(self._u("pick", self.turn, *event) * len(options))]

    def _realize(self, acts: list[Act], thank: bool) -> str:
        parts: list[str] = []
        if thank:
            parts.append(self._pick(("Thanks.", "Great, thank you.", "Perfect."), "thank"))
        by_intent: dict[tuple[str, str], list[Act]] = {}
        for a in acts:
            by_intent.setdefault((a.intent, a.domain), []).append(a)
        for (intent, d), group in by_intent.items():
            parts.append(_sentence(intent, d, group, self._pick, self._mentioned(d)))
        return " ".join(p for p in parts if p)

    def _mentioned(self, d: str) -> bool:
        if d in self._seen:
            return True
        self._seen.add(d)
        return False

    # ------------------------------------------------------------------ scoring inputs
    def final_state(self) -> dict[str, Any]:
        return {d: {"info": dict(ud.info), "book": dict(ud.book), "offered": ud.offered,
                    "booked": ud.booked, "reqt": dict(ud.reqt)} for d, ud in self.domains.items()}


def _disclose(a: Act) -> tuple[str, str]:
    if a.intent == "inform":
        return (f"{a.domain}-{a.slot}", a.value)
    if a.intent == "request":
        return (f"{a.domain}-request", a.slot)
    if a.intent == "book":
        return (f"{a.domain}-book {a.slot}", a.value) if a.slot else (f"{a.domain}-booking", "yes")
    if a.intent == "negate":
        return (f"{a.domain}-booking", "no")
    return (f"general-{a.intent}", "")


_INFORM_PHRASES = {
    "food": "serving {v} food", "pricerange": "in the {v} price range", "area": "in the {v}",
    "name": "called {v}", "stars": "with {v} stars", "type": "of the type {v}",
    "departure": "from {v}", "destination": "to {v}", "day": "on {v}",
    "leaveAt": "leaving after {v}", "arriveBy": "arriving by {v}", "department": "with a {v} department",
}
_YESNO = {("internet", "yes"): "with free wifi", ("internet", "no"): "without internet",
          ("parking", "yes"): "with free parking", ("parking", "no"): "without parking"}
_BOOK_PHRASES = {"people": "for {v} people", "day": "on {v}", "time": "at {v}", "stay": "for {v} nights"}


def _sentence(intent: str, d: str, acts: list[Act], pick, mentioned: bool) -> str:
    thing = DOMAIN_WORDS.get(d, d)
    if intent == "inform":
        phrases, dontcare = [], []
        for a in acts:
            if a.value == DONTCARE:
                dontcare.append(SLOT_WORDS.get(a.slot, a.slot))
            elif (a.slot, a.value) in _YESNO:
                phrases.append(_YESNO[(a.slot, a.value)])
            else:
                phrases.append(_INFORM_PHRASES.get(a.slot, "with {s} {v}").format(
                    v=a.value, s=SLOT_WORDS.get(a.slot, a.slot)))
        out = []
        if phrases:
            lead = ("The {t} should be", "I'd like it", "It should be") if mentioned else \
                ("I'm looking for {a} {t}", "I need {a} {t}", "Can you help me find {a} {t}")
            head = pick(lead, "inform", d).format(t=thing, a="an" if thing[0] in "aeiou" else "a")
            out.append(f"{head} {' and '.join(phrases)}.")
        if dontcare:
            out.append(f"I don't mind about the {' or the '.join(dontcare)}.")
        return " ".join(out)
    if intent == "request":
        slots = [SLOT_WORDS.get(a.slot, a.slot) for a in acts]
        what = ", ".join(slots[:-1]) + (" and " if len(slots) > 1 else "") + slots[-1]
        return pick(("Could you give me the {w} of the {t}?", "What is the {w} of the {t}?",
                     "Can I have the {w} for the {t}?"), "request", d).format(w=what, t=thing)
    if intent == "book":
        phrases = [("for 1 person" if (a.slot, a.value) == ("people", "1") else
                    _BOOK_PHRASES.get(a.slot, "{v}").format(v=a.value)) for a in acts if a.slot]
        if not phrases:
            return "Yes, please book it."
        return pick(("Please book the {t} {p}.", "I'd like to book it {p}.",
                     "Can you make a booking {p}?"), "book", d).format(t=thing, p=" ".join(phrases))
    if intent == "negate":
        return "No, I don't need a booking."
    return ""
