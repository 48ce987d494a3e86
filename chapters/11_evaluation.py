# %% [markdown]
# # 11. Evaluation
#
# Accuracy, precision, recall, F1, ROC and PR curves, calibration, intervals, regression
# errors, perplexity and BLEU, measured the way scikit-learn and Keras measure them, and why
# one number is never enough.
#
# **Runs on** TensorFlow, JAX, PyTorch · **Time** quick 12–14 s, full ≈ 1.5 min on 2 CPU cores
#
# A model is only as good as the number we judge it by, and every number hides something:
# accuracy hides the rare class, ROC AUC hides the false alarms, a confident probability
# can be a wrong one, a score on 50 test examples has a wide margin of error, and a
# perplexity means nothing until we know its unit and its tokenizer. This chapter builds
# each metric in NumPy (`mlfoundations.reference.metrics`, with scikit-learn's names and
# conventions), checks it against scikit-learn and Keras, and then uses it to catch the
# way it misleads.

# %%
from mlfoundations.book import chapter

run = chapter.setup("11_evaluation")
import keras

# %%
import numpy as np
import sklearn.metrics as skm
from sklearn.calibration import calibration_curve as sk_calibration_curve
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import StratifiedKFold, train_test_split

from mlfoundations import backend, data, metrics, mlp
from mlfoundations.book.plotting import subplots
from mlfoundations.reference import linear as ref_linear
from mlfoundations.reference import logistic as ref_logistic
from mlfoundations.reference import metrics as ref

rng = np.random.default_rng(run.seed)
sklearn_gaps = {}  # largest |ours - scikit-learn| per metric, collected as we go


def check_sklearn(name, ours, theirs):
    """Record how far our value is from scikit-learn's (they must agree to 1e-12)."""
    gap = float(np.max(np.abs(np.asarray(ours, float) - np.asarray(theirs, float))))
    sklearn_gaps[name] = max(gap, sklearn_gaps.get(name, 0.0))
    assert gap < 1e-12, (name, gap)


# %% [markdown]
# ## 99 % accurate and useless
#
# A spam filter sees one spam in a hundred messages. We make such a set: ten numeric
# features per message (think word counts, standardised), spam shifted a little along each,
# so the classes overlap. The model that *never* says spam is right 99 % of the time. A
# logistic regression (chapter 4, fitted exactly by Newton's method) scores about the same
# accuracy, so accuracy cannot tell them apart. Precision (of the messages flagged, how many
# are spam) and recall (of the spam, how much is caught) can.

# %%
n_messages = run.size(10_000, 50_000)
spam_rate = 0.01
y_spam = (rng.uniform(size=n_messages) < spam_rate).astype(int)
shift = np.linspace(0.4, 1.2, 10)  # some features tell more than others
X_spam = rng.normal(size=(n_messages, 10)) + np.outer(y_spam, shift)
spam = data.split(
    X_spam, y_spam, val_size=0.2, test_size=0.4, seed=run.seed, task="classification", name="spam"
)
w_spam, b_spam = ref_logistic.fit_newton(spam.X_train, spam.y_train, l2=1e-4)
p_spam = ref_logistic.predict_proba(spam.X_test, w_spam, b_spam)  # P(spam) per test message
y_test = spam.y_test


def scores(name, y_pred):
    row = {
        "model": name,
        "accuracy": ref.accuracy_score(y_test, y_pred),
        "precision": ref.precision_score(y_test, y_pred, zero_division=0.0),
        "recall": ref.recall_score(y_test, y_pred),
        "F1": ref.f1_score(y_test, y_pred),
    }
    for key, sk in [
        ("accuracy", skm.accuracy_score),
        ("recall", skm.recall_score),
        ("F1", skm.f1_score),
    ]:
        check_sklearn(key, row[key], sk(y_test, y_pred))
    check_sklearn(
        "precision", row["precision"], skm.precision_score(y_test, y_pred, zero_division=0.0)
    )
    return row


# a lower threshold: the one with the best F1 on the validation split (next section)
p_val = ref_logistic.predict_proba(spam.X_val, w_spam, b_spam)
prec_v, rec_v, thr_v = ref.precision_recall_curve(spam.y_val, p_val)
f1_v = 2 * prec_v[:-1] * rec_v[:-1] / np.maximum(prec_v[:-1] + rec_v[:-1], 1e-12)
best_threshold = float(thr_v[np.argmax(f1_v)])

never_spam = np.zeros_like(y_test)
rows = [
    scores("majority class: never spam", never_spam),
    scores("logistic, p > 0.5", (p_spam > 0.5).astype(int)),
    scores(f"logistic, p ≥ {best_threshold:.3f}", (p_spam >= best_threshold).astype(int)),
]
print(f"test set: {len(y_test)} messages, {y_test.sum()} spam ({y_test.mean():.2%})")
_ = run.table(rows, floatfmt=".3f", title="One test set, three models")
run.record(spam_table=rows)

# %% [markdown]
# The three accuracies lie within a point of each other, and the never-spam row, as accurate
# as the others, catches no spam at all: recall 0, and precision undefined (no message
# flagged, 0/0; scikit-learn warns and reports 0, and so does our reference unless told
# otherwise with `zero_division`). F1, the
# harmonic mean $2PR/(P+R)$, is 0 when either is. The logistic model at the default
# threshold of 0.5 flags few messages; lowering the threshold trades precision for recall.
#
# The confusion matrix shows where the errors are. Rows are the truth, columns the
# prediction; the right-hand panel divides each row by its total, so its diagonal is the
# recall of each class.

# %%
y_hat = (p_spam >= best_threshold).astype(int)  # the curve's convention: score >= threshold
cm = ref.confusion_matrix(y_test, y_hat)
cm_rate = ref.confusion_matrix(y_test, y_hat, normalize="true")
check_sklearn("confusion_matrix", cm, skm.confusion_matrix(y_test, y_hat))
fig, axes = subplots(1, 2, figsize=(9, 4))
panels = [(axes[0], cm, "d", "counts"), (axes[1], cm_rate, ".2f", "each row divided by its total")]
for ax, values, fmt, title in panels:
    ax.imshow(values / values.max(), cmap="Blues", vmin=0, vmax=1.3)
    for i in range(2):
        for j in range(2):
            ax.text(j, i, format(values[i, j], fmt), ha="center", va="center", fontsize=13)
    ax.set(
        xticks=[0, 1],
        yticks=[0, 1],
        xticklabels=["ham", "spam"],
        yticklabels=["ham", "spam"],
        xlabel="predicted",
        ylabel="true",
        title=f"p ≥ {best_threshold:.3f}: {title}",
    )
    ax.grid(False)
run.figure(fig, "confusion_matrix")

# %% [markdown]
# ## Moving the threshold
#
# A classifier that outputs a probability is really a family of classifiers, one per
# threshold. `precision_recall_curve` lists precision and recall at every distinct score.
# We choose the threshold on the **validation** split (the one with the best F1), never on
# the test set, and only then read the test set.

# %%
print(f"threshold with the best validation F1: {best_threshold:.3f}")
prec, rec, thr = ref.precision_recall_curve(y_test, p_spam)
for ours, theirs in zip((prec, rec, thr), skm.precision_recall_curve(y_test, p_spam), strict=True):
    check_sklearn("precision_recall_curve", ours, theirs)
fig, ax = subplots(figsize=(7, 4))
ax.plot(thr, prec[:-1], label="precision")
ax.plot(thr, rec[:-1], label="recall")
ax.plot(thr, 2 * prec[:-1] * rec[:-1] / np.maximum(prec[:-1] + rec[:-1], 1e-12), label="F1")
ax.axvline(best_threshold, color="k", ls=":", label="best F1 on validation")
ax.set(
    xlabel="threshold on P(spam)",
    ylabel="test score",
    xlim=(0, 1),
    title="Precision and recall trade places as the threshold moves",
)
ax.legend()
run.figure(fig, "threshold")
run.record(best_threshold=best_threshold)

# %% [markdown]
# Raise the threshold and the model flags fewer messages: those it flags are more often
# spam (precision climbs, noisily, since it is a ratio of small counts) while more spam
# slips through (recall falls, in steps of one message). Which point is right depends on
# the cost of each error: a lost legitimate email usually costs more than a spam let
# through, which argues for a high threshold and precision over recall.
#
# ## ROC and precision–recall curves on an imbalanced set
#
# The ROC curve plots the true-positive rate (recall) against the false-positive rate
# $FP/(FP+TN)$ over all thresholds; its area, ROC AUC, is the probability that a random
# spam scores above a random ham. With 99 hams per spam, the false-positive rate has a huge
# denominator: flagging 50 hams by mistake moves it by little, while those 50 false alarms
# may outnumber the spam caught. The PR curve shows that cost; its summary, average
# precision (AP), is the step-wise area under it. A random scorer has ROC AUC 0.5 whatever
# the imbalance, but AP equal to the spam rate.

# %%
fpr, tpr, _ = ref.roc_curve(y_test, p_spam)
auc_roc = ref.roc_auc_score(y_test, p_spam)
ap = ref.average_precision_score(y_test, p_spam)
check_sklearn("roc_curve", fpr, skm.roc_curve(y_test, p_spam)[0])
check_sklearn("roc_auc_score", auc_roc, skm.roc_auc_score(y_test, p_spam))
check_sklearn("average_precision_score", ap, skm.average_precision_score(y_test, p_spam))
fig, (ax1, ax2) = subplots(1, 2, figsize=(10, 4.2))
ax1.plot(fpr, tpr, label=f"logistic (AUC {auc_roc:.3f})")
ax1.plot([0, 1], [0, 1], "k:", label="random (AUC 0.5)")
ax1.set(xlabel="false-positive rate", ylabel="true-positive rate (recall)", title="ROC")
ax2.step(rec, prec, where="post", label=f"logistic (AP {ap:.3f})")
ax2.axhline(y_test.mean(), color="k", ls=":", label=f"random (AP ≈ {y_test.mean():.3f})")
ax2.set(xlabel="recall", ylabel="precision", title="Precision–recall", ylim=(0, 1.02))
for ax in (ax1, ax2):
    ax.legend(loc="lower right" if ax is ax1 else "upper right")
run.figure(fig, "roc_vs_pr")
print(f"ROC AUC {auc_roc:.3f}, average precision {ap:.3f}, spam rate {y_test.mean():.3f}")
run.record(roc_auc=auc_roc, average_precision=ap)

# %% [markdown]
# The ROC curve looks excellent; the PR curve of the same model says that to catch most
# spam we must accept that a good share of what we flag is ham. On imbalanced problems
# report the PR curve (or precision at the recall you need) beside ROC AUC.
#
# ## Keras' own metrics, checked
#
# `keras.metrics` has accuracy, precision, recall, F1 and AUC. The threshold metrics predict
# positive where $p >$ threshold, exactly like our reference. `keras.metrics.AUC` is
# different: it does not sort the scores; it counts them in `num_thresholds` fixed buckets
# (200 by default, evenly spaced on [0, 1]) and integrates between buckets. Two scores in one
# bucket count as a tie, so the result is an approximation whose error shrinks as the
# buckets get finer. Here on this backend, on the spam test set:


# %%
def keras_value(metric, y, p):
    metric.update_state(y, p)
    return float(np.squeeze(keras.ops.convert_to_numpy(metric.result())))


p32 = p_spam.astype("float32")
y_pred_half = (p_spam > 0.5).astype(int)
keras_rows = [
    ("BinaryAccuracy()", keras.metrics.BinaryAccuracy(), ref.accuracy_score(y_test, y_pred_half)),
    ("Precision()", keras.metrics.Precision(), ref.precision_score(y_test, y_pred_half)),
    ("Recall()", keras.metrics.Recall(), ref.recall_score(y_test, y_pred_half)),
]
keras_table = []
for label, metric, want in keras_rows:
    got = keras_value(metric, y_test, p32)
    keras_table.append(
        {"Keras metric": label, "Keras": got, "reference": want, "abs diff": abs(got - want)}
    )
    assert abs(got - want) < 1e-6, label
for n_thr in (50, 200, 2000):
    got = keras_value(keras.metrics.AUC(num_thresholds=n_thr), y_test, p32)
    keras_table.append(
        {
            "Keras metric": f"AUC(num_thresholds={n_thr})",
            "Keras": got,
            "reference": auc_roc,
            "abs diff": abs(got - auc_roc),
        }
    )
got_pr = keras_value(keras.metrics.AUC(curve="PR", num_thresholds=2000), y_test, p32)
keras_table.append(
    {
        "Keras metric": 'AUC(curve="PR", num_thresholds=2000)',
        "Keras": got_pr,
        "reference": ap,
        "abs diff": abs(got_pr - ap),
    }
)
_ = run.table(keras_table, floatfmt=".5f", title=f"keras.metrics ({run.backend}) vs reference")
first_threshold = 1 / 199  # Keras' thresholds: i / (num_thresholds - 1)
print(
    f"{np.mean(p_spam < first_threshold):.0%} of the test messages score below Keras' "
    f"first threshold {first_threshold:.4f}: one bucket, ranked as ties"
)
run.record(keras_metrics=keras_table)

# %% [markdown]
# Accuracy, precision and recall agree to float32 rounding. The AUC rows differ from the
# exact ROC AUC by the bucketing, and here by a lot, because the logistic model gives most
# hams a spam probability below Keras' first threshold: they all land in one bucket, and a
# spam among them is no longer ranked against them. 2000 thresholds get much closer. (On
# scores spread evenly over [0, 1] the default is good to about 1e-3; `tests/test_metrics.py`
# checks both.) The PR row differs more
# for a second reason: Keras interpolates the PR curve between buckets, while average
# precision is a step sum with no interpolation (interpolating a PR curve linearly is
# optimistic). For a training-time progress bar either is fine; for a reported result, use
# the exact one.
#
# ## Are the probabilities honest? Reliability and ECE
#
# A model is calibrated if, of the examples it gives probability 0.8, about 80 % are
# positive. A reliability diagram bins the predictions by confidence and plots the observed
# frequency per bin against the mean prediction. The **expected calibration error** sums the
# gaps, weighted by how many predictions fall in each bin,
#
# $$\mathrm{ECE} = \sum_b \frac{n_b}{n}\,\bigl|\mathrm{acc}_b - \mathrm{conf}_b\bigr| ,$$
#
# with 10 equal-width bins here (the value depends on the bins, so state them). A bin of
# five examples says little, so each point carries a 95 % Wilson interval and its count.
#
# Two models on noisy two-moons data: the chapter-4 logistic regression and a chapter-5 MLP
# (two hidden layers of 64, trained with Adam far past the point of best validation loss on
# only 300 examples, which is how over-confident networks are made).

# %%
n_moons = run.size(3000, 12_000)
X_m, y_m = data.make_moons(n_samples=n_moons, noise=0.35, seed=run.seed)
moons = data.split(X_m, y_m, val_size=0.3, test_size=0.6, seed=run.seed, task="classification")
n_train_mlp = 300
X_tr, y_tr = moons.X_train[:n_train_mlp], moons.y_train[:n_train_mlp]

w_lr, b_lr = ref_logistic.fit_newton(X_tr, y_tr, l2=1e-3)
p_lr = ref_logistic.predict_proba(moons.X_test, w_lr, b_lr)

net = mlp.mlp(2, hidden=(64, 64), output=1, activation="relu", seed=run.seed)
net.compile(
    optimizer=keras.optimizers.Adam(0.01), loss=keras.losses.BinaryCrossentropy(from_logits=True)
)
repeats = 20  # one "epoch" = 20 passes over the 300 examples: fewer, longer epochs
with backend.torch_threads(1):  # many tiny steps: one thread is faster on a small CPU
    net.fit(
        np.tile(X_tr, (repeats, 1)),
        np.tile(y_tr, repeats),
        batch_size=64,
        epochs=run.size(4, 15),
        verbose=run.verbose,
    )
    z_val = net.predict(moons.X_val, verbose=0)[:, 0].astype(np.float64)  # logits
    z_test = net.predict(moons.X_test, verbose=0)[:, 0].astype(np.float64)
p_mlp = 1 / (1 + np.exp(-z_test))


def reliability_panel(ax, y, p, title):
    bins = ref.reliability_bins(y, p, n_bins=10)
    filled = bins.counts > 0
    k = np.round(bins.accuracy[filled] * bins.counts[filled]).astype(int)
    intervals = np.array(
        [ref.wilson_interval(int(s), int(n)) for s, n in zip(k, bins.counts[filled], strict=True)]
    )
    acc, conf = bins.accuracy[filled], bins.confidence[filled]
    ax.plot([0, 1], [0, 1], "k:", lw=1)
    ax.errorbar(conf, acc, yerr=[acc - intervals[:, 0], intervals[:, 1] - acc], fmt="o-", capsize=3)
    for c, a, n in zip(conf, acc, bins.counts[filled], strict=True):
        ax.annotate(str(n), (c, a), textcoords="offset points", xytext=(5, -12), fontsize=8)
    ax.set(
        xlabel="mean predicted P(class 1)",
        ylabel="observed fraction of class 1",
        title=f"{title}: ECE {bins.ece:.3f}",
        aspect="equal",
    )
    return bins.ece


fig, axes = subplots(1, 2, figsize=(10, 5))
ece_lr = reliability_panel(axes[0], moons.y_test, p_lr, "logistic (ch. 4)")
ece_mlp = reliability_panel(axes[1], moons.y_test, p_mlp, "MLP 64-64 (ch. 5)")
run.figure(fig, "reliability")
prob_true, prob_pred = ref.calibration_curve(moons.y_test, p_mlp, n_bins=10)
sk_curve = sk_calibration_curve(moons.y_test, p_mlp, n_bins=10)
for ours, theirs in zip((prob_true, prob_pred), sk_curve, strict=True):
    check_sklearn("calibration_curve", ours, theirs)
acc_lr = ref.accuracy_score(moons.y_test, (p_lr > 0.5).astype(int))
acc_mlp = ref.accuracy_score(moons.y_test, (p_mlp > 0.5).astype(int))
print(
    f"test accuracy: logistic {acc_lr:.3f}, MLP {acc_mlp:.3f} "
    f"(n = {len(moons.y_test)}); ECE: logistic {ece_lr:.3f}, MLP {ece_mlp:.3f}"
)
mlp_bins = ref.reliability_bins(moons.y_test, p_mlp, n_bins=10)
fullest = np.argmax(mlp_bins.counts)
print(
    f"MLP's fullest bin: {mlp_bins.counts[fullest]} predictions, mean P(class 1) "
    f"{mlp_bins.confidence[fullest]:.3f}, observed {mlp_bins.accuracy[fullest]:.3f}"
)
assert ece_lr < ece_mlp and acc_lr < acc_mlp and fullest in (0, 9)
# over-confident: the observed frequency is nearer one half than the prediction
assert abs(mlp_bins.accuracy[fullest] - 0.5) < abs(mlp_bins.confidence[fullest] - 0.5)
run.record(ece_logistic=ece_lr, ece_mlp=ece_mlp, acc_logistic=acc_lr, acc_mlp=acc_mlp)

# %% [markdown]
# Calibration and accuracy are different qualities. The logistic model classifies fewer
# examples right, yet its ECE is the smaller of the two: a model with few parameters,
# trained on the log loss, tends to give honest probabilities even when its boundary is too
# simple. The MLP puts most of its predictions in the two end bins, and the fuller of them
# (printed above) lies on the side of the diagonal toward one half: when the network says
# "almost surely", it is right less often than it claims. A bin with few examples has a wide
# interval, so a wiggle there is noise, not a finding; with a larger test set (full mode)
# the intervals shrink and smaller gaps, the logistic model's included, become real.
#
# ECE is also a streaming Keras metric here, `metrics.ExpectedCalibrationError`, usable in
# `compile(metrics=[...])`; on this backend it reproduces the reference:

# %%
prob_net = keras.Sequential([net, keras.layers.Activation("sigmoid")])
prob_net.compile(loss="binary_crossentropy", metrics=[metrics.ExpectedCalibrationError(10)])
_, ece_keras = prob_net.evaluate(moons.X_test, moons.y_test, batch_size=256, verbose=0)
ece_ref_f32 = ref.expected_calibration_error(
    moons.y_test, prob_net.predict(moons.X_test, verbose=0)[:, 0].astype(np.float64)
)
keras_diffs = {"ece": abs(ece_keras - ece_ref_f32) / ece_ref_f32}
print(f"ECE: Keras metric {ece_keras:.6f}, reference {ece_ref_f32:.6f}")

# %% [markdown]
# ## Temperature scaling
#
# Over-confidence has a one-parameter fix: divide the logits by a temperature $T$ before
# the sigmoid or softmax, with $T$ chosen to minimise the log loss on the **validation**
# split. $T > 1$ softens every probability toward one half; no prediction changes class
# (the ranking is untouched), so accuracy and ROC AUC stay the same and only the
# probabilities move. The log loss is convex in $1/T$, so `fit_temperature` solves it with a
# few Newton steps.

# %%
T = ref.fit_temperature(moons.y_val, z_val)
p_mlp_T = 1 / (1 + np.exp(-z_test / T))
temp_rows = []
for label, p in [("MLP as trained", p_mlp), (f"MLP, logits / T (T = {T:.2f})", p_mlp_T)]:
    temp_rows.append(
        {
            "model": label,
            "test log loss": ref.log_loss(moons.y_test, p),
            "test ECE (10 bins)": ref.expected_calibration_error(moons.y_test, p),
            "test Brier": ref.brier_score_loss(moons.y_test, p),
            "test accuracy": ref.accuracy_score(moons.y_test, (p > 0.5).astype(int)),
        }
    )
    check_sklearn("log_loss", temp_rows[-1]["test log loss"], skm.log_loss(moons.y_test, p))
    check_sklearn(
        "brier_score_loss", temp_rows[-1]["test Brier"], skm.brier_score_loss(moons.y_test, p)
    )
_ = run.table(temp_rows, floatfmt=".4f", title="Temperature fitted on validation, scored on test")
assert T > 1 and temp_rows[1]["test log loss"] < temp_rows[0]["test log loss"]
assert temp_rows[1]["test accuracy"] == temp_rows[0]["test accuracy"]
run.record(temperature=T, temperature_table=temp_rows)

# %% [markdown]
# The fitted temperature is above 1: the network was over-confident, and dividing its
# logits by $T$ lowers the test log loss, the quantity $T$ was fitted to lower on the
# validation split; the accuracy is unchanged to the last digit. ECE, a coarser measure with
# the noise of its ten bins, moves by little and not always in the same direction. Temperature
# scaling repairs confidence, not ranking: a model that ranks badly stays bad.
#
# ## How sure is a score? Intervals and cross-validation
#
# A test accuracy is a proportion measured on $n$ examples, so it has a sampling error of
# about $\sqrt{p(1-p)/n}$. The Wilson interval is the standard 95 % interval for a
# proportion (it stays inside [0, 1] and behaves at 0 % and 100 %); the bootstrap gets an
# interval for any metric by rescoring resampled test sets. On breast_cancer (569 tumours)
# with a held-out set of 57 (10 %), both are wide. To see that they are honest, we repeat
# the split many times and look at the spread of the accuracies themselves.

# %%
X_bc, y_bc = load_breast_cancer(return_X_y=True)
X_bc = (X_bc - X_bc.mean(0)) / X_bc.std(0)
print(f"breast_cancer: {len(y_bc)} tumours, {X_bc.shape[1]} features")


def fit_and_predict(X_fit, y_fit, X_new):
    """Chapter 4's logistic regression (Newton, scikit-learn's default C = 1), 0/1 labels."""
    w, b = ref_logistic.fit_newton(X_fit, y_fit, l2=ref_logistic.l2_from_C(1.0, len(y_fit)))
    return (ref_logistic.predict_proba(X_new, w, b) > 0.5).astype(int)


X_a, X_b, y_a, y_b = train_test_split(
    X_bc, y_bc, test_size=0.1, stratify=y_bc, random_state=run.seed
)
pred_b = fit_and_predict(X_a, y_a, X_b)
acc_b = ref.accuracy_score(y_b, pred_b)
wilson = ref.wilson_interval(int(np.sum(pred_b == y_b)), len(y_b))
boot = ref.bootstrap_interval(
    ref.accuracy_score, y_b, pred_b, n_resamples=run.size(500, 2000), seed=run.seed
)
n_splits = run.size(60, 300)
split_accs = []
for s in range(n_splits):
    Xa, Xb, ya, yb = train_test_split(
        X_bc, y_bc, test_size=0.1, stratify=y_bc, random_state=1000 + s
    )
    split_accs.append(ref.accuracy_score(yb, fit_and_predict(Xa, ya, Xb)))
split_accs = np.array(split_accs)
folds = StratifiedKFold(n_splits=10, shuffle=True, random_state=run.seed).split(X_bc, y_bc)
cv_scores = np.array(
    [
        ref.accuracy_score(y_bc[te], fit_and_predict(X_bc[tr], y_bc[tr], X_bc[te]))
        for tr, te in folds
    ]
)
interval_rows = [
    {
        "estimate": f"one split of {len(y_b)}: Wilson 95 %",
        "accuracy": acc_b,
        "low": wilson[0],
        "high": wilson[1],
    },
    {
        "estimate": f"one split of {len(y_b)}: bootstrap 95 %",
        "accuracy": acc_b,
        "low": boot[0],
        "high": boot[1],
    },
    {
        "estimate": f"{n_splits} random splits: middle 95 %",
        "accuracy": split_accs.mean(),
        "low": np.quantile(split_accs, 0.025),
        "high": np.quantile(split_accs, 0.975),
    },
    {
        "estimate": "10-fold CV: mean ± 2 standard errors",
        "accuracy": cv_scores.mean(),
        "low": cv_scores.mean() - 2 * cv_scores.std(ddof=1) / np.sqrt(10),
        "high": cv_scores.mean() + 2 * cv_scores.std(ddof=1) / np.sqrt(10),
    },
]
_ = run.table(interval_rows, floatfmt=".3f", title="Accuracy of one logistic regression")
fig, ax = subplots(figsize=(7, 3.5))
n_b = len(y_b)
edges = (np.arange(np.floor(split_accs.min() * n_b) - 1, n_b + 1) + 0.5) / n_b  # one bar per k/n
ax.hist(
    split_accs, bins=edges, color="C0", alpha=0.7, label=f"{n_splits} random test sets of {n_b}"
)
ax.axvspan(*wilson, color="C1", alpha=0.2, label="Wilson 95 % from one split")
ax.axvline(cv_scores.mean(), color="k", ls="--", label="10-fold CV mean")
ax.set(xlabel="test accuracy", ylabel="splits", title="The same model, different test sets")
ax.legend(fontsize=8)
run.figure(fig, "accuracy_spread")
run.record(intervals=interval_rows, cv_scores=cv_scores)

# %% [markdown]
# One test set of 57 tumours gives an interval several points wide, and the spread over
# random splits is of the same order: the same procedure scores anywhere across the histogram
# depending on which tumours land in the test set. So a one- or two-point difference
# between two models on such a set is noise. Cross-validation uses every example once for
# testing, averages ten scores and shrinks the uncertainty of the mean by about $\sqrt{10}$
# (the folds share training data, so the standard error is only approximate). For a final
# claim, keep a test set that no choice has seen, and report its interval.
#
# ## Regression metrics on the chapter-3 model
#
# For a number, the error has units. Mean squared error (the training loss of chapter 3)
# is in squared units; its root (RMSE) is back in the target's units and weighs big misses
# heavily; mean absolute error (MAE) weighs all misses linearly, so it is less moved by a
# few outliers; $R^2 = 1 - \mathrm{SSE}/\mathrm{SST}$ compares with predicting the mean
# (0) and is unit-free. The closed-form linear regression on the house-price data, against
# the mean of the training targets:

# %%
houses = data.load("house_prices", seed=run.seed)
w_h, b_h = ref_linear.fit_closed_form(houses.X_train, houses.y_train)
reg_rows = []
for label, pred in [
    ("linear regression (ch. 3)", ref_linear.predict(houses.X_test, w_h, b_h)),
    ("predict the training mean", np.full(len(houses.y_test), houses.y_train.mean())),
]:
    mse = ref.mean_squared_error(houses.y_test, pred)
    row = {
        "model": label,
        "MSE (k$²)": mse,
        "RMSE (k$)": np.sqrt(mse),
        "MAE (k$)": ref.mean_absolute_error(houses.y_test, pred),
        "R²": ref.r2_score(houses.y_test, pred),
    }
    check_sklearn("mean_squared_error", mse, skm.mean_squared_error(houses.y_test, pred))
    check_sklearn(
        "mean_absolute_error", row["MAE (k$)"], skm.mean_absolute_error(houses.y_test, pred)
    )
    check_sklearn("r2_score", row["R²"], skm.r2_score(houses.y_test, pred))
    reg_rows.append(row)
_ = run.table(reg_rows, floatfmt=".3g", title="house_prices, test split (price in k$)")
r2_keras = keras.metrics.R2Score()
pred_h = ref_linear.predict(houses.X_test, w_h, b_h)
r2_keras.update_state(houses.y_test[:, None].astype("float32"), pred_h[:, None].astype("float32"))
r2_keras = float(keras.ops.convert_to_numpy(r2_keras.result()))
print(f"keras.metrics.R2Score: {r2_keras:.6f} (reference {reg_rows[0]['R²']:.6f})")
assert abs(r2_keras - reg_rows[0]["R²"]) < 1e-5
run.record(regression=reg_rows)

# %% [markdown]
# Predicting the mean has $R^2$ slightly below 0 on the test set (the training mean is not
# the test mean). The linear model's RMSE is above its MAE, as it must be (RMSE ≥ MAE
# always); a large ratio between them would point to a few big misses.
#
# ## Perplexity, done right
#
# A language model assigns each next token a probability; its cross-entropy on held-out
# text is the mean of $-\log p(\text{next token})$. **Perplexity** is the exponential of it,
# in the same base as the logarithm:
#
# $$\mathrm{PPL} = e^{\mathrm{CE}_{\text{nats}}} = 2^{\mathrm{CE}_{\text{bits}}},
# \qquad \mathrm{CE}_{\text{bits}} = \mathrm{CE}_{\text{nats}} / \ln 2 .$$
#
# It reads as "as uncertain as a fair choice among PPL tokens": a uniform model over $V$
# tokens has perplexity exactly $V$. The primer writes perplexity $= 2^{\text{CE}}$; that
# holds only for CE in bits. Keras' losses (and this book's) are in nats, and $2$ raised to
# a loss in nats understates the perplexity. We measure it on held-out Python documentation
# (the `pydoc_data` topics shipped with Python) with count-based character models fitted on
# the text before it: uniform, unigram (letter frequencies) and bigram (next character given
# this one), with add-one smoothing so no probability is 0.

# %%
text = data.pydoc_topics()
n_train_chars = run.size(150_000, 400_000)
n_test_chars = run.size(20_000, 60_000)
train_text = text[:n_train_chars]
test_text = text[n_train_chars : n_train_chars + n_test_chars]
vocab = sorted(set(text))
V = len(vocab)
index = {ch: i for i, ch in enumerate(vocab)}
train_ids = np.array([index[c] for c in train_text])
test_ids = np.array([index[c] for c in test_text])

unigram = np.bincount(train_ids, minlength=V) + 1.0
unigram /= unigram.sum()
bigram = np.ones((V, V))
np.add.at(bigram, (train_ids[:-1], train_ids[1:]), 1.0)
bigram /= bigram.sum(axis=1, keepdims=True)

targets = test_ids[1:]  # predict each character from the one before it
char_models = {
    "uniform over the vocabulary": np.full((len(targets), V), 1.0 / V),
    "unigram (add-one)": np.tile(unigram, (len(targets), 1)),
    "bigram (add-one)": bigram[test_ids[:-1]],
}
ppl_rows = []
for label, probs in char_models.items():
    ce_nats = ref.log_loss(targets, probs, labels=np.arange(V))
    ppl_rows.append(
        {
            "model": label,
            "CE (nats/char)": ce_nats,
            "CE (bits/char)": ce_nats / np.log(2),
            "perplexity e^CE_nats": ref.perplexity(ce_nats),
            "= 2^CE_bits": ref.perplexity(ce_nats / np.log(2), base=2),
            "primer's 2^CE_nats": 2**ce_nats,
        }
    )
ppl_title = f"Character models, {len(targets)} test characters, V = {V}"
_ = run.table(ppl_rows, floatfmt=".3f", title=ppl_title)
assert abs(ppl_rows[0]["perplexity e^CE_nats"] - V) < 1e-9 * V
bigram_ppl = ppl_rows[2]["perplexity e^CE_nats"]
run.record(perplexity_table=ppl_rows, vocab_size=V)

# %% [markdown]
# The uniform model's perplexity is exactly the vocabulary size, and the two correct columns
# agree to the last digit. The primer's column is smaller and would flatter any model whose
# loss was measured in nats. Context helps: knowing the previous character (bigram) cuts the
# number of equally likely choices by about half or more compared with letter frequencies
# alone (unigram).
#
# ### Per token or per character?
#
# Perplexity is per *token*, so it depends on the tokenizer. Cut the same text into
# two-character tokens and a unigram model over those tokens faces a vocabulary of hundreds:
# its per-token perplexity is far larger than any character model's, yet it knows more
# (each token carries a character *and* the next). To compare models with different
# tokenizers (chapter 7), spread the total surprise over the characters (or bytes) of the
# text: $\exp(n_{\text{tokens}}\,\mathrm{CE}_{\text{token}} / n_{\text{chars}})$.


# %%
def pairs(s):
    return [s[i : i + 2] for i in range(0, len(s) - 1, 2)]


pair_train, pair_test = pairs(train_text), pairs(test_text)
pair_vocab = {tok: i for i, tok in enumerate(sorted(set(pair_train) | set(pair_test)))}
pair_counts = np.bincount([pair_vocab[t] for t in pair_train], minlength=len(pair_vocab)) + 1.0
pair_p = pair_counts / pair_counts.sum()
pair_ce = float(-np.mean(np.log(pair_p[[pair_vocab[t] for t in pair_test]])))
n_pair_chars = 2 * len(pair_test)
char_unigram_ce = ppl_rows[1]["CE (nats/char)"]
tok_rows = [
    {
        "model": "unigram over characters",
        "tokens": len(targets),
        "characters": len(targets),
        "per-token PPL": ref.perplexity(char_unigram_ce),
        "per-character PPL": ref.perplexity(
            char_unigram_ce, n_tokens=len(targets), n_units=len(targets)
        ),
    },
    {
        "model": "unigram over 2-char tokens",
        "tokens": len(pair_test),
        "characters": n_pair_chars,
        "per-token PPL": ref.perplexity(pair_ce),
        "per-character PPL": ref.perplexity(pair_ce, n_tokens=len(pair_test), n_units=n_pair_chars),
    },
]
_ = run.table(tok_rows, floatfmt=".2f", title="Same text, two tokenizers")
run.record(tokenizer_table=tok_rows)

# %% [markdown]
# Per token, the two-character model looks far worse; per character it is better than the
# character unigram, because each of its tokens encodes one character of context. Only the
# per-character (or per-byte, for text that is not ASCII) column compares the two.
#
# ### A Keras character model with a streaming perplexity metric
#
# `metrics.Perplexity` accumulates the total surprise in nats and the token count over
# batches and reports $e^{\text{total}/\text{count}}$, so it can sit in
# `compile(metrics=[...])` next to the loss. We train the smallest neural language model, a
# bigram model whose only weights are a $V \times V$ table of logits (`Embedding(V, V)`),
# and compare it with the count model and with the reference perplexity of its own logits.

# %%
table = keras.layers.Embedding(V, V, embeddings_initializer="zeros")  # starts uniform: PPL V
char_lm = keras.Sequential([keras.Input((1,), dtype="int32"), table, keras.layers.Reshape((V,))])
char_lm.compile(
    optimizer=keras.optimizers.Adam(0.1),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=[metrics.Perplexity()],
)
with backend.torch_threads(1):
    char_lm.fit(
        train_ids[:-1, None],
        train_ids[1:],
        batch_size=4096,
        epochs=run.size(4, 10),
        verbose=run.verbose,
    )
    loss_test, ppl_keras = char_lm.evaluate(
        test_ids[:-1, None], targets, batch_size=1000, verbose=0
    )
    logits_test = char_lm.predict(test_ids[:-1, None], batch_size=1000, verbose=0)
ppl_ref = ref.perplexity(logits=logits_test.astype(np.float64), targets=targets)
keras_diffs["perplexity"] = abs(ppl_keras - ppl_ref) / ppl_ref
print(
    f"Keras bigram model: test perplexity {ppl_keras:.4f} (metrics.Perplexity), "
    f"{ppl_ref:.4f} (reference, from its logits), e^loss = {np.exp(loss_test):.4f}; "
    f"count bigram {bigram_ppl:.4f}"
)
assert keras_diffs["perplexity"] < 1e-4 and keras_diffs["ece"] < 1e-4
run.record(keras_bigram_ppl=ppl_keras, keras_vs_reference=keras_diffs)

# %% [markdown]
# The streaming metric equals the reference computed from the model's logits and $e$ to
# the test loss (equal batches, so the mean of batch means is the mean). The trained table
# approaches the count model's perplexity; both share the same information, one character of
# context.
#
# ## BLEU, briefly
#
# Machine translation is scored by BLEU: the fraction of the candidate's word n-grams
# ($n = 1..4$) that appear in a reference translation (each n-gram credited at most as
# often as a reference has it, so "the the the" cannot score), combined as a geometric mean
# and multiplied by a brevity penalty $\min(1, e^{1 - r/c})$ that stops short candidates
# from scoring high precision by saying little. It is a corpus-level number: counts are
# pooled over all sentences before dividing.

# %%
references = [
    ["the cat is sitting on the mat", "a cat sits on the mat"],
    ["there is a dog in the garden"],
]
candidates = {
    "close paraphrase": ["the cat sits on the mat", "there is a dog in the garden"],
    "short and safe": ["the cat", "a dog"],
    "word salad": ["mat the on sits cat the", "garden the in dog a is there"],
}
bleu_rows = []
for label, hyps in candidates.items():
    b = ref.corpus_bleu(references, hyps)
    bleu_rows.append(
        {
            "candidate": label,
            "BLEU": b.score,
            **{f"p{n}": p for n, p in enumerate(b.precisions, start=1)},
            "brevity penalty": b.brevity_penalty,
        }
    )
_ = run.table(bleu_rows, floatfmt=".3f", title="Corpus BLEU of three candidates")
samples = []
for _line in range(3):
    ids = [index["T"]]
    for _step in range(80):
        ids.append(rng.choice(V, p=bigram[ids[-1]]))
    samples.append("".join(vocab[i] for i in ids))
windows = [test_text[i : i + 81] for i in range(0, 50 * 300, 300)]  # 50 held-out passages
sample_refs = [windows] * len(samples)
bleu_generated = ref.corpus_bleu(sample_refs, samples)
print("bigram samples:", *[repr(sample[:60]) for sample in samples], sep="\n  ")
print(
    f"BLEU of bigram samples against held-out lines: {bleu_generated.score:.3f}, "
    f"unigram precision {bleu_generated.precisions[0]:.2f}"
)
run.record(bleu=bleu_rows, bleu_generated=bleu_generated.score)

# %% [markdown]
# The paraphrase scores high, the short candidate is cut by its brevity penalty although
# every word it says is right, and the word salad keeps perfect unigram precision but loses
# on the longer n-grams. For open-ended generation BLEU is close to useless: the bigram
# samples share common words with held-out text and essentially no 4-grams, so they score
# about 0, as would a good story that is simply different from the reference.
#
# ## Benchmarks, in words
#
# Large language models are compared on benchmarks: MMLU (multiple-choice questions across
# dozens of subjects), HellaSwag (choosing the sensible continuation), GSM8K (grade-school maths),
# HumanEval (code that must pass unit tests) and many more. A benchmark score is an accuracy
# on a fixed test set, with everything above applying to it:
#
# - **What it measures is narrow.** Multiple-choice accuracy measures picking a letter, not
#   explaining or refusing; and with four options, 25 % is chance, not zero.
# - **Small differences are noise.** A benchmark of 1,000 questions has a Wilson interval
#   about ±3 points wide at 50 % accuracy (computed below); a one-point lead is not a
#   result.
# - **Contamination.** Benchmarks live on the web, and web text is training data. A model
#   that has seen the test questions scores high by memory; the only defence is checking
#   the overlap (n-gram matches between training data and test items) or fresh held-out
#   questions.
# - **The setup changes the number.** Prompt wording, the number of examples in the prompt
#   (few-shot), how an answer is extracted and whether sampling is greedy all move scores by
#   points; comparisons are fair only with one setup.
# - **Tuning on the test set.** Every choice made by looking at test results (the prompt, the
#   checkpoint, the threshold) leaks the test set into the model, exactly like picking the
#   spam threshold on the test split would have.
#
# %%
low_1000, high_1000 = ref.wilson_interval(500, 1000)
print(f"500 right of 1000: 95 % Wilson interval {low_1000:.3f} .. {high_1000:.3f}")

# %% [markdown]
# ## How closely our metrics match scikit-learn
#
# Every metric computed in this chapter was also computed by scikit-learn (asserted to agree
# within 1e-12); the largest difference per metric:

# %%
gap_rows = [{"metric": k, "max |ours − scikit-learn|": v} for k, v in sklearn_gaps.items()]
_ = run.table(gap_rows, floatfmt=".1e", title="Reference vs scikit-learn, this run")
max_gap = max(sklearn_gaps.values())
run.record(sklearn_gaps=sklearn_gaps)
run.headline(
    "never_spam_accuracy",
    ref.accuracy_score(y_test, never_spam),
    low=0.985,
    high=0.995,
    agree=0.0,
    label="accuracy of never saying spam",
)
run.headline(
    "max_diff_vs_sklearn",
    max_gap,
    low=0.0,
    high=1e-12,
    agree=1e-12,
    label="max |reference − scikit-learn| over all metrics",
)
run.headline(
    "keras_metric_rel_diff",
    max(keras_diffs.values()),
    low=0.0,
    high=1e-4,
    label="Keras Perplexity/ECE vs reference (relative)",
)
run.headline(
    "bigram_perplexity",
    bigram_ppl,
    low=run.size(11.5, 9.5),
    high=run.size(14, 12.5),
    agree=0.0,
    label="count bigram perplexity per character",
)

# %% [markdown]
# ## What to take away
#
# - Accuracy hides rare classes: report precision, recall and F1 (and the baseline that
#   always predicts the majority) when classes are imbalanced.
# - A probability model is a family of classifiers; choose the threshold on validation data
#   for the costs of the errors, then score the test set once.
# - ROC AUC can look excellent on imbalanced data while precision is poor; show the PR curve
#   and average precision. `keras.metrics.AUC` approximates the AUC with fixed buckets.
# - Check calibration with a reliability diagram that shows its bin counts; ECE depends on the
#   bins. Temperature scaling, fitted on validation data, fixes over-confidence without
#   changing a single prediction.
# - A score on a small test set is uncertain by several points: give an interval, and prefer
#   cross-validation when data are few.
# - Perplexity is $e^{\mathrm{CE}}$ for CE in nats ($2^{\mathrm{CE}}$ only in bits), a uniform
#   model scores $V$, and models with different tokenizers compare per character or byte.

# %%
run.finish()
