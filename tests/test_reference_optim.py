"""The NumPy optimizers, schedules and clipping of chapter 9 (no Keras)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlfoundations.reference import optim

SCHEDULE = dict(max_lr=1e-3, min_lr=1e-4, warmup_steps=100, decay_steps=2000)
ADAM = dict(lr=0.1, beta1=0.9, beta2=0.95, eps=1e-8)


# --- warmup + cosine: values at the landmarks ------------------------------------------


def test_warmup_cosine_landmarks():
    def lr(step):
        return optim.warmup_cosine(step, **SCHEDULE)

    assert lr(0) == pytest.approx(1e-3 * 1 / 101, rel=1e-15)  # never exactly 0
    assert lr(99) == pytest.approx(1e-3 * 100 / 101, rel=1e-15)  # last warmup step
    assert lr(100) == pytest.approx(1e-3, rel=1e-15)  # end of warmup: the peak
    mid = 100 + (2000 - 100) // 2  # half way through the cosine: the mean of the two
    assert lr(mid) == pytest.approx(0.5 * (1e-3 + 1e-4), rel=1e-12)
    # nanoGPT's get_lr at iteration 1000 with these settings (KERAS3_NOTES): 5.8716e-4
    assert lr(1000) == pytest.approx(5.8716e-4, rel=1e-4)
    assert lr(2000) == pytest.approx(1e-4, rel=1e-15)  # end of decay
    assert lr(2001) == lr(10**6) == 1e-4  # past the end: min_lr


def test_warmup_cosine_is_vectorised_and_continuous_after_warmup():
    steps = np.arange(0, 2500)
    lrs = optim.warmup_cosine(steps, **SCHEDULE)
    assert lrs.shape == steps.shape
    assert lrs == pytest.approx([optim.warmup_cosine(int(s), **SCHEDULE) for s in steps])
    assert lrs.max() == pytest.approx(1e-3) and lrs.min() == pytest.approx(1e-5 / 1.01)
    assert np.all(np.diff(lrs[:101]) > 0) and np.all(np.diff(lrs[100:2001]) <= 0)
    # the cosine part's steps are small: largest jump is π/2·(max − min)/(D − W) per step
    assert np.abs(np.diff(lrs[100:])).max() <= math.pi / 2 * 9e-4 / 1900 * 1.0001


def test_warmup_cosine_differs_from_keras_convention_only_in_warmup():
    """Keras' CosineDecay(warmup_steps=W, decay_steps=D − W) in closed form: warmup
    max_lr·step/W, then the same cosine (its decay_steps counts after warmup)."""
    W, D, hi, lo = 100, 2000, 1e-3, 1e-4
    steps = np.arange(0, 2300)
    keras_form = np.where(
        steps < W,
        hi * steps / W,
        lo + 0.5 * (1 + np.cos(np.pi * np.minimum(steps - W, D - W) / (D - W))) * (hi - lo),
    )
    ours = optim.warmup_cosine(steps, **SCHEDULE)
    np.testing.assert_allclose(ours[W:], keras_form[W:], rtol=1e-12)
    assert keras_form[0] == 0 and ours[0] > 0


def test_warmup_equal_to_decay_and_no_warmup():
    assert optim.warmup_cosine(5, max_lr=1.0, min_lr=0.1, warmup_steps=5, decay_steps=5) == 0.1
    assert optim.warmup_cosine(0, max_lr=1.0, min_lr=0.1, warmup_steps=0, decay_steps=10) == 1.0


def test_other_schedules():
    steps = np.array([0, 9, 10, 25])
    np.testing.assert_array_equal(optim.constant(steps, lr=0.1), [0.1] * 4)
    np.testing.assert_allclose(
        optim.step_decay(steps, lr=1.0, factor=0.5, every=10), [1, 1, 0.5, 0.25]
    )
    np.testing.assert_allclose(
        optim.linear_decay(steps, max_lr=1.0, min_lr=0.0, decay_steps=20), [1, 0.55, 0.5, 0]
    )
    assert isinstance(optim.constant(3, lr=0.1), float)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(max_lr=0.0), "max_lr"),
        (dict(max_lr=-1.0), "max_lr"),
        (dict(min_lr=2e-3), "min_lr must be <= max_lr"),
        (dict(warmup_steps=3000), "warmup_steps must be <= decay_steps"),
        (dict(warmup_steps=-1), "warmup_steps"),
    ],
)
def test_warmup_cosine_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        optim.warmup_cosine(0, **{**SCHEDULE, **kwargs})


def test_schedule_bad_steps():
    with pytest.raises(ValueError, match="step must be >= 0"):
        optim.warmup_cosine(-1, **SCHEDULE)
    with pytest.raises(ValueError, match="factor"):
        optim.step_decay(0, lr=1.0, factor=2.0, every=1)


# --- single steps: equations by hand, and bad input --------------------------------------


def test_adam_first_step_moves_every_coordinate_by_about_lr():
    """At t = 1, m̂ = g and v̂ = g², so the step is lr·g/(|g| + ε) ≈ lr·sign(g)."""
    g = np.array([3.0, -1e-3, 50.0])
    new, m, v = optim.adam_step(np.zeros(3), g, np.zeros(3), np.zeros(3), 1,
                                lr=0.1, beta1=0.9, beta2=0.95, eps=1e-8)  # fmt: skip
    np.testing.assert_allclose(new, -0.1 * g / (np.abs(g) + 1e-8), rtol=1e-14)
    np.testing.assert_allclose(m, 0.1 * g, rtol=1e-15)
    np.testing.assert_allclose(v, 0.05 * g * g, rtol=1e-14)


def test_adamw_decay_is_decoupled():
    """With a zero gradient Adam does nothing and AdamW only shrinks: θ(1 − ηλ)."""
    w = np.array([1.0, -2.0])
    z = np.zeros(2)
    new, m, v = optim.adamw_step(w, z, z, z, 1, **ADAM, weight_decay=0.5)
    np.testing.assert_allclose(new, w * (1 - 0.1 * 0.5), rtol=1e-15)
    assert not m.any() and not v.any()


def test_momentum_and_sgd_by_hand():
    w, g = np.array([1.0]), np.array([2.0])
    np.testing.assert_allclose(optim.sgd_step(w, g, lr=0.1), [0.8])
    w1, v1 = optim.momentum_step(w, g, np.array([1.0]), lr=0.1, momentum=0.9)
    np.testing.assert_allclose(v1, [2.9])
    np.testing.assert_allclose(w1, [1 - 0.29])
    w2, v2 = optim.momentum_step(w, g, np.array([1.0]), lr=0.1, momentum=0.9, nesterov=True)
    np.testing.assert_allclose(w2, [1 - 0.1 * (2 + 0.9 * 2.9)])


def test_steps_do_not_modify_their_inputs():
    w, g, m, v = np.ones(3), np.ones(3), np.zeros(3), np.zeros(3)
    optim.adamw_step(w, g, m, v, 1, lr=0.1, beta1=0.9, beta2=0.95, eps=1e-8, weight_decay=0.1)
    assert (w == 1).all() and not m.any() and not v.any()


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda z: optim.adam_step(z, z, z, z, 0, **ADAM), ValueError, "t must be >= 1"),
        (lambda z: optim.adam_step(z, z, z, z, 1.0, **ADAM), TypeError, "t must be an integer"),
        (lambda z: optim.adam_step(z, z, z, z, 1, **{**ADAM, "beta2": 1.0}), ValueError, "beta2"),
        (lambda z: optim.adam_step(z, z[:1], z, z, 1, **ADAM), ValueError, "grad must have"),
        (lambda z: optim.adamw_step(z, z, z, z, 1, **ADAM, weight_decay=-0.1), ValueError,
         "weight_decay"),
        (lambda z: optim.sgd_step(z, z * np.nan, lr=0.1), ValueError, "grad must contain only"),
        (lambda z: optim.momentum_step(z, z, z, lr=0.1, momentum=1.5), ValueError, "momentum"),
        (lambda z: optim.clip_by_global_norm([z], 0.0), ValueError, "max_norm"),
        (lambda z: optim.clip_by_global_norm(z, 1.0), TypeError, "list"),
    ],
)  # fmt: skip
def test_step_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call(np.zeros(2))


# --- clipping ---------------------------------------------------------------------------


def test_clip_by_global_norm_caps_length_and_keeps_direction():
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=(3, 4)), rng.normal(size=5)]
    norm = math.sqrt(sum((g**2).sum() for g in grads))
    clipped, reported = optim.clip_by_global_norm(grads, 0.5)
    assert reported == pytest.approx(norm, rel=1e-15)
    new_norm = math.sqrt(sum((c**2).sum() for c in clipped))
    assert new_norm == pytest.approx(0.5, rel=1e-14)
    flat = np.concatenate([g.ravel() for g in grads])
    flat_c = np.concatenate([c.ravel() for c in clipped])
    cosine = flat @ flat_c / (np.linalg.norm(flat) * np.linalg.norm(flat_c))
    assert cosine == pytest.approx(1.0, abs=1e-15)
    same, _ = optim.clip_by_global_norm(grads, 10 * norm)  # below the cap: untouched
    for g, s in zip(grads, same, strict=True):
        np.testing.assert_array_equal(g, s)


def test_reference_optim_imports_no_keras():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import mlfoundations.reference.optim\n"
        "print(sorted(m for m in ('keras', 'tensorflow', 'jax', 'torch') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# --- diagnosis on synthetic curves ---------------------------------------------------------

EPOCHS = np.arange(40)
FALLING = 2.0 * np.exp(-EPOCHS / 8) + 0.1  # 2.1 → ~0.11


@pytest.mark.parametrize(
    "train, val, baseline, verdict",
    [
        (FALLING, FALLING + 0.05, 2.3, "good fit"),
        (FALLING, FALLING + 0.05, None, "good fit"),
        # validation turns up at epoch ~10 while training keeps falling
        (FALLING, 0.6 + 0.002 * (EPOCHS - 10) ** 2, 2.3, "overfitting"),
        # loss blows up after going down
        (np.r_[FALLING[:20], FALLING[19] * 1.2 ** np.arange(1, 21)], FALLING, None, "diverging"),
        (np.linspace(2.3, 2.2, 40), np.linspace(2.3, 2.2, 40), 2.3, "plateau"),
        # falls, but only to 60 % of the input-blind loss: the model is too weak
        (1.4 + 0.9 * np.exp(-EPOCHS / 5), 1.45 + 0.9 * np.exp(-EPOCHS / 5), 2.3, "underfitting"),
    ],
)
def test_diagnose_synthetic_curves(train, val, baseline, verdict):
    got = optim.diagnose(train, val, baseline_loss=baseline)
    assert got.verdict == verdict, got
    assert got.remedies == optim.REMEDIES[verdict]
    assert got.numbers["epochs"] == 40 and str(got).startswith(verdict)


def test_diagnose_underfitting_needs_a_baseline():
    train = 1.4 + 0.9 * np.exp(-EPOCHS / 5)
    assert optim.diagnose(train, train + 0.05).verdict == "good fit"


@pytest.mark.parametrize(
    "train, val, baseline, match",
    [
        ([1.0, 0.5, 0.4], [1.0, 0.9], None, "same length"),
        ([1.0, np.nan], [1.0, 0.9], None, "train_loss must contain only finite"),
        ([1.0, 0.5], [1.0, np.inf], None, "val_loss must contain only finite"),
        ([1.0], [1.0], None, "at least 2"),
        ([1.0, 0.5], [1.0, 0.6], -1.0, "baseline_loss"),
    ],
)
def test_diagnose_bad_input(train, val, baseline, match):
    with pytest.raises(ValueError, match=match):
        optim.diagnose(train, val, baseline_loss=baseline)


def test_early_stop_rule():
    val = [1.0, 0.8, 0.7, 0.72, 0.69, 0.71, 0.75, 0.74, 0.8, 0.9]
    assert optim.early_stop(val, patience=3) == (4, 7)
    assert optim.early_stop(val, patience=10) == (4, None)
    # with min_delta 0.02 the epoch-4 dip (0.01 better) is no improvement
    assert optim.early_stop(val, patience=3, min_delta=0.02) == (2, 5)
    with pytest.raises(ValueError, match="patience"):
        optim.early_stop(val, patience=0)


def test_lr_range_helpers():
    lrs = optim.lr_range_lrs(min_lr=1e-5, max_lr=1.0, steps=6)
    np.testing.assert_allclose(lrs, [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0], rtol=1e-12)
    # loss falls to its minimum at lr = 1e-2, then rises: suggestion a tenth of it
    losses = np.array([2.0, 1.9, 1.5, 1.0, 3.0, np.nan])
    assert optim.lr_range_suggestion(lrs, losses, smoothing=0.0) == pytest.approx(1e-3)
    with pytest.raises(ValueError, match="min_lr must be < max_lr"):
        optim.lr_range_lrs(min_lr=1.0, max_lr=1.0, steps=10)
    with pytest.raises(ValueError, match="same shape"):
        optim.lr_range_suggestion(lrs, losses[:3])
