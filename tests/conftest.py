"""Test configuration: one process per Keras backend.

The backend is fixed when Keras is first imported, so ``make test`` runs the suite in
separate processes:

* ``pytest -m "not keras and not site"``          NumPy reference, CLI, data: once;
* ``KERAS_BACKEND=<b> pytest -m keras``           every Keras test, once per backend;
* ``JAX_ENABLE_X64=1 KERAS_BACKEND=jax pytest -m "keras and float64"``  float64 on JAX;
* ``pytest -m site``                              the executed docs site and the browser.

Tests that need Keras are marked ``keras`` (put ``pytestmark = pytest.mark.keras`` at the
top of the module) and use the ``backend`` fixture, which names the active backend.
Tests marked ``float64`` also need float64 arithmetic; on JAX that requires
``JAX_ENABLE_X64=1`` and they are skipped (with the reason) without it.
"""

from __future__ import annotations

import os

import pytest

from mlfoundations.book.options import child_env  # noqa: E402

os.environ.update(child_env())  # backend log silencing and MPLBACKEND=Agg, where unset


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "float64: needs float64 arithmetic (JAX: run with JAX_ENABLE_X64=1)"
    )


def pytest_report_header(config):
    return f"KERAS_BACKEND={os.environ.get('KERAS_BACKEND', '(unset: tensorflow)')}"


def _jax_x64() -> bool:
    return os.environ.get("JAX_ENABLE_X64", "").lower() in ("1", "true")


def pytest_collection_modifyitems(config, items):
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    skip64 = pytest.mark.skip(reason="float64 on JAX needs JAX_ENABLE_X64=1 (make test runs it)")
    for item in items:
        if "float64" in item.keywords and backend == "jax" and not _jax_x64():
            item.add_marker(skip64)


@pytest.fixture(scope="session")
def backend() -> str:
    """The active Keras backend's name (imports Keras)."""
    import keras

    return keras.backend.backend()


@pytest.fixture(autouse=True)
def _seed(request):
    """Seed NumPy (and Keras, for Keras tests) before every test, so tests are independent."""
    import numpy as np

    np.random.seed(0)  # noqa: NPY002
    if request.node.get_closest_marker("keras") is not None:
        from mlfoundations.backend import seed_everything

        seed_everything(0)
    yield
