"""Math in prose: titles, intros, notes and questions may hold ``$...$`` (or ``\\(...\\)``).

Everything outside the delimiters is literal prose, escaped for its format as before; ``\\$`` is a
literal dollar, and ``\\eqref{label}`` cites the equation of a handout item by its label
(``(3.2)``, a link where the format has links). Each math segment is read with pylatexenc
(``tolerant_parsing=False``) and checked against an allow-list of math-mode commands and
environments, so that nothing but math reaches TeX or KaTeX: ``\\input``, ``\\write18``,
``\\catcode``, ``\\def``, TeX's ``^^`` character codes, comments (``%``), parameters (``#``) and
nested math are refused. The same check runs when a handout file is read (the error names the file,
line and key) and again when a page is rendered.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["MATH_COMMANDS", "ProseError", "Segment", "check_prose", "render_prose", "segments"]

_GREEK = (
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi "
    "pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta "
    "Lambda Xi Pi Sigma Upsilon Phi Psi Omega"
)
_SYMBOLS = (
    "top intercal prime partial nabla infty sum prod int in notin subset subseteq cup cap times "
    "cdot cdots ldots dots vdots ddots le leq ge geq ne neq approx sim simeq equiv propto to "
    "mapsto rightarrow leftarrow Rightarrow Leftarrow iff implies circ odot otimes oplus pm mp "
    "ast star langle rangle lvert rvert lVert rVert Vert vert mid forall exists quad qquad "
    "frac dfrac tfrac sqrt mathbf mathrm mathbb mathcal mathit mathsf boldsymbol bm operatorname "
    "text textrm hat bar tilde vec dot ddot overline underline left right big Big bigg Bigg "
    "det log ln exp sin cos tan min max arg sup inf lim tr diag rank displaystyle "
    "textstyle scriptstyle boxed ell imath jmath emptyset setminus cdotp colon"
)
MATH_COMMANDS = frozenset((_GREEK + " " + _SYMBOLS).split()) | {",", ";", ":", "!", " ", "{",
                                                                  "}", "|", "\\", "_", "&"}
"""The commands math in prose may use (``\\alpha``, ``\\top``, ``\\frac``, ...)."""
_ENVIRONMENTS = frozenset({"matrix", "pmatrix", "bmatrix", "vmatrix", "Vmatrix", "cases"})
_DELIMITED = re.compile(r"\\\$|\$([^$]*)\$|\\\((.*?)\\\)|\\eqref\{([A-Za-z0-9_-]+)\}", re.DOTALL)
_FORBIDDEN_TEXT = re.compile(r"\^\^|[%#]")


class ProseError(ValueError):
    """Prose whose math cannot be used: unbalanced delimiters or a command outside the list."""


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of prose: literal ``text``, LaTeX math when ``is_math``, or the label of a cited
    equation when ``is_ref``."""

    text: str
    is_math: bool = False
    is_ref: bool = False


def segments(text: str) -> tuple[Segment, ...]:
    """Split prose into literal text and checked math.

    Args:
        text: The prose, as the user wrote it.

    Returns:
        The runs in order; math runs hold the LaTeX between the delimiters.

    Raises:
        ProseError: A ``$`` without its partner, empty math, or math that is not allowed.
    """
    return _segments(text)


@functools.lru_cache(maxsize=1024)
def _segments(text: str) -> tuple[Segment, ...]:
    found: list[Segment] = []
    literal: list[str] = []
    position = 0
    for match in _DELIMITED.finditer(text):
        literal.append(text[position : match.start()])
        position = match.end()
        if match.group(0) == "\\$":
            literal.append("$")
            continue
        if match.group(3) is not None:
            found.extend([Segment("".join(literal))] if "".join(literal) else [])
            literal = []
            found.append(Segment(match.group(3), is_ref=True))
            continue
        math = match.group(1) if match.group(1) is not None else match.group(2)
        _check_math(math)
        found.extend([Segment("".join(literal))] if "".join(literal) else [])
        literal = []
        found.append(Segment(math.strip(), is_math=True))
    rest = text[position:]
    if "$" in rest or "\\(" in rest:
        raise ProseError("a '$' (or '\\(') opens math that is not closed; write \\$ for a dollar")
    literal.append(rest)
    if "".join(literal):
        found.append(Segment("".join(literal)))
    return tuple(found)


def check_prose(text: str) -> str | None:
    """The problem with ``text``'s math, or None when it can be used."""
    try:
        segments(text)
    except ProseError as error:
        return str(error)
    return None


@functools.cache
def _latex_context() -> Any:
    """pylatexenc's table of known macros, built once (each walker would build its own)."""
    from pylatexenc.latexwalker import get_default_latex_context_db

    return get_default_latex_context_db()


def _check_math(math: str) -> None:
    """Refuse math that is empty, does not parse, or uses a command outside the list."""
    from pylatexenc.latexwalker import (
        LatexCharsNode,
        LatexCommentNode,
        LatexEnvironmentNode,
        LatexGroupNode,
        LatexMacroNode,
        LatexMathNode,
        LatexSpecialsNode,
        LatexWalker,
        LatexWalkerError,
    )

    if not math.strip():
        raise ProseError("empty math '$$'; write \\$ for a dollar")
    bad = _FORBIDDEN_TEXT.search(math)
    if bad is not None:
        raise ProseError(f"{bad.group(0)!r} is not allowed in math: ${math}$")
    try:
        nodes = LatexWalker(math, latex_context=_latex_context(),
                            tolerant_parsing=False).get_latex_nodes()[0]
    except LatexWalkerError as error:
        raise ProseError(f"math that does not parse: ${math}$ ({error.msg})") from None

    def walk(node: object) -> None:
        if isinstance(node, LatexMacroNode) and node.macroname not in MATH_COMMANDS:
            raise ProseError(f"\\{node.macroname} is not allowed in math: ${math}$ (use math "
                             "commands such as \\alpha, \\top, \\frac, \\mathbb)")
        if isinstance(node, LatexEnvironmentNode) and node.environmentname not in _ENVIRONMENTS:
            raise ProseError(f"the environment {node.environmentname} is not allowed in math")
        if isinstance(node, LatexMathNode | LatexCommentNode):
            raise ProseError(f"math inside math is not allowed: ${math}$")
        if isinstance(node, LatexMacroNode) and node.nodeargd is not None:
            for argument in node.nodeargd.argnlist:
                walk(argument)
        if isinstance(node, LatexGroupNode | LatexEnvironmentNode):
            for child in node.nodelist or ():
                walk(child)
        if not isinstance(node, LatexCharsNode | LatexSpecialsNode | LatexMacroNode
                          | LatexGroupNode | LatexEnvironmentNode) and node is not None:
            raise ProseError(f"math that cannot be used: ${math}$")

    for node in nodes:
        walk(node)


def render_prose(value: object, escape: Callable[[object], str], math: tuple[str, str],
                 cite: Callable[[str], str] | None = None) -> str:
    """Prose in a format: literal runs escaped with ``escape``, math between ``math``.

    Args:
        value: The prose (converted with ``str``).
        escape: The format's escaping of literal text.
        math: The format's inline-math delimiters.
        cite: How a citation ``\\eqref{label}`` reads in the format; None where nothing can
            be cited.

    Returns:
        The prose, laid out; the caller marks it as trusted.

    Raises:
        ProseError: The prose's math cannot be used, or it cites what cannot be cited.
    """
    opening, closing = math

    def lay_out(s: Segment) -> str:
        if s.is_math:
            return opening + s.text + closing
        if s.is_ref:
            if cite is None:
                raise ProseError(f"\\eqref{{{s.text}}} cites an equation, but only a handout's "
                                 "prose can cite its items")
            return cite(s.text)
        return escape(s.text)

    return "".join(lay_out(s) for s in segments(str(value)))
