"""Text-mode benchmark: GOPO with the LLM CS Agent vs the monolithic LLM baseline (Mgshop test split).

Three entrants share one language model (default: the tiny model in the cache, trained first
if missing) and the leaderboard's episode loop and metrics (``leaderboard.runner``):

* GOPO + LLM CS: the trained GOPO Expert Agent picks strategies on ``GOPO-Mgshop-v0``, the
  LLM writes them, checked by the parser (realizer fallback, counted);
* GOPO + realizer: the same expert with the template CS Agent (the text upper bound);
* monolithic LLM: the same model writes every response on ``GOPO-Mgshop-Text-v0``.

It prints a table (mean [95% CI] over scenarios) and writes it as a section of
``docs/results_text.md``.

    python benchmarks/text_mode.py                     # everything, ~10-20 min on 2 CPU cores
    python benchmarks/text_mode.py --episodes 20 --no-write
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

os.environ.setdefault("HF_HUB_OFFLINE", "1")

BEGIN, END = "<!-- text-mode:begin -->", "<!-- text-mode:end -->"
COLUMNS = ("tse", "success", "gre", "bleu", "rouge_l", "distinct_1", "distinct_2", "length", "turns")


def _cell(metric: dict[str, Any] | None) -> str:
    if metric is None:
        return "n/a"
    if metric.get("ci") is None:
        return f"{metric['mean']:.3f}"
    lo, hi = metric["ci"]
    return f"{metric['mean']:.3f} [{lo:.3f}, {hi:.3f}]"


def play(agent: Any, env_id: str, episodes: int | None, seed: int) -> tuple[dict[str, Any], float]:
    """The leaderboard's protocol on the test split (one trial); returns (claims, seconds)."""
    from gopo_env.protocol import dialogue_of, make_view
    from leaderboard.runner import episode_plan, record_episode, score

    roles = tuple(agent.roles)
    view = make_view(env_id, roles, split="test")
    plan = list(episode_plan(dialogue_of(view).scenario_ids("test"), [seed]))[:episodes]
    started = time.perf_counter()
    records = [record_episode(view, agent, roles, ep_seed, sid, index, trial)
               for index, trial, sid, ep_seed in plan]
    seconds = time.perf_counter() - started
    _, claims = score(env_id, records, 1, generation=True)  # BLEU/ROUGE-L vs real turns if present
    return claims, seconds


def gopo_expert(path: str | None, steps: int, seed: int) -> Any:
    """The GOPO Expert Agent: loaded from ``path`` or trained for ``steps`` env steps."""
    from agents.gopo import GOPOAgent

    expert = GOPOAgent(roles=("expert",), progress=False)
    if path:
        expert.load(path)
    else:
        print(f"training the GOPO Expert Agent ({steps} env steps, seed {seed}) ...", flush=True)
        expert.train("GOPO-Mgshop-v0", steps, seed)
    return expert


class GopoWithWriter:
    """The GOPO expert's strategies written by a CS Agent (the agent protocol, both roles)."""

    roles = ("expert", "service")

    def __init__(self, expert: Any, writer: Any) -> None:
        self.expert, self.writer = expert, writer

    def reset(self, seed: int | None = None) -> None:
        self.expert.reset(seed)
        self.writer.reset(seed)

    def act(self, role: str, observation: Any, info: dict[str, Any]) -> Any:
        return (self.expert if role == "expert" else self.writer).act(role, observation, info)


def write_section(doc: Path, section: str) -> None:
    """Replace the text-mode section of ``doc`` (or append it), atomically."""
    old = doc.read_text(encoding="utf-8") if doc.exists() else "# Text-mode results\n"
    block = f"{BEGIN}\n{section.rstrip()}\n{END}"
    if BEGIN in old and END in old:
        head, _, rest = old.partition(BEGIN)
        _, _, tail = rest.partition(END)
        new = head + block + tail
    else:
        new = old.rstrip() + "\n\n" + block + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".results_text-", dir=doc.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(new)
    os.replace(tmp, doc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="LLM checkpoint dir (default: the tiny model cache)")
    parser.add_argument("--train-steps", type=int, default=400, help="tiny-model steps if it must be trained")
    parser.add_argument("--gopo", default=None, metavar="DIR", help="a saved GOPO agent (GOPOAgent.save)")
    parser.add_argument("--gopo-steps", type=int, default=20000, help="GOPO training budget without --gopo")
    parser.add_argument("--episodes", type=int, default=None,
                        help="first N test scenarios (default: all 120)")
    parser.add_argument("--seed", type=int, default=0, help="trial seed (0 = the leaderboard protocol)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--out", default=str(REPO / "docs" / "results_text.md"))
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)

    import torch

    from agents.cs_agent import CSAgent
    from agents.llm.backends import TransformersBackend
    from agents.llm.cs_agent import LLMCSAgent
    from agents.llm.tiny import META_FILE, TinyConfig, default_tiny_dir, train_tiny
    from baselines.llm_monolithic import LLMMonolithicAgent

    torch.set_num_threads(1)
    model = Path(args.model) if args.model else default_tiny_dir()
    if not (model / "config.json").is_file():
        if args.model:
            print(f"no checkpoint at {model}", file=sys.stderr)
            return 1
        print(f"training the tiny model into {model} ({args.train_steps} steps) ...", flush=True)
        train_tiny(model, TinyConfig(steps=args.train_steps))
    backend = TransformersBackend(model, device=args.device)
    expert = gopo_expert(args.gopo, args.gopo_steps, args.seed)

    llm_cs = LLMCSAgent(backend=backend)
    mono = LLMMonolithicAgent(backend=backend)
    entrants = [
        ("GOPO + LLM CS Agent", GopoWithWriter(expert, llm_cs), "GOPO-Mgshop-v0"),
        ("GOPO + template realizer", GopoWithWriter(expert, CSAgent()), "GOPO-Mgshop-v0"),
        ("monolithic LLM", mono, "GOPO-Mgshop-Text-v0"),
    ]
    rows = []
    for name, agent, env_id in entrants:
        print(f"{name} on {env_id} ...", flush=True)
        calls_before = backend.stats.responses
        claims, seconds = play(agent, env_id, args.episodes, args.seed)
        generations = backend.stats.responses - calls_before
        rows.append((name, env_id, claims, seconds, generations))
        print("  " + ", ".join(f"{c} {_cell(claims.get(c))}" for c in COLUMNS), flush=True)

    rates, counts = llm_cs.rates(), llm_cs.counts
    meta = model / META_FILE
    trained = ""
    if meta.is_file():
        import json

        m = json.loads(meta.read_text())
        trained = (f" (tiny model: {m['parameters']:,} parameters, {m['config']['steps']} steps, "
                   f"final loss {m['final_loss']:.3f}, trained in {m['seconds']:.0f} s)")
    n = rows[0][2]["tse"]["n"]
    flags = f" --episodes {args.episodes}" if args.episodes else ""
    origin = f"loaded from {args.gopo}" if args.gopo else f"trained for {args.gopo_steps} env steps"
    lines = [
        "## Text mode: GOPO + LLM CS Agent vs the monolithic LLM",
        "",
        f"Generated by `python benchmarks/text_mode.py{flags}` on {platform.machine()} "
        f"({os.cpu_count()} CPU cores, 1 torch thread), model `{model.name}`{trained}; GOPO expert {origin}; "
        f"Mgshop test split, {n} scenarios (scenario i with the leaderboard's seed), one trial. "
        "Cells: mean [95% bootstrap CI over scenarios]; distinct-n over all responses. BLEU and ROUGE-L "
        "are against the realizer's references for the same strategy (the leaderboard's default).",
        "",
        "| entrant | env | " + " | ".join(COLUMNS) + " | LLM calls | wall s |",
        "|---|---|" + "---|" * (len(COLUMNS) + 2),
    ]
    for name, env_id, claims, seconds, generations in rows:
        lines.append(f"| {name} | `{env_id}` | " + " | ".join(_cell(claims.get(c)) for c in COLUMNS)
                     + f" | {generations:,} | {seconds:.1f} |")
    lines += [
        "",
        f"LLM CS Agent: {counts['responses']:,} responses; written by the LLM on the first (greedy) "
        f"try {rates['llm_first_try']:.1%}, after regeneration {rates['llm'] - rates['llm_first_try']:.1%}, "
        f"by the realizer fallback {rates['fallback']:.1%}; {rates['candidates_per_response']:.2f} "
        f"candidates per response; rejected candidates: {counts['rejected_strategy']:,} wrong strategy, "
        f"{counts['rejected_fact']:,} wrong fact, {counts['rejected_item']:,} no or another item, "
        f"{counts['rejected_text']:,} empty/too long. "
        f"Monolithic LLM: {mono.counts['empty']:,} empty generations of {mono.counts['responses']:,}.",
    ]
    section = "\n".join(lines) + "\n"
    print()
    print(section)
    if not args.no_write:
        write_section(Path(args.out), section)
        print(f"wrote the section into {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
