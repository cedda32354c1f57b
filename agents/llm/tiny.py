"""A tiny GPT-2-style model trained from scratch on CPU: the offline default of the LLM options.

It proves the text path end to end without a hub: a byte-level BPE tokenizer (``tokenizers``)
and a GPT-2 model of a few million parameters (``transformers``) learn, in a few minutes, to
write the responses the prompts of :mod:`agents.llm.prompts` ask for. The corpus comes from the
project's own realizer (every SOP-allowed strategy at every turn of train-split dialogues played
by a mostly-SOP expert), the monolithic variant of the same turns, the customer's template words
and, when MG-ShopDial is present, its assistant utterances labelled with the matching strategy
(read from the data directory at training time; nothing of it is stored in the project).

Same configuration and seed give the same corpus and, on the same machine and thread count,
the same weights.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import random
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from agents.llm.prompts import customer_prompt, history_from_records, service_prompt
from gopo_env.core.files import staged_dir

EOS = "<|endoftext|>"
MGSHOPDIAL_FILE = "MGShopDial/MGShopDial.json"
META_FILE = "gopo_tiny.json"


def default_tiny_dir() -> Path:
    """``$XDG_CACHE_HOME/gopo-bench/tiny-lm`` (``~/.cache/gopo-bench/tiny-lm`` by default)."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "gopo-bench" / "tiny-lm"


# ---------------------------------------------------------------------- hyper-parameters
@dataclass
class TinyConfig:
    # corpus
    episodes: int = 420
    """Train-split dialogues played to build the corpus (420 = every train scenario once)."""
    explore: float = 0.25
    """Share of expert moves drawn uniformly from the allowed strategies instead of the SOP's."""
    data_dir: str | None = None
    """MG-ShopDial (its folder, or one holding ``mgshopdial/``) adds its assistant utterances;
    ``"auto"``: wherever ``gopo_env.data`` finds it, if anywhere; ``None``: the realizer only."""
    # model
    vocab_size: int = 2048
    """BPE vocabulary size (byte-level, so any text is representable)."""
    n_layer: int = 3
    """Transformer blocks."""
    n_embd: int = 192
    """Width of the residual stream."""
    n_head: int = 4
    """Attention heads per block."""
    n_positions: int = 256
    """Context length in tokens (prompts are cut from the left to fit)."""
    # training
    steps: int = 400
    """Optimiser steps (400: about 4 minutes on one busy CPU core)."""
    batch_size: int = 16
    """Sequences per step."""
    lr: float = 3e-3
    """Peak AdamW learning rate (linear warm-up, cosine decay)."""
    warmup: int = 30
    """Warm-up steps."""
    weight_decay: float = 0.01
    """AdamW weight decay."""
    seed: int = 0
    """Seeds the corpus draws, the initialisation and the batch order."""
    threads: int = 1
    """torch CPU threads while training: on a shared machine one thread is several times faster
    than two (OpenMP threads stall when another process holds a core)."""
    progress: bool = True
    """Show a tqdm progress bar."""


# ---------------------------------------------------------------------- the corpus
Example = tuple[str, str]
"""(prompt, target): the model learns to continue ``prompt`` with `` target`` and EOS."""


def realizer_examples(episodes: int = 420, explore: float = 0.25, seed: int = 0) -> list[Example]:
    """Strategy-conditioned, monolithic and customer examples from dialogues on the train split."""
    from gopo_env.core.dialogue import Dialogue
    from gopo_env.domains import make_domain

    d = Dialogue(make_domain("mgshop"), split="train")
    names = d.domain.strategies
    rng = random.Random(f"tiny-corpus:{seed}")
    ids = d.scenario_ids("train")
    examples: list[Example] = []
    for i in range(episodes):
        d.reset(seed * 100_003 + i, ids[i % len(ids)])
        category = d.scenario.category
        rec = d.transcript[0]
        examples.append((customer_prompt(rec.intent, rec.polarity, rec.customer, category), rec.customer))
        while not d.done:
            history = history_from_records(d.transcript)
            context = d.episode.context()
            allowed = [s for s, ok in enumerate(d.mask()) if ok]
            sop = d.builtin_strategy()
            texts = {s: d.episode.realize(s) for s in allowed}
            for s in allowed:
                examples.append((service_prompt(history, context, names[s]), texts[s]))
            examples.append((service_prompt(history, context), texts[sop]))
            move = rng.choice(allowed) if rng.random() < explore else sop
            d.choose(move)
            d.respond(texts[move])
            rec = d.transcript[-1]
            examples.append((customer_prompt(rec.intent, rec.polarity, rec.customer, category), rec.customer))
    return examples


_MGSHOPDIAL_INTENTS = {"greeting": "greet", "clarify": "clarify", "recommend": "recommend",
                       "explain": "explain", "answer": "answer", "o_question": "open_question"}
"""MG-ShopDial wizard intents that name one of the Mgshop strategies directly."""


def mgshopdial_examples(data_dir: str | Path | None) -> list[Example]:
    """Assistant utterances of MG-ShopDial, each with its dialogue so far and its strategy.

    The strategy is the utterance's highest-scored wizard intent mapped to a Mgshop strategy
    (``elicit`` is ``elicit_need`` before the customer disclosed anything, else
    ``elicit_preferences``; a greeting with "bye" is ``end``); other intents are skipped.
    ``data_dir`` as ``gopo_env.data.locate.locate_dataset`` (``None``: environment, then cache).
    """
    from gopo_env.data.locate import locate_dataset

    folder = locate_dataset("mgshopdial", MGSHOPDIAL_FILE, data_dir)
    dialogues = json.loads((folder / MGSHOPDIAL_FILE).read_text(encoding="utf-8"))
    examples: list[Example] = []
    for dialogue in dialogues:
        history: list[tuple[str, str]] = []
        disclosed = False
        for u in dialogue["utterances"]:
            text = " ".join(str(u["utterance"]).split())
            if not text:
                continue
            who = "Assistant" if u["participant"] == "Wizard" else "Customer"
            intents = u.get("intents") or []
            top = max(intents, key=lambda x: x[1])[0] if intents else None
            if who == "Customer" and top == "disclose":
                disclosed = True
            if who == "Assistant":
                strategy = _MGSHOPDIAL_INTENTS.get(top)
                if top == "elicit":
                    strategy = "elicit_preferences" if disclosed else "elicit_need"
                if strategy == "greet" and "bye" in text.lower():
                    strategy = "end"
                if strategy is not None:
                    examples.append((service_prompt(history, {}, strategy), text))
            history.append((who, text))
    return examples


def build_corpus(config: TinyConfig) -> list[Example]:
    """Every training example of ``config``, in a fixed order."""
    examples = realizer_examples(config.episodes, config.explore, config.seed)
    if config.data_dir == "auto":
        from gopo_env.core.errors import DataError

        with contextlib.suppress(DataError):  # "auto": the data is optional
            examples += mgshopdial_examples(None)
    elif config.data_dir:
        examples += mgshopdial_examples(config.data_dir)
    return examples


# ---------------------------------------------------------------------- tokenizer and model
def train_tokenizer(texts: Iterator[str] | list[str], vocab_size: int, n_positions: int) -> Any:
    """A byte-level BPE tokenizer trained on ``texts``, wrapped for ``transformers``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[EOS], min_frequency=2,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(texts, trainer=trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token=EOS, bos_token=EOS, pad_token=EOS,
                                   model_max_length=n_positions)


def encode(tokenizer: Any, examples: list[Example], n_positions: int) -> list[tuple[list[int], int]]:
    """(token ids, prompt length) per example: prompt, then `` target`` and EOS, cut to fit."""
    eos = tokenizer.eos_token_id
    prompts = tokenizer([p for p, _ in examples])["input_ids"]
    targets = tokenizer([" " + t for _, t in examples])["input_ids"]
    out = []
    for p, t in zip(prompts, targets):
        t = t[: n_positions // 2] + [eos]
        p = p[-(n_positions - len(t)):]
        out.append((p + t, len(p)))
    return out


def train_tiny(out: str | Path, config: TinyConfig | None = None) -> dict[str, Any]:
    """Build the corpus, train tokenizer and model, and write a checkpoint directory ``out``.

    ``out`` is replaced atomically: it holds either the previous model or the complete new
    one. Returns the training statistics (also saved as ``gopo_tiny.json``).
    """
    try:
        import torch
        from tqdm.auto import tqdm
        from transformers import GPT2Config, GPT2LMHeadModel
    except ImportError as e:
        raise ImportError(f"train-tiny needs the [llm] and [agents] extras ({e}): "
                          "pip install 'gopo-bench[llm,agents]'") from e
    c = config or TinyConfig()
    if c.steps < 1 or c.batch_size < 1 or c.episodes < 1:
        raise ValueError(f"steps, batch_size and episodes must be >= 1; got {c.steps}, {c.batch_size}, "
                         f"{c.episodes}")
    started = time.perf_counter()
    examples = build_corpus(c)
    corpus_seconds = time.perf_counter() - started
    unique_texts = sorted({x for pair in examples for x in pair})
    tokenizer = train_tokenizer(unique_texts, c.vocab_size, c.n_positions)
    data = encode(tokenizer, examples, c.n_positions)

    threads_before = torch.get_num_threads()
    torch.set_num_threads(c.threads)
    try:
        stats = _train_model(c, tokenizer, data, torch, tqdm, GPT2Config, GPT2LMHeadModel)
    finally:
        torch.set_num_threads(threads_before)
    stats.update(examples=len(examples), corpus_seconds=round(corpus_seconds, 2),
                 seconds=round(time.perf_counter() - started, 2))
    _save_atomic(Path(out), stats.pop("model"), tokenizer, stats)
    return stats


def _train_model(c: TinyConfig, tokenizer: Any, data: list[tuple[list[int], int]], torch: Any, tqdm: Any,
                 GPT2Config: Any, GPT2LMHeadModel: Any) -> dict[str, Any]:  # noqa: N803 (classes)
    """The training loop; returns the statistics with the trained ``model``."""
    torch.manual_seed(c.seed)
    eos = tokenizer.eos_token_id
    model = GPT2LMHeadModel(GPT2Config(
        vocab_size=len(tokenizer), n_positions=c.n_positions, n_embd=c.n_embd, n_layer=c.n_layer,
        n_head=c.n_head, bos_token_id=eos, eos_token_id=eos, pad_token_id=eos,
        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
    ))
    params = sum(p.numel() for p in model.parameters())
    optimiser = torch.optim.AdamW(model.parameters(), lr=c.lr, weight_decay=c.weight_decay)

    def lr_at(step: int) -> float:
        if step < c.warmup:
            return (step + 1) / c.warmup
        progress = (step - c.warmup) / max(1, c.steps - c.warmup)
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, lr_at)
    order = random.Random(f"tiny-batches:{c.seed}")
    indices: list[int] = []
    losses: list[float] = []
    model.train()
    bar = tqdm(range(c.steps), desc="train-tiny", unit="step", disable=not c.progress)
    for _ in bar:
        if len(indices) < c.batch_size:
            fresh = list(range(len(data)))
            order.shuffle(fresh)
            indices += fresh
        batch = [data[j] for j in indices[:c.batch_size]]
        del indices[:c.batch_size]
        width = max(len(ids) for ids, _ in batch)
        input_ids = torch.full((len(batch), width), eos, dtype=torch.long)
        labels = torch.full((len(batch), width), -100, dtype=torch.long)
        attention = torch.zeros((len(batch), width), dtype=torch.long)
        for row, (ids, n_prompt) in enumerate(batch):
            input_ids[row, :len(ids)] = torch.tensor(ids)
            labels[row, n_prompt:len(ids)] = torch.tensor(ids[n_prompt:])
            attention[row, :len(ids)] = 1
        loss = model(input_ids=input_ids, attention_mask=attention, labels=labels).loss
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        scheduler.step()
        losses.append(loss.item())
        bar.set_postfix(loss=f"{sum(losses[-20:]) / len(losses[-20:]):.3f}")
    bar.close()

    tail = losses[-max(1, len(losses) // 10):]
    return {"format": 1, "config": asdict(c), "parameters": params,
            "tokens": sum(len(ids) for ids, _ in data), "vocab": len(tokenizer),
            "final_loss": sum(tail) / len(tail), "first_loss": losses[0], "model": model}


def _save_atomic(out: Path, model: Any, tokenizer: Any, stats: dict[str, Any]) -> None:
    """Write the checkpoint beside ``out`` and swap it in, so ``out`` is never half written."""
    with staged_dir(out.expanduser()) as staging:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        (staging / META_FILE).write_text(json.dumps(stats, indent=2, sort_keys=True) + "\n")
