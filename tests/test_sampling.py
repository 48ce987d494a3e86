"""Keras sampling = the NumPy reference: the same filtered distribution, the greedy tie rule,
seeded draws with the right frequencies, and the same errors, on every backend."""

import numpy as np
import pytest

from mlfoundations.reference import sampling as ref

pytestmark = pytest.mark.keras

Z = np.array([[4.2, 2.1, -1.3, 0.5, 2.1], [0.0, 1.0, 2.0, 3.0, 4.0]], "float32")


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"temperature": 0.5},
        {"top_k": 2},
        {"top_p": 0.8},
        {"top_k": 3, "top_p": 0.9},
        {"temperature": 0.0},
    ],
)
def test_probabilities_match_reference(kwargs):
    import keras

    from mlfoundations import sampling

    got = keras.ops.convert_to_numpy(sampling.probabilities(Z, **kwargs))
    # float32 softmax against float64: rtol 1e-5, atol 1e-6
    np.testing.assert_allclose(got, ref.probabilities(Z, **kwargs), rtol=1e-5, atol=1e-6)


def test_softmax_matches_reference():
    import keras

    from mlfoundations import sampling

    got = keras.ops.convert_to_numpy(sampling.softmax(Z, temperature=2.0))
    np.testing.assert_allclose(got, ref.softmax(Z, temperature=2.0), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="temperature"):
        sampling.softmax(Z, temperature=0.0)


def test_greedy_lowest_index_wins_ties():
    import keras

    from mlfoundations import sampling

    z = np.array([[1.0, 3.0, 3.0, 0.0], [5.0, 5.0, 5.0, 5.0]], "float32")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(sampling.greedy(z)), [1, 0])
    draws = keras.ops.convert_to_numpy(sampling.sample(z, temperature=0, num_samples=3))
    np.testing.assert_array_equal(draws, [[1, 1, 1], [0, 0, 0]])


@pytest.mark.parametrize("kwargs", [{"temperature": 0.8}, {"top_k": 2}, {"top_p": 0.8}])
def test_draws_follow_the_distribution_and_repeat_with_a_seed(kwargs):
    import keras

    from mlfoundations import sampling

    n = 20_000
    a = keras.ops.convert_to_numpy(sampling.sample(Z, num_samples=n, seed=7, **kwargs))
    b = keras.ops.convert_to_numpy(sampling.sample(Z, num_samples=n, seed=7, **kwargs))
    assert a.shape == (2, n)
    np.testing.assert_array_equal(a, b)
    p = ref.probabilities(Z, **kwargs)
    for row in range(2):
        freq = np.bincount(a[row], minlength=5) / n
        sigma = np.sqrt(p[row] * (1 - p[row]) / n)
        assert np.all(np.abs(freq - p[row]) <= 5 * sigma + 1e-12), (row, freq, p[row])


def test_one_dimensional_logits_and_seed_generator():
    import keras

    from mlfoundations import sampling

    gen = keras.random.SeedGenerator(0)
    out = sampling.sample(Z[0], num_samples=4, seed=gen)
    assert tuple(out.shape) == (4,)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"temperature": -1.0}, ValueError, "temperature"),
        ({"top_k": 0}, ValueError, "top_k"),
        ({"top_p": 0.0}, ValueError, "top_p"),
        ({"top_p": 1.01}, ValueError, "top_p"),
        ({"num_samples": 0}, ValueError, "num_samples"),
    ],
)
def test_bad_arguments_same_errors_as_reference(kwargs, exc, match):
    from mlfoundations import sampling

    with pytest.raises(exc, match=match):
        sampling.sample(Z, **kwargs)
    with pytest.raises(exc, match=match):
        ref.sample(Z, **kwargs)


def test_same_signatures_as_reference():
    import inspect

    from mlfoundations import sampling

    for name in sampling.__all__:
        keras_params = inspect.signature(getattr(sampling, name)).parameters
        assert keras_params == inspect.signature(getattr(ref, name)).parameters, name
