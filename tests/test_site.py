"""The executed documentation site: built strictly, offline, and checked in a real browser.

Marked ``site``: ``make test`` runs these once (they build the whole site, executing every
chapter in quick mode on ``KERAS_BACKEND``). The browser tests drive Debian's Chromium
with Playwright; without Chromium they skip with the reason, unless
``MLF_REQUIRE_BROWSER=1`` (set by CI), where they fail instead.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from mlfoundations.book import parity

pytestmark = pytest.mark.site

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _mkdocs(site_dir: Path, **env) -> subprocess.CompletedProcess:
    full_env = dict(os.environ, NO_MKDOCS_2_WARNING="1", **env)
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site_dir)],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=1800,
    )


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("site") / "site"
    start = time.perf_counter()
    result = _mkdocs(site)
    seconds = time.perf_counter() - start
    assert result.returncode == 0, (
        f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}"
    )
    log = result.stdout + result.stderr
    assert re.search(r"Docs built in [0-9.]+ s", log), "the build must print its time"
    print(f"\nsite built in {seconds:.1f} s")
    return site


# An output block is a fenced block titled "output"; Material renders its title as a
# <span class="filename"> just before the <pre>.
_OUTPUT_BLOCK = re.compile(
    r'<span class="filename">output</span>.*?<pre[^>]*>(.*?)</pre>', flags=re.S
)
# A Markdown table's separator row, "| --- | ---: |", raw or inside a string's repr.
_TABLE_RULE = re.compile(r"\|\s*:?-{3,}:?\s*\|")


def leaked_tables(html: str) -> list[str]:
    """Output blocks of a page that hold a Markdown table or the repr of one.

    Tables belong on the page as tables (``run.table``); one in an output block means a
    cell echoed a table's text, e.g. as the value of its last expression.
    """
    import html as html_lib

    found = []
    for body in _OUTPUT_BLOCK.findall(html):
        text = html_lib.unescape(re.sub(r"<[^>]+>", "", body))
        if _TABLE_RULE.search(text) or re.search(r"'\|[^'\n]*\|\\n", text):
            found.append(text[:120])
    return found


def test_leaked_table_detector():
    block = '<span class="filename">output</span><pre><span></span><code>{}</code></pre>'
    leaked_repr = "&#39;| model | acc |\\n| ----- | --: |\\n| a | 0.5 |&#39;"
    printed = "| model | acc |\n| :---- | --: |"
    clean = "accuracy 0.5 | loss 0.1\nmodel a"
    assert leaked_tables(block.format(leaked_repr))
    assert leaked_tables(block.format(printed))
    assert not leaked_tables(block.format(clean))
    table = "<table><thead><tr><th>model</th></tr></thead></table>"
    assert not leaked_tables(table)


def _chapters():
    from mlfoundations.book.chapter import find_chapters

    return find_chapters(ROOT / "chapters")


def test_every_chapter_is_a_page_that_names_its_backend(built_site):
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    chapters = _chapters()
    assert chapters, "no chapters found"
    for info in chapters:
        page = built_site / "chapters" / info.stem / "index.html"
        assert page.exists(), f"no page for {info.stem}"
        html = page.read_text(encoding="utf-8")
        assert "Executed when this site was built" in html
        assert f"<strong>{backend}</strong> backend" in html
        # the parity box comes first; make test has recorded every backend before the build
        assert html.index("On every backend") < html.index("Executed when this site was built")
        assert "Traceback" not in html, f"{info.stem} published a traceback"
        # a Markdown table that failed to parse shows up as a paragraph of pipes
        assert not re.search(r"<p>\s*\|[^<]*\|", html), f"{info.stem} has a broken table"
        leaked = leaked_tables(html)
        assert not leaked, f"{info.stem} shows a table (or its repr) as output: {leaked[:1]}"
        assert "PosixPath(" not in html, f"{info.stem} echoes a path's repr"


def test_home_page_shows_the_matrix_of_chapters_and_backends(built_site):
    html = (built_site / "index.html").read_text(encoding="utf-8")
    assert "status on every backend" in html
    assert "<th>chapter</th>" in html


def test_no_external_scripts_or_stylesheets(built_site):
    external = re.compile(
        r"<script[^>]+src=\"(?:https?:)?//|<link[^>]+rel=\"stylesheet\"[^>]+href=\"(?:https?:)?//"
        r"|@import\s+url\(\s*['\"]?(?:https?:)?//|fonts\.googleapis|cdn\.jsdelivr|unpkg\.com"
    )
    # HTML and CSS are grepped. Material's JavaScript bundle mentions two CDN URLs it would
    # use only for a ResizeObserver polyfill and Mermaid diagrams (neither applies here);
    # the browser tests below assert that no page makes any non-local request at all.
    offenders = []
    for path in built_site.rglob("*"):
        if path.suffix in (".html", ".css") and external.search(
            path.read_text(encoding="utf-8", errors="replace")
        ):
            offenders.append(str(path.relative_to(built_site)))
    assert not offenders, f"external assets referenced in: {offenders[:10]}"
    assert (built_site / "assets/katex/katex.min.js").exists()
    assert list((built_site / "assets/katex/fonts").glob("*.woff2"))


def test_api_reference_covers_public_modules(built_site):
    sys.path.insert(0, str(ROOT / "mkdocs_hooks"))
    try:
        import api
    finally:
        sys.path.pop(0)
    for name in api.public_modules():
        page = built_site / "api" / name / "index.html"
        assert page.exists(), f"no API page for {name}"
    html = (built_site / "api/mlfoundations.backend/index.html").read_text(encoding="utf-8")
    assert "value_and_grad" in html and "use_backend" in html
    # numpydoc's reST roles and math blocks are rendered, not shown raw, in the prose
    for page in (built_site / "api").rglob("index.html"):
        prose = re.findall(r"<p>.*?</p>", page.read_text(encoding="utf-8"), flags=re.S)
        raw = [p for p in prose if ":func:`" in p or ":class:`" in p or ".. math::" in p]
        assert not raw, f"{page.parent.name}: {raw[:2]}"
    logistic = (built_site / "api/mlfoundations.reference.logistic/index.html").read_text()
    assert logistic.count('class="arithmatex"') >= 2


def test_griffe_extension_rewrites_rst():
    sys.path.insert(0, str(ROOT / "mkdocs_hooks"))
    try:
        from griffe_rst import to_markdown
    finally:
        sys.path.pop(0)
    text = "See :func:`~a.b.fit` and :class:`Split`.\n\n.. math::\n\n    x = 1\n\nAfter."
    assert to_markdown(text) == "See `fit` and `Split`.\n\n$$\nx = 1\n$$\n\nAfter."
    assert to_markdown(".. math::  C = 1") == "$$\nC = 1\n$$\n"


def _throwaway_build(
    tmp_path: Path, body: str, parity_rows: list[dict] | None = None
) -> subprocess.CompletedProcess:
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    for src in (ROOT / "chapters").glob("*.py"):  # a temporary copy of the book's chapters
        shutil.copy(src, chapters / src.name)
    (chapters / "99_throwaway.py").write_text(
        "# %% [markdown]\n# # 99. Throwaway\n#\n# A chapter that misbehaves.\n\n# %%\n" + body,
        encoding="utf-8",
    )
    for row in parity_rows or []:  # beside the temporary chapters, as a test run leaves them
        parity.record(row, tmp_path / ".cache" / "parity")
    return _mkdocs(
        tmp_path / "site",
        MLF_CHAPTERS_DIR=str(chapters),
        MLF_DOCS_CHAPTERS="99_*",
        MLF_DOCS_CACHE="0",
    )


def test_a_failing_chapter_fails_the_build(tmp_path):
    result = _throwaway_build(tmp_path, "x = 1\nraise RuntimeError('deliberate failure')\n")
    assert result.returncode != 0
    log = result.stdout + result.stderr
    assert "99_throwaway.py failed" in log and "deliberate failure" in log


def test_a_table_ending_a_cell_is_shown_once_and_an_echoed_one_is_caught(tmp_path):
    first_cell = (
        "from mlfoundations.book import chapter\n"
        'run = chapter.setup("99_throwaway")\n'
        'run.table([{"model": "a", "acc": 0.5}], title="Shown once")\n'
    )
    echoed = "# %%\nfrom mlfoundations.book.report import format_table\n"
    echoed += 'format_table([{"model": "b", "acc": 0.25}], style="markdown")\n'
    last_cell = "\n# %%\nrun.finish()\n"  # returns a path in a script, nothing on a page
    result = _throwaway_build(tmp_path, first_cell + "\n" + echoed + last_cell)
    assert result.returncode == 0, result.stdout + result.stderr
    html = (tmp_path / "site/chapters/99_throwaway/index.html").read_text(encoding="utf-8")
    assert html.count("<table>") == 1 and "Shown once" in html
    leaked = leaked_tables(html)
    assert len(leaked) == 1 and re.search(r"\| b +\| 0.25 \|", leaked[0])
    assert "Finished in" in html and "PosixPath(" not in html


def test_stderr_noise_fails_a_strict_build(tmp_path):
    result = _throwaway_build(tmp_path, "import sys\nprint('noise', file=sys.stderr)\n")
    assert result.returncode != 0
    assert "wrote to stderr" in result.stdout + result.stderr


def test_a_backend_outside_its_band_fails_a_strict_build(tmp_path):
    def row(backend, value):
        results = {
            "backend": backend,
            "headlines": {"val_loss": {"label": "validation loss", "value": value,
                                       "low": 0.1, "high": 0.3, "agree": 0.01, "ok": True}},
        }  # fmt: skip
        git = parity.git_state(tmp_path)  # no repository here: commit None, like the build's
        return parity.make_row("99_throwaway", backend, "ok", 1.0, results, git)

    rows = [row("tensorflow", 0.2), row("jax", 0.2), row("torch", 0.9)]
    result = _throwaway_build(tmp_path, "x = 1\n", rows)
    assert result.returncode != 0
    log = result.stdout + result.stderr
    assert "99_throwaway: headline 'val_loss' on torch (quick) is 0.9, outside its band" in log


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser():
    if CHROMIUM is None:
        if os.environ.get("MLF_REQUIRE_BROWSER") == "1":
            pytest.fail("MLF_REQUIRE_BROWSER=1 but no chromium found (apt-get install chromium)")
        pytest.skip(
            "no Chromium on this machine (apt-get install chromium to run the browser test)"
        )
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test log clean
        pass


@pytest.fixture(scope="session")
def server(built_site):
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _open(browser, url, screenshot: Path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    external: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "request",
        lambda r: (
            None
            if r.url.startswith(("http://127.0.0.1", "data:", "blob:"))
            else external.append(r.url)
        ),
    )
    page.goto(url, wait_until="networkidle")
    page.screenshot(path=str(screenshot), full_page=False)
    return page, errors, external


def test_home_page_loads_cleanly(browser, server, tmp_path):
    page, errors, external = _open(browser, server + "/", tmp_path / "home.png")
    assert not errors, errors
    assert not external, external
    assert page.locator(".book-map .map-box").count() >= 8
    page.locator(".book-map a", has_text="chapter 1").first.click()
    page.wait_for_load_state("networkidle")
    assert "models_are_functions" in page.url
    print(f"\nscreenshot: {tmp_path / 'home.png'}")


def test_chapter_1_math_figures_and_search(browser, server, tmp_path):
    url = server + "/chapters/01_models_are_functions/"
    page, errors, external = _open(browser, url, tmp_path / "chapter1.png")
    assert not errors, errors
    assert not external, external
    assert page.locator(".katex").count() > 5, "math is not typeset"
    assert page.locator(".arithmatex .katex-display").count() >= 1, "display math missing"
    images = page.locator("article img")
    assert images.count() >= 2
    for i in range(images.count()):
        img = images.nth(i)
        img.scroll_into_view_if_needed()
        assert img.evaluate("e => e.complete && e.naturalWidth > 100"), f"figure {i} not loaded"
        assert img.is_visible()
    search = page.locator("input.md-search__input")
    search.click()
    search.press_sequentially("softmax", delay=30)  # type it, as a reader would
    results = page.locator(".md-search-result__item")
    results.first.wait_for(timeout=15_000)
    texts = " ".join(results.all_inner_texts())
    assert "Models are functions" in texts
    page.screenshot(path=str(tmp_path / "search.png"))
    print(f"\nscreenshots: {tmp_path / 'chapter1.png'}, {tmp_path / 'search.png'}")


def test_every_chapter_page_at_full_length(browser, server, tmp_path):
    """Each chapter page, scrolled through: figures load, no console errors, no output
    block shows a table's text. Full-length screenshots are kept for a human to look at."""
    for info in _chapters():
        url = f"{server}/chapters/{info.stem}/"
        page, errors, external = _open(browser, url, tmp_path / f"{info.stem}-top.png")
        assert not errors, (info.stem, errors)
        assert not external, (info.stem, external)
        images = page.locator("article img")
        for i in range(images.count()):
            img = images.nth(i)
            img.scroll_into_view_if_needed()
            assert img.evaluate("e => e.complete && e.naturalWidth > 100"), (info.stem, i)
        leaked = leaked_tables(page.content())
        assert not leaked, (info.stem, leaked[:1])
        shot = tmp_path / f"{info.stem}.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"\nfull-page screenshot: {shot}")
        page.close()
