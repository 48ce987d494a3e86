"""Pin the GPU builds: resolve each backend's CUDA extra with pip's dry run, one file of pins.

Run with ``make constraints-gpu`` (any machine with access to PyPI; nothing is installed and
no GPU is needed). For each backend, pip resolves its GPU extra together with the CPU pins of
``constraints.txt`` (so both sets test the same Keras, NumPy, ...), in a throwaway virtualenv,
reading PyPI only. The union is written to ``constraints-gpu.txt``; a package pinned at two
different versions by two backends is an error (the backends then need separate pins).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = {  # what each backend's GPU extra asks for, at the tested versions
    "tensorflow": "tensorflow[and-cuda]",
    "jax": "jax[cuda12]",
    "torch": "torch",
}
CPU_ONLY = {"tensorflow-cpu"}
HEADER = """\
# GPU builds (make DEVICE=gpu): one virtualenv per backend, .venv-gpu-<backend>, each installed
# with -c constraints-gpu.txt. The CPU pins of constraints.txt, less tensorflow-cpu, plus the CUDA
# wheels PyPI resolves for tensorflow[and-cuda], jax[cuda12] and torch (CUDA 13 build) at the same
# versions. Regenerate: make constraints-gpu (pip install --dry-run per backend, on any machine).
"""


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: Path) -> dict[str, tuple[str, str]]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[normalise(name)] = (name, version)
    return pins


def resolve(pip: Path, requirement: str, constraints: Path) -> dict[str, tuple[str, str]]:
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        env = dict(os.environ, PIP_CONFIG_FILE=os.devnull, PIP_FIND_LINKS="")
        subprocess.run(
            [
                str(pip),
                "install",
                "--isolated",
                "--dry-run",
                "--ignore-installed",
                "--quiet",
                "-c",
                str(constraints),
                "--report",
                report.name,
                requirement,
            ],
            check=True,
            env=env,
        )
        installed = json.loads(Path(report.name).read_text())["install"]
    return {
        normalise(i["metadata"]["name"]): (i["metadata"]["name"], i["metadata"]["version"])
        for i in installed
    }


def main() -> int:
    cpu = read_pins(ROOT / "constraints.txt")
    base = {k: v for k, v in cpu.items() if k not in CPU_ONLY}
    with tempfile.TemporaryDirectory() as tmp:
        venv.create(tmp, with_pip=True)
        pip = Path(tmp) / "bin" / "pip"
        cons = Path(tmp) / "cpu-pins.txt"
        cons.write_text("".join(f"{n}=={v}\n" for n, v in base.values()))
        merged = dict(base)
        for backend, requirement in REQUIREMENTS.items():
            version = cpu[normalise(backend if backend != "tensorflow" else "tensorflow-cpu")][1]
            print(f"resolving {requirement}=={version} ...", flush=True)
            for key, (name, ver) in resolve(pip, f"{requirement}=={version}", cons).items():
                if key in merged and merged[key][1] != ver and key not in base:
                    print(f"error: {name} resolves to {ver} and {merged[key][1]}", file=sys.stderr)
                    return 1
                merged[key] = (name, ver)
    lines = [f"{n}=={v}" for _, (n, v) in sorted(merged.items())]
    (ROOT / "constraints-gpu.txt").write_text(HEADER + "\n".join(lines) + "\n")
    print(f"wrote constraints-gpu.txt ({len(lines)} pins)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
