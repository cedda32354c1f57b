"""Batched evaluation: N dialogues in lock-step, so an LLM agent generates for all of them at once.

Evaluating a language model one dialogue at a time leaves its batching unused: each turn is one
prompt. :func:`play_batch` drives N dialogue engines turn by turn and hands the agent the N
observations of a turn together through an optional method

    act_batch(role, observations, infos) -> list of actions (one per observation, in order)

which a local model answers with one batched ``generate`` call and an OpenAI-compatible server
with a bounded pool of concurrent requests. An agent that defines ``act_batch`` promises that its
actions depend only on ``(role, observation, info)`` (no per-episode state kept between calls:
seeds and history come from ``info["episode_seed"]``, ``info["turn"]`` and
``info["transcript"]``); its ``act`` must give the same action for the same arguments. That is
what makes the records of :func:`run` byte-identical to the sequential runner's
(``leaderboard.runner.run``; a test checks it). An agent without ``act_batch`` is evaluated
sequentially, episode by episode, by the one driver ``agents.protocol.play``.

The episode plan, the seeds and the records are the sequential runner's; only the order in which
turns are computed changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agents.protocol import info_of, play
from gopo_env.core.dialogue import Dialogue
from leaderboard.loading import AgentLoadError, check_agent
from leaderboard.runner import episode_plan, progress_bar
from leaderboard.submission import EnvInfo, episode_record, make_dialogue


def supports_batch(agent: Any) -> bool:
    """Whether ``agent`` defines ``act_batch`` (and so can be driven in lock-step)."""
    return callable(getattr(agent, "act_batch", None))


def _act_all(agent: Any, role: str, observations: list[Any], infos: list[dict[str, Any]]) -> list[Any]:
    if supports_batch(agent):
        actions = list(agent.act_batch(role, observations, infos))
        if len(actions) != len(observations):
            raise RuntimeError(f"{type(agent).__name__}.act_batch returned {len(actions)} actions for "
                               f"{len(observations)} observations; return one per observation, in order")
        return actions
    return [agent.act(role, o, i) for o, i in zip(observations, infos)]


def play_batch(dialogues: Sequence[Dialogue], agent: Any, roles: tuple[str, ...], seeds: Sequence[int],
               scenario_ids: Sequence[str | None], text_mode: bool = False) -> list[list[Any]]:
    """Play one episode on each dialogue in lock-step; the raw responses of each, as ``play`` returns.

    Same semantics as ``agents.protocol.play`` (built-ins fill the roles the agent does not
    play; ``text_mode``: the agent writes every response), with each turn's agent calls made
    for all unfinished dialogues at once. ``attach`` is not called: a batched agent reads
    everything from ``info``.
    """
    from gopo_env.envs.text import transcript_text

    if not len(dialogues) == len(seeds) == len(scenario_ids):
        raise ValueError(f"play_batch: {len(dialogues)} dialogues, {len(seeds)} seeds and "
                         f"{len(scenario_ids)} scenario ids; give one of each per episode")
    for d, seed, sid in zip(dialogues, seeds, scenario_ids):
        d.reset(seed, sid)
        agent.reset(seed=seed)
    raws: list[list[Any]] = [[] for _ in dialogues]
    while True:
        live = [i for i, d in enumerate(dialogues) if not d.done]
        if not live:
            return raws
        ds = [dialogues[i] for i in live]
        if text_mode:
            texts = _act_all(agent, "service", [transcript_text(d.transcript) for d in ds],
                             [info_of(d, True) for d in ds])
            for i, d, text in zip(live, ds, texts):
                raws[i].append(text)
                d.respond_directly(text, agent="service")
            continue
        if "expert" in roles:
            observations = [{"features": d.features(), "action_mask": d.mask()} for d in ds]
            strategies = _act_all(agent, "expert", observations, [info_of(d) for d in ds])
        else:
            strategies = [d.builtin_strategy() for d in ds]
        chosen = [d.choose(s) for d, s in zip(ds, strategies)]
        if "service" in roles:
            observations = [{"features": d.features(), "strategy": c if c >= 0 else d.n_strategies,
                             "customer": d.transcript[-1].customer} for d, c in zip(ds, chosen)]
            texts = _act_all(agent, "service", observations, [info_of(d, True) for d in ds])
        else:
            texts = [d.realize() for d in ds]
        for i, d, text in zip(live, ds, texts):
            raws[i].append(text)
            d.respond(text)


def run(agent: Any, env_id: str, split: str, trials: int, seed: int = 0, strict: bool = True,
        batch: int = 32, progress: bool = False, episodes: int | None = None
        ) -> tuple[EnvInfo, list[int], list[dict[str, Any]]]:
    """``leaderboard.runner.run`` with ``batch`` dialogues in flight: same plan, same records.

    ``batch=1`` or an agent without ``act_batch``: the sequential path, episode by episode.
    ``episodes``: only the first N scenarios of the split in each trial (a quick look, not the
    leaderboard protocol). Raises ``ValueError`` for ``batch < 1`` or ``trials < 1``.
    """
    if batch < 1 or trials < 1:
        raise ValueError(f"batch and trials must be >= 1, got batch={batch}, trials={trials}")
    roles = check_agent(agent, type(agent).__name__)
    d0, env = make_dialogue(env_id, split, strict)
    if env.mode == "text" and roles != ("service",):
        raise AgentLoadError(f"{env_id} is a text view: the agent's roles must be ('service',), got {roles}")
    width = batch if supports_batch(agent) else 1
    dialogues = [d0] + [make_dialogue(env_id, split, strict)[0] for _ in range(width - 1)]
    seeds = [seed + k for k in range(trials)]
    plan = list(episode_plan(d0, split, seeds))
    if episodes is not None:
        keep = set(d0.scenario_ids(split)[:episodes])
        plan = [p for p in plan if p[2] in keep]
    advance, close = progress_bar(len(plan), progress)
    records: list[dict[str, Any]] = []
    text_mode = env.mode == "text"
    try:
        for start in range(0, len(plan), width):
            chunk = plan[start:start + width]
            try:
                if width == 1:
                    raws = [play(d0, agent, roles, chunk[0][3], chunk[0][2], text_mode=text_mode)]
                else:
                    raws = play_batch(dialogues[:len(chunk)], agent, roles, [c[3] for c in chunk],
                                      [c[2] for c in chunk], text_mode)
            except Exception as e:
                first, last = chunk[0], chunk[-1]
                raise RuntimeError(f"episodes {first[0]}-{last[0]} (scenarios {first[2]}..{last[2]}): "
                                   f"{type(e).__name__}: {e}") from e
            for (index, trial, _, _), d, raw in zip(chunk, dialogues, raws):
                records.append(episode_record(d, index, trial, raw))
                advance()
    finally:
        close()
    return env, seeds, records
