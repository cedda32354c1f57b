"""Rollouts → parquet → TRL DPO → evaluation, end to end on a CPU with a tiny model (no hub).

1. roll out the built-in SOP policy and random experts on the same customers and export the
   per-turn divergence pairs (``gopo-bench export turn``) as parquet;
2. build a tiny chat model locally (``--model DIR``: any checkpoint with a chat template instead);
3. train it with TRL's ``DPOTrainer`` on the pairs for a few steps;
4. measure the implicit-reward accuracy on held-out pairs before/after, and evaluate the trained
   model as a chat writer (``agents.llm.chat_agent.LLMChatAgent``) on a few dev dialogues of
   ``GOPO-Mgshop-Text-v0`` with the batched runner.

    python examples/dpo_tiny.py [--out runs/dpo_tiny] [--episodes 40] [--steps 20] [--model DIR]

A random tiny model learns little in 20 steps; the point is the pipeline. With a real checkpoint
(``--model /models/Qwen2.5-0.5B-Instruct``) on a GPU, raise ``--steps`` and ``--episodes``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")


def preference_accuracy(model, tokenizer, ref_model, rows, beta: float = 0.1) -> float:
    """Share of pairs whose implicit DPO reward β·(log π/π_ref) is higher for chosen."""
    import torch

    from agents.llm.expert import chat_ids

    def logp(m, prompt, completion):
        p = chat_ids(tokenizer, prompt, add_generation_prompt=True)
        full = chat_ids(tokenizer, prompt + completion)
        ids = torch.tensor([full])
        with torch.no_grad():
            lp = torch.log_softmax(m(input_ids=ids).logits[0, :-1].float(), -1)
        targets = ids[0, 1:]
        return float(lp[len(p) - 1:].gather(1, targets[len(p) - 1:, None]).sum())

    wins = 0
    for r in rows:
        margin = ((logp(model, r["prompt"], r["chosen"]) - logp(ref_model, r["prompt"], r["chosen"]))
                  - (logp(model, r["prompt"], r["rejected"]) - logp(ref_model, r["prompt"], r["rejected"])))
        wins += beta * margin > 0
    return wins / max(1, len(rows))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="runs/dpo_tiny")
    ap.add_argument("--episodes", type=int, default=40, help="train scenarios rolled out per agent")
    ap.add_argument("--steps", type=int, default=20, help="DPO optimiser steps")
    ap.add_argument("--model", default=None, help="a checkpoint with a chat template (default: build one)")
    ap.add_argument("--eval-episodes", type=int, default=8)
    args = ap.parse_args()

    import torch
    from datasets import load_dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import DPOConfig, DPOTrainer

    from agents.llm.backends import TransformersBackend
    from agents.llm.chat_agent import LLMChatAgent
    from agents.llm.checkpoints import build_checkpoint
    from agents.llm.export import export
    from baselines.random_agent import RandomAgent
    from leaderboard.batched import run
    from leaderboard.runner import score

    torch.set_num_threads(1)
    out = Path(args.out)
    t0 = time.perf_counter()
    agents = {"builtin": None, **{f"random{k}": RandomAgent(seed=k) for k in range(3)}}
    meta = export("turn", out / "pairs", "GOPO-Mgshop-v0", agents, episodes=args.episodes)
    print(f"1. exported {meta['rows']} turn pairs from {meta['rollouts']} rollouts "
          f"({time.perf_counter() - t0:.1f} s) -> {out / 'pairs'}")
    ds = load_dataset("parquet", data_files=str(out / "pairs/data/train.parquet"), split="train")
    split = ds.train_test_split(test_size=0.2, seed=0)

    if args.model:
        path = Path(args.model)
    else:
        texts = [m["content"] for row in ds for m in row["prompt"] + row["chosen"] + row["rejected"]]
        path = build_checkpoint(out / "init", "gpt2", texts, vocab_size=1024, hidden=64, layers=2)
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path)
    reference = AutoModelForCausalLM.from_pretrained(path).eval()
    print(f"2. model {path} ({sum(p.numel() for p in model.parameters()):,} parameters)")

    t1 = time.perf_counter()
    config = DPOConfig(output_dir=str(out / "trainer"), max_steps=args.steps, per_device_train_batch_size=4,
                       learning_rate=5e-4, beta=0.1, logging_steps=5, report_to=[], save_strategy="no",
                       use_cpu=True, bf16=False, max_length=1024, seed=0)
    trainer = DPOTrainer(model=model, args=config, train_dataset=split["train"], processing_class=tokenizer)
    result = trainer.train()
    seconds = time.perf_counter() - t1
    trainer.save_model(str(out / "model"))
    tokenizer.save_pretrained(out / "model")
    print(f"3. DPO: {args.steps} steps in {seconds:.1f} s, loss {result.training_loss:.4f}")

    held_out = list(split["test"])
    acc = preference_accuracy(trainer.model.eval(), tokenizer, reference, held_out)
    print(f"4. held-out preference accuracy of the implicit reward: {acc:.3f} on {len(held_out)} pairs "
          "(0.5 = chance)")

    backend = TransformersBackend(out / "model", device="cpu", batch_size=16)
    agent = LLMChatAgent(backend=backend, max_new_tokens=32)
    t2 = time.perf_counter()
    _, _, records = run(agent, "GOPO-Mgshop-Text-v0", "dev", trials=1, batch=16, episodes=args.eval_episodes)
    per_episode, _ = score("GOPO-Mgshop-Text-v0", records, 1)
    mean = {k: round(sum(float(m[k]) for m in per_episode) / len(per_episode), 3)
            for k in ("success", "tse", "gre") if k in per_episode[0]}
    print(f"   evaluated {len(records)} dev dialogues in {time.perf_counter() - t2:.1f} s: "
          f"{json.dumps(mean)}")
    (out / "summary.json").write_text(json.dumps({"pairs": meta["rows"], "steps": args.steps,
                                                  "train_seconds": seconds, "held_out_accuracy": acc,
                                                  "loss": result.training_loss}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
