"""NumPy logistic and softmax regression (chapter 4) against scikit-learn and theory."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from mlfoundations import data
from mlfoundations.reference import logistic as ref
from mlfoundations.reference import losses
from mlfoundations.testing import numerical_gradient


@pytest.fixture(scope="module")
def moons():
    X, y = data.make_moons(200, seed=0)
    return (X - X.mean(0)) / X.std(0), y


def _sklearn(X, y, l2):
    C = ref.sklearn_C(l2, len(y))
    return LogisticRegression(C=C, tol=1e-12, max_iter=10_000).fit(X, y)


def test_sigmoid_is_stable_and_exact():
    z = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0])
    p = ref.sigmoid(z)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(
        p, [0.0, np.exp(-30) / (1 + np.exp(-30)), 0.5, 1 / (1 + np.exp(-30)), 1.0]
    )


def test_gradient_matches_finite_differences(moons):
    X, y = moons
    w, b, l2 = np.array([0.4, -0.7]), 0.2, 0.05
    gw, gb = ref.bce_gradient(X, y, w, b, l2=l2)
    num = numerical_gradient(lambda t: ref.objective(X, y, t[:2], t[2], l2=l2), np.r_[w, b])
    np.testing.assert_allclose(np.r_[gw, gb], num, rtol=1e-6, atol=1e-9)


def test_softmax_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 3)), rng.integers(0, 4, 20)
    W, b, l2 = rng.normal(size=(3, 4)), rng.normal(size=4), 0.1
    gW, gb = ref.softmax_gradient(X, y, W, b, l2=l2)

    def J(t):
        return losses.softmax_cross_entropy(y, X @ t[:12].reshape(3, 4) + t[12:]) + l2 * np.sum(
            t[:12] ** 2
        )

    num = numerical_gradient(J, np.r_[W.ravel(), b])
    np.testing.assert_allclose(np.r_[gW.ravel(), gb], num, rtol=1e-6, atol=1e-9)


def test_C_mapping_is_exact(moons):
    """λ₂ = 1/(2nC): Newton on J and scikit-learn's C find the same coefficients (1e-6)."""
    X, y = moons
    l2 = 0.01
    assert ref.l2_from_C(ref.sklearn_C(l2, len(y)), len(y)) == pytest.approx(l2)
    w, b = ref.fit_newton(X, y, l2=l2)
    sk = _sklearn(X, y, l2)
    np.testing.assert_allclose(w, sk.coef_[0], atol=1e-6)
    assert abs(b - sk.intercept_[0]) < 1e-6


def test_gd_agrees_with_sklearn_on_toy_set(moons):
    X, y = moons
    res = ref.gradient_descent(X, y, lr=2.0, epochs=300, l2=0.01)
    sk = _sklearn(X, y, 0.01)
    np.testing.assert_allclose(res.w, sk.coef_[0], atol=1e-3)
    assert abs(res.b - sk.intercept_[0]) < 1e-3


def test_gd_agrees_with_sklearn_on_breast_cancer():
    """Standardised breast_cancer, λ₂ = 0.01 (C ≈ 0.147): full-batch GD at lr = 1/L, 2000 steps."""
    split = data.load("breast_cancer")
    X, y = split.X_train, split.y_train
    L = np.linalg.eigvalsh(X.T @ X / (4 * len(y)))[-1] + 2 * 0.01  # smoothness bound
    res = ref.gradient_descent(X, y, lr=1 / L, epochs=2000, l2=0.01)
    sk = _sklearn(X, y, 0.01)
    np.testing.assert_allclose(res.w, sk.coef_[0], atol=1e-3)
    assert abs(res.b - sk.intercept_[0]) < 1e-3


def test_softmax_regression_agrees_with_sklearn():
    split = data.load("iris")
    X, y = split.X_train, split.y_train
    res = ref.softmax_gradient_descent(X, y, lr=1.0, epochs=3000, l2=0.01)
    sk = _sklearn(X, y, 0.01)
    np.testing.assert_allclose(res.w, sk.coef_.T, atol=1e-4)
    np.testing.assert_allclose(res.b, sk.intercept_, atol=1e-4)


@pytest.mark.parametrize(
    ("X", "y", "kwargs", "match"),
    [
        (np.ones((5, 2)), np.ones(4), {}, "same number of samples"),
        (np.array([[np.nan, 1.0], [0, 1]]), np.ones(2), {}, "X must contain only finite"),
        (np.ones((2, 2)), np.array([1.0, np.nan]), {}, "y must contain only finite"),
        (np.ones((3, 2)), np.array([0, 1, 2]), {}, "binary labels"),
        (np.ones((3, 2)), np.array([0, 1, 1]), {"lr": 0.0}, "lr must be"),
        (np.ones((3, 2)), np.array([0, 1, 1]), {"batch_size": 0}, "batch_size must be"),
        (np.ones((3, 2)), np.array([0, 1, 1]), {"l2": -0.5}, "l2 must be"),
    ],
)
def test_bad_input_names_the_argument(X, y, kwargs, match):
    with pytest.raises(ValueError, match=match):
        ref.gradient_descent(X, y, **kwargs)


def test_multiclass_labels_are_checked():
    with pytest.raises(ValueError, match="integer class labels"):
        ref.softmax_gradient_descent(np.ones((3, 2)), np.array([0.0, 0.5, 1.0]))
    with pytest.raises(ValueError, match="n_classes"):
        ref.softmax_gradient_descent(np.ones((3, 2)), np.array([0, 1, 3]), n_classes=3)
    with pytest.raises(ValueError, match="C must be"):
        ref.l2_from_C(0.0, 10)
