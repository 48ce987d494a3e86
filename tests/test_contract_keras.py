"""The bad-input contract for the Keras side, run once per backend (same errors on all three).

See ``tests/contract.py``. Every public callable of the Keras modules listed in
:data:`KERAS_MODULES` needs an entry (the introspection test fails otherwise).
"""

from __future__ import annotations

import numpy as np
import pytest
from contract import (
    CHOICE,
    CONFIG,
    FRACTION,
    NONNEG_FLOAT,
    POS_FLOAT,
    POS_INT,
    RECORD,
    SEED,
    SENTENCES,
    TEXT,
    UNIT_OPEN,
    Spec,
    floats,
    labels,
    probs,
    public_callables,
    registry_gaps,
    report,
    run_entry,
    summary_fixture,
)
from contract import ids as id_array

from mlfoundations.reference.transformer import TransformerConfig

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")

KERAS_MODULES = (
    "activations",
    "losses",
    "linear",
    "logistic",
    "mlp",
    "models",
    "embeddings",
    "metrics",
    "sampling",
    "transformer",
    "scaling",
    "optim",
    "sklearn_baselines",
)

rng = np.random.default_rng(0)
X = rng.normal(size=(12, 3)).astype("float32")
Y_REG = rng.normal(size=12).astype("float32")
Y_BIN = np.array([0, 1] * 6)
Y_CLS = np.array([0, 1, 2] * 4)
LOGITS = rng.normal(size=(12, 3)).astype("float32")
P = np.clip(rng.uniform(size=12), 0.05, 0.95).astype("float32")
VEC = rng.normal(size=5).astype("float32")
EVEN = np.linspace(-2, 2, 12).reshape(3, 4).astype("float32")  # for the gated units
ANY = floats(finite=False)  # Keras functions are defined on NaN and inf
SOFT_TARGETS = "soft targets in [0, 1] are valid, as in Keras"


def _model():
    from mlfoundations.mlp import mlp

    model = mlp(3, hidden=(4,), output=3, seed=0)
    model.compile(optimizer="sgd", loss="mse")
    return model


def _recipe(fn, **kw):
    return fn(_model(), **kw)


def _fit_steps(fn, **kw):
    model = _model()
    return fn(model, **kw)


def _lr_range(fn, **kw):
    model = _model()
    model.compile(
        optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )
    return fn(model, **kw)


# --- chapters 7, 8, 11 and the models module
SENTS = [["the", "cat", "sat"], ["the", "dog", "sat"], ["a", "cat", "ran"]] * 4
SCORES = rng.normal(size=(4, 3)).astype("float32")  # (B, 1 + K)
LABELS_P = (np.exp(LOGITS) / np.exp(LOGITS).sum(axis=1, keepdims=True)).astype("float32")
NO_FILTER = "None switches the filter off"
TOP_P_ONE = "top_p = 1 keeps every token"


def _word2vec(fn, *, sentences, **kw):
    return fn(**kw).fit(sentences).vectors


def _skipgram(fn, **kw):
    model = fn(**kw)
    return model(np.array([[0, 1, 2], [1, 2, 0]]))


def _metric(fn, *, y_true, y_pred, **kw):
    m = fn(**kw)
    m.update_state(y_true, y_pred)
    return float(m.result())


CHAPTERS_7_TO_11 = {
    "embeddings.sgns_loss_from_scores": Spec(
        {"scores": SCORES}, {"scores": floats(2, finite=False)}
    ),
    "embeddings.SkipGram": Spec(
        {"vocab_size": 3, "vector_size": 4},
        {"vocab_size": POS_INT, "vector_size": POS_INT},
        call=_skipgram,
    ),
    "embeddings.Word2Vec": Spec(
        {
            "sentences": SENTS,
            "vector_size": 4,
            "window": 2,
            "negative": 2,
            "min_count": 1,
            "sample": 0.0,
            "epochs": 1,
            "alpha": 0.025,
            "min_alpha": 1e-4,
            "batch_size": 8,
            "seed": 0,
        },  # fmt: skip
        {
            "sentences": SENTENCES,
            "vector_size": POS_INT,
            "window": POS_INT,
            "negative": POS_INT,
            "min_count": POS_INT,
            "sample": NONNEG_FLOAT,
            "epochs": POS_INT,
            "alpha": POS_FLOAT,
            "min_alpha": NONNEG_FLOAT,
            "batch_size": POS_INT,
            "seed": SEED,
        },  # fmt: skip
        call=_word2vec,
    ),
    "metrics.Perplexity": Spec(
        {"y_true": Y_CLS, "y_pred": LOGITS, "from_logits": True},
        {"y_true": ANY, "y_pred": ANY},
        call=_metric,
    ),
    "metrics.ExpectedCalibrationError": Spec(
        {"y_true": Y_CLS, "y_pred": LABELS_P, "n_bins": 5},
        {"y_true": ANY, "y_pred": ANY, "n_bins": POS_INT},
        call=_metric,
    ),
    "sampling.greedy": Spec({"logits": LOGITS}, {"logits": ANY}),
    "sampling.probabilities": Spec(
        {"logits": LOGITS, "temperature": 0.7, "top_k": 2, "top_p": 0.9},
        {"logits": ANY, "temperature": NONNEG_FLOAT, "top_k": POS_INT, "top_p": UNIT_OPEN},
        accepts={("top_k", "None"): NO_FILTER, ("top_p", "1.0"): TOP_P_ONE},
    ),
    "sampling.sample": Spec(
        {
            "logits": LOGITS,
            "temperature": 0.7,
            "top_k": 2,
            "top_p": 0.9,
            "num_samples": 2,
            "seed": 0,
        },  # fmt: skip
        {
            "logits": ANY,
            "temperature": NONNEG_FLOAT,
            "top_k": POS_INT,
            "top_p": UNIT_OPEN,
            "num_samples": POS_INT,
            "seed": SEED,
        },  # fmt: skip
        accepts={("top_k", "None"): NO_FILTER, ("top_p", "1.0"): TOP_P_ONE},
    ),
    "models.dense_model": Spec({"n_in": 3, "n_out": 2}, {"n_in": POS_INT, "n_out": POS_INT}),
    "models.mlp_model": Spec(
        {"sizes": [3, 4, 2], "activation": "relu"},
        {"activation": CHOICE},
        accepts={("activation", "None"): "None is Keras's linear activation"},
    ),
}


# --- chapter 8: the GPT
TOKENS = np.tile(np.arange(13), 4)  # a token stream of 52 ids, vocabulary 13
H_ACT = rng.normal(size=(2, 4, 8)).astype("float32")  # (B, T, C)
Q_ACT = rng.normal(size=(2, 2, 4, 4)).astype("float32")  # (B, H, T, d)
GPT_ARGS = {"vocab_size": 13, "block_size": 8, "n_layer": 1, "n_head": 2, "n_embd": 8}
_SAVED = {}


def _gpt(compiled=False):
    from mlfoundations.transformer import GPT

    model = GPT(**GPT_ARGS)
    if compiled:
        model.compile(
            optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        )
    return model


def _gpt_file():
    if "path" not in _SAVED:
        import tempfile
        from pathlib import Path

        path = Path(tempfile.mkdtemp(prefix="mlf-contract-")) / "gpt.keras"
        model = _gpt()
        model(TOKENS[None, :8])
        model.save(path)
        _SAVED["path"] = path
    return _SAVED["path"]


def _layer(fn, **kw):
    return fn(**kw)(H_ACT)


def _gpt_call(fn, *, ids, **kw):
    return fn(**kw)(ids)


TRANSFORMER = {
    "transformer.causal_mask": Spec({"T": 4}, {"T": POS_INT}),
    "transformer.scaled_dot_product_attention": Spec(
        {"q": Q_ACT, "k": Q_ACT, "v": Q_ACT}, {"q": ANY, "k": ANY, "v": ANY}
    ),
    **{
        f"transformer.{name}": Spec(
            {"n_embd": 8, "n_head": 2, "dropout": 0.0, "init_std": 0.02, "proj_init_std": 0.02},
            {
                "n_embd": POS_INT,
                "n_head": POS_INT,
                "dropout": FRACTION,
                "init_std": POS_FLOAT,
                "proj_init_std": POS_FLOAT,
            },  # fmt: skip
            call=_layer,
        )
        for name in ("CausalSelfAttention", "TransformerBlock")
    },
    "transformer.GPT": Spec(
        {"ids": TOKENS[None, :8], **GPT_ARGS, "dropout": 0.0},
        {
            "ids": id_array(2, high=13),
            "vocab_size": POS_INT,
            "block_size": POS_INT,
            "n_layer": POS_INT,
            "n_head": POS_INT,
            "n_embd": POS_INT,
            "dropout": FRACTION,
        },  # fmt: skip
        call=_gpt_call,
    ),
    "transformer.load_gpt": Spec({}, {}, call=lambda fn, **kw: fn(_gpt_file())),
    "transformer.generate": Spec(
        {
            "prompt_ids": TOKENS[:3],
            "max_new_tokens": 2,
            "temperature": 0.8,
            "top_k": 3,
            "seed": 0,
        },  # fmt: skip
        {
            "prompt_ids": id_array(1, high=13),
            "max_new_tokens": POS_INT,
            "temperature": NONNEG_FLOAT,
            "top_k": POS_INT,
            "seed": SEED,
        },  # fmt: skip
        call=lambda fn, **kw: fn(_gpt(), **kw),
        accepts={
            ("prompt_ids", "one rank too many"): "a (B, T) batch of prompts",
            ("top_k", "None"): "None switches the filter off",
        },
    ),
    "transformer.get_batch": Spec(
        {"tokens": TOKENS, "batch_size": 2, "block_size": 8, "rng": np.random.default_rng(0)},
        {"tokens": id_array(1), "batch_size": POS_INT, "block_size": POS_INT},
    ),
    "transformer.evaluate_lm": Spec(
        {"tokens": TOKENS, "batch_size": 4},
        {"tokens": id_array(1, high=13), "batch_size": POS_INT},
        call=lambda fn, **kw: fn(_gpt(), **kw),
    ),
    "transformer.train_lm": Spec(
        {"tokens": TOKENS, "steps": 1, "batch_size": 2, "seed": 0},
        {"tokens": id_array(1, high=13), "steps": POS_INT, "batch_size": POS_INT, "seed": SEED},
        call=lambda fn, **kw: fn(_gpt(compiled=True), **kw),
    ),
}


# --- chapter 10: the sweep
TEXT10 = "to be or not to be that is the question " * 8
CHAR_IDS = np.array([i % 7 for i in range(400)], dtype=np.int32)
SMALL = TransformerConfig(vocab_size=7, block_size=8, n_layer=1, n_head=2, n_embd=8)
X_VAL = CHAR_IDS[:32].reshape(4, 8)
Y_VAL = CHAR_IDS[1:33].reshape(4, 8)


def _devices(fn, **kw):
    try:
        return fn()
    except RuntimeError as exc:  # TensorFlow and PyTorch: the message names the alternative
        assert "data-parallel" in str(exc)
        return "explained"


def _validation(fn, **kw):
    from mlfoundations.transformer import GPT

    return fn(GPT(7, 8, 1, 2, 8), **kw)


def _sweep_folder():
    import tempfile

    return tempfile.mkdtemp(prefix="mlf-contract-sweep-")


SCALING = {
    "scaling.char_ids": Spec({"text": TEXT10}, {"text": TEXT}),
    "scaling.data_parallel_devices": Spec(call=_devices),
    "scaling.max_tokens": Spec(
        {"train_ids": CHAR_IDS, "block_size": 8},
        {"train_ids": id_array(1), "block_size": POS_INT},
    ),
    "scaling.validation_loss": Spec(
        {"x_val": X_VAL, "y_val": Y_VAL, "batch_size": 2},
        {
            "x_val": id_array(2, high=7),
            "y_val": id_array(2, high=7, same_length_as="x_val"),
            "batch_size": POS_INT,
        },  # fmt: skip
        call=_validation,
    ),
    "scaling.per_step_losses": Spec(
        {"running_mean": np.linspace(3, 2, 6)}, {"running_mean": floats(1)}
    ),
    "scaling.train_run": Spec(
        {
            "config": SMALL,
            "train_ids": CHAR_IDS,
            "val_ids": CHAR_IDS[:64],
            "tokens": 32,
            "batch_size": 2,
            "max_lr": 3e-3,
            "warmup_frac": 0.1,
            "weight_decay": 0.1,
            "seed": 0,
        },  # fmt: skip
        {
            "config": CONFIG,
            "train_ids": id_array(1, high=7),
            "val_ids": id_array(1, high=7),
            "tokens": POS_INT,
            "batch_size": POS_INT,
            "max_lr": POS_FLOAT,
            "warmup_frac": FRACTION,
            "weight_decay": NONNEG_FLOAT,
            "seed": SEED,
        },  # fmt: skip
    ),
    "scaling.read_sweep": Spec({"folder": "/nonexistent-sweep"}, {}),
    "scaling.plan": Spec(
        {
            "sizes": [(1, 2, 8)],
            "compute_budgets": [1e6, 1e7],
            "vocab_size": 7,
            "block_size": 8,
            "max_tokens": 392,
        },  # fmt: skip
        {
            "compute_budgets": floats(1),
            "vocab_size": POS_INT,
            "block_size": POS_INT,
            "max_tokens": POS_INT,
        },  # fmt: skip
    ),
    "scaling.sweep": Spec(
        {
            "sizes": [(1, 2, 8)],
            "compute_budgets": [1e12],
            "train_ids": CHAR_IDS,
            "val_ids": CHAR_IDS[:64],
            "vocab_size": 7,
            "block_size": 8,
            "batch_size": 2,
            "seed": 0,
        },  # fmt: skip
        {
            "compute_budgets": floats(1),
            "train_ids": id_array(1, high=7),
            "val_ids": id_array(1, high=7),
            "vocab_size": POS_INT,
            "block_size": POS_INT,
            "batch_size": POS_INT,
            "seed": SEED,
        },  # fmt: skip
        call=lambda fn, **kw: fn(folder=_sweep_folder(), **kw),
    ),
}


REGISTRY: dict[str, Spec | str] = {
    **CHAPTERS_7_TO_11,
    **TRANSFORMER,
    **SCALING,
    **{
        f"activations.{n}": Spec({"x": VEC}, {"x": ANY})
        for n in (
            "relu sigmoid tanh silu gelu gelu_tanh softmax log_softmax elu leaky_relu".split()
        )
    },
    "activations.get": Spec({"name": "relu"}, {"name": CHOICE}),
    "activations.glu": Spec({"x": EVEN}, {"x": ANY}),
    "activations.swiglu": Spec({"x": EVEN}, {"x": ANY}),
    "checks.keras_input": Spec(
        {"value": VEC, "name": "x"}, {"value": ANY}, named_as={"value": "x"}
    ),
    "losses.mse": Spec(
        {"y_true": Y_REG, "y_pred": Y_REG + 0.1},
        {"y_true": floats(), "y_pred": floats(same_length_as="y_true")},
    ),
    "losses.binary_cross_entropy": Spec(
        {"y_true": Y_BIN, "p": P},
        {"y_true": labels(binary=True), "p": probs(1, same_length_as="y_true")},
        accepts={("y_true", "a fractional label"): SOFT_TARGETS},
    ),
    "losses.sigmoid_cross_entropy": Spec(
        {"y_true": Y_BIN, "logits": Y_REG},
        {"y_true": labels(binary=True), "logits": floats(1, same_length_as="y_true")},
        accepts={("y_true", "a fractional label"): SOFT_TARGETS},
    ),
    "losses.softmax_cross_entropy": Spec(
        {"y_true": Y_CLS, "logits": LOGITS},
        {"y_true": labels(), "logits": floats(2, same_length_as="y_true")},
    ),
    "linear.linear_model": Spec(
        {"n_features": 3, "l2": 0.1}, {"n_features": POS_INT, "l2": NONNEG_FLOAT}
    ),
    "linear.coefficients": Spec({"model": None}, {}, call=lambda fn, **kw: fn(_linear_model())),
    "linear.fit_sgd": Spec(
        {"X": X, "y": Y_REG, "lr": 0.1, "epochs": 2},
        {"X": floats(2), "y": floats(1, same_length_as="X"), "lr": POS_FLOAT, "epochs": POS_INT},
    ),
    "logistic.logistic_model": Spec(
        {"n_features": 3, "l2": 0.1}, {"n_features": POS_INT, "l2": NONNEG_FLOAT}
    ),
    "logistic.fit_sgd": Spec(
        {"X": X, "y": Y_BIN, "lr": 0.1, "epochs": 2},
        {
            "X": floats(2),
            "y": labels(same_length_as="X", binary=True),
            "lr": POS_FLOAT,
            "epochs": POS_INT,
        },
    ),
    "logistic.coefficients": Spec({"model": None}, {}, call=lambda fn, **kw: fn(_logistic_model())),
    "mlp.mlp": Spec(
        {"input_dim": 3, "hidden": (4,), "output": 2, "activation": "relu", "seed": 0},
        {"input_dim": POS_INT, "output": POS_INT, "activation": CHOICE, "seed": SEED},
    ),
    "mlp.to_reference": Spec({}, {}, call=lambda fn, **kw: fn(_model())),
    "optim.WarmupCosine": Spec(
        {"max_lr": 1e-3, "min_lr": 1e-4, "warmup_steps": 2, "decay_steps": 10},
        {"max_lr": POS_FLOAT, "min_lr": NONNEG_FLOAT, "decay_steps": POS_INT},
    ),
    "optim.recipe": Spec(
        {"max_lr": 1e-3, "min_lr": 1e-4, "warmup_steps": 2, "total_steps": 10},
        {"max_lr": POS_FLOAT, "min_lr": NONNEG_FLOAT, "total_steps": POS_INT},
        call=_recipe,
    ),
    "optim.RecipeAdamW": RECORD,  # a keras.optimizers.AdamW built by recipe(), tested there
    "optim.GradientNormLog": Spec(),
    "optim.StopOnNaN": Spec(),
    "optim.decay_mask": Spec({}, {}, call=lambda fn, **kw: fn(_model())),
    "optim.early_stopping": Spec(
        {"patience": 2, "min_delta": 0.0}, {"patience": POS_INT, "min_delta": NONNEG_FLOAT}
    ),
    "optim.diagnose": Spec(
        {"train_loss": np.linspace(2, 1, 10), "val_loss": np.linspace(2.1, 1.2, 10)},
        {"val_loss": floats(1, same_length_as="train_loss")},
    ),
    "optim.lr_range_test": Spec(
        {"x": X, "y": Y_CLS, "min_lr": 1e-4, "max_lr": 1.0, "steps": 5, "batch_size": 4},
        {
            "x": floats(same_length_as="y"),
            "min_lr": POS_FLOAT,
            "max_lr": POS_FLOAT,
            "steps": POS_INT,
            "batch_size": POS_INT,
        },
        call=_lr_range,
    ),
    "optim.sgd": Spec({"lr": 0.1, "momentum": 0.5}, {"lr": POS_FLOAT, "momentum": FRACTION}),
    "optim.fit_steps": Spec(
        {"X": X, "y": LOGITS, "epochs": 1, "batch_size": 4},
        {"X": floats(2), "epochs": POS_INT, "batch_size": POS_INT},
        call=_fit_steps,
    ),
    "sklearn_baselines.models_for": Spec({"task": "classification"}, {"task": CHOICE}),
    "sklearn_baselines.make_model": Spec(
        {"name": "logistic_regression", "task": "classification", "seed": 0},
        {"task": CHOICE, "seed": SEED},
    ),
    "sklearn_baselines.make_kmeans": Spec(
        {"n_clusters": 3, "seed": 0}, {"n_clusters": POS_INT, "seed": SEED}
    ),
    "sklearn_baselines.baseline_table": Spec(
        {"dataset": "iris", "models": ["logistic_regression"], "seed": 0},
        {"dataset": CHOICE, "seed": SEED},
    ),
    "sklearn_baselines.kmeans_baseline": Spec(
        {"dataset": "iris", "seed": 0}, {"dataset": CHOICE, "seed": SEED}
    ),
    # Table formatting of result rows the suite itself made: no input contract of its own.
    "sklearn_baselines.format_table": RECORD,
    "sklearn_baselines.print_table": RECORD,
    "sklearn_baselines.summarize": RECORD,
    "sklearn_baselines.best_rows": RECORD,
}


def _linear_model():
    from mlfoundations.linear import linear_model

    return linear_model(3)


def _logistic_model():
    from mlfoundations.logistic import logistic_model

    return logistic_model(3)


def _callables():
    found = {}
    for name in KERAS_MODULES:
        found.update(public_callables(f"mlfoundations.{name}"))
    from mlfoundations import checks

    found["checks.keras_input"] = checks.keras_input
    return found


SIDE = "Keras"


_session_summary = summary_fixture(REGISTRY, SIDE)


def test_every_public_callable_is_in_the_registry():
    missing, stale = registry_gaps(_callables(), REGISTRY)
    assert not missing, f"add a contract entry for: {', '.join(missing)}"
    assert not stale, f"registry names that no longer exist: {', '.join(stale)}"


@pytest.mark.parametrize("name", sorted(k for k, v in REGISTRY.items() if isinstance(v, Spec)))
def test_valid_call_works_and_bad_inputs_are_refused_by_name(name):
    outcomes = run_entry(name, _callables(), REGISTRY)
    assert all(o.ok for o in outcomes), report(outcomes)


def test_integer_input_works_on_every_backend():
    """Integer arrays become floats at the boundary (they crashed on JAX and TensorFlow)."""
    from mlfoundations import activations

    for name in ("sigmoid", "silu", "gelu", "relu", "softmax"):
        f = activations.get(name)
        got = keras.ops.convert_to_numpy(f(np.array([1, 2, 3])))
        want = keras.ops.convert_to_numpy(f(np.array([1.0, 2.0, 3.0], dtype="float32")))
        np.testing.assert_allclose(got, want, rtol=1e-6)
