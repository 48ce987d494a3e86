"""Sampling reference (NumPy): greedy tie rule, top-k, top-p, seeds, and the distribution of
many draws."""

import numpy as np
import pytest

from mlfoundations.reference import sampling as ref
from mlfoundations.reference.activations import softmax

Z = np.array([4.2, 2.1, -1.3, 0.5, 2.1])


def _within_5_sigma(draws, p):
    freq = np.bincount(draws.ravel(), minlength=len(p)) / draws.size
    sigma = np.sqrt(p * (1 - p) / draws.size)
    return np.all(np.abs(freq - p) <= 5 * sigma + 1e-12)


def test_greedy_lowest_index_wins_ties():
    assert ref.greedy([1.0, 3.0, 3.0, 0.0]) == 1
    np.testing.assert_array_equal(ref.greedy([[0.0, 0.0], [1.0, 2.0]]), [0, 1])
    draws = ref.sample([1.0, 3.0, 3.0], temperature=0, num_samples=4, seed=0)
    np.testing.assert_array_equal(draws, [1, 1, 1, 1])


def test_plain_sampling_matches_softmax_and_is_reproducible():
    a = ref.sample(Z, temperature=0.8, num_samples=40_000, seed=3)
    b = ref.sample(Z, temperature=0.8, num_samples=40_000, seed=3)
    assert a.shape == (40_000,)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, ref.sample(Z, temperature=0.8, num_samples=40_000, seed=4))
    assert _within_5_sigma(a, softmax(Z, temperature=0.8))


def test_top_k_keeps_the_k_largest_and_ties_with_the_kth():
    p = ref.probabilities(Z, top_k=2)
    assert np.count_nonzero(p) == 3  # 4.2, and 2.1 twice (tied with the 2nd largest)
    np.testing.assert_allclose(p.sum(), 1.0, rtol=1e-12)
    kept = softmax(Z)[[0, 1, 4]]
    np.testing.assert_allclose(p[[0, 1, 4]], kept / kept.sum(), rtol=1e-12)
    p1 = ref.probabilities(Z, top_k=1)
    np.testing.assert_array_equal(p1, [1, 0, 0, 0, 0])
    np.testing.assert_allclose(ref.probabilities(Z, top_k=99), softmax(Z), rtol=1e-12)
    draws = ref.sample(Z, top_k=2, num_samples=20_000, seed=1)
    assert set(np.unique(draws)) == {0, 1, 4}
    assert _within_5_sigma(draws, p)


def test_top_p_keeps_the_smallest_prefix_reaching_p():
    p_full = np.array([0.5, 0.3, 0.15, 0.05])
    z = np.log(p_full)
    # 0.5 < 0.7 -> need 0.3 too (0.8 >= 0.7); 0.5 alone reaches 0.5
    np.testing.assert_allclose(ref.probabilities(z, top_p=0.7), [0.625, 0.375, 0, 0], atol=1e-12)
    np.testing.assert_allclose(ref.probabilities(z, top_p=0.5), [1, 0, 0, 0], atol=1e-12)
    kept = np.array([0.5, 0.3, 0.15, 0])
    np.testing.assert_allclose(ref.probabilities(z, top_p=0.81), kept / kept.sum())
    np.testing.assert_allclose(ref.probabilities(z, top_p=1.0), p_full, rtol=1e-12)
    draws = ref.sample(z, top_p=0.7, num_samples=20_000, seed=2)
    assert set(np.unique(draws)) == {0, 1}
    assert _within_5_sigma(draws, ref.probabilities(z, top_p=0.7))


def test_batched_logits_and_generator_seed():
    z = np.stack([Z, -Z, np.zeros(5)])  # (3, 5)
    draws = ref.sample(z, num_samples=7, seed=np.random.default_rng(0))
    assert draws.shape == (3, 7) and draws.dtype.kind == "i"
    assert ref.sample(z[None], seed=0).shape == (1, 3, 1)
    assert ref.probabilities(z, top_k=2, top_p=0.9).shape == (3, 5)


def test_a_zero_probability_class_is_never_drawn():
    z = np.array([0.0, -800.0, 0.0])  # exp(-800) underflows to a probability of 0
    draws = ref.sample(z, num_samples=10_000, seed=0)
    assert 1 not in draws


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"temperature": -0.1}, ValueError, "temperature"),
        ({"temperature": float("nan")}, ValueError, "temperature"),
        ({"top_k": 0}, ValueError, "top_k"),
        ({"top_k": 1.5}, TypeError, "top_k"),
        ({"top_p": 0.0}, ValueError, "top_p"),
        ({"top_p": 1.5}, ValueError, "top_p"),
        ({"top_p": "x"}, TypeError, "top_p"),
        ({"num_samples": 0}, ValueError, "num_samples"),
    ],
)
def test_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        ref.sample(Z, **kwargs)


@pytest.mark.parametrize(
    ("logits", "exc", "match"),
    [([], ValueError, "empty"), ([1.0, np.nan], ValueError, "finite"), (3.0, ValueError, "dim")],
)
def test_bad_logits(logits, exc, match):
    with pytest.raises(exc, match=match):
        ref.sample(logits)
