"""Real chat checkpoints' code paths, offline: tiny random GPT-2, Llama-style and Qwen2-style decoders
with their chat templates (agents.llm.checkpoints), through the backends and the chat agents."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("transformers")
pytest.importorskip("trl")  # the Llama-3.1 and Qwen2.5 templates come from TRL

from llm_support import chat_checkpoint  # noqa: E402

from agents.llm.backends import BackendError, TransformersBackend  # noqa: E402
from agents.llm.chat_agent import LLMChatAgent  # noqa: E402
from agents.llm.checkpoints import ARCHITECTURES, build_checkpoint  # noqa: E402

MARKERS = {"gpt2": ("<|im_start|>user\n", "<|im_end|>"), "qwen2": ("<|im_start|>user\n", "<|im_end|>"),
           "llama": ("<|start_header_id|>user<|end_header_id|>", "<|eot_id|>")}
CLASSES = {"gpt2": "GPT2LMHeadModel", "qwen2": "Qwen2ForCausalLM", "llama": "LlamaForCausalLM"}


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_backend_applies_the_chat_template(arch):
    path = chat_checkpoint(arch)
    backend = TransformersBackend(path, device="cpu", batch_size=4)
    assert type(backend.model).__name__ == CLASSES[arch]
    assert backend.chat
    start, end = MARKERS[arch]
    rendered = backend.render("I need a tent.")
    assert start in rendered and rendered.index(start) < rendered.index("I need a tent.")
    assert backend.system in rendered  # the system message, as a chat server would send it
    eot = backend.tokenizer.convert_tokens_to_ids(end)
    assert eot in backend.eos_ids  # generation stops at the end-of-turn token
    conversation = [{"role": "system", "content": "s"}, {"role": "user", "content": "hello"},
                    {"role": "assistant", "content": "welcome"}, {"role": "user", "content": "a tent"}]
    assert backend.render(conversation).count(end) == 4
    prompts = ["I need a tent.", conversation, "Do you have a budget?", "Hello"]
    batched = backend.generate(prompts, max_new_tokens=8)
    one_by_one = [backend.generate([p], max_new_tokens=8)[0] for p in prompts]
    assert batched == one_by_one  # left padding does not change greedy decoding
    assert all(end not in t and "<|" not in t for t in batched)  # special tokens never leak
    sampled = backend.generate(prompts, max_new_tokens=8, temperature=1.0, seed=[1, 2, 3, 4])
    assert sampled == [backend.generate([p], max_new_tokens=8, temperature=1.0, seed=s)[0]
                       for p, s in zip(prompts, [1, 2, 3, 4])]


def test_plain_prompts_stay_plain_and_templates_are_required_when_asked(tmp_path):
    path = chat_checkpoint("gpt2")
    plain = TransformersBackend(path, device="cpu", chat_template=False)
    assert plain.render("hi") == "hi"
    bare = build_checkpoint(tmp_path / "bare", "gpt2", ["hello there"], vocab_size=300)
    config = json.loads((bare / "tokenizer_config.json").read_text())
    config.pop("chat_template", None)
    (bare / "tokenizer_config.json").write_text(json.dumps(config))
    for extra in ("chat_template.jinja",):
        (bare / extra).unlink(missing_ok=True)
    with pytest.raises(BackendError, match="no chat template"):
        TransformersBackend(bare, device="cpu", chat_template=True)
    no_template = TransformersBackend(bare, device="cpu")
    assert not no_template.chat
    with pytest.raises(BackendError, match="needs a chat template"):
        no_template.generate([[{"role": "user", "content": "hi"}]], max_new_tokens=2)
    with pytest.raises(TypeError, match="neither a str nor"):
        no_template.generate([[{"role": "user"}]], max_new_tokens=2)


def test_chat_agent_batched_equals_sequential_on_the_text_env():
    from leaderboard import batched

    backend = TransformersBackend(chat_checkpoint("qwen2"), device="cpu", batch_size=8)
    agent = LLMChatAgent(backend=backend, max_new_tokens=12)
    _, _, lockstep = batched.run(agent, "GOPO-Mgshop-Text-v0", "dev", 1, batch=4, episodes=4)
    _, _, sequential = batched.run(agent, "GOPO-Mgshop-Text-v0", "dev", 1, batch=1, episodes=4)
    assert json.dumps(lockstep, sort_keys=True) == json.dumps(sequential, sort_keys=True)


def test_openai_backend_sends_conversations_as_is():
    from test_llm_openai import OK, Stub, backend

    conversation = [{"role": "system", "content": "s"}, {"role": "user", "content": "hello"}]
    with Stub([OK]) as s:
        b = backend(s.url, concurrency=2)
        b.generate([conversation, "plain"], seed=[11, 5])
    bodies = sorted((r["body"] for r in s.requests), key=lambda b: b["seed"])
    assert bodies[0]["messages"][-1]["content"] == "plain" and bodies[0]["seed"] == 5
    assert bodies[1]["messages"] == conversation and bodies[1]["seed"] == 11


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_expert_scores_from_a_shared_prefix_equal_full_rows(arch):
    import numpy as np

    from agents.llm.expert import LLMExpertAgent
    from gopo_env.core.dialogue import Dialogue
    from gopo_env.domains import make_domain

    shared = LLMExpertAgent(chat_checkpoint(arch))
    rows = LLMExpertAgent(lm=shared.lm, tokenizer=shared.tokenizer, shared_prefix=False)
    d = Dialogue(make_domain("mgshop"), split="dev")
    messages = []
    for k in range(3):  # dialogues of different lengths: padding inside the batch
        d.reset(k, d.scenario_ids("dev")[k])
        for _ in range(2 * k):
            d.choose(d.builtin_strategy())
            d.respond(d.realize())
        messages.append(shared.messages({"transcript": tuple(d.transcript)}))
    candidates = [[0, 1, 4], list(range(len(shared.strategies))), [9, 10]]
    for a, b in zip(shared.score(messages, candidates), rows.score(messages, candidates)):
        np.testing.assert_allclose(a, b, atol=1e-4)
