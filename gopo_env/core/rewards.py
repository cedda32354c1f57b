"""The joint reward: turn-level shaping plus sequence-level components at the end (docs/environment.md)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

RANGES = {"feedback": (0.0, None), "progress": (0.0, None), "violation": (None, 0.0), "turn": (None, 0.0),
          "success": (0.0, None), "tse": (0.0, None), "esndcg": (0.0, None), "tse_lambda": (0.0, 1.0)}
"""Weight -> (low, high), ``None`` unbounded: bonuses are >= 0, penalties (``violation``,
``turn``) <= 0, and λ in [0, 1] keeps TSE in [0, 1]. A weight of the wrong sign would reward
what the docs call a cost (or the reverse) and train silently on it."""


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
    """Per SOP violation (masked strategy, misaligned or invalid response, in lenient mode); a
    penalty, so <= 0 (every other weight but ``turn`` is >= 0: :data:`RANGES`)."""
    turn: float = -0.01
    """Every assistant turn: a small cost of time (<= 0)."""
    success: float = 1.0
    """At the end, if the customer's task was achieved."""
    tse: float = 1.0
    """At the end, times the episode's TSE."""
    esndcg: float = 0.0
    """At the end, times the expert's ESNDCG."""
    tse_lambda: float = 0.5
    """The engagement penalty λ inside TSE, in [0, 1]."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value, (low, high) = getattr(self, f.name), RANGES[f.name]
            ok = (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
                  and (low is None or value >= low) and (high is None or value <= high))
            if not ok:
                raise ValueError(f"reward_config: {f.name}={value!r} must be a finite number "
                                 f"{_allowed(f.name)} (docs/environment.md, Rewards); the weights: "
                                 + ", ".join(f"{k} {_allowed(k)}" for k in RANGES))

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


def _allowed(name: str) -> str:
    low, high = RANGES[name]
    return " and ".join(b for b in (f">= {low:g}" if low is not None else "",
                                    f"<= {high:g}" if high is not None else "") if b)
