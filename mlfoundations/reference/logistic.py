"""Logistic and softmax regression in NumPy (chapter 4).

Binary model: ``p = σ(z)``, ``z = X w + b``. Training objective (Keras' form: mean loss plus
an L2 regulariser on the weights, never on the intercept):

.. math::

    J(w, b) = \\frac{1}{n}\\sum_i \\ell(y_i, z_i) + \\lambda_2 \\lVert w \\rVert^2,
    \\qquad \\ell(y, z) = -y \\log \\sigma(z) - (1 - y) \\log(1 - \\sigma(z)).

scikit-learn's ``LogisticRegression(C)`` minimises ``C Σ ℓ_i + ½‖w‖²`` instead. Multiplying
``J`` by ``k = 1/(2λ₂)`` gives ``(1/(2nλ₂)) Σ ℓ_i + ½‖w‖²``, the same minimiser, so

.. math::  C = \\frac{1}{2 n \\lambda_2}, \\qquad \\lambda_2 = \\frac{1}{2 n C}.

:func:`sklearn_C` and :func:`l2_from_C` compute the mapping. The multinomial (softmax)
version uses the same mapping with ``‖W‖²`` summed over all classes.

``sigmoid`` is re-exported from :mod:`mlfoundations.reference.activations` (chapter 6); the
losses (``sigmoid_cross_entropy``, ``softmax_cross_entropy``) live in
:mod:`mlfoundations.reference.losses`, and the gradients here apply the chain rule to their
``*_and_grad`` forms: ``∂J/∂w = Xᵀ ∂L/∂z``.

One-sided names (the Keras side, :mod:`mlfoundations.logistic`, builds and fits a Keras
model instead): ``check_binary_data``, ``check_class_data``, ``predict_proba``,
``bce_gradient``, ``objective``, ``gradient_descent``, ``softmax_gradient``,
``softmax_gradient_descent``, ``fit_newton``, ``sklearn_C``, ``l2_from_C``.
"""

from __future__ import annotations

import numpy as np

from ..checks import (
    as_float_array,
    check_binary_labels,
    check_positive,
    check_positive_int,
    check_same_length,
)
from .activations import sigmoid  # one sigmoid for the whole book
from .losses import sigmoid_cross_entropy_and_grad, softmax_cross_entropy_and_grad
from .optim import DescentResult, check_descent_args, run_descent

# --------------------------------------------------------------------------- validation


def check_binary_data(X, y) -> tuple[np.ndarray, np.ndarray]:
    """Validate 2-D finite ``X`` and 1-D 0/1 labels ``y`` of the same length."""
    X = as_float_array(X, "X", ndim=2)
    y = check_binary_labels(as_float_array(y, "y", ndim=1), "y")
    check_same_length(X, y, "X", "y")
    return X, y


def check_class_data(X, y, n_classes: int | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """Validate 2-D finite ``X`` and integer labels ``y`` in ``0 .. n_classes−1``."""
    X = as_float_array(X, "X", ndim=2)
    y_float = as_float_array(y, "y", ndim=1)
    check_same_length(X, y_float, "X", "y")
    if np.any(y_float != np.round(y_float)) or np.any(y_float < 0):
        raise ValueError("y must hold integer class labels 0, 1, ..., n_classes - 1")
    y_int = y_float.astype(np.int64)
    if n_classes is None:
        n_classes = int(y_int.max()) + 1
    n_classes = check_positive_int(n_classes, "n_classes", minimum=2)
    if y_int.max() >= n_classes:
        raise ValueError(f"y has label {y_int.max()} but n_classes is {n_classes}")
    return X, y_int, n_classes


def _penalty(value) -> float:
    return check_positive(value, "l2", allow_zero=True)


# --------------------------------------------------------------------------- binary


def predict_proba(X, w, b=0.0) -> np.ndarray:
    """``p = σ(X w + b)``, the probability of class 1.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    w : ndarray of shape (n_features,)
    b : float

    Returns
    -------
    ndarray of shape (n_samples,)
    """
    X = as_float_array(X, "X", ndim=2)
    w = as_float_array(w, "w", ndim=1)
    if w.shape[0] != X.shape[1]:
        raise ValueError(f"w must have shape ({X.shape[1]},) to match X, got {w.shape}")
    return sigmoid(X @ w + float(as_float_array(b, "b", ndim=0)))


def bce_gradient(X, y, w, b=0.0, *, l2: float = 0.0) -> tuple[np.ndarray, float]:
    """Gradient of ``J = mean BCE + λ₂‖w‖²``, by the chain rule.

    ``∂ℓ/∂p = (p − y) / (p(1 − p))`` and ``∂p/∂z = p(1 − p)``, so the two ``p(1 − p)``
    cancel and ``∂ℓ/∂z = p − y``. Then ``∂z/∂w = x`` and ``∂z/∂b = 1``:

    ``∂J/∂w = (1/n) Xᵀ (p − y) + 2λ₂ w``,  ``∂J/∂b = (1/n) Σ (p_i − y_i)``.

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
    X, y = check_binary_data(X, y)
    w = as_float_array(w, "w", ndim=1)
    if w.shape[0] != X.shape[1]:
        raise ValueError(f"w must have shape ({X.shape[1]},) to match X, got {w.shape}")
    return _bce_gradient(X, y, w, float(as_float_array(b, "b", ndim=0)), _penalty(l2))


def _bce_gradient(X, y, w, b, l2):
    _, dz = sigmoid_cross_entropy_and_grad(y, X @ w + b, check_input=False)  # (n,) = (σ(z) − y) / n
    return X.T @ dz + 2.0 * l2 * w, float(np.sum(dz))


def _bce_objective(X, y, w, b, l2) -> float:
    loss, _ = sigmoid_cross_entropy_and_grad(y, X @ w + b, check_input=False)
    return loss + l2 * float(np.sum(w**2))


def objective(X, y, w, b=0.0, *, l2: float = 0.0) -> float:
    """The binary training objective ``J = mean BCE + λ₂‖w‖²`` (see the module docstring)."""
    X, y = check_binary_data(X, y)
    w = as_float_array(w, "w", ndim=1)
    return _bce_objective(X, y, w, float(as_float_array(b, "b", ndim=0)), _penalty(l2))


def gradient_descent(
    X,
    y,
    *,
    lr: float = 0.5,
    epochs: int = 100,
    batch_size: int | None = None,
    l2: float = 0.0,
    w0=None,
    b0: float = 0.0,
    shuffle: bool = True,
    seed: int = 0,
    record_path: bool = False,
) -> DescentResult:
    """Fit binary logistic regression by gradient descent on ``J = mean BCE + λ₂‖w‖²``.

    ``batch_size`` picks batch (``None``), mini-batch or stochastic (``1``) descent, as in
    :func:`mlfoundations.reference.linear.gradient_descent`. The loss is convex, and its
    Hessian is at most ``XᵀX/(4n) + 2λ₂ I`` (``σ' <= 1/4``), so full-batch descent with
    ``lr < 2/λ_max`` of that matrix converges; with ``λ₂ > 0`` the minimiser is unique.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Labels 0/1.
    lr : float, default 0.5
    epochs : int, default 100
    batch_size : int or None, default None
    l2 : float, default 0.0
        ``λ₂``; scikit-learn's ``C = 1/(2nλ₂)``.
    w0 : ndarray of shape (n_features,), optional
    b0 : float, default 0.0
    shuffle : bool, default True
    seed : int, default 0
    record_path : bool, default False

    Returns
    -------
    DescentResult
        ``w`` of shape (n_features,), ``b`` a float, ``history`` of ``J`` per epoch.
    """
    X, y = check_binary_data(X, y)
    n, d = X.shape
    lr, epochs, batch_size = check_descent_args(lr, epochs, batch_size, n)
    l2 = _penalty(l2)
    w = np.zeros(d) if w0 is None else as_float_array(w0, "w0", ndim=1)
    if w.shape != (d,):
        raise ValueError(f"w0 must have shape ({d},) to match X, got {w.shape}")
    b = np.array([float(as_float_array(b0, "b0", ndim=0))])

    def grad_fn(idx, w, b):
        gw, gb = _bce_gradient(X[idx], y[idx], w, b[0], l2)
        return gw, np.array([gb])

    (w, b), history, path, diverged, steps = run_descent(
        grad_fn, lambda w, b: _bce_objective(X, y, w, b[0], l2), [w, b], n,
        lr=lr, epochs=epochs, batch_size=batch_size, shuffle=shuffle, seed=seed,
        record_path=record_path,
    )  # fmt: skip
    return DescentResult(w, float(b[0]), history, path, diverged, steps)


def fit_newton(X, y, *, l2: float, tol: float = 1e-12, max_iter: int = 100):
    """The exact minimiser of ``J = mean BCE + λ₂‖w‖²`` by Newton's method.

    ``H = X̃ᵀ diag(p(1−p)) X̃ / n + 2λ₂ I_w`` (``X̃ = [X, 1]``, the intercept unpenalised),
    ``θ ← θ − H⁻¹ ∇J`` (solved, not inverted). Quadratic convergence: about ten steps reach
    machine precision, which makes it the ground truth the other fits are compared with.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    l2 : float
        ``λ₂ > 0`` (needed for a unique minimiser when the classes are separable).
    tol : float, default 1e-12
        Stop when the largest gradient entry is below ``tol``.
    max_iter : int, default 100

    Returns
    -------
    w : ndarray of shape (n_features,)
    b : float
    """
    X, y = check_binary_data(X, y)
    l2 = check_positive(l2, "l2")
    tol = check_positive(tol, "tol")
    max_iter = check_positive_int(max_iter, "max_iter")
    n, d = X.shape
    Xt = np.hstack([X, np.ones((n, 1))])  # (n, d + 1)
    reg = 2.0 * l2 * np.diag(np.r_[np.ones(d), 0.0])  # no penalty on b
    theta = np.zeros(d + 1)
    for _ in range(max_iter):
        p = sigmoid(Xt @ theta)
        grad = Xt.T @ (p - y) / n + reg @ theta
        if np.max(np.abs(grad)) < tol:
            break
        H = (Xt * (p * (1 - p))[:, None]).T @ Xt / n + reg
        theta = theta - np.linalg.solve(H, grad)
    return theta[:d], float(theta[d])


def sklearn_C(l2: float, n_samples: int) -> float:
    """scikit-learn's ``C`` for our ``λ₂`` on ``n_samples`` samples: ``C = 1/(2nλ₂)``."""
    return 1.0 / (2.0 * check_positive_int(n_samples, "n_samples") * check_positive(l2, "l2"))


def l2_from_C(C: float, n_samples: int) -> float:
    """Our ``λ₂`` (Keras ``L2(λ₂)`` on the mean loss) for scikit-learn's ``C``: ``1/(2nC)``."""
    return 1.0 / (2.0 * check_positive_int(n_samples, "n_samples") * check_positive(C, "C"))


# --------------------------------------------------------------------------- multinomial


def softmax_gradient(X, y, W, b, *, l2: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Gradient of ``J = mean softmax CE + λ₂‖W‖²``.

    As in the binary case the chain rule collapses to ``∂ℓ/∂z = softmax(z) − onehot(y)``:

    ``∂J/∂W = (1/n) Xᵀ (P − Y) + 2λ₂ W``,  ``∂J/∂b = (1/n) Σ_i (P_i − Y_i)``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    W : ndarray of shape (n_features, K)
    b : ndarray of shape (K,)
    l2 : float, default 0.0

    Returns
    -------
    grad_W : ndarray of shape (n_features, K)
    grad_b : ndarray of shape (K,)
    """
    W = as_float_array(W, "W", ndim=2)
    b = as_float_array(b, "b", ndim=1)
    X, y, k = check_class_data(X, y, W.shape[1])
    if W.shape[0] != X.shape[1] or b.shape != (k,):
        raise ValueError(f"W must be ({X.shape[1]}, K) and b (K,), got {W.shape} and {b.shape}")
    return _softmax_gradient(X, y, W, b, _penalty(l2))


def _softmax_gradient(X, y, W, b, l2):
    _, dz = softmax_cross_entropy_and_grad(y, X @ W + b, check_input=False)  # (n, K) = (P − Y) / n
    return X.T @ dz + 2.0 * l2 * W, dz.sum(axis=0)


def softmax_gradient_descent(
    X,
    y,
    *,
    n_classes: int | None = None,
    lr: float = 0.5,
    epochs: int = 100,
    batch_size: int | None = None,
    l2: float = 0.0,
    shuffle: bool = True,
    seed: int = 0,
) -> DescentResult:
    """Fit multinomial (softmax) regression ``P = softmax(X W + b)`` by gradient descent.

    Starts from ``W = 0, b = 0`` and minimises ``J = mean CE + λ₂‖W‖²`` (scikit-learn's
    multinomial ``LogisticRegression(C=1/(2nλ₂))`` minimises the same function).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Integer labels.
    n_classes : int, optional
        ``K``; defaults to ``max(y) + 1``.
    lr, epochs, batch_size, l2, shuffle, seed
        As in :func:`gradient_descent`.

    Returns
    -------
    DescentResult
        ``w`` is ``W`` of shape (n_features, K), ``b`` of shape (K,).
    """
    X, y, k = check_class_data(X, y, n_classes)
    n, d = X.shape
    lr, epochs, batch_size = check_descent_args(lr, epochs, batch_size, n)
    l2 = _penalty(l2)

    def objective_fn(W, b):
        loss, _ = softmax_cross_entropy_and_grad(y, X @ W + b, check_input=False)
        return loss + l2 * float(np.sum(W**2))

    (W, b), history, path, diverged, steps = run_descent(
        lambda idx, W, b: _softmax_gradient(X[idx], y[idx], W, b, l2),
        objective_fn, [np.zeros((d, k)), np.zeros(k)], n,
        lr=lr, epochs=epochs, batch_size=batch_size, shuffle=shuffle, seed=seed,
    )  # fmt: skip
    return DescentResult(W, b, history, None, diverged, steps)
