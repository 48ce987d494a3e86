"""Keras linear regression (chapter 3) against the NumPy reference, on every backend."""

import numpy as np
import pytest

from mlfoundations import linear
from mlfoundations.reference import linear as ref

pytestmark = pytest.mark.keras


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 3.0 + 0.3 * rng.normal(size=60)
    return X, y


def test_full_batch_steps_equal_numpy_steps(backend, problem):
    """Same start, same full-batch SGD steps: float32 vs float64, atol 1e-5 after 5 steps."""
    X, y = problem
    w0 = np.array([0.5, 0.5, -0.5, 1.0])
    k = linear.fit_sgd(X, y, lr=0.1, epochs=5, w0=w0, b0=1.0, l2=0.05)
    r = ref.gradient_descent(X, y, lr=0.1, epochs=5, w0=w0, b0=1.0, l2=0.05)
    np.testing.assert_allclose(k.w, r.w, atol=1e-5)
    assert k.b == pytest.approx(r.b, abs=1e-5)
    # the 5 steps ran as one tiled fit epoch: fit reports the mean of J over them
    assert k.history[0] == pytest.approx(np.mean(r.history[:5]), rel=1e-5)
    assert k.history[-1] == pytest.approx(r.history[-1], rel=1e-5)


def test_keras_converges_to_closed_form(backend, problem):
    """Full-batch SGD, lr 0.3, 300 steps: within 1e-5 of least squares (float32)."""
    X, y = problem
    k = linear.fit_sgd(X, y, lr=0.3, epochs=300)
    w, b = ref.fit_closed_form(X, y)
    np.testing.assert_allclose(k.w, w, atol=1e-5)
    assert k.b == pytest.approx(b, abs=1e-5)


def test_keras_ridge_converges_to_ridge_closed_form(backend, problem):
    X, y = problem
    k = linear.fit_sgd(X, y, lr=0.3, epochs=300, l2=0.1)
    w, b = ref.fit_closed_form(X, y, l2=0.1)
    np.testing.assert_allclose(k.w, w, atol=1e-5)
    assert k.b == pytest.approx(b, abs=1e-5)


def test_minibatch_keras_lands_near_optimum(backend, problem):
    X, y = problem
    k = linear.fit_sgd(X, y, lr=0.05, epochs=30, batch_size=10)
    w, _ = ref.fit_closed_form(X, y)
    assert np.abs(k.w - w).max() < 0.05  # constant-rate mini-batches hover near the optimum
    assert k.steps == 30 * 6


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"X": np.ones((5, 2)), "y": np.ones(4)}, "same number of samples"),
        ({"X": np.array([[1.0, np.inf], [0, 1]]), "y": np.ones(2)}, "X must contain only finite"),
        ({"X": np.ones((2, 2)), "y": np.array([1.0, np.nan])}, "y must contain only finite"),
        ({"lr": 0.0}, "lr must be"),
        ({"batch_size": 0}, "batch_size must be"),
    ],
)
def test_bad_input_names_the_argument(backend, kwargs, match):
    args = {"X": np.ones((4, 2)), "y": np.ones(4)}
    args.update(kwargs)
    X, y = args.pop("X"), args.pop("y")
    with pytest.raises(ValueError, match=match):
        linear.fit_sgd(X, y, **args)
