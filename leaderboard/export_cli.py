"""``gopo-bench export``: rollouts → TRL-ready parquet datasets (``agents.llm.export``).

Self-contained: :func:`add_parser` adds the subcommand to the CLI's subparsers, :func:`run`
executes it. Examples::

    # preference pairs per diverging turn: the SOP policy against 3 random experts, 100 train scenarios
    gopo-bench export turn --out data/turn --episodes 100 --random 3
    # strategy-level pairs for the GOPO objective, with a trained agent among the players
    gopo-bench export strategy --out data/strategy --agent gopo=agents.gopo:GOPOAgent \\
        --load gopo=runs/gopo/agent --random 4 --seeds 0 1
    # SFT dialogues of the reference policy (the built-in SOP expert + realizer)
    gopo-bench export sft --out data/sft
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from typing import Any

EXPORT = "agents.llm.export"  # by import string: the leaderboard imports no agent package
RANDOM = "baselines.random_agent:RandomAgent"
KINDS = ("strategy", "turn", "dialogue", "sft")


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add ``export`` to ``sub`` (the CLI's ``add_subparsers()`` object) and return its parser."""
    p = sub.add_parser("export", help="write TRL-ready preference/SFT datasets (parquet) from rollouts",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("kind", choices=KINDS, help="strategy | turn | dialogue (flagged) | sft")
    p.add_argument("--out", required=True, metavar="DIR", help="dataset directory (replaced atomically)")
    p.add_argument("--env", default="GOPO-Mgshop-v1", help="registered env id (default: %(default)s)")
    p.add_argument("--split", default="train", choices=("train", "dev", "test"))
    p.add_argument("--seeds", type=int, nargs="+", default=[0], metavar="SEED",
                   help="trial seeds; episode seeds are the evaluation runner's (default: 0)")
    p.add_argument("--episodes", type=int, default=None, metavar="N",
                   help="first N scenarios of the split (default: all)")
    p.add_argument("--agent", action="append", default=[], metavar="NAME=MODULE:CLASS",
                   help="an agent to roll out (repeatable)")
    p.add_argument("--kwargs", action="append", default=[], metavar="NAME=JSON",
                   help="constructor keyword arguments of agent NAME")
    p.add_argument("--load", action="append", default=[], metavar="NAME=PATH", help="call NAME.load(PATH)")
    p.add_argument("--random", type=int, default=None, metavar="K",
                   help="add K random experts (seeds 0..K-1); default 3 for pairs, 0 for sft")
    p.add_argument("--no-builtin", action="store_true",
                   help="leave out the built-in reference policy (SOP expert + realizer)")
    p.add_argument("--min-gap", type=float, default=0.01, help="smallest J difference of a pair")
    p.add_argument("--pairing", default="all", choices=("all", "best"))
    p.add_argument("--role", default="service", choices=("service", "expert"), help="sft: whose turns")
    p.add_argument("--min-reward", type=float, default=None, help="sft: keep dialogues with J >= this")
    p.add_argument("--facts", action="store_true", help="strategy: catalogue facts in the customer turns")
    p.add_argument("--lenient", action="store_true", help="score invalid actions instead of failing")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)
    return p


def _named(values: list[str], what: str) -> dict[str, str]:
    out = {}
    for v in values:
        name, sep, rest = v.partition("=")
        if not sep or not name or not rest:
            raise ValueError(f"{what} {v!r} must look like NAME=VALUE")
        out[name] = rest
    return out


def run(args: argparse.Namespace) -> int:
    """Execute ``gopo-bench export``; prints a summary line, returns the exit status."""
    from leaderboard.loading import AgentLoadError, load_agent, parse_kwargs

    try:
        ex = importlib.import_module(EXPORT)
    except ImportError as e:
        print(f"gopo-bench export needs the [llm,train] extras ({e}): pip install 'gopo-bench[llm,train]'",
              file=sys.stderr)
        return 1
    BUILTIN, ExportError, export = ex.BUILTIN, ex.ExportError, ex.export  # noqa: N806
    try:
        specs = _named(args.agent, "--agent")
        kwargs = _named(args.kwargs, "--kwargs")
        loads = _named(args.load, "--load")
        for name in [*kwargs, *loads]:
            if name not in specs:
                raise ValueError(f"--kwargs/--load name {name!r} is not an --agent (have {sorted(specs)})")
        agents: dict[str, Any] = {} if args.no_builtin else {BUILTIN: None}
        for name, spec in specs.items():
            agents[name] = load_agent(spec, parse_kwargs(kwargs.get(name)))
            if name in loads:
                agents[name].load(loads[name])
        k = args.random if args.random is not None else (0 if args.kind == "sft" else 3)
        for i in range(k):
            agents[f"random{i}"] = load_agent(RANDOM, {"seed": i})
            specs[f"random{i}"] = f"{RANDOM}(seed={i})"
        options: dict[str, Any] = {}
        if args.kind == "sft":
            options = {"role": args.role, "min_reward": args.min_reward}
        else:
            options = {"min_gap": args.min_gap, "pairing": args.pairing}
            if args.kind == "strategy":
                options["facts"] = args.facts
        meta = export(args.kind, args.out, args.env, agents, split=args.split, seeds=args.seeds,
                      episodes=args.episodes, strict=not args.lenient, specs=specs,
                      progress=not args.no_progress, **options)
    except ImportError as e:
        print(f"gopo-bench export: {e}; writing datasets needs the [train] extra: "
              "pip install 'gopo-bench[llm,train]'", file=sys.stderr)
        return 1
    except (ExportError, AgentLoadError, ValueError, OSError) as e:
        print(f"gopo-bench export: {e}", file=sys.stderr)
        return 1
    rewards = json.dumps({k: round(v, 3) for k, v in meta["mean_reward"].items()})
    print(f"wrote {meta['rows']} {args.kind} rows from {meta['rollouts']} rollouts to {args.out} "
          f"(mean J per agent: {rewards})")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point: ``python -m leaderboard.export_cli KIND --out DIR ...``."""
    parser = argparse.ArgumentParser(prog="gopo-bench")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["export", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
