"""Keras losses (``keras.ops``) against the NumPy reference, on every backend (float32).

Tolerance: ``rtol=1e-5, atol=1e-6`` (float32 against float64).
"""

import numpy as np
import pytest

from mlfoundations import losses
from mlfoundations.reference import losses as ref

pytestmark = pytest.mark.keras

NAMES = ["mse", "binary_cross_entropy", "sigmoid_cross_entropy", "softmax_cross_entropy"]


def _case(name: str, shape=(6, 4), seed=0):
    rng = np.random.default_rng(seed)
    if name == "mse":
        y, pred = rng.normal(size=shape), rng.normal(size=shape)
    elif name == "binary_cross_entropy":
        y, pred = rng.integers(0, 2, shape).astype(float), rng.uniform(0.05, 0.95, size=shape)
        y[0, 0], pred[0, 0] = 0.0, 0.0  # 0·log 0 counts 0 on both sides
    elif name == "sigmoid_cross_entropy":
        y, pred = rng.uniform(size=shape), 3 * rng.normal(size=shape)
        pred[0, :2] = [-1000.0, 1000.0]  # exact where a naive form gives inf
    else:
        y, pred = rng.integers(0, shape[-1], shape[:-1]), 3 * rng.normal(size=shape)
    return y.astype("float32") if name != "softmax_cross_entropy" else y, pred.astype("float32")


def _value(t) -> float:
    from keras import ops

    return float(ops.convert_to_numpy(t))


@pytest.mark.parametrize("name", NAMES)
def test_keras_loss_matches_reference(backend, name):
    y, pred = _case(name)
    expected = getattr(ref, name)(y, pred.astype(np.float64))
    assert _value(getattr(losses, name)(y, pred)) == pytest.approx(expected, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_backend_tensors_give_the_same_value(backend, name):
    from keras import ops

    y, pred = _case(name)
    from_numpy = _value(getattr(losses, name)(y, pred))
    from_tensors = _value(
        getattr(losses, name)(ops.convert_to_tensor(y), ops.convert_to_tensor(pred))
    )
    assert from_tensors == pytest.approx(from_numpy, rel=1e-6)


def test_softmax_cross_entropy_one_hot_and_sequence_labels(backend):
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(2, 3, 5)).astype("float32")  # (B, T, V)
    labels = rng.integers(0, 5, (2, 3))
    expected = ref.softmax_cross_entropy(labels, logits.astype(np.float64))
    one_hot = np.eye(5, dtype="float32")[labels]
    for y in (labels, one_hot):
        value = _value(losses.softmax_cross_entropy(y, logits))
        assert value == pytest.approx(expected, rel=1e-5, abs=1e-6)


def test_usable_as_a_compiled_loss(backend):
    """``compile(loss=losses.softmax_cross_entropy)`` traces it: same value as the reference."""
    import keras

    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(16, 3)).astype("float32"), rng.integers(0, 4, 16)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)])
    model.compile(loss=losses.softmax_cross_entropy)
    value = model.evaluate(X, y, batch_size=16, verbose=0)
    expected = ref.softmax_cross_entropy(y, model.predict(X, verbose=0).astype(np.float64))
    assert value == pytest.approx(expected, rel=1e-5, abs=1e-6)


def test_eager_inputs_are_checked_like_the_reference(backend):
    with pytest.raises(ValueError, match="same shape"):
        losses.mse(np.zeros(5), np.zeros((5, 1)))
    with pytest.raises(ValueError, match="integer class labels"):
        losses.softmax_cross_entropy([0, 7], np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match=r"y_true must hold labels or probabilities"):
        losses.sigmoid_cross_entropy([2.0], [0.0])


def test_backend_tensors_of_different_shapes_are_rejected(backend):
    from keras import ops

    with pytest.raises(ValueError, match="same shape"):
        losses.mse(ops.zeros((5,)), ops.zeros((5, 1)))
