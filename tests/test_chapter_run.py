"""``ChapterRun`` outside a chapter: record, table, figure, finish and the JSON it writes."""

import json
from pathlib import Path

import numpy as np
import pytest

from mlfoundations.book.chapter import ChapterRun, _jsonable


@pytest.fixture
def run(tmp_path):
    return ChapterRun(stem="07_demo", backend="jax", quick=True, seed=3, out=tmp_path)


def test_size_picks_the_mode(tmp_path):
    quick = ChapterRun(stem="07_demo", backend="jax", quick=True, seed=0, out=tmp_path)
    full = ChapterRun(stem="07_demo", backend="jax", quick=False, seed=0, out=tmp_path)
    assert quick.size(10, 1000) == 10 and full.size(10, 1000) == 1000


def test_record_converts_numpy_and_paths(run):
    run.record(
        acc=np.float32(0.5),
        n=np.int64(7),
        curve=np.array([[1.0, 2.0], [3.0, 4.0]]),
        where=Path("a/b"),
        nested={1: (np.float64(0.25), [np.int32(2)])},
    )
    run.record(acc=0.75)  # a later value replaces an earlier one
    assert run.results == {
        "acc": 0.75,
        "n": 7,
        "curve": [[1.0, 2.0], [3.0, 4.0]],
        "where": "a/b",
        "nested": {"1": [0.25, [2]]},
    }
    assert type(run.results["n"]) is int
    json.dumps(run.results)  # plain JSON types only


def test_jsonable_leaves_plain_values_alone():
    assert _jsonable({"a": [1, 2.5, "x", None, True]}) == {"a": [1, 2.5, "x", None, True]}


def test_table_prints_plain_and_returns_markdown(run, capsys):
    rows = [{"model": "a", "acc": 0.91234}, {"model": "bb", "acc": 1.0}]
    markdown = run.table(rows, title="Scores", floatfmt=".2f")
    printed = capsys.readouterr().out
    assert printed.splitlines()[0] == "Scores"
    assert "0.91" in printed and "|" not in printed  # the terminal gets the plain table
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in markdown.splitlines()]
    assert cells[0] == ["model", "acc"] and cells[2] == ["a", "0.91"] and cells[3] == ["bb", "1.00"]


def test_figure_saves_a_png_and_closes_it(run):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    path = run.figure(fig, "line")
    assert path == run.out / "line.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert fig.number not in plt.get_fignums()


def test_finish_writes_results_json_atomically(run, capsys):
    run.record(loss=np.float64(0.125))
    path = run.finish()
    assert path == run.out / "results.json"
    payload = json.loads(path.read_text())
    assert payload["chapter"] == "07_demo" and payload["backend"] == "jax"
    assert payload["quick"] is True and payload["seed"] == 3
    assert payload["results"] == {"loss": 0.125}
    assert payload["seconds"] >= 0
    assert {"python", "keras", "numpy", "jax"} <= set(payload["versions"])
    assert [p.name for p in run.out.iterdir()] == ["results.json"]  # no temporary left over
    assert str(run.out) in capsys.readouterr().out


def test_write_results_writes_markdown_and_json(tmp_path):
    from mlfoundations.book.report import write_results

    md, js = write_results(
        tmp_path / "results" / "demo_jax.md", "| a |\n", {"rows": [{"s": np.float32(0.5)}]}
    )
    assert md.read_text() == "| a |\n" and js == tmp_path / "results" / "demo_jax.json"
    assert json.loads(js.read_text()) == {"rows": [{"s": 0.5}]}
    assert sorted(p.name for p in md.parent.iterdir()) == ["demo_jax.json", "demo_jax.md"]
