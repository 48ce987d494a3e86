"""Keras logistic regression (chapter 4) against NumPy and scikit-learn, on every backend."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from mlfoundations import data, logistic
from mlfoundations.reference import logistic as ref

pytestmark = pytest.mark.keras


@pytest.fixture(scope="module")
def moons():
    X, y = data.make_moons(200, seed=0)
    return (X - X.mean(0)) / X.std(0), y


def test_full_batch_steps_equal_numpy_steps(backend, moons):
    X, y = moons
    k = logistic.fit_sgd(X, y, lr=2.0, epochs=5, l2=0.01)
    r = ref.gradient_descent(X, y, lr=2.0, epochs=5, l2=0.01)
    np.testing.assert_allclose(k.w, r.w, atol=1e-5)
    assert k.b == pytest.approx(r.b, abs=1e-5)


def test_numpy_keras_sklearn_agree_to_1e3(backend, moons):
    """λ₂ = 0.01 ⇔ C = 1/(2nλ₂) = 0.25 on 200 samples. Keras: full-batch SGD lr 2, 200 steps."""
    X, y = moons
    l2 = 0.01
    k = logistic.fit_sgd(X, y, lr=2.0, epochs=200, l2=l2)
    sk = LogisticRegression(C=ref.sklearn_C(l2, len(y)), tol=1e-12, max_iter=10_000).fit(X, y)
    w, b = ref.fit_newton(X, y, l2=l2)
    np.testing.assert_allclose(k.w, sk.coef_[0], atol=1e-3)
    np.testing.assert_allclose(k.w, w, atol=1e-3)
    assert abs(k.b - sk.intercept_[0]) < 1e-3


def test_softmax_steps_equal_numpy(backend):
    split = data.load("iris")
    X, y = split.X_train, split.y_train
    k = logistic.fit_sgd(X, y, lr=1.0, epochs=10, l2=0.01, n_classes=3)
    r = ref.softmax_gradient_descent(X, y, lr=1.0, epochs=10, l2=0.01)
    np.testing.assert_allclose(k.w, r.w, atol=1e-5)
    np.testing.assert_allclose(k.b, r.b, atol=1e-5)


@pytest.mark.parametrize(
    ("X", "y", "kwargs", "match"),
    [
        (np.ones((5, 2)), np.ones(4), {}, "same number of samples"),
        (np.array([[np.nan, 1.0], [0, 1]]), np.ones(2), {}, "X must contain only finite"),
        (np.ones((3, 2)), np.array([0, 1, 2]), {}, "binary labels"),
        (np.ones((3, 2)), np.array([0, 1, 1]), {"lr": -1.0}, "lr must be"),
        (np.ones((3, 2)), np.array([0, 1, 1]), {"batch_size": 0}, "batch_size must be"),
    ],
)
def test_bad_input_names_the_argument(backend, X, y, kwargs, match):
    with pytest.raises(ValueError, match=match):
        logistic.fit_sgd(X, y, **kwargs)
