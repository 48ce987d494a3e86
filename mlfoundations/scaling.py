"""A scaling sweep on a laptop: GPTs trained on isoFLOP slices, resumable (chapter 10).

:func:`sweep` trains the chapter-8 :class:`~mlfoundations.transformer.GPT` with the chapter-9
recipe for every model size and compute budget ``C``, on ``D = C / (6·N)`` tokens that it
never repeats, and appends each finished run to a CSV file as soon as it finishes. Run it
again with the same arguments and it skips what is already there, so an interrupted sweep
loses at most the run in progress. :func:`train_run` is one such run.

Counting and fitting are NumPy work: see :mod:`mlfoundations.reference.scaling`.

Data parallelism
----------------
``data_parallel=True`` trains with ``keras.distribution.DataParallel`` over every device
JAX sees: each batch is split across the devices, the weights are replicated, and XLA
all-reduces the gradients; the user code (``compile``, ``fit``) does not change. The same
code runs on several GPUs of one machine, and on several machines after
``keras.distribution.initialize()`` (which calls ``jax.distributed.initialize``) in every
process. TensorFlow and PyTorch offer their own tools instead
(``tf.distribute.MirroredStrategy``; ``torch.nn.parallel.DistributedDataParallel`` with
``torchrun``), which Keras 3 does not drive: on those backends ``data_parallel=True``
raises a ``RuntimeError`` that says so.

One-sided names (training has no NumPy twin): ``sweep``, ``train_run``, ``plan``,
``read_sweep``, ``char_ids``, ``max_tokens``, ``per_step_losses``, ``validation_loss``,
``data_parallel_devices`` and ``SHAKESPEARE_SWEEP``.
"""

from __future__ import annotations

import csv
import json
import os
import time
from pathlib import Path

import keras
import numpy as np

from .checks import as_float_array, check_positive, check_positive_int, check_seed
from .optim import recipe
from .reference.transformer import TransformerConfig, check_token_ids, gpt_params
from .transformer import GPT

COLUMNS = (
    "n_layer",
    "n_head",
    "n_embd",
    "C_target",
    "N",
    "N_non_embedding",
    "D",
    "C",
    "steps",
    "train_loss",
    "val_loss",
    "seconds",
    "backend",
    "devices",
)
"""The CSV columns :func:`sweep` writes, one row per finished run."""


SHAKESPEARE_SWEEP = {
    "sizes": [
        (1, 1, 4),
        (1, 1, 8),
        (1, 2, 12),
        (1, 2, 16),
        (2, 2, 16),
        (2, 2, 24),
        (2, 4, 32),
        (3, 4, 40),
    ],
    "compute_budgets": [1e9, 3e9, 5e9, 1e10, 2e10, 3e10],
    "block_size": 64,
    "batch_size": 2,
    "max_lr": 3e-3,
}
"""The full-mode grid of chapter 10 (character-level Tiny Shakespeare, about 0.8 to 66
thousand parameters, 1e9 to 3e10 FLOPs per run): ``sweep(**SHAKESPEARE_SWEEP, ...)``.

Why these numbers: one pass over the 1.0 M training characters caps D, so a budget C can
only try models of N ≥ C/(6·1.0 M); the toy's optimum sits near 100 characters per
parameter, so above about 3e10 FLOPs every model small enough to be optimal would need a
second epoch, and the slice would show only the right side of its U. Batches of 2 windows
(128 characters) give each run enough optimizer steps: with 8 windows the larger models of a
slice got 15 to 70 steps, and the smallest model won every slice. A tiny model's step costs
a few milliseconds on JAX, so the sweep runs there (``KERAS_BACKEND=jax``).
"""


def char_ids(text: str, chars: str | None = None) -> tuple[np.ndarray, str]:
    """Character-level token ids of ``text`` and the alphabet (sorted unique characters)."""
    if not isinstance(text, str) or not text:
        raise ValueError("text must be a non-empty string")
    chars = "".join(sorted(set(text))) if chars is None else chars
    index = {c: i for i, c in enumerate(chars)}
    try:
        return np.array([index[c] for c in text], dtype=np.int32), chars
    except KeyError as exc:
        raise ValueError(f"text holds a character outside chars: {exc}") from None


# --------------------------------------------------------------------------- data parallel


def data_parallel_devices() -> list[str]:
    """The devices ``data_parallel=True`` splits a batch across (JAX only).

    Raises
    ------
    RuntimeError
        On TensorFlow and PyTorch, naming what those backends offer instead.
    """
    backend = keras.backend.backend()
    if backend != "jax":
        other = {
            "tensorflow": "tf.distribute.MirroredStrategy (outside Keras' distribution API)",
            "torch": "torch.nn.parallel.DistributedDataParallel launched with torchrun",
        }.get(backend, "its own distribution tools")
        raise RuntimeError(
            f"--data-parallel uses keras.distribution.DataParallel, which Keras 3 implements "
            f"for the JAX backend only; this is {backend}. Use KERAS_BACKEND=jax, or "
            f"{other}."
        )
    return keras.distribution.list_devices()


class _Distribution:
    """``with _Distribution(on):`` data-parallel over all JAX devices, or nothing."""

    def __init__(self, on: bool):
        self.devices = data_parallel_devices() if on else None
        self._scope = None

    @property
    def n_devices(self) -> int:
        return len(self.devices) if self.devices else 1

    def __enter__(self):
        if self.devices:
            dist = keras.distribution.DataParallel(devices=self.devices)
            self._scope = dist.scope()
            self._scope.__enter__()
        return self

    def __exit__(self, *exc):
        if self._scope is not None:
            self._scope.__exit__(*exc)
        return False


# --------------------------------------------------------------------------- one run


def _windows(ids: np.ndarray, block_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Non-overlapping (input, next-token target) windows: each token is a target once."""
    n = (len(ids) - 1) // block_size
    x = ids[: n * block_size].reshape(n, block_size)  # (n, T)
    y = ids[1 : n * block_size + 1].reshape(n, block_size)  # (n, T)
    return x, y


def _check_ids(ids, name: str, vocab_size: int | None) -> np.ndarray:
    arr = np.asarray(ids) if not isinstance(ids, (str, bytes)) else np.asarray([ids])
    if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(
            f"{name} must be a 1-D array of integer token ids, got {arr.dtype} {arr.shape}"
        )
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if arr.min() < 0 or (vocab_size is not None and arr.max() >= vocab_size):
        raise ValueError(f"{name} must hold ids in [0, {vocab_size}), got {arr.min()}..{arr.max()}")
    return arr.astype("int32")


def max_tokens(train_ids, block_size: int) -> int:
    """Most training tokens one run can see without repeating any: one epoch of windows."""
    train_ids = _check_ids(train_ids, "train_ids", None)
    return ((len(train_ids) - 1) // check_positive_int(block_size, "block_size")) * block_size


def validation_loss(model, x_val, y_val, *, batch_size: int = 64) -> float:
    """Mean next-token cross-entropy (nats) of ``model`` on windows ``(n, T)``.

    A plain forward call per batch: for the small models of a sweep this is quicker than
    compiling ``evaluate``'s test function once per model.
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    x_val = check_token_ids(x_val, model.config.vocab_size, "x_val")
    y_val = check_token_ids(y_val, model.config.vocab_size, "y_val")
    if x_val.ndim != 2 or y_val.shape != x_val.shape:
        raise ValueError(
            f"x_val must be (n, T) windows and y_val the same shape, got {x_val.shape} "
            f"and {y_val.shape}"
        )
    total, count = 0.0, 0
    for start in range(0, len(x_val), batch_size):
        x = x_val[start : start + batch_size]  # (b, T)
        y = y_val[start : start + batch_size]  # (b, T)
        logits = model(x, training=False)  # (b, T, V)
        nll = keras.ops.sparse_categorical_crossentropy(y, logits, from_logits=True)  # (b, T)
        total += float(keras.ops.convert_to_numpy(keras.ops.sum(nll)))
        count += y.size
    return total / count


def per_step_losses(running_mean) -> np.ndarray:
    """Each step's loss from ``fit``'s running mean: ``ℓ_k = k·m_k − (k−1)·m_(k−1)``."""
    m = as_float_array(running_mean, "running_mean", ndim=1)
    total = np.arange(1, len(m) + 1) * m  # sum of the first k losses
    return np.diff(total, prepend=0.0)


class _LossLog(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.losses: list[float] = []

    def on_train_batch_end(self, batch, logs=None):
        self.losses.append(float(logs["loss"]))


def train_run(
    config: TransformerConfig,
    train_ids,
    val_ids,
    *,
    tokens: int,
    batch_size: int = 16,
    max_lr: float = 3e-3,
    min_lr: float | None = None,
    warmup_frac: float = 0.05,
    weight_decay: float = 0.1,
    seed: int = 0,
    data_parallel: bool = False,
    max_val_windows: int = 256,
) -> dict:
    """Train a fresh GPT on ``tokens`` tokens never seen twice; return its numbers.

    The chapter-9 recipe with the schedule's length set to this run: warmup over
    ``warmup_frac`` of the steps, cosine decay to ``min_lr`` (default ``max_lr/10``) at the
    last step. The training windows are a random subset (by ``seed``) of the
    non-overlapping windows of ``train_ids``, visited once.

    Parameters
    ----------
    config : TransformerConfig
        The model (``mlfoundations.reference.transformer``).
    train_ids, val_ids : array_like of int, shape (n_tokens,)
        Token ids of the training and validation splits.
    tokens : int
        Training tokens D; rounded down to whole batches of ``batch_size · block_size``.

    Returns
    -------
    dict
        ``N``, ``N_non_embedding``, ``D`` (tokens actually used), ``C = 6·N·D``, ``steps``,
        ``train_loss`` (mean over the last 10 % of steps), ``val_loss`` (nats per token),
        ``seconds``, ``losses`` (per-step running mean, as ``fit`` logs it), ``devices``.
    """
    if not isinstance(config, TransformerConfig):
        raise TypeError(f"config must be a TransformerConfig, got {type(config).__name__}")
    train_ids = _check_ids(train_ids, "train_ids", config.vocab_size)
    val_ids = _check_ids(val_ids, "val_ids", config.vocab_size)
    tokens = check_positive_int(tokens, "tokens")
    batch_size = check_positive_int(batch_size, "batch_size")
    max_lr, seed = check_positive(max_lr, "max_lr"), check_seed(seed)
    min_lr = None if min_lr is None else check_positive(min_lr, "min_lr", allow_zero=True)
    weight_decay = check_positive(weight_decay, "weight_decay", allow_zero=True)
    if not 0 <= check_positive(warmup_frac, "warmup_frac", allow_zero=True) < 1:
        raise ValueError(f"warmup_frac must be in [0, 1), got {warmup_frac}")
    T = config.block_size
    per_step = batch_size * T
    available = max_tokens(train_ids, T)
    if tokens > available:
        raise ValueError(
            f"tokens={tokens} exceeds one epoch of train_ids ({available} tokens in windows "
            f"of {T}); a run must not repeat data"
        )
    steps = tokens // per_step
    if steps < 1:
        raise ValueError(f"tokens={tokens} is less than one batch ({per_step} tokens)")
    min_lr = max_lr / 10 if min_lr is None else min_lr

    x_all, y_all = _windows(train_ids, T)
    order = np.random.default_rng(seed).permutation(len(x_all))[: steps * batch_size]
    x, y = x_all[order], y_all[order]  # (steps·B, T)
    x_val, y_val = _windows(val_ids, T)
    x_val, y_val = x_val[:max_val_windows], y_val[:max_val_windows]
    if len(x_val) == 0:
        raise ValueError(f"val_ids must hold more than block_size={T} tokens")

    counts = gpt_params(config)
    keras.utils.set_random_seed(seed)
    with _Distribution(data_parallel) as dist:
        if batch_size % dist.n_devices:
            raise ValueError(
                f"batch_size={batch_size} must be divisible by the {dist.n_devices} devices"
            )
        model = GPT(
            config.vocab_size,
            T,
            config.n_layer,
            config.n_head,
            config.n_embd,
            bias=config.bias,
            tie_embeddings=config.tie_embeddings,
        )
        optimizer = recipe(
            model,
            max_lr=max_lr,
            min_lr=min_lr,
            warmup_steps=max(1, int(warmup_frac * steps)),
            total_steps=steps,
            weight_decay=weight_decay,
        )
        model.compile(
            optimizer=optimizer,
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        )
        log = _LossLog()
        start = time.perf_counter()
        model.fit(x, y, batch_size=batch_size, epochs=1, shuffle=False, verbose=0, callbacks=[log])
        seconds = time.perf_counter() - start
    val_loss = validation_loss(model, x_val, y_val)
    tail = max(1, steps // 10)
    D = steps * per_step
    return {
        "N": counts["total"],
        "N_non_embedding": counts["non_embedding"],
        "D": D,
        "C": 6.0 * counts["total"] * D,
        "steps": steps,
        "train_loss": float(np.mean(per_step_losses(log.losses)[-tail:])),
        "val_loss": val_loss,
        "seconds": seconds,
        "losses": log.losses,
        "devices": dist.n_devices,
    }


# --------------------------------------------------------------------------- the sweep


def _size(size) -> tuple[int, int, int]:
    if isinstance(size, dict):
        try:
            size = (size["n_layer"], size["n_head"], size["n_embd"])
        except KeyError as exc:
            missing = f"missing {exc}"
            raise ValueError(f"a size dict needs n_layer, n_head and n_embd; {missing}") from None
    if len(size) != 3:
        raise ValueError(f"each size must be (n_layer, n_head, n_embd), got {size!r}")
    names = ("n_layer", "n_head", "n_embd")
    return tuple(check_positive_int(v, n) for v, n in zip(size, names, strict=True))


def read_sweep(folder) -> list[dict]:
    """The finished runs in ``<folder>/runs.csv`` as dicts of numbers (empty if none)."""
    path = Path(folder) / "runs.csv"
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for row in rows:
        if set(row) != set(COLUMNS) or any(v in (None, "") for v in row.values()):
            continue  # a line cut short by a kill: that run is redone
        parsed = {}
        for k, v in row.items():
            parsed[k] = v if k == "backend" else float(v)
        for k in ("n_layer", "n_head", "n_embd", "N", "N_non_embedding", "D", "steps", "devices"):
            parsed[k] = int(parsed[k])
        out.append(parsed)
    return out


def _append(path: Path, row: dict) -> None:
    new = not path.exists() or path.stat().st_size == 0
    with path.open("a", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        if new:
            writer.writeheader()
        writer.writerow({k: row[k] for k in COLUMNS})
        fh.flush()
        os.fsync(fh.fileno())  # a finished run survives a kill or a power cut


def plan(sizes, compute_budgets, *, vocab_size: int, block_size: int, max_tokens: int):
    """The runs of a sweep: one per (budget, size) whose ``D = C/(6N)`` fits in the data.

    Returns
    -------
    (list of dict, list of dict)
        Runs to do (``n_layer, n_head, n_embd, C_target, N, D``) and skipped points (with
        the reason).
    """
    max_tokens = check_positive_int(max_tokens, "max_tokens")
    todo, skipped = [], []
    for C in as_float_array(compute_budgets, "compute_budgets", ndim=1):
        C = check_positive(float(C), "compute_budgets")
        for size in sizes:
            n_layer, n_head, n_embd = _size(size)
            config = TransformerConfig(vocab_size, block_size, n_layer, n_head, n_embd)
            N = gpt_params(config)["total"]
            D = int(C / (6 * N))
            point = {"n_layer": n_layer, "n_head": n_head, "n_embd": n_embd, "C_target": C}
            point.update(N=N, D=D)
            if D > max_tokens:
                skipped.append({**point, "reason": f"D > one epoch ({max_tokens} tokens)"})
            else:
                todo.append(point)
    return todo, skipped


def sweep(
    sizes,
    compute_budgets,
    *,
    train_ids,
    val_ids,
    vocab_size: int,
    folder,
    block_size: int = 64,
    batch_size: int = 16,
    max_lr: float = 3e-3,
    seed: int = 0,
    data_parallel: bool = False,
    min_steps: int = 10,
    progress=None,
) -> list[dict]:
    """Train a GPT for every (compute budget, size) pair; resumable through a CSV file.

    For budget ``C`` and a model of ``N`` parameters (total, as Hoffmann et al. count),
    the run sees ``D = C/(6N)`` tokens; points whose D exceeds one epoch of ``train_ids``
    are skipped (no run repeats data), as are those with fewer than ``min_steps`` steps.
    Each finished run is appended to ``<folder>/runs.csv`` at once (and flushed to disk);
    the settings are kept in ``<folder>/sweep.json``. Called again on the same folder, it
    trains only the runs that are missing; with different settings it refuses.

    Parameters
    ----------
    sizes : sequence of (n_layer, n_head, n_embd) or dicts with those keys
    compute_budgets : sequence of float
        Target compute per run, FLOPs.
    train_ids, val_ids : array_like of int
        Token ids of the two splits.
    vocab_size : int
    folder : path-like
        Persistent folder for ``runs.csv`` and ``sweep.json``.
    block_size, batch_size, max_lr, seed
        As :func:`train_run`; every run uses the same.
    data_parallel : bool, default False
        Split each batch across all JAX devices (JAX backend only).
    progress : callable, optional
        Called with each finished row (e.g. to print it).

    Returns
    -------
    list of dict
        All rows of ``runs.csv`` for this sweep's grid (finished earlier or now), in plan
        order; columns :data:`COLUMNS`.
    """
    vocab_size = check_positive_int(vocab_size, "vocab_size")
    train_ids = _check_ids(train_ids, "train_ids", vocab_size)
    val_ids = _check_ids(val_ids, "val_ids", vocab_size)
    block_size = check_positive_int(block_size, "block_size")
    batch_size = check_positive_int(batch_size, "batch_size")
    min_steps = check_positive_int(min_steps, "min_steps")
    seed = check_seed(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    settings = {
        "vocab_size": vocab_size,
        "block_size": block_size,
        "batch_size": batch_size,
        "max_lr": float(max_lr),
        "seed": int(seed),
        "train_tokens": int(len(train_ids)),
        "val_tokens": int(len(val_ids)),
    }
    meta = folder / "sweep.json"
    if meta.exists():
        saved = json.loads(meta.read_text(encoding="utf-8"))
        if saved != settings:
            raise ValueError(
                f"{folder} holds a sweep with other settings ({saved}); "
                f"use another folder or the same settings ({settings})"
            )
    else:
        meta.write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")

    todo, _ = plan(
        sizes,
        compute_budgets,
        vocab_size=vocab_size,
        block_size=block_size,
        max_tokens=max_tokens(train_ids, block_size),
    )
    todo = [p for p in todo if p["D"] // (batch_size * block_size) >= min_steps]

    def key(row):
        return (row["n_layer"], row["n_head"], row["n_embd"], float(row["C_target"]))

    done = {key(r): r for r in read_sweep(folder)}
    for point in todo:
        if key(point) in done:
            continue
        config = TransformerConfig(
            vocab_size, block_size, point["n_layer"], point["n_head"], point["n_embd"]
        )
        result = train_run(
            config,
            train_ids,
            val_ids,
            tokens=point["D"],
            batch_size=batch_size,
            max_lr=max_lr,
            seed=seed,
            data_parallel=data_parallel,
        )
        row = {**point, **result, "backend": keras.backend.backend()}
        _append(folder / "runs.csv", row)
        done[key(point)] = {k: row[k] for k in COLUMNS}
        if progress is not None:
            progress(done[key(point)])
    return [done[key(p)] for p in todo if key(p) in done]
