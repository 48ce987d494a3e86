"""Every chapter runs in quick mode on the active backend and keeps the chapter contract:
exit 0, nothing on stderr, figures and a results.json under --out, two or more headline
results each inside its band.

Each run also records its row (status, seconds, headlines, versions, device, commit) in the
parity JSON (``.cache/parity/parity.json``), so the three backend passes of ``make test``
leave behind the matrix that the parity check and the site build read: the chapters are
not run twice."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mlfoundations.book import parity
from mlfoundations.book.chapter import find_chapters
from mlfoundations.book.options import child_env

pytestmark = pytest.mark.keras

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = find_chapters(ROOT / "chapters")
ENV = child_env()
ENV.pop("MLF_CHAPTERS_DIR", None)  # the book's own chapters, and their parity file
GIT = parity.git_state(ROOT)


def _check_outputs(out: Path, stem: str, backend: str):
    results = json.loads((out / "results.json").read_text())
    assert results["chapter"] == stem
    assert results["backend"] == backend
    assert results["quick"] is True
    assert results["results"], "a chapter must record what it found"
    assert list(out.glob("*.png")), "a chapter must save at least one figure"
    headlines = results["headlines"]
    assert len(headlines) >= 2, "a chapter declares 2-5 headline results with run.headline()"
    outside = {n: h for n, h in headlines.items() if not parity.in_band(h)}
    assert not outside, f"{stem} on {backend}: headlines outside their bands: {outside}"
    return results


def _record_parity(stem: str, backend: str, result, seconds: float, out: Path) -> None:
    """Add this run to the parity JSON, failed or not (a failure must show in the matrix)."""
    if result.returncode != 0:
        status = f"failed (exit {result.returncode})"
    elif result.stderr.strip():
        status = "failed (wrote to stderr)"
    else:
        status = "ok"
    try:
        results = json.loads((out / "results.json").read_text())
    except (OSError, json.JSONDecodeError):
        results = None
    parity.record(parity.make_row(stem, backend, status, seconds, results, GIT))


@pytest.mark.parametrize("info", [c for c in CHAPTERS if c.number != 1], ids=lambda c: c.stem)
def test_chapter_runs_quick(info, backend, tmp_path):
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(info.path), "--quick", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env=ENV,
        cwd=ROOT,
        timeout=600,
    )
    seconds = time.perf_counter() - start
    _record_parity(info.stem, backend, result, seconds, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stderr.strip() == "", f"{info.stem} wrote to stderr:\n{result.stderr[-3000:]}"
    _check_outputs(tmp_path, info.stem, backend)
    print(f"\n{info.stem} on {backend}: {seconds:.1f} s (quick)")


def test_chapter_1_through_mlf_run(backend, tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mlfoundations.book.cli",
            "run",
            "1",
            "--quick",
            "--backend",
            backend,
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        env=ENV,
        cwd=ROOT,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = tmp_path / backend / "01_models_are_functions"
    results = _check_outputs(out, "01_models_are_functions", backend)
    assert "GPT-2 small" in results["results"]["named_models"]
    log = (out / "output.txt").read_text()
    assert f"Backend {backend}" in log and "Finished in" in log
    table = result.stdout.strip().splitlines()
    assert any("Models are functions" in line and " ok " in f" {line} " for line in table)
    # mlf run --quick recorded this run in the parity JSON itself, headlines and all
    row = parity.load(parity_dir_for_root())["01_models_are_functions"][backend]
    assert row["status"] == "ok" and row["commit"] == GIT["commit"]
    assert row["headlines"] == results["headlines"]


def parity_dir_for_root() -> Path:
    return Path(ENV["MLF_PARITY_DIR"]) if ENV.get("MLF_PARITY_DIR") else ROOT / ".cache" / "parity"
