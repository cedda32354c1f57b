"""Each trainable baseline, trained tiny and reloaded, yields a submission that passes replay."""

from __future__ import annotations

import pytest
from test_baselines_smoke import TINY, train_tiny

from leaderboard.runner import evaluate
from leaderboard.validate import validate

SPECS = {"ppo-expert": "baselines.ppo:PPOAgent", "ppo-monolithic": "baselines.ppo:PPOAgent",
         "memento": "baselines.memento:MementoAgent", "memento-bow": "baselines.memento:MementoAgent",
         "bc": "baselines.bc:BCAgent"}


@pytest.mark.parametrize("name", sorted(TINY))
def test_trained_baseline_makes_a_valid_submission(name, tmp_path):
    agent, _ = train_tiny(name)
    agent.save(str(tmp_path / "agent"))
    cls, kwargs, _, _ = TINY[name]
    loaded = cls(**kwargs)
    loaded.load(str(tmp_path / "agent"))
    submission = evaluate(SPECS[name], tmp_path / "sub", agent_kwargs=kwargs, agent=loaded,
                          env_id="GOPO-Mgshop-v0", split="test", trials=1)
    verified = validate(tmp_path / "sub")
    assert verified.submission["protocol"]["episodes"] == 120
    assert submission["metrics"] == verified.submission["metrics"]
