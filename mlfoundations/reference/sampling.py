"""Sampling from logits: temperature, top-k, top-p and greedy decoding (chapters 1 and 8).

NumPy only. :func:`sample` turns a row of logits ``z`` (one score per class, e.g. per next
token) into drawn class indices:

1. temperature: ``p = softmax(z / T)``; ``T = 0`` means greedy (argmax, lowest index wins
   ties: a tie-break rule, not the ``T -> 0`` limit, which is uniform over the tied maxima);
2. top-k: keep the classes whose logit is at least the k-th largest (ties with it stay);
3. top-p (nucleus): keep the smallest prefix of the classes sorted by probability whose mass
   reaches ``p`` (classes tied with the last one kept stay too, so the set does not depend
   on how a sort orders ties);
4. renormalise what is kept and draw by inverting the cumulative distribution with uniform
   numbers from a seeded generator.

The Keras twin :mod:`mlfoundations.sampling` has the same names and signatures
(``softmax``, re-exported from the activations pair, ``greedy``, ``probabilities``,
``sample``); it draws its uniform numbers from the backend's generator, so the same seed
gives the same draws on one backend only.
Reference only: ``check_sampling_args`` (the Keras side calls it).
"""

from __future__ import annotations

import numbers

import numpy as np

from ..checks import as_float_array, check_positive, check_positive_int, check_seed
from .activations import softmax

__all__ = ["softmax", "greedy", "probabilities", "sample", "check_sampling_args"]


def check_sampling_args(temperature, top_k, top_p, num_samples=1):
    """Validate the sampling options shared by both sides; returns them normalised.

    Raises ``ValueError`` for ``temperature < 0``, ``top_k < 1``, ``top_p`` outside
    ``(0, 1]`` or ``num_samples < 1`` (and ``TypeError`` for non-numbers).
    """
    temperature = check_positive(temperature, "temperature", allow_zero=True)
    if top_k is not None:
        top_k = check_positive_int(top_k, "top_k")
    if top_p is not None:
        if isinstance(top_p, bool) or not isinstance(top_p, numbers.Real):
            raise TypeError(f"top_p must be a real number, got {type(top_p).__name__}")
        top_p = float(top_p)
        if not 0.0 < top_p <= 1.0:
            raise ValueError(f"top_p must be in (0, 1], got {top_p}")
    num_samples = check_positive_int(num_samples, "num_samples")
    return temperature, top_k, top_p, num_samples


def greedy(logits) -> np.ndarray:
    """The most likely class, ``argmax_i z_i``, along the last axis; the lowest index wins ties.

    Parameters
    ----------
    logits : array_like of shape (..., K)

    Returns
    -------
    ndarray of int64, shape (...)
    """
    z = as_float_array(logits, "logits", dtype=None)
    if z.ndim == 0:
        raise ValueError("logits must have at least one dimension (..., K)")
    return np.argmax(z, axis=-1)  # NumPy returns the first maximum


def probabilities(logits, *, temperature: float = 1.0, top_k=None, top_p=None) -> np.ndarray:
    """The distribution :func:`sample` draws from: ``softmax(z / T)`` filtered by top-k/top-p.

    Parameters
    ----------
    logits : array_like of shape (..., K)
    temperature : float, default 1.0
        ``T >= 0``; at ``T = 0`` the result is one-hot at :func:`greedy`'s choice.
    top_k : int, optional
        Keep the classes whose logit is >= the k-th largest (k >= 1; k > K keeps all).
    top_p : float, optional
        In ``(0, 1]``: keep the smallest most-probable prefix whose mass reaches ``top_p``.

    Returns
    -------
    ndarray of shape (..., K)
        Non-negative, each row summing to 1, zero outside the kept set.
    """
    z = as_float_array(logits, "logits")
    if z.ndim == 0:
        raise ValueError("logits must have at least one dimension (..., K)")
    temperature, top_k, top_p, _ = check_sampling_args(temperature, top_k, top_p)
    K = z.shape[-1]
    if temperature == 0.0:
        return np.eye(K)[greedy(z)]
    p = softmax(z, temperature=temperature)  # (..., K)
    if top_k is not None and top_k < K:
        kth = np.sort(z, axis=-1)[..., K - top_k, None]  # k-th largest logit, (..., 1)
        p = np.where(z >= kth, p, 0.0)
        p = p / p.sum(axis=-1, keepdims=True)
    if top_p is not None and top_p < 1.0:
        p = p * _nucleus(p, top_p)
        p = p / p.sum(axis=-1, keepdims=True)
    return p


def _nucleus(p: np.ndarray, top_p: float) -> np.ndarray:
    """Boolean mask of the smallest most-probable prefix of ``p`` with mass >= ``top_p``."""
    p_sorted = -np.sort(-p, axis=-1)  # descending, (..., K)
    mass = np.cumsum(p_sorted, axis=-1)
    # index of the last class of the prefix: the first position where the mass reaches top_p
    last = np.minimum(np.sum(mass < top_p, axis=-1, keepdims=True), p.shape[-1] - 1)
    threshold = np.take_along_axis(p_sorted, last, axis=-1)  # (..., 1)
    return p >= threshold


def sample(
    logits,
    *,
    temperature: float = 1.0,
    top_k=None,
    top_p=None,
    num_samples: int = 1,
    seed=None,
) -> np.ndarray:
    """Draw ``num_samples`` classes per row of ``logits`` (temperature, top-k, top-p).

    Same seed, same draws. ``temperature = 0`` is greedy decoding: every draw is the argmax,
    the lowest index winning ties.

    Parameters
    ----------
    logits : array_like of shape (..., K)
    temperature, top_k, top_p
        See :func:`probabilities`.
    num_samples : int, default 1
        Independent draws per row (with replacement).
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    ndarray of int64, shape (..., num_samples)

    Examples
    --------
    >>> sample([4.2, 2.1, -1.3], temperature=0, num_samples=2)
    array([0, 0])
    """
    temperature, top_k, top_p, num_samples = check_sampling_args(
        temperature, top_k, top_p, num_samples
    )
    p = probabilities(logits, temperature=temperature, top_k=top_k, top_p=top_p)  # (..., K)
    if temperature == 0.0:
        return np.repeat(greedy(p)[..., None], num_samples, axis=-1)
    if not (seed is None or isinstance(seed, np.random.Generator)):
        seed = check_seed(seed)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    u = rng.random(p.shape[:-1] + (num_samples,))  # (..., S) in [0, 1)
    return _inverse_cdf(p, u)


def _inverse_cdf(p: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Class ``j`` with ``cdf[j-1] <= u·cdf[-1] < cdf[j]``: never one of probability 0."""
    cdf = np.cumsum(p, axis=-1)  # (..., K)
    x = u * cdf[..., -1:]  # (..., S): scaling by the total keeps x below the last cdf value
    return np.sum(cdf[..., None, :] <= x[..., :, None], axis=-1)  # (..., S)
