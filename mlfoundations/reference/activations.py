"""Activation functions and their derivatives in NumPy (chapters 1 and 6).

Every function accepts any array shape and is numerically stable for inputs up to
``|x| = 1e4``: no NaN or infinity where the true value is finite.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array, check_positive


def _as_logits(x, name: str = "x") -> np.ndarray:
    return as_float_array(x, name, dtype=None)


def softmax(x, axis: int = -1, temperature: float = 1.0) -> np.ndarray:
    """Softmax along ``axis``: ``softmax(z)_i = exp(z_i / T) / Σ_j exp(z_j / T)``.

    Subtracting ``max(z)`` first changes nothing mathematically (softmax is shift
    invariant) but keeps ``exp`` from overflowing.

    Parameters
    ----------
    x : array_like of shape (..., K)
        Logits. Must be non-empty and finite.
    axis : int, default -1
    temperature : float, default 1.0
        ``T > 0``. ``T -> 0`` approaches a one-hot argmax, large ``T`` approaches uniform.

    Returns
    -------
    ndarray of the same shape: probabilities that sum to 1 along ``axis``.
    """
    z = _as_logits(x) / check_positive(temperature, "temperature")
    z = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x, axis: int = -1) -> np.ndarray:
    """``log softmax(z)_i = z_i - logsumexp(z)``, computed without forming ``softmax``.

    Parameters
    ----------
    x : array_like of shape (..., K)
    axis : int, default -1

    Returns
    -------
    ndarray of the same shape (all values <= 0).
    """
    z = _as_logits(x)
    z = z - np.max(z, axis=axis, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))
