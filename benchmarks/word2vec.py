"""word2vec throughput and quality: our Keras ``Word2Vec`` against gensim, in one run.

    KERAS_BACKEND=jax python benchmarks/word2vec.py
    # writes benchmarks/results/word2vec_jax.md and word2vec_jax.json

Corpus: gensim's Lee background corpus (``data.lee_corpus()``, ``simple_preprocess`` tokens).
Settings of chapter 7's quality target: 100-d vectors, window 5, 5 negatives, min_count 2,
sample 1e-3, 20 epochs, alpha 0.025 → 0.0001; gensim ``Word2Vec(sg=1, workers=2)``.

* **words/s** = corpus words (before min_count and subsampling) × epochs ÷ the wall time of
  the whole fit, vocabulary building included, for both; the ratio is ours ÷ gensim. gensim
  and ours alternate, seed by seed, so machine load hits both alike.
* **quality**: WordSim353 Spearman ρ of both, scored by gensim's ``evaluate_word_pairs``
  (ours through the word2vec text format), so both use the same in-vocabulary pairs.
* **batch sizes**: ours at several batch sizes (one seed): where summing a batch's updates
  starts to cost quality, and what a larger batch buys in speed.
* **where our time goes**: NumPy pair generation per epoch (subsampling, dynamic window,
  negatives, shuffle), timed on its own, against the whole fit.

A benchmark, not a test: numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mlfoundations.backend import quiet_backend_logs  # noqa: E402

quiet_backend_logs()
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import gensim  # noqa: E402
import keras  # noqa: E402
from gensim.models import KeyedVectors  # noqa: E402
from gensim.models import Word2Vec as GensimWord2Vec  # noqa: E402
from gensim.test.utils import datapath  # noqa: E402

from mlfoundations import data  # noqa: E402
from mlfoundations.backend import active_backend, package_version  # noqa: E402
from mlfoundations.book.report import format_table  # noqa: E402
from mlfoundations.embeddings import Word2Vec  # noqa: E402
from mlfoundations.reference import embeddings as ref  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
SETTINGS = dict(
    vector_size=100, window=5, negative=5, min_count=2, sample=1e-3, epochs=20,
    alpha=0.025, min_alpha=0.0001,
)  # fmt: skip


def wordsim(kv) -> float:
    return kv.evaluate_word_pairs(datapath("wordsim353.tsv"))[1][0]


def ours_rho(model: Word2Vec) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        path = model.save_word2vec_format(Path(tmp) / "v.txt")
        return wordsim(KeyedVectors.load_word2vec_format(str(path)))


def pair_generation_seconds(sentences, batch_size: int, repeats: int = 3) -> float:
    """Seconds to generate one epoch of training rows (best of ``repeats``)."""
    m = Word2Vec(**SETTINGS, batch_size=batch_size, seed=0)
    arrays = m.build_vocab(sentences)
    ids = np.concatenate(arrays)
    sentence_ids = np.repeat(np.arange(len(arrays)), [len(a) for a in arrays])
    keep = ref.keep_probabilities(m.counts, m.sample)
    table = ref.noise_table(m.counts)
    rng = np.random.default_rng(0)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        m._epoch_rows(ids, sentence_ids, keep, table, rng)
        best = min(best, time.perf_counter() - start)
    return best


def main(argv=None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--batch-size", type=int, default=4096, help="ours, for the seeds")
    parser.add_argument("--sweep", type=int, nargs="*", default=[1024, 16384],
                        help="further batch sizes, seed 1 only")  # fmt: skip
    args = parser.parse_args(argv)
    backend = active_backend()
    sentences = data.lee_corpus()
    n_words = sum(len(s) for s in sentences)
    words = n_words * SETTINGS["epochs"]
    rows = []
    for seed in args.seeds:
        start = time.perf_counter()
        g = GensimWord2Vec(sentences, sg=1, workers=2, seed=seed, **SETTINGS)
        g_seconds = time.perf_counter() - start
        ours = Word2Vec(**SETTINGS, batch_size=args.batch_size, seed=seed).fit(sentences)
        rows.append({
            "seed": seed, "batch": args.batch_size,
            "gensim ρ": wordsim(g.wv), "ours ρ": ours_rho(ours),
            "gensim words/s": words / g_seconds, "ours words/s": words / ours.fit_seconds,
            "ratio": g_seconds / ours.fit_seconds,
            "gensim s": g_seconds, "ours s": ours.fit_seconds,
        })  # fmt: skip
        print(format_table(rows[-1:], floatfmt=".4g"), flush=True)
    sweep = []
    for batch in sorted({args.batch_size, *args.sweep}):
        if batch == args.batch_size:
            ours_s, rho = rows[0]["ours s"], rows[0]["ours ρ"]
            final_loss = None
        else:
            m = Word2Vec(**SETTINGS, batch_size=batch, seed=args.seeds[0]).fit(sentences)
            ours_s, rho, final_loss = m.fit_seconds, ours_rho(m), float(m.history[-1])
            final_loss = final_loss if np.isfinite(final_loss) else None  # diverged
        sweep.append({
            "batch": batch, "ours ρ": rho, "ours words/s": words / ours_s, "ours s": ours_s,
            "last-epoch loss/pair": final_loss,
            "pair generation s/epoch": pair_generation_seconds(sentences, batch),
        })  # fmt: skip
        print(format_table(sweep[-1:], floatfmt=".4g"), flush=True)
    mean = {
        k: float(np.mean([r[k] for r in rows]))
        for k in ("gensim ρ", "ours ρ", "gensim words/s", "ours words/s", "ratio")
    }
    header = (
        f"# word2vec on the Lee corpus: ours ({backend}) vs gensim\n\n"
        f"{n_words:,} corpus words × {SETTINGS['epochs']} epochs; settings {SETTINGS}. "
        f"Keras {keras.__version__}, {backend} {package_version(backend)}, gensim "
        f"{gensim.__version__}, Python {platform.python_version()}, {os.cpu_count()} CPUs. "
        "words/s counts corpus words × epochs ÷ wall time of the whole fit (vocabulary "
        "included); ratio = ours words/s ÷ gensim words/s, measured seed by seed in the "
        "same process.\n\n"
        f"Means over seeds {args.seeds}: WordSim353 ρ gensim {mean['gensim ρ']:.3f}, ours "
        f"{mean['ours ρ']:.3f}; words/s gensim {mean['gensim words/s']:,.0f}, ours "
        f"{mean['ours words/s']:,.0f}; ratio {mean['ratio']:.2f}."
    )
    text = (
        header
        + "\n\n## Seeds\n\n"
        + format_table(rows, floatfmt=".4g", style="markdown")
        + f"\n\n## Batch size (seed {args.seeds[0]})\n\n"
        + format_table(sweep, floatfmt=".4g", style="markdown")
        + "\n"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"word2vec_{backend}.md"
    out.write_text(text, encoding="utf-8")
    payload = {
        "benchmark": "word2vec",
        "backend": backend,
        "settings": SETTINGS,
        "corpus_words": n_words,
        "seeds": rows,
        "batch_sweep": sweep,
        "mean": mean,
        "versions": {"keras": keras.__version__, backend: package_version(backend),
                     "gensim": gensim.__version__, "python": platform.python_version()},
    }  # fmt: skip
    (RESULTS / f"word2vec_{backend}.json").write_text(json.dumps(payload, indent=2) + "\n")
    print(text)
    print(f"wrote {out}")
    return out


if __name__ == "__main__":
    main()
