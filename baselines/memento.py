"""Memento-style case memory: retrieve similar past cases, choose one by soft Q-learning.

A *case* is ``(key, strategy, q)``: the encoded dialogue state where a strategy was played, that
strategy, and the learned soft value of reusing it. No network weights and no language model are
trained; learning only writes and re-values cases.

Acting in state ``s`` with SOP mask ``m``: encode ``x = φ(s)``; retrieve ``N(s)``, the ``k``
nearest cases (Euclidean distance on ``x``) whose strategy ``m`` allows; pick case ``i`` with
probability ``π(i|s) ∝ exp(q_i / α)`` (greedy at evaluation) and play its strategy. With no
retrievable case, or with probability ``ε`` while training, play a uniformly random allowed
strategy instead.

Update (soft Q-learning, once per episode, backwards from its last turn so a return reaches the
first turn in one sweep)::

    V(s)  = α · log Σ_{j ∈ N(s)} exp(q_j / α)      (0 at the end, or if N(s) is empty)
    y_t   = r_t + γ · V(s_{t+1})
    q_i  ← q_i + η · (y_t − q_i)                   for the case i reused at turn t
    write (φ(s_t), a_t, G_t)                       if no case of strategy a_t lies within ρ of φ(s_t)

where ``G_t`` is the episode's discounted return from turn ``t`` (the new case's first value).
Encoders ``φ`` without pretrained weights: ``"features"`` (the observation features) or
``"hashed_bow"`` (the features plus a hashed bag of words of the customer's last utterance).
``"sentence"`` adds a sentence embedding of that utterance from a local Hugging Face encoder
the user has (``sentence_model=PATH``, e.g. a downloaded all-MiniLM-L6-v2; mean pooling, unit
norm, scaled by ``text_weight``); it needs the ``[llm]`` extra and never downloads.
"""

from __future__ import annotations

import dataclasses
import json
import math
import random
import re
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from tqdm.auto import tqdm

from gopo_env.protocol import evaluate, mean_metrics


@dataclass
class MementoConfig:
    encoder: str = "features"
    """State encoder: ``"features"``, ``"hashed_bow"`` (features + hashed customer words) or
    ``"sentence"`` (features + a local sentence encoder's embedding of the customer's words)."""
    sentence_model: str | None = None
    """Local Hugging Face encoder directory for ``encoder="sentence"``."""
    text_weight: float = 0.5
    """Scale of the (unit-norm) text part of the key relative to the features."""
    bow_buckets: int = 64
    """Hash buckets of the bag of words (``hashed_bow`` only)."""
    k: int = 8
    """Cases retrieved per decision."""
    alpha: float = 0.1
    """Soft-Q temperature: lower is greedier."""
    gamma: float = 0.95
    """Discount of the soft Bellman target."""
    lr: float = 0.3
    """Step size η of the case-value update."""
    radius: float = 0.05
    """A visited state farther than this from every case of its strategy becomes a new case."""
    epsilon: float = 0.3
    """Initial share of random allowed strategies while training (decays linearly to 0.02)."""
    max_cases: int = 20000
    """Case-bank capacity; when full, cases are only re-valued."""
    eval_every: int = 2000
    """Environment steps between evaluations on the dev split (0: none)."""
    eval_episodes: int = 20
    """Dev scenarios per periodic evaluation."""
    progress_bar: bool = True
    """Show a tqdm progress bar while training."""

    def __post_init__(self) -> None:
        if self.encoder not in ("features", "hashed_bow", "sentence"):
            raise ValueError(f"encoder must be 'features', 'hashed_bow' or 'sentence', got {self.encoder!r}")
        if self.encoder == "sentence" and not self.sentence_model:
            raise ValueError("encoder='sentence' needs sentence_model=PATH: a local Hugging Face encoder "
                             "directory (e.g. all-MiniLM-L6-v2 saved with save_pretrained)")


_WORD = re.compile(r"[a-z']+")


class SentenceEncoder:
    """Mean-pooled, unit-norm embeddings from a local Hugging Face encoder, cached per text.

    The customer's lines repeat (templates, real utterances), so the cache makes the encoder
    cost per distinct line, not per step. Loading goes through ``resolve_model_path``: a hub
    name without a local copy fails at once, nothing is downloaded.
    """

    def __init__(self, path: str) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        from agents.llm.backends import resolve_model_path

        local = resolve_model_path(path)
        self._torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(local, local_files_only=True)
        self.model = AutoModel.from_pretrained(local, local_files_only=True).eval()
        self._cache: dict[str, np.ndarray] = {}

    def __call__(self, text: str) -> np.ndarray:
        if text not in self._cache:
            torch = self._torch
            batch = self.tokenizer([text], return_tensors="pt", truncation=True, max_length=128)
            with torch.no_grad():
                hidden = self.model(**batch).last_hidden_state[0]
            weights = batch["attention_mask"][0].unsqueeze(-1).to(hidden.dtype)
            v = ((hidden * weights).sum(0) / weights.sum().clamp(min=1.0)).numpy().astype(np.float32)
            self._cache[text] = v / max(float(np.linalg.norm(v)), 1e-12)
        return self._cache[text]


class MementoAgent:
    """Case-based expert: a growing case bank and a soft-Q case-selection policy."""

    roles = ("expert",)

    def __init__(self, **config: Any) -> None:
        self.config = MementoConfig(**config)
        self.n = 0  # cases in use: the first n rows of the arrays below
        self.keys = np.zeros((0, 0), dtype=np.float32)
        self.strategies = np.zeros(0, dtype=np.int64)
        self.q = np.zeros(0, dtype=np.float64)
        self.history: list[dict[str, float]] = []
        self._rng = random.Random(0)
        self._sentence = SentenceEncoder(self.config.sentence_model) \
            if self.config.encoder == "sentence" else None

    # ------------------------------------------------------------------ model: encoder + retrieval
    def encode(self, observation: Any, info: dict[str, Any]) -> np.ndarray:
        features = np.asarray(observation["features"], dtype=np.float32)
        if self.config.encoder == "features":
            return features
        if self._sentence is not None:
            text = self._sentence(info["customer"]["utterance"])
            return np.concatenate([features, self.config.text_weight * text])
        bow = np.zeros(self.config.bow_buckets, dtype=np.float32)
        for word in _WORD.findall(info["customer"]["utterance"].lower()):
            bow[zlib.crc32(word.encode()) % self.config.bow_buckets] = 1.0
        return np.concatenate([features, bow / max(1.0, math.sqrt(bow.sum()))])

    def retrieve(self, x: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Indices of the ``k`` nearest cases whose strategy is allowed, nearest first."""
        if not self.n:
            return np.zeros(0, dtype=np.int64)
        allowed = np.flatnonzero(np.asarray(mask, dtype=bool)[self.strategies[: self.n]])
        if not len(allowed):
            return allowed
        d = np.linalg.norm(self.keys[allowed] - x, axis=1)
        order = np.lexsort((allowed, d))[: self.config.k]  # ties broken by age: deterministic
        return allowed[order]

    def soft_value(self, cases: np.ndarray) -> float:
        if not len(cases):
            return 0.0
        a = self.config.alpha
        z = self.q[cases] / a
        return float(a * (z.max() + np.log(np.exp(z - z.max()).sum())))

    # ------------------------------------------------------------------ acting
    def _decide(self, x: np.ndarray, mask: np.ndarray, explore: float, greedy: bool,
                rng: random.Random | None = None) -> tuple[int, int]:
        """``(strategy, reused case or -1)``; ``rng``: the acting stream (default: training's)."""
        rng = rng or self._rng
        cases = self.retrieve(x, mask)
        if not len(cases) or rng.random() < explore:
            allowed = np.flatnonzero(mask)
            return int(allowed[int(rng.random() * len(allowed))]), -1
        if greedy:
            i = int(cases[int(np.argmax(self.q[cases]))])
        else:
            z = self.q[cases] / self.config.alpha
            p = np.exp(z - z.max())
            i = int(cases[np.searchsorted(np.cumsum(p / p.sum()), rng.random(), side="right")
                          .clip(max=len(cases) - 1)])
        return int(self.strategies[i]), i

    def reset(self, seed: int | None = None) -> None:
        # its own stream: an evaluation between training episodes must not shift training's draws
        self._act_rng = random.Random(f"memento:{seed}")

    def act(self, role: str, observation: Any, info: dict[str, Any]) -> int:
        mask = np.asarray(observation["action_mask"])
        rng = getattr(self, "_act_rng", None) or random.Random("memento:None")
        return self._decide(self.encode(observation, info), mask, 0.0, greedy=True, rng=rng)[0]

    # ------------------------------------------------------------------ training: rollout + update
    def train(self, env_id: str, budget: int, seed: int) -> dict[str, Any]:
        """Play ``budget`` environment steps on the train split, updating the case bank per episode."""
        if budget < 1:
            raise ValueError(f"budget (environment steps) must be >= 1, got {budget}")
        c = self.config
        env = gym.make(env_id, split="train")
        self.history = []
        self._rng = random.Random(f"memento-train:{seed}")
        steps, episodes, next_eval, eval_wall = 0, 0, c.eval_every, 0.0
        start = time.perf_counter()
        bar = tqdm(total=budget, desc="memento", unit="step", disable=not c.progress_bar)
        obs, info = env.reset(seed=seed)
        while steps < budget:
            explore = max(0.02, c.epsilon * (1.0 - steps / budget))
            xs, masks, actions, reused, rewards = [], [], [], [], []
            done = False
            while not done:
                x = self.encode(obs, info)
                strategy, case = self._decide(x, obs["action_mask"], explore, greedy=False)
                xs.append(x)
                masks.append(np.asarray(obs["action_mask"]))
                obs, reward, terminated, truncated, info = env.step(strategy)
                actions.append(strategy)
                reused.append(case)
                rewards.append(float(reward))
                done = terminated or truncated
            self._update(xs, masks, actions, reused, rewards)
            steps += len(xs)
            episodes += 1
            bar.update(len(xs))
            if c.eval_every and steps >= next_eval:
                next_eval += c.eval_every
                t = time.perf_counter()
                dev = mean_metrics(evaluate(self, env_id, "dev", episodes=c.eval_episodes))
                seconds = time.perf_counter() - t
                eval_wall += seconds
                self.history.append({"env_steps": steps, "dev_tse": dev["tse"],
                                     "dev_success": dev["success"], "eval_seconds": seconds})
            obs, info = env.reset()
        bar.close()
        env.close()
        wall = time.perf_counter() - start
        return {"env_steps": steps, "episodes": episodes, "cases": self.n,
                "wall_seconds": wall, "steps_per_second": steps / max(wall - eval_wall, 1e-9),
                "dev_history": list(self.history)}

    @property
    def curve(self) -> list[dict[str, float]]:
        """Learning curve of the last training run (the headline benchmark's plots): one point per
        dev evaluation with env steps, dev TSE and success, and the evaluation's seconds."""
        return [dict(p) for p in self.history]

    def _update(self, xs: list[np.ndarray], masks: list[np.ndarray], actions: list[int],
                reused: list[int], rewards: list[float]) -> None:
        """The soft-Q update of the module docstring, backwards over one episode."""
        c = self.config
        g = 0.0
        for t in range(len(xs) - 1, -1, -1):
            g = rewards[t] + c.gamma * g
            last = t == len(xs) - 1
            v_next = 0.0 if last else self.soft_value(self.retrieve(xs[t + 1], masks[t + 1]))
            y = rewards[t] + c.gamma * v_next
            i = reused[t]
            if i >= 0:
                self.q[i] += c.lr * (y - self.q[i])
            elif self.n < c.max_cases and not self._near(xs[t], actions[t]):
                self._write(xs[t], actions[t], g)

    def _near(self, x: np.ndarray, strategy: int) -> bool:
        same = np.flatnonzero(self.strategies[: self.n] == strategy)
        if not len(same):
            return False
        return float(np.linalg.norm(self.keys[same] - x, axis=1).min()) <= self.config.radius

    def _write(self, x: np.ndarray, strategy: int, value: float) -> None:
        if self.n == len(self.q):  # grow by doubling: amortised O(1) writes
            size = max(256, 2 * self.n)
            keys = np.zeros((size, len(x)), dtype=np.float32)
            if self.n:
                keys[: self.n] = self.keys[: self.n]
            self.keys = keys
            self.strategies = np.resize(self.strategies, size)
            self.q = np.resize(self.q, size)
        self.keys[self.n], self.strategies[self.n], self.q[self.n] = x, strategy, value
        self.n += 1

    # ------------------------------------------------------------------ persistence
    def save(self, path: str) -> None:
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        n = self.n
        np.savez(out / "cases.npz", keys=self.keys[:n], strategies=self.strategies[:n], q=self.q[:n])
        (out / "config.json").write_text(json.dumps(dataclasses.asdict(self.config), indent=2))

    def load(self, path: str) -> None:
        src = Path(path)
        if not (src / "cases.npz").is_file():
            raise FileNotFoundError(f"MementoAgent.load: no cases.npz in {src} (written by save(path))")
        self.__init__(**json.loads((src / "config.json").read_text()))
        with np.load(src / "cases.npz") as data:
            self.keys, self.strategies, self.q = data["keys"], data["strategies"], data["q"]
        self.n = len(self.q)
