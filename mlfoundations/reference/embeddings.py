"""Word embeddings in NumPy: skip-gram with negative sampling, and how vectors are queried.

Chapter 7 ("Tokens and embeddings"). The pieces of word2vec (Mikolov et al., 2013, and the
reference ``word2vec.c``) that are plain array arithmetic live here, so that the Keras
model in :mod:`mlfoundations.embeddings` only adds the trainable tables and the update:

* :func:`keep_probabilities` — word2vec.c's subsampling of frequent words;
* :func:`noise_distribution` — the unigram distribution raised to the power 0.75;
* :func:`skipgram_pairs` — (centre, context) pairs with a dynamic window, vectorised;
* :func:`sgns_loss` / :func:`sgns_loss_and_grad` — the loss of a batch and its gradient;
* :func:`cosine_similarity`, :func:`nearest_neighbours`, :func:`analogy` — queries;
* :func:`evaluate_word_pairs`, :func:`evaluate_analogies` — the standard benchmarks;
* :func:`save_word2vec_format`, :func:`load_word2vec_format` — the standard text format.

NumPy (and SciPy for Spearman's ρ) only; no Keras. One-sided names: every function here
except those the Keras ``Word2Vec`` re-exposes as methods, and ``noise_table`` (the
sampling table behind :func:`noise_distribution`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..checks import as_float_array, check_positive, check_positive_int


def _log_sigmoid(z: np.ndarray) -> np.ndarray:
    # log σ(z) = -log(1 + e^{-z}), computed without overflow for large |z|
    return -np.logaddexp(0.0, -z)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.exp(_log_sigmoid(z))


def _check_ids(ids, name: str, n_rows: int | None, ndim: int) -> np.ndarray:
    arr = np.asarray(ids)
    if not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must hold integer ids, got dtype {arr.dtype}")
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    if arr.size and (arr.min() < 0 or (n_rows is not None and arr.max() >= n_rows)):
        bound = f"[0, {n_rows})" if n_rows is not None else ">= 0"
        raise ValueError(f"{name} must lie in {bound}, got values in [{arr.min()}, {arr.max()}]")
    return arr


def _check_batch(W_in, W_out, centres, contexts, negatives):
    W_in = as_float_array(W_in, "W_in", ndim=2, dtype=None)
    W_out = as_float_array(W_out, "W_out", ndim=2, dtype=None)
    if W_in.shape != W_out.shape:
        raise ValueError(
            f"W_in and W_out must have the same shape, got {W_in.shape} and {W_out.shape}"
        )
    V = W_in.shape[0]
    centres = _check_ids(centres, "centres", V, 1)
    contexts = _check_ids(contexts, "contexts", V, 1)
    negatives = _check_ids(negatives, "negatives", V, 2)
    if not len(centres) == len(contexts) == len(negatives):
        raise ValueError(
            "centres, contexts and negatives must have the same length, got "
            f"{len(centres)}, {len(contexts)} and {len(negatives)}"
        )
    return W_in, W_out, centres, contexts, negatives


def sgns_loss(W_in, W_out, centres, contexts, negatives) -> float:
    r"""Skip-gram negative-sampling loss of a batch, summed over its pairs.

    For centre word :math:`c`, true context :math:`o` and noise words :math:`n_1..n_K`,

    .. math::
        \ell = -\log\sigma(v_c^\top u_o) - \sum_{k=1}^{K}\log\sigma(-v_c^\top u_{n_k}),

    with :math:`v = W_{in}[c]` (the word vectors) and :math:`u = W_{out}[\cdot]` (the
    context table). The batch loss is the **sum** over pairs: word2vec.c applies one SGD
    step per pair, and a step of size ``alpha`` on the sum applies all of a batch's steps at
    once (from the same starting point).

    Parameters
    ----------
    W_in, W_out : ndarray of shape (V, D)
    centres, contexts : int array of shape (B,)
    negatives : int array of shape (B, K)

    Returns
    -------
    float
    """
    W_in, W_out, c, o, n = _check_batch(W_in, W_out, centres, contexts, negatives)
    return _loss_and_grad(W_in, W_out, c, o, n, grad=False)[0]


def sgns_loss_and_grad(W_in, W_out, centres, contexts, negatives):
    r""":func:`sgns_loss` and its gradients with respect to both tables.

    With :math:`g_o = \sigma(v_c^\top u_o) - 1` and :math:`g_k = \sigma(v_c^\top u_{n_k})`,

    .. math::
        \frac{\partial\ell}{\partial v_c} = g_o u_o + \sum_k g_k u_{n_k},\qquad
        \frac{\partial\ell}{\partial u_o} = g_o v_c,\qquad
        \frac{\partial\ell}{\partial u_{n_k}} = g_k v_c,

    scattered (and summed where an id repeats) into tables shaped like ``W_in``, ``W_out``.

    Returns
    -------
    loss : float
    dW_in, dW_out : ndarray of shape (V, D)
    """
    W_in, W_out, c, o, n = _check_batch(W_in, W_out, centres, contexts, negatives)
    return _loss_and_grad(W_in, W_out, c, o, n, grad=True)


def _loss_and_grad(W_in, W_out, c, o, n, *, grad: bool):
    v = W_in[c]  # (B, D)
    u_pos = W_out[o]  # (B, D)
    u_neg = W_out[n]  # (B, K, D)
    s_pos = np.einsum("bd,bd->b", v, u_pos)  # (B,)
    s_neg = np.einsum("bd,bkd->bk", v, u_neg)  # (B, K)
    loss = float(-_log_sigmoid(s_pos).sum() - _log_sigmoid(-s_neg).sum())
    if not grad:
        return (loss,)
    g_pos = _sigmoid(s_pos) - 1.0  # (B,)
    g_neg = _sigmoid(s_neg)  # (B, K)
    dv = g_pos[:, None] * u_pos + np.einsum("bk,bkd->bd", g_neg, u_neg)  # (B, D)
    dW_in = np.zeros_like(W_in)
    dW_out = np.zeros_like(W_out)
    np.add.at(dW_in, c, dv)
    np.add.at(dW_out, o, g_pos[:, None] * v)
    np.add.at(dW_out, n, g_neg[:, :, None] * v[:, None, :])  # (B, K, D) scattered
    return loss, dW_in, dW_out


# --------------------------------------------------------------------------- word2vec.c data


def keep_probabilities(counts, sample: float = 1e-3) -> np.ndarray:
    r"""word2vec.c's probability of keeping each occurrence of a word (subsampling).

    For a word seen :math:`f` times among :math:`T` corpus words and threshold :math:`s`,

    .. math:: p_{keep} = \left(\sqrt{\frac{f}{sT}} + 1\right)\frac{sT}{f},

    clipped to 1: rare words are always kept, "the" is dropped most of the time.
    ``sample=0`` keeps everything.

    Parameters
    ----------
    counts : array of shape (V,)
        Count of each vocabulary word (``T`` is their sum).
    sample : float, default 1e-3

    Returns
    -------
    ndarray of shape (V,)
    """
    counts = as_float_array(counts, "counts", ndim=1)
    sample = check_positive(sample, "sample", allow_zero=True)
    if sample == 0:
        return np.ones_like(counts)
    threshold = sample * counts.sum()
    return np.minimum(1.0, (np.sqrt(counts / threshold) + 1.0) * threshold / counts)


def noise_distribution(counts, power: float = 0.75) -> np.ndarray:
    """The distribution negatives are drawn from: ``counts**power``, normalised.

    Parameters
    ----------
    counts : array of shape (V,)
    power : float, default 0.75
        word2vec's choice; 1 is the unigram distribution, 0 the uniform one.

    Returns
    -------
    ndarray of shape (V,), summing to 1
    """
    counts = as_float_array(counts, "counts", ndim=1)
    weights = counts ** check_positive(power, "power", allow_zero=True)
    return weights / weights.sum()


def noise_table(counts, power: float = 0.75, size: int = 1_000_000) -> np.ndarray:
    """word2vec.c's unigram table: ``size`` slots, word ``w`` filling a share ``p(w)`` of them.

    A uniformly drawn slot is a draw from :func:`noise_distribution` up to a rounding of
    ``1/size`` per word (word2vec.c uses 10^8 slots); looking up random slots is much faster
    than inverse-CDF sampling.

    Returns
    -------
    int32 ndarray of shape (size,)
    """
    size = check_positive_int(size, "size")
    cdf = np.cumsum(noise_distribution(counts, power))
    table = np.searchsorted(cdf, (np.arange(size) + 0.5) / size)
    return np.minimum(table, len(cdf) - 1).astype(np.int32)


def skipgram_pairs(ids, window: int, rng: np.random.Generator, *, sentence_ids=None):
    """All (centre, context) pairs of one pass with word2vec's dynamic window, vectorised.

    For every centre position a window size ``b`` is drawn uniformly from ``1..window``;
    the centre is paired with every word at distance ``1..b`` on either side that lies in
    the same sentence. Near words are therefore used more often than far ones (distance
    ``d`` with probability ``(window - d + 1) / window``), as in word2vec.c. One NumPy
    operation per distance, no Python loop over words.

    Parameters
    ----------
    ids : int array of shape (N,)
        The (already subsampled) corpus as word ids, sentences concatenated.
    window : int
    rng : numpy.random.Generator
    sentence_ids : int array of shape (N,), optional
        Which sentence each position belongs to; pairs never cross a sentence boundary.

    Returns
    -------
    centres, contexts : int64 arrays of shape (P,)
        Grouped by distance, not in corpus order; shuffle them before training.
    """
    window = check_positive_int(window, "window")
    ids = _check_ids(ids, "ids", None, 1).astype(np.int64)  # may be empty: then no pairs
    n = len(ids)
    if sentence_ids is None:
        sentence_ids = np.zeros(n, dtype=np.int64)
    b = rng.integers(1, window + 1, size=n)  # (N,) effective window per centre
    centres, contexts = [], []
    for d in range(1, min(window, n - 1) + 1):
        pos = np.arange(n - d)
        same = sentence_ids[pos] == sentence_ids[pos + d]
        right = pos[same & (b[pos] >= d)]  # centre at pos, context at pos + d
        left = pos[same & (b[pos + d] >= d)]  # centre at pos + d, context at pos
        centres += [ids[right], ids[left + d]]
        contexts += [ids[right + d], ids[left]]
    if not centres:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(centres), np.concatenate(contexts)


# --------------------------------------------------------------------------- queries


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


def cosine_similarity(a, b) -> np.ndarray:
    r"""Cosine of the angle between vectors, :math:`a^\top b / (\|a\|\|b\|)` (0 for a zero vector).

    Parameters
    ----------
    a : array of shape (D,) or (N, D)
    b : array of shape (D,) or (M, D)

    Returns
    -------
    float, or ndarray of shape (N,), (M,) or (N, M)
    """
    a = as_float_array(a, "a", ndim=(1, 2))
    b = as_float_array(b, "b", ndim=(1, 2))
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(
            f"a and b must have the same length of vectors, got {a.shape} and {b.shape}"
        )
    out = _unit_rows(a) @ _unit_rows(b).T
    return float(out) if np.ndim(out) == 0 else out


def nearest_neighbours(vectors, query, topn: int = 10, *, exclude=()):
    """Rows of ``vectors`` most cosine-similar to ``query``, best first.

    Parameters
    ----------
    vectors : ndarray of shape (V, D)
    query : int (a row of ``vectors``) or ndarray of shape (D,)
        A row index is excluded from its own neighbours.
    topn : int, default 10
    exclude : iterable of int
        Further rows never returned.

    Returns
    -------
    indices : int array of shape (topn,)
    similarities : ndarray of shape (topn,)
    """
    vectors = as_float_array(vectors, "vectors", ndim=2, dtype=None)
    topn = check_positive_int(topn, "topn")
    exclude = set(int(i) for i in exclude)
    if isinstance(query, (int, np.integer)):
        if not 0 <= query < len(vectors):
            raise ValueError(f"query must be a row in [0, {len(vectors)}), got {query}")
        exclude.add(int(query))
        query = vectors[query]
    query = as_float_array(query, "query", ndim=1)
    sims = _unit_rows(vectors) @ _unit_rows(query[None])[0]  # (V,)
    if exclude:
        sims[list(exclude)] = -np.inf
    topn = min(topn, len(vectors) - len(exclude))
    best = np.argpartition(-sims, topn - 1)[:topn] if topn < len(sims) else np.arange(len(sims))
    best = best[np.argsort(-sims[best], kind="stable")][:topn]
    return best, sims[best]


def analogy(vectors, a: int, b: int, c: int, topn: int = 1):
    r""" "``a`` is to ``b`` as ``c`` is to ?": rows nearest to :math:`\hat b - \hat a + \hat c`.

    The three inputs are unit-normalised first (3CosAdd, as in word2vec's ``compute-accuracy``
    and gensim) and excluded from the answers.

    Returns
    -------
    indices : int array of shape (topn,)
    similarities : ndarray of shape (topn,)
    """
    vectors = as_float_array(vectors, "vectors", ndim=2, dtype=None)
    unit = _unit_rows(vectors)
    for name, i in (("a", a), ("b", b), ("c", c)):
        if not isinstance(i, (int, np.integer)) or not 0 <= i < len(vectors):
            raise ValueError(f"{name} must be a row in [0, {len(vectors)}), got {i!r}")
    target = unit[b] - unit[a] + unit[c]
    return nearest_neighbours(unit, target, topn, exclude=(a, b, c))


# --------------------------------------------------------------------------- benchmarks


def _case_insensitive_index(index_to_key) -> dict[str, int]:
    # like gensim: keys are compared lower-cased; the first (most frequent) spelling wins
    index: dict[str, int] = {}
    for i, key in enumerate(index_to_key):
        index.setdefault(key.lower(), i)
    return index


def evaluate_word_pairs(vectors, index_to_key, path, *, delimiter: str = "\t"):
    """Spearman's ρ between human similarity ratings and cosine similarities.

    Reads the standard files (WordSim353, SimLex-999): ``word1<TAB>word2<TAB>score`` per line,
    ``#`` starts a comment. Pairs with a word outside the vocabulary are skipped (and counted),
    case is ignored: the same rules as gensim's ``KeyedVectors.evaluate_word_pairs``.

    Returns
    -------
    spearman : float
    oov_ratio : float
        Fraction (0–1) of the file's pairs that were skipped.
    """
    from scipy import stats

    vectors = as_float_array(vectors, "vectors", ndim=2, dtype=None)
    index = _case_insensitive_index(index_to_key)
    gold, model, oov = [], [], 0
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        parts = line.split(delimiter)
        try:
            a, b, score = parts[0].lower(), parts[1].lower(), float(parts[2])
        except (IndexError, ValueError):
            continue
        if a not in index or b not in index:
            oov += 1
            continue
        gold.append(score)
        model.append(cosine_similarity(vectors[index[a]], vectors[index[b]]))
    if len(gold) < 2:
        raise ValueError(f"fewer than 2 pairs of {path} are in the vocabulary")
    return float(stats.spearmanr(gold, model).statistic), oov / (len(gold) + oov)


def evaluate_analogies(vectors, index_to_key, path):
    """Accuracy on an analogy file (``questions-words.txt``: ``a b c d`` per line).

    A question counts when all four words are in the vocabulary (case ignored); it is right
    when the nearest word to ``b - a + c`` (inputs excluded, see :func:`analogy`) is ``d``.
    Lines starting with ``:`` name sections and are skipped.

    Returns
    -------
    accuracy : float
        Right answers / covered questions (0 when none is covered).
    coverage : float
        Covered questions / all questions.
    """
    vectors = as_float_array(vectors, "vectors", ndim=2, dtype=None)
    index = _case_insensitive_index(index_to_key)
    questions, total = [], 0
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        words = line.lower().split()
        if not words or line.startswith(":") or len(words) != 4:
            continue
        total += 1
        if all(w in index for w in words):
            questions.append([index[w] for w in words])
    if total == 0:
        raise ValueError(f"{path} holds no analogy questions")
    if not questions:
        return 0.0, 0.0
    q = np.array(questions)  # (Q, 4)
    unit = _unit_rows(vectors)
    target = unit[q[:, 1]] - unit[q[:, 0]] + unit[q[:, 2]]  # (Q, D)
    sims = target @ unit.T  # (Q, V)
    rows = np.arange(len(q))[:, None]
    sims[rows, q[:, :3]] = -np.inf  # never answer with an input word
    right = sims.argmax(axis=1) == q[:, 3]
    return float(right.mean()), len(q) / total


# --------------------------------------------------------------------------- file format


def save_word2vec_format(path, vectors, index_to_key) -> Path:
    """Write vectors in word2vec's text format: a ``V D`` header, then ``word x1 ... xD``."""
    vectors = as_float_array(vectors, "vectors", ndim=2, dtype=None)
    keys = list(index_to_key)
    if len(keys) != len(vectors):
        raise ValueError(f"index_to_key has {len(keys)} words but vectors has {len(vectors)} rows")
    bad = [k for k in keys if not k or any(ch.isspace() for ch in k)]
    if bad:
        raise ValueError(f"words must be non-empty and hold no whitespace, got {bad[0]!r}")
    path = Path(path)
    with path.open("w", encoding="utf-8") as fh:
        fh.write(f"{len(keys)} {vectors.shape[1]}\n")
        for key, row in zip(keys, vectors, strict=True):
            fh.write(key + " " + " ".join(f"{x:.6g}" for x in row) + "\n")
    return path


def load_word2vec_format(path):
    """Read word2vec's text format; a malformed file raises ``ValueError`` naming the line.

    Returns
    -------
    vectors : float32 ndarray of shape (V, D)
    index_to_key : list of str
    """
    path = Path(path)
    with path.open(encoding="utf-8") as fh:
        header = fh.readline().split()
        try:
            V, D = int(header[0]), int(header[1])
            if V < 1 or D < 1 or len(header) != 2:
                raise ValueError
        except (IndexError, ValueError):
            raise ValueError(
                f"{path}, line 1: expected a header 'n_words dimensions', got {' '.join(header)!r}"
            ) from None
        keys, rows = [], []
        for line_no, line in enumerate(fh, start=2):
            if not line.strip():
                continue
            parts = line.rstrip("\n").rstrip().split(" ")
            if len(parts) != D + 1:
                raise ValueError(
                    f"{path}, line {line_no}: expected a word and {D} numbers, "
                    f"got {len(parts) - 1} values"
                )
            try:
                rows.append([float(x) for x in parts[1:]])
            except ValueError:
                raise ValueError(f"{path}, line {line_no}: a value is not a number") from None
            keys.append(parts[0])
    if len(keys) != V:
        raise ValueError(f"{path}: the header announces {V} words, the file holds {len(keys)}")
    return np.asarray(rows, dtype=np.float32), keys
