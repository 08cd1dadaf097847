"""HTML pages: KaTeX rendering at build time, and the KaTeX assets beside the page.

The ``html`` templates write every formula as ``<span class="math inline">\\(...\\)</span>`` or
``<div class="math display">\\[...\\]</div>`` (the TeX HTML-escaped by Jinja's autoescape). Then:

* where node and the KaTeX package are found, :func:`render_math` replaces each of those
  elements by KaTeX's HTML, rendered in one node process (server-side rendering): the page
  needs only KaTeX's stylesheet and fonts;
* otherwise the page loads ``katex.min.js`` and KaTeX's ``auto-render`` and renders the same
  elements in the browser.

Either way :func:`write_assets` copies what the page links to from the pinned npm package
(``katex/katex.min.css``, its fonts, and the scripts when the browser renders) into a ``katex/``
folder beside the page: no CDN, the page works offline and from ``file://``.

The KaTeX package is looked for in ``$DERIVE_KATEX_DIR``, then ``node_modules/katex`` in the
working directory and in the repository (``npm ci`` installs it there, pinned by
``package-lock.json``).
"""

from __future__ import annotations

import functools
import html
import json
import os
import re
import secrets
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from derive.errors import BuildError

if TYPE_CHECKING:
    from markupsafe import Markup

__all__ = [
    "KATEX_HINT", "find_katex", "finish_page", "html_prose", "page_data", "render_math",
    "server_side", "to_mathml", "write_assets",
]  # fmt: skip

KATEX_HINT = (
    "run `npm ci` in derive's repository (or `npm install katex@0.19.1` here), or set "
    "DERIVE_KATEX_DIR to a folder holding KaTeX's package"
)
ASSETS = "katex"
"""The folder beside a page that holds KaTeX's stylesheet, fonts and scripts."""
_SCRIPT = Path(__file__).with_name("katex_render.mjs")
_MATH = re.compile(
    r'<span class="math inline">\\\((?P<inline>.*?)\\\)</span>'
    r'|<div class="math display">\\\[(?P<display>.*?)\\\]</div>',
    re.S,
)
_TIMEOUT = 300
# MathML Core (Chromium) ignores mathvariant other than "normal": blackboard-bold letters are
# written as their own characters, which every browser shows.
_DOUBLE_STRUCK = re.compile(r'<mi mathvariant="double-struck">([A-Z])</mi>')
_LETTERLIKE = {"C": "ℂ", "H": "ℍ", "N": "ℕ", "P": "ℙ", "Q": "ℚ", "R": "ℝ", "Z": "ℤ"}


def _double_struck(match: re.Match[str]) -> str:
    letter = match.group(1)
    char = _LETTERLIKE.get(letter) or chr(0x1D538 + ord(letter) - ord("A"))
    return f'<mi mathvariant="normal">{char}</mi>'


@functools.cache
def find_katex() -> Path | None:
    """The folder of KaTeX's npm package (holding ``dist/``), or None when there is none."""
    here = Path(__file__).resolve().parents[3]  # the repository, in a source checkout
    candidates = [os.environ.get("DERIVE_KATEX_DIR"), Path.cwd() / "node_modules" / "katex",
                  here / "node_modules" / "katex"]  # fmt: skip
    for candidate in candidates:
        if candidate and (Path(candidate) / "dist" / "katex.min.css").is_file():
            return Path(candidate)
    return None


def _require_katex() -> Path:
    found = find_katex()
    if found is None:
        raise BuildError(f"an HTML page needs KaTeX's stylesheet and fonts: {KATEX_HINT}")
    return found


@functools.cache
def server_side() -> bool:
    """True when node can render the math at build time (node and KaTeX's package found)."""
    return shutil.which("node") is not None and find_katex() is not None


def _node_render(items: list[tuple[str, bool]], output: str) -> list[str]:
    """KaTeX's ``renderToString`` of every formula, in one node process.

    Raises:
        BuildError: node failed, or KaTeX rejected a formula (the message names it).
    """
    katex = _require_katex() / "dist" / "katex.mjs"
    payload = json.dumps({"katex": katex.as_uri(), "output": output,
                          "items": [{"tex": t, "display": d} for t, d in items]})  # fmt: skip
    try:
        result = subprocess.run(["node", str(_SCRIPT)], input=payload, capture_output=True,
                                text=True, encoding="utf-8", timeout=_TIMEOUT,
                                check=False)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as error:
        raise BuildError(f"KaTeX (node) could not run: {error}") from None
    if result.returncode != 0:
        raise BuildError(f"KaTeX (node) failed: {result.stderr.strip()[-1000:]}")
    answers = json.loads(result.stdout)
    for (tex, _), answer in zip(items, answers, strict=True):
        if answer["error"] is not None:
            raise BuildError(f"KaTeX cannot render {tex!r}: {answer['error']}")
    return [str(answer["html"]) for answer in answers]


def render_math(page: str) -> str:
    """Replace every math element of a page by KaTeX's HTML, rendered by node.

    Args:
        page: HTML written by the ``html`` templates.

    Returns:
        The page with its formulas rendered; unchanged when it has none.

    Raises:
        BuildError: node or KaTeX is missing or fails.
    """
    found = list(_MATH.finditer(page))
    if not found:
        return page
    items = [(html.unescape(m.group("display") if m.group("display") is not None
                            else m.group("inline")), m.group("display") is not None)
             for m in found]  # fmt: skip
    rendered = iter(_node_render(items, "html"))

    def replace(match: re.Match[str]) -> str:
        tag = "div" if match.group("display") is not None else "span"
        kind = "display" if tag == "div" else "inline"
        return f'<{tag} class="math {kind}">{next(rendered)}</{tag}>'

    return _MATH.sub(replace, page)


def to_mathml(page: str) -> str | None:
    """The page's formulas as MathML (KaTeX ``output: "mathml"``), which needs no stylesheet.

    For Jupyter, whose notebooks do not load KaTeX's CSS. None when node or KaTeX is missing.
    """
    if not server_side():
        return None
    found = list(_MATH.finditer(page))
    items = [(html.unescape(m.group("display") if m.group("display") is not None
                            else m.group("inline")), m.group("display") is not None)
             for m in found]  # fmt: skip
    rendered = iter(_node_render(items, "mathml") if items else [])
    return _DOUBLE_STRUCK.sub(_double_struck, _MATH.sub(lambda m: next(rendered), page))


def html_prose(value: object, math: tuple[str, str], cite: Callable[[str], str]) -> Markup:
    """Prose with math (:mod:`documents.prose`) as HTML: text and TeX alike HTML-escaped, the
    math between ``math``'s delimiters, a citation ``\\eqref{label}`` through ``cite``."""
    from markupsafe import Markup, escape

    from derive.documents.prose import segments

    opening, closing = math
    parts = [f"{opening}{escape(s.text)}{closing}" if s.is_math
             else str(escape(cite(s.text) if s.is_ref else s.text))
             for s in segments(str(value))]  # fmt: skip
    return Markup("".join(parts))


def page_data() -> dict[str, object]:
    """What the ``html`` templates need to know: whether the browser renders the math."""
    return {"client_math": not server_side()}


def finish_page(page: str) -> str:
    """The page with its math rendered by KaTeX where node can; unchanged otherwise (the
    page then renders it in the browser)."""
    return render_math(page) if server_side() else page


def _assets(client_math: bool) -> Iterator[tuple[Path, str]]:
    """(source file, path under ``katex/``) of every asset a page needs."""
    dist = _require_katex() / "dist"
    yield dist / "katex.min.css", "katex.min.css"
    for font in sorted((dist / "fonts").glob("*.woff2")):
        yield font, f"fonts/{font.name}"
    if client_math:
        yield dist / "katex.min.js", "katex.min.js"
        yield dist / "contrib" / "auto-render.min.js", "contrib/auto-render.min.js"


def write_assets(folder: Path, client_math: bool) -> list[Path]:
    """Copy KaTeX's stylesheet and fonts (and scripts) into ``folder/katex/``.

    Each file arrives by an atomic rename; files already there with the same content are kept.

    Args:
        folder: The folder of the page.
        client_math: The page renders its math in the browser (copy the scripts too).

    Returns:
        The files of ``folder/katex/``.

    Raises:
        BuildError: KaTeX's package is missing, or a file cannot be written.
    """
    written = []
    for source, name in _assets(client_math):
        target = folder / ASSETS / name
        written.append(target)
        data = source.read_bytes()
        try:
            if target.is_file() and target.read_bytes() == data:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
            temp.write_bytes(data)
            os.replace(temp, target)
        except OSError as error:
            raise BuildError(f"cannot write KaTeX's files in {target.parent}: {error}") from None
    return written
