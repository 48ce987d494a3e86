"""Byte-level BPE, ours (pure Python) against Hugging Face ``tokenizers`` (Rust).

    python benchmarks/bpe.py
    # writes benchmarks/results/bpe.md and bpe.json (no Keras: one file for all backends)

Both are trained as byte-level BPE with GPT-2's pre-tokenisation regex, the 256-byte base
alphabet and the same vocabulary size (256 + merges) on the first 90 % of the offline corpus
``data.pydoc_topics()``; compression is measured as UTF-8 bytes per token on the last 10 %.
Training time is the best of ``--repeats`` runs (the minimum: other load on a shared machine
only ever adds time). Our regex is GPT-2's rewritten for Python's ``re`` (see
``reference/tokenizers.py``); on this mostly-ASCII text the two cut identically.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import tokenizers as hf  # noqa: E402

from mlfoundations import data  # noqa: E402
from mlfoundations.book.report import format_table  # noqa: E402
from mlfoundations.reference import tokenizers as tok  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def train_hf(text: str, vocab_size: int):
    model = hf.Tokenizer(hf.models.BPE())
    model.pre_tokenizer = hf.pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    trainer = hf.trainers.BpeTrainer(
        vocab_size=vocab_size,
        initial_alphabet=hf.pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    model.train_from_iterator([text], trainer=trainer)
    return model


def best_of(fn, repeats: int):
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv=None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--merges", type=int, nargs="+", default=[250, 1000, 2000])
    parser.add_argument("--repeats", type=int, default=3, help="repeats; the best is kept")
    args = parser.parse_args(argv)
    if min(args.merges) < 1 or args.repeats < 1:
        parser.error("--merges and --repeats must be >= 1")
    text = data.pydoc_topics()
    cut = int(0.9 * len(text))
    train, test = text[:cut], text[cut:]
    n_bytes = len(test.encode("utf-8"))
    rows = []
    for merges in args.merges:
        t_ours, ours = best_of(lambda m=merges: tok.ByteLevelBPE(m).train(train), args.repeats)
        t_hf, theirs = best_of(lambda m=merges: train_hf(train, 256 + m), args.repeats)
        e_ours, ids = best_of(lambda o=ours: o.encode(test), 1)
        e_hf, enc = best_of(lambda t=theirs: t.encode(test), 1)
        bpt_ours, bpt_hf = n_bytes / len(ids), n_bytes / len(enc.ids)
        rows.append(
            {
                "merges": merges,
                "vocab (ours / HF)": f"{ours.vocab_size} / {theirs.get_vocab_size()}",
                "bytes/token ours": bpt_ours,
                "bytes/token HF": bpt_hf,
                "ratio": bpt_ours / bpt_hf,
                "train s ours": t_ours,
                "train s HF": t_hf,
                "train time ratio": t_ours / t_hf,
                "encode s ours": e_ours,
                "encode s HF": e_hf,
            }
        )
        print(format_table(rows[-1:], floatfmt=".4g"), flush=True)
    header = (
        "# Byte-level BPE: ours (Python) vs Hugging Face tokenizers (Rust)\n\n"
        f"Corpus `data.pydoc_topics()`: train on {len(train):,} characters, measure on "
        f"{len(test):,} ({n_bytes:,} bytes). Best of {args.repeats} training runs; "
        f"tokenizers {hf.__version__}, Python {platform.python_version()}, "
        f"{platform.machine()}. Ratios: ours ÷ HF (bytes/token: 1 = same compression; "
        "train time: above 1 = ours slower)."
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    md = RESULTS / "bpe.md"
    md.write_text(header + "\n\n" + format_table(rows, floatfmt=".4g", style="markdown") + "\n")
    payload = {
        "benchmark": "bpe",
        "train_characters": len(train),
        "test_bytes": n_bytes,
        "repeats": args.repeats,
        "tokenizers_version": hf.__version__,
        "python": platform.python_version(),
        "rows": rows,
    }
    (RESULTS / "bpe.json").write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote {md}")
    return md


if __name__ == "__main__":
    main()
