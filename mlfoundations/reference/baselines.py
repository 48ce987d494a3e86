"""Two classical classifiers written out in NumPy: k-nearest neighbours and Gaussian naive Bayes.

They are the ground truth for what scikit-learn's ``KNeighborsClassifier`` and
``GaussianNB`` compute, so chapter 2 can check the textbook descriptions ("the majority
label of the k nearest points", "Bayes' theorem with independent features") against the
library, number for number.

    from mlfoundations.reference import baselines as ref
    ref.knn_predict(X_train, y_train, X, k=5)
    ref.gaussian_nb_predict_proba(X_train, y_train, X)
"""

from __future__ import annotations

import numpy as np

from ..checks import as_float_array, check_positive, check_positive_int, check_same_length


def _labels(y, name: str = "y_train") -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got shape {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"{name} must hold integer class labels, got dtype {y.dtype}")
    return y


def _train_and_query(X_train, y_train, X):
    X_train = as_float_array(X_train, "X_train", ndim=2)
    y_train = _labels(y_train)
    check_same_length(X_train, y_train, "X_train", "y_train")
    X = as_float_array(X, "X", ndim=2)
    if X.shape[1] != X_train.shape[1]:
        raise ValueError(
            f"X must have {X_train.shape[1]} features like X_train, got shape {X.shape}"
        )
    return X_train, y_train, X


def pairwise_sq_distances(A, B) -> np.ndarray:
    r"""Squared Euclidean distances between the rows of ``A`` and ``B``.

    $$D_{ij} = \lVert a_i - b_j \rVert^2$$

    Parameters
    ----------
    A : ndarray of shape (n_a, n_features)
    B : ndarray of shape (n_b, n_features)

    Returns
    -------
    D : ndarray of shape (n_a, n_b)
    """
    A = as_float_array(A, "A", ndim=2)
    B = as_float_array(B, "B", ndim=2)
    diff = A[:, None, :] - B[None, :, :]  # (n_a, n_b, F)
    return np.sum(diff**2, axis=-1)


def knn_predict(X_train, y_train, X, *, k: int = 5) -> np.ndarray:
    r"""k-nearest-neighbour classification: the most common label among the k closest points.

    $$\hat y(x) = \arg\max_c \sum_{i \in N_k(x)} [y_i = c]$$

    where $N_k(x)$ holds the $k$ training points nearest to $x$ (Euclidean distance).
    A tied vote goes to the smallest label, as in scikit-learn.

    Parameters
    ----------
    X_train : ndarray of shape (n_train, n_features)
    y_train : ndarray of int, shape (n_train,)
    X : ndarray of shape (n, n_features)
        Points to classify.
    k : int, default 5
        Number of neighbours; at most ``n_train``.

    Returns
    -------
    y_pred : ndarray of int, shape (n,)
    """
    X_train, y_train, X = _train_and_query(X_train, y_train, X)
    k = check_positive_int(k, "k")
    if k > len(X_train):
        raise ValueError(f"k must be <= the number of training samples {len(X_train)}, got {k}")
    classes, y_index = np.unique(y_train, return_inverse=True)
    D = pairwise_sq_distances(X, X_train)  # (n, n_train)
    nearest = np.argsort(D, axis=1, kind="stable")[:, :k]  # (n, k)
    votes = np.zeros((len(X), len(classes)), dtype=np.int64)  # (n, C)
    np.add.at(votes, (np.arange(len(X))[:, None], y_index[nearest]), 1)
    return classes[np.argmax(votes, axis=1)]


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
    X_train, y_train, X = _train_and_query(X_train, y_train, X)
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

    computed as a softmax of :func:`gaussian_nb_log_joint` (subtracting the row maximum
    first, so tiny likelihoods do not underflow to 0/0).

    Returns
    -------
    ndarray of shape (n, n_classes)
        Rows sum to 1; columns in the order of the sorted class labels.
    """
    log_joint = gaussian_nb_log_joint(X_train, y_train, X, var_smoothing=var_smoothing)
    shifted = log_joint - log_joint.max(axis=1, keepdims=True)  # (n, C)
    p = np.exp(shifted)
    return p / p.sum(axis=1, keepdims=True)
