"""Models as functions: parameter counts, logits to probabilities, sampling (chapter 1).

NumPy only. Parameter counts are closed-form functions of the architecture, so they can be
checked against ``model.count_params()`` and used to size models nobody here can train.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..checks import as_float_array, check_choice, check_positive, check_positive_int
from .activations import softmax


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


@dataclass(frozen=True)
class TransformerConfig:
    """Architecture of a decoder-only transformer language model.

    Attributes
    ----------
    vocab_size, context_length, n_layer, n_head, d_model : int
        Token vocabulary V, maximum sequence length T, blocks L, attention heads H, width D.
    d_ff : int, optional
        Hidden width of the feed-forward network (default ``4·d_model``).
    n_kv_head : int, optional
        Heads for keys and values (grouped-query attention); default ``n_head``.
    norm : {"layernorm", "rmsnorm"}
        LayerNorm has a scale and a shift (2D); RMSNorm only a scale (D).
    mlp : {"gelu", "swiglu"}
        Two matrices (up, down) or three (gate, up, down).
    positional : {"learned", "rope"}
        Learned position table (T·D parameters) or rotary embeddings (none).
    bias : bool
        Biases in the attention and feed-forward projections.
    tie_embeddings : bool
        The output projection reuses the token embedding matrix.
    """

    vocab_size: int
    context_length: int
    n_layer: int
    n_head: int
    d_model: int
    d_ff: int | None = None
    n_kv_head: int | None = None
    norm: str = "layernorm"
    mlp: str = "gelu"
    positional: str = "learned"
    bias: bool = True
    tie_embeddings: bool = True

    def __post_init__(self):
        for name in ("vocab_size", "context_length", "n_layer", "n_head", "d_model"):
            check_positive_int(getattr(self, name), name)
        if self.d_model % self.n_head:
            raise ValueError(
                f"d_model must be divisible by n_head, got d_model={self.d_model}, "
                f"n_head={self.n_head}"
            )
        kv = self.kv_heads
        if self.n_head % kv:
            raise ValueError(f"n_head must be divisible by n_kv_head, got {self.n_head} and {kv}")
        check_choice(self.norm, "norm", ("layernorm", "rmsnorm"))
        check_choice(self.mlp, "mlp", ("gelu", "swiglu"))
        check_choice(self.positional, "positional", ("learned", "rope"))

    @property
    def ff_width(self) -> int:
        return self.d_ff if self.d_ff is not None else 4 * self.d_model

    @property
    def kv_heads(self) -> int:
        return self.n_kv_head if self.n_kv_head is not None else self.n_head


def transformer_params(config: TransformerConfig) -> dict[str, int]:
    """Count a decoder-only transformer's parameters, part by part.

    With width D, head size ``K = D/H``, key/value width ``D_kv = H_kv·K`` and feed-forward
    width F, one block holds

    * attention: ``D·D`` (queries) + ``2·D·D_kv`` (keys, values) + ``D·D`` (output),
      plus ``D + 2·D_kv + D`` biases;
    * feed-forward: ``2·D·F`` (``3·D·F`` for SwiGLU), plus ``F + D`` biases;
    * two norms: ``2·2D`` (LayerNorm) or ``2·D`` (RMSNorm).

    For the classic GPT (``H_kv = H``, ``F = 4D``, biases, LayerNorm) that is
    ``12·D² + 13·D`` per block. Around the blocks: the token table ``V·D``, a learned
    position table ``T·D``, a final norm, and an output projection ``D·V`` unless it is
    tied to the token table.

    Returns
    -------
    dict
        ``{"embedding", "position", "attention", "feed_forward", "norms", "head", "total"}``
        (the per-block parts are summed over all blocks).
    """
    if not isinstance(config, TransformerConfig):
        raise TypeError(f"config must be a TransformerConfig, got {type(config).__name__}")
    c = config
    D, F, L = c.d_model, c.ff_width, c.n_layer
    d_kv = c.kv_heads * (D // c.n_head)
    attention = 2 * D * D + 2 * D * d_kv + ((2 * D + 2 * d_kv) if c.bias else 0)
    n_mats = 3 if c.mlp == "swiglu" else 2
    feed_forward = n_mats * D * F + (((n_mats - 1) * F + D) if c.bias else 0)
    norm = 2 * D if c.norm == "layernorm" else D
    parts = {
        "embedding": c.vocab_size * D,
        "position": c.context_length * D if c.positional == "learned" else 0,
        "attention": L * attention,
        "feed_forward": L * feed_forward,
        "norms": (2 * L + 1) * norm,
        "head": 0 if c.tie_embeddings else D * c.vocab_size + (c.vocab_size if c.bias else 0),
    }
    parts["total"] = sum(parts.values())
    return parts


NAMED_MODELS: dict[str, TransformerConfig] = {
    # Radford et al. 2019, the 124M "small" model (tied embeddings, learned positions).
    "GPT-2 small": TransformerConfig(50257, 1024, 12, 12, 768),
    # Brown et al. 2020, Table 2.1: 96 layers, d_model 12288, 96 heads, context 2048.
    "GPT-3": TransformerConfig(50257, 2048, 96, 96, 12288),
    # Touvron et al. 2023 (Llama 2 70B): 80 layers, d_model 8192, 64 heads, 8 key/value
    # heads, SwiGLU width 28672, RMSNorm, rotary positions, no biases, untied output.
    "Llama-2 70B": TransformerConfig(
        32000,
        4096,
        80,
        64,
        8192,
        d_ff=28672,
        n_kv_head=8,
        norm="rmsnorm",
        mlp="swiglu",
        positional="rope",
        bias=False,
        tie_embeddings=False,
    ),
}
"""Published configurations of well-known models, for :func:`transformer_params`."""


def greedy(logits) -> np.ndarray:
    """The most likely class, ``argmax_i z_i``, along the last axis (the T -> 0 limit).

    Parameters
    ----------
    logits : array_like of shape (..., K)

    Returns
    -------
    ndarray of int, shape (...)
    """
    z = as_float_array(logits, "logits", dtype=None)
    return np.argmax(z, axis=-1)


def sample(logits, *, temperature: float = 1.0, size: int | None = None, seed=None) -> np.ndarray:
    """Draw classes from ``softmax(logits / T)`` with a seeded generator.

    Same seed, same draws: sampling is random but reproducible.

    Parameters
    ----------
    logits : array_like of shape (K,)
    temperature : float, default 1.0
        ``T > 0``; use :func:`greedy` for the ``T -> 0`` limit.
    size : int, optional
        Number of draws (default: one, returned as a 0-d array).
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    ndarray of int
    """
    z = as_float_array(logits, "logits", ndim=1)
    p = softmax(z, temperature=check_positive(temperature, "temperature"))
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    if size is not None:
        check_positive_int(size, "size")
    return np.asarray(rng.choice(len(p), size=size, p=p))
