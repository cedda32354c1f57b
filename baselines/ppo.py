"""PPO baselines (sb3-contrib ``MaskablePPO``, ``MultiInputPolicy``), in the two forms of docs/baselines.md.

* ``form="expert"`` -- the Expert Agent alone: the policy picks a strategy on ``GOPO-Mgshop-v0``
  and the domain's built-in CS Agent fills the content (which product, which attribute).
* ``form="monolithic"`` -- the paper's comparison point: one policy picks strategy *and* content
  from the flat act table of ``GOPO-Mgshop-Flat-v0`` and, at evaluation, writes the response
  itself (it plays both roles; the realizer only renders its act).

Same optimiser, same reward and same budget for both, so the difference between them is the
decoupling. Order below: hyper-parameters, model, training (SB3 runs the rollout and the clipped
PPO update inside ``learn``; the callback adds the periodic dev evaluation), acting.
"""

from __future__ import annotations

import dataclasses
import json
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from sb3_contrib import MaskablePPO
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.logger import Logger

from gopo_env.protocol import evaluate, mean_metrics
from gopo_env.registration import sibling_id, spec_of

FORMS = {"expert": "expert", "monolithic": "flat"}
"""Form -> the view it trains on (the monolithic form trains on the flat view of the same dialogue,
so ``gopo-bench train --env GOPO-Mgshop-v0`` trains it there and evaluates it on the standard env)."""


view_id = sibling_id  # the id of a view of the same dialogue (kept for callers)


@dataclass
class PPOConfig:
    form: str = "expert"
    """``"expert"`` (strategy only) or ``"monolithic"`` (strategy and content)."""
    learning_rate: float = 3e-4
    """Adam step size."""
    n_steps: int = 512
    """Environment steps per rollout (one PPO update each)."""
    batch_size: int = 64
    """Minibatch size of the update."""
    n_epochs: int = 10
    """Passes over each rollout."""
    gamma: float = 0.99
    """Discount: dialogues are short and the big reward comes at the end."""
    gae_lambda: float = 0.95
    """GAE bias/variance trade-off."""
    clip_range: float = 0.2
    """PPO ratio clip."""
    ent_coef: float = 0.01
    """Entropy bonus, keeps early exploration over strategies alive."""
    net_arch: tuple[int, ...] = (64, 64)
    """Hidden layers of the policy and value networks."""
    eval_every: int = 2048
    """Environment steps between evaluations on the dev split (0: none)."""
    eval_episodes: int = 20
    """Dev scenarios per periodic evaluation."""
    progress_bar: bool = True
    """Show SB3's progress bar (needs tqdm and rich, in the ``agents`` extra)."""
    torch_threads: int = 1
    """CPU threads for torch: small MLPs run faster (and reproducibly) on one."""

    def __post_init__(self) -> None:
        if self.form not in FORMS:
            raise ValueError(f"form must be one of {sorted(FORMS)}, got {self.form!r}")
        self.net_arch = tuple(int(n) for n in self.net_arch)


class _DevEvaluation(BaseCallback):
    """Every ``eval_every`` environment steps, score the current policy on the dev split."""

    def __init__(self, agent: PPOAgent) -> None:
        super().__init__()
        self.agent = agent
        self.next_at = agent.config.eval_every

    def _on_step(self) -> bool:
        every = self.agent.config.eval_every
        if every and self.num_timesteps >= self.next_at:
            self.next_at += every
            self.agent.history.append(self.agent._dev_point(self.num_timesteps))
        return True


class PPOAgent:
    """Protocol agent around a ``MaskablePPO`` model; ``PPOAgent(form="monolithic")`` for the flat form."""

    roles: tuple[str, ...] = ("expert",)

    def __init__(self, **config: Any) -> None:
        self.config = PPOConfig(**config)
        if self.config.form == "monolithic":
            self.roles = ("expert", "service")
        self.model: MaskablePPO | None = None
        self.history: list[dict[str, float]] = []
        self._toolkit: Any = None
        self._eval_env: str | None = None
        self._rng = random.Random(0)
        self._content: tuple[int, dict[str, Any]] | None = None

    # ------------------------------------------------------------------ model
    def _build(self, env: gym.Env, seed: int) -> MaskablePPO:
        c = self.config
        return MaskablePPO(
            "MultiInputPolicy", env, learning_rate=c.learning_rate, n_steps=c.n_steps,
            batch_size=c.batch_size, n_epochs=c.n_epochs, gamma=c.gamma, gae_lambda=c.gae_lambda,
            clip_range=c.clip_range, ent_coef=c.ent_coef, seed=seed, device="cpu", verbose=0,
            policy_kwargs={"net_arch": list(c.net_arch)},
        )

    # ------------------------------------------------------------------ training
    def train(self, env_id: str, budget: int, seed: int) -> dict[str, Any]:
        """Train for ``budget`` environment steps on the train split of ``env_id``."""
        view = FORMS[self.config.form]
        env_id = env_id.removeprefix("gopo_env:")
        if self.config.form == "monolithic" and spec_of(env_id).view == "expert":
            env_id = view_id(env_id, "flat")
        if spec_of(env_id).view != view:
            raise ValueError(
                f"PPO form={self.config.form!r} trains on a {view} view, not {env_id!r}; pass "
                f"--env {view_id(env_id, view)} (or choose the form that matches the view)"
            )
        self._eval_env = view_id(env_id, "expert")
        if budget < 1:
            raise ValueError(f"budget (environment steps) must be >= 1, got {budget}")
        torch.set_num_threads(self.config.torch_threads)
        env = gym.make(env_id, split="train")
        self._toolkit = env.unwrapped.dialogue.domain.toolkit()
        self.model = self._build(env, seed)
        # SB3's default logger makes an empty /tmp/SB3-<time> folder per learn(); we log nothing
        self.model.set_logger(Logger(folder=None, output_formats=[]))
        self.history = []
        start = time.perf_counter()
        self.model.learn(total_timesteps=budget, callback=_DevEvaluation(self),
                         progress_bar=self.config.progress_bar)
        wall = time.perf_counter() - start
        env.close()
        eval_wall = sum(p["eval_seconds"] for p in self.history)
        steps = int(self.model.num_timesteps)
        return {"env_steps": steps, "wall_seconds": wall,
                "steps_per_second": steps / max(wall - eval_wall, 1e-9),
                "dev_history": list(self.history)}

    @property
    def curve(self) -> list[dict[str, float]]:
        """Learning curve of the last training run (the headline benchmark's plots): one point per
        dev evaluation with env steps, dev TSE and success, and the evaluation's seconds."""
        keys = ("env_steps", "dev_tse", "dev_success", "eval_seconds")
        return [{k: p[k] for k in keys} for p in self.history]

    def _dev_point(self, steps: int) -> dict[str, float]:
        start = time.perf_counter()
        scores = mean_metrics(evaluate(self, self._eval_env, "dev", episodes=self.config.eval_episodes))
        return {"env_steps": steps, "dev_tse": scores["tse"], "dev_success": scores["success"],
                "eval_seconds": time.perf_counter() - start}

    # ------------------------------------------------------------------ acting
    def reset(self, seed: int | None = None) -> None:
        self._rng = random.Random(f"ppo:{seed}")
        self._content = None

    def act(self, role: str, observation: Any, info: dict[str, Any]) -> Any:
        if self.model is None:
            raise RuntimeError("PPOAgent has no model: call train(...) or load(path) first")
        if role == "service":
            return self._write(info)
        if self.config.form == "expert":
            mask = np.asarray(observation["action_mask"], dtype=bool)
            action, _ = self.model.predict(
                {"features": observation["features"], "action_mask": observation["action_mask"]},
                action_masks=mask, deterministic=True,
            )
            return int(action)
        acts, state = info["toolkit"].flat_acts(), info["state"]
        obs = {"features": acts.features(observation["features"], state),
               "action_mask": acts.mask(observation["action_mask"], state)}
        action, _ = self.model.predict(obs, action_masks=obs["action_mask"].astype(bool),
                                       deterministic=True)
        self._content = (int(action), state)
        return acts.strategy_of(int(action))

    def _write(self, info: dict[str, Any]) -> str:
        """The monolithic form renders its own act (the realizer chooses nothing)."""
        if self._content is None:
            raise RuntimeError("PPOAgent: act('service', ...) before act('expert', ...) this turn")
        act, state = self._content
        self._content = None
        toolkit = info["toolkit"]
        return toolkit.flat_acts().render(act, state, toolkit.writer(state, self._rng))

    # ------------------------------------------------------------------ persistence
    def save(self, path: str) -> None:
        if self.model is None:
            raise RuntimeError("PPOAgent.save: nothing to save, train or load first")
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        self.model.save(out / "model.zip")
        (out / "config.json").write_text(json.dumps(dataclasses.asdict(self.config), indent=2))

    def load(self, path: str) -> None:
        src = Path(path)
        if not (src / "model.zip").is_file():
            raise FileNotFoundError(f"PPOAgent.load: no model.zip in {src} (written by save(path))")
        self.__init__(**json.loads((src / "config.json").read_text()))
        self.model = MaskablePPO.load(src / "model.zip", device="cpu")
