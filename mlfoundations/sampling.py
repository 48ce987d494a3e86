"""Sampling from logits in Keras: temperature, top-k, top-p and greedy (chapters 1 and 8).

``keras.ops`` only, so it runs on TensorFlow, JAX and PyTorch. Same names, signatures and
algorithm as the NumPy reference :mod:`mlfoundations.reference.sampling` (read its module
docstring for the rules); only the uniform numbers come from the backend's generator
(``keras.random``), so one seed gives the same draws on one backend, not across backends.
``check_sampling_args`` exists on the reference side only (this module uses it).
"""

from __future__ import annotations

import keras
from keras import ops

from .activations import softmax
from .checks import check_seed, keras_input
from .reference.sampling import check_sampling_args

__all__ = ["softmax", "greedy", "probabilities", "sample"]


def _logits(logits):
    z = keras_input(logits, "logits")  # static checks only: also fine on a traced tensor
    if len(z.shape) == 0:
        raise ValueError("logits must have at least one dimension (..., K)")
    if not str(z.dtype).startswith(("float", "bfloat")):
        z = ops.cast(z, "float32")
    return z


def greedy(logits):
    """The most likely class along the last axis; the lowest index wins ties.

    Parameters
    ----------
    logits : tensor of shape (..., K)

    Returns
    -------
    int tensor of shape (...)
    """
    z = _logits(logits)
    K = z.shape[-1]
    # ops.argmax's tie rule is the backend's; make "lowest index" explicit instead
    is_max = ops.equal(z, ops.max(z, axis=-1, keepdims=True))
    index = ops.arange(K, dtype="int32")
    return ops.min(ops.where(is_max, index, K), axis=-1)


def probabilities(logits, *, temperature: float = 1.0, top_k=None, top_p=None):
    """The filtered distribution :func:`sample` draws from (see the reference's docstring).

    Parameters
    ----------
    logits : tensor of shape (..., K)

    Returns
    -------
    tensor of shape (..., K)
    """
    z = _logits(logits)
    temperature, top_k, top_p, _ = check_sampling_args(temperature, top_k, top_p)
    K = z.shape[-1]
    if temperature == 0.0:
        return ops.one_hot(greedy(z), K, dtype=z.dtype)
    p = ops.softmax(z / temperature, axis=-1)  # (..., K)
    if top_k is not None and top_k < K:
        kth = ops.sort(z, axis=-1)[..., K - top_k : K - top_k + 1]  # k-th largest, (..., 1)
        p = ops.where(z >= kth, p, 0.0)
        p = p / ops.sum(p, axis=-1, keepdims=True)
    if top_p is not None and top_p < 1.0:
        p_sorted = ops.flip(ops.sort(p, axis=-1), axis=-1)  # descending
        mass = ops.cumsum(p_sorted, axis=-1)
        last = ops.minimum(ops.sum(ops.cast(mass < top_p, "int32"), axis=-1, keepdims=True), K - 1)
        threshold = ops.take_along_axis(p_sorted, last, axis=-1)  # (..., 1)
        p = ops.where(p >= threshold, p, 0.0)
        p = p / ops.sum(p, axis=-1, keepdims=True)
    return p


def sample(
    logits,
    *,
    temperature: float = 1.0,
    top_k=None,
    top_p=None,
    num_samples: int = 1,
    seed=None,
):
    """Draw ``num_samples`` classes per row of ``logits`` (temperature, top-k, top-p).

    Parameters
    ----------
    logits : tensor of shape (..., K)
    temperature, top_k, top_p
        As in :func:`probabilities`; ``temperature = 0`` is greedy.
    num_samples : int, default 1
    seed : int or keras.random.SeedGenerator, optional
        The same int seed gives the same draws on the same backend.

    Returns
    -------
    int32 tensor of shape (..., num_samples)
    """
    temperature, top_k, top_p, num_samples = check_sampling_args(
        temperature, top_k, top_p, num_samples
    )
    if not (seed is None or isinstance(seed, keras.random.SeedGenerator)):
        seed = check_seed(seed)
    z = _logits(logits)
    if temperature == 0.0:
        choice = ops.expand_dims(greedy(z), -1)
        return ops.repeat(choice, num_samples, axis=-1)
    p = probabilities(z, temperature=temperature, top_k=top_k, top_p=top_p)  # (..., K)
    shape = tuple(p.shape[:-1]) + (num_samples,)
    u = keras.random.uniform(shape, dtype=p.dtype, seed=seed)  # (..., S)
    cdf = ops.cumsum(p, axis=-1)  # (..., K)
    x = u * cdf[..., -1:]
    below = ops.cast(ops.expand_dims(cdf, -2) <= ops.expand_dims(x, -1), "int32")  # (..., S, K)
    return ops.sum(below, axis=-1)
