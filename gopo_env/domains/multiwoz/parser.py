"""System text → dialogue acts: the customer's (and the scorer's) reading of any response.

Rule-based, over the vocabulary of the database: venue names (longest match first, whole
words, case-insensitive; names that are ordinary phrases — "the place", "the junction",
"home from home" — only in Title Case), train ids (``TR1234``), hospital departments (when the
text speaks of a hospital or department), and value patterns (phone numbers, postcodes,
reference numbers, times after leave/arrive cues, prices, durations, areas, price ranges,
food types, stars, wifi/parking, car types, entrance fees, addresses after "address is" /
"located at"). Intents come from cue phrases (``_CUES``); a question naming a slot is a
request. Facts are attributed to the single venue the text names, else to the venue under
discussion (``focus``).

The main strategy of a text is the first detected of :data:`PRIORITY`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from gopo_env.core.domain import ParsedResponse
from gopo_env.domains.multiwoz.acts import Act
from gopo_env.domains.multiwoz.db import Database, Entity
from gopo_env.domains.multiwoz.strategies import ID, PRIORITY


@dataclass(frozen=True, slots=True)
class MultiwozParse(ParsedResponse):
    """A :class:`ParsedResponse` plus the dialogue acts behind it (ConvLab order)."""

    acts: tuple[Act, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        d = ParsedResponse.as_dict(self)
        d["acts"] = [list(a) for a in self.acts]
        return d


_TITLE_ONLY = {"the place", "the junction", "home from home"}
_DOMAIN_WORDS = {
    "restaurant": r"restaurants?|food|eat|dine|dining|cuisine|table",
    "hotel": r"hotels?|guest ?houses?|place to stay|rooms?|nights?|accommodation|stay",
    "attraction": r"attractions?|museums?|colleges?|entertainment|places? to go|visit",
    "train": r"trains?|tickets?|railway|station",
    "taxi": r"taxis?|cabs?|cars?",
    "police": r"police",
    "hospital": r"hospital|department",
}
_CUES: dict[str, re.Pattern[str]] = {k: re.compile(v, re.I) for k, v in {
    "book": r"\b(i have|i've|i ha ve|i have successfully|successfully|all set|i was able to|i) "
            r"(booked|reserved|made (a|the|your) (reservation|booking))|\bbooking (was|is) "
            r"(successful|confirmed)|\breference (number|no\.?|#|code)?\s*(is|:)|\bbooked\b.*\b(car|taxi)|"
            r"\bcontact number\b",
    "nobook": r"\b(unable|not able|couldn't|could not|can't|cannot|wasn't able|was not able) to "
              r"(book|reserve|make (a|the) (booking|reservation))|\bbooking (was |is )?"
              r"(unsuccessful|not successful|failed)|\bfully booked\b|\bno (availability|vacancy|"
              r"vacancies|rooms? available|tables? available)\b|\bis not available\b",
    "offerbook": r"\b(would|do) you like (me )?to (book|reserve|make a (booking|reservation))|"
                 r"\b(shall|should|can|may) i (book|reserve)|\bwant me to (book|reserve)|"
                 r"\blike (a|me to make a) (reservation|booking)|\bbook (it|one|that) for you\b",
    "nooffer": r"\b(no|not any|n't any) (\w+ )?(match|matches|results?|restaurants?|hotels?|"
               r"guest ?houses?|attractions?|trains?|places?|options?)\b|\b(couldn't|could not|"
               r"can't|cannot|did not|didn't|do not|don't|unable to) (find|locate|have)\b|"
               r"\bthere (is|are) no(thing)?\b|\bnothing (that )?(matches|fits)\b",
    "select": r"\bwhich (one |of these |of them )?(would you|do you)\b|\bwould you prefer\b|"
              r"\b(\d+|several|many|a few|two|three) (options|choices|places|restaurants|hotels|"
              r"guest ?houses|attractions|trains)\b.*\?",
    "recommend": r"\b(i (would |'d )?recommend|i suggest|may i suggest|how about|you might (like|"
                 r"enjoy)|is a (great|good|nice|popular|lovely)|would you like to try|i can "
                 r"recommend|i have found|i found|there is)\b",
    "reqmore": r"\b(anything else|something else|any other (thing|question)|further assistance|"
               r"help you with anything|can i help you with|is there more)\b",
    "welcome": r"(?<!you are )(?<!you're )\b(welcome|hello|hi|good (morning|afternoon|evening))\b",
    "bye": r"\b(goodbye|good bye|bye|have a (nice|great|good|lovely|wonderful) (day|trip|stay|"
           r"time|evening))\b",
}.items()}

_REQUEST_SLOTS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (slot, re.compile(p, re.I)) for slot, p in (
        ("area", r"\b(area|part of (town|the city)|side of town|where in (town|the city))\b"),
        ("pricerange", r"\b(price ?range|budget|how expensive|price point|price)\b"),
        ("food", r"\b(food|cuisine)\b"),
        ("stars", r"\b(stars?|star rating)\b"),
        ("parking", r"\bparking\b"),
        ("internet", r"\b(internet|wifi|wi-fi)\b"),
        ("type", r"\b(type|kind) of (place|attraction|hotel|accommodation)|\bhotel or (a )?guest ?house\b"),
        ("people", r"\bhow many (people|guests|persons|tickets)|\bfor how many\b|"
                   r"\bnumber of (people|guests)\b"),
        ("stay", r"\bhow many (nights|days)\b|\bhow long\b.*\bstay|\bnumber of nights\b"),
        ("day", r"\b(what|which) day\b|\bwhen would you like\b|\bday of\b"),
        ("leaveAt", r"\b(leave|depart|departure time|pick ?up time|pick you up)\b"),
        ("arriveBy", r"\b(arrive|arrival)\b"),
        ("time", r"\bwhat time\b|\b(reservation|booking) time\b"),
        ("departure", r"\b(where (are you |will you be )?(leaving|departing|coming) from|from where|"
                      r"departure (station|site|location|point)|where from|pick ?up location)\b"),
        ("destination", r"\b(where (are you |will you be )?(going|heading|travell?ing)( to)?|"
                        r"destination|where to)\b"),
        ("department", r"\bdepartment\b"),
        ("name", r"\b(name of|which (restaurant|hotel|attraction|one))\b"),
    ))

_PHONE = re.compile(r"\b(0\d{9,10})\b")
_POSTCODE = re.compile(r"\b([a-z]{1,2}\d{1,2}[a-z]?\s?[\do][a-z]{2})\b", re.I)
_REF = re.compile(r"\b(?:reference|ref)(?: number| no\.?| code)?\s*(?:is|:|#)?\s*:?\s*#?([A-Z0-9]{8})\b",
                  re.I)
_TRAIN = re.compile(r"\b(TR\s?\d{4})\b", re.I)
_LEAVE = re.compile(r"\b(?:leaves?|leaving|departs?|departing|departure(?: time)?(?: is)?)\b[^.?!]*?"
                    r"\b(?:at )?(\d{1,2}:\d{2})", re.I)
_ARRIVE = re.compile(r"\b(?:arrives?|arriving|arrival(?: time)?(?: is)?|gets? in)\b[^.?!]*?"
                     r"\b(?:at |by )?(\d{1,2}:\d{2})", re.I)
_PRICE = re.compile(r"\b(\d+(?:\.\d+)?) (?:pounds|gbp)\b|£\s?(\d+(?:\.\d+)?)", re.I)
_DURATION = re.compile(r"\b(\d+) min(?:ute)?s\b", re.I)
_AREA = re.compile(r"\b(?:in|on|at) the (north|south|east|west|centre|center)\b|"
                   r"\b(north|south|east|west)(?:ern)? (?:part|side|area)\b", re.I)
_PRICERANGE = re.compile(r"\b(cheap|moderately priced|moderate|expensive)\b", re.I)
_STARS = re.compile(r"\b(\d)[ -]stars?\b", re.I)
_NO_WIFI = re.compile(r"\b(no|without|doesn't have|does not have) (free )?(wifi|wi-fi|internet)\b", re.I)
_WIFI = re.compile(r"\b(wifi|wi-fi|internet)\b", re.I)
_NO_PARKING = re.compile(r"\b(no|without|doesn't have|does not have) (free )?parking\b", re.I)
_PARKING = re.compile(r"\bparking\b", re.I)
_HOTEL_TYPE = re.compile(r"\b(?:is an?|it's an?|it is an?) (?:\w+ )?(?:\w+ )?(guest ?house|hotel)\b", re.I)
_FEE = re.compile(r"\bentrance fee\b[^.?!]*?\bis (free|\d+(?:\.\d+)? pounds?|not listed|unknown)|"
                  r"\b(free) (?:admission|entrance|entry|to enter)|\bentrance is (free)\b", re.I)
_ADDRESS = re.compile(r"\b(?:address is|located at|address:|they are at|it is at|it's at)\s+"
                      r"([^;!?\n]+?)(?=\.(?:\s+(?-i:[A-Z])|\s*$)|[;!?\n]|$)", re.I)
"""An address runs to the end of its sentence: a full stop before a capital or the end of the
text (addresses hold abbreviations such as "st. michael's church")."""
_UNLISTED = re.compile(r"\b(phone number|postcode|address|entrance fee)\b[^.?!]*?\bis (?:not listed|unknown)",
                       re.I)
_UNLISTED_SLOT = {"phone number": "phone", "postcode": "postcode", "address": "address",
                  "entrance fee": "entrance fee"}
_CHOICE = re.compile(r"\bthere are (\d+)\b", re.I)
_NAME_SPLIT = re.compile(r"\s+")


_MEMO_SIZE = 1 << 15


class Parser:
    """Parses any system text against one :class:`Database`."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._memo: dict[tuple[Any, ...], MultiwozParse] = {}
        names: list[tuple[str, Entity]] = []
        for d in ("restaurant", "hotel", "attraction", "police"):
            for e in db.tables[d]:
                names.append((e.name.lower(), e))
        names.sort(key=lambda x: (-len(x[0]), x[1].id))
        self._names = names
        alts = "|".join(re.escape(n).replace(r"\ ", r"\s+") for n, _ in names)
        self._name_re = re.compile(rf"(?<![\w-])({alts})(?![\w-])", re.I)
        self._by_name = {}
        for n, e in names:
            self._by_name.setdefault(_NAME_SPLIT.sub(" ", n), e)
        deps = sorted({e.name for e in db.tables["hospital"]}, key=lambda s: (-len(s), s))
        self._dep_re = re.compile(r"\b(" + "|".join(re.escape(d) for d in deps) + r")\b", re.I)
        self._dep = {}
        for e in db.tables["hospital"]:
            self._dep.setdefault(e.name, e)
        foods = sorted({e.fields.get("food", "") for e in db.tables["restaurant"]} - {""}, key=len,
                       reverse=True)
        self._food_re = re.compile(r"\b(" + "|".join(re.escape(f) for f in foods) + r")\b", re.I)
        types = sorted({e.fields.get("type", "") for e in db.tables["attraction"]} - {""}, key=len,
                       reverse=True)
        self._attr_type_re = re.compile(r"\b(?:is an?|it's an?) (?:\w+ )?(" + "|".join(
            re.escape(t) for t in types) + r")\b", re.I)
        car = "|".join(re.escape(c) for c in db.taxi_colors)
        make = "|".join(re.escape(m) for m in db.taxi_types)
        self._car_re = re.compile(rf"\b({car}) ({make})\b", re.I) if car and make else None
        self._trains: dict[str, list[Entity]] = {}
        for e in db.tables["train"]:
            self._trains.setdefault(e.name, []).append(e)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_memo"] = {}  # memoised parses are rebuilt on demand
        return state

    # ------------------------------------------------------------------ entities
    def entities(self, text: str, train: dict[str, str] | None = None) -> list[Entity]:
        """Entities the text names, in order of first mention.

        A train id names several rows (days, and a few ids serve two routes): the row whose
        day, departure and destination agree with ``train`` (the train constraints) wins."""
        found: list[Entity] = []
        for m in self._name_re.finditer(text):
            key = _NAME_SPLIT.sub(" ", m.group(1).lower())
            if key in _TITLE_ONLY and not m.group(1)[0].isupper():
                continue
            e = self._by_name.get(key)
            if e is not None and e not in found:
                found.append(e)
        for m in _TRAIN.finditer(text):
            tid = m.group(1).upper().replace(" ", "")
            rows = self._trains.get(tid, [])
            hint = train or {}
            pick = sorted(rows, key=lambda e: -sum(
                e.fields.get(k) == hint.get(k) for k in ("day", "departure", "destination")))[:1]
            if pick and pick[0] not in found:
                found.append(pick[0])
        if re.search(r"hospital|department", text, re.I):
            for m in self._dep_re.finditer(text):
                e = self._dep.get(m.group(1).lower())
                if e is not None and e not in found:
                    found.append(e)
        return found

    # ------------------------------------------------------------------ parse
    def parse(self, text: str, active: str | None = None, focus: Entity | None = None,
              train: dict[str, str] | None = None) -> MultiwozParse:
        """The acts of ``text``; ``active`` is the domain under discussion, ``focus`` the venue
        (both from the public state) used when the text names neither; ``train`` the train
        constraints (to tell apart the rows of one train id). A pure function of its
        arguments, so results are memoised (templates recur across episodes)."""
        key = (text, active, focus.id if focus is not None else None,
               tuple(sorted((train or {}).items())))
        hit = self._memo.get(key)
        if hit is None:
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            hit = self._memo[key] = self._parse(text, active, focus, dict(key[3]))
        return hit

    def _parse(self, text: str, active: str | None, focus: Entity | None,
               train: dict[str, str]) -> MultiwozParse:
        low = text.lower()
        hits = {k: bool(p.search(text)) for k, p in _CUES.items()}
        ents = self.entities(text, train)
        domain = self._domain(low, ents, active)
        # a booking question and a no-offer phrase inside a booking report are not offers
        if hits["book"]:
            hits["offerbook"] = hits["offerbook"] and not _REF.search(text)
            hits["nobook"] = hits["nobook"] and not _REF.search(text)
        if hits["nobook"]:
            hits["nooffer"] = False
        if hits["book"] and not (_REF.search(text) or self._car_re and self._car_re.search(text)):
            hits["book"] = False
        requests = self._requests(text, domain)
        if len(ents) >= 2 and "?" in text and (hits["select"] or re.search(r"\bor\b", low)):
            hits["select"] = True
        elif len(ents) < 2:
            hits["select"] = False
        if hits["recommend"] and not ents:
            hits["recommend"] = False
        facts, fact_acts = self._facts(text, ents, focus, domain)
        inform = bool(ents) or bool(fact_acts)
        moves: list[str] = [k for k in ("book", "nobook", "offerbook", "nooffer", "select", "recommend")
                            if hits[k]]
        if inform and not any(m in moves for m in ("book", "select", "recommend")):
            moves.append("inform")
        if requests and not hits["offerbook"]:
            moves.append("request")
        for k in ("reqmore", "welcome", "bye"):
            if hits[k]:
                moves.append(k)
        main_offer = next((m for m in ("book", "select", "recommend", "offerbook") if m in moves), "inform")
        acts: list[Act] = []
        for e in ents:
            acts.append(Act(main_offer, e.domain, "id", e.id))
            acts.append(Act(main_offer, e.domain, "name", e.name))
        for (_, slot, value), d in fact_acts:
            intent = "book" if slot in ("ref", "car type") or (d == "taxi" and hits["book"]) else main_offer
            acts.append(Act(intent, d, slot, value))
        if hits["book"] and domain == "taxi":
            acts.append(Act("book", "taxi", "", ""))
        for slot in requests:
            acts.append(Act("request", self._request_domain(slot, domain), slot, "?"))
        for k in ("nooffer", "nobook", "offerbook", "reqmore", "welcome", "bye"):
            if hits[k]:
                acts.append(Act(k, domain or "general" if k in ("nooffer", "nobook", "offerbook") else
                                "general", "", ""))
        m = _CHOICE.search(text)
        if m and domain:
            acts.append(Act("inform", domain, "choice", m.group(1)))
        ordered = [s for s in PRIORITY if s in moves]
        ids = tuple(ID[s] for s in ordered)
        return MultiwozParse(
            strategy=ids[0] if ids else None, moves=ids, products=tuple(e.id for e in ents),
            facts=tuple(facts), acts=tuple(acts),
        )

    def _domain(self, low: str, ents: list[Entity], active: str | None) -> str | None:
        if ents:
            return ents[0].domain
        if re.search(r"\b(taxi|cab)\b", low):
            return "taxi"
        if self._car_re is not None and self._car_re.search(low):
            return "taxi"
        scores = {d: len(re.findall(rf"\b({p})\b", low)) for d, p in _DOMAIN_WORDS.items()}
        best = max(scores.values())
        if best and (active is None or scores.get(active, 0) < best):
            return max(scores, key=lambda d: (scores[d], d == active))
        return active

    def _request_domain(self, slot: str, domain: str | None) -> str:
        return domain or "general"

    def _requests(self, text: str, domain: str | None) -> list[str]:
        out: list[str] = []
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            if not sentence.rstrip().endswith("?"):
                continue
            # "shall I book it? for how many people?" keeps its slot questions
            if (_CUES["reqmore"].search(sentence) or _CUES["offerbook"].search(sentence)) and \
                    not re.search(r"how many|what (day|time)|which day|how long", sentence, re.I):
                continue
            for slot, pat in _REQUEST_SLOTS:
                if pat.search(sentence) and slot not in out:
                    if slot == "time" and domain in ("train", "taxi"):
                        continue
                    if slot == "pricerange" and domain not in ("restaurant", "hotel", None):
                        continue
                    if slot in ("leaveAt", "arriveBy") and domain not in ("train", "taxi", None):
                        continue
                    if slot == "day" and domain == "taxi":
                        continue
                    out.append(slot)
        return out

    def _facts(self, text: str, ents: list[Entity], focus: Entity | None, domain: str | None):
        """(entity id, slot, value) claims, and each with the domain it is about."""
        target = ents[0] if len(ents) == 1 else (focus if not ents else None)
        tid = target.id if target is not None else None
        tdom = target.domain if target is not None else domain
        out: list[tuple[str, str, str]] = []
        acts: list[tuple[tuple[str, str, str], str]] = []

        def add(slot: str, value: str, who: str | None = tid, dom: str | None = tdom) -> None:
            if who is None or dom is None:
                return
            fact = (who, slot, value)
            if fact not in out:
                out.append(fact)
                acts.append((fact, dom))

        if domain == "taxi" and not ents:
            m = self._car_re.search(text) if self._car_re else None
            if m:
                add("car type", f"{m.group(1).lower()} {m.group(2).lower()}", "taxi", "taxi")
            for m in _PHONE.finditer(text):
                add("phone", m.group(1), "taxi", "taxi")
            return out, acts
        refs = [m.span(1) for m in _REF.finditer(text)]
        for m in _REF.finditer(text):
            add("ref", m.group(1).upper())
        for m in _PHONE.finditer(text):
            add("phone", m.group(1))
        for m in _POSTCODE.finditer(text):
            if not any(a <= m.start(1) < b for a, b in refs):
                add("postcode", re.sub(r"\s", "", m.group(1).lower()))
        for m in _ADDRESS.finditer(text):
            add("address", m.group(1).strip().lower())
        for m in _UNLISTED.finditer(text):
            add(_UNLISTED_SLOT[m.group(1).lower()], "?")
        if tdom == "train":
            for m in _LEAVE.finditer(text):
                add("leaveAt", m.group(1))
            for m in _ARRIVE.finditer(text):
                add("arriveBy", m.group(1))
            for m in _PRICE.finditer(text):
                add("price", f"{m.group(1) or m.group(2)} pounds")
            for m in _DURATION.finditer(text):
                add("duration", f"{m.group(1)} minutes")
            if target is not None and target.domain == "train" and target in ents:
                add("trainID", target.name)
        if tdom in ("restaurant", "hotel", "attraction"):
            for m in _AREA.finditer(text):
                add("area", (m.group(1) or m.group(2)).lower())
        if tdom in ("restaurant", "hotel"):
            for m in _PRICERANGE.finditer(text):
                add("pricerange", m.group(1).lower())
        if tdom == "restaurant":
            for m in self._food_re.finditer(text):
                add("food", m.group(1).lower())
        if tdom == "hotel":
            for m in _STARS.finditer(text):
                add("stars", m.group(1))
            if _NO_WIFI.search(text):
                add("internet", "no")
            elif _WIFI.search(text) and "?" not in text:
                add("internet", "yes")
            if _NO_PARKING.search(text):
                add("parking", "no")
            elif _PARKING.search(text) and "?" not in text:
                add("parking", "yes")
            for m in _HOTEL_TYPE.finditer(text):
                add("type", m.group(1).lower().replace(" ", ""))
        if tdom == "attraction":
            for m in self._attr_type_re.finditer(text):
                add("type", m.group(1).lower())
            for m in _FEE.finditer(text):
                v = (m.group(1) or m.group(2) or m.group(3)).lower()
                if v not in ("not listed", "unknown"):
                    add("entrance fee", v)
        return out, acts
