"""Models as functions, in Keras: softmax with temperature, sampling, and the small
architectures whose parameters chapter 1 counts.

Everything here uses ``keras.ops`` / ``keras.layers`` only, so it runs on TensorFlow, JAX and
PyTorch. The NumPy ground truth is :mod:`mlfoundations.reference.models`.
"""

from __future__ import annotations

import keras
from keras import layers, ops

from .checks import check_positive, check_positive_int
from .reference.models import TransformerConfig


def softmax(logits, temperature: float = 1.0):
    """``softmax(z / T)`` along the last axis, with ``keras.ops``.

    Parameters
    ----------
    logits : tensor of shape (..., K)
    temperature : float, default 1.0
        ``T > 0``.
    """
    temperature = check_positive(temperature, "temperature")
    return ops.softmax(ops.convert_to_tensor(logits) / temperature, axis=-1)


def sample(logits, *, temperature: float = 1.0, num_samples: int = 1, seed=None):
    """Draw ``num_samples`` classes per row from ``softmax(logits / T)``.

    ``seed`` is an int or a ``keras.random.SeedGenerator``; the same int seed gives the same
    draws on the same backend.

    Parameters
    ----------
    logits : tensor of shape (B, K)

    Returns
    -------
    int tensor of shape (B, num_samples)
    """
    temperature = check_positive(temperature, "temperature")
    num_samples = check_positive_int(num_samples, "num_samples")
    z = ops.convert_to_tensor(logits)
    if len(z.shape) != 2:
        raise ValueError(f"logits must be 2-dimensional (batch, classes), got shape {z.shape}")
    return keras.random.categorical(z / temperature, num_samples, seed=seed)


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


@keras.saving.register_keras_serializable(package="mlfoundations")
class TokenAndPositionEmbedding(layers.Layer):
    """Token embedding plus a learned position embedding: ``E[x_t] + P[t]``.

    Input ``(B, T)`` integer token ids; output ``(B, T, D)``.
    """

    def __init__(self, vocab_size: int, context_length: int, d_model: int, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size, self.context_length, self.d_model = vocab_size, context_length, d_model
        self.token = layers.Embedding(vocab_size, d_model, name="token")
        self.position = layers.Embedding(context_length, d_model, name="position")

    def call(self, ids):
        t = ops.arange(ops.shape(ids)[-1])
        return self.token(ids) + self.position(t)[None]  # (B, T, D)

    def get_config(self):
        return {
            **super().get_config(),
            "vocab_size": self.vocab_size,
            "context_length": self.context_length,
            "d_model": self.d_model,
        }


@keras.saving.register_keras_serializable(package="mlfoundations")
class TiedOutput(layers.Layer):
    """Logits from the token table itself: ``logits = h Eᵀ`` (no parameters of its own)."""

    def __init__(self, embedding: layers.Embedding, **kwargs):
        super().__init__(**kwargs)
        self.embedding = embedding

    def call(self, h):
        return ops.matmul(h, ops.transpose(self.embedding.embeddings))  # (B, T, V)


def _block(h, config: TransformerConfig, index: int):
    """One pre-LN block: ``h + Attn(LN(h))`` then ``h + FFN(LN(h))``."""
    D = config.d_model
    a = layers.LayerNormalization(epsilon=1e-5, name=f"block{index}_ln1")(h)
    a = layers.MultiHeadAttention(
        config.n_head, D // config.n_head, use_bias=config.bias, name=f"block{index}_attn"
    )(a, a, use_causal_mask=True)
    h = h + a
    f = layers.LayerNormalization(epsilon=1e-5, name=f"block{index}_ln2")(h)
    f = layers.Dense(
        config.ff_width, activation="gelu", use_bias=config.bias, name=f"block{index}_up"
    )(f)
    f = layers.Dense(D, use_bias=config.bias, name=f"block{index}_down")(f)
    return h + f


def transformer_lm(config: TransformerConfig) -> keras.Model:
    """A small decoder-only transformer language model (GPT layout) in Keras.

    Token ids ``(B, T)`` → logits ``(B, T, V)``. Supports the classic GPT choices of
    :class:`~mlfoundations.reference.models.TransformerConfig`: LayerNorm, GELU
    feed-forward, learned positions, with or without biases and tied embeddings. Chapter 8
    builds and trains a GPT step by step; here the model exists to have its parameters
    counted.
    """
    if not isinstance(config, TransformerConfig):
        raise TypeError(f"config must be a TransformerConfig, got {type(config).__name__}")
    unsupported = {
        "norm": config.norm != "layernorm",
        "mlp": config.mlp != "gelu",
        "positional": config.positional != "learned",
        "n_kv_head": config.kv_heads != config.n_head,
    }
    bad = [k for k, v in unsupported.items() if v]
    if bad:
        raise ValueError(f"transformer_lm builds the classic GPT layout only; unsupported: {bad}")
    ids = keras.Input((None,), dtype="int32")
    embed = TokenAndPositionEmbedding(
        config.vocab_size, config.context_length, config.d_model, name="embed"
    )
    h = embed(ids)
    for i in range(config.n_layer):
        h = _block(h, config, i)
    h = layers.LayerNormalization(epsilon=1e-5, name="ln_f")(h)
    if config.tie_embeddings:
        logits = TiedOutput(embed.token, name="head")(h)
    else:
        logits = layers.Dense(config.vocab_size, use_bias=config.bias, name="head")(h)
    return keras.Model(ids, logits, name="transformer_lm")
