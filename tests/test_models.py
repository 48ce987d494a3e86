"""Chapter 1 in Keras: counts equal the formula, softmax equals the reference, θ is frozen
at inference, sampling is reproducible -- on every backend."""

import numpy as np
import pytest

from mlfoundations.reference import models as ref
from mlfoundations.reference.activations import softmax as softmax_ref

pytestmark = pytest.mark.keras

CONFIGS = [
    ref.TransformerConfig(50, 16, 2, 4, 32),
    ref.TransformerConfig(50, 16, 1, 2, 16, bias=False, tie_embeddings=False),
    ref.TransformerConfig(65, 32, 3, 4, 64, d_ff=100),
]


@pytest.mark.parametrize("config", CONFIGS, ids=["tied", "nobias-untied", "dff100"])
def test_transformer_count_params_equals_formula(config):
    from mlfoundations import models

    model = models.transformer_lm(config)
    assert model.count_params() == ref.transformer_params(config)["total"]
    out = model(np.zeros((2, 5), "int32"))
    assert tuple(out.shape) == (2, 5, config.vocab_size)


@pytest.mark.parametrize("sizes", [[3, 1], [784, 256, 128, 10], [2, 8, 8, 8, 2]])
def test_mlp_and_dense_counts(sizes):
    from mlfoundations import models

    assert models.mlp_model(sizes).count_params() == ref.mlp_params(sizes)
    assert models.dense_model(sizes[0], sizes[-1]).count_params() == ref.dense_params(
        sizes[0], sizes[-1]
    )


def test_transformer_lm_rejects_unsupported_config():
    from mlfoundations import models

    with pytest.raises(ValueError, match="unsupported"):
        models.transformer_lm(ref.NAMED_MODELS["Llama-2 70B"])


@pytest.mark.parametrize("temperature", [0.5, 1.0, 3.0])
def test_softmax_matches_reference(temperature):
    import keras

    from mlfoundations import models

    z = np.random.default_rng(0).normal(scale=5, size=(4, 7)).astype("float32")
    got = keras.ops.convert_to_numpy(models.softmax(z, temperature))
    # float32 on every backend: rtol 1e-5, atol 1e-6
    np.testing.assert_allclose(
        got, softmax_ref(z.astype(np.float64), temperature=temperature), rtol=1e-5, atol=1e-6
    )
    with pytest.raises(ValueError, match="temperature"):
        models.softmax(z, 0.0)


def test_predict_leaves_weights_frozen_and_training_changes_them():
    import keras

    from mlfoundations import models

    model = models.mlp_model([4, 8, 3])
    model.compile(
        optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )
    x = np.random.default_rng(1).normal(size=(16, 4)).astype("float32")
    y = np.arange(16) % 3
    before = [w.copy() for w in model.get_weights()]
    model.predict(x, verbose=0)
    model(x, training=False)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))
    model.train_on_batch(x, y)
    assert all(not np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))


def test_sampling_reproducible_with_seed():
    import keras

    from mlfoundations import models

    logits = np.tile(np.array([4.2, 2.1, -1.3], "float32"), (5000, 1))
    a = keras.ops.convert_to_numpy(models.sample(logits, seed=7))
    b = keras.ops.convert_to_numpy(models.sample(logits, seed=7))
    assert np.array_equal(a, b)
    freq = np.bincount(a.ravel(), minlength=3) / a.size
    p = softmax_ref([4.2, 2.1, -1.3])
    assert np.all(np.abs(freq - p) < 5 * np.sqrt(p * (1 - p) / a.size))
    with pytest.raises(ValueError, match="2-dimensional"):
        models.sample(logits[0])
