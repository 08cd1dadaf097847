"""Markdown flavours: the same handout for the Markdown converter a course site runs.

The Markdown templates write CommonMark with ``$...$`` inline and ``$$`` display blocks (the
``commonmark`` flavour, which markdown-it with dollarmath, pandoc, MyST and KaTeX's auto-render
read). Site generators disagree on math, so :func:`to_flavor` rewrites that text for one of them:

========== ==================================== ================================================
flavour    math as written                      for
========== ==================================== ================================================
commonmark ``$...$``, ``$$`` blocks              markdown-it + dollarmath, MyST, Obsidian
pandoc     ``$...$``, ``$$`` blocks              pandoc (``tex_math_dollars``), Quarto
gfm        ``$`...`$``, ```` ```math ```` fences GitHub (README, wiki, issues)
kramdown   ``$$...$$`` inline and as blocks      Jekyll and GitHub Pages (a single ``$`` is text)
mkdocs     ``\\(...\\)``, ``\\[...\\]`` blocks   MkDocs Material with pymdownx.arithmatex generic
hugo       ``\\(...\\)``, ``\\[...\\]``, every   Hugo's goldmark (CommonMark without math): the
           punctuation backslash-escaped        page's MathJax or KaTeX finds the delimiters
========== ==================================== ================================================

Each flavour escapes what its converter would otherwise eat: GitHub's and Hugo's Markdown
would turn ``\\\\`` into ``\\`` and ``_..._`` into emphasis inside math, so ``gfm`` keeps math in
code spans and fences and ``hugo`` backslash-escapes every ASCII punctuation character of it;
Python-Markdown does not know ``\\$``, ``\\<``, ``\\&``, ``\\|`` or ``\\~`` as escapes, so
``mkdocs`` writes such prose characters as HTML entities, and ``kramdown`` does so for ``\\&``.

The rewrite works on the template's own output, whose grammar is fixed: a display is a ``$$``
line, its lines, and a ``$$`` line; inline math is ``$...$``; a ``$`` in prose is escaped as
``\\$`` (:func:`documents.render.escape_markdown`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

__all__ = [
    "DEFAULT_FLAVOR", "FLAVORS", "Math", "formulas", "front_matter", "heading_lines",
    "plain_heading", "split_math", "to_flavor", "web_markdown",
]  # fmt: skip

FLAVORS = ("commonmark", "gfm", "kramdown", "mkdocs", "pandoc", "hugo")
DEFAULT_FLAVOR = "commonmark"

_ASCII_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")
_HEADING = re.compile(r"^(#{1,6})\s")
# Python-Markdown's backslash escapes are a short list; these characters of escape_markdown's
# are not on it, and would print with their backslash.
_PYTHON_MARKDOWN_ENTITIES = {"$": "&#36;", "<": "&lt;", "&": "&amp;", "|": "&#124;",
                             "~": "&#126;"}  # fmt: skip
# GitHub reads $...$ as math unless Markdown syntax inside gets there first: these need $`...`$.
_GFM_NEEDS_CODE = re.compile(r"[\\_*`<>\[\]]")


@dataclass(frozen=True, slots=True)
class Math:
    """One formula of a Markdown text: its LaTeX and whether it is a display."""

    tex: str
    display: bool


Segment = str | Math


def split_math(markdown: str) -> list[Segment]:
    """Split CommonMark-with-dollars text (the templates' output) into prose and formulas.

    Args:
        markdown: Text whose displays are ``$$`` lines around the formula's lines, whose
            inline math is ``$...$``, and whose prose dollars are escaped (``\\$``).

    Returns:
        The prose (str, with its escapes) and the formulas (:class:`Math`), in order.

    Raises:
        ValueError: A ``$`` or ``$$`` is never closed (the text is not the templates' output).
    """
    segments: list[Segment] = []
    prose: list[str] = []
    lines = iter(markdown.splitlines(keepends=True))
    for line in lines:
        if line.rstrip("\n") != "$$":
            prose.append(line)
            continue
        body = []
        for inner in lines:
            if inner.rstrip("\n") == "$$":
                break
            body.append(inner)
        else:
            raise ValueError("a $$ display is never closed")
        segments.extend(_split_inline("".join(prose)))
        prose = []
        segments.append(Math("".join(body).rstrip("\n"), display=True))
        segments.append("\n" if inner.endswith("\n") else "")
    segments.extend(_split_inline("".join(prose)))
    return [s for s in segments if s != ""]


def _split_inline(text: str) -> Iterator[Segment]:
    """Prose and ``$...$`` formulas of a text without displays; ``\\x`` is always prose."""
    start = position = 0
    while position < len(text):
        char = text[position]
        if char == "\\":
            position += 2
            continue
        if char != "$":
            position += 1
            continue
        end = text.find("$", position + 1)
        if end < 0:
            raise ValueError(f"a $ is never closed: {text[position:position + 40]!r}")
        yield text[start:position]
        yield Math(text[position + 1 : end], display=False)
        start = position = end + 1
    yield text[start:]


# --- the flavours ------------------------------------------------------------------------------


def _dollars(m: Math) -> str:
    return f"$$\n{m.tex}\n$$" if m.display else f"${m.tex}$"


def _gfm(m: Math) -> str:
    if m.display:
        return f"```math\n{m.tex}\n```"
    return f"$`{m.tex}`$" if _GFM_NEEDS_CODE.search(m.tex) else f"${m.tex}$"


def _kramdown(m: Math) -> str:
    return f"$$\n{m.tex}\n$$" if m.display else f"$${m.tex}$$"


def _mkdocs(m: Math) -> str:
    return f"\\[\n{m.tex}\n\\]" if m.display else f"\\({m.tex}\\)"


def _hugo(m: Math) -> str:
    # Every line's indentation and trailing spaces go: CommonMark would read four spaces as
    # code inside a list and two at the end of a line as a hard break, splitting the formula.
    lines = [_ASCII_PUNCTUATION.sub(r"\\\1", line.strip()) for line in m.tex.splitlines()]
    body = "\n".join(line for line in lines if line)
    return f"\\\\[\n{body}\n\\\\]" if m.display else f"\\\\({body}\\\\)"


def _python_markdown_prose(text: str) -> str:
    return re.sub(r"\\([$<&|~])", lambda e: _PYTHON_MARKDOWN_ENTITIES[e.group(1)], text)


def _kramdown_prose(text: str) -> str:
    return text.replace("\\&", "&amp;")  # kramdown knows no \& escape


def _same(text: str) -> str:
    return text


@dataclass(frozen=True, slots=True)
class _Flavor:
    math: Callable[[Math], str]
    prose: Callable[[str], str] = _same


_FLAVORS: Mapping[str, _Flavor] = {
    "commonmark": _Flavor(_dollars),
    "pandoc": _Flavor(_dollars),
    "gfm": _Flavor(_gfm),
    "kramdown": _Flavor(_kramdown, _kramdown_prose),
    "mkdocs": _Flavor(_mkdocs, _python_markdown_prose),
    "hugo": _Flavor(_hugo),
}


def to_flavor(markdown: str, flavor: str) -> str:
    """Rewrite the templates' Markdown for the converter of one site generator.

    Args:
        markdown: The Markdown the templates wrote (``commonmark``: ``$...$`` and ``$$``).
        flavor: One of :data:`FLAVORS`.

    Returns:
        The same document, its math delimited and escaped for that converter.

    Raises:
        ValueError: ``flavor`` is unknown, or a ``$`` is never closed.
    """
    if flavor not in _FLAVORS:
        raise ValueError(f"md_flavor must be one of {', '.join(FLAVORS)}, not {flavor!r}")
    if flavor == DEFAULT_FLAVOR:
        return markdown
    chosen = _FLAVORS[flavor]
    return "".join(chosen.math(s) if isinstance(s, Math) else chosen.prose(s)
                   for s in split_math(markdown))  # fmt: skip


def formulas(markdown: str) -> list[Math]:
    """Every formula of the templates' Markdown, in order (what each flavour must keep)."""
    return [s for s in split_math(markdown) if isinstance(s, Math)]


def front_matter(fields: Mapping[str, str | bool]) -> str:
    """YAML front matter (``---`` lines around ``key: value`` lines) for a site generator.

    Strings are written as JSON strings, which YAML reads as the same text whatever they hold
    (colons, quotes, ``#``, a leading ``-``); empty values are left out.

    Args:
        fields: Keys (plain YAML names) and values, in order.

    Returns:
        The block, ending with a blank line.
    """
    lines = ["---"]
    for key, value in fields.items():
        if isinstance(value, bool):
            lines.append(f"{key}: {'true' if value else 'false'}")
        elif value:
            lines.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    return "\n".join([*lines, "---", "", ""])


def web_markdown(markdown: str, flavor: str, fields: Mapping[str, str] | None) -> str:
    """The templates' Markdown in a site generator's flavour, with front matter when ``fields``
    are given (see :func:`to_flavor` and :func:`front_matter`)."""
    body = to_flavor(markdown, flavor)
    return body if fields is None else front_matter(fields) + body


_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def plain_heading(markdown: str) -> str:
    """The text of the first heading, its Markdown escapes removed (for front matter)."""
    line = next((x for x in markdown.splitlines() if x.startswith("#")), "")
    return _MARKDOWN_ESCAPE.sub(r"\1", line.lstrip("#").strip())


def heading_lines(markdown: str) -> list[str]:
    """The ATX heading lines (``#`` to ``######``) of a Markdown text."""
    return [line for line in markdown.splitlines() if _HEADING.match(line)]
