"""Input validation shared by the reference implementations.

Every public function validates at its boundary and raises a ``ValueError`` or
``TypeError`` that names the argument and says what was expected, so a learner never
has to decode a shape error from deep inside NumPy or a backend.
"""

from __future__ import annotations

import numbers

import numpy as np


def _real_numbers(value, name: str) -> np.ndarray:
    """``value`` as an array of real numbers (int, bool or float), else a ``TypeError``."""
    try:
        arr = np.asarray(value) if not isinstance(value, str) else np.asarray(value, object)
    except Exception as exc:  # pragma: no cover - exotic inputs
        got = type(value).__name__
        raise TypeError(f"{name} must be array-like of numbers, got {got}") from exc
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise TypeError(
            f"{name} must hold numbers, got {type(value).__name__} of dtype {arr.dtype}"
        )
    if np.iscomplexobj(arr):
        # Casting would drop the imaginary part with only a ComplexWarning: a silent wrong answer.
        raise TypeError(f"{name} must hold real numbers, got complex dtype {arr.dtype}")
    return arr


def _check_rank_and_size(shape: tuple, name: str, ndim) -> None:
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if len(shape) not in allowed:
            want = " or ".join(str(n) for n in allowed)
            raise ValueError(f"{name} must be {want}-dimensional, got shape {shape}")
    if any(d == 0 for d in shape):
        raise ValueError(f"{name} must not be empty, got shape {shape}")


def as_float_array(
    value, name: str, *, ndim: int | tuple[int, ...] | None = None, dtype=np.float64
) -> np.ndarray:
    """Convert ``value`` to a finite floating array, checking its rank.

    Parameters
    ----------
    value : array_like
        The input.
    name : str
        The argument's name, used in error messages.
    ndim : int or tuple of int, optional
        Allowed number(s) of dimensions.
    dtype : numpy dtype, default float64
        Floating dtype of the result. Pass ``None`` to keep a floating input's dtype.

    Raises
    ------
    TypeError
        If ``value`` is not numeric.
    ValueError
        If it is empty, has the wrong rank, or holds NaN or infinity.
    """
    arr = _real_numbers(value, name)
    if dtype is None:
        dtype = arr.dtype if np.issubdtype(arr.dtype, np.floating) else np.float64
    arr = arr.astype(dtype, copy=False)
    _check_rank_and_size(arr.shape, name, ndim)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values (no NaN or inf)")
    return arr


def as_real_array(value, name: str, *, ndim: int | tuple[int, ...] | None = None) -> np.ndarray:
    """Like :func:`as_float_array` (float64), but NaN and inf are allowed: for values where a
    non-finite number is information (a diverged loss curve), not bad input."""
    arr = _real_numbers(value, name)
    _check_rank_and_size(arr.shape, name, ndim)
    return arr.astype(np.float64)


def check_same_length(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same first dimension."""
    if len(a) != len(b):
        raise ValueError(
            f"{name_a} and {name_b} must have the same number of samples, got {len(a)} and {len(b)}"
        )


def check_positive(value, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float after checking it is a finite number > 0 (or >= 0)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    ok = value >= 0 if allow_zero else value > 0
    if not np.isfinite(value) or not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value}")
    return value


def check_positive_int(value, name: str, *, minimum: int = 1) -> int:
    """Return ``value`` after checking it is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


SEED_LIMIT = 2**32
"""Seeds are integers ``0 <= seed < 2**32``: what NumPy's legacy seeding and TensorFlow accept."""


def check_seed(seed, name: str = "seed") -> int:
    """Return ``seed`` as a Python int after checking it is an integer in ``[0, 2**32)``.

    Python and NumPy integers pass; ``bool`` (``True`` is not a seed), floats (``1.0``
    included) and strings are rejected with a ``TypeError``, negative or too large values
    with a ``ValueError``. The one seed check of the package: data generators, models,
    ``seed_everything``, the chapter options and ``mlf`` all call it.
    """
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            f"{name} must be an integer in [0, 2**32), got {type(seed).__name__} {seed!r}"
        )
    if not 0 <= seed < SEED_LIMIT:
        raise ValueError(f"{name} must be an integer in [0, 2**32), got {seed}")
    return int(seed)


def check_choice(value, name: str, choices) -> str:
    """Return ``value`` after checking it is one of ``choices`` (listed in the error)."""
    if value not in choices:
        valid = ", ".join(repr(c) for c in choices)
        raise ValueError(f"unknown {name} {value!r}; expected one of: {valid}")
    return value


def check_even_axis(shape, axis, name: str = "x") -> int:
    """Return ``axis`` as a non-negative index after checking that it can split ``name`` in two.

    For the gated units (``glu``, ``swiglu``), which cut ``name`` into halves along
    ``axis``: ``axis`` must be an integer in ``[-ndim, ndim)`` (``TypeError`` /
    ``ValueError`` naming ``axis``), and ``name``'s size along it even (``ValueError`` naming
    ``name``). An unknown size (``None``, a symbolic dimension) passes. One function, so the
    NumPy and Keras sides give the same messages.
    """
    shape = tuple(shape)
    ndim = len(shape)
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"axis must be an integer, got {type(axis).__name__} {axis!r}")
    if ndim == 0:
        raise ValueError(f"{name} must have at least one dimension to split, got a scalar")
    if not -ndim <= axis < ndim:
        raise ValueError(
            f"axis must be in [-{ndim}, {ndim}) for {name} of shape {shape}, got {axis}"
        )
    axis = int(axis) % ndim
    if shape[axis] is not None and shape[axis] % 2:
        raise ValueError(
            f"{name} must have an even size along axis {axis} to split into two halves, "
            f"got shape {shape}"
        )
    return axis


def check_binary_labels(y: np.ndarray, name: str = "y") -> np.ndarray:
    """Check that ``y`` is a non-empty 1-D array of 0s and 1s and return it as float64."""
    y = as_float_array(y, name, ndim=1)  # numbers, real, finite, 1-D, not empty
    values = np.unique(y)
    if not np.all(np.isin(values, (0, 1))):
        shown = ", ".join(str(v) for v in values[:6])
        raise ValueError(f"{name} must hold binary labels 0/1 only, got values {{{shown}}}")
    return y.astype(np.float64)


def check_train_and_query(X_train, y_train, X) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate a fit-and-predict call: 2-D finite ``X_train`` and ``X`` with the same number
    of features, and 1-D integer class labels ``y_train``, one per training row.

    Returns ``(X_train, y_train, X)`` with the arrays as float64 and the labels unchanged.
    """
    X_train = as_float_array(X_train, "X_train", ndim=2)
    y_train = np.asarray(y_train)
    if y_train.ndim != 1:
        raise ValueError(f"y_train must be 1-dimensional, got shape {y_train.shape}")
    if not np.issubdtype(y_train.dtype, np.integer):
        raise TypeError(f"y_train must hold integer class labels, got dtype {y_train.dtype}")
    check_same_length(X_train, y_train, "X_train", "y_train")
    X = as_float_array(X, "X", ndim=2)
    if X.shape[1] != X_train.shape[1]:
        raise ValueError(
            f"X must have {X_train.shape[1]} features like X_train, got shape {X.shape}"
        )
    return X_train, y_train, X


def keras_input(value, name: str = "x", *, ndim: int | tuple[int, ...] | None = None):
    """Check an array argument of a Keras-side function at its public boundary.

    The Keras twin of :func:`as_float_array`, with the same messages on every backend:
    ``None``, strings, object and complex values are a ``TypeError``; an empty array or a
    wrong rank a ``ValueError``. Integer and boolean input becomes ``keras.config.floatx()``
    (so ``sigmoid([1, 2])`` works on every backend, as in NumPy); floating input keeps its
    dtype. NaN and inf pass: Keras functions are defined on them (``relu(NaN)`` is NaN).

    Only static properties are read (dtype, rank, known dimensions), so the check costs no
    host synchronisation and also works on the symbolic tensors of a traced or compiled
    step, where nothing may be raised mid-computation.

    Returns
    -------
    tensor
        ``value`` as a backend tensor.
    """
    from keras import backend, ops

    if not (ops.is_tensor(value) or backend.is_keras_tensor(value)):
        arr = _real_numbers(value, name)
        if not np.issubdtype(arr.dtype, np.floating):
            arr = arr.astype(backend.floatx())
        value = arr
    dtype = backend.standardize_dtype(value.dtype)
    if dtype.startswith("complex") or dtype == "string":
        raise TypeError(f"{name} must hold real numbers, got a {dtype} tensor")
    _check_rank_and_size(tuple(value.shape), name, ndim)
    value = ops.convert_to_tensor(value)
    if not dtype.startswith(("float", "bfloat")):
        value = ops.cast(value, backend.floatx())
    return value
