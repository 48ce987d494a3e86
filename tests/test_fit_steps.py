"""``optim.fit_steps``: full-batch ``fit`` in tiled chunks, including the remainder chunk."""

import numpy as np
import pytest

from mlfoundations import linear, optim
from mlfoundations.reference import linear as ref

pytestmark = pytest.mark.keras


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 3))  # X.size = 60 values
    return X, X @ np.array([1.0, -2.0, 0.5]) + 0.3 + 0.1 * rng.normal(size=20)


@pytest.mark.parametrize(
    "chunk, fit_calls",
    [
        (180, 3),  # room for 3 tiled copies: 7 epochs = 3 + 3 + the remainder 1
        (10_000, 1),  # room for all 7: one call, no remainder
    ],
)
def test_full_batch_chunks_take_every_step(backend, problem, monkeypatch, chunk, fit_calls):
    """The weights equal 7 NumPy full-batch steps (float32 vs float64: atol 1e-5)."""
    X, y = problem
    monkeypatch.setattr(optim, "FULL_BATCH_CHUNK", chunk)
    model = linear.linear_model(3)
    model.compile(optimizer=optim.sgd(0.1), loss="mse")
    losses = optim.fit_steps(model, X, y.reshape(-1, 1), epochs=7, batch_size=len(X))
    assert len(losses) == fit_calls
    w, b = linear.coefficients(model)
    expected = ref.gradient_descent(X, y, lr=0.1, epochs=7)
    np.testing.assert_allclose(w, expected.w, atol=1e-5)
    assert b == pytest.approx(expected.b, abs=1e-5)


def test_sgd_builder_checks_its_arguments(backend):
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        optim.sgd(0.0)
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\)"):
        optim.sgd(0.1, momentum=1.0)
    assert float(optim.sgd(0.1, momentum=0.9).momentum) == pytest.approx(0.9)
