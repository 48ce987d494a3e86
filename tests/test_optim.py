"""The Keras training recipe (chapter 9) against the NumPy reference, on every backend.

Tolerances (float32 on the Keras side):

* learning rate at every step vs ``reference.optim.warmup_cosine``: ``rtol=1e-6``;
* N AdamW steps vs N ``adamw_step`` calls whose ε is Keras' "ε-hat" ``ε/√(1−β₂ᵗ)``:
  ``rtol=1e-5, atol=1e-7``; vs the torch-convention ``adamw_step`` (ε after bias correction):
  the same plus the bound that the ε difference implies, summed over the steps,
  ``Σₜ ηₜ (ε̂ₜ − ε) |m̂ₜ| / ((√v̂ₜ + ε)(√v̂ₜ + ε̂ₜ))`` (computed from the NumPy run);
* weight decay and clipping: ``rtol=1e-6``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

pytestmark = pytest.mark.keras

keras = pytest.importorskip("keras")
from keras import ops  # noqa: E402

from mlfoundations import optim  # noqa: E402
from mlfoundations.reference import optim as ref  # noqa: E402

SCHED = dict(max_lr=3e-3, min_lr=3e-4, warmup_steps=10, total_steps=60)
REF_SCHED = dict(max_lr=3e-3, min_lr=3e-4, warmup_steps=10, decay_steps=60)


def _dense_model(n_in=4, n_out=3):
    model = keras.Sequential([keras.Input((n_in,)), keras.layers.Dense(n_out)])
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(size=(n_in, n_out)), rng.normal(size=n_out)])
    return model


def _to_np(x):
    return np.asarray(ops.convert_to_numpy(x), dtype=np.float64)


# --- the schedule ------------------------------------------------------------------------


@pytest.mark.parametrize("min_lr", [3e-4, 0.0])
def test_schedule_equals_reference_at_every_step(min_lr):
    schedule = optim.WarmupCosine(1e-3, min_lr, 100, 2000)
    steps = np.arange(0, 2300)
    got = _to_np(schedule(ops.convert_to_tensor(steps)))
    want = ref.warmup_cosine(steps, max_lr=1e-3, min_lr=min_lr, warmup_steps=100, decay_steps=2000)
    # min_lr = 0: past the end the rate is exactly 0 on both sides
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=0)


def test_schedule_serialises():
    schedule = optim.WarmupCosine(1e-3, 1e-4, 10, 100)
    again = keras.optimizers.schedules.deserialize(keras.optimizers.schedules.serialize(schedule))
    assert isinstance(again, optim.WarmupCosine) and again.get_config() == schedule.get_config()


def test_optimizer_uses_the_reference_rate_at_every_step():
    model = _dense_model()
    opt = optim.recipe(model, **SCHED)
    zeros = [ops.zeros(v.shape, "float32") for v in model.trainable_variables]
    used = []
    for _ in range(75):  # past the end of the decay
        used.append(float(_to_np(opt.learning_rate)))  # the rate of the step about to run
        opt.apply(zeros, model.trainable_variables)
    np.testing.assert_allclose(used, ref.warmup_cosine(np.arange(75), **REF_SCHED), rtol=1e-6)


def test_recipe_round_trips_through_a_saved_model(tmp_path):
    model = _dense_model()
    model.compile(optimizer=optim.recipe(model, **SCHED), loss="mse")
    model.fit(np.ones((8, 4)), np.ones((8, 3)), epochs=1, batch_size=4, verbose=0)
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras")
    assert isinstance(again.optimizer, optim.RecipeAdamW)
    assert float(_to_np(again.optimizer.learning_rate)) == pytest.approx(
        ref.warmup_cosine(2, **REF_SCHED), rel=1e-6
    )


# --- AdamW against the NumPy steps ----------------------------------------------------------


def _numpy_adamw(w0, grads, *, eps_hat: bool, weight_decay, lrs, beta1=0.9, beta2=0.95):
    w, m, v, bound = w0, np.zeros_like(w0), np.zeros_like(w0), np.zeros_like(w0)
    for t, (lr, g) in enumerate(zip(lrs, grads, strict=True), start=1):
        eps_t = 1e-8 / math.sqrt(1 - beta2**t) if eps_hat else 1e-8
        w, m, v = ref.adamw_step(w, g, m, v, t, lr=lr, beta1=beta1, beta2=beta2, eps=eps_t,
                                 weight_decay=weight_decay)  # fmt: skip
        m_hat, root = np.abs(m) / (1 - beta1**t), np.sqrt(v / (1 - beta2**t))
        e_hat = 1e-8 / math.sqrt(1 - beta2**t)
        bound = bound + lr * (e_hat - 1e-8) * m_hat / ((root + 1e-8) * (root + e_hat))
    return w, bound


def test_keras_adamw_steps_equal_numpy_adamw_steps():
    model = _dense_model()
    opt = optim.recipe(model, **SCHED, clip_global_norm=None, weight_decay=0.1)
    w0 = [_to_np(v) for v in model.trainable_variables]
    rng = np.random.default_rng(1)
    n_steps = 12
    # scales from 1e-7 to 1: where √v̂ is near ε the two ε conventions differ visibly
    scales = [10.0 ** rng.uniform(-7, 0, size=w.shape) for w in w0]
    grads = [[rng.normal(size=w.shape) * s for w, s in zip(w0, scales, strict=True)]
             for _ in range(n_steps)]  # fmt: skip
    for g in grads:
        opt.apply([ops.convert_to_tensor(x, "float32") for x in g], model.trainable_variables)
    lrs = ref.warmup_cosine(np.arange(n_steps), **REF_SCHED)
    for i, (w, decay) in enumerate(zip(w0, [0.1, 0.0], strict=True)):  # the bias is not decayed
        got = _to_np(model.trainable_variables[i])
        seq = [g[i] for g in grads]
        want_hat, _ = _numpy_adamw(w, seq, eps_hat=True, weight_decay=decay, lrs=lrs)
        np.testing.assert_allclose(got, want_hat, rtol=1e-5, atol=1e-7)
        want_torch, bound = _numpy_adamw(w, seq, eps_hat=False, weight_decay=decay, lrs=lrs)
        assert np.all(np.abs(got - want_torch) <= bound + 1e-5 * np.abs(want_torch) + 1e-7)
        assert np.abs(want_hat - want_torch).max() > 1e-7  # the bound is not vacuous here


# --- which variables decay -----------------------------------------------------------------


def _mixed_model():
    inputs = keras.Input((5,), dtype="int32")
    x = keras.layers.Embedding(11, 8)(inputs)  # (B, T, C)
    x = keras.layers.LayerNormalization()(x)
    x = keras.layers.Dense(8)(x)
    x = keras.layers.BatchNormalization()(x)
    outputs = keras.layers.Dense(3, use_bias=False)(x)
    return keras.Model(inputs, outputs)


def test_decay_mask_by_layer_type_and_rank():
    model = _mixed_model()
    names = [v.path for v in model.trainable_variables]
    mask = optim.decay_mask(model)
    decayed = [n for n, d in zip(names, mask, strict=True) if d]
    assert len(decayed) == 2 and all(n.endswith("kernel") for n in decayed), names
    with_emb = optim.decay_mask(model, decay_embeddings=True)
    assert sum(with_emb) == 3 and with_emb[0]  # the embedding table comes first


@pytest.mark.parametrize("decay_embeddings", [False, True])
def test_excluded_variables_are_never_decayed(decay_embeddings):
    """Zero gradients: Adam moves nothing, so only the decoupled decay can change a weight."""
    model = _mixed_model()
    opt = optim.recipe(model, **SCHED, weight_decay=0.5, decay_embeddings=decay_embeddings)
    variables = model.trainable_variables
    before = [_to_np(v) for v in variables]
    n_steps = 20
    for _ in range(n_steps):
        opt.apply([ops.zeros(v.shape, "float32") for v in variables], variables)
    shrink = np.prod(1 - 0.5 * ref.warmup_cosine(np.arange(n_steps), **REF_SCHED))
    mask = optim.decay_mask(model, decay_embeddings=decay_embeddings)
    for v, b, decayed in zip(variables, before, mask, strict=True):
        if decayed:
            np.testing.assert_allclose(_to_np(v), b * shrink, rtol=1e-5, err_msg=v.path)
        else:
            np.testing.assert_array_equal(_to_np(v), b, err_msg=v.path)


# --- clipping ----------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [0.1, 10.0])
def test_clipping_caps_the_global_norm_and_keeps_direction(scale):
    model = _dense_model()
    clip = 1.0
    opt = optim.recipe(model, **SCHED, clip_global_norm=clip, weight_decay=0.0)
    rng = np.random.default_rng(2)
    grads = [rng.normal(size=v.shape) * scale for v in model.trainable_variables]
    norm = math.sqrt(sum((g**2).sum() for g in grads))
    opt.apply([ops.convert_to_tensor(g, "float32") for g in grads], model.trainable_variables)
    # after one step m = (1 − β₁) · (clipped gradient): read the clipped gradient back
    # (_momentums is Keras' private list of first moments, in variable order)
    clipped = [_to_np(m) / (1 - 0.9) for m in opt._momentums]
    new_norm = math.sqrt(sum((c**2).sum() for c in clipped))
    assert new_norm == pytest.approx(min(norm, clip), rel=1e-6)
    flat = np.concatenate([g.ravel() for g in grads])
    flat_c = np.concatenate([c.ravel() for c in clipped])
    assert flat @ flat_c / (np.linalg.norm(flat) * np.linalg.norm(flat_c)) == pytest.approx(1.0)
    assert opt.grad_norm == pytest.approx(norm, rel=1e-6)  # recorded before clipping
    want, _ = ref.clip_by_global_norm(grads, clip)
    for c, w in zip(clipped, want, strict=True):
        np.testing.assert_allclose(c, w, rtol=1e-5, atol=1e-7)


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(max_lr=0.0), ValueError, "max_lr"),
        (dict(max_lr=-1e-3), ValueError, "max_lr"),
        (dict(min_lr=1.0), ValueError, "min_lr must be <= max_lr"),
        (dict(warmup_steps=100), ValueError, "warmup_steps must be <= decay_steps"),
        (dict(weight_decay=-0.1), ValueError, "weight_decay"),
        (dict(clip_global_norm=0.0), ValueError, "clip_global_norm"),
        (dict(clip_global_norm=-1.0), ValueError, "clip_global_norm"),
        (dict(beta2=1.0), ValueError, "beta2"),
    ],
)
def test_recipe_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        optim.recipe(_dense_model(), **{**SCHED, **kwargs})


def test_recipe_needs_a_built_model():
    with pytest.raises(ValueError, match="build it"):
        optim.recipe(keras.Sequential([keras.layers.Dense(2)]), **SCHED)


# --- watching a run ------------------------------------------------------------------------


def _fit_data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)).astype("float32")
    return X, (X @ rng.normal(size=(4, 3))).astype("float32")


def test_gradient_norm_log_during_fit():
    model = _dense_model()
    model.compile(optimizer=optim.recipe(model, **SCHED), loss="mse")
    X, Y = _fit_data()
    log = optim.GradientNormLog()
    model.fit(X, Y, epochs=2, batch_size=16, shuffle=False, verbose=0, callbacks=[log])
    assert len(log.grad_norms) == 8 and all(g > 0 for g in log.grad_norms)
    np.testing.assert_allclose(log.lrs, ref.warmup_cosine(np.arange(8), **REF_SCHED), rtol=1e-6)


def test_stop_on_nan_names_the_step_and_restores_weights():
    model = _dense_model()
    model.compile(optimizer=optim.recipe(model, **SCHED), loss="mse")
    X, Y = _fit_data()
    Y[37] = np.nan  # batch 2 of the second epoch (batch 16, no shuffle): global step 6
    X2, Y2 = np.concatenate([X, X]), np.concatenate([np.nan_to_num(Y), Y])
    stop = optim.StopOnNaN()
    with pytest.warns(RuntimeWarning, match="at step 6 .*learning rate"):
        model.fit(X2, Y2, epochs=3, batch_size=16, shuffle=False, verbose=0, callbacks=[stop])
    assert stop.step == 6
    assert all(np.isfinite(_to_np(v)).all() for v in model.trainable_variables)


def test_early_stopping_follows_the_reference_rule_and_restores_best():
    model = _dense_model()
    val = [1.0, 0.8, 0.7, 0.72, 0.69, 0.71, 0.75, 0.74, 0.8, 0.9]
    best_epoch, stop_epoch = ref.early_stop(val, patience=3)
    assert (best_epoch, stop_epoch) == (4, 7)
    callback = optim.early_stopping(patience=3)
    model.stop_training = False  # fit sets this; we drive the callback by hand
    callback.set_model(model)
    callback.on_train_begin()
    marks = []
    for epoch, v in enumerate(val):
        model.set_weights([w * 0 + epoch for w in model.get_weights()])  # weights = epoch
        callback.on_epoch_end(epoch, {"val_loss": v})
        marks.append(epoch)
        if model.stop_training:
            break
    callback.on_train_end()
    assert marks[-1] == stop_epoch
    assert float(_to_np(model.trainable_variables[0])[0, 0]) == best_epoch


def test_diagnose_accepts_a_history():
    model = _dense_model()
    model.compile(optimizer=optim.recipe(model, **SCHED), loss="mse")
    X, Y = _fit_data()
    history = model.fit(X, Y, validation_split=0.25, epochs=3, batch_size=16, verbose=0)
    got = optim.diagnose(history)
    assert got == ref.diagnose(history.history["loss"], history.history["val_loss"])
    with pytest.raises(ValueError, match="val_loss"):
        optim.diagnose({"loss": [1.0, 0.5]})


def test_lr_range_test_runs_and_suggests_a_rate_in_range():
    model = _dense_model()
    model.compile(optimizer="adam", loss="mse")
    before = [w.copy() for w in model.get_weights()]
    X, Y = _fit_data(256)
    lrs, losses, suggestion = optim.lr_range_test(
        model, X, Y, min_lr=1e-5, max_lr=10.0, steps=60, batch_size=32
    )
    assert len(lrs) == len(losses) and 5 <= len(lrs) <= 60
    assert np.all(np.diff(lrs) > 0) and lrs[0] == pytest.approx(1e-5)
    assert 1e-6 <= suggestion <= 1.0
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
