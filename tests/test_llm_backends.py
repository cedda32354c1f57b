"""The transformers backend on the tiny model: batching, seeding, context limits; model resolution
never downloads and says how to provide a local path."""

from __future__ import annotations

import pytest
from llm_support import tiny_model_dir

from agents.llm.backends import (
    ModelNotFoundError,
    TransformersBackend,
    cut_at_stop,
    make_backend,
    resolve_model_path,
)

PROMPTS = [
    "Shop dialogue. Write the assistant's next message.\nCustomer: Hello, I need a book.\n"
    "Strategy: greet\nAssistant:",
    "Shop dialogue. Write the assistant's next message.\nCustomer: I need a tent.\nNeed: tent\n"
    "Strategy: elicit_preferences\nAssistant:",
    "Shop dialogue. Write the assistant's next message.\nCustomer: Hi\nAssistant:",
    "Shop dialogue. Write the customer's next message, keeping its meaning.\nAct: greeting, neutral\n"
    "Meaning: Hello!\nCustomer:",
]


@pytest.fixture(scope="module")
def tiny():
    return TransformersBackend(tiny_model_dir(), device="cpu", batch_size=4)


def test_greedy_batched_equals_one_by_one(tiny):
    batched = tiny.generate(PROMPTS, max_new_tokens=16)
    single = [tiny.generate([p], max_new_tokens=16)[0] for p in PROMPTS]
    assert batched == single
    assert all(isinstance(t, str) for t in batched)


def test_seeded_sampling_repeats_and_differs_across_seeds(tiny):
    a = tiny.generate(PROMPTS, max_new_tokens=16, temperature=1.0, seed=11)
    b = tiny.generate(PROMPTS, max_new_tokens=16, temperature=1.0, seed=11)
    c = tiny.generate(PROMPTS, max_new_tokens=16, temperature=1.0, seed=12)
    assert a == b
    assert a != c


def test_seeded_sampling_leaves_the_global_rng_alone(tiny):
    import torch

    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    tiny.generate(PROMPTS[:1], max_new_tokens=4, temperature=1.0, seed=5)
    assert torch.equal(torch.rand(3), expected)


def test_stats_count_responses_and_tokens(tiny):
    before = tiny.stats.responses, tiny.stats.new_tokens
    tiny.generate(PROMPTS, max_new_tokens=8)
    assert tiny.stats.responses - before[0] == len(PROMPTS)
    assert 0 < tiny.stats.new_tokens - before[1] <= 8 * len(PROMPTS)


def test_long_prompts_are_cut_from_the_left_to_fit(tiny):
    long = "Customer: hello there\n" * 400 + "Strategy: greet\nAssistant:"
    assert isinstance(tiny.generate([long], max_new_tokens=8)[0], str)
    with pytest.raises(ValueError, match="leaves no room"):
        tiny.generate([long], max_new_tokens=tiny.context_length)


def test_bad_input_is_refused(tiny):
    with pytest.raises(TypeError, match="wrap a single prompt in a list"):
        tiny.generate("a prompt")
    with pytest.raises(ValueError, match="top_p"):
        tiny.generate(["x"], top_p=0)


def test_cut_at_stop():
    assert cut_at_stop(" Hello!\nCustomer: hi", ("\n",)) == "Hello!"
    assert cut_at_stop("a b", ()) == "a b"


def test_a_hub_name_without_a_local_copy_fails_fast_with_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))  # an empty cache
    with pytest.raises(ModelNotFoundError) as e:
        TransformersBackend("gopo-bench-tests/no-such-model-7b")
    message = str(e.value)
    assert "gopo-bench-tests/no-such-model-7b" in message and "HF_HUB_OFFLINE=1" in message
    assert "--local-dir" in message and "train-tiny" in message


def test_paths_that_are_not_checkpoints_are_explained(tmp_path):
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        resolve_model_path(tmp_path / "missing")
    with pytest.raises(ModelNotFoundError, match="no config.json"):
        resolve_model_path(tmp_path)
    assert resolve_model_path(tiny_model_dir()) == tiny_model_dir()


def test_no_model_and_no_default_tiny_model_says_how_to_train_it(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    with pytest.raises(ModelNotFoundError, match="gopo-bench llm train-tiny --out"):
        make_backend()
