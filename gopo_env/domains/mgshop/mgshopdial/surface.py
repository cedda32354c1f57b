"""Real MG-ShopDial words: a customer surface that speaks with real client utterances, and
reference assistant utterances per strategy for the generation metrics.

The surface (``gym.make(..., surface="mgshopdial")``) only rewrites the words of the act the
rule-based customer chose (see :mod:`gopo_env.domains.mgshop.surface`), so outcomes never
change. For each act it retrieves, from the same category, a real client utterance whose
majority intent is the act's MG-ShopDial intent (``intents.ACT_TO_CLIENT``) and whose
entities (kinds, prices, attribute values) are exactly the kinds of facts the act discloses;
those entities are then replaced by the act's own values. Utterances naming a product, a
brand, a person or a number that cannot be adapted are never used. With no such utterance the
template wording stays. Same-goal utterances are preferred; the draw uses the per-turn seeded
stream.

Well-formedness (checked over every real scenario by ``tests/test_surface_real.py``):

* an entity is a whole word or phrase: a kind rule matching inside a longer word ("vlog" in
  "vlogger") makes the utterance unusable, a plural ending ("running shoe" in "running shoes")
  is part of the entity, and the replacement keeps the number (``_adapt``);
* a replacement never repeats the words before it ("ice" + "ice skates");
* retrieval stays on topic: an utterance that names a kind of the category outside its entities
  (:func:`topic_lexicon`: "badminton", "helmets", "shoes") is used only in a scenario that has
  that kind;
* a reply to the assistant's greeting is a plain greeting (it states no need: the opening did).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from gopo_env.core.domain import CustomerAct
from gopo_env.core.errors import DomainError
from gopo_env.core.frozen import share_on_deepcopy
from gopo_env.domains.mgshop.catalogue import CATEGORIES
from gopo_env.domains.mgshop.mgshopdial.intents import ACT_TO_CLIENT, turn_strategies
from gopo_env.domains.mgshop.mgshopdial.loader import MgshopDialData, load_mgshopdial
from gopo_env.domains.mgshop.mgshopdial.real import VOCABULARIES, real_source
from gopo_env.domains.mgshop.strategies import STRATEGIES
from gopo_env.domains.mgshop.surface import SurfaceContext, register_surface

_PRICE = re.compile(r"\$\s?(\d+(?:[.,]\d{1,2})?)")
_GB = re.compile(r"\b\d+\s?GB\b", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_ARTICLE = re.compile(r"\b(an?) $", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z]+")
_PLURAL_TAIL = ("s", "es")
# a person's name ("Agatha Christie is more about ..."): not adaptable, so not used
_NAME = re.compile(r"\b(?!(?:Hi|Hello|Hey|Good|Thank|Thanks|Dear|Ok|Okay|Yes|No|Well|So)\b)"
                   r"[A-Z][a-z]+ [A-Z][a-z]+\b")
_REPEAT = re.compile(r"\b(\w+(?: \w+)?) \1\b", re.IGNORECASE)  # "at least at least"
NEED = r"\b(?:looking|need|want|buy|search\w*|shopping|present|gift|ask|interested|help)\b"
"""Words of a need statement: an opening has one, a reply to the assistant's greeting has none."""

# kind-rule words too generic to mark a topic ("light" weight, a pencil "case", phone accessories)
_GENERIC = frozenset({"true", "facts", "story", "love", "fiction", "case", "set", "copy", "art",
                      "supplies", "printer", "phone", "cell", "android", "light", "lights", "kit",
                      "stick", "video", "gear"})
# words that name a kind but are in no kind rule (a racquet's strings, a shuttlecock's feathers)
_EXTRA_TOPICS: Mapping[str, Mapping[str, str]] = {
    "sports_outdoors": {"string": "badminton racquet", "court": "badminton racquet",
                        "feather": "shuttlecock"},
}

QUESTION_CUES: Mapping[str, str] = {
    "color": r"colou?r", "material": r"made (?:of|from)|material", "rating": r"rat(?:ed|ing)|reviews?|stars?",
    "storage": r"storage|memory|\bGB\b", "author": r"author|wrote|written by",
    "format": r"format|paperback|ebook",
    "audience": r"written for|audience|for (?:kids|adults)", "length": r"how long|pages",
    "protection": r"waterproof|water.?resistant", "weight": r"weigh|heavy|light", "warranty": r"warranty",
    "compatibility": r"compatible|work with", "brand": r"brand|who makes",
}
"""Question attribute -> words a real question about it uses (a question must match one)."""

CUES: Mapping[str, str] = {
    "greeting": r"\b(?:hi|hello|hey|good (?:morning|afternoon|evening))\b",
    "goodbye": r"\b(?:bye|goodbye|thanks?|thank you)\b",
    "buy": r"\b(?:take|buy|purchase|order|add)\b",
    "confirm": r"\b(?:yes|yeah|yep|exactly|correct|right)\b",
}
"""Act -> words its real utterance must contain (a closing greeting is not an opening one)."""

FALLBACK_ACTS = ("leave", "nf", "interaction")
"""Acts always kept in template words: their exact meaning (leaving, the reason for a complaint,
"no questions", "let's find something first") matters to the assistant and real utterances
with these intents say too many different things."""


@dataclass(frozen=True)
class _Entry:
    text: str
    intent: str
    goal: str
    entities: tuple[tuple[int, int, str], ...]
    """(start, end, type): type "kind", "price" or "attr:<name>", in text order."""
    topics: tuple[frozenset[str], ...] = ()
    """For each topic word outside the entities: the kinds it names (one must be the scenario's)."""


def _stem(word: str) -> str:
    word = word.lower()
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def topic_lexicon(category: str) -> dict[str, frozenset[str]]:
    """Stemmed topic word -> the kinds of ``category`` it names, from the kind names and rules.

    Generic words (:data:`_GENERIC`) are left out: they do not tell one kind from another.
    """
    lexicon: dict[str, set[str]] = {}
    for kind, item_rule, description_rule in VOCABULARIES[category].kinds:
        words = set(re.findall(r"[a-z]{3,}", kind))
        for rule in (item_rule, description_rule or ""):
            for alternative in rule.split("|"):
                alternative = re.sub(r"\\b|\(\?:|\)|\?|\[.*?\]|\\s\+?", " ", alternative)
                words |= set(re.findall(r"[a-z]{3,}", alternative))
        for word in words - _GENERIC:
            lexicon.setdefault(_stem(word), set()).add(kind)
    for word, kind in _EXTRA_TOPICS.get(category, {}).items():
        lexicon.setdefault(_stem(word), set()).add(kind)
    return {w: frozenset(k) for w, k in lexicon.items()}


def _topics(text: str, spans, lexicon: Mapping[str, frozenset[str]]) -> tuple[frozenset[str], ...]:
    found = []
    for m in _WORD.finditer(text):
        if any(a <= m.start() < b for a, b, _ in spans):
            continue
        kinds = lexicon.get(_stem(m.group()))
        if kinds is not None:
            found.append(kinds)
    return tuple(found)


def _a(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def _value_rules(category: str, data_values: Mapping[str, tuple[str, ...]]) -> list[tuple[str, str]]:
    """(entity type, regex) for every attribute value of the real and the embedded vocabularies."""
    rules = []
    for source in (data_values, CATEGORIES[category].attributes):
        for attr, values in source.items():
            if attr == "storage":
                continue
            for v in values:
                rules.append((f"attr:{attr}", rf"(?<![\w-]){re.escape(v)}(?![\w-])"))
    return rules


def _blocked(category: str, data: MgshopDialData) -> re.Pattern:
    """Product-specific words (brands, titles): an utterance naming one cannot be adapted."""
    words = set()
    for item in data.catalogues[category]:
        head = re.split(r"\s+by\s+|[:(|,]", item.name)[0].strip()
        first = item.name.split()[0].strip(",.-")
        if category == "books" and len(head) > 3:
            words.add(head)
        if len(first) > 2 and first[0].isupper():
            words.add(first)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in sorted(words)) + r")(?!\w)",
                      re.IGNORECASE)


def _whole(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The match widened to whole words; None if it sits inside a longer word (not a plural)."""
    left = start
    while left > 0 and (text[left - 1].isalnum() or text[left - 1] == "-"):
        left -= 1
    right = end
    while right < len(text) and (text[right].isalnum() or text[right] == "-"):
        right += 1
    if left != start or text[end:right].lower() not in ("", *_PLURAL_TAIL):
        return None
    return start, right


def _entities(text: str, kind_rules, value_rules) -> tuple[tuple[int, int, str], ...] | None:
    """Entity spans of ``text``, or None if it cannot be adapted: a number that is not a price or
    a size in GB, or a kind or value found inside a longer word ("vlog" in "vlogger")."""
    spans: list[tuple[int, int, str]] = []
    for m in _PRICE.finditer(text):
        spans.append((m.start(), m.end(), "price"))
    for m in _GB.finditer(text):
        spans.append((m.start(), m.end(), "attr:storage"))
    covered = "".join(" " if any(a <= i < b for a, b, _ in spans) else ch for i, ch in enumerate(text))
    if _DIGIT.search(covered):
        return None
    for etype, rule in [*(("kind", r) for r in kind_rules), *value_rules]:
        for m in re.finditer(rule, text, re.IGNORECASE):
            if any(a < m.end() and m.start() < b for a, b, _ in spans):
                continue
            whole = _whole(text, m.start(), m.end())
            if whole is None:
                return None
            spans.append((*whole, etype))
    return tuple(sorted(spans))


@lru_cache(maxsize=4)
def _index(root: str) -> dict[str, tuple[_Entry, ...]]:
    """Category -> usable real client utterances."""
    data = load_mgshopdial(root)
    catalogues = real_source(root).catalogues
    out: dict[str, list[_Entry]] = {c: [] for c in data.catalogues}
    rules = {}
    for c in data.catalogues:
        kind_rules = [r for _, item_rule, d in VOCABULARIES[c].kinds for r in (item_rule, d) if r]
        rules[c] = (kind_rules, _value_rules(c, catalogues[c].schema.attributes), _blocked(c, data),
                    topic_lexicon(c))
    for dialogue in data.dialogues:
        kind_rules, value_rules, blocked, lexicon = rules[dialogue.category]
        for utt in dialogue.utterances:
            text = " ".join(utt.text.split())
            if utt.speaker != "customer" or not text or "[NAME]" in text or len(text) > 200 \
                    or blocked.search(text) or _NAME.search(text) or _REPEAT.search(text):
                continue
            entities = _entities(text, kind_rules, value_rules)
            if entities is not None:
                out[dialogue.category].append(
                    _Entry(text, utt.intent, utt.goal, entities, _topics(text, entities, lexicon)))
    return {c: tuple(v) for c, v in out.items()}


def _required(act: CustomerAct) -> tuple[list[tuple[str, str]], str | None]:
    """Facts the words must carry: (entity type, value) in disclosure order, and a question attribute."""
    facts, question = [], None
    for slot, value in act.disclosed:
        head, _, rest = slot.partition(":")
        if head == "kind":
            facts.append(("kind", value))
        elif head == "max_price":
            facts.append(("price", value))
        elif head == "attr":
            facts.append((f"attr:{rest.split(':', 1)[1]}", value))
        elif head == "min_rating":
            facts.append(("min_rating", value))  # no real utterance is adapted for it
        elif head == "question":
            question = value
    return facts, question


def _plural(noun: str, category: str) -> str:
    if category == "books":  # genres are not counted: "thrillers" -> "trivia books"
        return f"{noun} books"
    return noun + ("es" if noun.endswith(("s", "x", "z", "ch", "sh")) else "s")


def _adapt(entry: _Entry, facts: list[tuple[str, str]], category: str) -> str:
    """The entry's text with each entity replaced by the act's value of the same type (in order).

    A kind keeps the number of the words it replaces ("cartridges" -> "ink cartridges"; a plural
    value loses a singular article), and words just before it that the value repeats are dropped
    ("ice skates" for "skates" after "ice").
    """
    queues: dict[str, list[str]] = {}
    for etype, value in facts:
        queues.setdefault(etype, []).append(value)
    parts, last = [], 0
    for start, end, etype in entry.entities:
        value = queues[etype].pop(0)
        before = entry.text[last:start]
        if etype == "price":
            value = f"${float(value):.0f}" if float(value).is_integer() else f"${float(value):.2f}"
        elif etype == "kind":
            original = entry.text[start:end]
            if original.lower().endswith("s") and not value.endswith("s"):
                value = _plural(value, category)
        words = value.split()
        for k in range(len(words) - 1, 0, -1):  # "ice " + "ice skates", "at least " + "at least 16GB"
            head = " ".join(words[:k]) + " "
            if before.lower().endswith(head.lower()):
                before = before[: len(before) - len(head)]
                break
        if etype == "kind" and (m := _ARTICLE.search(before)):
            before = before[: m.start()]
            value = value if value.endswith("s") else _a(value)
        parts += [before, value]
        last = end
    return "".join(parts) + entry.text[last:]


@share_on_deepcopy
class RealUtteranceSurface:
    """``surface(act, context) -> text`` drawing real client utterances (see the module doc)."""

    def __init__(self, data_dir: str | Path | None = None) -> None:
        self.root = str(load_mgshopdial(data_dir).root)
        self.index = _index(self.root)

    def candidates(self, act: CustomerAct, context: SurfaceContext) -> list[_Entry]:
        """Real utterances that can voice ``act``, same-goal ones only if there are any."""
        if act.intent in FALLBACK_ACTS:
            return []
        facts, question = _required(act)
        if act.intent == "disclose" and not facts:
            return []  # "no particular requirements": real disclosures always state something
        wanted = sorted(t for t, _ in facts)
        cue = CUES.get("greeting" if act.intent == "greeting" else act.intent)
        q_cue = QUESTION_CUES.get(question) if question else None
        if question and q_cue is None:
            return []
        intent = ACT_TO_CLIENT[act.intent]
        kinds = {item.kind for item in context.scenario.items}
        need = None
        if act.intent == "greeting":  # the opening states a need; a reply to a greeting does not
            need = context.turn == 0
        pool = [e for e in self.index.get(context.scenario.category, ())
                if e.intent == intent and sorted(t for *_, t in e.entities) == wanted
                and (cue is None or re.search(cue, e.text, re.IGNORECASE))
                and (q_cue is None or ("?" in e.text and re.search(q_cue, e.text, re.IGNORECASE)))
                and all(topic & kinds for topic in e.topics)
                and (need is None or bool(re.search(NEED, e.text, re.IGNORECASE)) == need)]
        same_goal = [e for e in pool if e.goal == context.scenario.goal]
        return same_goal or pool

    def __call__(self, act: CustomerAct, context: SurfaceContext) -> str:
        pool = self.candidates(act, context)
        if not pool:
            return act.utterance
        entry = pool[int(context.rng.random() * len(pool))]
        return _adapt(entry, _required(act)[0], context.scenario.category)

    def __repr__(self) -> str:
        return f"RealUtteranceSurface({self.root!r})"


def _factory(domain: object) -> RealUtteranceSurface:
    return RealUtteranceSurface(getattr(domain, "data_dir", None))


register_surface("mgshopdial", _factory)


def reference_utterances(data: MgshopDialData, strategy_name: str) -> tuple[str, ...]:
    """Real assistant turns that carry out ``strategy_name``, in file order.

    A turn is a run of consecutive assistant utterances (joined by a space); its strategy comes
    from its majority intents by the table ``intents.WIZARD_INTENT_RULE`` (a basket offer is
    ``close``), the same mapping calibration uses.
    """
    if strategy_name not in STRATEGIES:
        raise DomainError(f"mgshop: unknown strategy {strategy_name!r}; choose one of {STRATEGIES}")
    wanted = STRATEGIES.index(strategy_name)
    out = []
    for dialogue in data.dialogues:
        for turn, strategy in turn_strategies(dialogue):
            if strategy == wanted:
                out.append(" ".join(" ".join(u.text.split()) for u in turn.utterances).strip())
    return tuple(t for t in out if t)
