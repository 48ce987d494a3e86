"""The bad-input contract for the NumPy side: ``mlfoundations.reference``, data, checks, testing.

See ``tests/contract.py`` for the kinds and the catalogue of bad values. Every public
callable needs an entry here (the introspection test fails otherwise).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from contract import (
    CALLABLE,
    CHOICE,
    CONFIG,
    FRACTION,
    NONNEG_FLOAT,
    NONNEG_INT,
    POS_FLOAT,
    POS_INT,
    RECORD,
    SEED,
    SENTENCES,
    STEP,
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

from mlfoundations.reference import embeddings as ref_embeddings
from mlfoundations.reference import mlp as ref_mlp
from mlfoundations.reference import scaling as ref_scaling
from mlfoundations.reference import tokenizers as ref_tokenizers
from mlfoundations.reference import transformer as ref_transformer

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
EVEN = np.linspace(-2, 2, 12).reshape(3, 4)  # an even last axis, for the gated units

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


# --- chapters 7-11: tokenizers, embeddings, sampling, transformer, scaling, metrics
V, D = 6, 4
W_IN = rng.normal(size=(V, D))
W_OUT = rng.normal(size=(V, D))
CENTRES = np.array([0, 1, 2])
CONTEXTS = np.array([1, 2, 3])
NEGATIVES = np.array([[4, 5], [3, 4], [5, 0]])
COUNTS = np.array([50.0, 20.0, 5.0, 1.0])
WORDS = ["king", "queen", "man", "woman", "apple", "pear"]
TEXT_VALID = "the cat sat on the mat. the dog sat on the log."
PROBS2 = np.exp(LOGITS) / np.exp(LOGITS).sum(axis=1, keepdims=True)
SCRATCH = Path(tempfile.mkdtemp(prefix="mlf-contract-"))
PAIRS_FILE = SCRATCH / "pairs.tsv"
PAIRS_FILE.write_text("king\tqueen\t8.5\nman\twoman\t8.0\napple\tpear\t6.0\nking\tapple\t1.0\n")
ANALOGY_FILE = SCRATCH / "analogies.txt"
ANALOGY_FILE.write_text(": family\nman woman king queen\nking queen man woman\n")
VECTORS_FILE = SCRATCH / "vectors.txt"
ref_embeddings.save_word2vec_format(VECTORS_FILE, W_IN, WORDS)
TOKENIZER_FILE = ref_tokenizers.CharTokenizer().train(TEXT_VALID).save(SCRATCH / "tok.json")
CHAR_VOCAB = ref_tokenizers.CharTokenizer().train(TEXT_VALID).vocab_size
WORD_VOCAB = ref_tokenizers.WordTokenizer().train(TEXT_VALID).vocab_size
CFG = ref_transformer.TransformerConfig(vocab_size=13, block_size=10, n_layer=1, n_head=2, n_embd=8)
TOKEN_IDS = np.array([[1, 5, 7, 12], [0, 3, 3, 2]])
Q = rng.normal(size=(2, 2, 4, 4))  # (B, H, T, d)
H = rng.normal(size=(2, 4, 8))  # (B, T, C)
# Chinchilla runs from a known law (36 runs on 5 isoFLOP slices), as in the scaling tests.
LAW = ref_scaling.ChinchillaFit(E=1.8, A=400.0, B=1500.0, alpha=0.34, beta=0.37)
RUNS_N = np.repeat(np.logspace(7.5, 9.5, 4), 2)
RUNS_D = np.tile([2e9, 2e10], 4)
RUNS_L = LAW.predict(RUNS_N, RUNS_D)

COLUMN_LABELS = "a column of labels is squeezed to 1-D, as in scikit-learn"
NO_FILTER = "None switches the filter off"
NO_TOKENS = "decoding no ids gives the empty string"
PER_CLASS = "average=None returns per-class scores, as in scikit-learn"


def _gpt_weights(c):
    D, g = c.n_embd, np.random.default_rng(1)
    w = {"wte": g.normal(size=(c.vocab_size, D)), "wpe": g.normal(size=(c.block_size, D))}
    shapes = {"attn.c_attn": (D, 3 * D), "attn.c_proj": (D, D)}
    shapes |= {"mlp.c_fc": (D, 4 * D), "mlp.c_proj": (4 * D, D)}
    for i in range(c.n_layer):
        for name, shape in shapes.items():
            w[f"h.{i}.{name}.kernel"] = g.normal(size=shape) / np.sqrt(shape[0])
            w[f"h.{i}.{name}.bias"] = g.normal(size=shape[1]) * 0.1
        for ln in ("ln_1", "ln_2"):
            w[f"h.{i}.{ln}.gamma"], w[f"h.{i}.{ln}.beta"] = np.ones(D), np.zeros(D)
    w["ln_f.gamma"], w["ln_f.beta"] = np.ones(D), np.zeros(D)
    return w


def _tokenizer(fn, *, text, ids, **kw):
    tok = fn(**kw).train(text)
    tok.encode(text)
    return tok.decode(ids)


def label_pair(**kw):
    """A classification metric on two label vectors."""
    return Spec(
        {"y_true": Y_CLS, "y_pred": np.roll(Y_CLS, 1), **kw},
        {
            "y_true": labels(),
            "y_pred": labels(same_length_as="y_true"),
            **{k: CHOICE for k in kw if k == "average"},
        },  # fmt: skip
        accepts={
            ("y_true", "one rank too many"): COLUMN_LABELS,
            ("y_pred", "one rank too many"): COLUMN_LABELS,
            **({("average", "None"): PER_CLASS} if "average" in kw else {}),
        },  # fmt: skip
    )


def scored(y_true, y_score, **kw):
    """A metric of labels and scores."""
    binary = y_true is Y_BIN
    return Spec(
        {"y_true": y_true, "y_score": y_score, **kw},
        {
            "y_true": labels(binary=binary),
            "y_score": floats(y_score.ndim, same_length_as="y_true"),
        },
        accepts={
            ("y_true", "one rank too many"): COLUMN_LABELS,
            ("y_score", "one rank too many"): COLUMN_LABELS,
        },
    )


def regression_pair():
    return Spec(
        {"y_true": Y_REG, "y_pred": Y_REG + 0.1},
        {"y_true": floats(), "y_pred": floats(same_length_as="y_true")},
    )


CHAPTERS_7_TO_11: dict[str, Spec | str] = {
    # --- reference.activations (chapter 6 additions) and reference.mlp
    **{
        f"reference.activations.{n}": Spec({"x": VEC}, {"x": floats()})
        for n in ("elu", "elu_grad", "leaky_relu", "leaky_relu_grad")
    },
    "reference.mlp.he_uniform": Spec(
        {"n_in": 3, "n_out": 4, "rng": np.random.default_rng(0)},
        {"n_in": POS_INT, "n_out": POS_INT},
    ),
    # --- reference.tokenizers (chapter 7)
    "reference.tokenizers.pretokenize": Spec({"text": TEXT_VALID}, {"text": TEXT}),
    "reference.tokenizers.Tokenizer": RECORD,  # the abstract interface: its subclasses below
    "reference.tokenizers.CharTokenizer": Spec(
        {"text": TEXT_VALID, "ids": np.array([0, 1, 2])},
        {"text": TEXT, "ids": id_array(1, high=CHAR_VOCAB)},
        call=_tokenizer,
        accepts={("ids", "empty"): NO_TOKENS},
    ),
    "reference.tokenizers.WordTokenizer": Spec(
        {"text": TEXT_VALID, "ids": np.array([0, 1, 2]), "min_count": 1, "max_vocab": 20},
        {
            "text": TEXT,
            "ids": id_array(1, high=WORD_VOCAB),
            "min_count": POS_INT,
            "max_vocab": POS_INT,
        },  # fmt: skip
        call=_tokenizer,
        accepts={("max_vocab", "None"): "None means no limit", ("ids", "empty"): NO_TOKENS},
    ),
    "reference.tokenizers.ByteLevelBPE": Spec(
        {"text": TEXT_VALID, "ids": np.array([0, 1, 256]), "n_merges": 5},
        {"text": TEXT, "ids": id_array(1, high=256 + 5), "n_merges": NONNEG_INT},
        call=_tokenizer,
        accepts={("ids", "empty"): NO_TOKENS},
    ),
    "reference.tokenizers.load": Spec({"path": TOKENIZER_FILE}, {}),
    "reference.tokenizers.bytes_per_token": Spec(
        {"tokenizer": ref_tokenizers.CharTokenizer().train(TEXT_VALID), "text": TEXT_VALID},
        {"text": TEXT},
    ),
    # --- reference.embeddings (chapter 7)
    **{
        f"reference.embeddings.{n}": Spec(
            {
                "W_in": W_IN,
                "W_out": W_OUT,
                "centres": CENTRES,
                "contexts": CONTEXTS,
                "negatives": NEGATIVES,
            },  # fmt: skip
            {
                "W_in": floats(2),
                "W_out": floats(2),
                "centres": id_array(1, high=V),
                "contexts": id_array(1, high=V, same_length_as="centres"),
                "negatives": id_array(2, high=V, same_length_as="centres"),
            },
        )
        for n in ("sgns_loss", "sgns_loss_and_grad")
    },
    "reference.embeddings.keep_probabilities": Spec(
        {"counts": COUNTS, "sample": 1e-3}, {"counts": floats(1), "sample": NONNEG_FLOAT}
    ),
    "reference.embeddings.noise_distribution": Spec(
        {"counts": COUNTS, "power": 0.75}, {"counts": floats(1), "power": NONNEG_FLOAT}
    ),
    "reference.embeddings.noise_table": Spec(
        {"counts": COUNTS, "power": 0.75, "size": 100},
        {"counts": floats(1), "power": NONNEG_FLOAT, "size": POS_INT},
    ),
    "reference.embeddings.skipgram_pairs": Spec(
        {"ids": np.array([0, 1, 2, 3, 1, 0]), "window": 2, "rng": np.random.default_rng(0)},
        {"ids": id_array(1), "window": POS_INT},
        accepts={("ids", "empty"): "no words (a fully subsampled epoch) give no pairs"},
    ),
    "reference.embeddings.cosine_similarity": Spec(
        {"a": W_IN, "b": W_IN[:2]}, {"a": floats(2), "b": floats(2)}
    ),
    "reference.embeddings.nearest_neighbours": Spec(
        {"vectors": W_IN, "query": 0, "topn": 2}, {"vectors": floats(2), "topn": POS_INT}
    ),
    "reference.embeddings.analogy": Spec(
        {"vectors": W_IN, "a": 0, "b": 1, "c": 2, "topn": 1},
        {"vectors": floats(2), "topn": POS_INT},
    ),
    "reference.embeddings.evaluate_word_pairs": Spec(
        {"vectors": W_IN, "index_to_key": WORDS, "path": PAIRS_FILE}, {"vectors": floats(2)}
    ),
    "reference.embeddings.evaluate_analogies": Spec(
        {"vectors": W_IN, "index_to_key": WORDS, "path": ANALOGY_FILE}, {"vectors": floats(2)}
    ),
    "reference.embeddings.save_word2vec_format": Spec(
        {"path": SCRATCH / "saved.txt", "vectors": W_IN, "index_to_key": WORDS},
        {"vectors": floats(2)},
    ),
    "reference.embeddings.load_word2vec_format": Spec({"path": VECTORS_FILE}, {}),
    # --- reference.sampling (chapter 8)
    "reference.sampling.check_sampling_args": Spec(
        {"temperature": 1.0, "top_k": 2, "top_p": 0.9, "num_samples": 1},
        {
            "temperature": NONNEG_FLOAT,
            "top_k": POS_INT,
            "top_p": UNIT_OPEN,
            "num_samples": POS_INT,
        },  # fmt: skip
        accepts={("top_k", "None"): NO_FILTER, ("top_p", "1.0"): "top_p = 1 keeps every token"},
    ),
    "reference.sampling.greedy": Spec({"logits": LOGITS}, {"logits": floats()}),
    "reference.sampling.probabilities": Spec(
        {"logits": LOGITS, "temperature": 0.7, "top_k": 2, "top_p": 0.9},
        {"logits": floats(), "temperature": NONNEG_FLOAT, "top_k": POS_INT, "top_p": UNIT_OPEN},
        accepts={("top_k", "None"): NO_FILTER, ("top_p", "1.0"): "top_p = 1 keeps every token"},
    ),
    "reference.sampling.sample": Spec(
        {
            "logits": LOGITS,
            "temperature": 0.7,
            "top_k": 2,
            "top_p": 0.9,
            "num_samples": 2,
            "seed": 0,
        },  # fmt: skip
        {
            "logits": floats(),
            "temperature": NONNEG_FLOAT,
            "top_k": POS_INT,
            "top_p": UNIT_OPEN,
            "num_samples": POS_INT,
            "seed": SEED,
        },  # fmt: skip
        accepts={("top_k", "None"): NO_FILTER, ("top_p", "1.0"): "top_p = 1 keeps every token"},
    ),
    # --- reference.transformer (chapter 8)
    "reference.transformer.causal_mask": Spec({"T": 4}, {"T": POS_INT}),
    "reference.transformer.scaled_dot_product_attention": Spec(
        {"q": Q, "k": Q, "v": Q}, {"q": floats(), "k": floats(), "v": floats()}
    ),
    "reference.transformer.split_heads": Spec(
        {"x": H, "n_head": 2}, {"x": floats(3), "n_head": POS_INT}
    ),
    "reference.transformer.merge_heads": Spec({"x": Q}, {"x": floats(4)}),
    "reference.transformer.layer_norm": Spec(
        {"x": H, "gamma": np.ones(8), "beta": np.zeros(8), "eps": 1e-5},
        {"x": floats(), "gamma": floats(1), "beta": floats(1), "eps": POS_FLOAT},
        accepts={("beta", "None"): "None means no shift (RMS-style norms)"},
    ),
    "reference.transformer.gelu_mlp": Spec(
        {
            "x": H,
            "W_fc": rng.normal(size=(8, 32)),
            "b_fc": np.zeros(32),
            "W_proj": rng.normal(size=(32, 8)),
            "b_proj": np.zeros(8),
        },  # fmt: skip
        {
            "x": floats(),
            "W_fc": floats(2),
            "b_fc": floats(1),
            "W_proj": floats(2),
            "b_proj": floats(1),
        },  # fmt: skip
        accepts={("b_fc", "None"): "None means no bias", ("b_proj", "None"): "None means no bias"},
    ),
    "reference.transformer.causal_self_attention": Spec(
        {
            "x": H,
            "W_attn": rng.normal(size=(8, 24)),
            "b_attn": np.zeros(24),
            "W_proj": rng.normal(size=(8, 8)),
            "b_proj": np.zeros(8),
            "n_head": 2,
        },  # fmt: skip
        {
            "x": floats(3),
            "W_attn": floats(2),
            "b_attn": floats(1),
            "W_proj": floats(2),
            "b_proj": floats(1),
            "n_head": POS_INT,
        },  # fmt: skip
        accepts={
            ("b_attn", "None"): "None means no bias",
            ("b_proj", "None"): "None means no bias",
        },
    ),
    "reference.transformer.sinusoidal_positions": Spec(
        {"T": 4, "d": 8, "base": 10000.0}, {"T": POS_INT, "d": POS_INT, "base": POS_FLOAT}
    ),
    "reference.transformer.learned_positions": Spec(
        {"table": rng.normal(size=(10, 8)), "T": 4}, {"table": floats(2), "T": POS_INT}
    ),
    "reference.transformer.rope": Spec(
        {"x": Q, "base": 10000.0}, {"x": floats(), "base": POS_FLOAT}
    ),
    "reference.transformer.TransformerConfig": Spec(
        {
            "vocab_size": 13,
            "block_size": 10,
            "n_layer": 1,
            "n_head": 2,
            "n_embd": 8,
            "norm": "layernorm",
            "mlp": "gelu",
            "positional": "learned",
        },  # fmt: skip
        {
            "vocab_size": POS_INT,
            "block_size": POS_INT,
            "n_layer": POS_INT,
            "n_head": POS_INT,
            "n_embd": POS_INT,
            "norm": CHOICE,
            "mlp": CHOICE,
            "positional": CHOICE,
        },  # fmt: skip
    ),
    "reference.transformer.gpt_params": Spec({"config": CFG}, {"config": CONFIG}),
    "reference.transformer.check_token_ids": Spec(
        {"ids": TOKEN_IDS, "vocab_size": 13}, {"ids": id_array(high=13), "vocab_size": POS_INT}
    ),
    "reference.transformer.gpt_forward": Spec(
        {"ids": TOKEN_IDS, "weights": _gpt_weights(CFG), "config": CFG},
        {"ids": id_array(2, high=13), "config": CONFIG},
    ),
    # --- reference.scaling (chapter 10)
    "reference.scaling.param_counts": Spec({"config": CFG}, {"config": CONFIG}),
    "reference.scaling.flops_per_token": Spec(
        {"config": CFG, "context": 8},
        {"config": CONFIG, "context": POS_INT},
        accepts={("context", "None"): "None means the config's block_size"},
    ),
    "reference.scaling.training_flops": Spec({"N": 1e6, "D": 2e7}, {"N": floats(), "D": floats()}),
    "reference.scaling.detailed_training_flops": Spec(
        {"config": CFG, "D": 2e7, "context": 8},
        {"config": CONFIG, "D": floats(), "context": POS_INT},
        accepts={("context", "None"): "None means the config's block_size"},
    ),
    "reference.scaling.huber": Spec({"r": VEC, "delta": 1e-3}, {"r": floats(), "delta": POS_FLOAT}),
    "reference.scaling.chinchilla_objective": Spec(
        {
            "theta": np.array([6.0, 7.3, 0.6, 0.34, 0.37]),
            "log_N": np.log(RUNS_N),
            "log_D": np.log(RUNS_D),
            "log_L": np.log(RUNS_L),
            "delta": 1e-3,
        },  # fmt: skip
        {
            "theta": floats(1),
            "log_N": floats(1),
            "log_D": floats(1, same_length_as="log_N"),
            "log_L": floats(1, same_length_as="log_N"),
            "delta": POS_FLOAT,
        },  # fmt: skip
    ),
    "reference.scaling.initial_grid": Spec({"grid": "hoffmann"}, {"grid": CHOICE}),
    "reference.scaling.fit_chinchilla": Spec(
        {"N": RUNS_N, "D": RUNS_D, "loss": RUNS_L, "delta": 1e-3, "grid": "small"},
        {
            "N": floats(1),
            "D": floats(1, same_length_as="N"),
            "loss": floats(1, same_length_as="N"),
            "delta": POS_FLOAT,
        },  # fmt: skip
    ),
    "reference.scaling.bootstrap_chinchilla": Spec(
        {"N": RUNS_N, "D": RUNS_D, "loss": RUNS_L, "fit": LAW, "n_boot": 2, "seed": 0},
        {
            "N": floats(1),
            "D": floats(1, same_length_as="N"),
            "loss": floats(1, same_length_as="N"),
            "n_boot": POS_INT,
            "seed": SEED,
        },  # fmt: skip
    ),
    "reference.scaling.compute_optimal": Spec({"C": 1e20, "fit": LAW}, {"C": floats()}),
    "reference.scaling.fit_power_law": Spec(
        {"x": RUNS_N, "y": RUNS_L}, {"x": floats(1), "y": floats(1, same_length_as="x")}
    ),
    "reference.scaling.ChinchillaFit": RECORD,
    "reference.scaling.Allocation": RECORD,
    "reference.scaling.PowerLaw": RECORD,
    # --- reference.metrics (chapter 11; scikit-learn's signatures and conventions)
    "reference.metrics.UndefinedMetricWarning": RECORD,
    "reference.metrics.BleuScore": RECORD,
    "reference.metrics.ReliabilityBins": RECORD,
    "reference.metrics.accuracy_score": label_pair(),
    "reference.metrics.confusion_matrix": label_pair(),
    "reference.metrics.precision_recall_fscore_support": label_pair(average="macro"),
    "reference.metrics.f1_score": label_pair(average="macro"),
    "reference.metrics.precision_score": label_pair(average="macro"),
    "reference.metrics.recall_score": label_pair(average="macro"),
    "reference.metrics.fbeta_score": Spec(
        {"y_true": Y_CLS, "y_pred": np.roll(Y_CLS, 1), "beta": 0.5, "average": "macro"},
        {
            "y_true": labels(),
            "y_pred": labels(same_length_as="y_true"),
            "beta": POS_FLOAT,
            "average": CHOICE,
        },  # fmt: skip
        accepts={
            ("y_true", "one rank too many"): COLUMN_LABELS,
            ("y_pred", "one rank too many"): COLUMN_LABELS,
            ("average", "None"): PER_CLASS,
            ("beta", "0"): "F_0 is the precision, as scikit-learn allows beta = 0",
        },  # fmt: skip
    ),
    "reference.metrics.roc_curve": scored(Y_BIN, P),
    "reference.metrics.roc_auc_score": scored(Y_BIN, P),
    "reference.metrics.precision_recall_curve": scored(Y_BIN, P),
    "reference.metrics.average_precision_score": scored(Y_BIN, P),
    "reference.metrics.top_k_accuracy_score": Spec(
        {"y_true": Y_CLS, "y_score": LOGITS, "k": 2},
        {"y_true": labels(), "y_score": floats(2, same_length_as="y_true"), "k": POS_INT},
        accepts={("y_true", "one rank too many"): COLUMN_LABELS},
    ),
    "reference.metrics.auc": Spec(
        {"x": np.sort(P), "y": P}, {"x": floats(1), "y": floats(1, same_length_as="x")}
    ),
    "reference.metrics.log_loss": Spec(
        {"y_true": Y_CLS, "y_proba": PROBS2},
        {"y_true": labels(), "y_proba": probs(2, same_length_as="y_true")},
        accepts={("y_true", "one rank too many"): COLUMN_LABELS},
    ),
    "reference.metrics.brier_score_loss": Spec(
        {"y_true": Y_BIN, "y_proba": P},
        {"y_true": labels(binary=True), "y_proba": probs(1, same_length_as="y_true")},
        accepts={
            ("y_true", "one rank too many"): COLUMN_LABELS,
            ("y_proba", "one rank too many"): COLUMN_LABELS,
            ("y_prob", "one rank too many"): COLUMN_LABELS,
        },
    ),
    "reference.metrics.calibration_curve": Spec(
        {"y_true": Y_BIN, "y_prob": P, "n_bins": 3, "strategy": "uniform"},
        {
            "y_true": labels(binary=True),
            "y_prob": probs(1, same_length_as="y_true"),
            "n_bins": POS_INT,
            "strategy": CHOICE,
        },  # fmt: skip
        accepts={
            ("y_true", "one rank too many"): COLUMN_LABELS,
            ("y_proba", "one rank too many"): COLUMN_LABELS,
            ("y_prob", "one rank too many"): COLUMN_LABELS,
        },
    ),
    **{
        f"reference.metrics.{n}": Spec(
            {"y_true": Y_CLS, "y_prob": PROBS2, "n_bins": 5},
            {
                "y_true": labels(),
                "y_prob": probs(2, same_length_as="y_true"),
                "n_bins": POS_INT,
            },  # fmt: skip
            accepts={("y_true", "one rank too many"): COLUMN_LABELS},
        )
        for n in ("reliability_bins", "expected_calibration_error")
    },
    "reference.metrics.fit_temperature": Spec(
        {"y_true": Y_CLS, "logits": LOGITS, "max_iter": 20, "tol": 1e-8},
        {
            "y_true": labels(),
            "logits": floats(2, same_length_as="y_true"),
            "max_iter": POS_INT,
            "tol": POS_FLOAT,
        },  # fmt: skip
        accepts={
            ("y_true", "one rank too many"): COLUMN_LABELS,
            ("tol", "0"): "tol = 0 runs all max_iter Newton steps",
        },
    ),
    "reference.metrics.perplexity": Spec(
        {"cross_entropy": 2.0, "base": 2.0}, {"cross_entropy": NONNEG_FLOAT, "base": POS_FLOAT}
    ),
    "reference.metrics.wilson_interval": Spec(
        {"successes": 7, "n": 10, "confidence": 0.95},
        {"successes": NONNEG_INT, "n": POS_INT, "confidence": UNIT_OPEN},
    ),
    "reference.metrics.bootstrap_interval": Spec(
        {
            "metric": lambda t, p: float(np.mean(t == p)),
            "y_true": Y_CLS,
            "y_pred": np.roll(Y_CLS, 1),
            "n_resamples": 20,
            "confidence": 0.9,
            "seed": 0,
        },  # fmt: skip
        {"metric": CALLABLE, "n_resamples": POS_INT, "confidence": UNIT_OPEN, "seed": SEED},
    ),
    "reference.metrics.mean_squared_error": regression_pair(),
    "reference.metrics.mean_absolute_error": regression_pair(),
    "reference.metrics.r2_score": regression_pair(),
    "reference.metrics.corpus_bleu": Spec(
        {
            "list_of_references": [[["the", "cat", "sat", "on", "the", "mat"]]],
            "hypotheses": [["the", "cat", "sat", "on", "a", "mat"]],
            "max_n": 2,
        },  # fmt: skip
        {"hypotheses": SENTENCES, "max_n": POS_INT},
    ),
}


REGISTRY: dict[str, Spec | str] = {
    **CHAPTERS_7_TO_11,
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
    **{
        f"reference.activations.{name}": Spec({"x": EVEN}, {"x": floats()})
        for name in ("glu", "swiglu")
    },
    **{
        f"reference.activations.{name}": Spec(
            {"x": EVEN, "v": EVEN[:, :2]}, {"x": floats(), "v": floats()}
        )
        for name in ("glu_grad", "swiglu_grad")
    },
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
    "reference.linear.coefficient_standard_errors": Spec(
        {"X": X, "y": Y_REG, "w": W, "b": 0.5},
        {"X": floats(2), "y": floats(1, same_length_as="X"), "w": floats(1), "b": floats(0)},
    ),
    "reference.linear.StandardErrors": RECORD,
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
    "checks.check_even_axis": Spec({"shape": (3, 4), "axis": -1}, {}),
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


SIDE = "NumPy"


_session_summary = summary_fixture(REGISTRY, SIDE)


def test_every_public_callable_is_in_the_registry():
    missing, stale = registry_gaps(_numpy_side_callables(), REGISTRY)
    assert not missing, f"add a contract entry for: {', '.join(missing)}"
    assert not stale, f"registry names that no longer exist: {', '.join(stale)}"


@pytest.mark.parametrize("name", sorted(k for k, v in REGISTRY.items() if isinstance(v, Spec)))
def test_valid_call_works_and_bad_inputs_are_refused_by_name(name):
    outcomes = run_entry(name, _numpy_side_callables(), REGISTRY)
    assert all(o.ok for o in outcomes), report(outcomes)
