"""Entropy, information gain and the best split of a decision tree, in NumPy.

A classification tree grows by asking, at each node, the one yes/no question
``x_j <= t`` that makes the labels in the two children as pure as possible. "Pure" is
measured by an impurity; with entropy as the impurity, the drop is called the
*information gain*. Chapter 2 (classical baselines) computes the first split of a tree by
hand with these functions and checks it against scikit-learn's
``DecisionTreeClassifier(criterion="entropy")``, whose node impurities are in bits
(base-2 logarithms).

    from mlfoundations.reference import trees
    trees.entropy([0, 0, 1, 1])                      # 1.0 bit
    trees.best_feature_split(X, y)                   # BestSplit(feature, threshold, gain)
"""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import numpy as np

from ..checks import as_float_array, check_choice, check_same_length

CRITERIA = ("entropy", "gini")
"""Impurities :func:`impurity_decrease` and :func:`best_split` accept."""


class BestSplit(NamedTuple):
    """The question ``x[feature] <= threshold`` and how much it lowers the impurity."""

    feature: int
    threshold: float
    gain: float


def _labels(y, name: str = "y") -> np.ndarray:
    """Check ``y`` is a non-empty 1-D array of class labels and return it."""
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values (no NaN or inf)")
    if arr.dtype.kind not in "biufUS":
        raise TypeError(
            f"{name} must hold class labels (numbers or strings), got dtype {arr.dtype}"
        )
    return arr


def _check_base(base) -> float:
    if isinstance(base, bool) or not isinstance(base, numbers.Real):
        raise TypeError(f"base must be a real number, got {type(base).__name__}")
    base = float(base)
    if not math.isfinite(base) or base <= 0 or base == 1:
        raise ValueError(f"base must be a finite number > 0 and != 1, got {base}")
    return base


def class_proportions(y) -> np.ndarray:
    r"""Fraction of samples in each class present in ``y``.

    $$p_k = \frac{n_k}{n}$$

    Parameters
    ----------
    y : array_like of shape (n_samples,)
        Class labels (integers or strings).

    Returns
    -------
    p : ndarray of shape (n_classes_present,)
        Proportions in the order of the sorted labels; they sum to 1.
    """
    y = _labels(y)
    _, counts = np.unique(y, return_counts=True)
    return counts / counts.sum()


def entropy(y, *, base: float = 2.0) -> float:
    r"""Shannon entropy of the label distribution in ``y``.

    $$H(y) = -\sum_k p_k \log_b p_k$$

    with $p_k$ the fraction of samples of class $k$ (classes absent from ``y`` add
    nothing, as $p \log p \to 0$). In bits for ``base=2`` (scikit-learn's
    ``criterion="entropy"``), in nats for ``base=math.e`` (Keras' cross-entropy losses).

    Parameters
    ----------
    y : array_like of shape (n_samples,)
        Class labels.
    base : float, default 2
        Base of the logarithm; > 0 and != 1.

    Returns
    -------
    float
        0 for a pure node; $\log_b K$ for $K$ equally frequent classes.
    """
    base = _check_base(base)
    p = class_proportions(y)
    return float(-np.sum(p * np.log(p)) / np.log(base)) + 0.0  # + 0.0 turns -0.0 into 0.0


def gini(y) -> float:
    r"""Gini impurity of the label distribution in ``y`` (scikit-learn's default criterion).

    $$G(y) = 1 - \sum_k p_k^2$$

    The chance that two samples drawn with replacement from the node have different labels.

    Parameters
    ----------
    y : array_like of shape (n_samples,)
        Class labels.

    Returns
    -------
    float
        0 for a pure node; $1 - 1/K$ for $K$ equally frequent classes.
    """
    p = class_proportions(y)
    return float(1.0 - np.sum(p**2))


def _impurity(y: np.ndarray, criterion: str, base: float) -> float:
    return entropy(y, base=base) if criterion == "entropy" else gini(y)


def impurity_decrease(y, left, *, criterion: str = "entropy", base: float = 2.0) -> float:
    r"""How much splitting ``y`` into ``y[left]`` and ``y[~left]`` lowers the impurity.

    $$\Delta I = I(y) - \frac{n_L}{n} I(y_L) - \frac{n_R}{n} I(y_R)$$

    Each child's impurity is weighted by its share of the samples, so a split that peels
    off a handful of pure samples gains little. With ``criterion="entropy"`` this is the
    information gain (:func:`information_gain`).

    Parameters
    ----------
    y : array_like of shape (n_samples,)
        Class labels at the node.
    left : array_like of bool, shape (n_samples,)
        True for the samples sent to the left child.
    criterion : {"entropy", "gini"}, default "entropy"
    base : float, default 2
        Logarithm base for the entropy (ignored for Gini).

    Returns
    -------
    float
        The decrease, >= 0 (0 when a child is empty: nothing was split).
    """
    y = _labels(y)
    check_choice(criterion, "criterion", CRITERIA)
    base = _check_base(base)
    left = np.asarray(left)
    if left.dtype != np.bool_:
        raise TypeError(f"left must be a boolean mask, got dtype {left.dtype}")
    if left.ndim != 1:
        raise ValueError(f"left must be 1-dimensional, got shape {left.shape}")
    check_same_length(y, left, "y", "left")
    n, n_left = len(y), int(left.sum())
    if n_left in (0, n):
        return 0.0
    parent = _impurity(y, criterion, base)
    children = (n_left / n) * _impurity(y[left], criterion, base) + ((n - n_left) / n) * _impurity(
        y[~left], criterion, base
    )
    # Subadditivity makes the true value >= 0; clip rounding noise at zero.
    return max(parent - children, 0.0)


def information_gain(y, left, *, base: float = 2.0) -> float:
    r"""Information gain of the split ``y[left]`` / ``y[~left]``.

    $$IG = H(y) - \frac{n_L}{n} H(y_L) - \frac{n_R}{n} H(y_R)$$

    It equals the mutual information between the label and the side of the split,
    measured on the node's samples. See :func:`impurity_decrease` for the arguments.

    Returns
    -------
    float
        Bits for ``base=2`` (scikit-learn's unit), nats for ``base=math.e``.
    """
    return impurity_decrease(y, left, criterion="entropy", base=base)


def candidate_thresholds(x) -> np.ndarray:
    """Midpoints between consecutive distinct values of one feature.

    Every threshold strictly between two neighbouring values gives the same partition,
    so only these midpoints need trying (scikit-learn uses the same convention).

    Parameters
    ----------
    x : array_like of shape (n_samples,)

    Returns
    -------
    ndarray of shape (n_distinct - 1,)
        Empty if ``x`` takes a single value.
    """
    x = as_float_array(x, "x", ndim=1)
    values = np.unique(x)
    return values[:-1] / 2.0 + values[1:] / 2.0


def best_split(x, y, *, criterion: str = "entropy", base: float = 2.0) -> BestSplit:
    r"""Best threshold on one feature: the ``t`` maximising the impurity decrease of ``x <= t``.

    $$t^\star = \arg\max_t \; \Delta I\big(y;\ x \le t\big)$$

    over the midpoints of :func:`candidate_thresholds`. Ties keep the smallest threshold.

    Parameters
    ----------
    x : array_like of shape (n_samples,)
        One feature.
    y : array_like of shape (n_samples,)
        Class labels.
    criterion : {"entropy", "gini"}, default "entropy"
    base : float, default 2
        Logarithm base for the entropy.

    Returns
    -------
    BestSplit
        ``feature`` is 0; ``threshold`` is NaN and ``gain`` 0 if ``x`` is constant.
    """
    x = as_float_array(x, "x", ndim=1)
    y = _labels(y)
    check_same_length(x, y, "x", "y")
    check_choice(criterion, "criterion", CRITERIA)
    base = _check_base(base)
    best = BestSplit(0, float("nan"), 0.0)
    for t in candidate_thresholds(x):
        gain = impurity_decrease(y, x <= t, criterion=criterion, base=base)
        if gain > best.gain:
            best = BestSplit(0, float(t), gain)
    return best


def best_feature_split(X, y, *, criterion: str = "entropy", base: float = 2.0) -> BestSplit:
    r"""The root split of a decision tree: the best :func:`best_split` over all features.

    $$(j^\star, t^\star) = \arg\max_{j,\,t} \; \Delta I\big(y;\ X_{:,j} \le t\big)$$

    Ties between features keep the lowest feature index. (scikit-learn breaks such ties
    by visiting the features in a random order, set by ``random_state``.)

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of shape (n_samples,)
        Class labels.
    criterion : {"entropy", "gini"}, default "entropy"
    base : float, default 2
        Logarithm base for the entropy.

    Returns
    -------
    BestSplit
        ``feature``, ``threshold`` and ``gain`` of the best question ``X[:, feature] <= threshold``.
    """
    X = as_float_array(X, "X", ndim=2)
    y = _labels(y)
    check_same_length(X, y, "X", "y")
    check_choice(criterion, "criterion", CRITERIA)
    best = BestSplit(0, float("nan"), 0.0)
    for j in range(X.shape[1]):
        split = best_split(X[:, j], y, criterion=criterion, base=base)
        if split.gain > best.gain:
            best = BestSplit(j, split.threshold, split.gain)
    return best
