"""Optimizers, learning-rate schedules and clipping in NumPy, from the update equations
(chapter 9).

Every optimizer is one pure function that takes the parameter, its gradient and the
optimizer's state and returns the new parameter and state; nothing is updated in place::

    m, v = np.zeros_like(w), np.zeros_like(w)
    for t in range(1, n_steps + 1):  # t counts from 1: Adam's bias correction needs it
        lr = warmup_cosine(t - 1, max_lr=3e-3, min_lr=3e-4, warmup_steps=100, decay_steps=2000)
        g, norm = clip_by_global_norm([grad(w)], max_norm=1.0)
        w, m, v = adamw_step(w, g[0], m, v, t, lr=lr, beta1=0.9, beta2=0.95, eps=1e-8,
                             weight_decay=0.1)

The conventions are PyTorch's and the papers' (the tests compare with ``torch.optim`` in
float64 to 1e-12):

* momentum keeps ``v ← μ v + g`` and steps ``θ ← θ − η v`` (Sutskever et al.; torch's
  ``SGD(momentum=μ)``). Keras' ``SGD`` keeps ``v ← μ v − η g`` instead: the learning rate
  is folded into the velocity, which is the same while η is constant and not under a
  schedule;
* Adam adds ε to √v̂ *after* bias correction (Kingma & Ba, Algorithm 1; torch). Keras adds
  ε to √v and folds the corrections into the step size (the paper's "ε-hat" form, end of
  its Section 2): that is this Adam with ε replaced by ``ε̂ₜ = ε / √(1 − β₂ᵗ)``, slightly
  larger early in training (``√(1 − 0.95) ≈ 0.22`` at t = 1, so ε̂₁ ≈ 4.5 ε);
* AdamW decays the weights *decoupled* from the gradient, ``θ ← θ − η λ θ``, before the Adam
  step (Loshchilov & Hutter, Algorithm 2 with schedule multiplier η; torch's ``AdamW``).

Names on this side only (the Keras side uses ``keras.optimizers``): ``sgd_step``,
``momentum_step``, ``adam_step``, ``adamw_step``, the schedules and ``clip_by_global_norm``.
Also one-sided: the schedules by name (``warmup_cosine``, ``constant``, ``step_decay``,
``linear_decay``), ``early_stop``, ``lr_range_lrs``, ``lr_range_suggestion``, ``Diagnosis``,
and the loop of chapters 3 to 5: ``DescentResult``, ``check_descent_args``, ``run_descent``
and the in-place optimisers ``SGD`` and ``Adam`` of the NumPy MLP.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..checks import as_float_array, check_positive, check_positive_int, check_seed

# --- validation helpers ----------------------------------------------------------------


def _check_rate(value, name: str) -> float:
    """A coefficient in [0, 1) (momentum, beta1, beta2)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return value


def _check_t(t) -> int:
    if isinstance(t, bool) or not isinstance(t, numbers.Integral):
        raise TypeError(f"t must be an integer step count (from 1), got {type(t).__name__}")
    if t < 1:
        raise ValueError(f"t must be >= 1 (Adam counts steps from 1), got {t}")
    return int(t)


def _check_like(arr, name: str, shape) -> np.ndarray:
    arr = as_float_array(arr, name, dtype=None)
    if arr.shape != shape:
        raise ValueError(f"{name} must have the parameter's shape {shape}, got {arr.shape}")
    return arr


# --- single steps ----------------------------------------------------------------------


def sgd_step(param, grad, *, lr: float) -> np.ndarray:
    """One step of gradient descent, ``θ ← θ − η g``.

    Parameters
    ----------
    param, grad : ndarray of any shape (the same)
    lr : float
        Learning rate η ≥ 0.

    Returns
    -------
    ndarray
        The new parameter (a new array; ``param`` is not modified).
    """
    param = as_float_array(param, "param", dtype=None)
    grad = _check_like(grad, "grad", param.shape)
    lr = check_positive(lr, "lr", allow_zero=True)
    return param - lr * grad


def momentum_step(
    param, grad, velocity, *, lr: float, momentum: float, nesterov: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """One step of SGD with (heavy-ball or Nesterov) momentum, torch's convention.

    ``v ← μ v + g``; then ``θ ← θ − η v`` (heavy ball), or with ``nesterov=True``
    ``θ ← θ − η (g + μ v)`` (the look-ahead form ``torch.optim.SGD(nesterov=True)`` uses).
    Start from ``velocity = 0``.

    Parameters
    ----------
    param, grad, velocity : ndarray of the same shape
    lr : float
        Learning rate η ≥ 0.
    momentum : float
        μ in [0, 1).
    nesterov : bool, default False

    Returns
    -------
    param, velocity : ndarray
        New arrays.
    """
    param = as_float_array(param, "param", dtype=None)
    grad = _check_like(grad, "grad", param.shape)
    velocity = _check_like(velocity, "velocity", param.shape)
    lr = check_positive(lr, "lr", allow_zero=True)
    mu = _check_rate(momentum, "momentum")
    velocity = mu * velocity + grad
    direction = grad + mu * velocity if nesterov else velocity
    return param - lr * direction, velocity


def adam_step(
    param, grad, m, v, t: int, *, lr: float, beta1: float, beta2: float, eps: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One Adam step (Kingma & Ba, Algorithm 1), ε added after bias correction.

    ``m ← β₁ m + (1 − β₁) g``, ``v ← β₂ v + (1 − β₂) g²``,
    ``m̂ = m / (1 − β₁ᵗ)``, ``v̂ = v / (1 − β₂ᵗ)``, ``θ ← θ − η m̂ / (√v̂ + ε)``.

    Parameters
    ----------
    param, grad, m, v : ndarray of the same shape
        ``m`` and ``v`` start at zero.
    t : int
        The number of this step, counting from 1.
    lr : float
        η ≥ 0.
    beta1, beta2 : float
        Decay rates in [0, 1).
    eps : float
        ε > 0.

    Returns
    -------
    param, m, v : ndarray
        New arrays.
    """
    param = as_float_array(param, "param", dtype=None)
    grad = _check_like(grad, "grad", param.shape)
    m = _check_like(m, "m", param.shape)
    v = _check_like(v, "v", param.shape)
    t = _check_t(t)
    lr = check_positive(lr, "lr", allow_zero=True)
    beta1, beta2 = _check_rate(beta1, "beta1"), _check_rate(beta2, "beta2")
    eps = check_positive(eps, "eps")
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adamw_step(
    param,
    grad,
    m,
    v,
    t: int,
    *,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One AdamW step: decoupled weight decay, then the Adam step of :func:`adam_step`.

    ``θ ← θ − η λ θ`` (the decay never enters ``m`` or ``v``, unlike an L2 term added to
    the gradient, which Adam would rescale per coordinate), then
    ``θ ← θ − η m̂ / (√v̂ + ε)`` as in Adam. Loshchilov & Hutter (2019), Algorithm 2;
    ``torch.optim.AdamW``.

    Parameters
    ----------
    param, grad, m, v, t, lr, beta1, beta2, eps
        As in :func:`adam_step`.
    weight_decay : float
        λ ≥ 0. ``weight_decay=0`` is Adam.

    Returns
    -------
    param, m, v : ndarray
        New arrays.
    """
    param = as_float_array(param, "param", dtype=None)
    lr_checked = check_positive(lr, "lr", allow_zero=True)
    wd = check_positive(weight_decay, "weight_decay", allow_zero=True)
    decayed = param * (1 - lr_checked * wd)
    return adam_step(decayed, grad, m, v, t, lr=lr, beta1=beta1, beta2=beta2, eps=eps)


# --- clipping --------------------------------------------------------------------------


def clip_by_global_norm(grads, max_norm: float) -> tuple[list[np.ndarray], float]:
    """Scale a list of gradients together so their global norm is at most ``max_norm``.

    ``‖g‖ = √(Σᵢ ‖gᵢ‖²)`` over every array; each ``gᵢ ← gᵢ · min(1, c / ‖g‖)``. All arrays
    get the same factor, so the update keeps its direction and only its length is capped
    (clipping each array separately would change the direction). ``torch.nn.utils.
    clip_grad_norm_`` divides by ``‖g‖ + 1e-6`` instead, a relative difference of about
    ``1e-6 / ‖g‖`` when clipping.

    Parameters
    ----------
    grads : list of ndarray
        The gradients, any shapes.
    max_norm : float
        c > 0.

    Returns
    -------
    clipped : list of ndarray
        New arrays.
    norm : float
        The global norm *before* clipping (what a training log plots).
    """
    if isinstance(grads, np.ndarray) or not isinstance(grads, (list, tuple)) or not grads:
        raise TypeError("grads must be a non-empty list of arrays")
    grads = [as_float_array(g, f"grads[{i}]", dtype=None) for i, g in enumerate(grads)]
    max_norm = check_positive(max_norm, "max_norm")
    norm = float(np.sqrt(sum(float(np.sum(g * g)) for g in grads)))
    scale = 1.0 if norm <= max_norm else max_norm / norm
    return [g * scale for g in grads], norm


# --- schedules -------------------------------------------------------------------------


def _check_steps(step) -> np.ndarray:
    step = as_float_array(step, "step", dtype=np.float64)
    if np.any(step < 0):
        raise ValueError(f"step must be >= 0 (steps count from 0), got min {step.min()}")
    return step


def _out(step: np.ndarray, lr: np.ndarray):
    return float(lr) if step.ndim == 0 else lr


def _check_lr_range(max_lr, min_lr) -> tuple[float, float]:
    max_lr = check_positive(max_lr, "max_lr")
    min_lr = check_positive(min_lr, "min_lr", allow_zero=True)
    if min_lr > max_lr:
        raise ValueError(f"min_lr must be <= max_lr, got min_lr={min_lr} > max_lr={max_lr}")
    return max_lr, min_lr


def warmup_cosine(step, *, max_lr: float, min_lr: float, warmup_steps: int, decay_steps: int):
    """Linear warmup, then a cosine from ``max_lr`` down to ``min_lr``, then ``min_lr``.

    With ``W = warmup_steps`` and ``D = decay_steps`` (counted from step 0, not from the end
    of warmup, as nanoGPT's ``lr_decay_iters``):

    * ``step < W``: ``max_lr · (step + 1) / (W + 1)`` (nanoGPT's warmup: never exactly 0);
    * ``W ≤ step ≤ D``: ``min_lr + ½ (1 + cos(π (step − W) / (D − W))) (max_lr − min_lr)``;
    * ``step > D``: ``min_lr``.

    If ``W == D`` the decay has no length and the rate is ``min_lr`` from step ``W`` on.
    Keras' ``CosineDecay(warmup_steps=W, decay_steps=D')`` differs in two ways: its warmup is
    ``max_lr · step / W`` (0 at step 0), and its ``D'`` counts the decay *after* warmup, so
    ``D' = D − W`` gives the same cosine. :class:`mlfoundations.optim.WarmupCosine` is this
    function for Keras.

    Parameters
    ----------
    step : int or array_like of int
        0-based step number(s), ≥ 0.
    max_lr : float
        Peak rate, > 0.
    min_lr : float
        Final rate, 0 ≤ min_lr ≤ max_lr.
    warmup_steps : int
        W ≥ 0.
    decay_steps : int
        D ≥ W.

    Returns
    -------
    float or ndarray
        The learning rate at each step (a float for a scalar ``step``).
    """
    step = _check_steps(step)
    max_lr, min_lr = _check_lr_range(max_lr, min_lr)
    W = check_positive_int(warmup_steps, "warmup_steps", minimum=0)
    D = check_positive_int(decay_steps, "decay_steps", minimum=0)
    if W > D:
        raise ValueError(f"warmup_steps must be <= decay_steps, got {W} > {D}")
    warm = max_lr * (step + 1) / (W + 1)
    ratio = np.clip((step - W) / max(D - W, 1), 0.0, 1.0)
    cosine = min_lr + 0.5 * (1 + np.cos(np.pi * ratio)) * (max_lr - min_lr)
    if D == W:
        cosine = np.full_like(step, min_lr)
    lr = np.where(step < W, warm, np.where(step <= D, cosine, min_lr))
    return _out(step, lr)


def constant(step, *, lr: float):
    """The same rate ``lr`` at every step (the baseline the chapter ablates against).

    Parameters
    ----------
    step : int or array_like of int
        0-based step number(s), ≥ 0.
    lr : float
        > 0.
    """
    step = _check_steps(step)
    lr = check_positive(lr, "lr")
    return _out(step, np.full_like(step, lr))


def step_decay(step, *, lr: float, factor: float, every: int):
    """Piecewise-constant decay: ``lr · factor^⌊step / every⌋``.

    Parameters
    ----------
    step : int or array_like of int
        0-based step number(s), ≥ 0.
    lr : float
        Initial rate, > 0.
    factor : float
        Multiplier per drop, in (0, 1].
    every : int
        Steps between drops, ≥ 1.
    """
    step = _check_steps(step)
    lr = check_positive(lr, "lr")
    factor = check_positive(factor, "factor")
    if factor > 1:
        raise ValueError(f"factor must be in (0, 1], got {factor}")
    every = check_positive_int(every, "every")
    return _out(step, lr * factor ** np.floor(step / every))


def linear_decay(step, *, max_lr: float, min_lr: float, decay_steps: int):
    """Straight line from ``max_lr`` at step 0 to ``min_lr`` at ``decay_steps``, then flat.

    ``max_lr + (min_lr − max_lr) · min(step / D, 1)``.

    Parameters
    ----------
    step : int or array_like of int
        0-based step number(s), ≥ 0.
    max_lr, min_lr : float
        0 ≤ min_lr ≤ max_lr, max_lr > 0.
    decay_steps : int
        D ≥ 1.
    """
    step = _check_steps(step)
    max_lr, min_lr = _check_lr_range(max_lr, min_lr)
    D = check_positive_int(decay_steps, "decay_steps")
    return _out(step, max_lr + (min_lr - max_lr) * np.minimum(step / D, 1.0))


# --- reading a run: early stopping, the LR range test, the diagnosis ---------------------


def _check_curve(values, name: str) -> np.ndarray:
    arr = as_float_array(values, name, ndim=1)  # rejects NaN and inf with the name
    if len(arr) < 2:
        raise ValueError(f"{name} needs at least 2 epochs, got {len(arr)}")
    return arr


def early_stop(val_loss, *, patience: int, min_delta: float = 0.0) -> tuple[int, int | None]:
    """Where early stopping on ``val_loss`` stops, and which epoch's weights it keeps.

    Keras' ``EarlyStopping`` rule: an epoch *improves* if ``val < best − min_delta``; after
    ``patience`` epochs in a row without improvement training stops (at that epoch), and
    the weights of the best epoch are restored.

    Parameters
    ----------
    val_loss : array_like of shape (n_epochs,)
    patience : int
        ≥ 1.
    min_delta : float, default 0
        ≥ 0.

    Returns
    -------
    best_epoch : int
        0-based epoch whose weights are kept (among the epochs run).
    stop_epoch : int or None
        0-based epoch after which training stops, or None if it runs to the end.
    """
    val = as_float_array(val_loss, "val_loss", ndim=1)
    patience = check_positive_int(patience, "patience")
    min_delta = check_positive(min_delta, "min_delta", allow_zero=True)
    best, best_epoch, wait = np.inf, 0, 0
    for epoch, current in enumerate(val):
        wait += 1
        if current < best - min_delta:
            best, best_epoch, wait = current, epoch, 0
            continue
        if wait >= patience and epoch > 0:
            return best_epoch, epoch
    return best_epoch, None


def lr_range_lrs(*, min_lr: float, max_lr: float, steps: int) -> np.ndarray:
    """The learning rates of a range test: ``min_lr (max_lr/min_lr)^{k/(steps−1)}``, k = 0..steps−1.

    Parameters
    ----------
    min_lr, max_lr : float
        0 < min_lr < max_lr.
    steps : int
        ≥ 5.
    """
    min_lr, max_lr = check_positive(min_lr, "min_lr"), check_positive(max_lr, "max_lr")
    if min_lr >= max_lr:
        raise ValueError(f"min_lr must be < max_lr, got {min_lr} >= {max_lr}")
    steps = check_positive_int(steps, "steps", minimum=5)
    return min_lr * (max_lr / min_lr) ** (np.arange(steps) / (steps - 1))


def lr_range_suggestion(lrs, losses, *, smoothing: float = 0.8) -> float:
    """A learning rate read off a range test: a tenth of the rate where the loss is lowest.

    The losses are smoothed first (exponential moving average with bias correction,
    ``smoothing`` = its β), because single batches are noisy. The minimum of the smoothed
    curve is where the rate starts to be too large; a tenth of it is a conservative peak
    rate (Smith 2017 and fast.ai read the curve the same way; other rules take the steepest
    descent, which is usually within a factor of 3 of this).

    Parameters
    ----------
    lrs, losses : array_like of shape (n,)
        As returned by a range test; ``losses`` may end in a non-finite value (ignored).
    smoothing : float, default 0.8
        β in [0, 1).

    Returns
    -------
    float
    """
    lrs = as_float_array(lrs, "lrs", ndim=1)
    losses = np.asarray(losses, dtype=np.float64)
    if losses.shape != lrs.shape:
        raise ValueError(
            f"lrs and losses must have the same shape, got {lrs.shape}, {losses.shape}"
        )
    finite = np.isfinite(losses)
    if finite.sum() < 2:
        raise ValueError("losses needs at least 2 finite values")
    beta = _check_rate(smoothing, "smoothing")
    lrs, losses = lrs[finite], losses[finite]
    avg, smooth = 0.0, np.empty_like(losses)
    for k, loss in enumerate(losses):
        avg = beta * avg + (1 - beta) * loss
        smooth[k] = avg / (1 - beta ** (k + 1))
    return float(lrs[int(np.argmin(smooth))] / 10)


REMEDIES = {
    "diverging": (
        "lower the learning rate 3-10x",
        "add a warmup",
        "clip the gradient norm",
        "standardise the inputs and check them for NaN/inf",
    ),
    "plateau": (
        "raise the learning rate (run a range test)",
        "check the loss actually depends on the weights (gradients not vanishing: chapter 6)",
        "train longer",
    ),
    "overfitting": (
        "stop early (keep the best validation epoch)",
        "more weight decay or dropout",
        "more data (or augmentation)",
        "a smaller model",
    ),
    "underfitting": (
        "a bigger model (wider or deeper)",
        "train longer or with a larger learning rate",
        "less regularisation",
        "better features / inputs",
    ),
    "good fit": ("nothing to fix: keep the best validation epoch",),
}
"""The usual remedies for each verdict of :func:`diagnose` (the primer's table)."""


@dataclass(frozen=True)
class Diagnosis:
    """What :func:`diagnose` concluded from two loss curves."""

    verdict: str
    reason: str
    numbers: dict = field(default_factory=dict)
    remedies: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.verdict}: {self.reason}"


def diagnose(train_loss, val_loss, *, baseline_loss: float | None = None) -> Diagnosis:
    """Read a training and a validation loss curve and say what is wrong, if anything.

    The rules, checked in this order (``tr``, ``va`` are the per-epoch losses, ``n`` epochs):

    1. **diverging** if the training loss ends above where it started,
       ``tr[-1] > tr[0]``, or rose to more than 1.5× its minimum, ``tr[-1] > 1.5 min(tr)``.
    2. **plateau (learning rate too small)** if the training loss fell by less than 20 %
       over the whole run, ``(tr[0] − min tr)/tr[0] < 0.2``.
    3. **overfitting** if the validation loss ended more than 10 % above its minimum,
       ``va[-1] > 1.1 min(va)``, and its minimum came before the last quarter of the run
       (``argmin va < 0.75 n``): it turned up while the training loss kept falling.
    4. **underfitting** (only with ``baseline_loss``, the loss of a model that ignores the
       input, e.g. ``log K`` for K balanced classes or the target variance for squared
       error) if the best training loss is still above 30 % of the baseline,
       ``min tr > 0.3 · baseline``: the model does not fit even the data it sees.
    5. **good fit** otherwise.

    The thresholds are rules of thumb sized on the chapter's runs (a model that fits has
    ``min tr`` well under 0.3 of the baseline on its tasks); a task with much irreducible
    noise needs a higher underfitting threshold.

    Parameters
    ----------
    train_loss, val_loss : array_like of shape (n_epochs,)
        Per-epoch losses, n ≥ 2, finite (a NaN means the run diverged: stop at it, e.g. with
        :class:`mlfoundations.optim.StopOnNaN`, and pass the finite part).
    baseline_loss : float, optional
        > 0.

    Returns
    -------
    Diagnosis
        ``verdict``, a one-line ``reason`` with the deciding numbers, ``numbers`` (dict),
        ``remedies`` (from :data:`REMEDIES`).
    """
    tr = _check_curve(train_loss, "train_loss")
    va = _check_curve(val_loss, "val_loss")
    if len(tr) != len(va):
        raise ValueError(
            f"train_loss and val_loss must have the same length, got {len(tr)} and {len(va)}"
        )
    if baseline_loss is not None:
        baseline_loss = check_positive(baseline_loss, "baseline_loss")
    n = len(tr)
    numbers = {
        "train_first": float(tr[0]),
        "train_last": float(tr[-1]),
        "train_min": float(tr.min()),
        "val_last": float(va[-1]),
        "val_min": float(va.min()),
        "val_argmin": int(np.argmin(va)),
        "epochs": n,
    }
    drop = (tr[0] - tr.min()) / tr[0] if tr[0] > 0 else 0.0
    numbers["train_drop"] = float(drop)

    def result(verdict, reason):
        return Diagnosis(verdict, reason, numbers, REMEDIES[verdict])

    if tr[-1] > tr[0] or tr[-1] > 1.5 * tr.min():
        return result(
            "diverging",
            f"training loss went from {tr[0]:.3g} (min {tr.min():.3g}) to {tr[-1]:.3g}",
        )
    if drop < 0.2:
        return result("plateau", f"training loss fell only {100 * drop:.0f} % (< 20 %)")
    if va[-1] > 1.1 * va.min() and np.argmin(va) < 0.75 * n:
        return result(
            "overfitting",
            f"validation loss rose from {va.min():.3g} (epoch {int(np.argmin(va))}) to "
            f"{va[-1]:.3g} while training loss fell to {tr[-1]:.3g}",
        )
    if baseline_loss is not None:
        numbers["train_min_over_baseline"] = float(tr.min() / baseline_loss)
        if tr.min() > 0.3 * baseline_loss:
            return result(
                "underfitting",
                f"best training loss {tr.min():.3g} is {tr.min() / baseline_loss:.0%} of the "
                f"input-blind baseline {baseline_loss:.3g} (> 30 %)",
            )
    return result(
        "good fit", f"training {tr[-1]:.3g}, validation {va[-1]:.3g} (best {va.min():.3g})"
    )


# --- the gradient-descent loop of chapters 3 and 4, and its result ---------------------


@dataclass
class DescentResult:
    """What a gradient-descent run returns (chapters 3 and 4).

    Attributes
    ----------
    w : ndarray of shape (n_features,) or (n_features, n_classes)
        Final weights.
    b : float or ndarray of shape (n_classes,)
        Final intercept(s).
    history : ndarray of shape (n_epochs_run + 1,)
        The full training objective before training and after every epoch.
    path : ndarray of shape (n_steps + 1, n_params) or None
        The parameters ``[w, b]`` (flattened) before training and after every update step,
        when ``record_path=True``.
    diverged : bool
        True if the objective became non-finite or exceeded ``1e12`` times its starting
        value; training then stops early and ``history`` ends with that value.
    steps : int
        Number of update steps taken.
    """

    w: np.ndarray
    b: float | np.ndarray
    history: np.ndarray
    path: np.ndarray | None = None
    diverged: bool = False
    steps: int = 0
    extra: dict = field(default_factory=dict)


def check_descent_args(lr, epochs, batch_size, n_samples: int) -> tuple[float, int, int]:
    """Validate ``lr > 0``, ``epochs >= 1`` and ``batch_size >= 1`` (``None`` = full batch)."""
    lr = check_positive(lr, "lr")
    epochs = check_positive_int(epochs, "epochs")
    if batch_size is None:
        batch_size = n_samples
    batch_size = min(check_positive_int(batch_size, "batch_size"), n_samples)
    return lr, epochs, batch_size


def _batches(n: int, batch_size: int, rng: np.random.Generator | None):
    order = rng.permutation(n) if rng is not None else np.arange(n)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size]


def run_descent(
    grad_fn: Callable,
    objective_fn: Callable,
    params: list[np.ndarray],
    n_samples: int,
    *,
    lr: float,
    epochs: int,
    batch_size: int,
    shuffle: bool,
    seed: int,
    prox: Callable | None = None,
    record_path: bool = False,
) -> tuple[list[np.ndarray], np.ndarray, np.ndarray | None, bool, int]:
    """The gradient-descent loop of chapters 3 and 4 (validated arguments only).

    Every step draws a batch of indices, computes ``grad_fn(idx, *params)`` and updates
    ``θ ← θ − lr · g`` (then ``θ ← prox(θ, lr)`` when a proximal step is given). After every
    epoch the full objective ``objective_fn(*params)`` is recorded.

    Returns
    -------
    params, history, path, diverged, steps
    """
    rng = np.random.default_rng(check_seed(seed)) if shuffle else None
    params = [np.array(p, dtype=np.float64) for p in params]
    start = objective_fn(*params)
    history = [start]
    path = [np.concatenate([p.ravel() for p in params])] if record_path else None
    limit = 1e12 * max(abs(start), 1.0)
    diverged, steps = False, 0
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is detected below
        for _ in range(epochs):
            for idx in _batches(n_samples, batch_size, rng):
                grads = grad_fn(idx, *params)
                params = [p - lr * g for p, g in zip(params, grads, strict=True)]
                if prox is not None:
                    params = prox(params, lr)
                steps += 1
                if record_path:
                    path.append(np.concatenate([p.ravel() for p in params]))
            value = objective_fn(*params)
            history.append(value)
            if not np.isfinite(value) or value > limit:
                diverged = True
                break
    return params, np.array(history), (np.array(path) if record_path else None), diverged, steps


# --- stateful optimisers for the NumPy MLP (chapter 5): thin wrappers over the steps ---


def _flat(arrays: list[np.ndarray]) -> np.ndarray:
    return np.concatenate([a.ravel() for a in arrays])


def _write_back(params: list[np.ndarray], flat: np.ndarray) -> None:
    """Copy the flat vector back into the parameter arrays, in place (the MLP owns them)."""
    start = 0
    for p in params:
        p[...] = flat[start : start + p.size].reshape(p.shape)
        start += p.size


class SGD:
    """Gradient descent with optional momentum, updating a list of arrays in place.

    Each :meth:`step` applies :func:`sgd_step` (``momentum=0``) or :func:`momentum_step`
    to all parameters at once (as one flat vector) and writes the result back into them.
    The velocity is torch's ``v ← μ v + g``, ``θ ← θ − η v``; Keras' ``SGD`` keeps
    ``v' = −η v`` instead, the same steps at a constant learning rate.

    Parameters
    ----------
    lr : float, default 0.01
    momentum : float, default 0.0
        μ in [0, 1).
    """

    def __init__(self, lr: float = 0.01, momentum: float = 0.0):
        self.lr = check_positive(lr, "lr")
        self.momentum = _check_rate(momentum, "momentum")
        self._v: np.ndarray | None = None

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        """Update ``params`` in place from ``grads`` (lists in the same order)."""
        theta, g = _flat(params), _flat(grads)
        if self.momentum == 0:
            _write_back(params, sgd_step(theta, g, lr=self.lr))
            return
        if self._v is None:
            self._v = np.zeros_like(theta)
        theta, self._v = momentum_step(theta, g, self._v, lr=self.lr, momentum=self.momentum)
        _write_back(params, theta)


class Adam:
    """Adam in Keras' form, updating a list of arrays in place, so the NumPy MLP and a
    Keras model with ``keras.optimizers.Adam`` take the same steps.

    Keras adds ``epsilon`` to ``√v`` and folds the bias corrections into the step size:
    ``θ ← θ − η √(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + ε)``. That is :func:`adam_step` (ε added to
    ``√v̂``) with ``ε_t = ε / √(1−β₂ᵗ)``, which is what :meth:`step` passes it, once per
    step for all parameters as one flat vector.

    Parameters
    ----------
    lr : float, default 1e-3
    beta_1, beta_2 : float, default 0.9, 0.999
    epsilon : float, default 1e-7
        Keras' default (torch's is 1e-8, added after bias correction).
    """

    def __init__(
        self, lr: float = 1e-3, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7
    ):
        self.lr = check_positive(lr, "lr")
        self.beta_1 = _check_rate(beta_1, "beta_1")
        self.beta_2 = _check_rate(beta_2, "beta_2")
        self.epsilon = check_positive(epsilon, "epsilon")
        self.t = 0
        self._m: np.ndarray | None = None
        self._v: np.ndarray | None = None

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        """Update ``params`` in place from ``grads`` (lists in the same order)."""
        theta, g = _flat(params), _flat(grads)
        if self._m is None:
            self._m, self._v = np.zeros_like(theta), np.zeros_like(theta)
        self.t += 1
        eps_t = self.epsilon / np.sqrt(1 - self.beta_2**self.t)  # Keras' ε on √v, as ε on √v̂
        theta, self._m, self._v = adam_step(
            theta, g, self._m, self._v, self.t,
            lr=self.lr, beta1=self.beta_1, beta2=self.beta_2, eps=eps_t,
        )  # fmt: skip
        _write_back(params, theta)
