"""What the verified track costs, as a ratio to the original evaluation (issue 14).

Run: ``python benchmarks/bench_verify.py [--agent MODULE:CLASS] [--think-ms 0]``. Evaluates the
agent on the standard protocol (120 test scenarios × 3 trials), submits it (validation with
replay), then verifies it (re-run in a spawned process + a fresh scenario set) and prints the
seconds of each phase and their ratios to the evaluation, measured in the same run.
``--think-ms`` wraps the agent so that each decision costs that much more (an agent that
thinks, e.g. an LLM): verification re-runs the agent twice, so its ratio tends to 2 as the
agent's own time dominates. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from leaderboard import store
from leaderboard.runner import evaluate
from leaderboard.verify import verify


class Thinking:
    """The scripted SOP agent plus a fixed delay per decision (``think_ms``)."""

    roles = ("expert",)

    def __init__(self, think_ms: float = 0.0) -> None:
        from baselines.scripted import ScriptedSOPAgent

        self.inner, self.think = ScriptedSOPAgent(), think_ms / 1000.0

    def reset(self, seed: int | None = None) -> None:
        self.inner.reset(seed=seed)

    def act(self, role: str, observation: Any, info: dict[str, Any]) -> Any:
        time.sleep(self.think)
        return self.inner.act(role, observation, info)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agent", default="baselines.scripted:ScriptedSOPAgent")
    parser.add_argument("--think-ms", type=float, default=0.0)
    args = parser.parse_args()
    spec, kwargs = args.agent, {}
    if args.think_ms:
        spec, kwargs = "benchmarks.bench_verify:Thinking", {"think_ms": args.think_ms}
    with tempfile.TemporaryDirectory() as tmp:
        out, db = Path(tmp) / "sub", Path(tmp) / "lb.db"
        start = time.perf_counter()
        evaluate(spec, out, agent_kwargs=kwargs)
        t_eval = time.perf_counter() - start
        start = time.perf_counter()
        store.submit(out, db)
        t_submit = time.perf_counter() - start
        start = time.perf_counter()
        result = verify(out, db, fresh_seed=1)
        t_verify = time.perf_counter() - start
    print(f"{spec} {kwargs}: standard protocol (360 episodes); fresh TSE {result['fresh']['mean']:.3f} "
          f"vs public {result['public_tse']:.3f}, reproduced={result['reproduced']}")
    print(f"  evaluate   {t_eval:7.2f} s   1.00x")
    print(f"  submit     {t_submit:7.2f} s   {t_submit / t_eval:.2f}x")
    print(f"  verify     {t_verify:7.2f} s   {t_verify / t_eval:.2f}x  (validate + re-run + fresh run)")


if __name__ == "__main__":
    main()
