"""Parity: every chapter's headline results on every backend, in one JSON, checked.

The book promises one program, three backends, the same answer. Each chapter declares its
headline results with :meth:`~mlfoundations.book.chapter.ChapterRun.headline` (a value, the
band it must fall in, how closely the backends must agree). Every quick-mode run made by the
test suite or by ``mlf run --quick`` adds one row (chapter × backend: status, seconds,
headlines, versions, device, commit) to ``parity.json``; this module reads it back, marks

* a failed run,
* a headline outside its band,
* a headline whose spread across backends exceeds its ``agree``,
* a row from another commit (stale: shown, never trusted),

and renders the "On every backend" box of each chapter page and the status matrix of the
home page. ``python -m mlfoundations.book.parity check`` is the gate ``make test`` runs.

Files::

    <repo>/.cache/parity/parity.json          quick runs, one row per chapter × column
                                               (override the folder with MLF_PARITY_DIR)
    chapters/results/<stem>_full.json          full runs, committed (written with
                                               ``--record-full``), one entry per column

A column is the backend name, or ``"<backend> (GPU)"`` for a run on a GPU, so CPU and GPU
rows live side by side.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import json
import math
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from . import chapter as _chapter

SCHEMA = 1
PARITY_FILE = "parity.json"
BACKENDS = ("tensorflow", "jax", "torch")


# --------------------------------------------------------------------------- where and which


def parity_dir() -> Path:
    """Folder of ``parity.json``: ``$MLF_PARITY_DIR``, else ``.cache/parity`` beside the
    chapters folder (so a temporary chapters folder gets its own parity file)."""
    env = os.environ.get("MLF_PARITY_DIR")
    if env:
        return Path(env)
    return _chapter.chapters_dir().resolve().parent / ".cache" / "parity"


def full_results_path(stem: str, directory: Path | None = None) -> Path:
    """The committed full-run JSON of chapter ``stem``: ``chapters/results/<stem>_full.json``."""
    directory = Path(directory) if directory is not None else _chapter.chapters_dir()
    return directory / "results" / f"{stem}_full.json"


def git_state(cwd: Path | None = None) -> dict:
    """``{"commit": HEAD or None, "dirty": bool}`` of the repository holding ``cwd``.

    ``dirty`` is True when tracked files differ from HEAD; results from a dirty tree keep the
    commit they started from and say so.
    """
    cwd = Path(cwd) if cwd is not None else _chapter.chapters_dir()
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=30
        )
        if commit.returncode != 0:
            return {"commit": None, "dirty": False}
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": False}
    return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip())}


def column_name(backend: str, device: str | None) -> str:
    """``"jax"`` for a CPU run, ``"jax (GPU)"`` for a run on a GPU."""
    return f"{backend} (GPU)" if device and device.upper().startswith("GPU") else backend


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- rows


def make_row(
    stem: str,
    backend: str,
    status: str,
    seconds: float,
    results: dict | None = None,
    git: dict | None = None,
) -> dict:
    """One parity row from a chapter run and its ``results.json`` (``None`` if it has none).

    A run that exited 0 but whose results say another backend, or full mode, is recorded
    as failed: the row must describe what it claims to.
    """
    results = results or {}
    git = git if git is not None else git_state()
    if status == "ok" and not results:
        status = "failed (no results.json)"
    elif status == "ok" and results.get("backend") != backend:
        status = f"failed (results.json says backend {results.get('backend')!r})"
    device = results.get("device") or "CPU"
    return {
        "chapter": stem,
        "backend": backend,
        "column": column_name(backend, device),
        "status": status,
        "seconds": round(float(seconds), 1),
        "quick": bool(results.get("quick", True)),
        "commit": git.get("commit"),
        "dirty": bool(git.get("dirty")),
        "date": _now(),
        "versions": results.get("versions") or {},
        "device": device,
        "headlines": results.get("headlines") or {},
    }


@contextlib.contextmanager
def _locked(path: Path):
    """An exclusive lock on ``path`` + ``.lock`` (POSIX); three pytest processes may write."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "a+") as handle:
        try:
            import fcntl
        except ImportError:  # Windows: one writer at a time is the user's job
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_json(path: Path, payload: dict) -> None:
    from .report import jsonable, write_atomically

    write_atomically(path, json.dumps(jsonable(payload), indent=1, sort_keys=True) + "\n")


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON ({exc}); delete it and rerun") from None


def record(row: dict, directory: Path | None = None) -> Path:
    """Merge ``row`` into ``parity.json`` (replacing the same chapter × column), under a lock."""
    path = Path(directory if directory is not None else parity_dir()) / PARITY_FILE
    with _locked(path):
        data = _read_json(path) or {"schema": SCHEMA, "rows": {}}
        data.setdefault("rows", {}).setdefault(row["chapter"], {})[row["column"]] = row
        _write_json(path, data)
    return path


def load(directory: Path | None = None) -> dict:
    """``{chapter: {column: row}}`` from ``parity.json``; empty when there is none."""
    path = Path(directory if directory is not None else parity_dir()) / PARITY_FILE
    data = _read_json(path)
    if data and data.get("schema") != SCHEMA:
        raise ValueError(f"{path} has schema {data.get('schema')!r}, expected {SCHEMA}")
    return data.get("rows", {})


def record_full(row: dict, directory: Path | None = None) -> Path:
    """Merge a full-mode ``row`` into the chapter's committed ``<stem>_full.json``."""
    path = full_results_path(row["chapter"], directory)
    with _locked(path):
        data = _read_json(path) or {"chapter": row["chapter"], "runs": {}}
        data.setdefault("runs", {})[row["column"]] = row
        _write_json(path, data)
    return path


def load_full(stem: str, directory: Path | None = None) -> dict:
    """``{column: row}`` of the chapter's committed full runs; empty when there are none."""
    return _read_json(full_results_path(stem, directory)).get("runs", {})


# --------------------------------------------------------------------------- marks


@dataclass(frozen=True)
class Mark:
    """Something wrong with a chapter's results: where, what, and whether it fails the build."""

    chapter: str
    column: str
    headline: str | None
    kind: str  # failed, band, agree, stale, missing
    message: str
    fails: bool = True


def band_text(low, high) -> str:
    """``[0.1, 0.3]``, ``≥ 0.9`` or ``≤ 1e-06``: a headline's band, as the page shows it."""
    if low is not None and low == high:
        return f"= {_fmt(low)}"
    if low is not None and high is not None:
        return f"[{_fmt(low)}, {_fmt(high)}]"
    return f"≥ {_fmt(low)}" if low is not None else f"≤ {_fmt(high)}"


def in_band(entry: dict) -> bool:
    """Whether a recorded headline's value lies in its band (rechecked, not trusted)."""
    value = entry.get("value")
    if value is None or not math.isfinite(value):
        return False
    low, high = entry.get("low"), entry.get("high")
    return (low is None or value >= low) and (high is None or value <= high)


def is_fresh(row: dict, commit: str | None) -> bool:
    """A row counts only if it was measured on ``commit`` (the tree may have been dirty)."""
    return row.get("commit") == commit


def marks_for(stem: str, rows: dict, commit: str | None, *, mode: str = "quick") -> list[Mark]:
    """Everything wrong with one chapter's ``rows`` ({column: row}) at ``commit``.

    Quick rows from another commit are stale (shown, not checked, not failing). Full rows are
    checked whatever their commit: they are committed evidence, dated on the page.
    """
    marks: list[Mark] = []
    checked = {}
    for column, row in rows.items():
        if mode == "quick" and not is_fresh(row, commit):
            short = (row.get("commit") or "unknown")[:7]
            marks.append(
                Mark(stem, column, None, "stale", f"{stem} on {column}: from commit {short}", False)
            )
            continue
        if row.get("status") != "ok":
            marks.append(
                Mark(stem, column, None, "failed", f"{stem} on {column}: {row.get('status')}")
            )
            continue
        checked[column] = row
        for name, entry in row.get("headlines", {}).items():
            if not in_band(entry):
                marks.append(
                    Mark(
                        stem,
                        column,
                        name,
                        "band",
                        f"{stem}: headline '{name}' on {column} ({mode}) is "
                        f"{_fmt(entry.get('value'))}, outside its band "
                        f"{band_text(entry.get('low'), entry.get('high'))}",
                    )
                )
    marks.extend(_agreement_marks(stem, checked, mode))
    return marks


def spread(values: dict[str, float]) -> tuple[float, str | None]:
    """Spread (max - min) of ``{column: value}`` and the column farthest from the median."""
    if len(values) < 2:
        return 0.0, None
    middle = statistics.median(values.values())
    outlier = max(values, key=lambda c: abs(values[c] - middle))
    return max(values.values()) - min(values.values()), outlier


def _agreement_marks(stem: str, rows: dict, mode: str) -> list[Mark]:
    marks = []
    names = sorted({n for row in rows.values() for n in row.get("headlines", {})})
    for name in names:
        entries = {c: r["headlines"][name] for c, r in rows.items() if name in r["headlines"]}
        agrees = [e["agree"] for e in entries.values() if e.get("agree") is not None]
        values = {c: e["value"] for c, e in entries.items() if e.get("value") is not None}
        if not agrees or len(values) < 2:
            continue
        width, outlier = spread(values)
        if width > min(agrees) * (1 + 1e-9) + 1e-15:  # a spread equal to agree passes
            listing = ", ".join(f"{c} {_fmt(v)}" for c, v in values.items())
            blame = (
                f"between {' and '.join(values)}"
                if len(values) == 2
                else f"farthest from the others: {outlier}"
            )
            marks.append(
                Mark(
                    stem,
                    outlier,
                    name,
                    "agree",
                    f"{stem}: headline '{name}' disagrees across backends ({mode}): spread "
                    f"{_fmt(width)} > agree {_fmt(min(agrees))} ({listing}); {blame}",
                )
            )
    return marks


def check(
    rows: dict,
    chapters: list[str],
    commit: str | None,
    require: tuple[str, ...] = (),
) -> list[Mark]:
    """All marks for ``chapters``; a ``required`` backend without a fresh row is a mark too."""
    marks = []
    for stem in chapters:
        chapter_rows = rows.get(stem, {})
        marks.extend(marks_for(stem, chapter_rows, commit))
        for backend in require:
            fresh = [
                r
                for r in chapter_rows.values()
                if r.get("backend") == backend and is_fresh(r, commit)
            ]
            if not fresh:
                marks.append(
                    Mark(
                        stem,
                        backend,
                        None,
                        "missing",
                        f"{stem} on {backend}: no quick run recorded at commit "
                        f"{(commit or 'unknown')[:7]}",
                    )
                )
    return marks


# --------------------------------------------------------------------------- rendering


def _fmt(value) -> str:
    if value is None:
        return "n/a"
    if float(value).is_integer() and abs(value) < 1e15:  # counts stay exact: 124,439,808
        return f"{int(value):,}"
    return f"{value:.4g}"


def _ordered_columns(columns) -> list[str]:
    def key(column):
        backend = column.split(" ")[0]
        rank = BACKENDS.index(backend) if backend in BACKENDS else len(BACKENDS)
        return ("(GPU)" in column, rank, column)

    return sorted(columns, key=key)


def _status_cell(row: dict, commit: str | None, mode: str) -> str:
    ok = "✓" if row.get("status") == "ok" else "✗ " + str(row.get("status"))
    if mode == "quick" and not is_fresh(row, commit):
        ok += f" (stale: {(row.get('commit') or 'unknown')[:7]})"
    return ok


def _headline_table(stem, rows, commit, mode, names, labels, marks) -> list[str]:
    bad = {(m.column, m.headline) for m in marks if m.fails and m.headline}
    header = ["backend", "status", "seconds"] + [labels[n] for n in names]
    lines = [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join(["---", "---", "---:"] + ["---:"] * len(names)) + " |",
    ]
    for column in _ordered_columns(rows):
        row = rows[column]
        cells = [column + (" · full" if mode == "full" else ""), _status_cell(row, commit, mode)]
        cells.append(f"{row.get('seconds', 0):.0f}")
        for name in names:
            entry = row.get("headlines", {}).get(name)
            text = _fmt(entry.get("value")) if entry else "—"
            cells.append(f"**{text} ✗**" if (column, name) in bad else text)
        lines.append("| " + " | ".join(cells) + " |")
    bands, spreads = ["band", "", ""], ["spread (agree)", "", ""]
    for name in names:
        entries = [r["headlines"][name] for r in rows.values() if name in r.get("headlines", {})]
        first = entries[0] if entries else {}
        bands.append(band_text(first.get("low"), first.get("high")) if first else "—")
        counted = {
            c: r["headlines"][name]["value"]
            for c, r in rows.items()
            if name in r.get("headlines", {})
            and r["headlines"][name].get("value") is not None
            and r.get("status") == "ok"
            and (mode == "full" or is_fresh(r, commit))
        }
        agree = first.get("agree")
        width, _ = spread(counted)
        text = f"{_fmt(width)} ({'≤ ' + _fmt(agree) if agree is not None else 'not declared'})"
        if len(counted) < 2:  # nothing to compare at this commit
            text = "—"
        failed = any(m.kind == "agree" and m.headline == name for m in marks)
        spreads.append(f"**{text} ✗**" if failed else text)
    lines.append("| " + " | ".join(bands) + " |")
    if len(rows) > 1:
        lines.append("| " + " | ".join(spreads) + " |")
    return lines


def render_box(stem: str, rows: dict, full: dict, commit: str | None) -> tuple[str, list[Mark]]:
    """The "On every backend" admonition of one chapter page, and its marks.

    ``rows`` are the chapter's quick rows ``{column: row}``, ``full`` its committed full-run
    rows. The admonition is green when every fresh value is in its band and the backends
    agree, red on a failing mark, amber when rows are stale or missing.
    """
    quick_marks = marks_for(stem, rows, commit, mode="quick")
    full_marks = marks_for(stem, full, commit, mode="full")
    marks = quick_marks + full_marks
    names, labels = [], {}
    for row in list(rows.values()) + list(full.values()):
        for name, entry in row.get("headlines", {}).items():
            if name not in labels:
                names.append(name)
                labels[name] = str(entry.get("label") or name).replace("|", "\\|")
    fresh = [r for r in rows.values() if is_fresh(r, commit)]
    if any(m.fails for m in marks):
        kind = "failure"
    elif (
        not fresh
        or len(fresh) < len(rows)
        or not set(BACKENDS) <= {r.get("backend") for r in fresh}
    ):
        kind = "warning"
    else:
        kind = "success"
    body: list[str] = []
    if rows:
        when = max(r.get("date", "") for r in rows.values())[:10]
        devices = sorted({r.get("device", "CPU") for r in rows.values()})
        short = (commit or "unknown")[:7]
        dirty = " with uncommitted changes" if any(r.get("dirty") for r in fresh) else ""
        body.append(
            f"This chapter in quick mode on each backend, run by the test suite "
            f"(`make test`) or `make parity` at commit `{short}`{dirty} on {when}, "
            f"on {', '.join(devices)}. A ✗ marks a value outside its band or backends that "
            f"disagree by more than the declared tolerance."
        )
        body.append(
            "\n".join(_headline_table(stem, rows, commit, "quick", names, labels, quick_marks))
        )
    else:
        body.append(
            "No three-backend run of this chapter is recorded for this build: run "
            "`make parity` (or `make test`) before building the site to fill this box."
        )
    if full:
        dates = sorted(
            {
                f"`{(r.get('commit') or 'unknown')[:7]}` on {r.get('date', '')[:10]}"
                for r in full.values()
            }
        )
        body.append(
            f"Full mode (the chapter's real sizes), recorded by "
            f"`python chapters/{stem}.py --record-full` at commit {', '.join(dates)} and "
            f"committed in `chapters/results/{stem}_full.json`:"
        )
        body.append(
            "\n".join(_headline_table(stem, full, commit, "full", names, labels, full_marks))
        )
    failing = [m.message for m in marks if m.fails]
    if failing:
        body.append("\n".join(f"- {message}" for message in failing))
    text = "\n\n".join(body)
    indented = "\n".join(("    " + line) if line else "" for line in text.splitlines())
    return f'!!! {kind} "On every backend"\n{indented}\n', marks


def render_matrix(rows: dict, chapters: list[tuple[str, str]], commit: str | None) -> str:
    """The home page's status: chapter × column (pass, seconds), with date, versions, device.

    ``chapters`` is ``[(stem, link text)]`` in book order; ``rows`` is ``load()``'s result.
    """
    columns = _ordered_columns({c for stem, _ in chapters for c in rows.get(stem, {})})
    if not columns:
        return (
            "No three-backend run is recorded for this build yet: `make parity` (or "
            "`make test`) records one, and this table appears."
        )
    lines = [
        "| chapter | " + " | ".join(columns) + " |",
        "| --- | " + " | ".join(["---:"] * len(columns)) + " |",
    ]
    all_rows = []
    for stem, title in chapters:
        cells = []
        for column in columns:
            row = rows.get(stem, {}).get(column)
            if row is None:
                cells.append("—")
                continue
            all_rows.append(row)
            marks = [m for m in marks_for(stem, {column: row}, commit) if m.fails]
            sign = "✓" if row.get("status") == "ok" and not marks else "✗"
            stale = "" if is_fresh(row, commit) else " (stale)"
            cells.append(f"{sign} {row.get('seconds', 0):.0f} s{stale}")
        lines.append(f"| [{title}](chapters/{stem}.md) | " + " | ".join(cells) + " |")
    latest = max(all_rows, key=lambda r: r.get("date", ""))
    versions = latest.get("versions", {})
    pieces = [f"Keras {versions.get('keras')}"]
    pieces += [f"{b} {versions.get(b)}" for b in BACKENDS if versions.get(b)]
    pieces += [f"NumPy {versions.get('numpy')}", f"Python {versions.get('python')}"]
    devices = sorted({r.get("device", "CPU") for r in all_rows})
    short = (commit or "unknown")[:7]
    intro = (
        f"Every chapter in quick mode on every backend (✓ passed with its headline results in "
        f"their bands, and seconds), measured on {latest.get('date', '')[:10]} at commit "
        f"`{short}` with {', '.join(pieces)}, on {', '.join(devices)}. Each chapter's page "
        "shows its headline values per backend at the top."
    )
    return intro + "\n\n" + "\n".join(lines)


def headline_summary(headlines: dict) -> str:
    """``val_loss 0.21 ∈ [0.1, 0.3] ✓; acc 0.95 ≥ 0.9 ✓``: one run's headlines in one line."""
    parts = []
    for name, entry in headlines.items():
        band = band_text(entry.get("low"), entry.get("high"))
        relation = "∈ " + band if band.startswith("[") else band  # "≥ 0.9", "= 3"
        sign = "✓" if in_band(entry) else "✗"
        parts.append(f"{name} {_fmt(entry.get('value'))} {relation} {sign}")
    return "; ".join(parts)


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    """``python -m mlfoundations.book.parity check``: exit 1 when a chapter is marked."""
    parser = argparse.ArgumentParser(
        prog="python -m mlfoundations.book.parity",
        description="Check the recorded quick runs of every chapter on every backend.",
    )
    parser.add_argument("command", choices=["check"])
    parser.add_argument("--dir", type=Path, default=None, help="folder of parity.json")
    parser.add_argument(
        "--require",
        nargs="*",
        default=list(BACKENDS),
        help="backends that must have a run at this commit (default: all three)",
    )
    args = parser.parse_args(argv)
    for backend in args.require:
        if backend not in BACKENDS:
            parser.error(f"--require: unknown backend {backend!r}; expected {BACKENDS}")
    try:
        rows = load(args.dir)
    except ValueError as exc:
        print(f"parity: error: {exc}", file=sys.stderr)
        return 2
    stems = [c.stem for c in _chapter.find_chapters()]
    commit = git_state().get("commit")
    marks = check(rows, stems, commit, tuple(args.require))
    titles = [(s, s) for s in stems]
    print(render_matrix(rows, titles, commit))
    failing = [m for m in marks if m.fails]
    for mark in failing:
        print(f"PARITY FAIL: {mark.message}", file=sys.stderr)
    if any(m.kind == "missing" for m in failing):
        print(
            "parity: the chapter tests on each backend (make test-keras) or `make parity` "
            f"record the runs this check reads, in {parity_dir() / PARITY_FILE}",
            file=sys.stderr,
        )
    if failing:
        return 1
    print(f"\nparity: {len(stems)} chapters agree on {', '.join(args.require)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
