"""The bad-input contract for the NumPy side: ``mlfoundations.reference``, data, checks, testing.

See ``tests/contract.py`` for the kinds and the catalogue of bad values. Every public
callable needs an entry here (the introspection test fails otherwise).
"""

from __future__ import annotations

import numpy as np
import pytest
from contract import (
    CALLABLE,
    CHOICE,
    FRACTION,
    NONNEG_FLOAT,
    NONNEG_INT,
    POS_FLOAT,
    POS_INT,
    RECORD,
    SEED,
    STEP,
    TEXT,
    UNIT_OPEN,
    Spec,
    check_bad_inputs,
    floats,
    labels,
    probs,
    public_callables,
    report,
)

from mlfoundations.reference import mlp as ref_mlp

rng = np.random.default_rng(0)
X = rng.normal(size=(12, 3))
X_QUERY = rng.normal(size=(4, 3))
Y_REG = rng.normal(size=12)
Y_BIN = np.array([0, 1] * 6)
Y_CLS = np.array([0, 1, 2] * 4)
W = rng.normal(size=3)
W3 = rng.normal(size=(3, 3))
B3 = np.zeros(3)
LOGITS = rng.normal(size=(12, 3))
P = np.clip(rng.uniform(size=12), 0.05, 0.95)
VEC = rng.normal(size=5)

# Inputs deliberately accepted as valid, with the reason (listed in the closing report).
SOFT_TARGETS = "soft targets in [0, 1] are valid, as in Keras"
ANY_CLASS_VALUES = "any distinct values are classes, as in scikit-learn's trees"
LR_ZERO = "lr = 0 is a valid no-op step, as torch.optim allows"
FRACTIONAL = {("y", "a fractional label"): ANY_CLASS_VALUES}


def activation(name):
    return {name: Spec({"x": VEC}, {"x": floats()})}


def softmax_like(name, **extra):
    kinds = {"x": floats(), **{k: v for k, v in extra.items()}}
    valid = {"x": LOGITS, **{k: (1.0 if k == "temperature" else LOGITS) for k in extra}}
    return {name: Spec(valid, kinds)}


def descent(name, y, **kw):
    return {
        name: Spec(
            {"X": X, "y": y, "lr": 0.1, "epochs": 3, "seed": 0, **kw},
            {
                "X": floats(2),
                "y": labels(same_length_as="X", binary=True)
                if y is Y_BIN
                else (labels(same_length_as="X") if y is Y_CLS else floats(1, same_length_as="X")),
                "lr": POS_FLOAT,
                "epochs": POS_INT,
                "seed": SEED,
            },
        )
    }


def _mlp_train(fn, **kw):
    net = ref_mlp.MLP([3, 4, 3], seed=0)
    return fn(net, **kw)


def _mlp(fn, **kw):
    return fn(**kw).forward(X)


def _optimizer(fn, **kw):
    opt = fn(**kw)
    param = [np.ones(3)]
    opt.step(param, [np.ones(3)])
    return param


def _dense(fn, **kw):
    return fn(**kw).forward(X)


REGISTRY: dict[str, Spec | str] = {
    # --- reference.activations
    **{
        f"reference.activations.{n}": s
        for name in (
            "relu relu_grad sigmoid sigmoid_grad tanh tanh_grad silu silu_grad gelu gelu_grad "
            "gelu_tanh gelu_tanh_grad identity identity_grad"
        ).split()
        for n, s in activation(name).items()
    },
    "reference.activations.softmax": Spec(
        {"x": LOGITS, "temperature": 1.0}, {"x": floats(), "temperature": POS_FLOAT}
    ),
    "reference.activations.log_softmax": Spec({"x": LOGITS}, {"x": floats()}),
    "reference.activations.softmax_grad": Spec(
        {"x": LOGITS, "v": LOGITS}, {"x": floats(), "v": floats()}
    ),
    "reference.activations.log_softmax_grad": Spec(
        {"x": LOGITS, "v": LOGITS}, {"x": floats(), "v": floats()}
    ),
    "reference.activations.get": Spec({"name": "relu"}, {"name": CHOICE}),
    # --- reference.losses
    "reference.losses.mse": Spec(
        {"y_true": Y_REG, "y_pred": Y_REG + 0.1},
        {"y_true": floats(), "y_pred": floats(same_length_as="y_true")},
    ),
    "reference.losses.mse_and_grad": Spec(
        {"y_true": Y_REG, "y_pred": Y_REG + 0.1},
        {"y_true": floats(), "y_pred": floats(same_length_as="y_true")},
    ),
    "reference.losses.binary_cross_entropy": Spec(
        {"y_true": Y_BIN, "p": P},
        {"y_true": labels(binary=True), "p": probs(1, same_length_as="y_true")},
        accepts={("y_true", "a fractional label"): SOFT_TARGETS},
    ),
    "reference.losses.binary_cross_entropy_and_grad": Spec(
        {"y_true": Y_BIN, "p": P},
        {"y_true": labels(binary=True), "p": probs(1, same_length_as="y_true")},
        accepts={("y_true", "a fractional label"): SOFT_TARGETS},
    ),
    "reference.losses.sigmoid_cross_entropy": Spec(
        {"y_true": Y_BIN, "logits": Y_REG},
        {"y_true": labels(binary=True), "logits": floats(1, same_length_as="y_true")},
        accepts={("y_true", "a fractional label"): SOFT_TARGETS},
    ),
    "reference.losses.sigmoid_cross_entropy_and_grad": Spec(
        {"y_true": Y_BIN, "logits": Y_REG},
        {"y_true": labels(binary=True), "logits": floats(1, same_length_as="y_true")},
        accepts={("y_true", "a fractional label"): SOFT_TARGETS},
    ),
    "reference.losses.softmax_cross_entropy": Spec(
        {"y_true": Y_CLS, "logits": LOGITS},
        {"y_true": labels(), "logits": floats(2, same_length_as="y_true")},
    ),
    "reference.losses.softmax_cross_entropy_and_grad": Spec(
        {"y_true": Y_CLS, "logits": LOGITS},
        {"y_true": labels(), "logits": floats(2, same_length_as="y_true")},
    ),
    "reference.losses.check_class_targets": Spec(
        {"y_true": Y_CLS, "logits": LOGITS},
        {"y_true": labels(), "logits": floats(2, same_length_as="y_true")},
    ),
    # --- reference.linear
    "reference.linear.check_regression_data": Spec(
        {"X": X, "y": Y_REG}, {"X": floats(2), "y": floats(1, same_length_as="X")}
    ),
    "reference.linear.predict": Spec({"X": X, "w": W, "b": 0.5}, {"X": floats(2), "w": floats(1)}),
    "reference.linear.objective": Spec(
        {"X": X, "y": Y_REG, "w": W, "l2": 0.1},
        {"X": floats(2), "y": floats(1, same_length_as="X"), "w": floats(1), "l2": NONNEG_FLOAT},
    ),
    "reference.linear.mse_gradient": Spec(
        {"X": X, "y": Y_REG, "w": W, "l2": 0.1},
        {"X": floats(2), "y": floats(1, same_length_as="X"), "w": floats(1), "l2": NONNEG_FLOAT},
    ),
    "reference.linear.mse_hessian": Spec({"X": X}, {"X": floats(2)}),
    "reference.linear.max_stable_lr": Spec(
        {"X": X, "l2": 0.0}, {"X": floats(2), "l2": NONNEG_FLOAT}
    ),
    "reference.linear.fit_closed_form": Spec(
        {"X": X, "y": Y_REG, "l2": 0.1},
        {"X": floats(2), "y": floats(1, same_length_as="X"), "l2": NONNEG_FLOAT},
    ),
    "reference.linear.ridge_alpha": Spec(
        {"l2": 0.1, "n_samples": 10}, {"l2": NONNEG_FLOAT, "n_samples": POS_INT}
    ),
    "reference.linear.lasso_alpha": Spec({"l1": 0.1}, {"l1": NONNEG_FLOAT}),
    "reference.linear.soft_threshold": Spec({"w": W, "t": 0.1}, {"w": floats(), "t": NONNEG_FLOAT}),
    **descent("reference.linear.gradient_descent", Y_REG),
    # --- reference.logistic
    "reference.logistic.check_binary_data": Spec(
        {"X": X, "y": Y_BIN}, {"X": floats(2), "y": labels(same_length_as="X", binary=True)}
    ),
    "reference.logistic.check_class_data": Spec(
        {"X": X, "y": Y_CLS}, {"X": floats(2), "y": labels(same_length_as="X")}
    ),
    "reference.logistic.predict_proba": Spec({"X": X, "w": W}, {"X": floats(2), "w": floats(1)}),
    "reference.logistic.bce_gradient": Spec(
        {"X": X, "y": Y_BIN, "w": W, "l2": 0.1},
        {
            "X": floats(2),
            "y": labels(same_length_as="X", binary=True),
            "w": floats(1),
            "l2": NONNEG_FLOAT,
        },
    ),
    "reference.logistic.objective": Spec(
        {"X": X, "y": Y_BIN, "w": W, "l2": 0.1},
        {
            "X": floats(2),
            "y": labels(same_length_as="X", binary=True),
            "w": floats(1),
            "l2": NONNEG_FLOAT,
        },
    ),
    **descent("reference.logistic.gradient_descent", Y_BIN),
    "reference.logistic.fit_newton": Spec(
        {"X": X, "y": Y_BIN, "l2": 0.01},
        {"X": floats(2), "y": labels(same_length_as="X", binary=True), "l2": POS_FLOAT},
    ),
    "reference.logistic.sklearn_C": Spec(
        {"l2": 0.1, "n_samples": 10}, {"l2": POS_FLOAT, "n_samples": POS_INT}
    ),
    "reference.logistic.l2_from_C": Spec(
        {"C": 1.0, "n_samples": 10}, {"C": POS_FLOAT, "n_samples": POS_INT}
    ),
    "reference.logistic.softmax_gradient": Spec(
        {"X": X, "y": Y_CLS, "W": W3, "b": B3, "l2": 0.1},
        {"X": floats(2), "y": labels(same_length_as="X"), "W": floats(2), "l2": NONNEG_FLOAT},
    ),
    **descent("reference.logistic.softmax_gradient_descent", Y_CLS),
    # --- reference.mlp
    "reference.mlp.Dense": Spec({"W": W3, "b": B3}, {"W": floats(2), "b": floats(1)}, call=_dense),
    "reference.mlp.Activation": Spec({"name": "relu"}, {"name": CHOICE}),
    "reference.mlp.Residual": Spec(
        {
            "dense": ref_mlp.Dense(W3, B3),
            "activation": ref_mlp.Activation("relu"),
        },
        {},
    ),
    "reference.mlp.glorot_uniform": Spec(
        {"n_in": 3, "n_out": 4, "rng": np.random.default_rng(0)},
        {"n_in": POS_INT, "n_out": POS_INT},
    ),
    "reference.mlp.MLP": Spec(
        {"sizes": [3, 4, 3], "activation": "relu", "seed": 0},
        {"activation": CHOICE, "seed": SEED},
        call=_mlp,
    ),
    "reference.mlp.train": Spec(
        {"X": X, "y": Y_CLS, "epochs": 2, "seed": 0},
        {"X": floats(2), "y": labels(same_length_as="X"), "epochs": POS_INT, "seed": SEED},
        call=_mlp_train,
    ),
    # --- reference.models
    "reference.models.dense_params": Spec(
        {"n_in": 3, "n_out": 4}, {"n_in": POS_INT, "n_out": POS_INT}
    ),
    "reference.models.mlp_params": Spec({"sizes": [3, 4, 2]}, {}),
    "reference.models.embedding_params": Spec(
        {"vocab_size": 10, "dim": 4}, {"vocab_size": POS_INT, "dim": POS_INT}
    ),
    "reference.naive_bayes.gaussian_nb_log_joint": Spec(
        {"X_train": X, "y_train": Y_CLS, "X": X_QUERY},
        {"X_train": floats(2), "y_train": labels(same_length_as="X_train"), "X": floats(2)},
    ),
    "reference.naive_bayes.gaussian_nb_predict_proba": Spec(
        {"X_train": X, "y_train": Y_CLS, "X": X_QUERY},
        {"X_train": floats(2), "y_train": labels(same_length_as="X_train"), "X": floats(2)},
    ),
    "reference.neighbors.pairwise_sq_distances": Spec(
        {"A": X, "B": X_QUERY}, {"A": floats(2), "B": floats(2)}
    ),
    "reference.neighbors.knn_predict": Spec(
        {"X_train": X, "y_train": Y_CLS, "X": X_QUERY, "k": 3},
        {
            "X_train": floats(2),
            "y_train": labels(same_length_as="X_train"),
            "X": floats(2),
            "k": POS_INT,
        },
    ),
    # --- reference.optim
    "reference.optim.sgd_step": Spec(
        {"param": VEC, "grad": VEC, "lr": 0.1},
        {"param": floats(), "grad": floats(same_length_as="param"), "lr": POS_FLOAT},
        accepts={("lr", "0"): LR_ZERO},
    ),
    "reference.optim.momentum_step": Spec(
        {"param": VEC, "grad": VEC, "velocity": VEC, "lr": 0.1, "momentum": 0.9},
        {
            "param": floats(),
            "grad": floats(same_length_as="param"),
            "velocity": floats(same_length_as="param"),
            "lr": POS_FLOAT,
            "momentum": FRACTION,
        },  # fmt: skip,
        accepts={("lr", "0"): LR_ZERO},
    ),
    "reference.optim.adam_step": Spec(
        {
            "param": VEC,
            "grad": VEC,
            "m": VEC * 0,
            "v": VEC * 0,
            "t": 1,
            "lr": 0.1,
            "beta1": 0.9,
            "beta2": 0.999,
            "eps": 1e-8,
        },  # fmt: skip
        {
            "param": floats(),
            "grad": floats(same_length_as="param"),
            "t": POS_INT,
            "lr": POS_FLOAT,
            "beta1": FRACTION,
            "beta2": FRACTION,
            "eps": POS_FLOAT,
        },  # fmt: skip,
        accepts={("lr", "0"): LR_ZERO},
    ),
    "reference.optim.adamw_step": Spec(
        {
            "param": VEC,
            "grad": VEC,
            "m": VEC * 0,
            "v": VEC * 0,
            "t": 1,
            "lr": 0.1,
            "beta1": 0.9,
            "beta2": 0.999,
            "eps": 1e-8,
            "weight_decay": 0.1,
        },  # fmt: skip
        {
            "param": floats(),
            "grad": floats(same_length_as="param"),
            "t": POS_INT,
            "lr": POS_FLOAT,
            "beta1": FRACTION,
            "beta2": FRACTION,
            "eps": POS_FLOAT,
            "weight_decay": NONNEG_FLOAT,
        },  # fmt: skip,
        accepts={("lr", "0"): LR_ZERO},
    ),
    "reference.optim.clip_by_global_norm": Spec(
        {"grads": [VEC, W3], "max_norm": 1.0}, {"max_norm": POS_FLOAT}
    ),
    "reference.optim.warmup_cosine": Spec(
        {"step": 5, "max_lr": 1e-3, "min_lr": 1e-4, "warmup_steps": 2, "decay_steps": 10},
        {
            "step": STEP,
            "max_lr": POS_FLOAT,
            "min_lr": NONNEG_FLOAT,
            "warmup_steps": NONNEG_INT,
            "decay_steps": POS_INT,
        },  # fmt: skip
    ),
    "reference.optim.constant": Spec({"step": 3, "lr": 0.1}, {"step": STEP, "lr": POS_FLOAT}),
    "reference.optim.step_decay": Spec(
        {"step": 3, "lr": 0.1, "factor": 0.5, "every": 2},
        {"step": STEP, "lr": POS_FLOAT, "factor": UNIT_OPEN, "every": POS_INT},
        accepts={("factor", "1.0"): "factor 1 keeps the rate constant: (0, 1]"},
    ),
    "reference.optim.linear_decay": Spec(
        {"step": 3, "max_lr": 0.1, "min_lr": 0.01, "decay_steps": 10},
        {"step": STEP, "max_lr": POS_FLOAT, "min_lr": NONNEG_FLOAT, "decay_steps": POS_INT},
    ),
    "reference.optim.early_stop": Spec(
        {"val_loss": np.array([3.0, 2.0, 2.5, 2.6]), "patience": 2},
        {"val_loss": floats(1), "patience": POS_INT},
    ),
    "reference.optim.lr_range_lrs": Spec(
        {"min_lr": 1e-5, "max_lr": 1.0, "steps": 10},
        {"min_lr": POS_FLOAT, "max_lr": POS_FLOAT, "steps": POS_INT},
    ),
    "reference.optim.lr_range_suggestion": Spec(
        {"lrs": np.geomspace(1e-4, 1, 20), "losses": np.linspace(2, 1, 20) ** 2},
        {"lrs": floats(1), "losses": floats(1, same_length_as="lrs")},
        accepts={
            ("losses", "NaN"): "a range test ends where the loss diverges",
            ("losses", "inf"): "a range test ends where the loss diverges",
        },
    ),
    "reference.optim.diagnose": Spec(
        {"train_loss": np.linspace(2, 1, 10), "val_loss": np.linspace(2.1, 1.2, 10)},
        {"train_loss": floats(1), "val_loss": floats(1, same_length_as="train_loss")},
    ),
    "reference.optim.check_descent_args": Spec(
        {"lr": 0.1, "epochs": 3, "batch_size": 4, "n_samples": 12},
        {"lr": POS_FLOAT, "epochs": POS_INT, "batch_size": POS_INT},
        accepts={("batch_size", "None"): "None means full batch"},
    ),
    "reference.optim.run_descent": Spec(
        {
            "grad_fn": lambda idx, *params: [np.zeros_like(p) for p in params],
            "objective_fn": lambda *params: 0.0,
            "params": [np.ones(3)],
            "n_samples": 4,
            "lr": 0.1,
            "epochs": 2,
            "batch_size": 2,
            "shuffle": False,
            "seed": 0,
        },
        {
            "grad_fn": CALLABLE,
            "lr": POS_FLOAT,
            "epochs": POS_INT,
            "batch_size": POS_INT,
            "seed": SEED,
        },
        accepts={("batch_size", "None"): "None means full batch"},
    ),
    "reference.optim.SGD": Spec(
        {"lr": 0.1, "momentum": 0.5}, {"lr": POS_FLOAT, "momentum": FRACTION}, call=_optimizer
    ),
    "reference.optim.Adam": Spec(
        {"lr": 0.1, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
        {"lr": POS_FLOAT, "beta_1": FRACTION, "beta_2": FRACTION, "epsilon": POS_FLOAT},
        call=_optimizer,
    ),
    "reference.optim.Diagnosis": RECORD,
    "reference.optim.DescentResult": RECORD,
    # --- reference.trees
    "reference.trees.class_proportions": Spec({"y": Y_CLS}, {"y": labels()}, accepts=FRACTIONAL),
    "reference.trees.entropy": Spec(
        {"y": Y_CLS, "base": 2.0}, {"y": labels(), "base": POS_FLOAT}, accepts=FRACTIONAL
    ),
    "reference.trees.gini": Spec({"y": Y_CLS}, {"y": labels()}, accepts=FRACTIONAL),
    "reference.trees.impurity_decrease": Spec(
        {"y": Y_CLS, "left": Y_CLS < 1, "criterion": "gini"},
        {"y": labels(), "criterion": CHOICE},
        accepts=FRACTIONAL,
    ),
    "reference.trees.information_gain": Spec(
        {"y": Y_CLS, "left": Y_CLS < 1}, {"y": labels()}, accepts=FRACTIONAL
    ),
    "reference.trees.candidate_thresholds": Spec({"x": Y_REG}, {"x": floats(1)}),
    "reference.trees.best_split": Spec(
        {"x": Y_REG, "y": Y_CLS, "criterion": "entropy"},
        {"x": floats(1), "y": labels(same_length_as="x"), "criterion": CHOICE},
        accepts=FRACTIONAL,
    ),
    "reference.trees.best_feature_split": Spec(
        {"X": X, "y": Y_CLS},
        {"X": floats(2), "y": labels(same_length_as="X")},
        accepts=FRACTIONAL,
    ),
    "reference.trees.BestSplit": RECORD,
    # --- data (the NumPy side of the data module)
    **{
        f"data.{name}": Spec(
            {"n_samples": 20, "noise": 0.1, "seed": 0},
            {"n_samples": POS_INT, "noise": NONNEG_FLOAT, "seed": SEED},
        )
        for name in ("make_noisy_line", "make_house_prices", "make_moons", "make_xor")
    },
    "data.make_circles": Spec(
        {"n_samples": 20, "noise": 0.1, "factor": 0.5, "seed": 0},
        {"n_samples": POS_INT, "noise": NONNEG_FLOAT, "factor": UNIT_OPEN, "seed": SEED},
    ),
    "data.make_spirals": Spec(
        {"n_samples": 30, "n_classes": 3, "noise": 0.1, "seed": 0},
        {"n_samples": POS_INT, "n_classes": POS_INT, "noise": NONNEG_FLOAT, "seed": SEED},
    ),
    "data.load": Spec(
        {"name": "iris", "seed": 0, "val_size": 0.2, "test_size": 0.2},
        {"name": CHOICE, "seed": SEED, "val_size": FRACTION, "test_size": FRACTION},
    ),
    "data.split": Spec(
        {
            "X": X,
            "y": Y_CLS,
            "seed": 0,
            "val_size": 0.25,
            "test_size": 0.25,
            "task": "classification",
        },  # fmt: skip
        {
            "X": floats(2),
            "y": labels(same_length_as="X"),
            "seed": SEED,
            "val_size": FRACTION,
            "test_size": FRACTION,
        },  # fmt: skip
    ),
    "data.Split": RECORD,
    "data.ChecksumError": RECORD,
    "data.IncompleteDownloadError": RECORD,
    "data.OfflineFallbackWarning": RECORD,
    "data.cache_dir": Spec(),
    "data.sha256_file": Spec({"path": __file__}, {"path": TEXT}),
    "data.pydoc_topics": Spec(),
    "data.lee_corpus": Spec(),
    # download / tiny_shakespeare have their own tests (tests/test_data.py: cut transfers,
    # digests, size cap, offline fallback); their argument checks are covered here:
    "data.download": Spec(
        {
            "url": "file:///nonexistent",
            "path": "/nonexistent/x",
            "sha256": "0" * 64,
            "retries": 1,
            "timeout": 1.0,
            "backoff": 0.0,
            "max_bytes": 10,
        },  # fmt: skip
        {
            "sha256": TEXT,
            "retries": POS_INT,
            "timeout": POS_FLOAT,
            "backoff": NONNEG_FLOAT,
            "max_bytes": POS_INT,
        },  # fmt: skip
        call=lambda fn, **kw: _expect_oserror(fn, **kw),
    ),
    "data.tiny_shakespeare": Spec(
        {"url": "file:///nonexistent", "retries": 1, "timeout": 1.0, "offline_fallback": False},
        {"retries": POS_INT, "timeout": POS_FLOAT},
        call=lambda fn, **kw: _expect_oserror(fn, **kw),
    ),
    # --- checks (the validators themselves) and testing helpers
    "checks.as_float_array": Spec(
        {"value": VEC, "name": "x"}, {"value": floats()}, named_as={"value": "x"}
    ),
    # A length check of arrays already validated by as_float_array: only lengths matter.
    "checks.check_same_length": Spec({"a": X, "b": Y_REG, "name_a": "a", "name_b": "b"}, {}),
    "checks.as_real_array": Spec(
        {"value": VEC, "name": "x"}, {"value": floats(finite=False)}, named_as={"value": "x"}
    ),
    "checks.keras_input": "keras",  # the Keras-side validator: tests/test_contract_keras.py
    "checks.check_positive": Spec(
        {"value": 1.0, "name": "lr"}, {"value": POS_FLOAT}, named_as={"value": "lr"}
    ),
    "checks.check_positive_int": Spec(
        {"value": 1, "name": "k"}, {"value": POS_INT}, named_as={"value": "k"}
    ),
    "checks.check_seed": Spec({"seed": 1}, {"seed": SEED}),
    "checks.check_choice": Spec(
        {"value": "a", "name": "value", "choices": ("a", "b")}, {"value": CHOICE}
    ),
    "checks.check_binary_labels": Spec({"y": Y_BIN}, {"y": labels(binary=True)}),
    "checks.check_train_and_query": Spec(
        {"X_train": X, "y_train": Y_CLS, "X": X_QUERY},
        {"X_train": floats(2), "y_train": labels(same_length_as="X_train"), "X": floats(2)},
    ),
    "testing.relative_error": Spec({"a": VEC, "b": VEC + 1e-3}, {"a": floats(), "b": floats()}),
    "testing.numerical_gradient": Spec(
        {"f": lambda v: float(np.sum(v**2)), "x": VEC, "eps": 1e-6},
        {"f": CALLABLE, "x": floats(), "eps": POS_FLOAT},
    ),
    "testing.assert_close": Spec(
        {"actual": VEC, "expected": VEC},
        {"actual": floats(finite=False), "expected": floats(finite=False)},
        # An empty array where numbers were expected is a failed assertion, not bad input.
        accepts={("actual", "empty"): "AssertionError", ("expected", "empty"): "AssertionError"},
    ),
}


def _expect_oserror(fn, **kw):
    """Arguments are valid when the call gets as far as the (impossible) transfer."""
    with pytest.raises(OSError):
        fn(**kw)
    return "reached the transfer"


# Modules whose public names are checked here: everything without Keras.
NUMPY_SIDE = ("reference", "data", "checks", "testing")


def _numpy_side_callables():
    found = {}
    for package in ("mlfoundations.reference", "mlfoundations.data", "mlfoundations.checks",
                    "mlfoundations.testing"):  # fmt: skip
        found.update(public_callables(package))
    return found


def test_every_public_callable_is_in_the_registry():
    missing = sorted(set(_numpy_side_callables()) - set(REGISTRY))
    stale = sorted(set(REGISTRY) - set(_numpy_side_callables()))
    assert not missing, f"add a contract entry for: {', '.join(missing)}"
    assert not stale, f"registry names that no longer exist: {', '.join(stale)}"


@pytest.mark.parametrize("name", sorted(k for k, v in REGISTRY.items() if isinstance(v, Spec)))
def test_valid_call_works_and_bad_inputs_are_refused_by_name(name):
    fn = _numpy_side_callables()[name]
    spec = REGISTRY[name]
    spec.run(fn)  # the declared valid call must succeed
    outcomes = check_bad_inputs(name, fn, spec)
    assert all(o.ok for o in outcomes), report(outcomes)
