"""NumPy metrics (chapter 11) against scikit-learn on random inputs, and by hand where
scikit-learn has no counterpart (perplexity, ECE, temperature scaling, BLEU, intervals).

"The same" means: the same value (``rtol=1e-12``, NaN equal to NaN, arrays elementwise), the
same exception class when scikit-learn raises, and the same warning classes (by name) when it
warns.
"""

import math
import warnings

import numpy as np
import pytest
import sklearn.calibration as skcal
import sklearn.metrics as skm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlfoundations.reference import metrics as ref

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
COMPARED_WARNINGS = {"UndefinedMetricWarning", "UserWarning"}


def _call(fn, *args, **kwargs):
    """(result or exception class, set of warning class names) of one call."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = fn(*args, **kwargs)
        except (ValueError, TypeError) as exc:
            out = type(exc)
    names = {w.category.__name__ for w in caught} & COMPARED_WARNINGS
    return out, names


def _equal(a, b):
    if isinstance(a, type) or isinstance(b, type):
        return a is b or (isinstance(a, type) and isinstance(b, type) and issubclass(a, ValueError)
                          and issubclass(b, ValueError))  # fmt: skip
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if a is None or b is None:
        return a is None and b is None
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-12, atol=1e-12, equal_nan=True)


def assert_same(ours, theirs, *args, **kwargs):
    got, got_warn = _call(ours, *args, **kwargs)
    want, want_warn = _call(theirs, *args, **kwargs)
    assert _equal(got, want), f"{ours.__name__}: ours {got!r}, scikit-learn {want!r}"
    assert got_warn == want_warn, f"{ours.__name__} warnings: ours {got_warn}, sklearn {want_warn}"


# --------------------------------------------------------------------------- strategies

int_labels = st.lists(st.integers(0, 3), min_size=1, max_size=30)
str_labels = st.lists(st.sampled_from(["ham", "spam", "eggs"]), min_size=1, max_size=30)


@st.composite
def label_pairs(draw, alphabet=(0, 1, 2, 3)):
    n = draw(st.integers(1, 30))
    y_true = draw(st.lists(st.sampled_from(alphabet), min_size=n, max_size=n))
    y_pred = draw(st.lists(st.sampled_from(alphabet), min_size=n, max_size=n))
    return np.array(y_true), np.array(y_pred)


@st.composite
def binary_scores(draw, labels=(0, 1)):
    """Binary labels with scores on a coarse grid (many ties), including exactly 0 and 1."""
    n = draw(st.integers(1, 40))
    y = draw(st.lists(st.sampled_from(labels), min_size=n, max_size=n))
    s = draw(st.lists(st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.5, 0.75, 0.9, 1.0]),
                      min_size=n, max_size=n))  # fmt: skip
    w = draw(st.one_of(st.none(), st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0]),
                                           min_size=n, max_size=n)))  # fmt: skip
    if w is not None and not any(w):
        w[0] = 1.0  # all-zero weights: scikit-learn fails with an IndexError, we with ValueError
    return np.array(y), np.array(s), (None if w is None else np.array(w))


PRF = [
    (ref.precision_score, skm.precision_score),
    (ref.recall_score, skm.recall_score),
    (ref.f1_score, skm.f1_score),
]
AVERAGES = ["binary", "micro", "macro", "weighted", None]
ZERO_DIVISION = ["warn", 0.0, 1.0, np.nan]


# --------------------------------------------------------------------------- counting metrics


@SETTINGS
@given(label_pairs(alphabet=(0, 1)), st.sampled_from(AVERAGES), st.sampled_from(ZERO_DIVISION),
       st.sampled_from([0, 1, 2]))  # fmt: skip
def test_prf_binary_integer_labels(pair, average, zero_division, pos_label):
    y_true, y_pred = pair
    kw = dict(average=average, zero_division=zero_division, pos_label=pos_label)
    for ours, theirs in PRF:
        assert_same(ours, theirs, y_true, y_pred, **kw)
    assert_same(ref.fbeta_score, skm.fbeta_score, y_true, y_pred, beta=0.5, **kw)
    assert_same(ref.precision_recall_fscore_support, skm.precision_recall_fscore_support,
                y_true, y_pred, beta=2.0, **kw)  # fmt: skip


@SETTINGS
@given(label_pairs(), st.sampled_from(AVERAGES), st.sampled_from(ZERO_DIVISION))
def test_prf_multiclass(pair, average, zero_division):
    y_true, y_pred = pair
    kw = dict(average=average, zero_division=zero_division)
    for ours, theirs in PRF:
        assert_same(ours, theirs, y_true, y_pred, **kw)
    assert_same(ref.f1_score, skm.f1_score, y_true, y_pred, labels=[0, 2], **kw)


@SETTINGS
@given(label_pairs(alphabet=("ham", "spam")), st.sampled_from(["ham", "spam", "eggs"]),
       st.sampled_from(AVERAGES))  # fmt: skip
def test_prf_string_labels(pair, pos_label, average):
    y_true, y_pred = pair
    assert_same(ref.f1_score, skm.f1_score, y_true, y_pred, pos_label=pos_label, average=average)
    assert_same(ref.precision_score, skm.precision_score, y_true, y_pred, pos_label=pos_label,
                average=average, zero_division=1.0)  # fmt: skip


@SETTINGS
@given(label_pairs(), st.one_of(st.none(), st.lists(st.sampled_from([0.0, 1.0, 2.5]),
                                                     min_size=30, max_size=30)))  # fmt: skip
def test_accuracy_and_confusion_matrix(pair, w):
    y_true, y_pred = pair
    w = None if w is None else np.array(w[: len(y_true)])
    if w is not None and w.sum() == 0:
        w[0] = 1.0  # all-zero weights: scikit-learn raises ZeroDivisionError, we ValueError
    assert_same(ref.accuracy_score, skm.accuracy_score, y_true, y_pred, sample_weight=w)
    assert_same(ref.accuracy_score, skm.accuracy_score, y_true, y_pred, normalize=False)
    assert_same(ref.confusion_matrix, skm.confusion_matrix, y_true, y_pred, sample_weight=w)
    for normalize in ["true", "pred", "all"]:
        assert_same(ref.confusion_matrix, skm.confusion_matrix, y_true, y_pred, normalize=normalize)
    assert_same(ref.confusion_matrix, skm.confusion_matrix, y_true, y_pred, labels=[3, 0, 1])
    assert_same(ref.precision_recall_fscore_support, skm.precision_recall_fscore_support,
                y_true, y_pred, average="weighted", sample_weight=w, zero_division=0.0)  # fmt: skip


def test_spam_model_that_never_says_spam():
    y_true = np.array([0] * 99 + [1])
    y_pred = np.zeros(100, int)
    assert ref.accuracy_score(y_true, y_pred) == 0.99
    with pytest.warns(ref.UndefinedMetricWarning, match="no predicted samples"):
        assert ref.precision_score(y_true, y_pred) == 0.0
    assert ref.recall_score(y_true, y_pred) == 0.0
    assert ref.f1_score(y_true, y_pred) == 0.0  # tp + fp + fn > 0: defined, no warning
    np.testing.assert_array_equal(ref.confusion_matrix(y_true, y_pred), [[99, 0], [1, 0]])


# --------------------------------------------------------------------------- ranking metrics


@SETTINGS
@given(binary_scores(), st.booleans())
def test_curves_and_areas_with_ties(data, drop):
    y, s, w = data
    assert_same(ref.roc_curve, skm.roc_curve, y, s, sample_weight=w, drop_intermediate=drop)
    assert_same(ref.precision_recall_curve, skm.precision_recall_curve, y, s, sample_weight=w,
                drop_intermediate=drop)  # fmt: skip
    assert_same(ref.roc_auc_score, skm.roc_auc_score, y, s, sample_weight=w)
    assert_same(ref.average_precision_score, skm.average_precision_score, y, s, sample_weight=w)


@SETTINGS
@given(binary_scores(labels=("ham", "spam")), st.sampled_from([None, "ham", "spam"]))
def test_curves_string_labels(data, pos_label):
    y, s, _ = data
    assert_same(ref.roc_curve, skm.roc_curve, y, s, pos_label=pos_label)
    assert_same(ref.precision_recall_curve, skm.precision_recall_curve, y, s, pos_label=pos_label)
    assert_same(ref.roc_auc_score, skm.roc_auc_score, y, s)
    if pos_label is not None:
        assert_same(ref.average_precision_score, skm.average_precision_score, y, s,
                    pos_label=pos_label)  # fmt: skip


@SETTINGS
@given(st.integers(3, 40), st.integers(0, 10_000), st.sampled_from(["macro", "weighted"]))
def test_multiclass_auc_and_ap(n, seed, average):
    rng = np.random.default_rng(seed)
    y = np.r_[0, 1, 2, rng.integers(0, 3, n - 3)]
    p = rng.dirichlet(np.ones(3), n).round(1)  # coarse: ties
    p /= p.sum(axis=1, keepdims=True)
    assert_same(ref.roc_auc_score, skm.roc_auc_score, y, p, multi_class="ovr", average=average)
    assert_same(ref.average_precision_score, skm.average_precision_score, y, p, average=average)
    for k in [1, 2, 3]:
        assert_same(ref.top_k_accuracy_score, skm.top_k_accuracy_score, y, p, k=k)


@SETTINGS
@given(binary_scores(), st.integers(1, 3))
def test_top_k_binary(data, k):
    y, s, _ = data
    assert_same(ref.top_k_accuracy_score, skm.top_k_accuracy_score, y, s, k=k)
    assert_same(ref.top_k_accuracy_score, skm.top_k_accuracy_score, y, s - 0.5, k=1,
                labels=[0, 1])  # fmt: skip


def test_auc_is_probability_of_correct_ranking():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 200)
    s = rng.normal(size=200) + y
    pos, neg = s[y == 1], s[y == 0]
    pairs = (pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean()
    assert ref.roc_auc_score(y, s) == pytest.approx(pairs, rel=1e-12)


# --------------------------------------------------------------------------- probabilities


@st.composite
def probabilities(draw, n_classes=2):
    n = draw(st.integers(2, 30))
    y = draw(st.lists(st.integers(0, n_classes - 1), min_size=n, max_size=n))
    grid = [0.0, 0.2, 0.5, 0.8, 1.0]
    if n_classes == 2:
        p = np.array(draw(st.lists(st.sampled_from(grid), min_size=n, max_size=n)))
    else:
        row = st.lists(st.sampled_from(grid), min_size=n_classes, max_size=n_classes)
        raw = np.array(draw(st.lists(row, min_size=n, max_size=n)))
        raw[:, 0] += 1e-3
        p = raw / raw.sum(axis=1, keepdims=True)
    return np.array(y), p


@SETTINGS
@given(probabilities(), st.booleans())
def test_log_loss_and_brier_binary(data, normalize):
    y, p = data
    assert_same(ref.log_loss, skm.log_loss, y, p, normalize=normalize)
    assert_same(ref.log_loss, skm.log_loss, y, p, labels=[0, 1])
    assert_same(ref.brier_score_loss, skm.brier_score_loss, y, p)
    assert_same(ref.brier_score_loss, skm.brier_score_loss, y * 3 - 1, p)  # labels {-1, 2}
    assert_same(ref.brier_score_loss, skm.brier_score_loss, y, p, pos_label=0)


@SETTINGS
@given(probabilities(n_classes=3))
def test_log_loss_and_brier_multiclass(data):
    y, p = data
    assert_same(ref.log_loss, skm.log_loss, y, p)
    assert_same(ref.log_loss, skm.log_loss, y, p, labels=[0, 1, 2])
    assert_same(ref.brier_score_loss, skm.brier_score_loss, y, p, labels=[0, 1, 2])
    names = np.array(["a", "b", "c"])[y]
    assert_same(ref.log_loss, skm.log_loss, names, p, labels=["a", "b", "c"])


@SETTINGS
@given(probabilities(), st.integers(1, 12), st.sampled_from(["uniform", "quantile"]))
def test_calibration_curve(data, n_bins, strategy):
    y, p = data
    assert_same(ref.calibration_curve, skcal.calibration_curve, y, p, n_bins=n_bins,
                strategy=strategy)  # fmt: skip


def test_probability_errors_match_sklearn():
    y = np.array([0, 1, 1])
    for p in ([0.2, 1.2, 0.5], [-0.1, 0.5, 0.5]):
        assert_same(ref.log_loss, skm.log_loss, y, p)
        assert_same(ref.brier_score_loss, skm.brier_score_loss, y, p)
        assert_same(ref.calibration_curve, skcal.calibration_curve, y, p)
    # rows that do not sum to one: a UserWarning, as scikit-learn
    assert_same(ref.log_loss, skm.log_loss, y, [[0.5, 0.4], [0.5, 0.5], [0.2, 0.8]])
    assert_same(ref.log_loss, skm.log_loss, [1, 1, 1], [0.5, 0.5, 0.5])  # one class
    assert_same(ref.brier_score_loss, skm.brier_score_loss, [0, 1, 2], [0.5, 0.5, 0.5])
    assert_same(ref.log_loss, skm.log_loss, [0, 1, 3], [0.5, 0.5, 0.5], labels=[0, 1])


# --------------------------------------------------------------------------- regression


@SETTINGS
@given(st.integers(1, 20), st.integers(0, 10_000), st.booleans(), st.booleans())
def test_regression_metrics(n, seed, constant, weighted):
    rng = np.random.default_rng(seed)
    y = np.full(n, 2.0) if constant else rng.normal(size=n)
    pred = y if seed % 5 == 0 else y + rng.normal(size=n)
    w = rng.uniform(0.1, 2, n) if weighted else None
    for ours, theirs in [(ref.mean_squared_error, skm.mean_squared_error),
                         (ref.mean_absolute_error, skm.mean_absolute_error),
                         (ref.r2_score, skm.r2_score)]:  # fmt: skip
        assert_same(ours, theirs, y, pred, sample_weight=w)
    Y, P = np.c_[y, 2 * y], np.c_[pred, pred]
    assert_same(ref.r2_score, skm.r2_score, Y, P, multioutput="raw_values")
    assert_same(ref.r2_score, skm.r2_score, Y, P, force_finite=False)
    assert_same(ref.mean_squared_error, skm.mean_squared_error, Y, P, multioutput="raw_values")


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("fn", "args"),
    [
        (ref.accuracy_score, ([0, 1], [0, 1, 1])),  # length mismatch
        (ref.accuracy_score, ([], [])),  # empty
        (ref.f1_score, ([0, 1, 2], [0, 1, 2])),  # multiclass given to a binary metric
        (ref.f1_score, ([0.5, 1], [0, 1])),  # continuous target
        (ref.accuracy_score, (["a", "b"], [0, 1])),  # string and number labels mixed
        (ref.confusion_matrix, ([0, 1], [0, 1])),  # placeholder, replaced below
        (ref.log_loss, ([0, 1], [0.5, 1.5])),  # probability outside [0, 1]
        (ref.roc_curve, (["a", "b"], [0.1, 0.2])),  # strings need pos_label
        (ref.roc_auc_score, ([0, 1, 2], [[0.2, 0.3, 0.5]] * 3)),  # multi_class="raise"
        (ref.mean_squared_error, ([1.0, 2.0], [1.0])),
        (ref.r2_score, ([1.0, np.nan], [1.0, 2.0])),
    ],
)
def test_bad_input_raises_like_sklearn(fn, args):
    theirs = getattr(skm, fn.__name__)
    if fn is ref.confusion_matrix:
        args, kwargs = ([0, 1], [0, 1]), {"labels": [5]}  # no given label in y_true
    else:
        kwargs = {}
    with pytest.raises(ValueError):
        fn(*args, **kwargs)
    with pytest.raises(ValueError):
        theirs(*args, **kwargs)


def test_messages_name_the_problem():
    with pytest.raises(ValueError, match="same number of samples"):
        ref.precision_score([0, 1], [1])
    with pytest.raises(ValueError, match="average='binary'"):
        ref.precision_score([0, 1, 2], [0, 1, 2])
    with pytest.raises(ValueError, match="greater than 1"):
        ref.brier_score_loss([0, 1], [0.5, 2.0])
    with pytest.raises(ValueError, match="pos_label"):
        ref.roc_curve(["ham", "spam"], [0.1, 0.9])


# --------------------------------------------------------------------------- beyond sklearn


def test_perplexity_units_and_uniform_model():
    ce_nats = 1.7
    ce_bits = ce_nats / math.log(2)
    assert ref.perplexity(ce_nats) == pytest.approx(math.exp(ce_nats), rel=1e-15)
    assert ref.perplexity(ce_bits, base=2) == pytest.approx(ref.perplexity(ce_nats), rel=1e-14)
    # the primer's 2^CE with CE in nats is a different (wrong) number
    assert 2**ce_nats < ref.perplexity(ce_nats) * 0.7
    V = 65
    logits = np.zeros((3, 7, V))
    targets = np.random.default_rng(0).integers(0, V, (3, 7))
    assert ref.perplexity(logits=logits, targets=targets) == pytest.approx(V, rel=1e-12)
    # per character: 21 tokens spanning 42 characters carry the same total surprise
    per_char = ref.perplexity(logits=logits, targets=targets, n_units=42)
    assert per_char == pytest.approx(math.sqrt(V), rel=1e-12)
    assert ref.perplexity(math.log(V), n_tokens=21, n_units=42) == pytest.approx(math.sqrt(V))


def test_perplexity_from_logits_equals_exp_of_log_loss():
    rng = np.random.default_rng(2)
    z = rng.normal(size=(50, 5)) * 3
    y = rng.integers(0, 5, 50)
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    ce = skm.log_loss(y, p, labels=range(5))
    assert ref.perplexity(logits=z, targets=y) == pytest.approx(math.exp(ce), rel=1e-10)


def test_perplexity_bad_input():
    with pytest.raises(ValueError, match="either"):
        ref.perplexity()
    with pytest.raises(ValueError, match="targets"):
        ref.perplexity(logits=np.zeros((2, 3)), targets=[0, 3])
    with pytest.raises(ValueError, match="cross_entropy"):
        ref.perplexity(-1.0)
    with pytest.raises(ValueError, match="n_tokens"):
        ref.perplexity(1.0, n_units=10)


@SETTINGS
@given(probabilities(), st.integers(1, 15))
def test_ece_equals_count_weighted_calibration_curve(data, n_bins):
    y, p = data
    prob_true, prob_pred = skcal.calibration_curve(y, p, n_bins=n_bins)
    bins = ref.reliability_bins(y, p, n_bins=n_bins)
    counts = bins.counts[bins.counts > 0]
    want = np.sum(counts * np.abs(prob_true - prob_pred)) / len(y)
    assert ref.expected_calibration_error(y, p, n_bins=n_bins) == pytest.approx(want, abs=1e-12)
    assert bins.counts.sum() == len(y)


def test_ece_top_label_by_hand():
    # two bins; confidences 0.6, 0.7 (bin 1, one right) and 0.9 (bin 1, right) ... by hand
    p = np.array([[0.6, 0.4], [0.3, 0.7], [0.9, 0.1], [0.2, 0.8]])
    y = np.array([0, 0, 0, 1])
    # confidences 0.6, 0.7, 0.9, 0.8 all in bin (0.5, 1]; correct 1, 0, 1, 1
    assert ref.expected_calibration_error(y, p, n_bins=2) == pytest.approx(abs(0.75 - 0.75))
    # five bins: (0.4,0.6]: {0.6 right}; (0.6,0.8]: {0.7 wrong, 0.8 right}; (0.8,1]: {0.9 right}
    want = (1 * abs(1 - 0.6) + 2 * abs(0.5 - 0.75) + 1 * abs(1 - 0.9)) / 4
    assert ref.expected_calibration_error(y, p, n_bins=5) == pytest.approx(want)
    with pytest.raises(ValueError, match="class indices"):
        ref.expected_calibration_error([0, 2, 0, 1], p)


def test_temperature_scaling_recovers_a_known_temperature():
    rng = np.random.default_rng(3)
    n, K, T_true = 20_000, 4, 2.5
    z_true = rng.normal(size=(n, K)) * 2
    p = np.exp(z_true - z_true.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    y = np.array([rng.choice(K, p=row) for row in p])
    T = ref.fit_temperature(y, z_true * T_true)  # over-confident logits
    assert T == pytest.approx(T_true, rel=0.05)
    # the fitted T minimises the loss: nearby temperatures are worse
    nll = [ref.perplexity(logits=z_true * T_true / t, targets=y) for t in (T * 0.9, T, T * 1.1)]
    assert nll[1] < nll[0] and nll[1] < nll[2]
    # binary (sigmoid) logits
    z = rng.normal(size=5000) * 3
    yb = (rng.uniform(size=5000) < 1 / (1 + np.exp(-z))).astype(int)
    assert ref.fit_temperature(yb, z * 0.5) == pytest.approx(0.5, rel=0.1)


def test_wilson_interval():
    low, high = ref.wilson_interval(45, 50)
    # textbook values for 45/50 at 95 %: (0.7864, 0.9565)
    assert low == pytest.approx(0.78641, abs=1e-4) and high == pytest.approx(0.95652, abs=1e-4)
    assert ref.wilson_interval(0, 10)[0] == 0.0
    assert ref.wilson_interval(10, 10)[1] == pytest.approx(1.0, abs=1e-15)
    with pytest.raises(ValueError, match="successes"):
        ref.wilson_interval(11, 10)


def test_bootstrap_interval_covers_the_truth_and_is_seeded():
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, 400)
    pred = np.where(rng.uniform(size=400) < 0.8, y, 1 - y)
    a = ref.bootstrap_interval(ref.accuracy_score, y, pred, n_resamples=300, seed=1)
    b = ref.bootstrap_interval(ref.accuracy_score, y, pred, n_resamples=300, seed=1)
    assert a == b and a[0] < ref.accuracy_score(y, pred) < a[1]
    assert a[1] - a[0] == pytest.approx(2 * 1.96 * math.sqrt(0.8 * 0.2 / 400), rel=0.25)


def test_corpus_bleu_by_hand():
    # Papineni et al.'s clipping example: "the the the the the the the", two references
    refs = [["the cat is on the mat", "there is a cat on the mat"]]
    out = ref.corpus_bleu(refs, ["the the the the the the the"], max_n=1)
    assert out.precisions == (2 / 7,)
    assert out.brevity_penalty == 1.0 and out.score == pytest.approx(2 / 7)
    # a two-sentence corpus, counted by hand
    refs = [["the cat sat on the mat"], ["a dog ran in the park today"]]
    hyps = ["the cat sat on a mat", "a dog ran in a park"]
    got = ref.corpus_bleu(refs, hyps)
    # 1-grams: 5/6 + 5/6; 2-grams: 3/5 + 3/5; 3-grams: 2/4 + 2/4; 4-grams: 1/3 + 1/3
    want_p = (10 / 12, 6 / 10, 4 / 8, 2 / 6)
    assert got.precisions == pytest.approx(want_p)
    c, r = 12, 6 + 7  # the second reference is one token longer than its hypothesis
    assert (got.hypothesis_length, got.reference_length) == (c, r)
    bp = math.exp(1 - r / c)
    assert got.brevity_penalty == pytest.approx(bp)
    assert got.score == pytest.approx(bp * math.exp(np.mean(np.log(want_p))))
    # identical text scores 1; no 4-gram match scores 0
    assert ref.corpus_bleu([["a b c d e"]], ["a b c d e"]).score == pytest.approx(1.0)
    assert ref.corpus_bleu([["a b c d e"]], ["a b c e d"]).score == 0.0
    # closest reference length, the shorter on a tie
    assert ref.corpus_bleu([["a b", "a b c d e f"]], ["a b c d"]).reference_length == 2
    with pytest.raises(ValueError, match="same length"):
        ref.corpus_bleu([["a"]], ["a", "b"])
