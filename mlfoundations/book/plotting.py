"""One figure style for every chapter, and atomic saving.

Matplotlib is imported lazily (inside the functions), so importing this module is cheap.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .report import file_mode

STYLE = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 120,
    "savefig.bbox": "tight",
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.frameon": False,
    "font.size": 10,
    "lines.linewidth": 2.0,
    "image.cmap": "viridis",
    "axes.prop_cycle": None,  # filled in by apply_style (needs matplotlib's cycler)
}

PALETTE = ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C"]
"""Colour cycle shared by all figures (colour-blind friendly order)."""


def apply_style() -> None:
    """Apply the book's matplotlib style (non-interactive Agg backend unless one is set)."""
    import matplotlib

    if "MPLBACKEND" not in os.environ and not _in_notebook():
        matplotlib.use("Agg")
    from cycler import cycler

    style = dict(STYLE, **{"axes.prop_cycle": cycler(color=PALETTE)})
    matplotlib.rcParams.update(style)


def subplots(*args, **kwargs):
    """``plt.subplots`` with the book's style applied; returns ``(fig, axes)``."""
    apply_style()
    import matplotlib.pyplot as plt

    return plt.subplots(*args, **kwargs)


def save_figure(fig, path: str | os.PathLike, *, svg: bool = False) -> Path:
    """Save ``fig`` as PNG (and optionally SVG) atomically and return the PNG path.

    The file is written to a temporary name in the same folder and renamed into place, so
    a reader (or an interrupted run) never sees a half-written image.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : path-like
        Destination; the suffix is replaced by ``.png`` (and ``.svg``).
    svg : bool, default False
        Also write an SVG next to the PNG.
    """
    path = Path(path)
    if not hasattr(fig, "savefig"):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    path.parent.mkdir(parents=True, exist_ok=True)
    targets = [path.with_suffix(".png")] + ([path.with_suffix(".svg")] if svg else [])
    for target in targets:
        fd, tmp = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.stem}.", suffix=target.suffix
        )
        os.close(fd)
        try:
            fig.savefig(tmp, format=target.suffix[1:])
            os.chmod(tmp, file_mode())  # mkstemp made it 0600
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return targets[0]


def _in_notebook() -> bool:
    import sys

    return "ipykernel" in sys.modules
