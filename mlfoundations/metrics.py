"""Streaming evaluation metrics in Keras 3 for what ``keras.metrics`` lacks (chapter 11).

* :class:`Perplexity` -- :math:`\\exp` of the mean next-token cross-entropy in nats,
  accumulated over batches (the total surprise and the token count are the state, so the
  result over many batches equals the result over all tokens at once);
* :class:`ExpectedCalibrationError` -- per-bin counts, summed confidences and summed
  correctness are the state; the result is :math:`\\sum_b |\\text{correct}_b -
  \\text{conf}_b| / n`.

Both equal :mod:`mlfoundations.reference.metrics` (``perplexity``,
``expected_calibration_error``) on every backend and work in ``model.compile(metrics=[...])``.
Both are one-sided names (the reference has the functions ``perplexity`` and
``expected_calibration_error`` instead). Written in ``keras.ops`` only; inputs are validated
in the constructor (eager), not inside ``update_state``, which Keras traces.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from .checks import check_positive_int, keras_input

__all__ = ["Perplexity", "ExpectedCalibrationError"]


@keras.saving.register_keras_serializable(package="mlfoundations")
class Perplexity(keras.metrics.Metric):
    """Perplexity :math:`e^{\\mathrm{CE}}` of next-token predictions, CE in nats (chapter 11).

    Parameters
    ----------
    from_logits : bool, default True
        ``y_pred`` holds logits (``True``) or probabilities (``False``; clipped at 1e-7 as
        Keras' losses clip them).
    name : str, default "perplexity"
    dtype : str, optional
        Dtype of the state (default: Keras' float type).

    Notes
    -----
    ``update_state(y_true, y_pred, sample_weight=None)`` takes integer targets of shape
    ``(...)`` and ``y_pred`` of shape ``(..., V)``; ``sample_weight`` of shape ``(...)`` can
    mask padding (weight 0). The mean is over tokens, not over batches: a short last batch
    counts for exactly its tokens.
    """

    def __init__(self, from_logits=True, name="perplexity", dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        if not isinstance(from_logits, bool):
            raise TypeError(f"from_logits must be True or False, got {from_logits!r}")
        self.from_logits = from_logits
        self.total_nats = self.add_variable(shape=(), initializer="zeros", name="total_nats")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        # keras_input reads only static properties: safe inside a compiled train step
        y_pred = ops.cast(keras_input(y_pred, "y_pred"), self.dtype)  # (..., V)
        if self.from_logits:
            log_p = ops.log_softmax(y_pred, axis=-1)
        else:
            log_p = ops.log(ops.clip(y_pred, 1e-7, 1.0))
        targets = ops.cast(keras_input(y_true, "y_true"), "int32")  # ids < 2**24 stay exact
        targets = ops.reshape(targets, ops.shape(log_p)[:-1])  # (...), also from (..., 1)
        nll = -ops.take_along_axis(log_p, ops.expand_dims(targets, -1), axis=-1)[..., 0]
        if sample_weight is None:
            weight = ops.ones_like(nll)
        else:
            weight = ops.broadcast_to(ops.cast(sample_weight, self.dtype), ops.shape(nll))
        self.total_nats.assign_add(ops.sum(nll * weight))
        self.count.assign_add(ops.sum(weight))

    def result(self):
        return ops.exp(ops.divide_no_nan(self.total_nats, self.count))

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits}


@keras.saving.register_keras_serializable(package="mlfoundations")
class ExpectedCalibrationError(keras.metrics.Metric):
    """Expected calibration error over ``n_bins`` uniform bins, weighted by counts (ch. 11).

    .. math::  \\mathrm{ECE} = \\sum_b \\frac{n_b}{n}\\lvert \\mathrm{acc}_b -
       \\mathrm{conf}_b\\rvert = \\frac1n \\sum_b \\Big\\lvert \\sum_{i \\in b} c_i -
       \\sum_{i \\in b} p_i \\Big\\rvert

    ``y_pred`` of shape ``(B,)`` or ``(B, 1)`` holds P(class 1) and ``c_i`` is the 0/1 label
    (the reliability of the positive class, as :func:`sklearn.calibration.calibration_curve`);
    ``y_pred`` of shape ``(B, K)``, ``K >= 2``, holds class probabilities, the confidence is the
    largest one and ``c_i`` says whether its class was right (top-label ECE). A confidence on an
    inner bin edge goes to the lower bin, as in the reference.

    Parameters
    ----------
    n_bins : int, default 10
    name : str, default "ece"
    dtype : str, optional
    """

    def __init__(self, n_bins=10, name="ece", dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        self.n_bins = check_positive_int(n_bins, "n_bins")
        self.counts = self.add_variable(shape=(self.n_bins,), initializer="zeros", name="counts")
        self.sum_confidence = self.add_variable(
            shape=(self.n_bins,), initializer="zeros", name="sum_confidence"
        )
        self.sum_correct = self.add_variable(
            shape=(self.n_bins,), initializer="zeros", name="sum_correct"
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        p = ops.cast(keras_input(y_pred, "y_pred"), self.dtype)
        y = keras_input(y_true, "y_true")
        if len(p.shape) == 2 and p.shape[-1] != 1:  # (B, K): top-label calibration
            confidence = ops.max(p, axis=-1)  # (B,)
            predicted = ops.argmax(p, axis=-1)
            y = ops.cast(ops.reshape(y, ops.shape(predicted)), predicted.dtype)
            correct = ops.cast(ops.equal(predicted, y), self.dtype)
        else:  # (B,) or (B, 1): P(class 1)
            confidence = ops.reshape(p, (-1,))
            correct = ops.cast(ops.reshape(y, (-1,)), self.dtype)
        inner_edges = ops.convert_to_tensor(
            np.linspace(0.0, 1.0, self.n_bins + 1)[1:-1], dtype=self.dtype
        )  # (n_bins - 1,)
        # bin index = number of inner edges strictly below the confidence (NumPy searchsorted)
        above = ops.cast(ops.greater(confidence[:, None], inner_edges[None, :]), "int32")
        in_bin = ops.one_hot(ops.sum(above, axis=1), self.n_bins, dtype=self.dtype)  # (B, n_bins)
        if sample_weight is not None:
            weight = ops.reshape(ops.cast(sample_weight, self.dtype), (-1, 1))
            in_bin = in_bin * weight
        self.counts.assign_add(ops.sum(in_bin, axis=0))
        self.sum_confidence.assign_add(ops.sum(in_bin * confidence[:, None], axis=0))
        self.sum_correct.assign_add(ops.sum(in_bin * correct[:, None], axis=0))

    def result(self):
        gap = ops.sum(ops.abs(self.sum_correct - self.sum_confidence))
        return ops.divide_no_nan(gap, ops.sum(self.counts))

    def get_config(self):
        return {**super().get_config(), "n_bins": self.n_bins}
