"""Losses in NumPy, the one home of every loss in the book (chapters 3, 4, 5 and 8).

Every loss takes its arguments in one order, ``(y_true, y_pred)`` or ``(y_true, logits)``,
as Keras and scikit-learn do, and returns the **mean** over all predictions as a float:

=========================  ==================================================================
``mse``                    ``(1/N) Σ (ŷ − y)²`` over every entry (chapter 3)
``binary_cross_entropy``   ``−(1/N) Σ y log p + (1 − y) log(1 − p)`` from probabilities ``p``
``sigmoid_cross_entropy``  the same from logits ``z``, ``p = σ(z)``, in a form stable for any
                           ``z`` (chapter 4)
``softmax_cross_entropy``  ``−(1/N) Σ_rows Σ_k y_k log softmax(z)_k`` from logits, labels as
                           integers or as rows of probabilities (chapters 4, 5, 8)
=========================  ==================================================================

Each has a ``*_and_grad`` variant returning ``(loss, ∂loss/∂y_pred)`` (or ``∂loss/∂logits``)
for backpropagation (chapter 5). For the two logit forms the chain rule collapses to
"prediction minus target": ``∂ℓ/∂z = σ(z) − y`` and ``∂ℓ/∂z = softmax(z) − onehot(y)``,
divided by the number of terms in the mean.

Inputs are checked at the boundary: the prediction must be finite, ``y_true`` must have the
prediction's shape (integer labels: the logits' shape without the last axis) and hold valid
labels. Nothing is broadcast silently: ``mse(y (n,), ŷ (n, 1))`` is an error, not an
``(n, n)`` matrix of differences.

One-sided names (no Keras twin in :mod:`mlfoundations.losses`): the ``*_and_grad``
functions, since Keras differentiates automatically, and the validator
``check_class_targets``.
"""

from __future__ import annotations

import numpy as np

from ..checks import as_float_array
from .activations import log_softmax, sigmoid

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_and_grad",
    "mse",
    "mse_and_grad",
    "sigmoid_cross_entropy",
    "sigmoid_cross_entropy_and_grad",
    "softmax_cross_entropy",
    "softmax_cross_entropy_and_grad",
]


# --------------------------------------------------------------------------- validation


def _check_pair(y_true, y_pred, pred_name: str) -> tuple[np.ndarray, np.ndarray]:
    """``y_pred`` as a finite float array (dtype kept) and ``y_true`` of the same shape."""
    y_pred = as_float_array(y_pred, pred_name, dtype=None)
    y_true = as_float_array(y_true, "y_true", dtype=y_pred.dtype)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and {pred_name} must have the same shape (nothing is broadcast), "
            f"got {y_true.shape} and {y_pred.shape}"
        )
    return y_true, y_pred


def _check_unit_interval(values: np.ndarray, name: str, what: str) -> None:
    if np.any((values < 0) | (values > 1)):
        raise ValueError(f"{name} must hold {what} in [0, 1], got values in "
                         f"[{values.min():g}, {values.max():g}]")  # fmt: skip


def check_class_targets(y_true, logits) -> tuple[np.ndarray, np.ndarray]:
    """Validate softmax targets against ``logits`` of shape ``(..., K)``.

    Returns ``(Y, logits)`` with ``Y`` the targets as rows of probabilities, shape of
    ``logits``: integer labels of shape ``logits.shape[:-1]`` in ``0 .. K−1`` are one-hot
    encoded; rows of probabilities (one-hot or soft labels) must be non-negative and sum to 1.

    Raises
    ------
    ValueError
        If the shapes do not fit, a label is not an integer in range, or a row is not a
        probability distribution.
    """
    z = as_float_array(logits, "logits", dtype=None)
    if z.ndim < 1 or z.shape[-1] < 2:
        raise ValueError(f"logits must have shape (..., K) with K >= 2 classes, got {z.shape}")
    k = z.shape[-1]
    y = as_float_array(y_true, "y_true", dtype=np.float64)
    if y.shape == z.shape[:-1]:
        if np.any(y != np.round(y)) or np.any(y < 0) or np.any(y >= k):
            raise ValueError(
                f"y_true must hold integer class labels 0 .. {k - 1}, got values in "
                f"[{y.min():g}, {y.max():g}]"
            )
        return _as_rows(y.astype(np.int64), z), z
    if y.shape == z.shape:
        _check_unit_interval(y, "y_true", "class probabilities")
        if not np.allclose(y.sum(axis=-1), 1.0, rtol=0, atol=1e-6):
            raise ValueError("each row of y_true must sum to 1 (one-hot or probabilities)")
        return y.astype(z.dtype), z
    raise ValueError(
        f"y_true must be integer labels of shape {z.shape[:-1]} or one-hot rows of shape "
        f"{z.shape} to match logits, got shape {y.shape}"
    )


def _as_rows(y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Targets as probability rows of ``z``'s shape and dtype (integer labels one-hot)."""
    if y.shape == z.shape:
        return y.astype(z.dtype, copy=False)
    return np.eye(z.shape[-1], dtype=z.dtype)[y.astype(np.int64)]


# --------------------------------------------------------------------------- regression


def mse_and_grad(y_true, y_pred, *, check_input: bool = True) -> tuple[float, np.ndarray]:
    """Mean squared error and its gradient with respect to ``y_pred``.

    ``L = (1/N) Σ (ŷ − y)²`` over all ``N`` entries (Keras' ``MeanSquaredError`` for a
    ``(B, K)`` output averages the same way); ``∂L/∂ŷ = 2 (ŷ − y) / N``.

    Parameters
    ----------
    y_true : array_like, same shape as ``y_pred``
    y_pred : array_like, any shape
    check_input : bool, default True
        ``False`` skips validation, for training loops whose inputs are already checked
        (and where a diverging run must yield ``inf``, not an error).

    Returns
    -------
    loss : float
    grad : ndarray, shape and dtype of ``y_pred``
    """
    if check_input:
        y_true, y_pred = _check_pair(y_true, y_pred, "y_pred")
    diff = y_pred - y_true
    return float(np.mean(diff * diff)), 2 * diff / diff.size


def mse(y_true, y_pred) -> float:
    """Mean squared error ``(1/N) Σ (ŷ − y)²`` (chapter 3); see :func:`mse_and_grad`."""
    return mse_and_grad(y_true, y_pred)[0]


# --------------------------------------------------------------------------- binary


def binary_cross_entropy_and_grad(
    y_true, p, *, check_input: bool = True
) -> tuple[float, np.ndarray]:
    """Mean binary cross-entropy of probabilities ``p``, and ``∂L/∂p``.

    ``L = −(1/N) Σ y log p + (1 − y) log(1 − p)``, with ``0 · log 0 = 0``;
    ``∂L/∂p = (p − y) / (p (1 − p)) / N``. A confident wrong answer (``p = 0`` for
    ``y = 1``) costs ``+inf``: prefer :func:`sigmoid_cross_entropy_and_grad`, which never
    rounds ``p`` to 0 or 1.

    Parameters
    ----------
    y_true : array_like, same shape as ``p``
        Labels 0/1 (or target probabilities in [0, 1]).
    p : array_like, any shape
        Predicted probabilities of class 1, in [0, 1].
    check_input : bool, default True
        ``False`` skips validation (see :func:`mse_and_grad`).

    Returns
    -------
    loss : float
    grad : ndarray, shape and dtype of ``p``
    """
    y = y_true
    if check_input:
        y, p = _check_pair(y_true, p, "p")
        _check_unit_interval(y, "y_true", "labels or probabilities")
        _check_unit_interval(p, "p", "probabilities")
    with np.errstate(divide="ignore", invalid="ignore"):  # log 0 only where its weight is 0
        terms = np.where(y > 0, y * np.log(p), 0.0) + np.where(y < 1, (1 - y) * np.log1p(-p), 0.0)
        grad = (p - y) / (p * (1 - p)) / p.size
    return float(-np.mean(terms)), grad.astype(p.dtype, copy=False)


def binary_cross_entropy(y_true, p) -> float:
    """Mean binary cross-entropy from probabilities; see :func:`binary_cross_entropy_and_grad`."""
    return binary_cross_entropy_and_grad(y_true, p)[0]


def sigmoid_cross_entropy_and_grad(
    y_true, logits, *, check_input: bool = True
) -> tuple[float, np.ndarray]:
    """Mean binary cross-entropy from logits ``z`` (``p = σ(z)``), and ``∂L/∂z``.

    ``ℓ(y, z) = −y log σ(z) − (1−y) log(1 − σ(z)) = max(z, 0) − y z + log(1 + e^{−|z|})``.
    The right-hand form never takes the log of 0 or the exp of a large number, so a logit
    of ±1000 gives the exact loss (0 or 1000) instead of ``inf`` or ``nan``.
    ``∂ℓ/∂z = σ(z) − y``: the ``p(1 − p)`` of ``∂ℓ/∂p`` and ``∂p/∂z`` cancel (chapter 4).

    Parameters
    ----------
    y_true : array_like, same shape as ``logits``
        Labels 0/1 (or target probabilities in [0, 1]).
    logits : array_like, any shape
    check_input : bool, default True
        ``False`` skips validation (see :func:`mse_and_grad`).

    Returns
    -------
    loss : float
        ``(1/N) Σ ℓ`` over all ``N`` entries.
    grad : ndarray, shape and dtype of ``logits``
        ``(σ(z) − y) / N``.
    """
    y, z = y_true, logits
    if check_input:
        y, z = _check_pair(y_true, logits, "logits")
        _check_unit_interval(y, "y_true", "labels or probabilities")
    loss = float(np.mean(np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z)))))
    return loss, (sigmoid(z) - y) / z.size


def sigmoid_cross_entropy(y_true, logits) -> float:
    """Mean binary cross-entropy from logits (chapter 4); see
    :func:`sigmoid_cross_entropy_and_grad`."""
    return sigmoid_cross_entropy_and_grad(y_true, logits)[0]


# --------------------------------------------------------------------------- multiclass


def softmax_cross_entropy_and_grad(
    y_true, logits, *, check_input: bool = True
) -> tuple[float, np.ndarray]:
    """Mean categorical cross-entropy from logits, and ``∂L/∂logits``.

    For each row ``z`` of ``K`` logits and target distribution ``y`` (one-hot for a label),
    ``ℓ = −Σ_k y_k log softmax(z)_k``, computed with
    :func:`~mlfoundations.reference.activations.log_softmax` so large logits are safe;
    ``L`` is the mean over the ``N`` rows and ``∂L/∂z = (softmax(z) − y) / N``.

    Parameters
    ----------
    y_true : array_like of shape (...,) or (..., K)
        Integer labels in ``0 .. K−1`` (Keras' *sparse* form), or rows of probabilities
        (one-hot or soft labels) of the logits' shape.
    logits : array_like of shape (..., K)
        For example ``(n_samples, K)``, or ``(B, T, V)`` for a language model.
    check_input : bool, default True
        ``False`` skips validation (see :func:`mse_and_grad`).

    Returns
    -------
    loss : float
    grad : ndarray, shape and dtype of ``logits``
    """
    if check_input:
        Y, z = check_class_targets(y_true, logits)
    else:
        Y, z = _as_rows(np.asarray(y_true), logits), logits
    log_p = log_softmax(z, axis=-1)  # (..., K)
    n_rows = z.size // z.shape[-1]
    loss = -float(np.sum(Y * log_p)) / n_rows
    return loss, (np.exp(log_p) - Y) / n_rows


def softmax_cross_entropy(y_true, logits) -> float:
    """Mean categorical cross-entropy from logits (chapters 4, 5, 8); see
    :func:`softmax_cross_entropy_and_grad`."""
    return softmax_cross_entropy_and_grad(y_true, logits)[0]
