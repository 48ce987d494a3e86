"""The Keras MLP (chapter 5) against the NumPy MLP: same weights, same outputs, and the
hand-written backward pass equal to each backend's autodiff (float32 and float64)."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.keras

keras = pytest.importorskip("keras")
from keras import ops  # noqa: E402

from mlfoundations.backend import value_and_grad  # noqa: E402
from mlfoundations.mlp import mlp, to_reference  # noqa: E402
from mlfoundations.reference import mlp as ref  # noqa: E402
from mlfoundations.reference import optim as ref_optim  # noqa: E402

# float32: the two sides sum in different orders; values of order 1 differ by a few ulps.
F32 = {"rtol": 1e-5, "atol": 1e-6}
LOSSES = {
    "softmax_cross_entropy": lambda dtype=None: keras.losses.SparseCategoricalCrossentropy(
        from_logits=True, dtype=dtype
    ),
    "sigmoid_cross_entropy": lambda dtype=None: keras.losses.BinaryCrossentropy(
        from_logits=True, dtype=dtype
    ),
    "mse": lambda dtype=None: keras.losses.MeanSquaredError(dtype=dtype),
}


def _batch(loss, n_out, dtype=np.float32, B=8):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(B, 3)).astype(dtype)
    if loss == "mse":
        return X, rng.normal(size=(B, n_out)).astype(dtype)
    return X, rng.integers(0, max(n_out, 2), B)


def _keras_y(loss, y, dtype="float32"):
    # BinaryCrossentropy wants (B, 1) float targets; the NumPy loss takes (B,) labels.
    return y[:, None].astype(dtype) if loss == "sigmoid_cross_entropy" else y


@pytest.mark.parametrize("activation", ["relu", "gelu", "gelu_tanh", "silu", "sigmoid", "tanh"])
@pytest.mark.parametrize("residual", [False, True])
def test_same_outputs_and_gradients_as_numpy(activation, residual):
    model = mlp(3, [5, 5], 4, activation, residual=residual, seed=0)
    net = to_reference(model)
    X, y = _batch("softmax_cross_entropy", 4)
    np.testing.assert_allclose(ops.convert_to_numpy(model(X)), net.forward(X), **F32)
    loss, grads = value_and_grad(model, LOSSES["softmax_cross_entropy"](), X, y)
    ref_loss, ref_grads = net.loss_and_grads(X, y)
    np.testing.assert_allclose(loss, ref_loss, **F32)
    for g, r in zip(grads, ref_grads, strict=True):
        np.testing.assert_allclose(g, r, **F32)


@pytest.mark.parametrize("loss, n_out", [("sigmoid_cross_entropy", 1), ("mse", 2)])
def test_gradients_for_other_losses(loss, n_out):
    model = mlp(3, [6], n_out, "tanh", seed=1)
    net = to_reference(model, loss=loss)
    X, y = _batch(loss, n_out)
    k_loss, grads = value_and_grad(model, LOSSES[loss](), X, _keras_y(loss, y))
    r_loss, ref_grads = net.loss_and_grads(X, y)
    np.testing.assert_allclose(k_loss, r_loss, **F32)
    for g, r in zip(grads, ref_grads, strict=True):
        np.testing.assert_allclose(g, r, **F32)


@pytest.mark.float64
def test_float64_gradients(backend):
    # silu, sigmoid and the exact gelu stay float64 on every backend (tanh does not on JAX).
    model = mlp(3, [5, 5], 4, "silu", dtype="float64", seed=0)
    net = to_reference(model)
    X, y = _batch("softmax_cross_entropy", 4, dtype=np.float64)
    loss, grads = value_and_grad(model, LOSSES["softmax_cross_entropy"]("float64"), X, y)
    ref_loss, ref_grads = net.loss_and_grads(X, y)
    assert all(g.dtype == np.float64 for g in grads)
    # On torch, keras.ops.matmul computes float64 products in float32 (Keras 3.15's
    # result_type(float64, float64) is float32 there), so Dense layers round to ~1e-7.
    tol = 1e-6 if backend == "torch" else 1e-12
    np.testing.assert_allclose(loss, ref_loss, rtol=tol, atol=tol)
    for g, r in zip(grads, ref_grads, strict=True):
        np.testing.assert_allclose(g, r, rtol=tol, atol=tol)


def test_adam_training_matches_numpy_step_for_step():
    X, y = _batch("softmax_cross_entropy", 3, B=16)
    model = mlp(3, [8], 3, "tanh", seed=0)
    net = to_reference(model)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        loss=LOSSES["softmax_cross_entropy"](),
    )
    model.fit(X, y, batch_size=16, epochs=5, shuffle=False, verbose=0)
    ref.train(net, X, y, optimizer=ref_optim.Adam(lr=0.01), epochs=5, shuffle=False)
    for w, r in zip(model.get_weights(), net.get_weights(), strict=True):
        np.testing.assert_allclose(w, r, rtol=1e-4, atol=1e-5)


def test_architecture_and_parameter_count():
    model = mlp(4, [16, 8], 3, "gelu")
    assert [w.shape for w in model.trainable_weights] == [
        (4, 16),
        (16,),
        (16, 8),
        (8,),
        (8, 3),
        (3,),
    ]
    assert (
        model.count_params()
        == to_reference(model).count_params()
        == 4 * 16 + 16 + 16 * 8 + 8 + 8 * 3 + 3
    )
    assert model.output_shape == (None, 3)


def test_same_seed_same_weights():
    a, b = mlp(2, [4], 1, seed=7), mlp(2, [4], 1, seed=7)
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(wa, wb)


def test_linear_layers_collapse_to_one_matrix():
    model = mlp(4, [6, 5], 2, "linear", seed=0)
    W1, b1, W2, b2, W3, b3 = model.get_weights()
    X = np.random.default_rng(0).normal(size=(7, 4)).astype(np.float32)
    collapsed = X @ (W1 @ W2 @ W3) + ((b1 @ W2 + b2) @ W3 + b3)
    np.testing.assert_allclose(ops.convert_to_numpy(model(X)), collapsed, **F32)


def test_builtin_string_activation_converts():
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(4, activation="gelu"), keras.layers.Dense(2)]
    )
    X = np.ones((2, 3), dtype=np.float32)
    np.testing.assert_allclose(
        ops.convert_to_numpy(model(X)), to_reference(model).forward(X), **F32
    )


def test_bad_input_errors():
    with pytest.raises(ValueError, match="unknown activation 'swish'.*'relu'.*'linear'"):
        mlp(3, [4], 2, "swish")
    with pytest.raises(ValueError, match="unknown output_activation"):
        mlp(3, [4], 2, output_activation="softmax2")
    with pytest.raises(ValueError, match="residual=True needs equal hidden widths"):
        mlp(3, [4, 5], 2, residual=True)
    with pytest.raises(ValueError, match="input_dim must be an integer >= 1"):
        mlp(0, [4], 2)
    with pytest.raises(TypeError, match="hidden must be a sequence"):
        mlp(3, 4, 2)
    with pytest.raises(ValueError, match=r"hidden\[1\] must be an integer >= 1"):
        mlp(3, [4, -1], 2)
    model = mlp(3, [4], 2)
    with pytest.raises(ValueError, match="X has 5 features but the MLP expects input_dim=3"):
        to_reference(model).forward(np.ones((2, 5)))
    with pytest.raises(ValueError, match="X must be 2-dimensional"):
        to_reference(model).forward(np.ones((2, 3, 1)))
    odd = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="selu")])
    with pytest.raises(ValueError, match="activation 'selu'.*expected one of"):
        to_reference(odd)
