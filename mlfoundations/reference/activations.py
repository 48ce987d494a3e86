"""Activation functions and their derivatives in NumPy (chapters 1 and 6).

Every function accepts any array shape, keeps a floating input's dtype, and is
numerically stable for inputs up to ``|x| = 1e4``: no NaN or infinity where the true
value is finite. The derivative of ``f`` is ``f_grad`` (elementwise functions take only
``x``; :func:`softmax_grad` and :func:`log_softmax_grad` take the vector ``v`` that
backpropagation multiplies the Jacobian with).

The tricks that keep them stable:

* ``sigmoid`` evaluates ``exp(-|x|)``, never ``exp(+large)``;
* ``gelu`` uses ``erfc`` so that ``Φ(x)`` keeps its precision for negative ``x``;
* ``gelu_tanh`` writes ``(1 + tanh u) / 2`` as ``sigmoid(2u)``, avoiding ``1 - 1``;
* ``softmax`` and ``log_softmax`` subtract the maximum first (shift invariance).

The gated units :func:`glu` and :func:`swiglu` are not elementwise: they cut their input
in two halves along ``axis`` and multiply one by a gate computed from the other, so the
output is half as wide. Their ``*_grad`` take the vector ``v`` to backpropagate, like
:func:`softmax_grad`.

One-sided names (no Keras twin in :mod:`mlfoundations.activations`): the derivatives
``*_grad`` (Keras differentiates automatically) and ``identity``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import erfc

from ..checks import as_float_array, check_choice, check_even_axis, check_positive

SQRT_2 = float(np.sqrt(2.0))
SQRT_2_OVER_PI = float(np.sqrt(2.0 / np.pi))
SQRT_2PI = float(np.sqrt(2.0 * np.pi))
GELU_TANH_COEF = 0.044715
"""The cubic coefficient of the tanh approximation of GELU (Hendrycks & Gimpel, 2016)."""


def _as_x(x, name: str = "x") -> np.ndarray:
    return as_float_array(x, name, dtype=None)


def _widened(x: np.ndarray) -> np.ndarray:
    """``x`` in float32 or wider: float16 intermediates (x³, z / T) overflow for finite
    inputs, so compute in float32 and cast the result back to ``x.dtype``."""
    return x.astype(np.promote_types(x.dtype, np.float32), copy=False)


# --- elementwise functions -------------------------------------------------------------


def relu(x) -> np.ndarray:
    """Rectified linear unit: ``relu(x) = max(0, x)``.

    Parameters
    ----------
    x : array_like, any shape

    Returns
    -------
    ndarray of the same shape and floating dtype.
    """
    x = _as_x(x)
    return np.maximum(x, 0).astype(x.dtype, copy=False)  # one pass; np.where makes three


def relu_grad(x) -> np.ndarray:
    """``relu'(x) = 1 if x > 0 else 0`` (0 at ``x = 0``, as the Keras backends use)."""
    x = _as_x(x)
    return (x > 0).astype(x.dtype)


LEAKY_SLOPE = 0.01
"""Slope of :func:`leaky_relu` for negative inputs (Maas et al., 2013; PyTorch's default)."""


def leaky_relu(x) -> np.ndarray:
    """Leaky ReLU: ``x`` for ``x > 0``, else ``0.01 x`` (:data:`LEAKY_SLOPE`).

    A unit that only ever sees negative inputs still passes a gradient of 0.01, so it can
    come back; PReLU learns the slope instead (He et al., 2015).

    Parameters
    ----------
    x : array_like, any shape

    Returns
    -------
    ndarray of the same shape and floating dtype.
    """
    x = _as_x(x)
    return np.where(x > 0, x, LEAKY_SLOPE * x).astype(x.dtype, copy=False)


def leaky_relu_grad(x) -> np.ndarray:
    """``1 if x > 0 else 0.01`` (the negative slope at ``x = 0``, as PyTorch uses)."""
    x = _as_x(x)
    return np.where(x > 0, 1.0, LEAKY_SLOPE).astype(x.dtype, copy=False)


def elu(x) -> np.ndarray:
    """Exponential linear unit (α = 1): ``x`` for ``x > 0``, else ``e^x - 1`` (Clevert et al.,
    2016). Smooth at 0 with slope 1; saturates at -1 for large negative ``x``.

    Parameters
    ----------
    x : array_like, any shape

    Returns
    -------
    ndarray of the same shape; ``expm1`` of ``min(x, 0)`` never overflows.
    """
    x = _as_x(x)
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0))).astype(x.dtype, copy=False)


def elu_grad(x) -> np.ndarray:
    """``1 if x > 0 else e^x`` (1 at ``x = 0`` from both sides)."""
    x = _as_x(x)
    return np.where(x > 0, 1.0, np.exp(np.minimum(x, 0))).astype(x.dtype, copy=False)


def sigmoid(x) -> np.ndarray:
    """Logistic sigmoid: ``σ(x) = 1 / (1 + e^{-x})``, in ``(0, 1)``.

    Computed from ``e^{-|x|}`` (at most 1) so ``exp`` never overflows:
    ``σ(x) = 1 / (1 + e^{-x})`` for ``x >= 0`` and ``e^{x} / (1 + e^{x})`` for ``x < 0``.

    Parameters
    ----------
    x : array_like, any shape

    Returns
    -------
    ndarray of the same shape.
    """
    x = _as_x(x)
    e = np.exp(-np.abs(x))  # in (0, 1]
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def sigmoid_grad(x) -> np.ndarray:
    """``σ'(x) = σ(x) (1 - σ(x)) = σ(x) σ(-x)``; at most 1/4, at ``x = 0``."""
    x = _as_x(x)
    return sigmoid(x) * sigmoid(-x)


def tanh(x) -> np.ndarray:
    """Hyperbolic tangent: ``tanh(x) = (e^x - e^{-x}) / (e^x + e^{-x}) = 2σ(2x) - 1``.

    Parameters
    ----------
    x : array_like, any shape

    Returns
    -------
    ndarray of the same shape, values in ``(-1, 1)``.
    """
    return np.tanh(_as_x(x))


def tanh_grad(x) -> np.ndarray:
    """``tanh'(x) = 1 - tanh²(x)``; 1 at ``x = 0``, four times sigmoid's peak slope."""
    t = np.tanh(_as_x(x))
    return 1 - t * t


def silu(x) -> np.ndarray:
    """Sigmoid linear unit (swish with β = 1): ``silu(x) = x σ(x)``.

    Parameters
    ----------
    x : array_like, any shape

    Returns
    -------
    ndarray of the same shape. Its minimum is ≈ -0.278 at x ≈ -1.278.
    """
    x = _as_x(x)
    return x * sigmoid(x)


def silu_grad(x) -> np.ndarray:
    """``silu'(x) = σ(x) + x σ(x) σ(-x) = σ(x) (1 + x (1 - σ(x)))``."""
    x = _as_x(x)
    s = sigmoid(x)
    return s + x * s * sigmoid(-x)


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    # Φ(x) = erfc(-x/√2) / 2 keeps full relative precision for negative x, where
    # (1 + erf(x/√2)) / 2 would cancel to 0 long before the true value underflows.
    return (0.5 * erfc(-x / SQRT_2)).astype(x.dtype, copy=False)


def _normal_pdf(x: np.ndarray) -> np.ndarray:
    return (np.exp(-0.5 * x * x) / SQRT_2PI).astype(x.dtype, copy=False)


def gelu(x) -> np.ndarray:
    """Gaussian error linear unit, exact: ``gelu(x) = x Φ(x)``, Φ the standard normal CDF.

    ``Φ(x) = (1 + erf(x / √2)) / 2``: the input is kept with the probability that a
    standard normal variable is below it. This is ``keras.activations.gelu`` (exact by
    default) and PyTorch's ``nn.GELU()``.

    Parameters
    ----------
    x : array_like, any shape

    Returns
    -------
    ndarray of the same shape. Its minimum is ≈ -0.170 at x ≈ -0.752.
    """
    x = _as_x(x)
    return x * _normal_cdf(x)


def gelu_grad(x) -> np.ndarray:
    """``gelu'(x) = Φ(x) + x φ(x)``, φ the standard normal density."""
    x = _as_x(x)
    return _normal_cdf(x) + x * _normal_pdf(x)


def _gelu_tanh_u(x: np.ndarray) -> np.ndarray:
    return SQRT_2_OVER_PI * (x + GELU_TANH_COEF * x**3)


def gelu_tanh(x) -> np.ndarray:
    """GELU, tanh approximation: ``x (1 + tanh u) / 2`` with ``u = √(2/π)(x + 0.044715 x³)``.

    Used by GPT-2 and BERT, and by ``keras.ops.gelu`` (``approximate=True`` is its
    default). It differs from the exact :func:`gelu` by at most ≈ 4.7e-4. Computed as
    ``x σ(2u)``, the same value without the cancellation ``1 + tanh u`` suffers for
    negative ``u``.

    Parameters
    ----------
    x : array_like, any shape

    Returns
    -------
    ndarray of the same shape.
    """
    x = _as_x(x)
    w = _widened(x)
    return (w * sigmoid(2 * _gelu_tanh_u(w))).astype(x.dtype, copy=False)


def gelu_tanh_grad(x) -> np.ndarray:
    """Derivative of :func:`gelu_tanh`: ``σ(2u) + 2x σ(2u) σ(-2u) u'(x)``,
    ``u'(x) = √(2/π)(1 + 3 · 0.044715 x²)``."""
    x = _as_x(x)
    w = _widened(x)
    two_u = 2 * _gelu_tanh_u(w)
    s = sigmoid(two_u)
    du = SQRT_2_OVER_PI * (1 + 3 * GELU_TANH_COEF * w * w)
    return (s + 2 * w * s * sigmoid(-two_u) * du).astype(x.dtype, copy=False)


def identity(x) -> np.ndarray:
    """The identity, ``f(x) = x``: "no activation" (a linear layer, or logits)."""
    return _as_x(x).copy()


def identity_grad(x) -> np.ndarray:
    """``f'(x) = 1``."""
    return np.ones_like(_as_x(x))


# --- softmax and log-softmax -----------------------------------------------------------


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
    x = _as_x(x)
    z = _widened(x) / check_positive(temperature, "temperature")
    z = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(z)
    return (e / np.sum(e, axis=axis, keepdims=True)).astype(x.dtype, copy=False)


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
    x = _as_x(x)
    z = _widened(x)
    z = z - np.max(z, axis=axis, keepdims=True)
    return (z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))).astype(x.dtype, copy=False)


def _same_shape_v(x: np.ndarray, v) -> np.ndarray:
    v = as_float_array(v, "v", dtype=x.dtype)
    if v.shape != x.shape:
        raise ValueError(f"v must have the shape of x, {x.shape}, got {v.shape}")
    return v


def softmax_grad(x, v, axis: int = -1) -> np.ndarray:
    """Backpropagate ``v`` through softmax: ``Jᵀv = s ⊙ (v - ⟨v, s⟩)``, ``s = softmax(x)``.

    The Jacobian of softmax is ``J = diag(s) - s sᵀ`` (symmetric), so the product needs no
    K×K matrix: ``(Jᵀv)_i = s_i (v_i - Σ_j v_j s_j)``.

    Parameters
    ----------
    x : array_like of shape (..., K)
        Logits at which to differentiate.
    v : array_like of the same shape
        Upstream gradient ``∂L/∂s``.
    axis : int, default -1

    Returns
    -------
    ndarray of the same shape: ``∂L/∂x``. It sums to 0 along ``axis``.
    """
    x = _as_x(x)
    v = _same_shape_v(x, v)
    s = softmax(x, axis=axis)
    return s * (v - np.sum(v * s, axis=axis, keepdims=True))


def log_softmax_grad(x, v, axis: int = -1) -> np.ndarray:
    """Backpropagate ``v`` through log-softmax: ``Jᵀv = v - s Σ_j v_j``, ``s = softmax(x)``.

    Parameters
    ----------
    x : array_like of shape (..., K)
    v : array_like of the same shape
        Upstream gradient ``∂L/∂(log s)``.
    axis : int, default -1

    Returns
    -------
    ndarray of the same shape.
    """
    x = _as_x(x)
    v = _same_shape_v(x, v)
    return v - softmax(x, axis=axis) * np.sum(v, axis=axis, keepdims=True)


# --- gated linear units ------------------------------------------------------------------


def _halves(x: np.ndarray, axis) -> tuple[np.ndarray, np.ndarray, int]:
    axis = check_even_axis(x.shape, axis, "x")
    a, b = np.split(x, 2, axis=axis)
    return a, b, axis


def glu(x, axis: int = -1) -> np.ndarray:
    """Gated linear unit: split ``x`` into halves ``a, b`` along ``axis``, return ``a ⊙ σ(b)``.

    The second half is the gate: ``σ(b) ∈ (0, 1)`` decides, element by element, how much of
    the first half passes. This is ``torch.nn.functional.glu`` and ``keras.ops.glu``. In a
    network the two halves are two projections of the same input, so a layer of width
    ``2F`` followed by ``glu`` computes ``(xV) ⊙ σ(xW)`` (Dauphin et al., 2017; chapter 6).

    Parameters
    ----------
    x : array_like of shape (..., 2F, ...)
        Even size ``2F`` along ``axis``.
    axis : int, default -1
        The axis to split.

    Returns
    -------
    ndarray of shape (..., F, ...): half of ``x``'s size along ``axis``.

    Raises
    ------
    ValueError
        An odd size along ``axis`` (naming ``x``) or an ``axis`` out of range.
    """
    x = _as_x(x)
    a, b, _ = _halves(x, axis)
    return a * sigmoid(b)


def swiglu(x, axis: int = -1) -> np.ndarray:
    """SwiGLU: split ``x`` into halves ``a, b`` along ``axis``, return ``a ⊙ silu(b)``.

    :func:`glu` with SiLU (swish) as the gate, as in Shazeer (2020), "GLU Variants Improve
    Transformer": ``FFN_SwiGLU(x) = (silu(xW) ⊙ xV) W₂``. Here, as in :func:`glu`, the
    **second** half is gated, so a fused projection ``x [V | W]`` (``V``'s columns first)
    followed by ``swiglu`` is Shazeer's ``xV ⊙ silu(xW)``. Code that fuses the gate's columns
    first (``[W | V]``) computes the same thing with the halves swapped.

    Parameters
    ----------
    x : array_like of shape (..., 2F, ...)
        Even size ``2F`` along ``axis``.
    axis : int, default -1

    Returns
    -------
    ndarray of shape (..., F, ...).
    """
    x = _as_x(x)
    a, b, _ = _halves(x, axis)
    return a * silu(b)


def _gated_grad(x, v, axis, gate, gate_grad) -> np.ndarray:
    x = _as_x(x)
    a, b, axis = _halves(x, axis)
    v = as_float_array(v, "v", dtype=x.dtype)
    if v.shape != a.shape:
        raise ValueError(f"v must have the shape of the output, {a.shape}, got {v.shape}")
    return np.concatenate([v * gate(b), v * a * gate_grad(b)], axis=axis)


def glu_grad(x, v, axis: int = -1) -> np.ndarray:
    """Backpropagate ``v`` through :func:`glu`: ``∂L/∂a = v ⊙ σ(b)``, ``∂L/∂b = v ⊙ a ⊙ σ'(b)``.

    Parameters
    ----------
    x : array_like of shape (..., 2F, ...)
    v : array_like of shape (..., F, ...)
        Upstream gradient ``∂L/∂glu(x)``.
    axis : int, default -1

    Returns
    -------
    ndarray of ``x``'s shape: ``[∂L/∂a, ∂L/∂b]`` joined along ``axis``.
    """
    return _gated_grad(x, v, axis, sigmoid, sigmoid_grad)


def swiglu_grad(x, v, axis: int = -1) -> np.ndarray:
    """Backpropagate ``v`` through :func:`swiglu`: ``∂L/∂a = v ⊙ silu(b)``,
    ``∂L/∂b = v ⊙ a ⊙ silu'(b)``.

    Parameters
    ----------
    x : array_like of shape (..., 2F, ...)
    v : array_like of shape (..., F, ...)
    axis : int, default -1

    Returns
    -------
    ndarray of ``x``'s shape.
    """
    return _gated_grad(x, v, axis, silu, silu_grad)


# --- lookup by name --------------------------------------------------------------------

ELEMENTWISE: dict[str, tuple[Callable, Callable]] = {
    "relu": (relu, relu_grad),
    "leaky_relu": (leaky_relu, leaky_relu_grad),
    "elu": (elu, elu_grad),
    "gelu": (gelu, gelu_grad),
    "gelu_tanh": (gelu_tanh, gelu_tanh_grad),
    "silu": (silu, silu_grad),
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "linear": (identity, identity_grad),
}
"""Elementwise activations by name: ``name -> (f, f_grad)``. ``"linear"`` is the identity."""

NAMES: tuple[str, ...] = (*ELEMENTWISE, "softmax", "log_softmax", "glu", "swiglu")
"""Every activation this module defines, by name."""


def get(name: str) -> tuple[Callable, Callable]:
    """``(f, f_grad)`` for an elementwise activation ``name`` (one of :data:`ELEMENTWISE`).

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    ValueError
        If it is unknown; the message lists the valid names.
    """
    if not isinstance(name, str):
        raise TypeError(f"activation must be a name (str), got {type(name).__name__}")
    return ELEMENTWISE[check_choice(name, "activation name", tuple(ELEMENTWISE))]
