"""The ``gopo-bench`` command line: a thin layer over the library.

evaluate   run an agent (MODULE:CLASS) on an env and write a submission directory
submit     validate a submission (schema, coverage, replay, metrics) and store it
leaderboard  print the ranked table; ``export`` a static site, ``serve`` it on 127.0.0.1
train      train a trainable agent, save it and evaluate it on the dev split
data       ``fetch`` a dataset (MG-ShopDial), sha256-verified
benchmark  the headline benchmark: GOPO, ablations and baselines at equal budgets, with plots
calibrate  fit the Mgshop simulator to MG-ShopDial; --report compares real and simulated
llm        ``train-tiny``: the tiny offline language model of the LLM options
demo       a transcript and random vs scripted on the embedded default
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path


def _fail(message: str) -> int:
    print(f"gopo-bench: {message}", file=sys.stderr)
    return 1


def _db(args: argparse.Namespace) -> Path:
    from leaderboard.store import default_db_path

    db = getattr(args, "db", None)
    return Path(db) if db else default_db_path()


def _demo(args: argparse.Namespace) -> int:
    from leaderboard.demo import run_demo

    print(run_demo(seed=args.seed, out=args.out, budget=args.budget, progress=not args.no_progress))
    return 0


def _summary_line(metrics: dict) -> str:
    from leaderboard.report import fmt_mean_ci

    return ", ".join(f"{n} {fmt_mean_ci(metrics[n])}" for n in ("tse", "success", "esndcg", "gre")
                     if n in metrics)


def _evaluate(args: argparse.Namespace) -> int:
    from leaderboard.loading import AgentLoadError, load_agent
    from leaderboard.runner import evaluate
    from leaderboard.submission import SubmissionError

    try:
        agent = load_agent(args.agent, args.agent_kwargs)
        if args.load:
            if not callable(getattr(agent, "load", None)):
                return _fail(f"--load given but {args.agent} has no load(path) method")
            agent.load(args.load)
        sub = evaluate(args.agent, args.out, agent=agent, agent_kwargs=args.agent_kwargs, env_id=args.env,
                       split=args.split, trials=args.trials, seed=args.seed, strict=not args.lenient,
                       name=args.name, organisation=args.organisation, contact=args.contact,
                       description=args.description, progress=not args.no_progress,
                       checkpoint=args.load, requirements=args.requires or ())
    except (AgentLoadError, SubmissionError, ValueError, RuntimeError, ImportError) as e:
        return _fail(str(e))
    except OSError as e:
        return _fail(f"cannot write the submission to {args.out} ({e.strerror or e}); choose a "
                     "writable --out")
    print(f"wrote {args.out}: {sub['protocol']['episodes']} episodes of {sub['env']['id']} "
          f"({sub['protocol']['split']}, {sub['track']} track); {_summary_line(sub['metrics'])}")
    return 0


def _submit(args: argparse.Namespace) -> int:
    from leaderboard.store import DuplicateSubmission, StorageError, store
    from leaderboard.submission import SubmissionError
    from leaderboard.validate import validate

    db = _db(args)
    try:
        verified = validate(args.dir, progress=not args.no_progress)
    except SubmissionError as e:
        return _fail(f"rejected {args.dir}: {e}")
    except ImportError as e:
        return _fail(str(e))
    try:
        entry = store(db, verified)
    except DuplicateSubmission as e:
        return _fail(f"rejected {args.dir}: {e}")
    except StorageError as e:
        return _fail(str(e))
    except (sqlite3.Error, OSError) as e:
        return _fail(f"cannot store in the database {db}: {e}; choose another with --db PATH")
    print(f"accepted {args.dir} as entry {entry} in {db}: {verified.submission['agent']['name']}; "
          f"{_summary_line(verified.metrics)}")
    return 0


def _leaderboard(args: argparse.Namespace) -> int:
    from leaderboard.report import text_table
    from leaderboard.store import StorageError

    try:
        print(text_table(_db(args)), end="")
    except StorageError as e:
        return _fail(str(e))
    return 0


def _export(args: argparse.Namespace) -> int:
    from leaderboard.site import export
    from leaderboard.store import StorageError

    try:
        out = export(_db(args), args.out)
    except (ImportError, StorageError) as e:
        return _fail(str(e))
    except OSError as e:
        return _fail(f"cannot write the site to {args.out} ({e.strerror or e}); choose a writable --out")
    print(f"wrote the leaderboard site to {out} (index.html, leaderboard.md, leaderboard.csv)")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import tempfile
    from contextlib import nullcontext

    from leaderboard.site import export, make_server
    from leaderboard.store import StorageError

    # without --site, a temporary directory that is removed when the server stops
    holder = nullcontext(args.site) if args.site else tempfile.TemporaryDirectory(prefix="gopo-leaderboard-")
    with holder as site:
        try:
            export(_db(args), site)
            server = make_server(site, args.host, args.port)
        except (ImportError, StorageError) as e:
            return _fail(str(e))
        except OSError as e:
            return _fail(f"cannot serve on {args.host}:{args.port} or write {site} ({e.strerror or e}); "
                         "is the port in use? choose another with --port")
        host, port = server.server_address[:2]
        print(f"serving {site} on http://{host}:{port}/ (Ctrl-C to stop)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
    return 0


def _verify(args: argparse.Namespace) -> int:
    """``gopo-bench verify DIR``: re-run a stored submission's agent (leaderboard/verify.py)."""
    from leaderboard.report import fmt_mean_ci
    from leaderboard.submission import SubmissionError
    from leaderboard.verify import verify

    db = _db(args)
    try:
        r = verify(args.dir, db, fresh_seed=args.fresh_seed, progress=not args.no_progress)
    except SubmissionError as e:
        return _fail(f"cannot verify {args.dir}: {e}")
    except ImportError as e:
        return _fail(str(e))
    if not r["reproduced"]:
        print(f"entry {r['entry']}: NOT reproduced: {r['mismatch']}")
        return 1
    verdict = (f"FLAGGED: significantly below the public score (one-sided p={r['p_value']:.4f} < "
               f"{r['alpha']})" if r["flagged"] else f"not significantly lower (p={r['p_value']:.3f})")
    print(f"entry {r['entry']}: reproduced exactly; public TSE {r['public_tse']:.3f}, fresh scenarios "
          f"(seed {r['fresh_seed']}) TSE {fmt_mean_ci(r['fresh'])}: {verdict}")
    return 0


def _lb_seed(args: argparse.Namespace) -> int:
    """``gopo-bench leaderboard seed``: reference entries on a board (leaderboard/seed.py)."""
    from leaderboard.loading import AgentLoadError
    from leaderboard.seed import seed_board
    from leaderboard.submission import SubmissionError

    try:
        seed_board(_db(args), args.work, trained_steps=args.trained, verify=not args.no_verify,
                   progress=not args.no_progress)
    except (SubmissionError, AgentLoadError, ImportError) as e:
        return _fail(str(e))
    return 0


def _add_verify_commands(sub: argparse._SubParsersAction, lb_sub: argparse._SubParsersAction,
                         db: argparse.ArgumentParser) -> None:
    """The parsers of ``verify`` and ``leaderboard seed`` (kept together for the CLI rewrite)."""
    vf = sub.add_parser("verify", parents=[db],
                        help="re-run a stored submission's agent: exact reproduction + fresh scenarios")
    vf.add_argument("dir", metavar="DIR", help="the submission directory (as submitted)")
    vf.add_argument("--fresh-seed", type=int, default=None, metavar="N",
                    help="seed of the fresh scenario set (default: drawn at random now)")
    vf.add_argument("--no-progress", action="store_true")
    vf.set_defaults(func=_verify)
    sd = lb_sub.add_parser("seed", parents=[db],
                           help="add the reference agents (random, scripted SOP; --trained: BC, PPO)")
    sd.add_argument("--work", default="runs/reference", metavar="DIR",
                    help="where the reference submissions are written (default: %(default)s)")
    sd.add_argument("--trained", type=int, default=0, metavar="STEPS",
                    help="also train BC and PPO for STEPS env steps each (default: 0, none)")
    sd.add_argument("--no-verify", action="store_true", help="submit without verifying")
    sd.add_argument("--no-progress", action="store_true")
    sd.set_defaults(func=_lb_seed)


def _train(args: argparse.Namespace) -> int:
    from leaderboard.loading import AgentLoadError, load_agent
    from leaderboard.runner import evaluate

    try:
        agent = load_agent(args.agent, args.agent_kwargs)
    except AgentLoadError as e:
        return _fail(str(e))
    missing = [m for m in ("train", "save") if not callable(getattr(agent, m, None))]
    if missing:
        return _fail(f"{args.agent} is not trainable: it lacks {missing} "
                     "(see agents/protocol.py: train(env_id, budget, seed), save(path), load(path))")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stats = agent.train(args.env, args.steps, args.seed)
    model = out / "agent"
    agent.save(str(model))
    print(f"trained {args.agent} for {args.steps} steps (seed {args.seed}): {stats}; saved to {model}")
    sub = evaluate(args.agent, out / "eval-dev", agent_kwargs=args.agent_kwargs, env_id=args.env,
                   split="dev", trials=1, seed=args.seed, agent=agent, progress=not args.no_progress)
    print(f"dev split: {_summary_line(sub['metrics'])} (submission in {out / 'eval-dev'})")
    return 0


def _benchmark(args: argparse.Namespace) -> int:
    import shlex

    from leaderboard.benchmark import BenchmarkError, run
    from leaderboard.loading import AgentLoadError

    parts = ["gopo-bench", "benchmark", args.domain, "--budget", args.budget, "--out", args.out]
    parts += ["--seeds", str(args.seeds)] if args.seeds is not None else []
    parts += ["--only", args.only] if args.only else []
    parts += ["--env-kwargs", args.env_kwargs] if args.env_kwargs else []
    parts += ["--resume"] if args.resume else []
    command = shlex.join(parts)
    try:
        result = run(args.domain, args.budget, args.seeds, args.out, only=args.only,
                     env_kwargs=args.env_kwargs, resume=args.resume, progress=not args.no_progress,
                     command=command)
    except (BenchmarkError, AgentLoadError, ImportError) as e:
        return _fail(str(e))
    print(f"wrote {args.out}: results.json, results.md and plots "
          f"({len(result['entrants'])} entrants × {len(result['seeds'])} seeds, "
          f"{result['wall_clock_s'] / 60:.1f} min)")
    print((Path(args.out) / "results.md").read_text(), end="")
    return 0


def _calibrate(args: argparse.Namespace) -> int:
    from gopo_env.core.errors import GopoError
    from gopo_env.domains.mgshop.mgshopdial.calibrate import run_calibrate

    try:
        print(run_calibrate(args.data_dir, out=args.out, report=args.report, plot=args.plot,
                            params=args.params, episodes=args.episodes, seed=args.seed), end="")
    except (GopoError, ValueError, OSError, ImportError) as e:
        return _fail(str(e))
    return 0


def _data_fetch(args: argparse.Namespace) -> int:
    from gopo_env.data import DataError, default_cache_dir, fetch_dataset, manifest

    try:
        m = manifest(args.name)
        dest = Path(args.dest) if args.dest else default_cache_dir(args.name)
        result = fetch_dataset(m, dest, source=args.source,
                               on_file=lambda rel, status: print(f"  {status:8} {rel}"))
    except DataError as e:
        return _fail(str(e))
    print(f"{args.name}: {len(result.fetched)} file(s) fetched and sha256-verified, {len(result.present)} "
          f"already present, in {result.dest.resolve()}")
    where = result.dest.resolve()
    print(f"use it with data_dir={str(where)!r}, or GOPO_DATA_DIR={where.parent}")
    return 0


def _llm_train_tiny(args: argparse.Namespace) -> int:
    from agents.llm.tiny import TinyConfig, default_tiny_dir, train_tiny

    out = Path(args.out) if args.out else default_tiny_dir()
    config = TinyConfig(steps=args.steps, seed=args.seed, episodes=args.episodes,
                        data_dir=args.data_dir, progress=not args.no_progress)
    try:
        stats = train_tiny(out, config)
    except (ImportError, ValueError, OSError) as e:
        return _fail(str(e))
    print(f"trained the tiny model ({stats['parameters']:,} parameters, {stats['examples']:,} examples, "
          f"final loss {stats['final_loss']:.3f}) in {stats['seconds']:.0f} s; saved to {out}")
    return 0


def _agent_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--agent", required=True, metavar="MODULE:CLASS",
                   help="import string of the agent class, e.g. baselines.scripted:ScriptedSOPAgent")
    p.add_argument("--agent-kwargs", default=None, metavar="JSON",
                   help='keyword arguments of the agent as a JSON object, e.g. \'{"seed": 1}\'')
    p.add_argument("--env", default="GOPO-Mgshop-v0", help="registered env id (default: %(default)s)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gopo-bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument("--db", default=argparse.SUPPRESS, metavar="PATH",
                    help="SQLite database (default: $GOPO_LEADERBOARD_DB or "
                         "~/.local/share/gopo-bench/leaderboard.db)")

    demo = sub.add_parser("demo", help="the main job on the embedded default")
    demo.add_argument("--seed", type=int, default=0, help="seed of the transcript episode")
    demo.add_argument("--budget", default="full", choices=("tiny", "small", "full"),
                      help="training budget of the benchmark behind the table (default: %(default)s)")
    demo.add_argument("--out", default="runs/demo", metavar="DIR", help="where results and plots go")
    demo.add_argument("--no-progress", action="store_true")
    demo.set_defaults(func=_demo)

    ev = sub.add_parser("evaluate", help="evaluate an agent and write a submission directory")
    _agent_args(ev)
    ev.add_argument("--split", default="test", choices=("train", "dev", "test"))
    ev.add_argument("--trials", type=int, default=1, help="runs per scenario, with seeds SEED..SEED+K-1")
    ev.add_argument("--seed", type=int, default=0, help="first trial seed (0 = the standard protocol)")
    ev.add_argument("--out", required=True, metavar="DIR")
    ev.add_argument("--name", default=None, help="entry name (default: the class name)")
    ev.add_argument("--organisation", default="")
    ev.add_argument("--contact", default="")
    ev.add_argument("--description", default="")
    ev.add_argument("--load", default=None, metavar="PATH",
                    help="call agent.load(PATH) before evaluating (e.g. OUT/agent written by `train`)")
    ev.add_argument("--requires", action="append", default=None, metavar="REQ",
                    help="a requirement of the agent for `verify` (PEP 508, e.g. 'torch>=2.3'); repeat")
    ev.add_argument("--lenient", action="store_true",
                    help="score invalid actions as SOP violations instead of failing (custom track)")
    ev.set_defaults(func=_evaluate)

    sm = sub.add_parser("submit", parents=[db], help="validate (replay) and store a submission")
    sm.add_argument("dir", metavar="DIR")
    sm.add_argument("--no-progress", action="store_true")
    sm.set_defaults(func=_submit)

    lb = sub.add_parser("leaderboard", parents=[db], help="the ranked table; export or serve it")
    lb.set_defaults(func=_leaderboard)
    lb_sub = lb.add_subparsers(dest="action")
    ex = lb_sub.add_parser("export", parents=[db], help="write a static site, Markdown and CSV")
    ex.add_argument("--out", required=True, metavar="DIR")
    ex.set_defaults(func=_export)
    sv = lb_sub.add_parser("serve", parents=[db], help="export to a site directory and serve it")
    sv.add_argument("--host", default="127.0.0.1", help="bind address (default: %(default)s)")
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument("--site", default=None, metavar="DIR", help="site directory (default: a temporary one)")
    sv.set_defaults(func=_serve)
    _add_verify_commands(sub, lb_sub, db)

    tr = sub.add_parser("train", help="train an agent, save it, evaluate it on the dev split")
    _agent_args(tr)
    tr.add_argument("--steps", type=int, required=True, help="training budget in environment steps")
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument("--out", required=True, metavar="DIR")
    tr.set_defaults(func=_train)

    data = sub.add_parser("data", help="get the datasets the environment can use (MG-ShopDial)")
    data_sub = data.add_subparsers(dest="action", required=True)
    fetch = data_sub.add_parser("fetch", help="download a dataset, verify every sha256, install atomically")
    fetch.add_argument("name", choices=("mgshopdial",))
    fetch.add_argument("--dest", default=None, metavar="DIR",
                       help="target folder (default: $XDG_CACHE_HOME/gopo-bench/NAME or ~/.cache/...)")
    fetch.add_argument("--from", dest="source", default=None, metavar="URL-or-DIR",
                       help="a mirror URL or a local copy with the upstream layout (default: upstream)")
    fetch.set_defaults(func=_data_fetch)

    bm = sub.add_parser("benchmark", help="train and compare GOPO, its ablations and the baselines")
    bm.add_argument("domain", choices=("mgshop",), help="the domain (its Expert view is used)")
    bm.add_argument("--budget", default="small", choices=("tiny", "small", "full"),
                    help="equal env-step budget of every entrant; tiny only checks the pipeline "
                         "(docs/benchmark.md; default: %(default)s)")
    bm.add_argument("--seeds", type=int, default=None, help="training seeds 0..N-1 (default: the budget's)")
    bm.add_argument("--out", required=True, metavar="DIR")
    bm.add_argument("--only", default=None, metavar="KEY,...",
                    help="a subset of entrants, e.g. gopo,ppo-expert (docs/benchmark.md lists the keys)")
    bm.add_argument("--env-kwargs", default=None, metavar="JSON",
                    help='extra gym.make arguments, e.g. \'{"params": "calibrated"}\'')
    bm.add_argument("--resume", action="store_true", help="reuse finished (entrant, seed) runs in DIR/runs")
    bm.add_argument("--no-progress", action="store_true", help="no progress bar")
    bm.set_defaults(func=_benchmark)

    cal = sub.add_parser("calibrate", help="fit the customer simulator to real dialogues; --report: fidelity")
    cal.add_argument("domain", choices=("mgshop",), help="the domain (mgshop: MG-ShopDial)")
    cal.add_argument("--data-dir", default=None, metavar="PATH",
                     help="MG-ShopDial folder (default: $GOPO_DATA_DIR/mgshopdial, else the fetch cache)")
    cal.add_argument("--out", default=None, metavar="FILE", help="write the fitted parameter file here")
    cal.add_argument("--report", action="store_true",
                     help="print real vs simulated statistics (defaults and --params) and save --plot")
    cal.add_argument("--params", default="calibrated", metavar="FILE",
                     help="parameters the report compares besides the defaults (default: the shipped "
                          "'calibrated'; the freshly fitted ones with --out)")
    cal.add_argument("--plot", default="intents_real_vs_sim.png", metavar="FILE",
                     help="intent plot of --report (default: %(default)s)")
    cal.add_argument("--episodes", type=int, default=None, metavar="N",
                     help="simulated episodes (default: 400 per fit grid point, 600 for the report)")
    cal.add_argument("--seed", type=int, default=0)
    cal.set_defaults(func=_calibrate)

    llm = sub.add_parser("llm", help="the LLM path: train the tiny offline model (docs/llm.md)")
    llm_sub = llm.add_subparsers(dest="action", required=True)
    tt = llm_sub.add_parser("train-tiny", help="train the tiny GPT-2-style model from scratch on CPU")
    tt.add_argument("--out", default=None, metavar="DIR",
                    help="checkpoint directory (default: $XDG_CACHE_HOME/gopo-bench/tiny-lm)")
    tt.add_argument("--steps", type=int, default=400, help="optimiser steps (default: %(default)s)")
    tt.add_argument("--episodes", type=int, default=420,
                    help="train dialogues in the corpus (default: %(default)s)")
    tt.add_argument("--data-dir", default="auto", metavar="PATH",
                    help="MG-ShopDial for extra assistant utterances; 'auto' (default): if found; '' : none")
    tt.add_argument("--seed", type=int, default=0)
    tt.add_argument("--no-progress", action="store_true", help="no progress bar")
    tt.set_defaults(func=_llm_train_tiny)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
