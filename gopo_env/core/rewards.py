"""The joint reward: turn-level shaping plus sequence-level components at the end (docs/environment.md)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class RewardConfig:
    """Weights of the joint reward that both agents receive.

    Per turn: ``feedback * polarity + progress * (agenda gain achieved this turn / total gain)
    + violation * (number of SOP violations) + turn``. At the episode's end, additionally:
    ``success * success + tse * TSE + esndcg * ESNDCG``. Every component is also in ``info``,
    so any other reward can be built from it.
    """

    feedback: float = 0.1
    """Per unit of customer feedback polarity (-1, 0, +1)."""
    progress: float = 0.5
    """Per share of the agenda's total gain achieved on this turn."""
    violation: float = -0.2
    """Per SOP violation (masked strategy, misaligned or invalid response, in lenient mode)."""
    turn: float = -0.01
    """Every assistant turn: a small cost of time."""
    success: float = 1.0
    """At the end, if the customer's task was achieved."""
    tse: float = 1.0
    """At the end, times the episode's TSE."""
    esndcg: float = 0.0
    """At the end, times the expert's ESNDCG."""
    tse_lambda: float = 0.5
    """The engagement penalty λ inside TSE."""

    @classmethod
    def from_any(cls, value: RewardConfig | dict[str, Any] | None) -> RewardConfig:
        """Accept a config, a dict of overrides (e.g. from ``gym.make`` kwargs) or ``None``."""
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if isinstance(value, dict):
            known = {f.name for f in fields(cls)}
            unknown = sorted(set(value) - known)
            if unknown:
                raise ValueError(
                    f"reward_config: unknown weight(s) {unknown}; known: {sorted(known)}"
                )
            return cls(**value)
        raise TypeError(f"reward_config must be a RewardConfig or dict, got {type(value).__name__}")

    def as_dict(self) -> dict[str, float]:
        return asdict(self)
