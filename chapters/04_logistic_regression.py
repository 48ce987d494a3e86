# %% [markdown]
# # 4. Logistic regression
#
# Sigmoid, cross-entropy and its chain-rule gradient; NumPy, Keras and scikit-learn agree.
#
# **Runs on** TensorFlow, JAX, PyTorch · **Time** quick 10–12 s, full ≈ 15 s on 2 CPU cores
#
# Linear regression predicts a number. To predict a yes/no answer we keep the linear score
# $z = x^\top w + b$ (the *logit*) and squash it into a probability. The loss changes from
# squared error to cross-entropy, the gradient turns out to have the same shape as before,
# and the penalty that keeps the weights finite has to be translated carefully if we want
# Keras and scikit-learn to land on the same coefficients. They do, to 1e-3 or better.

# %%
from mlfoundations.book import chapter

run = chapter.setup("04_logistic_regression")
import keras  # after setup(): it has chosen the backend
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from mlfoundations import backend, data, logistic, sklearn_baselines
from mlfoundations.book.plotting import subplots
from mlfoundations.reference import logistic as ref
from mlfoundations.reference import losses, metrics
from mlfoundations.testing import numerical_gradient, relative_error

print("Keras backend:", keras.backend.backend())

# %% [markdown]
# ## Sigmoid and cross-entropy
#
# The sigmoid $\sigma(z) = 1/(1 + e^{-z})$ maps any logit to $(0, 1)$; we read
# $p = \sigma(z)$ as the probability of class 1 and predict 1 when $p > 1/2$, i.e. when
# $z > 0$. Inverting the sigmoid shows what the logit is: $z = \log\frac{p}{1-p}$, the
# *log-odds* of class 1. A linear model of the log-odds means each coefficient has a
# reading: raising feature $j$ by one unit adds $w_j$ to the log-odds, i.e. multiplies the
# odds by $e^{w_j}$, whatever the other features are. Computed naively, $e^{-z}$
# overflows for $z = -1000$; the reference evaluates $e^{-|z|}$ instead, which never
# exceeds 1.
#
# The loss of one example is the negative log of the probability the model gave to the
# right answer:
#
# $$\ell(y, z) = -y\log p - (1 - y)\log(1 - p)
#   = \max(z, 0) - yz + \log\!\left(1 + e^{-|z|}\right).$$
#
# The right-hand form, computed from the logit, never takes $\log 0$: a logit of $-1000$
# for a positive example costs exactly 1000 nats instead of `inf`. How much does a
# prediction cost?

# %%
p_right = np.array([0.99, 0.5, 0.1, 0.01])
logits_right = np.log(p_right / (1 - p_right))
cost_rows = [
    {
        "p(correct class)": p,
        "−log p (nats)": -np.log(p),
        "from logits": losses.sigmoid_cross_entropy([1.0], [z]),
    }
    for p, z in zip(p_right, logits_right, strict=True)
]
run.table(cost_rows, title="Cross-entropy of one prediction")
np.testing.assert_allclose([r["from logits"] for r in cost_rows], -np.log(p_right), rtol=1e-12)
print(
    "confident mistake, logit −1000 for a positive:", losses.sigmoid_cross_entropy([1.0], [-1000.0])
)
mistake_vs_right = -np.log(0.01) / -np.log(0.99)
print(f"one mistake at p = 0.01 costs as much as {mistake_vs_right:.0f} right answers at p = 0.99")

# %% [markdown]
# Being 99 % sure and right costs 0.01 nats; a coin flip costs $\log 2 \approx 0.69$;
# 10 % on the truth costs 2.3 and 1 % costs 4.6, as much as 458 right answers at 99 %
# (printed above). The loss grows without bound as the probability of the truth goes to
# zero. Its *gradient* does not: the next section shows that $\partial\ell/\partial z = p - y$,
# so a single example, however wrong, pushes the logit with a force of at most 1. A
# confident mistake dominates the loss value, not the update.
#
# ## The gradient, by the chain rule
#
# Split the path from weights to loss: $w \to z \to p \to \ell$. Then
#
# $$\frac{\partial \ell}{\partial p} = \frac{p - y}{p(1-p)}, \qquad
#   \frac{\partial p}{\partial z} = p(1 - p), \qquad
#   \frac{\partial z}{\partial w} = x .$$
#
# The two $p(1-p)$ cancel, and $\partial\ell/\partial z = p - y$: the error in probability,
# never larger than 1 in size.
# Averaged over $n$ examples, with an L2 penalty $\lambda_2\lVert w\rVert^2$ on the weights,
#
# $$\frac{\partial J}{\partial w} = \frac{1}{n} X^\top (p - y) + 2\lambda_2 w, \qquad
#   \frac{\partial J}{\partial b} = \frac{1}{n}\sum_i (p_i - y_i),$$
#
# the same shape as linear regression's gradient. We check the formula two ways: against
# finite differences, and against automatic differentiation of Keras' `Dense(1, sigmoid)`
# on this backend.

# %%
X_toy, y_toy = data.make_moons(n_samples=run.size(200, 500), noise=0.2, seed=run.seed)
X_toy = (X_toy - X_toy.mean(0)) / X_toy.std(0)
w_probe, b_probe, l2_probe = np.array([0.8, -1.2]), 0.3, 0.01
gw, gb = ref.bce_gradient(X_toy, y_toy, w_probe, b_probe, l2=l2_probe)
num = numerical_gradient(
    lambda t: ref.objective(X_toy, y_toy, t[:2], t[2], l2=l2_probe), np.r_[w_probe, b_probe]
)

# autodiff of the data term (the penalty's gradient 2λ₂w needs no checking)
model = logistic.logistic_model(2)
model.layers[-1].set_weights([w_probe.reshape(2, 1).astype("float32"), np.array([b_probe], "f4")])
_, (k_gw, k_gb) = backend.value_and_grad(
    model,
    keras.losses.BinaryCrossentropy(),
    X_toy.astype("float32"),
    y_toy.reshape(-1, 1).astype("float32"),
)
k_gw = k_gw[:, 0] + 2 * l2_probe * w_probe
err_fd = relative_error(np.r_[gw, gb], num)
err_ad = relative_error(np.r_[gw, gb], np.r_[k_gw, k_gb])
print(
    f"relative error vs finite differences: {err_fd:.1e}; vs {run.backend} autodiff: {err_ad:.1e}"
)
assert err_fd < 1e-6 and err_ad < 1e-4  # float64 vs float64; float64 vs float32
run.record(grad_rel_err_fd=err_fd, grad_rel_err_autodiff=err_ad)
run.headline("grad_rel_err_autodiff", err_ad, high=1e-4, label="gradient: rel. error vs autodiff")

# %% [markdown]
# ## Three implementations, one optimum
#
# Keras' `regularizers.L2(l2)` adds $l_2\sum_j w_j^2$ to the *mean* loss and leaves the
# bias alone, so Keras minimises $J = \frac1n\sum_i \ell_i + \lambda_2\lVert w\rVert^2$.
# scikit-learn's `LogisticRegression(C)` minimises $C\sum_i \ell_i + \tfrac12\lVert w\rVert^2$,
# also without penalising the intercept. Multiplying $J$ by $1/(2\lambda_2)$ changes no
# minimiser and gives $\frac{1}{2n\lambda_2}\sum_i\ell_i + \tfrac12\lVert w\rVert^2$, hence
#
# $$C = \frac{1}{2n\lambda_2}, \qquad \lambda_2 = \frac{1}{2nC}.$$
#
# With that mapping the problems are identical and strictly convex, so all fits must land
# on one point. Newton's method (`ref.fit_newton`) gives that point to machine precision;
# scikit-learn runs L-BFGS with `tol=1e-12`. The NumPy reference runs full-batch gradient
# descent at $\eta = 1/L$, where $L = \lambda_{\max}(\tilde X^\top \tilde X)/(4n) + 2\lambda_2$
# bounds the curvature ($\sigma' \le 1/4$); $\tilde X = [X, \mathbf 1]$ includes the
# intercept's column of ones, because $b$ is a parameter too (its curvature is at most
# $1/4$, so on centred features the bound is $\max(\lambda_{\max}(X^\top X)/(4n), 1/4)$).
#
# Keras runs `fit` with full-batch `SGD`: plain on the toy set, with *momentum* 0.9 on
# breast_cancer. Momentum keeps a running velocity, $v \leftarrow \mu v - \eta\nabla J$,
# $\theta \leftarrow \theta + v$ (Keras' convention; $\mu = 0$ is plain descent): steps
# that keep pointing the same way add up, steps that flip sign cancel. It helps on
# breast_cancer, whose 30 correlated features make the valley long and narrow: in the
# table below, Keras with momentum gets as close in a few hundred steps as plain NumPy
# gradient descent in a few thousand (the iterations column; chapter 9 treats optimisers
# properly).
# All Keras weights start at zero, so no backend's random initialiser matters.

# %%
cancer = data.load("breast_cancer", seed=run.seed)
problems = {
    "moons (2-D, standardised)": (X_toy, y_toy, 0.01, 0.0, run.size(300, 600)),
    "breast_cancer (30-D, standardised)": (
        cancer.X_train,
        cancer.y_train,
        0.01,
        0.9,
        run.size(300, 600),
    ),
}
agree_rows, fits = [], {}
for name, (X, y, l2, momentum, keras_steps) in problems.items():
    n = len(y)
    X_tilde = np.c_[X, np.ones(n)]  # (n, d + 1): the intercept is a parameter too
    L = np.linalg.eigvalsh(X_tilde.T @ X_tilde / (4 * n))[-1] + 2 * l2
    w_star, b_star = ref.fit_newton(X, y, l2=l2)
    C = ref.sklearn_C(l2, n)
    sk = LogisticRegression(C=C, tol=1e-12, max_iter=10_000).fit(X, y)
    gd = ref.gradient_descent(X, y, lr=1 / L, epochs=run.size(2000, 5000), l2=l2)
    kr = logistic.fit_sgd(
        X, y, lr=1 / L, epochs=keras_steps, l2=l2, momentum=momentum, verbose=run.verbose
    )
    fits[name] = {"sklearn": sk, "numpy": gd, "keras": kr, "star": (w_star, b_star)}
    keras_label = f"Keras SGD, momentum {momentum:g} ({run.backend})"
    candidates = [
        ("scikit-learn (L-BFGS)", sk.coef_[0], sk.intercept_[0], int(sk.n_iter_[0])),
        ("NumPy GD", gd.w, gd.b, gd.steps),
        (keras_label, kr.w, kr.b, kr.steps),
    ]
    for label, w, b, steps in candidates:
        diff = max(np.abs(w - w_star).max(), abs(b - b_star))
        agree_rows.append(
            {
                "data": name,
                "λ₂": l2,
                "C": C,
                "fit": label,
                "iterations": steps,
                "max abs(θ − θ_newton)": diff,
            }
        )
        assert diff < 1e-3, (name, label, diff)
run.table(agree_rows, floatfmt=".3g", title="Distance of each fit from the exact optimum")
run.record(agreement=agree_rows)
w_cancer = fits["breast_cancer (30-D, standardised)"]["sklearn"].coef_[0]
C_cancer = ref.sklearn_C(0.01, len(cancer.y_train))
w_2C = LogisticRegression(C=2 * C_cancer, tol=1e-12, max_iter=10_000)
w_2C = w_2C.fit(cancer.X_train, cancer.y_train).coef_[0]
factor_2_shift = float(np.abs(w_2C - w_cancer).max())
print(f"breast_cancer with C doubled: coefficients move by up to {factor_2_shift:.2f}")
run.headline(
    "keras_vs_newton",
    max(r["max abs(θ − θ_newton)"] for r in agree_rows if r["fit"].startswith("Keras")),
    high=1e-3,
    label="Keras fit: max |θ − θ_newton|",
)

# %% [markdown]
# Every fit is within 1e-3 of Newton's optimum (asserted), and in practice within about
# 1e-6; the Keras rows are limited by float32. The mapping is exact, and the factor
# matters: with $C$ doubled, the breast_cancer coefficients move by the amount printed
# above, far beyond the 1e-3 tolerance.
#
# ## Why a penalty at all
#
# Without it ($\lambda_2 = 0$) the maximum-likelihood fit may not exist. If a line
# separates the two classes perfectly, scaling $w$ up pushes every $p$ towards its label
# and lowers the loss further, forever: the infimum 0 is never reached. Gradient descent
# then runs $\lVert w\rVert$ up without end. Two well-separated blobs show it:

# %%
rng_sep = np.random.default_rng(run.seed)
X_sep = np.r_[rng_sep.normal((-2, 0), 0.5, (50, 2)), rng_sep.normal((2, 0), 0.5, (50, 2))]
y_sep = np.r_[np.zeros(50), np.ones(50)]  # two blobs 4 sd apart: a line separates them
sep_rows = []
for epochs in [10, 100, 1000, 10_000]:
    for l2 in [0.0, 0.01]:
        fit = ref.gradient_descent(X_sep, y_sep, lr=1.0, epochs=epochs, l2=l2)
        sep_rows.append(
            {
                "λ₂": l2,
                "steps": epochs,
                "‖w‖": float(np.linalg.norm(fit.w)),
                "training loss": ref.objective(X_sep, y_sep, fit.w, fit.b),
            }
        )
_ = run.table(sorted(sep_rows, key=lambda r: r["λ₂"]), title="Separable blobs: ‖w‖ as descent runs")

# %% [markdown]
# Without the penalty $\lVert w\rVert$ keeps growing (about by the logarithm of the step
# count) and the loss creeps towards 0; with $\lambda_2 = 0.01$ both settle. The penalty
# makes the optimum exist and unique (the objective becomes strictly convex), which is
# also what lets three implementations agree on it. On non-separable data like moons the
# unpenalised optimum exists, but a penalty still shrinks the coefficients (chapter 3's
# ridge).
#
# ## The decision boundary
#
# The model predicts class 1 where $z = x^\top w + b > 0$: the boundary is the line
# $w_1x_1 + w_2x_2 + b = 0$, and the probability changes only along its normal $w$. Moons
# are not linearly separable, so no straight boundary classifies every point correctly
# (chapter 5 adds hidden layers, which bend it).

# %%
w_m, b_m = fits["moons (2-D, standardised)"]["star"]
lo, hi = X_toy.min(axis=0) - 0.3, X_toy.max(axis=0) + 0.3  # cover every point
g1, g2 = np.meshgrid(np.linspace(lo[0], hi[0], 200), np.linspace(lo[1], hi[1], 200))
P = ref.predict_proba(np.c_[g1.ravel(), g2.ravel()], w_m, b_m).reshape(g1.shape)
fig, ax = subplots(figsize=(6, 5))
cs = ax.contourf(g1, g2, P, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
ax.contour(g1, g2, P, levels=[0.5], colors="k", linewidths=2)
ax.scatter(X_toy[:, 0], X_toy[:, 1], c=y_toy, cmap="RdBu_r", edgecolors="k", s=14)
wrong = (ref.predict_proba(X_toy, w_m, b_m) > 0.5) != y_toy
ax.scatter(X_toy[wrong, 0], X_toy[wrong, 1], marker="x", c="k", s=40, label="misclassified")
ax.legend(loc="lower right")
fig.colorbar(cs, ax=ax, label="p(class 1)")
acc_toy = metrics.accuracy_score(y_toy, ref.predict_proba(X_toy, w_m, b_m) > 0.5)
ax.set(xlabel="x₁", ylabel="x₂", title=f"Logistic regression on moons (train acc. {acc_toy:.2f})")
run.figure(fig, "decision_boundary")

# %% [markdown]
# ## Are the probabilities honest?
#
# A probability is *calibrated* if, among the examples given $p \approx 0.8$, about 80 %
# are positive. A reliability plot bins the predicted probabilities and plots the observed
# frequency in each bin against the mean prediction; a calibrated model sits on the
# diagonal. Here on breast_cancer's held-out validation and test parts together (chapter 11
# measures calibration properly, with the expected calibration error).

# %%
w_c, b_c = fits["breast_cancer (30-D, standardised)"]["star"]
X_held = np.vstack([cancer.X_val, cancer.X_test])
y_held = np.concatenate([cancer.y_val, cancer.y_test])
p_held = ref.predict_proba(X_held, w_c, b_c)
bins = metrics.reliability_bins(y_held, p_held, n_bins=5)  # chapter 11 teaches these
seen = bins.counts > 0
mean_p, freq, count = bins.confidence[seen], bins.accuracy[seen], bins.counts[seen]
fig, ax = subplots(figsize=(5, 5))
ax.plot([0, 1], [0, 1], "k:", lw=1, label="perfectly calibrated")
ax.plot(mean_p, freq, "o-", label="logistic regression")
for m, f, c in zip(mean_p, freq, count, strict=True):
    ax.annotate(str(c), (m, f), textcoords="offset points", xytext=(4, -10), fontsize=8)
ax.set(
    xlabel="mean predicted p (bin)",
    ylabel="observed fraction positive",
    title=f"Reliability, held-out (n = {len(y_held)})",
    aspect="equal",
)
ax.legend()
run.figure(fig, "reliability")

# %% [markdown]
# With five bins and about 230 examples the plot is coarse (the numbers are the examples
# per bin); most predictions are near 0 or 1 and those bins are close to the diagonal.
#
# ## More than two classes: softmax regression
#
# With $K$ classes the model has one weight column per class, $Z = XW + b$, and
# $P = \operatorname{softmax}(Z)$. The cross-entropy is $-\log P_{i, y_i}$ and the chain
# rule again collapses to "prediction minus truth": $\partial\ell/\partial Z = P - Y$ with
# $Y$ one-hot. The same $C$ mapping holds with $\lVert W\rVert^2$ over all classes.

# %%
iris = data.load("iris", seed=run.seed)
l2_iris = 0.01
soft_np = ref.softmax_gradient_descent(
    iris.X_train, iris.y_train, lr=1.0, epochs=run.size(2000, 5000), l2=l2_iris
)
soft_sk = LogisticRegression(
    C=ref.sklearn_C(l2_iris, len(iris.y_train)), tol=1e-12, max_iter=10_000
)
soft_sk.fit(iris.X_train, iris.y_train)
soft_kr = logistic.fit_sgd(
    iris.X_train,
    iris.y_train,
    lr=1.0,
    epochs=run.size(300, 2000),
    l2=l2_iris,
    n_classes=3,
    momentum=0.9,
    verbose=run.verbose,
)
d_np = float(np.abs(soft_np.w - soft_sk.coef_.T).max())
d_kr = float(np.abs(soft_kr.w - soft_sk.coef_.T).max())
print(f"iris softmax regression, max |W − sklearn|: NumPy {d_np:.1e}, Keras {d_kr:.1e}")
assert d_np < 1e-3 and d_kr < 1e-3
run.record(iris_softmax_numpy_vs_sklearn=d_np, iris_softmax_keras_vs_sklearn=d_kr)
run.headline(
    "iris_softmax_keras_vs_sklearn", d_kr, high=1e-3, label="iris softmax: Keras vs sklearn"
)

# %% [markdown]
# ## Results against the chapter-2 baselines
#
# Test accuracy and macro F1 on breast_cancer's test split, beside chapter 2's baselines
# on the same split. Our fits use $\lambda_2 = 0.01$ ($C \approx 0.15$), the baseline
# scikit-learn's default $C = 1$.


# %%
def scores(p):
    pred = (p > 0.5).astype(int)
    return {
        "accuracy": metrics.accuracy_score(cancer.y_test, pred),
        "f1_macro": float(f1_score(cancer.y_test, pred, average="macro")),
    }


gd_c = fits["breast_cancer (30-D, standardised)"]["numpy"]
kr_c = fits["breast_cancer (30-D, standardised)"]["keras"]
ours = [
    {
        "model": "ch. 4: logistic, NumPy GD (λ₂ = 0.01)",
        **scores(ref.predict_proba(cancer.X_test, gd_c.w, gd_c.b)),
    },
    {
        "model": f"ch. 4: logistic, Keras ({run.backend})",
        **scores(ref.predict_proba(cancer.X_test, kr_c.w, kr_c.b)),
    },
]
base = [
    {"model": row["model"], "accuracy": row["accuracy"], "f1_macro": row["f1_macro"]}
    for row in sklearn_baselines.baseline_table(cancer, seed=run.seed)
]
run.table(ours + base, title="breast_cancer, test split")
run.record(breast_cancer=ours)
top = np.argsort(-np.abs(w_c))[:3]
odds_rows = [
    {
        "feature (standardised)": cancer.feature_names[j],
        "w": w_c[j],
        "odds ratio e^w per 1 sd": np.exp(w_c[j]),
    }
    for j in top
]
_ = run.table(odds_rows, floatfmt=".3g", title="Largest coefficients, read as odds ratios")
run.headline(
    "cancer_accuracy_keras",
    ours[1]["accuracy"],
    low=0.95,
    agree=0.01,
    label="breast cancer: test accuracy, Keras",
)

# %% [markdown]
# NumPy and Keras score exactly alike, as they must with coefficients 1e-6 apart, and on
# a par with the `logistic_regression` baseline: the strength of the penalty barely
# matters here. On this dataset a straight boundary is among the best of all the
# baselines (chapter 2's full mode, over five splits, ranks it first too), so the
# nonlinear models of later chapters have little room to do better.
#
# The coefficients read as odds ratios (last table): one standard deviation more of a
# feature multiplies the odds of the positive class (in this dataset, benign) by
# $e^{w_j}$, holding the others fixed. With 30 correlated features, "holding the others
# fixed" is a strong condition, and the penalty shares weight among correlated features,
# so read single coefficients with care.

# %% [markdown]
# ## What to take away
#
# - Logistic regression is a linear score passed through a sigmoid and trained with
#   cross-entropy, $-\log p(\text{truth})$; compute it from logits so it never overflows.
# - The logit is the log-odds; a coefficient is a log odds ratio.
# - Cross-entropy punishes confident mistakes hardest in value (4.6 nats at 1 % on the
#   truth, 0.01 at 99 %), but the gradient per example is $p - y$, at most 1 in size.
# - On separable data the unpenalised fit does not exist; the penalty makes it unique.
# - The chain rule turns the gradient into "prediction minus truth" times the input, for
#   two classes (sigmoid) and for $K$ (softmax).
# - Keras `L2(λ₂)` on the mean loss and scikit-learn's `C` are the same penalty when
#   $C = 1/(2n\lambda_2)$; then NumPy, Keras and scikit-learn reach the same coefficients.
# - A straight boundary cannot separate moons: that is the job of the next chapter.

# %%
run.finish()
