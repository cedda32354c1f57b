"""Multi-turn GRPO on a GOPO dialogue with TRL's environment_factory (CPU, tiny local model)."""

from __future__ import annotations

import os

import pytest

pytest.importorskip("trl")
os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")

import torch  # noqa: E402

from agents.llm.export import objective  # noqa: E402
from agents.llm.grpo_env import OVER, DialogueEnv, grpo_dataset  # noqa: E402

CALL = ('<tool_call>\n{"name": "reply", "arguments": {"message": "Hello and welcome!"}}\n</tool_call>'
        "<|im_end|>")


def test_env_plays_a_dialogue_through_its_tool():
    ds = grpo_dataset(episodes=2, seeds=(0, 1))
    assert len(ds) == 4 and ds[0]["prompt"][-1] == {"role": "user", "content": ""}
    env = DialogueEnv()
    opening = env.reset(**ds[0])
    assert opening.startswith(env.dialogue.transcript[0].customer) and "Shop facts:" in opening
    assert env.get_reward() == 0.0 or env.dialogue.turn == 0
    answer = env.reply("Hello and welcome! What are you looking for today?")
    assert env.dialogue.turn == 1 and answer.startswith(env.dialogue.transcript[-1].customer)
    while not env.dialogue.done:
        answer = env.reply("Thank you for shopping with us, goodbye!")
    assert answer == OVER and env.reply("still there?") == OVER
    assert env.get_reward() == pytest.approx(objective(env.dialogue.summary()))
    # same row, same customer: the episode seed is the evaluation runner's
    again = DialogueEnv()
    assert again.reset(**ds[0]) == opening
    assert env.reset(**ds[1]) != opening or ds[1]["scenario_id"] == ds[0]["scenario_id"]


def test_bad_text_is_a_scored_violation_not_an_error():
    env = DialogueEnv()
    env.reset(**grpo_dataset(episodes=1)[0])
    env.reply("")
    assert env.dialogue.turn == 1 and env.dialogue.summary()["violations"] >= 1


def _tool_calling_model(ds):
    """A tiny Qwen2 checkpoint taught to open with one `reply` tool call on these prompts."""
    import tempfile

    from transformers import AutoModelForCausalLM, AutoTokenizer

    from agents.llm.checkpoints import build_checkpoint

    rows, texts = [], [CALL]
    for r in ds:
        env = DialogueEnv()
        rows.append(r["prompt"][:-1] + [{"role": "user", "content": env.reset(**r)}])
        texts.append(rows[-1][0]["content"] + rows[-1][1]["content"])
    path = build_checkpoint(tempfile.mkdtemp() + "/m", "qwen2", texts * 3, vocab_size=700)
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path)
    reply = DialogueEnv().reply
    seqs = [(tok.apply_chat_template(p, tools=[reply], tokenize=True, return_dict=True,
                                     add_generation_prompt=True)["input_ids"],
             tok(CALL, add_special_tokens=False)["input_ids"]) for p in rows]
    width = max(len(a) + len(b) for a, b in seqs)
    x = torch.full((len(seqs), width), tok.pad_token_id)
    y = torch.full((len(seqs), width), -100)
    att = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, (a, b) in enumerate(seqs):
        x[i, :len(a) + len(b)] = torch.tensor(a + b)
        y[i, len(a):len(a) + len(b)] = torch.tensor(b)
        att[i, :len(a) + len(b)] = 1
    torch.manual_seed(0)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    for _ in range(150):
        loss = model(input_ids=x, attention_mask=att, labels=y).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        if loss.item() < 0.01:
            break
    return model, tok


def test_grpo_trainer_steps_on_the_dialogue_env(tmp_path):
    from trl import GRPOConfig, GRPOTrainer

    torch.manual_seed(0)
    ds = grpo_dataset(episodes=2)
    model, tok = _tool_calling_model(ds)
    args = GRPOConfig(output_dir=str(tmp_path), max_steps=2, per_device_train_batch_size=2, num_generations=2,
                      max_completion_length=64, max_tool_calling_iterations=2, learning_rate=1e-4,
                      logging_steps=1, report_to=[], save_strategy="no", use_cpu=True, bf16=False,
                      disable_tqdm=True, seed=0, gradient_checkpointing=False)
    trainer = GRPOTrainer(model=model, args=args, train_dataset=ds, processing_class=tok,
                          environment_factory=DialogueEnv)
    trainer.train()
    assert trainer.state.global_step == 2
    logs = [h for h in trainer.state.log_history if "tools/call_frequency" in h]
    assert len(logs) == 2 and all(h["tools/call_frequency"] > 0 for h in logs)
    envs = trainer._environment_pool[None]
    assert all(e.dialogue.turn >= 1 for e in envs)  # the model's tool calls reached the simulator
    for e in envs:  # the logged reward is the environment's J of the dialogue as played
        assert e.get_reward() == pytest.approx(objective(e.dialogue.summary()))
    assert logs[-1]["rewards/DialogueEnv/mean"] == pytest.approx(
        sum(e.get_reward() for e in envs) / len(envs), abs=1e-5)
