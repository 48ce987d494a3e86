"""The parity machinery: rows merged into one JSON, bands and agreement checked, stale rows
marked, the "On every backend" box and the home matrix rendered, and a chapter that is
deliberately wrong on one backend failing the check with a message that names it."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mlfoundations.book import chapter, parity

ROOT = Path(__file__).resolve().parents[1]
COMMIT = "a" * 40
OLD = "b" * 40


def _headline(value, low=None, high=None, agree=None, name="loss"):
    run = chapter.ChapterRun("01_x", "jax", True, 0, Path("."))
    run.headline(name, value, low=low, high=high, agree=agree, label=f"{name} label")
    return run.headlines[name]


def _row(backend, headlines, *, commit=COMMIT, status="ok", device="CPU", seconds=10.0):
    results = {"backend": backend, "quick": True, "device": device, "headlines": headlines}
    git = {"commit": commit, "dirty": False}
    return parity.make_row("01_x", backend, status, seconds, results, git)


def _rows(values, agree=0.01, low=0.0, high=1.0, **kw):
    return {
        b: _row(b, {"loss": _headline(v, low=low, high=high, agree=agree)}, **kw)
        for b, v in values.items()
    }


# --------------------------------------------------------------------------- the JSON


def test_rows_merge_into_one_file_and_replace_their_own_cell(tmp_path):
    parity.record(_row("jax", {}, seconds=1), tmp_path)
    parity.record(_row("torch", {}, seconds=2), tmp_path)
    parity.record(_row("jax", {}, seconds=3), tmp_path)  # a rerun replaces, never duplicates
    gpu = _row("jax", {}, device="GPU: H100", seconds=4)
    parity.record(gpu, tmp_path)
    rows = parity.load(tmp_path)["01_x"]
    assert sorted(rows) == ["jax", "jax (GPU)", "torch"]
    assert rows["jax"]["seconds"] == 3 and rows["jax (GPU)"]["seconds"] == 4
    data = json.loads((tmp_path / "parity.json").read_text())
    assert data["schema"] == parity.SCHEMA
    assert parity.load(tmp_path / "nowhere") == {}


def _write_many(directory, backend, n):
    for i in range(n):
        row = _row(backend, {})
        row["chapter"] = f"{i:02d}_x"
        parity.record(row, Path(directory))


def test_concurrent_writers_lose_no_row(tmp_path):
    # the three backend passes of make test may run at once; the lock keeps every row
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_write_many, args=(tmp_path, b, 15)) for b in parity.BACKENDS]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    rows = parity.load(tmp_path)
    assert len(rows) == 15 and all(len(cols) == 3 for cols in rows.values())


def test_corrupt_json_is_a_clear_error(tmp_path):
    (tmp_path / "parity.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        parity.load(tmp_path)


def test_a_row_that_claims_another_backend_is_failed():
    row = parity.make_row("01_x", "jax", "ok", 1.0, {"backend": "torch"}, {"commit": None})
    assert row["status"].startswith("failed") and "torch" in row["status"]
    row = parity.make_row("01_x", "jax", "ok", 1.0, None, {"commit": None})
    assert row["status"] == "failed (no results.json)"


# --------------------------------------------------------------------------- marks


def test_values_in_band_that_agree_have_no_mark():
    rows = _rows({"tensorflow": 0.5, "jax": 0.501, "torch": 0.502})
    assert parity.marks_for("01_x", rows, COMMIT) == []
    assert parity.check({"01_x": rows}, ["01_x"], COMMIT, parity.BACKENDS) == []


def test_value_outside_band_names_chapter_headline_backend():
    rows = _rows({"tensorflow": 0.5, "jax": 0.5, "torch": 1.5}, agree=None)
    (mark,) = parity.marks_for("01_x", rows, COMMIT)
    assert (mark.kind, mark.column, mark.headline, mark.fails) == ("band", "torch", "loss", True)
    assert "01_x" in mark.message and "'loss'" in mark.message and "torch" in mark.message
    assert "[0, 1]" in mark.message


def test_disagreement_beyond_agree_names_the_outlier():
    rows = _rows({"tensorflow": 0.50, "jax": 0.505, "torch": 0.60}, agree=0.01)
    (mark,) = parity.marks_for("01_x", rows, COMMIT)
    assert mark.kind == "agree" and mark.column == "torch" and mark.headline == "loss"
    assert "spread 0.1 > agree 0.01" in mark.message
    # the tightest declared tolerance wins, and a spread equal to it passes
    assert parity.marks_for("01_x", _rows({"jax": 0.5, "torch": 0.51}, agree=0.01), COMMIT) == []


def test_stale_rows_are_marked_but_neither_checked_nor_failing():
    rows = _rows({"tensorflow": 0.5, "jax": 0.5})
    rows["torch"] = _rows({"torch": 9.0}, commit=OLD)["torch"]  # out of band, but stale
    marks = parity.marks_for("01_x", rows, COMMIT)
    assert [(m.kind, m.column, m.fails) for m in marks] == [("stale", "torch", False)]
    # make test's gate wants a fresh row per backend: a stale one counts as missing
    (missing,) = [
        m for m in parity.check({"01_x": rows}, ["01_x"], COMMIT, parity.BACKENDS) if m.fails
    ]
    assert missing.kind == "missing" and missing.column == "torch"


def test_failed_run_is_a_mark_and_its_headlines_are_not_compared():
    rows = _rows({"tensorflow": 0.5, "jax": 0.5})
    rows["torch"] = _row("torch", {}, status="failed (exit 1)")
    (mark,) = parity.marks_for("01_x", rows, COMMIT)
    assert mark.kind == "failed" and mark.column == "torch" and "exit 1" in mark.message


def test_headline_validates_its_arguments():
    run = chapter.ChapterRun("01_x", "jax", True, 0, Path("."))
    assert run.headline("acc", 0.9, low=0.8) is None  # nothing to echo on a page
    assert run.headlines["acc"]["ok"] is True
    run.headline("acc", float("nan"), low=0.8)
    assert run.headlines["acc"]["ok"] is False
    assert run.headlines["acc"]["value"] is None
    with pytest.raises(ValueError, match="needs a band"):
        run.headline("acc", 0.9)
    with pytest.raises(ValueError, match="identifier"):
        run.headline("val loss", 0.9, low=0)
    with pytest.raises(ValueError, match="above high"):
        run.headline("acc", 0.9, low=1, high=0)
    with pytest.raises(ValueError, match="agree"):
        run.headline("acc", 0.9, low=0, agree=-1)
    with pytest.raises(TypeError, match="value must be a real scalar"):
        run.headline("acc", "high", low=0)
    with pytest.raises(TypeError, match="low must be a number"):
        run.headline("acc", 0.9, low="0")


# --------------------------------------------------------------------------- rendering


def test_box_is_green_with_every_backend_and_shows_bands_and_spread():
    rows = _rows({"tensorflow": 0.5, "jax": 0.501, "torch": 0.502})
    box, marks = parity.render_box("01_x", rows, {}, COMMIT)
    assert box.startswith('!!! success "On every backend"') and marks == []
    lines = box.splitlines()
    assert all(line.startswith("    ") for line in lines[1:] if line)
    assert "| backend | status | seconds | loss label |" in box
    assert "| tensorflow | ✓ | 10 | 0.5 |" in box
    assert "| band |  |  | [0, 1] |" in box
    assert "| spread (agree) |  |  | 0.002 (≤ 0.01) |" in box


def test_box_marks_the_wrong_cell_and_is_red():
    rows = _rows({"tensorflow": 0.5, "jax": 0.5, "torch": 1.5}, agree=0.01)
    box, marks = parity.render_box("01_x", rows, {}, COMMIT)
    assert box.startswith('!!! failure "On every backend"')
    assert "| torch | ✓ | 10 | **1.5 ✗** |" in box
    assert "**1 (≤ 0.01) ✗**" in box  # the spread row
    assert "- 01_x: headline 'loss' on torch (quick) is 1.5, outside its band [0, 1]" in box
    assert {(m.kind, m.column) for m in marks if m.fails} == {("band", "torch"), ("agree", "torch")}


def test_box_marks_stale_rows_and_shows_full_runs_beside_quick_ones():
    rows = _rows({"tensorflow": 0.5, "jax": 0.5})
    rows["torch"] = _rows({"torch": 0.5}, commit=OLD)["torch"]
    full = _rows({"jax": 0.3}, commit=OLD, low=0.2, high=0.4)
    for row in full.values():
        row["quick"] = False
    box, marks = parity.render_box("01_x", rows, full, COMMIT)
    assert box.startswith('!!! warning "On every backend"')
    assert "✓ (stale: bbbbbbb)" in box
    assert "| jax · full | ✓ | 10 | 0.3 |" in box and "| band |  |  | [0.2, 0.4] |" in box
    assert "chapters/results/01_x_full.json" in box
    assert not [m for m in marks if m.fails]


def test_box_without_rows_says_how_to_fill_it():
    box, marks = parity.render_box("01_x", {}, {}, COMMIT)
    assert box.startswith('!!! warning "On every backend"') and "make parity" in box


def test_matrix_has_a_gpu_column_only_when_a_run_was_on_a_gpu():
    rows = {"01_x": _rows({"tensorflow": 0.5, "jax": 0.5, "torch": 0.5})}
    text = parity.render_matrix(rows, [("01_x", "1. X")], COMMIT)
    assert "| chapter | tensorflow | jax | torch |" in text
    assert "| [1. X](chapters/01_x.md) | ✓ 10 s | ✓ 10 s | ✓ 10 s |" in text
    assert "GPU" not in text
    gpu = _row("jax", {"loss": _headline(2.0, low=0, high=1)}, device="GPU: H100", seconds=3)
    rows["01_x"]["jax (GPU)"] = gpu
    text = parity.render_matrix(rows, [("01_x", "1. X"), ("02_y", "2. Y")], COMMIT)
    assert "| chapter | tensorflow | jax | torch | jax (GPU) |" in text
    assert "✗ 3 s |" in text and "| [2. Y](chapters/02_y.md) | — | — | — | — |" in text
    assert "GPU: H100" in text and "Keras" in text


def test_mlf_run_summary_line_of_headlines():
    line = parity.headline_summary(
        {"acc": _headline(0.95, low=0.9), "loss": _headline(0.7, low=0.1, high=0.3)}
    )
    assert line == "acc 0.95 ≥ 0.9 ✓; loss 0.7 ∈ [0.1, 0.3] ✗"
    # counts stay exact, and a band of one value reads as an equation
    count = _headline(124_439_808, low=124_439_808, high=124_439_808, name="params")
    assert parity.headline_summary({"params": count}) == "params 124,439,808 = 124,439,808 ✓"
    assert parity.band_text(None, 1e-4) == "≤ 0.0001"


# --------------------------------------------------------------------------- full runs


def test_record_full_writes_the_committed_json(tmp_path, monkeypatch):
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    monkeypatch.setenv("MLF_CHAPTERS_DIR", str(chapters))
    run = chapter.ChapterRun("01_x", "jax", False, 0, tmp_path / "out", record_full=True)
    run.out.mkdir()
    run.headline("loss", 0.3, low=0.2, high=0.4, agree=0.05)
    run.record_details(curve=np.array([0.5, 0.3]))
    run.record(big_table=[1, 2, 3])
    run.finish()
    data = json.loads((chapters / "results" / "01_x_full.json").read_text())
    row = data["runs"]["jax"]
    assert row["quick"] is False and row["headlines"]["loss"]["value"] == 0.3
    # details travel with the full record (converted); other results stay in results.json
    assert row["details"] == {"curve": [0.5, 0.3]}
    assert row["date"].endswith("Z") and "commit" in row
    assert parity.load_full("01_x", chapters) == data["runs"]


def test_record_full_refuses_quick_mode(tmp_path):
    with pytest.raises(SystemExit) as exc:
        chapter.setup("01_x", ["--quick", "--record-full", "--out", str(tmp_path)])
    assert exc.value.code == 2


# --------------------------------------------------------------------------- the docs hook


def test_hook_puts_the_box_above_the_banner_and_warns_naming_the_culprit(
    tmp_path, monkeypatch, caplog
):
    pytest.importorskip("mkdocs")
    sys.path.insert(0, str(ROOT / "mkdocs_hooks"))
    try:
        import chapters as hook
    finally:
        sys.path.pop(0)
    monkeypatch.setenv("MLF_PARITY_DIR", str(tmp_path))
    for row in _rows({"tensorflow": 0.5, "jax": 0.5, "torch": 1.5}, agree=0.01).values():
        parity.record(row, tmp_path)
    monkeypatch.setitem(hook._state, "parity", (parity.load(tmp_path), COMMIT))
    info = chapter.ChapterInfo(1, "01_x", "1. X", "", tmp_path / "01_x.py")
    page = f"# 1. X\n\n{hook.BANNER_START}\n    text\n"
    with caplog.at_level(logging.WARNING, logger="mkdocs.hooks.chapters"):
        markdown = hook._with_parity_box(page, info)
    assert markdown.index('"On every backend"') < markdown.index(hook.BANNER_START)
    warned = " ".join(r.getMessage() for r in caplog.records)
    assert "01_x: headline 'loss' on torch (quick) is 1.5, outside its band" in warned


# --------------------------------------------------------------------------- end to end

FAKE = """# %% [markdown]
# # 99. Fake
#
# A chapter whose answer is deliberately wrong on one backend.

# %%
from mlfoundations.book import chapter
run = chapter.setup("99_fake")
import keras

# %%
import matplotlib.pyplot as plt

fig, ax = plt.subplots()
ax.plot([0, 1])
run.figure(fig, "line")
answer = 42.0 if keras.backend.backend() == "{wrong}" else 1.0
run.record(answer=answer)
run.headline("answer", answer, low=0.5, high=1.5, agree=0.01, label="the answer")
run.headline("steady", 3.0, low=2.0, high=4.0, agree=0.0)
run.finish()
"""


def test_a_backend_with_a_wrong_result_fails_the_run_and_the_gate(tmp_path):
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    (chapters / "99_fake.py").write_text(FAKE.replace("{wrong}", "torch"), encoding="utf-8")
    env = dict(os.environ, MLF_CHAPTERS_DIR=str(chapters), MPLBACKEND="Agg")
    env.pop("MLF_PARITY_DIR", None)  # the parity file goes beside the temporary chapters
    mlf = [sys.executable, "-m", "mlfoundations.book.cli", "run", "99", "--quick"]
    result = subprocess.run(
        [*mlf, "--backend", "all", "--out", str(tmp_path / "runs")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 1, log
    assert "PARITY FAIL: 99_fake: headline 'answer' on torch (quick) is 42" in log
    assert "farthest from the others: torch" in log
    assert "answer 42 ∈ [0.5, 1.5] ✗" in log  # the summary table's headline column
    rows = parity.load(tmp_path / ".cache" / "parity")["99_fake"]
    assert sorted(rows) == sorted(parity.BACKENDS)
    assert all(r["status"] == "ok" and r["device"] for r in rows.values())
    # the gate make test runs reads the same file and fails the same way
    gate = subprocess.run(
        [sys.executable, "-m", "mlfoundations.book.parity", "check"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert gate.returncode == 1
    assert "PARITY FAIL: 99_fake: headline 'answer' on torch (quick) is 42" in gate.stderr
    assert "steady" not in gate.stderr  # the headline that agrees is not blamed
