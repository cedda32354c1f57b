"""Batched evaluation of LLM agents: speed-up of N dialogues in lock-step over one at a time.

Runs the same episodes (the first ``--episodes`` dev scenarios, trial seed 0) through
``leaderboard.batched.run`` at N = 1, 8, 32 dialogues in flight and prints, for each N,
responses per second and the ratio to N = 1 measured in the same run, and whether the records
are byte-identical to N = 1 (they must be). Two agents:

* the monolithic writer (``baselines.llm_monolithic.LLMMonolithicAgent``, text view): one
  batched ``generate`` per turn across dialogues (the tiny model: ``--model DIR``, default the
  ``gopo-bench llm train-tiny`` cache; without one, a quick tiny model is trained first);
* the LLM Expert (``agents.llm.expert.LLMExpertAgent``, turn view): one forward pass scores the
  allowed strategies of all dialogues (a tiny random Qwen2-style chat checkpoint).

    python benchmarks/llm_batched.py [--model DIR] [--episodes 32] [--sizes 1,8,32]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def measure(agent, env_id: str, episodes: int, sizes: list[int], counter
            ) -> list[tuple[int, float, float, bool]]:
    """(N, seconds, responses/s, identical to N=1) per N."""
    from leaderboard.batched import run

    rows, reference = [], None
    for n in sizes:
        before = counter()
        t0 = time.perf_counter()
        _, _, records = run(agent, env_id, "dev", 1, batch=n, episodes=episodes)
        seconds = time.perf_counter() - t0
        responses = counter() - before if counter() > before else sum(len(r["turns"]) for r in records)
        text = json.dumps(records, sort_keys=True)
        reference = reference or text
        rows.append((n, seconds, responses / seconds, text == reference))
    return rows


def table(title: str, rows: list[tuple[int, float, float, bool]]) -> None:
    print(title)
    print(f"{'N':>4} {'seconds':>9} {'responses/s':>12} {'x N=1':>7} {'identical':>10}")
    base = rows[0][2]
    for n, s, rate, same in rows:
        print(f"{n:>4} {s:>9.1f} {rate:>12.2f} {rate / base:>7.2f} {'yes' if same else 'NO':>10}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="writer checkpoint (default: the tiny model cache)")
    parser.add_argument("--episodes", type=int, default=32, help="dev dialogues per measurement")
    parser.add_argument("--sizes", default="1,8,32", help="dialogues in flight (the first is the reference)")
    parser.add_argument("--max-new-tokens", type=int, default=48)
    parser.add_argument("--skip-expert", action="store_true")
    parser.add_argument("--skip-writer", action="store_true")
    args = parser.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",")]

    import torch

    from agents.llm.backends import TransformersBackend
    from agents.llm.tiny import TinyConfig, default_tiny_dir, train_tiny
    from baselines.llm_monolithic import LLMMonolithicAgent

    torch.set_num_threads(1)
    print(f"{platform.machine()}, {os.cpu_count()} CPU cores, torch {torch.__version__}, 1 thread; "
          f"{args.episodes} dev dialogues per row, greedy")
    if not args.skip_writer:
        model = Path(args.model) if args.model else default_tiny_dir()
        note = ""
        if not (model / "config.json").is_file():
            model = Path(tempfile.mkdtemp(prefix="gopo-bench-tiny-")) / "tiny"
            train_tiny(model, TinyConfig(episodes=30, steps=80, progress=False))
            note = " (no trained tiny model in the cache: a quick one, 80 steps on 30 dialogues)"
        backend = TransformersBackend(model, device="cpu", batch_size=max(sizes))
        print(f"writer: {model}{note}, {backend.parameters:,} parameters, "
              f"max {args.max_new_tokens} new tokens")
        agent = LLMMonolithicAgent(backend=backend, max_new_tokens=args.max_new_tokens)
        backend.generate(["warm-up"], max_new_tokens=2)
        table("LLM monolithic writer on GOPO-Mgshop-Text-v0",
              measure(agent, "GOPO-Mgshop-Text-v0", args.episodes, sizes,
                      lambda: backend.stats.responses))

    if not args.skip_expert:
        from agents.llm.checkpoints import build_checkpoint
        from agents.llm.expert import LLMExpertAgent

        path = build_checkpoint(Path(tempfile.mkdtemp()) / "expert", "qwen2", [], vocab_size=512, hidden=64)
        expert = LLMExpertAgent(path)
        print(f"\nexpert: random Qwen2-style chat checkpoint, "
              f"{sum(p.numel() for p in expert.lm.parameters()):,} parameters, scoring the allowed "
              "strategies")
        table("LLM Expert on GOPO-Mgshop-v0 (responses = expert decisions)",
              measure(expert, "GOPO-Mgshop-v0", args.episodes, sizes, lambda: 0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
