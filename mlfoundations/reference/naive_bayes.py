"""Gaussian naive Bayes written out in NumPy (chapter 2).

The ground truth for what scikit-learn's ``GaussianNB`` computes, so chapter 2 can check
the textbook description ("Bayes' theorem with independent features") against the
library, number for number.

    from mlfoundations.reference import naive_bayes
    naive_bayes.gaussian_nb_predict_proba(X_train, y_train, X)

One-sided module: no Keras twin.
"""

from __future__ import annotations

import numpy as np

from ..checks import check_positive, check_train_and_query
from .activations import softmax


def gaussian_nb_log_joint(X_train, y_train, X, *, var_smoothing: float = 1e-9) -> np.ndarray:
    r"""Log of prior times likelihood under Gaussian naive Bayes, per class.

    $$\log p(c) + \sum_j \log \mathcal N\big(x_j;\ \mu_{cj},\ \sigma^2_{cj}\big)$$

    The sum over features is the "naive" part: the features are treated as independent
    given the class. $p(c)$ is the class's share of the training set; $\mu_{cj}$ and
    $\sigma^2_{cj}$ are the mean and (population) variance of feature $j$ in class $c$,
    plus ``var_smoothing`` times the largest feature variance (scikit-learn's guard
    against a zero variance).

    Parameters
    ----------
    X_train : ndarray of shape (n_train, n_features)
    y_train : ndarray of int, shape (n_train,)
    X : ndarray of shape (n, n_features)
    var_smoothing : float, default 1e-9

    Returns
    -------
    ndarray of shape (n, n_classes)
        Columns in the order of the sorted class labels.
    """
    X_train, y_train, X = check_train_and_query(X_train, y_train, X)
    var_smoothing = check_positive(var_smoothing, "var_smoothing", allow_zero=True)
    classes = np.unique(y_train)
    epsilon = var_smoothing * np.var(X_train, axis=0).max()
    log_joint = np.empty((len(X), len(classes)))
    for c, label in enumerate(classes):
        X_c = X_train[y_train == label]
        mu = X_c.mean(axis=0)  # (F,)
        var = X_c.var(axis=0) + epsilon  # (F,)
        log_prior = np.log(len(X_c) / len(X_train))
        log_likelihood = -0.5 * np.sum(np.log(2.0 * np.pi * var) + (X - mu) ** 2 / var, axis=1)
        log_joint[:, c] = log_prior + log_likelihood
    return log_joint


def gaussian_nb_predict_proba(X_train, y_train, X, *, var_smoothing: float = 1e-9) -> np.ndarray:
    r"""Posterior class probabilities of Gaussian naive Bayes, by Bayes' theorem.

    $$p(c \mid x) = \frac{p(c) \prod_j p(x_j \mid c)}{\sum_{c'} p(c') \prod_j p(x_j \mid c')}$$

    computed as a softmax of :func:`gaussian_nb_log_joint` (which subtracts the row
    maximum first, so tiny likelihoods do not underflow to 0/0).

    Returns
    -------
    ndarray of shape (n, n_classes)
        Rows sum to 1; columns in the order of the sorted class labels.
    """
    log_joint = gaussian_nb_log_joint(X_train, y_train, X, var_smoothing=var_smoothing)
    return softmax(log_joint, axis=1)  # (n, C)
