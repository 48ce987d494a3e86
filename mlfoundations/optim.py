"""The training recipe in Keras 3 (chapter 9): AdamW, warmup + cosine, clipping, and the
tools that watch a run (gradient norms, NaN losses, early stopping, a learning-rate range
test, the loss-curve diagnosis).

::

    model = ...  # built
    optimizer = recipe(model, max_lr=3e-3, min_lr=3e-4, warmup_steps=100, total_steps=2000)
    model.compile(optimizer=optimizer, loss=...)
    model.fit(..., callbacks=[StopOnNaN(), early_stopping(patience=10)])

The NumPy ground truth is :mod:`mlfoundations.reference.optim`; the tests compare the
learning rate this optimizer uses at every step with
:func:`~mlfoundations.reference.optim.warmup_cosine`, and N Keras AdamW steps with N
:func:`~mlfoundations.reference.optim.adamw_step` calls.

Names on this side only: :class:`WarmupCosine` (a Keras schedule), :class:`RecipeAdamW`,
:func:`decay_mask`, :func:`recipe`, the callbacks :class:`StopOnNaN` and
:class:`GradientNormLog`, :func:`early_stopping`, :func:`lr_range_test`, and the loop of
chapters 3 and 4, :func:`fit_steps` with its optimizer :func:`sgd`. :func:`diagnose` is
on both sides (here it also accepts a Keras ``History``).
"""

from __future__ import annotations

import math
import warnings

import keras
import numpy as np
from keras import ops

from .backend import global_norm, optimizer_class, scale_all
from .checks import as_float_array, check_positive, check_positive_int, check_same_length
from .reference import optim as ref

NORMALIZATION_LAYERS = tuple(
    getattr(keras.layers, name)
    for name in (
        "LayerNormalization",
        "BatchNormalization",
        "GroupNormalization",
        "RMSNormalization",
        "UnitNormalization",
        "SpectralNormalization",
    )
    if hasattr(keras.layers, name)
)
"""Layer types whose variables are never decayed (a norm's scale and shift)."""


# --- the schedule ----------------------------------------------------------------------


@keras.saving.register_keras_serializable(package="mlfoundations")
class WarmupCosine(keras.optimizers.schedules.LearningRateSchedule):
    """:func:`mlfoundations.reference.optim.warmup_cosine` as a Keras schedule.

    Linear warmup ``max_lr (step + 1)/(W + 1)`` for ``step < W``, then
    ``min_lr + (max_lr − min_lr) · sin²(π (D − step) / (2 (D − W)))`` up to ``D``, then
    ``min_lr``. The ``sin²`` form equals the reference's ``½ (1 + cos(π (step − W)/(D − W)))``
    exactly and keeps float32's relative precision near the end of the decay, where
    ``1 + cos`` would cancel. ``decay_steps`` counts from step 0 (Keras' own
    ``CosineDecay`` counts it after warmup and warms up from 0).

    Parameters
    ----------
    max_lr, min_lr : float
        0 ≤ min_lr ≤ max_lr, max_lr > 0.
    warmup_steps : int
        W ≥ 0.
    decay_steps : int
        D ≥ W.
    """

    def __init__(self, max_lr: float, min_lr: float, warmup_steps: int, decay_steps: int):
        # the reference validates (and raises the same errors)
        ref.warmup_cosine(
            0, max_lr=max_lr, min_lr=min_lr, warmup_steps=warmup_steps, decay_steps=decay_steps
        )
        self.max_lr, self.min_lr = float(max_lr), float(min_lr)
        self.warmup_steps, self.decay_steps = int(warmup_steps), int(decay_steps)

    def __call__(self, step):
        W, D = self.warmup_steps, self.decay_steps
        step = ops.cast(step, "float32")
        warm = self.max_lr * (step + 1.0) / (W + 1.0)
        remaining = ops.clip((D - step) / max(D - W, 1), 0.0, 1.0)  # 1 at W, 0 at D
        shape = ops.square(ops.sin(0.5 * math.pi * remaining))
        cosine = self.min_lr + (self.max_lr - self.min_lr) * shape
        return ops.where(step < W, warm, cosine)

    def get_config(self) -> dict:
        return {
            "max_lr": self.max_lr,
            "min_lr": self.min_lr,
            "warmup_steps": self.warmup_steps,
            "decay_steps": self.decay_steps,
        }


# --- the optimizer ---------------------------------------------------------------------


@keras.saving.register_keras_serializable(package="mlfoundations")
class RecipeAdamW(optimizer_class(keras.optimizers.AdamW)):
    """Keras ``AdamW`` that also keeps the global gradient norm of its last step.

    ``grad_norm`` is ``√(Σ ‖gᵢ‖²)`` over all gradients *before* clipping: the curve a
    training log plots to see spikes (read it with :class:`GradientNormLog`). It is an
    optimizer variable, so it works inside ``fit``'s compiled step on every backend. The
    norm is computed once per step and serves the clipping too. On PyTorch the class
    derives from Keras' multi-tensor AdamW (:func:`mlfoundations.backend.optimizer_class`).
    """

    def build(self, var_list):
        super().build(var_list)
        self._grad_norm = self.add_variable(shape=(), name="grad_norm", dtype="float32")

    def _clip_gradients(self, grads):
        present = [g for g in grads if g is not None]
        norm = global_norm(present)
        self._grad_norm.assign(norm)
        if not self.global_clipnorm or self.clipnorm or self.clipvalue:
            return super()._clip_gradients(grads)
        c = self.global_clipnorm
        # g · min(1, c/‖g‖), written as Keras writes it: a non-finite norm gives NaN
        # gradients (the step is visibly broken) instead of a silent zero scale
        scale = c * ops.minimum(1.0 / norm, 1.0 / c) + (norm - norm)
        scaled = iter(scale_all(present, scale))
        return [None if g is None else next(scaled) for g in grads]

    def _parallel_update_step(self, grads, variables, learning_rate):
        """The Adam update on PyTorch (Keras calls it there only), in fewer passes.

        Keras' multi-tensor version makes ten passes over the weights and four temporary
        lists; this one makes seven and one, with the same formulas:
        ``m ← m + (1−β₁)(g − m)``, ``v ← β₂ v + (1−β₂) g²``,
        ``w ← w − m / ((√v + ε) / α)`` with ``α = lr √(1−β₂ᵗ) / (1−β₁ᵗ)``, Keras' ε
        placement. About 1 ms of a 45 ms GPT step on 2 CPU cores. AMSGrad keeps Keras' own.
        """
        if self.amsgrad:
            return super()._parallel_update_step(grads, variables, learning_rate)
        import torch

        index = [self._get_variable_index(v) for v in variables]
        w = [v.value for v in variables]
        m = [self._momentums[i].value for i in index]
        v = [self._velocities[i].value for i in index]
        dtype = w[0].dtype
        t = ops.cast(self.iterations + 1, dtype)
        beta_1, beta_2 = ops.cast(self.beta_1, dtype), ops.cast(self.beta_2, dtype)
        alpha = ops.cast(learning_rate, dtype) * ops.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        torch._foreach_lerp_(m, grads, 1 - self.beta_1)
        torch._foreach_mul_(v, self.beta_2)
        torch._foreach_addcmul_(v, grads, grads, value=1 - self.beta_2)
        denominator = torch._foreach_sqrt(v)
        torch._foreach_add_(denominator, self.epsilon)
        torch._foreach_div_(denominator, alpha)
        torch._foreach_addcdiv_(w, m, denominator, value=-1)

    def learning_rate_at(self, step):
        """The learning rate of 0-based step ``step`` (the schedule's value, or the constant)."""
        lr = self._learning_rate
        schedule = keras.optimizers.schedules.LearningRateSchedule
        return lr(step) if isinstance(lr, schedule) else lr

    @property
    def grad_norm(self) -> float:
        """Global gradient norm of the last step (NaN before the first step)."""
        if not self.built:
            return float("nan")
        return float(ops.convert_to_numpy(self._grad_norm))


def _walk(layer):
    yield layer
    for sub in getattr(layer, "_layers", []):  # Keras tracks every sublayer here
        yield from _walk(sub)


def decay_mask(model, *, decay_embeddings: bool = False) -> list[bool]:
    """Which of ``model.trainable_variables`` weight decay should shrink.

    Decayed: matrices and higher-rank kernels. Not decayed: every variable of rank < 2
    (biases, and the scale and shift of normalisation layers), every variable of a
    normalisation layer (:data:`NORMALIZATION_LAYERS`), and an ``Embedding``'s table unless
    ``decay_embeddings=True``. Chosen by layer type and rank, never by name: Keras names a
    LayerNormalization's variables ``gamma``/``beta`` and a user's layer may name anything.

    Parameters
    ----------
    model : keras.Model or keras.Layer
        A built model.
    decay_embeddings : bool, default False
        nanoGPT decays its (tied) embedding; GPT-2-style recipes often do not.

    Returns
    -------
    list of bool
        One per trainable variable, in order.
    """
    variables = list(getattr(model, "trainable_variables", []))
    if not variables:
        raise ValueError("model has no trainable variables: build it (call it on a batch) first")
    keep = set()  # ids of variables never decayed
    for layer in _walk(model):
        no_decay = isinstance(layer, NORMALIZATION_LAYERS) or (
            isinstance(layer, keras.layers.Embedding) and not decay_embeddings
        )
        if no_decay:
            keep.update(id(v) for v in layer.trainable_variables)
    return [len(v.shape) >= 2 and id(v) not in keep for v in variables]


def _check_beta(value, name):
    value = check_positive(value, name, allow_zero=True)
    if value >= 1:
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return value


def recipe(
    model,
    *,
    max_lr: float,
    min_lr: float,
    warmup_steps: int,
    total_steps: int,
    weight_decay: float = 0.1,
    clip_global_norm: float | None = 1.0,
    beta1: float = 0.9,
    beta2: float = 0.95,
    decay_embeddings: bool = False,
) -> RecipeAdamW:
    """The chapter-9 optimizer: AdamW + warmup/cosine + global-norm clipping.

    Per step ``t``: clip the gradients to global norm ``c``
    (:func:`~mlfoundations.reference.optim.clip_by_global_norm`); decay every weight that
    :func:`decay_mask` selects, ``θ ← θ − η_t λ θ``; take an Adam step with
    ``η_t = warmup_cosine(t, max_lr, min_lr, warmup_steps, decay_steps=total_steps)``.
    Keras' Adam puts ε in the "ε-hat" position (see
    :mod:`mlfoundations.reference.optim`); ε is 1e-8.

    Parameters
    ----------
    model : keras.Model
        A built model (its variables decide what is decayed).
    max_lr, min_lr : float
        Peak and final learning rate; 0 ≤ min_lr ≤ max_lr, max_lr > 0.
    warmup_steps, total_steps : int
        0 ≤ warmup_steps ≤ total_steps; ``total_steps`` is the reference's ``decay_steps``.
    weight_decay : float, default 0.1
        λ ≥ 0 (decoupled: the decay per step is ``η_t λ``).
    clip_global_norm : float or None, default 1.0
        c > 0, or None for no clipping.
    beta1, beta2 : float, default 0.9, 0.95
        Adam's decay rates, in [0, 1).
    decay_embeddings : bool, default False
        Decay ``Embedding`` tables too (nanoGPT does).

    Returns
    -------
    RecipeAdamW
        A ``keras.optimizers.AdamW`` (which also records the gradient norm).
    """
    total_steps = check_positive_int(total_steps, "total_steps")
    warmup_steps = check_positive_int(warmup_steps, "warmup_steps", minimum=0)
    if warmup_steps > total_steps:
        raise ValueError(f"warmup_steps must be <= total_steps, got {warmup_steps} > {total_steps}")
    schedule = WarmupCosine(max_lr, min_lr, warmup_steps, total_steps)
    weight_decay = check_positive(weight_decay, "weight_decay", allow_zero=True)
    if clip_global_norm is not None:
        clip_global_norm = check_positive(clip_global_norm, "clip_global_norm")
    beta1, beta2 = _check_beta(beta1, "beta1"), _check_beta(beta2, "beta2")
    mask = decay_mask(model, decay_embeddings=decay_embeddings)
    optimizer = RecipeAdamW(
        learning_rate=schedule,
        weight_decay=weight_decay,
        beta_1=beta1,
        beta_2=beta2,
        epsilon=1e-8,
        global_clipnorm=clip_global_norm,
    )
    excluded = [v for v, decay in zip(model.trainable_variables, mask, strict=True) if not decay]
    optimizer.exclude_from_weight_decay(var_list=excluded)
    return optimizer


# --- watching a run --------------------------------------------------------------------


class GradientNormLog(keras.callbacks.Callback):
    """Record the global gradient norm (before clipping) and the learning rate every step.

    Needs a :class:`RecipeAdamW` optimizer. After ``fit``: ``grad_norms`` and ``lrs``, one
    entry per step.
    """

    def __init__(self):
        super().__init__()
        self.grad_norms: list[float] = []
        self.lrs: list[float] = []

    def on_train_batch_end(self, batch, logs=None):
        optimizer = self.model.optimizer  # on JAX, .model syncs the state first
        if not isinstance(optimizer, RecipeAdamW):
            raise TypeError("GradientNormLog needs a RecipeAdamW optimizer (see recipe())")
        self.grad_norms.append(optimizer.grad_norm)
        step = int(ops.convert_to_numpy(optimizer.iterations)) - 1  # the step just taken
        self.lrs.append(float(ops.convert_to_numpy(optimizer.learning_rate_at(step))))


class StopOnNaN(keras.callbacks.Callback):
    """Stop training at the first non-finite loss, say at which step, and what to try.

    Unlike Keras' ``TerminateOnNaN`` it also puts back the weights of the last finite epoch
    end (NaN weights help no one). After the stop, ``step`` is the 0-based global step and
    ``message`` the text that was warned (a ``RuntimeWarning``).
    """

    def __init__(self):
        super().__init__()
        self.step: int | None = None
        self.message: str | None = None
        self._seen = 0
        self._good_weights = None

    def on_train_begin(self, logs=None):
        self._good_weights = self.model.get_weights()

    def on_epoch_end(self, epoch, logs=None):
        if self.step is None:
            self._good_weights = self.model.get_weights()

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        step, self._seen = self._seen, self._seen + 1
        if self.step is not None or loss is None or math.isfinite(float(loss)):
            return
        self.step = step
        self.message = (
            f"loss became {float(loss)} at step {step} (batch {batch} of this epoch); "
            "training stopped and the weights of the last finite epoch were restored. "
            "Try: a 3-10x smaller learning rate, a warmup, gradient clipping "
            "(clip_global_norm=1.0), and check the inputs are finite and standardised."
        )
        warnings.warn(self.message, RuntimeWarning, stacklevel=2)
        self.model.stop_training = True
        self.model.set_weights(self._good_weights)


def early_stopping(patience: int, *, min_delta: float = 0.0, monitor: str = "val_loss"):
    """Keras ``EarlyStopping`` that restores the best weights (the rule of
    :func:`mlfoundations.reference.optim.early_stop`).

    Stops once ``monitor`` has not improved by more than ``min_delta`` for ``patience``
    epochs and puts back the weights of its best epoch.
    """
    patience = check_positive_int(patience, "patience")
    min_delta = check_positive(min_delta, "min_delta", allow_zero=True)
    return keras.callbacks.EarlyStopping(
        monitor=monitor, patience=patience, min_delta=min_delta, restore_best_weights=True
    )


def diagnose(train_loss, val_loss=None, *, baseline_loss: float | None = None) -> ref.Diagnosis:
    """:func:`mlfoundations.reference.optim.diagnose`, also accepting a Keras ``History``.

    Parameters
    ----------
    train_loss : keras.callbacks.History, dict, or array_like of shape (n_epochs,)
        A ``History`` returned by ``fit`` (or its ``.history`` dict) holding ``loss`` and
        ``val_loss``; or the training losses themselves, with ``val_loss`` given.
    val_loss : array_like of shape (n_epochs,), optional
        Validation losses, when ``train_loss`` is an array.
    baseline_loss : float, optional
        The loss of a model that ignores the input (see the reference).

    Returns
    -------
    Diagnosis
    """
    logs = getattr(train_loss, "history", train_loss)
    if isinstance(logs, dict):
        missing = [k for k in ("loss", "val_loss") if k not in logs]
        if missing:
            raise ValueError(f"history has no {missing}: fit with validation data")
        train, val = logs["loss"], logs["val_loss"]
    else:
        if val_loss is None:
            raise ValueError("val_loss is required when train_loss is an array of losses")
        train, val = train_loss, val_loss
    return ref.diagnose(train, val, baseline_loss=baseline_loss)


def lr_range_test(
    model,
    x,
    y,
    *,
    min_lr: float = 1e-6,
    max_lr: float = 1.0,
    steps: int = 100,
    batch_size: int = 32,
    seed: int = 0,
):
    """Learning-rate range test: train with an exponentially growing rate, read the loss.

    Takes ``steps`` Adam steps (no decay, no clipping) on random batches with
    ``lr_k = min_lr (max_lr/min_lr)^{k/(steps-1)}``, records each batch's loss, stops early
    once the loss exceeds 4× its best, and restores the model's weights afterwards. The
    suggestion is :func:`mlfoundations.reference.optim.lr_range_suggestion`.

    Parameters
    ----------
    model : keras.Model
        A compiled model (its ``loss`` is used). It is recompiled with the test's Adam
        optimizer, and its weights are put back afterwards: compile it again to train.
    x, y : array_like
        Training data.
    min_lr, max_lr : float
        The range, 0 < min_lr < max_lr.
    steps : int
        Number of steps (≥ 5).
    batch_size : int
    seed : int
        Seeds the batch choice.

    Returns
    -------
    lrs, losses : ndarray
        One entry per step taken.
    suggestion : float
    """
    lrs_all = ref.lr_range_lrs(min_lr=min_lr, max_lr=max_lr, steps=steps)
    batch_size = check_positive_int(batch_size, "batch_size")
    x = as_float_array(x, "x", dtype=None)  # any rank: the model decides
    y = np.asarray(y)
    if y.ndim == 0 or y.dtype == object:
        raise TypeError(f"y must be an array of targets, one per row of x, got {type(y).__name__}")
    check_same_length(x, y, "x", "y")
    rng = np.random.default_rng(seed)
    start = model.get_weights()
    optimizer = keras.optimizers.Adam(learning_rate=float(lrs_all[0]))
    model.compile(optimizer=optimizer, loss=model.loss)
    losses, lrs = [], []
    for lr in lrs_all:
        optimizer.learning_rate = float(lr)
        idx = rng.choice(len(x), size=min(batch_size, len(x)), replace=False)
        loss = model.train_on_batch(x[idx], y[idx])
        loss = float(loss[0] if isinstance(loss, (list, tuple)) else loss)
        lrs.append(float(lr))
        losses.append(loss)
        if not math.isfinite(loss) or loss > 4 * min(losses):
            break
    model.set_weights(start)
    lrs, losses = np.array(lrs), np.array(losses)
    return lrs, losses, ref.lr_range_suggestion(lrs, losses)


# --- the loop of chapters 3 and 4: plain SGD through ``fit`` ---------------------------


def sgd(lr: float, *, momentum: float = 0.0):
    """``keras.optimizers.SGD(learning_rate=lr, momentum=momentum)`` with checked arguments:
    the optimizer of the Keras ``gradient_descent`` twins (chapters 3 and 4).

    Parameters
    ----------
    lr : float
        Learning rate η > 0.
    momentum : float, default 0.0
        μ in [0, 1); Keras keeps ``v ← μ v − η g`` (see
        :class:`mlfoundations.reference.optim.SGD`).

    Returns
    -------
    keras.optimizers.SGD
    """
    lr = check_positive(lr, "lr")
    momentum = ref._check_rate(momentum, "momentum")
    return keras.optimizers.SGD(learning_rate=lr, momentum=momentum)


FULL_BATCH_CHUNK = 200_000
"""Most values (``repeats × n_samples × n_features``) a tiled full-batch chunk may hold."""


def fit_steps(model, X, y, *, epochs: int, batch_size: int, shuffle: bool = True, verbose=0):
    """``model.fit`` for ``epochs`` passes, fast also when every pass is one full batch.

    A ``fit`` epoch has a fixed cost (tens of milliseconds on TensorFlow) that dwarfs one
    full-batch step on a small data set. So when ``batch_size >= n_samples`` the data are
    tiled ``r`` times and fitted with ``batch_size = n_samples`` and ``shuffle=False``: each
    batch is then exactly the whole data set, and one ``fit`` epoch takes ``r`` identical
    full-batch gradient steps. Mini-batch runs are passed to ``fit`` unchanged.

    Parameters
    ----------
    model : keras.Model
        Compiled.
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples, ...)
    epochs, batch_size : int
    shuffle : bool, default True
    verbose : int, default 0

    Returns
    -------
    list of float
        ``fit``'s ``loss`` per ``fit`` epoch: one value per pass for mini-batches, one per
        tiled chunk (the mean of ``J`` over its ``r`` steps) for the full batch.
    """
    X = as_float_array(X, "X", ndim=2).astype("float32")
    y = as_float_array(y, "y").astype("float32")
    check_same_length(X, y, "X", "y")
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    n = X.shape[0]
    if batch_size < n:
        fit = model.fit(X, y, batch_size=batch_size, epochs=epochs, shuffle=shuffle,
                        verbose=verbose)  # fmt: skip
        return [float(v) for v in fit.history["loss"]]
    repeats = max(1, min(epochs, FULL_BATCH_CHUNK // X.size))
    full_chunks, rest = divmod(epochs, repeats)
    losses: list[float] = []
    for r, fit_epochs in ((repeats, full_chunks), (rest, 1 if rest else 0)):
        if fit_epochs == 0:
            continue
        X_r, y_r = np.concatenate([X] * r), np.concatenate([y] * r)  # (r·n, ...)
        fit = model.fit(X_r, y_r, batch_size=n, epochs=fit_epochs, shuffle=False,
                        verbose=verbose)  # fmt: skip
        losses += [float(v) for v in fit.history["loss"]]
    return losses
