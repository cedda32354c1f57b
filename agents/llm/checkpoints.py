"""Tiny random checkpoints of the common decoder families, with their chat templates, built offline.

Real chat checkpoints differ from the project's tiny GPT-2 in the code paths they take: a chat
template and its special tokens, an end-of-turn token that is not the tokenizer's default EOS,
rotary positions, grouped-query attention, tied or untied embeddings. :func:`build_checkpoint`
writes a few-hundred-kilobyte checkpoint of each family from its ``transformers`` config (no hub,
random weights) so that tests, examples and the TRL trainers exercise those paths on a CPU:

* ``"gpt2"``: ``GPT2LMHeadModel`` with a ChatML template (``<|im_start|>``/``<|im_end|>``) that
  carries ``{% generation %}`` markers (assistant-only loss works without a template swap);
* ``"llama"``: ``LlamaForCausalLM`` (RoPE, RMSNorm, SwiGLU, grouped-query attention) with the
  Llama-3.1 chat template TRL ships (``<|start_header_id|>`` ... ``<|eot_id|>``);
* ``"qwen2"``: ``Qwen2ForCausalLM`` with the Qwen2.5 chat template TRL ships (ChatML with tool
  calls; TRL's GRPO tool parser recognises it).

The tokenizer is a byte-level BPE (any text is representable) trained on the given texts plus the
template's special tokens. Same arguments, same checkpoint (weights from ``seed``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

ARCHITECTURES = ("gpt2", "llama", "qwen2")

CHATML_TEMPLATE = (
    "{%- for message in messages %}"
    "{%- if message['role'] == 'assistant' %}"
    "{{- '<|im_start|>assistant\\n' }}"
    "{% generation %}{{- message['content'] + '<|im_end|>' }}{% endgeneration %}"
    "{{- '\\n' }}"
    "{%- else %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)
"""ChatML with generation markers: the assistant's text and its ``<|im_end|>`` are in the loss mask."""

_SPECIAL = {
    "gpt2": {"tokens": ["<|endoftext|>", "<|im_start|>", "<|im_end|>"], "eos": "<|im_end|>",
             "pad": "<|endoftext|>", "bos": None},
    "qwen2": {"tokens": ["<|endoftext|>", "<|im_start|>", "<|im_end|>"], "eos": "<|im_end|>",
              "pad": "<|endoftext|>", "bos": None},
    "llama": {"tokens": ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>",
                         "<|eot_id|>", "<|eom_id|>", "<|python_tag|>", "<|finetune_right_pad_id|>"],
              "eos": "<|eot_id|>", "pad": "<|finetune_right_pad_id|>", "bos": "<|begin_of_text|>"},
}
_TEMPLATE_TEXT = ("<tool_call>\n{\"name\": \"reply\", \"arguments\": {\"message\": \"Hello\"}}\n</tool_call>"
                  "<tool_response>\n</tool_response> Cutting Knowledge Date: December 2023 Today Date: "
                  "Environment: ipython You are Qwen, created by Alibaba Cloud. You are a helpful assistant. "
                  "system user assistant tool")


def chat_template(arch: str) -> str:
    """The chat template of ``arch`` (Qwen2.5's and Llama-3.1's as shipped with TRL)."""
    if arch == "gpt2":
        return CHATML_TEMPLATE
    try:
        from trl.chat_template_utils import llama3_1_chat_template, qwen2_5_chat_template
    except ImportError as e:
        raise ImportError(f"the {arch} chat template comes from TRL ({e}): "
                          "pip install 'gopo-bench[train]'") from e
    return {"qwen2": qwen2_5_chat_template, "llama": llama3_1_chat_template}[arch]


def _config(arch: str, vocab: int, hidden: int, layers: int, heads: int, context: int, ids: dict[str, int]
            ) -> Any:
    import transformers as tf

    common = {"vocab_size": vocab, "eos_token_id": ids["eos"], "pad_token_id": ids["pad"],
              "bos_token_id": ids.get("bos", ids["eos"])}
    if arch == "gpt2":
        return tf.GPT2Config(n_embd=hidden, n_layer=layers, n_head=heads, n_positions=context,
                             resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, **common)
    shared = {"hidden_size": hidden, "intermediate_size": 2 * hidden, "num_hidden_layers": layers,
              "num_attention_heads": heads, "num_key_value_heads": max(1, heads // 2),
              "max_position_embeddings": context, **common}
    if arch == "llama":
        return tf.LlamaConfig(tie_word_embeddings=False, **shared)
    return tf.Qwen2Config(tie_word_embeddings=True, **shared)


def build_checkpoint(out: str | Path, arch: str = "qwen2", texts: Iterable[str] = (), *,
                     vocab_size: int = 512, hidden: int = 32, layers: int = 2, heads: int = 4,
                     context: int = 1024, seed: int = 0) -> Path:
    """Write a random ``arch`` checkpoint with its tokenizer and chat template to ``out``; returns ``out``.

    ``texts`` train the BPE merges (e.g. rendered dialogues, so sequences stay short); the
    template's own strings are always added. Raises ``ValueError`` for an unknown ``arch``.
    """
    if arch not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {arch!r}; choose from {ARCHITECTURES}")
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast

    spec = _SPECIAL[arch]
    template = chat_template(arch)
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=spec["tokens"], min_frequency=2,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator([*texts, _TEMPLATE_TEXT, template], trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token=spec["eos"], pad_token=spec["pad"],
                                        bos_token=spec["bos"], model_max_length=context)
    tokenizer.chat_template = template
    ids = {"eos": tokenizer.convert_tokens_to_ids(spec["eos"]),
           "pad": tokenizer.convert_tokens_to_ids(spec["pad"])}
    if spec["bos"]:
        ids["bos"] = tokenizer.convert_tokens_to_ids(spec["bos"])
    config = _config(arch, len(tokenizer), hidden, layers, heads, context, ids)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = AutoModelForCausalLM.from_config(config)
    model.generation_config.eos_token_id = ids["eos"]
    model.generation_config.pad_token_id = ids["pad"]
    out = Path(out)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out
