"""The NumPy reference against PyTorch's own implementations, in float64.

Activations and their derivatives (``torch.nn.functional`` and ``torch.autograd``), every
loss of :mod:`mlfoundations.reference.losses` and its gradient (``torch.nn`` losses),
the MLP's forward and backward passes (an ``nn.Sequential`` holding the same weights) and
one optimiser step (``torch.optim.SGD`` and ``torch.optim.Adam``). NumPy and torch only.

Tolerances, all float64:

* elementwise activations: ``rtol=1e-13, atol=1e-14``. The absolute floor is for the
  tails, where torch's forms ``(1 + erf)/2``, ``1 + tanh u`` and ``s (1 - s)`` cancel to 0
  (``gelu(-12)``: torch ``-0.0``, reference and exact value ``-2.13e-32``);
* softmax, the gated units (glu, swiglu), losses and single-layer gradients:
  ``rtol=1e-12, atol=1e-15``;
* the MLP (sums over layers and a batch, in different orders): ``rtol=1e-11, atol=1e-14``;
* optimiser steps: ``rtol=1e-12, atol=1e-15``.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from mlfoundations.reference import activations as R  # noqa: E402
from mlfoundations.reference import logistic, losses  # noqa: E402
from mlfoundations.reference import mlp as ref_mlp  # noqa: E402
from mlfoundations.reference import optim as ref_optim  # noqa: E402

ELEMENTWISE_RTOL, ELEMENTWISE_ATOL = 1e-13, 1e-14
RTOL, ATOL = 1e-12, 1e-15
MLP_RTOL, MLP_ATOL = 1e-11, 1e-14

TORCH_ELEMENTWISE = {
    "relu": F.relu,
    "leaky_relu": lambda t: F.leaky_relu(t, negative_slope=R.LEAKY_SLOPE),
    "elu": F.elu,  # alpha = 1
    "gelu": lambda t: F.gelu(t, approximate="none"),
    "gelu_tanh": lambda t: F.gelu(t, approximate="tanh"),
    "silu": F.silu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "linear": lambda t: t,
}
TORCH_MODULES = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(R.LEAKY_SLOPE),
    "elu": nn.ELU,
    "gelu": nn.GELU,  # approximate="none" by default
    "gelu_tanh": lambda: nn.GELU(approximate="tanh"),
    "silu": nn.SiLU,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
}


def _t(a, grad: bool = False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def _np(t) -> np.ndarray:
    return t.detach().numpy()


def _vjp(fn, x: np.ndarray, v: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``fn(x)`` and ``vᵀ J`` at ``x`` by torch autograd (``v`` defaults to ones)."""
    t = _t(x, grad=True)
    y = fn(t)
    cotangent = torch.ones_like(y) if v is None else _t(v)
    (g,) = torch.autograd.grad(y, t, cotangent)
    return _np(y), _np(g)


# --- activations -------------------------------------------------------------------------

# A dense grid, exact zeros (relu' at 0 is 0 in both), tails and the documented |x| = 1e4.
GRID = np.concatenate([np.linspace(-12, 12, 241), [0.0, -1e-8, 1e-8, -40, 40, -1e4, 1e4]])


def test_every_elementwise_activation_has_a_torch_peer():
    assert set(TORCH_ELEMENTWISE) == set(R.ELEMENTWISE)
    assert set(R.NAMES) == set(R.ELEMENTWISE) | {"softmax", "log_softmax", "glu", "swiglu"}


@pytest.mark.parametrize("name", list(R.ELEMENTWISE))
def test_elementwise_activation_and_derivative_match_torch(name):
    f, f_grad = R.get(name)
    value, grad = _vjp(TORCH_ELEMENTWISE[name], GRID)
    assert np.all(np.isfinite(value)) and np.all(np.isfinite(grad))
    tol = {"rtol": ELEMENTWISE_RTOL, "atol": ELEMENTWISE_ATOL}
    np.testing.assert_allclose(f(GRID), value, **tol)
    np.testing.assert_allclose(f_grad(GRID), grad, **tol)


def test_gelu_forms_are_the_two_torch_approximate_settings():
    # The two forms differ by up to ~4.7e-4, far above the tolerance: the pairing of
    # gelu with approximate="none" and gelu_tanh with "tanh" above is not vacuous.
    x = _t(np.linspace(-4, 4, 81))
    crossed = [
        np.max(np.abs(R.gelu(_np(x)) - _np(F.gelu(x, approximate="tanh")))),
        np.max(np.abs(R.gelu_tanh(_np(x)) - _np(F.gelu(x, approximate="none")))),
    ]
    assert all(1e-4 < gap < 5e-4 for gap in crossed)


def _logits(shape=(5, 7), seed=0) -> np.ndarray:
    z = 4.0 * np.random.default_rng(seed).normal(size=shape)
    z[0] += 1e3  # a shifted row: only max-subtraction keeps exp finite
    return z


@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_and_log_softmax_match_torch(axis):
    z = _logits()
    for T in (1.0, 0.5, 3.0):  # the reference's temperature is softmax(z / T)
        expected = _np(F.softmax(_t(z) / T, dim=axis))
        np.testing.assert_allclose(R.softmax(z, axis=axis, temperature=T), expected, RTOL, ATOL)
    np.testing.assert_allclose(
        R.log_softmax(z, axis=axis), _np(F.log_softmax(_t(z), dim=axis)), RTOL, ATOL
    )


@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_vjps_match_torch_autograd(axis):
    z = _logits()
    v = np.random.default_rng(1).normal(size=z.shape)
    _, expected = _vjp(lambda t: F.softmax(t, dim=axis), z, v)
    np.testing.assert_allclose(R.softmax_grad(z, v, axis=axis), expected, RTOL, ATOL)
    _, expected = _vjp(lambda t: F.log_softmax(t, dim=axis), z, v)
    np.testing.assert_allclose(R.log_softmax_grad(z, v, axis=axis), expected, RTOL, ATOL)


TORCH_GATED = {
    "glu": F.glu,  # torch: first half ⊙ sigmoid(second half)
    "swiglu": lambda t, dim: torch.chunk(t, 2, dim=dim)[0] * F.silu(torch.chunk(t, 2, dim=dim)[1]),
}


@pytest.mark.parametrize("axis", [-1, 0, 1])
@pytest.mark.parametrize("name", list(TORCH_GATED))
def test_gated_units_and_vjps_match_torch(name, axis):
    x = 3.0 * np.random.default_rng(4).normal(size=(4, 6, 2))
    x[0, 0] = [40.0, -40.0]  # saturated gates
    out_shape = list(x.shape)
    out_shape[axis] //= 2
    v = np.random.default_rng(5).normal(size=out_shape)
    value, grad = _vjp(lambda t: TORCH_GATED[name](t, dim=axis), x, v)
    np.testing.assert_allclose(getattr(R, name)(x, axis=axis), value, RTOL, ATOL)
    np.testing.assert_allclose(getattr(R, name + "_grad")(x, v, axis=axis), grad, RTOL, ATOL)


# --- losses (chapter 4) --------------------------------------------------------------------


def _binary_problem(n=12, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = rng.integers(0, 2, n).astype(np.float64)
    return X, y, rng.normal(size=d), 0.3


def _assert_loss_and_grad_match(ours, torch_loss, y_true, pred, y_torch=None):
    """``ours(y_true, pred) -> (loss, grad)`` against ``torch_loss(pred, y)`` and autograd."""
    pred_t = _t(pred, grad=True)
    expected = torch_loss(pred_t, _t(y_true) if y_torch is None else y_torch)
    expected.backward()
    value, grad = ours(y_true, pred)
    np.testing.assert_allclose(value, expected.item(), RTOL, ATOL)
    np.testing.assert_allclose(grad, _np(pred_t.grad), RTOL, ATOL)


def test_logit_cross_entropies_and_gradients_match_torch():
    """Loss and gradient wrt the logits, hard and soft labels, logits up to ±1000."""
    rng = np.random.default_rng(0)
    z = np.r_[rng.normal(scale=5.0, size=10), -1000.0, 1000.0, 0.0]
    for y in (rng.integers(0, 2, z.size).astype(np.float64), rng.uniform(size=z.size)):
        _assert_loss_and_grad_match(
            losses.sigmoid_cross_entropy_and_grad, nn.BCEWithLogitsLoss(), y, z
        )
    logits = 4.0 * rng.normal(size=(2, 3, 5))  # (B, T, V), as a language model's
    labels = rng.integers(0, 5, (2, 3))
    soft = rng.dirichlet(np.ones(5), size=(2, 3))

    def torch_ce(z_t, y_t):  # torch wants (N, V) logits and (N,) or (N, V) targets
        return F.cross_entropy(z_t.reshape(-1, 5), y_t.reshape(-1, *y_t.shape[2:]))

    for y, y_t in ((labels, torch.tensor(labels)), (soft, _t(soft))):
        _assert_loss_and_grad_match(
            losses.softmax_cross_entropy_and_grad, torch_ce, y, logits, y_torch=y_t
        )


def test_binary_cross_entropy_from_probabilities_matches_bce_loss():
    rng = np.random.default_rng(1)
    p, y = rng.uniform(0.01, 0.99, size=12), rng.uniform(size=12)
    _assert_loss_and_grad_match(losses.binary_cross_entropy_and_grad, F.binary_cross_entropy, y, p)


def test_mse_and_gradient_match_mse_loss():
    rng = np.random.default_rng(2)
    y_pred, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    _assert_loss_and_grad_match(losses.mse_and_grad, F.mse_loss, y, y_pred)


@pytest.mark.parametrize("l2", [0.0, 0.05])
def test_bce_gradient_matches_autograd(l2):
    X, y, w, b = _binary_problem()
    w_t, b_t = _t(w, grad=True), _t(b, grad=True)
    J = nn.BCEWithLogitsLoss()(_t(X) @ w_t + b_t, _t(y)) + l2 * (w_t**2).sum()
    J.backward()
    grad_w, grad_b = logistic.bce_gradient(X, y, w, b, l2=l2)
    np.testing.assert_allclose(logistic.objective(X, y, w, b, l2=l2), J.item(), RTOL, ATOL)
    np.testing.assert_allclose(grad_w, _np(w_t.grad), RTOL, ATOL)
    np.testing.assert_allclose(grad_b, b_t.grad.item(), RTOL, ATOL)


@pytest.mark.parametrize("l2", [0.0, 0.05])
def test_softmax_cross_entropy_and_gradient_match_cross_entropy_loss(l2):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 3)), rng.integers(0, 4, 12)
    W, b = rng.normal(size=(3, 4)), rng.normal(size=4)
    W_t, b_t = _t(W, grad=True), _t(b, grad=True)
    logits = _t(X) @ W_t + b_t  # (n, K)
    ce = nn.CrossEntropyLoss()(logits, torch.tensor(y))
    (ce + l2 * (W_t**2).sum()).backward()
    np.testing.assert_allclose(losses.softmax_cross_entropy(y, _np(logits)), ce.item(), RTOL, ATOL)
    grad_W, grad_b = logistic.softmax_gradient(X, y, W, b, l2=l2)
    np.testing.assert_allclose(grad_W, _np(W_t.grad), RTOL, ATOL)
    np.testing.assert_allclose(grad_b, _np(b_t.grad), RTOL, ATOL)


def _torch_loss(loss: str, out, y: np.ndarray):
    if loss == "softmax_cross_entropy":
        return nn.CrossEntropyLoss()(out, torch.tensor(y))
    if loss == "sigmoid_cross_entropy":
        return nn.BCEWithLogitsLoss()(out[:, 0], _t(y))
    return nn.MSELoss()(out, _t(y))  # mean over every entry, like the reference


# --- the MLP (chapter 5) -------------------------------------------------------------------


class _Residual(nn.Module):
    """``y = x + f(x W + b)``, the reference's residual block."""

    def __init__(self, linear: nn.Linear, activation: nn.Module):
        super().__init__()
        self.linear, self.activation = linear, activation

    def forward(self, x):
        return x + self.activation(self.linear(x))


def _torch_linear(W: np.ndarray, b: np.ndarray) -> nn.Linear:
    layer = nn.Linear(*W.shape, dtype=torch.float64)
    with torch.no_grad():  # torch stores the weight as (out, in): the transpose of W
        layer.weight.copy_(_t(W.T))
        layer.bias.copy_(_t(b))
    return layer


def _torch_mlp(net: ref_mlp.MLP) -> tuple[nn.Sequential, list[nn.Linear]]:
    """An ``nn.Sequential`` computing the same function as ``net``, and its Linear layers."""
    Ws, bs = net.params[::2], net.params[1::2]
    linears = [_torch_linear(W, b) for W, b in zip(Ws, bs, strict=True)]
    act = TORCH_MODULES[net.activation]
    modules: list[nn.Module] = []
    for i, linear in enumerate(linears[:-1]):
        modules += [_Residual(linear, act())] if net.residual and i > 0 else [linear, act()]
    modules.append(linears[-1])
    if net.output_activation != "linear":
        modules.append(TORCH_MODULES[net.output_activation]())
    return nn.Sequential(*modules), linears


MLP_CASES = [
    *[(a, "softmax_cross_entropy", "linear", False) for a in TORCH_MODULES],
    ("tanh", "sigmoid_cross_entropy", "linear", False),
    ("gelu", "sigmoid_cross_entropy", "linear", False),
    ("relu", "mse", "linear", False),
    ("silu", "mse", "sigmoid", False),
    ("gelu_tanh", "softmax_cross_entropy", "linear", True),
]


@pytest.mark.parametrize("activation, loss, output_activation, residual", MLP_CASES)
def test_mlp_forward_and_every_gradient_match_torch(activation, loss, output_activation, residual):
    n_out = 1 if loss == "sigmoid_cross_entropy" else 3
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10, 4))
    y = rng.normal(size=(10, n_out)) if loss == "mse" else rng.integers(0, max(n_out, 2), 10)
    net = ref_mlp.MLP(
        [4, 6, 6, n_out],
        activation,
        loss=loss,
        output_activation=output_activation,
        residual=residual,
        seed=3,
    )
    for b in net.params[1::2]:  # nonzero biases, so their copy is checked too
        b[...] = rng.normal(scale=0.5, size=b.shape)
    model, linears = _torch_mlp(net)

    X_t = _t(X, grad=True)
    out = model(X_t)
    torch_loss = _torch_loss(loss, out, y)
    torch_loss.backward()
    loss_value, grads = net.loss_and_grads(X, y)
    dX = net.backward(ref_mlp._LOSS_FUNCTIONS[loss](net._check_y(y, X), net.forward(X))[1])

    tol = {"rtol": MLP_RTOL, "atol": MLP_ATOL}
    np.testing.assert_allclose(net.forward(X), _np(out), **tol)
    np.testing.assert_allclose(loss_value, torch_loss.item(), **tol)
    torch_grads = [g for lin in linears for g in (lin.weight.grad.T, lin.bias.grad)]
    assert len(grads) == len(torch_grads) == 6
    for i, (g, expected) in enumerate(zip(grads, torch_grads, strict=True)):
        np.testing.assert_allclose(g, _np(expected), **tol, err_msg=f"gradient {i}")
    np.testing.assert_allclose(dX, _np(X_t.grad), **tol, err_msg="dL/dX")


# --- one optimiser step --------------------------------------------------------------------


def _params_and_grads(n_steps: int, seed=0):
    """Two parameter arrays and, per step, gradients of mixed scale (1e-9 .. 1)."""
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=(3, 4)), rng.normal(size=4)]
    scale = [10.0 ** rng.integers(-9, 1, size=p.shape) for p in params]
    grads = [[s * rng.normal(size=s.shape) for s in scale] for _ in range(n_steps)]
    return params, grads


def _torch_steps(optimizer_cls, params, grads, **kwargs) -> list[list[np.ndarray]]:
    tensors = [_t(p, grad=True) for p in params]
    optimizer = optimizer_cls(tensors, **kwargs)
    after = []
    for step_grads in grads:
        for t, g in zip(tensors, step_grads, strict=True):
            t.grad = _t(g)
        optimizer.step()
        after.append([_np(t).copy() for t in tensors])
    return after


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_steps_match_torch_sgd(momentum):
    # Keras' momentum form v ← μv − ηg, θ ← θ + v and torch's b ← μb + g, θ ← θ − ηb
    # (dampening 0, first b = g) are the same update with v = −ηb at a fixed learning rate.
    params, grads = _params_and_grads(4)
    expected = _torch_steps(torch.optim.SGD, params, grads, lr=0.1, momentum=momentum)
    ours, optimizer = [p.copy() for p in params], ref_optim.SGD(lr=0.1, momentum=momentum)
    for step_grads, torch_params in zip(grads, expected, strict=True):
        optimizer.step(ours, step_grads)
        for p, q in zip(ours, torch_params, strict=True):
            np.testing.assert_allclose(p, q, RTOL, ATOL)


def test_adam_steps_match_torch_adam_with_epsilon_aligned():
    # The conventions differ by design. torch: θ ← θ − η m̂ / (√v̂ + ε) with bias-corrected
    # m̂, v̂. The reference (Keras' form): θ ← θ − η_t m / (√v + ε̂), η_t = η √(1−β₂ᵗ)/(1−β₁ᵗ).
    # Both are the same step when ε̂ = ε √(1−β₂ᵗ), which changes with t: we set it before
    # every step. (Defaults differ too: ε = 1e-8 in torch, ε̂ = 1e-7 in Keras.)
    lr, betas, eps = 0.01, (0.9, 0.999), 1e-8
    params, grads = _params_and_grads(5)
    expected = _torch_steps(torch.optim.Adam, params, grads, lr=lr, betas=betas, eps=eps)
    ours = [p.copy() for p in params]
    optimizer = ref_optim.Adam(lr=lr, beta_1=betas[0], beta_2=betas[1], epsilon=eps)
    for step_grads, torch_params in zip(grads, expected, strict=True):
        optimizer.epsilon = eps * np.sqrt(1 - betas[1] ** (optimizer.t + 1))
        optimizer.step(ours, step_grads)
        for p, q in zip(ours, torch_params, strict=True):
            np.testing.assert_allclose(p, q, RTOL, ATOL)


def test_adam_epsilon_conventions_differ_where_gradients_are_tiny():
    # Same nominal ε, not aligned. After one step m = (1−β₁)g and v = (1−β₂)g², so torch
    # moves by η g / (|g| + ε) and the reference by η g / (|g| + ε / √(1−β₂)): the
    # reference's ε acts ~32 times larger, visible only where |g| is not much above ε.
    lr, beta_2, eps = 0.01, 0.999, 1e-8
    params, grads = _params_and_grads(1)
    (expected,) = _torch_steps(torch.optim.Adam, params, grads, lr=lr, eps=eps)
    ours = [p.copy() for p in params]
    ref_optim.Adam(lr=lr, beta_2=beta_2, epsilon=eps).step(ours, grads[0])
    for p0, p_ours, p_torch, g in zip(params, ours, expected, grads[0], strict=True):
        np.testing.assert_allclose(p0 - p_torch, lr * g / (np.abs(g) + eps), RTOL, ATOL)
        reference_step = lr * g / (np.abs(g) + eps / np.sqrt(1 - beta_2))
        np.testing.assert_allclose(p0 - p_ours, reference_step, RTOL, ATOL)
    g = np.concatenate([x.ravel() for x in grads[0]])
    assert np.any(np.abs(g) < eps)  # so the two really differ on some entries
