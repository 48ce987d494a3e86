"""NumPy losses (one home, one argument order ``(y_true, prediction)``): known answers,
stability, gradients against finite differences, and input checks."""

import numpy as np
import pytest

from mlfoundations.reference import losses
from mlfoundations.testing import numerical_gradient

LOSS_AND_GRAD = {
    "mse": losses.mse_and_grad,
    "binary_cross_entropy": losses.binary_cross_entropy_and_grad,
    "sigmoid_cross_entropy": losses.sigmoid_cross_entropy_and_grad,
    "softmax_cross_entropy": losses.softmax_cross_entropy_and_grad,
}


def _case(name: str, shape=(5, 3), seed=0):
    """``(y_true, prediction)`` for a loss: soft labels, probabilities or logits."""
    rng = np.random.default_rng(seed)
    if name == "mse":
        return rng.normal(size=shape), rng.normal(size=shape)
    if name == "binary_cross_entropy":
        return rng.uniform(size=shape), rng.uniform(0.05, 0.95, size=shape)
    if name == "sigmoid_cross_entropy":
        return rng.integers(0, 2, shape).astype(float), 3 * rng.normal(size=shape)
    return rng.integers(0, shape[-1], shape[:-1]), 3 * rng.normal(size=shape)


def test_known_answers():
    assert losses.mse([1.0, 2.0], [1.0, 4.0]) == pytest.approx(2.0)
    assert losses.binary_cross_entropy([1.0, 0.0], [0.5, 0.5]) == pytest.approx(np.log(2))
    assert losses.binary_cross_entropy([1.0, 0.0], [1.0, 0.0]) == 0.0  # 0·log 0 counts 0
    assert losses.sigmoid_cross_entropy([1.0], [0.0]) == pytest.approx(np.log(2))
    # uniform logits over K classes cost log K whatever the label
    assert losses.softmax_cross_entropy([2, 0], np.zeros((2, 5))) == pytest.approx(np.log(5))
    # −log of the probability given to the truth: 0.99 → 0.01005 nats, 0.01 → 4.6052
    p = np.array([0.99, 0.5, 0.1, 0.01])
    nats = [losses.sigmoid_cross_entropy([1.0], [np.log(q / (1 - q))]) for q in p]
    np.testing.assert_allclose(nats, [0.01005, 0.6931, 2.3026, 4.6052], atol=1e-4)


def test_cross_entropy_from_logits_is_stable():
    # a confident mistake of logit ±1000 costs exactly 1000 nats, not inf or nan
    assert losses.sigmoid_cross_entropy([1.0, 0.0], [-1000.0, 1000.0]) == pytest.approx(1000.0)
    assert losses.sigmoid_cross_entropy([1.0, 0.0], [1000.0, -1000.0]) == pytest.approx(0.0)
    assert losses.softmax_cross_entropy([0], [[-1000.0, 1000.0]]) == pytest.approx(2000.0)
    assert losses.binary_cross_entropy([1.0], [0.0]) == np.inf  # the probability form cannot


def test_logit_forms_equal_probability_forms():
    """σ-CE(z) = BCE(σ(z)) and softmax-CE(z) = −mean log softmax(z)[y], rtol 1e-12."""
    y, z = _case("sigmoid_cross_entropy", shape=(7,))
    p = 1 / (1 + np.exp(-z))
    assert losses.sigmoid_cross_entropy(y, z) == pytest.approx(
        losses.binary_cross_entropy(y, p), rel=1e-12
    )
    y, z = _case("softmax_cross_entropy", shape=(6, 4))
    P = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    expected = -np.mean(np.log(P[np.arange(6), y]))
    assert losses.softmax_cross_entropy(y, z) == pytest.approx(expected, rel=1e-12)
    assert losses.softmax_cross_entropy(np.eye(4)[y], z) == pytest.approx(expected, rel=1e-12)


def test_softmax_cross_entropy_takes_any_leading_shape():
    """(B, T, V) logits with (B, T) labels: the mean over all B·T rows (a language model)."""
    y, z = _case("softmax_cross_entropy", shape=(2, 3, 5))
    flat = losses.softmax_cross_entropy(y.reshape(-1), z.reshape(-1, 5))
    assert losses.softmax_cross_entropy(y, z) == pytest.approx(flat, rel=1e-12)


@pytest.mark.parametrize("name", LOSS_AND_GRAD)
@pytest.mark.parametrize("shape", [(6,), (4, 3)])
def test_gradients_match_finite_differences(name, shape):
    """Central differences, eps 1e-6, float64: rtol 1e-6, atol 1e-9."""
    if name == "softmax_cross_entropy" and len(shape) == 1:
        shape = (1, *shape)
    y, pred = _case(name, shape)
    fn = LOSS_AND_GRAD[name]
    loss, grad = fn(y, pred)
    assert grad.shape == pred.shape and grad.dtype == pred.dtype
    assert loss == getattr(losses, name.removesuffix("_and_grad"))(y, pred)
    num = numerical_gradient(lambda t: fn(y, t)[0], pred)
    np.testing.assert_allclose(grad, num, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", LOSS_AND_GRAD)
def test_float32_predictions_keep_their_dtype(name):
    y, pred = _case(name)
    _, grad = LOSS_AND_GRAD[name](y, pred.astype(np.float32))
    assert grad.dtype == np.float32


@pytest.mark.parametrize("name", ["mse", "binary_cross_entropy", "sigmoid_cross_entropy"])
def test_no_silent_broadcasting(name):
    y, pred = _case(name, shape=(5,))
    with pytest.raises(ValueError, match="same shape"):
        getattr(losses, name)(y, pred[:, None])  # (5,) vs (5, 1) would broadcast to (5, 5)


def test_invalid_labels_are_rejected():
    with pytest.raises(ValueError, match=r"y_true must hold labels or probabilities in \[0, 1\]"):
        losses.sigmoid_cross_entropy([2.0, 0.0], [0.1, 0.2])
    with pytest.raises(ValueError, match=r"p must hold probabilities in \[0, 1\]"):
        losses.binary_cross_entropy([1.0, 0.0], [1.5, 0.2])
    with pytest.raises(ValueError, match="integer class labels 0 .. 2"):
        losses.softmax_cross_entropy([0, 3], np.zeros((2, 3)))
    with pytest.raises(ValueError, match="integer class labels"):
        losses.softmax_cross_entropy([0.5, 1], np.zeros((2, 3)))
    with pytest.raises(ValueError, match="sum to 1"):
        losses.softmax_cross_entropy([[1.0, 1.0, 0.0]], np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"shape \(2,\) or one-hot rows of shape \(2, 3\)"):
        losses.softmax_cross_entropy([0, 1, 2], np.zeros((2, 3)))
    with pytest.raises(ValueError, match="K >= 2"):
        losses.softmax_cross_entropy([0], np.zeros((1, 1)))
    with pytest.raises(ValueError, match="finite"):
        losses.mse([1.0], [np.nan])
    with pytest.raises(TypeError, match="y_true must hold numbers"):
        losses.mse(["a"], [1.0])


@pytest.mark.parametrize("name", LOSS_AND_GRAD)
def test_unchecked_path_computes_the_same(name):
    """``check_input=False`` (the training loops' path) skips validation, nothing else."""
    y, pred = _case(name, shape=(4, 3))
    checked = LOSS_AND_GRAD[name](y, pred)
    unchecked = LOSS_AND_GRAD[name](y, pred, check_input=False)
    assert unchecked[0] == checked[0]
    np.testing.assert_array_equal(unchecked[1], checked[1])


def test_check_input_false_lets_a_diverging_run_report_inf():
    with np.errstate(over="ignore"):
        loss, _ = losses.mse_and_grad(np.zeros(2), np.array([1e200, 0.0]), check_input=False)
    assert loss == np.inf
