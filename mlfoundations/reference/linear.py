"""Linear regression in NumPy: closed form, standard errors, descent, ridge, lasso (chapter 3).

The model is ``ŷ = X w + b`` and the training objective, in the form Keras uses
(a mean loss plus regulariser terms added to it), is

.. math::

    J(w, b) = \\frac{1}{n}\\sum_{i=1}^{n} (x_i^\\top w + b - y_i)^2
              + \\lambda_2 \\lVert w \\rVert_2^2 + \\lambda_1 \\lVert w \\rVert_1 .

``l2`` is ``λ₂`` (Keras ``regularizers.L2(l2)``), ``l1`` is ``λ₁`` (``regularizers.L1(l1)``).
The intercept ``b`` is never penalised. The mapping to scikit-learn's penalties is exact:

* ``Ridge(alpha)`` minimises ``‖y − Xw − b‖² + α‖w‖²`` = ``n·J`` with ``α = n·λ₂``;
* ``Lasso(alpha)`` minimises ``‖y − Xw − b‖²/(2n) + α‖w‖₁`` = ``J/2`` with ``α = λ₁/2``.

:func:`ridge_alpha` and :func:`lasso_alpha` compute them. The MSE itself lives in
:mod:`mlfoundations.reference.losses`; the gradients here are its chain rule,
``∂J/∂w = Xᵀ ∂MSE/∂ŷ``. The descent loop and its result, ``DescentResult``, live in
:mod:`mlfoundations.reference.optim`.

No name here has a Keras twin of the same name: :mod:`mlfoundations.linear` builds and fits
the Keras model (``linear_model``, ``fit_sgd``). One-sided names: ``check_regression_data``,
``predict``, ``objective``, ``mse_gradient``, ``mse_hessian``, ``max_stable_lr``,
``fit_closed_form``, ``coefficient_standard_errors`` (and its result,
``StandardErrors``), ``ridge_alpha``, ``lasso_alpha``, ``soft_threshold``,
``gradient_descent``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..checks import (
    as_float_array,
    check_positive,
    check_positive_int,
    check_same_length,
)
from .losses import mse_and_grad
from .optim import DescentResult, check_descent_args, run_descent

# --------------------------------------------------------------------------- validation


def check_regression_data(X, y) -> tuple[np.ndarray, np.ndarray]:
    """Validate ``X`` (2-D) and ``y`` (1-D), finite and of the same length; return float64."""
    X = as_float_array(X, "X", ndim=2)
    y = as_float_array(y, "y", ndim=1)
    check_same_length(X, y, "X", "y")
    return X, y


def _check_params(w, b, n_features: int, names=("w", "b")) -> tuple[np.ndarray, float]:
    w = as_float_array(w, names[0], ndim=1)
    if w.shape[0] != n_features:
        raise ValueError(f"{names[0]} must have shape ({n_features},) to match X, got {w.shape}")
    b = as_float_array(b, names[1], ndim=0)
    return w, float(b)


def _check_penalty(value, name: str) -> float:
    return check_positive(value, name, allow_zero=True)


# --------------------------------------------------------------------------- the model


def predict(X, w, b=0.0) -> np.ndarray:
    """Linear model ``ŷ = X w + b``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    w : ndarray of shape (n_features,)
    b : float, default 0.0

    Returns
    -------
    ndarray of shape (n_samples,)
    """
    X = as_float_array(X, "X", ndim=2)
    w, b = _check_params(w, b, X.shape[1])
    return X @ w + b


def objective(X, y, w, b=0.0, *, l2: float = 0.0, l1: float = 0.0) -> float:
    """The training objective ``J(w, b) = MSE + λ₂‖w‖² + λ₁‖w‖₁``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    w : ndarray of shape (n_features,)
    b : float
    l2, l1 : float, default 0.0
        Penalty strengths ``λ₂, λ₁ >= 0``.

    Returns
    -------
    float
    """
    X, y = check_regression_data(X, y)
    w, b = _check_params(w, b, X.shape[1])
    l2, l1 = _check_penalty(l2, "l2"), _check_penalty(l1, "l1")
    return _objective(X, y, w, b, l2, l1)


def _objective(X, y, w, b, l2, l1) -> float:
    loss, _ = mse_and_grad(y, X @ w + b, check_input=False)  # inf when a run diverges
    return float(loss + l2 * np.sum(w**2) + l1 * np.sum(np.abs(w)))


def mse_gradient(X, y, w, b=0.0, *, l2: float = 0.0) -> tuple[np.ndarray, float]:
    """Gradient of ``MSE + λ₂‖w‖²`` with respect to ``w`` and ``b``, written out.

    With residuals ``r = X w + b − y``:

    ``∂J/∂w = (2/n) Xᵀ r + 2 λ₂ w``  and  ``∂J/∂b = (2/n) Σ r_i``.

    (The L1 term has no gradient at 0; :func:`gradient_descent` handles it with a proximal
    step instead.)

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    w : ndarray of shape (n_features,)
    b : float
    l2 : float, default 0.0

    Returns
    -------
    grad_w : ndarray of shape (n_features,)
    grad_b : float
    """
    X, y = check_regression_data(X, y)
    w, b = _check_params(w, b, X.shape[1])
    return _mse_gradient(X, y, w, b, _check_penalty(l2, "l2"))


def _mse_gradient(X, y, w, b, l2):
    _, dy = mse_and_grad(y, X @ w + b, check_input=False)  # (n,) = 2 r / n, r the residuals
    return X.T @ dy + 2.0 * l2 * w, float(np.sum(dy))


def mse_hessian(X, *, fit_intercept: bool = True) -> np.ndarray:
    """Hessian of the MSE in ``θ = [w, b]``: ``H = (2/n) X̃ᵀ X̃`` with ``X̃ = [X, 1]``.

    It does not depend on ``y`` or on ``θ``: the MSE is a quadratic bowl.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    fit_intercept : bool, default True
        Include the column of ones for ``b``.

    Returns
    -------
    ndarray of shape (n_features + 1, n_features + 1), or (n_features, n_features)
    """
    X = as_float_array(X, "X", ndim=2)
    Xt = np.hstack([X, np.ones((X.shape[0], 1))]) if fit_intercept else X
    return (2.0 / X.shape[0]) * (Xt.T @ Xt)


def max_stable_lr(X, *, fit_intercept: bool = True, l2: float = 0.0) -> float:
    """Largest learning rate for which full-batch gradient descent on the MSE converges.

    On a quadratic, one step maps the error ``e = θ − θ*`` to ``(I − lr·H) e``. Along the
    eigenvector of ``H`` with eigenvalue ``λ`` the error is multiplied by ``1 − lr·λ``,
    which shrinks only if ``|1 − lr·λ| < 1``, i.e. ``lr < 2/λ``. The steepest direction
    decides: **gradient descent converges iff ``lr < 2/λ_max(H)``** and diverges above it.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    fit_intercept : bool, default True
    l2 : float, default 0.0
        Ridge strength; adds ``2λ₂`` to the eigenvalues of the weight block.

    Returns
    -------
    float
        ``2 / λ_max``.
    """
    X = as_float_array(X, "X", ndim=2)
    H = mse_hessian(X, fit_intercept=fit_intercept)
    d = X.shape[1]
    H[np.arange(d), np.arange(d)] += 2.0 * _check_penalty(l2, "l2")  # ridge adds 2λ₂ I
    return float(2.0 / np.linalg.eigvalsh(H)[-1])


# --------------------------------------------------------------------------- closed form


def fit_closed_form(X, y, *, l2: float = 0.0, fit_intercept: bool = True):
    """Least squares (or ridge) in closed form, solved without forming an inverse.

    Minimises ``J = (1/n)‖X w + b − y‖² + λ₂‖w‖²``. The normal equations
    ``(XᵀX + nλ₂ I) w = Xᵀy`` would square the condition number of ``X``, so instead the
    intercept is removed by centring (``b = ȳ − x̄ᵀw``) and the equivalent stacked
    least-squares problem

    ``min_w ‖ [X_c; √(nλ₂) I] w − [y_c; 0] ‖²``

    is solved by ``numpy.linalg.lstsq`` (an SVD), which also copes with rank-deficient ``X``
    (it returns the minimum-norm solution).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    l2 : float, default 0.0
        Ridge strength ``λ₂`` (scikit-learn ``Ridge(alpha=n·λ₂)``).
    fit_intercept : bool, default True

    Returns
    -------
    w : ndarray of shape (n_features,)
    b : float
    """
    X, y = check_regression_data(X, y)
    l2 = _check_penalty(l2, "l2")
    n, d = X.shape
    x_mean = X.mean(axis=0) if fit_intercept else np.zeros(d)
    y_mean = y.mean() if fit_intercept else 0.0
    A, t = X - x_mean, y - y_mean
    if l2 > 0:
        A = np.vstack([A, np.sqrt(n * l2) * np.eye(d)])  # (n + d, d)
        t = np.concatenate([t, np.zeros(d)])
    w = np.linalg.lstsq(A, t, rcond=None)[0]
    return w, float(y_mean - x_mean @ w)


class StandardErrors(NamedTuple):
    """Result of :func:`coefficient_standard_errors`.

    Attributes
    ----------
    w : ndarray of shape (n_features,)
        Standard error of each weight.
    b : float
        Standard error of the intercept (``nan`` when ``fit_intercept=False``).
    sigma2 : float
        The noise variance estimate ``σ̂² = RSS / dof``.
    dof : int
        Residual degrees of freedom, ``n − p − 1`` (``n − p`` without an intercept): the
        ``t`` distribution of ``(ŵ_j − w_j) / SE_j`` has this many.
    """

    w: np.ndarray
    b: float
    sigma2: float
    dof: int


def coefficient_standard_errors(X, y, w, b=0.0, *, fit_intercept: bool = True) -> StandardErrors:
    """Standard errors of least-squares coefficients, under the classical linear model.

    Assume ``y = X w + b + ε`` with independent noise ``ε_i`` of variance ``σ²`` and ``X``
    fixed. With ``X̃ = [X, 1]`` (the intercept column; just ``X`` without an intercept) the
    least-squares estimate has covariance ``σ² (X̃ᵀX̃)⁻¹``. ``σ²`` is estimated from the
    residual sum of squares of the fit,

    ``σ̂² = RSS / (n − p − 1)``,  ``RSS = Σ_i (y_i − x_iᵀw − b)²``,

    with ``p`` the number of features (``n − p`` without an intercept: one degree of freedom
    per fitted number), and

    ``SE(ŵ_j) = sqrt(σ̂² [(X̃ᵀX̃)⁻¹]_jj)``.

    Under Gaussian noise ``(ŵ_j − w_j) / SE(ŵ_j)`` follows a ``t`` distribution with
    ``n − p − 1`` degrees of freedom, which gives the confidence interval
    ``ŵ_j ± t_{0.975, n−p−1} · SE(ŵ_j)`` (chapter 3). The diagonal of ``(X̃ᵀX̃)⁻¹`` is
    computed from the SVD ``X̃ = U S Vᵀ`` as ``Σ_k V_jk² / s_k²``, without forming ``X̃ᵀX̃``.

    ``w`` and ``b`` must be the *unpenalised* least-squares fit of ``X, y`` (for example
    :func:`fit_closed_form` with ``l2=0``): the formula is the covariance of that estimator,
    and ``σ̂²`` is unbiased only from its residuals. A ridge or lasso fit is biased and
    needs other tools (the bootstrap, chapter 11).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    w : ndarray of shape (n_features,)
        The fitted weights.
    b : float, default 0.0
        The fitted intercept.
    fit_intercept : bool, default True
        Whether ``b`` was fitted (it adds the column of ones and costs a degree of freedom).

    Returns
    -------
    StandardErrors
        ``w`` of shape (n_features,), ``b`` a float, ``sigma2`` and ``dof``.

    Raises
    ------
    ValueError
        ``X`` with no more rows than fitted numbers (no degree of freedom left for ``σ̂²``),
        or with linearly dependent columns (the coefficients are not identified); shapes
        that do not match; non-finite values.
    """
    X, y = check_regression_data(X, y)
    n, d = X.shape
    w, b = _check_params(w, b, d)
    if not isinstance(fit_intercept, bool | np.bool_):
        raise TypeError(f"fit_intercept must be True or False, got {fit_intercept!r}")
    p = d + 1 if fit_intercept else d
    dof = n - p
    if dof < 1:
        raise ValueError(
            f"X must have more rows than fitted coefficients ({p}) to estimate the noise, "
            f"got shape {X.shape}"
        )
    Xt = np.hstack([X, np.ones((n, 1))]) if fit_intercept else X  # (n, p)
    _, s, Vt = np.linalg.svd(Xt, full_matrices=False)  # s: (p,), Vt: (p, p)
    if s[-1] <= s[0] * max(n, p) * np.finfo(np.float64).eps:
        raise ValueError(
            "X has linearly dependent columns"
            + (" (with the intercept's column of ones)" if fit_intercept else "")
            + ": the coefficients and their standard errors are not identified"
        )
    inv_diag = np.sum((Vt.T / s) ** 2, axis=1)  # diag of (X̃ᵀX̃)⁻¹ = V S⁻² Vᵀ, (p,)
    residuals = y - (X @ w + b)
    sigma2 = float(residuals @ residuals / dof)
    se = np.sqrt(sigma2 * inv_diag)
    return StandardErrors(se[:d], float(se[d]) if fit_intercept else float("nan"), sigma2, dof)


def ridge_alpha(l2: float, n_samples: int) -> float:
    """scikit-learn ``Ridge(alpha)`` equal to our ``λ₂``: ``α = n·λ₂``."""
    return check_positive_int(n_samples, "n_samples") * _check_penalty(l2, "l2")


def lasso_alpha(l1: float) -> float:
    """scikit-learn ``Lasso(alpha)`` equal to our ``λ₁``: ``α = λ₁ / 2``."""
    return _check_penalty(l1, "l1") / 2.0


# --------------------------------------------------------------------------- gradient descent


def soft_threshold(w, t: float) -> np.ndarray:
    """The proximal operator of ``t‖w‖₁``: ``sign(w) · max(|w| − t, 0)``.

    It moves every weight ``t`` towards zero and stops at zero, which is how the lasso
    sets coefficients *exactly* to zero.

    Parameters
    ----------
    w : ndarray, any shape
    t : float
        Threshold ``>= 0``.

    Returns
    -------
    ndarray of the same shape
    """
    return _soft_threshold(as_float_array(w, "w"), check_positive(t, "t", allow_zero=True))


def _soft_threshold(w: np.ndarray, t: float) -> np.ndarray:
    return np.sign(w) * np.maximum(np.abs(w) - t, 0.0)


def gradient_descent(
    X,
    y,
    *,
    lr: float = 0.1,
    epochs: int = 100,
    batch_size: int | None = None,
    l2: float = 0.0,
    l1: float = 0.0,
    w0=None,
    b0: float = 0.0,
    shuffle: bool = True,
    seed: int = 0,
    record_path: bool = False,
) -> DescentResult:
    """Fit ``ŷ = Xw + b`` by (proximal) gradient descent on ``J = MSE + λ₂‖w‖² + λ₁‖w‖₁``.

    One function for the three flavours; ``batch_size`` decides:

    * ``None`` or ``n_samples``: **batch** gradient descent, one exact step per epoch;
    * ``1 < batch_size < n``: **mini-batch**, ``⌈n / batch_size⌉`` noisy steps per epoch;
    * ``1``: **stochastic** gradient descent, one sample per step.

    Each step is ``w ← w − lr·(∂J/∂w)``, ``b ← b − lr·(∂J/∂b)`` on the batch (see
    :func:`mse_gradient`). With ``l1 > 0`` the L1 term is handled by a proximal step,
    ``w ← soft_threshold(w, lr·λ₁)`` after the gradient step (ISTA): the iterates reach exact
    zeros, and full-batch runs with ``lr <= 1/λ_max`` converge to the lasso solution.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    lr : float, default 0.1
        Learning rate ``> 0``.
    epochs : int, default 100
        Passes over the data (``>= 1``).
    batch_size : int or None, default None
        Samples per step (``>= 1``); ``None`` means the full batch.
    l2, l1 : float, default 0.0
        Ridge and lasso strengths (``>= 0``).
    w0 : ndarray of shape (n_features,), optional
        Starting weights; zeros by default.
    b0 : float, default 0.0
    shuffle : bool, default True
        Reshuffle the samples every epoch (mini-batch and stochastic runs).
    seed : int, default 0
        Seed of the shuffling.
    record_path : bool, default False
        Keep ``[w, b]`` after every step in ``result.path``.

    Returns
    -------
    DescentResult
        ``w`` of shape (n_features,), ``b`` a float, ``history`` of the objective per epoch.
    """
    X, y = check_regression_data(X, y)
    n, d = X.shape
    lr, epochs, batch_size = check_descent_args(lr, epochs, batch_size, n)
    l2, l1 = _check_penalty(l2, "l2"), _check_penalty(l1, "l1")
    w, b = _check_params(np.zeros(d) if w0 is None else w0, b0, d, ("w0", "b0"))

    def grad_fn(idx, w, b):
        gw, gb = _mse_gradient(X[idx], y[idx], w, b[0], l2)
        return gw, np.array([gb])

    def objective_fn(w, b):
        return _objective(X, y, w, b[0], l2, l1)

    def prox(params, step):
        return [_soft_threshold(params[0], step * l1), params[1]]

    (w, b), history, path, diverged, steps = run_descent(
        grad_fn, objective_fn, [w, np.array([b])], n,
        lr=lr, epochs=epochs, batch_size=batch_size, shuffle=shuffle, seed=seed,
        prox=prox if l1 > 0 else None, record_path=record_path,
    )  # fmt: skip
    return DescentResult(w, float(b[0]), history, path, diverged, steps)
