"""Every dataset the book uses, seeded and offline first.

* scikit-learn's shipped tables: ``iris``, ``wine``, ``breast_cancer``, ``digits``, ``diabetes``;
* synthetic generators with known answers: a noisy line, house prices from a known formula,
  moons, circles, XOR and spirals;
* :func:`split`: train / validation / test, stratified for classification, with the
  standardisation fitted on the training part only (fitting it on all the data would leak
  test information into training);
* text: gensim's shipped Lee corpus, Python's own ``pydoc_data`` help topics, and Tiny
  Shakespeare through a real downloader (URL, SHA-256, cache, atomic write, retries) that
  falls back to an offline corpus, with one clear warning, when there is no network.

Nothing here downloads unless :func:`tiny_shakespeare` is asked to.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
import urllib.error
import urllib.request
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .checks import (
    as_float_array,
    check_choice,
    check_positive,
    check_positive_int,
    check_same_length,
    check_seed,
)

SKLEARN_DATASETS = ("iris", "wine", "breast_cancer", "digits", "diabetes")
SYNTHETIC_DATASETS = ("moons", "circles", "xor", "spirals", "house_prices", "noisy_line")
DATASETS = SKLEARN_DATASETS + SYNTHETIC_DATASETS
"""Names accepted by :func:`load`."""

# House prices (in $1000s) = 50 + 0.12·sqft + 15·bedrooms − 0.8·age + noise
HOUSE_PRICE_FEATURES = ("square_feet", "bedrooms", "age_years")
HOUSE_PRICE_COEF = np.array([0.12, 15.0, -0.8])
HOUSE_PRICE_INTERCEPT = 50.0


@dataclass(frozen=True)
class Split:
    """A dataset split into train, validation and test parts.

    ``X_*`` are float64 arrays of shape ``(n, n_features)``; ``y_*`` are int64 labels for
    classification and float64 targets for regression. ``mean`` and ``scale`` are the
    standardisation fitted on the training part (``x_std = (x - mean) / scale``); they are
    zeros and ones when the split is not standardised.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    name: str
    task: str
    feature_names: tuple[str, ...]
    target_names: tuple[str, ...]
    n_classes: int
    mean: np.ndarray
    scale: np.ndarray

    @property
    def n_features(self) -> int:
        return self.X_train.shape[1]

    def __repr__(self) -> str:
        return (
            f"Split({self.name!r}, {self.task}, train={len(self.y_train)}, "
            f"val={len(self.y_val)}, test={len(self.y_test)}, features={self.n_features}"
            + (f", classes={self.n_classes})" if self.n_classes else ")")
        )


# --------------------------------------------------------------------------- generators


def _rng(seed) -> np.random.Generator:
    return np.random.default_rng(check_seed(seed))


def make_noisy_line(n_samples=100, slope=2.0, intercept=1.0, noise=1.0, seed=0):
    """Points on ``y = slope·x + intercept + ε`` with ``x ~ U(-3, 3)``, ``ε ~ N(0, noise²)``.

    Returns
    -------
    X : ndarray of shape (n_samples, 1)
    y : ndarray of shape (n_samples,)
    """
    n = check_positive_int(n_samples, "n_samples")
    noise = check_positive(noise, "noise", allow_zero=True)
    rng = _rng(seed)
    x = rng.uniform(-3.0, 3.0, size=n)
    y = slope * x + intercept + noise * rng.normal(size=n)
    return x[:, None], y


def make_house_prices(n_samples=500, seed=0, noise=20.0):
    """House prices (in $1000s) from a known linear formula, for checking fitted coefficients.

    ``price = 50 + 0.12·square_feet + 15·bedrooms − 0.8·age_years + ε``, ``ε ~ N(0, noise²)``;
    the true values are :data:`HOUSE_PRICE_COEF` and :data:`HOUSE_PRICE_INTERCEPT`.

    Returns
    -------
    X : ndarray of shape (n_samples, 3)
        Columns :data:`HOUSE_PRICE_FEATURES`.
    y : ndarray of shape (n_samples,)
    """
    n = check_positive_int(n_samples, "n_samples")
    noise = check_positive(noise, "noise", allow_zero=True)
    rng = _rng(seed)
    bedrooms = rng.integers(1, 6, size=n).astype(np.float64)
    sqft = 400.0 * bedrooms + rng.normal(300.0, 250.0, size=n).clip(-200, None)
    age = rng.uniform(0.0, 80.0, size=n)
    X = np.column_stack([sqft, bedrooms, age])
    y = X @ HOUSE_PRICE_COEF + HOUSE_PRICE_INTERCEPT + noise * rng.normal(size=n)
    return X, y


def make_moons(n_samples=500, noise=0.2, seed=0):
    """Two interleaving half circles (classes 0 and 1) plus Gaussian noise.

    Returns ``X`` of shape (n_samples, 2) and int64 labels ``y`` of shape (n_samples,).
    """
    n = check_positive_int(n_samples, "n_samples", minimum=2)
    noise = check_positive(noise, "noise", allow_zero=True)
    rng = _rng(seed)
    n0 = n // 2
    t0 = rng.uniform(0, np.pi, size=n0)
    t1 = rng.uniform(0, np.pi, size=n - n0)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])
    X = np.vstack([upper, lower]) + noise * rng.normal(size=(n, 2))
    y = np.r_[np.zeros(n0, np.int64), np.ones(n - n0, np.int64)]
    return _shuffled(X, y, rng)


def make_circles(n_samples=500, noise=0.1, factor=0.5, seed=0):
    """A small circle (class 1, radius ``factor``) inside a large one (class 0, radius 1)."""
    n = check_positive_int(n_samples, "n_samples", minimum=2)
    noise = check_positive(noise, "noise", allow_zero=True)
    if not 0 < factor < 1:
        raise ValueError(f"factor must be between 0 and 1 (exclusive), got {factor}")
    rng = _rng(seed)
    n0 = n // 2
    t = rng.uniform(0, 2 * np.pi, size=n)
    radius = np.r_[np.ones(n0), np.full(n - n0, float(factor))]
    X = radius[:, None] * np.column_stack([np.cos(t), np.sin(t)]) + noise * rng.normal(size=(n, 2))
    y = np.r_[np.zeros(n0, np.int64), np.ones(n - n0, np.int64)]
    return _shuffled(X, y, rng)


def make_xor(n_samples=400, noise=0.1, seed=0):
    """Four clusters at (±1, ±1); the label is 1 where exactly one coordinate is positive.

    No straight line separates the classes: the smallest problem a linear model cannot
    solve and a one-hidden-layer network can (chapter 5).
    """
    n = check_positive_int(n_samples, "n_samples", minimum=4)
    noise = check_positive(noise, "noise", allow_zero=True)
    rng = _rng(seed)
    corners = rng.integers(0, 2, size=(n, 2))
    X = (2.0 * corners - 1.0) + noise * rng.normal(size=(n, 2))
    y = (corners[:, 0] ^ corners[:, 1]).astype(np.int64)
    return X, y


def make_spirals(n_samples=600, n_classes=3, noise=0.2, seed=0):
    """``n_classes`` interleaved spiral arms in 2-D (a classic hard toy problem)."""
    n = check_positive_int(n_samples, "n_samples", minimum=2)
    k = check_positive_int(n_classes, "n_classes", minimum=2)
    noise = check_positive(noise, "noise", allow_zero=True)
    rng = _rng(seed)
    per_class = np.full(k, n // k)
    per_class[: n % k] += 1
    X, y = [], []
    for c, m in enumerate(per_class):
        r = np.linspace(0.05, 1.0, m)
        theta = np.linspace(0, 4.0, m) + 2 * np.pi * c / k + noise * rng.normal(size=m)
        X.append(np.column_stack([r * np.sin(theta), r * np.cos(theta)]))
        y.append(np.full(m, c, dtype=np.int64))
    return _shuffled(np.vstack(X), np.concatenate(y), rng)


def _shuffled(X, y, rng):
    order = rng.permutation(len(y))
    return X[order], y[order]


# --------------------------------------------------------------------------- tables


def _load_sklearn(name: str):
    from sklearn import datasets

    loader = getattr(datasets, f"load_{name}")
    bunch = loader()
    X = bunch.data.astype(np.float64)
    y = bunch.target
    feature_names = tuple(str(f) for f in bunch.feature_names)
    if name == "diabetes":
        return X, y.astype(np.float64), feature_names, ("disease_progression",), "regression"
    targets = tuple(str(t) for t in bunch.target_names)
    return X, y.astype(np.int64), feature_names, targets, "classification"


def _load_synthetic(name: str, seed: int):
    if name == "house_prices":
        X, y = make_house_prices(seed=seed)
        return X, y, HOUSE_PRICE_FEATURES, ("price_k$",), "regression"
    if name == "noisy_line":
        X, y = make_noisy_line(seed=seed)
        return X, y, ("x",), ("y",), "regression"
    maker = {"moons": make_moons, "circles": make_circles, "xor": make_xor, "spirals": make_spirals}
    X, y = maker[name](seed=seed)
    classes = tuple(f"class {c}" for c in range(int(y.max()) + 1))
    return X, y, ("x1", "x2"), classes, "classification"


def load(
    name: str,
    *,
    seed: int = 0,
    val_size: float = 0.2,
    test_size: float = 0.2,
    standardize: bool = True,
) -> Split:
    """Load one of the book's datasets (:data:`DATASETS`) as a :class:`Split`.

    Parameters
    ----------
    name : str
        One of :data:`DATASETS`.
    seed : int, default 0
        Seeds the synthetic generator and the split.
    val_size, test_size : float, default 0.2
        Fractions of all samples held out for validation and test.
    standardize : bool, default True
        Standardise features with mean and standard deviation of the training part.

    Examples
    --------
    >>> from mlfoundations import data
    >>> data.load("iris")
    Split('iris', classification, train=90, val=30, test=30, features=4, classes=3)
    """
    check_choice(name, "dataset", DATASETS)
    if name in SKLEARN_DATASETS:
        X, y, features, targets, task = _load_sklearn(name)
    else:
        X, y, features, targets, task = _load_synthetic(name, seed)
    return split(
        X,
        y,
        val_size=val_size,
        test_size=test_size,
        seed=seed,
        standardize=standardize,
        task=task,
        name=name,
        feature_names=features,
        target_names=targets,
    )


def split(
    X,
    y,
    *,
    val_size: float = 0.2,
    test_size: float = 0.2,
    seed: int = 0,
    standardize: bool = True,
    task: str | None = None,
    name: str = "custom",
    feature_names=None,
    target_names=None,
) -> Split:
    """Split ``(X, y)`` into train / validation / test and optionally standardise.

    Classification splits are stratified (each part keeps the class proportions). The
    standardisation ``(x - mean) / scale`` is fitted on the training part only; a constant
    feature gets ``scale = 1``.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of shape (n_samples,)
    val_size, test_size : float
        Fractions in [0, 1) with ``val_size + test_size < 1``. ``val_size=0`` gives an
        empty validation part.
    seed : int
    standardize : bool
    task : {"classification", "regression"}, optional
        Inferred when omitted: integer labels mean classification.
    name : str
    """
    X = as_float_array(X, "X", ndim=2)
    y_arr = np.asarray(y)
    if y_arr.ndim != 1:
        raise ValueError(f"y must be 1-dimensional, got shape {y_arr.shape}")
    as_float_array(y_arr, "y", ndim=1)  # finite, numeric
    check_same_length(X, y_arr, "X", "y")
    for frac, label in ((val_size, "val_size"), (test_size, "test_size")):
        if not (isinstance(frac, (int, float)) and 0 <= frac < 1):
            raise ValueError(f"{label} must be a fraction in [0, 1), got {frac!r}")
    if val_size + test_size >= 1:
        raise ValueError(f"val_size + test_size must be < 1, got {val_size + test_size}")
    if task is None:
        task = "classification" if np.issubdtype(y_arr.dtype, np.integer) else "regression"
    check_choice(task, "task", ("classification", "regression"))
    y_arr = y_arr.astype(np.int64 if task == "classification" else np.float64)
    rng = _rng(seed)

    from sklearn.model_selection import train_test_split

    stratify = y_arr if task == "classification" else None
    idx = np.arange(len(y_arr))
    held = val_size + test_size
    if held > 0:
        train_idx, rest = train_test_split(
            idx, test_size=held, random_state=int(seed), stratify=stratify
        )
    else:
        train_idx, rest = rng.permutation(idx), idx[:0]
    if val_size > 0 and test_size > 0:
        strat_rest = y_arr[rest] if task == "classification" else None
        val_idx, test_idx = train_test_split(
            rest, test_size=test_size / held, random_state=int(seed), stratify=strat_rest
        )
    elif val_size > 0:
        val_idx, test_idx = rest, rest[:0]
    else:
        val_idx, test_idx = rest[:0], rest

    n_features = X.shape[1]
    if standardize:
        mean = X[train_idx].mean(axis=0)
        scale = X[train_idx].std(axis=0)
        scale = np.where(scale > 0, scale, 1.0)
    else:
        mean, scale = np.zeros(n_features), np.ones(n_features)

    def part(ids):
        return (X[ids] - mean) / scale, y_arr[ids]

    X_train, y_train = part(train_idx)
    X_val, y_val = part(val_idx)
    X_test, y_test = part(test_idx)
    n_classes = int(y_arr.max()) + 1 if task == "classification" else 0
    features = (
        tuple(feature_names)
        if feature_names is not None
        else tuple(f"x{i}" for i in range(n_features))
    )
    targets = (
        tuple(target_names)
        if target_names is not None
        else (tuple(str(c) for c in range(n_classes)) if n_classes else ("y",))
    )
    return Split(
        X_train,
        y_train,
        X_val,
        y_val,
        X_test,
        y_test,
        name=name,
        task=task,
        feature_names=features,
        target_names=targets,
        n_classes=n_classes,
        mean=mean,
        scale=scale,
    )


# --------------------------------------------------------------------------- text

TINY_SHAKESPEARE_URL = (
    "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"
)
TINY_SHAKESPEARE_SHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"


class ChecksumError(OSError):
    """A downloaded file's SHA-256 did not match the expected value."""


class OfflineFallbackWarning(UserWarning):
    """A download failed and an offline corpus that ships with a dependency was used instead."""


def cache_dir() -> Path:
    """Where downloads are cached: ``$MLF_DATA_DIR`` or ``~/.cache/mlfoundations``."""
    return Path(os.environ.get("MLF_DATA_DIR") or Path.home() / ".cache" / "mlfoundations")


def sha256_file(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download(
    url: str,
    path: str | os.PathLike,
    *,
    sha256: str,
    retries: int = 3,
    timeout: float = 30.0,
    backoff: float = 1.0,
) -> Path:
    """Download ``url`` to ``path`` unless a file with the right checksum is already there.

    The bytes go to a temporary file in the destination folder, are checked against
    ``sha256``, and only then renamed into place: an interrupted or corrupted download
    never leaves a file that looks complete. Network errors are retried ``retries`` times
    with exponential back-off; a checksum mismatch is not retried (the source is wrong).

    Parameters
    ----------
    url : str
        ``https://``, ``http://`` or ``file://`` URL.
    path : path-like
        Destination file.
    sha256 : str
        Expected hex digest (64 characters).

    Raises
    ------
    ChecksumError
        The downloaded bytes do not match ``sha256``.
    OSError
        The download failed after all retries (``urllib.error.URLError`` is an ``OSError``).
    """
    path = Path(path)
    if not (isinstance(sha256, str) and len(sha256) == 64):
        raise ValueError(f"sha256 must be a 64-character hex digest, got {sha256!r}")
    retries = check_positive_int(retries, "retries", minimum=1)
    if path.exists():
        if sha256_file(path) == sha256:
            return path
        # A cached file that does not match is never trusted, and never silently replaced
        # by a user's own file of the same name: move it aside.
        path.replace(path.with_suffix(path.suffix + ".corrupt"))
    path.parent.mkdir(parents=True, exist_ok=True)
    last_error: Exception | None = None
    for attempt in range(retries):
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        try:
            digest = hashlib.sha256()
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as src:
                for chunk in iter(lambda: src.read(1 << 16), b""):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != sha256:
                raise ChecksumError(
                    f"checksum mismatch for {url}: expected sha256 {sha256}, "
                    f"got {digest.hexdigest()}"
                )
            os.replace(tmp, path)
            return path
        except ChecksumError:
            Path(tmp).unlink(missing_ok=True)
            raise
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            Path(tmp).unlink(missing_ok=True)
            last_error = exc
            if attempt + 1 < retries:
                time.sleep(backoff * 2**attempt)
    raise OSError(f"could not download {url} after {retries} attempts: {last_error}")


def tiny_shakespeare(
    *,
    url: str = TINY_SHAKESPEARE_URL,
    sha256: str = TINY_SHAKESPEARE_SHA256,
    cache: str | os.PathLike | None = None,
    offline_fallback: bool = True,
    retries: int = 3,
    timeout: float = 30.0,
) -> str:
    """Tiny Shakespeare (1,115,394 characters), the corpus of char-level GPT demos.

    Downloaded once into the cache (:func:`cache_dir`) and checked by SHA-256. Without a
    network, returns :func:`pydoc_topics` instead and warns once with
    :class:`OfflineFallbackWarning`, so chapters still run offline; pass
    ``offline_fallback=False`` to get the error instead.
    """
    target = Path(cache) if cache is not None else cache_dir() / "tinyshakespeare.txt"
    try:
        return download(url, target, sha256=sha256, retries=retries, timeout=timeout).read_text(
            encoding="utf-8"
        )
    except ChecksumError:
        raise
    except OSError as exc:
        if not offline_fallback:
            raise
        warnings.warn(
            f"Tiny Shakespeare is not available ({exc}); using the offline corpus "
            "pydoc_topics() instead. Numbers will differ from runs on Tiny Shakespeare.",
            OfflineFallbackWarning,
            stacklevel=2,
        )
        return pydoc_topics()


def pydoc_topics() -> str:
    """Python's own help texts (``pydoc_data.topics``): ~465,000 characters of English, offline."""
    from pydoc_data.topics import topics

    return "\n\n".join(topics[key] for key in sorted(topics))


def lee_corpus() -> list[list[str]]:
    """gensim's shipped Lee background corpus: 300 news paragraphs, lower-cased tokens.

    Requires the ``text`` extra (gensim). Returns one token list per document.
    """
    try:
        from gensim.test.utils import datapath
        from gensim.utils import simple_preprocess
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("lee_corpus needs gensim: pip install 'mlfoundations[text]'") from exc
    with open(datapath("lee_background.cor"), encoding="utf-8") as fh:
        return [simple_preprocess(line) for line in fh if line.strip()]
