"""The input language of PRODUCT.md section 2, row by row, in ASCII and in LaTeX.

Every case compares the typed expression ``language.frontend.parse(text).expr`` with one built from
the ``derive.ir.expr`` constructors, and the inferred shape of every symbol.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from derive.ir import expr as ex
from derive.language.frontend import parse
from derive.language.parse import parse_syntax
from derive.language.syntax import Syntax

N, M, P = "n", "m", "p"


def sym(name: str, rows: ex.Dim, cols: ex.Dim) -> ex.Symbol:
    return ex.Symbol(name, ex.Shape(rows, cols))


def num(value: int | str) -> ex.Number:
    return ex.Number(Fraction(value))


def mm(*factors: ex.Expr) -> ex.MatMul:
    return ex.MatMul(factors)


def neg(node: ex.Expr) -> ex.MatMul:
    return ex.MatMul((num(-1), node))


x, y = sym("x", N, 1), sym("y", N, 1)
A_sq, X_sq, M_sq = sym("A", N, N), sym("X", N, N), sym("M", N, N)
A_nm, B_nm = sym("A", N, M), sym("B", N, M)
alpha = sym("alpha", 1, 1)
s = sym("s", 1, 1)

Shapes = dict[str, tuple[ex.Dim, ex.Dim]]
Case = tuple[str, ex.Expr, Shapes]

# (source, expected expression, expected shapes); rows in the order of PRODUCT.md section 2.
ASCII: list[Case] = [
    # symbol
    ("A", A_nm, {"A": (N, M)}),
    ("x", x, {"x": (N, 1)}),
    ("x1", sym("x_1", N, 1), {"x_1": (N, 1)}),
    ("W_2", sym("W_2", N, M), {"W_2": (N, M)}),
    ("alpha", alpha, {"alpha": (1, 1)}),
    ("beta", sym("beta", 1, 1), {"beta": (1, 1)}),
    ("lambda", sym("lambda", 1, 1), {"lambda": (1, 1)}),
    ("sigma", sym("sigma", 1, 1), {"sigma": (1, 1)}),
    # number
    ("2", num(2), {}),
    ("0.5", num("1/2"), {}),
    ("1/2", num("1/2"), {}),
    # sum, difference, negation
    ("A + B", ex.Add((A_nm, B_nm)), {"A": (N, M), "B": (N, M)}),
    ("x - y", ex.Add((x, neg(y))), {"x": (N, 1), "y": (N, 1)}),
    ("-x", neg(x), {"x": (N, 1)}),
    # product
    ("A x", mm(sym("A", N, M), sym("x", M, 1)), {"A": (N, M), "x": (M, 1)}),
    ("A*x", mm(sym("A", N, M), sym("x", M, 1)), {"A": (N, M), "x": (M, 1)}),
    ("A@x", mm(sym("A", N, M), sym("x", M, 1)), {"A": (N, M), "x": (M, 1)}),
    ("alpha A", mm(alpha, sym("A", N, M)), {"alpha": (1, 1), "A": (N, M)}),
    ("2 x", mm(num(2), x), {"x": (N, 1)}),
    # division by a scalar
    ("x / 2", mm(num("1/2"), x), {"x": (N, 1)}),
    (
        "(x' x) / alpha",
        mm(ex.Transpose(x), x, ex.Power(alpha, -1)),
        {"x": (N, 1), "alpha": (1, 1)},
    ),
    # transpose
    ("x'", ex.Transpose(x), {"x": (N, 1)}),
    ("x^T", ex.Transpose(x), {"x": (N, 1)}),
    ("x.T", ex.Transpose(x), {"x": (N, 1)}),
    # inverse, powers
    ("inv(X)", ex.Inverse(X_sq), {"X": (N, N)}),
    ("X^-1", ex.Inverse(X_sq), {"X": (N, N)}),
    ("X^{-1}", ex.Inverse(X_sq), {"X": (N, N)}),
    ("X^2", ex.Power(X_sq, 2), {"X": (N, N)}),
    ("X^3", ex.Power(X_sq, 3), {"X": (N, N)}),
    ("X^-2", ex.Power(ex.Inverse(X_sq), 2), {"X": (N, N)}),
    ("X^-T", ex.Transpose(ex.Inverse(X_sq)), {"X": (N, N)}),
    # functions
    ("tr(M)", ex.Trace(M_sq), {"M": (N, N)}),
    ("det(M)", ex.Det(M_sq), {"M": (N, N)}),
    ("log(s)", ex.Log(s), {"s": (1, 1)}),
    ("log(det(X))", ex.Log(ex.Det(X_sq)), {"X": (N, N)}),
    ("logdet(X)", ex.Log(ex.Det(X_sq)), {"X": (N, N)}),
    # norms
    ("norm(x)^2", ex.Power(ex.Norm(x), 2), {"x": (N, 1)}),
    ("||x||^2", ex.Power(ex.Norm(x), 2), {"x": (N, 1)}),
    ("|x|^2", ex.Power(ex.Norm(x), 2), {"x": (N, 1)}),
    ("norm(A)", ex.Norm(A_nm), {"A": (N, M)}),
]

LATEX: list[Case] = [
    # symbol
    ("$A$", A_nm, {"A": (N, M)}),
    (r"\mathbf{x}", x, {"x": (N, 1)}),
    ("$x_1$", sym("x_1", N, 1), {"x_1": (N, 1)}),
    ("$W_{2}$", sym("W_2", N, M), {"W_2": (N, M)}),
    (r"\mathbf{W}_2", sym("W_2", N, M), {"W_2": (N, M)}),
    (r"\alpha", alpha, {"alpha": (1, 1)}),
    (r"\beta", sym("beta", 1, 1), {"beta": (1, 1)}),
    (r"\lambda", sym("lambda", 1, 1), {"lambda": (1, 1)}),
    (r"\sigma", sym("sigma", 1, 1), {"sigma": (1, 1)}),
    # number
    ("$2$", num(2), {}),
    ("$0.5$", num("1/2"), {}),
    (r"\frac{1}{2}", num("1/2"), {}),
    (r"\tfrac12", num("1/2"), {}),
    # sum, difference, negation
    ("$A + B$", ex.Add((A_nm, B_nm)), {"A": (N, M), "B": (N, M)}),
    (r"\mathbf{x} - \mathbf{y}", ex.Add((x, neg(y))), {"x": (N, 1), "y": (N, 1)}),
    (r"-\mathbf{x}", neg(x), {"x": (N, 1)}),
    # product
    ("$A x$", mm(sym("A", N, M), sym("x", M, 1)), {"A": (N, M), "x": (M, 1)}),
    (r"A \cdot x", mm(sym("A", N, M), sym("x", M, 1)), {"A": (N, M), "x": (M, 1)}),
    (r"\alpha A", mm(alpha, sym("A", N, M)), {"alpha": (1, 1), "A": (N, M)}),
    # division by a scalar
    (r"\frac{x}{2}", mm(num("1/2"), x), {"x": (N, 1)}),
    (
        r"\frac{x^\top x}{\alpha}",
        mm(ex.Transpose(x), x, ex.Power(alpha, -1)),
        {"x": (N, 1), "alpha": (1, 1)},
    ),
    # transpose
    (r"x^\top", ex.Transpose(x), {"x": (N, 1)}),
    ("$x^T$", ex.Transpose(x), {"x": (N, 1)}),
    (r"x^{\mathsf T}", ex.Transpose(x), {"x": (N, 1)}),
    (r"x^\intercal", ex.Transpose(x), {"x": (N, 1)}),
    # inverse, powers
    (r"\mathbf{X}^{-1}", ex.Inverse(X_sq), {"X": (N, N)}),
    ("$X^2$", ex.Power(X_sq, 2), {"X": (N, N)}),
    ("$X^{10}$", ex.Power(X_sq, 10), {"X": (N, N)}),
    (r"X^{-\top}", ex.Transpose(ex.Inverse(X_sq)), {"X": (N, N)}),
    # functions
    (r"\operatorname{tr}(M)", ex.Trace(M_sq), {"M": (N, N)}),
    (r"\mathrm{tr}(M)", ex.Trace(M_sq), {"M": (N, N)}),
    (r"\det M", ex.Det(M_sq), {"M": (N, N)}),
    (r"\det\left(M\right)", ex.Det(M_sq), {"M": (N, N)}),
    (r"\log s", ex.Log(s), {"s": (1, 1)}),
    (r"\log \det X", ex.Log(ex.Det(X_sq)), {"X": (N, N)}),
    (r"\operatorname{logdet}(X)", ex.Log(ex.Det(X_sq)), {"X": (N, N)}),
    # norms
    (r"\lVert x \rVert^2", ex.Power(ex.Norm(x), 2), {"x": (N, 1)}),
    (r"\|x\|^2", ex.Power(ex.Norm(x), 2), {"x": (N, 1)}),
    (r"\left\| A \right\|", ex.Norm(A_nm), {"A": (N, M)}),
    # the LaTeX input row
    (r"x^\top A x", mm(ex.Transpose(x), A_sq, x), {"x": (N, 1), "A": (N, N)}),
    (
        r"\mathbf{x}^\top \mathbf{A} \mathbf{x}",
        mm(ex.Transpose(x), A_sq, x),
        {"x": (N, 1), "A": (N, N)},
    ),
    (
        r"\operatorname{tr}(A X B)",
        ex.Trace(mm(sym("A", N, M), sym("X", M, P), sym("B", P, N))),
        {"A": (N, M), "X": (M, P), "B": (P, N)},
    ),
    (
        r"\left( y - A x \right)^\top \left( y - A x \right)",
        mm(
            ex.Transpose(ex.Add((y, mm(num(-1), sym("A", N, M), sym("x", M, 1))))),
            ex.Add((y, mm(num(-1), sym("A", N, M), sym("x", M, 1)))),
        ),
        {"y": (N, 1), "A": (N, M), "x": (M, 1)},
    ),
    (r"\frac{1}{2} x^\top x", mm(num("1/2"), ex.Transpose(x), x), {"x": (N, 1)}),
    (r"$$\frac{1}{2} x^\top x$$", mm(num("1/2"), ex.Transpose(x), x), {"x": (N, 1)}),
]


def shapes_of(text: str, declare: tuple[str, ...] = ()) -> Shapes:
    problem = parse(text, declare)
    return {name: (i.shape.rows, i.shape.cols) for name, i in problem.symbols.items()}


@pytest.mark.parametrize(("source", "expected", "shapes"), ASCII, ids=[c[0] for c in ASCII])
def test_parse_ascii_row(source: str, expected: ex.Expr, shapes: Shapes) -> None:
    assert parse(source).expr == expected
    assert shapes_of(source) == shapes


@pytest.mark.parametrize(("source", "expected", "shapes"), LATEX, ids=[c[0] for c in LATEX])
def test_parse_latex_row(source: str, expected: ex.Expr, shapes: Shapes) -> None:
    assert parse(source).expr == expected
    assert shapes_of(source) == shapes


def test_parse_latex_rows_go_through_the_latex_front_end() -> None:
    # Every LaTeX case carries a backslash or a dollar, so none silently takes the ASCII path.
    assert all("\\" in source or "$" in source for source, _, _ in LATEX)


SAME = [
    ("x' A x", "x^T A x", "x.T A x", "x^{T} A x", "x^(T) A x", "xᵀ A x"),
    ("X^-1", "inv(X)", "X^{-1}", "X^(-1)", "inv X", "X⁻¹"),
    ("A x", "A*x", "A@x", "A * x", "A·x", "(A)(x)"),
    ("tr(X)", "trace(X)", "Tr(X)", "tr X", "tr(  X  )", "{tr(X)}"),
    ("log(det(X))", "logdet(X)", "log det X", "ln(det(X))", "log(det X)", "ln det(X)"),
    ("norm(x)^2", "||x||^2", "|x|^2", "‖x‖²", "norm(x) ^ 2", "(norm(x))^2"),
    ("x - y", "x + -y", "x − y", "x - +y", "x + (-y)", "x + -1 y"),
    ("W_2 x1", "W_{2} x_1", "W2 x_{1}", "W₂ x₁", "W_2(x1)", "W2*x1"),
    ("alpha x", "α x", "alpha*x", "\\alpha x", "alpha (x)", "(alpha) x"),
]


@pytest.mark.parametrize("spellings", SAME, ids=[row[0] for row in SAME])
def test_parse_spellings_mean_the_same(spellings: tuple[str, ...]) -> None:
    first = parse(spellings[0]).expr
    for text in spellings[1:]:
        assert parse(text).expr == first, text


def plain(node: Syntax) -> tuple[object, ...]:
    """The syntax tree without spans."""
    return (node.op, node.name, node.value, tuple(plain(arg) for arg in node.args))


PRECEDENCE = [
    ("a + b c", "a + (b c)"),
    ("a - b - c", "(a - b) - c"),
    ("a / b / c", "(a / b) / c"),
    ("a / b c", "(a / b) c"),
    ("-a b", "(-a) b"),
    ("-a^2", "-(a^2)"),
    ("a b'", "a (b')"),
    ("a'^2", "(a')^2"),
    ("x' A x + b' x + c", "((x' A x) + (b' x)) + c"),
    ("tr A B", "(tr(A)) B"),
    ("det X^2", "det(X^2)"),
    ("log det X", "log(det(X))"),
    ("|a| |b|", "(|a|) (|b|)"),
    ("||a|| b", "norm(a) b"),
    ("2 3 x", "(2 3) x"),
    ("x'' ", "(x')'"),
    ("X^-T", "X^{-T}"),
]


@pytest.mark.parametrize(("text", "grouped"), PRECEDENCE, ids=[t for t, _ in PRECEDENCE])
def test_parse_precedence(text: str, grouped: str) -> None:
    assert plain(parse_syntax(text)) == plain(parse_syntax(grouped))


FOLDED = [
    ("2 3", num(6)),
    ("2^-1", num("1/2")),
    ("(1/2)^2", num("1/4")),
    ("-(-x)", x),
    ("- - x", x),
    ("x''", x),
    ("x''''", x),
    ("x.T.T", x),
    ("(x')'", x),
    ("+x", x),
    ("{x}", x),
    ("((x))", x),
    ("x / 0.5", mm(num(2), x)),
    ("2 x / 4", mm(num("1/2"), x)),
    ("I x", x),
    ("x' I x", mm(ex.Transpose(x), x)),
]


@pytest.mark.parametrize(("text", "expected"), FOLDED, ids=[t for t, _ in FOLDED])
def test_parse_folds_numbers_and_double_transposes(text: str, expected: ex.Expr) -> None:
    assert parse(text).expr == expected


def test_parse_identity_takes_the_size_it_needs() -> None:
    problem = parse("A + I", ("A: 3 x 3",))
    assert problem.expr == ex.Add((sym("A", 3, 3), ex.Identity(3)))


def test_parse_spans_point_into_the_source() -> None:
    tree = parse_syntax("x' A x + b")
    assert (tree.span.start, tree.span.end) == (0, 10)
    right = tree.args[1]
    assert (right.op, right.span.start, right.span.end) == ("sym", 9, 10)


def test_parse_latex_spans_point_into_the_source() -> None:
    source = r"\operatorname{tr}(X) + \alpha"
    tree = parse_syntax(source)
    trace, scalar = tree.args
    assert source[trace.span.start : trace.span.end] == r"\operatorname{tr}(X)"
    assert source[scalar.span.start : scalar.span.end] == r"\alpha"


def test_parse_whitespace_is_insignificant() -> None:
    assert parse("  x'\tA\n x ").expr == parse("x' A x").expr


def test_parse_rejects_non_strings() -> None:
    with pytest.raises(TypeError, match="string"):
        parse(b"x' x")  # type: ignore[arg-type]


def test_parse_long_sums_and_products_near_the_limit() -> None:
    # 1,999 tokens: inference and building walk these chains in a loop, not by recursion
    total = parse("x + " * 999 + "x").expr
    assert isinstance(total, ex.Add) and len(total.terms) == 1000
    chain = parse(" ".join(["A"] * 1000), ("A: n x n",)).expr
    assert isinstance(chain, ex.MatMul) and len(chain.factors) == 1000


def test_parse_warns_of_a_name_whose_letters_name_other_symbols() -> None:
    # xy is lower case throughout (not mixed like Ax): it is suspect because x and y are symbols
    assert parse("x' xy y").warnings == ("xy is read as one symbol; write x y for a product",)
    assert parse("x' xy z").warnings == ()  # no symbol y: xy is just a name


def test_parse_ascii_tokens_end_with_an_empty_end_token() -> None:
    from derive.language.lex_ascii import lex_ascii
    from derive.language.tokens import Kind, Token

    tokens = lex_ascii("A x'", offset=3)
    assert [(t.kind, t.text) for t in tokens] == [
        (Kind.NAME, "A"), (Kind.NAME, "x"), (Kind.PRIME, "'"), (Kind.END, "")]  # fmt: skip
    assert tokens[-1] == Token(Kind.END, "", tokens[-1].span)
    assert (tokens[-1].span.start, tokens[-1].span.end) == (7, 7)  # the end, offset included


def test_parse_signs_one_after_another_do_not_add_up_to_a_nesting() -> None:
    # each sign nests only what follows it: forty signed terms side by side are one level deep
    expr = parse(" + ".join(["-x"] * 40)).expr
    assert isinstance(expr, ex.Add) and expr.terms == (parse("-x").expr,) * 40
