"""derive.documents.render: proofs and handouts on the page (LaTeX, Markdown, text, JSON).

Whole documents are compared with golden files in ``tests/golden/`` (rewritten only by
``bash scripts/update-golden``, never under CI; review the diff like code); every Markdown
formula of every note identity must render in KaTeX; the LaTeX of every note identity must
compile; user prose full of TeX specials and payloads must come out literally.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest
from conftest import in_ci

import derive.documents.render
from derive import prove
from derive.calculus.proof import Derivation
from derive.documents.document import DEFINITIONS, Handout, Item, Section
from derive.documents.handouts.render import render_handout
from derive.documents.page import Sci, build_proof, split_terms
from derive.documents.render import (
    TeX,
    escape_latex,
    escape_markdown,
    find_templates,
    render_derivation,
    repr_latex,
    superscript_filter,
)
from derive.documents.serialize import to_json_dict
from derive.errors import BuildError
from derive.ir import expr as ex
from derive.ir import index as ix

GOLDEN = Path(__file__).parent / "golden"
ROOT = Path(__file__).parent.parent
SCHEMA_DOC = Path(__file__).resolve().parent.parent / "docs" / "json-schema.md"

# Every identity of the two source notes: (expression, variable, declarations, hessian).
NOTE_IDENTITIES = [
    ("x' A x", "x", (), False),
    ("A x", "x", (), False),
    ("y' A x", "x", (), False),
    ("y' A x", "y", (), False),
    ("x' A x", "x", ("A: n x n, symmetric",), False),
    ("x' x", "x", (), False),
    ("a' x", "x", (), False),
    ("y' x", "z", ("x: n, depends on z", "y: n, depends on z"), False),
    ("y' A x", "z", ("x: n, depends on z", "y: m, depends on z"), False),
    ("A x", "z", ("x: n, depends on z",), False),
    ("(y - A x)' (y - A x)", "x", (), True),
    ("tr(A)", "A", (), False),
    ("x' A x", "x", ("A: n x n, symmetric",), True),
]
NOTE_IDS = [
    "quadratic", "jacobian", "bilinear-x", "bilinear-y", "quadratic-symmetric", "squared-norm",
    "linear", "product-chain", "bilinear-chain", "linear-chain", "least-squares", "trace",
    "quadratic-symmetric-hessian",
]  # fmt: skip

PAYLOADS = [
    "\\input{/etc/passwd}",
    "\\write18{ls}",
    "100% sure",
    "Tom & Jerry",
    "#1 item",
    "snake_case",
    "open { brace",
    "^^5c",
    "Ünïcødé: é, α, ≤, ∂",
]
PAYLOAD_IDS = ["input", "write18", "percent", "ampersand", "hash", "underscore", "brace",
               "caret-caret", "unicode"]


@cache
def note_derivation(index: int) -> Derivation:
    expr, wrt, declare, hessian = NOTE_IDENTITIES[index]
    return prove(expr, wrt, declare=declare, hessian=hessian)


def stable(d: Derivation) -> Derivation:
    """The derivation with fixed numeric errors, so golden files do not depend on the BLAS."""
    assert d.verification is not None
    steps = tuple(dataclasses.replace(s, max_error=1.2e-14) for s in d.verification.steps)
    record = dataclasses.replace(d.verification, numeric_error=3.4e-14, steps=steps)
    return dataclasses.replace(d, verification=record)


def markdown_formulas(markdown: str) -> list[tuple[str, bool]]:
    """The math of a Markdown document: ``$$`` blocks (display) and ``$...$`` (inline)."""
    display = re.compile(r"^\$\$\n(.*?)\n\$\$$", re.MULTILINE | re.DOTALL)
    formulas = [(m.group(1), True) for m in display.finditer(markdown)]
    prose = display.sub("", markdown)
    inline = re.compile(r"(?<!\\)\$(.+?)(?<!\\)\$")
    formulas += [(m.group(1), False) for m in inline.finditer(prose)]
    leftover = inline.sub("", prose)
    assert re.search(r"(?<!\\)\$", leftover) is None, "an unmatched $ in the Markdown"
    return formulas


def check_golden(name: str, text: str) -> None:
    """Compare ``text`` with ``tests/golden/<name>``, or rewrite the file on request.

    Goldens are rewritten only by ``bash scripts/update-golden`` (``DERIVE_UPDATE_GOLDEN=1``),
    never under CI (``.ci/run`` refuses the variable): a rewritten file is reported as skipped,
    not passed, since comparing it with itself would prove nothing.
    """
    path = GOLDEN / name
    if os.environ.get("DERIVE_UPDATE_GOLDEN"):
        if in_ci():
            pytest.fail("DERIVE_UPDATE_GOLDEN is set under CI: golden files are never rewritten "
                        "there", pytrace=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        pytest.skip(f"rewrote {path}: review `git diff {path}` before committing it")
    assert path.exists(), f"missing golden file {path}; write it with bash scripts/update-golden"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


def test_golden_files_are_not_rewritten_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DERIVE_UPDATE_GOLDEN", "1")
    monkeypatch.setenv("CI", "true")
    before = (GOLDEN / "quadratic.txt").read_bytes()
    with pytest.raises(pytest.fail.Exception, match="never rewritten"):
        check_golden("quadratic.txt", "not the golden text")
    assert (GOLDEN / "quadratic.txt").read_bytes() == before


def test_golden_update_is_refused_by_ci_run() -> None:
    # .ci/run checks the variable before it installs anything, so this costs nothing
    env = {**os.environ, "DERIVE_UPDATE_GOLDEN": "1"}
    run = subprocess.run(["bash", str(ROOT / ".ci" / "run")], env=env, capture_output=True,
                         text=True, timeout=60, check=False)
    assert run.returncode == 1
    assert "DERIVE_UPDATE_GOLDEN is set" in run.stderr
    assert "==>" not in run.stdout  # no step ran


# -- golden documents ---------------------------------------------------------------------------

GOLDEN_CASES: list[tuple[str, str, str, bool, tuple[str, ...]]] = [
    ("quadratic", "x' A x", "x", False, ()),
    ("least_squares", "(y - A x)' (y - A x)", "x", True, ()),
    ("trace", "tr(A)", "A", False, ()),
    # a Jacobian entry by its definition, the chain rule of an outer function, Jacobi's formula
    # with its hypothesis, and a quotient simplified into the form a lecturer writes
    ("jacobian_entry", "A x", "z", False, ("x: n, depends on z", "z: m")),
    ("chain_rule", "log(x' A x)", "x", False, ()),
    ("det", "det(A X B)", "X", False, ("A: n x n",)),
    ("quotient", "(x' A' A x) / (x' B' B x)", "x", False, ()),
]
EXTENSIONS = {"tex": "tex", "md": "md", "text": "txt"}


@pytest.mark.parametrize("fmt", list(EXTENSIONS), ids=list(EXTENSIONS))
@pytest.mark.parametrize(("name", "expr", "wrt", "hessian", "declare"), GOLDEN_CASES,
                         ids=[c[0] for c in GOLDEN_CASES])
def test_render_derivation_matches_golden(
    name: str, expr: str, wrt: str, hessian: bool, declare: tuple[str, ...], fmt: str
) -> None:
    d = stable(prove(expr, wrt, declare=declare, hessian=hessian))
    check_golden(f"{name}.{EXTENSIONS[fmt]}", render_derivation(d, fmt))


def test_render_derivation_text_states_the_quadratic_form_result() -> None:
    text = render_derivation(note_derivation(0), "text")
    assert "∂α/∂x = (A + Aᵀ) x" in text
    assert "For all k = 1, …, n, this leads to" in text
    assert "Layout: mixed." in text


def test_render_derivation_hessian_has_a_visible_second_part() -> None:
    d = note_derivation(10)
    for fmt, heading in [("tex", "\\textbf{Hessian: differentiate the gradient once more.}"),
                         ("md", "**Hessian: differentiate the gradient once more.**"),
                         ("text", "Hessian: differentiate the gradient once more")]:
        page = render_derivation(d, fmt)
        assert heading in page
        assert page.index(heading) > page.index("boxed" if fmt != "text" else "┌")


def test_render_derivation_fragment_has_no_preamble() -> None:
    fragment = render_derivation(note_derivation(0), "tex-fragment")
    assert "\\documentclass" not in fragment
    assert "\\begin{document}" not in fragment
    assert "\\boxed{\\frac{\\partial \\alpha}{\\partial x} =" in fragment


def test_render_derivation_check_line_without_dimension_symbols() -> None:
    text = render_derivation(prove("x' x", "x", declare=["x: 2"]), "text")
    assert "computed entry by entry (with dual numbers, in exact rational arithmetic" in " ".join(
        text.split()
    )
    assert "x ∈ ℝ²." in text


@pytest.mark.parametrize(("fmt", "marker"), [("tex", "\\emph{Not verified.}"),
                                             ("md", "*Not verified.*"), ("text", "Not verified.")],
                         ids=["tex", "md", "text"])
def test_render_derivation_says_when_it_was_not_verified(fmt: str, marker: str) -> None:
    page = render_derivation(prove("x' x", "x", verify=False), fmt)
    assert marker in page
    assert "Checked" not in page


def test_render_derivation_rejects_an_unknown_format() -> None:
    with pytest.raises(ValueError, match="fmt must be one of"):
        render_derivation(note_derivation(0), "docx")


@pytest.mark.parametrize("fmt", ["tex", "md"], ids=["tex", "md"])
def test_render_derivation_breaks_long_sums_over_rows(fmt: str) -> None:
    page = render_derivation(prove("(A x + b)' W (C x + d)", "x"), fmt)
    continuation_rows = [line for line in page.splitlines() if line.lstrip().startswith("&\\quad")]
    assert len(continuation_rows) >= 4
    assert all(len(line) < 400 for line in page.splitlines())


# -- markdown renders in KaTeX ------------------------------------------------------------------


def test_markdown_of_every_note_identity_renders_in_katex(
    katex_errors: Callable[[Iterable[tuple[str, bool]]], list[str]],
) -> None:
    formulas = []
    for index in range(len(NOTE_IDENTITIES)):
        markdown = render_derivation(note_derivation(index), "md")
        found = markdown_formulas(markdown)
        assert any(display for _, display in found)
        formulas += found
    assert katex_errors(formulas) == []


def test_markdown_handout_and_repr_latex_render_in_katex(
    katex_errors: Callable[[Iterable[tuple[str, bool]]], list[str]],
) -> None:
    markdown = render_handout(note_handout(solutions=True), "md")
    formulas = markdown_formulas(markdown)
    formulas += markdown_formulas(render_handout(note_handout(solutions=False), "md"))
    jupyter = repr_latex(note_derivation(10))
    assert jupyter.startswith("$$\n") and jupyter.endswith("$$\n")
    formulas.append((jupyter.strip().removeprefix("$$").removesuffix("$$").strip(), True))
    assert katex_errors(formulas) == []


def test_markdown_display_math_is_separated_by_blank_lines() -> None:
    lines = render_derivation(note_derivation(10), "md").splitlines()
    openers = [i for i, line in enumerate(lines) if line == "$$"][::2]
    assert openers
    assert all(lines[i - 1] == "" for i in openers)
    assert "\\begin{aligned}" in lines


# -- LaTeX compiles -----------------------------------------------------------------------------


def note_handout(*, solutions: bool, titles: Iterable[str] = ()) -> Handout:
    names = list(titles)
    items = tuple(
        Item(names[i] if i < len(names) else "", derivation=note_derivation(i))
        for i in range(len(NOTE_IDENTITIES))
    )
    definitions = tuple(Item("", definition=name) for name in DEFINITIONS)
    return Handout(
        name="notes",
        title="Matrix & vector differentiation",
        course="Course_101 #1",
        author="A. Lecturer",
        date="2026",
        solutions=solutions,
        sections=(Section("Notation", definitions, intro="Layouts & shapes."),
                  Section("Identities", items)),
    )


def test_compile_every_note_identity(requires_tex: None, tmp_path: Path) -> None:
    from derive.documents.pdf import compile_pdf

    source = render_handout(note_handout(solutions=True, titles=PAYLOADS), "tex")
    pdf = compile_pdf(source, tmp_path / "notes.pdf")
    assert pdf.stat().st_size > 10_000


def test_compile_single_derivation_document(requires_tex: None, tmp_path: Path) -> None:
    from derive.documents.pdf import compile_pdf

    pdf = compile_pdf(render_derivation(note_derivation(10), "tex"), tmp_path / "ls.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")


def test_compile_fragment_inside_a_host_document(requires_tex: None, tmp_path: Path) -> None:
    from derive.documents.pdf import compile_pdf

    fragment = render_derivation(note_derivation(7), "tex-fragment")
    host = ("\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n\\begin{document}\n"
            f"{fragment}\\end{{document}}\n")
    assert compile_pdf(host, tmp_path / "host.pdf").read_bytes().startswith(b"%PDF")


def test_handout_without_solutions_shows_statements_only() -> None:
    for fmt in ("tex", "md"):
        page = render_handout(note_handout(solutions=False), fmt)
        assert page.count("Derive ") >= len(NOTE_IDENTITIES)
        assert "boxed" not in page
        assert "Sum out the Kronecker deltas" not in page
        assert "\\left(A + A^{\\top}\\right) x" not in page


def test_handout_with_solutions_has_every_proof_and_definition() -> None:
    page = render_handout(note_handout(solutions=True), "tex")
    assert page.count("\\boxed{") == len(NOTE_IDENTITIES) + 2  # two proofs have a Hessian
    for title in ("The Jacobian matrix", "The gradient", "The Hessian matrix",
                  "The derivative by a matrix", "Layouts"):
        assert f"\\subsection{{{title}}}" in page
    assert "mixed (used here)" in page


def test_definitions_follow_the_handout_layout() -> None:
    handout = dataclasses.replace(note_handout(solutions=False), layout="numerator")
    page = render_handout(handout, "md")
    assert "numerator (used here)" in page
    assert "\\in \\mathbb{R}^{1 \\times n}" in page  # the gradient is a row
    assert "\\frac{\\partial f}{\\partial a_{ji}}" in page  # d f / d A has the shape of A^T


def test_definitions_avoid_the_slips_of_the_notes() -> None:
    page = render_handout(note_handout(solutions=True), "tex")
    assert "\\frac{\\partial f}{\\partial x_1}" in page  # gradient entries are df/dx_i
    assert "\\frac{\\partial x_1}{\\partial x}" not in page
    assert "\\partial f^2" not in page  # the Hessian's numerator is d^2 f


# -- user prose is escaped ----------------------------------------------------------------------

ESCAPED = [
    ("\\input{/etc/passwd}", "{\\textbackslash}input\\{/etc/passwd\\}"),
    ("\\write18{ls}", "{\\textbackslash}write18\\{ls\\}"),
    ("100% sure", "100\\% sure"),
    ("Tom & Jerry", "Tom \\& Jerry"),
    ("#1 item", "\\#1 item"),
    ("snake_case", "snake\\_case"),
    ("open { brace", "open \\{ brace"),
    ("^^5c", "{\\textasciicircum}{\\textasciicircum}5c"),
    ("a ~ b $x$", "a {\\textasciitilde} b \\$x\\$"),
    ("é α", "\\'e \\ensuremath{\\alpha}"),
    ("two\n\nparagraphs\x1b[31m", "two paragraphs[31m"),
    ("C1\x9b31m csi\x85nel", "C131m csinel"),
    ("emoji 😀", "emoji \\texttt{U+1F600}"),
]


@pytest.mark.parametrize(("text", "expected"), ESCAPED,
                         ids=[*PAYLOAD_IDS[:8], "tilde-dollar", "unicode", "controls",
                              "c1-controls", "emoji"])
def test_escape_latex_makes_prose_literal(text: str, expected: str) -> None:
    assert escape_latex(text) == expected
    assert isinstance(escape_latex(text), TeX)


MARKDOWN_ESCAPED = [
    ("a_b *c* `d`", "a\\_b \\*c\\* \\`d\\`"),
    ("<script>alert(1)</script>", "\\<script\\>alert(1)\\</script\\>"),
    ("$x$ & [link](y)", "\\$x\\$ \\& \\[link\\](y)"),
    ("- not a list", "\\- not a list"),
    ("1. not a list", "1\\. not a list"),
    ("\\input{x} # | ~", "\\\\input{x} \\# \\| \\~"),
    ("4.1 and -14", "4.1 and -14"),
    ("bold\x1b[1m csi\x9b1m nel\x85", "bold\\[1m csi1m nel"),
]


@pytest.mark.parametrize(("text", "expected"), MARKDOWN_ESCAPED,
                         ids=["emphasis", "html", "math-link", "list", "ordered", "specials",
                              "numbers", "controls"])
def test_escape_markdown_makes_prose_literal(text: str, expected: str) -> None:
    assert escape_markdown(text) == expected


def payload_handout() -> Handout:
    items = tuple(Item(payload, note=f"note: {payload}", source=payload,
                       derivation=note_derivation(0) if i == 0 else None,
                       definition="" if i == 0 else "gradient")
                  for i, payload in enumerate(PAYLOADS))
    return Handout(name="p", title="\\input{/etc/passwd} & 100%", author="\\write18{ls}",
                   course="^^5c #1", date="{", sections=(Section("_x_ {", items, intro="~%"),))


@pytest.mark.parametrize("payload", PAYLOADS, ids=PAYLOAD_IDS)
def test_render_handout_tex_prints_payloads_literally(payload: str) -> None:
    full = render_handout(replace(payload_handout(), style="full"), "tex")
    assert f"\\subsection{{{escape_latex(payload)}}}" in full
    assert f"note: {escape_latex(payload)}" in full
    compact = render_handout(payload_handout(), "tex")  # the title's source goes on its line
    escaped = escape_latex(payload)
    assert (f"\\subsection[{escaped}]{{{escaped}\\hfill{{\\normalfont\\small\\emph{{{escaped}}}}}}}"
            in compact) or f"\\subsection{{{escaped}}}" in compact
    assert f"note: {escaped}" in compact


def test_render_handout_tex_has_no_live_payload_macros() -> None:
    page = render_handout(payload_handout(), "tex")
    body = page[page.index("\\begin{document}"):]
    assert re.search(r"\\(input|write|immediate|openin|catcode)\b", page) is None
    assert "^^" not in page
    assert re.search(r"(?<!\\)[#%]", body) is None  # no parameter or comment characters
    assert "\\title{{\\textbackslash}input\\{/etc/passwd\\} \\& 100\\%\\\\" in page


@pytest.mark.parametrize("payload", PAYLOADS, ids=PAYLOAD_IDS)
def test_render_handout_markdown_prints_payloads_literally(payload: str) -> None:
    for style in ("full", "compact"):
        page = render_handout(replace(payload_handout(), style=style), "md")
        assert re.search(rf"^### (\d+\.\d+ )?{re.escape(escape_markdown(payload))}$", page,
                         re.MULTILINE)
        assert f"note: {escape_markdown(payload)}" in page


def test_compile_payload_handout(requires_tex: None, tmp_path: Path) -> None:
    from derive.documents.pdf import compile_pdf

    pdf = compile_pdf(render_handout(payload_handout(), "tex"), tmp_path / "p.pdf",
                      source_date_epoch=0)
    assert pdf.read_bytes().startswith(b"%PDF")


# -- templates ----------------------------------------------------------------------------------


def test_find_templates_prefers_the_packaged_copy(tmp_path: Path) -> None:
    package = tmp_path / "site" / "derive"
    (package / "templates" / "tex").mkdir(parents=True)
    (tmp_path / "site" / "templates" / "tex").mkdir(parents=True)
    assert find_templates(package) == package / "templates"


def test_find_templates_falls_back_to_the_repository(tmp_path: Path) -> None:
    package = tmp_path / "repo" / "derive"
    package.mkdir(parents=True)
    (tmp_path / "repo" / "templates" / "tex").mkdir(parents=True)
    assert find_templates(package) == tmp_path / "repo" / "templates"


def test_find_templates_raises_when_missing(tmp_path: Path) -> None:
    (tmp_path / "derive").mkdir()
    with pytest.raises(FileNotFoundError, match="templates are missing"):
        find_templates(tmp_path / "derive")


def test_find_templates_here_is_the_repository_copy() -> None:
    found = find_templates()
    assert (found / "tex" / "derivation.tex.j2").is_file()
    assert (found / "md" / "derivation.md.j2").is_file()
    assert (found / "text" / "derivation.txt.j2").is_file()


def test_user_templates_override_by_name(tmp_path: Path) -> None:
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "reasons.j2").write_text(
        (find_templates() / "common" / "reasons.j2").read_text(encoding="utf-8").replace(
            "Sum out the Kronecker deltas", "Contract every delta"), encoding="utf-8")
    d = note_derivation(0)
    for fmt in ("tex", "md"):  # the reasons are one template, shared
        custom = render_derivation(d, fmt, templates_dir=tmp_path)
        assert "Contract every delta" in custom
        assert "Sum out the Kronecker deltas" not in custom
    assert "Sum out the Kronecker deltas" in render_derivation(d, "tex")


def test_shared_reasons_take_the_format_delimiters_and_escaping() -> None:
    d = note_derivation(0)
    tex, md = render_derivation(d, "tex"), render_derivation(d, "md")
    assert "Write $\\alpha$ in index notation" in tex
    assert "Write $\\alpha$ in index notation" in md
    assert "\\$" not in tex  # the delimiters are math, not escaped dollars


def test_math_must_go_through_a_filter(tmp_path: Path) -> None:
    (tmp_path / "tex").mkdir()
    (tmp_path / "tex" / "derivation.tex.j2").write_text("\n((( p.body )))\n", encoding="utf-8")
    with pytest.raises(BuildError, match=r"derivation\.tex\.j2:2\): math .* must go through \|tex"):
        render_derivation(note_derivation(0), "tex", templates_dir=tmp_path)


@pytest.mark.parametrize(("source", "message"), [
    ("((* if *))", r"template error \(.*/tex/derivation\.tex\.j2:1\): Expected an expression"),
    ("((( p.nothing )))", r"template error \(.*derivation\.tex\.j2:1\): .*nothing"),
], ids=["syntax", "undefined"])
def test_broken_templates_raise_build_errors(tmp_path: Path, source: str, message: str) -> None:
    (tmp_path / "tex").mkdir()
    (tmp_path / "tex" / "derivation.tex.j2").write_text(source, encoding="utf-8")
    with pytest.raises(BuildError, match=message):
        render_derivation(note_derivation(0), "tex", templates_dir=tmp_path)


def test_templates_escape_prose_by_default(tmp_path: Path) -> None:
    (tmp_path / "tex").mkdir()
    (tmp_path / "tex" / "derivation.tex.j2").write_text("((( p.source ))) ((( p.body|tex )))\n",
                                                       encoding="utf-8")
    d = dataclasses.replace(note_derivation(0), source="\\input{x} & 50%")
    page = render_derivation(d, "tex", templates_dir=tmp_path)
    assert page == "{\\textbackslash}input\\{x\\} \\& 50\\% x^{\\top} A x\n"


# -- page data ----------------------------------------------------------------------------------


def test_split_terms_keeps_the_sum() -> None:
    d = note_derivation(10)
    names = tuple(d.symbols)
    long_line = next(s.lines[1] for s in d.steps if s.kind == "differentiate")
    assert isinstance(long_line, ix.IndexSum)
    pieces = split_terms(long_line, names, 40)
    assert len(pieces) > 1
    terms = tuple(t for p in pieces if isinstance(p, ix.IndexSum) for t in p.terms)
    assert terms == long_line.terms
    assert split_terms(long_line, names, 1000) == [long_line]


def test_split_terms_of_a_matrix_sum() -> None:
    x = ex.Symbol("x", ex.Shape("n", 1))
    a = ex.Symbol("A", ex.Shape("n", "n"))
    total = ex.Add((ex.MatMul((a, x)), ex.MatMul((ex.Transpose(a), x)), x))
    pieces = [p for p in split_terms(total, ("A", "x"), 8) if isinstance(p, ex.Expr)]
    assert len(pieces) >= 2
    terms = tuple(t for p in pieces for t in (p.terms if isinstance(p, ex.Add) else (p,)))
    assert ex.Add(terms) == total


@pytest.mark.parametrize(("value", "mantissa", "exponent", "plain"), [
    (4.0561995817975635e-14, "4.1", -14, "4.1e-14"),
    (1e-06, "1", -6, "1e-6"),
    (0.0, "0", 0, "0"),
    (0.25, "0.25", 0, "0.25"),
    (9.96e-11, "1", -10, "1e-10"),
], ids=["small", "tolerance", "zero", "plain", "round-up"])
def test_sci_rounds_to_two_digits(value: float, mantissa: str, exponent: int, plain: str) -> None:
    assert Sci.of(value) == Sci(mantissa, exponent, plain)


def test_proof_view_of_least_squares() -> None:
    view = build_proof(note_derivation(10))
    assert view.hessian
    assert [s.hessian for s in view.stages] == [False, True]
    assert [c.unicode() for c in view.constants] == ["y", "A"]
    assert [s.kind for s in view.stages[0].steps[:2]] == ["expand", "index_form"]
    assert view.stages[1].steps[0].kind == "restate"  # the gradient, restated
    assert view.stages[1].steps[1].variable is not None
    assert view.stages[1].steps[1].variable.unicode() == "xₗ"
    assert view.check is not None and view.check.passed
    assert [s.value for s in view.check.sizes] == [3, 2]


# -- JSON ---------------------------------------------------------------------------------------


def schema() -> dict[str, object]:
    text = SCHEMA_DOC.read_text(encoding="utf-8")
    block = re.search(r"```json\n(.*?)\n```", text, re.DOTALL)
    assert block is not None, "docs/json-schema.md has no ```json block"
    loaded: dict[str, object] = json.loads(block.group(1))
    return loaded


@pytest.mark.parametrize("index", range(len(NOTE_IDENTITIES)), ids=NOTE_IDS)
def test_json_follows_the_documented_schema(index: int) -> None:
    data = json.loads(render_derivation(note_derivation(index), "json"))
    try:
        import jsonschema  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        jsonschema = None
    if jsonschema is not None:
        jsonschema.validate(data, schema())
    else:  # the same checks by hand, for the keys and types that matter most
        required = schema()["required"]
        assert isinstance(required, list) and set(required) <= set(data)
        assert all(isinstance(s["lines"][0]["latex"], str) for s in data["steps"])
        assert isinstance(data["verification"]["numeric_error"], float)
    assert data["result"] == data["results"][-1]
    assert data["proven"] is True


def test_json_result_carries_sympy_code() -> None:
    import sympy

    data = to_json_dict(note_derivation(0))
    assert data["result"]["text"] == "(A + Aᵀ) x"
    assert data["result"]["sympy_str"] == "(A + A.T)*x"
    namespace: dict[str, object] = {}
    exec("from sympy import *\nfrom sympy.core.symbol import Str", namespace)
    value = eval(data["result"]["sympy"], namespace)
    assert value == note_derivation(0).to_sympy()
    assert isinstance(value, sympy.MatrixExpr)


def test_json_of_a_tensor_result_has_no_sympy_form() -> None:
    data = to_json_dict(prove("A X", "X"))
    assert data["result"]["kind"] == "tensor"
    assert data["result"]["sympy"] is None
    assert data["result"]["shape"] is None


def test_jupyter_reprs() -> None:
    d = note_derivation(0)
    latex = d._repr_latex_()
    assert latex.startswith("$$\n\\begin{aligned}")
    boxed = "\\boxed{\\frac{\\partial \\alpha}{\\partial x} = (A + A^{\\top}) x}"
    assert boxed in latex
    assert d._repr_markdown_() == render_derivation(d, "md")


def test_environment_is_cached_per_folder(tmp_path: Path) -> None:
    assert derive.documents.render.environment("tex") is derive.documents.render.environment("tex")
    render = derive.documents.render
    assert render.environment("tex", str(tmp_path)) is not render.environment("tex")


@pytest.mark.parametrize(
    ("text", "raised"),
    [("n×n", "ⁿˣⁿ"), ("3", "³"), ("p×q", "^(p×q)"), ("q", "^q"), ("n_1×n", "^(n_1×n)")],
    ids=["n-by-n", "digit", "q-has-none", "one-letter", "subscripted"],
)
def test_superscript_filter_raises_all_or_nothing(text: str, raised: str) -> None:
    # there is no superscript q: half-raised text such as ᵖˣq reads as p×q times q
    assert superscript_filter(text) == raised


def test_render_text_dimension_without_superscript_letter() -> None:
    page = render_derivation(prove("tr(A X)", wrt="X", declare=("A: q x n",)), "text")
    assert "A ∈ ℝ^(q×n) and X ∈ ℝ^(n×q)" in " ".join(page.split())
