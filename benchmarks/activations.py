"""Measured cost of each activation and its derivative (chapter 6), on the current backend.

    KERAS_BACKEND=jax python benchmarks/activations.py
    # writes benchmarks/results/activations_jax.md

For every activation: elements per second of the forward pass and of the gradient (the
backend's autodiff, ``mlfoundations.backend.vjp``), on a float32 array of 2**21 elements,
best of several repeats, eager mode (no jit). The Keras side times Keras' own built-ins
(``keras.activations.relu``, ``.gelu``, ``.silu``, ``.sigmoid``, ``.tanh`` and
``keras.ops.gelu`` for the tanh form): each backend's native kernels, what a model uses.
Each timing starts from a NumPy array and ends with a NumPy result, so it includes the
transfer both ways; the ``identity`` row measures that floor. The NumPy reference (``f``
and the hand-written ``f_grad``) is timed in the same process. A benchmark, not a test:
numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mlfoundations.backend import quiet_backend_logs  # noqa: E402

quiet_backend_logs()
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
from keras import ops  # noqa: E402

from mlfoundations.backend import active_backend, vjp  # noqa: E402
from mlfoundations.book.report import format_table  # noqa: E402
from mlfoundations.book.timing import best_seconds  # noqa: E402
from mlfoundations.reference import activations as R  # noqa: E402

NAMES = ["relu", "gelu", "gelu_tanh", "silu", "sigmoid", "tanh"]
RESULTS = Path(__file__).resolve().parent / "results"
BUILTIN = {
    "relu": keras.activations.relu,
    "gelu": keras.activations.gelu,  # exact
    "gelu_tanh": ops.gelu,  # approximate=True by default
    "silu": keras.activations.silu,
    "sigmoid": keras.activations.sigmoid,
    "tanh": keras.activations.tanh,
}


def measure(n: int, repeats: int) -> list[dict]:
    x = np.random.default_rng(0).normal(scale=3.0, size=n).astype(np.float32)
    rows = []
    floor = best_seconds(lambda: ops.convert_to_numpy(ops.convert_to_tensor(x)), repeats)
    rows.append(
        {
            "activation": "identity (transfer floor)",
            "keras fwd Melem/s": n / floor / 1e6,
            "keras grad Melem/s": None,
            "numpy fwd Melem/s": None,
            "numpy grad Melem/s": None,
            "keras fwd cost vs relu": None,
            "numpy fwd cost vs relu": None,
        }
    )
    for name in NAMES:
        f = BUILTIN[name]
        fwd = best_seconds(lambda f=f: ops.convert_to_numpy(f(ops.convert_to_tensor(x))), repeats)
        grad = best_seconds(lambda f=f: vjp(f, x), repeats)
        ref_f, ref_grad = R.get(name)
        np_fwd = best_seconds(lambda g=ref_f: g(x), repeats)
        np_grad = best_seconds(lambda g=ref_grad: g(x), repeats)
        rows.append(
            {
                "activation": name,
                "keras fwd Melem/s": n / fwd / 1e6,
                "keras grad Melem/s": n / grad / 1e6,
                "numpy fwd Melem/s": n / np_fwd / 1e6,
                "numpy grad Melem/s": n / np_grad / 1e6,
            }
        )
    relu = rows[1]
    for row in rows[1:]:
        row["keras fwd cost vs relu"] = relu["keras fwd Melem/s"] / row["keras fwd Melem/s"]
        row["numpy fwd cost vs relu"] = relu["numpy fwd Melem/s"] / row["numpy fwd Melem/s"]
    return rows


def main(argv=None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2**21, help="elements (default 2**21)")
    parser.add_argument("--repeats", type=int, default=11, help="repeats; the best is kept")
    parser.add_argument("--out", type=Path, default=None, help="Markdown file to write")
    args = parser.parse_args(argv)
    if args.size < 1 or args.repeats < 1:
        parser.error("--size and --repeats must be >= 1")
    backend = active_backend()
    rows = measure(args.size, args.repeats)
    table = format_table(rows, floatfmt=".3g", style="markdown")
    header = (
        f"Backend **{backend}** (Keras {keras.__version__}), float32, {args.size} elements, "
        f"best of {args.repeats}, eager; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} logical CPUs visible. Melem/s = million elements per second; "
        "'cost vs relu' = time relative to relu (higher is slower)."
    )
    out = args.out or RESULTS / f"activations_{backend}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(header + "\n\n" + table + "\n", encoding="utf-8")
    print(header)
    print(format_table(rows, floatfmt=".3g", style="plain"))
    print(f"wrote {out}")
    return out


if __name__ == "__main__":
    main()
