"""The cost of the process boundary: an agent in its own process vs the same agent in process.

    python benchmarks/isolation_overhead.py [--env GOPO-Mgshop-v0] [--trials 3] [--repeats 3]

Plays the scripted SOP expert (``baselines.scripted:ScriptedSOPAgent``) on every test scenario
of ``--env`` × ``--trials`` trial seeds through the one episode driver
(``gopo_env.protocol.play``), once with the agent in this process and once behind an
``AgentProcess`` (observation and public ``info`` pickled over a pipe each turn, the action
back), alternating the two ``--repeats`` times. Prints µs per assistant turn (median over the
repeats, min-max in brackets), the ratio isolated / in-process and the added µs per turn, the
mean pickled size of one ``act`` message, the agent process's start-up time, and the end-to-end
``leaderboard.runner.evaluate`` (scoring and writing included) with ``isolate=True`` vs
``False`` on one trial (best of two alternating runs). The same episodes are played both ways;
the script checks that both give identical transcripts.
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import tempfile
import time

import gopo_env  # noqa: F401
from baselines.scripted import ScriptedSOPAgent
from gopo_env.protocol import AgentProcess, dialogue_of, episode_seed, make_view, play, public_info

AGENT = "baselines.scripted:ScriptedSOPAgent"


def run_all(view, agent, plan) -> tuple[float, int, list]:
    """Seconds, assistant turns and the actions of every episode of ``plan``."""
    turns, actions = 0, []
    t0 = time.perf_counter()
    for sid, seed in plan:
        played = play(view, agent, seed=seed, scenario_id=sid, roles=("expert",))
        turns += played.summary["turns"]
        actions.append(played.actions)
    return time.perf_counter() - t0, turns, actions


def message_bytes(view, plan) -> float:
    """Mean pickled size of the ``act`` message (role, observation, public info) over one trial."""
    d = dialogue_of(view)
    toolkit = d.domain.toolkit()
    sizes = []
    for sid, seed in plan:
        obs, info = view.reset(seed=seed, options={"scenario_id": sid})
        done = False
        while not done:
            info = {k: v for k, v in public_info(info, toolkit).items() if k != "toolkit"}
            sizes.append(len(pickle.dumps(("act", "expert", obs, info), protocol=pickle.HIGHEST_PROTOCOL)))
            obs, _, term, trunc, info = view.step(d.builtin_strategy())
            done = term or trunc
    return sum(sizes) / len(sizes)


def end_to_end(env_id: str, isolate: bool) -> float:
    from leaderboard.runner import evaluate

    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        evaluate(AGENT, out, env_id=env_id, split="test", trials=1, isolate=isolate)
        return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", default="GOPO-Mgshop-v0")
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    view = make_view(args.env, ("expert",), split="test")
    ids = dialogue_of(view).scenario_ids("test")
    plan = [(sid, episode_seed(t, sid)) for t in range(args.trials) for sid in ids]
    toolkit = dialogue_of(view).domain.toolkit()

    t0 = time.perf_counter()
    proc = AgentProcess(AGENT, toolkit=toolkit)
    startup = time.perf_counter() - t0
    local = ScriptedSOPAgent()
    per_turn: dict[str, list[float]] = {"in process": [], "isolated": []}
    try:
        run_all(view, local, plan[:20])  # warm both paths
        run_all(view, proc, plan[:20])
        for _ in range(args.repeats):
            for name, agent in (("in process", local), ("isolated", proc)):
                seconds, turns, actions = run_all(view, agent, plan)
                per_turn[name].append(seconds / turns * 1e6)
                if name == "in process":
                    reference = actions
                elif actions != reference:
                    raise SystemExit("isolated and in-process runs gave different transcripts")
    finally:
        proc.close()

    med = {k: statistics.median(v) for k, v in per_turn.items()}
    print(f"{args.env}, test split: {len(ids)} scenarios x {args.trials} trials = {len(plan)} episodes, "
          f"{turns} assistant turns per pass, {args.repeats} repeats; agent {AGENT}")
    print(f"{'agent runs':<14}{'µs/turn (median)':>18}{'  [min-max]':<20}")
    for name, values in per_turn.items():
        print(f"{name:<14}{med[name]:>18,.0f}  [{min(values):,.0f}-{max(values):,.0f}]")
    print(f"ratio isolated / in process: {med['isolated'] / med['in process']:.2f}x; "
          f"added by the process boundary: {med['isolated'] - med['in process']:,.0f} µs/turn")
    print(f"act message: {message_bytes(view, plan[:len(ids)]):,.0f} bytes pickled on average; "
          f"agent process start-up: {startup * 1e3:,.0f} ms (once per evaluation)")
    from leaderboard.metrics import realizer_references

    realizer_references(args.env)  # computed once per process: keep it out of both timings
    e2e: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(2):
        for iso in (False, True):
            e2e[iso].append(end_to_end(args.env, iso))
    best = {iso: min(v) for iso, v in e2e.items()}
    print(f"leaderboard.runner.evaluate, 1 trial, end to end (scoring, writing, agent start-up included; "
          f"best of 2): in process {best[False]:.2f} s, isolated {best[True]:.2f} s, "
          f"ratio {best[True] / best[False]:.2f}x")


if __name__ == "__main__":
    main()
