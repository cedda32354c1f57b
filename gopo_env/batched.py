"""Lock-step driving of N dialogues, so that a language-model agent acts for all of them at once.

:func:`play_batch` is :func:`gopo_env.protocol.play` over N views of the same env in lock-step:
each turn, the agent's optional

    act_batch(role, observations, infos) -> one action per observation, in order

receives the observations of every unfinished dialogue whose turn it plays (a local model then
generates in one batch, a server answers a bounded pool of concurrent requests); an agent
without it is asked ``act`` for each. What each dialogue sees is exactly what ``play`` shows
(the view's observation, ``info`` less the hidden keys plus the toolkit), with one addition:
``info["slot"]``, the dialogue's index in the batch, so that a batched agent can keep the
per-episode seed its ``reset`` received (``reset`` is called once per dialogue, in slot order,
before the first turn; an agent may define ``reset_batch(seeds)`` instead).

Contract of a batched agent: its action for a dialogue depends only on ``(role, observation,
info)`` and that dialogue's own ``reset`` seed; then every dialogue's transcript is
byte-identical to playing it alone with ``play`` (``tests/test_llm_batched.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gopo_env.protocol import Played, dialogue_of, public_info, roles_of


def _act(agent: Any, role: str, observations: list[Any], infos: list[dict[str, Any]]) -> list[Any]:
    batch = getattr(agent, "act_batch", None)
    if callable(batch):
        actions = list(batch(role, observations, infos))
        if len(actions) != len(observations):
            raise RuntimeError(f"{type(agent).__name__}.act_batch returned {len(actions)} actions for "
                               f"{len(observations)} observations; return one per observation, in order")
        return actions
    return [agent.act(role, o, i) for o, i in zip(observations, infos)]


def _reset(agent: Any, seeds: Sequence[int]) -> None:
    if callable(getattr(agent, "reset_batch", None)):
        agent.reset_batch(list(seeds))
    else:
        for seed in seeds:
            agent.reset(seed=seed)


def play_batch(views: Sequence[Any], agent: Any, *, seeds: Sequence[int],
               scenario_ids: Sequence[str | None], roles: Sequence[str] | None = None) -> list[Played]:
    """One episode on each view (from ``make_view``, all of one env id) in lock-step.

    Returns one :class:`~gopo_env.protocol.Played` per view, equal to what ``play`` returns for
    that view alone when the agent honours the contract above. Raises ``ValueError`` when the
    lengths differ, and whatever the views or the agent raise.
    """
    from gopo_env.multiagent.dialogue_aec import DialogueAECEnv

    if not len(views) == len(seeds) == len(scenario_ids):
        raise ValueError(f"play_batch: {len(views)} views, {len(seeds)} seeds and {len(scenario_ids)} "
                         "scenario ids; give one of each per episode")
    roles = tuple(roles or roles_of(agent))
    toolkits = [dialogue_of(v).domain.toolkit() for v in views]

    def shown(i: int, info: dict[str, Any]) -> dict[str, Any]:
        out = public_info(info, toolkits[i])
        out["slot"] = i
        return out

    options = [{"scenario_id": s} if s is not None else None for s in scenario_ids]
    n = len(views)
    actions: list[list[Any]] = [[] for _ in views]
    returns = [0.0] * n
    if views and isinstance(views[0], DialogueAECEnv):
        for v, seed, opt in zip(views, seeds, options):
            v.reset(seed=seed, options=opt)
        _reset(agent, seeds)
        ds = [dialogue_of(v) for v in views]
        while True:
            live = [i for i in range(n) if not ds[i].done]
            if not live:
                break
            name = views[live[0]].agent_selection  # every live dialogue is at the same phase
            if any(views[i].agent_selection != name for i in live):
                raise RuntimeError("play_batch: the dialogues fell out of step (a view changed its turn "
                                   "order)")
            if name in roles:
                chosen = _act(agent, name, [views[i].observe(name) for i in live],
                              [shown(i, views[i].infos[name]) for i in live])
            else:
                chosen = [ds[i].builtin_strategy() if name == "expert" else ds[i].realize() for i in live]
            for i, action in zip(live, chosen):
                if name == "service":
                    actions[i].append(action)
                views[i].step(action)
                if name == "service":
                    returns[i] += views[i].rewards["service"]
    else:
        role = "service" if views and views[0].__class__.__name__ == "TextEnv" else "expert"
        state = [v.reset(seed=seed, options=opt) for v, seed, opt in zip(views, seeds, options)]
        _reset(agent, seeds)
        done = [False] * n
        while not all(done):
            live = [i for i in range(n) if not done[i]]
            chosen = _act(agent, role, [state[i][0] for i in live], [shown(i, state[i][1]) for i in live])
            for i, action in zip(live, chosen):
                if role == "service":
                    actions[i].append(action)
                obs, reward, terminated, truncated, info = views[i].step(action)
                state[i] = (obs, info)
                returns[i] += reward
                done[i] = terminated or truncated
        if role != "service":
            actions = [[rec.response for rec in dialogue_of(v).transcript[1:]] for v in views]
    return [Played(a, {**dialogue_of(v).summary(), "return": r}) for v, a, r in zip(views, actions, returns)]
