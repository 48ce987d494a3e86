"""The classical baselines: equal to plain scikit-learn on the same split, seeded,
validated; and the NumPy k-NN / naive Bayes references equal to scikit-learn."""

from __future__ import annotations

import dataclasses
import math
import types

import numpy as np
import pytest
from sklearn import ensemble, linear_model, naive_bayes, neighbors, neural_network, svm, tree
from sklearn.cluster import KMeans
from sklearn.compose import TransformedTargetRegressor
from sklearn.metrics import accuracy_score, adjusted_rand_score, f1_score, r2_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlfoundations import data, sklearn_baselines
from mlfoundations.reference import naive_bayes as ref_nb
from mlfoundations.reference import neighbors as ref_knn

CLASSIFICATION_KEYS = ["model", "dataset", "accuracy", "f1_macro", "fit_seconds"]
REGRESSION_KEYS = ["model", "dataset", "r2", "rmse", "fit_seconds"]


@pytest.fixture(scope="module")
def iris():
    return data.load("iris")


@pytest.fixture(scope="module")
def iris_rows(iris):
    return sklearn_baselines.baseline_table(iris)


@pytest.fixture(scope="module")
def house():
    return data.load("house_prices")


def by_model(rows):
    return {row["model"]: row for row in rows}


# --------------------------------------------------------------- equal to plain sklearn


def plain_classifiers(seed):
    """The suite written out by hand with plain scikit-learn."""
    return {
        "logistic_regression": linear_model.LogisticRegression(max_iter=1000, random_state=seed),
        "svm_rbf": svm.SVC(kernel="rbf", random_state=seed),
        "decision_tree": tree.DecisionTreeClassifier(random_state=seed),
        "random_forest": ensemble.RandomForestClassifier(n_estimators=100, random_state=seed),
        "knn": neighbors.KNeighborsClassifier(n_neighbors=5),
        "naive_bayes": naive_bayes.GaussianNB(),
        "hist_gradient_boosting": ensemble.HistGradientBoostingClassifier(
            max_iter=100, random_state=seed
        ),
        "mlp": neural_network.MLPClassifier(
            hidden_layer_sizes=(100,), max_iter=2000, random_state=seed
        ),
    }


def plain_regressors(seed):
    return {
        "linear_regression": linear_model.LinearRegression(),
        "ridge": linear_model.Ridge(alpha=1.0, random_state=seed),
        "lasso": linear_model.Lasso(alpha=0.01, random_state=seed),
        "svm_rbf": svm.SVR(kernel="rbf"),
        "decision_tree": tree.DecisionTreeRegressor(random_state=seed),
        "random_forest": ensemble.RandomForestRegressor(n_estimators=100, random_state=seed),
        "knn": neighbors.KNeighborsRegressor(n_neighbors=5),
        "hist_gradient_boosting": ensemble.HistGradientBoostingRegressor(
            max_iter=100, random_state=seed
        ),
        "mlp": neural_network.MLPRegressor(
            hidden_layer_sizes=(100,), max_iter=2000, random_state=seed
        ),
    }


def test_classification_rows_equal_plain_sklearn_pipelines(iris, iris_rows):
    """Every metric equals (exactly) the same pipeline built by hand on the same Split."""
    rows = by_model(iris_rows)
    assert list(rows) == list(sklearn_baselines.CLASSIFICATION_MODELS)
    for name, estimator in plain_classifiers(seed=0).items():
        model = make_pipeline(StandardScaler(), estimator).fit(iris.X_train, iris.y_train)
        y_pred = model.predict(iris.X_test)
        assert rows[name]["accuracy"] == accuracy_score(iris.y_test, y_pred), name
        assert rows[name]["f1_macro"] == f1_score(iris.y_test, y_pred, average="macro"), name


def test_regression_rows_equal_plain_sklearn_pipelines(house):
    rows = by_model(sklearn_baselines.baseline_table(house))
    assert list(rows) == list(sklearn_baselines.REGRESSION_MODELS)
    for name, estimator in plain_regressors(seed=0).items():
        model = TransformedTargetRegressor(
            regressor=make_pipeline(StandardScaler(), estimator), transformer=StandardScaler()
        ).fit(house.X_train, house.y_train)
        y_pred = model.predict(house.X_test)
        rmse = math.sqrt(np.mean((house.y_test - y_pred) ** 2))
        assert rows[name]["r2"] == pytest.approx(r2_score(house.y_test, y_pred), abs=1e-12)
        assert rows[name]["rmse"] == pytest.approx(rmse, rel=1e-12), name


def test_row_keys_and_metric_ranges(iris_rows, house):
    for row in iris_rows:
        assert list(row) == CLASSIFICATION_KEYS
        assert row["dataset"] == "iris"
        assert 0.0 <= row["accuracy"] <= 1.0 and 0.0 <= row["f1_macro"] <= 1.0
        assert row["fit_seconds"] >= 0.0
    (row,) = sklearn_baselines.baseline_table(house, models="linear_regression")
    assert list(row) == REGRESSION_KEYS
    # The true formula is linear with noise sd 20: R^2 near 0.96, RMSE near the noise.
    assert row["r2"] > 0.9 and 15.0 < row["rmse"] < 30.0


def test_scaler_inside_the_pipeline_makes_unstandardised_splits_work():
    """On raw wine (proline is in the hundreds) an RBF SVM without scaling is near chance;
    the baseline's own scaler makes the raw split score like the standardised one."""
    raw, standardised = data.load("wine", standardize=False), data.load("wine")
    names = ["svm_rbf", "knn", "logistic_regression"]
    on_raw = by_model(sklearn_baselines.baseline_table(raw, models=names))
    on_std = by_model(sklearn_baselines.baseline_table(standardised, models=names))
    for name in names:
        assert on_raw[name]["accuracy"] == pytest.approx(on_std[name]["accuracy"], abs=0.03)
    unscaled = svm.SVC().fit(raw.X_train, raw.y_train).score(raw.X_test, raw.y_test)
    assert unscaled < on_raw["svm_rbf"]["accuracy"] - 0.2


def test_name_of_dataset_loads_it_with_the_seed(iris_rows):
    (row,) = sklearn_baselines.baseline_table("iris", models=["knn"])
    expected = by_model(iris_rows)["knn"]
    assert {k: v for k, v in row.items() if k != "fit_seconds"} == {
        k: v for k, v in expected.items() if k != "fit_seconds"
    }
    (other_split,) = sklearn_baselines.baseline_table("moons", models=["knn"], seed=1)
    s = data.load("moons", seed=1)
    plain = make_pipeline(StandardScaler(), neighbors.KNeighborsClassifier(5))
    assert other_split["accuracy"] == plain.fit(s.X_train, s.y_train).score(s.X_test, s.y_test)


# ----------------------------------------------------------------------------- seeding


def test_seed_reaches_every_random_estimator():
    for task in sklearn_baselines.TASKS:
        for name in sklearn_baselines.models_for(task):
            model = sklearn_baselines.make_model(name, task, seed=7)
            params = model.get_params()
            seeds = [v for k, v in params.items() if k.endswith("random_state")]
            estimator = model.regressor if task == "regression" else model
            if "random_state" in estimator[-1].get_params():
                assert seeds == [7], (task, name)


def test_same_seed_same_rows_different_seed_different_forest(iris):
    def metrics(seed):
        rows = sklearn_baselines.baseline_table(iris, models=["random_forest", "mlp"], seed=seed)
        return [{k: v for k, v in r.items() if k != "fit_seconds"} for r in rows]

    assert metrics(3) == metrics(3)
    forests = [
        sklearn_baselines.make_model("random_forest", "classification", seed=s).fit(
            iris.X_train, iris.y_train
        )
        for s in (0, 1)
    ]
    p0, p1 = (f.predict_proba(iris.X_test) for f in forests)
    assert not np.array_equal(p0, p1)


# ------------------------------------------------------------------- model selection


def test_models_selects_by_name_in_the_given_order(iris):
    rows = sklearn_baselines.baseline_table(iris, models=["naive_bayes", "knn"])
    assert [r["model"] for r in rows] == ["naive_bayes", "knn"]
    assert [r["model"] for r in sklearn_baselines.baseline_table(iris, models="knn")] == ["knn"]


def test_unknown_model_lists_valid_names(iris):
    with pytest.raises(ValueError, match="unknown model 'xgboost'.*'logistic_regression'"):
        sklearn_baselines.baseline_table(iris, models=["knn", "xgboost"])
    with pytest.raises(ValueError, match="'lasso' is a regression model"):
        sklearn_baselines.baseline_table(iris, models="lasso")
    with pytest.raises(ValueError, match="at least one"):
        sklearn_baselines.baseline_table(iris, models=[])
    with pytest.raises(TypeError, match="models must be"):
        sklearn_baselines.baseline_table(iris, models=3)


def test_model_lists():
    assert set(sklearn_baselines.MODELS) == set(sklearn_baselines.CLASSIFICATION_MODELS) | set(
        sklearn_baselines.REGRESSION_MODELS
    )
    assert "naive_bayes" not in sklearn_baselines.REGRESSION_MODELS
    with pytest.raises(ValueError, match="unknown task"):
        sklearn_baselines.models_for("clustering")


# ------------------------------------------------------------------------ bad input


def test_unknown_dataset_is_a_value_error():
    with pytest.raises(ValueError, match="unknown dataset 'mnist'.*'iris'"):
        sklearn_baselines.baseline_table("mnist")
    with pytest.raises(TypeError, match="dataset must be a name .* or a data.Split"):
        sklearn_baselines.baseline_table(np.zeros((4, 2)))


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda s: {"y_train": s.y_train[:-1]}, "dataset.X_train and dataset.y_train"),
        (lambda s: {"X_test": s.X_test[:, :2]}, "same number of features"),
        (lambda s: {"X_train": np.where(np.arange(4) == 1, np.nan, s.X_train)}, "finite"),
        (lambda s: {"X_test": np.full_like(s.X_test, np.inf)}, "dataset.X_test .*finite"),
        (lambda s: {"X_train": s.X_train[:0], "y_train": s.y_train[:0]}, "must not be empty"),
        (lambda s: {"y_train": s.y_train + 0.5}, "integer class labels"),
        (lambda s: {"y_train": np.zeros_like(s.y_train)}, "at least two classes"),
        (lambda s: {"task": "ranking"}, "unknown dataset.task"),
    ],
)
def test_bad_split_names_the_argument(iris, change, match):
    with pytest.raises(ValueError, match=match):
        sklearn_baselines.baseline_table(dataclasses.replace(iris, **change(iris)), models="knn")


def test_split_like_objects_are_accepted(iris):
    like = types.SimpleNamespace(
        X_train=iris.X_train, y_train=iris.y_train, X_test=iris.X_test, y_test=iris.y_test,
        task="classification", name="my_iris",
    )  # fmt: skip
    (row,) = sklearn_baselines.baseline_table(like, models="knn")
    assert row["dataset"] == "my_iris"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"seed": -1}, ValueError, r"seed must be an integer in \[0, 2\*\*32\), got -1"),
        ({"seed": 1.5}, TypeError, "seed must be an integer in"),
        ({"n_estimators": 0}, ValueError, "n_estimators must be an integer >= 1"),
        ({"n_estimators": True}, TypeError, "n_estimators must be an integer"),
    ],
)
def test_bad_options(iris, kwargs, error, match):
    with pytest.raises(error, match=match):
        sklearn_baselines.baseline_table(iris, models="random_forest", **kwargs)


# --------------------------------------------------------------------------- k-means


def test_kmeans_equals_plain_sklearn_and_recovers_iris_species_partly(iris):
    row = sklearn_baselines.kmeans_baseline(iris)
    model = make_pipeline(StandardScaler(), KMeans(n_clusters=3, n_init=10, random_state=0))
    model.fit(iris.X_train)
    assert row["n_clusters"] == 3
    assert row["adjusted_rand_train"] == adjusted_rand_score(
        iris.y_train, model.predict(iris.X_train)
    )
    assert row["adjusted_rand_test"] == adjusted_rand_score(iris.y_test, model.predict(iris.X_test))
    assert 0.4 < row["adjusted_rand_train"] < 0.9  # far above chance (0), below perfect (1)
    with pytest.raises(ValueError, match="classification dataset"):
        sklearn_baselines.kmeans_baseline("diabetes")
    with pytest.raises(ValueError, match="n_clusters must be an integer >= 1"):
        sklearn_baselines.kmeans_baseline(iris, n_clusters=0)


def test_standardising_iris_hurts_kmeans():
    """All 150 iris flowers: ARI 0.73 on raw centimetres, 0.62 after standardising
    (scaling lifts sepal width, which says little about the species, to equal weight)."""
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    raw = KMeans(3, n_init=10, random_state=0).fit_predict(X)
    scaled = sklearn_baselines.make_kmeans(3).fit_predict(X)
    assert adjusted_rand_score(y, raw) == pytest.approx(0.730, abs=0.005)
    assert adjusted_rand_score(y, scaled) == pytest.approx(0.620, abs=0.005)


# -------------------------------------------------------------------- table helpers


def test_format_table_mixes_tasks_and_summarize_averages_seeds(iris_rows, house):
    rows = iris_rows[:1] + sklearn_baselines.baseline_table(house, models="ridge")
    text = sklearn_baselines.format_table(rows, style="markdown")
    header = text.splitlines()[0]
    assert header.index("accuracy") < header.index("r2") < header.index("fit_seconds")
    runs = [{"model": "m", "dataset": "d", "accuracy": a, "fit_seconds": 1.0} for a in (0.5, 1.0)]
    (summary,) = sklearn_baselines.summarize(runs)
    assert summary["accuracy"] == 0.75 and summary["accuracy_std"] == 0.25
    assert summary["runs"] == 2
    best = sklearn_baselines.best_rows(
        iris_rows + sklearn_baselines.baseline_table(house, models="ridge")
    )
    assert {b["dataset"] for b in best} == {"iris", "house_prices"}
    with pytest.raises(ValueError, match="at least one row"):
        sklearn_baselines.format_table([])


# ---------------------------------------------- seed claims: k-NN, naive Bayes, SVM, tree


@pytest.mark.parametrize("name", ["iris", "wine", "spirals"])
def test_knn_is_a_majority_vote_of_the_k_nearest(name):
    """Seed: k-NN "classifies a point based on the majority label of its k nearest points"."""
    s = data.load(name)
    ours = ref_knn.knn_predict(s.X_train, s.y_train, s.X_test, k=5)
    theirs = neighbors.KNeighborsClassifier(5).fit(s.X_train, s.y_train).predict(s.X_test)
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("name", ["iris", "wine", "digits"])
def test_gaussian_nb_is_bayes_rule_with_independent_features(name):
    """Seed: naive Bayes "applies Bayes' theorem with an assumption of feature independence".
    Posterior probabilities agree to 1e-7 (digits has zero-variance pixels, whose
    smoothed variances of ~1e-9 amplify rounding)."""
    s = data.load(name)
    ours = ref_nb.gaussian_nb_predict_proba(s.X_train, s.y_train, s.X_test)
    theirs = naive_bayes.GaussianNB().fit(s.X_train, s.y_train).predict_proba(s.X_test)
    np.testing.assert_allclose(ours, theirs, atol=1e-7)
    np.testing.assert_allclose(ours.sum(axis=1), 1.0, atol=1e-12)


def test_only_support_vectors_define_the_svm_boundary():
    """Seed: only the support vectors matter. Refitting on them alone gives the same
    decision function (to 1e-4 with solver tol 1e-6) -- if gamma is held fixed: the
    default gamma="scale" is computed from the training data and would change."""
    s = data.load("moons")
    gamma = 1.0 / (s.X_train.shape[1] * s.X_train.var())
    full = svm.SVC(gamma=gamma, tol=1e-6).fit(s.X_train, s.y_train)
    sv = full.support_
    assert len(sv) < len(s.y_train) / 2
    again = svm.SVC(gamma=gamma, tol=1e-6).fit(s.X_train[sv], s.y_train[sv])
    grid = np.concatenate([s.X_val, s.X_test])
    np.testing.assert_allclose(again.decision_function(grid), full.decision_function(grid),
                               atol=1e-4)  # fmt: skip
    naive = svm.SVC(tol=1e-6).fit(s.X_train[sv], s.y_train[sv])  # gamma recomputed
    assert np.abs(naive.decision_function(grid) - full.decision_function(grid)).max() > 0.1


def test_unpruned_tree_memorises_the_training_set():
    """Seed: single trees can overfit. Grown to purity, a tree is perfect on its training
    part and 15 points worse on wine's test part; the forest of 100 trees is far better."""
    rows = by_model(
        sklearn_baselines.baseline_table("wine", models=["decision_tree", "random_forest"])
    )
    s = data.load("wine")
    model = sklearn_baselines.make_model("decision_tree", "classification").fit(
        s.X_train, s.y_train
    )
    assert model.score(s.X_train, s.y_train) == 1.0
    assert rows["decision_tree"]["accuracy"] < 0.85
    assert rows["random_forest"]["accuracy"] > rows["decision_tree"]["accuracy"] + 0.1


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: ref_knn.knn_predict(np.ones((3, 2)), [0, 1], np.ones((1, 2))), ValueError,
         "X_train and y_train"),
        (lambda: ref_knn.knn_predict(np.ones((3, 2)), [0, 1, 1], np.ones((1, 3))), ValueError,
         "X must have 2 features"),
        (lambda: ref_knn.knn_predict(np.ones((3, 2)), [0, 1, 1], np.ones((1, 2)), k=4), ValueError,
         "k must be <="),
        (lambda: ref_knn.knn_predict(np.ones((3, 2)), [0.0, 1.0, 1.0], np.ones((1, 2))), TypeError,
         "integer class labels"),
        (lambda: ref_nb.gaussian_nb_predict_proba([[np.nan]], [0], [[1.0]]), ValueError,
         "X_train must contain only finite"),
        (lambda: ref_nb.gaussian_nb_predict_proba([[1.0]], [0], [[1.0]], var_smoothing=-1.0),
         ValueError, "var_smoothing"),
    ],
)  # fmt: skip
def test_reference_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
