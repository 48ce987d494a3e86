"""Evaluation metrics in NumPy (chapter 11).

The classification, ranking, probability and regression metrics use scikit-learn's names,
signatures and conventions (``average``, ``pos_label``, ``zero_division``, the same warnings
and errors), so either can replace the other; the tests check them against scikit-learn on
random inputs. Beyond scikit-learn:

* :func:`perplexity` -- :math:`e^{\\mathrm{CE}}` with the cross-entropy in nats (or
  :math:`b^{\\mathrm{CE}}` with it measured in base :math:`b`), per token or per character /
  byte, so models with different tokenizers can be compared;
* :func:`expected_calibration_error` and :func:`reliability_bins` -- calibration with the bins
  and their counts stated;
* :func:`fit_temperature` -- temperature scaling fitted on a validation split;
* :func:`wilson_interval` and :func:`bootstrap_interval` -- how uncertain a score is;
* :func:`corpus_bleu` -- BLEU with its n-gram precisions and brevity penalty.

One-sided names (no twin in :mod:`mlfoundations.metrics`): the scikit-learn metrics
(``*_score``, ``*_curve``, ``*_loss``, ``*_error``, ``auc``, ``confusion_matrix``,
``precision_recall_fscore_support``), since ``keras.metrics`` has its own accuracy, precision,
recall, F1, AUC and regression errors (chapter 11 checks them against these); the helpers
above, which work on a finished set of predictions; and the result and warning types
``ReliabilityBins``, ``BleuScore`` and ``UndefinedMetricWarning``. The Keras side's streaming
``Perplexity`` and ``ExpectedCalibrationError`` equal :func:`perplexity` and
:func:`expected_calibration_error`.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..checks import (
    as_float_array,
    check_choice,
    check_positive,
    check_positive_int,
    check_seed,
)
from . import losses

__all__ = [
    "UndefinedMetricWarning",
    "accuracy_score",
    "confusion_matrix",
    "precision_recall_fscore_support",
    "precision_score",
    "recall_score",
    "f1_score",
    "fbeta_score",
    "roc_curve",
    "roc_auc_score",
    "auc",
    "precision_recall_curve",
    "average_precision_score",
    "log_loss",
    "brier_score_loss",
    "mean_squared_error",
    "mean_absolute_error",
    "r2_score",
    "top_k_accuracy_score",
    "calibration_curve",
    "reliability_bins",
    "expected_calibration_error",
    "fit_temperature",
    "perplexity",
    "wilson_interval",
    "bootstrap_interval",
    "corpus_bleu",
]


class UndefinedMetricWarning(UserWarning):
    """A metric is ill-defined on this input (scikit-learn's warning of the same name)."""


# --------------------------------------------------------------------------- labels


def _labels_1d(y, name: str) -> np.ndarray:
    """``y`` as a 1-D array of labels (a column vector is squeezed, as scikit-learn does)."""
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of labels, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if arr.dtype == object:
        kinds = {isinstance(v, str) for v in arr}
        if len(kinds) > 1:
            raise ValueError(f"{name} mixes string and number labels")
        try:
            arr = arr.astype(str) if kinds == {True} else arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must hold numbers or strings as labels") from exc
    if arr.dtype.kind == "c":
        raise TypeError(f"{name} must hold real labels, got complex dtype {arr.dtype}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must contain only finite values (no NaN or inf)")
        if np.any(arr != np.round(arr)):
            raise ValueError(
                f"{name} holds continuous values: classification metrics need class labels"
            )
    return arr


def _check_targets(y_true, y_pred) -> tuple[str, np.ndarray, np.ndarray, np.ndarray]:
    """Validate a pair of label vectors; return (type, sorted labels, y_true, y_pred).

    The type is ``"binary"`` when at most two distinct labels occur in both together,
    ``"multiclass"`` otherwise (scikit-learn's ``type_of_target`` rule).
    """
    y_true = _labels_1d(y_true, "y_true")
    y_pred = _labels_1d(y_pred, "y_pred")
    if len(y_true) != len(y_pred):
        raise ValueError(
            f"y_true and y_pred must have the same number of samples, "
            f"got {len(y_true)} and {len(y_pred)}"
        )
    if (y_true.dtype.kind in "US") != (y_pred.dtype.kind in "US"):
        raise ValueError("Mix of label input types (string and number) in y_true and y_pred")
    labels = np.union1d(y_true, y_pred)
    return ("binary" if len(labels) <= 2 else "multiclass"), labels, y_true, y_pred


def _check_weights(sample_weight, n: int) -> np.ndarray | None:
    if sample_weight is None:
        return None
    w = as_float_array(sample_weight, "sample_weight", ndim=1)
    if len(w) != n:
        raise ValueError(f"sample_weight must have {n} entries, got {len(w)}")
    if np.any(w < 0):
        raise ValueError("sample_weight must be non-negative")
    return w


def _mean(values: np.ndarray, weights: np.ndarray | None, normalize: bool = True) -> float:
    if not normalize:
        return float(np.sum(values) if weights is None else np.dot(values, weights))
    if weights is not None and weights.sum() == 0:
        raise ValueError("sample_weight sums to zero: the weighted mean is undefined")
    return float(np.average(values, weights=weights))


def _pos_label_for_scores(y_true: np.ndarray, pos_label):
    """scikit-learn's rule: ``pos_label`` may be omitted only for labels in {0, 1} or {-1, 1}."""
    if pos_label is not None:
        return pos_label
    classes = np.unique(y_true)
    numeric = classes.dtype.kind not in "US"
    allowed = [{0, 1}, {-1, 1}, {0}, {-1}, {1}]
    if not numeric or len(classes) > 2 or set(classes.tolist()) not in allowed:
        shown = ", ".join(repr(c) for c in classes.tolist())
        raise ValueError(
            f"y_true takes value in {{{shown}}} and pos_label is not specified: either make "
            "y_true take value in {0, 1} or {-1, 1} or pass pos_label explicitly."
        )
    return 1


# --------------------------------------------------------------------------- counting


def accuracy_score(y_true, y_pred, *, normalize=True, sample_weight=None) -> float:
    """Fraction (or number, ``normalize=False``) of exact matches, :math:`\\frac1n\\sum_i
    [\\hat y_i = y_i]`.

    Parameters
    ----------
    y_true, y_pred : array_like of shape (n_samples,)
        Labels (integers or strings).
    normalize : bool, default True
        Return the fraction; ``False`` returns the count.
    sample_weight : array_like of shape (n_samples,), optional

    Returns
    -------
    float
        Chapter 11.
    """
    _, _, y_true, y_pred = _check_targets(y_true, y_pred)
    w = _check_weights(sample_weight, len(y_true))
    return _mean((y_true == y_pred).astype(np.float64), w, normalize)


def confusion_matrix(y_true, y_pred, *, labels=None, sample_weight=None, normalize=None):
    """Counts ``C[i, j]`` of samples with true label ``labels[i]`` predicted as ``labels[j]``.

    Parameters
    ----------
    y_true, y_pred : array_like of shape (n_samples,)
    labels : array_like of shape (n_classes,), optional
        Row/column order; default: the sorted labels present in either input. Samples whose
        labels are not listed are left out.
    sample_weight : array_like of shape (n_samples,), optional
    normalize : {None, "true", "pred", "all"}
        Divide by row sums (recall per class), column sums (precision) or the total.

    Returns
    -------
    ndarray of shape (n_classes, n_classes)
        Integer counts, or floats when weighted or normalised. Chapter 11.
    """
    check_choice(normalize, "normalize", (None, "true", "pred", "all"))
    _, present, y_true, y_pred = _check_targets(y_true, y_pred)
    w = _check_weights(sample_weight, len(y_true))
    if labels is None:
        labels = present
    else:
        labels = np.asarray(labels)
        if labels.size == 0:
            raise ValueError("'labels' should contain at least one label.")
        if len(np.intersect1d(y_true, labels)) == 0:
            raise ValueError("At least one label specified must be in y_true")
    k = len(labels)
    index = {label: i for i, label in enumerate(labels.tolist())}
    rows = np.array([index.get(v, -1) for v in y_true.tolist()])
    cols = np.array([index.get(v, -1) for v in y_pred.tolist()])
    keep = (rows >= 0) & (cols >= 0)
    weights = np.ones(len(rows), np.int64) if w is None else w
    cm = np.zeros((k, k), dtype=np.int64 if w is None else np.float64)
    np.add.at(cm, (rows[keep], cols[keep]), weights[keep])
    if normalize is not None:
        with np.errstate(all="ignore"):
            if normalize == "true":
                cm = cm / cm.sum(axis=1, keepdims=True)
            elif normalize == "pred":
                cm = cm / cm.sum(axis=0, keepdims=True)
            else:
                cm = cm / cm.sum()
        cm = np.nan_to_num(cm)
    if cm.shape == (1, 1):
        warnings.warn(
            "A single label was found in 'y_true' and 'y_pred'. For the confusion matrix to "
            "have the correct shape, use the 'labels' parameter to pass all known labels.",
            UserWarning,
            stacklevel=2,
        )
    return cm


def _zero_division_value(zero_division) -> float:
    if isinstance(zero_division, str):
        if zero_division != "warn":
            raise ValueError(f"zero_division must be 'warn', 0, 1 or nan, got {zero_division!r}")
        return 0.0
    if isinstance(zero_division, numbers.Real) and not isinstance(zero_division, bool):
        if zero_division in (0, 1):
            return float(zero_division)
        if math.isnan(zero_division):
            return math.nan
    raise ValueError(f"zero_division must be 'warn', 0, 1 or nan, got {zero_division!r}")


def _divide(numerator, denominator, metric, modifier, average, warn_for, zero_division):
    """``numerator / denominator``, with ``zero_division`` where the denominator is 0."""
    numerator = np.asarray(numerator, np.float64)
    denominator = np.asarray(denominator, np.float64)
    mask = denominator == 0
    result = numerator / np.where(mask, 1.0, denominator)
    if not mask.any():
        return result
    result[mask] = _zero_division_value(zero_division)
    if zero_division == "warn" and metric in warn_for:
        where = "due to" if result.shape[0] == 1 else "in labels with"
        warnings.warn(
            f"{metric.capitalize()} is ill-defined and being set to 0.0 {where} no {modifier} "
            "samples. Use `zero_division` parameter to control this behavior.",
            UndefinedMetricWarning,
            stacklevel=4,
        )
    return result


def _set_wise_labels(y_true, y_pred, average, labels, pos_label):
    averages = (None, "micro", "macro", "weighted")
    if average not in averages and average != "binary":
        raise ValueError(f"average has to be one of {averages} or 'binary', got {average!r}")
    y_type, present, y_true, y_pred = _check_targets(y_true, y_pred)
    if average == "binary":
        if y_type != "binary":
            raise ValueError(
                f"Target is multiclass but average='binary'. Please choose another average "
                f"setting, one of {list(averages)}."
            )
        if pos_label not in present.tolist() and len(present) >= 2:
            raise ValueError(
                f"pos_label={pos_label!r} is not a valid label. It should be one of {present}"
            )
        labels = [pos_label]
    elif pos_label not in (None, 1):
        warnings.warn(
            f"Note that pos_label (set to {pos_label!r}) is ignored when average != 'binary' "
            f"(got {average!r}). You may use labels=[pos_label] to specify a single positive "
            "class.",
            UserWarning,
            stacklevel=3,
        )
    return (present if labels is None else np.asarray(labels)), y_true, y_pred


def _nanaverage(values: np.ndarray, weights) -> float:
    mask = np.isnan(values)
    if values.size == 0 or mask.all():
        return math.nan
    if weights is None:
        return float(np.mean(values[~mask]))
    values, weights = values[~mask], np.asarray(weights, np.float64)[~mask]
    if weights.sum() == 0:
        return float(np.mean(values))
    return float(np.average(values, weights=weights))


def precision_recall_fscore_support(
    y_true,
    y_pred,
    *,
    beta=1.0,
    labels=None,
    pos_label=1,
    average=None,
    warn_for=("precision", "recall", "f-score"),
    sample_weight=None,
    zero_division="warn",
):
    """Precision, recall, F-beta and support, per class or averaged.

    For one class with ``tp`` true positives, ``fp`` false positives, ``fn`` false negatives:

    .. math::

        P = \\frac{tp}{tp + fp}, \\quad R = \\frac{tp}{tp + fn}, \\quad
        F_\\beta = \\frac{(1 + \\beta^2)\\, tp}{(1 + \\beta^2)\\, tp + \\beta^2 fn + fp}.

    Parameters
    ----------
    y_true, y_pred : array_like of shape (n_samples,)
    beta : float, default 1
        Weight of recall: :math:`F_\\beta` counts recall :math:`\\beta` times as much as precision.
    labels : array_like, optional
        Classes to score (default: all present).
    pos_label : int or str, default 1
        The positive class when ``average="binary"``.
    average : {None, "binary", "micro", "macro", "weighted"}
        ``None``: per-class arrays. ``"micro"``: pool the counts. ``"macro"``: plain mean over
        classes. ``"weighted"``: mean weighted by support.
    warn_for : tuple of str
        Which ill-defined metrics warn.
    sample_weight : array_like of shape (n_samples,), optional
    zero_division : {"warn", 0, 1, nan}
        Value for 0/0 (``"warn"``: 0 with an :class:`UndefinedMetricWarning`).

    Returns
    -------
    precision, recall, fbeta : float or ndarray of shape (n_labels,)
    support : ndarray of shape (n_labels,) or None
        Chapter 11.
    """
    _zero_division_value(zero_division)
    if isinstance(beta, bool) or not isinstance(beta, numbers.Real):
        raise TypeError(f"beta must be a real number >= 0, got {beta!r}")
    if not (math.isfinite(beta) and beta >= 0):
        raise ValueError(f"beta must be a finite number >= 0, got {beta!r}")
    labels, y_true, y_pred = _set_wise_labels(y_true, y_pred, average, labels, pos_label)
    w = _check_weights(sample_weight, len(y_true))
    w = np.ones(len(y_true)) if w is None else w
    hit = y_true == y_pred
    tp = np.array([w[hit & (y_true == c)].sum() for c in labels.tolist()])
    pred_sum = np.array([w[y_pred == c].sum() for c in labels.tolist()])
    true_sum = np.array([w[y_true == c].sum() for c in labels.tolist()])
    if average == "micro":
        tp, pred_sum, true_sum = (
            tp.sum(keepdims=True),
            pred_sum.sum(keepdims=True),
            true_sum.sum(keepdims=True),
        )
    args = (average, warn_for, zero_division)
    precision = _divide(tp, pred_sum, "precision", "predicted", *args)
    recall = _divide(tp, true_sum, "recall", "true", *args)
    if np.isposinf(beta):
        f = recall
    elif beta == 0:
        f = precision
    else:
        b2 = beta**2
        f = _divide((1 + b2) * tp, b2 * true_sum + pred_sum, "f-score", "true nor predicted", *args)
    if average is None:
        return precision, recall, f, true_sum
    weights = true_sum if average == "weighted" else None
    return (
        _nanaverage(precision, weights),
        _nanaverage(recall, weights),
        _nanaverage(f, weights),
        None,
    )


def fbeta_score(
    y_true,
    y_pred,
    *,
    beta,
    labels=None,
    pos_label=1,
    average="binary",
    sample_weight=None,
    zero_division="warn",
):
    """:math:`F_\\beta`; see :func:`precision_recall_fscore_support` (chapter 11)."""
    _, _, f, _ = precision_recall_fscore_support(
        y_true, y_pred, beta=beta, labels=labels, pos_label=pos_label, average=average,
        warn_for=("f-score",), sample_weight=sample_weight, zero_division=zero_division,
    )  # fmt: skip
    return f


def f1_score(
    y_true,
    y_pred,
    *,
    labels=None,
    pos_label=1,
    average="binary",
    sample_weight=None,
    zero_division="warn",
):
    """F1, the harmonic mean of precision and recall: :math:`2PR/(P + R)` (chapter 11)."""
    return fbeta_score(
        y_true, y_pred, beta=1.0, labels=labels, pos_label=pos_label, average=average,
        sample_weight=sample_weight, zero_division=zero_division,
    )  # fmt: skip


def precision_score(
    y_true,
    y_pred,
    *,
    labels=None,
    pos_label=1,
    average="binary",
    sample_weight=None,
    zero_division="warn",
):
    """Precision :math:`tp/(tp + fp)`: of the predicted positives, how many are right (ch. 11)."""
    p, _, _, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, pos_label=pos_label, average=average,
        warn_for=("precision",), sample_weight=sample_weight, zero_division=zero_division,
    )  # fmt: skip
    return p


def recall_score(
    y_true,
    y_pred,
    *,
    labels=None,
    pos_label=1,
    average="binary",
    sample_weight=None,
    zero_division="warn",
):
    """Recall :math:`tp/(tp + fn)`: of the true positives, how many were found (chapter 11)."""
    _, r, _, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, pos_label=pos_label, average=average,
        warn_for=("recall",), sample_weight=sample_weight, zero_division=zero_division,
    )  # fmt: skip
    return r


# --------------------------------------------------------------------------- ranking


def _scores_1d(y_score, name: str = "y_score") -> np.ndarray:
    arr = as_float_array(y_score, name, ndim=(1, 2))
    if arr.ndim == 2:
        if arr.shape[1] != 1:
            raise ValueError(f"{name} must be 1-D scores for a binary task, got {arr.shape}")
        arr = arr[:, 0]
    return arr


def _binary_truth(y_true, pos_label) -> np.ndarray:
    y_true = _labels_1d(y_true, "y_true")
    if len(np.unique(y_true)) > 2 and pos_label is None:
        raise ValueError("multiclass format is not supported: y_true must be binary")
    pos_label = _pos_label_for_scores(y_true, pos_label)
    return (y_true == pos_label).astype(np.float64)


def _counts_at_thresholds(y_true, y_score, pos_label, sample_weight):
    """False and true positives when predicting positive for score >= each distinct score."""
    y = _binary_truth(y_true, pos_label)
    s = _scores_1d(y_score)
    if len(y) != len(s):
        raise ValueError(
            f"y_true and y_score must have the same number of samples, got {len(y)} and {len(s)}"
        )
    w = _check_weights(sample_weight, len(y))
    if w is not None:
        keep = w != 0
        if not keep.any():
            raise ValueError("sample_weight is zero for every sample: nothing to rank")
        y, s, w = y[keep], s[keep], w[keep]
    order = np.argsort(-s, kind="stable")  # descending scores, ties keep input order
    y, s = y[order], s[order]
    w = np.ones_like(y) if w is None else w[order]
    last_of_each_score = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]
    tps = np.cumsum(y * w)[last_of_each_score]
    fps = np.cumsum((1 - y) * w)[last_of_each_score]
    return fps, tps, s[last_of_each_score]


def roc_curve(y_true, y_score, *, pos_label=None, sample_weight=None, drop_intermediate=True):
    """Receiver operating characteristic: false- and true-positive rates per threshold.

    Predict positive when ``score >= threshold``; ``fpr = fp / negatives``,
    ``tpr = tp / positives``. The first threshold is ``inf`` (nothing predicted positive).

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        Binary labels; ``pos_label`` is needed unless they are {0, 1} or {-1, 1}.
    y_score : array_like of shape (n_samples,)
        Scores or probabilities of the positive class.
    pos_label : int or str, optional
    sample_weight : array_like of shape (n_samples,), optional
    drop_intermediate : bool, default True
        Drop thresholds on straight segments (they change no area).

    Returns
    -------
    fpr, tpr, thresholds : ndarray of shape (n_thresholds,)
        Chapter 11.
    """
    fps, tps, thresholds = _counts_at_thresholds(y_true, y_score, pos_label, sample_weight)
    if drop_intermediate and len(fps) > 2:
        corner = np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True]
        fps, tps, thresholds = fps[corner], tps[corner], thresholds[corner]
    fps, tps = np.r_[0.0, fps], np.r_[0.0, tps]
    thresholds = np.r_[np.inf, thresholds]
    if fps[-1] <= 0:
        warnings.warn(
            "No negative samples in y_true, false positive value should be meaningless",
            UndefinedMetricWarning,
            stacklevel=2,
        )
        fpr = np.full(fps.shape, np.nan)
    else:
        fpr = fps / fps[-1]
    if tps[-1] <= 0:
        warnings.warn(
            "No positive samples in y_true, true positive value should be meaningless",
            UndefinedMetricWarning,
            stacklevel=2,
        )
        tpr = np.full(tps.shape, np.nan)
    else:
        tpr = tps / tps[-1]
    return fpr, tpr, thresholds


def auc(x, y) -> float:
    """Area under a curve given by points ``(x, y)`` with monotonic ``x`` (trapezoid rule)."""
    x = as_float_array(x, "x", ndim=1)
    y = as_float_array(y, "y", ndim=1)
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}")
    if len(x) < 2:
        raise ValueError(f"At least 2 points are needed to compute area under curve, got {len(x)}")
    dx = np.diff(x)
    if np.any(dx < 0) and not np.all(dx <= 0):
        raise ValueError(f"x is neither increasing nor decreasing: {x}")
    return _trapezoid(x, y)


def _trapezoid(x: np.ndarray, y: np.ndarray) -> float:
    """Unsigned trapezoid area for monotonic ``x`` (NaN in, NaN out)."""
    dx = np.diff(x)
    direction = -1.0 if np.any(dx < 0) else 1.0
    return float(direction * np.sum(dx * (y[1:] + y[:-1]) / 2))


def roc_auc_score(y_true, y_score, *, average="macro", sample_weight=None, multi_class="raise",
                  labels=None) -> float:  # fmt: skip
    """Area under the ROC curve: the probability that a random positive scores above a random
    negative (ties count one half).

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        Binary labels (the larger label is the positive class), or multiclass labels.
    y_score : array_like of shape (n_samples,) or (n_samples, n_classes)
        Scores of the positive class; for multiclass, probabilities per class.
    average : {"macro", "weighted"}
        How one-vs-rest AUCs are averaged (multiclass only).
    sample_weight : array_like of shape (n_samples,), optional
    multi_class : {"raise", "ovr"}
        Multiclass targets need ``"ovr"`` (one-vs-rest).
    labels : array_like, optional
        Classes in the column order of ``y_score`` (multiclass).

    Returns
    -------
    float
        ``nan`` with an :class:`UndefinedMetricWarning` when ``y_true`` holds one class.
        Chapter 11.
    """
    y = _labels_1d(y_true, "y_true")
    score = as_float_array(y_score, "y_score", ndim=(1, 2))
    if len(y) != len(score):
        raise ValueError(
            f"y_true and y_score must have the same number of samples, "
            f"got {len(y)} and {len(score)}"
        )
    classes = np.unique(y)
    if len(classes) > 2 or (score.ndim == 2 and score.shape[1] > 2):
        check_choice(multi_class, "multi_class", ("raise", "ovr"))
        if multi_class == "raise":
            raise ValueError(
                f"y_true has {len(classes)} classes (or y_score {score.shape[1:]} columns): "
                "multi_class must be in ('ovo', 'ovr')"
            )
        check_choice(average, "average", ("macro", "weighted"))
        classes = classes if labels is None else np.asarray(labels)
        if score.ndim != 2 or score.shape[1] != len(classes):
            raise ValueError(
                f"y_score must have one column per class ({len(classes)}), got {score.shape}"
            )
        if not np.allclose(score.sum(axis=1), 1.0):
            raise ValueError(
                "Target scores need to be probabilities for multiclass roc_auc, i.e. they "
                "should sum up to 1.0 over classes"
            )
        per_class = np.array(
            [_binary_auc(y == c, score[:, j], sample_weight) for j, c in enumerate(classes)]
        )
        support = np.array([np.sum(y == c) for c in classes], np.float64)
        return float(np.average(per_class, weights=support if average == "weighted" else None))
    if len(classes) != 2:
        warnings.warn(
            "Only one class is present in y_true. ROC AUC score is not defined in that case.",
            UndefinedMetricWarning,
            stacklevel=2,
        )
        return math.nan
    return _binary_auc(y == classes[1], _scores_1d(score), sample_weight)


def _binary_auc(is_positive, score, sample_weight) -> float:
    fpr, tpr, _ = roc_curve(is_positive.astype(int), score, sample_weight=sample_weight)
    return _trapezoid(fpr, tpr)


def precision_recall_curve(
    y_true, y_score, *, pos_label=None, sample_weight=None, drop_intermediate=False
):
    """Precision and recall for every threshold, from high recall to low.

    Returns
    -------
    precision, recall : ndarray of shape (n_thresholds + 1,)
        The last point is (recall 0, precision 1) by convention.
    thresholds : ndarray of shape (n_thresholds,)
        Increasing. Chapter 11.
    """
    fps, tps, thresholds = _counts_at_thresholds(y_true, y_score, pos_label, sample_weight)
    if drop_intermediate and len(fps) > 2:
        keep = np.r_[True, np.logical_or(np.diff(tps[:-1]), np.diff(tps[1:])), True]
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    predicted = tps + fps
    precision = np.where(predicted != 0, tps / np.where(predicted != 0, predicted, 1), 0.0)
    if tps[-1] == 0:
        warnings.warn(
            "No positive class found in y_true, recall is set to one for all thresholds.",
            UserWarning,
            stacklevel=2,
        )
        recall = np.ones_like(tps)
    else:
        recall = tps / tps[-1]
    return np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0], thresholds[::-1]


def average_precision_score(y_true, y_score, *, average="macro", pos_label=1, sample_weight=None):
    """Average precision :math:`\\sum_n (R_n - R_{n-1}) P_n`: the step-wise area under the
    precision-recall curve, no interpolation (chapter 11).

    Binary ``y_true`` with 1-D scores, or multiclass labels with one score column per class
    (one-vs-rest, averaged with ``average`` in {"macro", "weighted"}).
    """
    y = _labels_1d(y_true, "y_true")
    present = np.unique(y)
    score = as_float_array(y_score, "y_score", ndim=(1, 2))
    if len(present) > 2:
        if pos_label != 1:
            raise ValueError(
                "Parameter pos_label is fixed to 1 for multiclass y_true. Do not set pos_label "
                "or set pos_label to 1."
            )
        check_choice(average, "average", ("macro", "weighted"))
        if score.shape != (len(y), len(present)):
            raise ValueError(
                "`y_score` needs to be of shape `(n_samples, n_classes)`, since `y_true` "
                f"contains multiple classes. Got `y_score.shape={score.shape}`."
            )
        per_class = np.array(
            [_binary_ap((y == c).astype(int), score[:, j], 1, sample_weight)
             for j, c in enumerate(present)]
        )  # fmt: skip
        support = np.array([np.sum(y == c) for c in present], np.float64)
        return float(np.average(per_class, weights=support if average == "weighted" else None))
    if len(present) == 2 and pos_label not in present.tolist():
        raise ValueError(
            f"pos_label={pos_label!r} is not a valid label. It should be one of {present}"
        )
    return _binary_ap(y, score, pos_label, sample_weight)


def _binary_ap(y, score, pos_label, sample_weight) -> float:
    precision, recall, _ = precision_recall_curve(
        y, score, pos_label=pos_label, sample_weight=sample_weight
    )
    return float(max(0.0, -np.sum(np.diff(recall) * precision[:-1])))


def top_k_accuracy_score(y_true, y_score, *, k=2, normalize=True, sample_weight=None,
                         labels=None) -> float:  # fmt: skip
    """Fraction of samples whose true class is among the ``k`` highest scores (chapter 11).

    Ties are broken as scikit-learn does: among equal scores the later class ranks higher.

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
    y_score : array_like of shape (n_samples, n_classes), or (n_samples,) for binary
    k : int, default 2
    labels : array_like of shape (n_classes,), optional
        Sorted classes in the column order of ``y_score``.
    """
    k = check_positive_int(k, "k")
    y = _labels_1d(y_true, "y_true")
    score = as_float_array(y_score, "y_score", ndim=(1, 2))
    if len(y) != len(score):
        raise ValueError(
            f"y_true and y_score must have the same number of samples, "
            f"got {len(y)} and {len(score)}"
        )
    classes = np.unique(y) if labels is None else np.asarray(labels)
    if labels is not None:
        if len(np.unique(classes)) != len(classes):
            raise ValueError("Parameter 'labels' must be unique.")
        if not np.array_equal(np.unique(classes), classes):
            raise ValueError("Parameter 'labels' must be ordered.")
        if len(np.setdiff1d(y, classes)):
            raise ValueError("'y_true' contains labels not in parameter 'labels'.")
    binary = len(classes) <= 2
    n_score_classes = score.shape[1] if score.ndim == 2 else 2
    if binary and score.ndim == 2 and score.shape[1] != 1:
        raise ValueError(
            f"`y_true` is binary while y_score is 2d with {score.shape[1]} classes. If "
            "`y_true` does not contain all the labels, `labels` must be provided."
        )
    if not binary and score.ndim != 2:
        raise ValueError(
            "`y_score` needs to be of shape `(n_samples, n_classes)`, since `y_true` contains "
            f"multiple classes. Got `y_score.shape={score.shape}`."
        )
    if len(classes) != n_score_classes:
        raise ValueError(
            f"Number of classes in 'y_true' ({len(classes)}) not equal to the number of "
            f"classes in 'y_score' ({n_score_classes})."
        )
    if k >= len(classes):
        warnings.warn(
            f"'k' ({k}) greater than or equal to 'n_classes' ({len(classes)}) will result in "
            "a perfect score and is therefore meaningless.",
            UndefinedMetricWarning,
            stacklevel=2,
        )
    encoded = np.searchsorted(classes, y)
    if binary:
        s = score.ravel()
        if k == 1:
            threshold = 0.5 if s.min() >= 0 and s.max() <= 1 else 0.0
            hits = (s > threshold).astype(np.int64) == encoded
        else:
            hits = np.ones(len(s), bool)
    else:
        ranked = np.argsort(score, axis=1, kind="mergesort")[:, ::-1]  # (n, K), best first
        hits = (ranked[:, :k] == encoded[:, None]).any(axis=1)
    w = _check_weights(sample_weight, len(y))
    return _mean(hits.astype(np.float64), w, normalize)


# --------------------------------------------------------------------------- probabilities


def _check_probabilities(y_prob, name: str = "y_proba") -> np.ndarray:
    p = as_float_array(y_prob, name, ndim=(1, 2))
    if p.max() > 1:
        raise ValueError(f"{name} contains values greater than 1: {p.max()}")
    if p.min() < 0:
        raise ValueError(f"{name} contains values lower than 0: {p.min()}")
    return p


def _one_hot_targets(y_true, y_proba: np.ndarray, labels, pos_label=None):
    """(n, K) one-hot truth matching the columns of ``y_proba`` (classes sorted)."""
    y = _labels_1d(y_true, "y_true")
    if len(y) != len(y_proba):
        raise ValueError(
            f"y_true and y_proba must have the same number of samples, "
            f"got {len(y)} and {len(y_proba)}"
        )
    if labels is not None:
        labels = np.asarray(labels)
        classes = np.unique(labels)
        if not np.array_equal(classes, labels):
            warnings.warn(
                f"Labels passed were {labels}. But this function assumes labels are ordered "
                f"lexicographically. Pass the ordered labels={classes.tolist()} and ensure that "
                "the columns of y_prob correspond to this ordering.",
                UserWarning,
                stacklevel=3,
            )
        if not np.all(np.isin(y, classes)):
            undeclared = set(y.tolist()) - set(classes.tolist())
            raise ValueError(
                f"y_true contains values {undeclared} not belonging to the passed labels {labels}."
            )
    else:
        classes = np.unique(y)
    if len(classes) == 1:
        if labels is None:
            raise ValueError(
                f"y_true contains only one label ({classes[0]}). Please provide the list of "
                "all expected class labels explicitly through the labels argument."
            )
        raise ValueError(f"The labels array needs to contain at least two labels, got {classes}.")
    one_hot = (y[:, None] == classes[None, :]).astype(np.float64)  # (n, K)
    return one_hot, classes


def _as_two_columns(p: np.ndarray) -> np.ndarray:
    if p.ndim == 1:
        p = p[:, None]
    return np.concatenate([1 - p, p], axis=1) if p.shape[1] == 1 else p


def log_loss(y_true, y_proba, *, normalize=True, sample_weight=None, labels=None) -> float:
    """Cross-entropy of predicted probabilities, in nats:
    :math:`-\\frac1n\\sum_i \\log p_{i, y_i}`.

    Probabilities are clipped to ``[eps, 1 - eps]`` (``eps`` of float64), as in scikit-learn, so
    a confident mistake costs about 36 nats instead of infinity.

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
    y_proba : array_like of shape (n_samples, n_classes), or (n_samples,) for P(larger class)
        Columns in sorted class order. Rows should sum to 1 (a ``UserWarning`` if not).
    normalize : bool, default True
        Mean (``True``) or sum.
    sample_weight : array_like of shape (n_samples,), optional
    labels : array_like, optional
        All classes, when ``y_true`` does not show them all.

    Returns
    -------
    float
        Chapter 11.
    """
    p = _check_probabilities(y_proba)
    given_p_of_class_1 = p.ndim == 1
    p = _as_two_columns(p)
    w = _check_weights(sample_weight, len(p))
    one_hot, classes = _one_hot_targets(y_true, p, labels)
    if not np.allclose(p.sum(axis=1), 1.0, rtol=np.sqrt(np.finfo(p.dtype).eps), atol=0):
        warnings.warn(
            "The y_prob values do not sum to one. Make sure to pass probabilities.",
            UserWarning,
            stacklevel=2,
        )
    if len(classes) != p.shape[1]:
        raise ValueError(
            f"y_true and y_proba contain different number of classes: {len(classes)} vs "
            f"{p.shape[1]}. Please provide the true labels explicitly through the labels "
            f"argument. Classes found in y_true: {classes}"
        )
    eps = np.finfo(p.dtype).eps
    p = np.clip(p, eps, 1 - eps)
    if w is None and normalize and given_p_of_class_1:
        # the binary cross-entropy of chapter 4 is the one definition of this mean
        return losses.binary_cross_entropy(one_hot[:, 1], p[:, 1])
    per_sample = -np.sum(one_hot * np.log(p), axis=1)  # (n,) -log p of the true class
    return _mean(per_sample, w, normalize)


def brier_score_loss(y_true, y_proba, *, sample_weight=None, pos_label=None, labels=None,
                     scale_by_half="auto") -> float:  # fmt: skip
    """Mean squared error of probabilities, :math:`\\frac1n\\sum_i \\lVert p_i - e_{y_i}
    \\rVert^2`, halved for binary (``scale_by_half="auto"``), so binary reads
    :math:`\\frac1n\\sum_i (p_i - y_i)^2` (chapter 11).

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
    y_proba : array_like of shape (n_samples,) (P(pos_label)) or (n_samples, n_classes)
    pos_label : int or str, optional
        Needed for 1-D probabilities unless labels are {0, 1} or {-1, 1} (numeric labels
        otherwise default to the larger one).
    """
    p = _check_probabilities(y_proba)
    w = _check_weights(sample_weight, len(p))
    if p.ndim == 1 or p.shape[1] == 1:
        y = _labels_1d(y_true, "y_true")
        if len(y) != len(p):
            raise ValueError(
                f"y_true and y_proba must have the same number of samples, "
                f"got {len(y)} and {len(p)}"
            )
        if len(np.unique(y)) > 2:
            raise ValueError(
                "The type of the target inferred from y_true is multiclass but should be "
                "binary according to the shape of y_prob."
            )
        try:
            pos_label = _pos_label_for_scores(y, pos_label)
        except ValueError:
            if y.dtype.kind in "US":
                raise
            pos_label = np.unique(y)[-1]
        one_hot = np.stack([y != pos_label, y == pos_label], axis=1).astype(np.float64)
        p = _as_two_columns(p)
    else:
        one_hot, classes = _one_hot_targets(y_true, p, labels)
        if len(classes) != p.shape[1]:
            raise ValueError(
                f"y_true and y_proba contain different number of classes: {len(classes)} vs "
                f"{p.shape[1]}. Please provide the true labels explicitly through the labels "
                "argument."
            )
    score = _mean(np.sum((one_hot - p) ** 2, axis=1), w)
    if scale_by_half == "auto":
        scale_by_half = p.shape[1] < 3
    return score * 0.5 if scale_by_half else score


def calibration_curve(y_true, y_prob, *, pos_label=None, n_bins=5, strategy="uniform"):
    """Observed frequency of the positive class against mean predicted probability, per bin.

    ``strategy="uniform"`` cuts [0, 1] into ``n_bins`` equal widths; ``"quantile"`` puts the
    same number of predictions in each bin. A value on an inner edge goes to the lower bin.
    Empty bins are left out.

    Returns
    -------
    prob_true, prob_pred : ndarray of shape (n_nonempty_bins,)
        Chapter 11.
    """
    n_bins = check_positive_int(n_bins, "n_bins")
    check_choice(strategy, "strategy", ("uniform", "quantile"))
    y = _labels_1d(y_true, "y_true")
    p = _scores_1d(y_prob, "y_prob")
    if len(y) != len(p):
        raise ValueError(
            f"y_true and y_prob must have the same number of samples, got {len(y)} and {len(p)}"
        )
    pos_label = _pos_label_for_scores(y, pos_label)
    if p.min() < 0 or p.max() > 1:
        raise ValueError("y_prob has values outside [0, 1].")
    if len(np.unique(y)) > 2:
        raise ValueError(
            f"Only binary classification is supported. Provided labels {np.unique(y)}."
        )
    if strategy == "quantile":
        edges = np.percentile(p, np.linspace(0, 1, n_bins + 1) * 100)
    else:
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    positive = (y == pos_label).astype(np.float64)
    bins = np.searchsorted(edges[1:-1], p)
    total = np.bincount(bins, minlength=n_bins)
    nonempty = total != 0
    prob_true = np.bincount(bins, weights=positive, minlength=n_bins)[nonempty] / total[nonempty]
    prob_pred = np.bincount(bins, weights=p, minlength=n_bins)[nonempty] / total[nonempty]
    return prob_true, prob_pred


@dataclass(frozen=True)
class ReliabilityBins:
    """Uniform calibration bins: edges, counts, and per-bin accuracy and confidence.

    ``accuracy[b]`` is the observed frequency (of the positive class, or of being right) and
    ``confidence[b]`` the mean predicted probability in bin ``b``; both are ``nan`` in empty
    bins. ``ece`` weights ``|accuracy - confidence|`` by ``counts / n``.
    """

    edges: np.ndarray  # (n_bins + 1,)
    counts: np.ndarray  # (n_bins,)
    accuracy: np.ndarray  # (n_bins,)
    confidence: np.ndarray  # (n_bins,)

    @property
    def ece(self) -> float:
        nonempty = self.counts > 0
        gap = np.abs(self.accuracy[nonempty] - self.confidence[nonempty])
        return float(np.sum(self.counts[nonempty] * gap) / np.sum(self.counts))


def _confidence_and_correct(y_true, y_prob) -> tuple[np.ndarray, np.ndarray]:
    p = _check_probabilities(y_prob, "y_prob")
    if p.ndim == 2 and p.shape[1] == 1:
        p = p[:, 0]
    if p.ndim == 1:  # binary: calibration of P(class 1), as calibration_curve
        y = _labels_1d(y_true, "y_true")
        if not np.all(np.isin(y, (0, 1))):
            raise ValueError("y_true must hold labels 0/1 when y_prob is 1-D")
        if len(y) != len(p):
            raise ValueError(
                f"y_true and y_prob must have the same number of samples, got {len(y)} and {len(p)}"
            )
        return p, y.astype(np.float64)
    y = _labels_1d(y_true, "y_true")
    if len(y) != len(p):
        raise ValueError(
            f"y_true and y_prob must have the same number of samples, got {len(y)} and {len(p)}"
        )
    if y.dtype.kind in "US" or y.min() < 0 or y.max() >= p.shape[1]:
        raise ValueError(f"y_true must hold class indices 0..{p.shape[1] - 1} for 2-D y_prob")
    # top-label calibration: confidence = largest probability, correct = argmax is the truth
    return p.max(axis=1), (p.argmax(axis=1) == y.astype(np.int64)).astype(np.float64)


def reliability_bins(y_true, y_prob, *, n_bins=10) -> ReliabilityBins:
    """Bin predictions by confidence into ``n_bins`` equal widths of [0, 1] (chapter 11).

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        0/1 labels for 1-D ``y_prob``; class indices for 2-D ``y_prob``.
    y_prob : array_like of shape (n_samples,) or (n_samples, n_classes)
        1-D: P(class 1), binned as in :func:`calibration_curve`. 2-D: class probabilities;
        the top class's probability is the confidence and "accuracy" is whether it was right.
    n_bins : int, default 10
        A value on an inner edge goes to the lower bin (scikit-learn's rule).
    """
    n_bins = check_positive_int(n_bins, "n_bins")
    confidence, correct = _confidence_and_correct(y_true, y_prob)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = np.searchsorted(edges[1:-1], confidence)
    counts = np.bincount(bins, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        acc = np.bincount(bins, weights=correct, minlength=n_bins) / counts
        conf = np.bincount(bins, weights=confidence, minlength=n_bins) / counts
    return ReliabilityBins(edges, counts, acc, conf)


def expected_calibration_error(y_true, y_prob, *, n_bins=10) -> float:
    """Expected calibration error over ``n_bins`` uniform bins, weighted by their counts:

    .. math::  \\mathrm{ECE} = \\sum_b \\frac{n_b}{n}\\,\\lvert \\mathrm{acc}_b -
       \\mathrm{conf}_b \\rvert.

    See :func:`reliability_bins` for the two input forms. The value depends on ``n_bins``:
    always state it. Chapter 11.
    """
    return reliability_bins(y_true, y_prob, n_bins=n_bins).ece


def _logits_and_classes(y_true, logits) -> tuple[np.ndarray, np.ndarray]:
    z = as_float_array(logits, "logits", ndim=(1, 2))
    if z.ndim == 1:  # a binary model's single logit: the classes' logits are (0, z)
        z = np.stack([np.zeros_like(z), z], axis=1)
    y = _labels_1d(y_true, "y_true")
    if len(y) != len(z):
        raise ValueError(
            f"y_true and logits must have the same number of samples, got {len(y)} and {len(z)}"
        )
    if y.dtype.kind in "US" or y.min() < 0 or y.max() >= z.shape[1]:
        raise ValueError(f"y_true must hold class indices 0..{z.shape[1] - 1}")
    return z, y.astype(np.int64)


def _mean_nll(z: np.ndarray, y: np.ndarray) -> float:
    """Mean negative log-likelihood in nats of softmax(z) at the true classes."""
    m = z.max(axis=1, keepdims=True)
    log_norm = m[:, 0] + np.log(np.exp(z - m).sum(axis=1))  # (n,)
    return float(np.mean(log_norm - z[np.arange(len(y)), y]))


def fit_temperature(y_true, logits, *, max_iter=100, tol=1e-10) -> float:
    """Temperature :math:`T` minimising the validation log loss of
    :math:`\\mathrm{softmax}(z / T)` (temperature scaling, Guo et al. 2017; chapter 11).

    The loss is convex in :math:`\\beta = 1/T`: its derivative is the mean over samples of
    :math:`\\mathbb E_{p_\\beta}[z] - z_y` and its second derivative the mean variance of
    :math:`z` under :math:`p_\\beta`, so Newton's method on :math:`\\beta` (with halving if a
    step overshoots) converges in a few steps. Fit it on a validation split, never the test set:
    it changes no prediction's rank, only how confident the probabilities are.

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        Class indices.
    logits : array_like of shape (n_samples, n_classes), or (n_samples,) for a sigmoid model
    max_iter : int, default 100
    tol : float, default 1e-10
        Stop when the Newton step on :math:`\\beta` is smaller.

    Returns
    -------
    float
        :math:`T > 0`; divide logits by it before the softmax / sigmoid.
    """
    z, y = _logits_and_classes(y_true, logits)
    z_y = z[np.arange(len(y)), y]

    def moments(beta):
        s = beta * z
        p = np.exp(s - s.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        mean_z = (p * z).sum(axis=1)
        var_z = (p * z**2).sum(axis=1) - mean_z**2
        return np.mean(mean_z - z_y), np.mean(var_z)

    max_iter = check_positive_int(max_iter, "max_iter")
    tol = check_positive(tol, "tol", allow_zero=True)
    beta = 1.0
    for _ in range(max_iter):
        grad, curvature = moments(beta)
        if curvature <= 1e-300:
            break
        step = grad / curvature
        new_beta = beta - step
        while new_beta <= 0:  # keep T positive: halve the step
            step /= 2
            new_beta = beta - step
        if _mean_nll(new_beta * z, y) > _mean_nll(beta * z, y) + 1e-15:
            step /= 2
            new_beta = beta - step
        beta = new_beta
        if abs(step) < tol:
            break
    return float(1.0 / beta)


# --------------------------------------------------------------------------- perplexity


def perplexity(cross_entropy=None, *, logits=None, targets=None, base=math.e, n_tokens=None,
               n_units=None) -> float:  # fmt: skip
    """Perplexity :math:`b^{\\mathrm{CE}_b} = e^{\\mathrm{CE}_{nats}}`: the number of equally
    likely choices that would be as surprising as the model (chapter 11).

    The base must match the unit of the cross-entropy: with CE in nats (every Keras loss, this
    book's losses) perplexity is :math:`e^{\\mathrm{CE}}`; :math:`2^{\\mathrm{CE}}` is right only
    when CE is in bits. A uniform model over :math:`V` tokens has perplexity exactly :math:`V`.

    Per-token perplexity depends on the tokenizer (fewer, longer tokens make each token harder
    to guess), so models with different tokenizers are compared per character or per byte:
    the total surprise :math:`n_{tokens}\\,\\mathrm{CE}` spread over :math:`n_{units}`
    characters or bytes, :math:`\\exp(n_{tokens}\\mathrm{CE} / n_{units})`.

    Parameters
    ----------
    cross_entropy : float, optional
        Mean cross-entropy per token, measured with logarithms in base ``base``.
    logits : array_like of shape (..., V), optional
        Instead of ``cross_entropy``: next-token logits, with ``targets``.
    targets : array_like of int, shape (...), optional
        Token indices in ``0..V-1``.
    base : float, default e
        The unit of ``cross_entropy``: ``math.e`` for nats, 2 for bits. Ignored with logits.
    n_tokens, n_units : int, optional
        Give both (``n_tokens`` defaults to the number of targets) to get the perplexity per
        unit, e.g. per character or per byte of the evaluated text.

    Returns
    -------
    float
    """
    if (cross_entropy is None) == (logits is None):
        raise ValueError("give either cross_entropy or logits (with targets), not both")
    if logits is not None:
        if targets is None:
            raise ValueError("logits need targets (token indices)")
        z = as_float_array(logits, "logits")
        t = np.asarray(targets)
        if z.ndim < 1 or t.shape != z.shape[:-1]:
            raise ValueError(f"targets must have shape {z.shape[:-1]}, got {t.shape}")
        if not np.issubdtype(t.dtype, np.integer) or t.min() < 0 or t.max() >= z.shape[-1]:
            raise ValueError(f"targets must be integer token indices in 0..{z.shape[-1] - 1}")
        nats = _mean_nll(z.reshape(-1, z.shape[-1]), t.reshape(-1))
        if n_tokens is None:
            n_tokens = t.size
    else:
        base = check_positive(base, "base")
        if base == 1:
            raise ValueError("base must not be 1")
        ce = check_positive(cross_entropy, "cross_entropy", allow_zero=True)
        nats = ce * math.log(base)
    if n_units is not None:
        if n_tokens is None:
            raise ValueError("n_units needs n_tokens (how many tokens the cross-entropy averages)")
        n_tokens = check_positive_int(n_tokens, "n_tokens")
        n_units = check_positive_int(n_units, "n_units")
        nats = nats * n_tokens / n_units
    elif n_tokens is not None:
        check_positive_int(n_tokens, "n_tokens")
    return float(math.exp(nats))


# --------------------------------------------------------------------------- uncertainty


def _check_confidence(confidence) -> float:
    confidence = check_positive(confidence, "confidence")  # a real number, finite, > 0
    if not confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    return confidence


def wilson_interval(successes, n, *, confidence=0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion (an accuracy on ``n`` test examples).

    .. math::  \\frac{\\hat p + \\frac{z^2}{2n} \\pm z\\sqrt{\\frac{\\hat p(1-\\hat p)}{n} +
       \\frac{z^2}{4n^2}}}{1 + \\frac{z^2}{n}}

    Unlike :math:`\\hat p \\pm z\\sqrt{\\hat p(1-\\hat p)/n}` it stays inside [0, 1] and does
    not collapse to a point at 0 % or 100 %. Chapter 11.
    """
    from scipy.stats import norm

    n = check_positive_int(n, "n")
    if isinstance(successes, bool) or not isinstance(successes, numbers.Integral):
        raise TypeError(f"successes must be an integer, got {type(successes).__name__}")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be in 0..n={n}, got {successes}")
    confidence = _check_confidence(confidence)
    z = norm.ppf(0.5 + confidence / 2)
    p = successes / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def bootstrap_interval(metric: Callable, y_true, y_pred, *, n_resamples=1000, confidence=0.95,
                       seed=0) -> tuple[float, float]:  # fmt: skip
    """Percentile bootstrap interval of ``metric(y_true, y_pred)`` (chapter 11).

    Resample the test set with replacement ``n_resamples`` times, score each resample, and
    return the ``(1 - confidence)/2`` and ``(1 + confidence)/2`` quantiles of the scores.
    """
    if not callable(metric):
        raise TypeError("metric must be callable as metric(y_true, y_pred)")
    n_resamples = check_positive_int(n_resamples, "n_resamples")
    confidence = _check_confidence(confidence)
    seed = check_seed(seed)
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if len(y_true) != len(y_pred) or len(y_true) == 0:
        raise ValueError(
            f"y_true and y_pred must be non-empty and equally long, got {len(y_true)} and "
            f"{len(y_pred)}"
        )
    rng = np.random.default_rng(seed)
    n = len(y_true)
    scores = np.empty(n_resamples)
    for r in range(n_resamples):
        idx = rng.integers(0, n, n)
        scores[r] = metric(y_true[idx], y_pred[idx])
    alpha = (1 - confidence) / 2
    low, high = np.quantile(scores, [alpha, 1 - alpha])
    return float(low), float(high)


# --------------------------------------------------------------------------- regression


def _regression_pair(y_true, y_pred, sample_weight):
    y_true = as_float_array(y_true, "y_true", ndim=(1, 2))
    y_pred = as_float_array(y_pred, "y_pred", ndim=(1, 2))
    if len(y_true) != len(y_pred):
        raise ValueError(
            f"y_true and y_pred must have the same number of samples, "
            f"got {len(y_true)} and {len(y_pred)}"
        )
    y_true = y_true.reshape(len(y_true), -1)
    y_pred = y_pred.reshape(len(y_pred), -1)
    if y_true.shape[1] != y_pred.shape[1]:
        raise ValueError(
            f"y_true and y_pred have different number of output "
            f"({y_true.shape[1]}!={y_pred.shape[1]})"
        )
    return y_true, y_pred, _check_weights(sample_weight, len(y_true))


def _per_output(values: np.ndarray, multioutput):
    check_choice(multioutput, "multioutput", ("raw_values", "uniform_average"))
    return values if multioutput == "raw_values" else float(np.mean(values))


def mean_squared_error(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average"):
    """Mean squared error :math:`\\frac1n\\sum_i (y_i - \\hat y_i)^2` per output
    (chapters 3 and 11); unweighted, it is :func:`mlfoundations.reference.losses.mse` of each
    output column."""
    y_true, y_pred, w = _regression_pair(y_true, y_pred, sample_weight)
    if w is None:
        per_output = np.array(
            [losses.mse(y_true[:, j], y_pred[:, j]) for j in range(y_true.shape[1])]
        )
    else:
        per_output = np.average((y_true - y_pred) ** 2, axis=0, weights=w)
    return _per_output(per_output, multioutput)


def mean_absolute_error(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average"):
    """Mean absolute error :math:`\\frac1n\\sum_i |y_i - \\hat y_i|`, in the target's units
    (chapter 11)."""
    y_true, y_pred, w = _regression_pair(y_true, y_pred, sample_weight)
    return _per_output(np.average(np.abs(y_true - y_pred), axis=0, weights=w), multioutput)


def r2_score(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average",
             force_finite=True):  # fmt: skip
    """Coefficient of determination :math:`R^2 = 1 - \\frac{\\sum_i (y_i - \\hat y_i)^2}
    {\\sum_i (y_i - \\bar y)^2}`: the fraction of the variance explained, 1 for a perfect
    fit, 0 for predicting the mean, negative for worse (chapter 11).

    With a constant ``y_true`` the ratio is 0/0 or x/0; ``force_finite`` returns 1.0 for a
    perfect fit and 0.0 otherwise (scikit-learn's rule). Fewer than two samples: ``nan`` with
    an :class:`UndefinedMetricWarning`.
    """
    y_true, y_pred, w = _regression_pair(y_true, y_pred, sample_weight)
    if len(y_true) < 2:
        warnings.warn(
            "R^2 score is not well-defined with less than two samples.",
            UndefinedMetricWarning,
            stacklevel=2,
        )
        return math.nan
    weight = 1.0 if w is None else w[:, None]
    numerator = np.sum(weight * (y_true - y_pred) ** 2, axis=0)
    mean = np.average(y_true, axis=0, weights=w)
    denominator = np.sum(weight * (y_true - mean) ** 2, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = 1 - numerator / denominator
    if force_finite:
        r2 = np.where(denominator == 0, np.where(numerator == 0, 1.0, 0.0), r2)
    return _per_output(r2, multioutput)


# --------------------------------------------------------------------------- BLEU


@dataclass(frozen=True)
class BleuScore:
    """Corpus BLEU with its parts: ``score = brevity_penalty * exp(mean log precision)``."""

    score: float
    precisions: tuple[float, ...]  # clipped n-gram precisions, n = 1..max_n
    brevity_penalty: float
    hypothesis_length: int
    reference_length: int


def _tokens(text, name: str) -> list[str]:
    if isinstance(text, str):
        return text.split()
    if isinstance(text, Sequence) and all(isinstance(t, str) for t in text):
        return list(text)
    raise TypeError(f"{name} must be a string or a list of string tokens")


def _ngrams(tokens: list[str], n: int) -> Counter:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def corpus_bleu(list_of_references, hypotheses, *, max_n=4) -> BleuScore:
    """Corpus-level BLEU (Papineni et al. 2002) with uniform weights over 1..``max_n``-grams.

    For each n, the clipped precision :math:`p_n` pools over the corpus the hypothesis n-grams
    that also occur in a reference (each counted at most as often as in the reference that has
    it most), divided by all hypothesis n-grams. With :math:`c` the total hypothesis length and
    :math:`r` the summed reference lengths closest to each hypothesis (the shorter on a tie),

    .. math::  \\mathrm{BLEU} = \\mathrm{BP} \\cdot \\exp\\Big(\\frac1N \\sum_{n=1}^N \\log
       p_n\\Big), \\qquad \\mathrm{BP} = \\min(1, e^{1 - r/c}).

    No smoothing: if some :math:`p_n` is 0 the score is 0 (as NLTK's default).

    Parameters
    ----------
    list_of_references : list of list of (str or list of str)
        For each hypothesis, one or more references (strings are split on whitespace).
    hypotheses : list of (str or list of str)
    max_n : int, default 4

    Returns
    -------
    BleuScore
        Chapter 11.
    """
    max_n = check_positive_int(max_n, "max_n")
    for name, value in (("list_of_references", list_of_references), ("hypotheses", hypotheses)):
        if isinstance(value, str) or not isinstance(value, Sequence):
            raise TypeError(f"{name} must be a list, got {type(value).__name__}")
    if len(list_of_references) != len(hypotheses):
        raise ValueError(
            f"list_of_references and hypotheses must have the same length, "
            f"got {len(list_of_references)} and {len(hypotheses)}"
        )
    if len(hypotheses) == 0:
        raise ValueError("hypotheses must not be empty")
    matches, totals = np.zeros(max_n), np.zeros(max_n)
    c = r = 0
    for refs, hyp in zip(list_of_references, hypotheses, strict=True):
        hyp = _tokens(hyp, "each hypothesis")
        if isinstance(refs, str) or len(refs) == 0:
            raise ValueError("each entry of list_of_references must be a non-empty list")
        refs = [_tokens(ref, "each reference") for ref in refs]
        c += len(hyp)
        r += min((abs(len(ref) - len(hyp)), len(ref)) for ref in refs)[1]
        for n in range(1, max_n + 1):
            counts = _ngrams(hyp, n)
            most = Counter()
            for ref in refs:
                most |= _ngrams(ref, n)  # max count of each n-gram over the references
            matches[n - 1] += sum(min(k, most[g]) for g, k in counts.items())
            totals[n - 1] += sum(counts.values())
    with np.errstate(divide="ignore", invalid="ignore"):
        precisions = np.where(totals > 0, matches / np.where(totals > 0, totals, 1), 0.0)
    bp = 0.0 if c == 0 else (1.0 if c > r else math.exp(1 - r / c))
    score = 0.0 if np.any(precisions == 0) else bp * math.exp(np.mean(np.log(precisions)))
    return BleuScore(float(score), tuple(float(p) for p in precisions), float(bp), c, r)
