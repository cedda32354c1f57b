"""The ``gopo-bench`` command line: a thin layer over the library.

Each subcommand calls one library function (``leaderboard.runner``, ``leaderboard.validate``,
``leaderboard.store``, ``leaderboard.bench``, ...); ``gopo-bench COMMAND --help`` shows its
options with their defaults. Domains add their own commands (``Domain.commands``).
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
from pathlib import Path
from typing import Any


class CommandError(Exception):
    """A command failed for a reason its message explains; :func:`main` prints it and returns 1."""


_API_ARGUMENT = re.compile(r"\b([a-z][a-z0-9_]*)=('[^']*'|\"[^\"]*\"|[^\s,;:)'\"]+)")
"""``name=VALUE`` as the Python API's messages write an argument (``data_dir=PATH``, ``split='dev'``)."""


_API_ALIASES = {"env_id": "env"}
"""Python API argument -> the flag's name where they differ (``evaluate(env_id=...)``: ``--env``)."""


def _in_flags(message: str, parser: argparse.ArgumentParser | None) -> str:
    """``message`` with each Python API argument the command has as a flag written as that flag
    (``data_dir=PATH`` -> ``--data-dir PATH``, ``overwrite=True`` -> ``--overwrite``): the library
    speaks to Python callers, the command line user types flags."""
    if parser is None:
        return message
    flags = {opt[2:].replace("-", "_"): (opt, action.nargs == 0)
             for action in parser._actions for opt in action.option_strings if opt.startswith("--")}

    def flag(m: re.Match[str]) -> str:
        name, value = m.group(1), m.group(2).strip("'\"")
        name = _API_ALIASES.get(name, name)
        if name not in flags:
            return m.group(0)
        opt, switch = flags[name]
        if switch:
            return opt if value == "True" else m.group(0)
        return f"{opt} {value}"

    return _API_ARGUMENT.sub(flag, message)


def _db(args: argparse.Namespace) -> Path:
    from leaderboard.store import default_db_path

    db = getattr(args, "db", None)
    return Path(db) if db else default_db_path()


def _demo(args: argparse.Namespace) -> int:
    from leaderboard.bench import BenchmarkError
    from leaderboard.demo import run_demo

    try:
        print(run_demo(seed=args.seed, out=args.out, budget=args.budget, progress=not args.no_progress))
    except (BenchmarkError, ImportError) as e:
        raise CommandError(str(e)) from None
    return 0


def _summary_line(metrics: dict) -> str:
    from leaderboard.report import fmt_mean_ci

    return ", ".join(f"{n} {fmt_mean_ci(metrics[n])}" for n in ("tse", "success", "esndcg", "gre")
                     if n in metrics)


def _evaluate(args: argparse.Namespace) -> int:
    from leaderboard.loading import AgentLoadError
    from leaderboard.runner import evaluate
    from leaderboard.submission import SubmissionError

    try:
        sub = evaluate(args.agent, args.out, agent_kwargs=args.agent_kwargs, env_id=args.env,
                       split=args.split, trials=args.trials, seed=args.seed, strict=not args.lenient,
                       name=args.name, organisation=args.organisation, contact=args.contact,
                       description=args.description, progress=not args.no_progress,
                       isolate=not args.in_process, load=args.load, requirements=args.requires or (),
                       env_kwargs=args.env_kwargs, overwrite=args.overwrite)
    except (AgentLoadError, SubmissionError, ValueError, RuntimeError, ImportError) as e:
        raise CommandError(str(e)) from None
    except OSError as e:
        raise CommandError(f"cannot write the submission to {args.out} ({e.strerror or e}); choose a "
                           "writable --out") from None
    kwargs = f" with env kwargs {json.dumps(sub['env']['kwargs'])}" if "kwargs" in sub["env"] else ""
    print(f"wrote {args.out}: {sub['protocol']['episodes']} episodes of {sub['env']['id']}{kwargs} "
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
        raise CommandError(f"rejected {args.dir}: {e}") from None
    except ImportError as e:
        raise CommandError(str(e)) from None
    try:
        entry = store(db, verified)
    except DuplicateSubmission as e:
        raise CommandError(f"rejected {args.dir}: {e}") from None
    except StorageError as e:
        raise CommandError(str(e)) from None
    except (sqlite3.Error, OSError) as e:
        raise CommandError(f"cannot store in the database {db}: {e}; choose another with --db PATH") from None
    print(f"accepted {args.dir} as entry {entry} in {db}: {verified.submission['agent']['name']}; "
          f"{_summary_line(verified.metrics)}")
    return 0


def _leaderboard(args: argparse.Namespace) -> int:
    from leaderboard.report import text_table
    from leaderboard.store import StorageError

    try:
        print(text_table(_db(args)), end="")
    except StorageError as e:
        raise CommandError(str(e)) from None
    return 0


def _export(args: argparse.Namespace) -> int:
    from leaderboard.site import export
    from leaderboard.store import StorageError

    try:
        out = export(_db(args), args.out)
    except (ImportError, StorageError) as e:
        raise CommandError(str(e)) from None
    except OSError as e:
        raise CommandError(f"cannot write the site to {args.out} ({e.strerror or e}); choose a writable "
                           "--out") from None
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
            raise CommandError(str(e)) from None
        except OSError as e:
            raise CommandError(f"cannot serve on {args.host}:{args.port} or write {site} "
                               f"({e.strerror or e}); is the port in use? choose another with "
                               "--port") from None
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
        raise CommandError(f"cannot verify {args.dir}: {e}") from None
    except ImportError as e:
        raise CommandError(str(e)) from None
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
        raise CommandError(str(e)) from None
    return 0


def _add_verify_commands(sub: argparse._SubParsersAction, lb_sub: argparse._SubParsersAction,
                         db: argparse.ArgumentParser) -> None:
    """The parsers of ``verify`` and ``leaderboard seed`` (kept together for the CLI rewrite)."""
    vf = _cmd(sub, "verify", parents=[db],
              help="re-run a stored submission's agent: exact reproduction + fresh scenarios")
    vf.add_argument("dir", metavar="DIR", help="the submission directory (as submitted)")
    vf.add_argument("--fresh-seed", type=_seed, default=None, metavar="N",
                    help="seed of the fresh scenario set (default: drawn at random now)")
    vf.add_argument("--no-progress", action="store_true")
    vf.set_defaults(func=_verify)
    sd = _cmd(lb_sub, "seed", parents=[db],
              help="add the reference agents (random, scripted SOP; --trained: BC, PPO)")
    sd.add_argument("--work", default="runs/reference", metavar="DIR",
                    help="where the reference submissions are written (default: %(default)s)")
    sd.add_argument("--trained", type=int, default=0, metavar="STEPS",
                    help="also train BC and PPO for STEPS env steps each (default: 0, none)")
    sd.add_argument("--no-verify", action="store_true", help="submit without verifying")
    sd.add_argument("--no-progress", action="store_true")
    sd.set_defaults(func=_lb_seed)


TRAIN_OUTPUTS = ("train_stats.json", "eval-dev")
"""What marks a folder as a ``train`` output (``--overwrite`` needed to replace it)."""


def _message(e: BaseException) -> str:
    """An exception's message as a sentence (``str`` of a ``KeyError`` wraps it in quotes)."""
    return str(e.args[0]) if isinstance(e, KeyError) and e.args else str(e)


def quiet_training(agent: Any) -> None:
    """Turn off the agent's own training progress bar where its config has one (``progress``:
    GOPO; ``progress_bar``: PPO, BC, Memento), for ``--no-progress``; other agents are left as
    they are."""
    config = getattr(agent, "config", None)
    for option in ("progress", "progress_bar"):
        if isinstance(getattr(config, option, None), bool):
            setattr(config, option, False)


def _train(args: argparse.Namespace) -> int:
    from gopo_env.core.files import check_out_dir, staged_dir
    from gopo_env.registration import sibling_id, spec_of
    from leaderboard.bench import env_overrides
    from leaderboard.loading import AgentLoadError, load_agent, parse_env_kwargs
    from leaderboard.runner import TRAINED_ON_FILE, check_env_kwargs, evaluate

    out = Path(args.out)
    try:  # clear errors before anything is built or trained: the folder, the env, the arguments
        check_out_dir(out, TRAIN_OUTPUTS, "training run", args.overwrite, error=CommandError,
                      choices="pass overwrite=True to replace it (only once the new run has finished)")
        spec = spec_of(args.env)
        env_kwargs = parse_env_kwargs(args.env_kwargs)
        check_env_kwargs(args.env, env_kwargs, "train")
        agent = load_agent(args.agent, args.agent_kwargs)
    except (AgentLoadError, ValueError, KeyError) as e:
        raise CommandError(_message(e)) from None
    missing = [m for m in ("train", "save") if not callable(getattr(agent, m, None))]
    if missing:
        raise CommandError(f"{args.agent} is not trainable: it lacks {missing} "
                           "(see gopo_env/protocol.py: train(env_id, budget, seed), save(path), load(path))")
    if args.no_progress:
        quiet_training(agent)
    from leaderboard.report import learning_curve_plot, training_summary
    from leaderboard.submission import atomic_write_text

    model = out / "agent"
    # written beside OUT and swapped in once complete: a failed run leaves OUT as it was
    with staged_dir(out) as staging:
        try:
            # agents make their envs by id: the extra arguments reach them through the registry
            with env_overrides(env_kwargs, spec.domain):
                stats = agent.train(args.env, args.steps, args.seed)
        except (ValueError, RuntimeError, KeyError) as e:
            raise CommandError(f"training {args.agent} on {args.env} failed: {_message(e)}") from None
        agent.save(str(staging / model.name))
        atomic_write_text(staging / TRAINED_ON_FILE, json.dumps(
            {"env_id": args.env, "env_kwargs": env_kwargs, "steps": args.steps, "seed": args.seed}) + "\n")
        atomic_write_text(staging / "train_stats.json", json.dumps(stats, indent=2, default=str) + "\n")
        curve = getattr(agent, "curve", None)
        plot = learning_curve_plot(curve, staging / "learning_curve.png", title=args.agent) if curve else None
    steps = stats.get("env_steps") if isinstance(stats, dict) else None  # what it used, if it says
    used = (f"{steps:,} env steps (budget {args.steps:,})" if isinstance(steps, int)
            else f"a budget of {args.steps:,} steps")
    print(f"trained {args.agent} for {used}, seed {args.seed}; saved to {model}")
    print(training_summary(stats), end="")
    if curve:
        where = out / plot.name if plot else "not drawn: needs matplotlib (the [web] extra)"
        print(f"learning curve (dev TSE and success vs env steps): {where}")
    print(f"all training statistics: {out / 'train_stats.json'}")
    from leaderboard.submission import SubmissionError

    # a flat (training) view is evaluated on its expert view, where the agent plays both roles
    eval_env = sibling_id(args.env, "expert") if spec.view == "flat" else args.env
    try:
        sub = evaluate(args.agent, out / "eval-dev", agent_kwargs=args.agent_kwargs, env_id=eval_env,
                       split="dev", trials=1, seed=args.seed, agent=agent, progress=not args.no_progress,
                       env_kwargs=env_kwargs)
    except (SubmissionError, ValueError, RuntimeError) as e:
        raise CommandError(f"the dev evaluation after training failed (the model is saved in {model}): "
                           f"{e}") from None
    print(f"dev split: {_summary_line(sub['metrics'])} (submission in {out / 'eval-dev'})")
    return 0


def _show(args: argparse.Namespace) -> int:
    from leaderboard.report import episode_transcript
    from leaderboard.submission import SubmissionError, read_episode

    try:
        print(episode_transcript(read_episode(Path(args.dir), args.episode)), end="")
    except SubmissionError as e:
        raise CommandError(str(e)) from None
    return 0


def _benchmark(args: argparse.Namespace) -> int:
    import shlex

    from leaderboard.bench import BenchmarkError, run
    from leaderboard.loading import AgentLoadError

    parts = ["gopo-bench", "benchmark", args.domain, "--budget", args.budget, "--out", args.out]
    parts += ["--seeds", str(args.seeds)] if args.seeds is not None else []
    parts += ["--only", args.only] if args.only else []
    parts += ["--env-kwargs", args.env_kwargs] if args.env_kwargs else []
    parts += ["--split", args.split] if args.split != "test" else []
    parts += ["--resume"] if args.resume else []
    parts += ["--overwrite"] if args.overwrite else []
    command = shlex.join(parts)
    try:
        result = run(args.domain, args.budget, args.seeds, args.out, only=args.only,
                     env_kwargs=args.env_kwargs, resume=args.resume, progress=not args.no_progress,
                     command=command, split=args.split, overwrite=args.overwrite)
    except (BenchmarkError, AgentLoadError, ImportError) as e:
        raise CommandError(str(e)) from None
    print(f"wrote {args.out}: results.json, results.md and plots "
          f"({len(result['entrants'])} entrants × {len(result['seeds'])} seeds, "
          f"{result['wall_clock_s'] / 60:.1f} min)")
    print((Path(args.out) / "results.md").read_text(), end="")
    return 0


def _domain_command(args: argparse.Namespace) -> int:
    """A command a domain registered (``Domain.commands``), e.g. ``calibrate mgshop``."""
    from gopo_env.core.errors import GopoError

    try:
        print(_resolve(args.command_target)(args), end="")
    except (GopoError, ValueError, OSError, ImportError) as e:
        raise CommandError(str(e)) from None
    return 0


def _resolve(target: str):
    """``module:attribute`` -> the attribute (commands are reached by import string only)."""
    import importlib

    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def _domain_commands() -> dict[str, dict[str, str]]:
    """Command name -> {domain: ``module:function``} from every registered domain."""
    from gopo_env.domains.registry import domain_factory, domain_names

    out: dict[str, dict[str, str]] = {}
    for name in domain_names():
        for command, target in (getattr(domain_factory(name), "commands", {}) or {}).items():
            out.setdefault(command, {})[name] = target
    return out


def _data_fetch(args: argparse.Namespace) -> int:
    from gopo_env.data import DataError, default_cache_dir, fetch_dataset, manifest

    try:
        m = manifest(args.name)
        dest = Path(args.dest) if args.dest else default_cache_dir(args.name)
        result = fetch_dataset(m, dest, source=args.source,
                               on_file=lambda rel, status: print(f"  {status:8} {rel}"))
    except DataError as e:
        raise CommandError(str(e)) from None
    print(f"{args.name}: {len(result.fetched)} file(s) fetched and sha256-verified, {len(result.present)} "
          f"already present, in {result.dest.resolve()}")
    where = result.dest.resolve()
    if where == default_cache_dir(args.name).resolve():
        print("every command and gym.make find it there (the fetch cache): nothing to set")
        return 0
    # GOPO_DATA_DIR names the folder that holds NAME/, so it only works for a dest named NAME
    by_env = f"set GOPO_DATA_DIR={where.parent} (every command), or " if where.name == args.name else ""
    print(f"to use it, {by_env}pass --data-dir {where} where a command has it (data_dir= in Python)")
    return 0


def _llm_train_tiny(args: argparse.Namespace) -> int:
    tiny = "agents.llm.tiny"  # by import string: the leaderboard imports no agent package
    TinyConfig, default_tiny_dir, train_tiny = (_resolve(f"{tiny}:{n}") for n in  # noqa: N806
                                                ("TinyConfig", "default_tiny_dir", "train_tiny"))

    out = Path(args.out) if args.out else default_tiny_dir()
    config = TinyConfig(steps=args.steps, seed=args.seed, episodes=args.episodes,
                        data_dir=args.data_dir, progress=not args.no_progress)
    try:
        stats = train_tiny(out, config)
    except (ImportError, ValueError, OSError) as e:
        raise CommandError(str(e)) from None
    print(f"trained the tiny model ({stats['parameters']:,} parameters, {stats['examples']:,} examples, "
          f"final loss {stats['final_loss']:.3f}) in {stats['seconds']:.0f} s; saved to {out}")
    return 0


def _int_from(minimum: int) -> Any:
    """An argparse type: an integer >= ``minimum`` (argparse names the flag in its error), so that
    a count or a seed the library would refuse later is refused before anything runs."""
    def check(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    check.__name__ = f"int >= {minimum}"
    return check


_positive_int = _int_from(1)
_seed = _int_from(0)
"""Seeds: trial seeds are recorded in submissions, whose schema takes non-negative ones only."""


ENV_KWARGS_HELP = 'extra gym.make arguments as a JSON object, e.g. \'{"params": "calibrated"}\''


def _agent_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--agent", required=True, metavar="MODULE:CLASS",
                   help="import string of the agent class, e.g. baselines.scripted:ScriptedSOPAgent")
    p.add_argument("--agent-kwargs", default=None, metavar="JSON",
                   help='keyword arguments of the agent as a JSON object, e.g. \'{"seed": 1}\'')
    from leaderboard.runner import DEFAULT_ENV

    p.add_argument("--env", default=DEFAULT_ENV, help="registered env id")
    p.add_argument("--env-kwargs", default=None, metavar="JSON", help=ENV_KWARGS_HELP)
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Help that shows every meaningful default (not None/False, not one the text already gives)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if ("default" in text or default is None or default is False or default is argparse.SUPPRESS
                or not action.option_strings or action.nargs == 0):
            return text
        return f"{text} (default: %(default)s)" if text else "default: %(default)s"


def _cmd(subparsers: Any, name: str, **kwargs: Any) -> argparse.ArgumentParser:
    """A subcommand whose help shows its defaults (and whose errors name its flags: :func:`main`)."""
    parser = subparsers.add_parser(name, formatter_class=_Formatter, **kwargs)
    parser.set_defaults(cli_parser=parser)
    return parser


def _version() -> str:
    from leaderboard.runner import package_version

    return f"gopo-bench {package_version()}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gopo-bench", formatter_class=_Formatter,
        description="Benchmark suite for goal-oriented, task-focused dialogue. Start with "
                    "`gopo-bench demo` (a transcript, then GOPO and the baselines trained and ranked).")
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument("--db", default=argparse.SUPPRESS, metavar="PATH",
                    help="SQLite database (default: $GOPO_LEADERBOARD_DB or "
                         "~/.local/share/gopo-bench/leaderboard.db)")

    demo = _cmd(sub, "demo", help="the main job on the embedded default")
    demo.add_argument("--seed", type=_seed, default=0, help="seed of the transcript episode")
    demo.add_argument("--budget", default="full", choices=("tiny", "small", "full"),
                      help="training budget of the benchmark behind the table, one training seed "
                           "(`benchmark` uses small and the budget's seeds unless told)")
    demo.add_argument("--out", default="runs/demo", metavar="DIR",
                      help="where results and plots go (an earlier demo's are replaced)")
    demo.add_argument("--no-progress", action="store_true")
    demo.set_defaults(func=_demo)

    ev = _cmd(sub, "evaluate", help="evaluate an agent and write a submission directory")
    _agent_args(ev)
    ev.add_argument("--split", default="test", choices=("train", "dev", "test"))
    ev.add_argument("--trials", type=_positive_int, default=3,
                    help="runs per scenario, with seeds SEED..SEED+K-1 (3 with --seed 0: the standard track)")
    ev.add_argument("--seed", type=_seed, default=0, help="first trial seed (0 = the standard protocol)")
    ev.add_argument("--out", required=True, metavar="DIR",
                    help="the submission folder to write (new, or empty; see --overwrite)")
    ev.add_argument("--overwrite", action="store_true",
                    help="replace the submission already in --out (only once the new one is complete)")
    ev.add_argument("--name", default=None, help="entry name (default: the class name)")
    ev.add_argument("--organisation", default="")
    ev.add_argument("--contact", default="")
    ev.add_argument("--description", default="")
    ev.add_argument("--load", default=None, metavar="PATH",
                    help="call agent.load(PATH) before evaluating (e.g. OUT/agent written by `train`)")
    ev.add_argument("--requires", action="append", default=None, metavar="REQ",
                    help="a requirement of the agent for `verify` (PEP 508, e.g. 'torch>=2.3'); repeat")
    ev.add_argument("--in-process", action="store_true",
                    help="run the agent in this process (faster to debug; by default it runs in its own "
                         "process and sees only observations, public info and the public toolkit)")
    ev.add_argument("--lenient", action="store_true",
                    help="score invalid actions as SOP violations instead of failing (custom track)")
    ev.set_defaults(func=_evaluate)

    sm = _cmd(sub, "submit", parents=[db], help="validate (replay) and store a submission")
    sm.add_argument("dir", metavar="DIR")
    sm.add_argument("--no-progress", action="store_true")
    sm.set_defaults(func=_submit)

    lb = _cmd(sub, "leaderboard", parents=[db], help="the ranked table; export or serve it")
    lb.set_defaults(func=_leaderboard)
    lb_sub = lb.add_subparsers(dest="action")
    ex = _cmd(lb_sub, "export", parents=[db], help="write a static site, Markdown and CSV")
    ex.add_argument("--out", required=True, metavar="DIR")
    ex.set_defaults(func=_export)
    sv = _cmd(lb_sub, "serve", parents=[db], help="export to a site directory and serve it")
    sv.add_argument("--host", default="127.0.0.1", help="bind address")
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument("--site", default=None, metavar="DIR", help="site directory (default: a temporary one)")
    sv.set_defaults(func=_serve)
    _add_verify_commands(sub, lb_sub, db)

    from leaderboard import export_cli

    export_cli.add_parser(sub)

    sh = _cmd(sub, "show", help="print one episode's transcript from a results folder (`evaluate --out DIR`)")
    sh.add_argument("dir", metavar="DIR", help="a submission folder (holds trajectories.jsonl)")
    sh.add_argument("--episode", type=int, default=0, metavar="N", help="the episode index (0-based)")
    sh.set_defaults(func=_show)

    tr = _cmd(sub, "train", help="train an agent, save it, evaluate it on the dev split")
    _agent_args(tr)
    tr.add_argument("--steps", type=_positive_int, required=True, help="training budget in environment steps")
    tr.add_argument("--seed", type=_seed, default=0,
                    help="training seed (weights, exploration) and the trial seed of the dev evaluation")
    tr.add_argument("--out", required=True, metavar="DIR",
                    help="the folder to write: the model (agent), train_stats.json, eval-dev/ (new, or "
                         "empty; see --overwrite)")
    tr.add_argument("--overwrite", action="store_true",
                    help="replace an earlier training run in --out (only once the new one has finished)")
    tr.set_defaults(func=_train)

    from gopo_env.data import datasets

    data = _cmd(sub, "data", help=f"get the datasets the domains can use ({', '.join(datasets())})")
    data_sub = data.add_subparsers(dest="action", required=True)
    fetch = _cmd(data_sub, "fetch", help="download a dataset, verify every sha256, install atomically")
    fetch.add_argument("name", choices=tuple(datasets()), help="a dataset a registered domain declares")
    fetch.add_argument("--dest", default=None, metavar="DIR",
                       help="target folder (default: $XDG_CACHE_HOME/gopo-bench/NAME or ~/.cache/...)")
    fetch.add_argument("--from", dest="source", default=None, metavar="URL-or-DIR",
                       help="a mirror URL or a local copy with the upstream layout (default: upstream)")
    fetch.set_defaults(func=_data_fetch)

    bm = _cmd(sub, "benchmark", help="train and compare GOPO, its ablations and the baselines")
    from leaderboard.bench.entrants import domain_envs

    bm.add_argument("domain", choices=tuple(domain_envs()),
                    help="the domain (its newest version's Expert view is used)")
    bm.add_argument("--budget", default="small", choices=("tiny", "small", "full"),
                    help="equal env-step budget of every entrant; tiny only checks the pipeline "
                         "(docs/benchmark.md)")
    bm.add_argument("--seeds", type=int, default=None, help="training seeds 0..N-1 (default: the budget's)")
    bm.add_argument("--out", required=True, metavar="DIR",
                    help="the folder to write: new, or empty, or an earlier benchmark's with --resume or "
                         "--overwrite")
    bm.add_argument("--only", default=None, metavar="KEY,...",
                    help="a subset of entrants, e.g. gopo,ppo-expert (docs/benchmark.md lists the keys)")
    bm.add_argument("--env-kwargs", default=None, metavar="JSON", help=ENV_KWARGS_HELP)
    bm.add_argument("--split", default="test", choices=("test", "dev"),
                    help="split the table is measured on (default test; dev where the test data is "
                         "absent, e.g. MultiWOZ without `gopo-bench data fetch multiwoz`)")
    bm.add_argument("--resume", action="store_true", help="reuse finished (entrant, seed) runs in DIR/runs")
    bm.add_argument("--overwrite", action="store_true",
                    help="start afresh over an earlier benchmark in --out (its outputs are replaced only "
                         "once the new run is complete)")
    bm.add_argument("--no-progress", action="store_true", help="no progress bar")
    bm.set_defaults(func=_benchmark)

    for command, targets in _domain_commands().items():
        helps = {"calibrate": "fit a domain's customer simulator to real dialogues; --report: fidelity",
                 "evaluate-corpus": "score a context-to-response system on a domain's corpus "
                                    "(MultiWOZ: Inform/Success/BLEU/Combined)"}
        cmd = _cmd(sub, command, help=helps.get(command, f"{command} (a domain command)"))
        per_domain = cmd.add_subparsers(dest="domain", required=True, metavar="DOMAIN")
        for domain, target in targets.items():
            p = _cmd(per_domain, domain, help=f"{command} for {domain}")
            _resolve(target + "_arguments")(p)
            p.set_defaults(func=_domain_command, command_target=target)

    llm = _cmd(sub, "llm", help="the LLM path: train the tiny offline model (docs/llm.md)")
    llm_sub = llm.add_subparsers(dest="action", required=True)
    tt = _cmd(llm_sub, "train-tiny", help="train the tiny GPT-2-style model from scratch on CPU")
    tt.add_argument("--out", default=None, metavar="DIR",
                    help="checkpoint directory (default: $XDG_CACHE_HOME/gopo-bench/tiny-lm)")
    tt.add_argument("--steps", type=int, default=400, help="optimiser steps")
    tt.add_argument("--episodes", type=int, default=420,
                    help="train dialogues in the corpus")
    tt.add_argument("--data-dir", default="auto", metavar="PATH",
                    help="MG-ShopDial for extra assistant utterances; 'auto' (default): if found; '' : none")
    tt.add_argument("--seed", type=_seed, default=0)
    tt.add_argument("--no-progress", action="store_true", help="no progress bar")
    tt.set_defaults(func=_llm_train_tiny)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CommandError as e:
        print(f"gopo-bench: {_in_flags(str(e), getattr(args, 'cli_parser', None))}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
