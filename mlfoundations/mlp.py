"""Multilayer perceptrons in Keras 3 (chapter 5): the builder and the bridge to NumPy.

:func:`mlp` builds ``x → [Dense → f] × (L-1) → Dense (→ g)`` with the activations of
:mod:`mlfoundations.activations`; :func:`to_reference` turns a built model into the
NumPy :class:`mlfoundations.reference.mlp.MLP` with the same weights, which computes the
same outputs and whose hand-written backward pass the tests compare with each backend's
automatic differentiation.

One-sided names (Keras only): ``mlp`` and ``to_reference``; the NumPy layers, ``MLP``,
``train`` and ``glorot_uniform`` of the reference have no Keras twin.
"""

from __future__ import annotations

import keras

from . import activations
from .checks import check_choice, check_positive_int
from .reference import mlp as ref_mlp

HIDDEN_ACTIVATIONS = ("relu", "gelu", "gelu_tanh", "silu", "sigmoid", "tanh", "linear")
"""Names :func:`mlp` accepts for ``activation`` (``"linear"``: no activation)."""


def _activation_fn(name: str, argument: str):
    if not isinstance(name, str):
        raise TypeError(f"{argument} must be a name (str), got {type(name).__name__}")
    check_choice(name, argument, HIDDEN_ACTIVATIONS)
    return "linear" if name == "linear" else activations.get(name)


def mlp(
    input_dim: int,
    hidden=(32,),
    output: int = 1,
    activation: str = "relu",
    *,
    output_activation: str = "linear",
    residual: bool = False,
    dtype: str | None = None,
    seed: int | None = None,
    name: str = "mlp",
) -> keras.Model:
    """A Keras MLP: ``len(hidden)`` hidden Dense layers with ``activation``, then ``output`` units.

    ``h_0 = x``, ``h_l = f(h_{l-1} W_l + b_l)``, ``ŷ = g(h_{L-1} W_L + b_L)``; with
    ``residual=True`` the hidden layers after the first add their input,
    ``h_l = h_{l-1} + f(h_{l-1} W_l + b_l)``.

    Parameters
    ----------
    input_dim : int
        Number of input features; the model takes ``(batch, input_dim)``.
    hidden : sequence of int, default (32,)
        Widths of the hidden layers (may be empty: a linear/logistic model).
    output : int, default 1
        Units of the last layer (classes for softmax cross-entropy, 1 for binary or scalar
        regression).
    activation : str, default "relu"
        One of :data:`HIDDEN_ACTIVATIONS`.
    output_activation : str, default "linear"
        Applied to the last layer; keep ``"linear"`` (logits) for losses with
        ``from_logits=True``.
    residual : bool, default False
        Residual hidden blocks (needs equal hidden widths).
    dtype : str, optional
        Layer dtype policy, e.g. ``"float64"`` (see the float64 notes in the tests).
    seed : int, optional
        Seeds the Glorot-uniform initialisers, layer by layer.
    name : str, default "mlp"

    Returns
    -------
    keras.Model
        Built, with trainable weights ordered ``[W1, b1, W2, b2, ...]``.

    Raises
    ------
    ValueError, TypeError
        Non-positive sizes, unknown activation names (the valid ones are listed),
        unequal hidden widths with ``residual=True``.
    """
    input_dim = check_positive_int(input_dim, "input_dim")
    output = check_positive_int(output, "output")
    if isinstance(hidden, (str, bytes)) or not hasattr(hidden, "__iter__"):
        raise TypeError(f"hidden must be a sequence of widths, got {type(hidden).__name__}")
    hidden = [check_positive_int(h, f"hidden[{i}]") for i, h in enumerate(hidden)]
    f = _activation_fn(activation, "activation")
    g = _activation_fn(output_activation, "output_activation")
    if residual and len(set(hidden)) > 1:
        raise ValueError(f"residual=True needs equal hidden widths, got hidden={hidden}")

    def init(i):
        return keras.initializers.GlorotUniform(seed=None if seed is None else seed + i)

    x = inputs = keras.Input(shape=(input_dim,), name="x", dtype=dtype)
    for i, width in enumerate(hidden):
        layer = keras.layers.Dense(
            width, activation=f, kernel_initializer=init(i), dtype=dtype, name=f"hidden_{i + 1}"
        )
        x = (
            keras.layers.Add(dtype=dtype, name=f"residual_{i + 1}")([x, layer(x)])
            if residual and i > 0
            else layer(x)
        )
    outputs = keras.layers.Dense(
        output, activation=g, kernel_initializer=init(len(hidden)), dtype=dtype, name="output"
    )(x)
    return keras.Model(inputs, outputs, name=name)


def _activation_name(layer) -> str:
    fn = layer.activation
    for key, value in activations.ACTIVATIONS.items():
        if fn is value:
            return key
    name = getattr(fn, "__name__", "")
    if name in HIDDEN_ACTIVATIONS:  # keras.activations.relu, .sigmoid, .tanh, .linear ...
        return name
    raise ValueError(
        f"layer {layer.name!r} uses activation {name or fn!r}, which the NumPy "
        f"reference does not have; expected one of: {', '.join(HIDDEN_ACTIVATIONS)}"
    )


def to_reference(model, loss: str = "softmax_cross_entropy") -> ref_mlp.MLP:
    """The NumPy :class:`~mlfoundations.reference.mlp.MLP` with ``model``'s weights.

    Works for models built by :func:`mlp` (and for any stack of Dense layers whose
    activations the reference knows, e.g. ``keras.activations.gelu``, which is the exact
    GELU). Same weights, same function: their outputs agree to float rounding.

    Parameters
    ----------
    model : keras.Model
        Built; Dense layers (optionally with ``Add`` residual connections).
    loss : {"softmax_cross_entropy", "sigmoid_cross_entropy", "mse"}
        The loss the NumPy network will train with.
    """
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    if not dense:
        raise ValueError(f"model {model.name!r} has no Dense layers")
    names = [_activation_name(layer) for layer in dense]
    hidden = set(names[:-1]) or {"relu"}
    if len(hidden) > 1:
        raise ValueError(
            f"hidden layers use different activations {sorted(hidden)}; the NumPy "
            "MLP has one hidden activation"
        )
    residual = any(isinstance(layer, keras.layers.Add) for layer in model.layers)
    weights = [keras.ops.convert_to_numpy(w) for layer in dense for w in layer.weights]
    return ref_mlp.MLP.from_weights(
        weights, hidden.pop(), loss=loss, output_activation=names[-1], residual=residual
    )
