# %% [markdown]
# # 9. The training recipe
#
# AdamW, warmup and cosine decay, gradient clipping and early stopping, each written from its
# equations in NumPy, matched by Keras, and put to the test by ablation on one small task.
#
# **Runs on** TensorFlow, JAX, PyTorch · **Time** quick 22–23 s, full ≈ 3 min on 2 CPU cores
#
# Modern networks, language models included, are trained with nearly the same four-part
# recipe: the AdamW optimizer, a learning rate that ramps up (warmup) and then decays along
# a cosine, a cap on the length of the gradient (clipping), and a watch on the validation
# loss that keeps the best weights (early stopping). The primer presents the recipe as a
# list of good habits. Here each part is an equation we can check against PyTorch, a
# function we can call in Keras, and a switch we can turn off to see what it was doing.
# Where turning it off changes nothing at this scale, the chapter says so.

# %%
from mlfoundations.book import chapter

run = chapter.setup("09_training_recipe")
import keras  # after setup(): it has chosen the backend
import numpy as np
from threadpoolctl import threadpool_limits

from mlfoundations import data, optim
from mlfoundations.book.plotting import subplots
from mlfoundations.reference import optim as ref
from mlfoundations.reference.mlp import MLP

print("Keras backend:", keras.backend.backend())

# %% [markdown]
# ## The schedule: warmup, then a cosine
#
# With peak rate $\eta_{\max}$, floor $\eta_{\min}$, $W$ warmup steps and $D$ decay steps
# (counted from step 0, as nanoGPT does),
#
# $$
# \eta_t = \begin{cases}
# \eta_{\max}\,\frac{t+1}{W+1} & t < W \\[2pt]
# \eta_{\min} + \tfrac12\bigl(1+\cos\bigl(\pi\,\frac{t-W}{D-W}\bigr)\bigr)(\eta_{\max}-\eta_{\min})
# & W \le t \le D \\[2pt]
# \eta_{\min} & t > D.
# \end{cases}
# $$
#
# Warmup exists because the first steps are taken with random weights, where Adam's
# second-moment estimate $v$ rests on a handful of gradients and the step can be large in
# every coordinate at once. The decay exists because late in training the noise of the
# mini-batch gradient, not the distance to a minimum, limits the loss: a smaller step
# averages over more of that noise. `ref.warmup_cosine` is the formula;
# `optim.WarmupCosine` is the same thing as a Keras schedule. Keras' own `CosineDecay` can
# warm up too, but it counts its `decay_steps` *after* the warmup and starts from a rate of
# zero; the figure shows both and the other schedules of the reference module.

# %%
MAX_LR, MIN_LR, WARMUP, DECAY = 3e-3, 3e-4, 200, 2000
steps = np.arange(2400)
lr_ref = ref.warmup_cosine(
    steps, max_lr=MAX_LR, min_lr=MIN_LR, warmup_steps=WARMUP, decay_steps=DECAY
)
schedule = optim.WarmupCosine(MAX_LR, MIN_LR, WARMUP, DECAY)
lr_keras = keras.ops.convert_to_numpy(schedule(keras.ops.arange(2400))).astype(np.float64)
keras_cosine = keras.optimizers.schedules.CosineDecay(
    0.0,
    decay_steps=DECAY - WARMUP,
    alpha=MIN_LR / MAX_LR,
    warmup_target=MAX_LR,
    warmup_steps=WARMUP,
)
# Keras' convention in closed form: warmup max_lr·t/W from 0, then the cosine over D − W
# steps counted after warmup. CosineDecay takes one scalar step per call (slow on JAX),
# so it is evaluated at a few landmarks to check the closed form.
lr_cosine_decay = np.where(
    steps < WARMUP,
    MAX_LR * steps / WARMUP,
    ref.warmup_cosine(steps, max_lr=MAX_LR, min_lr=MIN_LR, warmup_steps=WARMUP, decay_steps=DECAY),
)
landmarks = np.array([0, WARMUP // 2, WARMUP, (WARMUP + DECAY) // 2, DECAY, DECAY + 300])
at_landmarks = np.array([float(keras_cosine(int(t))) for t in landmarks])
np.testing.assert_allclose(at_landmarks, lr_cosine_decay[landmarks], rtol=1e-5)
lr_rel_err = float(np.max(np.abs(lr_keras - lr_ref) / lr_ref))
print(
    f"Keras WarmupCosine vs NumPy, largest relative difference over {len(steps)} steps: "
    f"{lr_rel_err:.1e}"
)
assert lr_rel_err < 1e-6
landmark_rows = [
    {"step": int(t), "ours (warmup_cosine)": lr_ref[t], "Keras CosineDecay": k}
    for t, k in zip(landmarks, at_landmarks, strict=True)
]
_ = run.table(landmark_rows, floatfmt=".4e", title="The two conventions at a few steps")

fig, ax = subplots(figsize=(8, 4))
ax.plot(steps, lr_ref, lw=2.5, label="warmup + cosine (ours = Keras WarmupCosine)")
ax.plot(steps, lr_cosine_decay, "--", label="Keras CosineDecay(decay_steps=D−W)")
ax.plot(landmarks, at_landmarks, "o", color="C1", label="CosineDecay, evaluated by Keras")
ax.plot(steps, ref.constant(steps, lr=MAX_LR), ":", label="constant")
ax.plot(steps, ref.step_decay(steps, lr=MAX_LR, factor=0.3, every=800), label="step decay")
ax.plot(
    steps,
    ref.linear_decay(steps, max_lr=MAX_LR, min_lr=MIN_LR, decay_steps=DECAY),
    label="linear decay",
)
ax.set(xlabel="step", ylabel="learning rate", title="Learning-rate schedules")
ax.legend(fontsize=8)
run.figure(fig, "schedules")
run.headline(
    "lr_keras_vs_numpy",
    lr_rel_err,
    high=1e-6,
    label="Keras schedule vs NumPy, max relative difference",
)
run.record(lr_keras_vs_numpy=lr_rel_err)

# %% [markdown]
# ## AdamW, from the update equations
#
# Adam keeps two running averages per weight, of the gradient and of its square, corrects
# their start-up bias and divides one by the square root of the other:
#
# $$
# m \leftarrow \beta_1 m + (1-\beta_1) g,\quad v \leftarrow \beta_2 v + (1-\beta_2) g^2,\quad
# \theta \leftarrow \theta - \eta\,\frac{m/(1-\beta_1^t)}{\sqrt{v/(1-\beta_2^t)}+\varepsilon}.
# $$
#
# AdamW adds weight decay *outside* that ratio, $\theta \leftarrow \theta - \eta\lambda\theta$,
# before the Adam step. Putting an L2 penalty into the loss instead adds $\lambda\theta$ to
# $g$, where Adam divides it by $\sqrt{v}$: weights with large gradients would then hardly be
# decayed at all. The reference functions `ref.adam_step` and `ref.adamw_step` follow the
# papers and PyTorch, and the test suite checks them against `torch.optim.Adam` and
# `torch.optim.AdamW` in float64 to 1e-12. Keras writes Adam slightly differently: it adds
# $\varepsilon$ to $\sqrt{v}$ before the bias correction, which is the same as using
# $\hat\varepsilon_t = \varepsilon/\sqrt{1-\beta_2^t}$ in the formula above. The cell runs
# `optim.recipe`'s Keras AdamW and the NumPy AdamW side by side on the same gradients and
# prints both differences.

# %%
layer = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4)])
rng = np.random.default_rng(run.seed)
w0 = [rng.normal(size=(8, 4)), np.zeros(4)]
layer.set_weights(w0)
N_STEPS = 20
opt = optim.recipe(
    layer,
    max_lr=1e-2,
    min_lr=1e-3,
    warmup_steps=5,
    total_steps=N_STEPS,
    weight_decay=0.1,
    clip_global_norm=None,
)
grads = [[rng.normal(size=w.shape) for w in w0] for _ in range(N_STEPS)]
for g in grads:
    opt.apply([keras.ops.convert_to_tensor(x, "float32") for x in g], layer.trainable_variables)
lrs = ref.warmup_cosine(
    np.arange(N_STEPS), max_lr=1e-2, min_lr=1e-3, warmup_steps=5, decay_steps=N_STEPS
)
rows = []
for eps_name in ("ε (PyTorch, the paper)", "ε̂ₜ (Keras)"):
    W, b = w0
    mW, vW, mb, vb = (np.zeros_like(W), np.zeros_like(W), np.zeros_like(b), np.zeros_like(b))
    for t, (lr, (gW, gb)) in enumerate(zip(lrs, grads, strict=True), start=1):
        eps = 1e-8 / np.sqrt(1 - 0.95**t) if "Keras" in eps_name else 1e-8
        W, mW, vW = ref.adamw_step(
            W, gW, mW, vW, t, lr=lr, beta1=0.9, beta2=0.95, eps=eps, weight_decay=0.1
        )
        b, mb, vb = ref.adam_step(b, gb, mb, vb, t, lr=lr, beta1=0.9, beta2=0.95, eps=eps)
    got = [keras.ops.convert_to_numpy(v) for v in layer.trainable_variables]
    diff = max(np.abs(got[0] - W).max(), np.abs(got[1] - b).max())
    rows.append({"NumPy AdamW with": eps_name, f"max |Keras − NumPy| after {N_STEPS} steps": diff})
_ = run.table(rows, floatfmt=".2e", title=f"Keras AdamW ({run.backend}, float32) vs NumPy")
adamw_diff = max(r[f"max |Keras − NumPy| after {N_STEPS} steps"] for r in rows)
assert adamw_diff < 1e-5
run.headline(
    "adamw_keras_vs_numpy",
    adamw_diff,
    high=1e-5,
    label=f"Keras AdamW vs NumPy after {N_STEPS} steps, max |Δθ|",
)
run.record(adamw_keras_vs_numpy=rows)

# %% [markdown]
# With gradients of order one, $\sqrt{\hat v}$ is far above $\varepsilon$ and the two
# conventions agree to float32 precision; the ε placement only matters for weights whose
# gradients are near $10^{-8}$ (the tests bound it there). The bias is not decayed: the
# recipe decays only matrices, chosen by layer type and rank (`optim.decay_mask`), never
# by variable name.
#
# ## The task for the ablations
#
# The ablations need many short training runs, so they use the digits dataset (8×8 images,
# ten classes, about a thousand training images) and the chapter-5 MLP, two hidden layers
# of 128 ReLU units. Each run is the NumPy reference MLP trained by a loop over the
# reference steps, in float64: the loop below is the whole recipe in a dozen lines, and it
# runs the same on every backend. The Keras version of the recipe follows after.

# %%
digits = data.load("digits", seed=run.seed)
BASELINE = float(np.log(digits.n_classes))  # cross-entropy of a model that ignores the input
print(digits, f"· input-blind cross-entropy ln 10 = {BASELINE:.3f}")


def train(
    *,
    hidden=(128, 128),
    activation="relu",
    optimizer="adamw",
    max_lr=3e-3,
    min_lr_ratio=0.1,
    warmup_frac=0.05,
    clip=1.0,
    weight_decay=0.1,
    epochs=10,
    batch_size=32,
    X=None,
    y=None,
    X_val=None,
    y_val=None,
    seed=0,
    eval_every=None,
):
    """Train the NumPy MLP with the recipe (or a part switched off); returns the curves.

    Losses are recorded every `eval_every` steps (default: once per epoch): the mean
    training loss over those steps and the validation loss. A non-finite loss stops the
    run and is reported as `nan_step`.
    """
    X = digits.X_train if X is None else X
    y = digits.y_train if y is None else y
    X_val = digits.X_val if X_val is None else X_val
    y_val = digits.y_val if y_val is None else y_val
    net = MLP([X.shape[1], *hidden, digits.n_classes], activation, seed=seed)
    rng = np.random.default_rng(seed)
    per_epoch = int(np.ceil(len(X) / batch_size))
    total = epochs * per_epoch
    eval_every = eval_every or per_epoch
    sched = dict(
        max_lr=max_lr,
        min_lr=max_lr * min_lr_ratio,
        warmup_steps=int(warmup_frac * total),
        decay_steps=total,
    )
    state = [(np.zeros_like(p), np.zeros_like(p)) for p in net.params]
    out = {"train": [], "val": [], "grad_norm": [], "nan_step": None}
    batch_losses, t = [], 0
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for k in range(per_epoch):
            idx = order[k * batch_size : (k + 1) * batch_size]
            loss, grads = net.loss_and_grads(X[idx], y[idx])
            if optimizer == "adam_l2":  # L2 in the loss: λθ joins the gradient
                grads = [
                    g + weight_decay * p if p.ndim >= 2 else g
                    for g, p in zip(grads, net.params, strict=True)
                ]
            with np.errstate(over="ignore", invalid="ignore"):  # overflow is the symptom
                norm = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
            if not (np.isfinite(loss) and np.isfinite(norm)):
                out["nan_step"] = t
                return out
            if clip:
                grads, _ = ref.clip_by_global_norm(grads, clip)
            lr = ref.warmup_cosine(t, **sched)
            t += 1
            for i, (p, g) in enumerate(zip(net.params, grads, strict=True)):
                m, v = state[i]
                if optimizer == "sgd":
                    p[...], m = ref.momentum_step(p, g, m, lr=lr, momentum=0.9)
                elif optimizer == "adam_l2":
                    p[...], m, v = ref.adam_step(
                        p, g, m, v, t, lr=lr, beta1=0.9, beta2=0.95, eps=1e-8
                    )
                else:  # AdamW: decay the matrices only
                    p[...], m, v = ref.adamw_step(
                        p,
                        g,
                        m,
                        v,
                        t,
                        lr=lr,
                        beta1=0.9,
                        beta2=0.95,
                        eps=1e-8,
                        weight_decay=weight_decay if p.ndim >= 2 else 0.0,
                    )
                state[i] = (m, v)
            out["grad_norm"].append(norm)
            batch_losses.append(loss)
            if t % eval_every == 0:
                out["train"].append(float(np.mean(batch_losses)))
                out["val"].append(net.loss(X_val, y_val))
                batch_losses = []
    return out


# %% [markdown]
# ## Ablations: switch off one part at a time
#
# Five variants, each run with several seeds (one in quick mode): the full recipe, without
# warmup, with a constant rate instead of the cosine, without clipping, and with an L2
# penalty of the same $\lambda$ in the loss (Adam + L2) instead of decoupled decay. The peak
# rate is $10^{-2}$, somewhat above a comfortable value for this network (the range test
# below suggests one), because a recipe that protects against too-large steps can only
# show it when steps are large.

# %%
EPOCHS = run.size(8, 20)
SEEDS = [run.seed + k for k in range(run.size(1, 3))]
ABL_LR = 1e-2
VARIANTS = {
    "recipe (AdamW, warmup, cosine, clip 1)": {},
    "no warmup": {"warmup_frac": 0.0},
    "constant rate (no decay)": {"min_lr_ratio": 1.0},
    "no clipping": {"clip": None},
    "Adam + L2 (same λ) instead of AdamW": {"optimizer": "adam_l2"},
}
curves = {}
with threadpool_limits(1):  # tiny matrices: one BLAS thread is many times faster
    for name, change in VARIANTS.items():
        curves[name] = [train(max_lr=ABL_LR, epochs=EPOCHS, seed=s, **change) for s in SEEDS]
abl_rows = []
for name, runs in curves.items():
    final = np.array([r["val"][-1] for r in runs])
    best = np.array([min(r["val"]) for r in runs])
    abl_rows.append(
        {
            "variant": name,
            "final val loss": final.mean(),
            "± sd": final.std(),
            "best val loss": best.mean(),
            "final train loss": np.mean([r["train"][-1] for r in runs]),
            "max grad norm": np.mean([max(r["grad_norm"]) for r in runs]),
        }
    )
_ = run.table(
    abl_rows,
    floatfmt=".3f",
    title=f"Digits MLP, peak lr {ABL_LR}, {EPOCHS} epochs, {len(SEEDS)} seed(s)",
)


def compare(which, pick):
    """Each variant's mean `pick(run)` minus the recipe's, against the seed spread."""
    base = np.array([pick(r) for r in curves[next(iter(VARIANTS))]])
    for name, runs in list(curves.items())[1:]:
        values = np.array([pick(r) for r in runs])
        delta = values.mean() - base.mean()
        if len(SEEDS) > 1:
            spread = max(values.std(), base.std())
            size = "larger" if abs(delta) > 2 * spread else "not larger"
            note = f"{size} than twice the seed spread ({2 * spread:.3f})"
        else:
            note = "one seed, no spread to compare with"
        print(f"{which} − recipe's, {name}: {delta:+.3f}; {note}")


compare("best val loss", lambda r: min(r["val"]))
compare("final val loss", lambda r: r["val"][-1])
run.record(ablation=abl_rows, ablation_epochs=EPOCHS, ablation_seeds=len(SEEDS))

fig, axes = subplots(1, 2, figsize=(11, 4))
for name, runs in curves.items():
    val = np.mean([r["val"] for r in runs], axis=0)
    axes[0].plot(np.arange(1, len(val) + 1), val, label=name)
axes[0].set(
    xlabel="epoch",
    ylabel="validation loss",
    yscale="log",
    title="Validation loss (mean over seeds)",
)
axes[0].legend(fontsize=7)
for name in ("no clipping", "recipe (AdamW, warmup, cosine, clip 1)"):
    axes[1].plot(curves[name][0]["grad_norm"], lw=0.8, label=name)
axes[1].axhline(1.0, color="k", ls=":", lw=1, label="clip threshold")
axes[1].set(
    xlabel="step",
    ylabel="global gradient norm (before clipping)",
    yscale="log",
    title="Gradient norm per step, seed 0",
)
axes[1].legend(fontsize=7)
run.figure(fig, "ablations")

# %% [markdown]
# How to read the table. "Best" is the lowest validation loss of the run, the one early
# stopping would keep; "final" is where the schedule ends. A difference between two
# variants means something only where it is larger than the spread between seeds, which
# is what the lines under the table check (full mode runs three seeds; quick mode has one,
# and then a difference of a few hundredths may be luck). On a task this small most
# differences in the best loss are within that noise: an honest result, not a failure
# of the recipe. What each part is for, and what to look for:
#
# - **the decay**: the constant rate keeps taking the large steps of the start until the
#   end, so its final validation loss sits far above its own best one, and its gradient
#   norms stay large;
# - **warmup and clipping** guard the first steps and rare spikes. On this small network
#   the gradient norm is above the clip threshold mostly in the first part of training
#   (right panel), where warmup keeps the steps small anyway; they matter most in deep
#   networks and long runs, where one bad batch can produce a spike many times the typical
#   norm;
# - **Adam + L2 is a different optimizer, not a different strength**: with the same
#   $\lambda$ the coupled penalty is divided by $\sqrt{v}$ like the rest of the gradient,
#   so weights with small gradients are pulled to zero hard and the model underfits; with
#   decoupled decay the same $\lambda$ is harmless.
#
# ## The recipe in Keras
#
# `optim.recipe(model, ...)` returns a Keras AdamW with the warmup-cosine schedule, global
# norm clipping and weight decay on the matrices only. Two callbacks watch the run:
# `optim.GradientNormLog` records the gradient norm and the learning rate of every step,
# and `optim.StopOnNaN` stops at the first non-finite loss and says at which step.
# `optim.early_stopping` restores the weights of the best validation epoch.

# %%
K_EPOCHS = run.size(8, 20)
K_BATCH = 32
init = keras.initializers.GlorotUniform
model = keras.Sequential(
    [
        keras.Input((digits.n_features,)),
        keras.layers.Dense(128, activation="relu", kernel_initializer=init(seed=run.seed)),
        keras.layers.Dense(128, activation="relu", kernel_initializer=init(seed=run.seed + 1)),
        keras.layers.Dense(digits.n_classes, kernel_initializer=init(seed=run.seed + 2)),
    ]
)
k_total = K_EPOCHS * int(np.ceil(len(digits.y_train) / K_BATCH))
k_sched = dict(max_lr=3e-3, min_lr=3e-4, warmup_steps=k_total // 20, total_steps=k_total)
model.compile(
    optimizer=optim.recipe(model, **k_sched),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=["accuracy"],
)
norm_log, nan_stop = optim.GradientNormLog(), optim.StopOnNaN()
with threadpool_limits(1):  # PyTorch's CPU kernels use OpenMP threads too
    history = model.fit(
        digits.X_train,
        digits.y_train,
        validation_data=(digits.X_val, digits.y_val),
        epochs=K_EPOCHS,
        batch_size=K_BATCH,
        verbose=run.verbose,
        callbacks=[norm_log, nan_stop, optim.early_stopping(patience=5)],
    )
used = np.array(norm_log.lrs)
want = ref.warmup_cosine(
    np.arange(len(used)), max_lr=3e-3, min_lr=3e-4, warmup_steps=k_total // 20, decay_steps=k_total
)
np.testing.assert_allclose(used, want, rtol=1e-6)
verdict = optim.diagnose(history, baseline_loss=BASELINE)
k_val = min(history.history["val_loss"])
k_acc = history.history["val_accuracy"][int(np.argmin(history.history["val_loss"]))]
print(f"{len(used)} steps; the rate used at every step equals ref.warmup_cosine (rtol 1e-6)")
print(f"best validation loss {k_val:.3f} (accuracy {k_acc:.3f}); diagnosis: {verdict}")
run.headline(
    "keras_recipe_val_loss",
    k_val,
    low=0.02,
    high=0.4,
    label="Keras recipe on digits, best validation loss",
)
run.record(
    keras_recipe={
        "best_val_loss": k_val,
        "val_accuracy": k_acc,
        "verdict": verdict.verdict,
        "steps": len(used),
    }
)

# %% [markdown]
# ## Finding the peak rate: the range test
#
# How large should $\eta_{\max}$ be? A learning-rate range test trains for a few dozen
# steps while the rate grows exponentially, from far too small to far too large, and
# records the loss. The loss first barely moves, then falls, then turns up and explodes.
# `optim.lr_range_test` runs it on a Keras model (and puts the weights back); the
# suggestion, `ref.lr_range_suggestion`, is a tenth of the rate at the lowest point of
# the smoothed curve.

# %%
probe = keras.models.clone_model(model)
probe.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
with threadpool_limits(1):
    lrs_rt, losses_rt, suggestion = optim.lr_range_test(
        probe,
        digits.X_train,
        digits.y_train,
        min_lr=1e-5,
        max_lr=1.0,
        steps=run.size(60, 120),
        batch_size=64,
        seed=run.seed,
    )
fig, ax = subplots(figsize=(7, 4))
ax.plot(lrs_rt, losses_rt, ".-")
ax.axvline(suggestion, color="C2", ls="--", label=f"suggested peak rate {suggestion:.1e}")
ax.set(
    xscale="log",
    xlabel="learning rate",
    ylabel="training loss (one batch)",
    title="Learning-rate range test (Adam, digits MLP)",
)
ax.legend()
run.figure(fig, "lr_range_test")
print(f"suggested peak learning rate: {suggestion:.2e}")
run.record(lr_range_suggestion=suggestion)

# %% [markdown]
# The suggestion lands within a factor of a few of the $3\times10^{-3}$ the Keras run used
# (it is a rule of thumb on a noisy curve, and it moves with the batch order, so it is not
# a headline). The ablations' $10^{-2}$ is to the right of it: that is deliberate.
#
# ## The common training mistakes, measured
#
# The primer lists the mistakes that spoil most first training runs, with their symptoms.
# Here each one is an experiment on the same task, and `optim.diagnose` reads the two loss
# curves. Its rules, in order: *diverging* if the training loss ends above its start or
# gives back more than half its progress; *plateau* if it falls by less than 20 %;
# *overfitting* if the validation loss ends more than 10 % above its minimum, reached
# before the last quarter of the run; *underfitting* if the best training loss is still
# above 30 % of the input-blind loss $\ln 10$; a *good fit* otherwise. The thresholds are
# rules of thumb, stated in the docstring, not laws.

# %%
rng = np.random.default_rng(run.seed)
feature_scale = 10.0 ** rng.uniform(-2, 2, size=digits.n_features)  # 0.01 … 100 per pixel
N_SMALL = 100
BIG = (256, 256)
MISTAKES = {
    "recipe, lr 3e-3 (the control)": dict(),
    "recipe, lr 3e-2 (10× higher)": dict(max_lr=3e-2),
    "SGD, lr 0.1 (fine)": dict(
        optimizer="sgd", max_lr=0.1, min_lr_ratio=1.0, warmup_frac=0.0, clip=None, eval_every=5
    ),
    "SGD, lr 1.0 (10× too high)": dict(
        optimizer="sgd", max_lr=1.0, min_lr_ratio=1.0, warmup_frac=0.0, clip=None, eval_every=5
    ),
    "AdamW, lr 3e-6 (1000× too low)": dict(max_lr=3e-6),
    "inputs not standardised": dict(
        X=digits.X_train * feature_scale, X_val=digits.X_val * feature_scale
    ),
    "tiny model (2 hidden units)": dict(hidden=(2,)),
    "8 sigmoid layers (vanishing gradients)": dict(hidden=(64,) * 8, activation="sigmoid"),
    f"big model, {N_SMALL} examples, no decay": dict(
        hidden=BIG,
        X=digits.X_train[:N_SMALL],
        y=digits.y_train[:N_SMALL],
        weight_decay=0.0,
        epochs=4 * EPOCHS,
    ),
}
with threadpool_limits(1):
    mistakes = {
        name: train(seed=run.seed, **{"epochs": EPOCHS, **kw}) for name, kw in MISTAKES.items()
    }
mistake_rows, diagnoses = [], {}
for name, r in mistakes.items():
    diagnoses[name] = optim.diagnose(r["train"], r["val"], baseline_loss=BASELINE)
    mistake_rows.append(
        {
            "experiment": name,
            "verdict": diagnoses[name].verdict,
            "first train loss": r["train"][0],
            "final train loss": r["train"][-1],
            "final val loss": r["val"][-1],
            "NaN at step": "—" if r["nan_step"] is None else r["nan_step"],
        }
    )
_ = run.table(mistake_rows, floatfmt=".3g", title="Each mistake and what diagnose() says")
# the three textbook cases must be recognised on these real runs
assert diagnoses["SGD, lr 1.0 (10× too high)"].verdict == "diverging"
assert diagnoses["tiny model (2 hidden units)"].verdict == "underfitting"
assert diagnoses[f"big model, {N_SMALL} examples, no decay"].verdict == "overfitting"
run.record(mistakes=mistake_rows)

fig, axes = subplots(3, 3, figsize=(13, 11))
for ax, (name, r) in zip(axes.ravel(), mistakes.items(), strict=False):
    x = np.arange(1, len(r["train"]) + 1)
    ax.plot(x, r["train"], label="train")
    ax.plot(x, r["val"], label="validation")
    ax.set(title=name, yscale="log")
    ax.text(
        0.03,
        0.04,
        diagnoses[name].verdict,
        transform=ax.transAxes,
        fontsize=11,
        weight="bold",
        color="C3",
    )
axes[0, 0].legend(fontsize=8)
for ax in axes[-1]:
    ax.set_xlabel("evaluation (epoch; every 5 steps for SGD)")
run.figure(fig, "mistakes")

# %% [markdown]
# What each experiment shows (the verdicts are in the table; the curves carry them too):
#
# - **Too high a rate.** Plain SGD with momentum at ten times a working rate overflows
#   within the first epoch (the "NaN at step" column; its curves are recorded every five
#   steps so the climb is visible). Adam is much harder to push over: its step per weight
#   is about $\eta$ whatever the size of the gradient, so ten times the control's rate
#   costs validation loss instead of blowing up (compare the first two rows). In Keras,
#   `optim.StopOnNaN` ends a diverging run at the first NaN, names the step and puts back
#   the last finite weights.
# - **Too low a rate** looks like a flat line: a plateau. The primer's cure, a rate a few
#   times larger, is what the range test finds without guessing.
# - **Unstandardised inputs.** Digits pixels share one scale, so to mimic the primer's
#   example each pixel was multiplied by a factor between 0.01 and 100. The same recipe
#   then ends with a much higher validation loss than the control: the large-scale pixels
#   dominate the first layer.
# - **A model too small** (two hidden units) cannot fit even its training data: both
#   losses stay high, underfitting.
# - **Vanishing gradients.** Eight sigmoid layers learn slowly: the sigmoid's slope is at
#   most 1/4, so the gradient shrinks on its way down to the first layer. Chapter 6
#   measures this layer by layer; the cell below shows the per-layer gradient norms at
#   initialisation against eight ReLU layers.
# - **A big model on a hundred examples** memorises them: the training loss goes to zero
#   while the validation loss turns up. The next cell tries the fixes.

# %%
X_probe, y_probe = digits.X_train[:256], digits.y_train[:256]
layer_rows = []
for act_name in ("sigmoid", "relu"):
    net = MLP([digits.n_features, *(64,) * 8, digits.n_classes], act_name, seed=run.seed)
    _, g = net.loss_and_grads(X_probe, y_probe)
    norms = [float(np.linalg.norm(gw)) for gw in g[0::2]]  # weight matrices, input first
    layer_rows.append(
        {
            "activation": act_name,
            "layer 1": norms[0],
            "layer 5": norms[4],
            "layer 9 (output)": norms[-1],
            "first / last": norms[0] / norms[-1],
        }
    )
_ = run.table(layer_rows, floatfmt=".2e", title="‖∂L/∂W‖ per layer at initialisation")
run.record(vanishing=layer_rows)

# %% [markdown]
# ## Overfitting and its fixes
#
# The big model on a hundred examples again, with the usual fixes: stop early (keep the
# weights of the best validation epoch, `ref.early_stop` with patience 5, the rule Keras'
# `EarlyStopping` applies), weight decay, and more data (four times as many examples).
# Dropout, the fourth usual fix, needs a layer the NumPy MLP does not have, so it is
# measured on the Keras twin of the same model (same data, the same recipe through
# `optim.recipe`), once without and once with `keras.layers.Dropout(0.5)` after each hidden
# layer: compare those two rows with each other, not with the NumPy rows (a different
# initialisation and float32).

# %%
small = dict(
    hidden=BIG,
    X=digits.X_train[:N_SMALL],
    y=digits.y_train[:N_SMALL],
    epochs=4 * EPOCHS,
    seed=run.seed,
)
overfit = mistakes[f"big model, {N_SMALL} examples, no decay"]
best_epoch, stop_epoch = ref.early_stop(overfit["val"], patience=5)
with threadpool_limits(1):
    decayed = train(**{**small, "weight_decay": 1.0})
    more = train(
        **{
            **small,
            "X": digits.X_train[: 4 * N_SMALL],
            "y": digits.y_train[: 4 * N_SMALL],
            "weight_decay": 0.0,
            "epochs": EPOCHS,
        }
    )


def keras_big_model(dropout_rate):
    """The big model as a Keras MLP, trained with the recipe (no decay) on N_SMALL examples."""
    from mlfoundations.backend import seed_everything

    seed_everything(run.seed)
    n_steps = 4 * EPOCHS * int(np.ceil(N_SMALL / 32))
    stack = [keras.Input((digits.n_features,))]
    for width in BIG:
        stack.append(keras.layers.Dense(width, activation="relu"))
        if dropout_rate:
            stack.append(keras.layers.Dropout(dropout_rate))
    model = keras.Sequential([*stack, keras.layers.Dense(digits.n_classes)])
    model.compile(
        optimizer=optim.recipe(
            model,
            max_lr=3e-3,
            min_lr=3e-4,
            warmup_steps=int(0.05 * n_steps),
            total_steps=n_steps,
            weight_decay=0.0,
        ),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    fit = model.fit(
        digits.X_train[:N_SMALL],
        digits.y_train[:N_SMALL],
        validation_data=(digits.X_val, digits.y_val),
        epochs=4 * EPOCHS,
        batch_size=32,
        verbose=run.verbose,
    )
    return {"train": fit.history["loss"], "val": fit.history["val_loss"]}


keras_plain, keras_dropout = keras_big_model(0.0), keras_big_model(0.5)
fix_rows = [
    {"variant": f"none ({N_SMALL} examples, λ = 0)", "val loss kept": overfit["val"][-1]},
    {
        "variant": f"early stopping (best epoch {best_epoch + 1}, stops after epoch "
        f"{'end' if stop_epoch is None else stop_epoch + 1})",
        "val loss kept": overfit["val"][best_epoch],
    },
    {"variant": "weight decay λ = 1", "val loss kept": decayed["val"][-1]},
    {"variant": f"more data ({4 * N_SMALL} examples)", "val loss kept": more["val"][-1]},
    {"variant": "Keras twin, no dropout", "val loss kept": keras_plain["val"][-1]},
    {"variant": "Keras twin, dropout 0.5", "val loss kept": keras_dropout["val"][-1]},
]
runs = (overfit, overfit, decayed, more, keras_plain, keras_dropout)
for row, r in zip(fix_rows, runs, strict=True):
    row["verdict of the full run"] = optim.diagnose(r["train"], r["val"]).verdict
_ = run.table(fix_rows, floatfmt=".3f", title="Fixes for overfitting (validation loss)")
run.record(overfitting_fixes=fix_rows)

# %% [markdown]
# Early stopping keeps the best point of the curve the run already had; weight decay and
# more data change the curve itself. More data is the strongest fix when it exists.
#
# ## What to take away
#
# - The recipe is four small functions: `adamw_step`, `warmup_cosine`,
#   `clip_by_global_norm` and an early-stopping rule. Each matches PyTorch to 1e-12 in the
#   NumPy reference, and Keras' `optim.recipe` matches the reference step for step (its
#   learning rate to 1e-6, its AdamW within float32 once Keras' ε convention is accounted
#   for).
# - Decoupled weight decay is not an L2 penalty under Adam; decay only the matrices.
# - Ablate, with seeds, before believing: on a small MLP the clearest effects are the
#   decay (on the final loss) and decoupled versus coupled decay; warmup and clipping are
#   insurance for deep models and long runs, such as chapter 8's GPT.
# - Read the two loss curves first: `optim.diagnose` turns the primer's table of symptoms
#   into rules, and the range test replaces guessing the learning rate.

# %%
run.finish()
