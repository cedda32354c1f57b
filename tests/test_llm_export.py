"""gopo-bench export: rollouts → TRL-ready parquet datasets that pass TRL's own format checks."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("datasets")
pytest.importorskip("trl")

from datasets import load_dataset  # noqa: E402
from llm_support import chat_checkpoint  # noqa: E402
from trl.data_utils import is_conversational, maybe_apply_chat_template  # noqa: E402

from agents.llm import export as E  # noqa: E402
from baselines.random_agent import RandomAgent  # noqa: E402

ENV = "GOPO-Mgshop-v0"


@pytest.fixture(scope="module")
def rollouts():
    agents = {"builtin": None, **{f"random{k}": RandomAgent(seed=k) for k in range(3)}}
    return E.collect(ENV, agents, episodes=8, seeds=(0, 1))


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(chat_checkpoint("qwen2"))


def test_rollouts_share_customers_per_scenario_and_seed(rollouts):
    assert len(rollouts) == 4 * 8 * 2
    groups = E._groups(rollouts)
    assert len(groups) == 16 and all(len(g) == 4 for g in groups)
    for g in groups:  # same opening line for every agent: same customer
        assert len({r.records[0].customer for r in g}) == 1
        for r in g:
            assert len(r.contexts) == len(r.records) - 1  # one catalogue snapshot per assistant turn
            assert r.reward == pytest.approx(r.summary["tse"] + 0.25 * r.summary["esndcg"])


@pytest.mark.parametrize("kind", E.KINDS)
def test_each_kind_passes_trl_checks(rollouts, tokenizer, kind, tmp_path):
    rows = E.build(kind, rollouts)
    assert rows, kind
    out = E.write_dataset(rows, tmp_path / kind, kind, {
        "env_id": ENV, "env_version": 0, "split": "train", "strict": True, "agents": {"builtin": "x"},
        "seeds": [0, 1], "episodes": 8, "reward": E.reward_definition(E.REWARD_WEIGHTS), "options": {},
        "package_version": "test"})
    ds = load_dataset("parquet", data_files=str(out / E.DATA_FILE), split="train")
    assert len(ds) == len(rows)
    example = ds[0]
    assert is_conversational(example)
    rendered = maybe_apply_chat_template(example, tokenizer)
    if kind == "sft":
        assert set(rendered) >= {"text"} and "<|im_start|>assistant" in rendered["text"]
    else:
        assert set(rendered) >= {"prompt", "chosen", "rejected"}
        assert rendered["prompt"].endswith("<|im_start|>assistant\n")
        assert rendered["chosen"] != rendered["rejected"]
    card = (out / "README.md").read_text()
    assert f"env: {ENV} (version 0)" in card and "J = 1·TSE + 0.25·ESNDCG" in card
    meta = json.loads((out / E.META_FILE).read_text())
    assert meta["kind"] == kind and meta["rows"] == len(rows)


def test_turn_pairs_share_the_prefix_and_differ_in_one_assistant_turn(rollouts):
    rows = E.turn_pairs(rollouts)
    by_key = {(r.agent, r.scenario_id, r.episode_seed): r for r in rollouts}
    for row in rows:
        assert row["chosen_reward"] - row["rejected_reward"] > 0.01
        assert [m["role"] for m in row["chosen"]] == ["assistant"] == [m["role"] for m in row["rejected"]]
        assert row["chosen"][0]["content"] != row["rejected"][0]["content"]
        assert row["prompt"][-1]["role"] == "user"
        w = by_key[(row["chosen_agent"], row["scenario_id"], row["episode_seed"])]
        lo = by_key[(row["rejected_agent"], row["scenario_id"], row["episode_seed"])]
        t = row["turn"]
        assert w.responses()[:t - 1] == lo.responses()[:t - 1]
        assert w.responses()[t - 1] == row["chosen"][0]["content"]
        # the prompt holds the customer's lines up to turn t, with the facts the writer saw
        assert len([m for m in row["prompt"] if m["role"] == "user"]) == t


def test_strategy_pairs_carry_strategy_names_only(rollouts):
    rows = E.strategy_pairs(rollouts)
    names = set(rollouts[0].strategies)
    for row in rows[:20]:
        assistant = [m["content"] for m in row["chosen"] if m["role"] == "assistant"]
        assert assistant == row["chosen_strategies"] and set(assistant) <= names
        assert row["chosen"][-1]["role"] == "assistant"
        assert row["chosen_strategies"] != row["rejected_strategies"]
        assert row["chosen_reward"] > row["rejected_reward"]


def test_dialogue_pairs_are_flagged(rollouts, tmp_path):
    rows = E.dialogue_pairs(rollouts)
    assert all(r["trains_on_customer_turns"] for r in rows)
    assert any(m["role"] == "user" for m in rows[0]["chosen"])


def test_best_pairing_and_min_gap(rollouts):
    all_pairs = E.strategy_pairs(rollouts)
    best = E.strategy_pairs(rollouts, pairing="best")
    assert 0 < len(best) <= len(all_pairs)
    assert E.strategy_pairs(rollouts, min_gap=10.0) == []


def test_sft_rows_end_with_the_assistant(rollouts):
    rows = E.sft_examples([r for r in rollouts if r.agent == "builtin"])
    assert len(rows) == 16
    for row in rows:
        assert row["messages"][0]["role"] == "system" and row["messages"][-1]["role"] == "assistant"
    expert = E.sft_examples(rollouts[:1], role="expert")
    assert all(m["content"] in rollouts[0].strategies
               for m in expert[0]["messages"] if m["role"] == "assistant")
    assert E.sft_examples(rollouts, min_reward=99) == []


def test_errors(rollouts, tmp_path):
    with pytest.raises(E.ExportError, match="no strategy rows"):
        E.write_dataset([], tmp_path / "x", "strategy", {})
    assert not (tmp_path / "x").exists()
    with pytest.raises(E.ExportError, match="unknown dataset kind"):
        E.build("nope", rollouts)
    with pytest.raises(E.ExportError, match="unknown env id"):
        E.collect("GOPO-Nope-v0", {"b": None})
    with pytest.raises(E.ExportError, match="at least one agent"):
        E.collect(ENV, {})
    with pytest.raises(E.ExportError, match="text view"):
        E.collect("GOPO-Mgshop-Text-v0", {"b": None}, episodes=1)


def test_cli_writes_and_replaces_atomically(tmp_path, capsys):
    from leaderboard.export_cli import main

    out = tmp_path / "turn"
    assert main(["turn", "--out", str(out), "--episodes", "4", "--random", "2", "--no-progress"]) == 0
    first = load_dataset("parquet", data_files=str(out / E.DATA_FILE), split="train")
    assert "turn rows" in capsys.readouterr().out
    assert main(["sft", "--out", str(out), "--episodes", "3", "--no-progress"]) == 0
    again = load_dataset("parquet", data_files=str(out / E.DATA_FILE), split="train")
    assert len(again) == 3 and "messages" in again.column_names and len(first) > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["turn"]  # no staging left behind
    assert main(["turn", "--out", str(out), "--agent", "x=nope:Nope", "--no-progress"]) == 1
    assert "cannot import" in capsys.readouterr().err
