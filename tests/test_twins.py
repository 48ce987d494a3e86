"""Twins: a name on both sides (``mlfoundations.<m>`` and ``mlfoundations.reference.<m>``)
has one signature, and a name on one side only is listed in its module's docstring."""

import fnmatch
import importlib
import inspect
import re
from pathlib import Path

import pytest

import mlfoundations

pytestmark = pytest.mark.keras

PACKAGE = Path(mlfoundations.__file__).parent
PAIRS = sorted(
    p.stem for p in (PACKAGE / "reference").glob("[!_]*.py") if (PACKAGE / p.name).exists()
)
# Known, owned elsewhere: remove an entry when its branch lands.
PENDING = {
    ("models", "sample"): "the GPT pieces move to sampling/transformer (issue 12, branch ch8)",
    ("optim", "diagnose"): "Keras side takes a History first (issue 11, branch ch9)",
}


def _public(module) -> dict:
    return {
        name: obj
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and callable(obj)
        and getattr(obj, "__module__", None) == module.__name__
    }


def _params(fn) -> list[tuple]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


def _listed(name: str, doc: str) -> bool:
    """``name`` appears in ``doc`` as ``name`` or :func:`name`, or matches ``*pattern``."""
    literal = re.findall(r"``([\w*]+)``", doc)
    roles = re.findall(r":\w+:`~?(?:[\w.]*\.)?(\w+)`", doc)
    tokens = set(literal) | set(roles)
    return name in tokens or any("*" in t and fnmatch.fnmatch(name, t) for t in tokens)


def test_there_are_pairs_to_check():
    assert {"activations", "linear", "logistic", "losses", "mlp", "optim"} <= set(PAIRS)


@pytest.mark.parametrize("name", PAIRS)
def test_shared_names_have_one_signature(backend, name):
    keras_side = _public(importlib.import_module(f"mlfoundations.{name}"))
    numpy_side = _public(importlib.import_module(f"mlfoundations.reference.{name}"))
    shared = sorted(set(keras_side) & set(numpy_side))
    different = [
        f"{name}.{fn}: keras {inspect.signature(keras_side[fn])} "
        f"vs reference {inspect.signature(numpy_side[fn])}"
        for fn in shared
        if (name, fn) not in PENDING and _params(keras_side[fn]) != _params(numpy_side[fn])
    ]
    assert not different, "\n".join(different)


@pytest.mark.parametrize("name", PAIRS)
def test_one_sided_names_are_listed_in_the_docstring(backend, name):
    if name == "models":
        pytest.skip(PENDING[("models", "sample")])
    keras_module = importlib.import_module(f"mlfoundations.{name}")
    numpy_module = importlib.import_module(f"mlfoundations.reference.{name}")
    keras_side, numpy_side = _public(keras_module), _public(numpy_module)
    missing = [
        f"{module.__name__}.{fn}"
        for module, mine, other in (
            (keras_module, keras_side, numpy_side),
            (numpy_module, numpy_side, keras_side),
        )
        for fn in sorted(set(mine) - set(other))
        if not _listed(fn, module.__doc__ or "")
    ]
    assert not missing, "one-sided but not listed in the module docstring: " + ", ".join(missing)
