"""Activation functions with ``keras.ops`` (chapter 6): the Keras side of
:mod:`mlfoundations.reference.activations`.

Each function is written out from ``keras.ops`` primitives, so it runs unchanged on
TensorFlow, JAX and PyTorch, and is registered with Keras so a model that uses one
(``Dense(8, activation=gelu_tanh)``) can be saved and loaded. Their derivatives come from
each backend's automatic differentiation; the tests compare those with the hand-written
``*_grad`` functions of the reference.

:func:`glu` and :func:`swiglu` are the gated units of modern feed-forward blocks: they cut
their input in two halves and return half its width.

Note the two GELUs: ``keras.activations.gelu`` (and ``activation="gelu"``) is the exact
``x Φ(x)``, while ``keras.ops.gelu`` defaults to the tanh approximation. Here they have
different names, :func:`gelu` and :func:`gelu_tanh`.

Every name here has a twin of the same signature in the reference. One-sided names (NumPy
only): the derivatives ``*_grad``, and ``identity`` (a Keras layer with no activation).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import keras
from keras import ops

from .checks import check_choice, check_even_axis, check_positive, keras_input

_register = keras.saving.register_keras_serializable(package="mlfoundations")


@_register
def relu(x):
    """``relu(x) = max(0, x)``. Shape: any; returns the same shape."""
    x = keras_input(x)
    # NaN compares False with everything, so `where(x > 0, x, 0)` alone would silently turn
    # NaN into 0; keep it NaN (as the reference and torch.relu do). The gradient at 0 stays
    # 0, as in the reference's relu_grad.
    zero = ops.zeros_like(x)
    return ops.where(x > 0, x, ops.where(ops.isnan(x), x, zero))


LEAKY_SLOPE = 0.01
"""Negative slope of :func:`leaky_relu` (Keras' own default is 0.2, PyTorch's 0.01)."""


@_register
def leaky_relu(x):
    """``x if x > 0 else 0.01 x``. Shape: any. Same as
    ``keras.activations.leaky_relu(x, negative_slope=0.01)``."""
    x = keras_input(x)
    return ops.where(x > 0, x, LEAKY_SLOPE * x)


@_register
def elu(x):
    """``x if x > 0 else e^x - 1`` (α = 1), as ``keras.activations.elu``. Shape: any."""
    x = keras_input(x)
    # expm1 sees only x <= 0 (no overflow in the unused branch); a `where`, not `minimum`,
    # so autodiff gives slope 1 at x = 0 (minimum's derivative at a tie is 1/2 on JAX).
    negative = ops.where(x > 0, ops.zeros_like(x), x)
    return ops.where(x > 0, x, ops.expm1(negative))


@_register
def sigmoid(x):
    """``σ(x) = 1 / (1 + e^{-x})`` (each backend's stable kernel). Shape: any."""
    return ops.sigmoid(keras_input(x))


@_register
def tanh(x):
    """``tanh(x) = 2σ(2x) - 1``. Shape: any."""
    return ops.tanh(keras_input(x))


@_register
def silu(x):
    """``silu(x) = x σ(x)`` (swish). Shape: any."""
    x = keras_input(x)
    return x * ops.sigmoid(x)


@_register
def gelu(x):
    """Exact GELU, ``x Φ(x) = x (1 + erf(x/√2)) / 2``. Shape: any.

    Same as ``keras.activations.gelu(x)`` and ``keras.ops.gelu(x, approximate=False)``.
    """
    x = keras_input(x)
    return 0.5 * x * (1.0 + ops.erf(x / math.sqrt(2.0)))


@_register
def gelu_tanh(x):
    """GELU, tanh approximation: ``x (1 + tanh(√(2/π)(x + 0.044715 x³))) / 2``. Shape: any.

    Same as ``keras.ops.gelu(x)`` (whose default is ``approximate=True``).
    """
    x = keras_input(x)
    u = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)
    return 0.5 * x * (1.0 + ops.tanh(u))


@_register
def softmax(x, axis: int = -1, temperature: float = 1.0):
    """``softmax(z / T)_i = exp(z_i/T - max z/T) / Σ_j exp(z_j/T - max z/T)`` along ``axis``.

    Shape: ``(..., K)`` -> same shape, summing to 1 along ``axis``. ``temperature`` T > 0
    sharpens (T < 1) or flattens (T > 1) the distribution, as in the reference.
    """
    temperature = check_positive(temperature, "temperature")
    z = keras_input(x)
    if temperature != 1.0:
        z = z / temperature
    z = z - ops.stop_gradient(ops.max(z, axis=axis, keepdims=True))  # shift invariance
    e = ops.exp(z)
    return e / ops.sum(e, axis=axis, keepdims=True)


@_register
def log_softmax(x, axis: int = -1):
    """``log softmax(z)_i = z_i - logsumexp(z)`` along ``axis``. Shape: ``(..., K)``."""
    z = keras_input(x)
    return z - ops.logsumexp(z, axis=axis, keepdims=True)


@_register
def glu(x, axis: int = -1):
    """Gated linear unit: halves ``a, b`` of ``x`` along ``axis``, ``a ⊙ σ(b)``.

    The second half is the gate, as in ``keras.ops.glu`` and ``torch.nn.functional.glu``.
    Shape: ``(..., 2F, ...)`` -> ``(..., F, ...)``. An odd size along ``axis`` or an
    ``axis`` out of range is a ``ValueError`` with the reference's message, on every backend.
    """
    x = keras_input(x)
    a, b = ops.split(x, 2, axis=check_even_axis(tuple(x.shape), axis, "x"))
    return a * ops.sigmoid(b)


@_register
def swiglu(x, axis: int = -1):
    """SwiGLU: halves ``a, b`` of ``x`` along ``axis``, ``a ⊙ silu(b)`` (the second half gated).

    A fused projection ``x [V | W]`` followed by ``swiglu`` is Shazeer's (2020)
    ``xV ⊙ silu(xW)``. Shape: ``(..., 2F, ...)`` -> ``(..., F, ...)``.
    """
    x = keras_input(x)
    a, b = ops.split(x, 2, axis=check_even_axis(tuple(x.shape), axis, "x"))
    return a * silu(b)


ACTIVATIONS: dict[str, Callable] = {
    "relu": relu,
    "leaky_relu": leaky_relu,
    "elu": elu,
    "gelu": gelu,
    "gelu_tanh": gelu_tanh,
    "silu": silu,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "softmax": softmax,
    "log_softmax": log_softmax,
    "glu": glu,
    "swiglu": swiglu,
}
"""Every activation of this module, by name (the names of the NumPy reference)."""


def get(name: str) -> Callable:
    """The activation function called ``name``.

    Parameters
    ----------
    name : str
        One of :data:`ACTIVATIONS`: ``"relu"``, ``"leaky_relu"``, ``"elu"``, ``"gelu"``,
        ``"gelu_tanh"``, ``"silu"``, ``"sigmoid"``, ``"tanh"``, ``"softmax"``,
        ``"log_softmax"``, ``"glu"``, ``"swiglu"``.

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    ValueError
        If the name is unknown; the message lists the valid names.
    """
    if not isinstance(name, str):
        raise TypeError(f"activation must be a name (str), got {type(name).__name__}")
    return ACTIVATIONS[check_choice(name, "activation name", tuple(ACTIVATIONS))]
