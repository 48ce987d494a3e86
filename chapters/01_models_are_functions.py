# %% [markdown]
# # 1. Models are functions
#
# A model is a function f(x; θ) → ŷ: the architecture fixes its shape,
# training fills in its numbers.
#
# **Runs on** TensorFlow, JAX, PyTorch · **Time** quick 8–14 s, full ≈ 20 s on 2 CPU cores
#
# Strip away the vocabulary and every model in this book, from a straight line to a GPT,
# is the same object: a function of an input $x$ and a set of numbers $\theta$,
#
# $$\hat y = f(x; \theta).$$
#
# This chapter makes that idea concrete. We count $\theta$ from the architecture alone, turn
# a model's raw scores (*logits*) into probabilities, separate what is random from what is
# not, and measure the difference between the two lives of a model: training, when
# $\theta$ changes, and inference, when it is frozen.

# %%
from mlfoundations.book import chapter

run = chapter.setup("01_models_are_functions")


import keras
import numpy as np
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from mlfoundations import data, models, sampling, transformer
from mlfoundations.book.plotting import subplots
from mlfoundations.book.timing import best_seconds
from mlfoundations.reference import models as ref
from mlfoundations.reference import sampling as sref
from mlfoundations.reference import transformer as tref
from mlfoundations.reference.activations import softmax

# %% [markdown]
# ## Parameters and hyperparameters
#
# Take house prices. A linear model says
# $\text{price} = w_1\,\text{sqft} + w_2\,\text{bedrooms} + w_3\,\text{age} + b$.
# The *architecture* ("one dense layer, three inputs, one output") fixes the form of $f$;
# the *parameters* $\theta = (w_1, w_2, w_3, b)$ are the numbers training chooses.
# Everything we decide before training (the architecture itself, the learning rate, the
# batch size, the number of epochs) is a *hyperparameter*: the model does not learn it.
#
# Below, the same architecture is evaluated with two different $\theta$: an untrained one
# (Keras' random initialisation) and the least-squares solution. Same $f$, same $x$,
# different numbers, very different predictions.

# %%
houses = data.load("house_prices", seed=run.seed, standardize=False)
X, y = houses.X_train, houses.y_train

model = models.dense_model(n_in=3, n_out=1)
untrained = model.predict(X[:3], verbose=0).ravel()

# Fill θ with the least-squares answer (chapter 3 derives it and trains it by gradient descent).
A = np.column_stack([X, np.ones(len(X))])
theta, *_ = np.linalg.lstsq(A, y, rcond=None)
model.set_weights([theta[:3, None].astype("float32"), theta[3:].astype("float32")])
trained = model.predict(X[:3], verbose=0).ravel()

run.table(
    [
        {"house": i, "true price (k$)": y[i], "θ random": untrained[i], "θ fitted": trained[i]}
        for i in range(3)
    ],
    floatfmt=".1f",
    title="One architecture, two parameter vectors",
)
print("fitted θ (w_sqft, w_bedrooms, w_age, b):", np.round(theta, 3))
print("true θ used to generate the data:      ", data.HOUSE_PRICE_COEF, data.HOUSE_PRICE_INTERCEPT)

# %% [markdown]
# ## Learning from examples
#
# Where do the fitted numbers come from? In *supervised learning* we have examples
# $(x_i, y_i)$, assumed drawn independently from one unknown distribution, and a loss
# $\ell(y, \hat y)$ that scores a prediction. What we want is a small *risk*, the expected
# loss on new examples, $R(\theta) = \mathbb E\,\ell(y, f(x;\theta))$. We cannot compute
# it; we can compute the *empirical risk* on the $n$ training examples,
# $\hat R(\theta) = \frac1n\sum_i \ell(y_i, f(x_i;\theta))$, and choose $\theta$ to make it
# small: *empirical risk minimisation*, which is what every `fit` in this book does. The
# least-squares $\theta$ above minimised the empirical risk with the squared loss.
#
# The gap $R - \hat R$ is the question of *generalisation*: a model can score well on the
# examples it was fitted to and badly on new ones. So the book splits every dataset three
# ways: a *training* part to fit $\theta$, a *validation* part to choose hyperparameters
# and when to stop, and a *test* part used once, at the end, to estimate $R$. For the
# house prices:

# %%
mse_train = float(np.mean((A @ theta - y) ** 2))
A_test = np.column_stack([houses.X_test, np.ones(len(houses.X_test))])
mse_test = float(np.mean((A_test @ theta - houses.y_test) ** 2))
print(f"least squares, 4 parameters: training MSE {mse_train:.1f}, test MSE {mse_test:.1f} (k$²)")

# %% [markdown]
# With four parameters and hundreds of examples the two are close. Chapter 2 shows models
# whose training score is perfect and whose test score is not.
#
# **Parametric and nonparametric.** A linear model has a fixed number of parameters,
# however much data it sees: it is *parametric*. Some of chapter 2's models are not: a
# k-nearest-neighbour classifier keeps the whole training set, a fully grown decision tree
# adds leaves as the data grow, and a kernel SVM keeps a subset of the examples (its
# support vectors). Their size is set by the data, not fixed in advance.

# %%
size_rows = []
for n in [100, 1_000, 10_000]:
    X_m, y_m = data.make_moons(n_samples=n, noise=0.3, seed=run.seed)
    size_rows.append(
        {
            "training examples": n,
            "logistic regression (parameters)": X_m.shape[1] + 1,
            "k-NN (stored numbers)": X_m.size + n,
            "decision tree (leaves)": int(
                DecisionTreeClassifier(random_state=run.seed).fit(X_m, y_m).get_n_leaves()
            ),
            "RBF SVM (support vectors)": int(SVC().fit(X_m, y_m).n_support_.sum()),
        }
    )
_ = run.table(size_rows, title="How big is the fitted model? (noisy moons)")

# %% [markdown]
# ## Counting parameters from the architecture
#
# Because the architecture fixes $f$, it also fixes how many numbers $\theta$ holds, before
# any training. A dense layer mapping $n_\text{in}$ inputs to $n_\text{out}$ outputs stores
# a weight matrix and a bias vector:
#
# $$|\theta_\text{dense}| = n_\text{in} n_\text{out} + n_\text{out}.$$
#
# An MLP is a chain of dense layers (activations add nothing); an embedding table stores
# one $D$-vector per token, $V D$ numbers. A GPT-style transformer block of width $D$ holds
# four $D\times D$ attention projections and a feed-forward network $D \to 4D \to D$, plus
# biases and two LayerNorms (a scale and a shift each):
#
# $$|\theta_\text{block}| = \underbrace{4D^2 + 4D}_\text{attention} +
#   \underbrace{8D^2 + 5D}_\text{feed-forward} + \underbrace{4D}_\text{norms}
#   = 12D^2 + 13D.$$
#
# The formulas live in `mlfoundations.reference.models`; here they are checked against
# what Keras reports for real models built on this backend.

# %%
rows = []
for label, formula, keras_model in [
    ("Dense 784→10", ref.dense_params(784, 10), models.dense_model(784, 10)),
    (
        "MLP 784→256→128→10",
        ref.mlp_params([784, 256, 128, 10]),
        models.mlp_model([784, 256, 128, 10]),
    ),
]:
    rows.append(
        {"model": label, "formula": formula, "keras count_params()": keras_model.count_params()}
    )

embedding = keras.layers.Embedding(50257, 768)
embedding.build((None,))
rows.append(
    {
        "model": "Embedding 50257×768",
        "formula": ref.embedding_params(50257, 768),
        "keras count_params()": embedding.count_params(),
    }
)

tiny_gpts = {
    "tiny GPT (L=2, D=64, tied)": transformer.GPT(65, 64, n_layer=2, n_head=4, n_embd=64),
    "tiny GPT (L=4, D=128, untied)": transformer.GPT(
        65, 128, n_layer=4, n_head=4, n_embd=128, tie_embeddings=False
    ),
}
for label, gpt in tiny_gpts.items():
    rows.append(
        {
            "model": label,
            "formula": tref.gpt_params(gpt.config)["total"],
            "keras count_params()": gpt.count_params(),
        }
    )
for row in rows:
    assert row["formula"] == row["keras count_params()"], row
run.table(rows, title=f"Formula vs Keras ({run.backend}): every row agrees exactly")

# %% [markdown]
# The same formula sizes models nobody trains on a laptop. Fed the published
# configurations, it reproduces the famous numbers: GPT-2 small's 124 M (exactly the
# 124,439,808 of the released checkpoint), GPT-3's 175 B and Llama 2 70B's 69.0 B (it uses
# grouped-query attention, a three-matrix SwiGLU feed-forward and RMSNorm, all options of
# `TransformerConfig`).

# %%
named = []
for name, config in tref.NAMED_MODELS.items():
    parts = tref.gpt_params(config)
    embedding_share = (parts["embedding"] + parts["position"] + parts["head"]) / parts["total"]
    named.append(
        {
            "model": name,
            "layers": config.n_layer,
            "d_model": config.n_embd,
            "parameters": f"{parts['total']:,}",
            "≈": f"{parts['total'] / 1e9:.3g} B"
            if parts["total"] > 1e9
            else f"{parts['total'] / 1e6:.0f} M",
            "in embeddings": f"{embedding_share:.1%}",
        }
    )
run.table(named, title="Published configurations, counted")
run.record(named_models={r["model"]: r["parameters"] for r in named})
run.headline(
    "gpt2_small_params",
    int(next(r["parameters"] for r in named if r["model"] == "GPT-2 small").replace(",", "")),
    low=124_439_808,
    high=124_439_808,
    agree=0,
    label="GPT-2 small: parameters",
)

# %% [markdown]
# Two lessons hide in the last column. In GPT-2 small almost a third of the parameters are
# the token table; in GPT-3 and Llama 2 the blocks dominate, because they grow with $D^2$
# while the table grows with $D$. And "parameter count" is a property of the architecture
# alone: it tells you memory (4 bytes each in float32: GPT-3 needs ~700 GB just to hold
# $\theta$), not how good the model is.

# %%
depths = np.arange(1, 49)
fig, ax = subplots()
for width in (256, 768, 2048):
    counts = [
        tref.gpt_params(tref.TransformerConfig(50257, 1024, int(L), 8, width))["total"]
        for L in depths
    ]
    ax.plot(depths, np.array(counts) / 1e6, label=f"d_model = {width}")
ax.set_xlabel("number of blocks L")
ax.set_ylabel("parameters (millions)")
ax.set_title("Parameters grow linearly with depth, quadratically with width")
ax.legend()
run.figure(fig, "parameters_vs_depth")

# %% [markdown]
# ## Logits, softmax and temperature
#
# A classifier's last layer produces one real number per class, the *logits* $z$. They are
# scores, not probabilities: any real value, not summing to one. Softmax turns them into a
# probability distribution,
#
# $$p_i = \operatorname{softmax}(z/T)_i = \frac{e^{z_i/T}}{\sum_j e^{z_j/T}},$$
#
# where the *temperature* $T>0$ sharpens ($T<1$) or flattens ($T>1$) the distribution.
# Softmax only cares about differences between logits (adding a constant to all of them
# changes nothing), which is also why implementations subtract $\max_j z_j$ before
# exponentiating: same answer, no overflow.
#
# A popular primer illustrates this with logits cat 4.2, dog 2.1, car −1.3 and reports
# probabilities 0.89 / 0.10 / 0.01. Computed exactly, the numbers are slightly different:

# %%
logits = np.array([4.2, 2.1, -1.3])
p_ref = softmax(logits)
p_keras = keras.ops.convert_to_numpy(sampling.softmax(logits.astype("float32")))
np.testing.assert_allclose(p_keras, p_ref, rtol=1e-6, atol=1e-7)
run.table(
    [
        {
            "class": c,
            "logit": z,
            "softmax (NumPy)": p,
            f"softmax (Keras, {run.backend})": pk,
            "the primer says": s,
        }
        for c, z, p, pk, s in zip(
            ["cat", "dog", "car"], logits, p_ref, p_keras, [0.89, 0.10, 0.01], strict=True
        )
    ],
    floatfmt=".4f",
)
run.record(cat_dog_car=p_ref.round(4))
run.headline(
    "p_cat_keras", p_keras[0], low=0.8876, high=0.8878, agree=1e-6, label="p(cat), Keras softmax"
)

# %% [markdown]
# !!! warning "The primer's numbers are rounded the wrong way"
#     The exact probabilities are 0.888, 0.109 and 0.004. Rounded to two decimals that is
#     0.89 / 0.11 / 0.00, so the primer's 0.10 and 0.01 are not roundings of anything this
#     softmax produces. The error sits in the tail, where it matters most: the primer makes
#     "car" almost three times as likely as it is (1 % instead of 0.36 %). With tens of
#     thousands of tokens in a vocabulary, how much probability the tail gets is exactly
#     what sampling settings such as temperature and top-p control.
#
# Temperature moves the whole distribution. As $T \to 0$ it collapses onto the largest
# logit (the *argmax*, i.e. greedy decoding); as $T \to \infty$ it approaches uniform.
# $T = 0$ itself is a division by zero: libraries that accept "temperature 0" switch to
# argmax, and so does this book (`reference.sampling.greedy`), while `softmax` refuses
# $T \le 0$ with a clear error.

# %%
temperatures = np.geomspace(0.05, 20, 200)
probs = np.array([softmax(logits, temperature=t) for t in temperatures])
fig, ax = subplots()
for i, name in enumerate(["cat", "dog", "car"]):
    ax.plot(temperatures, probs[:, i], label=name)
ax.axvline(1.0, color="grey", lw=1, ls=":")
ax.axhline(1 / 3, color="grey", lw=1, ls="--", label="uniform 1/3")
ax.set_xscale("log")
ax.set_xlabel("temperature T (log scale)")
ax.set_ylabel("probability")
ax.set_title("softmax(z / T) for logits cat 4.2, dog 2.1, car −1.3")
ax.legend()
run.figure(fig, "softmax_temperature")
print("T = 0.05:", softmax(logits, temperature=0.05).round(4), "→ argmax =", sref.greedy(logits))
print("T = 100: ", softmax(logits, temperature=100).round(4), "→ nearly uniform")
try:
    softmax(logits, temperature=0)
except ValueError as err:
    print("T = 0:    ValueError:", err)

# %% [markdown]
# ## Deterministic and probabilistic
#
# As mathematics the forward pass is deterministic: the same $x$ and $\theta$ give the
# same logits. Randomness enters when we *sample* from the probabilities, and in training
# through dropout, which zeroes random units on every step (at inference it is off).
# Sampling with a seeded generator is still reproducible (same seed, same draws) and, over
# many draws, the frequencies approach the probabilities.

# %%
n_draws = run.size(2_000, 20_000)
draws_a = sref.sample(logits, num_samples=n_draws, seed=run.seed)
draws_b = sref.sample(logits, num_samples=n_draws, seed=run.seed)
assert np.array_equal(draws_a, draws_b)  # same seed, same draws
freq = np.bincount(draws_a, minlength=3) / n_draws

batch = np.tile(logits.astype("float32"), (n_draws, 1))
k1 = keras.ops.convert_to_numpy(sampling.sample(batch, seed=run.seed)).ravel()
k2 = keras.ops.convert_to_numpy(sampling.sample(batch, seed=run.seed)).ravel()
assert np.array_equal(k1, k2)
freq_keras = np.bincount(k1, minlength=3) / n_draws
run.table(
    [
        {
            "class": c,
            "probability": p,
            f"NumPy freq ({n_draws} draws)": f,
            f"Keras freq ({run.backend})": fk,
        }
        for c, p, f, fk in zip(["cat", "dog", "car"], p_ref, freq, freq_keras, strict=True)
    ],
    floatfmt=".4f",
)
sigma = np.sqrt(p_ref * (1 - p_ref) / n_draws)  # standard error of a frequency
z_numpy, z_keras = np.max(np.abs(freq - p_ref) / sigma), np.max(np.abs(freq_keras - p_ref) / sigma)
assert max(z_numpy, z_keras) < 4.5, (z_numpy, z_keras)
print(f"largest deviation from p in standard errors: NumPy {z_numpy:.1f}, Keras {z_keras:.1f}")
run.headline("sampling_z_keras", z_keras, high=4.5, label="Keras draws: max deviation (SE)")
print("greedy choice on 5 repeated calls:", [int(sref.greedy(logits)) for _ in range(5)])

# %% [markdown]
# The NumPy and Keras frequencies differ from each other (each library has its own random
# generator) but both sit within a few standard errors, $\sqrt{p(1-p)/n}$, of the
# probabilities (the chapter asserts fewer than 4.5).
# So "an LLM is random" is loose talk: the function is deterministic, the *decoding* may
# draw from it, and a seed makes even that repeatable on one backend.
#
# "Temperature 0 is deterministic" needs two more qualifications.
#
# - **Ties.** As $T \to 0$ the softmax tends to the uniform distribution over the *tied*
#   maxima, not to one of them. Greedy decoding is a tie-break rule on top: this book's
#   `greedy` takes the lowest index, as `numpy.argmax` does.
# - **Floating point.** Computers add in finite precision, and floating-point addition is
#   not associative: the same numbers summed in another order give slightly different
#   results. A served model sums in an order that can depend on how many requests share
#   its batch, so the logits of one prompt can change in the last bits from call to call,
#   and where two tokens are nearly tied the argmax can flip. Making inference
#   *batch-invariant* removes this (Thinking Machines Lab, "Defeating Nondeterminism in
#   LLM Inference", 2025); PyTorch's reproducibility notes list the switches
#   (`torch.use_deterministic_algorithms`) and their costs.

# %%
tied = np.array([2.0, 2.0, -1.0])
print("T = 0.001 on tied logits [2, 2, -1]:", softmax(tied, temperature=1e-3).round(4))
print("greedy on tied logits:", int(sref.greedy(tied)), "(the lowest index)")
values = np.random.default_rng(run.seed).normal(size=100_000).astype("float32")
in_order, reversed_order, sorted_order = values.sum(), values[::-1].sum(), np.sort(values).sum()
print(
    f"the same 100,000 float32 numbers summed three ways: {in_order:.6f}, "
    f"{reversed_order:.6f}, {sorted_order:.6f}"
)

# %% [markdown]
# ## Training and inference: two lives of θ
#
# During training, each batch changes $\theta$: compute the loss, its gradient, take a
# step. At inference, $\theta$ is frozen: `predict` only runs the forward pass. We check
# both claims on a small MLP and time them on the same batch.

# %%
rng = np.random.default_rng(run.seed)
batch, mlp_sizes = 256, [64, 256, 256, 10]
x_batch = rng.normal(size=(batch, mlp_sizes[0])).astype("float32")
y_batch = rng.integers(0, mlp_sizes[-1], size=batch)
mlp = models.mlp_model(mlp_sizes)
mlp.compile(
    optimizer=keras.optimizers.Adam(1e-3),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
)

before = [w.copy() for w in mlp.get_weights()]
for _ in range(3):
    mlp.predict_on_batch(x_batch)
frozen = all(np.array_equal(a, b) for a, b in zip(before, mlp.get_weights(), strict=True))
mlp.train_on_batch(x_batch, y_batch)
changed = sum(not np.array_equal(a, b) for a, b in zip(before, mlp.get_weights(), strict=True))
assert frozen and changed == len(before)
print(f"after 3 predict calls the weights are unchanged: {frozen}")
print(f"after 1 training step, {changed} of {len(before)} weight tensors changed")


# Arithmetic of one step: a dense layer's product costs 2·B·n_in·n_out FLOPs forward; the
# backward pass repeats it twice (∂L/∂W = hᵀδ, and δWᵀ for the layer below, skipped for the
# first layer, whose input needs no gradient); Adam does about 10 FLOPs per parameter.
layer_flops = [2 * batch * a * b for a, b in zip(mlp_sizes[:-1], mlp_sizes[1:], strict=True)]
forward_flops = sum(layer_flops)
train_flops = forward_flops + (2 * forward_flops - layer_flops[0]) + 10 * mlp.count_params()

repeats = run.size(30, 100)
t_infer = best_seconds(lambda: mlp.predict_on_batch(x_batch), repeats)
t_train = best_seconds(lambda: mlp.train_on_batch(x_batch, y_batch), repeats)
run.table(
    [
        {
            "step": "inference (forward)",
            "MFLOP": forward_flops / 1e6,
            "ms per batch": 1e3 * t_infer,
            "arithmetic ratio": 1.0,
            "measured ratio": 1.0,
        },
        {
            "step": "training (forward + backward + Adam)",
            "MFLOP": train_flops / 1e6,
            "ms per batch": 1e3 * t_train,
            "arithmetic ratio": train_flops / forward_flops,
            "measured ratio": t_train / t_infer,
        },
    ],
    floatfmt=".3g",
    title=f"Cost of one step on a batch of {batch}, {run.backend} on CPU (best of {repeats})",
)
run.record(
    train_over_inference=t_train / t_infer,
    train_over_inference_flops=train_flops / forward_flops,
    inference_ms=1e3 * t_infer,
    train_ms=1e3 * t_train,
)

# %% [markdown]
# In arithmetic a training step is about three forward passes (the "arithmetic ratio"
# column): the backward pass computes, for every layer, the gradient of its weights and
# the signal for the layer below, two products the size of the forward one, and Adam's
# update of each weight and its two moment estimates adds a few operations per parameter.
# Chapter 10 turns this into the rule of thumb $C \approx 6ND$ for the compute of
# training. The measured ratio is this build's stopwatch: with a batch this small on a
# shared 2-core CPU, fixed per-call costs and other processes weigh on both timings, so
# it moves from run to run, far more than the arithmetic ever does. Count the arithmetic to
# predict a cost; time it, as here, to see what a particular machine makes of it.
#
# ## What to take away
#
# - A model is $f(x;\theta)$. The architecture fixes $f$ and the size of $\theta$;
#   training chooses the numbers; hyperparameters are everything chosen before training.
# - Parameter counts follow from the architecture: $12D^2+13D$ per GPT block, checked
#   here against Keras and against GPT-2's released 124,439,808.
# - Logits are scores; softmax makes them probabilities; temperature trades sharpness for
#   diversity, with argmax ($T\to0$) and uniform ($T\to\infty$) at the ends. The cat/dog/car
#   example is 0.888 / 0.109 / 0.004.
# - Fit $\theta$ on training data (empirical risk minimisation), choose hyperparameters on
#   validation data, report on test data. Parametric models have a fixed size;
#   nonparametric ones (k-NN, trees, kernel SVMs) grow with the data.
# - The forward pass is deterministic as mathematics; sampling and dropout add
#   randomness, and a seed makes it repeatable. Greedy decoding breaks ties by a rule, and
#   floating-point reduction order can still change its answer between runs in practice.
# - Inference never changes $\theta$; a training step costs about three forward passes of
#   arithmetic, and the time that takes depends on the machine.

# %%
run.finish()
