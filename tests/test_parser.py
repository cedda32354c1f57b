"""The parser recovers strategy, items and facts from any text, realizer output included."""

from __future__ import annotations

import gymnasium as gym
import pytest

from gopo_env.domains.mgshop.catalogue import embedded_catalogue
from gopo_env.domains.mgshop.parser import category_parser
from gopo_env.domains.mgshop.strategies import ID, STRATEGIES

BOOKS = embedded_catalogue()["books"]
PARSER = category_parser("books", BOOKS)


def test_realizer_output_is_parsed_as_its_strategy_everywhere():
    """Through whole SOP and random episodes, every built-in response is aligned and faithful."""
    env = gym.make("GOPO-Mgshop-v0", split="dev")
    for seed in range(60):
        obs, info = env.reset(seed=seed)
        d = env.unwrapped.dialogue
        done = False
        while not done:
            mask = obs["action_mask"]
            s = d.builtin_strategy() if seed % 2 else int(mask.nonzero()[0][seed % mask.sum()])
            obs, _, term, trunc, info = env.step(s)
            assert info["aligned"], (STRATEGIES[s], info["response"])
            assert info["faithful"], info["response"]
            done = term or trunc


@pytest.mark.parametrize("text, strategy", [
    ("Hi! Welcome to our little bookshop.", "greet"),
    ("So, what kind of book are you looking for?", "elicit_need"),
    ("Hello! How can I help you today?", "elicit_need"),
    ("What's your price range, roughly?", "elicit_preferences"),
    ("If I understand you correctly, a thriller in paperback?", "clarify"),
    ("I looked through the shelves and found a few matching options.", "search"),
    ("How about this one? Readers love it.", "recommend"),
    ("Let me tell you more about this one.", "explain"),
    ("As for your question, yes it is.", "answer"),
    ("Is there anything you'd like to know about it?", "open_question"),
    ("Would you like to buy it?", "close"),
    ("Thanks for your visit, bye!", "end"),
    ("The weather is nice.", None),
])
def test_free_text_strategies(text, strategy):
    parsed = PARSER.parse(text)
    assert parsed.strategy == (ID[strategy] if strategy else None)


def test_products_and_facts_are_attached_to_the_item_named_before_them():
    a, b = BOOKS[0], BOOKS[7]
    text = (f"I found {a.name} (${a.price:.2f}, rated {a.rating:.1f}/5) and "
            f"{b.name.split(' by ')[0]}, which is {b.attributes['format']} and costs ${b.price + 1:.2f}.")
    parsed = PARSER.parse(text)
    assert parsed.products == (a.id, b.id)
    assert (a.id, "price", f"{a.price:.2f}") in parsed.facts
    assert (a.id, "rating", f"{a.rating:.1f}") in parsed.facts
    assert (b.id, "format", b.attributes["format"]) in parsed.facts
    wrong = (b.id, "price", f"{b.price + 1:.2f}")
    assert wrong in parsed.facts and not PARSER.is_true(wrong)
    assert all(PARSER.is_true(f) for f in parsed.facts if f != wrong)


def test_unicode_and_case_do_not_break_parsing():
    p = BOOKS[3]
    parsed = PARSER.parse(f"¡Hola! I’d RECOMMEND {p.name.upper()} — só ${p.price:.2f} 😊")
    assert parsed.strategy == ID["recommend"] and parsed.products == (p.id,)
