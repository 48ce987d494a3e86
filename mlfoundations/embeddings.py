"""word2vec in Keras 3: skip-gram with negative sampling, trained on any backend.

Chapter 7 ("Tokens and embeddings"). :class:`Word2Vec` follows Mikolov et al. (2013) and the
reference ``word2vec.c``: subsampling of frequent words, a dynamic window, negatives from the
unigram distribution to the power 0.75, separate input and output tables (input small
uniform, output zero), the logistic loss on true and noise pairs, and plain SGD whose
learning rate decays linearly from ``alpha`` to ``min_alpha`` over the whole run.

The data side (vocabulary, subsampling, pairs, negatives) is NumPy, vectorised, from
:mod:`mlfoundations.reference.embeddings`; the model is :class:`SkipGram`, two
``Embedding`` tables and a dot product, trained by ``fit`` with a ``compute_loss`` that
returns the SGNS loss **summed** over the batch.

Mini-batching changes one thing: word2vec.c updates the tables after every pair, so a
frequent word's vector moves between two of its pairs; here all pairs of a batch are
computed from the same tables and their updates are summed. For a word that occurs ``m``
times in a batch the step is ``m`` steps taken at once, which is harmless while ``m·alpha``
stays small: the batch size trades speed for that staleness (chapter 7 measures it).

Smaller differences from ``word2vec.c``: a noise word that happens to equal the true context
is kept (word2vec.c skips it; with thousands of words this is rare); each epoch is cut or
topped up to the number of pairs of the first epoch (subsampling makes them differ by well
under 1 %), so every epoch reuses the compiled train step; and the learning rate decays per
batch of pairs rather than per 10,000 words.

One-sided names: ``Word2Vec``, ``SkipGram`` and ``sgns_loss_from_scores`` (the Keras model
and the loss it trains with) exist only here; the NumPy data side lives in
:mod:`mlfoundations.reference.embeddings`.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import keras
import numpy as np
from keras import ops

from .backend import row_dots, torch_threads
from .checks import check_positive, check_positive_int, check_seed, keras_input
from .reference import embeddings as ref


def sgns_loss_from_scores(scores):
    """SGNS loss summed over a batch, from the scores :class:`SkipGram` returns.

    ``Σ_b [-log σ(s_b0) - Σ_k log σ(-s_bk)]`` with column 0 the true pair and columns 1..K
    the noise pairs; ``-log σ(s) = softplus(-s)`` is evaluated stably by the backend.

    Parameters
    ----------
    scores : tensor of shape (B, 1 + K)

    Returns
    -------
    scalar tensor
    """
    return _sgns_loss(keras_input(scores, "scores", ndim=2))


def _sgns_loss(scores):
    """:func:`sgns_loss_from_scores` without the check, for the traced train step."""
    return ops.sum(ops.softplus(-scores[:, 0])) + ops.sum(ops.softplus(scores[:, 1:]))


@keras.saving.register_keras_serializable(package="mlfoundations")
class SkipGram(keras.Model):
    """Scores of (centre, context, negatives) rows: ``W_in[c] · W_out[j]`` for each ``j``.

    Input: int array of shape (B, 2 + K): column 0 the centre word, column 1 the true
    context, columns 2.. the K noise words. Output: logits of shape (B, 1 + K). The loss
    (:meth:`compute_loss`) is ``-log σ(s_true) - Σ log σ(-s_noise)``, summed over the batch,
    equal to :func:`mlfoundations.reference.embeddings.sgns_loss`.

    Parameters
    ----------
    vocab_size, vector_size : int
    """

    def __init__(self, vocab_size: int, vector_size: int, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size = check_positive_int(vocab_size, "vocab_size")
        self.vector_size = check_positive_int(vector_size, "vector_size")
        half_width = 0.5 / vector_size  # word2vec.c: uniform in [-0.5/D, 0.5/D)
        self.w_in = keras.layers.Embedding(
            vocab_size,
            vector_size,
            embeddings_initializer=keras.initializers.RandomUniform(-half_width, half_width),
            name="w_in",
        )
        self.w_out = keras.layers.Embedding(
            vocab_size, vector_size, embeddings_initializer="zeros", name="w_out"
        )

    def build(self, input_shape=None):
        self.w_in.build((None,))
        self.w_out.build((None, None))
        self.built = True

    def call(self, rows, training=None):
        v = self.w_in(rows[:, 0])  # (B, D) centre vectors
        u = self.w_out(rows[:, 1:])  # (B, 1 + K, D) context and noise vectors
        return row_dots(v, u)  # (B, 1 + K): v_b · u_bk, the fastest way on each backend

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if y_pred is None:
            y_pred = self(x, training=training)
        return _sgns_loss(y_pred)

    def get_config(self):
        return {
            **super().get_config(),
            "vocab_size": self.vocab_size,
            "vector_size": self.vector_size,
        }


def _steps_per_execution(steps_per_epoch: int) -> int:
    """The largest divisor of ``steps_per_epoch`` up to 64: no partial last execution."""
    return max(d for d in range(1, min(64, steps_per_epoch) + 1) if steps_per_epoch % d == 0)


def _check_sentences(sentences) -> list[list[str]]:
    if isinstance(sentences, (str, bytes)):
        raise TypeError("sentences must be an iterable of token lists, got a single string")
    try:
        out = [list(s) for s in sentences]
    except TypeError as exc:
        raise TypeError("sentences must be an iterable of token lists") from exc
    for s in out:
        if any(not isinstance(w, str) for w in s):
            raise TypeError("sentences must hold lists of str tokens")
    if not any(out):
        raise ValueError("sentences is empty: there is no word to train on")
    return out


def _resize(rows: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """The first ``n`` rows of ``rows``, topped up with randomly chosen repeats if short."""
    if len(rows) >= n:
        return rows[:n]
    return np.concatenate([rows, rows[rng.integers(0, len(rows), size=n - len(rows))]])


class Word2Vec:
    """Skip-gram word2vec with negative sampling, as ``word2vec.c`` and gensim train it.

    Parameters
    ----------
    vector_size : int, default 100
        Dimension ``D`` of the word vectors.
    window : int, default 5
        Largest distance between a centre word and a context word (the dynamic window
        draws 1..window per centre).
    negative : int, default 5
        Noise words per true pair.
    min_count : int, default 5
        Words seen fewer times are dropped before training.
    sample : float, default 1e-3
        Subsampling threshold (0 keeps every word).
    epochs : int, default 5
    alpha, min_alpha : float, default 0.025 and 0.0001
        Learning rate at the start and at the end of training (linear in between).
    batch_size : int, default 1024
        Pairs per SGD step (their updates are summed; see the module docstring).
    seed : int, optional
        Seeds NumPy's generator for subsampling, windows, negatives and shuffling, and the
        initial input table; ``None`` draws one.

    Attributes
    ----------
    vectors : ndarray of shape (V, D)
        The input table: one vector per word of ``index_to_key``.
    index_to_key : list of str
        The vocabulary, most frequent first.
    counts : ndarray of shape (V,)
    history : list of float
        Mean loss per pair in each epoch.
    fit_seconds : float
        Wall time of the last :meth:`fit`, vocabulary included.
    """

    def __init__(
        self,
        vector_size: int = 100,
        window: int = 5,
        negative: int = 5,
        min_count: int = 5,
        sample: float = 1e-3,
        epochs: int = 5,
        alpha: float = 0.025,
        min_alpha: float = 0.0001,
        batch_size: int = 1024,
        seed: int | None = None,
    ):
        self.vector_size = check_positive_int(vector_size, "vector_size")
        self.window = check_positive_int(window, "window")
        self.negative = check_positive_int(negative, "negative")
        self.min_count = check_positive_int(min_count, "min_count")
        self.sample = check_positive(sample, "sample", allow_zero=True)
        self.epochs = check_positive_int(epochs, "epochs")
        self.alpha = check_positive(alpha, "alpha")
        self.min_alpha = check_positive(min_alpha, "min_alpha", allow_zero=True)
        if self.min_alpha > self.alpha:
            raise ValueError(f"min_alpha must be <= alpha, got {min_alpha} > {alpha}")
        self.batch_size = check_positive_int(batch_size, "batch_size")
        if seed is not None:
            seed = check_seed(seed)
        self.seed = seed
        self.index_to_key: list[str] = []
        self.key_to_index: dict[str, int] = {}
        self.counts = np.zeros(0, np.int64)
        self.history: list[float] = []
        self.model: SkipGram | None = None
        self._vectors: np.ndarray | None = None
        self.fit_seconds = float("nan")

    # ------------------------------------------------------------------ training

    def build_vocab(self, sentences) -> list[np.ndarray]:
        """Count words, keep those seen ``min_count`` times; return sentences as id arrays."""
        counts = Counter(w for s in sentences for w in s)
        kept = [w for w, c in counts.items() if c >= self.min_count]
        if not kept:
            raise ValueError(
                f"no word occurs at least min_count={self.min_count} times "
                f"(the most frequent occurs {max(counts.values())} times)"
            )
        kept.sort(key=lambda w: (-counts[w], w))  # most frequent first, as gensim
        self.index_to_key = kept
        self.key_to_index = {w: i for i, w in enumerate(kept)}
        self.counts = np.array([counts[w] for w in kept], dtype=np.int64)
        index = self.key_to_index
        return [np.array([index[w] for w in s if w in index], dtype=np.int64) for s in sentences]

    def _epoch_rows(self, ids, sentence_ids, keep, noise_table, rng) -> np.ndarray:
        """One epoch of training rows (centre, context, K negatives), shuffled. (P, 2 + K)."""
        kept = rng.random(len(ids)) < keep[ids]  # subsampling, redrawn every epoch
        centres, contexts = ref.skipgram_pairs(
            ids[kept], self.window, rng, sentence_ids=sentence_ids[kept]
        )
        order = rng.permutation(len(centres))
        # negatives: uniform draws from a table in which word w fills a share p(w) of the
        # slots, as word2vec.c does (6x faster here than inverse-CDF sampling)
        slots = rng.integers(0, len(noise_table), size=(len(order), self.negative), dtype=np.int32)
        rows = np.empty((len(order), 2 + self.negative), dtype=np.int32)
        rows[:, 0] = centres[order]
        rows[:, 1] = contexts[order]
        rows[:, 2:] = noise_table[slots]
        return rows

    def fit(self, sentences: Iterable[list[str]], *, verbose: int = 0) -> Word2Vec:
        """Build the vocabulary and train for ``epochs`` passes; returns ``self``.

        Parameters
        ----------
        sentences : iterable of list of str
            Tokenised sentences (or documents); windows never cross their boundaries.
        verbose : int, default 0
            Passed to ``keras.Model.fit``.
        """
        start = time.perf_counter()
        sentences = _check_sentences(sentences)
        rng = np.random.default_rng(self.seed)
        sentence_arrays = self.build_vocab(sentences)
        ids = np.concatenate(sentence_arrays)  # (N,)
        sentence_ids = np.repeat(np.arange(len(sentence_arrays)), [len(s) for s in sentence_arrays])
        if len(ids) < 2:
            raise ValueError("fewer than 2 words remain after min_count: nothing to pair")
        keep = ref.keep_probabilities(self.counts, self.sample)
        noise_table = ref.noise_table(self.counts, 0.75)
        # Every epoch is cut (or topped up with a random repeat) to the size of the first, so
        # each fit() call reuses the compiled train step instead of tracing a new last batch
        # shape; subsampling makes epochs differ by well under 1 % in pairs.
        first = self._epoch_rows(ids, sentence_ids, keep, noise_table, rng)
        if len(first) == 0:
            raise ValueError("no (centre, context) pair: every sentence has fewer than 2 words")
        batch_size = min(self.batch_size, len(first))
        steps_per_epoch = len(first) // batch_size
        n_rows = steps_per_epoch * batch_size
        total_steps = steps_per_epoch * self.epochs
        schedule = keras.optimizers.schedules.PolynomialDecay(
            initial_learning_rate=self.alpha,
            decay_steps=total_steps,
            end_learning_rate=self.min_alpha,
            power=1.0,
        )
        V, D = len(self.index_to_key), self.vector_size
        model = SkipGram(V, D)
        model.build((None, 2 + self.negative))
        init_rng = np.random.default_rng(rng.integers(2**32))
        half_width = 0.5 / D
        model.w_in.embeddings.assign(
            init_rng.uniform(-half_width, half_width, size=(V, D)).astype("float32")
        )
        backend = keras.backend.backend()
        model.compile(
            optimizer=keras.optimizers.SGD(learning_rate=schedule),
            steps_per_execution=1 if backend == "torch" else _steps_per_execution(steps_per_epoch),
            jit_compile=backend != "torch",
        )
        self.history = []
        rows = first
        with torch_threads(1):
            self._train(
                model, rows, ids, sentence_ids, keep, noise_table, rng, n_rows, batch_size, verbose
            )
        self.model = model
        self._vectors = ops.convert_to_numpy(model.w_in.embeddings).astype(np.float32)
        self.fit_seconds = time.perf_counter() - start
        return self

    def _train(
        self, model, rows, ids, sentence_ids, keep, noise_table, rng, n_rows, batch_size, verbose
    ):
        for epoch in range(self.epochs):
            if epoch > 0:
                rows = self._epoch_rows(ids, sentence_ids, keep, noise_table, rng)
            rows = _resize(rows, n_rows, rng)
            result = model.fit(
                rows, batch_size=batch_size, epochs=1, shuffle=False, verbose=verbose
            )
            # fit reports the mean of the per-batch sums: divide by the batch size
            self.history.append(result.history["loss"][-1] / batch_size)

    # ------------------------------------------------------------------ queries

    @property
    def vectors(self) -> np.ndarray:
        """The word vectors (the input table), shape (V, D)."""
        if self._vectors is None:
            raise RuntimeError("this Word2Vec has no vectors yet: call fit(sentences)")
        return self._vectors

    def _index(self, word: str) -> int:
        self.vectors  # noqa: B018  (raises the "not fitted" error first)
        if word not in self.key_to_index:
            raise KeyError(f"word {word!r} is not in the vocabulary")
        return self.key_to_index[word]

    def __getitem__(self, word: str) -> np.ndarray:
        return self.vectors[self._index(word)]

    def __contains__(self, word: str) -> bool:
        return word in self.key_to_index

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of the vectors of words ``a`` and ``b``."""
        return ref.cosine_similarity(self[a], self[b])

    def most_similar(self, word: str, topn: int = 10) -> list[tuple[str, float]]:
        """The ``topn`` words nearest to ``word`` by cosine similarity, best first."""
        idx, sims = ref.nearest_neighbours(self.vectors, self._index(word), topn)
        return [(self.index_to_key[i], float(s)) for i, s in zip(idx, sims, strict=True)]

    def analogy(self, a: str, b: str, c: str, topn: int = 1) -> list[tuple[str, float]]:
        """ "``a`` is to ``b`` as ``c`` is to ?": nearest words to b − a + c (inputs excluded)."""
        idx, sims = ref.analogy(self.vectors, self._index(a), self._index(b), self._index(c), topn)
        return [(self.index_to_key[i], float(s)) for i, s in zip(idx, sims, strict=True)]

    def evaluate_word_pairs(self, path) -> tuple[float, float]:
        """Spearman's ρ on a word-pair file and the fraction of its pairs out of vocabulary."""
        return ref.evaluate_word_pairs(self.vectors, self.index_to_key, path)

    def evaluate_analogies(self, path) -> tuple[float, float]:
        """Accuracy on an analogy file (``questions-words.txt``) and its coverage."""
        return ref.evaluate_analogies(self.vectors, self.index_to_key, path)

    # ------------------------------------------------------------------ files

    def save_word2vec_format(self, path) -> Path:
        """Write the vectors in word2vec's text format (gensim's ``KeyedVectors`` reads it)."""
        return ref.save_word2vec_format(path, self.vectors, self.index_to_key)

    @classmethod
    def load_word2vec_format(cls, path) -> Word2Vec:
        """Vectors from a word2vec text file, ready for queries (not for further training)."""
        vectors, keys = ref.load_word2vec_format(path)
        w2v = cls(vector_size=vectors.shape[1], min_count=1)
        w2v.index_to_key = keys
        w2v.key_to_index = {w: i for i, w in enumerate(keys)}
        w2v._vectors = vectors
        return w2v

    def __repr__(self) -> str:
        return (
            f"Word2Vec(vocab={len(self.index_to_key)}, vector_size={self.vector_size}, "
            f"window={self.window}, negative={self.negative}, epochs={self.epochs})"
        )
