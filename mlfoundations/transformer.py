"""The transformer in Keras: causal self-attention, the pre-LayerNorm block, a GPT, and
text generation with a KV cache (chapter 8).

``keras.ops`` / ``keras.layers`` only, so it runs on TensorFlow, JAX and PyTorch. The NumPy
ground truth is :mod:`mlfoundations.reference.transformer` (same ``causal_mask`` and
``scaled_dot_product_attention``; :func:`~mlfoundations.reference.transformer.gpt_forward`
reproduces :class:`GPT`'s logits from ``GPT.numpy_weights()``).

Keras only: :class:`CausalSelfAttention`, :class:`TransformerBlock`, :class:`GPT`,
:func:`generate`, :func:`load_gpt` (layers and a model, where the reference has functions),
and the language-model loop :func:`get_batch`, :func:`evaluate_lm`, :func:`train_lm`
(random windows, whole-split evaluation, checkpoints and resuming).

The layout and initialisation are nanoGPT's (Karpathy): packed ``c_attn`` projection,
GELU MLP of width 4D, weights ``N(0, 0.02)`` with the residual output projections at
``0.02/√(2·n_layer)``, biases zero, tied or untied output.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import keras
import numpy as np
from keras import layers, ops

from .backend import xla_on_cpu
from .checks import check_positive, check_positive_int, check_seed, keras_input
from .reference.transformer import TransformerConfig, check_token_ids
from .sampling import sample

__all__ = [
    "causal_mask",
    "scaled_dot_product_attention",
    "CausalSelfAttention",
    "TransformerBlock",
    "GPT",
    "generate",
    "load_gpt",
    "get_batch",
    "evaluate_lm",
    "train_lm",
]

_PACKAGE = "mlfoundations"


def _per_token(project, x):
    """``project`` applied to every position of ``x`` (B, T, D) as one (B·T, D) matrix.

    The weights' gradient is then one matrix product. Fed (B, T, D), the backward pass
    contracts over two axes, which XLA's CPU backend runs about 1.3× slower: a GPT step on
    JAX took 148 ms that way and 111 ms this way (benchmarks/gpt.py settings).
    Returns (B, T, D_out).
    """
    B, T = ops.shape(x)[0], ops.shape(x)[1]
    y = project(ops.reshape(x, (-1, ops.shape(x)[-1])))  # (B·T, D_out)
    return ops.reshape(y, (B, T, ops.shape(y)[-1]))


def _direct(layer):
    """``layer.call``, the function a built sublayer computes, when ``Layer.__call__`` has
    nothing to add; else ``layer`` itself.

    ``__call__`` converts and casts the inputs, resolves ``training``, opens autocast and
    name scopes and binds the call signature. Inside this module's layers the inputs are
    already tensors, ``training`` is passed explicitly, and when the weights' dtype is the
    compute dtype (float32) nothing needs casting. PyTorch runs every step eagerly and paid
    that bookkeeping on each of 36 sublayer calls per GPT step: about 3.9 ms of a 50 ms
    step on 2 CPU cores (compiled backends trace it once). Under a mixed-precision policy
    the layer is called normally, so its weights are cast as Keras casts them.
    """
    return layer.call if layer.compute_dtype == layer.variable_dtype else layer


def _drop(layer, x, training):
    """``layer(x)`` for a ``Dropout`` layer, skipped at rate 0 (the identity): an eager
    PyTorch step pays about 65 µs of Keras bookkeeping per layer call, nine per step here."""
    return layer(x, training=training) if layer.rate > 0 else x


def causal_mask(T: int):
    """Boolean ``(T, T)`` tensor, True where query ``i`` may attend to key ``j``: ``j <= i``."""
    T = check_positive_int(T, "T")
    i = ops.arange(T)
    return ops.expand_dims(i, 1) >= ops.expand_dims(i, 0)


def _attention(q, k, v, mask=None):
    """``softmax(q kᵀ/√d, masked) v`` without argument checks (used inside traced code)."""
    scale = 1.0 / math.sqrt(q.shape[-1])
    scores = ops.matmul(q, ops.swapaxes(k, -1, -2)) * scale  # (..., T_q, T_k)
    if mask is not None:
        scores = ops.where(mask, scores, ops.cast(-1e30, scores.dtype))
    weights = ops.softmax(scores, axis=-1)
    return ops.matmul(weights, v), weights


def scaled_dot_product_attention(q, k, v, mask=None):
    """Attention ``softmax(q kᵀ / √d, masked) v``, as the NumPy reference.

    Parameters
    ----------
    q : tensor of shape (..., T_q, d)
    k : tensor of shape (..., T_k, d)
    v : tensor of shape (..., T_k, d_v)
    mask : bool tensor broadcastable to (..., T_q, T_k), optional
        True where a query may attend; a fully masked row is a ``ValueError``.

    Returns
    -------
    output : tensor of shape (..., T_q, d_v)
    weights : tensor of shape (..., T_q, T_k)
    """
    q, k, v = (keras_input(t, name, ndim=(2, 3, 4)) for t, name in ((q, "q"), (k, "k"), (v, "v")))
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ValueError(f"q, k, v shapes do not fit: {q.shape}, {k.shape}, {v.shape}")
    if mask is not None:
        m = np.asarray(ops.convert_to_numpy(mask))
        if m.dtype != bool:
            raise TypeError(f"mask must be boolean (True = may attend), got dtype {m.dtype}")
        if not np.all(m.any(axis=-1)):
            raise ValueError("mask has a fully masked row: a query that may attend to nothing")
        mask = ops.convert_to_tensor(m)
    return _attention(q, k, v, mask)


def _normal(std: float):
    return keras.initializers.RandomNormal(mean=0.0, stddev=std)


@keras.saving.register_keras_serializable(package=_PACKAGE)
def _check_layer_args(n_embd, n_head, dropout, init_std, proj_init_std):
    """The constructor checks of the attention and block layers (eager, once)."""
    n_embd, n_head = check_positive_int(n_embd, "n_embd"), check_positive_int(n_head, "n_head")
    if n_embd % n_head:
        raise ValueError(f"n_embd={n_embd} must be divisible by n_head={n_head}")
    dropout = check_positive(dropout, "dropout", allow_zero=True)
    if dropout >= 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}")
    init_std = check_positive(init_std, "init_std")
    proj_init_std = check_positive(proj_init_std, "proj_init_std")
    return n_embd, n_head, dropout, init_std, proj_init_std


class CausalSelfAttention(layers.Layer):
    """Multi-head causal self-attention with a packed ``q, k, v`` projection.

    ``(B, T, D)`` → ``(B, T, D)``; with ``return_attention_scores=True`` also the weights
    ``(B, H, T, T)``. Heads attend in parallel over ``D/H`` channels each; position ``t``
    sees positions ``<= t`` only.

    Parameters
    ----------
    n_embd, n_head : int
        Width D and heads H (D divisible by H).
    dropout : float, default 0.0
        On the attention weights and the output, in training.
    bias : bool, default True
    init_std, proj_init_std : float
        Standard deviations of the initial ``c_attn`` and ``c_proj`` kernels.
    """

    def __init__(
        self,
        n_embd: int,
        n_head: int,
        dropout: float = 0.0,
        bias: bool = True,
        init_std: float = 0.02,
        proj_init_std: float = 0.02,
        **kwargs,
    ):
        super().__init__(**kwargs)
        n_embd, n_head, dropout, init_std, proj_init_std = _check_layer_args(
            n_embd, n_head, dropout, init_std, proj_init_std
        )
        self.n_embd, self.n_head = n_embd, n_head
        self.dropout, self.bias = dropout, bias
        self.init_std, self.proj_init_std = init_std, proj_init_std
        self.c_attn = layers.Dense(
            3 * n_embd, use_bias=bias, kernel_initializer=_normal(init_std), name="c_attn"
        )
        self.c_proj = layers.Dense(
            n_embd, use_bias=bias, kernel_initializer=_normal(proj_init_std), name="c_proj"
        )
        self.attn_dropout = layers.Dropout(dropout)
        self.resid_dropout = layers.Dropout(dropout)

    def build(self, input_shape):
        self.c_attn.build((None, None, self.n_embd))
        self.c_proj.build((None, None, self.n_embd))

    def _qkv(self, x):
        B, T = ops.shape(x)[0], ops.shape(x)[1]
        hd = self.n_embd // self.n_head
        qkv = ops.reshape(_per_token(_direct(self.c_attn), x), (B, T, 3, self.n_head, hd))
        return qkv[:, :, 0], qkv[:, :, 1], qkv[:, :, 2]  # each (B, T, H, hd)

    def _out(self, y, training=None):
        B, T = ops.shape(y)[0], ops.shape(y)[1]
        y = ops.reshape(y, (B, T, self.n_embd))  # merge heads, (B, T, D)
        return _drop(self.resid_dropout, _per_token(_direct(self.c_proj), y), training)

    def call(self, x, training=None, return_attention_scores=False):
        q, k, v = self._qkv(x)  # (B, T, H, hd)
        explicit = return_attention_scores or (training and self.dropout > 0)
        if not explicit:
            # the backend's fused kernel (torch SDPA, XLA) for the common case
            y = ops.dot_product_attention(q, k, v, is_causal=True)  # (B, T, H, hd)
            return self._out(y, training)
        T = x.shape[1] if x.shape[1] is not None else ops.shape(x)[1]
        q, k, v = (ops.transpose(t, (0, 2, 1, 3)) for t in (q, k, v))  # (B, H, T, hd)
        y, weights = _attention(q, k, v, _causal_mask_traced(T))
        y = ops.matmul(_drop(self.attn_dropout, weights, training), v)
        y = self._out(ops.transpose(y, (0, 2, 1, 3)), training)
        return (y, weights) if return_attention_scores else y

    def call_cached(self, x, cache, start: int):
        """Attention for new positions, reading and extending a key/value cache.

        ``x`` (B, t, D) holds positions ``start, ..., start+t-1``; ``cache`` is ``(k, v)``,
        each (B, block_size, H, hd) with the keys and values of positions ``< start``
        filled in. Fixed-size buffers keep every decoding step the same shape (one compiled
        kernel per op on JAX instead of one per length). Inference only (no dropout).
        Returns ``(y (B, t, D), (k, v))``.
        """
        q, k, v = self._qkv(x)  # (B, t, H, hd)
        k_buf = ops.slice_update(cache[0], (0, start, 0, 0), k)  # (B, block, H, hd)
        v_buf = ops.slice_update(cache[1], (0, start, 0, 0), v)
        t, block = q.shape[1], k_buf.shape[1]
        i = ops.arange(t) + start  # absolute positions of the new queries
        mask = ops.expand_dims(i, 1) >= ops.expand_dims(ops.arange(block), 0)  # (t, block)
        qh, kh, vh = (ops.transpose(z, (0, 2, 1, 3)) for z in (q, k_buf, v_buf))
        y, _ = _attention(qh, kh, vh, mask)  # (B, H, t, hd)
        return self._out(ops.transpose(y, (0, 2, 1, 3))), (k_buf, v_buf)

    def get_config(self):
        return {
            **super().get_config(),
            "n_embd": self.n_embd,
            "n_head": self.n_head,
            "dropout": self.dropout,
            "bias": self.bias,
            "init_std": self.init_std,
            "proj_init_std": self.proj_init_std,
        }


def _causal_mask_traced(T):
    """``causal_mask`` for a length that may be symbolic (no argument check)."""
    i = ops.arange(T)
    return ops.expand_dims(i, 1) >= ops.expand_dims(i, 0)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class TransformerBlock(layers.Layer):
    """One pre-LayerNorm block: ``h + attn(ln_1(h))``, then ``h + mlp(ln_2(h))``.

    The MLP is ``Dense(4D, exact GELU) → Dense(D)``; dropout after each sublayer. Parameters
    as :class:`CausalSelfAttention`. ``(B, T, D)`` → ``(B, T, D)``.
    """

    def __init__(
        self,
        n_embd: int,
        n_head: int,
        dropout: float = 0.0,
        bias: bool = True,
        init_std: float = 0.02,
        proj_init_std: float = 0.02,
        **kwargs,
    ):
        super().__init__(**kwargs)
        n_embd, n_head, dropout, init_std, proj_init_std = _check_layer_args(
            n_embd, n_head, dropout, init_std, proj_init_std
        )
        self.n_embd, self.n_head = n_embd, n_head
        self.dropout, self.bias = dropout, bias
        self.init_std, self.proj_init_std = init_std, proj_init_std
        self.ln_1 = layers.LayerNormalization(epsilon=1e-5, center=bias, name="ln_1")
        self.attn = CausalSelfAttention(
            n_embd, n_head, dropout, bias, init_std, proj_init_std, name="attn"
        )
        self.ln_2 = layers.LayerNormalization(epsilon=1e-5, center=bias, name="ln_2")
        self.c_fc = layers.Dense(
            4 * n_embd, use_bias=bias, kernel_initializer=_normal(init_std), name="c_fc"
        )
        self.c_proj = layers.Dense(
            n_embd, use_bias=bias, kernel_initializer=_normal(proj_init_std), name="c_proj"
        )
        self.mlp_dropout = layers.Dropout(dropout)

    def build(self, input_shape):
        shape = (None, None, self.n_embd)
        for layer in (self.ln_1, self.attn, self.ln_2, self.c_fc):
            layer.build(shape)
        self.c_proj.build((None, None, 4 * self.n_embd))

    def mlp(self, x, training=None):
        def feed_forward(x):  # (B·T, D) -> (B·T, D), exact GELU as nanoGPT
            return _direct(self.c_proj)(ops.gelu(_direct(self.c_fc)(x), approximate=False))

        return _drop(self.mlp_dropout, _per_token(feed_forward, x), training)

    def call(self, h, training=None, return_attention_scores=False):
        a = _direct(self.attn)(
            _direct(self.ln_1)(h),
            training=training,
            return_attention_scores=return_attention_scores,
        )
        if return_attention_scores:
            a, weights = a  # (B, T, D), (B, H, T, T)
        h = h + a
        h = h + self.mlp(_direct(self.ln_2)(h), training)
        return (h, weights) if return_attention_scores else h

    def call_cached(self, h, cache, start: int):
        """:meth:`call` for new positions with a KV cache (see ``CausalSelfAttention``)."""
        a, present = self.attn.call_cached(_direct(self.ln_1)(h), cache, start)
        h = h + a
        return h + self.mlp(_direct(self.ln_2)(h)), present

    def get_config(self):
        return {
            **super().get_config(),
            "n_embd": self.n_embd,
            "n_head": self.n_head,
            "dropout": self.dropout,
            "bias": self.bias,
            "init_std": self.init_std,
            "proj_init_std": self.proj_init_std,
        }


@keras.saving.register_keras_serializable(package=_PACKAGE)
class GPT(keras.Model):
    """A decoder-only transformer language model: token ids ``(B, T)`` → logits ``(B, T, V)``.

    ``h = wte[ids] + wpe[0..T-1]``; ``n_layer`` :class:`TransformerBlock` s; ``ln_f``;
    logits ``= h wteᵀ`` when ``tie_embeddings`` (the token table doubles as the output
    matrix), else a separate ``lm_head`` (no bias). Serialisable to ``.keras`` (tied or
    not); :meth:`save` writes a temporary file and renames it, so a failed save leaves no
    file behind.

    Parameters
    ----------
    vocab_size, block_size, n_layer, n_head, n_embd : int
        Vocabulary V, context length T (longest input), blocks, heads, width D
        (D divisible by the heads).
    dropout : float, default 0.0
        In ``[0, 1)``: after the embeddings, on attention weights and after each sublayer.
    bias : bool, default True
        Biases in the projections and LayerNorms (``False``: nanoGPT's faster choice).
    tie_embeddings : bool, default True

    Examples
    --------
    >>> model = GPT(vocab_size=65, block_size=64, n_layer=4, n_head=4, n_embd=128,
    ...             bias=False)  # nanoGPT's Shakespeare-char CPU model, 0.80 M parameters
    """

    def __init__(
        self,
        vocab_size: int,
        block_size: int,
        n_layer: int,
        n_head: int,
        n_embd: int,
        dropout: float = 0.0,
        bias: bool = True,
        tie_embeddings: bool = True,
        **kwargs,
    ):
        config = TransformerConfig(
            vocab_size,
            block_size,
            n_layer,
            n_head,
            n_embd,
            bias=bool(bias),
            tie_embeddings=bool(tie_embeddings),
        )
        dropout = check_positive(dropout, "dropout", allow_zero=True)
        if dropout >= 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        kwargs.setdefault("name", "gpt")
        super().__init__(**kwargs)
        self.config, self.dropout = config, dropout
        std, proj_std = 0.02, 0.02 / math.sqrt(2 * n_layer)
        self.wte = layers.Embedding(
            vocab_size, n_embd, embeddings_initializer=_normal(std), name="wte"
        )
        self.wpe = layers.Embedding(
            block_size, n_embd, embeddings_initializer=_normal(std), name="wpe"
        )
        self.drop = layers.Dropout(dropout)
        self.blocks = [
            TransformerBlock(n_embd, n_head, dropout, bias, std, proj_std, name=f"h_{i}")
            for i in range(n_layer)
        ]
        self.ln_f = layers.LayerNormalization(epsilon=1e-5, center=bias, name="ln_f")
        self.lm_head = (
            None
            if tie_embeddings
            else layers.Dense(
                vocab_size, use_bias=False, kernel_initializer=_normal(std), name="lm_head"
            )
        )
        self.build((None, None))

    def compile(self, *args, jit_compile="auto", **kwargs):
        """:meth:`keras.Model.compile`, with XLA on TensorFlow's CPU too
        (:func:`mlfoundations.backend.xla_on_cpu`: about twice as fast there)."""
        self._jit_request = jit_compile
        super().compile(*args, jit_compile=xla_on_cpu(jit_compile), **kwargs)

    def get_compile_config(self):
        # A saved model keeps what was asked ("auto"), not TensorFlow's answer: loaded on
        # PyTorch, jit_compile=True would mean torch.compile.
        config = super().get_compile_config()
        if config and "jit_compile" in config:
            config["jit_compile"] = getattr(self, "_jit_request", config["jit_compile"])
        return config

    def compile_from_config(self, config):
        # Keras skips compiling a loaded model whose class overrides compile(); this one
        # only adds a default, so a loaded checkpoint is compiled as Keras would do it
        self.compile(**keras.saving.deserialize_keras_object(config))
        if self.built and self.optimizer is not None:
            self.optimizer.build(self.trainable_variables)  # its slots, for the weights

    def build(self, input_shape=None):
        if self.built:
            return
        D = self.config.n_embd
        self.wte.build((None, None))
        self.wpe.build((None,))
        for block in self.blocks:
            block.build((None, None, D))
        self.ln_f.build((None, None, D))
        if self.lm_head is not None:
            self.lm_head.build((None, None, D))
        self.built = True

    # -- forward -----------------------------------------------------------------------
    def _embed(self, ids, start=0, training=None):
        T = ops.shape(ids)[1]
        positions = ops.arange(T) + start
        return _drop(
            self.drop, _direct(self.wte)(ids) + _direct(self.wpe)(positions)[None], training
        )

    def _logits(self, h):
        h = _direct(self.ln_f)(h)
        if self.lm_head is None:  # tied: the token table is the output matrix
            return _per_token(lambda h: ops.matmul(h, ops.transpose(self.wte.embeddings)), h)
        return _per_token(_direct(self.lm_head), h)  # (B, T, V)

    def __call__(self, ids, *args, **kwargs):
        if not (ops.is_tensor(ids) or keras.backend.is_keras_tensor(ids)):
            # eager NumPy or list input: check it here, before Keras' own machinery sees it
            ids = self._check_ids(ids)
        return super().__call__(ids, *args, **kwargs)

    def call(self, ids, training=None):
        T = ids.shape[1]
        if isinstance(T, int) and T > self.config.block_size:
            raise ValueError(
                f"sequence length {T} exceeds block_size={self.config.block_size}; "
                "crop the context (generate() does)"
            )
        if not training:
            _check_concrete_ids(ids, self.config.vocab_size)
        return self._forward(ids, training)

    def _forward(self, ids, training=None):
        """:meth:`call` without the checks (``ids`` may be traced): (B, T) → (B, T, V)."""
        h = self._embed(ids, training=training)  # (B, T, D)
        for block in self.blocks:
            h = _direct(block)(h, training=training)
        return self._logits(h)

    def attention_weights(self, ids):
        """Logits and every block's attention weights for ``ids`` (inference).

        Returns ``(logits (B, T, V), [weights (B, H, T, T) per block])``.
        """
        ids = self._check_ids(ids)
        h, all_weights = self._embed(ids), []
        for block in self.blocks:
            h, weights = block(h, return_attention_scores=True)
            all_weights.append(weights)
        return self._logits(h), all_weights

    def _check_ids(self, ids):
        arr = check_token_ids(ids, self.config.vocab_size)
        if arr.ndim != 2:
            raise ValueError(f"ids must be 2-dimensional (B, T), got shape {arr.shape}")
        if arr.shape[1] > self.config.block_size:
            raise ValueError(
                f"sequence length {arr.shape[1]} exceeds block_size={self.config.block_size}"
            )
        return ops.convert_to_tensor(arr.astype("int32"))

    def forward_cached(self, ids, cache=None, start: int = 0):
        """Logits of the last position of ``ids`` (B, t) at absolute positions
        ``start, ..., start+t-1``, given the per-block caches of earlier positions.

        ``cache`` is ``None`` (start empty buffers; then ``start`` must be 0) or the list of
        ``(k, v)`` per block returned by the previous call. Returns ``(logits (B, V), cache)``.
        """
        B, t = ids.shape[0], ids.shape[1]
        if start + t > self.config.block_size:
            raise ValueError(f"positions up to {start + t} exceed block_size")
        return self._decode(ids, self._empty_cache(B) if cache is None else cache, start)

    def _empty_cache(self, batch_size: int):
        """Zeroed key/value buffers, one ``(k, v)`` pair per block, each
        (batch_size, block_size, H, D/H) in the compute dtype (bfloat16 under bf16)."""
        c = self.config
        shape = (batch_size, c.block_size, c.n_head, c.n_embd // c.n_head)
        dtype = self.compute_dtype
        return [(ops.zeros(shape, dtype), ops.zeros(shape, dtype)) for _ in self.blocks]

    def _decode(self, ids, cache, start):
        """:meth:`forward_cached` without the checks: ``start`` may be a traced scalar."""
        h = self._embed(ids, start)
        new_cache = []
        for block, kv in zip(self.blocks, cache, strict=True):
            h, kv = block.call_cached(h, kv, start)
            new_cache.append(kv)
        return self._logits(h[:, -1:])[:, 0], new_cache

    # -- weights, config, saving ---------------------------------------------------------
    def numpy_weights(self) -> dict[str, np.ndarray]:
        """All weights as NumPy arrays under nanoGPT-style names, for
        :func:`mlfoundations.reference.transformer.gpt_forward`."""

        def put(prefix, layer):
            for var in layer.weights:
                out[f"{prefix}.{var.name}"] = ops.convert_to_numpy(var)

        out = {
            "wte": ops.convert_to_numpy(self.wte.embeddings),
            "wpe": ops.convert_to_numpy(self.wpe.embeddings),
        }
        for i, block in enumerate(self.blocks):
            p = f"h.{i}"
            put(f"{p}.ln_1", block.ln_1)
            put(f"{p}.attn.c_attn", block.attn.c_attn)
            put(f"{p}.attn.c_proj", block.attn.c_proj)
            put(f"{p}.ln_2", block.ln_2)
            put(f"{p}.mlp.c_fc", block.c_fc)
            put(f"{p}.mlp.c_proj", block.c_proj)
        put("ln_f", self.ln_f)
        if self.lm_head is not None:
            put("lm_head", self.lm_head)
        return out

    def get_config(self):
        c = self.config
        return {
            "name": self.name,
            "trainable": self.trainable,
            "vocab_size": c.vocab_size,
            "block_size": c.block_size,
            "n_layer": c.n_layer,
            "n_head": c.n_head,
            "n_embd": c.n_embd,
            "dropout": self.dropout,
            "bias": c.bias,
            "tie_embeddings": c.tie_embeddings,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def save(self, filepath, overwrite=True, **kwargs):
        """``keras.Model.save`` to a temporary file, renamed into place only when complete."""
        path = Path(filepath)
        if path.suffix != ".keras":
            raise ValueError(f"filepath must end in .keras, got {str(filepath)!r}")
        if path.exists() and not overwrite:
            raise FileExistsError(f"{path} exists and overwrite=False")
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.partial.keras")
        try:
            super().save(tmp, overwrite=True, **kwargs)
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()


def _check_concrete_ids(ids, vocab_size: int) -> None:
    """Check token ids when they are concrete values (eager inference); traced values, as in
    ``fit``, cannot be read and are left to the backend."""
    try:
        values = ops.convert_to_numpy(ids)
    except Exception:  # a symbolic or traced tensor: nothing to read
        return
    check_token_ids(values, vocab_size)


def load_gpt(path, *, expect: TransformerConfig | None = None) -> GPT:
    """Load a :class:`GPT` saved with ``model.save(path)``, optionally checking its config.

    Raises ``ValueError`` naming both configurations when the checkpoint's architecture is
    not ``expect`` (resuming a run with other sizes would silently train another model).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    model = keras.saving.load_model(path)
    if not isinstance(model, GPT):
        raise ValueError(f"{path} holds a {type(model).__name__}, not a GPT")
    if expect is not None and model.config != expect:
        raise ValueError(
            f"checkpoint {path} is for another configuration:\n  checkpoint: {model.config}\n"
            f"  this run:   {expect}"
        )
    return model


_XLA_BACKENDS = ("jax", "tensorflow")  # where generate() compiles its decoding steps


def _compile(model: GPT, fn):
    """``fn`` compiled by XLA on JAX and TensorFlow (one program per input shape), as is
    on PyTorch, whose eager ops are cheap to dispatch.

    Decoding runs the same small forward pass once per token. Op by op, JAX and TensorFlow
    pay a dispatch cost per op (about 9 and 19 ms per cached step of chapter 8's quick
    model); one compiled program per step removes it. On JAX the weights are arguments
    (read from the variables at every call, under a ``StatelessScope``), so a program never
    holds stale weights; TensorFlow's ``tf.function`` reads its variables when it runs.
    """
    backend = keras.backend.backend()
    if backend not in _XLA_BACKENDS:
        return fn
    if backend == "jax":
        import jax

        weights = model.weights

        def pure(values, *args):
            with keras.StatelessScope(state_mapping=list(zip(weights, values, strict=True))):
                return fn(*args)

        jitted = jax.jit(pure)
        return lambda *args: jitted([w.value for w in weights], *args)
    import tensorflow as tf

    return tf.function(fn, jit_compile=True)


class _Decoder:
    """The forward passes :func:`generate` repeats, compiled once per model.

    ``step``: logits (B, V) of new positions given the cache (:meth:`GPT.forward_cached`).
    ``last``: logits (B, V) at the end of a window without a cache. Compiled, the window is
    padded on the right to ``block_size`` so that every call has one shape: causality makes
    the logits at real positions independent of the padding after them.
    """

    def __init__(self, model: GPT):
        self.model, self.block = model, model.config.block_size
        self.compiled = keras.backend.backend() in _XLA_BACKENDS
        self._step = _compile(model, model._decode)
        self._last = _compile(model, lambda ids, i: ops.take(model._forward(ids), i, axis=1))

    @staticmethod
    def _int(x):
        return ops.convert_to_tensor(np.asarray(x, dtype="int32"))

    def step(self, ids, cache, start: int):
        if cache is None:
            cache = self.model._empty_cache(ids.shape[0])
        # compiled, a tensor ``start`` keeps one program for every position; eager PyTorch
        # writes the cache fastest with a Python int (a plain slice assignment)
        start = self._int(start) if self.compiled else int(start)
        return self._step(self._int(ids), cache, start)

    def last(self, window):
        n = window.shape[1]
        if self.compiled and n < self.block:
            window = np.pad(window, ((0, 0), (0, self.block - n)))
        return self._last(self._int(window), self._int(n - 1))


def _decoder(model: GPT) -> _Decoder:
    """The model's :class:`_Decoder`, made on first use and kept (compiling takes seconds)."""
    if getattr(model, "_mlf_decoder", None) is None:
        model._mlf_decoder = _Decoder(model)
    return model._mlf_decoder


def generate(
    model: GPT,
    prompt_ids,
    max_new_tokens: int,
    temperature: float = 1.0,
    top_k=None,
    top_p=None,
    seed=None,
    kv_cache: bool = True,
) -> np.ndarray:
    """Continue ``prompt_ids`` by ``max_new_tokens`` sampled tokens.

    Each step feeds the last ``block_size`` tokens (a longer prompt is cropped to its end:
    the model has no positions beyond ``block_size``), samples the next token with
    :func:`mlfoundations.sampling.sample` and appends it. With ``kv_cache`` the keys and
    values of earlier positions are kept, so a step computes one new position instead of
    the whole context; once the text is longer than ``block_size`` the window slides, every
    position moves, and the cache is rebuilt from the window at each step. Both paths give
    the same tokens for the same seed. On JAX and TensorFlow each step runs as one compiled
    XLA program, made on the model's first ``generate`` call (a second or two) and kept.

    Parameters
    ----------
    model : GPT
    prompt_ids : array_like of int, shape (T,) or (B, T)
    max_new_tokens : int
        >= 1.
    temperature, top_k, top_p
        As in :func:`mlfoundations.sampling.sample`; ``temperature=0`` is greedy.
    seed : int, optional
        Same seed, same continuation (on one backend).
    kv_cache : bool, default True

    Returns
    -------
    ndarray of int64, shape (T + max_new_tokens,) or (B, T + max_new_tokens)
    """
    if not isinstance(model, GPT):
        raise TypeError(f"model must be a GPT, got {type(model).__name__}")
    ids = check_token_ids(prompt_ids, model.config.vocab_size, "prompt_ids")
    if ids.ndim not in (1, 2):
        raise ValueError(f"prompt_ids must be 1- or 2-dimensional, got shape {ids.shape}")
    max_new_tokens = check_positive_int(max_new_tokens, "max_new_tokens")
    sample_options = {"temperature": temperature, "top_k": top_k, "top_p": top_p}
    sample(np.zeros((1, 2), "float32"), **sample_options)  # validate before any work
    squeeze = ids.ndim == 1
    ids = ids[None] if squeeze else ids  # (B, T)
    rng = np.random.default_rng(None if seed is None else check_seed(seed))
    block, decoder = model.config.block_size, _decoder(model)
    cache = None
    for _ in range(max_new_tokens):
        n = ids.shape[1]
        window = ids[:, -block:]
        if kv_cache and cache is not None and n <= block:
            logits, cache = decoder.step(ids[:, -1:], cache, start=n - 1)  # one new position
        elif kv_cache:
            logits, cache = decoder.step(window, None, start=0)  # the whole window
            cache = cache if n < block else None  # a full window will slide: rebuild next step
        else:
            logits = decoder.last(window)  # (B, V)
        step_seed = int(rng.integers(2**31 - 1))
        nxt = ops.convert_to_numpy(sample(logits, **sample_options, seed=step_seed))  # (B, 1)
        ids = np.concatenate([ids, nxt.astype(np.int64)], axis=1)
    return ids[0] if squeeze else ids


# ------------------------------------------------------------------- language-model loop
def get_batch(tokens, batch_size: int, block_size: int, rng: np.random.Generator):
    """``batch_size`` random windows of a token stream, and the same windows shifted by one.

    Returns ``x, y`` of shape (batch_size, block_size), int32, with ``y[:, t] = x[:, t+1]``
    continued by the next token: the targets of next-token prediction.
    """
    tokens = check_token_ids(tokens, np.iinfo(np.int64).max, "tokens")
    batch_size = check_positive_int(batch_size, "batch_size")
    block_size = check_positive_int(block_size, "block_size")
    if tokens.ndim != 1 or len(tokens) <= block_size:
        raise ValueError(
            f"tokens must be a 1-D stream longer than block_size={block_size}, "
            f"got shape {tokens.shape}"
        )
    start = rng.integers(0, len(tokens) - block_size, size=batch_size)
    index = start[:, None] + np.arange(block_size)  # (B, T)
    return tokens[index].astype("int32"), tokens[index + 1].astype("int32")


def evaluate_lm(model: GPT, tokens, *, batch_size: int = 64) -> float:
    """Mean next-token cross-entropy (nats) over a whole token stream.

    The stream is cut into consecutive windows of ``block_size`` (the tail that does not
    fill a window is dropped); every position of every window is predicted, so the loss
    covers the split instead of a few random batches.
    """
    tokens = check_token_ids(tokens, model.config.vocab_size, "tokens")
    batch_size = check_positive_int(batch_size, "batch_size")
    if tokens.ndim != 1:
        raise ValueError(f"tokens must be a 1-D stream, got shape {tokens.shape}")
    T = model.config.block_size
    n = (len(tokens) - 1) // T
    if n < 1:
        raise ValueError(f"tokens must hold more than block_size={T} ids, got {len(tokens)}")
    x = tokens[: n * T].reshape(n, T).astype("int32")
    y = tokens[1 : n * T + 1].reshape(n, T).astype("int32")
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="sum")
    total = 0.0
    for i in range(0, n, batch_size):
        logits = model(x[i : i + batch_size])
        total += float(ops.convert_to_numpy(loss(y[i : i + batch_size], logits)))
    return total / (n * T)


def _restore(model: GPT, saved: GPT) -> None:
    """Copy weights and optimizer state from ``saved`` into the compiled ``model``.

    The model keeps its own optimizer object: what it was built with (which variables are
    not decayed, say) is configuration that a ``.keras`` file does not carry.
    """
    if model.optimizer is None or saved.optimizer is None:
        raise ValueError("resuming needs a compiled model and a checkpoint with an optimizer")
    model.set_weights(saved.get_weights())
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    mine, theirs = model.optimizer.variables, saved.optimizer.variables
    if [tuple(v.shape) for v in mine] != [tuple(v.shape) for v in theirs]:
        raise ValueError("the checkpoint's optimizer state does not fit this optimizer")
    for v, w in zip(mine, theirs, strict=True):
        v.assign(w)


def train_lm(
    model: GPT,
    tokens,
    *,
    steps: int,
    batch_size: int,
    seed: int = 0,
    evaluate=None,
    eval_every: int | None = None,
    checkpoint=None,
    checkpoint_every: int | None = None,
    resume: bool = False,
    stop_after: int | None = None,
    progress=None,
) -> dict:
    """Train a compiled :class:`GPT` on random windows of ``tokens`` for ``steps`` steps.

    Step ``i`` draws its batch from ``numpy.random.default_rng([seed, i])``, so the batches
    do not depend on where a run was interrupted. Every ``checkpoint_every`` steps the model
    (weights and optimizer state, which holds the step count) is saved atomically to
    ``checkpoint`` (a ``.keras`` path) with the history next to it (``.json``); with
    ``resume=True`` training continues from there and ends where an uninterrupted run ends.

    Parameters
    ----------
    model : GPT
        Compiled with an optimizer and a sparse cross-entropy on logits.
    tokens : array_like of int, shape (N,)
    steps, batch_size : int
    seed : int, default 0
    evaluate : callable, optional
        ``evaluate(model) -> float``, called every ``eval_every`` steps and at the end.
    checkpoint : path-like, optional
    resume : bool, default False
        Continue from ``checkpoint`` (``FileNotFoundError`` if there is none; ``ValueError``
        if it holds another configuration).
    stop_after : int, optional
        Stop after this step (to simulate an interrupted run).
    progress : callable, optional
        Wraps the step range (e.g. ``tqdm``).

    Returns
    -------
    dict
        ``{"model", "train_loss" (one per step), "eval_step", "eval_loss", "seconds"}``.
    """
    import json
    import time

    if not isinstance(model, GPT):
        raise TypeError(f"model must be a GPT, got {type(model).__name__}")
    steps = check_positive_int(steps, "steps")
    batch_size = check_positive_int(batch_size, "batch_size")
    tokens = check_token_ids(tokens, model.config.vocab_size, "tokens")
    seed = check_seed(seed)
    if (checkpoint_every or resume) and checkpoint is None:
        raise ValueError("checkpoint_every and resume need a checkpoint path")
    if checkpoint is not None and checkpoint_every:
        Path(checkpoint).parent.mkdir(parents=True, exist_ok=True)  # a new run's own folder
    history = {"train_loss": [], "eval_step": [], "eval_loss": [], "seconds": 0.0}
    start = 0
    if resume:
        checkpoint = Path(checkpoint)
        _restore(model, load_gpt(checkpoint, expect=model.config))
        history = json.loads(checkpoint.with_suffix(".json").read_text())
        start = int(ops.convert_to_numpy(model.optimizer.iterations))
        if start != len(history["train_loss"]):
            raise ValueError(f"{checkpoint}: optimizer at step {start}, history disagrees")
    if model.optimizer is None:
        raise ValueError("compile the model (optimizer and loss) before train_lm")
    T, began = model.config.block_size, time.perf_counter() - history["seconds"]
    last = steps if stop_after is None else min(steps, check_positive_int(stop_after, "stop_after"))
    step_range = range(start, last)
    for step in progress(step_range) if progress else step_range:
        x, y = get_batch(tokens, batch_size, T, np.random.default_rng([seed, step]))
        loss = model.train_on_batch(x, y)
        history["train_loss"].append(float(np.asarray(loss).reshape(-1)[0]))
        done = step + 1
        if evaluate is not None and (done == steps or (eval_every and done % eval_every == 0)):
            history["eval_step"].append(done)
            history["eval_loss"].append(float(evaluate(model)))
        if (
            checkpoint is not None
            and checkpoint_every
            and (done % checkpoint_every == 0 or done == last)
        ):
            history["seconds"] = time.perf_counter() - began
            model.save(checkpoint)
            Path(checkpoint).with_suffix(".json").write_text(json.dumps(history))
    history["seconds"] = time.perf_counter() - began
    return {"model": model, **history}
