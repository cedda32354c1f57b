"""Multi-turn online RL on gopo-bench with TRL's ``GRPOTrainer(environment_factory=...)``.

TRL 1.x runs multi-turn rollouts through *environments*: a class whose public methods are tools
the model calls during generation, with ``reset(**row)`` (its string is appended to the prompt's
last user message) and ``get_reward()`` (the environment owns the reward). :class:`DialogueEnv`
is that class for a GOPO dialogue:

* ``reset(scenario_id=..., episode_seed=...)`` starts the dialogue of a dataset row (see
  :func:`grpo_dataset`) and returns the customer's opening line with the turn's catalogue facts;
* the one tool, :meth:`DialogueEnv.reply`, sends the assistant's message: the simulator parses
  it (which strategy it carries out, whether its facts hold; as the text view
  ``GOPO-Mgshop-Text-v0`` does), the customer reacts, and the tool returns the customer's next
  line (with the next turn's facts), or says that the customer has left;
* ``get_reward()`` is the episode's sequence-level reward ``J`` (``agents.llm.export.objective``,
  default ``TSE + 0.25·ESNDCG``). A rollout that stops calling ``reply`` before the customer
  leaves is scored as it stands: agenda items not reached count zero.

The customer's lines come back as tool results, which TRL keeps out of the loss (its tool mask),
so only the model's own tokens are trained. Example::

    trainer = GRPOTrainer(model=DIR, args=GRPOConfig(..., max_tool_calling_iterations=12),
                          train_dataset=grpo_dataset("GOPO-Mgshop-v0", "train"),
                          environment_factory=DialogueEnv)

The tokenizer's chat template must support tool calls (Qwen2.5/Qwen3, Llama-3.1, ...; TRL
checks). Lenient by default (``strict=False``, ``invalid_input="score"``): a masked move or an
unusable message (empty, too long) is scored as a violation, never raised.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from agents.llm.chat import user_content
from agents.llm.export import REWARD_WEIGHTS, objective
from gopo_env.protocol import episode_seed

GRPO_SYSTEM = ("You are the shop's customer-service assistant. Help the customer find and buy a product "
               "that fits their need, using only the facts listed under 'Shop facts'. Talk to the customer "
               "only through the `reply` tool, one message per call, until the customer leaves.")
OVER = "[The customer has left; the dialogue is over.]"


def grpo_dataset(env_id: str = "GOPO-Mgshop-v0", split: str = "train", seeds: Sequence[int] = (0,),
                 episodes: int | None = None, system: str = GRPO_SYSTEM) -> Any:
    """A ``datasets.Dataset`` of GRPO prompts: one row per (scenario of ``split``, trial seed).

    Columns: ``prompt`` (system + an empty user message that ``reset`` fills with the customer's
    opening), ``env_id``, ``split``, ``scenario_id``, ``episode_seed`` (the evaluation runner's
    seeding, so a row meets the customer an evaluation would).
    """
    import gymnasium as gym
    from datasets import Dataset

    import gopo_env  # noqa: F401

    dialogue = gym.make(env_id, split=split).unwrapped.dialogue
    ids = dialogue.scenario_ids(split)[:episodes]
    rows = [{"prompt": [{"role": "system", "content": system}, {"role": "user", "content": ""}],
             "env_id": env_id, "split": split, "scenario_id": sid, "episode_seed": episode_seed(s, sid)}
            for s in seeds for sid in ids]
    return Dataset.from_list(rows)


class DialogueEnv:
    """One GOPO dialogue as a TRL environment (see the module docstring).

    ``env_id``/``split``: the dialogue engine (a row's own ``env_id``/``split`` take precedence);
    ``weights``: of ``J``; ``strict=False`` and ``invalid_input="score"``: a masked move or bad
    text is a scored violation (the env's options). Constructing one is cheap after the first (the
    domain's data are cached by the engine).
    """

    def __init__(self, env_id: str = "GOPO-Mgshop-v0", split: str = "train",
                 weights: Mapping[str, float] = REWARD_WEIGHTS, strict: bool = False,
                 invalid_input: str = "score") -> None:
        self.env_id, self.split, self.weights, self.strict = env_id, split, dict(weights), strict
        self.invalid_input = invalid_input
        self._engines: dict[tuple[str, str], Any] = {}
        self.dialogue: Any = None

    def _engine(self, env_id: str, split: str) -> Any:
        key = (env_id, split)
        if key not in self._engines:
            import gymnasium as gym

            import gopo_env  # noqa: F401

            self._engines[key] = gym.make(env_id, split=split, strict=self.strict,
                                          invalid_input=self.invalid_input).unwrapped.dialogue
        return self._engines[key]

    def reset(self, scenario_id: str | None = None, episode_seed: int | None = None,
              env_id: str | None = None, split: str | None = None, **_: Any) -> str:
        """Start the row's dialogue; returns the customer's opening line with the shop facts."""
        self.dialogue = self._engine(env_id or self.env_id, split or self.split)
        self.dialogue.reset(None if episode_seed is None else int(episode_seed), scenario_id)
        return self._customer_turn()

    def _customer_turn(self) -> str:
        d = self.dialogue
        return user_content(d.transcript[-1].customer, d.episode.context())

    def reply(self, message: str) -> str:
        """Send your next message to the customer and get the customer's answer.

        Args:
            message: The assistant's next message to the customer, on one line.

        Returns:
            The customer's answer with the shop facts for the next turn, or a note that the customer has left.
        """
        d = self.dialogue
        if d is None:
            raise RuntimeError("reset() first")
        if d.done:
            return OVER
        d.respond_directly(message, agent="service")
        return OVER if d.done else self._customer_turn()

    def get_reward(self) -> float:
        """The sequence-level reward J of the dialogue as played (finished or not)."""
        if self.dialogue is None:
            return 0.0
        return objective(self.dialogue.summary(), self.weights)
