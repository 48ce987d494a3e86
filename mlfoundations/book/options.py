"""Run options of a chapter, parsed in one place, and the environment of child processes.

Every chapter takes the same options, on the command line when run as a script and from
environment variables when executed as a page (the docs build sets them):

==============  ================  ==============================================
option          environment       meaning
==============  ================  ==============================================
``--quick``     ``MLF_QUICK=1``   small sizes: under a minute on 2 CPU cores
``--seed S``    ``MLF_SEED``      one seed for everything (default 0)
``--out DIR``   ``MLF_OUT``       where figures and ``results.json`` go
                                  (default ``runs/<backend>/<chapter>/``)
``--backend B`` ``KERAS_BACKEND`` tensorflow, jax or torch
==============  ================  ==============================================

A chapter adds its own flags with :func:`flag`; each also reads an environment variable,
``MLF_`` plus the flag's name in capitals (``--data-parallel`` → ``MLF_DATA_PARALLEL``)::

    run = chapter.setup("08_transformer", extra=[flag("--resume", action="store_true",
                                                      help="continue from the checkpoint")])
    if run.flags.resume: ...

``mlf run`` (:mod:`mlfoundations.book.cli`) passes flags it does not know to the chapter,
and :func:`child_env` is the one environment for a chapter, benchmark or test started in
a child process (the backend, the options as ``MLF_*`` variables, the log silencing of
:data:`mlfoundations.backend.QUIET_ENV`).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..backend import QUIET_ENV
from ..checks import check_seed

ENV_QUICK, ENV_SEED, ENV_OUT, ENV_BACKEND = "MLF_QUICK", "MLF_SEED", "MLF_OUT", "KERAS_BACKEND"
ENV_RECORD_FULL = "MLF_RECORD_FULL"


def env_flag(name: str, environ: Mapping[str, str] | None = None) -> bool:
    """Whether the environment variable ``name`` is set to 1, true, yes or on."""
    environ = os.environ if environ is None else environ
    return environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Flag:
    """A chapter's own command-line flag: ``argparse`` arguments and its environment name."""

    name: str
    kwargs: dict = field(default_factory=dict)

    @property
    def env(self) -> str:
        """``--data-parallel`` → ``MLF_DATA_PARALLEL``."""
        return "MLF_" + self.name.lstrip("-").replace("-", "_").upper()

    @property
    def dest(self) -> str:
        return self.name.lstrip("-").replace("-", "_")


def flag(name: str, **kwargs) -> Flag:
    """A chapter's own option, for ``chapter.setup(stem, extra=[...])``.

    Parameters
    ----------
    name : str
        The long option, ``"--resume"`` (it must start with ``--``).
    **kwargs
        What :meth:`argparse.ArgumentParser.add_argument` takes (``action``, ``type``,
        ``default``, ``choices``, ``help``). The environment variable :attr:`Flag.env`, when
        set, replaces the default (so a page built by the docs can set it too).

    Returns
    -------
    Flag
    """
    if not isinstance(name, str) or not name.startswith("--") or len(name) < 3:
        raise ValueError(f"name must be a long option like '--resume', got {name!r}")
    reserved = {"--quick", "--seed", "--out", "--backend", "--record-full", "--help"}
    if name in reserved:
        raise ValueError(f"{name} is a common run option; choose another name")
    return Flag(name, dict(kwargs))


def precision_flag() -> Flag:
    """``--precision fp32|bf16`` (env ``MLF_PRECISION``) for chapters that train a GPT; the
    chapter passes ``run.flags.precision`` to :func:`mlfoundations.backend.set_precision`."""
    return flag(
        "--precision",
        choices=("fp32", "bf16"),
        default="fp32",
        help="compute precision: fp32, or bf16 (Keras mixed_bfloat16: pays on a GPU)",
    )


def _seed_from_env(environ: Mapping[str, str]) -> int:
    text = environ.get(ENV_SEED, "0").strip() or "0"
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{ENV_SEED} must be an integer, got {text!r}") from None


def add_run_options(
    parser: argparse.ArgumentParser,
    *,
    out_help: str = "output folder (env MLF_OUT, default runs/<backend>/<chapter>/)",
    environ: Mapping[str, str] | None = None,
) -> argparse.ArgumentParser:
    """Add ``--quick``, ``--seed``, ``--out``, ``--backend`` with their environment defaults.

    The chapters and ``mlf run`` both call it, so the two cannot drift apart.
    """
    environ = os.environ if environ is None else environ
    parser.add_argument(
        "--quick",
        action="store_true",
        default=env_flag(ENV_QUICK, environ),
        help="small sizes: under a minute on 2 CPU cores (env MLF_QUICK=1)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=_seed_from_env(environ),
        help="random seed for everything, 0 <= seed < 2**32 (env MLF_SEED, default 0)",
    )
    parser.add_argument("--out", type=Path, default=environ.get(ENV_OUT) or None, help=out_help)
    parser.add_argument(
        "--backend",
        default=None,
        help="Keras backend: tensorflow, jax or torch (env KERAS_BACKEND)",
    )
    parser.add_argument(
        "--record-full",
        action="store_true",
        default=env_flag(ENV_RECORD_FULL, environ),
        help="full mode only: write the headlines to chapters/results/<stem>_full.json "
        "(env MLF_RECORD_FULL=1)",
    )
    return parser


def add_flags(
    parser: argparse.ArgumentParser,
    extra: Iterable[Flag],
    environ: Mapping[str, str] | None = None,
) -> None:
    """Add a chapter's own flags, each defaulting to its environment variable when set."""
    environ = os.environ if environ is None else environ
    group = parser.add_argument_group("this chapter's options")
    for spec in extra:
        if not isinstance(spec, Flag):
            raise TypeError(f"extra must hold flag(...) specs, got {type(spec).__name__}")
        kwargs = dict(spec.kwargs)
        if spec.env in environ:
            raw = environ[spec.env]
            action = kwargs.get("action")
            if action == "store_true":
                kwargs["default"] = env_flag(spec.env, environ)
            elif action == "store_false":
                kwargs["default"] = not env_flag(spec.env, environ)
            else:
                kwargs["default"] = kwargs.get("type", str)(raw)
        kwargs.setdefault("help", "")
        kwargs["help"] = f"{kwargs['help']} (env {spec.env})".strip()
        group.add_argument(spec.name, dest=spec.dest, **kwargs)


def chapter_parser(
    stem: str, extra: Iterable[Flag] = (), environ: Mapping[str, str] | None = None
) -> argparse.ArgumentParser:
    """The parser of chapter ``stem``: the run options plus the chapter's own flags."""
    parser = argparse.ArgumentParser(
        prog=f"python chapters/{stem}.py", description=f"Run chapter {stem} of mlfoundations."
    )
    add_run_options(parser, environ=environ)
    add_flags(parser, extra, environ)
    return parser


def child_env(
    *,
    backend: str | None = None,
    quick: bool | None = None,
    seed: int | None = None,
    out: str | os.PathLike | None = None,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of a child process that runs a chapter, benchmark or test.

    A copy of ``base`` (default ``os.environ``; pass ``{}`` for only the variables below)
    with the log silencing of :data:`~mlfoundations.backend.QUIET_ENV` and
    ``MPLBACKEND=Agg`` where ``base`` does not set them, unbuffered Python output, and the
    given run options: ``KERAS_BACKEND``, ``MLF_QUICK``, ``MLF_SEED``, ``MLF_OUT``.
    """
    env = dict(os.environ if base is None else base)
    for key, value in {**QUIET_ENV, "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1"}.items():
        env.setdefault(key, value)
    if backend is not None:
        env[ENV_BACKEND] = backend
    if quick is not None:
        env[ENV_QUICK] = "1" if quick else "0"
    if seed is not None:
        env[ENV_SEED] = str(check_seed(seed))
    if out is not None:
        env[ENV_OUT] = str(out)
    return env
