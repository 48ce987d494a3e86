"""Losses in Keras 3 (``keras.ops``), the twins of :mod:`mlfoundations.reference.losses`.

Same names, same argument order ``(y_true, y_pred_or_logits)``, same means:
``mse``, ``binary_cross_entropy`` (from probabilities), ``sigmoid_cross_entropy`` and
``softmax_cross_entropy`` (from logits; integer labels or one-hot rows). Each returns a
scalar tensor, so it can be passed to ``model.compile(loss=...)`` as well as called.

Validation happens only in eager calls at the boundary: when ``y_true`` or the prediction
is a NumPy array or a Python list, the inputs go through the reference module's checks
(shapes equal, labels valid). Backend tensors, and the symbolic tensors of a traced
training step, are only checked for matching static shapes.

One-sided names: the NumPy ``*_and_grad`` functions have no twin here (Keras
differentiates automatically).
"""

from __future__ import annotations

from .reference import losses as _ref

__all__ = ["binary_cross_entropy", "mse", "sigmoid_cross_entropy", "softmax_cross_entropy"]


def _eager_values(*values) -> bool:
    """True when every input is plain data (NumPy or Python), not a backend tensor."""
    from keras import ops

    return not any(ops.is_tensor(v) for v in values)


def _check_static_shapes(y_true, y_pred, pred_name: str, *, drop_last: bool = False) -> None:
    """Compare known dimensions only (a traced batch dimension may be ``None``)."""
    want = tuple(y_pred.shape[:-1] if drop_last else y_pred.shape)
    got = tuple(y_true.shape)
    same = len(got) == len(want) and all(
        a is None or b is None or a == b for a, b in zip(got, want, strict=True)
    )
    if not same:
        raise ValueError(
            f"y_true and {pred_name} must have the same shape (nothing is broadcast), "
            f"got {got} and {tuple(y_pred.shape)}"
        )


def _pair(y_true, y_pred, pred_name: str, eager_check):
    from keras import ops

    if _eager_values(y_true, y_pred):
        eager_check(y_true, y_pred)
    y_pred = ops.convert_to_tensor(y_pred)
    if not str(y_pred.dtype).startswith(("float", "bfloat")):
        y_pred = ops.cast(y_pred, "float32")
    y_true = ops.cast(ops.convert_to_tensor(y_true), y_pred.dtype)
    _check_static_shapes(y_true, y_pred, pred_name)
    return y_true, y_pred


def mse(y_true, y_pred):
    """Mean squared error ``(1/N) Σ (ŷ − y)²`` over every entry (chapter 3).

    Parameters
    ----------
    y_true : tensor, same shape as ``y_pred``
    y_pred : tensor, any shape

    Returns
    -------
    scalar tensor
    """
    from keras import ops

    y_true, y_pred = _pair(y_true, y_pred, "y_pred", _ref.mse)
    return ops.mean(ops.square(y_pred - y_true))


def binary_cross_entropy(y_true, p):
    """Mean binary cross-entropy ``−(1/N) Σ y log p + (1 − y) log(1 − p)`` from probabilities.

    Terms whose weight is 0 count 0 (so ``p = 0`` with ``y = 0`` is fine); no clipping, so a
    confident wrong answer gives ``inf`` (Keras' own ``binary_crossentropy`` clips ``p`` to
    ``[1e-7, 1 − 1e-7]`` instead).

    Parameters
    ----------
    y_true : tensor, same shape as ``p``
        Labels 0/1 (or target probabilities).
    p : tensor, any shape
        Probabilities of class 1.

    Returns
    -------
    scalar tensor
    """
    from keras import ops

    y, p = _pair(y_true, p, "p", _ref.binary_cross_entropy)
    one = ops.ones_like(p)
    # log of a safe value where the weight is 0, so 0 · log 0 never becomes nan
    log_p = ops.log(ops.where(y > 0, p, one))
    log_q = ops.log(ops.where(y < 1, one - p, one))
    return -ops.mean(y * log_p + (one - y) * log_q)


def sigmoid_cross_entropy(y_true, logits):
    """Mean binary cross-entropy from logits, ``max(z, 0) − y z + log(1 + e^{−|z|})``
    (chapter 4), exact for logits of any size.

    Parameters
    ----------
    y_true : tensor, same shape as ``logits``
        Labels 0/1 (or target probabilities).
    logits : tensor, any shape

    Returns
    -------
    scalar tensor
    """
    from keras import ops

    y, z = _pair(y_true, logits, "logits", _ref.sigmoid_cross_entropy)
    return ops.mean(ops.relu(z) - y * z + ops.log1p(ops.exp(-ops.abs(z))))


def softmax_cross_entropy(y_true, logits):
    """Mean categorical cross-entropy from logits, ``−(1/N) Σ_rows Σ_k y_k log softmax(z)_k``
    (chapters 4, 5, 8).

    Parameters
    ----------
    y_true : tensor of shape (...,) or (..., K)
        Integer labels (Keras' *sparse* form) or one-hot / probability rows.
    logits : tensor of shape (..., K)

    Returns
    -------
    scalar tensor
    """
    from keras import ops

    if _eager_values(y_true, logits):
        _ref.check_class_targets(y_true, logits)
    z = ops.convert_to_tensor(logits)
    y = ops.convert_to_tensor(y_true)
    log_p = ops.log_softmax(z, axis=-1)  # (..., K)
    if len(y.shape) == len(z.shape):  # probability rows
        _check_static_shapes(y, z, "logits")
        return -ops.mean(ops.sum(ops.cast(y, z.dtype) * log_p, axis=-1))
    _check_static_shapes(y, z, "logits", drop_last=True)
    labels = ops.expand_dims(ops.cast(y, "int32"), -1)  # (..., 1)
    return -ops.mean(ops.take_along_axis(log_p, labels, axis=-1))
