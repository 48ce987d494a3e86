"""Models as functions: parameter counts of dense layers, MLPs and embeddings (chapter 1).

NumPy only. Parameter counts are closed-form functions of the architecture, so they can be
checked against ``model.count_params()`` and used to size models nobody here can train. The
transformer's count (:func:`~mlfoundations.reference.transformer.gpt_params`) lives with the
transformer; softmax with temperature, greedy choice and sampling in
:mod:`mlfoundations.reference.sampling`.
"""

from __future__ import annotations

from ..checks import check_positive_int


def dense_params(n_in: int, n_out: int, *, bias: bool = True) -> int:
    """Parameters of a dense layer ``y = x W + b``: ``n_in·n_out + n_out``.

    Parameters
    ----------
    n_in, n_out : int
        Input and output widths (>= 1).
    bias : bool, default True
    """
    n_in = check_positive_int(n_in, "n_in")
    n_out = check_positive_int(n_out, "n_out")
    return n_in * n_out + (n_out if bias else 0)


def mlp_params(sizes, *, bias: bool = True) -> int:
    """Parameters of a multilayer perceptron with layer widths ``sizes``.

    ``sizes = [d_0, d_1, ..., d_L]`` (input width first) gives
    ``Σ_l (d_{l-1}·d_l + d_l)``; activations have no parameters.
    """
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least an input and an output width, got {sizes}")
    return sum(dense_params(a, b, bias=bias) for a, b in zip(sizes[:-1], sizes[1:], strict=True))


def embedding_params(vocab_size: int, dim: int) -> int:
    """Parameters of an embedding table: one ``dim``-vector per token, ``vocab_size·dim``."""
    return check_positive_int(vocab_size, "vocab_size") * check_positive_int(dim, "dim")
