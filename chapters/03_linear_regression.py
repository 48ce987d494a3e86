# %% [markdown]
# # 3. Linear regression and gradient descent
#
# Closed form, descent and Keras; learning rate, batches, penalties, overfitting, standard errors.
#
# **Runs on** TensorFlow, JAX, PyTorch · **Time** quick 10–15 s, full ≈ 30 s on 2 CPU cores
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
from scipy.stats import t as student_t
from sklearn.linear_model import Lasso, LinearRegression, Ridge

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
# $\alpha = n\lambda_2$; `Lasso(alpha)` minimises $J/2$, so $\alpha = \lambda_1/2$. The
# data: scikit-learn's diabetes set (10 standardised features).
#
# **Ridge keeps a closed form.** Centre $X$ and $y$ as before, so the unpenalised intercept
# drops out ($b = \bar y - \bar x^\top w$). The gradient in $w$ is now
# $\frac{2}{n}X_c^\top(X_c w - y_c) + 2\lambda_2 w$, and setting it to zero gives
#
# $$w = \left(X_c^\top X_c + n\lambda_2 I\right)^{-1} X_c^\top y_c .$$
#
# The $n$ appears because $J$ averages the squared errors but not the penalty; it is the
# same $n$ as in scikit-learn's $\alpha = n\lambda_2$. Adding $n\lambda_2 I$ lifts every
# eigenvalue of $X_c^\top X_c$ by $n\lambda_2$, so the matrix is invertible even when the
# features are collinear. `fit_closed_form(X, y, l2=...)` solves the same equations
# without forming $X_c^\top X_c$: it appends the rows $\sqrt{n\lambda_2}\,I$ to $X_c$
# (and zeros to $y_c$), whose plain least-squares solution is the ridge solution. Below,
# the normal equations solved as written, that solver, scikit-learn, gradient descent with
# the L2 term and Keras `Dense(1)` with `regularizers.L2`, all for one $\lambda_2$.

# %%
diabetes = data.load("diabetes", seed=run.seed)
X_d, y_d = diabetes.X_train, diabetes.y_train
n_d, d_d = X_d.shape
l2_demo = 0.1
X_c, y_c = X_d - X_d.mean(axis=0), y_d - y_d.mean()
w_normal = np.linalg.solve(X_c.T @ X_c + n_d * l2_demo * np.eye(d_d), X_c.T @ y_c)  # (d,)
b_normal = y_d.mean() - X_d.mean(axis=0) @ w_normal
w_ridge, b_ridge = ref.fit_closed_form(X_d, y_d, l2=l2_demo)
ridge_sk = Ridge(alpha=ref.ridge_alpha(l2_demo, n_d)).fit(X_d, y_d)
lr_ridge = 0.5 * ref.max_stable_lr(X_d, l2=l2_demo)  # 1/λ_max of the ridge Hessian
epochs_ridge = run.size(1000, 3000)
ridge_gd = ref.gradient_descent(X_d, y_d, lr=lr_ridge, epochs=epochs_ridge, l2=l2_demo)
ridge_kr = linear.fit_sgd(
    X_d, y_d, lr=lr_ridge, epochs=epochs_ridge, l2=l2_demo, verbose=run.verbose
)
w_ols_d, _ = ref.fit_closed_form(X_d, y_d)
ridge_labels = {
    "lstsq": "fit_closed_form (stacked lstsq)",
    "sklearn": f"scikit-learn Ridge(alpha={ref.ridge_alpha(l2_demo, n_d):g})",
    "gd": f"NumPy GD ({epochs_ridge} steps)",
    "keras": f"Keras Dense(1) + L2 ({run.backend})",
}
ridge_fits = {
    ridge_labels["lstsq"]: (w_ridge, b_ridge),
    ridge_labels["sklearn"]: (ridge_sk.coef_, ridge_sk.intercept_),
    ridge_labels["gd"]: (ridge_gd.w, ridge_gd.b),
    ridge_labels["keras"]: (ridge_kr.w, ridge_kr.b),
}
ridge_gap = {
    name: max(np.abs(w - w_normal).max(), abs(b - b_normal)) for name, (w, b) in ridge_fits.items()
}
run.table(
    [
        {
            "ridge fit": "normal equations, solved as written",
            "max abs Δ from it": None,
            "‖w‖": np.linalg.norm(w_normal),
        },
        *(
            {"ridge fit": name, "max abs Δ from it": ridge_gap[name], "‖w‖": np.linalg.norm(w)}
            for name, (w, _) in ridge_fits.items()
        ),
        {
            "ridge fit": "(least squares, λ₂ = 0)",
            "max abs Δ from it": None,
            "‖w‖": np.linalg.norm(w_ols_d),
        },
    ],
    floatfmt=".3g",
    title=f"Ridge on diabetes, λ₂ = {l2_demo}: one solution, five ways",
)
assert ridge_gap[ridge_labels["lstsq"]] < 1e-10 and ridge_gap[ridge_labels["sklearn"]] < 1e-8
assert ridge_gap[ridge_labels["gd"]] < 1e-6
assert ridge_gap[ridge_labels["keras"]] < 1e-3  # float32, on weights of size ~25
run.record(ridge_max_abs_diff=ridge_gap)
H_d = ref.mse_hessian(X_d)
H_ridge = H_d + np.diag(np.r_[np.full(d_d, 2 * l2_demo), 0.0])  # the penalty skips b
cond_d, cond_ridge = (np.linalg.cond(H) for H in (H_d, H_ridge))
print(f"condition number of the Hessian: {cond_d:.0f} without the penalty, {cond_ridge:.0f} with")

# %% [markdown]
# Five routes, one answer: the closed form and scikit-learn agree to rounding, gradient
# descent converges onto it, Keras gets there to float32 precision (the table prints each
# gap). The penalty shrinks the weight vector (compare $\lVert w\rVert$ with the
# unpenalised row), and it helps gradient descent too: adding $2\lambda_2$ to the
# eigenvalues of the weights' Hessian block lowers the condition number (printed above), so
# the flattest direction converges in fewer steps.
#
# **Lasso.** The L1 term has no gradient at 0, so the reference takes a gradient step on
# the MSE and then a *proximal* step, the soft threshold
# $w \leftarrow \operatorname{sign}(w)\max(|w| - \eta\lambda_1, 0)$, which lands
# coefficients exactly on zero. Keras instead follows the subgradient
# $\lambda_1\operatorname{sign}(w)$, which makes small weights jitter around zero.

# %%
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
# ## Overfitting: polynomial features
#
# Linear regression is linear in $w$, not in $x$. Give it the powers
# $x, x^2, \dots, x^k$ as features and the same least squares fits a polynomial of degree
# $k$, with $k + 1$ parameters. More parameters can only lower the training error, since
# every polynomial of degree $k$ is also one of degree $k + 1$; what happens to new data is
# another matter. The data: 25 training points of $y = \sin(2\pi x) + \varepsilon$ with $x$
# uniform on $[0, 1]$ and $\varepsilon \sim \mathcal N(0, 0.3^2)$, 25 validation points and
# 500 test points drawn the same way. No model can beat the noise variance,
# $0.3^2 = 0.09$, on the test points.
#
# The features need care. The raw powers of $x \in [0, 1]$ are of wildly different sizes
# and nearly collinear ($x^{14}$ and $x^{15}$ look alike there), so the matrix
# $[x, \dots, x^{15}, 1]$ has a huge condition number (printed below): a solver loses about
# $\log_{10}$ of it in significant digits, most of float64's 16 and more than all of
# float32's 7. Centring and scaling $x$ first and then standardising each power (with the
# training statistics) spans the same polynomials, so the least-squares fit is the same in
# exact arithmetic, with a matrix conditioned many orders of magnitude better. It also puts
# the powers on one scale, which a penalty $\lambda_2\lVert w\rVert^2$ needs in order to
# treat them alike.

# %%
n_poly_train, n_poly_val, n_poly_test, poly_noise = 25, 25, 500, 0.3
rng_poly = np.random.default_rng(run.seed)


def sine_sample(n):
    x = rng_poly.uniform(0.0, 1.0, n)
    return x, np.sin(2 * np.pi * x) + poly_noise * rng_poly.normal(size=n)


(x_tr, y_tr), (x_va, y_va), (x_te, y_te) = map(sine_sample, (n_poly_train, n_poly_val, n_poly_test))


def poly_features(x, degree):
    """Powers 1..degree of the standardised x, each standardised (training statistics)."""
    z_tr = (x_tr - x_tr.mean()) / x_tr.std()
    P_tr = z_tr[:, None] ** np.arange(1, degree + 1)  # (n_train, degree)
    P = ((x - x_tr.mean()) / x_tr.std())[:, None] ** np.arange(1, degree + 1)
    return (P - P_tr.mean(axis=0)) / P_tr.std(axis=0)


def poly_mse(w, b, x, y, degree):
    return float(np.mean((poly_features(x, degree) @ w + b - y) ** 2))


max_degree = 15
raw_powers = x_tr[:, None] ** np.arange(0, max_degree + 1)  # [1, x, ..., x^15]
ones = np.ones((n_poly_train, 1))
print(
    f"condition number at degree {max_degree}: raw powers {np.linalg.cond(raw_powers):.1e}, "
    f"standardised {np.linalg.cond(np.hstack([poly_features(x_tr, max_degree), ones])):.1e}"
)
poly_rows, poly_fits = [], {}
for degree in range(1, max_degree + 1):
    w, b = ref.fit_closed_form(poly_features(x_tr, degree), y_tr)
    poly_fits[degree] = (w, b)
    poly_rows.append(
        {
            "degree": degree,
            "parameters": degree + 1,
            "train MSE": poly_mse(w, b, x_tr, y_tr, degree),
            "validation MSE": poly_mse(w, b, x_va, y_va, degree),
            "test MSE": poly_mse(w, b, x_te, y_te, degree),
        }
    )
run.table(poly_rows, floatfmt=".3g", title=f"Least squares on {n_poly_train} noisy sine points")
train_mse = np.array([r["train MSE"] for r in poly_rows])
test_mse = np.array([r["test MSE"] for r in poly_rows])
best_degree = min(poly_rows, key=lambda r: r["validation MSE"])["degree"]
assert np.all(np.diff(train_mse) <= 1e-12)  # nested models: training error never rises
assert test_mse[-1] > 10 * test_mse.min()  # ...while the test error blows up
run.record(polynomial_degrees=poly_rows, polynomial_best_degree_by_validation=best_degree)

# %% [markdown]
# The training error never rises with the degree, as it must; the test error falls while the
# polynomial learns the shape of the sine, bottoms out near the noise floor, and then
# climbs steeply as the extra parameters fit the noise of 25 points. The validation column
# picks a degree without looking at the test points.
#
# Ridge is the other remedy: keep all 15 powers and penalise large weights. The penalty
# $\lambda_2$ is chosen the same way, as the value with the lowest validation error on a
# grid.

# %%
l2_grid = np.geomspace(1e-7, 1.0, 15)
X_poly = poly_features(x_tr, max_degree)
ridge_poly = {l2: ref.fit_closed_form(X_poly, y_tr, l2=l2) for l2 in l2_grid}
l2_best = min(l2_grid, key=lambda l2: poly_mse(*ridge_poly[l2], x_va, y_va, max_degree))
compare = {
    f"degree {max_degree}, least squares": (max_degree, poly_fits[max_degree]),
    f"degree {max_degree}, ridge λ₂ = {l2_best:.0e}": (max_degree, ridge_poly[l2_best]),
    f"degree {best_degree} (best on validation)": (best_degree, poly_fits[best_degree]),
}
ridge_rows = [
    {
        "model": name,
        "train MSE": poly_mse(*wb, x_tr, y_tr, deg),
        "validation MSE": poly_mse(*wb, x_va, y_va, deg),
        "test MSE": poly_mse(*wb, x_te, y_te, deg),
        "‖w‖": np.linalg.norm(wb[0]),
    }
    for name, (deg, wb) in compare.items()
]
run.table(ridge_rows, floatfmt=".3g", title="Taming degree 15 (λ₂ chosen on validation)")
ridge_test = ridge_rows[1]["test MSE"]
assert ridge_test < ridge_rows[0]["test MSE"] / 10
run.record(polynomial_ridge=ridge_rows, polynomial_ridge_l2=float(l2_best))
run.headline(
    "poly15_ridge_test_mse",
    ridge_test,
    low=poly_noise**2,
    high=0.3,
    agree=1e-9,
    label="degree-15 polynomial + ridge: test MSE",
)

# %%
grid_x = np.linspace(0, 1, 400)
fig, (ax_err, ax_fit) = subplots(1, 2, figsize=(11, 4))
degrees = [r["degree"] for r in poly_rows]
ax_err.semilogy(degrees, train_mse, "o-", label="train")
ax_err.semilogy(degrees, test_mse, "s-", label="test")
ax_err.axhline(poly_noise**2, color="grey", ls=":", label=f"noise variance {poly_noise**2:.2f}")
ax_err.set(
    xlabel="polynomial degree", ylabel="MSE (log scale)", title="Train falls, test is U-shaped"
)
ax_err.legend()
ax_fit.scatter(x_tr, y_tr, s=16, color="black", zorder=3, label="training points")
ax_fit.plot(grid_x, np.sin(2 * np.pi * grid_x), "k:", lw=1, label="sin 2πx")
for name, (deg, (w, b)) in compare.items():
    ax_fit.plot(grid_x, poly_features(grid_x, deg) @ w + b, lw=1.4, label=name)
ax_fit.set(xlabel="x", ylabel="y", ylim=(-2, 2), title="Three fits of the same 25 points")
ax_fit.legend(fontsize=7)
run.figure(fig, "polynomial_overfitting")

# %% [markdown]
# At degree 15 the least-squares weights are enormous (the $\lVert w\rVert$ column): large
# coefficients of opposite sign cancel on the training points and swing wildly between
# them. Ridge forbids that: its test error comes down from the hundreds to within a factor
# of two of the best degree's, without choosing a degree at all. Chapter 9 diagnoses the
# same pattern from training and validation curves: training error alone always says
# "more capacity".

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
# ## How sure is each coefficient?
#
# "Noisy" can be measured. Suppose the data follow the model, $y = Xw + b + \varepsilon$,
# with independent noise of variance $\sigma^2$. Redraw the noise and the least-squares
# coefficients move; with $\tilde X = [X, \mathbf 1]$ their covariance is
# $\sigma^2(\tilde X^\top\tilde X)^{-1}$. The noise variance is estimated from the
# residuals, with one degree of freedom lost per fitted number ($p$ weights and $b$):
#
# $$\hat\sigma^2 = \frac{\mathrm{RSS}}{n - p - 1}, \qquad
#   \operatorname{SE}(\hat w_j)
#   = \sqrt{\hat\sigma^2\,\big[(\tilde X^\top\tilde X)^{-1}\big]_{jj}} .$$
#
# With Gaussian noise, $(\hat w_j - w_j)/\operatorname{SE}(\hat w_j)$ follows a $t$
# distribution with $n - p - 1$ degrees of freedom, so
# $\hat w_j \pm t_{0.975,\,n-p-1}\operatorname{SE}(\hat w_j)$ is a 95 % confidence
# interval: over many redraws of the noise, 95 % of such intervals contain the true $w_j$.
# `reference.linear.coefficient_standard_errors` computes the standard errors; its tests
# check them against the spread of coefficients refitted on 4000 redrawn noise vectors,
# and the interval's coverage against 95 %. The house prices were generated from a known
# formula, so we can see whether the intervals contain it (in the standardised units of
# the fit: true coefficient times the feature's standard deviation).


# %%
def coefficient_table(X, y, names, truth=None):
    w, b = ref.fit_closed_form(X, y)
    se = ref.coefficient_standard_errors(X, y, w, b)
    q = student_t.ppf(0.975, se.dof)
    rows = []
    for j, name in enumerate(names):
        low, high = w[j] - q * se.w[j], w[j] + q * se.w[j]
        row = {"feature": name, "ŵ": w[j], "SE": se.w[j], "95 % low": low, "95 % high": high}
        if truth is not None:
            row["true w"] = truth[j]
            row["inside"] = "yes" if low <= truth[j] <= high else "no"
        else:
            row["straddles 0"] = "yes" if low < 0 < high else "no"
        rows.append(row)
    return rows, se


true_w_std = data.HOUSE_PRICE_COEF * houses.scale  # the generating formula, standardised units
house_se_rows, house_se = coefficient_table(X_h, y_h, houses.feature_names, truth=true_w_std)
run.table(
    house_se_rows,
    floatfmt=".3g",
    title=f"house_prices: coefficients with 95 % t intervals ({house_se.dof} degrees of freedom)",
)
run.record(house_prices_standard_errors=house_se_rows)

# %% [markdown]
# Each interval here contains the true coefficient. All three features are standardised,
# yet square footage and bedrooms share a standard error more than twice the age
# feature's. For standardised features $(\tilde X^\top \tilde X)^{-1}$ is the inverse
# correlation matrix over $n$, and its diagonal grows with how well the other features
# predict feature $j$: the correlated pair inflates both. Relative to its coefficient the
# bedrooms interval is the widest, the imprecision the fitted values above showed.
#
# The diabetes data have no known truth, and there the intervals say something else.

# %%
diabetes_se_rows, _ = coefficient_table(X_d, y_d, diabetes.feature_names)
run.table(diabetes_se_rows, floatfmt=".3g", title="diabetes: coefficients with 95 % t intervals")
straddle = [r["feature"] for r in diabetes_se_rows if r["straddles 0"] == "yes"]
corr_d = np.corrcoef(X_d, rowvar=False)
s1, s2 = (diabetes.feature_names.index(name) for name in ("s1", "s2"))
print(f"intervals that straddle 0: {', '.join(straddle)}")
print(f"correlation of s1 and s2 on the training part: {corr_d[s1, s2]:.3f}")
lasso_zeros = [diabetes.feature_names[j] for j in np.flatnonzero(lasso_np.w == 0)]
print(f"lasso (λ₁ = {l1_demo}) set to exactly 0: {', '.join(lasso_zeros)}")
assert set(lasso_zeros) <= set(straddle)
run.record(diabetes_standard_errors=diabetes_se_rows)

# %% [markdown]
# An interval that straddles 0 means that the data are consistent with a coefficient of
# 0: *given the other features in the model*, this one's effect on the prediction cannot
# be told apart from none. It does not mean the feature is unrelated to the target. The
# serum measurements s1 and s2 (total and LDL cholesterol) are strongly correlated
# (printed above), so either can stand in for the other; each gets a huge standard error
# and an interval across 0, although dropping both would lose what they carry. This is
# the same collinearity that gave the standardised diabetes Hessian a condition number in
# the hundreds. The two coefficients the lasso set to exactly zero above are among those
# whose intervals straddle 0 (printed above); a penalty and a test are different
# questions, but here they point the same way. A confidence interval also rests on the
# model's assumptions (a linear truth, independent noise of one variance); the bootstrap
# of chapter 11 needs fewer.
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
# - Ridge = L2 and lasso = L1 penalties. Ridge keeps a closed form,
#   $w = (X_c^\top X_c + n\lambda_2 I)^{-1}X_c^\top y_c$ in this book's $\lambda_2$, which
#   scikit-learn's `Ridge(alpha=nλ₂)` reproduces to rounding; lasso's proximal step sets
#   coefficients exactly to zero, its subgradient (what Keras does) only nudges them there.
# - More features always lower the training error; with polynomial features the test
#   error is U-shaped in the degree. Choose the degree, or a ridge penalty, on validation
#   data, and standardise the features so the solve is well conditioned and the penalty
#   treats them alike.
# - A coefficient comes with a standard error, $\sqrt{\hat\sigma^2[(\tilde X^\top\tilde
#   X)^{-1}]_{jj}}$ with $\hat\sigma^2 = \mathrm{RSS}/(n-p-1)$. Correlated features inflate
#   it; an interval across 0 says the data cannot tell the coefficient from 0 given the
#   other features, not that the feature does not matter.

# %%
run.finish()
