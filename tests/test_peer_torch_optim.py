"""The NumPy optimizer steps and clipping against ``torch.optim`` in float64 (chapter 9).

Each optimizer runs a few steps from the same start on the same sequence of gradients in
NumPy and in torch; the parameters (and torch's state) agree to ``rtol=1e-12, atol=1e-15``.
The learning rate changes between steps (a warmup-cosine schedule), so a convention that
folds the rate into the state would show up here.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from mlfoundations.reference import optim  # noqa: E402

RTOL, ATOL = 1e-12, 1e-15
N_STEPS = 6
LRS = optim.warmup_cosine(np.arange(N_STEPS), max_lr=0.05, min_lr=0.005, warmup_steps=2,
                          decay_steps=N_STEPS - 1)  # fmt: skip


def _problem(seed=0):
    rng = np.random.default_rng(seed)
    w0 = rng.normal(size=(4, 3))
    # varied scales, incl. tiny gradients where ε matters, and a sign flip per step
    grads = [rng.normal(size=(4, 3)) * 10.0 ** rng.uniform(-6, 1, size=(4, 3))
             for _ in range(N_STEPS)]  # fmt: skip
    return w0, grads


def _torch_run(make_opt, w0, grads):
    p = torch.nn.Parameter(torch.tensor(w0, dtype=torch.float64))
    opt = make_opt([p])
    for lr, g in zip(LRS, grads, strict=True):
        for group in opt.param_groups:
            group["lr"] = float(lr)
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
    return p.detach().numpy(), opt.state[p]


def test_sgd_matches_torch():
    w0, grads = _problem()
    ref = w0
    for lr, g in zip(LRS, grads, strict=True):
        ref = optim.sgd_step(ref, g, lr=lr)
    got, _ = _torch_run(lambda ps: torch.optim.SGD(ps, lr=0.1), w0, grads)
    np.testing.assert_allclose(ref, got, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_matches_torch(nesterov):
    w0, grads = _problem(1)
    ref, vel = w0, np.zeros_like(w0)
    for lr, g in zip(LRS, grads, strict=True):
        ref, vel = optim.momentum_step(ref, g, vel, lr=lr, momentum=0.9, nesterov=nesterov)
    got, state = _torch_run(
        lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=nesterov), w0, grads
    )
    np.testing.assert_allclose(ref, got, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(vel, state["momentum_buffer"].numpy(), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("eps", [1e-8, 1e-3])
def test_adam_matches_torch(eps):
    w0, grads = _problem(2)
    ref, m, v = w0, np.zeros_like(w0), np.zeros_like(w0)
    for t, (lr, g) in enumerate(zip(LRS, grads, strict=True), start=1):
        ref, m, v = optim.adam_step(ref, g, m, v, t, lr=lr, beta1=0.9, beta2=0.95, eps=eps)
    got, state = _torch_run(
        lambda ps: torch.optim.Adam(ps, lr=0.1, betas=(0.9, 0.95), eps=eps), w0, grads
    )
    np.testing.assert_allclose(ref, got, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(m, state["exp_avg"].numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(v, state["exp_avg_sq"].numpy(), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("weight_decay", [0.0, 0.1, 2.0])
def test_adamw_matches_torch(weight_decay):
    w0, grads = _problem(3)
    ref, m, v = w0, np.zeros_like(w0), np.zeros_like(w0)
    for t, (lr, g) in enumerate(zip(LRS, grads, strict=True), start=1):
        ref, m, v = optim.adamw_step(ref, g, m, v, t, lr=lr, beta1=0.9, beta2=0.95, eps=1e-8,
                                     weight_decay=weight_decay)  # fmt: skip
    got, state = _torch_run(
        lambda ps: torch.optim.AdamW(ps, lr=0.1, betas=(0.9, 0.95), eps=1e-8,
                                     weight_decay=weight_decay),
        w0, grads,
    )  # fmt: skip
    np.testing.assert_allclose(ref, got, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(m, state["exp_avg"].numpy(), rtol=RTOL, atol=ATOL)


def test_adamw_is_not_adam_with_l2():
    """Adam with the L2 gradient λθ (torch's ``Adam(weight_decay=λ)``) is a different method:
    the same λ gives a different trajectory."""
    w0, grads = _problem(4)
    adam_l2, _ = _torch_run(lambda ps: torch.optim.Adam(ps, lr=0.1, weight_decay=0.1), w0, grads)
    adamw, _ = _torch_run(lambda ps: torch.optim.AdamW(ps, lr=0.1, weight_decay=0.1), w0, grads)
    assert np.abs(adam_l2 - adamw).max() > 1e-3


def test_clip_by_global_norm_matches_torch():
    """torch divides by ‖g‖ + 1e-6: equal to a relative 1e-6/‖g‖, exact when not clipping."""
    rng = np.random.default_rng(5)
    grads = [rng.normal(size=(4, 3)), rng.normal(size=7)]
    for max_norm in (0.5, 100.0):
        ts = [torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64)) for g in grads]
        for t, g in zip(ts, grads, strict=True):
            t.grad = torch.tensor(g)
        total = torch.nn.utils.clip_grad_norm_(ts, max_norm)
        ours, norm = optim.clip_by_global_norm(grads, max_norm)
        assert norm == pytest.approx(float(total), rel=RTOL)
        rtol = 1e-6 / norm * 1.01 if norm > max_norm else RTOL
        for o, t in zip(ours, ts, strict=True):
            np.testing.assert_allclose(o, t.grad.numpy(), rtol=rtol, atol=ATOL)
