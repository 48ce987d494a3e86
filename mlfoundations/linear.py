"""Linear regression in Keras 3: a ``Dense(1)`` layer trained with ``fit`` (chapter 3).

The same model and objective as :mod:`mlfoundations.reference.linear`:

``ŷ = X w + b``,  ``J = MSE + λ₂‖w‖² + λ₁‖w‖₁``

where ``λ₂``/``λ₁`` are Keras' ``regularizers.L2(l2)``/``L1(l1)`` on the kernel, which add
``l2·Σw²`` and ``l1·Σ|w|`` to the mean loss (the bias is not penalised). Plain
``optimizers.SGD(lr)`` then takes the step ``θ ← θ − lr·∇J`` that the NumPy reference takes.
One difference is kept on purpose: Keras handles the L1 term by its subgradient
``λ₁·sign(w)``, not by a proximal step, so its lasso weights hover around zero instead of
landing on it (chapter 3 measures this). The MSE itself is :func:`mlfoundations.losses.mse`.

One-sided names (Keras only): ``linear_model``, ``coefficients`` and ``fit_sgd``, which
trains with ``model.fit`` and takes Keras' options (``momentum``, ``verbose``) where the
reference's ``gradient_descent`` takes its own (``seed``, ``record_path``). The reference's
closed form, gradients and penalty mappings have no Keras twin (``check_regression_data``,
``predict``, ``objective``, ``mse_gradient``, ``mse_hessian``, ``max_stable_lr``,
``fit_closed_form``, ``coefficient_standard_errors``, ``StandardErrors``, ``ridge_alpha``,
``lasso_alpha``, ``soft_threshold``, ``gradient_descent``).
"""

from __future__ import annotations

import numpy as np

from .checks import check_positive, check_positive_int
from .optim import fit_steps, sgd
from .reference.linear import check_regression_data
from .reference.optim import DescentResult, check_descent_args


def linear_model(n_features: int, *, l2: float = 0.0, l1: float = 0.0, w0=None, b0: float = 0.0):
    """``ŷ = X w + b`` as a Keras model: ``Input(n_features) → Dense(1)``.

    Parameters
    ----------
    n_features : int
    l2, l1 : float, default 0.0
        Kernel regulariser strengths ``λ₂``, ``λ₁`` (``>= 0``); the bias is not penalised.
    w0 : ndarray of shape (n_features,), optional
        Starting weights (zeros by default, so every backend starts from the same point).
    b0 : float, default 0.0

    Returns
    -------
    keras.Model
        Maps ``(n_samples, n_features)`` to ``(n_samples, 1)``.
    """
    import keras

    n_features = check_positive_int(n_features, "n_features")
    l2 = check_positive(l2, "l2", allow_zero=True)
    l1 = check_positive(l1, "l1", allow_zero=True)
    regularizer = keras.regularizers.L1L2(l1=l1, l2=l2) if (l1 or l2) else None
    model = keras.Sequential(
        [
            keras.Input((n_features,)),
            keras.layers.Dense(1, kernel_regularizer=regularizer, name="linear"),
        ]
    )
    w0 = np.zeros(n_features) if w0 is None else np.asarray(w0, dtype=np.float64)
    if w0.shape != (n_features,):
        raise ValueError(f"w0 must have shape ({n_features},), got {w0.shape}")
    model.layers[-1].set_weights([w0.reshape(-1, 1).astype("float32"), np.array([b0], "float32")])
    return model


def coefficients(model) -> tuple[np.ndarray, float]:
    """``(w, b)`` of a model whose last layer is ``Dense(1)``, as NumPy.

    Returns
    -------
    w : ndarray of shape (n_features,)
    b : float
    """
    kernel, bias = model.layers[-1].get_weights()
    return kernel[:, 0].astype(np.float64), float(bias[0])


def fit_sgd(
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
    momentum: float = 0.0,
    verbose: int = 0,
) -> DescentResult:
    """Train ``Dense(1)`` with ``SGD(lr)`` and ``fit`` on the MSE: the Keras twin of
    :func:`mlfoundations.reference.linear.gradient_descent`.

    ``batch_size=None`` is the full batch (one step per epoch), ``1`` is stochastic.
    Full-batch runs from the same start take the same steps as the NumPy reference, up to
    float32 rounding.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    lr : float, default 0.1
    epochs : int, default 100
    batch_size : int or None, default None
    l2, l1 : float, default 0.0
    w0 : ndarray of shape (n_features,), optional
    b0 : float, default 0.0
    shuffle : bool, default True
        Reshuffle every epoch (with the backend's own generator: seed it with
        :func:`mlfoundations.backend.seed_everything`).
    momentum : float, default 0.0
        Heavy-ball momentum of ``keras.optimizers.SGD`` (0 is plain gradient descent).
    verbose : int, default 0
        Passed to ``fit``.

    Returns
    -------
    DescentResult
        ``w``, ``b`` as NumPy; ``history`` holds the mean training objective of each call
        of ``fit``'s epochs (see :func:`mlfoundations.optim.fit_steps`) and ends with ``J``
        at the final weights.
    """

    X, y = check_regression_data(X, y)
    n, d = X.shape
    lr, epochs, batch_size = check_descent_args(lr, epochs, batch_size, n)
    model = linear_model(d, l2=l2, l1=l1, w0=w0, b0=b0)
    model.compile(optimizer=sgd(lr, momentum=momentum), loss="mse")
    losses = fit_steps(model, X, y.reshape(-1, 1), epochs=epochs, batch_size=batch_size,
                       shuffle=shuffle, verbose=verbose)  # fmt: skip
    w, b = coefficients(model)
    with np.errstate(over="ignore", invalid="ignore"):
        final = float(np.mean((X @ w + b - y) ** 2) + l2 * np.sum(w**2) + l1 * np.sum(np.abs(w)))
    history = np.array(losses + [final], dtype=np.float64)
    diverged = not np.all(np.isfinite(history))
    return DescentResult(w, b, history, None, diverged, epochs * -(-n // batch_size))
