"""The agent interface every evaluated agent follows (SPEC §6).

It is structural: any class with these members works, without importing this module. The
evaluation runner fills the roles an agent does not play with the domain's built-in agents.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

ROLES = ("expert", "service")


@runtime_checkable
class Agent(Protocol):
    roles: tuple[str, ...]
    """The roles it plays: ``("expert",)``, ``("service",)`` or both."""

    def reset(self, seed: int | None = None) -> None:
        """Called before each episode with the episode's seed."""

    def act(self, role: str, observation: Any, info: dict[str, Any]) -> Any:
        """The action for ``role``: a strategy id (expert) or the response text (service).

        The expert's observation carries ``features`` and ``action_mask``; ``info`` is the
        environment's info of the last step (``info["state"]`` is the public dialogue state).
        """


@runtime_checkable
class TrainableAgent(Agent, Protocol):
    def train(self, env_id: str, budget: int, seed: int) -> dict[str, Any]:
        """Train for ``budget`` environment steps; returns training statistics."""

    def save(self, path: str) -> None: ...

    def load(self, path: str) -> None: ...


def info_of(dialogue: Any, service: bool = False) -> dict[str, Any]:
    """What the Gymnasium views put in ``info``; the writer also gets the catalogue ``context``."""
    info = dialogue.step_info()
    info["transcript"] = tuple(dialogue.transcript)
    if service:
        info["context"] = dialogue.episode.context()
    return info


def play(dialogue: Any, agent: Any, roles: tuple[str, ...], seed: int, scenario_id: str | None = None,
         text_mode: bool = False, reset: bool = True) -> list[Any]:
    """Drive one episode of ``agent`` through ``dialogue`` (a ``gopo_env`` ``Dialogue``).

    The one loop every evaluation uses (the leaderboard runner, the baselines' dev scoring):
    roles the agent does not play are filled by the domain's built-ins; in ``text_mode`` the
    agent writes every response from the transcript. An agent with ``attach(dialogue)`` is
    given the running dialogue first (the CS Agents parse and fall back through it).
    ``reset=False`` plays a dialogue the caller has just reset (e.g. through ``env.reset``, so
    that Gymnasium's wrappers know). Returns the agent's raw responses, one per assistant turn.
    """
    from gopo_env.envs.text import transcript_text

    if reset:
        dialogue.reset(seed, scenario_id)
    agent.reset(seed=seed)
    if callable(getattr(agent, "attach", None)) and "service" in roles:
        agent.attach(dialogue)
    raw: list[Any] = []
    while not dialogue.done:
        if text_mode:
            text = agent.act("service", transcript_text(dialogue.transcript), info_of(dialogue, True))
            raw.append(text)
            dialogue.respond_directly(text, agent="service")
            continue
        if "expert" in roles:
            observation = {"features": dialogue.features(), "action_mask": dialogue.mask()}
            strategy = agent.act("expert", observation, info_of(dialogue))
        else:
            strategy = dialogue.builtin_strategy()
        chosen = dialogue.choose(strategy)
        if "service" in roles:
            observation = {"features": dialogue.features(),
                           "strategy": chosen if chosen >= 0 else dialogue.n_strategies,
                           "customer": dialogue.transcript[-1].customer}
            text = agent.act("service", observation, info_of(dialogue, True))
        else:
            text = dialogue.realize()
        raw.append(text)
        dialogue.respond(text)
    return raw
