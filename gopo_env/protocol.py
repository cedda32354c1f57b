"""The agent protocol and the one episode driver every caller uses.

An **agent** is any object with ``roles`` (a subset of ``("expert", "service")``),
``reset(seed)`` and ``act(role, observation, info)``; trainable agents add ``train``, ``save``
and ``load``. :func:`play` drives one episode of an agent on a view of the dialogue, filling the
roles it does not play with the domain's built-ins; :func:`evaluate` plays a list of scenarios;
:class:`AgentProcess` runs an agent in its own process so that it can reach nothing of the
simulator. Training dev curves, the baselines, the benchmark, the demo, ``gopo-bench
evaluate`` and submission replay all go through :func:`play`.

What an agent sees (the isolation contract, ``docs/environment.md``):

* the observation of the view it plays (built by the view's own code, as in training);
* ``info`` without what identifies or describes the hidden customer (:data:`HIDDEN_INFO`);
* ``info["toolkit"]``: the domain's public toolkit (:class:`gopo_env.core.domain.Toolkit`):
  parser, fact check, template writer and SOP over the public state -- never the engine.

**Seeding** (one scheme): episode ``(trial seed t, scenario id s)`` is played with the
simulator seed :func:`episode_seed` ``(t, s)``, a hash of both, so that every agent evaluated
with the same trial seeds meets the same customers (paired comparisons), whatever the order.
The agent's ``reset`` receives the same episode seed for its own randomness.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import gymnasium as gym
import numpy as np

from gopo_env.core.dialogue import Dialogue

ROLES = ("expert", "service")
TASK_METRICS = ("success", "tse", "esndcg", "gre", "turns")
"""The task metrics every episode summary carries (``docs/metrics.md``)."""
HIDDEN_INFO = ("scenario_id", "episode_seed", "agenda", "episode", "summary", "success", "tse", "esndcg",
               "gre")
"""``info`` keys an evaluated agent never sees: the scenario's identity and seed (from which the
public generator and simulator would reconstruct the hidden customer), the customer's agenda and
the episode's outcome."""


@runtime_checkable
class Agent(Protocol):
    roles: tuple[str, ...]
    """The roles it plays: ``("expert",)``, ``("service",)`` or both."""

    def reset(self, seed: int | None = None) -> None:
        """Called before each episode with the episode's seed."""

    def act(self, role: str, observation: Any, info: dict[str, Any]) -> Any:
        """The action for ``role``: a strategy id (expert) or the response text (service).

        The expert observes ``{"features", "action_mask"}`` (the expert view's observation);
        the service ``{"features", "strategy", "customer"}`` (the PettingZoo view's); on a text
        env the agent plays ``service`` and observes the transcript text. ``info`` is the view's
        ``info`` less :data:`HIDDEN_INFO`, plus ``info["toolkit"]``.
        """


@runtime_checkable
class TrainableAgent(Agent, Protocol):
    def train(self, env_id: str, budget: int, seed: int) -> dict[str, Any]:
        """Train for ``budget`` environment steps on ``env_id``; returns training statistics."""

    def save(self, path: str) -> None: ...

    def load(self, path: str) -> None: ...


def episode_seed(trial_seed: int, scenario_id: str) -> int:
    """The simulator seed of one episode (48 bits): fixed by the trial's seed and the scenario id."""
    digest = hashlib.sha256(f"gopo-bench:{trial_seed}:{scenario_id}".encode()).digest()
    return int.from_bytes(digest[:6], "big")


def public_info(info: dict[str, Any], toolkit: Any) -> dict[str, Any]:
    """``info`` as an evaluated agent sees it: :data:`HIDDEN_INFO` removed, the toolkit added."""
    out = {k: v for k, v in info.items() if k not in HIDDEN_INFO}
    out["toolkit"] = toolkit
    return out


def roles_of(agent: Any) -> tuple[str, ...]:
    """The agent's roles, checked: a non-empty subset of :data:`ROLES`."""
    roles = tuple(getattr(agent, "roles", ()) or ())
    if not roles or any(r not in ROLES for r in roles):
        raise ValueError(f"{type(agent).__name__}.roles must be a non-empty subset of {ROLES}, got {roles!r}")
    return roles


# ---------------------------------------------------------------------- views
def make_view(env_id: str, roles: Sequence[str], split: str = "test", strict: bool = True,
              **kwargs: Any) -> Any:
    """The unwrapped view :func:`play` drives for an agent playing ``roles`` on ``env_id``.

    An expert-only agent plays the expert view itself (what it trained on); an agent that
    writes responses on an expert id plays the PettingZoo AEC view of the same dialogue (the
    expert and service turns); text and flat ids are played as they are.
    """
    from gopo_env.registration import check_id_kwargs, spec_of

    spec = spec_of(env_id)
    # strict: any bad input raises; lenient: masked moves and out-of-space input (LLM text) are scored
    bad_input = {"invalid_input": "raise" if strict else "score"}
    if spec.view == "expert" and "service" in roles:
        from gopo_env.multiagent.dialogue_aec import DialogueAECEnv

        # the registered kwargs (not the generated ones): what gym.make would build
        registered = dict(gym.registry[spec.env_id].kwargs or {})
        # checked as gym.make checks: no version that contradicts the id
        made = check_id_kwargs(spec.env_id, {**registered, **bad_input, **kwargs})
        return DialogueAECEnv(split=split, strict=strict, **made)
    if spec.view == "text" and tuple(roles) != ("service",):
        raise ValueError(f"{env_id} is a text view: the agent writes every response, so its roles "
                         f"must be ('service',), got {tuple(roles)}")
    return gym.make(spec.env_id, split=split, strict=strict, **{**bad_input, **kwargs}).unwrapped


def dialogue_of(view: Any) -> Dialogue:
    """The engine behind a view (for the evaluator's records; never handed to agents)."""
    return view.dialogue


@dataclass
class Played:
    """One finished episode as the driver saw it."""

    actions: list[Any]
    """What the agent, or the built-in filling a role, sent per assistant turn: the response text
    (the raw text, before any lenient-mode cleaning) or, on an expert view, the realized text."""
    summary: dict[str, Any]
    """``Dialogue.summary()`` plus ``"return"`` (the sum of rewards)."""


def play(view: Any, agent: Any, *, seed: int, scenario_id: str | None = None,
         roles: Sequence[str] | None = None) -> Played:
    """Drive one episode of ``agent`` on ``view`` (from :func:`make_view`).

    Roles the agent does not play are filled by the domain's built-ins (SOP expert, template
    CS Agent). Raises whatever the view raises on bad actions (strict mode) or the agent raises.
    """
    roles = tuple(roles or roles_of(agent))
    d = dialogue_of(view)
    toolkit = d.domain.toolkit()
    options = {"scenario_id": scenario_id} if scenario_id is not None else None
    from gopo_env.multiagent.dialogue_aec import DialogueAECEnv

    if isinstance(view, DialogueAECEnv):
        return _play_turns(view, agent, roles, seed, options, toolkit)
    role = "service" if view.__class__.__name__ == "TextEnv" else "expert"
    obs, info = view.reset(seed=seed, options=options)
    agent.reset(seed=seed)
    done, ret, actions = False, 0.0, []
    while not done:
        action = agent.act(role, obs, public_info(info, toolkit))
        if role == "service":
            actions.append(action)
        obs, reward, terminated, truncated, info = view.step(action)
        ret += reward
        done = terminated or truncated
    if role != "service":
        actions = [rec.response for rec in d.transcript[1:]]
    return Played(actions, {**d.summary(), "return": ret})


def _play_turns(view: Any, agent: Any, roles: tuple[str, ...], seed: int,
                options: dict[str, Any] | None, toolkit: Any) -> Played:
    d = dialogue_of(view)
    view.reset(seed=seed, options=options)
    agent.reset(seed=seed)
    actions: list[Any] = []
    ret = 0.0
    while not d.done:
        name = view.agent_selection
        if name in roles:
            action = agent.act(name, view.observe(name), public_info(view.infos[name], toolkit))
        else:
            action = d.builtin_strategy() if name == "expert" else d.realize()
        if name == "service":
            actions.append(action)
        view.step(action)
        if name == "service":
            ret += view.rewards["service"]
    return Played(actions, {**d.summary(), "return": ret})


def evaluate(agent: Any, env_id: str, split: str = "dev", *, episodes: int | None = None,
             scenario_ids: Iterable[str] | None = None, trial_seed: int = 0, strict: bool = True,
             **env_kwargs: Any) -> list[dict[str, Any]]:
    """Episode summaries of ``agent`` on ``split`` of ``env_id`` (the first ``episodes``
    scenarios, or ``scenario_ids``), each seeded by :func:`episode_seed` ``(trial_seed, id)``.

    What dev curves, model selection and the baselines' scores use, in process.
    """
    roles = roles_of(agent)
    view = make_view(env_id, roles, split=split, strict=strict, **env_kwargs)
    ids = list(scenario_ids) if scenario_ids is not None else dialogue_of(view).scenario_ids(split)
    if episodes is not None:
        ids = ids[:episodes]
    return [play(view, agent, seed=episode_seed(trial_seed, sid), scenario_id=sid, roles=roles).summary
            for sid in ids]


def mean_metrics(summaries: Sequence[dict[str, Any]],
                 names: Sequence[str] = (*TASK_METRICS, "return")
                 ) -> dict[str, float]:
    """Mean of each metric over episode summaries, plus ``episodes`` (their number)."""
    out = {m: float(np.mean([float(s[m]) for s in summaries])) for m in names}
    out["episodes"] = len(summaries)
    return out


# ---------------------------------------------------------------------- process isolation
def _agent_main(conn: Any, spec: str, kwargs: dict[str, Any], load: str | None, toolkit: Any) -> None:
    """The agent process: build the agent, then answer ``reset``/``act`` requests until ``close``."""
    import importlib

    try:
        module, _, name = spec.partition(":")
        cls = getattr(importlib.import_module(module), name)
        try:
            agent = cls(**kwargs)
        except TypeError as e:
            conn.send(("error", f"cannot be constructed with {kwargs}: {e}"))
            return
        if load:
            agent.load(load)
        conn.send(("ok", tuple(agent.roles)))
    except BaseException as e:  # report, do not hang the evaluator
        conn.send(("error", f"{type(e).__name__}: {e}\n{traceback.format_exc()}"))
        return
    while True:
        msg = conn.recv()
        try:
            if msg[0] == "act":
                _, role, observation, info = msg
                info["toolkit"] = toolkit
                conn.send(("ok", agent.act(role, observation, info)))
            elif msg[0] == "reset":
                agent.reset(seed=msg[1])
                conn.send(("ok", None))
            else:
                conn.send(("ok", None))
                return
        except BaseException as e:
            conn.send(("error", f"{type(e).__name__}: {e}\n{traceback.format_exc()}"))


class AgentError(RuntimeError):
    """The agent failed in its own process: the message says what failed; ``traceback`` holds the
    agent process's traceback (appended to the message when ``GOPO_DEBUG=1``)."""

    def __init__(self, message: str, traceback: str = "") -> None:
        super().__init__(message)
        self.traceback = traceback


class AgentProcess:
    """An agent loaded by import string in a separate process; observations and actions cross a pipe.

    It follows the agent protocol, so :func:`play` drives it like any agent. The agent's process
    holds only what was sent to it: the public toolkit, observations and public ``info``, so no
    agent can read hidden state even by walking its interpreter's objects. Use as a context
    manager (or call :meth:`close`).
    """

    def __init__(self, spec: str, kwargs: dict[str, Any] | None = None, *, load: str | None = None,
                 toolkit: Any = None, timeout: float = 600.0) -> None:
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_agent_main, args=(child, spec, dict(kwargs or {}), load, toolkit),
                                 daemon=True, name=f"gopo-agent:{spec}")
        self._proc.start()
        child.close()
        self.timeout = timeout
        self.spec = spec
        self.roles: tuple[str, ...] = self._call(None)

    def _call(self, msg: tuple | None) -> Any:
        try:
            if msg is not None:
                self._conn.send(msg)
            if not self._conn.poll(self.timeout):
                raise AgentError(f"agent {self.spec} gave no answer within {self.timeout:.0f} s")
            status, value = self._conn.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError) as e:
            raise AgentError(f"agent process of {self.spec} died ({type(e).__name__}); "
                             f"exit code {self._proc.exitcode}") from None
        if status == "error":
            head, _, trace = str(value).partition("\n")
            debug = os.environ.get("GOPO_DEBUG") == "1" and trace
            raise AgentError(f"agent {self.spec} failed in its process: {head}"
                             + (f"\n{trace}" if debug else " (GOPO_DEBUG=1 shows its traceback)"
                                if trace else ""), trace)
        return value

    def reset(self, seed: int | None = None) -> None:
        self._call(("reset", seed))

    def act(self, role: str, observation: Any, info: dict[str, Any]) -> Any:
        info = {k: v for k, v in info.items() if k != "toolkit"}  # the agent side has its own copy
        return self._call(("act", role, observation, info))

    def close(self) -> None:
        if self._proc.is_alive():
            try:
                self._conn.send(("close",))
                self._conn.poll(5)
            except (BrokenPipeError, OSError):
                pass
            self._proc.join(5)
            if self._proc.is_alive():
                self._proc.kill()
        self._conn.close()

    def __enter__(self) -> AgentProcess:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
