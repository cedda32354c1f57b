"""What the headline benchmark compares: constants, budgets and the entrants (by import string)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import gopo_env

FORMAT_VERSION = 1


def domain_envs() -> dict[str, str]:
    """Domain -> the expert env id its benchmark runs on (the newest version), from the registry."""
    out: dict[str, str] = {}
    for spec in gopo_env.env_specs().values():
        if spec.view == "expert" and (spec.domain not in out or spec.version >= out[spec.domain][1]):
            out[spec.domain] = (spec.env_id, spec.version)
    return {d: env_id for d, (env_id, _) in out.items()}
"""Domain name -> the Expert view every entrant is trained and evaluated on."""
TABLE_METRICS = ("tse", "success", "esndcg", "gre", "return", "turns")
"""Per-episode task metrics reported (``leaderboard.metrics.EPISODE_METRICS``)."""
TESTED = ("tse", "success")
"""Metrics with a paired-bootstrap test against the reference entrant."""
SPLITS = ("test", "dev")
"""Splits the benchmark evaluates on (``--split``): ``test`` (the standard protocol) or ``dev``
(where a domain's test data is absent; then model selection and the table share the split)."""
RESULTS_FILE, TABLE_FILE, RUNS_DIR = "results.json", "results.md", "runs"
OUTPUTS = (RESULTS_FILE, RUNS_DIR)
"""What marks a folder as a benchmark's output (``--resume`` or ``--overwrite`` needed to reuse it)."""
INVALID = "(invalid)"
"""Strategy-usage column of turns whose strategy is not a domain strategy (lenient mode)."""
PLOTS = {"curves": "learning_curves.png", "tse": "tse_distribution.png", "strategies": "strategy_usage.png"}


class BenchmarkError(ValueError):
    """The benchmark cannot run as asked; the message says what to change."""


# ---------------------------------------------------------------------- budgets
@dataclass(frozen=True)
class Budget:
    """How much every entrant gets; the same for all of them, so the comparison is fair."""

    name: str
    """``small`` or ``full``."""
    train_steps: int
    """Training environment steps (assistant turns) of every trainable entrant, every rollout
    counted (GOPO: both stages; BC: the demonstrations). Dev evaluation is not counted."""
    seeds: int
    """Training seeds when ``--seeds`` is not given."""
    eval_every: int
    """Environment steps between the dev evaluations that draw the learning curves."""
    dev_episodes: int
    """Dev scenarios per learning-curve point (the first ones, scenario ``i`` with seed ``i``)."""


BUDGETS = {
    # tiny: checks the pipeline in seconds (tests); its numbers mean nothing
    "tiny": Budget("tiny", train_steps=512, seeds=2, eval_every=256, dev_episodes=3),
    # small: ~3 min for 2 seeds on the 2-core development machine (measured, docs/benchmark.md)
    "small": Budget("small", train_steps=4096, seeds=2, eval_every=1024, dev_episodes=30),
    # full: ~25 min for 5 seeds on the same machine (extrapolated from small, then measured)
    "full": Budget("full", train_steps=30720, seeds=5, eval_every=3072, dev_episodes=60),
}
"""Named budgets. ``train_steps`` are multiples of PPO's rollout (512 steps) so PPO does not
overshoot; GOPO and Memento stop at the last whole episode (or group) that fits."""


# ---------------------------------------------------------------------- entrants
@dataclass(frozen=True)
class Entrant:
    """One line of the table: an agent by import string and how the budget reaches it."""

    key: str
    """Short name for ``--only`` and file names."""
    label: str
    """Name in the table and plots."""
    agent: str
    """``module:Class``, loaded by ``leaderboard.loading.load_agent``."""
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    """Constructor keyword arguments (besides the budget ones below)."""
    budget_kwargs: Mapping[str, str] = field(default_factory=dict)
    """Constructor keyword -> :class:`Budget` field (the agent's dev-evaluation settings)."""
    trainable: bool = True
    """Has ``train(env_id, budget, seed)``; otherwise only evaluated."""
    seed_kwarg: str | None = None
    """Constructor keyword that receives the training seed (untrained, seeded agents)."""
    strict: bool = True
    """Evaluate in strict mode (False only for the no-mask ablation, which plays masked moves)."""
    views: tuple[str, ...] = ("expert",)
    """Views of the domain the entrant needs (``gopo_env.registration``: ``expert``, ``text``,
    ``flat``); on a domain lacking one it is left out of the table, with a note."""

    def build_kwargs(self, budget: Budget, seed: int) -> dict[str, Any]:
        kwargs = dict(self.kwargs)
        kwargs.update({k: getattr(budget, f) for k, f in self.budget_kwargs.items()})
        if self.seed_kwarg:
            kwargs[self.seed_kwarg] = seed
        return kwargs


_GOPO = "agents.gopo:GOPOAgent"
_GOPO_KW = {"roles": ["expert"], "progress": False}
_GOPO_BUDGET = {"eval_every": "eval_every", "eval_episodes": "dev_episodes"}
GOPO_TSE_ITERATED = {"w_esndcg": 0.0, "ref_sync_every": 2, "pairing": "best", "beta": 1.0, "pref_lr": 1e-3}
"""The investigation's GOPO variant (docs/benchmark.md): the sequence objective without the
ESNDCG term, the reference re-synced every 2 iterations, best-vs-rest pairs and a stronger step.
The headline GOPO row keeps the defaults of ``agents.gopo.GOPOConfig``."""
GOPO_DEV_SELECTED = {**GOPO_TSE_ITERATED, "bc_share": 0.1}
"""GOPO's configuration chosen on GOPO-Mgshop-v1's **dev** split (``benchmarks/gopo_dev_selection.py``,
docs/gopo_dev_selection_v1.md: 10 pre-declared candidates x 3 seeds at the ``full`` budget, best
mean dev TSE): the iterated-reference variant with 10% of the budget on behaviour cloning. The
``gopo`` entrant and its ablations use it; ``gopo-defaults`` keeps ``agents.gopo.GOPOConfig``."""
_QUIET = {"progress_bar": False}
_DEV_BUDGET = {"eval_every": "eval_every", "eval_episodes": "dev_episodes"}

ENTRANTS: tuple[Entrant, ...] = (
    Entrant("gopo", "GOPO (selected on dev)", _GOPO, {**_GOPO_KW, "ablation": "full", **GOPO_DEV_SELECTED},
            _GOPO_BUDGET),
    Entrant("gopo-defaults", "GOPO (GOPOConfig defaults)", _GOPO, {**_GOPO_KW, "ablation": "full"},
            _GOPO_BUDGET),
    Entrant("gopo-tse-iter", "GOPO variant: J = TSE, iterated reference", _GOPO,
            {**_GOPO_KW, "ablation": "full", **GOPO_TSE_ITERATED}, _GOPO_BUDGET),
    Entrant("gopo-no-pref", "GOPO w/o preference stage", _GOPO,
            {**_GOPO_KW, "ablation": "no_preference"}, _GOPO_BUDGET),
    Entrant("gopo-no-expert", "GOPO w/o Expert history", _GOPO,
            {**_GOPO_KW, "ablation": "no_expert", **GOPO_DEV_SELECTED}, _GOPO_BUDGET),
    Entrant("gopo-no-mask", "GOPO w/o SOP mask", _GOPO,
            {**_GOPO_KW, "ablation": "no_mask", **GOPO_DEV_SELECTED}, _GOPO_BUDGET, strict=False),
    Entrant("ppo-expert", "PPO (expert)", "baselines.ppo:PPOAgent", {**_QUIET, "form": "expert"},
            _DEV_BUDGET),
    Entrant("ppo-mono", "PPO (monolithic)", "baselines.ppo:PPOAgent", {**_QUIET, "form": "monolithic"},
            _DEV_BUDGET, views=("expert", "flat")),
    Entrant("memento", "Memento (soft-Q cases)", "baselines.memento:MementoAgent", _QUIET, _DEV_BUDGET),
    Entrant("bc", "BC (SOP demos)", "baselines.bc:BCAgent", _QUIET, {"eval_episodes": "dev_episodes"}),
    Entrant("sop", "scripted SOP", "baselines.scripted:ScriptedSOPAgent", trainable=False),
    Entrant("random", "random (masked)", "baselines.random_agent:RandomAgent", trainable=False,
            seed_kwarg="seed"),
)
"""The entrants, in table order. The first one present is the reference of the p-values."""


def domain_views(domain: str) -> set[str]:
    """The views registered for ``domain`` (any version), from the registry."""
    return {spec.view for spec in gopo_env.env_specs().values() if spec.domain == domain}


def runnable(entrants: Sequence[Entrant], domain: str) -> tuple[list[Entrant], dict[str, str]]:
    """The entrants ``domain`` can host, and ``key -> why not`` for the others (a missing view)."""
    views = domain_views(domain)
    kept, skipped = [], {}
    for e in entrants:
        missing = [v for v in e.views if v not in views]
        if missing:
            skipped[e.key] = (f"{e.label}: needs the {' and '.join(missing)} view, which domain "
                              f"{domain!r} does not register")
        else:
            kept.append(e)
    return kept, skipped


def select(only: str | Sequence[str] | None) -> list[Entrant]:
    """The entrants named in ``only`` (comma-separated keys), in registry order; all if None."""
    if not only:
        return list(ENTRANTS)
    keys = [k.strip() for k in (only.split(",") if isinstance(only, str) else only) if k.strip()]
    known = {e.key for e in ENTRANTS}
    unknown = [k for k in keys if k not in known]
    if unknown or not keys:
        raise BenchmarkError(f"--only: unknown entrant(s) {unknown or keys}; choose from {sorted(known)}")
    return [e for e in ENTRANTS if e.key in keys]


