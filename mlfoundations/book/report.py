"""Plain-text and Markdown tables for chapter results, and results files (no dependencies)."""

from __future__ import annotations

import json
import numbers
import os
import tempfile
from pathlib import Path


def _cell(value, floatfmt: str) -> str:
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, numbers.Integral):
        return str(value)
    if isinstance(value, numbers.Real):
        return format(float(value), floatfmt)
    return str(value)


def _escape_pipes(text: str) -> str:
    return text.replace("|", "\\|")


def escape_markdown(text: str) -> str:
    """Escape the characters that change meaning in inline Markdown (``* _ | ` [ ]``)."""
    for char in "\\*_|`[]":
        text = text.replace(char, "\\" + char)
    return text


def format_table(rows: list[dict], *, floatfmt: str = ".4g", style: str = "plain") -> str:
    """Format a list of dicts as a table.

    Parameters
    ----------
    rows : list of dict
        One dict per row; the first row's keys are the columns.
    floatfmt : str, default ".4g"
        Format spec for real numbers.
    style : {"plain", "markdown"}
        Aligned text for a terminal, or a Markdown pipe table for a page.
    """
    if style not in ("plain", "markdown"):
        raise ValueError(f"unknown style {style!r}; expected one of: 'plain', 'markdown'")
    if not rows:
        raise ValueError("rows must contain at least one row")
    keys = list(rows[0].keys())
    numeric = [
        all(
            isinstance(row.get(k), numbers.Number) and not isinstance(row.get(k), bool)
            for row in rows
            if row.get(k) is not None
        )
        for k in keys
    ]
    headers = [str(k) for k in keys]
    cells = [[_cell(row.get(k), floatfmt) for k in keys] for row in rows]
    if style == "markdown":  # a bare "|" (as in "max |Δp|") would split a column
        headers = [_escape_pipes(h) for h in headers]
        cells = [[_escape_pipes(c) for c in row] for row in cells]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]

    def line(values):
        parts = [
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ]
        return ("| " + " | ".join(parts) + " |") if style == "markdown" else "  ".join(parts)

    out = [line(headers)]
    if style == "markdown":
        out.append(
            "| "
            + " | ".join(
                ("-" * (w - 1) + ":") if num else "-" * w
                for w, num in zip(widths, numeric, strict=True)
            )
            + " |"
        )
    else:
        out.append("  ".join("-" * w for w in widths))
    out.extend(line(c) for c in cells)
    return "\n".join(out)


def jsonable(value):
    """``value`` with NumPy scalars and arrays, tuples and paths turned into JSON types
    (dict keys become strings), for ``results.json`` and the benchmarks' JSON."""
    import numpy as np

    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    return value


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_results(path, markdown: str, data: dict) -> tuple[Path, Path]:
    """Write a benchmark's results twice: ``path`` (``.md``, for people and the docs) and
    the same name with ``.json`` (for chapters and tools, which load it instead of parsing
    the Markdown). Both are written atomically.

    Parameters
    ----------
    path : path-like
        The Markdown file, e.g. ``benchmarks/results/training_jax.md``.
    markdown : str
    data : dict
        What the JSON holds (converted with :func:`jsonable`).

    Returns
    -------
    (Path, Path)
        The Markdown and JSON paths.
    """
    md_path = Path(path)
    json_path = md_path.with_suffix(".json")
    md_path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(md_path, markdown)
    _write_atomically(json_path, json.dumps(jsonable(data), indent=2) + "\n")
    return md_path, json_path
