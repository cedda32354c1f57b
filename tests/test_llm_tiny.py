"""train-tiny: the corpus, the CLI, the atomic checkpoint and determinism."""

from __future__ import annotations

import json

import pytest
from llm_support import TEST_CONFIG

from agents.llm.prompts import ASSISTANT_CUE, CUSTOMER_CUE
from agents.llm.tiny import TinyConfig, default_tiny_dir, mgshopdial_examples, realizer_examples, train_tiny
from leaderboard.cli import main


def test_the_corpus_covers_every_strategy_the_monolithic_and_the_customer_prompts():
    examples = realizer_examples(episodes=8)
    from gopo_env.domains.mgshop.strategies import STRATEGIES

    prompts = [p for p, _ in examples]
    for name in STRATEGIES:
        assert any(f"Strategy: {name} " in p for p in prompts), name
    assert any(p.endswith(ASSISTANT_CUE) and "Strategy:" not in p for p in prompts)
    assert any(p.endswith(CUSTOMER_CUE) for p in prompts)
    assert all(t.strip() and "\n" not in t for _, t in examples)
    assert realizer_examples(episodes=8) == examples  # deterministic


def test_mgshopdial_assistant_utterances_join_the_corpus(mgshopdial_dir):
    examples = mgshopdial_examples(mgshopdial_dir)
    assert len(examples) > 100
    strategies = {p.rsplit("Strategy: ", 1)[1].split(" ")[0] for p, _ in examples}
    assert strategies >= {"greet", "recommend", "answer"}


def test_a_missing_data_dir_is_an_error_naming_it(tmp_path):
    from gopo_env.core.errors import DataError

    with pytest.raises(DataError, match=str(tmp_path)):
        mgshopdial_examples(tmp_path)


def test_cli_trains_into_the_default_cache_and_replaces_atomically(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    out = default_tiny_dir()
    assert out == tmp_path / "gopo-bench" / "tiny-lm"
    out.mkdir(parents=True)
    (out / "stale").write_text("old model")
    argv = ["llm", "train-tiny", "--steps", "2", "--episodes", "2", "--data-dir", "", "--no-progress"]
    assert main(argv) == 0
    assert "saved to" in capsys.readouterr().out
    files = {p.name for p in out.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "gopo_tiny.json"} <= files
    assert not (out / "stale").exists()
    assert [p.name for p in out.parent.iterdir()] == ["tiny-lm"]  # no staging leftovers
    meta = json.loads((out / "gopo_tiny.json").read_text())
    assert meta["config"]["steps"] == 2 and meta["parameters"] > 1_000_000


def test_same_seed_same_weights(tmp_path):
    small = {**TEST_CONFIG, "episodes": 3, "steps": 3}
    train_tiny(tmp_path / "a", TinyConfig(**small))
    train_tiny(tmp_path / "b", TinyConfig(**small))
    train_tiny(tmp_path / "c", TinyConfig(**{**small, "seed": 1}))
    weights = [(tmp_path / x / "model.safetensors").read_bytes() for x in "abc"]
    assert weights[0] == weights[1] and weights[0] != weights[2]
    tokenizers = [(tmp_path / x / "tokenizer.json").read_bytes() for x in "ab"]
    assert tokenizers[0] == tokenizers[1]


def test_bad_budgets_are_refused(tmp_path):
    with pytest.raises(ValueError, match="steps"):
        train_tiny(tmp_path / "x", TinyConfig(steps=0))
