"""Memento's optional sentence-embedding encoder: a local Hugging Face encoder, never a download."""

import numpy as np
import pytest

pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def tiny_encoder(tmp_path_factory):
    """A randomly initialised BERT with a word-level vocabulary, saved like a downloaded model."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import BertConfig, BertModel, BertTokenizerFast

    path = tmp_path_factory.mktemp("encoder")
    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hi", "hello", "i", "need", "a", "book",
             "budget", "my", "is", "thanks", "no", "not", "that", "one"]
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    fast = BertTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]",
                             cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")
    fast.save_pretrained(path)
    import torch

    torch.manual_seed(0)
    BertModel(BertConfig(vocab_size=len(words), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=32, max_position_embeddings=64)).save_pretrained(path)
    return str(path)


def test_sentence_encoder_is_unit_norm_cached_and_distinguishes_lines(tiny_encoder):
    from baselines.memento import SentenceEncoder

    enc = SentenceEncoder(tiny_encoder)
    a, b = enc("hi i need a book"), enc("no not that one")
    assert a.shape == (16,) and abs(np.linalg.norm(a) - 1) < 1e-5
    assert enc("hi i need a book") is a
    assert not np.allclose(a, b)


def test_memento_trains_with_the_sentence_encoder(tiny_encoder):
    from protocol_support import score as evaluate

    from baselines.memento import MementoAgent

    agent = MementoAgent(encoder="sentence", sentence_model=tiny_encoder, progress_bar=False, eval_every=0)
    stats = agent.train("GOPO-Mgshop-v0", 400, seed=0)
    assert stats["cases"] > 0 and agent.keys.shape[1] == 52 + 16
    assert 0.0 <= evaluate(agent, split="dev", episodes=3)["tse"] <= 1.0


def test_sentence_encoder_needs_a_local_model(tmp_path):
    from agents.llm.backends import ModelNotFoundError
    from baselines.memento import MementoAgent

    with pytest.raises(ValueError, match="sentence_model"):
        MementoAgent(encoder="sentence")
    with pytest.raises(ModelNotFoundError):
        MementoAgent(encoder="sentence", sentence_model=str(tmp_path / "missing"))
