"""The chapter contract: what every ``chapters/NN_topic.py`` script shares.

A chapter is a jupytext "percent" script: it runs standalone (``python chapters/01_...py``)
and is also executed, cell by cell, to make its page of the book. Its first code cell is::

    from mlfoundations.book import chapter
    run = chapter.setup("01_models_are_functions")
    import keras  # only now: setup() has chosen the backend

:func:`setup` reads the options (``--quick``, ``--seed``, ``--out``, ``--backend`` and the
chapter's own flags) from the command line when run as a script, and from environment
variables when executed as a notebook (the docs build sets them); the table of options is
in :mod:`mlfoundations.book.options`, which parses them for every chapter and for ``mlf``.
``--record-full`` (``MLF_RECORD_FULL=1``, full mode only) also writes the headlines to the
committed ``chapters/results/<stem>_full.json``, shown in the book beside the quick runs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .. import backend as _backend
from ..checks import check_seed
from .options import Flag, chapter_parser
from .report import jsonable as _jsonable

CHAPTER_RE = re.compile(r"^(\d\d)_([a-z0-9_]+)\.py$")


@dataclass(frozen=True)
class ChapterInfo:
    """A chapter script found on disk."""

    number: int
    stem: str
    title: str
    summary: str
    path: Path


def chapters_dir() -> Path:
    """Where the chapter scripts live: ``$MLF_CHAPTERS_DIR``, the repository's
    ``chapters/`` (editable install), or ``./chapters``."""
    env = os.environ.get("MLF_CHAPTERS_DIR")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[2] / "chapters"
    return repo if repo.is_dir() else Path.cwd() / "chapters"


def read_header(path: Path) -> tuple[str, str]:
    """Title and one-line summary from a chapter's first markdown cell.

    The title is the first ``# # ...`` heading; the summary is the first paragraph of prose
    after it (joined into one line), skipping headings, admonitions and bold metadata lines.
    """
    title, summary_lines = path.stem, []
    in_markdown = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# %%"):
            if in_markdown:
                break
            in_markdown = line.startswith("# %% [markdown]")
            continue
        if not in_markdown:
            continue
        text = line[2:].strip() if line.startswith("# ") else line.lstrip("#").strip()
        if text.startswith("# ") and title == path.stem:
            title = text[2:].strip()
        elif title == path.stem:
            continue
        elif text and not text.startswith(("#", "!!!", "|", ">", "*")):
            summary_lines.append(text)
        elif summary_lines:
            break
    return title, " ".join(summary_lines)


def find_chapters(directory: Path | None = None) -> list[ChapterInfo]:
    """All chapter scripts ``NN_topic.py`` in ``directory``, in order."""
    directory = Path(directory) if directory is not None else chapters_dir()
    found = []
    for path in sorted(directory.glob("[0-9][0-9]_*.py")):
        match = CHAPTER_RE.match(path.name)
        if match:
            title, summary = read_header(path)
            found.append(ChapterInfo(int(match.group(1)), path.stem, title, summary, path))
    return found


def _in_notebook() -> bool:
    return "ipykernel" in sys.modules


def check_writable(out: Path) -> Path:
    """Create ``out`` if needed and check a file can be written there; ``ValueError`` if not."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise ValueError(f"--out {out} is not a writable folder: {exc.strerror or exc}") from exc
    return out


@dataclass
class ChapterRun:
    """Options of one chapter run, and where its outputs go.

    A run writes into a fresh folder, ``out``, beside its destination ``final_out``, and
    :meth:`finish` swaps it into place: an interrupted run never leaves its new figures
    beside an old ``results.json``, and the previous complete outputs stay until then.
    What must survive an interruption (checkpoints, a sweep's table) goes in
    :attr:`state`, a folder outside that swap.
    """

    stem: str
    backend: str
    quick: bool
    seed: int
    out: Path
    final_out: Path | None = None
    record_full: bool = False
    results: dict = field(default_factory=dict)
    headlines: dict = field(default_factory=dict)
    details: dict = field(default_factory=dict)
    nonfinite: int = 0
    flags: argparse.Namespace = field(default_factory=argparse.Namespace)
    """The chapter's own options (:func:`mlfoundations.book.options.flag`), by name."""
    started: float = field(default_factory=time.perf_counter)

    @property
    def state(self) -> Path:
        """A persistent folder for state a resumed run needs, ``<out>.state/`` (created)."""
        final = self.final_out or self.out
        path = final.with_name(final.name + ".state")
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def interactive(self) -> bool:
        """True in a terminal: show progress bars. False on a page or in a CI log."""
        return sys.stdout.isatty() and not _in_notebook()

    @property
    def verbose(self) -> int:
        """``verbose`` for ``model.fit``: a progress bar in a terminal, silence elsewhere."""
        return 1 if self.interactive else 0

    def size(self, quick, full):
        """``quick`` in quick mode, else ``full`` (for epochs, sample counts, widths...)."""
        return quick if self.quick else full

    def record(self, **values) -> None:
        """Add named results to ``results.json`` (NumPy scalars and arrays are converted)."""
        from .report import count_nonfinite

        self.nonfinite += count_nonfinite(values)  # NaN/inf become null: JSON has neither
        self.results.update({k: _jsonable(v) for k, v in values.items()})

    def record_details(self, **values) -> None:
        """Add named results to ``results.json`` and, with ``--record-full``, to this
        backend's entry of the committed ``<stem>_full.json`` (as its ``details``).

        For what a page shows from a full run beyond its headlines: curves, per-seed
        losses, samples. Keep it small: it is committed.
        """
        self.record(**values)
        self.details.update({k: self.results[k] for k in values})

    def headline(
        self,
        name: str,
        value,
        *,
        low: float | None = None,
        high: float | None = None,
        agree: float | None = None,
        label: str | None = None,
    ) -> None:
        """Declare one of the chapter's headline results, with the band it must fall in.

        Headlines are the few scalars a reader cares about (a validation loss, an accuracy, a
        largest difference from the reference). Each is recorded in ``results.json`` under
        ``"headlines"`` with its band and whether it passed; the book shows them for every
        backend at the top of the chapter's page, and the build fails on a value outside its
        band or backends that disagree by more than ``agree``.

        Parameters
        ----------
        name : str
            Key of the headline (a Python identifier, e.g. ``"val_loss"``).
        value : float
            The measured value (a NumPy or Python scalar).
        low, high : float, optional
            Inclusive bounds of the band; at least one must be given.
        agree : float, optional
            Largest allowed spread (max - min) of this value across backends.
        label : str, optional
            How the page names it (default: ``name``).

        Returns
        -------
        None
            Like ``print``, so a call that ends a cell echoes nothing on the page; whether
            the value is in its band is ``run.headlines[name]["ok"]``.
        """
        import math
        import numbers

        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"name must be a Python identifier, got {name!r}")
        if low is None and high is None:
            raise ValueError(f"headline {name!r} needs a band: give low, high or both")
        if low is not None and high is not None and low > high:
            raise ValueError(f"headline {name!r}: low {low} is above high {high}")
        if agree is not None and not agree >= 0:
            raise ValueError(f"headline {name!r}: agree must be >= 0, got {agree}")
        if label is not None and not isinstance(label, str):
            raise TypeError(f"headline {name!r}: label must be a str, got {type(label).__name__}")
        for bound, given in (("low", low), ("high", high), ("agree", agree)):
            if given is not None and (
                isinstance(given, bool) or not isinstance(given, numbers.Real)
            ):
                raise TypeError(f"headline {name!r}: {bound} must be a number, got {given!r}")
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise TypeError(
                f"headline {name!r}: value must be a real scalar, got {type(value).__name__}"
            ) from None
        low = None if low is None else float(low)
        high = None if high is None else float(high)
        agree = None if agree is None else float(agree)
        ok = (
            math.isfinite(value)
            and (low is None or value >= low)
            and (high is None or value <= high)
        )
        self.headlines[name] = {
            "label": label or name,
            "value": value if math.isfinite(value) else None,
            "low": low,
            "high": high,
            "agree": agree,
            "ok": ok,
        }

    def figure(self, fig, name: str):
        """Save ``fig`` as ``<out>/<name>.png``; on a page, also display it.

        Returns the path in a script; on a page it returns ``None``, so a call that ends a
        cell echoes no ``PosixPath(...)`` under the figure.
        """
        from .plotting import save_figure

        path = save_figure(fig, self.out / name)
        if _in_notebook():
            from IPython.display import Image, display

            display(Image(filename=str(path)))
        import matplotlib.pyplot as plt

        plt.close(fig)
        return None if _in_notebook() else path

    def table(self, rows: list[dict], *, floatfmt: str = ".4g", title: str | None = None) -> None:
        """Show ``rows`` (dicts with the same keys) as a table.

        On a page it is displayed as a real table; in a terminal it is printed aligned. Like
        ``print`` it returns nothing, so a call that ends a cell adds no echoed value to the
        page (it used to return the Markdown text, which a page then showed a second time as
        a string repr). :func:`mlfoundations.book.report.format_table` gives the text.
        """
        from .report import escape_markdown, format_table

        markdown = format_table(rows, floatfmt=floatfmt, style="markdown")
        if _in_notebook():
            from IPython.display import Markdown, display

            heading = f"**{escape_markdown(title)}**\n\n" if title else ""
            display(Markdown(heading + markdown))
        else:
            if title:
                print(title)
            print(format_table(rows, floatfmt=floatfmt, style="plain"))

    def _swap_into_place(self) -> None:
        """Replace ``final_out`` by this run's fresh folder (the old one goes only now)."""
        import shutil

        if self.final_out is None or self.final_out == self.out:
            return
        old = None
        if self.final_out.exists():
            old = self.final_out.with_name(f".{self.final_out.name}.old-{os.getpid()}")
            os.replace(self.final_out, old)
        os.replace(self.out, self.final_out)
        self.out = self.final_out
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def finish(self) -> Path | None:
        """Write ``<out>/results.json`` atomically and print where the outputs are.

        Returns the path of ``results.json``; on a page (in a notebook) it returns ``None``,
        because the call ends the last cell and a returned path would be echoed there as a
        ``PosixPath(...)`` repr. The path is printed either way.

        With ``--record-full`` (full mode), also merge this backend's headlines into the
        committed ``chapters/results/<stem>_full.json``, with the commit and the date.
        """
        seconds = time.perf_counter() - self.started
        payload = {
            "chapter": self.stem,
            "backend": self.backend,
            "quick": self.quick,
            "seed": self.seed,
            "seconds": round(seconds, 2),
            "versions": versions(),
            "device": device(),
            "headlines": self.headlines,
            "results": self.results,
        }
        from .report import count_nonfinite, write_atomically

        nonfinite = self.nonfinite + count_nonfinite(payload)
        text = json.dumps(_jsonable(payload), indent=2, sort_keys=False, allow_nan=False)
        write_atomically(self.out / "results.json", text + "\n")
        if nonfinite:
            print(f"results.json: {nonfinite} NaN or infinite value(s) written as null")
        self._swap_into_place()
        path = self.out / "results.json"
        if self.record_full:
            from . import parity

            row = parity.make_row(self.stem, self.backend, "ok", seconds, payload)
            if self.details:
                row["details"] = self.details
            where = parity.record_full(row)
            print(f"Full-mode headlines recorded in {where}")
        print(f"Finished in {seconds:.1f} s; figures and results.json are in {self.out}")
        return None if _in_notebook() else path


def device() -> str:
    """``"CPU"``, or ``"GPU: <name>"`` when the active backend computes on a GPU.

    Asks the backend only when Keras is already imported (a chapter run has imported it).
    """
    if "keras" not in sys.modules:
        return "CPU"
    try:
        gpus = [d for d in _backend.list_devices() if d["kind"] == "GPU"]
    except Exception:  # a backend that cannot list its devices computes on the CPU here
        return "CPU"
    return f"GPU: {gpus[0]['name']}" if gpus else "CPU"


def versions() -> dict[str, str | None]:
    """Versions of Python, mlfoundations, Keras, NumPy and each backend (from metadata)."""
    import importlib.metadata as md
    import platform

    from .. import __version__

    def version(dist):
        try:
            return md.version(dist)
        except md.PackageNotFoundError:
            return None

    out = {
        "python": platform.python_version(),
        "mlfoundations": __version__,
        "keras": version("keras"),
        "numpy": version("numpy"),
    }
    out.update(_backend.describe())
    return out


def setup(stem: str, argv: list[str] | None = None, *, extra: Iterable[Flag] = ()) -> ChapterRun:
    """Parse the chapter options, choose the backend, seed everything, and print a header.

    Call it in the chapter's first code cell, before ``import keras``.

    Parameters
    ----------
    stem : str
        The chapter's file name without ``.py``, e.g. ``"01_models_are_functions"``.
    argv : list of str, optional
        Command-line arguments; defaults to ``sys.argv[1:]`` in a script and to none in a
        notebook (where options come from the environment).
    extra : list of Flag, optional
        The chapter's own options, made with :func:`mlfoundations.book.options.flag`; their
        values are ``run.flags.<name>``.
    """
    if not CHAPTER_RE.match(stem + ".py"):
        raise ValueError(f"stem must look like 'NN_topic', got {stem!r}")
    if argv is None:
        argv = [] if _in_notebook() else sys.argv[1:]
    parser = chapter_parser(stem, extra)
    args = parser.parse_args(argv)
    common = {"quick", "seed", "out", "backend", "record_full"}
    flags = argparse.Namespace(**{k: v for k, v in vars(args).items() if k not in common})
    name = args.backend or os.environ.get("KERAS_BACKEND") or _backend.DEFAULT_BACKEND
    try:
        _backend.use_backend(name)
    except (ValueError, ImportError, RuntimeError) as exc:
        parser.exit(2, f"error: {exc}\n")
    try:
        check_seed(args.seed, "--seed")
    except (TypeError, ValueError) as exc:
        parser.exit(2, f"error: {exc}\n")
    if args.record_full and args.quick:
        parser.exit(2, "error: --record-full records full-mode results; drop --quick\n")
    final_out = Path(args.out or Path("runs") / name / stem)
    try:
        check_writable(final_out.parent if final_out.exists() else final_out)
        fresh = check_writable(final_out.with_name(f".{final_out.name}.partial-{os.getpid()}"))
    except ValueError as exc:
        parser.exit(2, f"error: {exc}\n")
    if final_out.exists() and not any(final_out.iterdir()):
        final_out.rmdir()  # an empty folder (ours, from the check): nothing to keep
    run = ChapterRun(
        stem=stem,
        backend=name,
        quick=args.quick,
        seed=args.seed,
        out=fresh,
        final_out=final_out,
        flags=flags,
        record_full=args.record_full,
    )
    from .plotting import apply_style

    apply_style()
    _backend.seed_everything(args.seed)
    v = versions()
    mode = "quick" if args.quick else "full"
    print(
        f"Backend {name} {v.get(name)} · Keras {v['keras']} · NumPy {v['numpy']} · "
        f"Python {v['python']} · {mode} mode · seed {args.seed}"
    )
    return run
