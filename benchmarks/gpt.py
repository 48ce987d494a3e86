"""Training-step time of the Keras GPT (chapter 8) next to a plain PyTorch GPT of the same
configuration, and generation speed with and without the KV cache.

    KERAS_BACKEND=jax python benchmarks/gpt.py
    # writes benchmarks/results/gpt_jax.md and gpt_jax.json (same rows)

Both models are nanoGPT's Shakespeare-char CPU configuration (4 layers, 4 heads, width 128,
context 64, vocabulary 65, no biases, tied embeddings, exact GELU) and take the same step:
forward, cross-entropy, backward, clipping to global norm 1, AdamW (β 0.9/0.99, weight decay
0.1 on every matrix), on one fixed batch of 12 × 64 token ids.

* plain PyTorch: written here in the style of nanoGPT's ``model.py`` (packed ``c_attn``,
  ``F.scaled_dot_product_attention(is_causal=True)``, ``torch.optim.AdamW``), eager;
* Keras: :class:`mlfoundations.transformer.GPT` compiled with
  :func:`mlfoundations.optim.recipe`, one ``train_on_batch`` per step (a compiled step on
  TensorFlow and JAX, eager on the torch backend).

Steps are timed one by one after a warm-up; the table gives medians. The plain PyTorch
step runs in a process of its own (sharing one process, each framework's idle worker
threads keep spinning for a while after its last kernel and steal the CPU from the other: on
TensorFlow the plain PyTorch step took 66 ms instead of 35 ms that way) that stays alive and
times ``--steps`` steps whenever asked. The two alternate in ``--rounds`` short rounds,
plain, Keras, plain, ..., plain, with a 0.1 s pause at each switch for the other side's
threads to go idle. The ratio is the median over rounds of the Keras time over the mean of
the plain rounds either side, so that a drift of the machine's speed cancels: this host's
plain step drifted from 35 to 59 ms in one night, and within a minute by 30 %, which
rounds of 50 steps in a fresh process each (the previous method) did not cancel. Both
processes run with ``backend.reuse_freed_memory()`` (``--malloc reuse``; see JAX below),
so the baseline gets every allocator advantage the Keras step gets.
Generation: ``generate`` of ``--new-tokens`` characters from a one-character prompt, with
the KV cache and without it (tokens per second, best of two). A benchmark, not a test:
numbers depend on the machine and its load.

Where the time goes (2 CPU cores, 2026-12-02):

* TensorFlow: Keras compiles with XLA only when asked on a CPU-only machine
  (``GPT.compile`` asks): 78 ms per step as a plain graph, 41 ms under XLA, 62 ms under XLA
  with oneDNN turned off (the book's runs turn it off for reproducible rounding; this
  benchmark keeps TensorFlow's default);
* PyTorch: the Keras step launched 5,070 aten operations against plain PyTorch's 2,159,
  most of them per-variable optimizer kernels: Keras' fused ``torch._foreach`` AdamW is used
  only for the exact built-in class, which a subclass lost. With
  ``backend.optimizer_class`` and a one-call global norm and clipping it launches 2,507;
  the rest was Python. ``Layer.__call__`` cost 65–165 µs per sublayer call, 36 per step:
  the GPT now calls its sublayers' ``call`` when there is nothing to cast (3.9 ms per step,
  paired timing), and ``RecipeAdamW`` updates in seven multi-tensor passes instead of
  Keras' ten (1 ms). What remains: every ``keras.ops`` call checks its arguments for
  symbolic tensors (about 230 calls per forward pass), and ``train_on_batch`` walks the
  model's layers and updates its loss metric at every step;
* JAX: the jitted forward + backward alone takes as long as ``train_on_batch`` (the Keras
  overhead is small). It grew faster than the model: one block 8.6 ms, two 17 ms, three
  37 ms, four 50 ms (forward + backward, forward 10.6 ms). The cause was memory, not
  arithmetic: XLA's CPU runtime mallocs the step's 51 MiB scratch buffer on every call, and
  glibc serves blocks above 32 MiB as fresh ``mmap`` pages that the kernel zeroes on first
  touch: 13,900 minor page faults per step (``page faults/step``). With
  ``backend.reuse_freed_memory()`` in both processes: 0 faults, the Keras step 68 → 48 ms
  and its ratio 1.62 → 1.05 (``--malloc default --out benchmarks/results/malloc_default``
  reproduces the first; plain PyTorch gains less: 574 → 6 faults per step). Running the
  projections on (B·T, D) matrices instead of (B, T, D) had cut the step by a quarter.

On a GPU (``nvidia-smi`` lists one and the backend sees it) both run there, the plain
PyTorch model on ``cuda``, and the table adds model FLOPs utilisation: the step's matmul
FLOPs (``reference.scaling.detailed_training_flops``, forward + backward) per second over
the card's published dense peak for the precision (``PEAK_TFLOPS``). ``--precision bf16``
runs Keras under ``mixed_bfloat16`` and PyTorch under ``torch.autocast(bfloat16)``.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mlfoundations.backend import quiet_backend_logs  # noqa: E402

# TensorFlow's default, oneDNN kernels on. The book's runs turn them off
# (backend.QUIET_ENV: the same rounding on every run); a speed benchmark keeps what a user
# of TensorFlow gets. Off, the Keras GPT step under XLA took 62 ms instead of 41 ms.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
quiet_backend_logs()

CONFIG = {"vocab_size": 65, "block_size": 64, "n_layer": 4, "n_head": 4, "n_embd": 128}
BATCH = 12

# Published dense peaks (TFLOP/s; no sparsity) by card and precision. fp32 is IEEE float32,
# tf32 the tensor-core TF32 rate that TensorFlow and JAX use for float32 matmuls by default.
PEAK_TFLOPS = {
    "H200": {"fp32": 67.0, "tf32": 494.5, "bf16": 989.5},
    "H100 PCIe": {"fp32": 51.2, "tf32": 378.0, "bf16": 756.0},
    "H100": {"fp32": 67.0, "tf32": 494.5, "bf16": 989.5},  # SXM ("H100 80GB HBM3")
    "A100": {"fp32": 19.5, "tf32": 156.0, "bf16": 312.0},
    "L40S": {"fp32": 91.6, "tf32": 183.0, "bf16": 362.0},
    "L4": {"fp32": 30.3, "tf32": 60.0, "bf16": 121.0},
    "RTX 4090": {"fp32": 82.6, "tf32": 82.6, "bf16": 165.2},
}


def peak_tflops(gpu_name: str, precision: str) -> float | None:
    """The card's published dense peak for ``precision`` (``None`` if the card is unknown)."""
    for card, peaks in PEAK_TFLOPS.items():
        if all(word in gpu_name for word in card.split()):
            return peaks[precision]
    return None


def torch_gpt(seed: int, device: str = "cpu", precision: str = "fp32"):
    """A plain PyTorch GPT (nanoGPT's layout) and its training step."""
    import contextlib

    import torch
    from torch import nn
    from torch.nn import functional as F

    torch.manual_seed(seed)
    V, T, L, H, D = (CONFIG[k] for k in ("vocab_size", "block_size", "n_layer", "n_head",
                                          "n_embd"))  # fmt: skip

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1 = nn.LayerNorm(D, bias=False)
            self.c_attn = nn.Linear(D, 3 * D, bias=False)
            self.attn_proj = nn.Linear(D, D, bias=False)
            self.ln_2 = nn.LayerNorm(D, bias=False)
            self.c_fc = nn.Linear(D, 4 * D, bias=False)
            self.mlp_proj = nn.Linear(4 * D, D, bias=False)

        def forward(self, x):
            B, T_, C = x.shape
            q, k, v = self.c_attn(self.ln_1(x)).split(D, dim=2)
            q, k, v = (t.view(B, T_, H, C // H).transpose(1, 2) for t in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # (B, H, T, hd)
            x = x + self.attn_proj(y.transpose(1, 2).contiguous().view(B, T_, C))
            return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x))))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte, self.wpe = nn.Embedding(V, D), nn.Embedding(T, D)
            self.blocks = nn.ModuleList(Block() for _ in range(L))
            self.ln_f = nn.LayerNorm(D, bias=False)
            self.lm_head = nn.Linear(D, V, bias=False)
            self.lm_head.weight = self.wte.weight  # tied
            for name, p in self.named_parameters():
                if p.dim() >= 2:
                    std = 0.02 / math.sqrt(2 * L) if name.endswith("proj.weight") else 0.02
                    nn.init.normal_(p, 0.0, std)

        def forward(self, idx, targets):
            pos = torch.arange(idx.shape[1])
            x = self.wte(idx) + self.wpe(pos)
            for block in self.blocks:
                x = block(x)
            logits = self.lm_head(self.ln_f(x))
            return F.cross_entropy(logits.view(-1, V), targets.view(-1))

    model = GPT()
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
        lr=1e-3,
        betas=(0.9, 0.99),
    )
    n_params = sum(p.numel() for p in model.parameters())
    model.to(device)
    autocast = (
        (lambda: torch.autocast(device_type=device, dtype=torch.bfloat16))
        if precision == "bf16"
        else contextlib.nullcontext
    )

    def step(x, y):
        with autocast():
            loss = model(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        return loss.item()

    step.model, step.optimizer = model, optimizer  # for benchmarks/gpt_shakespeare.py

    return step, n_params


def keras_gpt(seed: int):
    import keras

    from mlfoundations.optim import recipe
    from mlfoundations.transformer import GPT

    keras.utils.set_random_seed(seed)
    model = GPT(**CONFIG, bias=False)
    optimizer = recipe(
        model, max_lr=1e-3, min_lr=1e-4, warmup_steps=0, total_steps=10**6, weight_decay=0.1,
        clip_global_norm=1.0, beta1=0.9, beta2=0.99, decay_embeddings=True,
    )  # fmt: skip
    model.compile(
        optimizer=optimizer, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )

    def step(x, y):
        return float(np.asarray(model.train_on_batch(x, y)).reshape(-1)[0])

    return step, model


def _batch():
    """The one fixed batch both implementations train on: (x, y) int32 (B, T)."""
    rng = np.random.default_rng(0)
    ids = rng.integers(0, CONFIG["vocab_size"], size=(BATCH, CONFIG["block_size"] + 1))
    return ids[:, :-1].astype("int32"), ids[:, 1:].astype("int32")


PAUSE = 0.1  # seconds between the two sides: the other's worker threads stop spinning


class PlainPyTorch:
    """The plain PyTorch GPT in a process of its own, timing ``n`` steps when asked."""

    def __init__(self, args):
        import json
        import subprocess
        import tempfile

        self._json = json
        command = [
            sys.executable, __file__, "--plain-only", "--precision", args.precision,
            "--malloc", args.malloc, "--warmup", str(args.warmup),
        ]  # fmt: skip
        self._stderr = tempfile.TemporaryFile(mode="w+")
        self._process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, text=True
        )
        self.params = self._read()["params"]

    def _read(self) -> dict:
        line = self._process.stdout.readline()
        if not line:
            self._stderr.seek(0)
            raise RuntimeError(f"timing plain PyTorch failed:\n{self._stderr.read()[-2000:]}")
        return self._json.loads(line)

    def time(self, n: int) -> tuple[list[float], float]:
        """Seconds of each of ``n`` steps, and minor page faults per step."""
        self._process.stdin.write(f"{n}\n")
        self._process.stdin.flush()
        out = self._read()
        return out["times"], out["faults"]

    def close(self):
        self._process.stdin.close()
        self._process.wait(timeout=60)
        self._stderr.close()


def minor_faults() -> int:
    """Minor page faults of this process so far (pages the kernel had to map and zero)."""
    import resource  # Unix only, as is what it measures

    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def time_steps(step, batch, n_steps: int) -> tuple[list[float], float]:
    """Seconds of each of ``n_steps`` steps, and minor page faults per step."""
    times, faults = [], minor_faults()
    for _ in range(n_steps):
        start = time.perf_counter()
        step(*batch)
        times.append(time.perf_counter() - start)
    return times, (minor_faults() - faults) / max(n_steps, 1)


def generation_speed(model, new_tokens: int) -> dict:
    from mlfoundations.transformer import generate

    out = {}
    for kv_cache in (True, False):
        best = math.inf
        for _ in range(2):
            start = time.perf_counter()
            generate(model, [0], new_tokens, temperature=1.0, seed=0, kv_cache=kv_cache)
            best = min(best, time.perf_counter() - start)
        out[kv_cache] = new_tokens / best
    return out


def main(argv=None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--steps", type=int, default=10, help="timed steps per round and side")
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument(
        "--rounds", type=int, default=15, help="Keras rounds, each between two plain ones"
    )
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    parser.add_argument(
        "--malloc", choices=("reuse", "default"), default="reuse",
        help="reuse: backend.reuse_freed_memory() in both processes (default); "
        "default: glibc's own settings",
    )  # fmt: skip
    parser.add_argument("--plain-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for name in ("warmup", "steps", "rounds", "new_tokens"):
        if getattr(args, name) < (0 if name == "warmup" else 1):
            parser.error(f"--{name.replace('_', '-')} must be >= {0 if name == 'warmup' else 1}")
    if args.malloc == "reuse":
        from mlfoundations.backend import reuse_freed_memory

        reuse_freed_memory()  # before the first large allocation of either framework
    if args.plain_only:  # the child process: times plain PyTorch whenever asked
        import json

        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
        step, n_params = torch_gpt(0, device, args.precision)
        x, y = _batch()
        batch = (torch.from_numpy(x).long().to(device), torch.from_numpy(y).long().to(device))
        time_steps(step, batch, args.warmup)
        print(json.dumps({"params": n_params}), flush=True)
        for line in sys.stdin:  # one line per round: the number of steps to time
            times, faults = time_steps(step, batch, int(line))
            print(json.dumps({"times": times, "faults": faults}), flush=True)
        return None

    import keras
    import torch

    from mlfoundations import backend as mlf_backend
    from mlfoundations.book.report import format_table, write_results
    from mlfoundations.reference.scaling import detailed_training_flops
    from mlfoundations.reference.transformer import TransformerConfig

    mlf_backend.set_precision(args.precision)
    backend = keras.backend.backend()
    gpus = mlf_backend.nvidia_gpus()
    keras_on_gpu = any(d["kind"] == "GPU" for d in mlf_backend.list_devices())
    device = "cuda" if torch.cuda.is_available() else "cpu"
    load_before = os.getloadavg()[0]
    x, y = _batch()
    # plain, Keras, plain, ..., plain: each Keras round is compared with its two neighbours
    plain_process = PlainPyTorch(args)
    try:  # the child is closed however the Keras side ends
        keras_step, model = keras_gpt(0)
        assert model.count_params() == plain_process.params, (
            model.count_params(),
            plain_process.params,
        )
        time_steps(keras_step, (x, y), args.warmup)
        plain = [plain_process.time(args.steps)]
        keras_runs, ratios = [], []
        for _ in range(args.rounds):
            time.sleep(PAUSE)
            keras_runs.append(time_steps(keras_step, (x, y), args.steps))
            time.sleep(PAUSE)
            plain.append(plain_process.time(args.steps))
            neighbours = (np.median(plain[-2][0]) + np.median(plain[-1][0])) / 2
            ratios.append(float(np.median(keras_runs[-1][0]) / neighbours))
    finally:
        plain_process.close()
    medians = {
        "plain PyTorch": float(np.median([t for times, _ in plain for t in times])),
        "Keras GPT": float(np.median([t for times, _ in keras_runs for t in times])),
    }
    faults = {
        "plain PyTorch": float(np.median([f for _, f in plain])),
        "Keras GPT": float(np.median([f for _, f in keras_runs])),
    }
    tokens = BATCH * CONFIG["block_size"]
    flops_per_step = float(detailed_training_flops(TransformerConfig(**CONFIG, bias=False), tokens))
    gpu_name = gpus[0]["name"] if gpus else None
    # Without a GPU there is no published peak to compare with: MFU is left out.
    precision_key = args.precision
    if args.precision == "fp32" and os.environ.get("NVIDIA_TF32_OVERRIDE") != "0":
        precision_key = "tf32"  # what TensorFlow and JAX use for float32 matmuls on a GPU
    peak = peak_tflops(gpu_name, precision_key) if gpu_name else None
    where = {"plain PyTorch": device, "Keras GPT": "cuda" if keras_on_gpu else "cpu"}
    rows = []
    for name, t in medians.items():
        row = {
            "backend": backend,
            "implementation": name,
            "device": where[name],
            "ms/step": 1000 * t,
            "tokens/s": tokens / t,
            # Keras: the median of the per-round ratios (each against its neighbours)
            "ratio vs plain PyTorch": 1.0 if name == "plain PyTorch" else float(np.median(ratios)),
            "page faults/step": faults[name],
        }
        if peak is not None and where[name] == "cuda":
            row["MFU"] = flops_per_step / t / (peak * 1e12)
        rows.append(row)
    speed = generation_speed(model, args.new_tokens)
    gen_rows = [
        {
            "backend": backend,
            "generate": "KV cache" if kv else "no cache",
            "tokens/s": tps,
            "speed-up": tps / speed[False],
        }
        for kv, tps in speed.items()
    ]
    settings = {
        **CONFIG,
        "batch": BATCH,
        "warmup": args.warmup,
        "steps_per_round": args.steps,
        "new_tokens": args.new_tokens,
        "torch_threads": torch.get_num_threads(),
        "rounds": args.rounds,
        "plain_pytorch_ms_per_round": [round(1000 * float(np.median(t)), 2) for t, _ in plain],
        "keras_ms_per_round": [round(1000 * float(np.median(t)), 2) for t, _ in keras_runs],
        "ratio_per_round": [round(r, 4) for r in ratios],
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "cpu_count": os.cpu_count(),
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}",
        "date": time.strftime("%Y-%m-%d"),
        "keras": keras.__version__,
        "torch": torch.__version__,
        "precision": args.precision,
        "malloc": args.malloc,
        "gpu": gpu_name,
        "peak_tflops": peak,
        "model_flops_per_step": flops_per_step,
    }
    markdown = (
        f"# GPT training step, {backend}, {args.precision}"
        + (f", {gpu_name}" if gpu_name else ", CPU")
        + "\n\n"
        f"nanoGPT's Shakespeare-char CPU configuration, batch {BATCH}, "
        f"torch threads {settings['torch_threads']}, malloc {args.malloc!r}, "
        f"{settings['date']}. {args.rounds} rounds of {args.steps} steps each side after "
        f"{args.warmup} warm-up steps, plain PyTorch (in a process of its own) and Keras "
        "alternating, ending with plain PyTorch; ms/step is the median over all timed steps, "
        "the ratio the median over rounds of each Keras round's median over the mean of its "
        f"two neighbours'. Per round, plain {settings['plain_pytorch_ms_per_round']} ms, "
        f"Keras {settings['keras_ms_per_round']} ms, ratio {settings['ratio_per_round']}; "
        f"1-minute load average {settings['load_average_1min']} (before, after) on "
        f"{os.cpu_count()} CPUs: a load above the CPU count means other processes shared the "
        "cores.\n\n"
        + format_table(rows, floatfmt=".3g", style="markdown")
        + f"\n\nGeneration of {args.new_tokens} tokens (best of 2):\n\n"
        + format_table(gen_rows, floatfmt=".3g", style="markdown")
        + "\n"
    )
    md, _ = write_results(
        args.out / f"gpt_{backend}.md",
        markdown,
        {"settings": settings, "rows": rows, "generation": gen_rows},
    )
    print(markdown)
    return md


if __name__ == "__main__":
    main()
