"""k-nearest neighbours written out in NumPy (chapter 2).

The ground truth for what scikit-learn's ``KNeighborsClassifier`` computes, so chapter 2
can check the textbook description ("the majority label of the k nearest points")
against the library, prediction for prediction.

    from mlfoundations.reference import neighbors
    neighbors.knn_predict(X_train, y_train, X, k=5)

One-sided module: no Keras twin.
"""

from __future__ import annotations

import numpy as np

from ..checks import as_float_array, check_positive_int, check_train_and_query


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
    X_train, y_train, X = check_train_and_query(X_train, y_train, X)
    k = check_positive_int(k, "k")
    if k > len(X_train):
        raise ValueError(f"k must be <= the number of training samples {len(X_train)}, got {k}")
    classes, y_index = np.unique(y_train, return_inverse=True)
    D = pairwise_sq_distances(X, X_train)  # (n, n_train)
    nearest = np.argsort(D, axis=1, kind="stable")[:, :k]  # (n, k)
    votes = np.zeros((len(X), len(classes)), dtype=np.int64)  # (n, C)
    np.add.at(votes, (np.arange(len(X))[:, None], y_index[nearest]), 1)
    return classes[np.argmax(votes, axis=1)]
