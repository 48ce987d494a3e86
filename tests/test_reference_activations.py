"""NumPy activations: known values, derivatives against finite differences, stability at
|x| = 1e4, and properties checked with hypothesis (chapter 6)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mlfoundations.reference import activations as A
from mlfoundations.testing import numerical_gradient, relative_error

ELEMENTWISE = [n for n in A.ELEMENTWISE if n != "linear"]
# Points away from relu's kink at 0, where the derivative is a convention.
X = np.array([-7.5, -3.1, -1.3, -0.4, -0.05, 0.03, 0.2, 0.9, 2.2, 4.7, 8.0])
SMALL = settings(max_examples=50, deadline=None)
finite = st.floats(-50, 50, allow_nan=False, allow_infinity=False)


def test_known_values():
    np.testing.assert_array_equal(A.relu([-2.0, 0.0, 3.0]), [0.0, 0.0, 3.0])
    assert A.sigmoid(0.0) == 0.5
    np.testing.assert_allclose(A.gelu(1.0), 0.8413447460685429, rtol=1e-15)  # Φ(1)
    np.testing.assert_allclose(A.silu(1.0), 1 / (1 + np.exp(-1.0)), rtol=1e-15)
    # tanh(1/2), tanh(1) and tanh(3) to 16 digits (tanh itself is np.tanh: no copy to test)
    np.testing.assert_allclose(
        A.tanh([0.5, 1.0, 3.0]),
        [0.46211715726000974, 0.7615941559557649, 0.9950547536867305],
        rtol=1e-15,
    )
    np.testing.assert_allclose(A.identity(X), X)


def test_leaky_relu_and_elu_known_values():
    np.testing.assert_allclose(A.leaky_relu([-2.0, 0.0, 3.0]), [-0.02, 0.0, 3.0], rtol=1e-15)
    np.testing.assert_array_equal(A.leaky_relu_grad([-2.0, 0.0, 3.0]), [0.01, 0.01, 1.0])
    np.testing.assert_allclose(A.elu([-1.0, 0.0, 2.0]), [np.exp(-1.0) - 1, 0.0, 2.0], rtol=1e-15)
    np.testing.assert_allclose(A.elu_grad([-1.0, 0.0, 2.0]), [np.exp(-1.0), 1.0, 1.0])
    assert A.elu(-1e4) == -1.0  # saturates; expm1 of a huge negative is exactly -1


def test_relu_is_np_maximum():
    x = np.random.default_rng(0).normal(size=1000).astype(np.float32)
    y = A.relu(x)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, np.where(x > 0, x, 0))


def test_gelu_tanh_differs_from_exact_gelu_by_under_5e_4():
    x = np.linspace(-10, 10, 200_001)
    gap = np.abs(A.gelu(x) - A.gelu_tanh(x)).max()
    assert 4.0e-4 < gap < 4.8e-4  # the "≈ 4.7e-4" quoted in chapter 6


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_central_differences(name):
    f, f_grad = A.get(name)
    h = 1e-6
    numeric = (f(X + h) - f(X - h)) / (2 * h)  # elementwise: one difference per point
    # The difference quotient itself carries ~1e-10 absolute rounding error, so the
    # relative measure uses a floor of 1e-3 (|error| < 1e-9 where the derivative is tiny).
    assert relative_error(f_grad(X), numeric, floor=1e-3) < 1e-6


def test_identity_grad_is_one():
    np.testing.assert_array_equal(A.identity_grad(X), np.ones_like(X))


@pytest.mark.parametrize(
    "fn, grad", [(A.softmax, A.softmax_grad), (A.log_softmax, A.log_softmax_grad)]
)
def test_softmax_vjp_matches_finite_differences_and_jacobian(fn, grad):
    rng = np.random.default_rng(1)
    x, v = rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    numeric = numerical_gradient(lambda z: np.sum(v * fn(z)), x, eps=1e-5)
    assert relative_error(grad(x, v), numeric, floor=1e-8) < 1e-7
    # The explicit Jacobian of softmax, diag(s) - s sᵀ, row by row.
    if fn is A.softmax:
        for xi, vi, gi in zip(x, v, grad(x, v), strict=True):
            s = A.softmax(xi)
            np.testing.assert_allclose((np.diag(s) - np.outer(s, s)) @ vi, gi, atol=1e-15)


def test_softmax_grad_along_axis_0():
    rng = np.random.default_rng(2)
    x, v = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    np.testing.assert_allclose(A.softmax_grad(x, v, axis=0), A.softmax_grad(x.T, v.T).T)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", [*ELEMENTWISE, "softmax", "log_softmax"])
def test_stable_up_to_1e4(name, dtype):
    x = np.array([-1e4, -1e3, -88.0, -30.0, 0.0, 30.0, 88.0, 1e3, 1e4], dtype=dtype)
    if name in ("softmax", "log_softmax"):
        fn, grad = getattr(A, name), getattr(A, name + "_grad")
        y, g = fn(x), grad(x, np.ones_like(x))
    else:
        fn, grad = A.get(name)
        y, g = fn(x), grad(x)
    assert y.dtype == dtype and g.dtype == dtype
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(g))


def test_large_input_limits():
    x = np.array([-1e4, 1e4])
    np.testing.assert_array_equal(A.sigmoid(x), [0.0, 1.0])
    np.testing.assert_array_equal(A.gelu(x), [0.0, 1e4])
    np.testing.assert_array_equal(A.gelu_tanh(x), [0.0, 1e4])
    np.testing.assert_array_equal(A.silu(x), [0.0, 1e4])
    np.testing.assert_array_equal(A.log_softmax(x), [-2e4, 0.0])
    # Where the naive (1 + erf)/2 form rounds to 0, the erfc form keeps the value.
    assert A.gelu(-10.0) == pytest.approx(-7.619853e-23, rel=1e-6)


@SMALL
@given(arrays(np.float64, st.integers(2, 20), elements=finite))
def test_monotone_functions_are_monotone(x):
    x = np.sort(x)
    for name in ("relu", "sigmoid", "tanh"):
        assert np.all(np.diff(A.get(name)[0](x)) >= 0), name


@SMALL
@given(
    arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 8)), elements=finite),
    st.floats(-100, 100),
)
def test_softmax_sums_to_one_and_is_shift_invariant(x, c):
    s = A.softmax(x)
    np.testing.assert_allclose(s.sum(axis=-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(A.softmax(x + c), s, atol=1e-12)
    np.testing.assert_allclose(A.log_softmax(x + c), A.log_softmax(x), atol=1e-10)


@SMALL
@given(arrays(np.float64, st.integers(1, 10), elements=finite))
def test_log_softmax_is_log_of_softmax_where_finite(x):
    s = A.softmax(x)
    ok = s > 1e-300
    np.testing.assert_allclose(A.log_softmax(x)[ok], np.log(s[ok]), rtol=1e-10, atol=1e-12)


@SMALL
@given(arrays(np.float64, st.integers(1, 10), elements=finite))
def test_sigmoid_and_tanh_identities(x):
    np.testing.assert_allclose(A.sigmoid(-x), 1 - A.sigmoid(x), atol=1e-15)
    np.testing.assert_allclose(A.tanh(x), 2 * A.sigmoid(2 * x) - 1, atol=1e-14)
    assert np.all(A.sigmoid_grad(x) <= 0.25) and np.all(A.tanh_grad(x) <= 1.0)


def test_float32_is_kept():
    x = X.astype(np.float32)
    for name in ELEMENTWISE:
        assert A.get(name)[0](x).dtype == np.float32, name


def test_unknown_name_lists_valid_ones():
    with pytest.raises(ValueError, match="unknown activation name 'swish'.*'relu'.*'gelu_tanh'"):
        A.get("swish")
    with pytest.raises(TypeError, match="activation must be a name"):
        A.get(3)


def test_bad_inputs():
    with pytest.raises(ValueError, match="v must have the shape of x"):
        A.softmax_grad(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="x must contain only finite values"):
        A.relu([1.0, np.nan])
    with pytest.raises(TypeError, match="x must hold numbers"):
        A.sigmoid(["a"])
    with pytest.raises(ValueError, match="temperature"):
        A.softmax([1.0, 2.0], temperature=0.0)


def test_float16_inputs_do_not_overflow_inside():
    """Finite float16 inputs give finite float16 answers: intermediates run in float32."""
    x = np.array([-60.0, -41.0, 0.5, 41.0, 60.0], dtype=np.float16)  # 41³ > float16 max
    for f in (A.gelu_tanh, A.gelu_tanh_grad):
        out = f(x)
        assert out.dtype == np.float16 and np.all(np.isfinite(out))
        np.testing.assert_allclose(out, f(x.astype(np.float64)), rtol=1e-3, atol=1e-3)
    logits = np.array([7000.0, 6990.0, -3.0], dtype=np.float16)
    for T in (1.0, 0.1, 0.01):
        p = A.softmax(logits, temperature=T)
        assert p.dtype == np.float16 and np.all(np.isfinite(p))
        np.testing.assert_allclose(
            p, A.softmax(logits.astype(np.float64), temperature=T), atol=1e-3
        )


# --- gated units ---------------------------------------------------------------------------


def test_glu_and_swiglu_known_values():
    x = np.array([1.0, -2.0, 3.0, 0.5])  # a = [1, -2], b (the gate) = [3, 0.5]
    sig = 1 / (1 + np.exp(-np.array([3.0, 0.5])))
    np.testing.assert_allclose(A.glu(x), [1.0, -2.0] * sig, rtol=1e-15)
    np.testing.assert_allclose(A.swiglu(x), [1.0, -2.0] * np.array([3.0, 0.5]) * sig, rtol=1e-15)
    # axis 0 of a (4, 1) column is the same split
    np.testing.assert_allclose(A.glu(x[:, None], axis=0)[:, 0], A.glu(x), rtol=1e-15)
    assert A.glu(x.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("axis", [-1, 0, 1])
@pytest.mark.parametrize("name", ["glu", "swiglu"])
def test_gated_grad_matches_finite_differences(name, axis):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 6)) * 2
    out_shape = list(x.shape)
    out_shape[axis] //= 2
    v = rng.normal(size=out_shape)
    f, grad = getattr(A, name), getattr(A, name + "_grad")
    numeric = numerical_gradient(lambda z: np.sum(v * f(z, axis=axis)), x, eps=1e-5)
    assert relative_error(grad(x, v, axis=axis), numeric, floor=1e-8) < 1e-7


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: A.glu(np.ones((2, 3))), ValueError, "x must have an even size along axis 1"),
        (lambda: A.swiglu(np.ones((3, 2)), axis=0), ValueError, "even size along axis 0"),
        (lambda: A.glu(np.ones((2, 4)), axis=2), ValueError, r"axis must be in \[-2, 2\)"),
        (lambda: A.swiglu(np.ones((2, 4)), axis=True), TypeError, "axis must be an integer"),
        (lambda: A.glu(1.0), ValueError, "at least one dimension"),
        (lambda: A.glu_grad(np.ones((2, 4)), np.ones((2, 4))), ValueError, "v must have the shape"),
    ],
)
def test_gated_units_refuse_bad_input_by_name(call, error, match):
    with pytest.raises(error, match=match):
        call()
