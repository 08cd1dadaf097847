"""HTML pages in headless Chromium, front matter and plain headings, the web options of the CLI.

Every page opens in a real browser (Debian's headless Chromium): no ``.katex-error``, no red
KaTeX text, no console message or failed resource, every font that loads loads, and one
``.katex`` element per formula, the formulas counted in the Markdown of the same document.
Screenshots go to ``output/browser-checks/`` for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from webtools import ROOT, open_page

from derive.api import build, prove
from derive.cli import main
from derive.documents.handouts.locate import HandoutFileError
from derive.documents.render import render_derivation
from derive.documents.web import html as html_module
from derive.documents.web.flavors import formulas, heading_lines

SHOTS = ROOT / "output" / "browser-checks"

pytestmark = pytest.mark.usefixtures("requires_chromium", "requires_katex")


def _assert_clean(page: Path, expected_formulas: int, shot: str) -> None:
    """``expected_formulas``: the formulas the page was written with (its math elements)."""
    report = open_page(page, screenshot=SHOTS / shot)
    assert report.errors == [] and report.console == []
    assert report.katex_errors == 0 and report.red_text == 0
    assert report.fonts_failed == [] and "KaTeX_Main" in report.fonts_loaded
    assert report.math_elements == expected_formulas
    assert report.katex == expected_formulas
    assert (SHOTS / shot).stat().st_size > 10_000


def test_html_default_handout_renders_every_formula(tmp_path: Path) -> None:
    (page,) = build(None, ["html"], tmp_path)
    assert page.suffix == ".html" and (page.parent / "katex" / "katex.min.css").is_file()
    count = _formulas_written(page)
    assert count > 300  # compact, as the PDF: one aligned display per part of a proof
    text = page.read_text(encoding="utf-8")
    assert 'href="#summary-of-results"' in text and "<h3>4.3 " in text
    _assert_clean(page, count, "default-handout.png")


def _formulas_written(page: Path) -> int:
    """The formulas of a page as the templates wrote them (one math element each)."""
    text = page.read_text(encoding="utf-8")
    return text.count('<span class="math inline">') + text.count('<div class="math display">')


@pytest.mark.parametrize(
    ("expr", "wrt", "hessian", "name"),
    [
        ("x' A x", "x", False, "quadratic"),
        ("(y - A x)' (y - A x)", "x", True, "least-squares"),
        ("log(det(X))", "X", False, "logdet"),
    ],
    ids=["quadratic", "least-squares-hessian", "logdet"],
)
def test_html_single_proof_renders_every_formula(
    tmp_path: Path, expr: str, wrt: str, hessian: bool, name: str
) -> None:
    page = tmp_path / f"{name}.html"
    result = CliRunner().invoke(main, ["prove", expr, "--wrt", wrt, "-f", "html", "-o", str(page)]
                                + (["--hessian"] if hessian else []))  # fmt: skip
    assert result.exit_code == 0, result.output
    d = prove(expr, wrt, hessian=hessian)
    count = len(formulas(render_derivation(d, "md")))
    _assert_clean(page, count, f"proof-{name}.png")


def test_html_without_node_renders_in_the_browser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(html_module, "server_side", lambda: False)
    page = tmp_path / "page.html"
    text = render_derivation(prove("x' A x", "x"), "html")
    assert "katex/contrib/auto-render.min.js" in text and 'class="katex"' not in text
    html_module.write_assets(tmp_path, client_math=True)
    page.write_text(text, encoding="utf-8")
    count = len(formulas(render_derivation(prove("x' A x", "x"), "md")))
    _assert_clean(page, count, "proof-browser-rendered.png")


def test_html_escapes_user_text(tmp_path: Path) -> None:
    handout = tmp_path / "h.toml"
    handout.write_text('title = "<script>alert(1)</script> & co"\n[[section]]\n'
                       'title = "S"\n[[section.item]]\nexpr = "x\' x"\nwrt = "x"\n'
                       'note = "a \\\\(x\\\\) b"\n', encoding="utf-8")  # fmt: skip
    (page,) = build(handout, ["html"], tmp_path / "out")
    text = page.read_text(encoding="utf-8")
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in text
    assert 'a <span class="math inline">' in text  # \(x\) in prose is math (documents.prose)


def test_prove_html_needs_an_output_file() -> None:
    result = CliRunner().invoke(main, ["prove", "x' x", "--wrt", "x", "-f", "html"])
    assert result.exit_code == 2 and "give -o PAGE.html" in result.output


@pytest.mark.parametrize("flavor", ["gfm", "kramdown", "mkdocs", "pandoc", "hugo"])
def test_prove_front_matter_gives_plain_headings(flavor: str) -> None:
    result = CliRunner().invoke(main, ["prove", "x' A x", "--wrt", "x", "-f", "md",
                                       "--md-flavor", flavor, "--front-matter"])  # fmt: skip
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith('---\ntitle: "Derivative of α = xᵀ A x with respect to x"\n')
    assert heading_lines(text) == ["## Derivative of α = xᵀ A x with respect to x"]


def test_build_front_matter_and_flavor_from_the_handout_file(tmp_path: Path) -> None:
    handout = tmp_path / "h.toml"
    handout.write_text('title = "T: one"\nauthor = "A"\nmd_flavor = "kramdown"\n'
                       'front_matter = true\n[[section]]\ntitle = "S"\n[[section.item]]\n'
                       'expr = "x\' A x"\nwrt = "x"\n', encoding="utf-8")  # fmt: skip
    (md,) = build(handout, ["md"], tmp_path / "out")
    text = md.read_text(encoding="utf-8")
    assert text.startswith('---\ntitle: "T: one"\nauthor: "A"\nlayout: "page"\n')
    assert heading_lines(text) == ["# T: one", "## 1. S", "### 1.1 Derivative of x' A x by x"]
    assert "$$x$$" in text


def test_handout_file_unknown_flavor_names_the_key(tmp_path: Path) -> None:
    handout = tmp_path / "h.toml"
    handout.write_text('md_flavor = "jekyll"\n[[section]]\ntitle = "S"\n[[section.item]]\n'
                       'expr = "x\' x"\nwrt = "x"\n', encoding="utf-8")  # fmt: skip
    with pytest.raises(HandoutFileError, match=r"h.toml:1: md_flavor: must be one of"):
        build(handout, ["md"], tmp_path / "out")


def test_repr_html_is_mathml_that_chromium_shows(tmp_path: Path) -> None:
    d = prove("(y - A x)' (y - A x)", "x", hessian=True)
    fragment = d._repr_html_()
    assert fragment is not None and "<math" in fragment and "katex.min.css" not in fragment
    page = tmp_path / "notebook.html"
    page.write_text(f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{fragment}'
                    "</body></html>", encoding="utf-8")  # fmt: skip
    report = open_page(page, screenshot=SHOTS / "jupyter-repr-html.png")
    assert report.errors == [] and report.console == [] and report.katex_errors == 0
    assert report.katex == len(formulas(render_derivation(d, "md")))
    assert "double-struck" not in fragment  # MathML Core shows ℝ only as its own character


def test_repr_html_without_node_defers_to_latex(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html_module, "server_side", lambda: False)
    assert prove("x' x", "x")._repr_html_() is None


def test_html_without_katex_package_is_a_clear_build_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from derive.errors import BuildError

    monkeypatch.setattr(html_module, "find_katex", lambda: None)
    monkeypatch.setattr(html_module, "server_side", lambda: False)
    with pytest.raises(BuildError, match="needs KaTeX's stylesheet and fonts: run `npm ci`"):
        build(None, ["html"], tmp_path)
    assert not any(tmp_path.rglob("*.html"))


@pytest.mark.parametrize(
    ("answer", "exit_code", "verdict"),
    [("A x + A' x", 0, "right"), ("A x", 1, "wrong")],
    ids=["correct", "wrong-with-counterexample"],
)
def test_prove_html_shows_the_verdict(
    tmp_path: Path, answer: str, exit_code: int, verdict: str
) -> None:
    page = tmp_path / "answer.html"
    result = CliRunner().invoke(main, ["prove", "x' A x", "--wrt", "x", "--expect", answer,
                                       "-f", "html", "-o", str(page)])  # fmt: skip
    assert result.exit_code == exit_code, result.output
    text = page.read_text(encoding="utf-8")
    assert f'<p class="verdict {verdict}">' in text
    d = prove("x' A x", "x", expect=answer)
    _assert_clean(page, len(formulas(render_derivation(d, "md"))), f"verdict-{verdict}.png")
