"""NumPy linear regression (chapter 3) against scikit-learn and against its own theory."""

import numpy as np
import pytest
from sklearn.linear_model import Lasso, LinearRegression, Ridge

from mlfoundations.reference import linear as ref
from mlfoundations.testing import numerical_gradient


@pytest.fixture
def problem():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 3.0 + 0.3 * rng.normal(size=60)
    return X, y


def test_closed_form_matches_sklearn(problem):
    X, y = problem
    w, b = ref.fit_closed_form(X, y)
    sk = LinearRegression().fit(X, y)
    np.testing.assert_allclose(w, sk.coef_, rtol=0, atol=1e-8)
    assert abs(b - sk.intercept_) < 1e-8


def test_closed_form_handles_collinear_columns(problem):
    X, y = problem
    X2 = np.hstack([X, X[:, :1]])  # duplicated column: XᵀX is singular
    w, b = ref.fit_closed_form(X2, y)
    w1, b1 = ref.fit_closed_form(X, y)
    np.testing.assert_allclose(ref.predict(X2, w, b), ref.predict(X, w1, b1), atol=1e-8)


def test_ridge_matches_sklearn_with_alpha_n_l2(problem):
    X, y = problem
    l2 = 0.05
    w, b = ref.fit_closed_form(X, y, l2=l2)
    sk = Ridge(alpha=ref.ridge_alpha(l2, len(y))).fit(X, y)
    np.testing.assert_allclose(w, sk.coef_, atol=1e-8)
    assert abs(b - sk.intercept_) < 1e-8


def test_lasso_proximal_gd_matches_sklearn_with_alpha_half_l1(problem):
    X, y = problem
    l1 = 0.3
    lr = 0.5 * ref.max_stable_lr(X)  # = 1/λ_max: ISTA's safe step
    res = ref.gradient_descent(X, y, lr=lr, epochs=2000, l1=l1)
    sk = Lasso(alpha=ref.lasso_alpha(l1), tol=1e-12, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(res.w, sk.coef_, atol=1e-8)
    assert abs(res.b - sk.intercept_) < 1e-8
    assert res.w[3] == 0.0  # the irrelevant feature is exactly zero, as in scikit-learn


def test_mse_gradient_matches_finite_differences(problem):
    X, y = problem
    w, b, l2 = np.array([0.3, -0.1, 0.2, 0.5]), 0.7, 0.1
    gw, gb = ref.mse_gradient(X, y, w, b, l2=l2)
    theta = np.r_[w, b]
    num = numerical_gradient(lambda t: ref.objective(X, y, t[:4], t[4], l2=l2), theta)
    np.testing.assert_allclose(np.r_[gw, gb], num, rtol=1e-6, atol=1e-8)


def test_full_batch_gd_converges_to_closed_form(problem):
    X, y = problem
    res = ref.gradient_descent(X, y, lr=0.3, epochs=300)
    w, b = ref.fit_closed_form(X, y)
    np.testing.assert_allclose(res.w, w, atol=1e-10)
    assert abs(res.b - b) < 1e-10
    assert np.all(np.diff(res.history) <= 1e-12)  # below 1/λ_max the loss never rises


def test_minibatch_and_sgd_reach_noise_ball(problem):
    """Constant-rate mini-batch/SGD hover around the optimum; smaller batches hover wider."""
    X, y = problem
    w, _ = ref.fit_closed_form(X, y)
    err = {
        bs: np.abs(ref.gradient_descent(X, y, lr=0.02, epochs=100, batch_size=bs).w - w).max()
        for bs in (1, 10)
    }
    assert err[10] < 0.02 and err[1] < 0.1 and err[1] > err[10]


def test_stability_bound_predicts_divergence_of_seed_setup():
    """The seed's setup: x ~ N(0, I₁₀), 100 samples, y ~ N(0, 1), full-batch GD on the MSE.

    Prediction: converges iff lr < 2/λ_max(H). Measured just below and just above it.
    """
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(100, 10)), rng.normal(size=100)
    bound = ref.max_stable_lr(X)
    assert 0.45 < bound < 0.7  # ≈ 2 / (2(1 + √(10/100))²) ≈ 0.58 for large n
    below = ref.gradient_descent(X, y, lr=0.95 * bound, epochs=2000)
    above = ref.gradient_descent(X, y, lr=1.05 * bound, epochs=2000)
    w, b = ref.fit_closed_form(X, y)
    assert not below.diverged and np.abs(below.w - w).max() < 1e-6
    assert above.diverged and not (above.history[-1] < 1e10)  # inf, nan or huge
    # the seed's "lr = 0.1 diverges to inf" is wrong: it converges (50 steps, as in the seed)
    seed_run = ref.gradient_descent(X, y, lr=0.1, epochs=50)
    assert not seed_run.diverged and seed_run.history[-1] < seed_run.history[0]


def test_small_learning_rate_is_slow_not_stuck():
    """MSE is convex: a tiny rate still reaches the same optimum, it only needs more steps."""
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(50, 3)), rng.normal(size=50)
    w, _ = ref.fit_closed_form(X, y)
    H = ref.mse_hessian(X)
    assert np.linalg.eigvalsh(H)[0] > 0  # positive definite: one minimum, no local minima
    slow = ref.gradient_descent(X, y, lr=0.01, epochs=50)
    slower = ref.gradient_descent(X, y, lr=0.01, epochs=3000)
    assert np.abs(slow.w - w).max() > 0.01
    assert np.abs(slower.w - w).max() < 1e-8


def test_path_is_recorded_per_step(problem):
    X, y = problem
    res = ref.gradient_descent(X, y, lr=0.1, epochs=3, batch_size=20, record_path=True)
    assert res.steps == 9 and res.path.shape == (10, 5)
    np.testing.assert_allclose(res.path[-1], np.r_[res.w, res.b])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"X": np.ones((5, 2)), "y": np.ones(4)}, "same number of samples"),
        ({"X": np.array([[1.0, np.nan], [0, 1]]), "y": np.ones(2)}, "X must contain only finite"),
        ({"X": np.ones((2, 2)), "y": np.array([1.0, np.inf])}, "y must contain only finite"),
        ({"X": np.ones(3), "y": np.ones(3)}, "X must be 2-dimensional"),
        ({"lr": 0.0}, "lr must be"),
        ({"lr": -0.1}, "lr must be"),
        ({"batch_size": 0}, "batch_size must be"),
        ({"epochs": 0}, "epochs must be"),
        ({"l2": -1.0}, "l2 must be"),
        ({"l1": -1.0}, "l1 must be"),
    ],
)
def test_bad_input_names_the_argument(kwargs, match):
    args = {"X": np.ones((4, 2)), "y": np.ones(4)}
    args.update(kwargs)
    X, y = args.pop("X"), args.pop("y")
    with pytest.raises(ValueError, match=match):
        ref.gradient_descent(X, y, **args)


def test_closed_form_and_helpers_validate():
    with pytest.raises(ValueError, match="same number of samples"):
        ref.fit_closed_form(np.ones((3, 2)), np.ones(2))
    with pytest.raises(ValueError, match="w must have shape"):
        ref.predict(np.ones((3, 2)), np.ones(3))
    with pytest.raises(TypeError, match="batch_size must be an integer"):
        ref.gradient_descent(np.ones((3, 2)), np.ones(3), batch_size=2.5)
    np.testing.assert_array_equal(ref.soft_threshold([-2.0, 0.5, 3.0], 1.0), [-1.0, 0.0, 2.0])


# --- standard errors of the coefficients ---------------------------------------------------


def test_standard_errors_equal_the_textbook_formula(problem):
    """σ̂² = RSS/(n − p − 1), SE = sqrt(diag(σ̂² (X̃ᵀX̃)⁻¹)), written out with an inverse."""
    X, y = problem
    w, b = ref.fit_closed_form(X, y)
    se = ref.coefficient_standard_errors(X, y, w, b)
    n, p = X.shape
    Xt = np.hstack([X, np.ones((n, 1))])
    rss = np.sum((y - Xt @ np.r_[w, b]) ** 2)
    expected = np.sqrt(rss / (n - p - 1) * np.diag(np.linalg.inv(Xt.T @ Xt)))
    np.testing.assert_allclose(np.r_[se.w, se.b], expected, rtol=1e-10)
    assert se.dof == n - p - 1 and se.sigma2 == pytest.approx(rss / (n - p - 1), rel=1e-12)


def test_standard_error_of_a_slope_is_sigma_over_root_sxx():
    """Simple regression: SE(slope) = σ̂ / sqrt(Σ(x − x̄)²), SE(b) = σ̂ sqrt(1/n + x̄²/Sxx)."""
    x = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 6.0])
    y = np.array([1.1, 2.9, 5.2, 6.8, 9.1, 13.2])
    w, b = ref.fit_closed_form(x[:, None], y)
    se = ref.coefficient_standard_errors(x[:, None], y, w, b)
    sigma = np.sqrt(np.sum((y - w[0] * x - b) ** 2) / (len(x) - 2))
    sxx = np.sum((x - x.mean()) ** 2)
    np.testing.assert_allclose(se.w[0], sigma / np.sqrt(sxx), rtol=1e-12)
    np.testing.assert_allclose(se.b, sigma * np.sqrt(1 / len(x) + x.mean() ** 2 / sxx), rtol=1e-12)


def test_without_intercept_the_column_of_ones_and_its_dof_go():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(30, 2))
    y = X @ np.array([1.0, -1.0]) + 0.5 * rng.normal(size=30)
    w, _ = ref.fit_closed_form(X, y, fit_intercept=False)
    se = ref.coefficient_standard_errors(X, y, w, 0.0, fit_intercept=False)
    rss = np.sum((y - X @ w) ** 2)
    expected = np.sqrt(rss / 28 * np.diag(np.linalg.inv(X.T @ X)))
    np.testing.assert_allclose(se.w, expected, rtol=1e-10)
    assert se.dof == 28 and np.isnan(se.b)


def test_standard_errors_match_the_spread_of_refitted_coefficients():
    """Monte Carlo: fix X, redraw the Gaussian noise 4000 times, refit every time.

    The standard deviation of the refitted coefficients must match the SE formula (the
    root-mean of the estimated SE², since σ̂² is unbiased), and the 95 % t intervals must
    cover the true coefficients 95 % of the time. Tolerances: with R = 4000 draws the
    sample standard deviation has a relative error of about 1/sqrt(2R) ≈ 1.1 %, so 5 % is
    over four of those; a coverage estimate has a standard error of
    sqrt(0.95·0.05/R) ≈ 0.34 %, so ±1.5 % is over four.
    """
    from scipy.stats import t as student_t

    rng = np.random.default_rng(7)
    n, true_w, true_b, sigma = 40, np.array([1.5, -0.7, 0.0]), 2.0, 0.8
    X = rng.normal(size=(n, 3))
    X[:, 2] += 0.8 * X[:, 0]  # a correlated pair: their SEs differ from the others'
    draws, estimated_se2, covered = [], [], []
    q = student_t.ppf(0.975, n - 4)
    for _ in range(4000):
        y = X @ true_w + true_b + sigma * rng.normal(size=n)
        w, b = ref.fit_closed_form(X, y)
        se = ref.coefficient_standard_errors(X, y, w, b)
        theta, se_theta = np.r_[w, b], np.r_[se.w, se.b]
        draws.append(theta)
        estimated_se2.append(se_theta**2)
        covered.append(np.abs(theta - np.r_[true_w, true_b]) <= q * se_theta)
    spread = np.std(draws, axis=0, ddof=1)
    np.testing.assert_allclose(np.sqrt(np.mean(estimated_se2, axis=0)), spread, rtol=0.05)
    np.testing.assert_allclose(np.mean(covered, axis=0), 0.95, atol=0.015)


@pytest.mark.parametrize(
    ("X", "match"),
    [
        (np.ones((4, 3)), "more rows than fitted coefficients"),
        (np.column_stack([np.arange(6.0), 2 * np.arange(6.0)]), "linearly dependent"),
        (np.column_stack([np.arange(6.0), np.ones(6)]), "intercept"),
    ],
)
def test_standard_errors_refuse_unidentified_fits(X, match):
    y = np.arange(len(X), dtype=float)
    with pytest.raises(ValueError, match=match):
        ref.coefficient_standard_errors(X, y, np.zeros(X.shape[1]), 0.0)


def test_standard_errors_validate_their_arguments(problem):
    X, y = problem
    with pytest.raises(ValueError, match="w must have shape"):
        ref.coefficient_standard_errors(X, y, np.zeros(3), 0.0)
    with pytest.raises(ValueError, match="same number of samples"):
        ref.coefficient_standard_errors(X, y[:-1], np.zeros(4), 0.0)
    with pytest.raises(TypeError, match="fit_intercept"):
        ref.coefficient_standard_errors(X, y, np.zeros(4), 0.0, fit_intercept="yes")
