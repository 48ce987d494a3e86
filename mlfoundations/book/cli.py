"""``mlf``: list, run and inspect the book's chapters.

::

    mlf info                       versions, backend, devices, float precision
    mlf list                       the chapters with one-line descriptions
    mlf run 1 --backend jax        run chapter 1 on JAX (full mode)
    mlf run all --quick            every chapter, quick mode, default backend
    mlf run 8 --resume             flags mlf does not know go to the chapter
    mlf run all --quick --backend all
                                   every chapter on every backend, then the parity check
    mlf bench --backend all        every benchmark in benchmarks/ on each backend

``mlf run`` starts each chapter in its own process (the backend is fixed when Keras is
imported), streams its output, keeps a copy in ``<out>/<backend>/<chapter>/output.txt``
and ends with a table: chapter, backend, status, seconds and each headline result with its
band. A quick run also records its row in the parity JSON (``.cache/parity/parity.json``,
see :mod:`mlfoundations.book.parity`); after a run on several backends the cross-backend
check runs too, and any value outside its band or backends that disagree make the exit
status 1, with a line naming the chapter, the headline and the backend.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .. import backend as _backend
from ..checks import check_seed
from . import chapter as _chapter
from .options import add_run_options, child_env


class UsageError(Exception):
    """Bad command-line input: reported in one line with exit code 2."""


def _cmd_list(args) -> int:
    chapters = _chapter.find_chapters()
    if not chapters:
        print(f"no chapters found in {_chapter.chapters_dir()}")
        return 0
    titles = [c.title.split(". ", 1)[-1] for c in chapters]  # "1. Models..." -> "Models..."
    width = max(len(t) for t in titles)
    for c, title in zip(chapters, titles, strict=True):
        print(f"{c.number:>2}  {title:<{width}}  {c.summary}")
    return 0


def _cmd_info(args) -> int:
    versions = _chapter.versions()
    print(f"mlfoundations {versions['mlfoundations']}")
    print(f"Python        {versions['python']}")
    print(f"Keras         {versions['keras'] or 'not installed'}")
    print(f"NumPy         {versions['numpy']}")
    for name in _backend.BACKENDS:
        print(f"{name:<13} {versions.get(name) or 'not installed'}")
    _print_gpus()
    name = _backend.active_backend()
    source = "KERAS_BACKEND" if os.environ.get("KERAS_BACKEND") else "default"
    print(f"backend       {name} ({source})")
    if name not in _backend.BACKENDS:
        raise UsageError(
            f"KERAS_BACKEND={name!r} is not a supported backend; expected one "
            f"of: {', '.join(_backend.BACKENDS)}"
        )
    if not _backend.is_installed(name):
        print("devices       (backend not installed)")
        return 0
    _backend.use_backend(name)
    import keras

    for dev in _backend.list_devices():
        extra = f", {dev['memory']}" if dev["memory"] else ""
        print(f"device        {dev['kind']}: {dev['name']}{extra}")
    print(f"floatx        {keras.config.floatx()} (epsilon {keras.config.epsilon():g})")
    return 0


def _print_gpus() -> None:
    """Name each NVIDIA GPU and say which installed backends can compute on it."""
    gpus = _backend.nvidia_gpus()
    if not gpus:
        print("GPU           none (nvidia-smi lists no GPU): every backend runs on the CPU")
        return
    for i, gpu in enumerate(gpus):
        memory = f", {gpu['memory']}" if gpu["memory"] else ""
        print(f"GPU {i:<9} {gpu['name']}{memory}")
    for name in _backend.BACKENDS:
        seen = _backend.gpus_visible(name)
        if seen is None:
            state = "not installed" if not _backend.is_installed(name) else "probe failed"
            print(f"  {name:<11} {state}")
        elif seen:
            print(f"  {name:<11} sees {seen} GPU(s)")
        else:
            print(f"  {name:<11} sees no GPU")
            print(
                f"warning: a GPU is present but {name} cannot see it (a CPU build?). "
                f"Fix: make venv DEVICE=gpu, or {_backend.GPU_FIX[name]}",
                file=sys.stderr,
            )


def _resolve_chapters(spec: str) -> list[_chapter.ChapterInfo]:
    chapters = _chapter.find_chapters()
    if spec == "all":
        if not chapters:
            raise UsageError(f"no chapters found in {_chapter.chapters_dir()}")
        return chapters
    by_number = {c.number: c for c in chapters}
    try:
        number = int(spec)
    except ValueError:
        number = None
    if number not in by_number:
        valid = ", ".join(str(n) for n in sorted(by_number)) or "none found"
        raise UsageError(f"unknown chapter {spec!r}; expected 'all' or one of: {valid}")
    return [by_number[number]]


def _check_backend(name: str) -> str:
    try:
        _backend.check_backend_name(name)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if not _backend.is_installed(name):
        extra = "tensorflow" if name == "tensorflow" else name
        raise UsageError(
            f"the {name} backend is not installed; install it with: "
            f"pip install 'mlfoundations[{extra}]'"
        )
    return name


def chapter_command(info: _chapter.ChapterInfo, args, out: Path) -> list[str]:
    """The command that runs one chapter: its options, then the flags ``mlf`` passed through."""
    cmd = [sys.executable, "-u", str(info.path), "--out", str(out), "--seed", str(args.seed)]
    if args.quick:
        cmd.append("--quick")
    if args.record_full:
        cmd.append("--record-full")
    return cmd + list(args.chapter_args)  # the chapter's own flags


def _run_one(info: _chapter.ChapterInfo, name: str, args, out: Path) -> tuple[str, float]:
    cmd = chapter_command(info, args, out)
    env = child_env(backend=name)
    print(
        f"\n=== chapter {info.number}: {info.title} [{name}{', quick' if args.quick else ''}]",
        flush=True,
    )
    start = time.perf_counter()
    # The chapter swaps a fresh folder into `out` when it finishes, so the log is written
    # beside it and moved in afterwards.
    log_path = out.with_name(f".{out.name}.output-{os.getpid()}.txt")
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True, bufsize=1
        )
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                log.write(line)  # the log first: an interrupt may come as soon as it is shown
                sys.stdout.write(line)
            code = proc.wait()
        except KeyboardInterrupt:
            # Ctrl-C (or a SIGINT sent to mlf alone): pass it on and wait, so no chapter
            # keeps running and writing files after mlf has gone.
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            raise
        finally:
            out.mkdir(parents=True, exist_ok=True)
            log.flush()
            os.replace(log_path, out / "output.txt")
    seconds = time.perf_counter() - start
    return ("ok" if code == 0 else f"failed ({code})"), seconds


def _read_results(out: Path, since: float) -> dict | None:
    """``out/results.json`` if this run wrote it (not older than ``since``, a ``time.time()``)."""
    path = out / "results.json"
    try:
        if path.stat().st_mtime < since:
            return None  # a previous run's: a run that did not finish never reports it
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def _cmd_run(args) -> int:
    if args.backend == "all":
        names = [_check_backend(name) for name in _backend.BACKENDS]
    else:
        names = [_check_backend(args.backend or _backend.active_backend())]
    chapters = _resolve_chapters(args.chapter)
    try:
        check_seed(args.seed, "--seed")
    except (TypeError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    if args.record_full and args.quick:
        raise UsageError("--record-full records full-mode results; drop --quick")
    root = Path(args.out or "runs")
    outs = {}
    for name in names:
        for info in chapters:
            try:
                outs[name, info.stem] = _chapter.check_writable(root / name / info.stem)
            except ValueError as exc:
                raise UsageError(
                    str(exc).replace(f"--out {root / name / info.stem}", f"--out {root}")
                ) from None
    from . import parity

    git = parity.git_state()
    rows = []
    for info in chapters:
        for name in names:
            out = outs[name, info.stem]
            since = time.time()
            status, seconds = _run_one(info, name, args, out)
            results = _read_results(out, since) if status == "ok" else None
            row = parity.make_row(info.stem, name, status, seconds, results, git)
            if args.quick:
                parity.record(row)
            headlines = row["headlines"]
            ok = row["status"] == "ok" and all(parity.in_band(h) for h in headlines.values())
            rows.append(
                {
                    "chapter": f"{info.number:02d} {info.title}",
                    "backend": row["column"],
                    "status": "ok" if ok else row["status"] if row["status"] != "ok" else "band",
                    "seconds": round(seconds, 1),
                    "headlines": parity.headline_summary(headlines) or "—",
                }
            )
    from .report import format_table

    print()
    print(format_table(rows, floatfmt=".1f"))
    where = root / names[0] if len(names) == 1 else root
    print(f"\nOutputs (figures, results.json, output.txt) are under {where}/")
    failing = []
    if len(names) > 1 and args.quick:
        stems = [info.stem for info in chapters]
        marks = parity.check(parity.load(), stems, git["commit"], tuple(names))
        failing = [m for m in marks if m.fails]
        for mark in failing:
            print(f"PARITY FAIL: {mark.message}")
        if not failing:
            print(f"Parity: every headline in its band and agreeing on {', '.join(names)}")
    if args.quick:
        print(f"Parity rows recorded in {parity.parity_dir() / parity.PARITY_FILE}")
    return 0 if all(r["status"] == "ok" for r in rows) and not failing else 1


def _benchmarks_dir() -> Path:
    return _chapter.chapters_dir().parent / "benchmarks"


def _cmd_bench(args) -> int:
    names = (
        list(_backend.BACKENDS)
        if args.backend == "all"
        else [args.backend or _backend.active_backend()]
    )
    names = [_check_backend(name) for name in names]
    scripts = sorted(_benchmarks_dir().glob("[!_]*.py"))
    if args.name:
        scripts = [s for s in scripts if s.stem == args.name]
        if not scripts:
            valid = ", ".join(s.stem for s in sorted(_benchmarks_dir().glob("[!_]*.py")))
            raise UsageError(f"unknown benchmark {args.name!r}; expected one of: {valid}")
    if not scripts:
        raise UsageError(f"no benchmarks found in {_benchmarks_dir()}")
    rows = []
    for script in scripts:
        for name in names:
            print(f"\n=== {script.stem} [{name}]", flush=True)
            env = child_env(backend=name)
            start = time.perf_counter()
            code = subprocess.call([sys.executable, str(script)], env=env)
            rows.append(
                {
                    "benchmark": script.stem,
                    "backend": name,
                    "status": "ok" if code == 0 else f"failed ({code})",
                    "seconds": round(time.perf_counter() - start, 1),
                }
            )
    from .report import format_table

    print()
    print(format_table(rows, floatfmt=".1f"))
    print(f"\nResult tables are in {_benchmarks_dir() / 'results'}/")
    return 0 if all(r["status"] == "ok" for r in rows) else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlf",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help="versions, active backend, devices, float precision")
    sub.add_parser("list", help="the chapters with one-line descriptions")
    run = sub.add_parser("run", help="run chapters in subprocesses and report a table")
    run.add_argument("chapter", help="chapter number, or 'all'")
    add_run_options(run, out_help="output root (default: runs): OUT/<backend>/<chapter>/")
    run.set_defaults(out=None)  # a root here, not MLF_OUT (one chapter's folder)
    for action in run._actions:
        if action.dest == "backend":
            action.help = (
                f"one of {', '.join(_backend.BACKENDS)}, or 'all' (default: KERAS_BACKEND)"
            )
    bench = sub.add_parser("bench", help="run the benchmarks (measurements, not tests)")
    bench.add_argument("name", nargs="?", help="one benchmark (file name without .py)")
    bench.add_argument("--backend", help="a backend, or 'all' (default: KERAS_BACKEND)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown and args.command != "run":
        print(f"mlf: error: unrecognized arguments: {' '.join(unknown)}", file=sys.stderr)
        return 2
    args.chapter_args = unknown  # mlf run passes what it does not know to the chapter
    commands = {"info": _cmd_info, "list": _cmd_list, "run": _cmd_run, "bench": _cmd_bench}
    try:
        return commands[args.command](args)
    except UsageError as exc:
        print(f"mlf: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mlf: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
