"""Scaling laws in NumPy: counting, Chinchilla's fit, compute-optimal allocation (chapter 10)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from mlfoundations.reference import scaling as ref
from mlfoundations.reference import transformer as ref_models

TRUE = ref.ChinchillaFit(E=1.8, A=400.0, B=1500.0, alpha=0.34, beta=0.37)


def isoflop_runs(law: ref.ChinchillaFit, noise: float = 0.0, seed: int = 0):
    """Runs on 5 isoFLOP slices (1e18..1e22 FLOPs), 8 sizes each, D ≥ 1e8: 36 runs."""
    N, D = [], []
    for C in np.logspace(18, 22, 5):
        for n in np.logspace(7.5, 10.5, 8):
            if C / (6 * n) > 1e8:
                N.append(n)
                D.append(C / (6 * n))
    N, D = np.array(N), np.array(D)
    loss = law.predict(N, D) * np.exp(np.random.default_rng(seed).normal(0, noise, len(N)))
    return N, D, loss


# --------------------------------------------------------------------------- counting


def test_gpt2_small_counts_match_published():
    counts = ref.param_counts(ref_models.NAMED_MODELS["GPT-2 small"])
    assert counts["total"] == 124_439_808  # the "124M" of the GPT-2 release
    # Kaplan's non-embedding count: 12·L·D² + 13·L·D + final norm 2D
    L, D = 12, 768
    assert counts["non_embedding"] == 12 * L * D**2 + 13 * L * D + 2 * D
    assert counts["total"] == counts["non_embedding"] + counts["embedding"]


def test_flops_per_token_is_2n_plus_attention():
    cfg = ref_models.TransformerConfig(
        vocab_size=65, block_size=64, n_layer=2, n_head=4, n_embd=32, bias=False
    )
    f = ref.flops_per_token(cfg)
    # without biases, every non-embedding matrix weight is used once per token (2 FLOPs)
    # and the output projection (tied to the V·D table) once more
    weights = 2 * (4 * 32 * 32 + 2 * 32 * 128)
    attention = 2 * (2 * 64 * 32 + 2 * 64 * 32)
    assert f["forward"] == 2 * weights + attention + 2 * 32 * 65
    assert f["forward"] == sum(v for k, v in f.items() if k != "forward")


@pytest.mark.parametrize("name", ["GPT-3", "Llama-2 70B"])
def test_six_nd_is_close_for_large_models(name):
    cfg = ref_models.NAMED_MODELS[name]
    N = ref.param_counts(cfg)["total"]
    ratio = ref.detailed_training_flops(cfg, 1e12) / ref.training_flops(N, 1e12)
    assert 1.0 < ratio < 1.1  # attention over the context adds a few per cent


def test_training_flops_chinchilla_budget():
    # Chinchilla: 70B parameters, 1.4T tokens -> 5.88e23 FLOPs; GPT-3: 175B, 300B -> 3.15e23
    assert ref.training_flops(70e9, 1.4e12) == pytest.approx(5.88e23)
    assert ref.training_flops(175e9, 300e9) == pytest.approx(3.15e23)
    np.testing.assert_allclose(ref.training_flops([1.0, 2.0], 3.0), [18.0, 36.0])


# --------------------------------------------------------------------------- the fit


def test_objective_gradient_matches_finite_differences():
    N, D, loss = isoflop_runs(TRUE, noise=0.01)
    args = (np.log(N), np.log(D), np.log(loss), 1e-2)
    rng = np.random.default_rng(1)
    for _ in range(5):
        theta = np.array([6.0, 7.0, 0.6, 0.3, 0.35]) + rng.normal(0, 0.3, 5)
        _, grad = ref.chinchilla_objective(theta, *args)
        h = 1e-6
        num = np.array(
            [
                (
                    ref.chinchilla_objective(theta + h * e_i, *args)[0]
                    - ref.chinchilla_objective(theta - h * e_i, *args)[0]
                )
                / (2 * h)
                for e_i in np.eye(5)
            ]
        )
        np.testing.assert_allclose(grad, num, rtol=1e-5, atol=1e-9)


def test_objective_is_sum_of_huber():
    N, D, loss = isoflop_runs(TRUE, noise=0.02)
    theta = TRUE.theta + 0.05
    value, _ = ref.chinchilla_objective(theta, np.log(N), np.log(D), np.log(loss), 1e-3)
    fit = ref.ChinchillaFit(*np.exp(theta[[2, 0, 1]]), alpha=theta[3], beta=theta[4])
    r = np.log(fit.predict(N, D)) - np.log(loss)
    assert value == pytest.approx(np.sum(ref.huber(r, 1e-3)), rel=1e-12)


def test_fit_recovers_exact_law():
    N, D, loss = isoflop_runs(TRUE)
    fit = ref.fit_chinchilla(N, D, loss, grid="small")
    assert fit.converged and fit.n_starts == 243
    for k, v in TRUE.as_dict().items():
        assert getattr(fit, k) == pytest.approx(v, rel=1e-3), k


def test_fit_recovers_law_from_noisy_runs():
    N, D, loss = isoflop_runs(TRUE, noise=0.005, seed=3)
    fit = ref.fit_chinchilla(N, D, loss, grid="small")
    assert fit.alpha == pytest.approx(TRUE.alpha, abs=0.03)
    assert fit.beta == pytest.approx(TRUE.beta, abs=0.03)
    assert fit.E == pytest.approx(TRUE.E, abs=0.05)
    # the fitted law predicts within the noise (0.5 %) everywhere on the grid
    np.testing.assert_allclose(fit.predict(N, D), TRUE.predict(N, D), rtol=0.01)


def test_bootstrap_brackets_truth_and_is_reproducible():
    N, D, loss = isoflop_runs(TRUE, noise=0.005, seed=3)
    fit = ref.fit_chinchilla(N, D, loss, grid="small")
    boot = ref.bootstrap_chinchilla(N, D, loss, fit, n_boot=60, seed=0)
    assert boot["alpha"].shape == (60,) and boot["converged"].mean() > 0.9
    for k in ("alpha", "beta"):
        lo, hi = np.percentile(boot[k], [5, 95])
        # the interval surrounds the full-data fit and the truth (with default SciPy
        # tolerances the warm-started refits barely moved and the interval missed it)
        assert lo <= getattr(fit, k) <= hi, k
        assert lo < getattr(TRUE, k) < hi, k
        assert hi - lo < 0.1, k
    again = ref.bootstrap_chinchilla(N, D, loss, fit, n_boot=60, seed=0)
    np.testing.assert_array_equal(boot["beta"], again["beta"])


def test_fit_raises_when_nothing_converges(monkeypatch):
    from scipy.optimize import OptimizeResult

    def never(theta0, args):
        return OptimizeResult(x=theta0, fun=123.0, success=False)

    monkeypatch.setattr(ref, "_minimize", never)
    N, D, loss = isoflop_runs(TRUE)
    with pytest.raises(RuntimeError, match=r"none of the 243 starts converged.*123"):
        ref.fit_chinchilla(N, D, loss, grid="small")


def test_hoffmann_grid_has_4500_starts():
    starts = ref.initial_grid("hoffmann")
    assert starts.shape == (4500, 5)
    assert set(starts[:, 3]) == {0.0, 0.5, 1.0, 1.5, 2.0}
    assert set(starts[:, 0]) == {0.0, 5.0, 10.0, 15.0, 20.0, 25.0}


# --------------------------------------------------------------------------- allocation


@pytest.mark.parametrize("constants", [ref.HOFFMANN_2022, ref.BESIROGLU_2024])
def test_compute_optimal_closed_form_matches_brute_force(constants):
    fit = ref.ChinchillaFit.from_constants(constants)
    for C in (1e18, 1e21, 5.88e23):
        alloc = ref.compute_optimal(C, fit)
        assert 6 * alloc.N_opt * alloc.D_opt == pytest.approx(C, rel=1e-12)
        res = minimize_scalar(
            lambda logN, C=C: fit.predict(np.exp(logN), C / (6 * np.exp(logN))),
            bounds=(np.log(1e3), np.log(1e14)),
            method="bounded",
            options={"xatol": 1e-10},
        )
        assert alloc.N_opt == pytest.approx(np.exp(res.x), rel=1e-4)


def test_chinchilla_budget_under_each_set_of_constants():
    C = 5.88e23  # Chinchilla: 70B parameters, 1.4T tokens
    published = ref.compute_optimal(C, ref.ChinchillaFit.from_constants(ref.HOFFMANN_2022))
    refit = ref.compute_optimal(C, ref.ChinchillaFit.from_constants(ref.BESIROGLU_2024))
    # The published constants (β = 0.28 < α = 0.34) put ~33B parameters on 3T tokens,
    # ~93 tokens per parameter: not the 70B model they were meant to explain.
    assert published.N_opt == pytest.approx(32.5e9, rel=0.02)
    assert published.tokens_per_param == pytest.approx(92.8, rel=0.02)
    # Besiroglu et al.'s refit gives ~73B parameters and ~18 tokens per parameter,
    # close to Chinchilla itself and to the rule of thumb of 20.
    assert refit.N_opt == pytest.approx(73.1e9, rel=0.02)
    assert 15 < refit.tokens_per_param < 25
    assert refit.N_rule == pytest.approx(70e9)
    assert refit.D_rule == pytest.approx(1.4e12)


def test_compute_optimal_vectorised():
    fit = ref.ChinchillaFit.from_constants(ref.BESIROGLU_2024)
    C = np.logspace(18, 24, 4)
    alloc = ref.compute_optimal(C, fit)
    assert alloc.N_opt.shape == (4,)
    np.testing.assert_allclose(6 * alloc.N_opt * alloc.D_opt, C, rtol=1e-12)


def test_fit_power_law_exact():
    x = np.logspace(6, 9, 7)
    law = ref.fit_power_law(x, 3.0 * x**-0.076)
    assert law.k == pytest.approx(-0.076, rel=1e-10)
    assert law.c == pytest.approx(3.0, rel=1e-8)
    assert law.r2 == pytest.approx(1.0)
    np.testing.assert_allclose(law.predict(x), 3.0 * x**-0.076, rtol=1e-10)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("N", "D", "loss", "match"),
    [
        ([1e6] * 4 + [-1.0], [1e9] * 5, [3.0] * 5, "N must be > 0"),
        ([1e6] * 5, [1e9] * 4 + [0.0], [3.0] * 5, "D must be > 0"),
        ([1e6] * 5, [1e9] * 5, [3.0] * 4 + [0.0], "loss must be > 0"),
        ([1e6] * 5, [1e9] * 4, [3.0] * 5, "same length"),
        ([1e6] * 4, [1e9] * 4, [3.0] * 4, "at least 5 runs"),
        ([1e6] * 4 + [np.nan], [1e9] * 5, [3.0] * 5, "finite"),
    ],
)
def test_fit_bad_input(N, D, loss, match):
    with pytest.raises(ValueError, match=match):
        ref.fit_chinchilla(N, D, loss, grid="small")


def test_other_bad_input():
    fit = ref.ChinchillaFit.from_constants(ref.HOFFMANN_2022)
    with pytest.raises(ValueError, match="C must be > 0"):
        ref.compute_optimal(-1.0, fit)
    with pytest.raises(TypeError, match="fit must be a ChinchillaFit"):
        ref.compute_optimal(1e20, {"E": 1})
    with pytest.raises(ValueError, match="unknown grid"):
        ref.fit_chinchilla([1e6] * 5, [1e9] * 5, [3.0] * 5, grid="huge")
    with pytest.raises(ValueError, match="grid must have 5 columns"):
        ref.fit_chinchilla([1e6] * 5, [1e9] * 5, [3.0] * 5, grid=np.zeros((3, 4)))
    with pytest.raises(ValueError, match="N must be > 0"):
        ref.training_flops(0.0, 1e9)
    with pytest.raises(ValueError, match="delta must be"):
        ref.fit_chinchilla([1e6] * 5, [1e9] * 5, [3.0] * 5, delta=0.0)
    with pytest.raises(ValueError, match="2 distinct x"):
        ref.fit_power_law([1.0, 1.0], [2.0, 3.0])
    with pytest.raises(TypeError, match="TransformerConfig"):
        ref.flops_per_token({"d_model": 8})
