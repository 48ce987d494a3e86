"""Measured cost of each activation (chapter 6) on the current backend, eager and compiled.

    KERAS_BACKEND=jax python benchmarks/activations.py
    # writes benchmarks/results/activations_jax.md and activations_jax.json

What is timed, and what is not:

* The input is a float32 tensor of 2**21 elements that already lives on the backend's
  device: it is created once, outside every timing, so no host-to-tensor copy is counted
  (the first version of this benchmark converted NumPy arrays in every measurement, and
  that transfer, not the activation, was most of what it timed).
* **eager**: the Keras built-in (``keras.activations.relu``, ``.gelu``, ``.silu`` ...;
  ``keras.ops.gelu`` for the tanh form) called op by op, as in a debugging session. A
  formula of several ops (the tanh GELU has about eight) writes a full-size intermediate
  array for each.
* **compiled**: the same function inside the backend's compiler (``jax.jit``,
  ``tf.function(jit_compile=True)``, ``torch.compile``), which fuses the ops into one pass
  over memory, as a compiled training step does. The ratio eager / compiled is what fusion
  removes.
* **dense layer**: a compiled ``x @ W`` of shape (4096, 512) @ (512, 512) beside the
  compiled activation of its (4096, 512) output, to compare an activation's share of the
  time with its share of the arithmetic.
* The NumPy reference functions, and ReLU written with ``np.where`` (three passes) instead
  of ``np.maximum`` (one).

Each time is the best of ``--repeats`` calls after one untimed warm-up call (which pays for
tracing and compilation). Every library runs on ``--threads`` threads (default 1): on a
small shared machine, multithreaded elementwise kernels mostly measure the other users'
load, and one thread makes the backends comparable. A benchmark, not a test: numbers
depend on the machine and its load; the results record both.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mlfoundations.backend import quiet_backend_logs  # noqa: E402

quiet_backend_logs()
os.environ.setdefault("KERAS_BACKEND", "tensorflow")


def _threads_from_argv(argv) -> int:
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            return int(argv[i + 1])
        if arg.startswith("--threads="):
            return int(arg.split("=", 1)[1])
    return 1


THREADS = _threads_from_argv(sys.argv[1:])
if THREADS > 0:  # must be set before the backends start
    os.environ["XLA_FLAGS"] = (
        os.environ.get("XLA_FLAGS", "")
        + f" --xla_cpu_multi_thread_eigen={'true' if THREADS > 1 else 'false'}"
        + f" intra_op_parallelism_threads={THREADS}"
    ).strip()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(THREADS)

import keras  # noqa: E402
from keras import ops  # noqa: E402

from mlfoundations.backend import active_backend  # noqa: E402
from mlfoundations.book.chapter import versions  # noqa: E402
from mlfoundations.book.report import format_table  # noqa: E402
from mlfoundations.book.timing import best_seconds  # noqa: E402
from mlfoundations.reference import activations as R  # noqa: E402


def limit_threads(backend: str, threads: int) -> None:
    """Run the backend's kernels on ``threads`` threads (0: leave the defaults)."""
    if threads <= 0:
        return
    if backend == "torch":
        import torch

        torch.set_num_threads(threads)
    elif backend == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)


RESULTS = Path(__file__).resolve().parent / "results"
BUILTIN = {
    "negate (memory floor)": ops.negative,  # one read, one write: the least an op can cost
    "relu": keras.activations.relu,
    "leaky_relu": lambda x: keras.activations.leaky_relu(x, negative_slope=R.LEAKY_SLOPE),
    "elu": keras.activations.elu,
    "gelu": keras.activations.gelu,  # exact, erf
    "gelu_tanh": ops.gelu,  # approximate=True by default
    "silu": keras.activations.silu,
    "sigmoid": keras.activations.sigmoid,
    "tanh": keras.activations.tanh,
}
LAYER_BATCH, LAYER_WIDTH = 4096, 512


def compile_fn(fn, backend: str):
    """``fn`` inside the backend's compiler (operator fusion), or ``None`` if unavailable."""
    if backend == "jax":
        import jax

        return jax.jit(fn)
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.function(fn, jit_compile=True)
    if backend == "torch":
        import torch

        return torch.compile(fn)
    return None


def synchronizer(backend: str):
    """A function that waits until a result is computed (asynchronous devices, JAX)."""
    if backend == "jax":
        return lambda y: y.block_until_ready()
    if backend == "torch":
        import torch

        if torch.cuda.is_available():
            return lambda y: torch.cuda.synchronize()
    if backend == "tensorflow":
        import tensorflow as tf

        if tf.config.list_logical_devices("GPU"):
            return lambda y: tf.test.experimental.sync_devices()
    return lambda y: None


def time_fn(fn, x, sync, repeats: int) -> float:
    return best_seconds(lambda: sync(fn(x)), repeats)


def measure(n: int, repeats: int, backend: str) -> dict:
    sync = synchronizer(backend)
    x_np = np.random.default_rng(0).normal(scale=3.0, size=n).astype(np.float32)
    x = ops.convert_to_tensor(x_np)  # on the device, once
    rows = []
    for name, f in BUILTIN.items():
        eager = time_fn(f, x, sync, repeats)
        compiled_f = compile_fn(f, backend)
        compiled = time_fn(compiled_f, x, sync, repeats) if compiled_f else None
        row = {"activation": name, "eager ms": eager * 1e3, "compiled ms": None}
        if compiled is not None:
            row["compiled ms"] = compiled * 1e3
        ref = R.get(name)[0] if name in R.ELEMENTWISE else (lambda a: np.negative(a))
        row["numpy ms"] = best_seconds(lambda ref=ref: ref(x_np), repeats) * 1e3
        rows.append(row)
    relu = next(r for r in rows if r["activation"] == "relu")
    for row in rows:
        row["eager / compiled"] = (
            row["eager ms"] / row["compiled ms"] if row["compiled ms"] else None
        )
        row["eager vs relu"] = row["eager ms"] / relu["eager ms"]
        row["compiled vs relu"] = (
            row["compiled ms"] / relu["compiled ms"] if row["compiled ms"] else None
        )
        row["numpy vs relu"] = row["numpy ms"] / relu["numpy ms"]
    where_ms = best_seconds(lambda: np.where(x_np > 0, x_np, np.zeros_like(x_np)), repeats) * 1e3
    numpy_relu = {
        "np.maximum ms": relu["numpy ms"],
        "np.where ms": where_ms,
        "where / maximum": where_ms / relu["numpy ms"],
    }
    return {"activations": rows, "numpy_relu": numpy_relu, "dense_layer": dense_layer(repeats)}


def dense_layer(repeats: int) -> list[dict]:
    """A compiled matmul beside the compiled activation of its output: time vs FLOP share."""
    backend = active_backend()
    sync = synchronizer(backend)
    rng = np.random.default_rng(1)
    B, n = LAYER_BATCH, LAYER_WIDTH
    x = ops.convert_to_tensor(rng.normal(size=(B, n)).astype(np.float32))  # (B, n)
    W = ops.convert_to_tensor((rng.normal(size=(n, n)) / np.sqrt(n)).astype(np.float32))
    matmul = compile_fn(lambda a: ops.matmul(a, W), backend)  # (B, n) @ (n, n)
    matmul_s = time_fn(matmul, x, sync, repeats)
    matmul_flops = 2 * B * n * n
    rows = []
    for name in ["relu", "gelu_tanh"]:
        act_s = time_fn(compile_fn(BUILTIN[name], backend), x, sync, repeats)
        # FLOP share, counting one operation per element: the most favourable count for
        # the activation's share of the arithmetic is still tiny.
        flop_share = (B * n) / (matmul_flops + B * n)
        rows.append(
            {
                "layer": f"({B}, {n}) @ ({n}, {n}) then {name}",
                "matmul ms": matmul_s * 1e3,
                "activation ms": act_s * 1e3,
                "activation time share": act_s / (matmul_s + act_s),
                "activation FLOP share": flop_share,
                "GFLOP/s of matmul": matmul_flops / matmul_s / 1e9,
            }
        )
    return rows


def device_name(backend: str) -> str:
    if backend == "torch":
        import torch

        if torch.cuda.is_available():
            return torch.cuda.get_device_name(0)
    if backend == "jax":
        import jax

        dev = jax.devices()[0]
        if dev.platform != "cpu":
            return dev.device_kind
    if backend == "tensorflow":
        import tensorflow as tf

        if tf.config.list_logical_devices("GPU"):
            return "GPU"
    return f"CPU ({platform.processor() or platform.machine()}, {os.cpu_count()} logical cores)"


def main(argv=None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2**21, help="elements (default 2**21)")
    parser.add_argument("--repeats", type=int, default=21, help="repeats; the best is kept")
    parser.add_argument("--out", type=Path, default=None, help="folder (default results/)")
    parser.add_argument("--threads", type=int, default=1, help="threads per library (0: default)")
    args = parser.parse_args(argv)
    if args.size < 1 or args.repeats < 1:
        parser.error("--size and --repeats must be >= 1")
    backend = active_backend()
    limit_threads(backend, args.threads)
    measured = measure(args.size, args.repeats, backend)
    payload = {
        "benchmark": "activations",
        "backend": backend,
        "device": device_name(backend),
        "date": datetime.date.today().isoformat(),
        "versions": versions(),
        "dtype": "float32",
        "size": args.size,
        "repeats": args.repeats,
        "threads": args.threads,
        "timing": "best of repeats after one warm-up call; input already on the device",
        **measured,
    }
    out_dir = args.out or RESULTS
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / f"activations_{backend}.json"
    json_path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    header = (
        f"Backend **{backend}** (Keras {keras.__version__}) on {payload['device']}, "
        f"{payload['date']}: float32, {args.size} elements already on the device, best of "
        f"{args.repeats}, {args.threads or 'default'} thread(s). "
        "'vs relu' = time relative to relu (higher is slower); "
        "'eager / compiled' = what operator fusion removes."
    )
    numpy_relu = measured["numpy_relu"]
    text = "\n\n".join(
        [
            header,
            format_table(measured["activations"], floatfmt=".3g", style="markdown"),
            "NumPy ReLU: `np.maximum` {:.3g} ms, `np.where` {:.3g} ms ({:.3g}x).".format(
                *numpy_relu.values()
            ),
            format_table(measured["dense_layer"], floatfmt=".3g", style="markdown"),
        ]
    )
    md_path = out_dir / f"activations_{backend}.md"
    md_path.write_text(text + "\n", encoding="utf-8")
    print(header)
    print(format_table(measured["activations"], floatfmt=".3g", style="plain"))
    print(format_table(measured["dense_layer"], floatfmt=".3g", style="plain"))
    print(f"wrote {md_path} and {json_path}")
    return json_path


if __name__ == "__main__":
    main()
