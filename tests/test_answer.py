"""Verdicts on students' answers (``prove(..., expect=...)``, ``derive.check.answer``).

The answers are the ones students write: the symmetric shortcut ``2 A x`` for ``x' A x``
(Matrix Cookbook (81)), its numerator-layout row ``x' (A + A')``, least squares with either
sign convention, ``X^-1`` for ``log det X`` (Cookbook (57)), the outer product the wrong way
round for ``a' X b`` (Cookbook (70)).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from derive import prove
from derive.check.answer import check_answer
from derive.documents.render import render_derivation, render_derivations
from derive.errors import ParseError, ShapeError

QUADRATIC = "x' A x"
LEAST_SQUARES = "(y - A x)' (y - A x)"

# (expression, variable, declarations, answer, kind, condition, layouts, factor)
VERDICTS = [
    (QUADRATIC, "x", (), "(A + A') x", "correct", (), (), ""),
    (QUADRATIC, "x", (), "A x + A' x", "correct", (), (), ""),
    (QUADRATIC, "x", (), "2 A x", "conditional", ("A",), (), ""),
    (QUADRATIC, "x", ("A: symmetric",), "2 A x", "correct", (), (), ""),
    (QUADRATIC, "x", (), "x' (A + A')", "transpose", (), ("numerator",), ""),
    (QUADRATIC, "x", (), "-(A + A') x", "factor", (), (), "-1"),
    (LEAST_SQUARES, "x", (), "-2 A' (y - A x)", "correct", (), (), ""),
    (LEAST_SQUARES, "x", (), "2 A' (A x - y)", "correct", (), (), ""),
    (LEAST_SQUARES, "x", (), "2 A' (y - A x)", "factor", (), (), "-1"),
    (LEAST_SQUARES, "x", (), "A' (A x - y)", "factor", (), (), "1/2"),
    ("log det X", "X", (), "X^-T", "correct", (), (), ""),
    ("log det X", "X", (), "X^-1", "transpose", ("X",), ("numerator",), ""),
    ("log det X", "X", ("X: symmetric",), "X^-1", "correct", (), (), ""),
    ("a' X b", "X", (), "a b'", "correct", (), (), ""),
    ("a' X b", "X", (), "b a'", "transpose", (), ("numerator",), ""),
    (QUADRATIC, "x", (), "A", "shape", (), (), ""),
    (QUADRATIC, "x", (), "x' A", "shape", (), (), ""),
    ("norm(x)", "x", (), "x / norm(x)", "correct", (), (), ""),
    ("norm(x)", "x", (), "2 x / norm(x)", "factor", (), (), "2"),
    # zero is no multiple worth naming: 0 times anything is 0
    (QUADRATIC, "x", (), "0 x", "wrong", (), (), ""),
]


@pytest.mark.parametrize(
    ("expr", "wrt", "declare", "answer", "kind", "condition", "layouts", "factor"),
    VERDICTS,
    ids=[f"{row[0]}|{row[2]}|{row[3]}" for row in VERDICTS],
)
def test_answer_verdict(
    expr: str, wrt: str, declare: tuple[str, ...], answer: str, kind: str,
    condition: tuple[str, ...], layouts: tuple[str, ...], factor: str,
) -> None:  # fmt: skip
    verdict = prove(expr, wrt, declare=declare, expect=answer).verdict
    assert verdict is not None
    assert (verdict.kind, verdict.condition, verdict.layouts, verdict.factor) == (
        kind, condition, layouts, factor)  # fmt: skip
    assert verdict.correct is (kind == "correct")


def test_answer_wrong_has_an_integer_counterexample() -> None:
    verdict = prove(QUADRATIC, "x", expect="A' x").verdict
    assert verdict is not None and verdict.kind == "wrong"
    example = verdict.counterexample
    assert example is not None
    assert example.sizes == {"n": 2}
    a = [[int(c) for c in row] for row in example.values["A"]]
    x = [int(row[0]) for row in example.values["x"]]
    assert a[0][1] != a[1][0], "a symmetric A would hide why A' x is wrong"
    row = example.entry[0] - 1
    answer = sum(a[j][row] * x[j] for j in range(2))
    expected = sum((a[row][j] + a[j][row]) * x[j] for j in range(2))
    assert (example.answer, example.expected) == (str(answer), str(expected))
    assert answer != expected
    # and the note: when A is symmetric, A' x is half of (A + A') x
    assert (verdict.condition, verdict.factor) == (("A",), "1/2")


def test_answer_counterexample_lets_a_scalar_be_one() -> None:
    """s² x for the gradient 2 s x of s xᵀx agrees at s = 2: the counterexample needs s = 1,
    which the small-integer search draws for a scalar (1 or 2; a scalar is never 0)."""
    verdict = prove("s (x' x)", "x", declare=("s: scalar",), expect="s^2 x").verdict
    assert verdict is not None and verdict.kind == "wrong"
    example = verdict.counterexample
    assert example is not None
    s = int(example.values["s"][0][0])
    x = [int(row[0]) for row in example.values["x"]]
    row = example.entry[0] - 1
    assert (example.answer, example.expected) == (str(s * s * x[row]), str(2 * s * x[row]))
    assert s == 1 and x[row] != 0


def test_answer_wrong_without_a_note() -> None:
    verdict = prove(LEAST_SQUARES, "x", expect="2 A' A x").verdict
    assert verdict is not None and verdict.kind == "wrong"
    assert verdict.counterexample is not None
    assert (verdict.condition, verdict.factor) == ((), "")


@pytest.mark.parametrize(("answer", "error", "message", "column"), [
    ("2 A y", ParseError, "y is not a symbol of the expression", 5),
    ("(A + A') x +", ParseError, "in the answer", 13),
    ("A x + x'", ShapeError, "in the answer", 1),
], ids=["unknown-symbol", "syntax", "shape"])
def test_answer_input_errors_point_into_the_answer(
    answer: str, error: type[Exception], message: str, column: int
) -> None:
    derivation = prove(QUADRATIC, "x")
    with pytest.raises(error) as caught:
        check_answer(derivation, answer)
    assert message in str(caught.value)
    assert caught.value.source == answer  # type: ignore[attr-defined]
    assert caught.value.column == column  # type: ignore[attr-defined]


def test_answer_in_latex() -> None:
    verdict = prove(QUADRATIC, "x", expect=r"(A + A^\top) x").verdict
    assert verdict is not None and verdict.correct


def test_answer_against_the_hessian() -> None:
    right = prove(LEAST_SQUARES, "x", hessian=True, expect="2 A' A").verdict
    half = prove(LEAST_SQUARES, "x", hessian=True, expect="A' A").verdict
    assert right is not None and right.correct
    assert half is not None and (half.kind, half.factor) == ("factor", "1/2")


def test_prove_several_variables_share_shapes() -> None:
    dx, da = prove("y' A x", ["x", "A"], expect=["A' y", None])
    assert (dx.wrt.name, da.wrt.name) == ("x", "A")
    assert dx.symbols == da.symbols  # A is m x n in both, though A names its sizes first alone
    assert dx.verdict is not None and dx.verdict.correct
    assert da.verdict is None
    assert dx.proven and da.proven


def test_prove_single_variable_still_returns_a_derivation() -> None:
    derivation = prove(QUADRATIC, "x")
    assert derivation.wrt.name == "x"


@pytest.mark.parametrize(("wrt", "expect", "message"), [
    (["x", "x"], None, "twice"),
    ([], None, "at least one"),
    (["x", "A"], ["2 A x"], "one answer"),
    (["x", "A"], "2 A x", "one answer"),
], ids=["repeated", "empty", "too-few-answers", "string-answer"])
def test_prove_several_variables_misuse(wrt: list[str], expect: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        prove(QUADRATIC, wrt, expect=expect)  # type: ignore[arg-type]


# -- every verdict renders: KaTeX for Markdown, latexmk for LaTeX -------------------------------

ONE_OF_EACH = [(QUADRATIC, "(A + A') x"), (QUADRATIC, "2 A x"), (QUADRATIC, "x' (A + A')"),
               (QUADRATIC, "-(A + A') x"), (QUADRATIC, "A"), (QUADRATIC, "A' x"),
               ("log det X", "X^-1"), (QUADRATIC, "2 x' A")]  # fmt: skip


def test_answer_verdicts_render_in_katex(
    katex_errors: Callable[[Iterable[tuple[str, bool]]], list[str]],
) -> None:
    from test_render import markdown_formulas

    formulas = []
    kinds = set()
    for expr, answer in ONE_OF_EACH:
        derivation = prove(expr, "X" if "X" in expr else "x", expect=answer)
        assert derivation.verdict is not None
        kinds.add(derivation.verdict.kind)
        verdict = render_derivation(derivation, "md").split("\n\n")[1]
        formulas += markdown_formulas(verdict)
    assert kinds == {"correct", "conditional", "transpose", "factor", "shape", "wrong"}
    both = prove("y' A x", ["x", "A"], expect=["A' y", "x y'"])
    for style in ("full", "compact"):
        several = render_derivations(both, "md", style=style)
        assert several.count("### With respect to") == 2
        assert several.endswith("\n") and not several.endswith("\n\n")
        formulas += markdown_formulas(several)
    assert len(formulas) > 40
    assert katex_errors(formulas) == []


@pytest.mark.usefixtures("requires_tex")
def test_answer_verdicts_compile_in_latex(tmp_path: Path) -> None:
    from derive.documents.pdf import compile_pdf

    derivations = [prove(e, "X" if "X" in e else "x", expect=a) for e, a in ONE_OF_EACH]
    for number, derivation in enumerate(derivations):
        compile_pdf(render_derivation(derivation, "tex"), tmp_path / f"{number}.pdf")
    assert len(list(tmp_path.glob("*.pdf"))) == len(ONE_OF_EACH)


@pytest.mark.parametrize(("answer", "condition", "factor"), [
    ("2 x' A", ("A",), ""),
    ("x' (A + A') / 2", (), "1/2"),
    ("x' A", (), ""),
], ids=["transpose-symmetric", "transpose-half", "nothing-to-note"])
def test_answer_wrong_shape_notes_its_transpose(
    answer: str, condition: tuple[str, ...], factor: str
) -> None:
    verdict = prove(QUADRATIC, "x", expect=answer).verdict
    assert verdict is not None and verdict.kind == "shape"
    assert (verdict.condition, verdict.factor) == (condition, factor)


def test_answer_undefined_at_the_test_values_is_an_input_error() -> None:
    from derive.errors import UnsupportedError

    with pytest.raises(UnsupportedError, match="in the answer: it cannot be compared"):
        prove(QUADRATIC, "x", expect="inv(x' x - x' x) x")
