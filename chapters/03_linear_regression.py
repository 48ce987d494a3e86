# %% [markdown]
# # 3. Linear regression and gradient descent
#
# Fit a line by closed form, by gradient descent and with Keras; measure learning rate and batch.
#
# **Runs on** TensorFlow, JAX, PyTorch · **Time** quick ≈ 10 s, full ≈ 30 s on 2 CPU cores
#
# Linear regression is the smallest model that is trained the way every network in this
# book is trained: predict, measure the error with a loss, follow the gradient downhill.
# It is also small enough to be solved exactly, which makes it the place to see what
# gradient descent is doing, and where it goes wrong, against a known right answer.

# %%
from mlfoundations.book import chapter

run = chapter.setup("03_linear_regression")
import keras  # after setup(): it has chosen the backend
import numpy as np
from matplotlib import colormaps
from sklearn.linear_model import Lasso, LinearRegression

from mlfoundations import data, linear, sklearn_baselines
from mlfoundations.book.plotting import subplots
from mlfoundations.reference import linear as ref

print("Keras backend:", keras.backend.backend())

# %% [markdown]
# ## The model, the loss and its gradient
#
# With $n$ examples in the rows of $X \in \mathbb{R}^{n \times d}$, the model predicts
# $\hat y = Xw + b$ and the *mean squared error* scores it:
#
# $$J(w, b) = \frac{1}{n}\sum_{i=1}^{n} (x_i^\top w + b - y_i)^2 .$$
#
# Write $r = Xw + b - y$ for the residuals. Differentiating the square gives the gradient
# that every step below uses:
#
# $$\frac{\partial J}{\partial w} = \frac{2}{n} X^\top r, \qquad
#   \frac{\partial J}{\partial b} = \frac{2}{n}\sum_i r_i .$$
#
# Setting both to zero gives the *normal equations* $X_c^\top X_c\, w = X_c^\top y_c$ (the
# $c$ means centred: the intercept is $b = \bar y - \bar x^\top w$). Solving them through
# $(X^\top X)^{-1}$ squares the condition number of $X$ and loses digits, so
# `reference.linear.fit_closed_form` hands the least-squares problem to an SVD
# (`numpy.linalg.lstsq`) instead. Gradient descent replaces the solve with steps
#
# $$w \leftarrow w - \eta\,\frac{\partial J}{\partial w}, \qquad
#   b \leftarrow b - \eta\,\frac{\partial J}{\partial b},$$
#
# with learning rate $\eta$ (`lr`). Keras' `Dense(1)` with the `"mse"` loss and `SGD(lr)`
# takes exactly these steps.
#
# Why the *squared* error? Suppose the data come from the model plus Gaussian noise,
# $y_i = x_i^\top w + b + \varepsilon_i$ with $\varepsilon_i \sim \mathcal N(0, \sigma^2)$
# independent. The negative log-likelihood of the data is then
#
# $$-\log p(y \mid X, w, b) = \frac{n}{2}\log(2\pi\sigma^2)
#   + \frac{1}{2\sigma^2}\sum_i (x_i^\top w + b - y_i)^2 ,$$
#
# and only the second term depends on $w, b$: minimising the MSE *is* maximum likelihood
# under Gaussian noise. Chapter 4 takes the same route for yes/no labels, where the
# likelihood is Bernoulli and its negative log is the cross-entropy.

# %% [markdown]
# ## One line, four fits
#
# A noisy line $y = 2x + 1 + \varepsilon$, $\varepsilon \sim \mathcal{N}(0, 1)$, fitted by
# the closed form, scikit-learn, NumPy gradient descent and Keras.

# %%
x_line, y_line = data.make_noisy_line(
    n_samples=100, slope=2.0, intercept=1.0, noise=1.0, seed=run.seed
)
w_cf, b_cf = ref.fit_closed_form(x_line, y_line)
sk = LinearRegression().fit(x_line, y_line)
lr_line = 0.5 * ref.max_stable_lr(x_line)  # a safe step: half the stability bound (below)
epochs_line = run.size(300, 1000)
gd = ref.gradient_descent(x_line, y_line, lr=lr_line, epochs=epochs_line)
kr = linear.fit_sgd(x_line, y_line, lr=lr_line, epochs=epochs_line, verbose=run.verbose)

fits = [
    {"method": "closed form (lstsq)", "slope w": w_cf[0], "intercept b": b_cf},
    {"method": "scikit-learn", "slope w": sk.coef_[0], "intercept b": sk.intercept_},
    {"method": f"NumPy GD ({epochs_line} steps)", "slope w": gd.w[0], "intercept b": gd.b},
    {"method": f"Keras Dense(1), {run.backend}", "slope w": kr.w[0], "intercept b": kr.b},
]
run.table(fits, floatfmt=".6f", title="Fitted line (true: slope 2, intercept 1)")
np.testing.assert_allclose([sk.coef_[0], sk.intercept_], [w_cf[0], b_cf], atol=1e-8)
np.testing.assert_allclose([gd.w[0], gd.b], [w_cf[0], b_cf], atol=1e-6)
np.testing.assert_allclose([kr.w[0], kr.b], [w_cf[0], b_cf], atol=1e-4)  # float32
run.record(line_keras_max_abs_diff=float(max(abs(kr.w[0] - w_cf[0]), abs(kr.b - b_cf))))
run.headline(
    "line_keras_vs_closed_form",
    max(abs(kr.w[0] - w_cf[0]), abs(kr.b - b_cf)),
    high=1e-4,
    label="Keras line: max |Δ| from closed form",
)

fig, ax = subplots()
ax.scatter(x_line[:, 0], y_line, s=12, alpha=0.6, label="data")
grid = np.linspace(x_line.min(), x_line.max(), 50)
ax.plot(grid, w_cf[0] * grid + b_cf, label=f"fit: y = {w_cf[0]:.2f}x + {b_cf:.2f}")
ax.plot(grid, 2 * grid + 1, "--", label="truth: y = 2x + 1")
ax.set(xlabel="x", ylabel="y", title="Least-squares line over noisy data")
ax.legend()
run.figure(fig, "fitted_line")

# %% [markdown]
# All four agree: the closed form and scikit-learn to 1e-8, NumPy gradient descent to
# 1e-6, Keras (float32) to 1e-4 (asserted above). Gradient descent does not find a
# different answer; it finds the same one by walking to it.
#
# ## Batch, mini-batch, stochastic
#
# The gradient above averages over all $n$ examples: **batch** gradient descent, one exact
# step per pass (*epoch*). Averaging over a random **mini-batch** of $B$ examples gives a
# noisy but unbiased estimate and $\lceil n/B \rceil$ steps per epoch; $B = 1$ is
# **stochastic** gradient descent. One function, `reference.linear.gradient_descent`,
# does all three; `batch_size` decides. The data: the synthetic house prices (three
# standardised features, a known linear formula plus noise).

# %%
houses = data.load("house_prices", seed=run.seed)
X_h, y_h = houses.X_train, houses.y_train
w_h, b_h = ref.fit_closed_form(X_h, y_h)
J_star = ref.objective(X_h, y_h, w_h, b_h)
epochs_b = run.size(20, 50)
fig, ax = subplots()
batch_rows = []
for B in (1, 16, 64, len(y_h)):
    res = ref.gradient_descent(X_h, y_h, lr=0.02, epochs=epochs_b, batch_size=B, seed=run.seed)
    label = "full batch" if B == len(y_h) else f"B = {B}"
    ax.semilogy(np.arange(epochs_b + 1), res.history - J_star + 1e-12, label=label)
    batch_rows.append(
        {"batch size": B, "steps": res.steps, "J − J* after last epoch": res.history[-1] - J_star}
    )
ax.set(
    xlabel="epoch", ylabel="J − J*  (log scale)", title="Same learning rate 0.02, different batches"
)
ax.legend()
run.figure(fig, "batch_sizes")
run.table(batch_rows, title=f"Excess loss after {epochs_b} epochs (lr 0.02)")

# %% [markdown]
# Per epoch, smaller batches take more steps and get close sooner, but with a constant
# learning rate they never settle: each step follows a noisy gradient, so the loss
# hovers above the optimum at a level set by the noise and the rate. The full batch
# moves slowly per epoch but keeps going down. (In practice, mini-batches win because
# a step on $B$ examples costs about $B/n$ of a full step; decaying the rate removes the
# floor, chapter 9.)
#
# ## How large may the learning rate be?
#
# The MSE is a quadratic bowl. Its Hessian in $\theta = (w, b)$ is constant,
#
# $$H = \frac{2}{n}\tilde X^\top \tilde X, \qquad \tilde X = [X, \mathbf 1],$$
#
# and one gradient step maps the error $e = \theta - \theta^*$ to $(I - \eta H)\,e$. Along
# an eigenvector of $H$ with eigenvalue $\lambda$ the error is multiplied by
# $1 - \eta\lambda$ every step, which shrinks if and only if $|1 - \eta\lambda| < 1$. The
# steepest direction decides:
#
# $$\text{gradient descent converges} \iff \eta < \frac{2}{\lambda_{\max}(H)} .$$
#
# Between $1/\lambda_{\max}$ and $2/\lambda_{\max}$ it converges while zig-zagging across
# the valley; above $2/\lambda_{\max}$ the zig-zag grows by a factor
# $|1 - \eta\lambda_{\max}| > 1$ every step. We test this on the setup of the primer,
# which claims that plain SGD with learning rate 0.1 on a linear model with
# $x \sim \mathcal{N}(0, I_{10})$, 100 examples and $y \sim \mathcal N(0, 1)$ "diverges
# to inf" after 50 steps.

# %%
rng = np.random.default_rng(run.seed)
X_s, y_s = rng.normal(size=(100, 10)), rng.normal(size=100)
bound = ref.max_stable_lr(X_s)
lam = np.linalg.eigvalsh(ref.mse_hessian(X_s))
print(f"λ_max(H) = {lam[-1]:.3f}, λ_min(H) = {lam[0]:.3f}, stability bound 2/λ_max = {bound:.3f}")

steps_lr = run.size(200, 500)
rates = {
    "1e-4 (too small)": 1e-4,
    "1e-3": 1e-3,
    "0.01": 0.01,
    "0.1 (the primer's)": 0.1,
    "0.95 × bound": 0.95 * bound,
    "1.05 × bound": 1.05 * bound,
}
sweep = {name: ref.gradient_descent(X_s, y_s, lr=lr, epochs=steps_lr) for name, lr in rates.items()}
w_s, b_s = ref.fit_closed_form(X_s, y_s)
J_s = ref.objective(X_s, y_s, w_s, b_s)
lr_rows = [
    {
        "lr": name,
        "J after 50 steps": res.history[min(50, len(res.history) - 1)],
        f"J after {steps_lr} steps": res.history[-1] if not res.diverged else float("inf"),
        "diverged": "yes" if res.diverged else "no",
    }
    for name, res in sweep.items()
]
run.table(lr_rows, title=f"Full-batch GD on the primer's setup (minimum J = {J_s:.4f})")

# the prediction, checked: just below the bound converges, just above diverges
assert not sweep["0.95 × bound"].diverged
assert abs(sweep["0.95 × bound"].history[-1] - J_s) < 1e-6
assert sweep["1.05 × bound"].diverged or sweep["1.05 × bound"].history[-1] > 1e6
assert not sweep["0.1 (the primer's)"].diverged  # the primer's "inf" does not happen
run.record(
    stability_bound=bound,
    seed_lr_0p1_loss_after_50=float(sweep["0.1 (the primer's)"].history[50]),
    optimum_loss=J_s,
)
run.headline("lr_stability_bound", bound, low=0.55, high=0.555, agree=1e-9, label="η bound 2/λ_max")

# %%
fig, ax = subplots()
with np.errstate(over="ignore", invalid="ignore"):
    for name, res in sweep.items():
        ax.semilogy(res.history[: steps_lr + 1] - J_s + 1e-16, label=name)
ax.set(
    xlabel="step",
    ylabel="J − J*  (log scale)",
    ylim=(1e-10, 1e4),
    title=f"Learning-rate sweep (bound 2/λ_max = {bound:.2f})",
)
ax.legend(fontsize=8)
run.figure(fig, "learning_rate_sweep")

# %% [markdown]
# Measured, not asserted: the bound printed above is about 0.55, so the primer's learning
# rate of 0.1 is **more than five times below it** and converges smoothly. After 50 steps
# its loss already equals the optimum to the digits shown; nothing diverges, let alone
# to infinity. Just above the bound the run does blow
# up, as predicted, and just below it converges. The same run in Keras (plain `SGD(0.1)`,
# `"mse"`, as the primer's PyTorch code does) agrees:

# %%
seed_keras = linear.fit_sgd(X_s, y_s, lr=0.1, epochs=50, verbose=run.verbose)
seed_numpy = sweep["0.1 (the primer's)"]
print(
    f"{run.backend}: loss after 50 steps of SGD(0.1) = {seed_keras.history[-1]:.4f} "
    f"(NumPy {seed_numpy.history[50]:.4f})"
)
assert np.isfinite(seed_keras.history[-1])
np.testing.assert_allclose(seed_keras.history[-1], seed_numpy.history[50], rtol=1e-4)

# %% [markdown]
# The other half of the folklore, "too small a learning rate may get stuck in a bad local
# minimum", does not apply here either: $H$ is positive definite ($\lambda_{\min} > 0$
# above), so $J$ is strictly convex with exactly one minimum. A tiny rate is not stuck, it
# is *slow*: the error along each eigendirection shrinks by a factor $1 - \eta\lambda$
# per step, so every factor of $e$ of progress along the flattest direction takes about
# $1/(\eta\lambda_{\min})$ steps. At $\eta = 10^{-4}$ that is over ten thousand steps per
# factor of $e$; the curve above has barely started.
#
# ## The path on the loss surface
#
# For one feature the parameters are $(w, b)$ and $J$ is a bowl we can draw. With the raw
# $x$ (not centred) the bowl is a narrow tilted valley: $\lambda_{\max}/\lambda_{\min}$ is
# large, a rate safe for the steep direction crawls along the flat one. Standardising
# one feature makes the Hessian of $J$ in $(w, b)$ exactly $2I$ (mean 0 decouples $w$
# from $b$, variance 1 equalises the curvatures): the contours are round and the same
# number of steps reaches the bottom.

# %%
x_raw = x_line + 3.0  # shift the inputs away from zero: an uncentred feature
x_std = (x_raw - x_raw.mean()) / x_raw.std()
fig, axes = subplots(1, 2, figsize=(10, 4))
for ax, (title, Xp) in zip(
    axes, [("raw x (mean 3)", x_raw), ("standardised x", x_std)], strict=True
):
    wp, bp = ref.fit_closed_form(Xp, y_line)
    safe = ref.max_stable_lr(Xp)
    ww, bb = np.meshgrid(np.linspace(wp - 8, wp + 8, 120), np.linspace(bp - 8, bp + 8, 120))
    JJ = np.mean((ww[..., None] * Xp[:, 0] + bb[..., None] - y_line) ** 2, axis=-1)
    ax.contour(ww, bb, JJ, levels=np.geomspace(JJ.min() + 1e-3, JJ.max(), 15), linewidths=0.8)
    for frac, style in ((0.3, "o-"), (0.9, "s--")):
        path = ref.gradient_descent(
            Xp, y_line, lr=frac * safe, epochs=30, w0=wp - 2.5, b0=bp - 7.0, record_path=True
        ).path
        ax.plot(path[:, 0], path[:, 1], style, ms=3, lw=1, label=f"lr = {frac:.1f} × bound")
    ax.plot([wp], [bp], "k*", ms=12, label="closed form")
    ax.set(xlabel="w", ylabel="b", title=f"{title}: 30 steps", aspect="equal")
    ax.legend(fontsize=8)
run.figure(fig, "gd_path_contours")

# %% [markdown]
# That roundness is special to one feature, or to uncorrelated ones. With several
# standardised features the Hessian is twice their *correlation matrix*, and correlated
# features still make a narrow valley; standardising removes differences of scale and
# offset, not correlation. Two features with correlation $\rho$ give a condition number
# $(1+\rho)/(1-\rho)$:

# %%
cond_rows = []
for rho in [0.0, 0.5, 0.9, 0.99]:
    corr = np.array([[1.0, rho], [rho, 1.0]])
    eig = np.linalg.eigvalsh(corr)
    cond_rows.append({"features": f"two, correlation {rho}", "λmax / λmin": eig[-1] / eig[0]})
for name, X_std in [
    ("house_prices (3, standardised)", X_h),
    ("diabetes (10, standardised)", data.load("diabetes", seed=run.seed).X_train),
]:
    eig = np.linalg.eigvalsh(np.corrcoef(X_std, rowvar=False))
    cond_rows.append({"features": name, "λmax / λmin": eig[-1] / eig[0]})
_ = run.table(
    cond_rows, floatfmt=".3g", title="Condition number of the Hessian after standardising"
)

# %% [markdown]
# Standardised diabetes still has a condition number in the hundreds, and even the three
# house-price features are far from round (the table): a learning rate safe for the
# steepest direction is slow along the flattest. Chapter 4 meets the same thing on
# breast_cancer and uses momentum against it.
#
# ## L2 and L1 penalties
#
# Adding $\lambda_2\lVert w\rVert_2^2$ (**ridge**) or $\lambda_1\lVert w\rVert_1$ (**lasso**)
# to $J$ pulls the weights towards zero; the intercept is never penalised. This is the
# form Keras uses (`regularizers.L2(l2)` adds `l2 * sum(w**2)` to the mean loss), and it
# maps exactly to scikit-learn: `Ridge(alpha)` minimises $n$ times our $J$, so
# $\alpha = n\lambda_2$; `Lasso(alpha)` minimises $J/2$, so $\alpha = \lambda_1/2$. Ridge
# keeps a closed form (the stacked least-squares problem in `fit_closed_form`). The L1
# term has no gradient at 0, so the reference takes a gradient step on the MSE and then a
# *proximal* step, the soft threshold
# $w \leftarrow \operatorname{sign}(w)\max(|w| - \eta\lambda_1, 0)$, which lands
# coefficients exactly on zero. Keras instead follows the subgradient
# $\lambda_1\operatorname{sign}(w)$, which makes small weights jitter around zero. The
# data: scikit-learn's diabetes set (10 standardised features).

# %%
diabetes = data.load("diabetes", seed=run.seed)
X_d, y_d = diabetes.X_train, diabetes.y_train
lr_d = 0.5 * ref.max_stable_lr(X_d)  # 1/λ_max: the safe step of proximal gradient descent
epochs_d = run.size(3000, 10000)
l1s = np.geomspace(0.1, 100, run.size(8, 20))
path_coef = np.array(
    [ref.gradient_descent(X_d, y_d, lr=lr_d, epochs=epochs_d, l1=l1).w for l1 in l1s]
)

l1_demo = 2.0
lasso_np = ref.gradient_descent(X_d, y_d, lr=lr_d, epochs=epochs_d, l1=l1_demo)
lasso_sk = Lasso(alpha=ref.lasso_alpha(l1_demo), tol=1e-10, max_iter=100_000).fit(X_d, y_d)
lasso_kr = linear.fit_sgd(
    X_d, y_d, lr=lr_d, epochs=run.size(300, 2000), l1=l1_demo, verbose=run.verbose
)
lasso_diff = float(np.abs(lasso_np.w - lasso_sk.coef_).max())
np.testing.assert_allclose(lasso_np.w, lasso_sk.coef_, atol=1e-3 if run.quick else 1e-6)
run.table(
    [
        {
            "fit": "NumPy proximal GD",
            "exact zeros": int(np.sum(lasso_np.w == 0)),
            "max abs(w − sklearn)": lasso_diff,
        },
        {
            "fit": "scikit-learn Lasso",
            "exact zeros": int(np.sum(lasso_sk.coef_ == 0)),
            "max abs(w − sklearn)": 0.0,
        },
        {
            "fit": f"Keras L1 subgradient ({run.backend})",
            "exact zeros": int(np.sum(lasso_kr.w == 0)),
            "max abs(w − sklearn)": float(np.abs(lasso_kr.w - lasso_sk.coef_).max()),
        },
    ],
    title=f"Lasso on diabetes, λ₁ = {l1_demo} (scikit-learn alpha = {ref.lasso_alpha(l1_demo)})",
)
run.record(lasso_numpy_vs_sklearn=lasso_diff)

fig, ax = subplots()
palette = colormaps["tab10"]  # ten distinct colours for ten features; styles alternate too
for j, name in enumerate(diabetes.feature_names):
    ax.semilogx(l1s, path_coef[:, j], color=palette(j), ls=["-", "--"][j % 2], label=name)
ax.set(xlabel="λ₁", ylabel="coefficient", title="Lasso path: coefficients reach exactly 0")
ax.legend(fontsize=7, ncol=2)
run.figure(fig, "lasso_path")

# %% [markdown]
# ## Results against the chapter-2 baselines
#
# Test-set scores on the house-price split of chapter 2, beside scikit-learn's baselines
# on the same split.

# %%
X_test, y_test = houses.X_test, houses.y_test


def scores(w, b):
    pred = X_test @ w + b
    rmse = float(np.sqrt(np.mean((pred - y_test) ** 2)))
    r2 = 1 - np.sum((pred - y_test) ** 2) / np.sum((y_test - y_test.mean()) ** 2)
    return {"r2": float(r2), "rmse": rmse}


lr_h, epochs_h = 0.5 * ref.max_stable_lr(X_h), run.size(200, 1000)
gd_h = ref.gradient_descent(X_h, y_h, lr=lr_h, epochs=epochs_h)
kr_h = linear.fit_sgd(X_h, y_h, lr=lr_h, epochs=epochs_h, verbose=run.verbose)
ours = [
    {"model": "ch. 3: closed form (NumPy)", **scores(w_h, b_h)},
    {"model": "ch. 3: gradient descent (NumPy)", **scores(gd_h.w, gd_h.b)},
    {"model": f"ch. 3: Keras Dense(1) ({run.backend})", **scores(kr_h.w, kr_h.b)},
]
base = [
    {"model": row["model"], "r2": row["r2"], "rmse": row["rmse"]}
    for row in sklearn_baselines.baseline_table(houses, seed=run.seed)
]
run.table(ours + base, title="house_prices, test split")
run.record(house_prices=ours)
run.headline(
    "house_r2_keras",
    ours[2]["r2"],
    low=0.95,
    high=0.97,
    agree=1e-3,
    label="house prices: R², Keras",
)
print(
    "true coefficients (raw units):", data.HOUSE_PRICE_COEF, "intercept", data.HOUSE_PRICE_INTERCEPT
)
print(
    "fitted, mapped back to raw units:",
    w_h / houses.scale,
    "intercept",
    b_h - np.sum(w_h * houses.mean / houses.scale),
)

# %% [markdown]
# Our three fits score the same as scikit-learn's `linear_regression` row, as they must:
# they are the same least-squares solution. The flexible models do not beat a linear
# model on data that is linear plus noise.
#
# Mapped back to raw units, the coefficients are close to the formula that made the data,
# but not equal to it, and the bedrooms coefficient is the furthest off. That is no fault
# of the fit: square footage is built from the number of bedrooms, so the two features
# are strongly correlated and the data cannot tell their effects apart precisely. A
# correlated pair makes individual coefficients noisy even when predictions are good.
#
# ## What to take away
#
# - Linear least squares has a closed form; compute it with a least-squares solver
#   (QR/SVD), never with an explicit inverse.
# - Gradient descent, by hand or in Keras, reaches the same coefficients. Smaller batches
#   trade exact steps for cheap noisy ones which, at a constant learning rate, hover above
#   the optimum instead of settling.
# - For the MSE the learning rate has a hard, computable limit, $\eta < 2/\lambda_{\max}(H)$.
#   The primer's "lr 0.1 diverges to inf" is false for its own setup (the limit is ≈ 0.55),
#   and "too small a rate gets stuck in local minima" is false for any linear regression:
#   the loss is convex, a small rate is only slow.
# - Standardise the inputs: it removes differences of scale and offset, which makes one
#   feature's loss surface round; correlated features keep a narrow valley.
# - Minimising the MSE is maximum likelihood under Gaussian noise; chapter 4 applies the
#   same recipe to yes/no labels.
# - Ridge = L2 and lasso = L1 penalties; lasso's proximal step sets coefficients exactly
#   to zero, its subgradient (what Keras does) only nudges them there.

# %%
run.finish()
