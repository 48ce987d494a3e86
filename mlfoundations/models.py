"""Models as functions, in Keras: the small architectures whose parameters chapter 1 counts.

Everything here uses ``keras.layers`` only, so it runs on TensorFlow, JAX and PyTorch. The
NumPy ground truth is :mod:`mlfoundations.reference.models`. Softmax with temperature and
sampling live in :mod:`mlfoundations.sampling`; the GPT in :mod:`mlfoundations.transformer`.
"""

from __future__ import annotations

import keras
from keras import layers

from .checks import check_positive_int


def dense_model(n_in: int, n_out: int, *, bias: bool = True) -> keras.Model:
    """One dense layer ``y = x W + b`` as a model."""
    inputs = keras.Input((check_positive_int(n_in, "n_in"),))
    outputs = layers.Dense(check_positive_int(n_out, "n_out"), use_bias=bias)(inputs)
    return keras.Model(inputs, outputs, name="dense")


def mlp_model(sizes, *, activation: str = "relu", bias: bool = True) -> keras.Model:
    """A multilayer perceptron with widths ``sizes = [d_0, ..., d_L]`` (input first)."""
    sizes = [check_positive_int(s, "sizes[i]") for s in sizes]
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least an input and an output width, got {sizes}")
    inputs = keras.Input((sizes[0],))
    h = inputs
    for i, width in enumerate(sizes[1:]):
        last = i == len(sizes) - 2
        h = layers.Dense(width, activation=None if last else activation, use_bias=bias)(h)
    return keras.Model(inputs, h, name="mlp")
