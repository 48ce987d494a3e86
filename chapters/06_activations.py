# %% [markdown]
# # 6. Activations
#
# The non-linearities of deep learning: their derivatives, their effect on gradients, their cost.
#
# **Runs on** TensorFlow, JAX, PyTorch · **Time** quick 12–26 s, full ≈ 1 min on 2 CPU cores
#
# Chapter 5 showed that without a non-linearity a deep network is one matrix. *Which*
# non-linearity we pick matters for a second reason: backpropagation multiplies by its
# derivative $f'(a)$ at every layer, so $f'$ decides whether a gradient survives the trip
# from the loss back to the first layer.
#
# | name | $f(x)$ | $f'(x)$ |
# | --- | --- | --- |
# | ReLU | $\max(0, x)$ | $1$ if $x > 0$, else $0$ |
# | Leaky ReLU | $x$ if $x > 0$, else $0.01\,x$ | $1$ if $x > 0$, else $0.01$ |
# | ELU | $x$ if $x > 0$, else $e^x - 1$ | $1$ if $x > 0$, else $e^x$ |
# | sigmoid | $\sigma(x) = 1/(1+e^{-x})$ | $\sigma(x)\,\sigma(-x) \le 1/4$ |
# | tanh | $2\sigma(2x) - 1$ | $1 - \tanh^2 x \le 1$ |
# | SiLU (swish) | $x\,\sigma(x)$ | $\sigma(x) + x\,\sigma(x)\,\sigma(-x)$ |
# | GELU (exact) | $x\,\Phi(x)$, $\Phi$ the normal CDF | $\Phi(x) + x\,\varphi(x)$ |
# | GELU (tanh) | $x\sigma(2u)$, $u=\sqrt{2/\pi}(x+0.044715x^3)$ | $\sigma(2u)(1+2x\sigma(-2u)u')$ |
#
# The last row writes the usual $\tfrac12 x\,(1+\tanh u)$ as $x\,\sigma(2u)$, since
# $\tfrac12(1+\tanh u) = \sigma(2u)$; its $u' = \sqrt{2/\pi}\,(1 + 3\cdot0.044715\,x^2)$.
#
# Leaky ReLU (Maas et al., 2013) and ELU (Clevert et al., 2016) keep a slope below zero,
# so a unit whose inputs are all negative still learns; PReLU (He et al., 2015) learns
# that slope. The gated linear units of modern LLMs multiply two projections of the same
# input, one passed through a gate: $\mathrm{GLU}(x) = \sigma(xW) \odot xV$ (Dauphin et al.,
# 2017), and SwiGLU (Shazeer, 2020) with SiLU as the gate, $\mathrm{silu}(xW) \odot xV$. The
# section on gated units below builds one and counts its parameters.
#
# Softmax turns a vector of logits into probabilities, $s_i = e^{z_i}/\sum_j e^{z_j}$; its
# Jacobian is $\operatorname{diag}(s) - s s^\top$, so backpropagating $v$ through it costs
# no matrix at all: $J^\top v = s \odot (v - \langle v, s\rangle)$.

# %%
from mlfoundations.book import chapter

run = chapter.setup("06_activations")
import json
from pathlib import Path

import keras
import numpy as np

from mlfoundations import activations, data
from mlfoundations.backend import value_and_grad, vjp
from mlfoundations.book.plotting import subplots
from mlfoundations.mlp import mlp, to_reference
from mlfoundations.reference import activations as ref
from mlfoundations.reference import losses as ref_losses
from mlfoundations.reference import mlp as ref_mlp
from mlfoundations.reference import transformer as tref

NAMES = ["relu", "leaky_relu", "elu", "gelu", "gelu_tanh", "silu", "sigmoid", "tanh"]

# %% [markdown]
# ## The functions and their derivatives, three ways
#
# `mlfoundations.reference.activations` computes each $f$ and its hand-written $f'$ in
# NumPy; `mlfoundations.activations` writes the same $f$ with `keras.ops`, and the backend
# differentiates it. All three must agree, including at $|x| = 10^4$, where a careless
# $e^{-x}$ overflows.

# %%
x = np.concatenate([np.linspace(-6, 6, 241), [-1e4, 1e4]]).astype("float32")
rows = []
for name in NAMES:
    f_ref, grad_ref = ref.get(name)
    f_keras = activations.get(name)
    value_gap = np.abs(keras.ops.convert_to_numpy(f_keras(x)) - f_ref(x)).max()
    grad_gap = np.abs(vjp(f_keras, x) - grad_ref(x)).max()
    assert value_gap < 1e-5 and grad_gap < 1e-5, (name, value_gap, grad_gap)
    rows.append(
        {"activation": name, "max abs f diff": value_gap, "max abs f' diff (autodiff)": grad_gap}
    )
logits = np.array([[4.2, 2.1, -1.3]], dtype="float32")
v = np.array([[1.0, -2.0, 0.5]], dtype="float32")
sm_gap = np.abs(vjp(activations.softmax, logits, v) - ref.softmax_grad(logits, v)).max()
assert sm_gap < 1e-6
rows.append(
    {
        "activation": "softmax (Jᵀv)",
        "max abs f diff": np.abs(
            keras.ops.convert_to_numpy(activations.softmax(logits)) - ref.softmax(logits)
        ).max(),
        "max abs f' diff (autodiff)": sm_gap,
    }
)
run.table(rows, floatfmt=".2g", title=f"NumPy reference vs Keras on {run.backend} (float32)")

# %%
grid = np.linspace(-5, 5, 401)
fig, (ax_f, ax_g) = subplots(1, 2, figsize=(10, 3.8))
for name in NAMES:
    f, g = ref.get(name)
    ax_f.plot(grid, f(grid), label=name, lw=1.6)
    ax_g.plot(grid, g(grid), label=name, lw=1.6)
ax_f.set_ylim(-1.5, 3)
ax_f.set_title("f(x)")
ax_g.set_title("f'(x)")
ax_g.legend(fontsize=8)
run.figure(fig, "functions_and_derivatives")
print(
    f"max |gelu - gelu_tanh| on [-10, 10]: "
    f"{np.abs(ref.gelu(grid * 2) - ref.gelu_tanh(grid * 2)).max():.2e}"
)

# %% [markdown]
# Sigmoid's slope never exceeds $1/4$ and tanh's never exceeds 1, and both fall to zero
# away from the origin. ReLU's slope is exactly 1 for every positive input and exactly 0
# for every negative one; Leaky ReLU and ELU keep a slope there. GELU and SiLU are smooth
# versions of ReLU that dip slightly below zero; their slope for large negative inputs
# still goes to 0.
#
# !!! note "Two GELUs in Keras"
#     `keras.activations.gelu` (and `activation="gelu"`) is the exact $x\Phi(x)$;
#     `keras.ops.gelu(x)` defaults to the tanh approximation. This chapter calls them
#     `gelu` and `gelu_tanh`; they differ by up to $4.7\times10^{-4}$ (printed above).

# %% [markdown]
# ## Gated units: GLU and SwiGLU
#
# A gated unit is not elementwise. It cuts its input into two halves $a$ and $b$ along an
# axis and lets the *gate* $g(b)$ decide, element by element, how much of $a$ passes:
#
# $$\mathrm{glu}([a \mid b]) = a \odot \sigma(b), \qquad
#   \mathrm{swiglu}([a \mid b]) = a \odot \mathrm{silu}(b) = a \odot b\,\sigma(b).$$
#
# The output is half as wide as the input. Both `reference.activations` and `activations`
# gate the **second** half, as `torch.nn.functional.glu` and `keras.ops.glu` do. In a
# network the halves are two projections of the same $x$: one `Dense` layer of width
# $2F$ with kernel $[V \mid W]$ computes $[xV \mid xW]$, and `swiglu` turns it into
# $xV \odot \mathrm{silu}(xW)$, the product in Shazeer's feed-forward block
#
# $$\mathrm{FFN}_\mathrm{SwiGLU}(x) = \big(\mathrm{silu}(xW) \odot xV\big)\,W_2 .$$
#
# (Code that stores the gate's columns first computes the same thing with the halves
# swapped.) The gradient reaches $V$ through the product with the gate and $W$ through
# $\mathrm{silu}'$: $\partial L/\partial a = v \odot g(b)$ and
# $\partial L/\partial b = v \odot a \odot g'(b)$, which the reference's `glu_grad` and
# `swiglu_grad` write out. First, the gate at work on a few values, with $a = 1$ throughout
# so the output *is* the gate.

# %%
gate_in = np.array([-6.0, -2.0, -0.5, 0.0, 0.5, 2.0, 6.0], dtype="float32")
x_gated = np.concatenate([np.ones_like(gate_in), gate_in])[None, :]  # (1, 14) = [a | b]
gated_rows = []
v_gated = np.ones((1, len(gate_in)), dtype="float32")
for name in ["glu", "swiglu"]:
    out_ref = getattr(ref, name)(x_gated)  # (1, 7)
    out_keras = keras.ops.convert_to_numpy(getattr(activations, name)(x_gated))
    np.testing.assert_allclose(out_keras, out_ref, rtol=1e-6, atol=1e-7)
    gated_rows.append(
        {
            "unit": f"{name}, a = 1",
            **{f"b = {b:g}": o for b, o in zip(gate_in, out_ref[0], strict=True)},
        }
    )
    grad_gap = np.abs(
        vjp(getattr(activations, name), x_gated, v_gated)
        - getattr(ref, name + "_grad")(x_gated, v_gated)
    ).max()
    assert grad_gap < 1e-6, (name, grad_gap)
run.table(
    gated_rows, floatfmt=".3f", title=f"The gate's output (NumPy; Keras on {run.backend} agrees)"
)

# %% [markdown]
# The sigmoid gate is a soft switch between 0 and 1. The SiLU gate is not bounded: it
# passes about $b$ itself for large $b$ (so $a \odot b$, a product of two projections) and
# shuts to 0 for large negative $b$, with the small dip below zero SiLU always has. The
# Keras versions match the reference, and the backend's autodiff matches `glu_grad` and
# `swiglu_grad` (asserted above; the tests also compare with PyTorch).
#
# A SwiGLU feed-forward block is three matrices instead of two: $V$ and $W$ map $D \to F$,
# $W_2$ maps $F \to D$, so without biases it holds $3DF$ parameters, against $2DF$ for a
# GELU block $D \to F \to D$. To keep the parameter count of the classic $F = 4D$ block,
# $8D^2$, SwiGLU models shrink the hidden width to $F \approx 8D/3$. Below, a Keras block
# built from two `Dense` layers around `activations.swiglu`, its `count_params()` against
# the feed-forward part of `reference.transformer.gpt_params` (the count chapter 1 checks
# against the published models), and its output against the NumPy reference.


# %%
def swiglu_feed_forward(d_model: int, d_ff: int) -> keras.Model:
    """x ↦ swiglu(x [V | W]) W₂: one Dense of width 2F for both projections, one back to D."""
    x_in = keras.Input((d_model,))
    h = keras.layers.Dense(2 * d_ff, use_bias=False, name="value_and_gate")(x_in)  # (B, 2F)
    out = keras.layers.Dense(d_model, use_bias=False, name="down")(activations.swiglu(h))
    return keras.Model(x_in, out, name="swiglu_ffn")


def gelu_feed_forward(d_model: int, d_ff: int) -> keras.Model:
    x_in = keras.Input((d_model,))
    h = keras.layers.Dense(d_ff, activation=activations.gelu, use_bias=False)(x_in)  # (B, F)
    return keras.Model(x_in, keras.layers.Dense(d_model, use_bias=False)(h), name="gelu_ffn")


def ffn_formula(d_model: int, d_ff: int, mlp: str) -> int:
    config = tref.TransformerConfig(1, 1, 1, 1, d_model, d_ff=d_ff, mlp=mlp, bias=False)
    return tref.gpt_params(config)["feed_forward"]


ffn_rows = []
x_ffn = np.random.default_rng(run.seed).normal(size=(8, 128)).astype("float32")
for d_model in [64, 128]:
    d_ff_swiglu = round(8 * d_model / 3)
    for label, build, d_ff, mlp_kind in [
        ("GELU, F = 4D", gelu_feed_forward, 4 * d_model, "gelu"),
        ("SwiGLU, F = 8D/3", swiglu_feed_forward, d_ff_swiglu, "swiglu"),
    ]:
        block = build(d_model, d_ff)
        ffn_rows.append(
            {
                "block": label,
                "D": d_model,
                "F": d_ff,
                "formula": ffn_formula(d_model, d_ff, mlp_kind),
                "keras count_params()": block.count_params(),
                "8D²": 8 * d_model**2,
            }
        )
        if mlp_kind == "swiglu":
            value_and_gate, down = block.get_weights()
            x_d = x_ffn[:, :d_model]
            gap = np.abs(
                keras.ops.convert_to_numpy(block(x_d)) - ref.swiglu(x_d @ value_and_gate) @ down
            ).max()
            assert gap < 1e-4, gap
for row in ffn_rows:
    assert row["formula"] == row["keras count_params()"], row
run.table(ffn_rows, title=f"Feed-forward blocks without biases: formula vs Keras ({run.backend})")
llama = tref.NAMED_MODELS["Llama-2 70B"]
D_llama, F_llama = llama.n_embd, llama.ff_width
print(
    f"Llama 2 70B: D = {D_llama}, F = {F_llama} = {F_llama / D_llama:.2f} D, "
    f"{ffn_formula(D_llama, F_llama, 'swiglu') / 1e6:.0f} M parameters per feed-forward block"
)
run.record(feed_forward_blocks=ffn_rows)

# %% [markdown]
# The formula and Keras agree exactly, and with $F = 8D/3$ (rounded) the SwiGLU block has
# the GELU block's $8D^2$ parameters to within a fraction of a percent: the third matrix
# is paid for with a narrower hidden layer. Published models round $F$ to a convenient
# multiple and do not always keep the budget: Llama 2 70B uses $F = 3.5D$ (printed above),
# the three-matrix feed-forward that chapter 1's count of its 69 B parameters includes.
# Shazeer's experiments found the gated variants better than ReLU or GELU blocks of the
# same size on language modelling; that is a measured result of the paper, not of this
# page.

# %% [markdown]
# ## Vanishing gradients: follow the backward signal
#
# Write $a_\ell = h_{\ell-1} W_\ell + b_\ell$ for layer $\ell$'s pre-activation and
# $h_\ell = f(a_\ell)$ for its output. Backpropagation carries one quantity from the loss
# back to the input, the *backward signal* $\delta_\ell = \partial L / \partial a_\ell$:
#
# $$\delta_\ell = \big(\delta_{\ell+1} W_{\ell+1}^\top\big) \odot f'(a_\ell), \qquad
# \frac{\partial L}{\partial W_\ell} = h_{\ell-1}^\top \delta_\ell .$$
#
# So the weight gradient mixes two things: the backward signal $\delta_\ell$ and the
# forward activations $h_{\ell-1}$ (for one example, $\lVert \partial L/\partial W_\ell\rVert
# = \lVert h_{\ell-1}\rVert\,\lVert\delta_\ell\rVert$ exactly). If both shrink with depth,
# a ratio of weight gradients between layers can look healthy while the signal vanishes.
# We therefore measure $\lVert\delta_\ell\rVert$ itself, and beside it the *relative
# update* $\lVert\partial L/\partial W_\ell\rVert / \lVert W_\ell\rVert$, which says how
# fast a layer can move under one learning rate.
#
# The network: 12 hidden layers of width 64, softmax cross-entropy on random inputs and
# labels, at initialisation. Two initialisations: Glorot (Keras' default,
# $\operatorname{Var} W = 2/(n_\text{in} + n_\text{out})$, which is $1/64$ here; Glorot &
# Bengio, 2010) and He ($\operatorname{Var} W = 2/n_\text{in}$, He et al., 2015: a ReLU
# zeroes half its inputs on average, so the variance needs doubling to survive a layer).

# %%
depth, width, n_in = 12, 64, 16
sizes = [n_in] + [width] * depth + [2]
rng = np.random.default_rng(run.seed)
X_deep = rng.normal(size=(256, n_in))
y_deep = rng.integers(0, 2, 256)
INITS = {"Glorot": ref_mlp.glorot_uniform, "He": ref_mlp.he_uniform}


def deep_net(activation, init, dtype=np.float64):
    """The 12-layer NumPy MLP with hidden weights from ``init`` (the output layer: Glorot)."""
    init_rng = np.random.default_rng(run.seed)
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        draw = INITS[init] if fan_out == width else ref_mlp.glorot_uniform
        weights += [draw(fan_in, fan_out, init_rng, dtype), np.zeros(fan_out, dtype)]
    return ref_mlp.MLP.from_weights(weights, activation)


def backward_signals(net):
    """‖δ_ℓ‖ and ‖∂L/∂W_ℓ‖ / ‖W_ℓ‖ for every layer, from one backward pass by hand."""
    _, delta = ref_losses.softmax_cross_entropy_and_grad(y_deep, net.forward(X_deep))  # (B, 2)
    delta_norms = []
    for layer in reversed(net.layers):
        if isinstance(layer, ref_mlp.Dense):
            delta_norms.append(np.linalg.norm(delta))  # δ_ℓ = ∂L/∂a_ℓ, (B, n_out)
        delta = layer.backward(delta)  # Dense: δ Wᵀ; activation: ⊙ f'(a)
    dense = [layer for layer in net.layers if isinstance(layer, ref_mlp.Dense)]
    relative = [np.linalg.norm(d.dW) / np.linalg.norm(d.W) for d in dense]
    weight_grads = [np.linalg.norm(d.dW) for d in dense]
    return np.array(delta_norms[::-1]), np.array(relative), np.array(weight_grads)


cases = [(a, "Glorot") for a in ["sigmoid", "tanh", "relu", "gelu"]]
cases += [(a, "He") for a in ["relu", "leaky_relu", "gelu"]]
fig, (ax_d, ax_r) = subplots(1, 2, figsize=(11, 4))
vanish_rows, signals = [], {}
for activation, init in cases:
    delta_norms, relative, weight_grads = backward_signals(deep_net(activation, init))
    signals[activation, init] = delta_norms, weight_grads
    style = "o-" if init == "Glorot" else "s--"
    layers = np.arange(1, len(delta_norms) + 1)
    ax_d.semilogy(layers, delta_norms, style, ms=4, label=f"{activation}, {init}")
    ax_r.semilogy(layers, relative, style, ms=4, label=f"{activation}, {init}")
    vanish_rows.append(
        {
            "activation": activation,
            "init": init,
            "‖δ‖ last / first": delta_norms[-1] / delta_norms[0],
            "‖∂L/∂W‖ first / last": weight_grads[0] / weight_grads[-1],
            "‖∂W₁‖/‖W₁‖": relative[0],
        }
    )
ax_d.set_title("backward signal ‖δ_ℓ‖ = ‖∂L/∂a_ℓ‖")
ax_r.set_title("relative update ‖∂L/∂W_ℓ‖ / ‖W_ℓ‖")
for ax in (ax_d, ax_r):
    ax.set_xlabel("layer ℓ (1 = next to the input, 13 = output)")
ax_d.set_ylabel("norm at initialisation")
ax_r.legend(fontsize=7, ncol=2)
run.figure(fig, "backward_signal")
run.table(vanish_rows, floatfmt=".3g", title=f"{depth} hidden layers of {width}, at initialisation")
run.record(vanishing=vanish_rows)
ratio = {(r["activation"], r["init"]): r["‖δ‖ last / first"] for r in vanish_rows}

# %% [markdown]
# The same network in Keras, given the NumPy weights: the backend's autodiff returns the
# same weight gradients (ReLU with He initialisation; float32 against float64).

# %%
model = mlp(n_in, [width] * depth, 2, "relu")
model.set_weights([w.astype("float32") for w in deep_net("relu", "He").get_weights()])
_, k_grads = value_and_grad(
    model,
    keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    X_deep.astype("float32"),
    y_deep,
)
k_norms = np.array([np.linalg.norm(g) for g in k_grads[::2]])
np.testing.assert_allclose(k_norms, signals["relu", "He"][1], rtol=1e-3)
run.headline(
    "delta_fall_relu_glorot",
    ratio["relu", "Glorot"],
    low=10.0,
    high=100.0,
    label="‖δ‖ last / first layer, ReLU, Glorot init",
)
run.headline(
    "delta_fall_gelu_glorot",
    ratio["gelu", "Glorot"],
    low=300.0,
    high=3e4,
    label="‖δ‖ last / first layer, GELU, Glorot init",
)
run.headline(
    "delta_fall_relu_he",
    ratio["relu", "He"],
    low=0.2,
    high=3.0,
    label="‖δ‖ last / first layer, ReLU, He init",
)
print(f"{run.backend} autodiff vs NumPy, ‖∂L/∂W_ℓ‖ of all 13 layers: agree to rtol 1e-3")

# %% [markdown]
# Read the first column, the backward signal. With Glorot initialisation it falls from the
# output back to the input under *every* activation here, sigmoid by far the most (its
# slope is at most $1/4$), but ReLU and GELU lose a lot too: the signal at the output is
# 28.5 times its size at the first layer for ReLU and $3.19\times10^3$ times for GELU.
# Glorot's variance suits a unit with slope 1 around zero, like tanh (3.34); a ReLU passes
# on only half of it per layer, and GELU (slope $1/2$ at 0) less still. With He
# initialisation the ReLU signal no longer falls (0.611), and neither do Leaky ReLU's and
# GELU's. These NumPy numbers are computed in float64 from seeded weights, so they are the
# same on every backend.
#
# The weight-gradient column tells a different, misleading story: for ReLU and GELU under
# Glorot the first layer's $\lVert\partial L/\partial W\rVert$ is about as large as the
# last layer's, because the forward activations $h_{\ell-1}$ shrink with depth *too* and
# the ratio cancels the two shrinkages. The relative update exposes it: under Glorot,
# GELU's first layer moves about 700 times slower, relative to its size, than tanh's
# ($1.11\times10^{-5}$ against $8.08\times10^{-3}$ in the last column).
#
# So "use ReLU instead of sigmoid" is half of the fix. The gradient arrives when the
# activation's slope *and* the initialisation's scale together keep the backward signal's
# size constant (Glorot & Bengio, 2010; He et al., 2015); normalisation layers and residual
# connections (the next two sections) are the other ways deep networks keep it.
#
# The primer illustrates the effect with a 3-hidden-layer sigmoid net and printed norms of
# $10^{-6}$ for the first layer. Measured over 20 seeds with that exact architecture and
# PyTorch's default initialisation, the first layer's norm is $1.7\times10^{-3}$ to
# $6.8\times10^{-3}$, about 1/700 of the last layer's (`tests/test_reference_mlp.py`):
# the direction is right, the printed numbers are thousands of times too small.

# %% [markdown]
# ## Normalisation keeps the signal's scale
#
# A normalisation layer rescales each example's pre-activations to mean 0 and variance 1
# (LayerNorm, Ba et al., 2016; BatchNorm, Ioffe & Szegedy, 2015, normalises over the
# batch instead). In the forward pass that undoes whatever scale the initialisation gave;
# in the backward pass it divides the signal by the same standard deviation, so a layer
# whose activations had shrunk sends a *larger* signal back. We put a Keras
# `LayerNormalization` between each Dense layer and its GELU, in the Glorot-initialised
# 12-layer net where GELU lost the most, and compare the relative updates.

# %%
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def gelu_net(normalise: bool) -> keras.Model:
    keras.utils.set_random_seed(run.seed)
    layers = [keras.Input((n_in,))]
    for _ in range(depth):
        layers.append(keras.layers.Dense(width, use_bias=not normalise))
        if normalise:
            layers.append(keras.layers.LayerNormalization())
        layers.append(keras.layers.Activation(activations.gelu))
    layers.append(keras.layers.Dense(2))
    return keras.Sequential(layers)


norm_rows = []
for normalise in [False, True]:
    net = gelu_net(normalise)
    _, grads = value_and_grad(net, loss_fn, X_deep.astype("float32"), y_deep)
    kernels = [w for w in net.trainable_weights if w.path.endswith("kernel")]
    by_path = dict(zip([w.path for w in net.trainable_weights], grads, strict=True))
    relative = [np.linalg.norm(by_path[w.path]) / np.linalg.norm(w.numpy()) for w in kernels]
    norm_rows.append(
        {
            "GELU net, Glorot": "with LayerNorm" if normalise else "plain",
            "‖∂W₁‖/‖W₁‖": relative[0],
            "‖∂W₁₂‖/‖W₁₂‖": relative[depth - 1],
            "first / last hidden": relative[0] / relative[depth - 1],
        }
    )
run.table(norm_rows, floatfmt=".3g", title=f"Relative updates on {run.backend}")
run.record(normalisation=norm_rows)
norm_gain = norm_rows[1]["‖∂W₁‖/‖W₁‖"] / norm_rows[0]["‖∂W₁‖/‖W₁‖"]
print(f"LayerNorm multiplies the first layer's relative update by {norm_gain:.0f}")

# %% [markdown]
# With LayerNorm the first layer's relative update is many times larger (the factor is
# printed above; it depends on the backend's random start) and the first and last
# hidden layers move at comparable rates: the normalisation has taken over the job the
# initialisation did badly. This is why transformers (chapter 8) normalise inside every
# block and are far less sensitive to their initial scale than the plain network above.

# %% [markdown]
# ## Dying ReLU
#
# A ReLU unit whose pre-activation is negative for *every* input outputs 0 and gets a zero
# gradient for its incoming weights. Units can start that way: a random layer can aim
# some units away from all the data. A large step can also throw a unit's bias far
# negative. We count the hidden units that output zero on every training example of moons,
# at initialisation and after training the same ReLU MLP with plain SGD at three learning
# rates.

# %%
moons = data.load("moons", seed=run.seed)


def dead_fractions(model) -> list[float]:
    hidden = to_reference(model).hidden_outputs(moons.X_train)
    return [float(np.mean(np.all(h == 0, axis=0))) for h in hidden]


def dead_masks(model) -> list[np.ndarray]:
    return [np.all(h == 0, axis=0) for h in to_reference(model).hidden_outputs(moons.X_train)]


at_init = mlp(2, [64, 64], 2, "relu", seed=run.seed)
dead_at_init = dead_masks(at_init)
dead_rows = [
    {
        "learning rate": "at initialisation",
        **{f"dead units, layer {i}": m.mean() for i, m in enumerate(dead_at_init, 1)},
        "revived (layer 2)": None,
        "test accuracy": None,
    }
]
for lr in [0.1, 1.0, 3.0]:
    model = mlp(2, [64, 64], 2, "relu", seed=run.seed)
    model.compile(
        keras.optimizers.SGD(learning_rate=lr),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(
        moons.X_train, moons.y_train, epochs=run.size(10, 50), batch_size=32, verbose=run.verbose
    )
    row = {"learning rate": lr}
    if all(np.all(np.isfinite(w)) for w in model.get_weights()):
        masks = dead_masks(model)
        for i, m in enumerate(masks, 1):
            row[f"dead units, layer {i}"] = m.mean()
        started_dead = dead_at_init[1].sum()
        revived = np.sum(dead_at_init[1] & ~masks[1])
        row["revived (layer 2)"] = f"{revived} of {started_dead}"
        row["test accuracy"] = model.evaluate(moons.X_test, moons.y_test, verbose=0)[1]
    else:
        row.update({"dead units, layer 1": None, "dead units, layer 2": None})
        row.update({"revived (layer 2)": None, "test accuracy": None})
    dead_rows.append(row)
run.table(dead_rows, floatfmt=".3f", title="Hidden ReLU units that output 0 on every input")
run.record(dying_relu=dead_rows)
init_dead_2 = dead_rows[0]["dead units, layer 2"]
print(f"dead at initialisation in layer 2: {init_dead_2:.3f} (about 1 in {1 / init_dead_2:.0f})")

# %% [markdown]
# The first row is the surprise: before a single step, some second-layer units are
# already dead on every training input (printed above; the share depends on the
# backend's random start). Only the first layer's dead units are dead for good, because
# their inputs, the data, never change; a second-layer unit sees the first layer's
# outputs, which training moves, and the "revived" column counts the ones that came back.
# At the largest step more units can die, how many depending on the backend's random
# start (compare the rows), and the network gets by on the survivors.
#
# The standard remedies are an activation with a slope below zero (Leaky ReLU, PReLU,
# ELU, defined at the top: none of their units can die, because the gradient never becomes
# exactly 0), smaller learning rates or warmup (chapter 9), and normalisation before the
# ReLU, which keeps every unit's pre-activations centred on the data. GELU and SiLU make
# dead units less likely, since their slope is not exactly 0 below zero, but for large
# negative inputs it still goes to 0: they do not rule it out.

# %% [markdown]
# ## Residual connections rescue the deep sigmoid net
#
# A residual block computes $h_\ell = h_{\ell-1} + f(h_{\ell-1} W_\ell + b_\ell)$. Its
# derivative with respect to $h_{\ell-1}$ is the identity *plus* the branch's Jacobian, so
# the gradient reaching layer 1 no longer has to pass through twenty factors of
# $\sigma' \le 1/4$. We train a 20-hidden-layer sigmoid MLP on moons with and without the
# skip connections (`mlp(..., residual=True)`).

# %%
res_rows = []
fig, ax = subplots(figsize=(7, 3.8))
for residual in [False, True]:
    model = mlp(2, [32] * 20, 2, "sigmoid", residual=residual, seed=run.seed)
    model.compile(
        keras.optimizers.Adam(1e-2),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    _, g0 = value_and_grad(
        model,
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        moons.X_train,
        moons.y_train,
    )
    history = model.fit(
        moons.X_train, moons.y_train, epochs=run.size(12, 60), batch_size=32, verbose=run.verbose
    )
    label = "residual" if residual else "plain"
    ax.plot(history.history["loss"], label=f"{label} sigmoid, 20 layers")
    res_rows.append(
        {
            "network": label,
            "first/last ‖∂L/∂W‖ at init": np.linalg.norm(g0[0]) / np.linalg.norm(g0[-2]),
            "final train loss": history.history["loss"][-1],
            "test accuracy": model.evaluate(moons.X_test, moons.y_test, verbose=0)[1],
        }
    )
ax.set_xlabel("epoch")
ax.set_ylabel("training loss")
ax.legend()
run.figure(fig, "residual_rescue")
run.table(res_rows, floatfmt=".3g", title="20 sigmoid layers on moons")
assert res_rows[1]["test accuracy"] > res_rows[0]["test accuracy"]
run.record(residual=res_rows)
run.headline(
    "residual_accuracy",
    res_rows[1]["test accuracy"],
    low=0.8,
    agree=0.15,
    label="20 sigmoid layers + skips: test accuracy",
)

# %% [markdown]
# The plain net's first layer starts with a gradient many orders of magnitude below its
# last, and the whole network barely moves from predicting the class prior: its loss
# stays at $\ln 2 \approx 0.69$ and its accuracy at chance. With skip connections the
# same twenty layers train, to the test accuracy in the table's last row, far above
# chance (the headline band asks for at least 0.8 on every backend; still short of the
# small ReLU networks of chapter 5 in this budget, but no longer stuck). This is why every
# transformer block (chapter 8) wraps its attention and MLP in residual connections.

# %% [markdown]
# ## What they cost
#
# The primer grades activations "fast" (ReLU), "medium" (GELU, SiLU, tanh) and "slow"
# (sigmoid). `benchmarks/activations.py` times each Keras built-in on a float32 tensor of
# $2^{21}$ elements that already lives on the device, two ways: **eager**, one backend op
# at a time, and **compiled** inside the backend's compiler (`jax.jit`,
# `tf.function(jit_compile=True)`, `torch.compile`), which fuses a formula's ops into one
# pass over memory, as a compiled training step does. "negate" is the cheapest possible
# op (read each number, write it back) and marks the memory floor.
#
# !!! warning "Measured once, not at build"
#     The timings below are **not** produced when this page is built: they are loaded
#     from the JSON files that `benchmarks/activations.py` wrote, on the machine and the
#     date each table names. Rerun the benchmark to measure yours.

# %%
results = Path(chapter.chapters_dir()).parent / "benchmarks" / "results"
bench = {}
for backend in ["tensorflow", "jax", "torch"]:
    path = results / f"activations_{backend}.json"
    if path.exists():
        bench[backend] = json.loads(path.read_text(encoding="utf-8"))
    else:
        print(
            f"{path.name} is missing: run KERAS_BACKEND={backend} python benchmarks/activations.py"
        )
for backend, result in bench.items():
    print(
        f"{backend}: {result['device']}, {result['date']}, best of {result['repeats']}, "
        f"{result.get('threads', 'default')} thread(s)"
    )
SHORT = {"tensorflow": "TF", "jax": "JAX", "torch": "PyTorch"}  # narrow columns
cost_rows = []
for name in ["negate (memory floor)", *NAMES]:
    row = {"activation": name}
    for backend, result in bench.items():
        measured = {r["activation"]: r for r in result["activations"]}.get(name)
        if measured:
            row[f"{SHORT[backend]} eager"] = measured["eager vs relu"]
            row[f"{SHORT[backend]} compiled"] = measured["compiled vs relu"]
    cost_rows.append(row)
if bench:
    run.table(cost_rows, floatfmt=".2f", title="Forward time relative to ReLU (benchmark JSON)")
    fusion_rows = [
        {
            "backend": SHORT[backend],
            **{
                r["activation"]: r["eager / compiled"]
                for r in result["activations"]
                if r["activation"] in ("relu", "gelu", "gelu_tanh", "silu")
            },
        }
        for backend, result in bench.items()
    ]
    run.table(fusion_rows, floatfmt=".2f", title="Eager time / compiled time (what fusion removes)")
    layer_rows = [
        {
            "backend": SHORT[backend],
            "activation": row["layer"].rsplit(" then ", 1)[-1],
            "matmul ms": row["matmul ms"],
            "activation ms": row["activation ms"],
            "time share": row["activation time share"],
            "FLOP share": row["activation FLOP share"],
        }
        for backend, result in bench.items()
        for row in result["dense_layer"]
    ]
    shape = next(iter(bench.values()))["dense_layer"][0]["layer"].rsplit(" then ", 1)[0]
    run.table(layer_rows, floatfmt=".3g", title=f"A dense layer {shape}, then the activation")
    numpy_relu = next(iter(bench.values()))["numpy_relu"]
    print(
        f"NumPy ReLU: np.where {numpy_relu['np.where ms']:.3g} ms, np.maximum "
        f"{numpy_relu['np.maximum ms']:.3g} ms ({numpy_relu['where / maximum']:.1f}x)"
    )
    run.record(cost_vs_relu=cost_rows, fusion=fusion_rows, dense_layer=layer_rows)

# %% [markdown]
# Three things to read off these tables (numbers from the JSON files above, measured on
# one thread of a shared 2-core machine).
#
# - **Compiled, they cost about the same.** Once fused, an elementwise activation reads
#   each number once and writes it once, and on $2^{21}$ float32 numbers that memory
#   traffic sets most of the time. On JAX and TensorFlow every compiled activation is
#   within 3× of ReLU, and sigmoid within 1.4×: sigmoid is not slow, and the primer's
#   grading does not survive. PyTorch's compiler is the exception here, with tanh and the
#   tanh GELU well above the rest: a compiler does not always emit the fastest kernel,
#   which is why one measures.
# - **Eager, a formula of several ops pays for each.** The tanh form of GELU is about
#   eight ops; run one at a time, each writes a full intermediate array, and on
#   TensorFlow eager it costs hundreds of ReLUs. On TensorFlow and JAX compiling removes
#   most of that (the fusion table); PyTorch's eager kernels were already fast here, and
#   its compiled ones no faster. A benchmark that times eager calls, or that copies the
#   input from the host in every measurement (as this benchmark's first version did, so
#   its ReLU timed only the copy), measures the framework, not the activation.
# - **Time share is not FLOP share.** In the dense layer, counting generously one
#   operation per element, the activation does about 0.1 % of the arithmetic
#   ($1/(2\cdot512+1)$ of it, the FLOP-share column); its share of the *time* is 2 to 40
#   times larger (the time-share column), because the matrix product reuses each number it
#   loads hundreds of times while the activation is bound by memory bandwidth. It still
#   stays a small part of the layer, which is why frameworks fuse it into the matrix
#   product's output, and why activations are chosen for their gradients, not their speed.
#
# In NumPy, the reference ReLU is `np.maximum(x, 0)`, one pass; `np.where(x > 0, x, 0)`
# makes a boolean mask and a zero array first and was many times slower (the ratio is
# printed above; the first version of the reference used it).
#
# ## What to take away
#
# - Every activation here has a closed-form derivative; the hand-written NumPy derivatives
#   agree with each backend's autodiff of the Keras versions (and, in the tests, with
#   finite differences and with PyTorch in float64), and all stay finite up to
#   $|x| = 10^4$.
# - Follow the backward signal $\delta_\ell = \partial L/\partial a_\ell$, not the weight
#   gradient, which mixes in the forward activations. Through 12 layers at Glorot
#   initialisation it falls under sigmoid by far the most, but also under ReLU and GELU;
#   with He initialisation it does not fall under ReLU. Slope and initialisation decide
#   together; normalisation and residual connections keep the signal too.
# - Gated units cut their input in two and multiply one half by a gate of the other:
#   $\mathrm{glu} = a\odot\sigma(b)$, $\mathrm{swiglu} = a\odot\mathrm{silu}(b)$ (the
#   second half gated, as in PyTorch and Keras). A SwiGLU feed-forward block has three
#   matrices, $3DF$ parameters; $F \approx 8D/3$ keeps the $8D^2$ of the classic block.
# - Some ReLU units are dead before training starts; too large a learning rate kills many
#   more; only first-layer units can never recover. Leaky ReLU, PReLU and ELU cannot die.
# - Cost: compiled, elementwise activations are memory-bound and mostly cost about the
#   same; eager timings and host copies mislead; next to the matrix products around them
#   all of them are cheap.

# %%
run.finish()
