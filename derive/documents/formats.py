"""The output formats: one registry that rendering, the handout builder, the API and the CLI read.

Each :class:`Format` says what a format is called, the suffix of its files, the template folder
and Jinja syntax it is written in, how prose is escaped in it, the math delimiters of its prose,
how wide a line of math may be, whether it is compiled by TeX (the PDF), and where it can be
used: a handout (``derive build --format``) or a single derivation (``derive prove --format``).

Adding a format is one entry in :data:`FORMATS` and a folder in ``templates/`` with its
``derivation`` and/or ``handout`` templates (and ``macros``, as the others have).

This module is light on purpose (no Jinja, no page model): the CLI reads it to build its options.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

__all__ = [
    "FORMATS",
    "Delimiters",
    "Format",
    "STYLES",
    "TeX",
    "escape_latex",
    "escape_html",
    "escape_markdown",
    "escape_text",
    "get",
    "handout_formats",
    "unprintable_characters",
    "prove_formats",
]


class TeX(str):
    """Text that is already LaTeX (or, in Markdown, already formatted): never escaped again."""

    __slots__ = ()


# -- escaping ----------------------------------------------------------------------------------

# C0 and C1 control characters other than tab and newline: never useful in a document, and
# some (ESC, form feed, NUL) confuse terminals or TeX.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_WHITESPACE = re.compile(r"\s+")
# ASCII punctuation that means something to CommonMark, GFM tables and strikethrough, HTML, or
# the dollar-math extensions; a backslash makes each one literal.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#$&|~])")
# What starts a list item or makes a thematic break or heading underline at the start of a
# line ("- a", "1. a", "---"): escaped at the start of a value, in case it starts a line.
_MARKDOWN_LINE_START = re.compile(r"^(\s*(?:\d+)?)([-+.)](?=\s)|[-=](?=[-=]))")


def _unknown_character(character: str) -> str:
    """LaTeX for a character pdflatex cannot typeset: its code point, in typewriter type."""
    return f"\\texttt{{U+{ord(character):04X}}}"


@functools.cache
def _encoder() -> Any:
    from pylatexenc.latexencode import (
        RULE_DICT,
        UnicodeToLatexConversionRule,
        UnicodeToLatexEncoder,
    )

    # straight quotes stay straight: TeX would print ' and ` as curly quotes, and " as a
    # closing double quote (T1 encoding, set in base.tex.j2, has the straight one)
    quotes = UnicodeToLatexConversionRule(
        rule_type=RULE_DICT,
        rule={ord("'"): r"\textquotesingle{}", ord("`"): r"\textasciigrave{}",
              ord('"'): r"\textquotedbl{}"},
    )
    return UnicodeToLatexEncoder(
        conversion_rules=[quotes, "defaults"],
        non_ascii_only=False,
        unknown_char_policy=_unknown_character,
        unknown_char_warning=False,
    )


def _clean(text: str) -> str:
    """Unicode NFC, without control characters."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text))


def escape_latex(value: object) -> TeX:
    """Escape prose for LaTeX text mode, so that it prints literally.

    Every TeX special (``\\ { } $ & # ^ _ ~ %``) becomes its text macro, unicode letters and
    symbols become LaTeX (``é`` -> ``\\'e``, ``α`` -> ``\\ensuremath{\\alpha}``), characters
    pdflatex cannot typeset show their code point, control characters are dropped, and runs of
    whitespace (line breaks included) become one space, so the text is safe inside
    ``\\section{...}`` too. :class:`TeX` values are returned unchanged.

    Args:
        value: Any value; it is converted with ``str`` first.

    Returns:
        The escaped text, marked as LaTeX.
    """
    if isinstance(value, TeX):
        return value
    text = _WHITESPACE.sub(" ", _clean(str(value)))
    # "--" and "---" would become en and em dashes (TeX ligatures): "-{}" breaks them up
    return TeX(_LIGATURE_DASH.sub("-{}", _to_latex(text)))


@functools.lru_cache(maxsize=4096)
def _to_latex(text: str) -> str:
    """pylatexenc's LaTeX for ``text``, kept (a handout repeats its phrases, and pylatexenc's
    encoder is slow: a third of rendering a handout's LaTeX); text whose every character
    pylatexenc leaves as it is, is its own LaTeX."""
    if set(text) <= _plain_characters():
        return text
    return str(_encoder().unicode_to_latex(text))


@functools.cache
def _plain_characters() -> frozenset[str]:
    """The printable ASCII characters that pylatexenc's encoder leaves as they are."""
    printable = (chr(code) for code in range(32, 127))
    return frozenset(c for c in printable if _encoder().unicode_to_latex(c) == c)


_LIGATURE_DASH = re.compile(r"-(?=-)")


def unprintable_characters(value: object) -> list[str]:
    """The characters of ``value`` that pdflatex's fonts cannot print (emoji, most scripts
    other than Latin and Greek), each once, in order.

    :func:`escape_latex` prints such a character as its code point (``U+1F600``) in typewriter
    type; a handout refuses them before that with an error naming the field.
    """
    return [c for c in dict.fromkeys(_clean(str(value))) if not _printable(c)]


@functools.cache
def _printable(character: str) -> bool:
    latex = _encoder().unicode_to_latex(character)
    # Cyrillic comes out as \CYRA, which needs the T2A encoding the documents do not load
    return not latex.startswith("\\texttt{U+") and "\\cyr" not in latex.lower()


def escape_markdown(value: object) -> str:
    """Escape prose for CommonMark, so that it prints literally (no markup, HTML or math).

    Args:
        value: Any value; it is converted with ``str`` first.

    Returns:
        The text with its Markdown punctuation backslash-escaped, on one line.
    """
    if isinstance(value, TeX):
        return value
    text = _WHITESPACE.sub(" ", _clean(str(value)))
    return _MARKDOWN_LINE_START.sub(r"\1\\\2", _MARKDOWN_SPECIAL.sub(r"\\\1", text))


def escape_html(value: object) -> str:
    """Escape prose for HTML (``& < > " '``); text marked safe (a macro's HTML) is kept.

    Args:
        value: Any value; it is converted with ``str`` first.

    Returns:
        The escaped text, as ``markupsafe.Markup``, so that Jinja's autoescape leaves it.
    """
    from markupsafe import escape

    return escape(_clean(str(value)) if not hasattr(value, "__html__") else value)


def escape_text(value: object) -> str:
    """Plain text for a terminal: unicode NFC without control characters, nothing else changed.

    Args:
        value: Any value; it is converted with ``str`` first.

    Returns:
        The text.
    """
    return value if isinstance(value, TeX) else _clean(str(value))


STYLES = ("compact", "full")
"""How proofs are laid out (presentation, not the proof's route): ``compact``, one aligned display
per part with a short reason beside each line (the handouts' default), or ``full``, a sentence
and a display per step (``derive prove``'s default)."""


# -- the registry ------------------------------------------------------------------------------

class Delimiters(NamedTuple):
    """The delimiters of a Jinja syntax: blocks, variables, comments."""

    block_start: str
    block_end: str
    variable_start: str
    variable_end: str
    comment_start: str
    comment_end: str


_JINJA = Delimiters("{%", "%}", "{{", "}}", "{#", "#}")
_LATEX = Delimiters("((*", "*))", "(((", ")))", "((=", "=))")

SYNTAXES: Mapping[str, Delimiters] = {"jinja": _JINJA, "latex": _LATEX}
"""Jinja's delimiters by name: ``jinja``, Jinja's own (Markdown, text, and the templates shared
by several formats); ``latex``, nbconvert's LaTeX-safe ones for ``*.tex.j2``, where braces are
LaTeX's."""


@dataclass(frozen=True, slots=True)
class Format:
    """One output format.

    Attributes:
        name: What users type (``--format tex``).
        suffix: The file suffix, with its dot.
        templates: The folder of ``templates/`` that holds its templates ("" when it has none).
        extension: The templates' file extension (``tex.j2``).
        syntax: The Jinja delimiters its templates use: a key of :data:`SYNTAXES`.
        escape: Turns prose into this format so that it prints literally.
        math: The delimiters of inline math in prose (``$``, ``$``), or None when math is
            printed as unicode text.
        width: How many characters of math a line may hold before it splits.
        source: For a compiled format (the PDF), the format whose text is compiled.
        needs_tex: Built by running TeX (latexmk).
        handout: A handout can be built in it (``derive build --format``).
        prove: A single derivation can be written in it (``derive prove --format``).
        derivation_template: The template of a single derivation, "" when there is none.
        handout_template: The template of a handout, "" when there is none.
        autoescape: Jinja's HTML autoescape is on: every value is HTML-escaped (math too)
            unless it is ``Markup``, the output of a macro.
        by_default: Built when no format is asked for (HTML is not: it needs KaTeX's package).
        cite: How prose cites a handout item's equation: ``{label}`` and ``{number}`` are
            filled in (``\\eqref{{{label}}}``: LaTeX numbers it itself).
    """

    name: str
    suffix: str
    templates: str = ""
    extension: str = ""
    syntax: str = "jinja"
    escape: Callable[[object], str] = escape_text
    math: tuple[str, str] | None = None
    width: int = 72
    source: str = ""
    needs_tex: bool = False
    handout: bool = False
    prove: bool = False
    derivation_template: str = ""
    handout_template: str = ""
    cite: str = "({number})"
    autoescape: bool = False
    by_default: bool = True

    def template(self, name: str) -> str:
        """The path of one of its templates: ``template("macros")`` -> ``tex/macros.tex.j2``."""
        return f"{self.templates}/{name}.{self.extension}"


# Widths in characters of the unicode print of a right-hand side. Display math is denser than
# its unicode spelling (stacked fractions, sums with limits): an A4 page with 2.5 cm margins fits
# about 75 such characters; a web page's column is narrower, a terminal narrower still.
PAGE_WIDTH = 72
"""Characters of math on one line of a page before it splits."""
WEB_WIDTH = 62
"""The same on a web page (Markdown): a narrower column."""
TEXT_WIDTH = 64
"""The same in a terminal."""

_TEX = Format(
    "tex", ".tex", "tex", "tex.j2", "latex", escape_latex, ("$", "$"), PAGE_WIDTH,
    handout=True, prove=True, derivation_template="derivation", handout_template="handout",
    cite="\\eqref{{{label}}}",
)  # fmt: skip

FORMATS: Mapping[str, Format] = {
    f.name: f
    for f in (
        Format("pdf", ".pdf", source="tex", needs_tex=True, handout=True, prove=True),
        _TEX,
        replace(_TEX, name="tex-fragment", handout=False, prove=False,
                derivation_template="fragment", handout_template=""),
        Format("md", ".md", "md", "md.j2", "jinja", escape_markdown, ("$", "$"), WEB_WIDTH,
               handout=True, prove=True, derivation_template="derivation",
               handout_template="handout", cite="[({number})](#{anchor})"),
        Format("text", ".txt", "text", "txt.j2", width=TEXT_WIDTH, prove=True,
               derivation_template="derivation"),
        Format("html", ".html", "html", "html.j2", "jinja", escape_html,
               ('<span class="math inline">\\(', '\\)</span>'), WEB_WIDTH, handout=True,
               prove=True, derivation_template="derivation", handout_template="handout",
               autoescape=True, by_default=False),
        Format("json", ".json", prove=True),
        Format("numpy", ".py", "code", "py.j2", prove=True, derivation_template="numpy"),
        Format("torch", ".py", "code", "py.j2", prove=True, derivation_template="torch"),
    )
}  # fmt: skip
"""Every format, by name, in the order outputs are listed (the PDF first)."""


def get(name: str) -> Format:
    """The format called ``name``.

    Raises:
        ValueError: No format has that name.
    """
    try:
        return FORMATS[name]
    except KeyError:
        raise ValueError(f"unknown format {name!r}; formats: {', '.join(FORMATS)}") from None


def handout_formats(default: bool = False) -> tuple[str, ...]:
    """The formats a handout can be built in, PDF first; with ``default``, those built when
    no format is asked for."""
    return tuple(f.name for f in FORMATS.values() if f.handout and (f.by_default or not default))


def prove_formats() -> tuple[str, ...]:
    """The formats ``derive prove`` can write."""
    return tuple(f.name for f in FORMATS.values() if f.prove)
