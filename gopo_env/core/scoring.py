"""Sequence-level scores of one dialogue: TSE and ESNDCG (docs/metrics.md).

These are the benchmark's definitions (the GOPO paper's exact formulas are unpublished).
They live here, not in ``leaderboard``, because the environment's end-of-episode reward needs
them and ``gopo_env`` imports nothing from the other packages; the leaderboard calls these.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

_LOG2 = [0.0] + [1.0 / math.log2(1 + t) for t in range(1, 257)]


def _discount(t: int) -> float:
    """``1 / log2(1 + t)`` for a 1-based turn ``t``."""
    return _LOG2[t] if t < len(_LOG2) else 1.0 / math.log2(1 + t)


def tse(
    gains: Sequence[float],
    achieved_turns: Sequence[int | None],
    negative_share: float,
    lam: float = 0.5,
) -> float:
    """Task-focused Sequential Engagement.

    ``gains[k]`` is the gain of agenda item ``k`` (in agenda order) and ``achieved_turns[k]``
    the 1-based assistant turn at which it was achieved (``None``: never). Then
    ``TSE = clip(DCG / IDCG, 0, 1) * (1 - lam * negative_share)`` with
    ``DCG = sum g_k / log2(1 + t_k)`` and ``IDCG`` the DCG of the ideal dialogue that achieves
    the items in agenda order, one per turn. An empty agenda scores 0 (never vacuously 1).
    """
    if len(gains) != len(achieved_turns):
        raise ValueError(f"tse: {len(gains)} gains but {len(achieved_turns)} achieved turns")
    if not 0.0 <= negative_share <= 1.0:
        raise ValueError(f"tse: negative_share must lie in [0, 1], got {negative_share}")
    idcg = sum(g * _discount(k + 1) for k, g in enumerate(gains))
    if idcg <= 0.0:
        return 0.0
    dcg = 0.0
    for g, t in zip(gains, achieved_turns):
        if t is not None:
            if t < 1:
                raise ValueError(f"tse: achieved turns are 1-based, got {t}")
            dcg += g * _discount(t)
    ratio = min(max(dcg / idcg, 0.0), 1.0)
    return ratio * (1.0 - lam * negative_share)


def tse_sound(
    gains: Sequence[float],
    achieved_turns: Sequence[int | None],
    negative_share: float,
    lam: float = 0.5,
) -> float:
    """Task-focused Sequential Engagement, normalised by the true maximum (``GOPO-Mgshop-v1``).

    ``TSE = (DCG / IDCG) * (1 - lam * negative_share)`` with
    ``DCG = sum_k g_k * min(1 / log2(1 + t_k), 1 / log2(1 + k))`` (``k`` the 1-based agenda
    position, ``t_k`` the 1-based assistant turn item ``k`` was achieved at; never achieved: 0)
    and ``IDCG = sum_k g_k / log2(1 + k)``, the dialogue that achieves the items in agenda order,
    one per turn. Each item is credited at most its ideal discount, so ``DCG <= IDCG`` for every
    dialogue: the ideal is the true maximum, nothing is clipped, and achieving two items in one
    turn or skipping an item (which moves every later item a turn earlier) can never pay for an
    item that was not achieved. Range [0, 1]; 1 exactly for the ideal dialogue without negative
    feedback. An empty agenda (or all-zero gains) scores 0.

    Raises ValueError on mismatched lengths, a turn < 1, a negative gain or a share outside [0, 1].
    The legacy :func:`tse` (``GOPO-Mgshop-v0``) is unchanged; docs/metrics.md compares the two.
    """
    if len(gains) != len(achieved_turns):
        raise ValueError(f"tse: {len(gains)} gains but {len(achieved_turns)} achieved turns")
    if not 0.0 <= negative_share <= 1.0:
        raise ValueError(f"tse: negative_share must lie in [0, 1], got {negative_share}")
    if any(g < 0 for g in gains):
        raise ValueError(f"tse: gains must be >= 0, got {list(gains)}")
    idcg = sum(g * _discount(k + 1) for k, g in enumerate(gains))
    if idcg <= 0.0:
        return 0.0
    dcg = 0.0
    for k, (g, t) in enumerate(zip(gains, achieved_turns)):
        if t is not None:
            if t < 1:
                raise ValueError(f"tse: achieved turns are 1-based, got {t}")
            dcg += g * min(_discount(t), _discount(k + 1))
    return (dcg / idcg) * (1.0 - lam * negative_share)


TSE_VERSIONS = {0: tse, 1: tse_sound}
"""TSE definition by metric version: 0 the legacy clipped ratio (v0 envs), 1 the sound one."""


def esndcg(strategies: Sequence[int], reference: Sequence[int], window: int = 2) -> float:
    """Expert-Sequence nDCG of a strategy sequence against the reference sequence.

    Relevance at position ``t``: 2 if ``strategies[t] == reference[t]``, 1 if the strategy
    occurs in ``reference`` within ``window`` positions of ``t``, else 0; discount
    ``1 / log2(1 + t)``; normalised by the reference scored against itself, clipped to [0, 1].
    An empty reference scores 0.
    """
    if not reference:
        return 0.0
    idcg = sum(2.0 * _discount(t + 1) for t in range(len(reference)))
    dcg = 0.0
    n_ref = len(reference)
    for t, s in enumerate(strategies):
        if t < n_ref and reference[t] == s:
            rel = 2.0
        else:
            lo, hi = max(0, t - window), min(n_ref, t + window + 1)
            rel = 1.0 if s in reference[lo:hi] else 0.0
        if rel:
            dcg += rel * _discount(t + 1)
    return min(max(dcg / idcg, 0.0), 1.0)
