"""Every chapter runs in quick mode on the active backend and keeps the chapter contract:
exit 0, nothing on stderr, figures and a results.json under --out."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mlfoundations.book.chapter import find_chapters
from mlfoundations.book.options import child_env

pytestmark = pytest.mark.keras

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = find_chapters(ROOT / "chapters")
ENV = child_env()


def _check_outputs(out: Path, stem: str, backend: str):
    results = json.loads((out / "results.json").read_text())
    assert results["chapter"] == stem
    assert results["backend"] == backend
    assert results["quick"] is True
    assert results["results"], "a chapter must record what it found"
    assert list(out.glob("*.png")), "a chapter must save at least one figure"
    return results


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
    assert results["results"]["cat_dog_car"] == [0.8877, 0.1087, 0.0036]
    assert "GPT-2 small" in results["results"]["named_models"]
    log = (out / "output.txt").read_text()
    assert f"Backend {backend}" in log and "Finished in" in log
    table = result.stdout.strip().splitlines()
    assert any("Models are functions" in line and " ok " in f" {line} " for line in table)
