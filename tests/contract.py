"""The bad-input contract, in the spirit of scikit-learn's ``check_estimator``.

Every public function (and class) of ``mlfoundations`` and ``mlfoundations.reference``
declares, in a registry, one valid call and the *kind* of each argument it validates. The
contract test then feeds it a catalogue of bad values for each kind -- empty, wrong rank,
mismatched lengths, NaN/inf, complex, strings, ``None``, object arrays, non-positive or huge
hyperparameters -- one argument at a time, the others valid, and asserts a ``ValueError`` or
``TypeError`` (``KeyError`` for a missing key) whose message names the argument.

An introspection test fails when a public callable has no entry, so a new function is
covered the day it is added. Exceptions, warnings and plain result records are declared as
such (:data:`RECORD`) instead of being silently skipped.
"""

from __future__ import annotations

import importlib
import inspect
import math
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

ERRORS = (ValueError, TypeError, KeyError)


@dataclass(frozen=True)
class Kind:
    """How an argument is validated: which bad values it must refuse.

    Parameters
    ----------
    name : str
        One of the kinds in :func:`bad_values`.
    ndim : int, optional
        Fixed rank of an array argument (adds wrong-rank cases).
    same_length_as : str, optional
        Another argument whose first dimension this one must match.
    finite : bool
        Whether NaN and inf must be refused (False for functions defined on them).
    """

    name: str
    ndim: int | None = None
    same_length_as: str | None = None
    finite: bool = True
    high: int | None = None  # ids: the exclusive upper bound (vocabulary size)


def floats(ndim=None, *, same_length_as=None, finite=True) -> Kind:
    """An array of real numbers."""
    return Kind("floats", ndim, same_length_as, finite)


def labels(*, same_length_as=None, binary=False) -> Kind:
    """A 1-D array of integer class labels (0/1 only when ``binary``)."""
    return Kind("binary" if binary else "labels", 1, same_length_as)


def probs(ndim=None, *, same_length_as=None) -> Kind:
    """An array of probabilities in [0, 1]."""
    return Kind("probs", ndim, same_length_as)


def ids(ndim=None, *, high=None, same_length_as=None) -> Kind:
    """An array of integer token ids (or rows) in ``[0, high)``."""
    return Kind("ids", ndim, same_length_as, high=high)


POS_INT = Kind("pos_int")
NONNEG_INT = Kind("nonneg_int")
POS_FLOAT = Kind("pos_float")
NONNEG_FLOAT = Kind("nonneg_float")
FRACTION = Kind("fraction")  # in [0, 1)
UNIT_OPEN = Kind("unit_open")  # in (0, 1)
SEED = Kind("seed")
CHOICE = Kind("choice")
TEXT = Kind("text")
TOKENS = Kind("tokens")  # list of str
SENTENCES = Kind("sentences")  # iterable of token lists
STEP = Kind("step")  # non-negative integer step counter (scalar or array)
CALLABLE = Kind("callable")
CONFIG = Kind("config")  # a TransformerConfig


class _Opaque:
    """An object of no numeric kind at all."""

    def __repr__(self):
        return "<object>"


def _array_cases(valid, kind: Kind) -> list[tuple[str, Any]]:
    arr = np.asarray(valid)
    cases: list[tuple[str, Any]] = [
        ("None", None),
        ("a string", "abc"),
        ("an object array", np.array([_Opaque(), _Opaque()], dtype=object)),
    ]
    if arr.size:
        cases.append(("complex", arr.astype(np.complex128) + 1j))
        empty_shape = (0,) + arr.shape[1:] if arr.ndim else (0,)
        cases.append(("empty", np.empty(empty_shape, dtype=arr.dtype)))
    if kind.ndim is not None:
        cases.append(("one rank too many", arr[..., None]))
        if arr.ndim > 1:
            cases.append(("one rank too few", arr.reshape(-1)))
        elif arr.ndim == 1:
            cases.append(("one rank too few", arr[0]))
    if kind.same_length_as is not None and arr.ndim and len(arr) > 1:
        cases.append((f"one row fewer than {kind.same_length_as}", arr[:-1]))
    if kind.finite and np.issubdtype(arr.dtype, np.floating) and arr.size:
        for label, value in (("NaN", np.nan), ("inf", np.inf)):
            bad = arr.copy()
            bad.flat[0] = value
            cases.append((label, bad))
    if kind.name in ("labels", "binary") and arr.size:
        frac = arr.astype(np.float64)
        frac.flat[0] = 0.5
        cases.append(("a fractional label", frac))
    if kind.name == "binary" and arr.size:
        two = arr.copy()
        two.flat[0] = 2
        cases.append(("label 2", two))
    if kind.name == "ids" and arr.size:
        cases.append(("float ids", arr.astype(np.float64) + 0.5))
        negative = arr.copy()
        negative.flat[0] = -1
        cases.append(("id -1", negative))
        if kind.high is not None:
            beyond = arr.copy()
            beyond.flat[0] = kind.high
            cases.append(("id out of range", beyond))
    if kind.name == "probs" and arr.size:
        for label, value in (("p < 0", -0.25), ("p > 1", 1.25)):
            bad = arr.astype(np.float64).copy()
            bad.flat[0] = value
            cases.append((label, bad))
    return cases


_SCALAR_CASES: dict[str, list[tuple[str, Any]]] = {
    "pos_int": [("0", 0), ("-1", -1), ("2.5", 2.5), ("'3'", "3"), ("None", None), ("True", True)],
    "nonneg_int": [("-1", -1), ("2.5", 2.5), ("'3'", "3"), ("None", None), ("True", True)],
    "pos_float": [
        ("0", 0.0),
        ("-1", -1.0),
        ("NaN", math.nan),
        ("inf", math.inf),
        ("'x'", "x"),
        ("None", None),
        ("complex", 1 + 1j),
    ],  # fmt: skip
    "nonneg_float": [
        ("-1", -1.0),
        ("NaN", math.nan),
        ("inf", math.inf),
        ("'x'", "x"),
        ("None", None),
    ],  # fmt: skip
    "fraction": [("-0.1", -0.1), ("1.0", 1.0), ("NaN", math.nan), ("'x'", "x"), ("None", None)],
    "unit_open": [("0", 0.0), ("1.0", 1.0), ("-0.5", -0.5), ("NaN", math.nan), ("'x'", "x")],
    "seed": [("-1", -1), ("2**32", 2**32), ("1.5", 1.5), ("'abc'", "abc"), ("True", True)],
    "choice": [("an unknown name", "no-such-choice"), ("None", None), ("3", 3)],
    "text": [("None", None), ("3", 3), ("bytes", b"abc")],
    "tokens": [("None", None), ("3", 3), ("a list of ints", [1, 2, 3])],
    "sentences": [("None", None), ("3", 3), ("a list of ints", [[1, 2], [3]]), ("empty", [])],
    "step": [("-1", -1), ("1.5", 1.5), ("'3'", "3"), ("None", None)],
    "callable": [("None", None), ("3", 3)],
    "config": [("None", None), ("a dict", {"n_embd": 8})],
}


def bad_values(valid, kind: Kind) -> list[tuple[str, Any]]:
    """The catalogue of bad values for an argument of ``kind`` whose valid value is ``valid``."""
    if kind.name in ("floats", "labels", "binary", "probs", "ids"):
        return _array_cases(valid, kind)
    return list(_SCALAR_CASES[kind.name])


@dataclass
class Spec:
    """One public callable's contract: a valid call and the kinds of its checked arguments.

    ``valid`` holds keyword arguments; ``call`` (optional) turns the callable and those
    arguments into the call to make (for a class: construct, then fit). ``accepts`` lists
    (argument, case label) pairs deliberately accepted as valid input, with the reason.
    """

    valid: dict[str, Any] = field(default_factory=dict)
    kinds: dict[str, Kind] = field(default_factory=dict)
    call: Callable | None = None
    accepts: dict[tuple[str, str], str] = field(default_factory=dict)
    named_as: dict[str, str] = field(default_factory=dict)  # the name an error must use

    def run(self, fn, **overrides):
        kwargs = {**self.valid, **overrides}
        return self.call(fn, **kwargs) if self.call is not None else fn(**kwargs)


RECORD = "record"
"""Registry value for an exception, warning or plain result record: no input contract."""


def public_callables(package: str, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """``"module.name" -> object`` for every public function and class defined in ``package``."""
    root = importlib.import_module(package)
    modules = [root]
    if hasattr(root, "__path__"):
        for info in pkgutil.walk_packages(root.__path__, package + "."):
            leaf = info.name.rsplit(".", 1)[-1]
            if leaf.startswith("_") or any(info.name.startswith(e) for e in exclude):
                continue
            modules.append(importlib.import_module(info.name))
    found = {}
    for mod in modules:
        for name, obj in vars(mod).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != mod.__name__:
                continue
            if inspect.isfunction(obj) or inspect.isclass(obj):
                found[f"{mod.__name__.removeprefix('mlfoundations.')}.{name}"] = obj
    return found


@dataclass
class Outcome:
    function: str
    argument: str
    case: str
    ok: bool
    detail: str


TALLY: list[Outcome] = []
"""Every outcome of this session, for :func:`summary`."""


def summary(registry: dict, side: str) -> str:
    """One line of counts for the session: callables, bad inputs tried, refused well."""
    outcomes = [o for o in TALLY if o.function in registry]
    ok = sum(o.ok for o in outcomes)
    tried = len({o.function for o in outcomes})
    specs = [s for s in registry.values() if isinstance(s, Spec)]
    accepted = sum(len(s.accepts) for s in specs)
    share = f"{100 * ok / len(outcomes):.1f} %" if outcomes else "n/a"
    return (
        f"contract ({side}): {len(registry)} callables registered, {tried} fed bad inputs; "
        f"{len(outcomes)} bad inputs tried, {ok} refused by name ({share}); "
        f"{accepted} (argument, case) pairs accepted as valid with a reason"
    )


def check_bad_inputs(name: str, fn, spec: Spec) -> list[Outcome]:
    """Call ``fn`` once per (argument, bad value); record whether it was refused well."""
    outcomes = []
    for arg, kind in spec.kinds.items():
        for label, value in bad_values(spec.valid[arg], kind):
            if (arg, label) in spec.accepts:
                continue
            try:
                result = spec.run(fn, **{arg: value})
            except ERRORS as exc:
                message = str(exc)
                named = spec.named_as.get(arg, arg).lower() in message.lower()
                detail = f"{type(exc).__name__}: {message[:160]}"
                outcomes.append(Outcome(name, arg, label, named, detail))
            except Exception as exc:  # a crash from deep inside is a contract failure
                outcomes.append(
                    Outcome(name, arg, label, False, f"{type(exc).__name__}: {str(exc)[:160]}")
                )
            else:
                outcomes.append(
                    Outcome(name, arg, label, False, f"accepted, returned {_short(result)}")
                )
    TALLY.extend(outcomes)
    return outcomes


def _short(value) -> str:
    text = repr(value)
    return text if len(text) < 80 else text[:77] + "..."


def report(outcomes: list[Outcome]) -> str:
    """A table of the failures, for the assertion message."""
    bad = [o for o in outcomes if not o.ok]
    lines = [f"{len(bad)} of {len(outcomes)} bad inputs not refused with a clear error:"]
    lines += [f"  {o.function}({o.argument}={o.case}): {o.detail}" for o in bad]
    return "\n".join(lines)


def registry_gaps(found: dict, registry: dict) -> tuple[list[str], list[str]]:
    """Public callables without an entry, and entries whose callable no longer exists."""
    return sorted(set(found) - set(registry)), sorted(set(registry) - set(found))


def run_entry(name: str, found: dict, registry: dict) -> list[Outcome]:
    """Make the declared valid call (it must succeed), then feed the bad inputs."""
    fn, spec = found[name], registry[name]
    spec.run(fn)
    return check_bad_inputs(name, fn, spec)


def summary_fixture(registry: dict, side: str):
    """A module fixture that prints :func:`summary` (callables, bad inputs, refused well)
    after the module's tests, past pytest's output capture."""
    import pytest

    @pytest.fixture(scope="module", autouse=True)
    def _session_summary(request):
        yield
        plugins = request.config.pluginmanager
        reporter = plugins.get_plugin("terminalreporter")
        capture = plugins.get_plugin("capturemanager")
        if reporter is not None and capture is not None:
            with capture.global_and_fixture_disabled():  # teardown output is captured otherwise
                reporter.write_line("\n" + summary(registry, side))

    return _session_summary
