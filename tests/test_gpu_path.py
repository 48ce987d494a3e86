"""The GPU path without a GPU: device selection in make, nvidia-smi parsing, `mlf info` warnings.

A fake ``nvidia-smi`` on ``PATH`` stands in for the card; the real GPU run is
``tools/gpu_check.sh`` on a machine that has one.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from mlfoundations import backend
from mlfoundations.book import cli

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def fake_nvidia_smi(tmp_path: Path, listing: str, query: str | None = None) -> dict:
    """An environment whose PATH starts with a fake nvidia-smi printing ``listing`` for -L
    and ``query`` for --query-gpu (exit 9 when ``query`` is None, like an old driver)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "listing.txt").write_text(listing)
    script = bin_dir / "nvidia-smi"
    if query is not None:
        (bin_dir / "query.txt").write_text(query + "\n")
    q = f"cat '{bin_dir}/query.txt'" if query is not None else "exit 9"
    script.write_text(
        "#!/bin/sh\n"
        f"case \"$1\" in -L) cat '{bin_dir}/listing.txt' ;;\n"
        f"  --query-gpu*) {q} ;;\n  *) exit 9 ;;\nesac\n"
    )
    script.chmod(0o755)
    return dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")


def make(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


H200 = "GPU 0: NVIDIA H200 (UUID: GPU-12345678-abcd)\n"


def test_make_picks_gpu_builds_when_nvidia_smi_lists_a_gpu(tmp_path):
    done = make("venv-plan", env=fake_nvidia_smi(tmp_path, H200))
    assert done.returncode == 0, done.stderr
    assert "Device: gpu (nvidia-smi lists 1 GPU(s))" in done.stdout
    for b in backend.BACKENDS:
        assert f"{b}: .venv-gpu-{b} <- pip install -c constraints-gpu.txt -e '.[{b}-gpu," in (
            done.stdout
        )


def test_make_stays_on_cpu_without_a_gpu(tmp_path):
    done = make("venv-plan", env=fake_nvidia_smi(tmp_path, "No devices found.\n"))
    assert done.returncode == 0, done.stderr
    assert "Device: cpu (no GPU listed by nvidia-smi)" in done.stdout
    assert done.stdout.count(".venv <- pip install -c constraints.txt -e '.[all]'") == 3


def test_device_override_and_bad_value(tmp_path):
    env = fake_nvidia_smi(tmp_path, H200)
    done = make("venv-plan", "DEVICE=cpu", env=env)
    assert "Device: cpu (DEVICE=cpu)" in done.stdout
    done = make("venv-plan", "DEVICE=gpu", env=dict(os.environ))
    assert "Device: gpu (DEVICE=gpu)" in done.stdout
    done = make("venv-plan", "DEVICE=tpu", env=env)
    assert done.returncode != 0
    assert "DEVICE must be auto, cpu or gpu; got 'tpu'" in done.stderr


def test_gpu_test_run_uses_one_virtualenv_per_backend_and_no_tf32(tmp_path):
    done = make("-n", "test-keras", env=fake_nvidia_smi(tmp_path, H200))
    assert done.returncode == 0, done.stderr
    assert "Device: gpu" in done.stdout  # the choice is printed before anything runs
    for b in backend.BACKENDS:
        assert f".venv-gpu-{b}/bin/python -m pip install" in done.stdout
    env_dump = make("-pn", "venv-plan", env=fake_nvidia_smi(tmp_path / "dump", H200))
    assert re.search(r"^NVIDIA_TF32_OVERRIDE = 0$", env_dump.stdout, re.M)  # exported: TF32 off


def test_nvidia_gpus_reads_name_and_memory(tmp_path, monkeypatch):
    env = fake_nvidia_smi(tmp_path, H200, query="NVIDIA H200, 143771")
    monkeypatch.setenv("PATH", env["PATH"])
    assert backend.nvidia_gpus() == [{"name": "NVIDIA H200", "memory": "140.4 GiB"}]


def test_nvidia_gpus_falls_back_to_the_listing(tmp_path, monkeypatch):
    env = fake_nvidia_smi(tmp_path, H200 + "GPU 1: NVIDIA A100-SXM4-80GB (UUID: GPU-2)\n")
    monkeypatch.setenv("PATH", env["PATH"])
    names = [g["name"] for g in backend.nvidia_gpus()]
    assert names == ["NVIDIA H200", "NVIDIA A100-SXM4-80GB"]


def test_no_nvidia_smi_means_no_gpu(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert backend.nvidia_gpus() == []


def test_info_warns_with_the_fix_when_a_backend_cannot_see_the_gpu(monkeypatch, capsys):
    monkeypatch.setattr(
        backend, "nvidia_gpus", lambda: [{"name": "NVIDIA H200", "memory": "1 GiB"}]
    )
    seen = {"tensorflow": 1, "jax": 0, "torch": None}
    monkeypatch.setattr(backend, "gpus_visible", lambda name: seen[name])
    monkeypatch.setattr(backend, "is_installed", lambda name: name != "torch")
    cli._print_gpus()
    out, err = capsys.readouterr()
    assert "GPU 0         NVIDIA H200, 1 GiB" in out
    assert "tensorflow  sees 1 GPU(s)" in out
    assert "torch       not installed" in out
    assert "a GPU is present but jax cannot see it" in err
    assert "pip install 'mlfoundations[jax-gpu]' -c constraints-gpu.txt" in err
    assert "tensorflow cannot" not in err


def test_probe_on_this_cpu_machine_sees_no_gpu():
    if backend.nvidia_gpus():
        pytest.skip("this machine has a GPU")
    assert backend.gpus_visible("torch") == 0


def test_gpu_pins_match_the_cpu_pins():
    def pins(name):
        out = {}
        for line in (ROOT / name).read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                pkg, version = line.split("==")
                out[re.sub(r"[-_.]+", "-", pkg).lower()] = version
        return out

    cpu, gpu = pins("constraints.txt"), pins("constraints-gpu.txt")
    shared = {k: v for k, v in cpu.items() if k != "tensorflow-cpu"}
    assert {k: gpu.get(k) for k in shared} == shared  # the same versions of everything shared
    assert gpu["tensorflow"] == cpu["tensorflow-cpu"]
    assert gpu["jax-cuda12-plugin"] == gpu["jax"] == cpu["jax"]
    assert "nvidia-cudnn-cu12" in gpu and "tensorflow-cpu" not in gpu


def test_gpt_benchmark_knows_the_published_peaks():
    """MFU is step FLOPs over the card's dense peak for the precision in use."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("gpt_bench", ROOT / "benchmarks" / "gpt.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.peak_tflops("NVIDIA H200", "bf16") == 989.5
    assert bench.peak_tflops("NVIDIA H100 PCIe", "bf16") == 756.0
    assert bench.peak_tflops("NVIDIA H100 80GB HBM3", "tf32") == 494.5
    assert bench.peak_tflops("NVIDIA A100-SXM4-80GB", "fp32") == 19.5
    assert bench.peak_tflops("Some Other GPU", "bf16") is None
