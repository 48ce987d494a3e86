"""The transformer in NumPy: attention, positions, blocks, a GPT forward pass and its
parameter count (chapters 1, 8 and 10).

NumPy only. Everything the Keras :class:`mlfoundations.transformer.GPT` computes is written
out here once, so the Keras model can be checked against it weight for weight:

* :func:`scaled_dot_product_attention` ``softmax(q kᵀ/√d + mask) v`` and :func:`causal_mask`;
* :func:`split_heads` / :func:`merge_heads`, :func:`layer_norm`, :func:`gelu_mlp`;
* positions: :func:`sinusoidal_positions`, :func:`learned_positions`, :func:`rope`;
* :func:`causal_self_attention` and :func:`gpt_forward` (takes the weights of a Keras
  ``GPT``, as returned by ``GPT.numpy_weights()``);
* :class:`TransformerConfig`, :func:`gpt_params` and :data:`NAMED_MODELS`, the closed-form
  parameter count used by chapters 1 and 10.

Names on both sides (same signature): ``scaled_dot_product_attention``, ``causal_mask``.
Reference only (the Keras side has layers instead): ``split_heads``, ``merge_heads``,
``layer_norm``, ``gelu_mlp``, ``causal_self_attention``, ``sinusoidal_positions``,
``learned_positions``, ``rope``, ``gpt_forward``, ``TransformerConfig``, ``gpt_params``,
``check_token_ids``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..checks import as_float_array, check_choice, check_positive, check_positive_int
from .activations import gelu


# ---------------------------------------------------------------------------- attention
def causal_mask(T: int) -> np.ndarray:
    """Boolean ``(T, T)`` mask, True where query ``i`` may attend to key ``j``: ``j <= i``."""
    T = check_positive_int(T, "T")
    return np.tril(np.ones((T, T), dtype=bool))


def scaled_dot_product_attention(q, k, v, mask=None):
    """Attention: ``softmax(q kᵀ / √d, masked) v``.

    Parameters
    ----------
    q : array_like of shape (..., T_q, d)
    k : array_like of shape (..., T_k, d)
    v : array_like of shape (..., T_k, d_v)
    mask : array_like of bool, broadcastable to (..., T_q, T_k), optional
        True where a query may attend to a key. A row with no True is an error: its
        softmax would be 0/0.

    Returns
    -------
    output : ndarray of shape (..., T_q, d_v)
    weights : ndarray of shape (..., T_q, T_k)
        Each row sums to 1 and is 0 where ``mask`` is False.
    """
    q = as_float_array(q, "q", dtype=None)
    k = as_float_array(k, "k", dtype=None)
    v = as_float_array(v, "v", dtype=None)
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2:
        raise ValueError(
            f"q, k, v must be at least 2-dimensional (..., T, d), got {q.shape}, {k.shape}, "
            f"{v.shape}"
        )
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(f"q and k must have the same last dimension, got {q.shape}, {k.shape}")
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(f"k and v must have the same length T_k, got {k.shape}, {v.shape}")
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])  # (..., T_q, T_k)
    if mask is not None:
        mask = np.asarray(mask)
        if mask.dtype != bool:
            raise TypeError(f"mask must be boolean (True = may attend), got dtype {mask.dtype}")
        try:
            mask = np.broadcast_to(mask, scores.shape)
        except ValueError as exc:
            raise ValueError(
                f"mask of shape {mask.shape} does not broadcast to the scores {scores.shape}"
            ) from exc
        if not np.all(mask.any(axis=-1)):
            raise ValueError("mask has a fully masked row: a query that may attend to nothing")
        scores = np.where(mask, scores, -np.inf)
    # subtract the row maximum: exp never overflows, however large the logits
    scores = scores - scores.max(axis=-1, keepdims=True)
    e = np.exp(scores)
    weights = e / e.sum(axis=-1, keepdims=True)
    return weights @ v, weights


def split_heads(x, n_head: int) -> np.ndarray:
    """``(B, T, C)`` → ``(B, H, T, C/H)``: each head sees its own slice of the channels."""
    x = as_float_array(x, "x", ndim=3, dtype=None)
    n_head = check_positive_int(n_head, "n_head")
    B, T, C = x.shape
    if C % n_head:
        raise ValueError(f"width {C} is not divisible by n_head={n_head}")
    return x.reshape(B, T, n_head, C // n_head).transpose(0, 2, 1, 3)


def merge_heads(x) -> np.ndarray:
    """``(B, H, T, d)`` → ``(B, T, H·d)``, the inverse of :func:`split_heads`."""
    x = as_float_array(x, "x", ndim=4, dtype=None)
    B, H, T, d = x.shape
    return x.transpose(0, 2, 1, 3).reshape(B, T, H * d)


# ------------------------------------------------------------------------ block pieces
def layer_norm(x, gamma, beta=None, eps: float = 1e-5) -> np.ndarray:
    """``γ ⊙ (x − mean) / √(var + ε) + β`` over the last axis (biased variance, as in Keras)."""
    x = as_float_array(x, "x", dtype=None)
    eps = check_positive(eps, "eps")
    gamma = _vector(gamma, "gamma", x.shape[-1])
    beta = None if beta is None else _vector(beta, "beta", x.shape[-1])
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    y = (x - mean) / np.sqrt(var + eps) * gamma
    return y + beta if beta is not None else y


def _vector(value, name: str, size: int) -> np.ndarray:
    """A finite 1-D array of ``size`` values (a bias or a norm's scale)."""
    v = as_float_array(value, name, ndim=1)
    if len(v) != size:
        raise ValueError(f"{name} must have {size} values, got shape {v.shape}")
    return v


def _kernel(value, name: str, fan_in: int) -> np.ndarray:
    """A finite 2-D weight matrix with ``fan_in`` rows."""
    W = as_float_array(value, name, ndim=2)
    if W.shape[0] != fan_in:
        raise ValueError(f"{name} must have {fan_in} rows, got shape {W.shape}")
    return W


def gelu_mlp(x, W_fc, b_fc, W_proj, b_proj) -> np.ndarray:
    """The feed-forward sublayer ``GELU(x W_fc + b_fc) W_proj + b_proj`` (exact GELU).

    Shapes: x (..., D), W_fc (D, F), W_proj (F, D); biases may be None (``bias=False``).
    """
    x = as_float_array(x, "x", dtype=None)
    W_fc = _kernel(W_fc, "W_fc", x.shape[-1])
    W_proj = _kernel(W_proj, "W_proj", W_fc.shape[1])
    b_fc = None if b_fc is None else _vector(b_fc, "b_fc", W_fc.shape[1])
    b_proj = None if b_proj is None else _vector(b_proj, "b_proj", W_proj.shape[1])
    h = x @ W_fc + (0.0 if b_fc is None else b_fc)  # (..., F)
    return gelu(h) @ W_proj + (0.0 if b_proj is None else b_proj)  # (..., D)


def causal_self_attention(x, W_attn, b_attn, W_proj, b_proj, n_head: int) -> np.ndarray:
    """Multi-head causal self-attention with packed ``q, k, v`` projections (GPT-2 layout).

    Shapes: x (B, T, D), W_attn (D, 3D), W_proj (D, D); biases may be None.
    Returns ``(output (B, T, D), weights (B, H, T, T))``.
    """
    x = as_float_array(x, "x", ndim=3, dtype=None)
    D = x.shape[-1]
    W_attn, W_proj = _kernel(W_attn, "W_attn", D), _kernel(W_proj, "W_proj", D)
    if W_attn.shape[1] != 3 * D:
        raise ValueError(f"W_attn must have shape ({D}, {3 * D}), got {W_attn.shape}")
    b_attn = None if b_attn is None else _vector(b_attn, "b_attn", 3 * D)
    b_proj = None if b_proj is None else _vector(b_proj, "b_proj", W_proj.shape[1])
    qkv = x @ W_attn + (0.0 if b_attn is None else b_attn)  # (B, T, 3D)
    q, k, v = (split_heads(qkv[..., i * D : (i + 1) * D], n_head) for i in range(3))
    y, weights = scaled_dot_product_attention(q, k, v, causal_mask(x.shape[1]))  # (B, H, T, d)
    return merge_heads(y) @ W_proj + (0.0 if b_proj is None else b_proj), weights


# --------------------------------------------------------------------------- positions
def sinusoidal_positions(T: int, d: int, base: float = 10000.0) -> np.ndarray:
    """The fixed encodings of Vaswani et al. (2017), ``(T, d)``.

    ``PE[t, 2i] = sin(t / base^(2i/d))`` and ``PE[t, 2i+1] = cos(t / base^(2i/d))``: each
    pair of channels is a clock turning at its own speed, fast in the first channels and
    slow in the last.
    """
    T, d = check_positive_int(T, "T"), check_positive_int(d, "d")
    if d % 2:
        raise ValueError(f"d must be even (sine and cosine pairs), got {d}")
    angle = np.arange(T)[:, None] / check_positive(base, "base") ** (np.arange(0, d, 2) / d)
    pe = np.empty((T, d))
    pe[:, 0::2], pe[:, 1::2] = np.sin(angle), np.cos(angle)
    return pe


def learned_positions(table, T: int) -> np.ndarray:
    """The first ``T`` rows of a learned position table ``(block_size, d)``, as GPT uses it.

    There is no row for position ``block_size`` or beyond: the model cannot read longer text.
    """
    table = as_float_array(table, "table", ndim=2, dtype=None)
    T = check_positive_int(T, "T")
    if T > len(table):
        raise ValueError(f"T={T} exceeds the {len(table)} positions the table has")
    return table[:T]


def rope(x, positions=None, base: float = 10000.0) -> np.ndarray:
    """Rotary position embedding (Su et al. 2021): rotate channel pairs by ``t·θ_i``.

    Pair ``(x_{2i}, x_{2i+1})`` at position ``t`` turns by the angle ``t·base^(-2i/d)``.
    Applied to queries and keys, ``rope(q)_s · rope(k)_t`` depends on ``s − t`` only.

    Parameters
    ----------
    x : array_like of shape (..., T, d), d even
    positions : array_like of int, shape (T,), optional
        Default ``0, 1, ..., T-1``.
    """
    x = as_float_array(x, "x", dtype=None)
    if x.ndim < 2 or x.shape[-1] % 2:
        raise ValueError(f"x must have shape (..., T, d) with d even, got {x.shape}")
    T, d = x.shape[-2:]
    t = np.arange(T) if positions is None else np.asarray(positions)
    angle = t[:, None] * check_positive(base, "base") ** (-np.arange(0, d, 2) / d)  # (T, d/2)
    cos, sin = np.cos(angle), np.sin(angle)
    x1, x2 = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2] = x1 * cos - x2 * sin
    out[..., 1::2] = x1 * sin + x2 * cos
    return out


# ---------------------------------------------------------------------------- the model
@dataclass(frozen=True)
class TransformerConfig:
    """Architecture of a decoder-only transformer language model.

    The first five fields are :class:`mlfoundations.transformer.GPT`'s arguments.

    Attributes
    ----------
    vocab_size, block_size, n_layer, n_head, n_embd : int
        Vocabulary V, context length T, blocks L, attention heads H, width D.
    d_ff : int, optional
        Hidden width of the feed-forward network (default ``4·n_embd``).
    n_kv_head : int, optional
        Heads for keys and values (grouped-query attention); default ``n_head``.
    norm : {"layernorm", "rmsnorm"}
        LayerNorm has a scale and (with ``bias``) a shift; RMSNorm only a scale.
    mlp : {"gelu", "swiglu"}
        Two matrices (up, down) or three (gate, up, down).
    positional : {"learned", "rope"}
        Learned position table (T·D parameters) or rotary embeddings (none).
    bias : bool
        Biases in the projections and the LayerNorms.
    tie_embeddings : bool
        The output projection reuses the token embedding matrix.
    """

    vocab_size: int
    block_size: int
    n_layer: int
    n_head: int
    n_embd: int
    d_ff: int | None = None
    n_kv_head: int | None = None
    norm: str = "layernorm"
    mlp: str = "gelu"
    positional: str = "learned"
    bias: bool = True
    tie_embeddings: bool = True

    def __post_init__(self):
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            check_positive_int(getattr(self, name), name)
        if self.d_ff is not None:
            check_positive_int(self.d_ff, "d_ff")
        if self.n_embd % self.n_head:
            raise ValueError(
                f"n_embd must be divisible by n_head, got n_embd={self.n_embd}, "
                f"n_head={self.n_head}"
            )
        kv = check_positive_int(self.kv_heads, "n_kv_head")
        if self.n_head % kv:
            raise ValueError(f"n_head must be divisible by n_kv_head, got {self.n_head} and {kv}")
        check_choice(self.norm, "norm", ("layernorm", "rmsnorm"))
        check_choice(self.mlp, "mlp", ("gelu", "swiglu"))
        check_choice(self.positional, "positional", ("learned", "rope"))

    @property
    def ff_width(self) -> int:
        return self.d_ff if self.d_ff is not None else 4 * self.n_embd

    @property
    def kv_heads(self) -> int:
        return self.n_kv_head if self.n_kv_head is not None else self.n_head


def gpt_params(config: TransformerConfig) -> dict[str, int]:
    """Count a decoder-only transformer's parameters, part by part.

    With width D, head size ``K = D/H``, key/value width ``D_kv = H_kv·K`` and feed-forward
    width F, one block holds

    * attention: ``D·D`` (queries) + ``2·D·D_kv`` (keys, values) + ``D·D`` (output),
      plus ``D + 2·D_kv + D`` biases;
    * feed-forward: ``2·D·F`` (``3·D·F`` for SwiGLU), plus ``F + D`` biases;
    * two norms: ``2·2D`` (LayerNorm with bias), ``2·D`` (without, or RMSNorm).

    For the classic GPT (``H_kv = H``, ``F = 4D``, biases, LayerNorm) that is
    ``12·D² + 13·D`` per block. Around the blocks: the token table ``V·D``, a learned
    position table ``T·D``, a final norm, and an output matrix ``D·V`` (no bias) unless it
    is tied to the token table.

    Returns
    -------
    dict
        ``{"embedding", "position", "attention", "feed_forward", "norms", "head", "total",
        "non_embedding"}``; the per-block parts are summed over all blocks, and
        ``non_embedding`` (Kaplan et al.'s N) is the total without the token table, the
        position table and an untied output matrix: the parameters that do the computing.
    """
    if not isinstance(config, TransformerConfig):
        raise TypeError(f"config must be a TransformerConfig, got {type(config).__name__}")
    c = config
    D, F, L = c.n_embd, c.ff_width, c.n_layer
    d_kv = c.kv_heads * (D // c.n_head)
    attention = 2 * D * D + 2 * D * d_kv + ((2 * D + 2 * d_kv) if c.bias else 0)
    n_mats = 3 if c.mlp == "swiglu" else 2
    feed_forward = n_mats * D * F + (((n_mats - 1) * F + D) if c.bias else 0)
    norm = 2 * D if (c.norm == "layernorm" and c.bias) else D
    parts = {
        "embedding": c.vocab_size * D,
        "position": c.block_size * D if c.positional == "learned" else 0,
        "attention": L * attention,
        "feed_forward": L * feed_forward,
        "norms": (2 * L + 1) * norm,
        "head": 0 if c.tie_embeddings else D * c.vocab_size,
    }
    parts["total"] = sum(parts.values())
    parts["non_embedding"] = parts["total"] - parts["embedding"] - parts["position"] - parts["head"]
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
"""Published configurations of well-known models, for :func:`gpt_params`."""


def check_token_ids(ids, vocab_size: int, name: str = "ids") -> np.ndarray:
    """Return ``ids`` as an int64 array after checking every id is in ``[0, vocab_size)``."""
    vocab_size = check_positive_int(vocab_size, "vocab_size")
    arr = np.asarray(ids)
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not (np.issubdtype(arr.dtype, np.integer) or arr.dtype == bool):
        raise TypeError(f"{name} must hold integer token ids, got dtype {arr.dtype}")
    lo, hi = int(arr.min()), int(arr.max())
    if lo < 0 or hi >= vocab_size:
        raise ValueError(f"{name} must be token ids in [0, {vocab_size}), got min {lo}, max {hi}")
    return arr.astype(np.int64)


def gpt_forward(ids, weights: dict, config: TransformerConfig) -> np.ndarray:
    """Logits of a GPT (pre-LayerNorm blocks, learned positions, GELU MLP) in NumPy.

    ``h = wte[ids] + wpe[:T]``; per block ``h += attn(ln_1(h))``, ``h += mlp(ln_2(h))``;
    ``logits = ln_f(h) wteᵀ`` (tied) or ``ln_f(h) W_head``.

    Parameters
    ----------
    ids : array_like of int, shape (B, T), T <= block_size
    weights : dict of str to ndarray
        ``GPT.numpy_weights()``: ``"wte"``, ``"wpe"``, ``"h.{i}.ln_1.gamma"``,
        ``"h.{i}.attn.c_attn.kernel"``, ... (``.bias`` / ``.beta`` entries when ``bias``).
    config : TransformerConfig

    Returns
    -------
    ndarray of shape (B, T, V)
    """
    if not isinstance(config, TransformerConfig):
        raise TypeError(f"config must be a TransformerConfig, got {type(config).__name__}")
    ids = check_token_ids(ids, config.vocab_size)
    if ids.ndim != 2:
        raise ValueError(f"ids must be 2-dimensional (B, T), got shape {ids.shape}")
    T = ids.shape[1]
    w = {k: np.asarray(v, dtype=np.float64) for k, v in weights.items()}
    h = w["wte"][ids] + learned_positions(w["wpe"], T)  # (B, T, D)
    for i in range(config.n_layer):
        p = f"h.{i}."
        a, _ = causal_self_attention(
            layer_norm(h, w[p + "ln_1.gamma"], w.get(p + "ln_1.beta")),
            w[p + "attn.c_attn.kernel"],
            w.get(p + "attn.c_attn.bias"),
            w[p + "attn.c_proj.kernel"],
            w.get(p + "attn.c_proj.bias"),
            config.n_head,
        )
        h = h + a
        f = layer_norm(h, w[p + "ln_2.gamma"], w.get(p + "ln_2.beta"))
        h = h + gelu_mlp(
            f,
            w[p + "mlp.c_fc.kernel"],
            w.get(p + "mlp.c_fc.bias"),
            w[p + "mlp.c_proj.kernel"],
            w.get(p + "mlp.c_proj.bias"),
        )
    h = layer_norm(h, w["ln_f.gamma"], w.get("ln_f.beta"))
    head = w["wte"].T if config.tie_embeddings else w["lm_head.kernel"]
    return h @ head  # (B, T, V)
