"""``mlf``: list, info, and one-line errors with exit code 2 for bad input."""

import json
import os
import subprocess
import sys

import pytest

from mlfoundations import backend
from mlfoundations.book import cli
from mlfoundations.book.options import child_env


def mlf(*args, env=None):
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "mlfoundations.book.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=300,
    )


def test_list_shows_every_chapter():
    from mlfoundations.book.chapter import find_chapters

    result = mlf("list")
    assert result.returncode == 0
    for info in find_chapters():
        assert info.title.split(". ", 1)[-1] in result.stdout
        assert info.summary[:30] in result.stdout


def test_info_reports_versions_backend_and_devices():
    result = mlf("info", env={"KERAS_BACKEND": "jax"})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for name in ("mlfoundations", "Python", "Keras", "tensorflow", "jax", "torch"):
        assert name in out
    assert "backend       jax (KERAS_BACKEND)" in out
    assert "device        CPU" in out
    assert "floatx        float32" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["run", "1", "--backend", "theano"],
            "unknown backend 'theano'; expected one of: tensorflow, jax, torch",
        ),
        (["run", "99", "--backend", "jax"], "unknown chapter '99'"),
        (["run", "one"], "unknown chapter 'one'"),
        (
            ["run", "1", "--backend", "jax", "--seed", "-1"],
            "--seed must be an integer in [0, 2**32)",
        ),
        (["list", "--resume"], "unrecognized arguments: --resume"),
        (["bench", "nope", "--backend", "jax"], "unknown benchmark 'nope'; expected one of"),
        (["bench", "--backend", "theano"], "unknown backend 'theano'"),
    ],
)
def test_bad_input_is_one_line_exit_2(args, message):
    result = mlf(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_backend_is_checked_before_chapter():
    result = mlf("run", "99", "--backend", "theano")
    assert result.returncode == 2 and "unknown backend" in result.stderr


def test_unwritable_out_is_one_line_exit_2(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    result = mlf("run", "1", "--backend", "jax", "--out", str(blocker))
    assert result.returncode == 2
    assert "is not a writable folder" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_backend_names_the_extra(monkeypatch, capsys):
    monkeypatch.setattr(backend, "is_installed", lambda name: False)
    code = cli.main(["run", "1", "--backend", "torch"])
    err = capsys.readouterr().err
    assert code == 2
    assert "pip install 'mlfoundations[torch]'" in err


def test_use_backend_errors(monkeypatch):
    monkeypatch.delitem(sys.modules, "keras", raising=False)  # as in a fresh process
    with pytest.raises(ValueError, match="expected one of: tensorflow, jax, torch"):
        backend.use_backend("mxnet")
    monkeypatch.setattr(backend, "is_installed", lambda name: False)
    with pytest.raises(backend.BackendNotInstalledError, match=r"mlfoundations\[jax\]"):
        backend.use_backend("jax")


def test_use_backend_refuses_after_keras_was_imported_with_another():
    code = (
        "import os; os.environ['KERAS_BACKEND'] = 'jax'\n"
        "import keras\n"
        "from mlfoundations.backend import use_backend\n"
        "assert use_backend('jax') == 'jax'\n"
        "try:\n"
        "    use_backend('torch')\n"
        "except RuntimeError as e:\n"
        "    print('refused:', e)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=child_env(),
    )
    assert result.returncode == 0, result.stderr
    assert "refused: Keras was already imported with the 'jax' backend" in result.stdout


def test_mlf_run_passes_unknown_flags_to_the_chapter(monkeypatch, tmp_path):
    commands = []

    def fake_run_one(info, name, args, out):
        commands.append(cli.chapter_command(info, args, out))
        (out / "results.json").write_text(json.dumps({"backend": name, "headlines": {}}))
        return "ok", 0.0

    monkeypatch.setattr(cli, "_run_one", fake_run_one)
    monkeypatch.setenv("MLF_PARITY_DIR", str(tmp_path / "parity"))  # not the book's parity file
    argv = ["run", "1", "--backend", "jax", "--quick", "--out", str(tmp_path), "--resume", "--lr=3"]
    assert cli.main(argv) == 0
    (cmd,) = commands
    assert cmd[-3:] == ["--quick", "--resume", "--lr=3"]
    assert cmd[cmd.index("--seed") + 1] == "0"
    assert cmd[cmd.index("--out") + 1] == str(tmp_path / "jax" / "01_models_are_functions")
