"""The validation loss nanoGPT's own model reaches with chapter 8's full-mode recipe.

    python benchmarks/gpt_shakespeare.py --text path/to/tinyshakespeare.txt
    # writes benchmarks/results/gpt_shakespeare.md and .json

Chapter 8's target, validation loss ≤ 1.90 after 2000 iterations, comes from nanoGPT's
README (about 1.88 for its Shakespeare-char CPU configuration), which estimates the loss on
20 random batches. This script trains the plain PyTorch GPT of ``benchmarks/gpt.py``
(nanoGPT's layout and initialisation) exactly as nanoGPT's ``train.py`` does on CPU: random
windows of 64 characters, batches of 12, 2000 iterations, AdamW (β 0.9/0.99, weight decay 0.1
on every ≥2-D parameter), learning rate 1e-3 with linear warmup ``(it+1)/(101)`` for 100
iterations and a cosine to 1e-4 at 2000, gradients clipped to norm 1. It then measures the
loss twice: on the whole validation split (111,540 characters, consecutive windows, as chapter
8 does), and as nanoGPT reports it (the mean of 20 random validation batches), so the Keras
model's numbers have a like-for-like reference. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gpt import BATCH, CONFIG, torch_gpt  # noqa: E402

ITERS, WARMUP, MAX_LR, MIN_LR = 2000, 100, 1e-3, 1e-4


def nanogpt_lr(it: int) -> float:
    """nanoGPT's ``get_lr``: linear warmup, then a cosine from MAX_LR to MIN_LR at ITERS."""
    if it < WARMUP:
        return MAX_LR * (it + 1) / (WARMUP + 1)
    if it > ITERS:
        return MIN_LR
    ratio = (it - WARMUP) / (ITERS - WARMUP)
    return MIN_LR + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (MAX_LR - MIN_LR)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--text", type=Path, help="tinyshakespeare.txt (default: download)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--iters", type=int, default=ITERS, help="a smoke test takes fewer")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args(argv)

    import torch

    from mlfoundations.book.report import format_table, write_results

    if args.text is not None:
        text = args.text.read_text(encoding="utf-8")
    else:
        from mlfoundations import data

        text = data.tiny_shakespeare(offline_fallback=False)  # checksummed, cached
    chars = sorted(set(text))
    if len(chars) != CONFIG["vocab_size"]:
        raise SystemExit(f"expected {CONFIG['vocab_size']} characters, got {len(chars)}")
    stoi = {c: i for i, c in enumerate(chars)}
    tokens = torch.tensor([stoi[c] for c in text], dtype=torch.long)
    n_train = int(0.9 * len(tokens))
    train, val = tokens[:n_train], tokens[n_train:]
    T = CONFIG["block_size"]

    def batch(data, generator):
        ix = torch.randint(len(data) - T, (BATCH,), generator=generator)
        return (
            torch.stack([data[i : i + T] for i in ix]),
            torch.stack([data[i + 1 : i + 1 + T] for i in ix]),
        )

    @torch.no_grad()
    def whole_split_loss(model, data) -> float:
        n = (len(data) - 1) // T
        x, y = data[: n * T].view(n, T), data[1 : n * T + 1].view(n, T)
        total = 0.0
        for i in range(0, n, 256):
            total += model(x[i : i + 256], y[i : i + 256]).item() * len(x[i : i + 256]) * T
        return total / (n * T)

    @torch.no_grad()
    def nanogpt_estimate(model, data, generator) -> float:
        return float(np.mean([model(*batch(data, generator)).item() for _ in range(20)]))

    rows = []
    for seed in range(args.seeds):
        step, _ = torch_gpt(seed)
        model, optimizer = step.model, step.optimizer
        generator = torch.Generator().manual_seed(seed)
        start = time.perf_counter()
        for it in range(args.iters):
            for group in optimizer.param_groups:
                group["lr"] = nanogpt_lr(it)
            model.train()
            step(*batch(train, generator))
        seconds = time.perf_counter() - start
        model.eval()
        rows.append(
            {
                "seed": seed,
                "whole validation split": whole_split_loss(model, val),
                "nanoGPT's estimate (20 batches)": nanogpt_estimate(
                    model, val, torch.Generator().manual_seed(1000 + seed)
                ),
                "seconds": seconds,
                "ms/step": 1000 * seconds / args.iters,
            }
        )
        print(rows[-1], flush=True)
    whole = [r["whole validation split"] for r in rows]
    estimate = [r["nanoGPT's estimate (20 batches)"] for r in rows]
    summary = {
        "iterations": args.iters,
        "seeds": len(rows),
        "mean whole split": float(np.mean(whole)),
        # the seed-to-seed spread of that mean (undefined for one seed)
        "standard error whole split": (
            float(np.std(whole, ddof=1) / np.sqrt(len(whole))) if len(whole) > 1 else None
        ),
        "mean nanoGPT estimate": float(np.mean(estimate)),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "date": time.strftime("%Y-%m-%d"),
    }
    markdown = (
        f"# nanoGPT's model, chapter 8's recipe: validation loss after {args.iters} "
        "iterations\n\n"
        + format_table(rows, floatfmt=".4f", style="markdown")
        + f"\n\nMean over {len(rows)} seeds: whole split {summary['mean whole split']:.4f}"
        + (
            f" (standard error {summary['standard error whole split']:.4f})"
            if summary["standard error whole split"] is not None
            else ""
        )
        + ", "
        f"nanoGPT's 20-batch estimate {summary['mean nanoGPT estimate']:.4f} "
        f"(torch {summary['torch']}, {summary['torch_threads']} threads, {summary['date']}).\n"
    )
    write_results(args.out / "gpt_shakespeare.md", markdown, {"summary": summary, "rows": rows})
    print(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
