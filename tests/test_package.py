"""The package itself: cheap to import, no backend imported, a console script."""

import ast
import subprocess
import sys

HEAVY = ("keras", "tensorflow", "jax", "torch", "matplotlib", "sklearn", "scipy", "gensim")


def test_import_is_fast_and_imports_no_backend():
    code = (
        "import sys, time\n"
        "t = time.perf_counter()\n"
        "import mlfoundations, mlfoundations.backend\n"
        "import mlfoundations.book.chapter, mlfoundations.book.cli\n"
        "dt = time.perf_counter() - t\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print(dt, heavy)\n"
    )
    # best of three cold interpreters: the first may pay for a cold disk cache
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        for _ in range(3)
    ]
    seconds = min(float(r.stdout.split()[0]) for r in runs)
    assert all(r.stdout.strip().endswith("[]") for r in runs), runs[0].stdout
    assert seconds < 0.3, f"import mlfoundations took {seconds:.3f} s"


def test_reference_imports_no_keras():
    code = (
        "import sys\n"
        "import importlib, pathlib, mlfoundations.reference as R\n"
        "names = [p.stem for p in pathlib.Path(R.__file__).parent.glob('[!_]*.py')]\n"
        "for name in names:\n"
        "    importlib.import_module('mlfoundations.reference.' + name)\n"
        "print(sorted(names))\n"
        "print(sorted(m for m in ('keras', 'tensorflow', 'jax', 'torch') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    imported, heavy = result.stdout.strip().splitlines()
    assert {"losses", "optim", "linear", "mlp"} <= set(ast.literal_eval(imported))  # all, not none
    assert heavy == "[]"


def test_console_script_is_installed():
    result = subprocess.run(
        [sys.executable, "-m", "mlfoundations.book.cli", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert "info" in result.stdout and "run" in result.stdout and "list" in result.stdout
