"""MkDocs hook: execute every chapter script and publish it as a page.

Each ``chapters/NN_topic.py`` (a jupytext percent script) is read into a notebook, executed
in a fresh Jupyter kernel (which inherits ``KERAS_BACKEND`` and quick mode from this
process) and turned into a Markdown page: prose cells as they are, code cells as Python
blocks, printed output as output blocks, figures as image files, tables as tables. So one
file is both the script a learner runs and the page a reader reads, and every number and
figure on the page comes from this build's own run.

Why not mkdocs-jupyter: pages rendered here are plain Material Markdown (native code
blocks with copy buttons, search, math through arithmatex + KaTeX, no ~0.5 MB of notebook
CSS per page); a cell that raises fails the build naming the chapter; output on stderr
(backend log noise) is a warning, so ``--strict`` fails on it; and the execution cache is
keyed by the backend, the package source and the versions, not only the notebook text.

Parity: when the test suite (or ``make parity``) has recorded every chapter's quick run on
each backend in ``.cache/parity/parity.json`` (see ``mlfoundations.book.parity``), each
chapter page opens with an "On every backend" box (backend × status, seconds and headline
values, with the committed full-run values beside them) and the home page ends with the
matrix chapter × backend. A value outside its band, backends that disagree beyond the
declared tolerance, or a failed run is a warning naming chapter, headline and backend, so
``--strict`` fails on it. Rows from another commit are shown as stale and not checked.

Environment:
    KERAS_BACKEND           backend for every chapter (default tensorflow)
    MLF_DOCS_CHAPTERS       glob of chapter stems to build (default ``*``)
    MLF_DOCS_CACHE          cache folder (default ``.cache/docs``); ``0`` disables the cache
    MLF_CHAPTERS_DIR        folder of chapter scripts (default ``chapters/``)
    MLF_PARITY_DIR          folder of ``parity.json`` (default ``.cache/parity`` beside the
                            chapters folder)
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

from mlfoundations.book.options import child_env

log = logging.getLogger("mkdocs.hooks.chapters")

ROOT = Path(__file__).resolve().parents[1]
KATEX_DIST = ROOT / "node_modules" / "katex" / "dist"
KATEX_FILES = ("katex.min.js", "katex.min.css", "contrib/auto-render.min.js")

_state: dict = {}


# --------------------------------------------------------------------------- helpers


def _backend() -> str:
    return os.environ.get("KERAS_BACKEND", "tensorflow")


def _chapters_dir() -> Path:
    return Path(os.environ.get("MLF_CHAPTERS_DIR") or ROOT / "chapters")


def _selected_chapters():
    from mlfoundations.book.chapter import find_chapters

    pattern = os.environ.get("MLF_DOCS_CHAPTERS", "*")
    return [c for c in find_chapters(_chapters_dir()) if fnmatch.fnmatch(c.stem, pattern)]


def _cache_key(path: Path, backend: str) -> str:
    from mlfoundations.book.chapter import versions

    digest = hashlib.sha256()
    digest.update(path.read_bytes())
    for src in sorted((ROOT / "mlfoundations").rglob("*.py")):
        digest.update(src.read_bytes())
    digest.update(Path(__file__).read_bytes())
    digest.update(json.dumps([backend, versions()], sort_keys=True).encode())
    return digest.hexdigest()[:16]


def _cache_dir() -> Path | None:
    value = os.environ.get("MLF_DOCS_CACHE", str(ROOT / ".cache" / "docs"))
    return None if value in ("0", "") else Path(value)


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _fence(text: str, lang: str = "text", title: str | None = None) -> str:
    text = text.rstrip("\n")
    ticks = "```"
    while ticks in text:
        ticks += "`"
    attrs = f' title="{title}"' if title else ""
    return f"{ticks}{lang}{attrs}\n{text}\n{ticks}"


# --------------------------------------------------------------------------- execution


def _execute(path: Path, backend: str, out_dir: Path):
    """Run the chapter in a kernel; return the executed notebook and the seconds taken."""
    import jupytext
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = jupytext.read(path)
    env = child_env(backend=backend, quick=True, seed=0, out=out_dir, base={})
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"  # figures on the page
    env["PYTHONWARNINGS"] = "ignore::DeprecationWarning"
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the kernel inherits this process's environment
    start = time.perf_counter()
    try:
        client = NotebookClient(
            nb,
            timeout=900,
            kernel_name="python3",
            allow_errors=False,
            resources={"metadata": {"path": str(ROOT)}},
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
        )
        client.execute()
    except CellExecutionError as exc:
        raise PluginError(f"chapter {path.name} failed while building the docs:\n{exc}") from None
    except Exception as exc:  # kernel died, timeout...
        raise PluginError(f"chapter {path.name} could not be executed: {exc}") from exc
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return nb, time.perf_counter() - start


def _render(nb, stem: str, backend: str, seconds: float) -> tuple[str, dict[str, bytes], list]:
    """Markdown for the page, the figures it links to, and any stderr text."""
    from mlfoundations.book.chapter import versions

    parts: list[str] = []
    figures: dict[str, bytes] = {}
    stderr: list[str] = []
    v = versions()
    number = int(stem[:2])
    banner = (
        '!!! info "Executed when this site was built"\n'
        f"    Every output below came from running this chapter in quick mode on the "
        f"**{backend}** backend ({backend} {v.get(backend)}, Keras {v['keras']}, "
        f"NumPy {v['numpy']}, Python {v['python']}) in {seconds:.0f} s on CPU. "
        f"Run it yourself with `python chapters/{stem}.py --quick` or "
        f"`mlf run {number} --backend jax`; drop `--quick` for the full-size run.\n"
    )
    for index, cell in enumerate(nb.cells):
        source = _text(cell.source).strip("\n")
        if cell.cell_type == "markdown":
            parts.append(source)
            if index == 0:
                parts.append(banner)
            continue
        if cell.cell_type != "code" or not source.strip():
            continue
        parts.append(_fence(source, "python"))
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream":
                text = _text(output.get("text", ""))
                if output.get("name") == "stderr":
                    stderr.append(text)
                    body = "\n".join("    " + line for line in _fence(text).splitlines())
                    parts.append(f'!!! warning "stderr"\n{body}')
                elif text.strip():
                    parts.append(_fence(text, "text", title="output"))
            elif kind in ("display_data", "execute_result"):
                data = output.get("data", {})
                if "image/png" in data:
                    name = f"{stem}/figure-{len(figures) + 1}.png"
                    figures[name] = base64.b64decode(_text(data["image/png"]))
                    alt = f"Figure {len(figures)} of chapter {number}"
                    parts.append(f"![{alt}]({name})")  # relative to chapters/<stem>.md
                elif "text/markdown" in data:
                    parts.append(_text(data["text/markdown"]))
                elif "text/html" in data:
                    parts.append(_text(data["text/html"]))
                elif "text/plain" in data:
                    parts.append(_fence(_text(data["text/plain"]), "text", title="output"))
    return "\n\n".join(parts) + "\n", figures, stderr


def _build_chapter(info, backend: str) -> dict:
    cache_root = _cache_dir()
    key = _cache_key(info.path, backend)
    cached = cache_root / f"{info.stem}-{backend}-{key}" if cache_root else None
    if cached and (cached / "page.json").exists():
        record = json.loads((cached / "page.json").read_text())
        record["figures"] = {n: (cached / n).read_bytes() for n in record["figure_names"]}
        record["cached"] = True
        return record
    with tempfile.TemporaryDirectory(prefix=f"mlf-{info.stem}-") as out_dir:
        nb, seconds = _execute(info.path, backend, Path(out_dir))
    markdown, figures, stderr = _render(nb, info.stem, backend, seconds)
    record = {
        "markdown": markdown,
        "figure_names": sorted(figures),
        "stderr": stderr,
        "seconds": seconds,
        "title": info.title,
    }
    if cached:
        tmp = Path(tempfile.mkdtemp(dir=cache_root.parent if cache_root.exists() else None))
        cache_root.mkdir(parents=True, exist_ok=True)
        for name, content in figures.items():
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).write_bytes(content)
        (tmp / "page.json").write_text(json.dumps(record))
        shutil.rmtree(cached, ignore_errors=True)
        os.replace(tmp, cached)
    record["figures"] = figures
    record["cached"] = False
    return record


# --------------------------------------------------------------------------- MkDocs events


def on_config(config):
    _state["start"] = time.perf_counter()
    _state["chapters"] = _selected_chapters()
    nav = config.get("nav") or []
    for entry in nav:
        if isinstance(entry, dict) and "Chapters" in entry:
            entry["Chapters"] = [
                {f"{c.number}. {c.title.split('. ', 1)[-1]}": f"chapters/{c.stem}.md"}
                for c in _state["chapters"]
            ]
    if not KATEX_DIST.is_dir():
        raise PluginError(
            f"KaTeX assets not found in {KATEX_DIST}: run `npm ci` (make docs does) so math "
            "renders without a CDN"
        )
    return config


# --------------------------------------------------------------------------- parity


def _parity() -> tuple[dict, str | None]:
    """The recorded quick rows of every chapter, and the commit this build is made from."""
    from mlfoundations.book import parity

    if "parity" not in _state:
        try:
            rows = parity.load()
        except ValueError as exc:
            raise PluginError(str(exc)) from None
        _state["parity"] = (rows, parity.git_state(_chapters_dir()).get("commit"))
    return _state["parity"]


BANNER_START = '!!! info "Executed when this site was built"'


def _with_parity_box(markdown: str, info) -> str:
    """Put the "On every backend" box above the build banner; warn on every failing mark."""
    from mlfoundations.book import parity

    rows, commit = _parity()
    full = parity.load_full(info.stem, _chapters_dir())
    box, marks = parity.render_box(info.stem, rows.get(info.stem, {}), full, commit)
    for mark in marks:
        if mark.fails:
            log.warning("parity: %s", mark.message)
    if BANNER_START in markdown:
        return markdown.replace(BANNER_START, box + "\n" + BANNER_START, 1)
    return box + "\n" + markdown


def _status_section() -> str:
    from mlfoundations.book import parity

    rows, commit = _parity()
    titles = [(c.stem, f"{c.number}. {c.title.split('. ', 1)[-1]}") for c in _state["chapters"]]
    return (
        "\n\n## The book's status on every backend\n\n"
        + parity.render_matrix(rows, titles, commit)
        + "\n"
    )


def on_files(files, config):
    backend = _backend()
    _state["timings"] = []
    _state.pop("parity", None)  # re-read on every build (mkdocs serve rebuilds)
    for info in _state["chapters"]:
        record = _build_chapter(info, backend)
        for text in record["stderr"]:
            log.warning("chapter %s wrote to stderr on %s:\n%s", info.stem, backend, text.strip())
        src = f"chapters/{info.stem}.md"
        markdown = _with_parity_box(record["markdown"], info)
        files.append(File.generated(config, src, content=markdown))
        for name, content in record["figures"].items():
            files.append(File.generated(config, f"chapters/{name}", content=content))
        _state["timings"].append((info.stem, record["seconds"], record["cached"]))
        how = "cached" if record["cached"] else "executed"
        log.info("chapter %s: %s on %s (%.1f s)", info.stem, how, backend, record["seconds"])
    for rel in KATEX_FILES:
        files.append(
            File.generated(config, f"assets/katex/{rel}", abs_src_path=str(KATEX_DIST / rel))
        )
    for font in sorted((KATEX_DIST / "fonts").glob("*.woff2")):
        files.append(
            File.generated(config, f"assets/katex/fonts/{font.name}", abs_src_path=str(font))
        )
    return files


def on_page_markdown(markdown, page, config, files):
    """Links to chapters that are not in this build become plain text (the home page map)."""
    if page.file.src_uri != "index.md":
        return markdown
    markdown += _status_section()
    present = {f"chapters/{c.stem}.md" for c in _state.get("chapters", [])}

    def keep_or_strip(match):
        return match.group(0) if match.group(2) in present else match.group(1)

    return re.sub(r"\[([^\]]+)\]\((chapters/[0-9]{2}_[a-z0-9_]+\.md)\)", keep_or_strip, markdown)


def on_post_build(config):
    total = time.perf_counter() - _state.get("start", time.perf_counter())
    rows = ", ".join(
        f"{stem} {sec:.0f}s{' (cached)' if cached else ''}"
        for stem, sec, cached in _state.get("timings", [])
    )
    log.info("Docs built in %.1f s on %s; chapters: %s", total, _backend(), rows or "none")
