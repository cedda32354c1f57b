"""The LLM customer words the simulator's acts: outcomes stay those of the template customer, and
the words repeat for the same seed (in this process and in another one)."""

from __future__ import annotations

import json
import subprocess
import sys

import gymnasium as gym
from llm_support import StubBackend, tiny_model_dir

import gopo_env  # noqa: F401
from agents.llm.customer import LLMCustomer


def play(surface=None, seed=11):
    env = gym.make("GOPO-Mgshop-v0", split="test", surface=surface)
    env.reset(seed=seed)
    d = env.unwrapped.dialogue
    while not d.done:
        env.step(int(d.builtin_strategy()))
    return d


def tiny_customer():
    return LLMCustomer(llm_path=tiny_model_dir(), device="cpu", max_new_tokens=24)


def test_the_llm_customer_keeps_outcomes_identical():
    template, llm = play(), play(tiny_customer())
    assert llm.summary() == template.summary()
    assert [t.intent for t in llm.transcript] == [t.intent for t in template.transcript]
    assert [t.response for t in llm.transcript] == [t.response for t in template.transcript]


def test_the_llm_customer_is_deterministic_per_seed():
    customer = tiny_customer()
    a, b = play(customer).render_text(), play(customer).render_text()
    assert a == b
    assert customer.counts["utterances"] == 2 * len(play().transcript)
    assert play(tiny_customer(), seed=12).render_text() != a


def test_the_prompt_carries_the_hidden_act_and_the_seed_comes_from_the_surface_stream():
    stub = StubBackend(lambda p, i, s: f"words {s}")
    d = play(LLMCustomer(backend=stub))
    template = play()
    first = stub.calls[0]["prompts"][0]
    assert "Act: greeting" in first and f"Meaning: {template.transcript[0].customer}" in first
    assert [t.customer for t in d.transcript] == [f"words {c['seed']}" for c in stub.calls]
    again = play(LLMCustomer(backend=StubBackend(lambda p, i, s: f"words {s}")))
    assert again.render_text() == d.render_text()


def test_empty_generations_fall_back_to_the_template_words():
    customer = LLMCustomer(backend=StubBackend(lambda p, i, s: "  "))
    d = play(customer)
    assert [t.customer for t in d.transcript] == [t.customer for t in play().transcript]
    assert customer.counts["fallbacks"] == customer.counts["utterances"] == len(d.transcript)


def test_the_words_repeat_in_another_process():
    code = ("import sys, json; sys.path.insert(0, 'tests'); from test_llm_customer import play, LLMCustomer;"
            f"print(json.dumps(play(LLMCustomer(llm_path={str(tiny_model_dir())!r}, device='cpu', "
            "max_new_tokens=24)).render_text()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**__import__("os").environ, "HF_HUB_OFFLINE": "1"})
    assert json.loads(out.stdout.strip().splitlines()[-1]) == play(tiny_customer()).render_text()
