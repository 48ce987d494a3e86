"""Local check: refit Chinchilla's law on Epoch AI's extraction of the paper's runs.

    python benchmarks/chinchilla_refit.py [--csv PATH] [--grid small|hoffmann] [--boot 200]

Besiroglu et al. (Epoch AI, 2024) reconstructed the 245 runs of Hoffmann et al. (2022),
figure 4, from the paper's SVG, dropped the five highest-loss runs and refitted approach 3,
getting about E 1.82, A 482, B 2085, α 0.348, β 0.366. This script does the same with
:func:`mlfoundations.reference.scaling.fit_chinchilla` and prints the constants, bootstrap
intervals and the allocation of Chinchilla's budget.

The extracted data carries no licence: it is never copied into this repository, and this
script only reads it where it already is (the first ``shared/data/`` above the
repository, or ``--csv``). Without it the script says so and exits 0. Not a test.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mlfoundations.reference import scaling as ref  # noqa: E402

NAME = "chinchilla_svg_extracted.csv"
# the first ``shared/data/`` found above the repository (where the project keeps local data)
DEFAULT_CSV = next(
    (p / "shared" / "data" / NAME for p in Path(__file__).resolve().parents
     if (p / "shared" / "data" / NAME).exists()),
    Path("shared") / "data" / NAME,
)  # fmt: skip


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--grid", choices=("small", "hoffmann"), default="hoffmann")
    parser.add_argument("--boot", type=int, default=200)
    args = parser.parse_args(argv)
    if not args.csv.exists():
        print(f"skipped: {args.csv} is not here (the extracted data is not shipped)")
        return 0
    with args.csv.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    N = np.array([float(r["Model Size"]) for r in rows])
    C = np.array([float(r["Training FLOP"]) for r in rows])
    L = np.array([float(r["loss"]) for r in rows])
    D = C / (6 * N)
    keep = np.argsort(L)[:-5]  # Besiroglu et al.: drop the 5 highest-loss runs
    print(f"{len(rows)} runs, {len(keep)} kept")
    start = time.perf_counter()
    fit = ref.fit_chinchilla(N[keep], D[keep], L[keep], grid=args.grid)
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    boot = ref.bootstrap_chinchilla(N[keep], D[keep], L[keep], fit, n_boot=args.boot)
    boot_seconds = time.perf_counter() - start
    print(f"fit: {fit.n_starts} starts in {seconds:.1f} s, objective {fit.objective:.6g}")
    print(f"bootstrap: {args.boot} warm-started refits in {boot_seconds:.1f} s")
    print("constant        fit      5 %     95 %   Besiroglu   published")
    for k, v in fit.as_dict().items():
        lo, hi = np.percentile(boot[k], [5, 95])
        print(
            f"{k:8s} {v:9.4g} {lo:8.4g} {hi:8.4g} {ref.BESIROGLU_2024[k]:11.4g} "
            f"{ref.HOFFMANN_2022[k]:11.4g}"
        )
    published = ref.ChinchillaFit.from_constants(ref.HOFFMANN_2022)
    for name, law in (("this refit", fit), ("published", published)):
        r = np.log(law.predict(N[keep], D[keep])) - np.log(L[keep])
        a = ref.compute_optimal(5.88e23, law)
        print(
            f"{name:10s}: sum Huber {np.sum(ref.huber(r, 1e-3)):.4g}, "
            f"mean |log residual| {np.mean(np.abs(r)):.4f}; at 5.88e23 FLOPs "
            f"N_opt {a.N_opt:.3g}, D_opt {a.D_opt:.3g}, {a.tokens_per_param:.1f} tokens/param"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
