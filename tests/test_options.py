"""One parser for the run options of chapters and ``mlf``, chapter flags, the child env."""

import argparse

import pytest

from mlfoundations.backend import QUIET_ENV
from mlfoundations.book import chapter
from mlfoundations.book.options import add_run_options, chapter_parser, child_env, flag


def test_options_come_from_environment_when_not_on_the_command_line(monkeypatch):
    monkeypatch.setenv("MLF_QUICK", "1")
    monkeypatch.setenv("MLF_SEED", "7")
    monkeypatch.setenv("MLF_OUT", "/tmp/somewhere")
    args = chapter_parser("01_x").parse_args([])
    assert args.quick is True and args.seed == 7 and str(args.out) == "/tmp/somewhere"
    args = chapter_parser("01_x").parse_args(["--seed", "3", "--out", "o"])
    assert args.seed == 3 and str(args.out) == "o"


def test_chapter_and_mlf_share_defaults():
    """The two parsers once had different defaults; now both come from add_run_options."""
    env = {"MLF_QUICK": "yes", "MLF_SEED": "5"}
    chapter_args = chapter_parser("01_x", environ=env).parse_args([])
    mlf_args = add_run_options(argparse.ArgumentParser(), environ=env).parse_args([])
    for name in ("quick", "seed", "backend"):
        assert getattr(chapter_args, name) == getattr(mlf_args, name)
    assert chapter_args.quick is True and chapter_args.seed == 5


def test_chapter_flags_from_argv_and_environment():
    extra = [
        flag("--resume", action="store_true", help="continue from the checkpoint"),
        flag("--precision", choices=["float32", "bfloat16"], default="float32"),
        flag("--data-parallel", type=int, default=1),
    ]
    args = chapter_parser("08_x", extra, environ={}).parse_args([])
    assert (args.resume, args.precision, args.data_parallel) == (False, "float32", 1)
    args = chapter_parser("08_x", extra, environ={}).parse_args(
        ["--resume", "--precision", "bfloat16", "--data-parallel", "4"]
    )
    assert (args.resume, args.precision, args.data_parallel) == (True, "bfloat16", 4)
    env = {"MLF_RESUME": "1", "MLF_DATA_PARALLEL": "2"}
    args = chapter_parser("08_x", extra, environ=env).parse_args([])
    assert args.resume is True and args.data_parallel == 2
    assert "(env MLF_RESUME)" in chapter_parser("08_x", extra, environ={}).format_help()


def test_setup_exposes_chapter_flags(tmp_path):
    run = chapter.setup(
        "08_demo",
        ["--quick", "--out", str(tmp_path), "--resume"],
        extra=[flag("--resume", action="store_true")],
    )
    assert run.flags.resume is True and run.quick is True and run.final_out == tmp_path
    assert run.out.parent == tmp_path.parent  # a fresh folder, swapped in by finish()
    assert not hasattr(run.flags, "seed")  # only the chapter's own flags


def test_setup_rejects_unknown_flags_and_bad_seeds(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        chapter.setup("08_demo", ["--out", str(tmp_path), "--resume"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit):
        chapter.setup("08_demo", ["--out", str(tmp_path), "--seed", str(2**32)])
    assert "--seed must be an integer in [0, 2**32)" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["resume", "-r", "--seed", "--quick", 3])
def test_flag_names_are_checked(name):
    with pytest.raises(ValueError, match="name must be|common run option"):
        flag(name)


def test_child_env_sets_options_and_silences_logs_without_overriding():
    env = child_env(backend="jax", quick=True, seed=3, out="o", base={"TF_CPP_MIN_LOG_LEVEL": "1"})
    assert env["KERAS_BACKEND"] == "jax" and env["MLF_QUICK"] == "1"
    assert env["MLF_SEED"] == "3" and env["MLF_OUT"] == "o" and env["MPLBACKEND"] == "Agg"
    assert env["TF_CPP_MIN_LOG_LEVEL"] == "1"  # the user's choice wins
    for key in set(QUIET_ENV) - {"TF_CPP_MIN_LOG_LEVEL"}:
        assert env[key] == QUIET_ENV[key]
    with pytest.raises(ValueError, match="seed"):
        child_env(seed=-1, base={})


def test_precision_flag_reads_the_command_line_and_the_environment(tmp_path, monkeypatch):
    from mlfoundations.book.options import precision_flag

    run = chapter.setup("08_demo", ["--out", str(tmp_path), "--precision", "bf16"],
                        extra=[precision_flag()])  # fmt: skip
    assert run.flags.precision == "bf16"
    monkeypatch.setenv("MLF_PRECISION", "bf16")
    run = chapter.setup("08_demo", ["--out", str(tmp_path)], extra=[precision_flag()])
    assert run.flags.precision == "bf16"
    with pytest.raises(SystemExit):
        chapter.setup("08_demo", ["--out", str(tmp_path), "--precision", "fp8"],
                      extra=[precision_flag()])  # fmt: skip
