"""Chapter 10's full scaling sweep on Tiny Shakespeare, saved for the book's page.

    KERAS_BACKEND=jax python benchmarks/scaling_sweep.py --text path/to/tinyshakespeare.txt
    # resumable: runs/scaling_sweep/<backend>/runs.csv; writes
    # benchmarks/results/scaling_sweep_<backend>.json and .md

Trains :data:`mlfoundations.scaling.SHAKESPEARE_SWEEP` (character-level, first 90 % of the
text for training, last 10 % for validation, as nanoGPT splits it) and fits Chinchilla's law
to the finished runs (Hoffmann's 4,500-start grid) with a 200-resample bootstrap. The chapter
page shows this JSON: its own executed run uses the offline fallback corpus and a small grid.
A benchmark, not a test: wall times depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mlfoundations.backend import quiet_backend_logs  # noqa: E402

quiet_backend_logs()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text", type=Path, help="Tiny Shakespeare file (default: download)")
    parser.add_argument("--folder", type=Path, default=None, help="resumable sweep folder")
    parser.add_argument("--data-parallel", action="store_true", help="JAX: all devices")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import keras

    from mlfoundations import data, scaling
    from mlfoundations.book.chapter import versions
    from mlfoundations.reference import scaling as ref

    backend = keras.backend.backend()
    if args.text is not None:
        text = args.text.read_text(encoding="utf-8")
    else:
        text = data.tiny_shakespeare(offline_fallback=False)
    ids, chars = scaling.char_ids(text)
    n_train = int(0.9 * len(ids))
    grid = scaling.SHAKESPEARE_SWEEP
    folder = args.folder or Path("runs") / "scaling_sweep" / backend
    start = time.perf_counter()
    rows = scaling.sweep(
        grid["sizes"],
        grid["compute_budgets"],
        train_ids=ids[:n_train],
        val_ids=ids[n_train:],
        vocab_size=len(chars),
        folder=folder,
        block_size=grid["block_size"],
        batch_size=grid["batch_size"],
        max_lr=grid["max_lr"],
        seed=args.seed,
        data_parallel=args.data_parallel,
        progress=lambda r: print(
            f"C={r['C_target']:.0e} N={r['N']:>7} D={r['D']:>8} "
            f"val={r['val_loss']:.3f} {r['seconds']:.0f}s",
            flush=True,
        ),
    )
    this_call = time.perf_counter() - start
    N, D, L = (np.array([r[k] for r in rows], float) for k in ("N", "D", "val_loss"))
    t0 = time.perf_counter()
    fit = ref.fit_chinchilla(N, D, L, grid="hoffmann")
    fit_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    boot = ref.bootstrap_chinchilla(N, D, L, fit, n_boot=200, seed=args.seed)
    boot_seconds = time.perf_counter() - t0
    # compute-optimal allocation at each budget, with the bootstrap's spread
    budgets = np.array(grid["compute_budgets"], float)
    best = ref.compute_optimal(budgets, fit)
    resampled = []  # tokens per parameter at each budget, one row per bootstrap refit
    for i in range(len(boot["alpha"])):
        refit = ref.ChinchillaFit.from_constants({k: boot[k][i] for k in fit.as_dict()})
        resampled.append(ref.compute_optimal(budgets, refit).tokens_per_param)
    lo, hi = np.percentile(resampled, [5, 95], axis=0)
    allocation = [
        {
            "C": float(C),
            "N_opt": float(n),
            "D_opt": float(d),
            "tokens_per_param": float(r),
            "tokens_per_param_5": float(a),
            "tokens_per_param_95": float(b),
        }
        for C, n, d, r, a, b in zip(
            budgets, best.N_opt, best.D_opt, best.tokens_per_param, lo, hi, strict=True
        )
    ]
    slices = []
    for C in grid["compute_budgets"]:
        mine = sorted((r for r in rows if r["C_target"] == C), key=lambda r: r["N"])
        winner = min(range(len(mine)), key=lambda i: mine[i]["val_loss"])
        slices.append(
            {
                "C": C,
                "sizes": [r["N"] for r in mine],
                "best_N": mine[winner]["N"],
                "interior": 0 < winner < len(mine) - 1,
            }
        )
    payload = {
        "date": datetime.date.today().isoformat(),
        "backend": backend,
        "versions": versions(),
        "text_chars": len(text),
        "vocab_size": len(chars),
        "train_tokens": n_train,
        "grid": grid,
        "rows": rows,
        "train_seconds_total": float(sum(r["seconds"] for r in rows)),
        "wall_seconds_this_call": this_call,
        "fit": {**fit.as_dict(), "objective": fit.objective, "n_starts": fit.n_starts},
        "fit_seconds": fit_seconds,
        "bootstrap": {k: v.tolist() for k, v in boot.items()},
        "bootstrap_seconds": boot_seconds,
        "allocation": allocation,
        "slices": slices,
    }
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"scaling_sweep_{backend}.json").write_text(json.dumps(payload, indent=1) + "\n")
    lines = [
        f"# Scaling sweep on Tiny Shakespeare ({backend}, {payload['date']})",
        "",
        f"{len(rows)} runs, {payload['train_seconds_total']:.0f} s of training; "
        f"fit ({fit.n_starts} starts) {fit_seconds:.1f} s; bootstrap {boot_seconds:.1f} s; "
        f"{sum(s['interior'] for s in slices)} of {len(slices)} isoFLOP slices have their "
        "best size inside the sizes tried.",
        "",
        "| constant | fit | 5 % | 95 % |",
        "| --- | --- | --- | --- |",
    ]
    for k, v in fit.as_dict().items():
        lo, hi = np.percentile(boot[k], [5, 95])
        lines.append(f"| {k} | {v:.4g} | {lo:.4g} | {hi:.4g} |")
    lines += [
        "",
        "| C | N_opt | D_opt | tokens/param | 5 % | 95 % |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for a in allocation:
        lines.append(
            f"| {a['C']:.0e} | {a['N_opt']:.3g} | {a['D_opt']:.3g} | {a['tokens_per_param']:.3g} "
            f"| {a['tokens_per_param_5']:.3g} | {a['tokens_per_param_95']:.3g} |"
        )
    (out / f"scaling_sweep_{backend}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
