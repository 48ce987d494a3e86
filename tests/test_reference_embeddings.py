"""SGNS loss and gradient, word2vec's sampling pieces, and vector queries (NumPy, chapter 7)."""

import numpy as np
import pytest

from mlfoundations.reference import embeddings as E
from mlfoundations.testing import numerical_gradient


@pytest.fixture
def batch():
    rng = np.random.default_rng(0)
    V, D, B, K = 7, 4, 5, 3
    W_in = rng.normal(0, 0.5, (V, D))
    W_out = rng.normal(0, 0.5, (V, D))
    c = rng.integers(0, V, B)
    o = rng.integers(0, V, B)
    n = rng.integers(0, V, (B, K))
    n[0, :2] = c[0]  # repeated ids must be summed, not overwritten
    return W_in, W_out, c, o, n


def test_sgns_loss_by_hand(batch):
    W_in, W_out, c, o, n = batch
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    expected = sum(
        -np.log(sig(W_in[c[b]] @ W_out[o[b]]))
        - sum(np.log(sig(-W_in[c[b]] @ W_out[k])) for k in n[b])
        for b in range(len(c))
    )
    assert E.sgns_loss(W_in, W_out, c, o, n) == pytest.approx(expected, rel=1e-12)
    # at zero output table every score is 0: (1 + K) log 2 per pair
    zero = E.sgns_loss(W_in, np.zeros_like(W_out), c, o, n)
    assert zero == pytest.approx(len(c) * 4 * np.log(2), rel=1e-12)


def test_sgns_gradient_matches_finite_differences(batch):
    W_in, W_out, c, o, n = batch
    loss, dW_in, dW_out = E.sgns_loss_and_grad(W_in, W_out, c, o, n)
    assert loss == pytest.approx(E.sgns_loss(W_in, W_out, c, o, n), rel=1e-12)
    num_in = numerical_gradient(lambda W: E.sgns_loss(W, W_out, c, o, n), W_in.copy())
    num_out = numerical_gradient(lambda W: E.sgns_loss(W_in, W, c, o, n), W_out.copy())
    np.testing.assert_allclose(dW_in, num_in, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dW_out, num_out, rtol=1e-6, atol=1e-8)


def test_keep_probabilities_formula():
    counts = np.array([1000, 100, 10, 1])
    p = E.keep_probabilities(counts, sample=1e-3)
    t = 1e-3 * counts.sum()
    np.testing.assert_allclose(p[0], (np.sqrt(1000 / t) + 1) * t / 1000, rtol=1e-12)
    assert p[0] < p[1] and p[-1] == 1.0
    np.testing.assert_array_equal(E.keep_probabilities(counts, 0), 1.0)


def test_noise_distribution_and_table():
    counts = np.array([81, 16, 1])
    p = E.noise_distribution(counts, 0.75)
    np.testing.assert_allclose(p, np.array([27, 8, 1]) / 36, rtol=1e-12)
    table = E.noise_table(counts, 0.75, size=36_000)
    np.testing.assert_allclose(np.bincount(table) / len(table), p, atol=1 / 36_000)


def test_skipgram_pairs_dynamic_window():
    rng = np.random.default_rng(0)
    n, window = 20_000, 3
    ids = np.arange(n)
    c, o = E.skipgram_pairs(ids, window, rng)
    d = np.abs(c - o)
    assert d.min() == 1 and d.max() == window
    # distance d is used with probability (window - d + 1) / window, on both sides
    freq = np.bincount(d, minlength=window + 1)[1:] / (2 * n)
    np.testing.assert_allclose(freq, [(window - k + 1) / window for k in (1, 2, 3)], atol=0.01)
    # never across a sentence boundary
    sentences = np.repeat(np.arange(n // 4), 4)
    c, o = E.skipgram_pairs(ids, window, rng, sentence_ids=sentences)
    assert np.all(sentences[c] == sentences[o])


def test_cosine_neighbours_and_analogy():
    vectors = np.array(
        [[1.0, 0.0, 0.0], [0.9, 0.1, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 1.0, 0.0]]
    )
    assert E.cosine_similarity(vectors[0], vectors[0] * 3) == pytest.approx(1.0)
    assert E.cosine_similarity(vectors[0], vectors[2]) == pytest.approx(0.0)
    assert E.cosine_similarity(vectors, vectors).shape == (5, 5)
    idx, sims = E.nearest_neighbours(vectors, 0, topn=2)
    assert list(idx) == [1, 4] and sims[0] > sims[1]
    # b - a + c: "0 is to 2 as 1 is to ?" -> the vector nearest (-0.1, 1.1, 0) among the rest
    idx, _ = E.analogy(vectors, 0, 2, 1, topn=1)
    assert idx[0] == 4  # 0, 1, 2 are excluded even though 2 is nearest
    with pytest.raises(ValueError, match="query must be a row"):
        E.nearest_neighbours(vectors, 9)


def test_word2vec_format_round_trip_and_errors(tmp_path):
    vectors = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    path = E.save_word2vec_format(tmp_path / "v.txt", vectors, ["a", "b", "c"])
    back, keys = E.load_word2vec_format(path)
    assert keys == ["a", "b", "c"]
    np.testing.assert_allclose(back, vectors, rtol=1e-5)
    with pytest.raises(ValueError, match="whitespace"):
        E.save_word2vec_format(tmp_path / "w.txt", vectors, ["a", "b c", "d"])
    bad = tmp_path / "bad.txt"
    bad.write_text("2 3\na 1 2 3\nb 1 2\n")
    with pytest.raises(ValueError, match="line 3: expected a word and 3 numbers, got 2"):
        E.load_word2vec_format(bad)
    bad.write_text("2 3\na 1 2 x\n")
    with pytest.raises(ValueError, match="line 2: a value is not a number"):
        E.load_word2vec_format(bad)
    bad.write_text("two 3\n")
    with pytest.raises(ValueError, match="line 1: expected a header"):
        E.load_word2vec_format(bad)
    bad.write_text("3 2\na 1 2\n")
    with pytest.raises(ValueError, match="announces 3 words, the file holds 1"):
        E.load_word2vec_format(bad)


def test_evaluators_match_gensim(tmp_path):
    gensim = pytest.importorskip("gensim")
    from gensim.test.utils import datapath

    rng = np.random.default_rng(0)
    words = ["king", "queen", "man", "woman", "tiger", "cat", "car", "money", "bank", "cash"]
    vectors = rng.normal(size=(len(words), 8)).astype(np.float32)
    path = E.save_word2vec_format(tmp_path / "v.txt", vectors, words)
    kv = gensim.models.KeyedVectors.load_word2vec_format(str(path))
    (_, _), (rho_g, _), oov_g = kv.evaluate_word_pairs(datapath("wordsim353.tsv"))
    rho, oov = E.evaluate_word_pairs(vectors, words, datapath("wordsim353.tsv"))
    assert rho == pytest.approx(rho_g, abs=1e-6)
    assert oov * 100 == pytest.approx(oov_g, abs=1e-9)
    acc, coverage = E.evaluate_analogies(vectors, words, datapath("questions-words.txt"))
    score_g, _ = kv.evaluate_word_analogies(datapath("questions-words.txt"))
    assert acc == pytest.approx(score_g, abs=1e-12)
    assert 0 < coverage < 0.01


def test_bad_input(batch):
    W_in, W_out, c, o, n = batch
    with pytest.raises(ValueError, match="centres must lie in"):
        E.sgns_loss(W_in, W_out, c + 100, o, n)
    with pytest.raises(TypeError, match="contexts must hold integer ids"):
        E.sgns_loss(W_in, W_out, c, o.astype(float), n)
    with pytest.raises(ValueError, match="negatives must be 2-dimensional"):
        E.sgns_loss(W_in, W_out, c, o, n[:, 0])
    with pytest.raises(ValueError, match="same length"):
        E.sgns_loss(W_in, W_out, c[:2], o, n)
    with pytest.raises(ValueError, match="same shape"):
        E.sgns_loss(W_in, W_out[:3], c, o, n)
    with pytest.raises(ValueError, match="sample must be"):
        E.keep_probabilities([1, 2], sample=-1)
    with pytest.raises(ValueError, match="window must be"):
        E.skipgram_pairs([1, 2, 3], 0, np.random.default_rng(0))
