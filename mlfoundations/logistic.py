"""Logistic regression in Keras 3: ``Dense(1, sigmoid)`` with an L2 regulariser (chapter 4).

Same model and objective as :mod:`mlfoundations.reference.logistic`:

``p = σ(X w + b)``,  ``J = mean BCE + λ₂‖w‖²``

``keras.regularizers.L2(l2)`` adds ``l2 · Σ w²`` to the mean loss and leaves the bias alone,
so ``λ₂ = l2`` and scikit-learn's ``C = 1/(2nλ₂)`` (derived in the reference module).
The sigmoid is :func:`mlfoundations.activations.sigmoid` and the cross-entropies are in
:mod:`mlfoundations.losses`.

One-sided names (Keras only): ``logistic_model``, ``coefficients`` and ``fit_sgd``
(``model.fit`` with Keras' SGD, binary or softmax by ``n_classes``). The reference's
``check_binary_data``, ``check_class_data``, ``predict_proba``, ``bce_gradient``,
``objective``, ``gradient_descent``, ``softmax_gradient``, ``softmax_gradient_descent``,
``fit_newton``, ``sklearn_C`` and ``l2_from_C`` have no Keras twin.
"""

from __future__ import annotations

import numpy as np

from .checks import check_positive, check_positive_int
from .optim import fit_steps, sgd
from .reference.logistic import check_binary_data, check_class_data
from .reference.optim import DescentResult, check_descent_args


def logistic_model(n_features: int, *, l2: float = 0.0, n_classes: int = 2):
    """Logistic (``n_classes=2``: ``Dense(1, sigmoid)``) or softmax regression
    (``Dense(n_classes, softmax)``) with ``L2(l2)`` on the kernel, all weights starting at 0.

    Parameters
    ----------
    n_features : int
    l2 : float, default 0.0
        ``λ₂ >= 0`` (the bias is not penalised).
    n_classes : int, default 2

    Returns
    -------
    keras.Model
        Maps ``(n_samples, n_features)`` to probabilities ``(n_samples, 1)`` (binary) or
        ``(n_samples, n_classes)``.
    """
    import keras

    n_features = check_positive_int(n_features, "n_features")
    n_classes = check_positive_int(n_classes, "n_classes", minimum=2)
    l2 = check_positive(l2, "l2", allow_zero=True)
    units, activation = (1, "sigmoid") if n_classes == 2 else (n_classes, "softmax")
    return keras.Sequential(
        [
            keras.Input((n_features,)),
            keras.layers.Dense(
                units,
                activation=activation,
                kernel_initializer="zeros",  # the convex problem has one optimum: start at 0
                kernel_regularizer=keras.regularizers.L2(l2) if l2 else None,
                name="logistic",
            ),
        ]
    )


def fit_sgd(
    X,
    y,
    *,
    lr: float = 0.5,
    epochs: int = 100,
    batch_size: int | None = None,
    l2: float = 0.0,
    n_classes: int = 2,
    momentum: float = 0.0,
    shuffle: bool = True,
    verbose: int = 0,
) -> DescentResult:
    """Train :func:`logistic_model` with ``SGD(lr, momentum)`` and ``fit`` on cross-entropy.

    Binary (``n_classes=2``): ``binary_crossentropy`` on ``Dense(1, sigmoid)``, labels 0/1.
    Multinomial: ``sparse_categorical_crossentropy`` on ``Dense(K, softmax)``. From zero
    weights, full-batch plain SGD takes the steps of the NumPy reference's
    ``gradient_descent`` / ``softmax_gradient_descent`` up to float32 rounding.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    lr : float, default 0.5
    epochs : int, default 100
    batch_size : int or None, default None
        ``None`` is the full batch.
    l2 : float, default 0.0
    n_classes : int, default 2
    momentum : float, default 0.0
        ``keras.optimizers.SGD`` momentum; with the full batch, 0.9 reaches the optimum in
        far fewer steps on ill-conditioned data (breast_cancer).
    shuffle : bool, default True
    verbose : int, default 0

    Returns
    -------
    DescentResult
        ``w`` of shape (n_features,) and float ``b`` (binary) or ``W`` (n_features, K) and
        ``b`` (K,); ``history`` is ``fit``'s loss (see :func:`mlfoundations.optim.fit_steps`).
    """

    if n_classes == 2:
        X, y = check_binary_data(X, y)
        loss = "binary_crossentropy"
        targets = y.reshape(-1, 1)
    else:
        X, y, n_classes = check_class_data(X, y, n_classes)
        loss = "sparse_categorical_crossentropy"
        targets = y.astype("float32")
    n, d = X.shape
    lr, epochs, batch_size = check_descent_args(lr, epochs, batch_size, n)
    model = logistic_model(d, l2=l2, n_classes=n_classes)
    model.compile(optimizer=sgd(lr, momentum=momentum), loss=loss)
    losses = fit_steps(model, X, targets, epochs=epochs, batch_size=batch_size,
                       shuffle=shuffle, verbose=verbose)  # fmt: skip
    W, b = coefficients(model)
    steps = epochs * -(-n // batch_size)
    return DescentResult(W, b, np.array(losses), None, not np.all(np.isfinite(losses)), steps)


def coefficients(model) -> tuple[np.ndarray, float | np.ndarray]:
    """``(w, b)`` of a :func:`logistic_model` as NumPy: ``w`` (n_features,) and a float for
    the binary model, ``W`` (n_features, K) and ``b`` (K,) for softmax regression."""
    kernel, bias = model.layers[-1].get_weights()
    kernel, bias = kernel.astype(np.float64), bias.astype(np.float64)
    if kernel.shape[1] == 1:
        return kernel[:, 0], float(bias[0])
    return kernel, bias
