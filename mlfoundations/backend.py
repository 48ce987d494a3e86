"""Choose and inspect the Keras backend; seeding; devices; gradients on any backend.

Keras 3 fixes its backend the first time ``import keras`` runs, from the
``KERAS_BACKEND`` environment variable. Everything here that must happen *before* that
import (:func:`use_backend`, :func:`quiet_backend_logs`) imports no Keras itself.

Backend-specific code lives in this module only, behind one function each:
:func:`seed_everything`, :func:`list_devices` and :func:`value_and_grad` / :func:`vjp`
(autodiff, used by the chapters to check backpropagation by hand).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import os
import random
import sys
from collections.abc import Callable, Sequence

import numpy as np

from .checks import check_positive_int, check_seed

BACKENDS: tuple[str, ...] = ("tensorflow", "jax", "torch")
"""The Keras backends this project supports and tests."""

DEFAULT_BACKEND = "tensorflow"

# backend name -> (module to import, distribution name(s) to report, pip extra)
_PACKAGES = {
    "tensorflow": ("tensorflow", ("tensorflow-cpu", "tensorflow"), "tensorflow"),
    "jax": ("jax", ("jax",), "jax"),
    "torch": ("torch", ("torch",), "torch"),
}


class BackendNotInstalledError(ImportError):
    """The requested backend's Python package is not installed."""


def check_backend_name(name: str) -> str:
    """Return ``name`` if it is a supported backend, else raise a clear ``ValueError``."""
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; expected one of: {', '.join(BACKENDS)}")
    return name


def is_installed(name: str) -> bool:
    """Whether the package behind backend ``name`` can be imported (checked without importing)."""
    module = _PACKAGES[check_backend_name(name)][0]
    return importlib.util.find_spec(module) is not None


def package_version(name: str) -> str | None:
    """Installed version of backend ``name``'s package, read from metadata (no import)."""
    for dist in _PACKAGES[check_backend_name(name)][1]:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


QUIET_ENV: dict[str, str] = {
    "TF_CPP_MIN_LOG_LEVEL": "3",  # TensorFlow's C++ start-up log
    "TF_ENABLE_ONEDNN_OPTS": "0",  # the oneDNN notice (and its run-to-run rounding changes)
    "GRPC_VERBOSITY": "ERROR",
    "ABSL_MIN_LOG_LEVEL": "3",  # XLA/JAX's absl messages ("no GPU found")
}
"""The environment that silences backend start-up chatter: the one place it is written.
:func:`quiet_backend_logs` applies it to this process, and
:func:`mlfoundations.book.options.child_env` to the processes that run chapters,
benchmarks and tests."""


def quiet_backend_logs(environ=None) -> None:
    """Silence TensorFlow/XLA start-up chatter so pages and CI logs stay clean.

    Sets the :data:`QUIET_ENV` variables as defaults (never overriding what the user set)
    in ``environ`` (default ``os.environ``). Call before ``import keras``.
    """
    environ = os.environ if environ is None else environ
    for key, value in QUIET_ENV.items():
        environ.setdefault(key, value)


def active_backend() -> str:
    """The backend Keras uses (or will use when first imported).

    If Keras is already imported, asks it; otherwise reads ``KERAS_BACKEND`` and falls back
    to Keras' default, ``"tensorflow"``.
    """
    keras = sys.modules.get("keras")
    if keras is not None and hasattr(keras, "backend"):
        return keras.backend.backend()
    return os.environ.get("KERAS_BACKEND", DEFAULT_BACKEND)


def use_backend(name: str) -> str:
    """Select backend ``name`` for this process; call before ``import keras``.

    Parameters
    ----------
    name : {"tensorflow", "jax", "torch"}

    Returns
    -------
    str
        ``name``.

    Raises
    ------
    ValueError
        If ``name`` is not a supported backend (the message lists the valid ones).
    BackendNotInstalledError
        If its package is missing (the message names the extra to install).
    RuntimeError
        If Keras was already imported with a different backend: the choice is fixed at
        import, so the process must be restarted (or the variable set before starting it).
    """
    check_backend_name(name)
    if "keras" in sys.modules:
        current = active_backend()
        if current != name:
            raise RuntimeError(
                f"Keras was already imported with the {current!r} backend; the backend is "
                f"fixed at import. Set KERAS_BACKEND={name} before Python starts (or call "
                "use_backend() before the first `import keras`)."
            )
        return name
    if not is_installed(name):
        raise BackendNotInstalledError(
            f"the {name} backend is not installed; install it with: "
            f"pip install 'mlfoundations[{_PACKAGES[name][2]}]'"
        )
    quiet_backend_logs()
    os.environ["KERAS_BACKEND"] = name
    return name


def seed_everything(seed: int, *, deterministic: bool = False) -> int:
    """Seed Python, NumPy, Keras and the active backend for a reproducible run.

    Same seed, same backend, same numbers. Different backends draw different numbers from
    the same seed (each has its own generator), so cross-backend comparisons start from
    weights set from NumPy instead.

    Parameters
    ----------
    seed : int
        Non-negative seed.
    deterministic : bool, default False
        Also ask the backend for deterministic kernels (TensorFlow op determinism,
        ``torch.use_deterministic_algorithms``). Slower; matters mostly on GPU.

    Returns
    -------
    int
        The seed.
    """
    seed = check_seed(seed)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002  (seed the legacy global RNG learners use)
    import keras  # noqa: F401  (the backend was chosen before this point)

    name = active_backend()
    if name == "tensorflow" or "tensorflow" in sys.modules:
        # keras.utils.set_random_seed also seeds TensorFlow (tf.data shuffling).
        keras.utils.set_random_seed(seed)
    else:
        # Same as keras.utils.set_random_seed minus importing TensorFlow, which costs
        # several seconds on the JAX and torch backends and seeds nothing they use.
        from keras.src.backend.common import global_state
        from keras.src.random import seed_generator

        global_state.set_global_attribute("global_random_seed", seed)
        global_state.set_global_attribute(seed_generator.GLOBAL_SEED_GENERATOR, None)
    if name == "torch":
        import torch

        torch.manual_seed(seed)
        if deterministic:
            torch.use_deterministic_algorithms(True, warn_only=True)
    elif name == "tensorflow" and deterministic:
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
    return seed


def list_devices() -> list[dict[str, str]]:
    """Devices the active backend can compute on.

    Returns
    -------
    list of dict
        One dict per device with keys ``"kind"`` (``"CPU"`` or ``"GPU"``), ``"name"`` and
        ``"memory"`` (a human-readable string, or ``""`` when the backend does not say).
    """
    import keras  # noqa: F401

    name = active_backend()
    devices: list[dict[str, str]] = []
    if name == "tensorflow":
        import tensorflow as tf

        for dev in tf.config.list_physical_devices():
            kind = dev.device_type
            label = dev.name
            if kind == "GPU":
                details = tf.config.experimental.get_device_details(dev)
                label = details.get("device_name", dev.name)
            devices.append({"kind": kind, "name": label, "memory": ""})
    elif name == "jax":
        import jax

        for dev in jax.devices():
            kind = "GPU" if dev.platform in ("gpu", "cuda", "rocm") else dev.platform.upper()
            memory = ""
            stats = getattr(dev, "memory_stats", lambda: None)()
            if stats and "bytes_limit" in stats:
                memory = f"{stats['bytes_limit'] / 2**30:.1f} GiB"
            devices.append(
                {"kind": kind, "name": getattr(dev, "device_kind", str(dev)), "memory": memory}
            )
    else:
        import torch

        devices.append({"kind": "CPU", "name": "cpu", "memory": ""})
        for i in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(i)
            devices.append(
                {
                    "kind": "GPU",
                    "name": props.name,
                    "memory": f"{props.total_memory / 2**30:.1f} GiB",
                }
            )
    return devices


def nvidia_gpus() -> list[dict[str, str]]:
    """The NVIDIA GPUs this machine has, as ``nvidia-smi`` reports them (no backend imported).

    Returns
    -------
    list of dict
        One dict per GPU with keys ``"name"`` and ``"memory"`` (e.g. ``"141.0 GiB"``, or
        ``""`` when ``nvidia-smi`` does not say). Empty when ``nvidia-smi`` is missing, fails,
        or lists no GPU.
    """
    import shutil
    import subprocess

    exe = shutil.which("nvidia-smi")
    if exe is None:
        return []

    def query(*args: str) -> list[str]:
        try:
            done = subprocess.run(
                [exe, *args], capture_output=True, text=True, timeout=20, check=False
            )
        except (OSError, subprocess.SubprocessError):
            return []
        return [line.strip() for line in done.stdout.splitlines() if line.strip()]

    gpus = []
    for line in query("--query-gpu=name,memory.total", "--format=csv,noheader,nounits"):
        name, _, mib = line.rpartition(",")
        try:
            gpus.append({"name": name.strip(), "memory": f"{float(mib) / 1024:.1f} GiB"})
        except ValueError:
            gpus = []
            break
    if not gpus:  # an older or unusual nvidia-smi: fall back to the plain listing
        for line in query("-L"):
            if line.startswith("GPU "):
                name = line.split(":", 1)[1].split("(UUID", 1)[0].strip()
                gpus.append({"name": name, "memory": ""})
    return gpus


# One line of Python per backend that prints how many GPUs it can compute on.
_GPU_PROBES = {
    "tensorflow": "import tensorflow as tf; print(len(tf.config.list_physical_devices('GPU')))",
    "jax": "import jax; print(sum(d.platform in ('gpu', 'cuda') for d in jax.devices()))",
    "torch": "import torch; print(torch.cuda.device_count() if torch.cuda.is_available() else 0)",
}

GPU_FIX = {
    "tensorflow": "pip install 'mlfoundations[tensorflow-gpu]' -c constraints-gpu.txt",
    "jax": "pip install 'mlfoundations[jax-gpu]' -c constraints-gpu.txt",
    "torch": "pip install 'mlfoundations[torch-gpu]' -c constraints-gpu.txt",
}
"""How to get each backend's GPU build (``make venv DEVICE=gpu`` does all three)."""


def gpus_visible(name: str, *, timeout: float = 120.0) -> int | None:
    """How many GPUs backend ``name`` can compute on, asked in a fresh process.

    A fresh process because a backend, once imported, cannot be unloaded, and importing
    three of them into one process on a GPU lets JAX preallocate most of its memory.

    Returns
    -------
    int or None
        The count, or ``None`` when the backend is not installed or the probe failed.
    """
    import subprocess

    check_backend_name(name)
    if not is_installed(name):
        return None
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    try:
        done = subprocess.run(
            [sys.executable, "-c", _GPU_PROBES[name]],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines or not lines[-1].isdigit():
        return None
    return int(lines[-1])


def xla_on_cpu(jit_compile="auto"):
    """``jit_compile`` for ``Model.compile`` of a model whose every op XLA supports.

    Keras' ``"auto"`` turns XLA off for TensorFlow on a machine without a GPU (some ops have
    no XLA kernel there). For the GPT of chapter 8 that about doubles the step: 78 ms as a
    plain ``tf.function`` graph, 41 ms compiled by XLA (nanoGPT's configuration, 2 CPU
    cores; the profile notes of ``benchmarks/gpt.py``).
    So ``"auto"`` becomes ``True`` on TensorFlow; JAX always compiles with XLA, and PyTorch
    keeps Keras' choice (eager). An explicit ``True``/``False`` is returned unchanged.
    """
    if jit_compile == "auto" and active_backend() == "tensorflow":
        return True
    return jit_compile


_M_TRIM_THRESHOLD, _M_MMAP_MAX = -1, -4  # mallopt parameters, from glibc's <malloc.h>


def reuse_freed_memory(keep_bytes: int = 1 << 30) -> bool:
    """Let this process reuse freed memory instead of asking the kernel for fresh pages.

    XLA's CPU runtime allocates each call's scratch buffer with ``malloc``: 51 MiB for the
    training step of chapter 8's GPT on JAX. glibc hands any block above its mmap threshold
    (at most 32 MiB) out as a new ``mmap`` and unmaps it on ``free``, so every step starts
    on untouched memory that the kernel must zero page by page: about 13,900 page faults
    per step, and 68 instead of 48 ms per step on 2 CPU cores (``benchmarks/gpt.py``).
    This turns ``mmap`` off for ``malloc`` (``M_MMAP_MAX = 0``) and keeps up to ``keep_bytes`` of
    freed memory in the process (``M_TRIM_THRESHOLD``): the next step gets the same
    already-touched pages back.

    It changes ``malloc`` for the whole process from here on (up to ``keep_bytes`` of freed
    memory stays with the process instead of going back to the system), so the book calls
    it where it measured the gain: JAX training on a CPU, and both sides of the benchmark.
    Returns ``True`` if applied, ``False`` where there is no glibc (macOS, Windows, musl),
    which changes nothing there.
    """
    import ctypes
    import ctypes.util

    keep_bytes = check_positive_int(keep_bytes, "keep_bytes", minimum=0)
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    keep = min(keep_bytes, 2**31 - 1)  # mallopt takes a C int
    return bool(mallopt(_M_MMAP_MAX, 0)) and bool(mallopt(_M_TRIM_THRESHOLD, keep))


def optimizer_class(cls: type) -> type:
    """The class Keras really instantiates for the optimizer class ``cls`` on this backend.

    On PyTorch, ``keras.optimizers.AdamW(...)`` returns a backend subclass whose update runs
    as a few multi-tensor kernels (``torch._foreach_*``) instead of a dozen small kernels per
    variable. Keras swaps only the exact built-in class, so a subclass of ours must derive
    from the swapped class to keep that path: ``class RecipeAdamW(optimizer_class(AdamW))``.
    Other backends compile the update, and get ``cls`` back.
    """
    if not isinstance(cls, type):
        raise TypeError(f"cls must be an optimizer class, got {type(cls).__name__} {cls!r}")
    if active_backend() != "torch":
        return cls
    return type(cls.__new__(cls))  # Keras' __new__ picks the class; __init__ is not run


def global_norm(tensors):
    """``√(Σᵢ ‖tᵢ‖²)`` over a list of tensors, as a float32 scalar tensor.

    On PyTorch one multi-tensor call (``torch._foreach_norm``) instead of three small
    kernels per tensor: an eager training step pays for every kernel it launches. Other
    backends compile the step, and fuse the ``keras.ops`` version themselves.
    """
    from keras import ops

    tensors = list(tensors)
    if not tensors:
        raise ValueError("tensors must hold at least one tensor, got none")
    if active_backend() == "torch":
        import torch

        norms = torch._foreach_norm([t.float() for t in tensors])
        return torch.linalg.vector_norm(torch.stack(norms))
    squares = [ops.sum(ops.square(ops.cast(t, "float32"))) for t in tensors]
    return ops.sqrt(ops.sum(ops.stack(squares)))


def scale_all(tensors, factor):
    """``[t · factor for t in tensors]`` (``factor`` a scalar tensor); one call on PyTorch."""
    from keras import ops

    if active_backend() == "torch":
        import torch

        return list(torch._foreach_mul(list(tensors), factor))
    return [t * ops.cast(factor, t.dtype) for t in tensors]


@contextlib.contextmanager
def torch_threads(n: int = 1):
    """Run a block with PyTorch limited to ``n`` CPU threads (no-op on other backends).

    Many tiny eager steps (word2vec, chapter 7) spend more time waking and synchronising
    threads than computing; on a small, shared CPU one thread was several times faster.
    The previous setting is restored on exit.
    """
    if active_backend() != "torch":
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def row_dots(v, u):
    """``s[b, k] = v[b] · u[b, k]`` for ``v`` of shape (B, D) and ``u`` of shape (B, K, D).

    The same number on every backend, written the way each runs fastest (measured on 2 CPU
    cores, word2vec's step with B = 4096, K + 1 = 6, D = 100): XLA (JAX, TensorFlow) runs
    the einsum well and a broadcast product plus a sum 5x slower on JAX; PyTorch runs the
    einsum as B tiny batched matrix products, half of its step time, and the broadcast
    product 1.7x faster.
    """
    from keras import ops

    if active_backend() == "torch":
        return ops.sum(v[:, None, :] * u, axis=-1)  # (B, K)
    return ops.einsum("bd,bkd->bk", v, u)  # (B, K)


PRECISIONS = {"fp32": "float32", "bf16": "mixed_bfloat16"}
"""``--precision`` names and the Keras dtype policies they set."""


def set_precision(precision: str) -> str:
    """Set Keras' global dtype policy from a ``--precision`` name; returns the policy.

    ``"bf16"`` is Keras' ``mixed_bfloat16``: variables stay float32, layers compute in
    bfloat16 (8 bits of mantissa), which pays on GPUs with bfloat16 tensor cores and costs
    accuracy and, on most CPUs, time. Call it before building the model.
    """
    from .checks import check_choice

    check_choice(precision, "precision", tuple(PRECISIONS))
    import keras

    keras.config.set_dtype_policy(PRECISIONS[precision])
    return PRECISIONS[precision]


def _to_numpy(value) -> np.ndarray:
    from keras import ops

    return np.asarray(ops.convert_to_numpy(value))


def value_and_grad(
    model, loss_fn: Callable, x, y, *, include_regularization: bool = True
) -> tuple[float, list[np.ndarray]]:
    """Loss and its gradients with respect to ``model.trainable_weights``, on any backend.

    Computes ``L = loss_fn(y, model(x)) + Σ model.losses`` (the second term holds the
    layers' regularisation penalties, e.g. ``kernel_regularizer=L2(...)``, exactly as
    ``fit`` adds them) and ``dL/dθ`` for every trainable weight θ, in the order of
    ``model.trainable_weights``. Used to check backpropagation written by hand (chapter 5)
    against each backend's automatic differentiation.

    Parameters
    ----------
    model : keras.Model or keras.Layer
        A built model.
    loss_fn : callable
        ``loss_fn(y_true, y_pred) -> scalar`` written with ``keras.ops`` (e.g. a
        ``keras.losses.Loss`` instance).
    x, y : array_like
        One batch of inputs and targets.
    include_regularization : bool, default True
        Add the regularisation losses the layers report (``model.losses``).

    Returns
    -------
    loss : float
    grads : list of numpy.ndarray
        Same shapes as the trainable weights.
    """
    from keras import ops

    if not getattr(model, "built", False):
        raise ValueError("model must be built before taking gradients (call it on a batch)")
    x = ops.convert_to_tensor(x)
    y = ops.convert_to_tensor(y)

    def total(y_pred, penalties):
        loss = loss_fn(y, y_pred)
        if include_regularization and penalties:
            loss = loss + ops.sum(ops.stack([ops.cast(p, loss.dtype) for p in penalties]))
        return loss

    name = active_backend()
    if name == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            y_pred = model(x, training=True)
            loss = total(y_pred, model.losses)
        grads = tape.gradient(loss, model.trainable_variables)
    elif name == "jax":
        import jax

        trainable = [v.value for v in model.trainable_variables]
        non_trainable = [v.value for v in model.non_trainable_variables]

        def loss_of(trainable):
            # jax.grad needs a pure function of the weights: stateless_call, not model(x),
            # and the penalties come back from it rather than from model.losses.
            y_pred, _, penalties = model.stateless_call(
                trainable, non_trainable, x, training=True, return_losses=True
            )
            return total(y_pred, penalties)

        loss, grads = jax.value_and_grad(loss_of)(trainable)
    else:
        for v in model.trainable_variables:
            v.value.grad = None  # .backward() accumulates; start from zero
        y_pred = model(x, training=True)
        loss = total(y_pred, model.losses)
        loss.backward()
        grads = [v.value.grad for v in model.trainable_variables]
        loss = loss.detach()
    return float(_to_numpy(loss)), [_to_numpy(g) for g in grads]


def vjp(fn: Callable, x, cotangent=None) -> np.ndarray:
    """Vector-Jacobian product ``vᵀ ∂fn(x)/∂x`` on the active backend.

    For an elementwise ``fn`` and ``cotangent=None`` (all ones) this is the derivative
    ``fn'(x)`` at every point; for softmax it is the Jacobian-vector product used in
    backpropagation.

    Parameters
    ----------
    fn : callable
        A function of one tensor written with ``keras.ops``.
    x : array_like
        Point at which to differentiate (a floating dtype is kept; integers become
        ``keras.config.floatx()``: a derivative at an integer tensor would be ``None`` on
        TensorFlow).
    cotangent : array_like, optional
        ``v``, same shape as ``fn(x)``. Defaults to ones.

    Returns
    -------
    numpy.ndarray
        Same shape as ``x``.
    """
    from keras import ops

    from .checks import keras_input

    if not callable(fn):
        raise TypeError(f"fn must be a function of one tensor, got {type(fn).__name__}")
    x = keras_input(x, "x")
    y = fn(x)
    if cotangent is None:
        v = ops.ones_like(y)
    else:
        v = keras_input(cotangent, "cotangent")
        if tuple(v.shape) != tuple(y.shape):
            raise ValueError(
                f"cotangent must have the shape of fn(x), {tuple(y.shape)}, got {tuple(v.shape)}"
            )
    name = active_backend()
    if name == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(x)
            out = ops.sum(fn(x) * v)
        grad = tape.gradient(out, x)
    elif name == "jax":
        import jax

        grad = jax.grad(lambda t: ops.sum(fn(t) * v))(x)
    else:
        x = x.detach().clone().requires_grad_(True)
        out = ops.sum(fn(x) * v)
        out.backward()
        grad = x.grad
    return _to_numpy(grad)


def describe(names: Sequence[str] = BACKENDS) -> dict[str, str | None]:
    """Installed version of each backend package (``None`` if missing), without importing."""
    return {name: package_version(name) for name in names}
