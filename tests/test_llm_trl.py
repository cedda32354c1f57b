"""TRL end to end on CPU with tiny local models: DPO on exported pairs, GOPO through TRL, the LLM Expert."""

from __future__ import annotations

import os

import numpy as np
import pytest

pytest.importorskip("trl")
os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")

import torch  # noqa: E402
from datasets import load_dataset  # noqa: E402
from llm_support import chat_checkpoint  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402
from trl import DPOConfig, DPOTrainer  # noqa: E402

from agents.llm import export as E  # noqa: E402
from agents.llm.expert import GOPOTrainer, LLMExpertAgent, assistant_mask, chat_ids  # noqa: E402
from baselines.random_agent import RandomAgent  # noqa: E402

ENV = "GOPO-Mgshop-v0"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    agents = {"builtin": None, **{f"random{k}": RandomAgent(seed=k) for k in range(3)}}
    out = {}
    for kind in ("turn", "strategy"):
        E.export(kind, root / kind, ENV, agents, episodes=6)
        out[kind] = load_dataset("parquet", data_files=str(root / kind / E.DATA_FILE), split="train")
    return out


def completion_logp(model, tokenizer, prompt, completion, mask=None):
    """Sum of log-probabilities of the completion's tokens (only the masked ones if ``mask``)."""
    p = chat_ids(tokenizer, prompt, add_generation_prompt=True)
    full = chat_ids(tokenizer, prompt + completion)
    ids = torch.tensor([full])
    with torch.no_grad():
        lp = torch.log_softmax(model(input_ids=ids).logits[0, :-1].float(), -1)
    token = lp.gather(1, ids[0, 1:, None]).squeeze(1)[len(p) - 1:]
    if mask is not None:
        token = token * torch.tensor(mask, dtype=token.dtype)
    return float(token.sum())


def margins(model, reference, tokenizer, rows, masked=False):
    out = []
    for r in rows:
        m = {}
        for side in ("chosen", "rejected"):
            mask = assistant_mask(tokenizer, r["prompt"], r[side])[1] if masked else None
            m[side] = (completion_logp(model, tokenizer, r["prompt"], r[side], mask)
                       - completion_logp(reference, tokenizer, r["prompt"], r[side], mask))
        out.append(m["chosen"] - m["rejected"])
    return np.array(out)


def config(tmp_path, steps):
    return DPOConfig(output_dir=str(tmp_path), max_steps=steps, per_device_train_batch_size=4,
                     learning_rate=2e-3, beta=0.1, report_to=[], save_strategy="no", use_cpu=True,
                     bf16=False, max_length=1024, seed=0, logging_steps=1, disable_tqdm=True,
                     gradient_checkpointing=False)


def test_dpo_trains_on_exported_turn_pairs(exported, tmp_path):
    torch.manual_seed(0)
    path = chat_checkpoint("gpt2")
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path)
    reference = AutoModelForCausalLM.from_pretrained(path).eval()
    rows = exported["turn"].select(range(8))
    trainer = DPOTrainer(model=model, args=config(tmp_path, 6), train_dataset=rows,
                         processing_class=tokenizer)
    trainer.train()
    assert trainer.state.global_step == 6
    after = margins(trainer.model.eval(), reference, tokenizer, list(rows))
    assert after.mean() > 0 and (after > 0).mean() >= 0.75  # the policy now prefers the chosen turns


def test_gopo_trainer_masks_all_but_the_strategy_tokens(exported):
    for arch in ("qwen2", "llama", "gpt2"):
        tokenizer = AutoTokenizer.from_pretrained(chat_checkpoint(arch))
        row = exported["strategy"][0]
        start, mask = assistant_mask(tokenizer, row["prompt"], row["chosen"])
        full = chat_ids(tokenizer, row["prompt"] + row["chosen"])[start:]
        kept = tokenizer.decode([t for t, k in zip(full, mask) if k])
        names = [m["content"] for m in row["chosen"] if m["role"] == "assistant"]
        for name in names:
            assert name in kept
        customer = [m["content"] for m in row["chosen"] if m["role"] == "user"]
        assert all(c.split()[0] not in kept for c in customer if c.split()[0] not in " ".join(names)), arch
        assert sum(mask) < len(mask) / 2  # the customer's turns are the bulk of the sequence


def test_gopo_through_trl_moves_the_strategy_preference(exported, tmp_path):
    torch.manual_seed(0)
    path = chat_checkpoint("qwen2")
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path)
    reference = AutoModelForCausalLM.from_pretrained(path).eval()
    rows = exported["strategy"].select(range(8))
    trainer = GOPOTrainer(model=model, args=config(tmp_path, 6), train_dataset=rows,
                          processing_class=tokenizer)
    trainer.train()
    after = margins(trainer.model.eval(), reference, tokenizer, list(rows), masked=True)
    assert after.mean() > 0 and (after > 0).mean() >= 0.75
    # the logged log-probabilities are sums over strategy tokens only: far smaller than whole sequences
    logged = [h["logps/chosen"] for h in trainer.state.log_history if "logps/chosen" in h]
    whole = np.mean([completion_logp(reference, tokenizer, r["prompt"], r["chosen"]) for r in rows])
    assert abs(np.mean(logged)) < abs(whole) / 2


def test_llm_expert_never_picks_a_masked_strategy():
    agent = LLMExpertAgent(chat_checkpoint("qwen2"))
    from gopo_env.core.dialogue import Dialogue
    from gopo_env.domains import make_domain

    d = Dialogue(make_domain("mgshop"), split="dev")
    d.reset(3, d.scenario_ids("dev")[0])
    info = {"transcript": tuple(d.transcript), "turn": 0}
    n = len(agent.strategies)
    for only in range(n):
        mask = np.zeros(n, dtype=np.int8)
        mask[only] = 1
        assert agent.act("expert", {"action_mask": mask}, info) == only
    scores = agent.score([agent.messages(info)], [list(range(n))])[0]
    full = np.ones(n, dtype=np.int8)
    assert agent.act("expert", {"action_mask": full}, info) == int(np.argmax(scores))


def test_llm_expert_is_evaluable_and_batching_changes_nothing():
    from leaderboard import batched, runner
    from leaderboard.loading import load_agent

    agent = load_agent("agents.llm.expert:LLMExpertAgent", {"model": str(chat_checkpoint("qwen2"))})
    _, _, lockstep = batched.run(agent, ENV, "dev", 1, batch=4, episodes=4)
    _, _, sequential = batched.run(agent, ENV, "dev", 1, batch=1, episodes=4)
    assert lockstep == sequential and len(lockstep) == 4
    per_episode, claims = runner.score(ENV, lockstep, 1)
    assert len(per_episode) == 4 and "tse" in per_episode[0]


def test_llm_expert_needs_a_chat_template(tmp_path):
    from agents.llm.checkpoints import build_checkpoint

    path = build_checkpoint(tmp_path / "m", "gpt2", ["hello"], vocab_size=300)
    tokenizer = AutoTokenizer.from_pretrained(path)
    tokenizer.chat_template = None
    with pytest.raises(ValueError, match="no chat template"):
        LLMExpertAgent(lm=AutoModelForCausalLM.from_pretrained(path), tokenizer=tokenizer)
