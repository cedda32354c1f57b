"""The real-words customer (``surface="mgshopdial"``) says well-formed, on-topic things, in every
real scenario (issue 17 item 6): whole words, plurals kept, no repeated words, no other kind's
topic, a plain greeting in reply to a greeting."""

from __future__ import annotations

import re

import gymnasium as gym
import numpy as np
import pytest

import gopo_env  # noqa: F401
from gopo_env.core.domain import SPLITS, CustomerAct
from gopo_env.domains.mgshop.mgshopdial.real import VOCABULARIES
from gopo_env.domains.mgshop.mgshopdial.surface import NEED, _adapt, _Entry, _stem, topic_lexicon
from gopo_env.domains.mgshop.surface import SurfaceContext

SEEDS = (0, 1, 2)
REPEATED = re.compile(r"\b(\w+(?: \w+)?) \1\b", re.IGNORECASE)


def _transcripts(data_dir):
    """(scenario, transcript) for every real scenario of every split, SOP with random detours."""
    for split in SPLITS:
        env = gym.make("GOPO-Mgshop-v0", split=split, source="mgshopdial", data_dir=data_dir,
                       surface="mgshopdial")
        d = env.unwrapped.dialogue
        for sid in env.unwrapped.scenario_ids():
            for seed in SEEDS:
                env.reset(seed=seed, options={"scenario_id": sid})
                rng = np.random.default_rng(seed)
                while not d.done:
                    masked = np.flatnonzero(d.mask())
                    env.step(d.builtin_strategy() if rng.random() < 0.8 else int(rng.choice(masked)))
                yield d.scenario, list(d.transcript), d.domain.catalogues[d.scenario.category]


def _glued_kind(text: str, category: str) -> str | None:
    """A kind name run together with other letters ("smartphoneger", "running shoess")."""
    kinds = [kind for kind, _, _ in VOCABULARIES[category].kinds]
    inside_other = [(m.start(), m.end()) for k in kinds for m in re.finditer(re.escape(k), text, re.I)]
    for kind in kinds:
        for m in re.finditer(re.escape(kind), text, re.IGNORECASE):
            if any(a <= m.start() and m.end() <= b and (a, b) != m.span() for a, b in inside_other):
                continue  # "pen" in "pencil case"
            before = text[m.start() - 1] if m.start() else " "
            tail = re.match(r"[A-Za-z]*", text[m.end():]).group()
            plural_ok = tail.lower() in ("", "s", "es") and not (kind.endswith("s") and tail)
            if before.isalpha() or not plural_ok:
                return text[max(0, m.start() - 10):m.end() + 10]
    return None


def test_every_real_scenario_speaks_well_formed_on_topic_words(mgshopdial_dir):
    problems, surfaced = [], 0
    lexicons = {c: topic_lexicon(c) for c in VOCABULARIES}
    for scenario, transcript, products in _transcripts(str(mgshopdial_dir)):
        kinds = {item.kind for item in scenario.items}
        opening = transcript[0].customer
        names = re.compile("|".join(re.escape(p.name) for p in sorted(products, key=lambda p: -len(p.name))))
        for rec in transcript:
            where = f"{scenario.id} turn {rec.turn} ({rec.intent}): {rec.customer!r}"
            text = names.sub("<item>", rec.customer)  # a product's own name is not the customer's words
            surfaced += 1
            if m := REPEATED.search(text):
                problems.append(f"repeated words {m.group()!r} in {where}")
            if glued := _glued_kind(text, scenario.category):
                problems.append(f"kind run into other letters {glued!r} in {where}")
            for word in re.findall(r"[A-Za-z]+", text):
                named = lexicons[scenario.category].get(_stem(word))
                if named is not None and not named & kinds:
                    problems.append(f"off-topic {word!r} (names {sorted(named)}, scenario has "
                                    f"{sorted(kinds)}) in {where}")
            if rec.turn and rec.intent == "greeting" and (
                    text == opening or re.search(NEED, text, re.IGNORECASE)):
                problems.append(f"reply to a greeting repeats a need/the opening in {where}")
    assert surfaced > 500
    assert not problems, f"{len(problems)} malformed utterances, e.g.:\n" + "\n".join(problems[:15])


def _entry(text, entities):
    return _Entry(text, "disclose", "search", entities)


@pytest.mark.parametrize("text, span, value, category, expected", [
    ("I need ice skates", "skates", "ice skates", "sports_outdoors", "I need ice skates"),
    ("I need a pair of running shoes", "running shoes", "running shoes", "sports_outdoors",
     "I need a pair of running shoes"),
    ("We need some cartridges", "cartridges", "ink cartridge", "office_products",
     "We need some ink cartridges"),
    ("I'd like a racquet", "racquet", "ice skates", "sports_outdoors", "I'd like ice skates"),
    ("I'd like a racquet", "racquet", "ink cartridge", "office_products", "I'd like an ink cartridge"),
    ("Looking for French thrillers", "thrillers", "trivia", "books", "Looking for French trivia books"),
])
def test_adapting_a_kind_keeps_words_whole_and_number_right(text, span, value, category, expected):
    start = text.index(span)
    entry = _entry(text, ((start, start + len(span), "kind"),))
    assert _adapt(entry, [("kind", value)], category) == expected


def test_a_kind_rule_inside_a_longer_word_makes_the_utterance_unusable():
    from gopo_env.domains.mgshop.mgshopdial.surface import _entities

    vocabulary = VOCABULARIES["cellphones_accessories"]
    kind_rules = [r for _, item_rule, d in vocabulary.kinds for r in (item_rule, d) if r]
    assert _entities("I want to be a vlogger", kind_rules, []) is None  # was "a smartphoneger"
    assert _entities("I need two microphones", kind_rules, []) == ((11, 22, "kind"),)


def test_a_reply_to_a_greeting_is_a_plain_greeting(mgshopdial_dir):
    env = gym.make("GOPO-Mgshop-v0", source="mgshopdial", data_dir=str(mgshopdial_dir), surface="mgshopdial")
    surface = env.unwrapped.dialogue.domain.surface
    scenario = env.unwrapped.dialogue.domain.scenarios("train")[0]
    act = CustomerAct("Hello!", "greeting")
    import random
    for turn in (1, 2):
        pool = surface.candidates(act, SurfaceContext(scenario, turn, 0, random.Random(0)))
        assert pool and not any(re.search(NEED, e.text, re.IGNORECASE) for e in pool)
    opening = surface.candidates(act, SurfaceContext(scenario, 0, None, random.Random(0)))
    assert all(re.search(NEED, e.text, re.IGNORECASE) for e in opening)
