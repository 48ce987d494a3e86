"""Keras word2vec (chapter 7) on the active backend: lookup, autodiff, gensim round trip,
quality band, bad input."""

import numpy as np
import pytest

pytestmark = pytest.mark.keras

import keras  # noqa: E402
from keras import ops  # noqa: E402

from mlfoundations import backend as mlf_backend  # noqa: E402
from mlfoundations import data  # noqa: E402
from mlfoundations.embeddings import SkipGram, Word2Vec, sgns_loss_from_scores  # noqa: E402
from mlfoundations.reference import embeddings as ref  # noqa: E402

gensim = pytest.importorskip("gensim")
from gensim.test.utils import datapath  # noqa: E402


@pytest.fixture(scope="module")
def lee():
    return data.lee_corpus()


@pytest.fixture(scope="module")
def small_model(lee):
    return Word2Vec(vector_size=16, min_count=5, epochs=2, batch_size=512, seed=0).fit(lee[:100])


def test_lookup_equals_one_hot_times_matrix():
    rng = np.random.default_rng(0)
    V, D = 11, 5
    table = keras.layers.Embedding(V, D)
    table.build((None,))
    W = rng.normal(size=(V, D)).astype("float32")
    table.embeddings.assign(W)
    ids = np.array([3, 0, 10, 3])
    looked_up = ops.convert_to_numpy(table(ids))
    one_hot = ops.convert_to_numpy(ops.matmul(ops.one_hot(ids, V), ops.convert_to_tensor(W)))
    np.testing.assert_allclose(looked_up, one_hot, rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(looked_up, W[ids])


def _skipgram_with(W_in, W_out):
    model = SkipGram(*W_in.shape)
    model.build((None, 2 + 3))
    model.w_in.embeddings.assign(W_in)
    model.w_out.embeddings.assign(W_out)
    return model


def test_sgns_autodiff_equals_numpy_gradient():
    rng = np.random.default_rng(1)
    V, D, B, K = 9, 6, 8, 3
    W_in = rng.normal(0, 0.5, (V, D)).astype("float32")
    W_out = rng.normal(0, 0.5, (V, D)).astype("float32")
    rows = np.column_stack(
        [rng.integers(0, V, B), rng.integers(0, V, B), rng.integers(0, V, (B, K))]
    )
    rows[0, 2:4] = rows[0, 0]  # a repeated id: its gradients must add up
    model = _skipgram_with(W_in, W_out)
    loss, (g_in, g_out) = mlf_backend.value_and_grad(
        model, lambda y, s: sgns_loss_from_scores(s), rows.astype("int32"), np.zeros(B, "float32")
    )
    ref_loss, ref_in, ref_out = ref.sgns_loss_and_grad(
        W_in.astype(float), W_out.astype(float), rows[:, 0], rows[:, 1], rows[:, 2:]
    )
    assert loss == pytest.approx(ref_loss, rel=1e-5)
    np.testing.assert_allclose(g_in, ref_in, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(g_out, ref_out, rtol=1e-5, atol=1e-6)
    # the loss fit() minimises is the same number
    fit_loss = model.compute_loss(x=ops.convert_to_tensor(rows.astype("int32")))
    assert float(ops.convert_to_numpy(fit_loss)) == pytest.approx(ref_loss, rel=1e-5)


def test_one_sgd_step_equals_numpy_step():
    rng = np.random.default_rng(2)
    V, D, B, K, lr = 9, 4, 16, 3, 0.1
    W_in = rng.normal(0, 0.5, (V, D)).astype("float32")
    W_out = rng.normal(0, 0.5, (V, D)).astype("float32")
    rows = np.column_stack(
        [rng.integers(0, V, B), rng.integers(0, V, B), rng.integers(0, V, (B, K))]
    )
    model = _skipgram_with(W_in, W_out)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr))
    model.fit(rows.astype("int32"), batch_size=B, epochs=1, shuffle=False, verbose=0)
    _, d_in, d_out = ref.sgns_loss_and_grad(W_in, W_out, rows[:, 0], rows[:, 1], rows[:, 2:])
    np.testing.assert_allclose(
        ops.convert_to_numpy(model.w_in.embeddings), W_in - lr * d_in, rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        ops.convert_to_numpy(model.w_out.embeddings), W_out - lr * d_out, rtol=1e-5, atol=1e-6
    )


def test_fit_builds_vocabulary_and_vectors(small_model, lee):
    m = small_model
    assert m.vectors.shape == (len(m.index_to_key), 16)
    assert m.index_to_key[0] == "the"  # most frequent first
    assert np.all(np.diff(m.counts) <= 0)
    assert len(m.history) == 2 and m.history[-1] < m.history[0] < 6 * np.log(
        2
    )  # (1 + K) log 2 at the start
    # queries
    top = m.most_similar("the", topn=3)
    assert len(top) == 3 and all(w != "the" for w, _ in top)
    assert top[0][1] >= top[1][1] >= top[2][1]
    assert m.similarity("the", "of") == pytest.approx(
        ref.cosine_similarity(m["the"], m["of"]), rel=1e-6
    )
    assert all(w not in ("the", "of", "and") for w, _ in m.analogy("the", "of", "and", topn=5))


def test_same_seed_same_vectors(lee):
    kwargs = dict(vector_size=8, min_count=5, epochs=1, batch_size=256, seed=3)
    a = Word2Vec(**kwargs).fit(lee[:40])
    b = Word2Vec(**kwargs).fit(lee[:40])
    np.testing.assert_allclose(a.vectors, b.vectors, rtol=1e-5, atol=1e-6)


def test_gensim_reads_what_we_save(small_model, tmp_path):
    path = small_model.save_word2vec_format(tmp_path / "vectors.txt")
    kv = gensim.models.KeyedVectors.load_word2vec_format(str(path))
    assert kv.index_to_key == small_model.index_to_key
    np.testing.assert_allclose(kv.vectors, small_model.vectors, rtol=1e-5, atol=1e-6)
    ours = [w for w, _ in small_model.most_similar("government", topn=5)]
    assert [w for w, _ in kv.most_similar("government", topn=5)] == ours
    back = Word2Vec.load_word2vec_format(path)
    assert back.index_to_key == small_model.index_to_key
    assert back.similarity("the", "of") == pytest.approx(small_model.similarity("the", "of"), 1e-5)


def test_quality_band_on_lee(lee):
    """Chapter 7's quick setting (50-d, 20 epochs, batch 4096): ρ far above random vectors.

    Measured: 0.25 on JAX with seed 1 (gensim at the same settings: 0.24). On this corpus
    fewer epochs do not work for anyone: gensim itself is near ρ = 0 after 5 epochs.
    The floor 0.15 is far above what random vectors get (|ρ| < 0.1).
    """
    m = Word2Vec(vector_size=50, min_count=2, epochs=20, batch_size=4096, seed=1).fit(lee)
    rho, oov = m.evaluate_word_pairs(datapath("wordsim353.tsv"))
    random = np.random.default_rng(0).normal(size=m.vectors.shape)
    rho_random, _ = ref.evaluate_word_pairs(random, m.index_to_key, datapath("wordsim353.tsv"))
    assert 0.55 < oov < 0.7  # about 62 % of WordSim353 is outside this small vocabulary
    assert abs(rho_random) < 0.1
    assert rho > 0.15, f"ρ = {rho:.3f}"


def test_bad_input(lee, small_model, tmp_path):
    with pytest.raises(ValueError, match="sentences is empty"):
        Word2Vec().fit([])
    with pytest.raises(ValueError, match="sentences is empty"):
        Word2Vec().fit([[], []])
    with pytest.raises(TypeError, match="single string"):
        Word2Vec().fit("a text")
    with pytest.raises(ValueError, match="no word occurs at least min_count=5"):
        Word2Vec(min_count=5).fit([["a", "b", "a"]])
    for name in ("vector_size", "window", "negative", "epochs"):
        with pytest.raises(ValueError, match=f"{name} must be an integer >= 1"):
            Word2Vec(**{name: 0})
    with pytest.raises(ValueError, match="sample must be a finite number >= 0"):
        Word2Vec(sample=-1e-3)
    with pytest.raises(KeyError, match="'zzzqx' is not in the vocabulary"):
        small_model.most_similar("zzzqx")
    with pytest.raises(RuntimeError, match="call fit"):
        Word2Vec().vectors  # noqa: B018
    bad = tmp_path / "bad.txt"
    bad.write_text("2 3\nalpha 1 2 3\nbeta 1 2\n")
    with pytest.raises(ValueError, match="line 3: expected a word and 3 numbers"):
        Word2Vec.load_word2vec_format(bad)
