"""How long evaluation and verified submission take, per 1,000 episodes (issue 4, "Performance").

Run: ``python benchmarks/bench_leaderboard.py [--trials 9] [--agent MODULE:CLASS]``. It evaluates the
agent on the test split (120 scenarios × trials), then validates the submission (schema,
coverage, replay of every episode, recomputation of every metric) and stores it in a temporary
SQLite file. Printed: seconds per 1,000 episodes for each phase, and the replay's cost as a
ratio to the original run (episodes only, without scoring or I/O). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from gopo_env.protocol import make_view
from leaderboard import metrics as M
from leaderboard import store
from leaderboard.loading import load_agent
from leaderboard.runner import evaluate, run
from leaderboard.submission import read_submission
from leaderboard.validate import check_metrics, check_schema, replay_episode


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agent", default="baselines.scripted:ScriptedSOPAgent")
    parser.add_argument("--env", default="GOPO-Mgshop-v0")
    parser.add_argument("--trials", type=int, default=9)
    args = parser.parse_args()
    M.realizer_references(args.env)  # one-off per process; not charged to either phase

    with tempfile.TemporaryDirectory() as tmp:
        out, db = Path(tmp) / "sub", Path(tmp) / "lb.db"
        _, t_play = timed(run, load_agent(args.agent), args.env, "test", args.trials)
        sub, t_eval = timed(evaluate, args.agent, out, env_id=args.env, trials=args.trials)
        n = sub["protocol"]["episodes"]
        (submission, episodes, _), t_read = timed(read_submission, out)
        _, t_schema = timed(check_schema, submission, episodes)
        mode = "turns" if "Text" not in args.env else "text"
        view = make_view(args.env, ("service",) if mode == "text" else ("expert", "service"), split="test")
        start = time.perf_counter()
        for ep in episodes:
            replay_episode(view, mode, ep)
        t_replay = time.perf_counter() - start
        _, t_metrics = timed(check_metrics, submission, episodes)
        _, t_submit = timed(store.submit, out, db)

    per_k = 1000.0 / n
    print(f"{args.agent} on {args.env}, test split × {args.trials} trials = {n} episodes")
    print(f"  evaluate (play + score + write)         {t_eval * per_k:8.2f} s / 1000 episodes")
    print(f"    of which playing the episodes          {t_play * per_k:8.2f} s / 1000 episodes")
    print(f"  submit (validate + replay + store)       {t_submit * per_k:8.2f} s / 1000 episodes")
    print(f"    read + parse                           {t_read * per_k:8.2f}")
    print(f"    JSON Schema                            {t_schema * per_k:8.2f}")
    print(f"    replay                                 {t_replay * per_k:8.2f}")
    print(f"    recompute metrics                      {t_metrics * per_k:8.2f}")
    print(f"  replay / original run                    {t_replay / t_play:8.2f}x")
    print(f"  submit / evaluate                        {t_submit / t_eval:8.2f}x")


if __name__ == "__main__":
    main()
