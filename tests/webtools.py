"""The real tools a web page of derive meets: Markdown converters, MathJax and Chromium.

* :func:`convert` runs the converter a Markdown flavour targets and returns its HTML: Debian's
  pandoc, kramdown (Ruby, with the GFM parser GitHub Pages uses) and Hugo (goldmark); PyPI's
  markdown-it-py with dollarmath and Python-Markdown with pymdownx.arithmatex (MkDocs Material).
  :func:`math_in_html` reads the formulas back out of that HTML the way the converter marks them.
* :func:`mathjax_check` renders formulas with MathJax 3 (npm ``mathjax-full``, pinned by the
  repository's ``package-lock.json``) in one node process, as ``katex.katex_check`` does with KaTeX.
* :func:`open_page` loads a page in headless Chromium (Debian's ``chromium-headless-shell`` or
  ``chromium``), reports what a probe saw once fonts and scripts settled, and can save a screenshot.

Tests use the fixtures in ``conftest.py``, which skip (or under ``CI=true`` fail) when a tool is
missing; ``.ci/run`` installs them all.
"""

from __future__ import annotations

import functools
import html
import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from katex import Formula, FormulaLike, _as_formula

ROOT = Path(__file__).resolve().parent.parent
MATHJAX_SCRIPT = Path(__file__).resolve().parent / "mathjax_check.mjs"
NPM_HINT = "install node (>= 18) and run `npm ci` in the repository root"
APT_HINT = "run `bash .ci/run` or `apt-get install {}`"
_TIMEOUT = 120


# --- MathJax --------------------------------------------------------------------------------------


def mathjax_check(formulas: Iterable[FormulaLike]) -> list[str | None]:
    """Render each formula with MathJax 3 in one node process.

    Args:
        formulas: The formulas to check.

    Returns:
        One entry per formula, in order: None when MathJax renders it, else its message.

    Raises:
        RuntimeError: When node cannot run the checker.
    """
    batch = [_as_formula(item) for item in formulas]
    node = shutil.which("node")
    if node is None:
        raise RuntimeError(f"node not found; {NPM_HINT}")
    payload = json.dumps([{"tex": f.tex, "displayMode": f.display} for f in batch])
    result = subprocess.run([node, str(MATHJAX_SCRIPT)], input=payload, capture_output=True,
                            text=True, encoding="utf-8", cwd=ROOT, timeout=_TIMEOUT,
                            check=False)  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"{MATHJAX_SCRIPT.name} failed: {result.stderr.strip()}; {NPM_HINT}")
    answers = json.loads(result.stdout)
    return [None if answer["ok"] else str(answer["error"]) for answer in answers]


def mathjax_errors(formulas: Iterable[FormulaLike]) -> list[str]:
    """A message for every formula MathJax cannot render; empty when all render."""
    batch = [_as_formula(item) for item in formulas]
    return [
        f"{f.tex!r} ({'display' if f.display else 'inline'}): {error}"
        for f, error in zip(batch, mathjax_check(batch), strict=True)
        if error is not None
    ]


@functools.cache
def mathjax_missing_reason() -> str | None:
    """Why the MathJax checker cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return f"node not found; {NPM_HINT}"
    try:
        mathjax_check([])
    except (RuntimeError, OSError, subprocess.TimeoutExpired, ValueError) as error:
        return f"the MathJax checker cannot run: {error}"
    return None


# --- Markdown converters --------------------------------------------------------------------------

# flavour -> (what must be installed, how to install it)
CONVERTERS: dict[str, tuple[str, str]] = {
    "commonmark": ("python:mdit_py_plugins", "pip install -e '.[test]'"),
    "gfm": ("python:markdown_it", "pip install -e '.[test]'"),
    "pandoc": ("pandoc", APT_HINT.format("pandoc")),
    "kramdown": ("ruby:kramdown-parser-gfm", APT_HINT.format("ruby-kramdown-parser-gfm")),
    "mkdocs": ("python:pymdownx", "pip install -e '.[test]'"),
    "hugo": ("hugo", APT_HINT.format("hugo")),
}

_KRAMDOWN = (
    'require "kramdown"; require "kramdown-parser-gfm"; '
    'print Kramdown::Document.new($stdin.read, input: "GFM").to_html'
)


@functools.cache
def converter_missing_reason(flavor: str) -> str | None:
    """Why the converter of ``flavor`` cannot run here, or None when it can."""
    need, hint = CONVERTERS[flavor]
    kind, _, name = need.rpartition(":")
    if kind == "python":
        import importlib.util

        found = importlib.util.find_spec(name) is not None
    elif kind == "ruby":
        found = shutil.which("ruby") is not None and subprocess.run(
            ["ruby", "-e", f'require "{name}"'], capture_output=True, check=False
        ).returncode == 0
    else:
        found = shutil.which(name) is not None
    return None if found else f"the {flavor} converter ({name}) is missing; {hint}"


def convert(flavor: str, markdown: str) -> str:
    """Convert Markdown to HTML with the converter ``flavor`` targets.

    Args:
        flavor: A name of ``derive.documents.web.flavors.FLAVORS``.
        markdown: The document.

    Returns:
        The converter's HTML (a fragment; Hugo's is the page body).
    """
    if flavor in {"commonmark", "gfm"}:
        from markdown_it import MarkdownIt
        from mdit_py_plugins.dollarmath import dollarmath_plugin

        parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
        if flavor == "commonmark":
            parser = parser.use(dollarmath_plugin, double_inline=False)
        return parser.render(markdown)
    if flavor == "mkdocs":
        import markdown as python_markdown

        return python_markdown.markdown(
            markdown, extensions=["tables", "pymdownx.arithmatex"],
            extension_configs={"pymdownx.arithmatex": {"generic": True}},
        )  # fmt: skip
    if flavor == "pandoc":
        return _run(["pandoc", "-f", "markdown", "-t", "html", "--mathjax"], markdown)
    if flavor == "kramdown":
        return _run(["ruby", "-e", _KRAMDOWN], markdown)
    if flavor == "hugo":
        return _hugo(markdown)
    raise ValueError(f"no converter for {flavor!r}")


def _run(command: list[str], stdin: str) -> str:
    result = subprocess.run(command, input=stdin, capture_output=True, text=True,
                            encoding="utf-8", timeout=_TIMEOUT, check=False)  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")
    return result.stdout


def _hugo(markdown: str) -> str:
    """One page through Hugo's own goldmark, with Hugo's default Markdown settings."""
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder)
        (site / "content").mkdir()
        (site / "layouts" / "_default").mkdir(parents=True)
        (site / "config.toml").write_text('baseURL = "/"\ndisableKinds = ["taxonomy", "term"]\n')
        (site / "layouts" / "_default" / "single.html").write_text("{{ .Content }}")
        (site / "content" / "page.md").write_text(markdown, encoding="utf-8")
        _run(["hugo", "--quiet", "--source", str(site), "--destination", str(site / "public")], "")
        return (site / "public" / "page" / "index.html").read_text(encoding="utf-8")


# How each converter marks math in its HTML (the text inside, HTML-escaped).
_MARKED = {
    "commonmark": re.compile(r'<span class="math inline">(?P<i>.*?)</span>'
                             r'|<div class="math block">(?P<d>.*?)</div>', re.S),
    "gfm": re.compile(r"\$<code>(?P<i>.*?)</code>\$|\$(?P<p>[^$<>]+?)\$"
                      r'|<pre><code class="language-math">(?P<d>.*?)</code></pre>', re.S),
}
_DELIMITED = re.compile(r"\\\((?P<i>.*?)\\\)|\\\[(?P<d>.*?)\\\]", re.S)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Converted:
    """What a converter made of a document's math."""

    formulas: list[Formula]
    leftover: str  # the page's text outside the formulas (math left as text shows up here)


def math_in_html(flavor: str, page: str) -> Converted:
    """Read the formulas back out of a converter's HTML, in order.

    Args:
        flavor: The flavour whose converter wrote ``page``.
        page: The HTML.

    Returns:
        The formulas (whitespace as the converter left it) and the text left around them.
    """
    if flavor in _MARKED:
        pattern, text = _MARKED[flavor], page
    else:  # \(...\) and \[...\] in the text, as MathJax's and KaTeX's auto-render find them
        pattern, text = _DELIMITED, html.unescape(_TAG.sub("", page))
    found: list[Formula] = []
    for match in pattern.finditer(text):
        display = match.group("d") is not None
        tex = next(group for group in match.groups() if group is not None)
        found.append(Formula(html.unescape(tex) if flavor in _MARKED else tex, display))
    rest = html.unescape(_TAG.sub(" ", pattern.sub(" ", text)))
    return Converted(found, rest)


def same_tex(tex: str) -> str:
    """A formula with runs of whitespace as one space, for comparing before and after."""
    return " ".join(tex.split())


# --- Chromium -------------------------------------------------------------------------------------

CHROMIUM_NAMES = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome")
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-default-apps", "--disable-extensions",
    "--disable-sync", "--no-first-run", "--mute-audio", "--hide-scrollbars",
    "--allow-file-access-from-files", "--enable-logging=stderr", "--v=0",
    "--virtual-time-budget=15000",
)  # fmt: skip

# Put first in <head> of a copy of the page: records errors and, once the fonts settled, what
# the page shows, into <pre id="derive-probe"> for --dump-dom to read.
_PROBE = """<script>
(() => {
  const errors = [];
  const keep = (what) => (...args) => errors.push(what + ": " + args.map(String).join(" "));
  console.error = keep("console.error");
  console.warn = keep("console.warn");
  addEventListener("error", (e) => errors.push("error: " + (e.message || e.target?.src
    || e.target?.href || "a resource failed")), true);
  addEventListener("unhandledrejection", (e) => errors.push("rejection: " + e.reason));
  addEventListener("load", async () => {
    await document.fonts.ready;
    const report = {
      errors,
      katex: document.querySelectorAll(".katex").length,
      katexDisplay: document.querySelectorAll(".katex-display").length,
      katexErrors: document.querySelectorAll(".katex-error").length,
      redText: [...document.querySelectorAll(".katex [style*='color']")]
        .filter((e) => /cc0000|rgb\\(204, ?0, ?0\\)/.test(e.getAttribute("style"))).length,
      fontsFailed: [...document.fonts].filter((f) => f.status === "error").map((f) => f.family),
      fontsLoaded: [...document.fonts].filter((f) => f.status === "loaded").map((f) => f.family),
      mathElements: document.querySelectorAll(".math").length,
      katexStyled: getComputedStyle(document.querySelector(".katex") || document.body)
        .fontFamily,
    };
    const pre = document.createElement("pre");
    pre.id = "derive-probe";
    pre.textContent = JSON.stringify(report);
    document.body.append(pre);
  });
})();
</script>"""
_PROBE_OUT = re.compile(r'<pre id="derive-probe">(.*?)</pre>', re.S)


@functools.cache
def chromium() -> str | None:
    """The path of a headless Chromium, or None."""
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


def chromium_missing_reason() -> str | None:
    """Why no headless Chromium can run here, or None when one can."""
    if chromium() is None:
        return "no headless Chromium found; " + APT_HINT.format("chromium-headless-shell")
    return None


@dataclass(frozen=True)
class PageReport:
    """What headless Chromium saw on a page."""

    errors: list[str]  # console errors and warnings, script errors, failed resources
    console: list[str]  # every console line Chromium logged
    katex: int  # .katex elements (one per rendered formula)
    katex_display: int
    katex_errors: int  # .katex-error elements
    red_text: int  # KaTeX's red error colour inside formulas
    fonts_failed: list[str]
    fonts_loaded: list[str]
    math_elements: int  # the page's .math elements (one per formula)
    katex_font: str  # the computed font-family of the first .katex element


def open_page(page: Path, screenshot: Path | None = None, width: int = 1000,
              height: int = 1400) -> PageReport:  # fmt: skip
    """Load ``page`` in headless Chromium and report what it shows.

    A copy of the page with a probe script first in ``<head>`` is loaded beside the original (so
    its relative links to the KaTeX assets work); the original is left as it is.

    Args:
        page: An HTML file.
        screenshot: Where to save a PNG of the original page, or None.
        width: The window's width in CSS pixels.
        height: The window's height.

    Returns:
        The probe's report and Chromium's console lines.
    """
    browser = chromium()
    if browser is None:
        raise RuntimeError(chromium_missing_reason())
    text = page.read_text(encoding="utf-8")
    probed = page.with_name(f".probe-{page.name}")
    probed.write_text(text.replace("<head>", "<head>" + _PROBE, 1), encoding="utf-8")
    try:
        result = subprocess.run([browser, *CHROMIUM_FLAGS, f"--window-size={width},{height}",
                                 "--dump-dom", probed.resolve().as_uri()],
                                capture_output=True, text=True, timeout=_TIMEOUT,
                                check=False)  # fmt: skip
    finally:
        probed.unlink(missing_ok=True)
    found = _PROBE_OUT.search(result.stdout)
    if found is None:
        raise RuntimeError(f"the probe did not report: {result.stderr[-2000:]}")
    report = json.loads(html.unescape(found.group(1)))
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    if screenshot is not None:
        take_screenshot(page, screenshot, width, height)
    return PageReport(
        errors=report["errors"], console=console, katex=report["katex"],
        katex_display=report["katexDisplay"], katex_errors=report["katexErrors"],
        red_text=report["redText"], fonts_failed=report["fontsFailed"],
        fonts_loaded=report["fontsLoaded"], math_elements=report["mathElements"],
        katex_font=report["katexStyled"],
    )  # fmt: skip


def take_screenshot(page: Path, png: Path, width: int = 1000, height: int = 1400) -> None:
    """Save a PNG of the top of ``page`` as headless Chromium shows it."""
    browser = chromium()
    if browser is None:
        raise RuntimeError(chromium_missing_reason())
    png.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([browser, *CHROMIUM_FLAGS, f"--window-size={width},{height}",
                    f"--screenshot={png.resolve()}", page.resolve().as_uri()],
                   capture_output=True, timeout=_TIMEOUT, check=True)  # fmt: skip


def print_to_pdf(page: Path, pdf: Path) -> None:
    """Print ``page`` to PDF with headless Chromium (its print stylesheet applies)."""
    browser = chromium()
    if browser is None:
        raise RuntimeError(chromium_missing_reason())
    subprocess.run([browser, *CHROMIUM_FLAGS, "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf.resolve()}", page.resolve().as_uri()],
                   capture_output=True, timeout=_TIMEOUT, check=True)  # fmt: skip
