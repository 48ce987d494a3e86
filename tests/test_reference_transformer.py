"""Transformer reference (NumPy): attention, masks, heads, norms, positions, the GPT forward
pass and its parameter count."""

import subprocess
import sys

import numpy as np
import pytest

from mlfoundations.reference import transformer as ref

RNG = np.random.default_rng(0)


def test_attention_equals_a_loop_over_queries():
    q, k, v = RNG.normal(size=(2, 5, 4)), RNG.normal(size=(2, 7, 4)), RNG.normal(size=(2, 7, 3))
    mask = RNG.random((5, 7)) < 0.6
    mask[:, 0] = True  # every query may attend somewhere
    out, w = ref.scaled_dot_product_attention(q, k, v, mask)
    for b in range(2):
        for i in range(5):
            s = np.array([q[b, i] @ k[b, j] / 2.0 if mask[i, j] else -np.inf for j in range(7)])
            p = np.exp(s - s.max()) / np.exp(s - s.max()).sum()
            np.testing.assert_allclose(w[b, i], p, rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(out[b, i], p @ v[b], rtol=1e-12, atol=1e-12)
    assert np.all(w[:, ~mask] == 0)


def test_attention_is_stable_for_huge_logits():
    q = np.full((1, 2, 4), 1e4)
    k = np.array([[[1e4] * 4, [-1e4] * 4]])
    out, w = ref.scaled_dot_product_attention(q, k, np.eye(2)[None])
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(w[0], [[1, 0], [1, 0]])


def test_causal_mask_and_fully_masked_row():
    np.testing.assert_array_equal(ref.causal_mask(3), [[1, 0, 0], [1, 1, 0], [1, 1, 1]])
    x = RNG.normal(size=(3, 4))
    _, w = ref.scaled_dot_product_attention(x, x, x, ref.causal_mask(3))
    np.testing.assert_allclose(w[0], [1, 0, 0])
    mask = ref.causal_mask(3).copy()
    mask[1] = False
    with pytest.raises(ValueError, match="fully masked row"):
        ref.scaled_dot_product_attention(x, x, x, mask)
    with pytest.raises(TypeError, match="boolean"):
        ref.scaled_dot_product_attention(x, x, x, np.ones((3, 3)))
    with pytest.raises(ValueError, match="broadcast"):
        ref.scaled_dot_product_attention(x, x, x, np.ones((2, 2), bool))
    with pytest.raises(ValueError, match="last dimension"):
        ref.scaled_dot_product_attention(x, x[:, :2], x)


def test_split_and_merge_heads_are_inverse():
    x = RNG.normal(size=(2, 5, 12))
    h = ref.split_heads(x, 3)
    assert h.shape == (2, 3, 5, 4)
    np.testing.assert_array_equal(h[:, 1], x[..., 4:8])  # head 1 sees channels 4..7
    np.testing.assert_array_equal(ref.merge_heads(h), x)
    with pytest.raises(ValueError, match="divisible"):
        ref.split_heads(x, 5)


def test_layer_norm_and_gelu_mlp():
    x = RNG.normal(3, 2, size=(4, 8))
    y = ref.layer_norm(x, np.ones(8))
    np.testing.assert_allclose(y.mean(-1), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(-1), 1, rtol=1e-4)  # eps 1e-5 against variance ~4
    np.testing.assert_allclose(ref.layer_norm(x, 2 * np.ones(8), np.ones(8)), 2 * y + 1)
    W1, W2 = RNG.normal(size=(8, 32)), RNG.normal(size=(32, 8))
    assert ref.gelu_mlp(x, W1, None, W2, None).shape == (4, 8)


def test_sinusoidal_positions_known_values():
    pe = ref.sinusoidal_positions(50, 8)
    np.testing.assert_allclose(pe[0], [0, 1] * 4, atol=1e-15)
    np.testing.assert_allclose(pe[3, 0:2], [np.sin(3), np.cos(3)])
    np.testing.assert_allclose(pe[3, 6:8], [np.sin(3 / 10000**0.75), np.cos(3 / 10000**0.75)])
    with pytest.raises(ValueError, match="even"):
        ref.sinusoidal_positions(4, 5)


def test_learned_positions_has_block_size_rows():
    table = RNG.normal(size=(8, 4))
    np.testing.assert_array_equal(ref.learned_positions(table, 5), table[:5])
    with pytest.raises(ValueError, match="exceeds"):
        ref.learned_positions(table, 9)


def test_rope_keeps_norms_and_depends_on_relative_position():
    q, k = RNG.normal(size=8), RNG.normal(size=8)
    x = np.stack([q] * 20)  # the same vector at positions 0..19
    rq, rk = ref.rope(x), ref.rope(np.stack([k] * 20))
    np.testing.assert_allclose(np.linalg.norm(rq, axis=-1), np.linalg.norm(q), rtol=1e-12)
    # q at s, k at t: the dot product depends on s - t only
    np.testing.assert_allclose(rq[7] @ rk[3], rq[15] @ rk[11], rtol=1e-10)
    np.testing.assert_allclose(rq[0], q)  # position 0 is not rotated
    with pytest.raises(ValueError, match="even"):
        ref.rope(np.ones((3, 5)))


def test_gpt_block_is_12d2_plus_13d():
    for d in (64, 768):
        one = ref.gpt_params(ref.TransformerConfig(10, 8, 1, 4, d))
        two = ref.gpt_params(ref.TransformerConfig(10, 8, 2, 4, d))
        assert two["total"] - one["total"] == 12 * d * d + 13 * d


def test_nanogpt_shakespeare_config_count():
    c = ref.TransformerConfig(65, 64, 4, 4, 128, bias=False)
    parts = ref.gpt_params(c)
    assert parts["total"] == 804_096
    # nanoGPT prints "0.80M": its count leaves out the position table only
    assert round((parts["total"] - parts["position"]) / 1e6, 2) == 0.80
    assert parts["non_embedding"] == 4 * 12 * 128**2 + 9 * 128
    untied = ref.gpt_params(
        ref.TransformerConfig(65, 64, 4, 4, 128, bias=False, tie_embeddings=False)
    )
    assert untied["total"] - parts["total"] == 65 * 128
    assert untied["non_embedding"] == parts["non_embedding"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_head": 5}, "divisible"),
        ({"norm": "batchnorm"}, "norm"),
        ({"n_embd": 0}, "n_embd"),
        ({"n_embd": -16}, "n_embd"),
        ({"block_size": 0}, "block_size"),
        ({"n_kv_head": 3}, "n_kv_head"),
        ({"d_ff": 0}, "d_ff"),
    ],
)
def test_transformer_config_rejects_bad_input(kwargs, match):
    base = {"vocab_size": 10, "block_size": 8, "n_layer": 1, "n_head": 4, "n_embd": 16}
    with pytest.raises(ValueError, match=match):
        ref.TransformerConfig(**{**base, **kwargs})
    with pytest.raises(TypeError, match="config"):
        ref.gpt_params({"n_embd": 3})


def _random_weights(c: ref.TransformerConfig):
    D, rng = c.n_embd, np.random.default_rng(1)
    w = {"wte": rng.normal(size=(c.vocab_size, D)), "wpe": rng.normal(size=(c.block_size, D))}
    shapes = {"attn.c_attn": (D, 3 * D), "attn.c_proj": (D, D)}
    shapes |= {"mlp.c_fc": (D, 4 * D), "mlp.c_proj": (4 * D, D)}
    for i in range(c.n_layer):
        for name, shape in shapes.items():
            w[f"h.{i}.{name}.kernel"] = rng.normal(size=shape) / np.sqrt(shape[0])
            w[f"h.{i}.{name}.bias"] = rng.normal(size=shape[1]) * 0.1
        for ln in ("ln_1", "ln_2"):
            w[f"h.{i}.{ln}.gamma"], w[f"h.{i}.{ln}.beta"] = 1 + 0.1 * rng.normal(size=(2, D))
    w["ln_f.gamma"], w["ln_f.beta"] = np.ones(D), np.zeros(D)
    return w


def test_gpt_forward_is_causal_and_checks_ids():
    c = ref.TransformerConfig(13, 10, 2, 2, 8)
    w = _random_weights(c)
    ids = RNG.integers(0, 13, size=(2, 10))
    logits = ref.gpt_forward(ids, w, c)
    assert logits.shape == (2, 10, 13)
    t = 4
    changed = ids.copy()
    changed[:, t + 1 :] = (changed[:, t + 1 :] + 5) % 13
    other = ref.gpt_forward(changed, w, c)
    np.testing.assert_allclose(other[:, : t + 1], logits[:, : t + 1], rtol=1e-12, atol=1e-12)
    assert not np.allclose(other[:, t + 1 :], logits[:, t + 1 :])
    with pytest.raises(ValueError, match=r"\[0, 13\)"):
        ref.gpt_forward(ids + 13, w, c)
    with pytest.raises(ValueError, match="exceeds"):
        ref.gpt_forward(RNG.integers(0, 13, size=(1, 11)), w, c)
    with pytest.raises(TypeError, match="integer"):
        ref.gpt_forward(ids.astype(float), w, c)


def test_reference_modules_import_no_keras():
    code = (
        "import sys\n"
        "from mlfoundations.reference import sampling, transformer\n"
        "print(sorted(m for m in ('keras', 'tensorflow', 'jax', 'torch') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
