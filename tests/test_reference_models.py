"""Chapter 1 reference: parameter counts, softmax/temperature (NumPy only).

Sampling is tested in test_reference_sampling.py, the GPT formula in
test_reference_transformer.py; the published sizes stay here, next to chapter 1's claims."""

import numpy as np
import pytest

from mlfoundations.reference import models as ref
from mlfoundations.reference import sampling as sref
from mlfoundations.reference import transformer as tref
from mlfoundations.reference.activations import log_softmax, softmax


def test_softmax_cat_dog_car_exact():
    # The seed text reports 0.89 / 0.10 / 0.01; the exact values are 0.888 / 0.109 / 0.004.
    p = softmax([4.2, 2.1, -1.3])
    np.testing.assert_allclose(p, [0.887671, 0.108701, 0.003628], atol=5e-7)
    assert p.round(2).tolist() == [0.89, 0.11, 0.0]


def test_softmax_properties():
    z = np.array([[1.0, 2.0, 3.0], [1000.0, 1001.0, 1002.0], [-1e4, 0.0, 1e4]])
    p = softmax(z)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(p[0], p[1], rtol=1e-12)  # shift invariance
    np.testing.assert_allclose(np.log(p[0]), log_softmax(z[0]), rtol=1e-12)


def test_temperature_limits():
    z = np.array([4.2, 2.1, -1.3])
    np.testing.assert_allclose(softmax(z, temperature=1e-3), [1.0, 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(softmax(z, temperature=1e6), np.full(3, 1 / 3), atol=1e-5)
    assert sref.greedy(z) == 0


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf")])
def test_temperature_must_be_positive(bad):
    with pytest.raises(ValueError, match="temperature"):
        softmax([1.0, 2.0], temperature=bad)


@pytest.mark.parametrize(
    ("logits", "exc", "match"),
    [
        ([], ValueError, "empty"),
        ([1.0, np.nan], ValueError, "finite"),
        ([1.0, np.inf], ValueError, "finite"),
        (["a", "b"], TypeError, "numbers"),
    ],
)
def test_bad_logits(logits, exc, match):
    with pytest.raises(exc, match=match):
        softmax(logits)
    with pytest.raises(exc, match=match):
        sref.greedy(logits)


def test_dense_mlp_embedding_counts():
    assert ref.dense_params(784, 10) == 7850
    assert ref.dense_params(3, 1, bias=False) == 3
    assert ref.mlp_params([784, 256, 128, 10]) == 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10
    assert ref.embedding_params(50257, 768) == 38_597_376


def test_named_models_match_published_sizes():
    totals = {k: tref.gpt_params(c)["total"] for k, c in tref.NAMED_MODELS.items()}
    assert totals["GPT-2 small"] == 124_439_808  # the released checkpoint's exact count
    assert abs(totals["GPT-3"] / 175e9 - 1) < 0.01
    assert abs(totals["Llama-2 70B"] - 68_976_648_192) == 0  # the published 68.98 B


def test_count_rejects_bad_sizes():
    with pytest.raises(ValueError, match="n_in"):
        ref.dense_params(0, 3)
    with pytest.raises(ValueError, match="sizes"):
        ref.mlp_params([4])
