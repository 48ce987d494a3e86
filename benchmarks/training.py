"""Measured cost of training on the digits data (chapters 4 and 5), next to the peer libraries.

    KERAS_BACKEND=jax python benchmarks/training.py
    # writes benchmarks/results/training_jax.md and training_jax.json (same rows)

Two models, each trained by several implementations in the same process, on the same
standardised training part of ``data.load("digits", val_size=0)`` (1437 samples, 64
features, 10 classes; 360 held out for the test accuracy):

(a) softmax regression ``P = softmax(X W + b)`` minimising ``J = mean CE + λ₂‖W‖²``:

* NumPy reference, ``logistic.softmax_gradient_descent``: full-batch gradient descent for
  a fixed number of epochs, float64. It also evaluates the full objective after every epoch
  (one extra forward pass per epoch, kept because that is what the reference does);
* scikit-learn ``LogisticRegression(C = 1/(2nλ₂))`` (lbfgs, float64), the same ``J``
  solved to its default tolerance: it stops on its own, so it has iterations, not epochs;
* Keras ``Dense(10)`` with ``L2(λ₂)``, ``SGD`` and ``fit(batch_size=n)``, from zero
  weights: the same full-batch gradient descent as the reference, in float32 (the ``J``
  column shows the two reach the same objective).

(b) an MLP 64 → 128 (ReLU) → 10 trained with Adam (lr 1e-3, no weight decay) for a fixed
number of epochs with a fixed batch size, shuffled each epoch, float32 throughout:

* NumPy reference, ``mlp.train`` on ``mlp.MLP(..., dtype=float32)``;
* Keras, the ``mlfoundations.mlp.mlp`` builder, ``compile`` and ``fit``;
* a plain PyTorch loop: ``nn.Sequential``, ``torch.optim.Adam``, ``randperm`` batches;
* scikit-learn ``MLPClassifier(solver="adam", alpha=0, max_iter=epochs, tol=0,
  n_iter_no_change > epochs)``: ``max_iter`` counts epochs for adam, and the two settings
  keep it from stopping early (checked: ``n_iter_ == epochs``).

Every timing starts from NumPy float arrays already in memory and ends with a trained model;
conversions that happen inside a library's fit (Keras' data adapter turning NumPy batches
into backend tensors, scikit-learn's input validation) are included. The Keras rows come in
two forms: *fresh* builds and compiles a new model, fits it (the first ``fit`` traces the
train step on TensorFlow and JAX; the torch backend runs eagerly) and copies its weights to
NumPy (``get_weights``, a few milliseconds at most); *warm* fits the same model again
(prepared train step, steady state). Test accuracy (and, for (a), the training objective
``J`` each fit reached) is computed outside the timings. The ratio column is time divided
by the peer's time (scikit-learn for (a), PyTorch for (b)): above 1 is slower. Best of
several repeats, interleaved across the rows; a benchmark, not a test: numbers depend on
the machine and its load.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mlfoundations.backend import quiet_backend_logs  # noqa: E402

quiet_backend_logs()
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import sklearn  # noqa: E402
import torch  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402

from mlfoundations import data  # noqa: E402
from mlfoundations.backend import active_backend, package_version  # noqa: E402
from mlfoundations.book.report import format_table, write_results  # noqa: E402
from mlfoundations.mlp import mlp as keras_mlp  # noqa: E402
from mlfoundations.mlp import to_reference  # noqa: E402
from mlfoundations.reference import logistic, losses  # noqa: E402
from mlfoundations.reference import mlp as ref_mlp  # noqa: E402
from mlfoundations.reference import optim as ref_optim  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
HIDDEN = 128
L2 = 1e-3  # λ₂ of the softmax regression
GD_LR = 0.5  # full-batch learning rate of (a)
ADAM_LR = 1e-3  # learning rate of (b)
PAUSE = 0.2  # seconds between timed runs


def best_runs(trainers: dict, repeats: int) -> dict[str, tuple[float, object]]:
    """Best wall-clock seconds of each ``trainers[name]()`` and the model of its last run.

    The repeats are interleaved (round ``r`` runs every trainer once, in order), so each
    row's repeats are spread over the whole measurement: a burst of load from another
    process on a shared machine cannot spoil every repeat of one row. A pause before each
    run lets the thread pools of the library that ran before stop spinning (XLA's, say,
    which otherwise slowed scikit-learn's lbfgs twofold on 2 cores).
    """
    times: dict[str, list[float]] = {name: [] for name in trainers}
    models: dict[str, object] = {}
    for _ in range(repeats):
        for name, train in trainers.items():
            time.sleep(PAUSE)  # let the previous library's spinning worker threads go idle
            start = time.perf_counter()
            models[name] = train()
            times[name].append(time.perf_counter() - start)
    return {name: (min(times[name]), models[name]) for name in trainers}


def accuracy(predict, X, y) -> float:
    return float(np.mean(np.asarray(predict(X)) == y))


# --- (a) softmax regression: each returns the fitted (W, b) ------------------------------


def numpy_softmax_regression(X, y, epochs):
    result = logistic.softmax_gradient_descent(X, y, lr=GD_LR, epochs=epochs, l2=L2)
    return result.w, result.b


def sklearn_softmax_regression(X, y):
    C = logistic.sklearn_C(L2, len(X))
    clf = LogisticRegression(C=C, max_iter=1000).fit(X, y)
    return clf.coef_.T, clf.intercept_, clf.n_iter_[0]


def linear_predict(W, b):
    return lambda X: np.argmax(X @ W + b, axis=1)


def softmax_objective(W, b, X, y) -> float:
    """``J = mean CE + λ₂‖W‖²`` on the training data, in float64: how far each fit got."""
    W, b = np.asarray(W, np.float64), np.asarray(b, np.float64)
    return losses.softmax_cross_entropy(y, X @ W + b) + L2 * float(np.sum(W**2))


def keras_dense(n_features, n_classes):
    model = keras.Sequential(
        [
            keras.Input(shape=(n_features,)),
            keras.layers.Dense(
                n_classes,
                kernel_initializer="zeros",  # the reference starts from W = 0, b = 0
                kernel_regularizer=keras.regularizers.L2(L2),
            ),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(GD_LR),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


def fit_full_batch(model, X, y, epochs):
    model.fit(X, y, batch_size=len(X), epochs=epochs, shuffle=False, verbose=0)
    return model


# --- (b) the MLP -----------------------------------------------------------------------


def numpy_mlp(X, y, epochs, batch_size):
    net = ref_mlp.MLP([X.shape[1], HIDDEN, 10], "relu", seed=0, dtype=np.float32)
    optimizer = ref_optim.Adam(lr=ADAM_LR)
    ref_mlp.train(net, X, y, optimizer=optimizer, epochs=epochs, batch_size=batch_size)
    return net


def keras_mlp_model(n_features):
    model = keras_mlp(n_features, hidden=(HIDDEN,), output=10, activation="relu", seed=0)
    model.compile(
        optimizer=keras.optimizers.Adam(ADAM_LR),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


def fit_batches(model, X, y, epochs, batch_size):
    model.fit(X, y, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=0)
    return model


def torch_mlp(X, y, epochs, batch_size):
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(X.shape[1], HIDDEN), torch.nn.ReLU(), torch.nn.Linear(HIDDEN, 10)
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=ADAM_LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
    for _ in range(epochs):
        order = torch.randperm(len(X_t))
        for start in range(0, len(X_t), batch_size):
            idx = order[start : start + batch_size]
            optimizer.zero_grad()
            loss_fn(model(X_t[idx]), y_t[idx]).backward()
            optimizer.step()
    return model


def torch_predict(model):
    def predict(X):
        with torch.no_grad():
            return model(torch.from_numpy(X)).argmax(dim=1).numpy()

    return predict


def sklearn_mlp(X, y, epochs, batch_size):
    clf = MLPClassifier(
        hidden_layer_sizes=(HIDDEN,),
        activation="relu",
        solver="adam",
        alpha=0.0,  # no L2 penalty, like the other rows
        early_stopping=False,  # the default, stated: no held-out split, no early stop
        batch_size=batch_size,
        learning_rate_init=ADAM_LR,
        max_iter=epochs,  # epochs, for the adam solver
        shuffle=True,
        tol=0.0,
        n_iter_no_change=epochs + 1,  # never "converged" before max_iter
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # reaching max_iter is the plan
        clf.fit(X, y)
    if clf.n_iter_ != epochs:
        raise RuntimeError(f"MLPClassifier ran {clf.n_iter_} epochs, expected {epochs}")
    return clf


# --- measuring -------------------------------------------------------------------------


def row(model, implementation, includes, seconds, epochs, acc):
    return {
        "model": model,
        "implementation": implementation,
        "timed": includes,
        "epochs": epochs,
        "seconds": seconds,
        "s/epoch": None if epochs is None else seconds / epochs,
        "test acc": acc,
    }


def with_ratios(rows: list[dict], peer: str) -> list[dict]:
    base = next(r["seconds"] for r in rows if r["implementation"] == peer)
    return [{**r, f"time vs {peer}": r["seconds"] / base} for r in rows]


def measure_logistic(split, epochs, repeats) -> list[dict]:
    X, y = split.X_train, split.y_train
    X32 = X.astype(np.float32)
    latest = {}

    def keras_fresh():
        latest["model"] = fit_full_batch(keras_dense(X.shape[1], split.n_classes), X32, y, epochs)
        return latest["model"].get_weights()  # [W, b]

    results = best_runs(
        {
            "numpy": lambda: numpy_softmax_regression(X, y, epochs),
            "sklearn": lambda: sklearn_softmax_regression(X, y),
            "keras fresh": keras_fresh,
            "keras warm": lambda: fit_full_batch(latest["model"], X32, y, epochs),
        },
        repeats,
    )
    n_iter = results["sklearn"][1][2]
    timed = {
        "numpy": ("GD + objective per epoch", epochs),
        "sklearn": (f"lbfgs to tol, {n_iter} iterations", None),
        "keras fresh": ("build, compile, fit, get_weights", epochs),
        "keras warm": ("fit again", epochs),
    }
    rows = []
    for implementation, (seconds, fitted) in results.items():
        includes, n_epochs = timed[implementation]
        Wb = None if implementation == "keras warm" else fitted[:2]
        acc = None if Wb is None else accuracy(linear_predict(*Wb), split.X_test, split.y_test)
        r = row("softmax regression", implementation, includes, seconds, n_epochs, acc)
        r["train J"] = None if Wb is None else softmax_objective(*Wb, X, y)
        rows.append(r)
    return with_ratios(rows, "sklearn")


def measure_mlp(split, epochs, batch_size, repeats) -> list[dict]:
    X, y = split.X_train.astype(np.float32), split.y_train
    latest = {}

    def keras_fresh():
        latest["model"] = fit_batches(keras_mlp_model(X.shape[1]), X, y, epochs, batch_size)
        return to_reference(latest["model"])  # its weights now: the warm rows train it on

    results = best_runs(
        {
            "numpy": lambda: numpy_mlp(X, y, epochs, batch_size),
            "torch": lambda: torch_mlp(X, y, epochs, batch_size),
            "sklearn": lambda: sklearn_mlp(X, y, epochs, batch_size),
            "keras fresh": keras_fresh,
            "keras warm": lambda: fit_batches(latest["model"], X, y, epochs, batch_size),
        },
        repeats,
    )
    timed = {
        "numpy": ("mlp.train", lambda net: net.predict),
        "torch": ("plain loop", torch_predict),
        "sklearn": ("MLPClassifier.fit", lambda clf: clf.predict),
        "keras fresh": ("build, compile, fit, get_weights", lambda net: net.predict),
        "keras warm": ("fit again", None),
    }
    rows = []
    X_test = split.X_test.astype(np.float32)
    for implementation, (seconds, fitted) in results.items():
        includes, predictor = timed[implementation]
        acc = None if predictor is None else accuracy(predictor(fitted), X_test, split.y_test)
        rows.append(row(f"MLP 64-{HIDDEN}-10", implementation, includes, seconds, epochs, acc))
    return with_ratios(rows, "torch")


TRAIN_STEP = {
    "tensorflow": "traces the train step into a tf.function (no XLA: jit_compile is off)",
    "jax": "traces and XLA-compiles the train step",
    "torch": "runs the train step eagerly (nothing to trace)",
}


def header(backend, split, args) -> str:
    packages = {
        "Keras": keras.__version__,
        backend: package_version(backend),
        "NumPy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "torch": torch.__version__,  # the peer of (b); already listed on the torch backend
    }
    versions = ", ".join(f"{name} {version}" for name, version in packages.items())
    return (
        f"Backend **{backend}** ({versions}). Digits: {len(split.X_train)} training, "
        f"{len(split.X_test)} test samples. Best of {args.repeats} interleaved repeats; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs "
        f"visible, torch {torch.get_num_threads()} threads. "
        f"(a) softmax regression, λ₂ = {L2}: NumPy (float64, plus the objective every epoch) "
        f"and Keras (float32) run {args.logistic_epochs} full-batch gradient-descent steps "
        f"(lr {GD_LR}), one per epoch; scikit-learn (float64) runs lbfgs to its tolerance "
        "(iterations, not epochs). "
        f"(b) MLP, float32, Adam lr {ADAM_LR}, {args.epochs} epochs of batch "
        f"{args.batch_size}. 'keras fresh' = build, compile and fit a new model, whose first "
        f"fit {TRAIN_STEP.get(backend, 'prepares the train step')}, then copy the weights "
        "out; 'keras warm' = fit the same model again. Keras rows include fit's data "
        "adapter (NumPy batches to backend tensors) and its per-epoch overhead. "
        "Ratio: time / peer's time (sklearn for (a), torch for (b)); above 1 is slower. "
        "Test accuracy and the training objective J = mean CE + λ₂‖W‖² (float64) are "
        "computed outside the timing; warm rows have none (that model trained twice as long)."
    )


def main(argv=None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20, help="MLP epochs (default 20)")
    parser.add_argument("--batch-size", type=int, default=32, help="MLP batch (default 32)")
    parser.add_argument(
        "--logistic-epochs", type=int, default=200, help="GD steps of (a) (default 200)"
    )
    parser.add_argument("--repeats", type=int, default=5, help="repeats; the best is kept")
    parser.add_argument("--out", type=Path, default=None, help="Markdown file to write")
    args = parser.parse_args(argv)
    if min(args.epochs, args.batch_size, args.logistic_epochs, args.repeats) < 1:
        parser.error("--epochs, --batch-size, --logistic-epochs and --repeats must be >= 1")
    backend = active_backend()
    keras.utils.set_random_seed(0)
    split = data.load("digits", val_size=0.0)
    logistic_rows = measure_logistic(split, args.logistic_epochs, args.repeats)
    mlp_rows = measure_mlp(split, args.epochs, args.batch_size, args.repeats)
    tables = [
        format_table(rows, floatfmt=".3g", style="markdown") for rows in (logistic_rows, mlp_rows)
    ]
    text = header(backend, split, args)
    out = args.out or RESULTS / f"training_{backend}.md"
    payload = {
        "benchmark": "training",
        "backend": backend,
        "versions": {
            "keras": keras.__version__,
            backend: package_version(backend),
            "numpy": np.__version__,
            "scikit-learn": sklearn.__version__,
            "torch": torch.__version__,
        },
        "settings": {
            "l2": L2,
            "gd_lr": GD_LR,
            "adam_lr": ADAM_LR,
            "hidden": HIDDEN,
            "logistic_epochs": args.logistic_epochs,
            "epochs": args.epochs,
            "batch_size": args.batch_size,
            "repeats": args.repeats,
            "n_train": len(split.X_train),
            "n_test": len(split.X_test),
            "cpus": os.cpu_count(),
        },
        "description": text,
        "softmax_regression": logistic_rows,
        "mlp": mlp_rows,
    }
    md_path, json_path = write_results(out, text + "\n\n" + "\n\n".join(tables) + "\n", payload)
    print(text)
    for rows in (logistic_rows, mlp_rows):
        print()
        print(format_table(rows, floatfmt=".3g", style="plain"))
    print(f"wrote {md_path} and {json_path}")
    return md_path


if __name__ == "__main__":
    main()
