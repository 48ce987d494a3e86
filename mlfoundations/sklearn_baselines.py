"""Classical baselines: the bar every neural model in the book has to clear.

:func:`baseline_table` fits a suite of scikit-learn models with their default
hyperparameters on one of the book's datasets and scores them on its test split. Each
model is a :class:`~sklearn.pipeline.Pipeline` whose first step is a ``StandardScaler``
fitted on the training part only, and regression targets are standardised the same way
(on the training targets), so the numbers are right for any :class:`~mlfoundations.data.Split`,
standardised or not, and a default hyperparameter such as an SVM's ``C`` means the same on
every dataset. Chapter 2 shows the table for every dataset; chapters 3-6 put their own
results beside its rows.

Hyperparameters are scikit-learn's defaults except where a default does not fit: more
iterations for logistic regression (1000) and the MLP (2000), so they converge, and
``Lasso(alpha=0.01)``, because on standardised targets the default ``alpha=1`` sets every
coefficient to zero. Models are fitted on one thread (see ``_one_thread``).

    from mlfoundations import sklearn_baselines
    rows = sklearn_baselines.baseline_table("wine")
    sklearn_baselines.print_table(rows)
"""

from __future__ import annotations

import numbers
import time
from collections.abc import Iterable

import numpy as np

from .checks import (
    as_float_array,
    check_choice,
    check_positive_int,
    check_same_length,
    check_seed,
)

CLASSIFICATION_MODELS = (
    "logistic_regression",
    "svm_rbf",
    "decision_tree",
    "random_forest",
    "knn",
    "naive_bayes",
    "hist_gradient_boosting",
    "mlp",
)
"""Models :func:`baseline_table` fits on a classification dataset, in table order."""

REGRESSION_MODELS = (
    "linear_regression",
    "ridge",
    "lasso",
    "svm_rbf",
    "decision_tree",
    "random_forest",
    "knn",
    "hist_gradient_boosting",
    "mlp",
)
"""Models :func:`baseline_table` fits on a regression dataset, in table order."""

MODELS = tuple(dict.fromkeys(CLASSIFICATION_MODELS + REGRESSION_MODELS))
"""Every model name, for either task (``models_for(task)`` gives one task's names)."""

TASKS = ("classification", "regression")

N_ESTIMATORS = 100
"""Trees in a random forest and boosting rounds in gradient boosting (scikit-learn's default)."""

MLP_HIDDEN = (100,)
MLP_MAX_ITER = 2000
"""The MLP's hidden layer (scikit-learn's default) and an epoch cap it reaches convergence
within on the book's datasets (scikit-learn's default of 200 stops too early there)."""


def models_for(task: str) -> tuple[str, ...]:
    """Model names for ``task`` ("classification" or "regression")."""
    check_choice(task, "task", TASKS)
    return CLASSIFICATION_MODELS if task == "classification" else REGRESSION_MODELS


def _estimator(name: str, task: str, seed: int, n_estimators: int):
    """The bare scikit-learn estimator behind a model name (defaults, seeded)."""
    from sklearn import ensemble, linear_model, naive_bayes, neighbors, neural_network, svm, tree

    if task == "classification":
        factories = {
            "logistic_regression": lambda: linear_model.LogisticRegression(
                max_iter=1000, random_state=seed
            ),
            "svm_rbf": lambda: svm.SVC(kernel="rbf", random_state=seed),
            "decision_tree": lambda: tree.DecisionTreeClassifier(random_state=seed),
            "random_forest": lambda: ensemble.RandomForestClassifier(
                n_estimators=n_estimators, random_state=seed
            ),
            "knn": lambda: neighbors.KNeighborsClassifier(n_neighbors=5),
            "naive_bayes": lambda: naive_bayes.GaussianNB(),
            "hist_gradient_boosting": lambda: ensemble.HistGradientBoostingClassifier(
                max_iter=n_estimators, random_state=seed
            ),
            "mlp": lambda: neural_network.MLPClassifier(
                hidden_layer_sizes=MLP_HIDDEN, max_iter=MLP_MAX_ITER, random_state=seed
            ),
        }
    else:
        factories = {
            "linear_regression": lambda: linear_model.LinearRegression(),
            "ridge": lambda: linear_model.Ridge(alpha=1.0, random_state=seed),
            "lasso": lambda: linear_model.Lasso(alpha=0.01, random_state=seed),
            "svm_rbf": lambda: svm.SVR(kernel="rbf"),
            "decision_tree": lambda: tree.DecisionTreeRegressor(random_state=seed),
            "random_forest": lambda: ensemble.RandomForestRegressor(
                n_estimators=n_estimators, random_state=seed
            ),
            "knn": lambda: neighbors.KNeighborsRegressor(n_neighbors=5),
            "hist_gradient_boosting": lambda: ensemble.HistGradientBoostingRegressor(
                max_iter=n_estimators, random_state=seed
            ),
            "mlp": lambda: neural_network.MLPRegressor(
                hidden_layer_sizes=MLP_HIDDEN, max_iter=MLP_MAX_ITER, random_state=seed
            ),
        }
    return factories[name]()


def make_model(name: str, task: str, *, seed: int = 0, n_estimators: int = N_ESTIMATORS):
    r"""The scikit-learn pipeline :func:`baseline_table` fits for one model name.

    ``StandardScaler`` then the estimator, so the scaling is fitted on whatever ``fit``
    receives (the training part) and reapplied unchanged to new data:
    $\tilde x = (x - \mu_{\text{train}}) / \sigma_{\text{train}}$. For regression the
    pipeline is wrapped in a ``TransformedTargetRegressor`` that standardises $y$ the same
    way and maps predictions back to the original units.

    Parameters
    ----------
    name : str
        One of ``models_for(task)``.
    task : {"classification", "regression"}
    seed : int, default 0
        ``random_state`` of every estimator that has one.
    n_estimators : int, default 100
        Trees of a random forest, boosting rounds of gradient boosting.

    Returns
    -------
    sklearn estimator
        Unfitted; ``fit(X_train, y_train)`` then ``predict(X)``.
    """
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    check_choice(task, "task", TASKS)
    _check_model_name(name, task)
    seed = check_seed(seed)
    n_estimators = check_positive_int(n_estimators, "n_estimators")
    pipeline = Pipeline(
        [("scale", StandardScaler()), (name, _estimator(name, task, seed, n_estimators))]
    )
    if task == "regression":
        return TransformedTargetRegressor(regressor=pipeline, transformer=StandardScaler())
    return pipeline


def make_kmeans(n_clusters: int, *, seed: int = 0):
    r"""``StandardScaler`` then ``KMeans(n_clusters, n_init=10, random_state=seed)``.

    k-means places $k$ centres $\mu_c$ to minimise the within-cluster sum of squares
    $\sum_i \min_c \lVert x_i - \mu_c \rVert^2$ (Lloyd's algorithm from 10 starts,
    keeping the best).
    """
    from sklearn.cluster import KMeans
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    n_clusters = check_positive_int(n_clusters, "n_clusters")
    seed = check_seed(seed)
    return Pipeline(
        [
            ("scale", StandardScaler()),
            ("k_means", KMeans(n_clusters=n_clusters, n_init=10, random_state=seed)),
        ]
    )


def baseline_table(
    dataset,
    models: str | Iterable[str] | None = None,
    seed: int = 0,
    *,
    n_estimators: int = N_ESTIMATORS,
) -> list[dict]:
    r"""Fit the classical baselines on a dataset's training part and score them on its test part.

    Classification rows hold the test ``accuracy`` $\frac{1}{n}\sum_i [\hat y_i = y_i]$ and
    the macro-averaged ``f1_macro`` $\frac{1}{K}\sum_k \frac{2 P_k R_k}{P_k + R_k}$
    (precision $P_k$, recall $R_k$ of class $k$). Regression rows hold
    $R^2 = 1 - \sum_i (y_i - \hat y_i)^2 / \sum_i (y_i - \bar y)^2$ and
    $\text{RMSE} = \sqrt{\frac{1}{n}\sum_i (y_i - \hat y_i)^2}$ in the target's units.

    Every model is the pipeline of :func:`make_model`: its ``StandardScaler`` is fitted on
    the training part only. ``data.load(..., standardize=True)`` has already standardised
    the features, so there the scaler is (nearly) the identity; it is kept so the
    baselines are also correct for an unstandardised Split (``standardize=False``, or
    ``data.split`` of raw data). The numbers equal those of the same scikit-learn pipeline
    built by hand on the same Split. The validation part is not used.

    Parameters
    ----------
    dataset : str or Split
        A name from ``data.DATASETS`` (loaded with ``data.load(name, seed=seed)``), or a
        ``data.Split`` (anything with ``X_train, y_train, X_test, y_test, task, name``).
    models : str or iterable of str, optional
        Model names to fit, from ``models_for(task)``; all of them by default.
    seed : int, default 0
        Seeds every random model (and the split, when ``dataset`` is a name).
    n_estimators : int, default 100
        Trees of the random forest and rounds of gradient boosting (fewer is faster).

    Returns
    -------
    list of dict
        One row per model: ``model``, ``dataset``, the metrics (``accuracy`` and
        ``f1_macro``, or ``r2`` and ``rmse``) and ``fit_seconds``.

    Raises
    ------
    ValueError
        Unknown dataset or model name (the message lists the valid ones), or a Split whose
        arrays are empty, non-finite, or of mismatched lengths.
    """
    split = _as_split(dataset, seed)
    names = _model_names(models, split.task)
    n_estimators = check_positive_int(n_estimators, "n_estimators")
    return [
        _fit_and_score(
            make_model(name, split.task, seed=seed, n_estimators=n_estimators), name, split
        )
        for name in names
    ]


def kmeans_baseline(dataset, *, n_clusters: int | None = None, seed: int = 0) -> dict:
    """Cluster a classification dataset without its labels and compare with the labels.

    k-means (:func:`make_kmeans`) is fitted on the training features (never the labels);
    each sample is assigned to its nearest centre, and the assignment is compared with the
    hidden labels by the adjusted Rand index (1: the same partition up to renaming the
    clusters; about 0: no better than chance), on the training part the clusters were
    found on and on the unseen test part.

    Parameters
    ----------
    dataset : str or Split
        A classification dataset (see :func:`baseline_table`).
    n_clusters : int, optional
        Defaults to the number of classes.
    seed : int, default 0

    Returns
    -------
    dict
        ``model`` ("k_means"), ``dataset``, ``n_clusters``, ``adjusted_rand_train``,
        ``adjusted_rand_test`` and ``fit_seconds``.
    """
    from sklearn.metrics import adjusted_rand_score

    split = _as_split(dataset, seed)
    if split.task != "classification":
        raise ValueError(
            f"dataset must be a classification dataset (k-means is scored against its labels), "
            f"got {split.name!r}, a {split.task} dataset"
        )
    k = len(np.unique(split.y_train)) if n_clusters is None else n_clusters
    model = make_kmeans(k, seed=seed)
    seconds = _timed_fit(model, split.X_train)
    with _one_thread():
        clusters_train = model.predict(split.X_train)
        clusters_test = model.predict(split.X_test)
    return {
        "model": "k_means",
        "dataset": split.name,
        "n_clusters": int(k),
        "adjusted_rand_train": float(adjusted_rand_score(split.y_train, clusters_train)),
        "adjusted_rand_test": float(adjusted_rand_score(split.y_test, clusters_test)),
        "fit_seconds": seconds,
    }


def format_table(rows: list[dict], *, style: str = "plain", floatfmt: str = ".4g") -> str:
    """Rows of :func:`baseline_table` as an aligned text table or a Markdown table.

    Rows of different tasks may be mixed: the columns are the union of the rows' keys,
    and a metric a row does not have is left blank.
    """
    from .book.report import format_table as _format

    if not rows:
        raise ValueError("rows must contain at least one row")
    columns = list(dict.fromkeys(key for row in rows for key in row))
    columns.sort(key=lambda c: c == "fit_seconds")  # timings last, the rest in order
    return _format(
        [{c: row.get(c) for c in columns} for row in rows], floatfmt=floatfmt, style=style
    )


def print_table(rows: list[dict], *, floatfmt: str = ".4g") -> None:
    """Print rows of :func:`baseline_table` as an aligned text table."""
    print(format_table(rows, floatfmt=floatfmt))


def summarize(rows: list[dict]) -> list[dict]:
    """Mean and standard deviation of each metric over repeated runs (e.g. several seeds).

    Rows with the same ``model`` and ``dataset`` are grouped; each numeric column ``m``
    becomes ``m`` (the mean) and ``m_std`` (the population standard deviation), and
    ``runs`` counts the rows in the group. Groups keep the order of first appearance.
    """
    if not rows:
        raise ValueError("rows must contain at least one row")
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["model"], row["dataset"]), []).append(row)
    out = []
    for (model, dataset), group in groups.items():
        summary = {"model": model, "dataset": dataset}
        for key, value in group[0].items():
            if isinstance(value, numbers.Real) and not isinstance(value, bool):
                values = np.array([r[key] for r in group], dtype=np.float64)
                summary[key] = float(values.mean())
                summary[f"{key}_std"] = float(values.std())
        summary["runs"] = len(group)
        out.append(summary)
    return out


def best_rows(rows: list[dict]) -> list[dict]:
    """The best model per dataset: highest accuracy, or highest $R^2$."""
    best: dict[str, dict] = {}
    for row in rows:
        metric = "accuracy" if "accuracy" in row else "r2"
        if row["dataset"] not in best or row[metric] > best[row["dataset"]][metric]:
            best[row["dataset"]] = row
    return list(best.values())


# --------------------------------------------------------------------------- helpers


def _one_thread():
    """Run native code (OpenMP, BLAS) on one thread.

    On datasets this small, threads cost more than they save, and on a shared CPU an
    OpenMP pool that busy-waits for busy cores made gradient boosting on digits 15x
    slower (measured: 30 s vs 2 s). The fitted models are the same.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def _timed_fit(model, *args) -> float:
    """Fit ``model`` on one thread; return the wall-clock seconds it took."""
    with _one_thread():
        start = time.perf_counter()
        model.fit(*args)
        return time.perf_counter() - start


def _fit_and_score(model, name: str, split) -> dict:
    from sklearn import metrics

    seconds = _timed_fit(model, split.X_train, split.y_train)
    with _one_thread():
        y_pred = model.predict(split.X_test)
    row = {"model": name, "dataset": split.name}
    if split.task == "classification":
        row["accuracy"] = float(metrics.accuracy_score(split.y_test, y_pred))
        row["f1_macro"] = float(metrics.f1_score(split.y_test, y_pred, average="macro"))
    else:
        row["r2"] = float(metrics.r2_score(split.y_test, y_pred))
        row["rmse"] = float(np.sqrt(metrics.mean_squared_error(split.y_test, y_pred)))
    row["fit_seconds"] = seconds
    return row


def _model_names(models, task: str) -> tuple[str, ...]:
    valid = models_for(task)
    if models is None:
        return valid
    if isinstance(models, str):
        models = (models,)
    try:
        names = tuple(models)
    except TypeError:
        raise TypeError(
            f"models must be a model name or an iterable of names, got {type(models).__name__}"
        ) from None
    if not names:
        raise ValueError("models must name at least one model")
    for name in names:
        _check_model_name(name, task)
    return names


def _check_model_name(name, task: str) -> None:
    valid = models_for(task)
    if name in valid:
        return
    listed = ", ".join(repr(v) for v in valid)
    other = "regression" if task == "classification" else "classification"
    hint = f" ({name!r} is a {other} model)" if name in models_for(other) else ""
    raise ValueError(
        f"unknown model {name!r} for a {task} dataset{hint}; expected one of: {listed}"
    )


def _as_split(dataset, seed):
    """A validated Split from a dataset name or a Split-like object."""
    from . import data

    seed = check_seed(seed)
    if isinstance(dataset, str):
        check_choice(dataset, "dataset", data.DATASETS)
        return data.load(dataset, seed=seed)
    needed = ("X_train", "y_train", "X_test", "y_test", "task", "name")
    missing = [a for a in needed if not hasattr(dataset, a)]
    if missing:
        raise TypeError(
            f"dataset must be a name from data.DATASETS or a data.Split, got "
            f"{type(dataset).__name__} (missing {', '.join(missing)})"
        )
    check_choice(dataset.task, "dataset.task", TASKS)
    for part in ("train", "test"):
        X = as_float_array(getattr(dataset, f"X_{part}"), f"dataset.X_{part}", ndim=2)
        y = as_float_array(getattr(dataset, f"y_{part}"), f"dataset.y_{part}", ndim=1)
        check_same_length(X, y, f"dataset.X_{part}", f"dataset.y_{part}")
    n_train, n_test = dataset.X_train.shape[1], dataset.X_test.shape[1]
    if n_train != n_test:
        raise ValueError(
            f"dataset.X_train and dataset.X_test must have the same number of features, "
            f"got {n_train} and {n_test}"
        )
    if dataset.task == "classification":
        y = np.asarray(dataset.y_train)
        if not np.all(y == np.round(y)):
            raise ValueError("dataset.y_train must hold integer class labels for classification")
        if len(np.unique(y)) < 2:
            raise ValueError("dataset.y_train must hold at least two classes")
    return dataset
