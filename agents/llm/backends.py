"""Text generation backends behind one small interface: ``generate(prompts, **sampling) -> texts``.

Two implementations: :class:`TransformersBackend` runs any Hugging Face causal LM from a local
directory (the tiny model this project trains, or a 7B-14B checkpoint on a GPU), and
:class:`OpenAIChatBackend` talks to an OpenAI-compatible chat-completions server the user runs
(vLLM, llama.cpp server, ...). Nothing here downloads: a hub name resolves only to a copy
already in the local Hugging Face cache, so runs are reproducible offline (docs/llm.md).
"""

from __future__ import annotations

import http.client
import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

DEFAULT_STOP = ("\n",)
"""Responses are one line: generation stops at the first newline."""


class BackendError(RuntimeError):
    """A backend could not produce text (server error, bad answer, unusable model)."""


class ModelNotFoundError(BackendError, FileNotFoundError):
    """The model is neither a local checkpoint directory nor in the local Hugging Face cache."""


@dataclass
class GenerationStats:
    """Running totals of a backend, for throughput reports."""

    calls: int = 0
    responses: int = 0
    new_tokens: int = 0
    seconds: float = 0.0

    def add(self, responses: int, new_tokens: int, seconds: float) -> None:
        self.calls += 1
        self.responses += responses
        self.new_tokens += new_tokens
        self.seconds += seconds


@runtime_checkable
class Backend(Protocol):
    """What the LLM agents need from a model: batched text completion."""

    stats: GenerationStats

    def generate(self, prompts: Sequence[Prompt], *, max_new_tokens: int = 64, temperature: float = 0.0,
                 top_p: float = 1.0, seed: int | Sequence[int] | None = None,
                 stop: Sequence[str] = DEFAULT_STOP) -> list[str]:
        """One completion per prompt, in order. ``temperature == 0`` is greedy; with a ``seed``
        sampling is reproducible (same prompts, same seed, same texts). ``seed`` may also be one
        seed per prompt: prompt ``i`` is then sampled exactly as ``generate([prompts[i]],
        seed=seed[i])`` would (what batched evaluation needs to match sequential evaluation)."""


Prompt = str | list[dict[str, str]]
"""A plain-text prompt, or a conversation: chat messages ``{"role": ..., "content": ...}``."""


def _is_conversation(p: Any) -> bool:
    return (isinstance(p, list) and bool(p)
            and all(isinstance(m, dict) and isinstance(m.get("role"), str)
                    and isinstance(m.get("content"), str) for m in p))


def _check_prompts(prompts: Any) -> list[Prompt]:
    if isinstance(prompts, str) or not isinstance(prompts, Sequence):
        raise TypeError(f"generate() takes a sequence of prompt strings (or conversations), got "
                        f"{type(prompts).__name__}; "
                        "wrap a single prompt in a list")
    bad = [i for i, p in enumerate(prompts) if not isinstance(p, str) and not _is_conversation(p)]
    if bad:
        raise TypeError(f"generate(): prompt {bad[0]} is a {type(prompts[bad[0]]).__name__}, neither a str "
                        "nor "
                        "a non-empty list of {'role': str, 'content': str} messages")
    return list(prompts)


def _check_seeds(seed: Any, n: int) -> list[int] | None:
    """Per-prompt seeds of a ``seed`` sequence (``None`` for a single seed or none)."""
    if seed is None or isinstance(seed, int):
        return None
    seeds = list(seed)
    if len(seeds) != n or not all(isinstance(x, int) for x in seeds):
        raise ValueError(f"seed must be an int or one int per prompt ({n}), got {seed!r}")
    return seeds


def _check_sampling(max_new_tokens: int, temperature: float, top_p: float) -> None:
    if max_new_tokens < 1:
        raise ValueError(f"max_new_tokens must be >= 1, got {max_new_tokens}")
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0 (0 = greedy), got {temperature}")
    if not 0 < top_p <= 1:
        raise ValueError(f"top_p must be in (0, 1], got {top_p}")


def cut_at_stop(text: str, stop: Sequence[str]) -> str:
    """``text`` up to the first stop string, stripped."""
    for s in stop:
        if s:
            i = text.find(s)
            if i >= 0:
                text = text[:i]
    return text.strip()


# ---------------------------------------------------------------------- local checkpoints
_HOW_TO = ("gopo-bench never downloads models. Download the checkpoint yourself (e.g. `hf download "
           "{name} --local-dir DIR`) and pass the directory DIR as the model path, or train the "
           "project's tiny model with `gopo-bench llm train-tiny --out DIR`.")


def resolve_model_path(name_or_path: str | Path) -> Path:
    """The local directory of a Hugging Face checkpoint; never touches the network.

    A path must be a directory with ``config.json``. A hub name (``org/model``) is accepted
    only if a copy is already in the local Hugging Face cache; otherwise this fails at once
    with a message saying how to provide a local path.
    """
    text = str(name_or_path)
    path = Path(text).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelNotFoundError(f"{path} is a directory but not a Hugging Face checkpoint (no "
                                     "config.json); pass the folder that save_pretrained() wrote")
        return path
    looks_like_path = text.startswith((".", "/", "~")) or os.sep in text and text.count("/") != 1
    if looks_like_path or path.exists():
        raise ModelNotFoundError(f"model directory {path} does not exist. " + _HOW_TO.format(name="MODEL"))
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        cached = None
    else:
        try:
            cached = try_to_load_from_cache(text, "config.json")
        except Exception:  # an invalid repo id: treat as not cached
            cached = None
    if isinstance(cached, str) and Path(cached).is_file():
        return Path(cached).parent
    offline = " (HF_HUB_OFFLINE=1)" if os.environ.get("HF_HUB_OFFLINE") == "1" else ""
    raise ModelNotFoundError(f"model {text!r} is not a local directory and has no copy in the local "
                             f"Hugging Face cache{offline}. " + _HOW_TO.format(name=text))


SMALL_MODEL = 100_000_000
"""Parameters below which CPU generation runs on one thread by default."""


def _pick_device(device: str, torch: Any) -> str:
    if device != "auto":
        return device
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    return "mps" if mps is not None and mps.is_available() else "cpu"


class TransformersBackend:
    """A causal LM from a local checkpoint directory, batched, with seeded sampling.

    ``device``: ``"auto"`` (CUDA, else MPS, else CPU), ``"cpu"``, ``"cuda"``, ``"cuda:1"``...
    ``dtype``: ``None`` keeps the checkpoint's, or e.g. ``"bfloat16"`` for a large model on a
    GPU. Prompts are left-padded in batches of ``batch_size`` and truncated from the left to
    fit the model's context. ``threads``: torch CPU threads during generation (restored after);
    ``None`` uses 1 for a small model on the CPU (per-op overhead dominates, and on a shared
    machine a second OpenMP thread stalls several-fold) and torch's setting otherwise.

    Chat models: when the tokenizer has a chat template (``chat_template=None``, the default,
    means "if it has one"; ``True`` requires one, ``False`` never uses it), each prompt is sent
    as the user message after ``system``, rendered by the template with the generation prompt,
    exactly as an OpenAI-compatible server would render it; generation stops at any of the
    model's end-of-turn ids (``generation_config.eos_token_id``, e.g. ``<|im_end|>``,
    ``<|eot_id|>``) and at the tokenizer's EOS.
    """

    def __init__(self, path: str | Path, device: str = "auto", dtype: str | None = None,
                 batch_size: int = 16, threads: int | None = None, chat_template: bool | None = None,
                 system: str | None = None) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.path = resolve_model_path(path)  # fails fast, before the heavy imports
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError as e:
            raise ImportError(f"TransformersBackend needs the [llm] extra ({e}): "
                              "pip install 'gopo-bench[llm]'") from e
        self._torch = torch
        self.device = _pick_device(device, torch)
        self.batch_size = batch_size
        self.tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True)
        self.tokenizer.padding_side = "left"
        self.tokenizer.truncation_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        kwargs: dict[str, Any] = {"local_files_only": True}
        if dtype is not None:
            kwargs["dtype"] = getattr(torch, dtype)
        try:
            self.model = AutoModelForCausalLM.from_pretrained(self.path, **kwargs)
        except (OSError, ValueError) as e:
            raise BackendError(f"cannot load a causal LM from {self.path}: {e}") from e
        self.model.to(self.device).eval()
        config = self.model.config
        self.context_length = int(getattr(config, "n_positions", None)
                                  or getattr(config, "max_position_embeddings", None) or 2048)
        self.parameters = sum(p.numel() for p in self.model.parameters())
        if threads is None and self.device == "cpu" and self.parameters < SMALL_MODEL:
            threads = 1
        self.threads = threads
        has_template = bool(getattr(self.tokenizer, "chat_template", None))
        if chat_template and not has_template:
            raise BackendError(f"chat_template=True but the tokenizer of {self.path} has no chat template; "
                               "pass chat_template=None to send plain prompts")
        self.chat = has_template if chat_template is None else bool(chat_template)
        self.system = DEFAULT_SYSTEM if system is None else system
        eos = self.model.generation_config.eos_token_id
        eos_ids = list(eos) if isinstance(eos, (list, tuple)) else [eos] if eos is not None else []
        self.eos_ids = sorted({int(i) for i in [*eos_ids, self.tokenizer.eos_token_id] if i is not None})
        self.stats = GenerationStats()

    def render(self, prompt: Prompt) -> str:
        """The text the model reads for ``prompt``: the chat template's rendering, or the prompt.

        A conversation (list of messages) is rendered as is, with the generation prompt; it
        needs a chat template (``BackendError`` otherwise)."""
        if isinstance(prompt, list):
            if not getattr(self.tokenizer, "chat_template", None):
                raise BackendError("a conversation prompt needs a chat template; the tokenizer of "
                                   f"{self.path} "
                                   "has none (set tokenizer.chat_template or send plain-text prompts)")
            return self.tokenizer.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True)
        if not self.chat:
            return prompt
        messages = [{"role": "user", "content": prompt}]
        if self.system:
            messages.insert(0, {"role": "system", "content": self.system})
        return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)

    def __repr__(self) -> str:
        return f"TransformersBackend({str(self.path)!r}, device={self.device!r})"

    def generate(self, prompts: Sequence[Prompt], *, max_new_tokens: int = 64, temperature: float = 0.0,
                 top_p: float = 1.0, seed: int | Sequence[int] | None = None,
                 stop: Sequence[str] = DEFAULT_STOP) -> list[str]:
        prompts = _check_prompts(prompts)
        _check_sampling(max_new_tokens, temperature, top_p)
        seeds = _check_seeds(seed, len(prompts))
        if max_new_tokens >= self.context_length:
            raise ValueError(f"max_new_tokens={max_new_tokens} leaves no room for the prompt in "
                             f"the model's context of {self.context_length} tokens")
        torch = self._torch
        threads_before = torch.get_num_threads()
        if self.threads is not None:
            torch.set_num_threads(self.threads)
        try:
            if seeds is not None and temperature > 0:  # one RNG stream per prompt: generate one by one
                return [self._generate([p], max_new_tokens, temperature, top_p, s, stop)[0]
                        for p, s in zip(prompts, seeds)]
            return self._generate(prompts, max_new_tokens, temperature, top_p,
                                  seeds[0] if seeds else seed, stop)
        finally:
            torch.set_num_threads(threads_before)

    def _generate(self, prompts: list[str], max_new_tokens: int, temperature: float, top_p: float,
                  seed: int | None, stop: Sequence[str]) -> list[str]:
        torch = self._torch
        started = time.perf_counter()
        texts: list[str] = []
        new_tokens = 0
        eos = self.eos_ids
        for start in range(0, len(prompts), self.batch_size):
            raw = prompts[start:start + self.batch_size]
            chunk = [self.render(p) for p in raw]
            templated = self.chat or any(isinstance(p, list) for p in raw)
            enc = self.tokenizer(chunk, return_tensors="pt", padding=True, truncation=True,
                                 add_special_tokens=not templated,
                                 max_length=self.context_length - max_new_tokens).to(self.device)
            sampling: dict[str, Any] = {"do_sample": False}
            if temperature > 0:
                sampling = {"do_sample": True, "temperature": temperature, "top_p": top_p, "top_k": 0}
            devices = [self.device] if self.device.startswith("cuda") else []
            with torch.random.fork_rng(devices=devices), torch.inference_mode():
                if seed is not None:  # one stream per (seed, chunk): reproducible, global RNG untouched
                    torch.manual_seed(seed * 1_000_003 + start)
                out = self.model.generate(**enc, max_new_tokens=max_new_tokens, eos_token_id=eos,
                                          pad_token_id=self.tokenizer.pad_token_id, **sampling)
            generated = out[:, enc["input_ids"].shape[1]:].tolist()
            for row in generated:
                n = next((j + 1 for j, t in enumerate(row) if t in eos), len(row))
                new_tokens += n
                texts.append(cut_at_stop(self.tokenizer.decode(row[:n], skip_special_tokens=True), stop))
        self.stats.add(len(prompts), new_tokens, time.perf_counter() - started)
        return texts


# ---------------------------------------------------------------------- OpenAI-compatible servers
DEFAULT_SYSTEM = ("You write the next message in a shop dialogue. Reply with that one message only, "
                  "on one line, without a speaker label.")
RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
"""HTTP statuses worth retrying: rate limits, overload and transient server errors."""


class OpenAIChatBackend:
    """Chat completions from an OpenAI-compatible server (``POST {base_url}/chat/completions``).

    Each prompt is sent as the user message after ``system``; a conversation (a list of chat
    messages, e.g. :func:`agents.llm.chat.service_messages`) is sent as is. Transient failures (HTTP 408/429/
    5xx, timeouts, refused connections) are retried ``max_retries`` times with exponential
    backoff (``backoff · 2^k`` seconds, at most ``max_backoff``; a numeric ``Retry-After`` is
    honoured); anything else fails at once with the URL, the status and the server's words.
    ``concurrency`` prompts of a batch are in flight at a time; the order of answers is kept.
    """

    def __init__(self, base_url: str, model: str, api_key: str | None = None,
                 system: str | None = DEFAULT_SYSTEM, timeout: float = 60.0, max_retries: int = 3,
                 backoff: float = 0.5, max_backoff: float = 8.0, concurrency: int = 4,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got {base_url!r} "
                             "(e.g. http://127.0.0.1:8000/v1 for a local vLLM server)")
        if not model:
            raise ValueError("model must name the model the server serves (e.g. the name given to "
                             "`vllm serve`)")
        if timeout <= 0 or max_retries < 0 or concurrency < 1:
            raise ValueError(f"need timeout > 0, max_retries >= 0, concurrency >= 1; got {timeout}, "
                             f"{max_retries}, {concurrency}")
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.api_key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
        self.system = system
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.concurrency = concurrency
        self.sleep = sleep
        self.stats = GenerationStats()

    def __repr__(self) -> str:
        return f"OpenAIChatBackend({self.url!r}, model={self.model!r})"

    def generate(self, prompts: Sequence[Prompt], *, max_new_tokens: int = 64, temperature: float = 0.0,
                 top_p: float = 1.0, seed: int | Sequence[int] | None = None,
                 stop: Sequence[str] = DEFAULT_STOP) -> list[str]:
        prompts = _check_prompts(prompts)
        _check_sampling(max_new_tokens, temperature, top_p)
        seeds = _check_seeds(seed, len(prompts))
        started = time.perf_counter()

        def one(i: int) -> tuple[str, int]:
            prompt = prompts[i]
            # a conversation is sent as is; a plain prompt is the user message after the system one
            messages = list(prompt) if isinstance(prompt, list) else [{"role": "user", "content": prompt}]
            if self.system and not isinstance(prompt, list):
                messages.insert(0, {"role": "system", "content": self.system})
            body: dict[str, Any] = {"model": self.model, "messages": messages,
                                    "max_tokens": max_new_tokens, "temperature": temperature,
                                    "top_p": top_p}
            if stop:
                body["stop"] = list(stop)
            if seeds is not None:
                body["seed"] = seeds[i]
            elif seed is not None:
                body["seed"] = seed + i
            return self._complete(body)

        if len(prompts) <= 1 or self.concurrency == 1:
            answers = [one(i) for i in range(len(prompts))]
        else:
            with ThreadPoolExecutor(min(self.concurrency, len(prompts))) as pool:
                answers = list(pool.map(one, range(len(prompts))))
        self.stats.add(len(prompts), sum(n for _, n in answers), time.perf_counter() - started)
        return [cut_at_stop(text, stop) for text, _ in answers]

    def _complete(self, body: dict[str, Any]) -> tuple[str, int]:
        """(text, completion tokens) of one request, retrying transient failures."""
        data = json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        problem = ""
        for attempt in range(self.max_retries + 1):
            wait = min(self.backoff * 2 ** attempt, self.max_backoff)
            request = urllib.request.Request(self.url, data=data, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    raw = response.read()
                return self._parse(raw)
            except urllib.error.HTTPError as e:
                detail = e.read()[:300].decode("utf-8", "replace")
                if e.code not in RETRY_STATUS:
                    raise BackendError(f"{self.url} answered HTTP {e.code} {e.reason}: {detail!r}; check "
                                       f"the model name ({self.model!r}), the API key and the request") from e
                problem = f"HTTP {e.code} {e.reason}: {detail!r}"
                after = e.headers.get("Retry-After") if e.headers else None
                if after is not None and after.replace(".", "", 1).isdigit():
                    wait = min(float(after), self.max_backoff)
            except TimeoutError as e:
                problem = f"no answer within {self.timeout} s ({e})"
            except urllib.error.URLError as e:
                if isinstance(e.reason, TimeoutError):
                    problem = f"no answer within {self.timeout} s ({e.reason})"
                else:
                    problem = f"cannot connect ({e.reason})"
            except (ConnectionError, http.client.HTTPException) as e:
                problem = f"connection failed ({type(e).__name__}: {e})"
            if attempt < self.max_retries:
                self.sleep(wait)
        raise BackendError(f"{self.url}: {self.max_retries + 1} attempt(s) failed, last: {problem}; is the "
                           "server running and reachable, and is the timeout long enough?")

    def _parse(self, raw: bytes) -> tuple[str, int]:
        try:
            payload = json.loads(raw)
            text = payload["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as e:
            raise BackendError(f"{self.url} returned an answer that is not an OpenAI chat completion "
                               f"({type(e).__name__}: {e}); expected JSON with choices[0].message.content, "
                               f"got {raw[:200]!r}") from None
        if not isinstance(text, str):
            raise BackendError(f"{self.url} returned choices[0].message.content = {text!r}, not a string")
        usage = payload.get("usage") if isinstance(payload, dict) else None
        tokens = usage.get("completion_tokens") if isinstance(usage, dict) else None
        return text, int(tokens) if isinstance(tokens, int) else len(text.split())


# ---------------------------------------------------------------------- choosing a backend
def make_backend(path: str | Path | None = None, *, base_url: str | None = None, model: str | None = None,
                 device: str = "auto", **options: Any) -> Backend:
    """The backend the options describe: a server (``base_url`` + ``model``), else the checkpoint
    at ``path``, else the tiny model in the default cache directory (trained beforehand)."""
    if base_url is not None:
        return OpenAIChatBackend(base_url, model or "", **options)
    if path is None:
        from agents.llm.tiny import default_tiny_dir

        path = default_tiny_dir()
        if not (path / "config.json").is_file():
            raise ModelNotFoundError(f"no model given and no tiny model at {path}; train it with "
                                     f"`gopo-bench llm train-tiny --out {path}`, or pass a checkpoint "
                                     "path (llm_path) or a server (base_url, model)")
    return TransformersBackend(path, device=device, **options)
