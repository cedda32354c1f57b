"""The turn protocol shared by every view (docs/environment.md).

One turn: the ``expert`` picks a strategy (:meth:`Dialogue.choose`), the ``service`` writes the
response (:meth:`Dialogue.respond`), the customer reads it through the domain parser and replies.
The Gymnasium and PettingZoo environments are thin views over this class.
"""

from __future__ import annotations

import difflib
import random
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from gopo_env.core.domain import (
    SPLITS,
    CustomerAct,
    Domain,
    DomainEpisode,
    ParsedResponse,
    Scenario,
)
from gopo_env.core.errors import DataError, InvalidActionError, ResetOptionError, ScenarioError
from gopo_env.core.frozen import CopyableRandom
from gopo_env.core.rewards import RewardConfig
from gopo_env.core.scoring import TSE_VERSIONS, esndcg
from gopo_env.core.spaces import CONTROL_CHARS

EXPERT, SERVICE = "expert", "service"
SUMMARY_KEY = "summary"
"""``info[SUMMARY_KEY]`` at the end of an episode: :meth:`Dialogue.summary` (every metric input).

Not ``info["episode"]``: Gymnasium's ``RecordEpisodeStatistics`` and SB3's ``Monitor`` own that key."""
FINAL_SCALARS = ("tse", "esndcg", "gre")
"""Scalar metrics also put at the top level of the final ``info`` (besides ``success``), so that
``Monitor(env, info_keywords=("success", "tse", "esndcg"))`` logs them."""
INVALID_STRATEGY = -1
"""Recorded for an out-of-range or non-integer strategy under ``invalid_input="score"``."""
INVALID_INPUT = ("raise", "score")
"""What out-of-space input does: raise :class:`InvalidActionError`, or be scored as a violation."""


@dataclass(frozen=True, slots=True)
class TurnRecord:
    """One line of the transcript: an assistant turn and the customer's reply (immutable).

    Turn 0 is the customer's opening line and has no assistant part.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> TurnRecord:
        return self  # immutable: environment copies share it

    turn: int
    customer: str
    intent: str
    polarity: int = 0
    strategy: int | None = None
    strategy_name: str | None = None
    response: str | None = None
    parsed: ParsedResponse | None = None
    aligned: bool = False
    faithful: bool = True
    violations: tuple[str, ...] = ()
    achieved: tuple[str, ...] = ()
    reward: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able values (for trajectories and logs)."""
        d = asdict(self)
        d["parsed"] = self.parsed.as_dict() if self.parsed is not None else None
        d["violations"] = list(self.violations)
        d["achieved"] = list(self.achieved)
        return d


class Dialogue:
    """One dialogue at a time between the two assistant roles and a simulated customer.

    Two kinds of bad input (docs/environment.md, "Bad input"):

    * an **in-space action the SOP masks** (a strategy id in range that the mask forbids now):
      by default it is carried out and scored as a ``masked_strategy`` violation -- the
      convention of sb3-contrib's invalid-action environments and PettingZoo, so that unmasked
      learners (SB3 ``PPO``) and the checkers run; ``strict=True`` raises
      :class:`InvalidActionError` instead (a debugging mode for agents that should mask);
    * **out-of-space input** (a strategy that is not an integer in ``[0, n_strategies)``; a
      response that is not a ``str``, is blank, too long or holds control characters) raises
      :class:`InvalidActionError` unless ``invalid_input="score"``, which records it as an
      ``invalid_strategy`` / ``invalid_response`` violation and goes on (the leaderboard's
      lenient track, for LLM output that cannot be pre-validated).
    """

    def __init__(
        self,
        domain: Domain,
        *,
        split: str = "train",
        reward_config: RewardConfig | dict[str, Any] | None = None,
        strict: bool = False,
        max_turns: int | None = None,
        invalid_input: str = "raise",
    ) -> None:
        if split not in SPLITS:
            raise ScenarioError(f"split must be one of {SPLITS}, got {split!r}")
        if invalid_input not in INVALID_INPUT:
            raise ValueError(f"invalid_input must be one of {INVALID_INPUT}, got {invalid_input!r}")
        self.domain = domain
        self.split = split
        self.rewards = RewardConfig.from_any(reward_config)
        if not isinstance(strict, (bool, np.bool_)):  # bool("no") is True: a typo would be strict
            raise TypeError(f"strict must be True or False, got {strict!r} ({type(strict).__name__}); "
                            "strict=True raises on a masked move (docs/environment.md, Bad input)")
        self.strict = bool(strict)
        self.invalid_input = invalid_input
        self.max_turns = domain.max_turns if max_turns is None else int(max_turns)
        if self.max_turns < 1:
            raise ValueError(f"max_turns must be >= 1, got {max_turns}")
        self.n_strategies = len(domain.strategies)
        self._mask = np.zeros(self.n_strategies, dtype=np.int8)
        self._features = np.zeros(domain.n_features, dtype=np.float32)
        self._seeds: random.Random | None = None
        self._mask_turn = -1
        self.turn = 0
        self.episode: DomainEpisode | None = None

    # ------------------------------------------------------------------ episode
    def reset(self, seed: int | None = None, scenario_id: str | None = None) -> CustomerAct:
        """Start an episode; ``seed`` fixes the scenario draw, the persona and every draw after.

        Without a seed the next one is drawn from the stream of the last seed given, so a
        sequence of unseeded resets after ``reset(seed=s)`` is reproducible too.
        """
        if seed is not None:
            self._seeds = CopyableRandom(seed)
            episode_seed = int(seed)
        else:
            if self._seeds is None:
                self._seeds = CopyableRandom()
            episode_seed = int(self._seeds.random() * 2**53)
        if scenario_id is not None:
            scenario = self.domain.scenario(scenario_id)
        else:
            pool = self.domain.scenarios(self.split)
            scenario = pool[int(random.Random(episode_seed).random() * len(pool))]
        self.scenario: Scenario = scenario
        self.episode_seed = episode_seed
        self.episode = self.domain.start(scenario, episode_seed)
        self.turn = 0  # assistant turns completed
        self._mask_turn = -1
        self._summary: dict[str, Any] | None = None
        self.phase = EXPERT
        self.strategy: int | None = None
        self.terminated = False
        self.truncated = False
        self.episode_return = 0.0
        self._strategies: list[int] = []
        self._aligned: list[bool] = []
        self._faithful: list[bool] = []
        self._polarities: list[int] = []
        self._violations = 0
        self._turn_violations: list[str] = []
        opening = self.episode.opening()
        self.transcript: list[TurnRecord] = [
            TurnRecord(0, opening.utterance, opening.intent, opening.polarity)
        ]
        return opening

    @property
    def done(self) -> bool:
        return self.terminated or self.truncated

    def _require(self, agent: str) -> DomainEpisode:
        if self.episode is None:
            raise InvalidActionError(agent, 0, "the dialogue has not started", "Call reset() first.")
        if self.done:
            raise InvalidActionError(
                agent, self.turn, "the episode is over", "Call reset() to start a new one."
            )
        if self.phase != agent:
            raise InvalidActionError(
                agent, self.turn + 1, f"it is {self.phase}'s turn, not {agent}'s",
                "The expert picks a strategy, then the service responds.",
            )
        return self.episode

    # ------------------------------------------------------------------ observations
    def mask(self) -> np.ndarray:
        """The SOP mask for the expert's next strategy (int8, fresh array)."""
        return self._current_mask().copy()

    def _current_mask(self) -> np.ndarray:
        """The mask, computed once per turn (the public state only changes between turns)."""
        if self._mask_turn != self.turn:
            if self.episode is None or self.done:
                self._mask[:] = 0
                self._mask[0] = 1  # a valid mask must allow something
            else:
                self.episode.write_mask(self._mask)
            self._mask_turn = self.turn
        return self._mask

    def features(self) -> np.ndarray:
        """The observable dialogue state as float32 features (fresh array)."""
        if self.episode is not None:
            self.episode.write_features(self._features, self.turn)
        return self._features.copy()

    # ------------------------------------------------------------------ expert
    def choose(self, strategy: Any) -> int:
        """The expert's move. Returns the recorded strategy id."""
        self._require(EXPERT)
        turn = self.turn + 1
        self._turn_violations = []
        value = _as_int(strategy)
        if value is None or not 0 <= value < self.n_strategies:
            self._out_of_space(
                EXPERT, turn, f"strategy {strategy!r} is not an integer in [0, {self.n_strategies})",
                f"Pick one of the {self.n_strategies} strategies {list(self.domain.strategies)}.",
                "invalid_strategy",
            )
            value = INVALID_STRATEGY
        else:
            if not self._current_mask()[value]:
                allowed = [self.domain.strategies[i] for i in np.flatnonzero(self._mask)]
                self._masked(
                    EXPERT, turn,
                    f"strategy {value} ({self.domain.strategies[value]}) is masked by the SOP",
                    f"Choose among the allowed strategies {allowed} (observation['action_mask'])",
                )
        self.strategy = value
        self.phase = SERVICE
        return value

    def void(self, violation: str = "masked_strategy") -> None:
        """The expert's move is void and scored as ``violation`` (recorded as :data:`INVALID_STRATEGY`).

        For a view whose in-space action has no playable content now (the flat view's
        ``recommend[i]`` with fewer than i+1 matches); the built-in realizer then writes a
        non-response that the customer reacts to.
        """
        self._require(EXPERT)
        self._turn_violations = [violation]
        self.strategy = INVALID_STRATEGY
        self.phase = SERVICE

    def builtin_strategy(self) -> int:
        """The built-in Expert Agent's move: what the domain's SOP prescribes now."""
        episode = self._require(EXPERT)
        return episode.sop_strategy(self.turn)

    # ------------------------------------------------------------------ service
    def realize(self) -> str:
        """The built-in CS Agent's response for the chosen strategy."""
        episode = self._require(SERVICE)
        s = self.strategy if self.strategy is not None and self.strategy >= 0 else None
        return episode.realize(s)

    def respond(self, text: Any) -> float:
        """The service's response; the customer replies. Returns the turn's joint reward."""
        episode = self._require(SERVICE)
        text = self._validated(SERVICE, text)
        chosen = self.strategy if self.strategy is not None and self.strategy >= 0 else None
        return self._finish_turn(text, episode.parse(text), chosen)

    def respond_directly(self, text: Any, agent: str = "agent") -> float:
        """One agent writes the whole turn with no explicit strategy (the text view).

        Its strategy is what the parser recovers; an unrecognised or SOP-masked one is
        recorded as a violation (never raised: the agent cannot pre-validate free text).
        """
        episode = self._require(EXPERT)
        self._turn_violations = []
        text = self._validated(agent, text)
        parsed = episode.parse(text)
        if parsed.strategy is not None and not self._current_mask()[parsed.strategy]:
            self._turn_violations.append("masked_strategy")
        self.strategy = parsed.strategy if parsed.strategy is not None else INVALID_STRATEGY
        return self._finish_turn(text, parsed, parsed.strategy)

    def _validated(self, agent: str, text: Any) -> str:
        problem = self._response_problem(text)
        if problem is None:
            return text
        self._out_of_space(
            agent, self.turn + 1, problem,
            f"Write a non-empty string of printable text of at most "
            f"{self.domain.max_response_chars} characters.",
            "invalid_response",
        )
        if not isinstance(text, str):
            return ""
        return CONTROL_CHARS.sub("", text)[: self.domain.max_response_chars]

    def _finish_turn(self, text: str, parsed: ParsedResponse, chosen: int | None) -> float:
        episode = self.episode
        assert episode is not None
        turn = self.turn + 1
        aligned = chosen is not None and parsed.strategy == chosen
        faithful = episode.is_faithful(parsed)
        if not aligned:
            self._turn_violations.append("misaligned")
        if not faithful:
            self._turn_violations.append("unfaithful")
        act = episode.react(chosen, parsed, turn)

        self.turn = turn
        self._mask_turn = -1
        self._strategies.append(self.strategy if self.strategy is not None else INVALID_STRATEGY)
        self._aligned.append(aligned)
        self._faithful.append(faithful)
        self._polarities.append(act.polarity)
        self._violations += len(self._turn_violations)

        names, gains, _ = episode.agenda()
        total_gain = sum(gains) or 1.0
        gain_now = sum(g for n, g in zip(names, gains) if n in act.achieved)
        r = self.rewards
        reward = (
            r.feedback * act.polarity
            + r.progress * gain_now / total_gain
            + r.violation * len(self._turn_violations)
            + r.turn
        )
        if act.ends:
            self.terminated = True
        elif self.turn >= self.max_turns:
            self.truncated = True
        if self.done:
            summary = self.summary()
            reward += r.success * summary["success"] + r.tse * summary["tse"]
            reward += r.esndcg * summary["esndcg"]
        self.episode_return += reward
        self.transcript.append(
            TurnRecord(
                turn=turn, customer=act.utterance, intent=act.intent, polarity=act.polarity,
                strategy=self._strategies[-1], strategy_name=self._name(self._strategies[-1]),
                response=text, parsed=parsed, aligned=aligned, faithful=faithful,
                violations=tuple(self._turn_violations), achieved=act.achieved, reward=reward,
            )
        )
        self.phase = EXPERT
        self.strategy = None
        return reward

    # ------------------------------------------------------------------ outcome
    def summary(self) -> dict[str, Any]:
        """Every metric input of the episode so far (docs/metrics.md), as plain JSON-able values."""
        if self._summary is None:
            summary = self._compute_summary()
            if not self.done:
                return summary
            self._summary = summary  # final: compute once, hand out copies
        return _fresh(self._summary)

    def _compute_summary(self) -> dict[str, Any]:
        episode = self.episode
        if episode is None:
            raise InvalidActionError("env", 0, "the dialogue has not started", "Call reset() first.")
        names, gains, achieved = episode.agenda()
        n = len(self._polarities)
        negative_share = sum(1 for p in self._polarities if p < 0) / n if n else 0.0
        reference = episode.reference_strategies()
        success = bool(episode.success())
        ok = [a and f for a, f in zip(self._aligned, self._faithful)]
        version = getattr(self.domain, "tse_version", 0)
        agenda = {"items": list(names), "gains": list(gains), "achieved_turns": list(achieved)}
        if version:  # v0 summaries stay byte-identical
            agenda["tse_version"] = version
        return {
            "scenario_id": self.scenario.id,
            "episode_seed": self.episode_seed,
            "success": success,
            "tse": TSE_VERSIONS[version](gains, achieved, negative_share, self.rewards.tse_lambda),
            "esndcg": esndcg(self._strategies, reference),
            "gre": sum(ok) / len(ok) if ok else 0.0,
            "turns": self.turn,
            "agenda": agenda,
            "negative_share": negative_share,
            "polarities": list(self._polarities),
            "strategies": list(self._strategies),
            "reference_strategies": list(reference),
            "aligned": list(self._aligned),
            "faithful": list(self._faithful),
            "violations": self._violations,
            "terminated": self.terminated,
            "truncated": self.truncated,
            **({"domain_metrics": m} if (m := episode.metrics()) else {}),
        }

    def step_info(self) -> dict[str, Any]:
        """What a view puts in ``info`` after each turn (and after reset)."""
        episode = self.episode
        assert episode is not None
        names, gains, achieved = episode.agenda()
        done_gain = sum(g for g, t in zip(gains, achieved) if t is not None)
        last = self.transcript[-1]
        info: dict[str, Any] = {
            "scenario_id": self.scenario.id,
            "episode_seed": self.episode_seed,
            "turn": self.turn,
            "customer": {"utterance": last.customer, "intent": last.intent,
                         "polarity": last.polarity},
            "agenda": {
                "achieved": [n for n, t in zip(names, achieved) if t is not None],
                "pending": [n for n, t in zip(names, achieved) if t is None],
                "progress": done_gain / (sum(gains) or 1.0),
            },
            "state": episode.public_state(),
            "action_mask": self.mask(),
        }
        if self.turn:
            info["strategy"] = last.strategy
            info["response"] = last.response
            info["parsed"] = last.parsed.as_dict() if last.parsed is not None else None
            info["aligned"] = last.aligned
            info["faithful"] = last.faithful
            info["violations"] = list(last.violations)
        if self.done:
            summary = self.summary()
            info["success"] = summary["success"]
            for key in FINAL_SCALARS:
                info[key] = summary[key]
            info[SUMMARY_KEY] = summary
        return info

    def render_text(self) -> str:
        """The transcript with strategies, one line per utterance."""
        s = self.scenario
        lines = [f"[{s.id}] {s.describe()}"]
        for rec in self.transcript:
            if rec.turn:
                lines.append(f"  expert   → {rec.strategy_name}")
                flag = "" if not rec.violations else "  !" + ",".join(rec.violations)
                lines.append(f"  service  : {rec.response}{flag}")
            mark = {1: " (+)", -1: " (-)"}.get(rec.polarity, "")
            lines.append(f"  customer : {rec.customer}   [{rec.intent}]{mark}")
        if self.done:
            end = "terminated" if self.terminated else "truncated"
            lines.append(f"  -- {end} after {self.turn} turns; success={self.episode.success()}")
        return "\n".join(lines) + "\n"

    # ------------------------------------------------------------------ helpers
    def _name(self, strategy: int) -> str:
        return self.domain.strategies[strategy] if strategy >= 0 else "<invalid>"

    def _out_of_space(self, agent: str, turn: int, problem: str, fix: str, violation: str) -> None:
        if self.invalid_input == "raise":
            raise InvalidActionError(
                agent, turn, problem,
                f'{fix} (To score such input as a violation instead, make the env with '
                f'invalid_input="score"; on the command line: add --lenient.)',
            )
        self._turn_violations.append(violation)

    def _masked(self, agent: str, turn: int, problem: str, fix: str) -> None:
        if self.strict:
            raise InvalidActionError(
                agent, turn, problem,
                f"{fix}: mask your policy (MaskablePPO calls env.action_masks()), or drop strict=True "
                "(on the command line: add --lenient) so that a masked move is played and scored as "
                "an SOP violation (the environment's default).",
            )
        self._turn_violations.append("masked_strategy")

    def _response_problem(self, text: Any) -> str | None:
        if not isinstance(text, str):
            return f"the response must be a str, got {type(text).__name__}"
        if not text.strip():
            return "the response is empty"
        if len(text) > self.domain.max_response_chars:
            return (
                f"the response has {len(text)} characters, over the limit of "
                f"{self.domain.max_response_chars}"
            )
        m = CONTROL_CHARS.search(text)
        if m is not None:
            return f"the response contains the control character {m.group()!r} at index {m.start()}"
        return None

    def scenario_ids(self, split: str | None = None) -> list[str]:
        return [s.id for s in self.domain.scenarios(split or self.split)]


def _fresh(value: Any) -> Any:
    """A copy of nested dicts/lists of scalars (what summaries hold), cheaper than deepcopy."""
    if isinstance(value, dict):
        return {k: _fresh(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_fresh(v) for v in value] if value and isinstance(value[0], (dict, list)) else value[:]
    return value


RESET_OPTIONS = ("scenario_id", "allow_other_split")


def scenario_from_options(options: dict[str, Any] | None, ignored: Sequence[str] = ()) -> str | None:
    """The ``scenario_id`` of ``reset(options=...)``.

    Any other key but ``ignored`` raises :class:`ResetOptionError`: a misspelt ``scenario_id``
    must not play a random scenario instead of the pinned one.
    """
    if options is not None and not isinstance(options, Mapping):  # a str would list its letters
        raise ResetOptionError(
            f"reset(options=...) must be a dict or None, got {type(options).__name__} {options!r}: "
            "pin an episode with options={'scenario_id': id}"
        )
    if not options:
        return None
    unknown = sorted(set(options) - set(RESET_OPTIONS) - set(ignored))
    if unknown:
        close = [m for key in unknown for m in difflib.get_close_matches(key, RESET_OPTIONS, n=1)]
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ResetOptionError(
            f"unknown reset option(s) {unknown}{hint}; reset(options=...) knows {list(RESET_OPTIONS)}: "
            "pin an episode with options={'scenario_id': id}"
        )
    scenario_id = options.get("scenario_id")
    if scenario_id is not None and not isinstance(scenario_id, str):
        raise TypeError(f"reset option scenario_id must be a str, got {type(scenario_id).__name__}")
    return scenario_id


def _loadable(domain: Domain, split: str) -> Sequence[Scenario]:
    """The scenarios of ``split``, or none when its data is not here (e.g. a test split to fetch)."""
    try:
        return domain.scenarios(split)
    except DataError:
        return ()


def pinned_scenario(dialogue: Dialogue, options: dict[str, Any] | None,
                    ignored: Sequence[str] = ()) -> str | None:
    """The scenario ``reset(options=...)`` pins, checked against the env's split (keys:
    :func:`scenario_from_options`).

    An env made for one split plays only that split's scenarios: pinning an id of another
    split (a test env replaying a training scenario) raises :class:`ScenarioError` unless
    ``options["allow_other_split"]`` is true; an unknown id raises listing ids of the env's split.
    """
    scenario_id = scenario_from_options(options, ignored)
    if scenario_id is None:
        return None
    allow = bool((options or {}).get("allow_other_split", False))
    own = dialogue.domain.scenarios(dialogue.split)
    if any(s.id == scenario_id for s in own):
        return scenario_id
    examples = ", ".join(s.id for s in own[:3])
    other = next((split for split in SPLITS if split != dialogue.split
                  and any(s.id == scenario_id for s in _loadable(dialogue.domain, split))), None)
    if other is None:
        raise ScenarioError(
            f"{dialogue.domain.name}: no scenario with id {scenario_id!r}; this env plays the "
            f"{dialogue.split!r} split ({len(own)} scenarios, e.g. {examples}; list them with "
            f"env.unwrapped.scenario_ids())"
        )
    if not allow:
        raise ScenarioError(
            f"{dialogue.domain.name}: scenario {scenario_id!r} belongs to the {other!r} split, but "
            f"this env plays {dialogue.split!r} (e.g. {examples}). Pin one of its own ids, make the "
            f"env with split={other!r}, or pass options={{'scenario_id': ..., "
            f"'allow_other_split': True}} to play it anyway."
        )
    return scenario_id


def _as_int(value: Any) -> int | None:
    """An integer strategy id from an int, a NumPy integer or a one-element integer array."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, np.ndarray) and value.size == 1 and np.issubdtype(value.dtype, np.integer):
        return int(value.reshape(()))
    return None


