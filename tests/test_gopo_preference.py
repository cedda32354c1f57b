"""The DPO-style preference loss on a toy pair: it decreases and flips the preference."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from agents.gopo import (  # noqa: E402
    GOPOConfig,
    StrategyPolicy,
    Trajectory,
    dpo_loss,
    preference_pairs,
    preference_update,
    sequence_logps,
)

N_FEATURES, N_STRATEGIES, K = 6, 5, 2


def _toy(actions, seed, score):
    rng = np.random.default_rng(seed)
    t = len(actions)
    masks = np.ones((t, N_STRATEGIES), dtype=bool)
    masks[:, 3] = False  # one strategy is always forbidden
    hist = np.full((t, K), N_STRATEGIES, dtype=np.int64)
    return Trajectory(rng.uniform(-1, 1, (t, N_FEATURES)).astype(np.float32), hist, masks,
                      np.array(actions, dtype=np.int64), {}, score)


def test_dpo_loss_formula():
    w, lo, rw, rl = (torch.tensor([x]) for x in (-1.0, -3.0, -2.0, -2.0))
    expected = -torch.nn.functional.logsigmoid(torch.tensor(0.5 * ((-1 + 2) - (-3 + 2))))
    assert torch.allclose(dpo_loss(w, lo, rw, rl, beta=0.5), expected)
    assert float(dpo_loss(rw, rl, rw, rl, beta=0.5)) == pytest.approx(np.log(2))


def test_preference_loss_decreases_and_prefers_the_better_trajectory():
    torch.manual_seed(0)
    policy = StrategyPolicy(N_FEATURES, N_STRATEGIES, K, 4, 16)
    a, b = _toy([0, 1, 2], 1, 0.0), _toy([4, 4, 2], 2, 0.0)
    with torch.no_grad():
        la, lb = sequence_logps(policy, [a, b], use_mask=True)
    # the trajectory the untrained policy finds *less* likely gets the higher score
    better, worse = (a, b) if la < lb else (b, a)
    better.score, worse.score = 0.9, 0.2
    pairs = preference_pairs([[a, b]], min_gap=0.01)
    assert pairs == [(better, worse)]

    reference = StrategyPolicy(N_FEATURES, N_STRATEGIES, K, 4, 16)
    reference.load_state_dict(policy.state_dict())
    reference.requires_grad_(False)
    cfg = GOPOConfig(beta=0.5, pref_epochs=60)
    opt = torch.optim.Adam(policy.parameters(), lr=1e-2)
    losses = preference_update(policy, reference, pairs, opt, cfg)
    assert losses[0] == pytest.approx(np.log(2), abs=1e-6)  # policy == reference at the start
    assert losses[-1] < 0.5 * losses[0]
    with torch.no_grad():
        lw, ll = sequence_logps(policy, [better, worse], use_mask=True)
    assert lw > ll  # now the higher-scoring trajectory is the more likely one


def test_pairs_need_a_gap_and_best_pairing_uses_the_best_only():
    x, y, z = _toy([0], 0, 0.5), _toy([1], 1, 0.505), _toy([2], 2, 0.1)
    assert preference_pairs([[x, y]], min_gap=0.01) == []
    assert len(preference_pairs([[x, y, z]], min_gap=0.01)) == 2
    assert preference_pairs([[x, y, z]], 0.01, pairing="best") == [(y, z)]
    with pytest.raises(ValueError, match="pairing"):
        preference_pairs([[x]], 0.01, pairing="worst")


def test_masked_strategies_get_no_probability():
    policy = StrategyPolicy(N_FEATURES, N_STRATEGIES, K, 4, 16)
    forbidden = _toy([3], 0, 0.0)  # action 3 is masked in the toy trajectories
    with torch.no_grad():
        assert float(sequence_logps(policy, [forbidden], use_mask=True)[0]) < -1e6
        assert float(sequence_logps(policy, [forbidden], use_mask=False)[0]) > -50
