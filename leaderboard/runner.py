"""The evaluation runner: any agent, any GOPO env, every scenario of a split × K trials.

The agent plays its ``roles`` through the one episode driver (``gopo_env.protocol.play``); the
domain's built-in agents fill the others. On a text env (``...-Text-v0``) the agent writes each
response directly and must play ``service``. ``gopo-bench evaluate`` runs the agent in its own
process (``gopo_env.protocol.AgentProcess``). The result is a submission
directory (``docs/submission.md``) that ``gopo-bench submit`` can verify by replay.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from gopo_env.core.files import check_out_dir, staged_dir
from gopo_env.protocol import AgentProcess, dialogue_of, episode_seed, make_view, play
from leaderboard import metrics as M
from leaderboard.loading import AgentLoadError, check_agent, load_agent, load_class, parse_env_kwargs
from leaderboard.submission import (
    FORMAT_VERSION,
    STANDARD_TRIALS,
    SUBMISSION_FILE,
    TRAJECTORIES_FILE,
    EnvInfo,
    SubmissionError,
    atomic_write_text,
    dumps,
    env_info,
    episode_record,
    parse_requirements,
    track,
    write_lines_atomic,
)

DEFAULT_ENV = "GOPO-Mgshop-v1"
"""The env the CLI and the leaderboard use unless told: the embedded default's current version."""


PROTOCOL_ARGUMENTS = ("split", "strict", "invalid_input")
"""``gym.make`` arguments the evaluation protocol sets itself (never ``env_kwargs``)."""


def package_version() -> str:
    """The installed gopo-bench distribution's version (the source tree's when not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("gopo-bench")
    except PackageNotFoundError:
        import gopo_env

        return gopo_env.__version__


def record_episode(view: Any, agent: Any, roles: tuple[str, ...], seed: int, scenario_id: str,
                   index: int, trial: int) -> dict[str, Any]:
    """Play one episode (``gopo_env.protocol.play``) and return its record (``submission.episode_record``)."""
    played = play(view, agent, seed=seed, scenario_id=scenario_id, roles=roles)
    return episode_record(dialogue_of(view), index, trial, played.actions)


def episode_plan(scenario_ids: list[str], seeds: list[int]) -> Iterator[tuple[int, int, str, int]]:
    """(index, trial, scenario id, episode seed) for every episode of the protocol, in order."""
    index = 0
    for trial, trial_seed in enumerate(seeds):
        for sid in scenario_ids:
            yield index, trial, sid, episode_seed(trial_seed, sid)
            index += 1


def progress_bar(total: int, enabled: bool,
                 desc: str = "evaluate") -> tuple[Callable[[], None], Callable[[], None]]:
    """(advance, close) of a progress bar on stderr: tqdm if installed, else nothing."""
    if not enabled:
        return (lambda: None), (lambda: None)
    try:
        from tqdm import tqdm
    except ImportError:
        return (lambda: None), (lambda: None)
    bar = tqdm(total=total, unit="episode", file=sys.stderr, desc=desc)
    return (lambda: bar.update(1)), bar.close


def run(agent: Any, env_id: str, split: str, trials: int, seed: int = 0, strict: bool = True,
        progress: bool = False,
        env_kwargs: Mapping[str, Any] | None = None) -> tuple[EnvInfo, list[int], list[dict[str, Any]]]:
    """Evaluate ``agent`` (an instance, or an :class:`~gopo_env.protocol.AgentProcess`) on
    ``env_id`` made with ``env_kwargs``; returns the env info, the trial seeds and the episode records."""
    if trials < 1:
        raise ValueError(f"trials must be >= 1, got {trials}")
    roles = check_agent(agent, type(agent).__name__)
    info = env_info(env_id)
    try:
        view = make_view(env_id, roles, split=split, strict=strict, **dict(env_kwargs or {}))
    except ValueError as e:
        raise AgentLoadError(str(e)) from None
    seeds = [seed + k for k in range(trials)]
    plan = list(episode_plan(dialogue_of(view).scenario_ids(split), seeds))
    advance, close = progress_bar(len(plan), progress)
    records = []
    try:
        for index, trial, sid, ep_seed in plan:
            try:
                records.append(record_episode(view, agent, roles, ep_seed, sid, index, trial))
            except Exception as e:
                raise RuntimeError(
                    f"episode {index} (scenario {sid}, trial {trial}, seed {ep_seed}): "
                    f"{type(e).__name__}: {e}"
                ) from e
            advance()
    finally:
        close()
    return info, seeds, records


def toolkit_of(env_id: str, env_kwargs: Mapping[str, Any] | None = None) -> Any:
    """The public toolkit of the domain behind ``env_id`` (what an agent process receives)."""
    import gymnasium as gym

    env = gym.make(env_id.removeprefix("gopo_env:"), **dict(env_kwargs or {}))
    try:
        return env.unwrapped.dialogue.domain.toolkit()
    finally:
        env.close()


def check_protocol_kwargs(env_kwargs: Mapping[str, Any], error: type[Exception] = ValueError) -> None:
    """Env kwargs never set what the run itself sets (:data:`PROTOCOL_ARGUMENTS`): the run would
    fail on a duplicate argument, or silently play another split than it records."""
    clash = sorted(set(env_kwargs) & set(PROTOCOL_ARGUMENTS))
    if clash:
        raise error(f"env kwargs may not set {clash}: the run sets them itself (the split it plays and "
                    "strict mode; `evaluate` has --split and --lenient for them)")


def check_env_kwargs(env_id: str, env_kwargs: Mapping[str, Any], split: str = "test") -> None:
    """Make ``env_id`` on ``split`` with ``env_kwargs`` once, so that a wrong argument is named
    before any agent is built or trained."""
    import gymnasium as gym

    check_protocol_kwargs(env_kwargs)
    if not env_kwargs:
        return
    try:
        gym.make(env_id.removeprefix("gopo_env:"), split=split, **env_kwargs).close()
    except Exception as e:
        raise ValueError(f"cannot make {env_id} with env kwargs {dict(env_kwargs)}: {type(e).__name__}: "
                         f"{e}; pass only arguments that gym.make({env_id!r}, ...) accepts") from e


TRAINED_ON_FILE = "trained_on.json"
"""What ``gopo-bench train`` writes beside its checkpoint (``OUT/agent``): the env it trained on."""


def check_trained_on(load: str | Path | None, env_id: str) -> None:
    """Refuse a checkpoint written by ``gopo-bench train`` for other dynamics than ``env_id``'s.

    A policy trained on one domain or version cannot play another (v0 has 52 expert features, v1
    55): without this check the first action fails deep inside the network with a shape error.
    The record is ``trained_on.json`` beside the checkpoint; checkpoints without one are not
    checked. Raises ``ValueError`` naming the id to evaluate on."""
    from gopo_env.registration import spec_of

    if load is None:
        return
    record = Path(load).parent / TRAINED_ON_FILE
    if not record.is_file():
        return
    try:
        trained = json.loads(record.read_text(encoding="utf-8"))["env_id"]
        ran, want = spec_of(trained), spec_of(env_id.removeprefix("gopo_env:"))
    except (OSError, ValueError, KeyError, TypeError):
        return  # an unreadable record is no reason to refuse; the agent's own load decides
    if (ran.domain, ran.version) != (want.domain, want.version):
        raise ValueError(f"{load} was trained on {trained} ({record}), but this evaluation plays "
                         f"{env_id}: a checkpoint plays the dynamics it was trained on; evaluate it on "
                         f"env_id={trained!r}, or train again on {env_id}")


def check_out(out: Path, overwrite: bool = False) -> None:
    """``out`` may receive a submission: it is absent or empty, or holds one and ``overwrite``
    (:func:`~gopo_env.core.files.check_out_dir`; other files are never replaced)."""
    check_out_dir(out, (SUBMISSION_FILE, TRAJECTORIES_FILE), "submission", overwrite, error=SubmissionError,
                  choices="pass overwrite=True to replace that folder (the new submission replaces it "
                          "only once it is complete)")


def score(env_id: str, records: list[dict[str, Any]], trials: int,
          generation: bool = False) -> tuple[list[dict[str, float]], dict[str, Any]]:
    """Per-episode metrics and the aggregate claims of a list of episode records.

    ``generation=True`` adds BLEU/ROUGE-L against real references when the data is available
    (:func:`leaderboard.metrics.generation_references`); they are never part of the claims.
    """
    refs = M.generation_references(env_id) if generation else None
    scorer = M.GenerationScorer(refs) if refs else None
    per_episode = [M.episode_metrics(ep, scorer) for ep in records]
    return per_episode, M.aggregate(records, per_episode, trials)


def evaluate(agent_spec: str, out: str | Path, *, agent_kwargs: dict[str, Any] | str | None = None,
             env_id: str = DEFAULT_ENV, split: str = "test", trials: int = STANDARD_TRIALS,
             seed: int = 0,
             strict: bool = True, name: str | None = None, organisation: str = "", contact: str = "",
             description: str = "", progress: bool = False, agent: Any = None,
             isolate: bool = True, load: str | Path | None = None,
             checkpoint: str | Path | None = None,
             requirements: list[str] | tuple[str, ...] = (),
             env_kwargs: Mapping[str, Any] | str | None = None,
             overwrite: bool = False) -> dict[str, Any]:
    """Evaluate the agent ``agent_spec`` and write a submission directory ``out``.

    ``agent`` may pass an already built instance (its class must still be importable as
    ``agent_spec`` for the record; it is used as it is), which then runs in this process.
    Otherwise, with ``isolate=True`` (the default, what ``gopo-bench evaluate`` does) the agent
    is built in its own process (:class:`~gopo_env.protocol.AgentProcess`, loading ``load`` if
    given) so that it can reach nothing of the simulator; ``isolate=False`` builds it here.
    ``load`` (``checkpoint`` is an alias: a file or folder the agent reads with ``agent.load``)
    is copied into ``out/checkpoint/`` and ``requirements`` (PEP 508 strings, e.g.
    ``"torch>=2.3"``) are recorded, so that ``gopo-bench verify`` can rebuild the agent (the
    verified track, ``docs/leaderboard.md``). ``env_kwargs`` (a dict or JSON text) are extra
    ``gym.make`` arguments, recorded as ``env.kwargs``; such a run is ``custom`` and ``submit``
    refuses it (the leaderboard scores the registered env). ``out`` must be absent or empty, or
    hold a submission and ``overwrite=True`` (:func:`check_out`); the new folder replaces it in
    one step once complete, so a failed run leaves the old one as it was. Returns the
    ``submission.json`` content.
    """
    from leaderboard.loading import parse_kwargs

    kwargs = agent_kwargs if isinstance(agent_kwargs, dict) else parse_kwargs(agent_kwargs)
    env_kwargs = parse_env_kwargs(env_kwargs)
    load = load if load is not None else checkpoint
    load = None if load is None else str(load)
    out = Path(out)
    if seed < 0:  # submit's schema takes non-negative trial seeds only: refuse now, not at submit
        raise ValueError(f"seed must be >= 0 (the trial seeds are seed..seed+trials-1), got {seed}")
    # clear errors before any agent is built: the folder, an unknown env id, a wrong env argument
    check_out(out, overwrite)
    parse_requirements(requirements, "requirements (--requires)")
    env_info(env_id)
    check_env_kwargs(env_id, env_kwargs, split)
    check_trained_on(load, env_id)
    process = None
    if agent is None and isolate:
        load_class(agent_spec)  # a clear error here, not in the child
        process = agent = AgentProcess(agent_spec, kwargs, load=load,
                                       toolkit=toolkit_of(env_id, env_kwargs))
    elif agent is None:
        agent = load_agent(agent_spec, kwargs)
        if load:
            if not callable(getattr(agent, "load", None)):
                raise AgentLoadError(f"{agent_spec} has no load(path) method to read the checkpoint {load}")
            agent.load(str(load))
    try:
        env, seeds, records = run(agent, env_id, split, trials, seed, strict, progress, env_kwargs)
    finally:
        if process is not None:
            process.close()
    per_episode, claims = score(env_id, records, trials)
    for ep, m in zip(records, per_episode):
        ep["metrics"] = m
    agent_info: dict[str, Any] = {
        "name": name or agent_spec.rpartition(":")[2], "class": agent_spec, "kwargs": kwargs,
        "roles": list(check_agent(agent, agent_spec)), "organisation": organisation,
        "contact": contact, "description": description,
    }
    if requirements:
        agent_info["requirements"] = list(requirements)
    env_record: dict[str, Any] = {"id": env.env_id, "version": env.env_version,
                                  "package_version": env.package_version, "mode": env.mode}
    if env_kwargs:
        env_record["kwargs"] = env_kwargs
    submission = {
        "format_version": FORMAT_VERSION,
        "agent": agent_info,
        "track": track(seeds, strict, split, env_kwargs),
        "env": env_record,
        "package_version": package_version(),
        "protocol": {"split": split, "trials": trials, "seeds": seeds, "strict": strict,
                     "episodes": len(records)},
        "metrics": claims,
    }
    with staged_dir(out) as staging:
        if load is not None:
            agent_info["checkpoint"] = _copy_checkpoint(Path(load), staging)
        write_lines_atomic(staging / TRAJECTORIES_FILE, (dumps(ep) + "\n" for ep in records))
        pretty = json.dumps(submission, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
        atomic_write_text(staging / SUBMISSION_FILE, pretty + "\n")
        check_out(out, overwrite)  # again: another run may have written there meanwhile
    return submission


def _copy_checkpoint(src: Path, out: Path) -> str:
    """Copy a checkpoint file/folder into ``out/checkpoint/`` (a new folder); its path relative
    to ``out``."""
    import shutil

    # ``agent.load(PATH)`` may read PATH itself or files named PATH.<suffix> (SB3: PATH.zip)
    parts = [src] if src.exists() else sorted(src.parent.glob(src.name + ".*"))
    if not parts:
        raise ValueError(f"checkpoint {src} does not exist (nor {src}.*)")
    rel = Path("checkpoint") / src.name
    for part in parts:
        dest = out / "checkpoint" / part.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if part.is_dir():
            shutil.copytree(part, dest, symlinks=False)
        else:
            shutil.copy2(part, dest)
    return rel.as_posix()
