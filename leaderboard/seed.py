"""Reference entries: fill a fresh leaderboard with the project's baselines in one command.

``gopo-bench leaderboard seed`` evaluates the reference agents on the standard protocol,
submits them (replay and all, like any submission) and verifies them (re-run + fresh
scenarios), so that a first submission has something to be ranked against. Random and the
scripted SOP always; with ``--trained STEPS`` also behaviour cloning and PPO trained for
STEPS environment steps (seed 0) — a small budget gives weak baselines, and their names say
the budget. Entries already on the board (same content) are left as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

ORGANISATION = "gopo-bench reference"
REFERENCE = (
    ("random", "baselines.random_agent:RandomAgent", {"seed": 0}),
    ("scripted SOP", "baselines.scripted:ScriptedSOPAgent", {}),
)
TRAINED = (
    ("BC", "baselines.bc:BCAgent"),
    ("PPO", "baselines.ppo:PPOAgent"),
)


def seed_board(db: str | Path, work: str | Path, trained_steps: int = 0, verify: bool = True,
               progress: bool = False, say: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Evaluate, submit and (``verify``) verify the reference agents; one summary per agent.

    ``work`` receives the submission directories (and trained checkpoints). Raises what
    ``evaluate``/``submit`` raise for a broken installation; an agent that is already stored
    is reported as such.
    """
    from leaderboard import store
    from leaderboard.loading import load_agent
    from leaderboard.runner import DEFAULT_ENV, evaluate
    from leaderboard.verify import verify as verify_entry

    work = Path(work)
    plan: list[tuple[str, str, dict[str, Any], Path | None]] = [
        (name, spec, kwargs, None) for name, spec, kwargs in REFERENCE]
    if trained_steps > 0:
        for name, spec in TRAINED:
            agent = load_agent(spec, {})
            say(f"training {name} for {trained_steps} steps (seed 0) ...")
            agent.train(DEFAULT_ENV, trained_steps, 0)
            checkpoint = work / f"{name.lower()}-model" / "agent"
            checkpoint.parent.mkdir(parents=True, exist_ok=True)
            agent.save(str(checkpoint))
            plan.append((f"{name} ({trained_steps} steps)", spec, {}, checkpoint))
    out = []
    for name, spec, kwargs, checkpoint in plan:
        slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
        directory = work / slug
        evaluate(spec, directory, agent_kwargs=kwargs, name=name, organisation=ORGANISATION,
                 description="reference entry (`gopo-bench leaderboard seed`)", progress=progress,
                 checkpoint=checkpoint, overwrite=True)  # regenerated on every seeding
        try:
            entry, verified = store.submit(directory, db)
            row: dict[str, Any] = {"name": name, "entry": entry,
                                   "tse": verified.metrics["tse"]["mean"], "stored": True}
        except store.DuplicateSubmission as e:
            row = {"name": name, "entry": None, "stored": False, "note": str(e)}
        if verify and row["stored"]:
            result = verify_entry(directory, db)
            row.update(reproduced=result["reproduced"], fresh_tse=result["fresh"]["mean"],
                       flagged=result["flagged"])
        say(_line(row))
        out.append(row)
    return out


def _line(row: dict[str, Any]) -> str:
    if not row["stored"]:
        return f"{row['name']}: {row['note']}"
    text = f"{row['name']}: entry {row['entry']}, TSE {row['tse']:.3f}"
    if "reproduced" in row:
        text += (f"; verified: reproduced={row['reproduced']}, fresh TSE {row['fresh_tse']:.3f}"
                 + (", FLAGGED" if row["flagged"] else ""))
    return text
