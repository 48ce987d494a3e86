"""Character, word and byte-level BPE tokenizers (NumPy/Python reference, chapter 7)."""

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlfoundations import data
from mlfoundations.reference import tokenizers as T

SAMPLE = "The cat sat on the mat. The dog sat on the log! Ünïcödé: 日本語 😀 x_y 42."


@pytest.fixture(scope="module")
def corpus():
    text = data.pydoc_topics()
    cut = int(0.9 * len(text))
    return text[:cut], text[cut:]


@pytest.fixture(scope="module")
def bpe_small():
    return T.ByteLevelBPE(n_merges=200).train(data.pydoc_topics()[:100_000])


def test_pretokenize_covers_every_character():
    chunks = T.pretokenize(SAMPLE + "  \n\t it's   ok")
    assert "".join(chunks) == SAMPLE + "  \n\t it's   ok"
    assert chunks[:4] == ["The", " cat", " sat", " on"]
    assert "'s" in T.pretokenize("it's") and " 42" in chunks
    assert " x" in chunks and "_" in chunks  # underscore is punctuation, as in GPT-2


def test_char_round_trip_and_unknown():
    tok = T.CharTokenizer().train(SAMPLE)
    assert tok.vocab_size == len(set(SAMPLE)) + 1
    assert tok.decode(tok.encode(SAMPLE)) == SAMPLE
    assert tok.encode("Z") == [0]  # never seen: <unk>
    assert tok.decode([0]) == "\ufffd"


def test_word_tokenizer_counts_and_lowercases():
    tok = T.WordTokenizer(min_count=2).train(SAMPLE)
    # "the" (3x after lower-casing), "sat", "on", "." ... ; most frequent first
    assert tok.itos[1] == "the"
    assert tok.decode(tok.encode("The cat sat")) == "the <unk> sat"  # "cat" occurs once
    cased = T.WordTokenizer(lower=False).train(SAMPLE)
    assert "The" in cased.stoi and "the" in cased.stoi


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_bpe_round_trips_any_unicode(bpe_small, s):
    assert bpe_small.decode(bpe_small.encode(s)) == s


def test_bpe_learns_frequent_pairs_and_ties_are_deterministic():
    text = "aaab " * 10 + "ab " * 3
    bpe = T.ByteLevelBPE(n_merges=5).train(text)
    # chunk "aaab" x10 (first one has no leading space) and " aaab" x9, " ab" x3
    assert bpe.merges[0] == (ord("a"), ord("a"))
    again = T.ByteLevelBPE(n_merges=5).train(text)
    assert again.merges == bpe.merges
    assert bpe.vocab_size == 256 + len(bpe.merges)
    # the first k merges of a long run are a shorter run
    assert bpe.with_merges(2).merges == T.ByteLevelBPE(n_merges=2).train(text).merges
    with pytest.raises(ValueError, match="k must be <="):
        bpe.with_merges(99)
    # merges stop when no pair occurs twice
    assert T.ByteLevelBPE(n_merges=50).train("abc").merges == []


def test_bpe_encoding_equals_training_segmentation(corpus):
    # encoding the training text must reproduce the token count training implies
    train, _ = corpus
    bpe = T.ByteLevelBPE(n_merges=100).train(train[:50_000])
    ids = bpe.encode(train[:50_000])
    assert len(ids) < len(train[:50_000].encode("utf-8")) * 0.7
    assert max(ids) < bpe.vocab_size


def test_bpe_1000_merges_takes_seconds(corpus):
    train, test = corpus
    start = time.perf_counter()
    bpe = T.ByteLevelBPE(n_merges=1000).train(train)
    seconds = time.perf_counter() - start
    assert len(bpe.merges) == 1000
    assert seconds < 20, f"1,000 merges on {len(train):,} characters took {seconds:.1f} s"
    assert bpe.decode(bpe.encode(test)) == test


def test_bpe_matches_hugging_face_bytes_per_token(corpus):
    hf = pytest.importorskip("tokenizers")
    train, test = corpus
    ours = T.ByteLevelBPE(n_merges=1000).train(train)
    theirs = hf.Tokenizer(hf.models.BPE())
    theirs.pre_tokenizer = hf.pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    trainer = hf.trainers.BpeTrainer(
        vocab_size=256 + 1000,
        initial_alphabet=hf.pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    theirs.train_from_iterator([train], trainer=trainer)
    assert theirs.get_vocab_size() == ours.vocab_size
    bpt_ours = T.bytes_per_token(ours, test)
    bpt_theirs = len(test.encode("utf-8")) / len(theirs.encode(test).ids)
    assert bpt_ours == pytest.approx(bpt_theirs, rel=0.03)


@pytest.mark.parametrize(
    "tok", [T.CharTokenizer(), T.WordTokenizer(lower=False, min_count=1), T.ByteLevelBPE(30)]
)
def test_save_load_round_trip(tok, tmp_path):
    tok.train(SAMPLE * 3)
    back = T.load(tok.save(tmp_path / "tok.json"))
    assert type(back) is type(tok) and back.vocab_size == tok.vocab_size
    assert back.encode(SAMPLE) == tok.encode(SAMPLE)
    assert back.decode(back.encode(SAMPLE)) == tok.decode(tok.encode(SAMPLE))


def test_bad_input(tmp_path):
    with pytest.raises(ValueError, match="text must not be empty"):
        T.ByteLevelBPE(10).train("")
    with pytest.raises(TypeError, match="text must be a str"):
        T.CharTokenizer().train(b"bytes")
    with pytest.raises(RuntimeError, match="not trained"):
        T.CharTokenizer().encode("x")
    with pytest.raises(ValueError, match="min_count=5"):
        T.WordTokenizer(min_count=5).train("a b c")
    with pytest.raises(ValueError, match="n_merges"):
        T.ByteLevelBPE(-1)
    with pytest.raises(ValueError, match=r"ids must lie in \[0, 256\)"):
        T.ByteLevelBPE(0).decode([300])
    bad = tmp_path / "bad.json"
    bad.write_text('{"type": "nope"}')
    with pytest.raises(ValueError, match="not a saved tokenizer"):
        T.load(bad)
