"""Plain-text and Markdown tables for chapter results (no dependencies)."""

from __future__ import annotations

import numbers


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
