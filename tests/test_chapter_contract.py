"""The chapter contract's plumbing: headers, options from argv or environment, tables."""

import pytest

from mlfoundations.book import chapter
from mlfoundations.book.report import format_table


def test_read_header(tmp_path):
    path = tmp_path / "07_demo.py"
    path.write_text(
        "# %% [markdown]\n# # 7. A demo chapter\n#\n# First line of the summary,\n"
        "# second line.\n#\n# **Runs on** everything\n\n# %%\nprint('hi')\n",
        encoding="utf-8",
    )
    title, summary = chapter.read_header(path)
    assert title == "7. A demo chapter"
    assert summary == "First line of the summary, second line."
    (tmp_path / "notes.py").write_text("x = 1\n")
    found = chapter.find_chapters(tmp_path)
    assert [(c.number, c.stem) for c in found] == [(7, "07_demo")]


def test_check_writable(tmp_path):
    assert chapter.check_writable(tmp_path / "new" / "dir").is_dir()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ValueError, match="not a writable folder"):
        chapter.check_writable(blocker)


def test_setup_rejects_bad_stem():
    with pytest.raises(ValueError, match="stem"):
        chapter.setup("models")


def test_format_table():
    rows = [{"model": "a", "acc": 0.91234, "n": 3}, {"model": "bb", "acc": 1.0, "n": 10}]
    plain = format_table(rows)
    assert plain.splitlines()[0].split() == ["model", "acc", "n"]
    assert "0.9123" in plain
    md = format_table(rows, style="markdown")
    assert md.splitlines()[1] == "| ----- | -----: | -: |"  # numbers right-aligned
    with pytest.raises(ValueError, match="style"):
        format_table(rows, style="html")
    with pytest.raises(ValueError, match="at least one row"):
        format_table([])


def test_markdown_table_escapes_pipes_and_titles_escape_emphasis():
    from mlfoundations.book.report import escape_markdown

    md = format_table([{"max |Δp|": 0.1, "name": "a|b"}], style="markdown").splitlines()
    assert md[0] == "| max \\|Δp\\| | name |"
    assert md[1] == "| ---------: | ---- |"  # numbers right-aligned, text left
    assert md[2] == "|        0.1 | a\\|b |"
    assert escape_markdown("optimum J* = 1") == "optimum J\\* = 1"


def test_best_seconds_keeps_the_fastest_run():
    from mlfoundations.book.timing import best_seconds

    calls = []
    seconds = best_seconds(lambda: calls.append(1), repeats=3)
    assert len(calls) == 4 and 0 <= seconds < 0.1  # one warm-up + three timed calls
    with pytest.raises(ValueError, match="repeats"):
        best_seconds(lambda: None, repeats=0)
    with pytest.raises(TypeError, match="callable"):
        best_seconds(42)
