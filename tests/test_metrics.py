"""Keras metrics (chapter 11) against the NumPy reference, on every backend: our streaming
Perplexity and ExpectedCalibrationError, and Keras' own accuracy, precision, recall and AUC.

Tolerances: float32 state, so ``rtol=1e-5`` against the float64 reference.
"""

import math

import keras
import numpy as np
import pytest

from mlfoundations import metrics
from mlfoundations.reference import metrics as ref

pytestmark = pytest.mark.keras


def _stream(metric, batches):
    metric.reset_state()
    for args in batches:
        metric.update_state(*args)
    return float(np.squeeze(keras.ops.convert_to_numpy(metric.result())))


def _batches(*arrays, size):
    n = len(arrays[0])
    return [tuple(a[i : i + size] for a in arrays) for i in range(0, n, size)]


@pytest.fixture
def lm_outputs():
    rng = np.random.default_rng(0)
    logits = (rng.normal(size=(6, 9, 11)) * 2).astype("float32")  # (B, T, V)
    targets = rng.integers(0, 11, (6, 9))  # (B, T)
    return logits, targets


def test_perplexity_streams_to_the_reference(backend, lm_outputs):
    logits, targets = lm_outputs
    want = ref.perplexity(logits=logits, targets=targets)
    got = _stream(metrics.Perplexity(), _batches(targets, logits, size=4))  # batches 4 + 2
    assert got == pytest.approx(want, rel=1e-5)
    z = logits - logits.max(-1, keepdims=True)
    probs = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
    got_p = _stream(metrics.Perplexity(from_logits=False), [(targets, probs)])
    assert got_p == pytest.approx(want, rel=1e-5)


def test_perplexity_masks_with_sample_weight(backend, lm_outputs):
    logits, targets = lm_outputs
    mask = np.ones(targets.shape, "float32")
    mask[:, 6:] = 0  # padding after 6 tokens
    want = ref.perplexity(logits=logits[:, :6], targets=targets[:, :6])
    got = _stream(metrics.Perplexity(), [(targets, logits, mask)])
    assert got == pytest.approx(want, rel=1e-5)


def test_uniform_model_has_perplexity_V(backend):
    V = 65
    got = _stream(metrics.Perplexity(), [(np.arange(20) % V, np.zeros((20, V), "float32"))])
    assert got == pytest.approx(V, rel=1e-5)


@pytest.mark.parametrize("shape", ["1d", "column", "softmax"])
def test_ece_streams_to_the_reference(backend, shape):
    rng = np.random.default_rng(1)
    n = 300
    if shape == "softmax":
        p = rng.dirichlet(np.ones(4) * 0.5, n).astype("float32")
        y = np.array([rng.choice(4, p=row / row.sum()) for row in p.astype(np.float64)])
    else:
        p = rng.uniform(size=n).astype("float32")
        y = (rng.uniform(size=n) < p**1.5).astype(int)  # over-confident on purpose
        p = p[:, None] if shape == "column" else p
    for n_bins in (5, 10, 15):
        want = ref.expected_calibration_error(y, p.astype(np.float64), n_bins=n_bins)
        got = _stream(metrics.ExpectedCalibrationError(n_bins), _batches(y, p, size=64))
        assert got == pytest.approx(want, rel=1e-5, abs=1e-7)


def test_ece_sample_weight_counts_like_repetition(backend):
    rng = np.random.default_rng(2)
    p = rng.uniform(size=50).astype("float32")
    y = rng.integers(0, 2, 50)
    w = rng.integers(0, 3, 50)
    want = ref.expected_calibration_error(np.repeat(y, w), np.repeat(p, w).astype(np.float64))
    got = _stream(metrics.ExpectedCalibrationError(), [(y, p, w.astype("float32"))])
    assert got == pytest.approx(want, rel=1e-5, abs=1e-7)


def test_metrics_work_in_compile_and_survive_serialization(backend, tmp_path):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(96, 5)).astype("float32")
    y = rng.integers(0, 3, 96)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3)])
    model.compile(
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[metrics.Perplexity()],
    )
    model.fit(X, y, epochs=2, batch_size=32, verbose=0)
    loss, ppl = model.evaluate(X, y, batch_size=32, verbose=0)
    logits = model.predict(X, verbose=0)
    assert ppl == pytest.approx(ref.perplexity(logits=logits, targets=y), rel=1e-5)
    assert ppl == pytest.approx(math.exp(loss), rel=1e-5)  # equal batches: mean of means

    prob_model = keras.Sequential([model, keras.layers.Softmax()])
    prob_model.compile(loss="sparse_categorical_crossentropy",
                       metrics=[metrics.ExpectedCalibrationError(n_bins=8)])  # fmt: skip
    _, ece = prob_model.evaluate(X, y, batch_size=40, verbose=0)
    want = ref.expected_calibration_error(y, prob_model.predict(X, verbose=0), n_bins=8)
    assert ece == pytest.approx(want, rel=1e-5, abs=1e-7)

    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    _, ppl_loaded = loaded.evaluate(X, y, batch_size=32, verbose=0)  # compiled with our metric
    assert ppl_loaded == pytest.approx(ppl, rel=1e-6)
    clone = metrics.ExpectedCalibrationError.from_config(
        metrics.ExpectedCalibrationError(n_bins=7).get_config()
    )
    assert clone.n_bins == 7


def test_constructor_validates():
    with pytest.raises(ValueError, match="n_bins"):
        metrics.ExpectedCalibrationError(n_bins=0)
    with pytest.raises(TypeError, match="from_logits"):
        metrics.Perplexity(from_logits="yes")


# --------------------------------------------------------------------------- Keras' own


@pytest.fixture
def binary_scores():
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, 500)
    p = (1 / (1 + np.exp(-(rng.normal(size=500) + 1.5 * (y - 0.5))))).astype("float32")
    return y, p


def test_keras_threshold_metrics_equal_reference(backend, binary_scores):
    y, p = binary_scores
    pred = (p > 0.5).astype(int)  # Keras predicts positive for p > threshold
    pairs = [
        (keras.metrics.BinaryAccuracy(), ref.accuracy_score(y, pred)),
        (keras.metrics.Precision(), ref.precision_score(y, pred)),
        (keras.metrics.Recall(), ref.recall_score(y, pred)),
        (keras.metrics.F1Score(threshold=0.5), ref.f1_score(y, pred)),
    ]
    for metric, want in pairs:
        yk = y[:, None].astype("float32") if isinstance(metric, keras.metrics.F1Score) else y
        pk = p[:, None] if isinstance(metric, keras.metrics.F1Score) else p
        got = _stream(metric, _batches(yk, pk, size=128))
        assert got == pytest.approx(want, rel=1e-6), metric.name


def test_keras_multiclass_accuracy_equals_reference(backend):
    rng = np.random.default_rng(5)
    p = rng.dirichlet(np.ones(5), 200).astype("float32")  # continuous: no ties
    y = rng.integers(0, 5, 200)
    acc = _stream(keras.metrics.SparseCategoricalAccuracy(), [(y, p)])
    assert acc == pytest.approx(ref.accuracy_score(y, p.argmax(1)), rel=1e-6)
    top3 = _stream(keras.metrics.SparseTopKCategoricalAccuracy(k=3), [(y, p)])
    assert top3 == pytest.approx(ref.top_k_accuracy_score(y, p, k=3), rel=1e-6)


def test_keras_auc_is_a_threshold_approximation(backend, binary_scores):
    """Keras' AUC buckets scores into ``num_thresholds`` and integrates between buckets;
    the exact ROC AUC ranks every pair. The gap shrinks as thresholds grow."""
    y, p = binary_scores
    exact = ref.roc_auc_score(y, p)
    gaps = []
    for n in (50, 200, 2000):
        got = _stream(keras.metrics.AUC(num_thresholds=n), _batches(y, p, size=100))
        gaps.append(abs(got - exact))
    assert gaps[1] < 5e-3 and gaps[2] < 5e-4  # measured ~1e-4 .. 1e-3 at 200
    assert gaps[2] <= gaps[0]
    # with one distinct score per threshold bucket, the default 200 thresholds are exact
    grid = (np.floor(p * 199) + 0.5) / 199  # midway between two of its thresholds
    got = _stream(keras.metrics.AUC(num_thresholds=200), [(y, grid.astype("float32"))])
    assert got == pytest.approx(ref.roc_auc_score(y, grid), abs=2e-5)
    # PR AUC: Keras interpolates between buckets, average precision is a step sum
    pr = _stream(keras.metrics.AUC(curve="PR", num_thresholds=2000), [(y, p)])
    assert pr == pytest.approx(ref.average_precision_score(y, p), abs=0.02)
