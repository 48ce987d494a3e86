"""Keras activations (chapter 6) against keras.activations / keras.ops, the NumPy
reference, and the reference derivatives against each backend's autodiff."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.keras

keras = pytest.importorskip("keras")
from keras import ops  # noqa: E402

from mlfoundations import activations as K  # noqa: E402
from mlfoundations.backend import vjp  # noqa: E402
from mlfoundations.reference import activations as R  # noqa: E402

ELEMENTWISE = ["relu", "leaky_relu", "elu", "gelu", "gelu_tanh", "silu", "sigmoid", "tanh"]
X = np.array([-7.5, -3.1, -1.3, -0.4, -0.05, 0.03, 0.2, 0.9, 2.2, 4.7, 8.0], dtype=np.float32)
# float32 tolerances: a few ulps of values of order 1.
F32 = {"rtol": 1e-5, "atol": 1e-6}


def np_(t):
    return ops.convert_to_numpy(t)


# The Keras built-in each of ours must equal (keras.ops.gelu defaults to the tanh form).
# sigmoid and tanh are not listed: ours *are* ops.sigmoid and ops.tanh, so comparing them
# with keras.activations.sigmoid/tanh (the same ops) would test nothing.
BUILTIN = {
    "relu": keras.activations.relu,
    "leaky_relu": lambda x: keras.activations.leaky_relu(x, negative_slope=K.LEAKY_SLOPE),
    "elu": keras.activations.elu,
    "gelu": keras.activations.gelu,
    "gelu_tanh": ops.gelu,
    "silu": keras.activations.silu,
    "softmax": keras.activations.softmax,
    "log_softmax": ops.log_softmax,
    "glu": ops.glu,  # the second half gates, as in ours and torch.nn.functional.glu
}


@pytest.mark.parametrize("name", list(K.ACTIVATIONS))
def test_equals_reference_and_keras_builtin(name):
    x = np.random.default_rng(0).normal(scale=3, size=(4, 6)).astype(np.float32)
    ours = np_(K.get(name)(x))
    np.testing.assert_allclose(ours, getattr(R, name)(x), **F32)
    if name in BUILTIN:
        np.testing.assert_allclose(ours, np_(BUILTIN[name](x)), **F32)
    assert ours.dtype == np.float32


def test_the_two_gelus_of_keras():
    x = np.linspace(-4, 4, 801).astype(np.float32)
    exact = np_(keras.activations.gelu(x))
    np.testing.assert_allclose(exact, np_(ops.gelu(x, approximate=False)), **F32)
    gap = np.abs(np_(ops.gelu(x)) - exact).max()
    assert 4e-4 < gap < 5e-4  # ops.gelu is the tanh approximation by default


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_equals_autodiff(name):
    autodiff = vjp(K.get(name), X)
    # atol 1e-5: gelu_tanh's 1 + tanh(u) loses ~2e-6 to cancellation in float32 on x < 0.
    np.testing.assert_allclose(autodiff, getattr(R, name + "_grad")(X), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_vjp_equals_autodiff(name):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 5)).astype(np.float32)
    v = rng.normal(size=(3, 5)).astype(np.float32)
    autodiff = vjp(K.get(name), x, v)
    np.testing.assert_allclose(autodiff, getattr(R, name + "_grad")(x, v), **F32)


@pytest.mark.parametrize("name", [*ELEMENTWISE, "softmax", "log_softmax"])
def test_finite_at_1e4(name):
    x = np.array([-1e4, -100.0, 0.5, 100.0, 1e4], dtype=np.float32)
    fn = K.get(name)
    y, g = np_(fn(x)), vjp(fn, x)
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(g))
    if name in ELEMENTWISE:
        # atol 1e-30: backends flush float32 subnormals (sigmoid(-100) = 3.8e-44) to 0.
        np.testing.assert_allclose(y, getattr(R, name)(x), rtol=1e-6, atol=1e-30)
        np.testing.assert_allclose(g, getattr(R, name + "_grad")(x), atol=1e-6)


@pytest.mark.float64
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_float64_values_and_derivatives(name, backend):
    x = X.astype(np.float64)
    y, g = np_(K.get(name)(x)), vjp(K.get(name), x)
    # jax.numpy.tanh computes in float32 even with JAX_ENABLE_X64 (KERAS3_NOTES gotcha 1).
    tol = 1e-6 if backend == "jax" and name in ("tanh", "gelu_tanh") else 1e-12
    np.testing.assert_allclose(y, getattr(R, name)(x), rtol=tol, atol=tol)
    np.testing.assert_allclose(g, getattr(R, name + "_grad")(x), rtol=tol, atol=tol)


def test_registered_activation_survives_save_and_load(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation=K.gelu_tanh)])
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    x = np.ones((2, 3), dtype=np.float32)
    np.testing.assert_allclose(np_(loaded(x)), np_(model(x)), **F32)


def test_get_errors():
    with pytest.raises(ValueError, match="unknown activation name 'swish'.*'relu'.*'log_softmax'"):
        K.get("swish")
    with pytest.raises(TypeError, match="activation must be a name"):
        K.get(None)


def test_relu_keeps_nan_as_nan():
    x = np.array([np.nan, -np.inf, -1.0, 0.0, 2.0, np.inf], dtype=np.float32)
    out = ops.convert_to_numpy(K.relu(x))
    np.testing.assert_array_equal(out, [np.nan, 0.0, 0.0, 0.0, 2.0, np.inf])


def test_softmax_temperature_matches_reference():
    x = np.random.default_rng(1).normal(scale=3, size=(3, 5)).astype(np.float32)
    for T in (0.25, 1.0, 4.0):
        np.testing.assert_allclose(
            np_(K.softmax(x, temperature=T)), R.softmax(x, temperature=T), **F32
        )
    with pytest.raises(ValueError, match="temperature"):
        K.softmax(x, temperature=0.0)


# --- the gated units: glu, swiglu -----------------------------------------------------------

GATED = ["glu", "swiglu"]
X_GATED = np.random.default_rng(5).normal(scale=3, size=(2, 4, 6)).astype(np.float32)


@pytest.mark.parametrize("axis", [-1, 0, 1, 2])
@pytest.mark.parametrize("name", GATED)
def test_gated_units_equal_reference_along_any_axis(name, axis):
    ours = np_(getattr(K, name)(X_GATED, axis=axis))
    np.testing.assert_allclose(ours, getattr(R, name)(X_GATED, axis=axis), **F32)
    expected_shape = list(X_GATED.shape)
    expected_shape[axis] //= 2
    assert ours.shape == tuple(expected_shape) and ours.dtype == np.float32


@pytest.mark.parametrize("axis", [-1, 0])
@pytest.mark.parametrize("name", GATED)
def test_gated_grad_equals_autodiff(name, axis):
    x = X_GATED.reshape(4, 12)
    half = (2, 12) if axis == 0 else (4, 6)
    v = np.random.default_rng(6).normal(size=half).astype(np.float32)
    autodiff = vjp(lambda t: getattr(K, name)(t, axis=axis), x, v)
    np.testing.assert_allclose(autodiff, getattr(R, name + "_grad")(x, v, axis=axis), **F32)


@pytest.mark.float64
@pytest.mark.parametrize("name", GATED)
def test_gated_float64_values_and_grads(name):
    x = X_GATED.astype(np.float64)
    v = np.random.default_rng(7).normal(size=(2, 4, 3))
    fn = getattr(K, name)
    np.testing.assert_allclose(np_(fn(x)), getattr(R, name)(x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        vjp(fn, x, v), getattr(R, name + "_grad")(x, v), rtol=1e-12, atol=1e-12
    )


@pytest.mark.parametrize(
    ("shape", "kwargs", "match"),
    [
        ((3, 5), {}, "x must have an even size along axis 1"),
        ((3, 4), {"axis": 0}, "x must have an even size along axis 0"),
        ((3, 4), {"axis": 2}, "axis must be in"),
        ((3, 4), {"axis": -3}, "axis must be in"),
        ((3, 4), {"axis": 1.0}, "axis must be an integer"),
    ],
)
@pytest.mark.parametrize("name", GATED)
def test_gated_bad_input_raises_the_reference_message(name, shape, kwargs, match):
    x = np.ones(shape, np.float32)
    with pytest.raises((ValueError, TypeError), match=match) as ours:
        getattr(K, name)(x, **kwargs)
    with pytest.raises((ValueError, TypeError)) as reference:
        getattr(R, name)(x, **kwargs)
    assert type(ours.value) is type(reference.value)
    assert str(ours.value) == str(reference.value)


def test_swiglu_layer_is_the_three_matrix_feed_forward():
    """Dense(2F) on x, then swiglu, equals Shazeer's xV ⊙ silu(xW) with [V | W] fused."""
    rng = np.random.default_rng(8)
    x = rng.normal(size=(5, 4)).astype(np.float32)
    V, W = rng.normal(size=(2, 4, 3)).astype(np.float32)
    fused = np_(K.swiglu(x @ np.concatenate([V, W], axis=1)))
    xw = x @ W
    np.testing.assert_allclose(fused, (x @ V) * xw / (1 + np.exp(-xw)), **F32)
