"""The printers: LaTeX, unicode and the ASCII input language, and that each reads back.

Tables fix the spelling; hypothesis checks ``parse(print(e)) == e`` for random well-shaped
expressions through all three printers (the LaTeX and unicode forms are valid input too).
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from derive.documents.printer import ascii_str, latex, product_groups, unicode
from derive.ir import expr as ex
from derive.ir import index as ix
from derive.language.frontend import parse
from derive.language.shapes import constant_value, power, reciprocal

DECLARE = (
    "x: n", "y: n", "x_1: n", "A: n x n", "B: n x n", "X: n x n", "W_2: n x n",
    "alpha: scalar", "s: scalar", "theta_ab: scalar",
)  # fmt: skip


def expr_of(text: str) -> ex.Expr:
    return parse(text, DECLARE).expr


# (ASCII source, LaTeX, unicode, ASCII) as the printers write them
TABLE = [
    ("x' A x", r"x^{\top} A x", "xᵀ A x", "x' A x"),
    ("alpha A", r"\alpha A", "α A", "alpha A"),
    ("W_2 x1", r"W_{2} x_{1}", "W₂ x₁", "W_2 x_1"),
    ("theta_ab x", r"\theta_{ab} x", "θ_ab x", "theta_ab x"),
    ("x / 2", r"\frac{1}{2} x", "1/2 x", "1/2 x"),
    ("-x + y", "-x + y", "-x + y", "-x + y"),
    ("x - 2 y", "x - 2 y", "x - 2 y", "x - 2 y"),
    ("-(x - y)", r"-(x - y)", "-(x - y)", "-(x - y)"),
    ("(A + B) x", r"(A + B) x", "(A + B) x", "(A + B) x"),
    ("(A x)'", r"(A x)^{\top}", "(A x)ᵀ", "(A x)'"),
    ("X^-1", r"X^{-1}", "X⁻¹", "inv(X)"),
    ("X^-2", r"X^{-2}", "X⁻²", "(inv(X))^2"),
    ("X^-T", r"X^{-\top}", "X⁻ᵀ", "(inv(X))'"),
    ("(X')^-1", r"(X^{\top})^{-1}", "(Xᵀ)⁻¹", "inv(X')"),
    ("X^10", r"X^{10}", "X¹⁰", "X^10"),
    ("tr(A B)", r"\operatorname{tr}(A B)", "tr(A B)", "tr(A B)"),
    ("det(X)^2", r"\det(X)^{2}", "det(X)²", "det(X)^2"),
    ("log(det(X))", r"\log \det(X)", "log(det(X))", "log(det(X))"),
    ("log(det(X))^2", r"(\log \det(X))^{2}", "log(det(X))²",
     "log(det(X))^2"),
    ("log(s)", r"\log(s)", "log(s)", "log(s)"),
    ("norm(x)^2", r"\left\lVert x \right\rVert^{2}", "‖x‖²", "norm(x)^2"),
    # scalars to negative powers: fractions in LaTeX, a division at the end in text
    ("2 (x' x)^-1 x", r"\frac{2}{x^{\top} x} x", "2 (xᵀ x)⁻¹ x", "2 (x' x)^-1 x"),
    ("norm(x)^-1 x", r"\frac{1}{\left\lVert x \right\rVert} x", "‖x‖⁻¹ x", "norm(x)^-1 x"),
    ("(x' x) / alpha", r"\frac{x^{\top} x}{\alpha}", "xᵀ x / α", "x' x / alpha"),
    ("x / norm(x)", r"\frac{x}{\left\lVert x \right\rVert}", "x / ‖x‖", "x / norm(x)"),
    ("x' A x / (x' x)", r"\frac{x^{\top} A x}{x^{\top} x}", "xᵀ A x / (xᵀ x)",
     "x' A x / (x' x)"),
    ("-2 x / s", r"-\frac{2 x}{s}", "-2 x / s", "-2 x / s"),
    ("x / (2 alpha)", r"\frac{x}{2 \alpha}", "x / (2 α)", "x / (2 alpha)"),
    ("1/2 x / alpha", r"\frac{1}{2} \frac{x}{\alpha}", "1/2 x / α", "1/2 x / alpha"),
    ("alpha^-1", r"\frac{1}{\alpha}", "α⁻¹", "alpha^-1"),
    ("s^-2 x", r"\frac{1}{s^{2}} x", "s⁻² x", "s^-2 x"),
    ("alpha^-1 s^-1 x", r"\frac{1}{\alpha} \frac{1}{s} x", "α⁻¹ s⁻¹ x", "alpha^-1 s^-1 x"),
    ("x' s^-1 y", r"x^{\top} \frac{1}{s} y", "xᵀ s⁻¹ y", "x' s^-1 y"),
    # a 1 x 1 chain with factors after it is bracketed
    ("(x' y) A", r"(x^{\top} y) A", "(xᵀ y) A", "(x' y) A"),
    ("A (x' y) B", r"A (x^{\top} y) B", "A (xᵀ y) B", "A (x' y) B"),
    ("y' (x' y) y", r"y^{\top} (x^{\top} y) y", "yᵀ (xᵀ y) y", "y' (x' y) y"),
    ("A (x' y / s)", r"A \left(\frac{x^{\top} y}{s}\right)", "A (xᵀ y / s)", "A (x' y / s)"),
    ("norm(x norm(y))", r"\left\lVert x \left\lVert y \right\rVert \right\rVert",
     "norm(x ‖y‖)", "norm(x norm(y))"),
    ("(x' y) (y' x)", r"(x^{\top} y) y^{\top} x", "(xᵀ y) yᵀ x", "(x' y) y' x"),
    ("alpha x' y", r"\alpha x^{\top} y", "α xᵀ y", "alpha x' y"),
]


@pytest.mark.parametrize(("source", "tex", "text", "plain"), TABLE, ids=[r[0] for r in TABLE])
def test_printer_spelling(source: str, tex: str, text: str, plain: str) -> None:
    node = expr_of(source)
    assert latex(node) == tex
    assert unicode(node) == text
    assert ascii_str(node) == plain


@pytest.mark.parametrize("printer", [ascii_str, latex, unicode], ids=["ascii", "latex", "unicode"])
@pytest.mark.parametrize("source", [r[0] for r in TABLE])
def test_printer_table_reads_back(printer: Callable[[ex.Expr], str], source: str) -> None:
    node = expr_of(source)
    assert parse(printer(node), DECLARE).expr == node


# -- the index level ------------------------------------------------------------------------

i, j = ix.Index("i", "n"), ix.Index("j", "n")
i1, i2 = ix.Index("i1", "n"), ix.Index("i2", "n")
A_sym = ex.Symbol("A", ex.Shape("n", "n"))
W2 = ex.Symbol("W_2", ex.Shape("n", "n"))
x1 = ex.Symbol("x_1", ex.Shape("n", 1))

ENTRIES = [
    (ix.Entry(A_sym, (i, j)), "a_{ij}", "aᵢⱼ"),
    (ix.Entry(W2, (i, j)), r"(W_{2})_{ij}", "(W₂)ᵢⱼ"),
    (ix.Entry(x1, (i,)), r"(x_{1})_{i}", "(x₁)ᵢ"),
    (ix.Delta(i, j), r"\delta_{ij}", "δᵢⱼ"),
    # past the single letters, dummies are i1, i2, ...: a comma keeps a_{i1,i2} from reading as
    # the entry (i, 1, i, 2), in unicode too, where the subscript digits would run together
    (ix.Entry(A_sym, (i1, i2)), r"a_{i_{1},i_{2}}", "a_{i1,i2}"),
    (ix.Entry(A_sym, (ix.Index("k", "n"), i2)), r"a_{k,i_{2}}", "a_{k,i2}"),
    (ix.Delta(i1, ix.Index("k", "n")), r"\delta_{i_{1},k}", "δ_{i1,k}"),
]


@pytest.mark.parametrize(("node", "tex", "text"), ENTRIES,
                         ids=["a_ij", "W_2", "x_1", "delta", "i1-i2", "k-i2", "delta-i1-k"])
def test_printer_entries(node: object, tex: str, text: str) -> None:
    # a subscripted symbol's entries are bracketed: x_{1}_{i} is a LaTeX error
    assert latex(node) == tex
    assert unicode(node) == text


def test_printer_entry_stem_keeps_a_when_a_is_taken() -> None:
    assert latex(ix.Entry(A_sym, (i, j)), symbol_names=("A", "a")) == "A_{ij}"


def test_printer_index_sum() -> None:
    x = ex.Symbol("x", ex.Shape("n", 1))
    term = ix.Term(Fraction(2), (i, j), (ix.Entry(x, (i,)), ix.Entry(A_sym, (i, j))))
    node = ix.IndexSum((term,), ())
    assert latex(node) == r"2 \sum_{i=1}^{n} \sum_{j=1}^{n} x_{i} a_{ij}"
    assert unicode(node) == "2 Σᵢ Σⱼ xᵢ aᵢⱼ"


def test_printer_product_groups() -> None:
    x = ex.Symbol("x", ex.Shape("n", 1))
    alpha = ex.Symbol("alpha", ex.SCALAR)
    xt = ex.Transpose(x)
    assert product_groups((alpha, xt, A_sym, x, xt, A_sym)) == [
        (alpha,), (xt, A_sym, x), (xt, A_sym),
    ]
    assert product_groups((A_sym, alpha, x)) == [(A_sym, alpha, x)]


def test_printer_rejects_unknown_nodes() -> None:
    with pytest.raises(TypeError, match="cannot print"):
        latex(object())


@pytest.mark.katex
def test_printer_latex_renders_in_katex(katex_errors: Callable[[list[str]], list[str]]) -> None:
    formulas = [latex(expr_of(row[0])) for row in TABLE]
    formulas += [latex(node) for node, _, _ in ENTRIES]
    assert katex_errors(formulas) == []


# -- round trips over random expressions ----------------------------------------------------

N = "n"
SYMBOLS = {
    "x": ex.Symbol("x", ex.Shape(N, 1)),
    "y": ex.Symbol("y", ex.Shape(N, 1)),
    "x_1": ex.Symbol("x_1", ex.Shape(N, 1)),
    "A": ex.Symbol("A", ex.Shape(N, N)),
    "B": ex.Symbol("B", ex.Shape(N, N)),
    "X": ex.Symbol("X", ex.Shape(N, N)),
    "W_2": ex.Symbol("W_2", ex.Shape(N, N)),
    "alpha": ex.Symbol("alpha", ex.SCALAR),
    "s": ex.Symbol("s", ex.SCALAR),
    "theta_ab": ex.Symbol("theta_ab", ex.SCALAR),
}
SCALARS, VECTORS = ("alpha", "s", "theta_ab"), ("x", "y", "x_1")
MATRICES = ("A", "B", "X", "W_2")
COEFFICIENTS = [Fraction(c) for c in ("2", "-1", "3", "1/2", "-3/2", "5")]
Draw = Callable[[st.SearchStrategy[Any]], Any]


def _leaf(draw: Draw, names: tuple[str, ...]) -> ex.Expr:
    return SYMBOLS[draw(st.sampled_from(names))]


def _scaled(draw: Draw, node: ex.Expr) -> ex.Expr:
    return ex.mul(ex.Number(draw(st.sampled_from(COEFFICIENTS))), node)


def scalar(draw: Draw, depth: int) -> ex.Expr:
    """A random 1 x 1 expression, built as the parser builds it."""
    if depth <= 0:
        return draw(st.sampled_from([*(SYMBOLS[n] for n in SCALARS), ex.number(2)]))
    d = depth - 1
    choice = draw(st.integers(0, 13))
    if choice == 0:
        return ex.mul(ex.transpose(vector(draw, d)), vector(draw, d))
    if choice == 1:
        return ex.Trace(matrix(draw, d))
    if choice == 2:
        return ex.Det(matrix(draw, d))
    if choice == 3:
        arg = scalar(draw, d)
        value = constant_value(arg)
        return ex.Log(arg) if value is None or value > 0 else ex.Log(ex.Det(matrix(draw, d)))
    if choice == 4:
        return ex.Norm(draw(st.sampled_from([vector, matrix]))(draw, d))
    if choice == 5:
        base = scalar(draw, d)
        exponents = [2, 3, -1, -2] if constant_value(base) != 0 else [2, 3]
        return power(base, draw(st.sampled_from(exponents)))
    if choice == 6:
        return ex.add(scalar(draw, d), scalar(draw, d))
    if choice == 7:
        return ex.add(scalar(draw, d), ex.neg(scalar(draw, d)))
    if choice == 8:
        return _scaled(draw, scalar(draw, d))
    if choice == 9:
        return ex.mul(scalar(draw, d), scalar(draw, d))
    if choice == 10:
        return ex.mul(ex.transpose(vector(draw, d)), ex.mul(matrix(draw, d), vector(draw, d)))
    if choice == 11:
        base = scalar(draw, d)  # a quotient: never by a constant that could be zero
        divisor = base if constant_value(base) is None else SYMBOLS["alpha"]
        return ex.mul(scalar(draw, d), reciprocal(divisor))
    if choice == 12:
        return ex.transpose(scalar(draw, d))
    return ex.neg(scalar(draw, d))


def vector(draw: Draw, depth: int) -> ex.Expr:
    """A random n x 1 expression."""
    if depth <= 0:
        return _leaf(draw, VECTORS)
    d = depth - 1
    choice = draw(st.integers(0, 7))
    if choice == 0:
        return _leaf(draw, VECTORS)
    if choice == 1:
        return ex.mul(matrix(draw, d), vector(draw, d))
    if choice == 2:
        return ex.mul(scalar(draw, d), vector(draw, d))
    if choice == 3:
        return ex.mul(vector(draw, d), scalar(draw, d))
    if choice == 4:
        return ex.add(vector(draw, d), vector(draw, d))
    if choice == 5:
        return ex.add(vector(draw, d), ex.neg(vector(draw, d)))
    if choice == 6:
        return ex.transpose(ex.mul(ex.transpose(vector(draw, d)), matrix(draw, d)))
    return _scaled(draw, vector(draw, d))


def matrix(draw: Draw, depth: int) -> ex.Expr:
    """A random n x n expression."""
    if depth <= 0:
        return _leaf(draw, MATRICES)
    d = depth - 1
    choice = draw(st.integers(0, 10))
    if choice == 0:
        return _leaf(draw, MATRICES)
    if choice == 1:
        return ex.mul(matrix(draw, d), matrix(draw, d))
    if choice == 2:
        return ex.transpose(matrix(draw, d))
    if choice == 3:
        return power(matrix(draw, d), draw(st.sampled_from([-1, -2, 2, 3])))
    if choice == 4:
        return ex.transpose(ex.Inverse(matrix(draw, d)))
    if choice == 5:
        return ex.mul(scalar(draw, d), matrix(draw, d))
    if choice == 6:
        return ex.add(matrix(draw, d), matrix(draw, d))
    if choice == 7:
        return ex.add(matrix(draw, d), ex.neg(matrix(draw, d)))
    if choice == 8:
        return ex.mul(vector(draw, d), ex.transpose(vector(draw, d)))
    if choice == 9:
        return ex.add(matrix(draw, d), ex.Identity(N))
    return _scaled(draw, matrix(draw, d))


@st.composite
def expressions(draw: Draw) -> ex.Expr:
    kind = draw(st.sampled_from([scalar, scalar, vector, matrix]))
    node: ex.Expr = kind(draw, draw(st.integers(0, 4)))
    return node


@seed(20261202)
@settings(max_examples=400, deadline=None)
@given(expressions())
def test_printer_ascii_round_trip(node: ex.Expr) -> None:
    assert parse(ascii_str(node), DECLARE).expr == node


@seed(20261203)
@settings(max_examples=300, deadline=None)
@given(expressions())
def test_printer_latex_round_trip(node: ex.Expr) -> None:
    assert parse(latex(node), DECLARE).expr == node


@seed(20261204)
@settings(max_examples=300, deadline=None)
@given(expressions())
def test_printer_unicode_round_trip(node: ex.Expr) -> None:
    assert parse(unicode(node), DECLARE).expr == node


@pytest.mark.katex
@settings(
    max_examples=2,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # the fixture is stateless
)
@given(st.lists(expressions(), min_size=100, max_size=100))
def test_printer_random_latex_renders_in_katex(
    katex_errors: Callable[[list[str]], list[str]], nodes: list[ex.Expr]
) -> None:
    # one node process for a hundred formulas
    assert katex_errors([latex(node) for node in nodes]) == []
