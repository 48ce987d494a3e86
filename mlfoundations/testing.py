"""Assertion helpers for learners' own tests: compare with the reference, check gradients.

NumPy only; usable with or without Keras::

    from mlfoundations.testing import assert_close, numerical_gradient, relative_error
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .checks import as_float_array, as_real_array, check_positive


def relative_error(a, b, *, floor: float = 1e-12) -> float:
    """Largest elementwise ``|a - b| / max(|a|, |b|, floor)``: the gradient-check measure."""
    a = as_float_array(a, "a")
    b = as_float_array(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    denom = np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)
    return float(np.max(np.abs(a - b) / denom)) if a.size else 0.0


def numerical_gradient(f: Callable[[np.ndarray], float], x, *, eps: float = 1e-6) -> np.ndarray:
    """Central finite-difference gradient of a scalar function.

    ``∂f/∂x_i ≈ (f(x + ε e_i) - f(x - ε e_i)) / 2ε``, with error O(ε²). Use float64: in
    float32 the rounding error of the difference swamps the result.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``. It may read ``x`` but must not keep a reference to it.
    x : array_like
        Point of evaluation, any shape.
    eps : float, default 1e-6

    Returns
    -------
    numpy.ndarray
        Same shape as ``x``.
    """
    if not callable(f):
        raise TypeError(f"f must be a callable f(x) -> float, got {type(f).__name__}")
    eps = check_positive(eps, "eps")
    x = as_float_array(x, "x").copy()  # float64, and a copy we may perturb
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        f_plus = float(f(x))
        flat[i] = old - eps
        f_minus = float(f(x))
        flat[i] = old
        gflat[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def assert_close(actual, expected, *, rtol: float = 1e-5, atol: float = 1e-6, name: str = "value"):
    """``numpy.testing.assert_allclose`` with a message that names what was compared and
    reports the largest absolute and relative differences."""
    # NaN and inf are allowed (a NaN where a number was expected is a failed assertion,
    # not bad input); non-numbers and complex values are bad input.
    actual, expected = as_real_array(actual, "actual"), as_real_array(expected, "expected")
    if actual.shape != expected.shape:
        raise AssertionError(f"{name}: shape {actual.shape} != expected {expected.shape}")
    diff = np.abs(actual - expected)
    max_abs = float(diff.max()) if diff.size else 0.0
    np.testing.assert_allclose(
        actual,
        expected,
        rtol=rtol,
        atol=atol,
        err_msg=f"{name}: max |diff| = {max_abs:.3g} (rtol={rtol}, atol={atol})",
    )
