"""Scaling laws in NumPy and SciPy: counting parameters and FLOPs, fitting Chinchilla's law.

Taught in chapter 10. Everything here is plain arithmetic on numbers (no Keras):

* :func:`param_counts` and :func:`flops_per_token` count a GPT configuration;
  :func:`training_flops` is the rule of thumb ``C ≈ 6·N·D`` and
  :func:`detailed_training_flops` the per-matmul count it approximates.
* :func:`fit_chinchilla` is Hoffmann et al. (2022) approach 3: fit
  ``L(N, D) = E + A/N^α + B/D^β`` by minimising a Huber loss on log-losses with L-BFGS
  from a grid of starts; :func:`bootstrap_chinchilla` resamples runs for intervals.
* :func:`compute_optimal` splits a compute budget into ``N_opt`` and ``D_opt`` in closed
  form; :func:`fit_power_law` fits Kaplan-style single-variable laws ``y = c·x^k``.

One-sided names (fitting is NumPy work; the Keras twin :mod:`mlfoundations.scaling` trains
the sweep): every public name here, among them ``ChinchillaFit``, ``Allocation``,
``PowerLaw``, ``chinchilla_objective``, ``huber`` and ``initial_grid``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ..checks import as_float_array, check_choice, check_positive, check_positive_int, check_seed
from .transformer import NAMED_MODELS, TransformerConfig, gpt_params

TOKENS_PER_PARAM_RULE = 20.0
"""Chinchilla's rule of thumb: about 20 training tokens per parameter at the optimum."""

HOFFMANN_2022 = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}
"""Constants published by Hoffmann et al. (2022), eq. 10 (approach 3)."""

BESIROGLU_2024 = {"E": 1.82, "A": 482.0, "B": 2085.0, "alpha": 0.348, "beta": 0.366}
"""Besiroglu et al. (Epoch AI, 2024): the refit on the paper's own (extracted) data."""


# --------------------------------------------------------------------------- counting

CHINCHILLA = TransformerConfig(
    32000, 2048, 80, 64, 8192, norm="rmsnorm", positional="rope", bias=False,
    tie_embeddings=False,
)  # fmt: skip
"""Chinchilla's shape from Hoffmann et al. (2022), table 4 (80 layers, 64 heads of 128,
width 8192, SentencePiece vocabulary of 32,000), with a 4·D feed-forward. It used relative
positions (no position table; ``positional="rope"`` stands for that here)."""

NAMED_RUNS = {
    "GPT-2 small": {
        "config": NAMED_MODELS["GPT-2 small"],
        "published_N": 124e6,
        "tokens": 10e9,
        "note": "tokens not published by OpenAI; 10B is Karpathy's llm.c reproduction",
    },
    "GPT-3": {"config": NAMED_MODELS["GPT-3"], "published_N": 175e9, "tokens": 300e9,
              "note": "Brown et al. 2020"},
    "Chinchilla": {"config": CHINCHILLA, "published_N": 70e9, "tokens": 1.4e12,
                   "note": "Hoffmann et al. 2022"},
    "Llama-2 70B": {"config": NAMED_MODELS["Llama-2 70B"], "published_N": 70e9,
                    "tokens": 2.0e12, "note": "Touvron et al. 2023"},
}  # fmt: skip
"""Well-known trainings: configuration, published parameter count and training tokens."""


def param_counts(config: TransformerConfig) -> dict[str, int]:
    """Total and non-embedding parameters of a GPT configuration (chapters 8 and 10).

    ``total`` is what Hoffmann et al. call N. ``non_embedding`` drops the token table, the
    learned position table and an untied output matrix (the ``V·D`` and ``T·D`` tables):
    Kaplan et al. (2020) fit their laws on that count, about ``12·L·D²``. Both come from
    :func:`mlfoundations.reference.transformer.gpt_params`.

    Returns
    -------
    dict
        ``{"total", "non_embedding", "embedding"}`` where ``embedding = total - non_embedding``.
    """
    parts = gpt_params(config)
    return {
        "total": parts["total"],
        "non_embedding": parts["non_embedding"],
        "embedding": parts["total"] - parts["non_embedding"],
    }


def flops_per_token(config: TransformerConfig, *, context: int | None = None) -> dict[str, int]:
    """Forward-pass FLOPs per token of a GPT, matmul by matmul (chapter 10).

    One multiply-add is 2 FLOPs, so a ``(1, m) @ (m, n)`` product costs ``2·m·n``. Per token
    and per block, with width D, key/value width ``D_kv``, feed-forward width F and a
    context of T tokens:

    * ``qkv``: ``2·D·(D + 2·D_kv)``; ``attention_scores`` ``q·kᵀ`` against T keys:
      ``2·T·D``; ``attention_values`` (weights times values): ``2·T·D``;
      ``attention_out``: ``2·D·D``;
    * ``mlp``: ``2·2·D·F`` (``2·3·D·F`` for SwiGLU);

    plus ``logits``, the output projection ``2·D·V`` once per token. Norms, softmax,
    biases and the embedding lookup are left out (they are O(D) per token). The causal
    mask would halve the two attention terms on average; like Kaplan et al. (2020) and
    Hoffmann et al. (2022, appendix F) we count the full context.

    Parameters
    ----------
    config : TransformerConfig
    context : int, optional
        Tokens attended to (default ``config.block_size``).

    Returns
    -------
    dict
        The terms above summed over blocks, and ``"forward"``, their total.
    """
    if not isinstance(config, TransformerConfig):
        raise TypeError(f"config must be a TransformerConfig, got {type(config).__name__}")
    c = config
    T = c.block_size if context is None else check_positive_int(context, "context")
    D, F, L, V = c.n_embd, c.ff_width, c.n_layer, c.vocab_size
    d_kv = c.kv_heads * (D // c.n_head)
    n_mats = 3 if c.mlp == "swiglu" else 2
    terms = {
        "qkv": L * 2 * D * (D + 2 * d_kv),
        "attention_scores": L * 2 * T * D,
        "attention_values": L * 2 * T * D,
        "attention_out": L * 2 * D * D,
        "mlp": L * 2 * n_mats * D * F,
        "logits": 2 * D * V,
    }
    terms["forward"] = sum(terms.values())
    return terms


def training_flops(N, D):
    """Training compute by the rule of thumb ``C ≈ 6·N·D`` FLOPs (chapter 10).

    Each parameter takes part in one multiply-add per token forward (2 FLOPs) and two
    backward (gradients for the input and for the weight: 4 FLOPs).

    Parameters
    ----------
    N : float or array_like
        Parameters (> 0).
    D : float or array_like
        Training tokens (> 0), broadcastable against ``N``.

    Returns
    -------
    float or ndarray
    """
    N = _positive_array(N, "N")
    D = _positive_array(D, "D")
    return _scalar_or_array(6.0 * N * D)


def detailed_training_flops(config: TransformerConfig, D, *, context: int | None = None):
    """Training FLOPs from :func:`flops_per_token`: forward + backward = 3 × forward, × D.

    The backward pass does two matmuls for every forward one (one for the gradient with
    respect to the input, one for the weight), hence the factor 3.
    """
    D = _positive_array(D, "D")
    return _scalar_or_array(3.0 * flops_per_token(config, context=context)["forward"] * D)


# --------------------------------------------------------------------------- the law


@dataclass(frozen=True)
class ChinchillaFit:
    """A fitted ``L(N, D) = E + A/N^α + B/D^β`` (Hoffmann et al. 2022, eq. 2).

    Attributes
    ----------
    E, A, B, alpha, beta : float
        The constants, on their linear scale (``E = exp(e)`` etc.).
    objective : float
        The sum of Huber losses reached (smaller is better).
    converged : bool
        Whether L-BFGS reported convergence for the best start.
    n_starts : int
        How many initialisations were tried.
    """

    E: float
    A: float
    B: float
    alpha: float
    beta: float
    objective: float = float("nan")
    converged: bool = True
    n_starts: int = 0

    def predict(self, N, D):
        """The law's loss at ``N`` parameters and ``D`` tokens (broadcast)."""
        N = _positive_array(N, "N")
        D = _positive_array(D, "D")
        return _scalar_or_array(self.E + self.A / N**self.alpha + self.B / D**self.beta)

    @property
    def theta(self) -> np.ndarray:
        """``(a, b, e, α, β)`` with ``a = log A``, ``b = log B``, ``e = log E``."""
        tiny = np.finfo(float).tiny  # a fit may drive E (or A, B) to underflow to 0
        a, b, e = np.log(np.maximum([self.A, self.B, self.E], tiny))
        return np.array([a, b, e, self.alpha, self.beta], float)

    def as_dict(self) -> dict[str, float]:
        return {"E": self.E, "A": self.A, "B": self.B, "alpha": self.alpha, "beta": self.beta}

    @classmethod
    def from_constants(cls, constants: dict) -> ChinchillaFit:
        """A fit from published constants, e.g. ``ChinchillaFit.from_constants(HOFFMANN_2022)``."""
        return cls(**{k: float(constants[k]) for k in ("E", "A", "B", "alpha", "beta")})


def huber(r, delta: float):
    """Huber loss ``½r²`` for ``|r| ≤ δ``, ``δ(|r| − ½δ)`` beyond: quadratic, then linear."""
    r = as_float_array(r, "r")
    delta = check_positive(delta, "delta")
    abs_r = np.abs(r)
    return np.where(abs_r <= delta, 0.5 * r**2, delta * (abs_r - 0.5 * delta))


def chinchilla_objective(theta, log_N, log_D, log_L, delta: float):
    """Hoffmann's objective and its gradient with respect to ``θ = (a, b, e, α, β)``.

    ``Σ_i Huber_δ(LSE(a − α log N_i, b − β log D_i, e) − log L_i)``: the law
    ``E + A/N^α + B/D^β`` written in logs, ``log L = LSE(...)``, so that it is smooth and
    the constants stay positive. A sum, not a mean: a mean shrinks the gradient by the
    number of runs and L-BFGS's gradient tolerance then stops it early.

    Returns
    -------
    (float, ndarray of shape (5,))
    """
    theta = as_float_array(theta, "theta", ndim=1)
    if theta.shape != (5,):
        raise ValueError(f"theta must hold 5 values (a, b, e, alpha, beta), got {theta.shape}")
    log_N, log_D, log_L = (
        as_float_array(v, name, ndim=1)
        for v, name in ((log_N, "log_N"), (log_D, "log_D"), (log_L, "log_L"))
    )
    if not len(log_N) == len(log_D) == len(log_L):
        raise ValueError(
            "log_N, log_D and log_L must have the same length, "
            f"got {len(log_N)}, {len(log_D)} and {len(log_L)}"
        )
    return _objective(theta, log_N, log_D, log_L, check_positive(delta, "delta"))


def _objective(theta, log_N, log_D, log_L, delta):
    """:func:`chinchilla_objective` without the checks: L-BFGS calls it thousands of times."""
    a, b, e, alpha, beta = theta
    z_N = a - alpha * log_N  # (n,) log of A/N^α
    z_D = b - beta * log_D  # (n,) log of B/D^β
    z_max = np.maximum(np.maximum(z_N, z_D), e)  # subtract the max: exp never overflows
    w_N, w_D, w_E = np.exp(z_N - z_max), np.exp(z_D - z_max), np.exp(e - z_max)
    total = w_N + w_D + w_E
    r = z_max + np.log(total) - log_L  # (n,) residual in log-loss
    dr = np.clip(r, -delta, delta)  # Huber'(r)
    abs_dr = np.abs(dr)
    value = np.sum(abs_dr * (np.abs(r) - 0.5 * abs_dr))  # ½r² inside δ, δ(|r| − ½δ) outside
    u = dr / total  # Huber'(r) · ∂LSE/∂z_k = u · w_k
    uN, uD = u * w_N, u * w_D
    grad = np.array([uN.sum(), uD.sum(), u @ w_E, -(uN @ log_N), -(uD @ log_D)])
    return float(value), grad


GRIDS = {
    # Hoffmann et al. (2022), appendix D.2: 5 · 5 · 5 · 6 · 6 = 4,500 starts.
    "hoffmann": {
        "alpha": np.arange(0.0, 2.01, 0.5),
        "beta": np.arange(0.0, 2.01, 0.5),
        "e": np.arange(-1.0, 1.01, 0.5),
        "a": np.arange(0.0, 25.01, 5.0),
        "b": np.arange(0.0, 25.01, 5.0),
    },
    # 3⁵ = 243 starts, for quick runs and tests.
    "small": {
        "alpha": np.array([0.0, 0.5, 1.0]),
        "beta": np.array([0.0, 0.5, 1.0]),
        "e": np.array([-1.0, 0.0, 1.0]),
        "a": np.array([0.0, 10.0, 20.0]),
        "b": np.array([0.0, 10.0, 20.0]),
    },
}


def initial_grid(grid: str = "hoffmann") -> np.ndarray:
    """The starting points ``(a, b, e, α, β)`` of :func:`fit_chinchilla`, one per row."""
    g = GRIDS[check_choice(grid, "grid", tuple(GRIDS))]
    return np.array(list(itertools.product(g["a"], g["b"], g["e"], g["alpha"], g["beta"])))


def _check_runs(N, D, loss):
    N = as_float_array(N, "N", ndim=1)
    D = as_float_array(D, "D", ndim=1)
    loss = as_float_array(loss, "loss", ndim=1)
    if len(N) != len(D) or len(N) != len(loss):
        raise ValueError(
            f"N, D and loss must have the same length, got {len(N)}, {len(D)} and {len(loss)}"
        )
    for name, arr in (("N", N), ("D", D), ("loss", loss)):
        if np.any(arr <= 0):
            raise ValueError(f"{name} must be > 0 everywhere, got minimum {arr.min():g}")
    if len(N) < 5:
        raise ValueError(f"fitting 5 constants needs at least 5 runs, got {len(N)}")
    return np.log(N), np.log(D), np.log(loss)


# SciPy's default tolerances stop L-BFGS early on this nearly piecewise-linear objective
# (δ is far below typical residuals): warm-started refits then barely move from their
# start and bootstrap intervals come out several times too narrow. Tight tolerances cost
# a few dozen more iterations and reach the optimum the full grid finds.
LBFGS_OPTIONS = {"ftol": 1e-15, "gtol": 1e-12, "maxiter": 5000}


def _minimize(theta0, args):
    from scipy.optimize import minimize

    return minimize(
        _objective,  # the arguments were checked once, by _check_runs
        theta0,
        args=args,
        jac=True,
        method="L-BFGS-B",
        options=LBFGS_OPTIONS,
    )


def _to_fit(theta, objective, converged, n_starts) -> ChinchillaFit:
    a, b, e, alpha, beta = (float(t) for t in theta)
    return ChinchillaFit(
        E=float(np.exp(e)),
        A=float(np.exp(a)),
        B=float(np.exp(b)),
        alpha=alpha,
        beta=beta,
        objective=float(objective),
        converged=bool(converged),
        n_starts=int(n_starts),
    )


def fit_chinchilla(N, D, loss, *, delta: float = 1e-3, grid="hoffmann") -> ChinchillaFit:
    """Fit ``L(N, D) = E + A/N^α + B/D^β`` as Hoffmann et al. (2022) did (approach 3).

    Minimises :func:`chinchilla_objective` (sum over runs of
    ``Huber_δ(LSE(a − α log N, b − β log D, e) − log L)``) with L-BFGS and the analytic
    gradient from every start of a grid, and keeps the best start that converged. Every
    point given is used: choosing points (Besiroglu et al. drop the five highest-loss runs)
    is the caller's job.

    Parameters
    ----------
    N : array_like of shape (n_runs,)
        Total parameters of each run.
    D : array_like of shape (n_runs,)
        Training tokens of each run.
    loss : array_like of shape (n_runs,)
        Final loss of each run (nats), > 0.
    delta : float, default 1e-3
        Huber threshold, in log-loss units.
    grid : {"hoffmann", "small"} or ndarray of shape (n_starts, 5)
        ``"hoffmann"``: α, β ∈ {0, 0.5, …, 2}, e ∈ {−1, −0.5, …, 1}, a, b ∈ {0, 5, …, 25}
        (4,500 starts, about 10 s); ``"small"``: 3⁵ = 243 starts; or explicit starts
        ``(a, b, e, α, β)``.

    Returns
    -------
    ChinchillaFit

    Raises
    ------
    RuntimeError
        If no start converges (the message gives the best objective reached).
    """
    args = (*_check_runs(N, D, loss), check_positive(delta, "delta"))
    if isinstance(grid, str):
        starts = initial_grid(grid)
    else:
        starts = as_float_array(grid, "grid", ndim=2)
        if starts.shape[1] != 5:
            raise ValueError(f"grid must have 5 columns (a, b, e, alpha, beta), got {starts.shape}")
    best, best_any = None, None
    for theta0 in starts:
        res = _minimize(theta0, args)
        if not np.all(np.isfinite(res.x)) or not np.isfinite(res.fun):
            continue
        if best_any is None or res.fun < best_any.fun:
            best_any = res
        if res.success and (best is None or res.fun < best.fun):
            best = res
    if best is None:
        reached = "nothing finite" if best_any is None else f"{best_any.fun:.6g}"
        raise RuntimeError(
            f"fit_chinchilla: none of the {len(starts)} starts converged "
            f"(best objective reached: {reached}); check the data or widen the grid"
        )
    return _to_fit(best.x, best.fun, True, len(starts))


def bootstrap_chinchilla(
    N, D, loss, fit: ChinchillaFit, *, n_boot: int = 200, seed: int = 0, delta: float = 1e-3
) -> dict[str, np.ndarray]:
    """Refit on ``n_boot`` resamples of the runs (with replacement), warm-started at ``fit``.

    Starting each refit from the full-data optimum instead of the whole grid makes a
    resample cost milliseconds; the spread of the refits estimates the constants'
    sampling uncertainty.

    Returns
    -------
    dict of ndarray of shape (n_boot,)
        ``"E", "A", "B", "alpha", "beta"`` and ``"converged"`` (bool).
    """
    log_N, log_D, log_L = _check_runs(N, D, loss)
    if not isinstance(fit, ChinchillaFit):
        raise TypeError(f"fit must be a ChinchillaFit, got {type(fit).__name__}")
    n_boot = check_positive_int(n_boot, "n_boot")
    delta = check_positive(delta, "delta")
    rng = np.random.default_rng(check_seed(seed))
    n = len(log_N)
    out = {k: np.empty(n_boot) for k in ("E", "A", "B", "alpha", "beta")}
    out["converged"] = np.empty(n_boot, dtype=bool)
    for i in range(n_boot):
        idx = rng.integers(0, n, size=n)
        res = _minimize(fit.theta, (log_N[idx], log_D[idx], log_L[idx], delta))
        f = _to_fit(res.x, res.fun, res.success, 1)
        for k, v in f.as_dict().items():
            out[k][i] = v
        out["converged"][i] = f.converged
    return out


# --------------------------------------------------------------------------- allocation


@dataclass(frozen=True)
class Allocation:
    """A compute budget split into model size and data (see :func:`compute_optimal`)."""

    C: float | np.ndarray
    N_opt: float | np.ndarray
    D_opt: float | np.ndarray
    tokens_per_param: float | np.ndarray
    N_rule: float | np.ndarray
    D_rule: float | np.ndarray


def compute_optimal(C, fit: ChinchillaFit) -> Allocation:
    """The N and D that minimise the fitted loss at compute ``C = 6·N·D`` (closed form).

    Substituting ``D = C/(6N)`` and setting ``∂L/∂N = 0`` gives

    ``N_opt = G·(C/6)^(β/(α+β))``, ``D_opt = G⁻¹·(C/6)^(α/(α+β))``,
    ``G = (αA / (βB))^(1/(α+β))``,

    so ``6·N_opt·D_opt = C`` exactly. Beside it, the rule of thumb of 20 tokens per
    parameter: ``N_rule = √(C/120)``, ``D_rule = 20·N_rule``.

    Parameters
    ----------
    C : float or array_like
        Training compute in FLOPs (> 0).
    fit : ChinchillaFit

    Returns
    -------
    Allocation
    """
    if not isinstance(fit, ChinchillaFit):
        raise TypeError(f"fit must be a ChinchillaFit, got {type(fit).__name__}")
    C = _positive_array(C, "C")
    a, b = fit.alpha, fit.beta
    if not (a > 0 and b > 0):
        raise ValueError(f"compute_optimal needs alpha > 0 and beta > 0, got {a} and {b}")
    G = (a * fit.A / (b * fit.B)) ** (1.0 / (a + b))
    N_opt = G * (C / 6.0) ** (b / (a + b))
    D_opt = (C / 6.0) ** (a / (a + b)) / G
    N_rule = np.sqrt(C / (6.0 * TOKENS_PER_PARAM_RULE))
    return Allocation(
        C=_scalar_or_array(C),
        N_opt=_scalar_or_array(N_opt),
        D_opt=_scalar_or_array(D_opt),
        tokens_per_param=_scalar_or_array(D_opt / N_opt),
        N_rule=_scalar_or_array(N_rule),
        D_rule=_scalar_or_array(TOKENS_PER_PARAM_RULE * N_rule),
    )


@dataclass(frozen=True)
class PowerLaw:
    """``y = c · x^k`` (Kaplan-style: one variable, no irreducible term)."""

    c: float
    k: float
    r2: float

    def predict(self, x):
        return _scalar_or_array(self.c * _positive_array(x, "x") ** self.k)


def fit_power_law(x, y) -> PowerLaw:
    """Least-squares line through ``(log x, log y)``: ``y ≈ c·x^k``.

    Kaplan et al. (2020) fit laws like ``L(N) = (N_c/N)^α_N``, i.e. ``c = N_c^α_N`` and
    ``k = −α_N``. ``r2`` is the coefficient of determination in log space.

    Parameters
    ----------
    x, y : array_like of shape (n,)
        Positive values, at least two distinct ``x``.
    """
    x = as_float_array(x, "x", ndim=1)
    y = as_float_array(y, "y", ndim=1)
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}")
    for name, arr in (("x", x), ("y", y)):
        if np.any(arr <= 0):
            raise ValueError(f"{name} must be > 0 everywhere, got minimum {arr.min():g}")
    if len(np.unique(x)) < 2:
        raise ValueError("fit_power_law needs at least 2 distinct x values")
    lx, ly = np.log(x), np.log(y)
    k, log_c = np.polyfit(lx, ly, 1)
    resid = ly - (log_c + k * lx)
    ss_tot = np.sum((ly - ly.mean()) ** 2)
    r2 = 1.0 - np.sum(resid**2) / ss_tot if ss_tot > 0 else 1.0
    return PowerLaw(c=float(np.exp(log_c)), k=float(k), r2=float(r2))


# --------------------------------------------------------------------------- helpers


def _positive_array(value, name: str) -> np.ndarray:
    arr = as_float_array(value, name)
    if np.any(arr <= 0):
        raise ValueError(f"{name} must be > 0, got minimum {arr.min():g}")
    return arr


def _scalar_or_array(arr):
    arr = np.asarray(arr, dtype=float)
    return float(arr) if arr.ndim == 0 else arr
