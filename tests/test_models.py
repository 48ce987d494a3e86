"""Chapter 1 in Keras: counts equal the formula and θ is frozen at inference, on every backend.

The GPT's count is tested in test_transformer.py, softmax and sampling in test_sampling.py."""

import numpy as np
import pytest

from mlfoundations.reference import models as ref

pytestmark = pytest.mark.keras


@pytest.mark.parametrize("sizes", [[3, 1], [784, 256, 128, 10], [2, 8, 8, 8, 2]])
def test_mlp_and_dense_counts(sizes):
    from mlfoundations import models

    assert models.mlp_model(sizes).count_params() == ref.mlp_params(sizes)
    assert models.dense_model(sizes[0], sizes[-1]).count_params() == ref.dense_params(
        sizes[0], sizes[-1]
    )


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
