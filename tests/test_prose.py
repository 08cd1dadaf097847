"""Math in prose: $...$ segments are math (checked against an allow-list), the rest is literal."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.catalog import identities as catalog
from derive.documents.formats import escape_latex, escape_markdown
from derive.documents.handouts.load import load_handout
from derive.documents.handouts.locate import HandoutFileError
from derive.documents.prose import ProseError, Segment, check_prose, render_prose, segments


@pytest.mark.parametrize(("text", "expected"), [
    ("Trace of $X^\\top X$", (Segment("Trace of "), Segment("X^\\top X", True))),
    ("costs \\$5 and $\\alpha$.", (Segment("costs $5 and "), Segment("\\alpha", True),
                                   Segment("."))),
    ("with \\(x_k\\) inline", (Segment("with "), Segment("x_k", True), Segment(" inline"))),
    ("no math at all", (Segment("no math at all"),)),
    ("$\\frac{\\partial \\alpha}{\\partial x} = \\begin{bmatrix} 2x \\\\ 2y \\end{bmatrix}$",
     (Segment("\\frac{\\partial \\alpha}{\\partial x} = \\begin{bmatrix} 2x \\\\ 2y "
              "\\end{bmatrix}", True),)),
], ids=["title", "dollar", "parens", "plain", "matrix"])
def test_prose_segments(text: str, expected: tuple[Segment, ...]) -> None:
    assert segments(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("$\\input{/etc/passwd}$", "\\\\input is not allowed in math"),
    ("$\\immediate\\write18{ls}$", "\\\\immediate is not allowed"),
    ("$\\catcode`\\^=7$", "\\\\catcode is not allowed"),
    ("$^^5c input$", "'\\^\\^' is not allowed in math"),
    ("$x % comment$", "'%' is not allowed"),
    ("$\\def\\x{1}$", "\\\\def is not allowed"),
    ("$\\text{\\input{x}}$", "\\\\input is not allowed"),
    ("$\\begin{filecontents}x\\end{filecontents}$", "environment filecontents is not allowed"),
    ("an open $x", "opens math that is not closed"),
    ("empty $$ here", "empty math"),
    ("$x^{$", "does not parse"),
], ids=["input", "write18", "catcode", "caret-caret", "comment", "def", "nested", "environment",
        "unclosed", "empty", "unbalanced"])
def test_prose_refuses_what_is_not_math(text: str, message: str) -> None:
    with pytest.raises(ProseError, match=message):
        segments(text)


def test_prose_renders_in_each_format() -> None:
    text = "Trace of $X^\\top X$ & 100%"
    assert render_prose(text, escape_latex, ("$", "$")) == "Trace of $X^\\top X$ \\& 100\\%"
    assert render_prose(text, escape_markdown, ("$", "$")) == "Trace of $X^\\top X$ \\& 100%"


def test_prose_every_catalog_title_is_usable() -> None:
    assert all(check_prose(identity.title) is None for identity in catalog.all_identities())
    assert catalog.get("trace_xtx").title == "Trace of $X^\\top X$"


def test_prose_handout_file_names_the_line_of_bad_math(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('title = "Sheet"\n\n[[section]]\ntitle = "One"\n\n[[section.item]]\n'
                    'identity = "trace"\nnote = "see $\\\\input{x}$"\n', encoding="utf-8")
    with pytest.raises(HandoutFileError, match=r"bad\.toml:8: section\[1\]\.item\[1\]\.note: "
                                               r"\\input is not allowed in math"):
        load_handout(path)


def test_prose_cites_an_item_by_its_label() -> None:
    assert segments("see \\eqref{quadratic_form}.") == (
        Segment("see "), Segment("quadratic_form", is_ref=True), Segment("."))
    cite = {"quadratic_form": "(4.3)"}.__getitem__
    assert render_prose("see \\eqref{quadratic_form}", escape_latex, ("$", "$"), cite) == (
        "see (4.3)")
    with pytest.raises(ProseError, match="only a handout's prose can cite"):
        render_prose("see \\eqref{x}", escape_latex, ("$", "$"))


def test_prose_citations_in_the_default_handout() -> None:
    from derive.api import prove
    from derive.documents.handouts.build import derive_handout
    from derive.documents.handouts.render import render_handout

    spec = load_handout(None)
    handout = derive_handout(spec, prove=prove)
    md = render_handout(handout, "md")
    assert "the general gradient [(4.3)](#eq-quadratic-form) are equal" in md
    assert '<a id="eq-quadratic-form"></a>' in md
    tex = render_handout(handout, "tex")
    assert "the general gradient \\eqref{eq:quadratic-form} are equal" in tex
    assert "\\label{eq:quadratic-form}" in tex
