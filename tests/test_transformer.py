"""The Keras transformer on every backend: attention = NumPy = keras.layers.MultiHeadAttention,
GPT logits = the NumPy GPT, causality, saving across backends, KV-cache generation, training,
and bad input."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mlfoundations.reference import transformer as ref

pytestmark = pytest.mark.keras

ROOT = Path(__file__).resolve().parents[1]
# float32 Keras against float64 NumPy through a few layers: rtol 1e-4, atol 1e-5
TOL = {"rtol": 1e-4, "atol": 1e-5}


def _np(x):
    import keras

    return keras.ops.convert_to_numpy(x)


def _mha_and_copy(D=16, H=4, bias=True):
    """A keras MultiHeadAttention and our CausalSelfAttention holding the same weights."""
    import keras

    from mlfoundations.transformer import CausalSelfAttention

    K = D // H
    mha = keras.layers.MultiHeadAttention(H, K, use_bias=bias)
    x = np.random.default_rng(0).normal(size=(2, 6, D)).astype("float32")
    mha(x, x)
    ours = CausalSelfAttention(D, H, bias=bias)
    ours.build((None, None, D))
    Wq, Wk, Wv = (_np(d.kernel).reshape(D, H * K) for d in (mha.query_dense, mha.key_dense,
                                                              mha.value_dense))  # fmt: skip
    weights = [np.concatenate([Wq, Wk, Wv], axis=1)]
    if bias:
        biases = [
            _np(d.bias).reshape(-1) for d in (mha.query_dense, mha.key_dense, mha.value_dense)
        ]
        weights.append(np.concatenate(biases))
    ours.c_attn.set_weights(weights)
    proj = [_np(mha.output_dense.kernel).reshape(H * K, D)]
    if bias:
        proj.append(_np(mha.output_dense.bias))
    ours.c_proj.set_weights(proj)
    return mha, ours, x


@pytest.mark.parametrize("bias", [True, False])
def test_causal_attention_equals_multiheadattention_and_reference(bias):
    mha, ours, x = _mha_and_copy(bias=bias)
    expected = _np(mha(x, x, use_causal_mask=True))
    np.testing.assert_allclose(_np(ours(x)), expected, rtol=1e-5, atol=1e-6)
    y, w = ours(x, return_attention_scores=True)
    np.testing.assert_allclose(_np(y), expected, rtol=1e-5, atol=1e-6)
    W_attn, *rest = ours.c_attn.get_weights()
    b_attn = rest[0] if bias else None
    W_proj, *rest = ours.c_proj.get_weights()
    b_proj = rest[0] if bias else None
    y_ref, w_ref = ref.causal_self_attention(x, W_attn, b_attn, W_proj, b_proj, 4)
    np.testing.assert_allclose(_np(y), y_ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_np(w), w_ref, rtol=1e-5, atol=1e-6)
    assert np.all(np.triu(_np(w), k=1) == 0)


def test_scaled_dot_product_attention_not_causal_equals_multiheadattention():
    import keras

    from mlfoundations import transformer

    mha, _, x = _mha_and_copy()
    ein = keras.ops.einsum
    q, k, v = (
        ein("btd,dhk->bhtk", x, d.kernel) + keras.ops.expand_dims(d.bias, 1)
        for d in (mha.query_dense, mha.key_dense, mha.value_dense)
    )  # (B, H, T, K)
    y, w = transformer.scaled_dot_product_attention(q, k, v)
    y_ref, w_ref = ref.scaled_dot_product_attention(_np(q), _np(k), _np(v))
    np.testing.assert_allclose(_np(y), y_ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_np(w), w_ref, rtol=1e-5, atol=1e-6)
    out = ein("bhtk,hkd->btd", y, mha.output_dense.kernel) + mha.output_dense.bias
    np.testing.assert_allclose(_np(out), _np(mha(x, x)), rtol=1e-5, atol=1e-6)
    mask = np.tril(np.ones((6, 6), bool))
    mask[2] = False
    with pytest.raises(ValueError, match="fully masked row"):
        transformer.scaled_dot_product_attention(q, k, v, mask)
    np.testing.assert_array_equal(_np(transformer.causal_mask(4)), ref.causal_mask(4))


@pytest.mark.parametrize(
    ("bias", "tied"), [(True, True), (False, True), (True, False), (False, False)]
)
def test_gpt_logits_equal_numpy_gpt_and_count_equals_formula(bias, tied):
    from mlfoundations.transformer import GPT

    model = GPT(17, 12, n_layer=2, n_head=2, n_embd=16, bias=bias, tie_embeddings=tied)
    assert model.count_params() == ref.gpt_params(model.config)["total"]
    ids = np.random.default_rng(0).integers(0, 17, size=(3, 12))
    logits = _np(model(ids))
    np.testing.assert_allclose(
        logits, ref.gpt_forward(ids, model.numpy_weights(), model.config), **TOL
    )
    logits2, weights = model.attention_weights(ids)
    np.testing.assert_allclose(_np(logits2), logits, rtol=1e-5, atol=1e-6)
    assert len(weights) == 2 and tuple(weights[0].shape) == (3, 2, 12, 12)


def test_gpt_is_causal():
    from mlfoundations.transformer import GPT

    model = GPT(11, 16, n_layer=2, n_head=4, n_embd=32)
    ids = np.random.default_rng(1).integers(0, 11, size=(2, 16))
    t = 6
    changed = ids.copy()
    changed[:, t + 1 :] = (changed[:, t + 1 :] + 3) % 11
    a, b = _np(model(ids)), _np(model(changed))
    np.testing.assert_array_equal(a[:, : t + 1], b[:, : t + 1])  # bit-identical, not just close
    assert not np.allclose(a[:, t + 1 :], b[:, t + 1 :])


def test_initialisation_follows_nanogpt():
    from mlfoundations.transformer import GPT

    model = GPT(65, 64, n_layer=4, n_head=4, n_embd=128, bias=False)
    w = model.numpy_weights()
    assert abs(w["h.0.attn.c_attn.kernel"].std() - 0.02) < 0.001
    assert abs(w["h.0.mlp.c_proj.kernel"].std() - 0.02 / np.sqrt(8)) < 0.0005
    assert abs(w["wte"].std() - 0.02) < 0.002
    assert "h.0.ln_1.beta" not in w and np.all(w["h.0.ln_1.gamma"] == 1)


_WRITE = """
import sys, numpy as np, keras
from mlfoundations.transformer import GPT
keras.utils.set_random_seed(3)
model = GPT(13, 8, n_layer=2, n_head=2, n_embd=16, bias={bias}, tie_embeddings={tied})
ids = np.arange(16).reshape(2, 8) % 13
np.save(sys.argv[2], keras.ops.convert_to_numpy(model(ids)))
model.save(sys.argv[1])
"""


@pytest.mark.parametrize(
    ("writer", "bias", "tied"),
    [("tensorflow", True, True), ("jax", False, False), ("torch", True, False)],
)
def test_saved_on_one_backend_loads_on_this_one(writer, bias, tied, backend, tmp_path):
    from mlfoundations.transformer import GPT, load_gpt

    path, logits_path = tmp_path / "gpt.keras", tmp_path / "logits.npy"
    env = dict(os.environ, KERAS_BACKEND=writer, PYTHONPATH=str(ROOT))
    code = _WRITE.format(bias=bias, tied=tied)
    result = subprocess.run(
        [sys.executable, "-c", code, str(path), str(logits_path)],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    model = load_gpt(path)
    assert isinstance(model, GPT) and model.config.tie_embeddings is tied
    ids = np.arange(16).reshape(2, 8) % 13
    # saved on `writer`, run on this backend: float32 kernels differ in rounding only
    np.testing.assert_allclose(_np(model(ids)), np.load(logits_path), rtol=1e-5, atol=1e-6)
    other = ref.TransformerConfig(13, 8, 2, 2, 32)
    with pytest.raises(ValueError, match="another configuration"):
        load_gpt(path, expect=other)


def test_a_failed_save_leaves_no_file(tmp_path, monkeypatch):
    import keras

    from mlfoundations.transformer import GPT

    model = GPT(13, 8, n_layer=1, n_head=2, n_embd=8)

    def broken_save(self, filepath, *args, **kwargs):
        Path(filepath).write_bytes(b"half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(keras.Model, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        model.save(tmp_path / "gpt.keras")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match=".keras"):
        model.save(tmp_path / "gpt.h5")


@pytest.mark.parametrize("temperature", [0.0, 0.9])
def test_kv_cache_gives_the_uncached_tokens_also_past_block_size(temperature):
    from mlfoundations.transformer import GPT, generate

    model = GPT(19, 8, n_layer=2, n_head=2, n_embd=16)
    prompt = np.array([[1, 2, 3], [4, 5, 6]])
    options = {"temperature": temperature, "top_k": 10, "seed": 5}
    cached = generate(model, prompt, 12, kv_cache=True, **options)  # 15 tokens > block_size 8
    uncached = generate(model, prompt, 12, kv_cache=False, **options)
    assert cached.shape == (2, 15)
    np.testing.assert_array_equal(cached, uncached)
    np.testing.assert_array_equal(cached[:, :3], prompt)
    np.testing.assert_array_equal(cached, generate(model, prompt, 12, **options))  # same seed


def test_compiled_decoding_matches_the_eager_forward_pass():
    """generate() compiles its steps on JAX and TensorFlow, padding a short window on the
    right to block_size; causality makes the logits at the real positions those of the
    unpadded window (float32, tolerance 1e-5)."""
    from mlfoundations.transformer import GPT, _decoder

    model = GPT(19, 8, n_layer=2, n_head=2, n_embd=16)
    window = np.array([[1, 2, 3], [4, 5, 6]])
    expected = _np(model(window))[:, -1]  # (B, V), eager and unpadded
    np.testing.assert_allclose(_np(_decoder(model).last(window)), expected, atol=1e-5)
    cached, _ = _decoder(model).step(window, None, start=0)
    np.testing.assert_allclose(_np(cached), expected, atol=1e-5)


def test_generate_follows_the_weights_after_they_change():
    """The compiled decoding step must read the current weights, not those of its first
    call (a JAX program that closed over the arrays would keep generating the old text)."""
    from mlfoundations.transformer import GPT, generate

    model = GPT(19, 8, n_layer=1, n_head=2, n_embd=16)
    other = GPT(19, 8, n_layer=1, n_head=2, n_embd=16)
    rng = np.random.default_rng(0)  # weights far from the near-uniform initial model's
    other.set_weights([rng.normal(size=w.shape).astype("float32") for w in other.weights])
    prompt = np.array([1, 2, 3])
    for kv_cache in (True, False):
        mine = generate(model, prompt, 10, temperature=0, kv_cache=kv_cache)  # compiles
        theirs = generate(other, prompt, 10, temperature=0, kv_cache=kv_cache)
        assert not np.array_equal(mine, theirs)  # the two models' texts can be told apart
        saved = model.get_weights()
        model.set_weights(other.get_weights())
        np.testing.assert_array_equal(
            generate(model, prompt, 10, temperature=0, kv_cache=kv_cache), theirs
        )
        model.set_weights(saved)


def test_a_model_that_has_generated_saves_and_loads(tmp_path):
    """The compiled decoder kept on the model must not get into its saved file."""
    from mlfoundations.transformer import GPT, generate, load_gpt

    model = GPT(19, 8, n_layer=1, n_head=2, n_embd=16)
    before = generate(model, [1, 2], 5, temperature=0)
    model.save(tmp_path / "gpt.keras")
    loaded = load_gpt(tmp_path / "gpt.keras")
    np.testing.assert_array_equal(generate(loaded, [1, 2], 5, temperature=0), before)


def test_generate_with_the_cache_under_bfloat16():
    """--precision bf16: the cache buffers take the model's compute dtype (a float32 buffer
    updated with bfloat16 keys failed on TensorFlow)."""
    from mlfoundations.backend import set_precision
    from mlfoundations.transformer import GPT, generate

    set_precision("bf16")
    try:
        model = GPT(19, 8, n_layer=1, n_head=2, n_embd=16)
        out = generate(model, np.array([[1, 2, 3]]), 7, temperature=0.0, kv_cache=True)
    finally:
        set_precision("fp32")
    assert out.shape == (1, 10) and out.min() >= 0 and out.max() < 19


def test_generate_crops_a_long_prompt_and_is_greedy_at_zero_temperature():
    from mlfoundations.transformer import GPT, generate

    model = GPT(19, 8, n_layer=1, n_head=2, n_embd=16)
    long_prompt = np.arange(20) % 19
    out = generate(model, long_prompt, 3, temperature=0)
    assert out.shape == (23,)
    # greedy on the last block_size tokens, computed by hand
    ctx = out[:20][-8:][None]
    expected = int(np.argmax(_np(model(ctx))[0, -1]))
    assert out[20] == expected


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"prompt_ids": [1, 19]}, ValueError, r"\[0, 19\)"),
        ({"prompt_ids": [-1]}, ValueError, r"\[0, 19\)"),
        ({"temperature": -0.5}, ValueError, "temperature"),
        ({"top_k": 0}, ValueError, "top_k"),
        ({"top_p": 0.0}, ValueError, "top_p"),
        ({"top_p": 2.0}, ValueError, "top_p"),
        ({"max_new_tokens": 0}, ValueError, "max_new_tokens"),
    ],
)
def test_generate_rejects_bad_input(kwargs, exc, match):
    from mlfoundations.transformer import GPT, generate

    model = GPT(19, 8, n_layer=1, n_head=2, n_embd=16)
    args = {"prompt_ids": [1, 2], "max_new_tokens": 2, **kwargs}
    with pytest.raises(exc, match=match):
        generate(model, **args)


def test_model_rejects_bad_ids_and_lengths():
    from mlfoundations.transformer import GPT

    model = GPT(19, 8, n_layer=1, n_head=2, n_embd=16)
    with pytest.raises(ValueError, match=r"\[0, 19\)"):
        model(np.array([[0, 19]]))
    with pytest.raises(ValueError, match="block_size"):
        model(np.zeros((1, 9), "int32"))


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"n_head": 3}, ValueError, "divisible"),
        ({"n_embd": -16}, ValueError, "n_embd"),
        ({"n_layer": 0}, ValueError, "n_layer"),
        ({"dropout": 1.0}, ValueError, "dropout"),
        ({"dropout": -0.1}, ValueError, "dropout"),
        ({"vocab_size": 2.5}, TypeError, "vocab_size"),
    ],
)
def test_gpt_config_is_validated(kwargs, exc, match):
    from mlfoundations.transformer import GPT

    base = {"vocab_size": 19, "block_size": 8, "n_layer": 1, "n_head": 2, "n_embd": 16}
    with pytest.raises(exc, match=match):
        GPT(**{**base, **kwargs})


def test_a_few_training_steps_lower_the_loss():
    import keras

    from mlfoundations.transformer import GPT

    model = GPT(12, 16, n_layer=2, n_head=2, n_embd=32, dropout=0.1)
    model.compile(
        optimizer=keras.optimizers.AdamW(1e-2, weight_decay=0.1),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    data = (np.arange(17 * 8) % 12).reshape(8, 17)  # a cyclic sequence: easy to learn
    x, y = data[:, :-1], data[:, 1:]
    first = float(model.evaluate(x, y, verbose=0))
    for _ in range(15):
        model.train_on_batch(x, y)
    last = float(model.evaluate(x, y, verbose=0))
    assert np.log(12) - 0.3 < first < np.log(12) + 0.3  # starts near uniform, ln 12 = 2.48
    assert last < 0.5 * first, (first, last)


def test_config_round_trips_through_json():
    from mlfoundations.transformer import GPT

    model = GPT(19, 8, n_layer=1, n_head=2, n_embd=16, dropout=0.1, bias=False)
    config = json.loads(json.dumps(model.get_config()))
    clone = GPT.from_config(config)
    assert clone.config == model.config and clone.dropout == 0.1


def _compiled_tiny_gpt(total_steps):
    import keras

    from mlfoundations.optim import recipe
    from mlfoundations.transformer import GPT

    keras.utils.set_random_seed(0)
    model = GPT(13, 16, n_layer=2, n_head=2, n_embd=32, bias=False)
    optimizer = recipe(
        model, max_lr=1e-2, min_lr=1e-3, warmup_steps=3, total_steps=total_steps, beta2=0.99,
        decay_embeddings=True,
    )  # fmt: skip
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(optimizer=optimizer, loss=loss)
    return model


def test_resume_continues_a_stopped_run_to_the_same_loss(tmp_path):
    from mlfoundations.transformer import GPT, evaluate_lm, train_lm

    tokens = (np.arange(3000) * 7 % 23) % 13
    options = {
        "steps": 10, "batch_size": 4, "seed": 1, "eval_every": 5,
        "evaluate": lambda m: evaluate_lm(m, tokens[:400]),
    }  # fmt: skip
    whole = train_lm(_compiled_tiny_gpt(10), tokens, **options)
    ckpt = tmp_path / "not yet made" / "ckpt.keras"  # train_lm makes the folder
    stopped = train_lm(
        _compiled_tiny_gpt(10), tokens, checkpoint=ckpt, checkpoint_every=3, stop_after=7,
        **options,
    )  # fmt: skip
    assert len(stopped["train_loss"]) == 7 and ckpt.exists()
    resumed = train_lm(
        _compiled_tiny_gpt(10), tokens, checkpoint=ckpt, checkpoint_every=3, resume=True,
        **options,
    )  # fmt: skip
    assert len(resumed["train_loss"]) == 10
    # same backend, same batches, same optimizer state: equal within 1e-5
    np.testing.assert_allclose(resumed["train_loss"], whole["train_loss"], rtol=0, atol=1e-5)
    np.testing.assert_allclose(resumed["eval_loss"], whole["eval_loss"], rtol=0, atol=1e-5)
    assert whole["eval_loss"][-1] < whole["eval_loss"][0]
    other = GPT(13, 16, n_layer=1, n_head=2, n_embd=32, bias=False)
    other.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="another configuration"):
        train_lm(other, tokens, checkpoint=ckpt, resume=True, steps=10, batch_size=4)


def test_compile_uses_xla_on_tensorflow_and_saves_auto(tmp_path, backend):
    from mlfoundations.transformer import load_gpt

    model = _compiled_tiny_gpt(10)
    # Keras' "auto" is eager graphs for TensorFlow on CPU; the GPT asks for XLA there
    assert model.jit_compile is (True if backend == "tensorflow" else model.jit_compile)
    assert model.get_compile_config()["jit_compile"] == "auto"
    ids = (np.arange(4 * 16).reshape(4, 16) % 13).astype("int32")
    model.train_on_batch(ids, ids)  # builds the optimizer's slots, saved with the model
    model.save(tmp_path / "m.keras")
    again = load_gpt(tmp_path / "m.keras")
    assert again.compiled and again.optimizer is not None
    assert again.get_compile_config()["jit_compile"] == "auto"
