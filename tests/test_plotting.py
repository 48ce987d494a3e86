"""One figure style and atomic saving."""

import pytest

from mlfoundations.book import plotting


def test_save_figure_writes_png_and_svg_atomically(tmp_path):
    fig, ax = plotting.subplots()
    ax.plot([0, 1], [1, 0])
    path = plotting.save_figure(fig, tmp_path / "sub" / "curve.pdf", svg=True)
    assert path == tmp_path / "sub" / "curve.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "sub" / "curve.svg").read_text().lstrip().startswith("<?xml")
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["curve.png", "curve.svg"]


def test_save_figure_rejects_non_figures(tmp_path):
    with pytest.raises(TypeError, match="matplotlib Figure"):
        plotting.save_figure([1, 2, 3], tmp_path / "x.png")


def test_style_is_applied():
    import matplotlib

    plotting.apply_style()
    assert matplotlib.rcParams["axes.spines.top"] is False
    assert matplotlib.rcParams["axes.prop_cycle"].by_key()["color"][0] == plotting.PALETTE[0]
