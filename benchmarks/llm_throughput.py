"""Generation throughput of a local model (default: the tiny model) and the cost of the alignment check.

Prints, for the same prompts (CS Agent prompts from Mgshop test dialogues): tokens/s and
responses/s unbatched (one prompt per call) and batched (several batch sizes), each as a ratio
to unbatched; then the time of the LLM CS Agent's check per response (parse with a cold cache,
alignment, faithfulness, named item) against the time to generate one response.

    python benchmarks/llm_throughput.py [--model DIR] [--prompts 32] [--max-new-tokens 48]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def cs_prompts(n: int) -> list[str]:
    """CS Agent prompts of the first ``n`` turns of SOP dialogues on the test split."""
    from agents.llm.prompts import history_from_records, service_prompt
    from gopo_env.core.dialogue import Dialogue
    from gopo_env.domains import make_domain

    d = Dialogue(make_domain("mgshop"), split="test")
    out = []
    for i, sid in enumerate(d.scenario_ids("test")):
        d.reset(i, sid)
        while not d.done and len(out) < n:
            s = d.builtin_strategy()
            out.append(service_prompt(history_from_records(d.transcript), d.episode.context(),
                                      d.domain.strategies[s]))
            d.choose(s)
            d.respond(d.realize())
        if len(out) >= n:
            return out
    return out


def check_cost(backend, episodes: int, max_new_tokens: int) -> tuple[list[float], list[float]]:
    """(check seconds, generation seconds) per response of the LLM CS Agent's first try."""
    import gymnasium as gym

    import gopo_env  # noqa: F401
    from agents.llm.cs_agent import LLMCSAgent, item_ids
    from agents.llm.prompts import history_from_records, service_prompt

    env = gym.make("GOPO-Mgshop-v0", split="test")
    d = env.unwrapped.dialogue
    agent = LLMCSAgent(backend=backend, strategies=tuple(d.domain.strategies))
    checks, gens = [], []
    for seed in range(episodes):
        env.reset(seed=seed)
        while not d.done:
            s = d.builtin_strategy()
            d.choose(s)
            context = d.episode.context()
            given = item_ids(context)
            prompt = service_prompt(history_from_records(d.transcript), context, d.domain.strategies[s])
            t0 = time.perf_counter()
            text = backend.generate([prompt], max_new_tokens=max_new_tokens)[0]
            t1 = time.perf_counter()
            d.episode.parser.parse.cache_clear()  # cold: what a never-seen text costs
            t2 = time.perf_counter()
            _ = agent.check(d.episode, s, text) or agent.item_problem(
                d.episode.parse(text).products, True, given, "", "")
            t3 = time.perf_counter()
            gens.append(t1 - t0)
            checks.append(t3 - t2)
            d.respond(d.realize())
    return checks, gens


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="checkpoint dir (default: the tiny model cache)")
    parser.add_argument("--prompts", type=int, default=32)
    parser.add_argument("--max-new-tokens", type=int, default=48)
    parser.add_argument("--batch-sizes", default="4,8,16,32")
    parser.add_argument("--episodes", type=int, default=10, help="test dialogues for the check cost")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: the backend's)")
    args = parser.parse_args(argv)

    from agents.llm.backends import TransformersBackend
    from agents.llm.tiny import default_tiny_dir

    model = Path(args.model) if args.model else default_tiny_dir()
    if not (model / "config.json").is_file():
        print(f"no model at {model}; train it with `gopo-bench llm train-tiny`", file=sys.stderr)
        return 1
    backend = TransformersBackend(model, device=args.device, threads=args.threads)
    prompts = cs_prompts(args.prompts)
    print(f"model {model} ({backend.parameters:,} parameters) on {backend.device}, threads "
          f"{backend.threads or 'torch default'}; {platform.machine()}, {os.cpu_count()} CPU cores; "
          f"{len(prompts)} CS prompts, greedy, max {args.max_new_tokens} new tokens")
    backend.generate(prompts[:2], max_new_tokens=4)  # warm-up

    def measure(batch_size: int) -> tuple[float, float]:
        backend.batch_size = batch_size
        before = backend.stats.new_tokens
        t0 = time.perf_counter()
        if batch_size == 1:
            for p in prompts:
                backend.generate([p], max_new_tokens=args.max_new_tokens)
        else:
            backend.generate(prompts, max_new_tokens=args.max_new_tokens)
        dt = time.perf_counter() - t0
        return (backend.stats.new_tokens - before) / dt, len(prompts) / dt

    base_tok, base_resp = measure(1)
    print(f"{'batch':>6} {'tokens/s':>10} {'responses/s':>12} {'x unbatched':>12}")
    print(f"{1:>6} {base_tok:>10.1f} {base_resp:>12.2f} {1.0:>12.2f}")
    for bs in (int(x) for x in args.batch_sizes.split(",")):
        tok, resp = measure(bs)
        print(f"{bs:>6} {tok:>10.1f} {resp:>12.2f} {resp / base_resp:>12.2f}")

    checks, gens = check_cost(backend, args.episodes, args.max_new_tokens)
    med_check, med_gen = statistics.median(checks), statistics.median(gens)
    print(f"alignment check (cold parse + strategy + facts + item), {len(checks)} responses: median "
          f"{med_check * 1e6:.0f} µs, mean {statistics.fmean(checks) * 1e6:.0f} µs; one unbatched "
          "generation: "
          f"median {med_gen * 1e3:.1f} ms; check / generation = {med_check / med_gen:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
