"""Batched evaluation: N dialogues in lock-step, so an LLM agent generates for all of them at once.

Evaluating a language model one dialogue at a time leaves its batching unused: each turn is one
prompt. :func:`run` is ``leaderboard.runner.run`` with ``batch`` dialogues in flight, driven by
``gopo_env.batched.play_batch``: each turn the agent's optional ``act_batch(role, observations,
infos)`` receives the observations of all of them (a local model answers with one batched
``generate`` call, an OpenAI-compatible server with a bounded pool of concurrent requests). An
agent that defines ``act_batch`` promises that its action for a dialogue depends only on
``(role, observation, info)`` and that dialogue's ``reset`` seed (``info["slot"]`` says which);
then the records are byte-identical to the sequential runner's (a test checks it). An agent
without ``act_batch`` (or an :class:`~gopo_env.protocol.AgentProcess`) is evaluated
sequentially by ``leaderboard.runner``'s own loop.

The episode plan, the seeds and the records are the sequential runner's; only the order in which
turns are computed changes. The agent runs in this process (no isolation): a development tool
for LLM agents, whose submissions ``gopo-bench submit`` still verifies by replay.
"""

from __future__ import annotations

from typing import Any

from gopo_env.batched import play_batch
from gopo_env.protocol import dialogue_of, make_view
from leaderboard.loading import AgentLoadError, check_agent
from leaderboard.runner import episode_plan, progress_bar, record_episode
from leaderboard.submission import EnvInfo, env_info, episode_record


def supports_batch(agent: Any) -> bool:
    """Whether ``agent`` defines ``act_batch`` (and so can be driven in lock-step)."""
    return callable(getattr(agent, "act_batch", None))


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
    info = env_info(env_id)
    width = batch if supports_batch(agent) else 1
    try:
        views = [make_view(env_id, roles, split=split, strict=strict) for _ in range(width)]
    except ValueError as e:
        raise AgentLoadError(str(e)) from None
    ids = dialogue_of(views[0]).scenario_ids(split)
    if episodes is not None:
        ids = ids[:episodes]
    seeds = [seed + k for k in range(trials)]
    plan = list(episode_plan(ids, seeds))
    advance, close = progress_bar(len(plan), progress)
    records: list[dict[str, Any]] = []
    try:
        for start in range(0, len(plan), width):
            chunk = plan[start:start + width]
            try:
                if width == 1:
                    index, trial, sid, ep_seed = chunk[0]
                    records.append(record_episode(views[0], agent, roles, ep_seed, sid, index, trial))
                    advance()
                    continue
                played = play_batch(views[:len(chunk)], agent, seeds=[c[3] for c in chunk],
                                    scenario_ids=[c[2] for c in chunk], roles=roles)
            except Exception as e:
                first, last = chunk[0], chunk[-1]
                raise RuntimeError(f"episodes {first[0]}-{last[0]} (scenarios {first[2]}..{last[2]}): "
                                   f"{type(e).__name__}: {e}") from e
            for (index, trial, _, _), view, p in zip(chunk, views, played):
                records.append(episode_record(dialogue_of(view), index, trial, p.actions))
                advance()
    finally:
        close()
    return info, seeds, records
