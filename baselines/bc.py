"""Behaviour cloning: a small MLP imitates reference strategy sequences.

The references are the scripted SOP expert's moves (``dialogue.builtin_strategy()``) on the train
split, recorded as (features, SOP mask, strategy), and, with ``real_data`` set, the assistant
moves of MG-ShopDial's train dialogues: each real dialogue's assistant turns are mapped to
strategies (``mgshopdial.intents.assistant_strategy_sequence``) and replayed on its real
scenario (``source="mgshopdial"``); a move the SOP mask forbids at that point is skipped and
counted, the others are recorded with the state the simulator reached. Order:
hyper-parameters, model, rollout (collect demonstrations), update (masked cross-entropy), acting.
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from gopo_env.protocol import evaluate, mean_metrics


@dataclass
class BCConfig:
    hidden: int = 64
    """Width of the two hidden layers."""
    epochs: int = 30
    """Passes over the demonstrations."""
    batch_size: int = 128
    """Minibatch size."""
    learning_rate: float = 1e-3
    """Adam step size."""
    eval_episodes: int = 20
    """Dev scenarios scored after training (0: none)."""
    progress_bar: bool = True
    """Show a tqdm progress bar while collecting and fitting."""
    torch_threads: int = 1
    """CPU threads for torch (one is fastest and reproducible for this size)."""
    sources: str = "sop"
    """Demonstrations: ``"sop"`` (scripted expert), ``"real"`` (MG-ShopDial assistant moves,
    replayed once each) or ``"sop+real"`` (real moves first, the SOP fills the budget)."""
    real_data: str | None = None
    """Real-data directory for the real moves (None: the domain's default, e.g.
    ``$GOPO_DATA_DIR/mgshopdial`` or the fetch cache)."""
    real_env_kwargs: dict = dataclasses.field(default_factory=lambda: {"source": "mgshopdial"})
    """``gym.make`` arguments selecting the domain's real-data source (the default: Mgshop's)."""

    def __post_init__(self) -> None:
        if self.sources not in ("sop", "real", "sop+real"):
            raise ValueError(f"sources must be 'sop', 'real' or 'sop+real', got {self.sources!r}")


class Policy(nn.Module):
    """Features -> strategy logits; masked strategies get -inf before the softmax."""

    def __init__(self, n_features: int, n_strategies: int, hidden: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_features, hidden), nn.Tanh(),
                                 nn.Linear(hidden, hidden), nn.Tanh(), nn.Linear(hidden, n_strategies))

    def forward(self, features: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.net(features).masked_fill(~mask, float("-inf"))


class BCAgent:
    roles = ("expert",)

    def __init__(self, **config: Any) -> None:
        self.config = BCConfig(**config)
        self.policy: Policy | None = None
        self.curve: list[dict[str, float]] = []
        """Learning curve of the last training run: BC fits once on all its demonstrations, so
        one point (after fitting) when ``eval_episodes`` > 0, for the headline benchmark's plots."""

    # ------------------------------------------------------------------ rollout: demonstrations
    def real_demonstrations(self, env_id: str, budget: int) -> tuple[list, list, list, dict[str, int]]:
        """Replay the domain's real train dialogues' assistant moves (``Domain.demonstrations``;
        at most ``budget`` steps) on its real-data source (``real_env_kwargs``)."""
        kwargs = dict(self.config.real_env_kwargs)
        if self.config.real_data is not None:
            kwargs["data_dir"] = str(self.config.real_data)
        env = gym.make(env_id, split="train", **kwargs)
        dialogue = env.unwrapped.dialogue
        feats, masks, labels = [], [], []
        counts = {"real_dialogues": 0, "real_moves": 0, "real_skipped": 0}
        for sid, moves in dialogue.domain.demonstrations("train"):
            if len(labels) >= budget:
                continue
            counts["real_dialogues"] += 1
            obs, _ = env.reset(seed=0, options={"scenario_id": sid})
            for move in moves:
                if dialogue.done or len(labels) >= budget:
                    break
                if not obs["action_mask"][move]:
                    counts["real_skipped"] += 1
                    continue
                feats.append(obs["features"])
                masks.append(obs["action_mask"].astype(bool))
                labels.append(move)
                obs, *_ = env.step(move)
        env.close()
        counts["real_moves"] = len(labels)
        return feats, masks, labels, counts

    def demonstrations(self, env_id: str, budget: int, seed: int) -> tuple[np.ndarray, ...]:
        """``budget`` steps of demonstrations on the train split: features, masks, strategies."""
        feats, masks, labels = [], [], []
        self.demo_counts: dict[str, int] = {}
        if "real" in self.config.sources:
            feats, masks, labels, self.demo_counts = self.real_demonstrations(env_id, budget)
            if self.config.sources == "real":
                if not labels:
                    raise ValueError("no MG-ShopDial move could be replayed: check real_data")
                return np.stack(feats), np.stack(masks), np.asarray(labels, dtype=np.int64)
        env = gym.make(env_id, split="train")
        dialogue = env.unwrapped.dialogue
        bar = tqdm(total=budget, desc="bc demos", unit="step", disable=not self.config.progress_bar)
        obs, _ = env.reset(seed=seed)
        while len(labels) < budget:
            strategy = dialogue.builtin_strategy()
            feats.append(obs["features"])
            masks.append(obs["action_mask"].astype(bool))
            labels.append(strategy)
            obs, _, terminated, truncated, _ = env.step(strategy)
            bar.update(1)
            if terminated or truncated:
                obs, _ = env.reset()
        bar.close()
        env.close()
        return np.stack(feats), np.stack(masks), np.asarray(labels, dtype=np.int64)

    # ------------------------------------------------------------------ training: update
    def train(self, env_id: str, budget: int, seed: int) -> dict[str, Any]:
        """Collect ``budget`` demonstration steps, then fit by masked cross-entropy."""
        if budget < 1:
            raise ValueError(f"budget (demonstration steps) must be >= 1, got {budget}")
        c = self.config
        torch.set_num_threads(c.torch_threads)
        torch.manual_seed(seed)
        start = time.perf_counter()
        x, m, y = (torch.as_tensor(a) for a in self.demonstrations(env_id, budget, seed))
        self.policy = Policy(x.shape[1], m.shape[1], c.hidden)
        optimiser = torch.optim.Adam(self.policy.parameters(), lr=c.learning_rate)
        generator = torch.Generator().manual_seed(seed)
        loss = torch.tensor(0.0)
        for _ in tqdm(range(c.epochs), desc="bc fit", disable=not c.progress_bar):
            for idx in torch.randperm(len(y), generator=generator).split(c.batch_size):
                loss = nn.functional.cross_entropy(self.policy(x[idx], m[idx]), y[idx])
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
        with torch.no_grad():
            accuracy = float((self.policy(x, m).argmax(1) == y).float().mean())
        stats: dict[str, Any] = {"env_steps": int(len(y)), "final_loss": loss.item(),
                                 "train_accuracy": accuracy, **self.demo_counts,
                                 "wall_seconds": time.perf_counter() - start}
        self.curve = []
        if c.eval_episodes:
            started = time.perf_counter()
            stats["dev"] = mean_metrics(evaluate(self, env_id, "dev", episodes=c.eval_episodes))
            self.curve = [{"env_steps": stats["env_steps"], "dev_tse": stats["dev"]["tse"],
                           "dev_success": stats["dev"]["success"],
                           "eval_seconds": time.perf_counter() - started}]
        return stats

    # ------------------------------------------------------------------ acting
    def reset(self, seed: int | None = None) -> None:
        pass

    def act(self, role: str, observation: Any, info: dict[str, Any]) -> int:
        if self.policy is None:
            raise RuntimeError("BCAgent has no policy: call train(...) or load(path) first")
        features = torch.as_tensor(np.asarray(observation["features"], dtype=np.float32))[None]
        mask = torch.as_tensor(np.asarray(observation["action_mask"], dtype=bool))[None]
        with torch.no_grad():
            return int(self.policy(features, mask).argmax(1))

    # ------------------------------------------------------------------ persistence
    def save(self, path: str) -> None:
        if self.policy is None:
            raise RuntimeError("BCAgent.save: nothing to save, train or load first")
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        first, last = self.policy.net[0], self.policy.net[-1]
        shape = {"n_features": first.in_features, "n_strategies": last.out_features}
        torch.save(self.policy.state_dict(), out / "policy.pt")
        (out / "config.json").write_text(json.dumps({**dataclasses.asdict(self.config), **shape}, indent=2))

    def load(self, path: str) -> None:
        src = Path(path)
        if not (src / "policy.pt").is_file():
            raise FileNotFoundError(f"BCAgent.load: no policy.pt in {src} (written by save(path))")
        config = json.loads((src / "config.json").read_text())
        n_features, n_strategies = config.pop("n_features"), config.pop("n_strategies")
        self.__init__(**config)
        self.policy = Policy(n_features, n_strategies, self.config.hidden)
        self.policy.load_state_dict(torch.load(src / "policy.pt", weights_only=True))
        self.policy.eval()
