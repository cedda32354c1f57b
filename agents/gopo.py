"""GOPO: goal-oriented preference optimisation of an Expert Agent over dialogue strategies.

Read top to bottom: the hyper-parameters, the policy, the rollout, stage 1 (behaviour cloning
on the SOP expert's strategy sequences), stage 2 (on-policy groups of trajectories per scenario,
ranked by the sequence objective ``J = w_tse·TSE + w_esndcg·ESNDCG + w_success·success``, turned
into preference pairs and fitted with a DPO loss on whole strategy sequences against a frozen
reference policy), then the agent that ties them together. The objective and the ablations are
documented in ``docs/gopo.md``.

Budgets are environment steps (assistant turns), counting every training rollout of both stages,
so GOPO compares with PPO at equal budgets; dev-split evaluation is not counted.
"""

from __future__ import annotations

import copy
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

import gopo_env  # noqa: F401  (registers the environments)
from agents.cs_agent import CSAgent, Generator
from gopo_env.core.domain import SPLITS
from gopo_env.protocol import TASK_METRICS
from gopo_env.protocol import evaluate as evaluate_agent

NEG = -1e9
"""Logit of a strategy the SOP masks (finite, so a masked target gives a large loss, not NaN)."""


# ---------------------------------------------------------------------- hyper-parameters
@dataclass
class GOPOConfig:
    # the Expert Agent
    history: int = 4
    """Past strategies the policy sees, most recent last (0: a flat policy, no Expert Agent)."""
    embed_dim: int = 16
    """Size of each past strategy's embedding."""
    hidden: int = 128
    """Width of the two hidden layers."""
    use_mask: bool = True
    """Mask the logits with the SOP mask (False: the no-mask ablation, run in lenient mode)."""
    # stage 1: behaviour cloning
    bc_share: float = 0.25
    """Share of the step budget spent on SOP-expert rollouts (all of it without stage 2)."""
    bc_epochs: int = 20
    """Passes over the demonstrations."""
    bc_lr: float = 1e-3
    """Adam learning rate of behaviour cloning."""
    batch_size: int = 256
    """Minibatch size of behaviour cloning (turns)."""
    # stage 2: goal-oriented preference optimisation
    use_preference: bool = True
    """Run stage 2 (False: the no-preference ablation, BC only)."""
    group_size: int = 6
    """Trajectories rolled out per scenario and seed (one group)."""
    groups_per_iter: int = 16
    """Groups collected before each preference update."""
    beta: float = 0.1
    """DPO temperature β: how far the policy may move from the reference."""
    w_tse: float = 1.0
    """Weight of TSE in the sequence objective J."""
    w_esndcg: float = 0.25
    """Weight of ESNDCG in J."""
    w_success: float = 0.0
    """Weight of task success in J."""
    min_gap: float = 0.01
    """Smallest difference in J for two trajectories to form a preference pair."""
    pairing: str = "all"
    """``"all"``: every ordered pair of a group; ``"best"``: the group's best against each worse one."""
    pref_lr: float = 3e-4
    """Adam learning rate of the preference stage."""
    pref_epochs: int = 4
    """Gradient steps on each iteration's pairs (full batch)."""
    temperature: float = 1.0
    """Sampling temperature of the exploring rollouts."""
    epsilon: float = 0.1
    """Share of uniform exploration over the allowed strategies in the exploring rollouts."""
    include_greedy: bool = True
    """Make the policy's greedy trajectory one member of every group."""
    ref_sync_every: int = 0
    """Copy the policy into the reference every this many iterations (0: keep the BC policy)."""
    # evaluation
    eval_every: int = 5000
    """Evaluate on ``eval_split`` every this many env steps (0: only after each stage)."""
    eval_split: str = "dev"
    """Split of the periodic evaluation and of model selection."""
    eval_episodes: int = 0
    """Scenarios of ``eval_split`` per evaluation, the first ones in order (0: all of them)."""
    keep_best: bool = True
    """Keep the evaluated parameters with the best J on ``eval_split`` (model selection)."""
    progress: bool = True
    """Show a tqdm progress bar."""

    def __post_init__(self) -> None:
        # a bad number would not fail: GOPO would train (for hours) on a meaningless objective
        for name, low, low_open, high in (
            ("beta", 0, True, None), ("bc_lr", 0, True, None), ("pref_lr", 0, True, None),
            ("temperature", 0, True, None), ("bc_share", 0, False, 1), ("epsilon", 0, False, 1),
            ("min_gap", 0, False, None), ("w_tse", None, False, None), ("w_esndcg", None, False, None),
            ("w_success", None, False, None),
        ):
            _check_number(name, getattr(self, name), low, low_open, high, integer=False)
        for name, low in (("history", 0), ("embed_dim", 1), ("hidden", 1), ("bc_epochs", 0),
                          ("batch_size", 1), ("group_size", 2), ("groups_per_iter", 1),
                          ("pref_epochs", 0), ("ref_sync_every", 0), ("eval_every", 0),
                          ("eval_episodes", 0)):
            _check_number(name, getattr(self, name), low, False, None, integer=True)
        for name in ("use_mask", "use_preference", "include_greedy", "keep_best", "progress"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"GOPOConfig: {name} must be True or False, got {getattr(self, name)!r}")
        if self.pairing not in PAIRINGS:
            raise ValueError(f"GOPOConfig: pairing must be one of {PAIRINGS}, got {self.pairing!r}")
        if self.eval_split not in SPLITS:
            raise ValueError(f"GOPOConfig: eval_split must be one of {SPLITS}, got {self.eval_split!r}")

    def objective(self, summary: dict[str, Any]) -> float:
        """The sequence-level objective J of one episode summary."""
        return (self.w_tse * summary["tse"] + self.w_esndcg * summary["esndcg"]
                + self.w_success * float(summary["success"]))


PAIRINGS = ("all", "best")
"""How a group's trajectories are paired (``GOPOConfig.pairing``, :func:`preference_pairs`)."""


def _check_number(name: str, value: Any, low: float | None, low_open: bool, high: float | None,
                  integer: bool) -> None:
    """``ValueError`` naming ``name``, ``value`` and the range unless ``value`` is a finite number
    (an int if ``integer``) in it: ``(low, ...`` if ``low_open`` else ``[low, ...``, up to ``high]``."""
    kind = "an int" if integer else "a number"
    lo = "" if low is None else f"{'>' if low_open else '>='} {low}"
    hi = "" if high is None else f"<= {high}"
    allowed = f"{kind} {' and '.join(b for b in (lo, hi) if b)}".rstrip()
    ok = (not isinstance(value, bool) and isinstance(value, int if integer else (int, float))
          and math.isfinite(value)
          and (low is None or (value > low if low_open else value >= low))
          and (high is None or value <= high))
    if not ok:
        raise ValueError(f"GOPOConfig: {name}={value!r}: must be {allowed}")


ABLATIONS: dict[str, dict[str, Any]] = {
    "full": {},
    "no_expert": {"history": 0},
    "no_preference": {"use_preference": False},
    "no_mask": {"use_mask": False},
}
"""Named ablations (docs/baselines.md) as overrides of :class:`GOPOConfig`."""


# ---------------------------------------------------------------------- the policy
class StrategyPolicy(nn.Module):
    """Logits over strategies from the dialogue features and the last ``history`` strategies."""

    def __init__(self, n_features: int, n_strategies: int, history: int, embed_dim: int,
                 hidden: int) -> None:
        super().__init__()
        self.n_strategies = n_strategies
        self.history = history
        self.embed = nn.Embedding(n_strategies + 1, embed_dim) if history else None  # +1: padding
        self.net = nn.Sequential(
            nn.Linear(n_features + history * embed_dim, hidden), nn.Tanh(),
            nn.Linear(hidden, hidden), nn.Tanh(),
            nn.Linear(hidden, n_strategies),
        )

    def forward(self, features: torch.Tensor, history: torch.Tensor, mask: torch.Tensor | None
                ) -> torch.Tensor:
        x = features
        if self.embed is not None:
            x = torch.cat([x, self.embed(history).flatten(1)], dim=1)
        logits = self.net(x)
        return logits if mask is None else logits.masked_fill(~mask, NEG)


def history_window(past: Sequence[int], k: int, pad: int) -> np.ndarray:
    """The last ``k`` strategies, left-padded with ``pad``."""
    recent = list(past[-k:]) if k else []
    return np.array([pad] * (k - len(recent)) + recent, dtype=np.int64)


# ---------------------------------------------------------------------- the rollout
@dataclass
class Trajectory:
    """One episode's expert decisions and outcome."""

    features: np.ndarray
    history: np.ndarray
    masks: np.ndarray
    actions: np.ndarray
    summary: dict[str, Any]
    score: float = 0.0

    def __len__(self) -> int:
        return len(self.actions)


Chooser = Callable[[np.ndarray, np.ndarray, np.ndarray], int]


def rollout(dialogue: Any, scenario_id: str, seed: int, choose: Chooser, k: int, cs: CSAgent
         ) -> Trajectory:
    """One episode on the engine: ``choose(features, history, mask)`` picks, ``cs`` writes."""
    dialogue.reset(seed=seed, scenario_id=scenario_id)
    pad = dialogue.n_strategies
    feats, hists, masks, actions = [], [], [], []
    while not dialogue.done:
        f, m, h = dialogue.features(), dialogue.mask().astype(bool), history_window(actions, k, pad)
        a = int(choose(f, h, m))
        dialogue.choose(a)
        dialogue.respond(cs.write(dialogue.episode, a).text)
        feats.append(f)
        hists.append(h)
        masks.append(m)
        actions.append(a)
    return Trajectory(np.stack(feats), np.stack(hists).reshape(len(actions), k), np.stack(masks),
                      np.array(actions, dtype=np.int64), dialogue.summary())


def batch(trajs: Sequence[Trajectory]) -> tuple[torch.Tensor, ...]:
    """Concatenated tensors of many trajectories plus each turn's trajectory index."""
    owner = np.concatenate([np.full(len(t), i) for i, t in enumerate(trajs)])
    return (torch.from_numpy(np.concatenate([t.features for t in trajs])),
            torch.from_numpy(np.concatenate([t.history for t in trajs])),
            torch.from_numpy(np.concatenate([t.masks for t in trajs])),
            torch.from_numpy(np.concatenate([t.actions for t in trajs])),
            torch.from_numpy(owner))


def sequence_logps(policy: StrategyPolicy, trajs: Sequence[Trajectory], use_mask: bool
                   ) -> torch.Tensor:
    """log π(y) of each trajectory's strategy sequence: the sum of its turns' log-probabilities."""
    f, h, m, a, owner = batch(trajs)
    logp = F.log_softmax(policy(f, h, m if use_mask else None), dim=1)
    turn = logp.gather(1, a[:, None]).squeeze(1)
    return torch.zeros(len(trajs), dtype=turn.dtype).index_add(0, owner, turn)


class StepBudget:
    """Counts env steps; an episode starts only if a whole one still fits, so it never overshoots."""

    def __init__(self, budget: int, max_turns: int, bar: Any) -> None:
        self.budget, self.max_turns, self.used, self.bar = budget, max_turns, 0, bar

    def fits(self, episodes: int = 1, limit: int | None = None) -> bool:
        return self.used + episodes * self.max_turns <= (self.budget if limit is None else limit)

    def spend(self, steps: int) -> None:
        self.used += steps
        self.bar.update(steps)


# ---------------------------------------------------------------------- stage 1: behaviour cloning
def behaviour_cloning(policy: StrategyPolicy, demos: Sequence[Trajectory], cfg: GOPOConfig,
                      gen: torch.Generator) -> float:
    """Fit the policy to the expert's choices (cross-entropy on masked logits); mean last-epoch loss."""
    f, h, m, a, _ = batch(demos)
    opt = torch.optim.Adam(policy.parameters(), lr=cfg.bc_lr)
    n, last = len(a), float("nan")
    for _ in range(cfg.bc_epochs):
        order, total = torch.randperm(n, generator=gen), 0.0
        for i in range(0, n, cfg.batch_size):
            idx = order[i:i + cfg.batch_size]
            logits = policy(f[idx], h[idx], m[idx] if cfg.use_mask else None)
            loss = F.cross_entropy(logits, a[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        last = total / n
    return last


# ---------------------------------------------------------------------- stage 2: preferences
def preference_pairs(groups: Sequence[Sequence[Trajectory]], min_gap: float, pairing: str = "all"
                     ) -> list[tuple[Trajectory, Trajectory]]:
    """(better, worse) pairs within each group whose scores differ by more than ``min_gap``.

    ``pairing="all"`` uses every such pair; ``"best"`` only the group's best trajectory against
    each worse one (first best on ties, so the result is deterministic).
    """
    if pairing not in ("all", "best"):
        raise ValueError(f"pairing must be 'all' or 'best', got {pairing!r}")
    pairs = []
    for group in groups:
        winners = group if pairing == "all" else [max(group, key=lambda t: t.score)]
        for w in winners:
            pairs += [(w, lo) for lo in group if w.score - lo.score > min_gap]
    return pairs


def dpo_loss(logp_w: torch.Tensor, logp_l: torch.Tensor, ref_w: torch.Tensor, ref_l: torch.Tensor,
             beta: float) -> torch.Tensor:
    """``-log σ(β[(log πθ(y_w) - log πref(y_w)) - (log πθ(y_l) - log πref(y_l))])``, averaged."""
    return -F.logsigmoid(beta * ((logp_w - ref_w) - (logp_l - ref_l))).mean()


def preference_update(policy: StrategyPolicy, reference: StrategyPolicy,
                      pairs: Sequence[tuple[Trajectory, Trajectory]], opt: torch.optim.Optimizer,
                      cfg: GOPOConfig) -> list[float]:
    """``cfg.pref_epochs`` full-batch DPO steps on ``pairs``; the loss before each step."""
    winners, losers = [w for w, _ in pairs], [lo for _, lo in pairs]
    with torch.no_grad():
        ref_w = sequence_logps(reference, winners, cfg.use_mask)
        ref_l = sequence_logps(reference, losers, cfg.use_mask)
    losses = []
    for _ in range(cfg.pref_epochs):
        loss = dpo_loss(sequence_logps(policy, winners, cfg.use_mask),
                        sequence_logps(policy, losers, cfg.use_mask), ref_w, ref_l, cfg.beta)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


# ---------------------------------------------------------------------- the agent
DEV_METRICS = ("objective", *TASK_METRICS)
"""What GOPO's dev evaluation reports: its objective J and the task metrics."""


class GOPOAgent:
    """The GOPO agent: a trained Expert Agent plus the strategy-bound CS Agent.

    ``roles`` is ``("expert", "service")`` (default) or ``("expert",)``. ``ablation`` is one of
    :data:`ABLATIONS`; further keyword arguments override :class:`GOPOConfig` fields. The
    service role writes through the public toolkit of ``info`` (``gopo_env.protocol.play``).
    ``cs="llm"`` makes a language model the CS Agent (:class:`agents.llm.cs_agent.LLMCSAgent`
    on the checkpoint ``llm_path``, further options in ``llm``; no path: the tiny model).
    """

    def __init__(self, roles: Sequence[str] = ("expert", "service"), ablation: str = "full",
                 generator: Generator | None = None, max_attempts: int = 3, cs: str = "realizer",
                 llm_path: str | None = None, llm: dict[str, Any] | None = None, **overrides: Any) -> None:
        if ablation not in ABLATIONS:
            raise ValueError(f"GOPOAgent: unknown ablation {ablation!r}; choose from {sorted(ABLATIONS)}")
        known = {f.name for f in fields(GOPOConfig)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ValueError(f"GOPOAgent: unknown option(s) {unknown}; GOPOConfig has {sorted(known)}")
        roles = tuple(roles)
        if "expert" not in roles or not set(roles) <= {"expert", "service"}:
            raise ValueError(f"GOPOAgent: roles must be ('expert',) or ('expert', 'service'), got {roles}")
        self.roles = roles
        self.ablation = ablation
        self.config = GOPOConfig(**{**ABLATIONS[ablation], **overrides})
        if cs not in ("realizer", "llm"):
            raise ValueError(f"GOPOAgent: cs must be 'realizer' or 'llm', got {cs!r}")
        self.cs = CSAgent(generator, max_attempts) if "service" in roles else None
        if cs == "llm" and "service" in roles:
            from agents.llm.cs_agent import LLMCSAgent  # lazy: transformers only when asked for

            self.cs = LLMCSAgent(llm_path, max_attempts=max_attempts, **(llm or {}))
        self.policy: StrategyPolicy | None = None
        self.dims: dict[str, int] = {}
        self.stats: dict[str, Any] = {}
        self.curve: list[dict[str, float]] = []
        """Learning curve of the last training run: one point per dev evaluation (env steps,
        dev TSE and success, seconds the evaluation took), for the headline benchmark's plots."""
        self._past: list[int] = []

    # ------------------------------------------------------------------ acting
    def _build(self, n_features: int, n_strategies: int) -> StrategyPolicy:
        self.dims = {"n_features": n_features, "n_strategies": n_strategies}
        c = self.config
        self.policy = StrategyPolicy(n_features, n_strategies, c.history, c.embed_dim, c.hidden)
        return self.policy

    def _logits(self, features: np.ndarray, history: np.ndarray, mask: np.ndarray) -> torch.Tensor:
        if self.policy is None:
            raise RuntimeError("GOPOAgent: no policy yet; call train(...) or load(path) first")
        # One torch thread, as in training: on a busy machine a multi-threaded op on this tiny net
        # waits for a descheduled worker (measured: 10 ms per act with 2 threads vs 0.1 ms with 1).
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return self._forward(features, history, mask)
        finally:
            torch.set_num_threads(threads)

    def _forward(self, features: np.ndarray, history: np.ndarray, mask: np.ndarray) -> torch.Tensor:
        with torch.no_grad():
            return self.policy(torch.as_tensor(features, dtype=torch.float32)[None],
                               torch.as_tensor(history)[None],
                               torch.as_tensor(mask, dtype=torch.bool)[None]
                               if self.config.use_mask else None)[0]

    def greedy(self, features: np.ndarray, history: np.ndarray, mask: np.ndarray) -> int:
        """The policy's most likely strategy (evaluation and ``act``)."""
        return int(torch.argmax(self._logits(features, history, mask)))

    def _sampler(self, rng: np.random.Generator) -> Chooser:
        """Exploring choice: tempered policy mixed with ``epsilon`` uniform over allowed strategies."""
        c = self.config

        def choose(features: np.ndarray, history: np.ndarray, mask: np.ndarray) -> int:
            logits = self._logits(features, history, mask).double().numpy()
            p = np.exp((logits - logits.max()) / c.temperature)
            allowed = mask if c.use_mask else np.ones_like(mask)
            p = (1 - c.epsilon) * p / p.sum() + c.epsilon * allowed / allowed.sum()
            return int(rng.choice(len(p), p=p / p.sum()))

        return choose

    def reset(self, seed: int | None = None) -> None:
        self._past = []
        if self.cs is not None:
            self.cs.reset(seed)

    def act(self, role: str, observation: Any, info: dict[str, Any]) -> Any:
        if role == "service" and self.cs is not None:
            return self.cs.act(role, observation, info)
        if role != "expert":
            raise ValueError(f"GOPOAgent plays {self.roles}, not {role!r}")
        if info.get("turn") == 0:
            self._past = []
        mask = np.asarray(observation["action_mask"]).astype(bool)
        k = self.config.history
        a = self.greedy(observation["features"], history_window(self._past, k, len(mask)), mask)
        self._past.append(a)
        return a

    # ------------------------------------------------------------------ evaluation
    def _engine(self, env_id: str, split: str) -> Any:
        env = gym.make(env_id, split=split, strict=self.config.use_mask)
        dialogue = getattr(env.unwrapped, "dialogue", None)
        if dialogue is None or not isinstance(env.action_space, gym.spaces.Discrete):
            raise ValueError(f"GOPOAgent trains on an Expert view (Discrete strategies), not {env_id!r}")
        return dialogue

    def evaluate(self, env_id: str = "GOPO-Mgshop-v0", split: str = "dev", seed: int = 0,
                 scenario_ids: Sequence[str] | None = None) -> dict[str, float]:
        """Mean metrics of the greedy Expert Agent with the built-in CS Agent, through the one
        episode driver (``gopo_env.protocol.evaluate``; episode seeds from trial seed ``seed``)."""
        runs = evaluate_agent(_ExpertOnly(self), env_id, split, scenario_ids=scenario_ids,
                              trial_seed=seed, strict=self.config.use_mask)
        out = {m: float(np.mean([float(r[m]) for r in runs])) for m in TASK_METRICS}
        out["objective"] = float(np.mean([self.config.objective(r) for r in runs]))
        out["episodes"] = len(runs)
        return out

    # ------------------------------------------------------------------ training
    def train(self, env_id: str = "GOPO-Mgshop-v0", budget: int = 20_000, seed: int = 0
              ) -> dict[str, Any]:
        """Stage 1 then stage 2 within ``budget`` env steps; returns the training statistics."""
        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # small nets: one thread is fastest and bit-reproducible
        try:
            return self._train(env_id, int(budget), int(seed))
        finally:
            torch.set_num_threads(threads)

    def _train(self, env_id: str, budget: int, seed: int) -> dict[str, Any]:
        c = self.config
        start = time.perf_counter()
        torch.manual_seed(seed)
        gen = torch.Generator().manual_seed(seed)
        rng = np.random.default_rng(seed)
        dialogue = self._engine(env_id, "train")
        if budget < dialogue.max_turns:
            raise ValueError(f"GOPOAgent.train: budget {budget} is below one episode "
                             f"({dialogue.max_turns} steps); give at least that many env steps")
        policy = self._build(dialogue.domain.n_features, dialogue.n_strategies)
        ids = dialogue.scenario_ids("train")
        cs = CSAgent()
        bar = tqdm(total=budget, unit="step", desc=f"GOPO[{self.ablation}]", disable=not c.progress)
        steps = StepBudget(budget, dialogue.max_turns, bar)
        stats: dict[str, Any] = {"env_id": env_id, "budget": budget, "seed": seed,
                                 "ablation": self.ablation, "config": asdict(c), "evals": []}
        best: dict[str, Any] = {"objective": -np.inf}
        dev_ids = dialogue.scenario_ids(c.eval_split)[:c.eval_episodes or None]
        self.curve = []

        def evaluate(stage: str) -> None:
            started = time.perf_counter()
            policy.eval()
            row = {"step": steps.used, "stage": stage,
                   **self.evaluate(env_id, split=c.eval_split, scenario_ids=dev_ids)}
            policy.train()
            stats["evals"].append(row)
            self.curve.append({"env_steps": steps.used, "dev_tse": row["tse"], "dev_success": row["success"],
                               "eval_seconds": time.perf_counter() - started})
            bar.set_postfix(dev_tse=f"{row['tse']:.3f}", dev_J=f"{row['objective']:.3f}")
            if row["objective"] > best["objective"]:
                best.update(objective=row["objective"], step=steps.used, stage=stage,
                            state=copy.deepcopy(policy.state_dict()))

        # stage 1: behaviour cloning on the SOP expert's strategy sequences
        bc_limit = max(int(c.bc_share * budget), dialogue.max_turns) if c.use_preference else budget
        order = list(rng.permutation(len(ids)))
        demos: list[Trajectory] = []
        while steps.fits(limit=bc_limit):
            sid = ids[order[len(demos) % len(ids)]]
            demos.append(rollout(dialogue, sid, int(rng.integers(2**31)),
                              lambda *_: dialogue.builtin_strategy(), c.history, cs))
            steps.spend(len(demos[-1]))
        stats["bc_steps"], stats["bc_episodes"] = steps.used, len(demos)
        stats["bc_loss"] = behaviour_cloning(policy, demos, c, gen)
        evaluate("bc")

        # stage 2: goal-oriented preference optimisation, on-policy
        reference = copy.deepcopy(policy).requires_grad_(False)
        opt = torch.optim.Adam(policy.parameters(), lr=c.pref_lr)
        explore = self._sampler(rng)
        losses: list[list[float]] = []
        n_pairs, iteration, next_eval = 0, 0, steps.used + c.eval_every
        while c.use_preference and steps.fits(c.group_size):
            groups = []
            while len(groups) < c.groups_per_iter and steps.fits(c.group_size):
                sid, ep_seed = ids[int(rng.integers(len(ids)))], int(rng.integers(2**31))
                group = []
                for j in range(c.group_size):
                    choose = self.greedy if j == 0 and c.include_greedy else explore
                    t = rollout(dialogue, sid, ep_seed, choose, c.history, cs)
                    t.score = c.objective(t.summary)
                    steps.spend(len(t))
                    group.append(t)
                groups.append(group)
            pairs = preference_pairs(groups, c.min_gap, c.pairing)
            if pairs:
                losses.append(preference_update(policy, reference, pairs, opt, c))
                n_pairs += len(pairs)
            iteration += 1
            if c.ref_sync_every and iteration % c.ref_sync_every == 0:
                reference.load_state_dict(policy.state_dict())
            if c.eval_every and steps.used >= next_eval:
                evaluate("preference")
                next_eval = steps.used + c.eval_every
        if c.use_preference and (not stats["evals"] or stats["evals"][-1]["step"] != steps.used):
            evaluate("preference")
        bar.close()

        if c.keep_best:
            policy.load_state_dict(best["state"])
        seconds = time.perf_counter() - start
        stats.update(
            env_steps=steps.used, pref_steps=steps.used - stats["bc_steps"], iterations=iteration,
            pairs=n_pairs, pref_loss_first=float(np.mean(losses[0])) if losses else None,
            pref_loss_last=float(np.mean(losses[-1])) if losses else None,
            selected={k: v for k, v in best.items() if k != "state"} if c.keep_best else None,
            wall_clock_s=seconds, env_steps_per_s=steps.used / seconds,
        )
        self.stats = stats
        self._past = []
        return stats

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> None:
        """Write ``policy.pt`` (state dict) and ``config.json`` into the directory ``path``."""
        if self.policy is None:
            raise RuntimeError("GOPOAgent.save: nothing to save; train(...) or load(path) first")
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        torch.save(self.policy.state_dict(), out / "policy.pt")
        meta = {"format": 1, "ablation": self.ablation, "roles": list(self.roles),
                "config": asdict(self.config), "dims": self.dims}
        (out / "config.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
        if self.stats:
            (out / "training.json").write_text(json.dumps(self.stats, indent=2, default=float) + "\n")

    def load(self, path: str | Path) -> None:
        """Restore what :meth:`save` wrote (the saved configuration replaces this one's)."""
        src = Path(path)
        if not (src / "config.json").is_file() or not (src / "policy.pt").is_file():
            raise FileNotFoundError(f"GOPOAgent.load: {src} lacks config.json or policy.pt; "
                                    "pass the directory GOPOAgent.save wrote")
        meta = json.loads((src / "config.json").read_text())
        self.ablation = meta["ablation"]
        self.config = GOPOConfig(**meta["config"])
        policy = self._build(**meta["dims"])
        policy.load_state_dict(torch.load(src / "policy.pt", weights_only=True))
        self._past = []


class _ExpertOnly:
    """A GOPO agent seen as an Expert Agent only (the built-in CS Agent writes): what its dev
    evaluation plays, so that model selection does not depend on the CS Agent."""

    roles = ("expert",)

    def __init__(self, agent: GOPOAgent) -> None:
        self.agent = agent

    def reset(self, seed: int | None = None) -> None:
        self.agent._past = []

    def act(self, role: str, observation: Any, info: dict[str, Any]) -> int:
        return self.agent.act("expert", observation, info)
