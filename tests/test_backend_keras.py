"""backend.py on the active backend: gradients equal a NumPy ground truth (so the three
backends agree with each other), seeding is reproducible, devices are listed."""

import numpy as np
import pytest

from mlfoundations import backend as mlf_backend

pytestmark = pytest.mark.keras

RNG = np.random.default_rng(42)
W1 = RNG.normal(size=(3, 4)).astype("float32")
B1 = RNG.normal(size=4).astype("float32")
W2 = RNG.normal(size=(4, 1)).astype("float32")
B2 = RNG.normal(size=1).astype("float32")
X = RNG.normal(size=(8, 3)).astype("float32")
Y = RNG.normal(size=(8, 1)).astype("float32")


def numpy_loss_and_grads():
    """MSE of a tanh MLP and its gradients by the chain rule, in float64."""
    x, y = X.astype(np.float64), Y.astype(np.float64)
    h = np.tanh(x @ W1 + B1)  # (8, 4)
    out = h @ W2 + B2  # (8, 1)
    loss = np.mean((out - y) ** 2)
    d_out = 2 * (out - y) / out.size
    d_h = d_out @ W2.T * (1 - h**2)
    return loss, [x.T @ d_h, d_h.sum(0), h.T @ d_out, d_out.sum(0)]


def make_model():
    import keras

    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1)]
    )
    model.set_weights([W1, B1, W2, B2])
    return model


def test_value_and_grad_equals_chain_rule():
    import keras

    model = make_model()
    loss, grads = _vag(model, keras.losses.MeanSquaredError())
    ref_loss, ref_grads = numpy_loss_and_grads()
    # float32 forward and backward: agreement to rtol 1e-5 / atol 1e-6 on every backend
    np.testing.assert_allclose(loss, ref_loss, rtol=1e-5)
    assert [g.shape for g in grads] == [w.shape for w in (W1, B1, W2, B2)]
    for got, want in zip(grads, ref_grads, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def _vag(model, loss_fn):
    return mlf_backend.value_and_grad(model, loss_fn, X, Y)


def test_value_and_grad_twice_does_not_accumulate():
    import keras

    model = make_model()
    _, first = _vag(model, keras.losses.MeanSquaredError())
    _, second = _vag(model, keras.losses.MeanSquaredError())
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)


def test_value_and_grad_needs_a_built_model():
    import keras

    model = keras.Sequential([keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="built"):
        mlf_backend.value_and_grad(model, keras.losses.MeanSquaredError(), X, Y)


def test_vjp_gives_elementwise_derivatives():
    from keras import ops

    x = np.linspace(-3, 3, 13).astype("float32")
    np.testing.assert_allclose(
        mlf_backend.vjp(ops.tanh, x), 1 - np.tanh(x) ** 2, rtol=1e-5, atol=1e-6
    )
    v = np.arange(13, dtype="float32")
    np.testing.assert_allclose(mlf_backend.vjp(ops.sin, x, v), v * np.cos(x), rtol=1e-5, atol=1e-5)


def test_seed_everything_reproduces_initial_weights_and_fit():
    import keras

    def run():
        mlf_backend.seed_everything(123)
        model = keras.Sequential(
            [
                keras.Input((3,)),
                keras.layers.Dense(8, activation="relu"),
                keras.layers.Dropout(0.5),
                keras.layers.Dense(1),
            ]
        )
        model.compile(optimizer="adam", loss="mse")
        model.fit(X, Y, epochs=2, batch_size=4, shuffle=True, verbose=0)
        return model.get_weights()

    for a, b in zip(run(), run(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True])
def test_seed_everything_rejects_bad_seeds(bad):
    with pytest.raises((TypeError, ValueError), match="seed must be an integer in"):
        mlf_backend.seed_everything(bad)


def test_list_devices_has_a_cpu_or_gpu(backend):
    devices = mlf_backend.list_devices()
    assert devices and {"kind", "name", "memory"} <= set(devices[0])
    assert any(d["kind"] in ("CPU", "GPU") for d in devices)
    assert mlf_backend.active_backend() == backend


@pytest.mark.parametrize("include", [True, False])
def test_value_and_grad_includes_regularisation_like_fit(include):
    import keras

    l2 = 0.1
    model = keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(4, activation="tanh", kernel_regularizer=keras.regularizers.L2(l2)),
            keras.layers.Dense(1),
        ]
    )
    model.set_weights([W1, B1, W2, B2])
    loss, grads = mlf_backend.value_and_grad(
        model, keras.losses.MeanSquaredError(), X, Y, include_regularization=include
    )
    ref_loss, ref_grads = numpy_loss_and_grads()
    penalty = l2 * np.sum(W1.astype(np.float64) ** 2) if include else 0.0
    np.testing.assert_allclose(loss, ref_loss + penalty, rtol=1e-5)
    expected_w1 = ref_grads[0] + (2 * l2 * W1 if include else 0.0)
    np.testing.assert_allclose(grads[0], expected_w1, rtol=1e-5, atol=1e-6)


def test_set_precision_sets_the_mixed_policy_and_back():
    import keras

    from mlfoundations.backend import set_precision

    try:
        assert set_precision("bf16") == "mixed_bfloat16"
        layer = keras.layers.Dense(2)
        layer.build((None, 3))
        assert layer.compute_dtype == "bfloat16" and layer.kernel.dtype == "float32"
    finally:
        set_precision("fp32")
    assert keras.config.dtype_policy().name == "float32"
    with pytest.raises(ValueError, match="precision"):
        set_precision("fp16")


def test_vjp_on_integers_and_bad_input_is_the_same_on_every_backend():
    """An integer point is differentiated as floats (TensorFlow returned None for it)."""
    import numpy as np

    from mlfoundations import activations
    from mlfoundations.backend import vjp

    at_ints = vjp(activations.sigmoid, np.array([0, 1, 2]))
    at_floats = vjp(activations.sigmoid, np.array([0.0, 1.0, 2.0], dtype="float32"))
    np.testing.assert_allclose(at_ints, at_floats, rtol=1e-6)
    with pytest.raises(TypeError, match="x must hold numbers"):
        vjp(activations.sigmoid, None)
    with pytest.raises(ValueError, match="cotangent must have the shape"):
        vjp(activations.sigmoid, np.ones(3, "float32"), np.ones(4, "float32"))
    with pytest.raises(TypeError, match="fn must be a function"):
        vjp(3, np.ones(3))


def test_global_norm_and_scale_all_match_numpy():
    import keras

    rng = np.random.default_rng(0)
    arrays = [rng.normal(size=s).astype("float32") for s in ((3, 4), (5,), (2, 2, 2))]
    tensors = [keras.ops.convert_to_tensor(a) for a in arrays]
    expected = np.sqrt(sum(float(np.sum(a.astype("float64") ** 2)) for a in arrays))
    norm = mlf_backend.global_norm(tensors)
    np.testing.assert_allclose(float(keras.ops.convert_to_numpy(norm)), expected, rtol=1e-6)
    with pytest.raises(ValueError, match="tensors must hold at least one tensor"):
        mlf_backend.global_norm([])
    scaled = mlf_backend.scale_all(tensors, keras.ops.convert_to_tensor(0.5))
    for a, s in zip(arrays, scaled, strict=True):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(s), 0.5 * a, rtol=1e-7)


def test_optimizer_class_keeps_the_backends_fast_path(backend):
    import keras

    from mlfoundations.optim import RecipeAdamW

    fast = mlf_backend.optimizer_class(keras.optimizers.AdamW)
    # what keras.optimizers.AdamW(...) really builds on this backend is our base class
    assert type(keras.optimizers.AdamW(learning_rate=1e-3)) is fast
    assert issubclass(RecipeAdamW, fast)
    with pytest.raises(TypeError, match="cls must be an optimizer class"):
        mlf_backend.optimizer_class(keras.optimizers.AdamW(learning_rate=1e-3))
