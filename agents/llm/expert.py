"""The LLM Expert Agent: a causal language model chooses the dialogue strategy.

The Expert sees the dialogue as chat messages (:func:`agents.llm.chat.expert_messages`: the
customer's lines as ``user``, its own past strategies as ``assistant``) and scores each strategy
the SOP allows by the log-probability of the assistant message made of the strategy's name
(end-of-turn token included), as the tokenizer's chat template renders it. It picks the best
allowed one, so it never emits a masked strategy, whatever the model. Scoring runs each
dialogue's prompt once and the candidates as continuations of its KV cache (two forward passes
per turn for all dialogues); :meth:`LLMExpertAgent.act_batch` scores N dialogues at once
(``gopo_env.batched``).

Training with the GOPO objective goes through TRL: :class:`GOPOTrainer` is TRL's
``DPOTrainer`` on the *strategy-level trajectory pairs* of ``gopo-bench export strategy``
(``agents.llm.export``), with the completion loss mask restricted to the assistant (strategy)
messages. The DPO log-ratio of a pair is then ``Σ_t log πθ(a_t | h_t) - log πref(a_t | h_t)``
over the Expert's decisions only — GOPO's trajectory-level preference objective
(``agents.gopo.dpo_loss`` on ``sequence_logps``), with the simulated customer's replies as
context, never as targets. (Training uses the names' raw token log-probabilities; acting
normalises them over the allowed strategies, which only removes a per-turn constant.)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from agents.llm.chat import expert_messages

# ---------------------------------------------------------------------- chat-template token spans


def chat_ids(tokenizer: Any, messages: list[dict[str, str]], add_generation_prompt: bool = False
             ) -> list[int]:
    """Token ids of ``messages`` rendered by the tokenizer's chat template (as TRL tokenizes them)."""
    out = tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True,
                                        add_generation_prompt=add_generation_prompt)
    return list(out["input_ids"])


def _common(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def assistant_mask(tokenizer: Any, prompt: list[dict[str, str]], completion: list[dict[str, str]]
                   ) -> tuple[int, list[int]]:
    """(prompt length, mask over the completion's tokens): 1 on the assistant messages' tokens.

    The completion's tokens are those of ``prompt + completion`` after the prompt (rendered
    with the generation prompt), exactly as TRL's ``DPOTrainer`` splits them; each assistant
    message spans from the end of its generation prompt to the end of the message (its
    end-of-turn token included).
    """
    prompt_ids = chat_ids(tokenizer, prompt, add_generation_prompt=True)
    full = chat_ids(tokenizer, prompt + completion)
    start = _common(prompt_ids, full)
    mask = [0] * (len(full) - start)
    for j, message in enumerate(completion):
        if message["role"] != "assistant":
            continue
        before = chat_ids(tokenizer, prompt + completion[:j], add_generation_prompt=True)
        upto = chat_ids(tokenizer, prompt + completion[:j + 1])
        lo, hi = max(_common(before, full), start), _common(upto, full)
        for k in range(lo, hi):
            mask[k - start] = 1
    return start, mask


# ---------------------------------------------------------------------- the agent
class LLMExpertAgent:
    """Expert role played by a causal LM choosing among the allowed strategy names.

    ``model``: a local checkpoint directory (with a chat template; see
    :mod:`agents.llm.checkpoints` for tiny ones), or pass ``lm`` and ``tokenizer`` objects.
    ``domain``: the registered domain whose strategy names are the choices (or ``strategies``).
    ``normalize``: divide each name's log-probability by its token count (``False``: plain
    sum, the quantity GOPO training moves). Needs ``info["transcript"]`` (the drivers give it).
    """

    roles = ("expert",)

    def __init__(self, model: str | Path | None = None, *, lm: Any = None, tokenizer: Any = None,
                 domain: str = "mgshop", strategies: Sequence[str] | None = None, device: str = "cpu",
                 normalize: bool = False, threads: int | None = 1, shared_prefix: bool = True) -> None:
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError as e:
            raise ImportError(f"LLMExpertAgent needs the [llm] extra ({e}): "
                              "pip install 'gopo-bench[llm]'") from e
        self._torch = torch
        if lm is None:
            if model is None:
                raise ValueError("LLMExpertAgent: give a checkpoint directory (model=DIR) "
                                 "or lm= and tokenizer=")
            from agents.llm.backends import resolve_model_path

            path = resolve_model_path(model)
            tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
            lm = AutoModelForCausalLM.from_pretrained(path, local_files_only=True)
        if tokenizer is None:
            raise ValueError("LLMExpertAgent: lm= needs tokenizer= too")
        if not getattr(tokenizer, "chat_template", None):
            raise ValueError("LLMExpertAgent: the tokenizer has no chat template; the Expert reads the "
                             "dialogue "
                             "as chat messages (agents.llm.chat). Set tokenizer.chat_template, or build a "
                             "checkpoint with agents.llm.checkpoints.build_checkpoint")
        self.lm = lm.to(device).eval()
        self.tokenizer = tokenizer
        self.device = device
        self.normalize = normalize
        self.threads = threads
        self.shared_prefix = shared_prefix
        import inspect

        params = inspect.signature(self.lm.forward).parameters
        self._cache_arg = "cache" if "cache" in params else "past_key_values"
        if strategies is None:
            from gopo_env.domains import make_domain

            strategies = make_domain(domain).strategies
        self.strategies = tuple(strategies)
        self.pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id

    def reset(self, seed: int | None = None) -> None:
        """Nothing to reset: every choice is a function of the observation and ``info``."""

    def messages(self, info: dict[str, Any]) -> list[dict[str, str]]:
        """The Expert's chat messages of the dialogue so far (ending with the customer's line)."""
        transcript = info.get("transcript")
        if transcript is None:
            raise ValueError("LLMExpertAgent needs info['transcript'] (the dialogue so far); the gopo-bench "
                             "drivers provide it")
        return expert_messages(transcript, self.strategies)

    def score(self, messages: Sequence[list[dict[str, str]]], candidates: Sequence[Sequence[int]]
              ) -> list[np.ndarray]:
        """Log-probability of each candidate strategy's assistant message, per dialogue.

        With ``shared_prefix`` (the default) each dialogue's prompt is run once and its candidates
        continue from its KV cache (two forward passes for all dialogues); otherwise, or when the
        template renders a candidate without the prompt as its exact prefix, every (dialogue,
        candidate) row is run in full (one forward pass).
        """
        torch = self._torch
        prompts: list[list[int]] = []
        fulls: list[list[list[int]]] = []
        for msgs, cands in zip(messages, candidates):
            prompts.append(chat_ids(self.tokenizer, msgs, add_generation_prompt=True))
            fulls.append([chat_ids(self.tokenizer, [*msgs, {"role": "assistant",
                                                            "content": self.strategies[s]}])
                          for s in cands])
        shared = self.shared_prefix and all(
            len(f) > len(p) and f[:len(p)] == p for p, fs in zip(prompts, fulls) for f in fs)
        before = torch.get_num_threads()
        if self.threads:
            torch.set_num_threads(self.threads)
        try:
            with torch.inference_mode():
                flat = self._score_shared(prompts, fulls) if shared else self._score_rows(prompts, fulls)
        finally:
            torch.set_num_threads(before)
        out, k = [], 0
        for cands in candidates:
            out.append(np.array(flat[k:k + len(cands)]))
            k += len(cands)
        return out

    def _total(self, token_logp: Any, n: int) -> float:
        total = float(token_logp.sum())
        return total / max(1, n) if self.normalize else total

    def _pad(self, rows: list[list[int]]) -> tuple[Any, Any]:
        torch = self._torch
        width = max(len(r) for r in rows)
        ids = torch.full((len(rows), width), self.pad, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, r in enumerate(rows):
            ids[i, :len(r)] = torch.tensor(r)
            mask[i, :len(r)] = 1
        return ids.to(self.device), mask.to(self.device)

    def _score_rows(self, prompts: list[list[int]], fulls: list[list[list[int]]]) -> list[float]:
        torch = self._torch
        rows = [f for fs in fulls for f in fs]
        starts = [_common(p, f) for p, fs in zip(prompts, fulls) for f in fs]
        ids, mask = self._pad(rows)
        logp = torch.log_softmax(self.lm(input_ids=ids, attention_mask=mask).logits.float(), dim=-1)
        return [self._total(logp[i, st - 1:len(r) - 1].gather(1, ids[i, st:len(r), None]).squeeze(1),
                            len(r) - st) for i, (r, st) in enumerate(zip(rows, starts))]

    def _score_shared(self, prompts: list[list[int]], fulls: list[list[list[int]]]) -> list[float]:
        torch = self._torch
        ids, mask = self._pad(prompts)
        lengths = torch.tensor([len(p) for p in prompts], device=self.device)
        positions = torch.arange(ids.shape[1], device=self.device).expand(len(prompts), -1)
        out = self.lm(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True)
        first = torch.log_softmax(out.logits[torch.arange(len(prompts)), lengths - 1].float(), dim=-1)
        owner = torch.tensor([d for d, fs in enumerate(fulls) for _ in fs], device=self.device)
        suffixes = [f[len(p):] for p, fs in zip(prompts, fulls) for f in fs]
        # transformers >= 5.x renamed ``past_key_values`` to ``cache`` (argument and output)
        cache = getattr(out, "cache", None) or out.past_key_values
        cache.reorder_cache(owner)  # one copy of its dialogue's prefix per candidate
        s_ids, s_mask = self._pad(suffixes)
        s_positions = lengths[owner, None] + torch.arange(s_ids.shape[1], device=self.device)
        logits = self.lm(input_ids=s_ids, attention_mask=torch.cat([mask[owner], s_mask], dim=1),
                         position_ids=s_positions, **{self._cache_arg: cache}).logits.float()
        logp = torch.log_softmax(logits, dim=-1)
        scores = []
        for r, suffix in enumerate(suffixes):
            n = len(suffix)
            head = first[owner[r], suffix[0]]
            tail = logp[r, :n - 1].gather(1, s_ids[r, 1:n, None]).squeeze(1)
            scores.append(self._total(torch.cat([head[None], tail]), n))
        return scores

    def _choose(self, observations: Sequence[Any], infos: Sequence[dict[str, Any]]) -> list[int]:
        allowed = [np.flatnonzero(np.asarray(o["action_mask"])) for o in observations]
        if any(len(a) == 0 for a in allowed):
            raise ValueError("LLMExpertAgent: an observation's action_mask allows no strategy")
        scores = self.score([self.messages(i) for i in infos], [list(map(int, a)) for a in allowed])
        return [int(a[int(np.argmax(s))]) for a, s in zip(allowed, scores)]

    def act(self, role: str, observation: Any, info: dict[str, Any]) -> int:
        if role != "expert":
            raise ValueError(f"LLMExpertAgent plays only 'expert', got {role!r}")
        return self._choose([observation], [info])[0]

    def act_batch(self, role: str, observations: Sequence[Any], infos: Sequence[dict[str, Any]]) -> list[int]:
        """``act`` for many dialogues in one forward pass (``leaderboard.batched``)."""
        if role != "expert":
            raise ValueError(f"LLMExpertAgent plays only 'expert', got {role!r}")
        return self._choose(observations, infos)


# ---------------------------------------------------------------------- GOPO through TRL
def _gopo_trainer_class() -> type:
    from trl import DPOTrainer

    class GOPOTrainer(DPOTrainer):
        """TRL's ``DPOTrainer`` with the loss on the assistant messages of chosen/rejected only.

        Takes the same arguments as ``DPOTrainer``; the dataset is conversational preference
        data with an explicit prompt whose chosen/rejected interleave assistant and user
        messages (``gopo-bench export strategy``). The user (customer) tokens inside them stay
        in the sequence as context but leave the completion mask, so DPO's sequence
        log-probabilities are sums over the Expert's decisions: the GOPO objective.
        """

        def _prepare_dataset(self, dataset: Any, processing_class: Any, args: Any, dataset_name: str) -> Any:
            dataset = super()._prepare_dataset(dataset, processing_class, args, dataset_name)
            tokenizer = getattr(processing_class, "tokenizer", processing_class)

            def masks(example: dict[str, Any]) -> dict[str, Any]:
                out = {}
                for side in ("chosen", "rejected"):
                    start, mask = assistant_mask(tokenizer, example["prompt"], example[side])
                    ids = example[f"{side}_ids"]
                    if start != len(example["prompt_ids"]) or len(mask) != len(ids):
                        raise ValueError(f"GOPOTrainer: cannot align the assistant mask of {side} with TRL's "
                                         f"tokenization ({start} vs {len(example['prompt_ids'])} prompt "
                                         "tokens)")
                    out[f"{side}_loss_mask"] = mask
                return out

            return dataset.map(masks, desc=f"Masking non-assistant tokens in {dataset_name} dataset")

        def _set_signature_columns_if_needed(self) -> None:
            super()._set_signature_columns_if_needed()
            for c in ("chosen_loss_mask", "rejected_loss_mask"):
                if c not in self._signature_columns:
                    self._signature_columns.append(c)

        def get_train_dataloader(self) -> Any:
            if not isinstance(self.data_collator, AssistantMaskCollator):
                self.data_collator = AssistantMaskCollator(self.data_collator)
            return super().get_train_dataloader()

        def get_eval_dataloader(self, eval_dataset: Any = None) -> Any:
            if not isinstance(self.data_collator, AssistantMaskCollator):
                self.data_collator = AssistantMaskCollator(self.data_collator)
            return super().get_eval_dataloader(eval_dataset)

    return GOPOTrainer


class AssistantMaskCollator:
    """Wraps TRL's preference collator: the completion mask becomes the assistant-token mask."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __call__(self, examples: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        out = self.inner(examples)
        if "chosen_loss_mask" not in examples[0]:
            return out
        width = out["completion_mask"].shape[1]
        rows = ([[0] * len(e["prompt_ids"]) + list(e["chosen_loss_mask"]) for e in examples]
                + [[0] * len(e["prompt_ids"]) + list(e["rejected_loss_mask"]) for e in examples])
        max_length = getattr(self.inner, "max_length", None)
        if max_length is not None:
            keep_end = getattr(self.inner, "truncation_mode", "keep_start") == "keep_end"
            rows = [r[-max_length:] if keep_end else r[:max_length] for r in rows]
        mask = torch.zeros((len(rows), width), dtype=out["completion_mask"].dtype)
        for i, r in enumerate(rows):
            mask[i, :len(r)] = torch.tensor(r, dtype=mask.dtype)
        out["completion_mask"] = mask * out["completion_mask"]
        return out


def __getattr__(name: str) -> Any:  # GOPOTrainer is built on first access (TRL is an optional extra)
    if name == "GOPOTrainer":
        cls = _gopo_trainer_class()
        globals()["GOPOTrainer"] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
