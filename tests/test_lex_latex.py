"""Tests for the LaTeX front end: the LaTeX forms parse to the same trees as the ASCII forms."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from derive.documents.printer import latex
from derive.errors import DeriveError, LocatedError, ParseError, UnsupportedError
from derive.language.frontend import parse
from derive.language.lex_latex import lex_latex
from derive.language.parse import parse_syntax
from derive.language.syntax import Syntax
from derive.language.tokens import Kind

Shape = tuple[str, str, Fraction | None, tuple["Shape", ...]]


def shape(node: Syntax) -> Shape:
    """The tree without its spans, so that LaTeX and ASCII parses compare equal."""
    return (node.op, node.name, node.value, tuple(shape(arg) for arg in node.args))


SAME_AS_ASCII = [
    (r"x^\top A x", "x' A x"),
    (r"x^T A x", "x' A x"),
    (r"\,x^TAx", "x' A x"),
    (r"\operatorname{tr}(A X B)", "tr(A X B)"),
    (r"\operatorname{Tr}(X)", "tr(X)"),
    (r"\mathrm{tr}(A)", "tr(A)"),
    (r"\tr(A^\top B)", "tr(A' B)"),
    (r"\det X", "det(X)"),
    (r"\mathbf{x}^\top \mathbf{A} \mathbf{x}", "x' A x"),
    (r"\boldsymbol{x}^\top \bm{A} \vec{x}", "x' A x"),
    (r"\mathbf x^\top \mathbf A \mathbf x", "x' A x"),
    (r"\left( y - A x \right)^\top \left( y - A x\right)", "(y - A x)' (y - A x)"),
    (r"\bigl( y - A x \bigr)^\top \Bigl[ y - A x \Bigr]", "(y - A x)' (y - A x)"),
    (r"\frac{1}{2} x^\top x", "1/2 x' x"),
    (r"\frac12 x^\top x", "1/2 x' x"),
    (r"\frac{x^\top x}{\alpha}", "(x' x) / alpha"),
    (r"\lVert x \rVert^2", "norm(x)^2"),
    (r"\|x\|^2", "norm(x)^2"),
    (r"\left\| A - B \right\|^2", "norm(A - B)^2"),
    (r"\Vert x \Vert", "norm(x)"),
    (r"\lvert x^\top y \rvert", "|x' y|"),
    (r"X^{-1}", "X^-1"),
    (r"\,X^{-1}", "X^-1"),
    (r"\mathbf{X}^{-\top}", "X^-T"),
    (r"X^{10}", "X^10"),
    (r"x^{\mathsf T}", "x'"),
    (r"x^{\mathsf{T}}", "x'"),
    (r"x^\mathsf{T}", "x'"),
    (r"x^{\mathrm{T}}", "x'"),
    (r"x^{T}", "x'"),
    (r"x^\intercal", "x'"),
    (r"\log \det X", "log(det(X))"),
    (r"\ln\det X", "log(det(X))"),
    (r"\operatorname{logdet}(X)", "logdet(X)"),
    (r"\log\left(x^\top x\right)", "log(x' x)"),
    (r"\alpha x", "alpha x"),
    (r"\alpha_1 \lambda_{2} x", "alpha_1 lambda_2 x"),
    (r"W_{2} x", "W_2 x"),
    (r"\,W_2 x", "W_2 x"),
    (r"\,x_{k}", "x_k"),
    (r"\mathbf{W}_{2} \mathbf{x}_k", "W_2 x_k"),
    (r"\mathbf{W_2}", "W_2"),
    (r"\mathit{foo}_{2} + \mathit{bar}", "foo_2 + bar"),
    (r"\,x1 + A x2", "x1 + A x2"),
    (r"$x^\top A x$", "x' A x"),
    (r"$$ x^\top A x $$", "x' A x"),
    (r"\(x^\top A x\)", "x' A x"),
    (r"\[ x^\top A x \]", "x' A x"),
    (r"  $x$  % the quadratic form", "x"),
    (r"\,Ax", "A x"),
    (r"x^\top A^\top A x", "x' A' A x"),
    (r"x \cdot y + A \times B", "x * y + A * B"),
    (r"{x}^\top {(A + B)} x", "x' (A + B) x"),
    (r"\mathbf{A x}^\top", "(A x)'"),
    (r"2 \, x^\top \! A \; x \quad + 0.5", "2 x' A x + 0.5"),
    (r"\,x~+~y", "x + y"),
    (r"x^{\top} A x - 2 b^\top x + c", "x' A x - 2 b' x + c"),
    (r"\frac{\frac{1}{2}}{\alpha}", "(1/2) / alpha"),
    ("\\,x''", "x''"),
    (r"\,\mathrm{trace}(X) + \mathrm{inv}(X)", "tr(X) + inv(X)"),
    (r"\,tr(X) + logdet(X)", "tr(X) + logdet(X)"),
]


@pytest.mark.parametrize(
    ("latex", "ascii"), SAME_AS_ASCII, ids=[latex for latex, _ in SAME_AS_ASCII]
)
def test_lex_latex_same_tree_as_ascii(latex: str, ascii: str) -> None:
    assert shape(parse_syntax(latex)) == shape(parse_syntax(ascii))


PRINTED = [
    "x' A x", "tr(A X B)", "logdet(X)", "norm(x)^2", "1/2 x' x", "(y - A x)' (y - A x)",
    "X^-1", "X^-T", "alpha x' x", "W_2 x", "x_k' x_k", "theta_ab x", "-2 tr(A' X)",
    "(x' x) / alpha", "det(X)^2", "lambda_1 norm(A - B)^2", "foo' x",
]  # fmt: skip


@pytest.mark.parametrize("ascii", PRINTED, ids=PRINTED)
def test_lex_latex_reads_the_latex_printer_output(ascii: str) -> None:
    expr = parse(ascii).expr
    assert parse(latex(expr)).expr == expr


TOKENS = [
    (r"x^\top", [(Kind.NAME, "x", 0, 1), (Kind.CARET, "^", 1, 2), (Kind.TOP, r"\top", 2, 6)]),
    (r"\mathbf{x}_2", [(Kind.NAME, "x_2", 0, 12)]),
    (r"\alpha_{k}", [(Kind.NAME, "alpha_k", 0, 10)]),
    (r"\operatorname{tr}", [(Kind.NAME, "tr", 0, 17)]),
    (
        r"\left( x \right)",
        [(Kind.LPAREN, r"\left(", 0, 6), (Kind.NAME, "x", 7, 8), (Kind.RPAREN, r"\right)", 9, 16)],
    ),
    (
        r"\left\| x \right\|",
        [(Kind.DBAR, r"\left\|", 0, 7), (Kind.NAME, "x", 8, 9), (Kind.DBAR, r"\right\|", 10, 18)],
    ),
    (r"x^{\mathsf T}", [(Kind.NAME, "x", 0, 1), (Kind.CARET, "^", 1, 2), (Kind.LBRACE, "{", 2, 3),
                        (Kind.TOP, r"\mathsf{T}", 3, 12), (Kind.RBRACE, "}", 12, 13)]),
    (
        r"\frac{1}{2}",
        [(Kind.FRAC, r"\frac", 0, 5), (Kind.LBRACE, "{", 5, 6), (Kind.NUMBER, "1", 6, 7),
         (Kind.RBRACE, "}", 7, 8), (Kind.LBRACE, "{", 8, 9), (Kind.NUMBER, "2", 9, 10),
         (Kind.RBRACE, "}", 10, 11)],
    ),
    (
        r"\frac12",
        [(Kind.FRAC, r"\frac", 0, 5), (Kind.LBRACE, "{", 5, 5), (Kind.NUMBER, "1", 5, 6),
         (Kind.RBRACE, "}", 6, 6), (Kind.LBRACE, "{", 6, 6), (Kind.NUMBER, "2", 6, 7),
         (Kind.RBRACE, "}", 7, 7)],
    ),
    (r"\,Ax2", [(Kind.NAME, "A", 2, 3), (Kind.NAME, "x2", 3, 5)]),
    (r"\,2.5x", [(Kind.NUMBER, "2.5", 2, 5), (Kind.NAME, "x", 5, 6)]),
    (r"\det\left[X\right]", [(Kind.NAME, "det", 0, 4), (Kind.LPAREN, r"\left[", 4, 10),
                             (Kind.NAME, "X", 10, 11), (Kind.RPAREN, r"\right]", 11, 18)]),
    (r"x \odot y", [(Kind.NAME, "x", 0, 1), (Kind.HADAMARD, r"\odot", 2, 7),
                    (Kind.NAME, "y", 8, 9)]),
    (r"\sigma(x)", [(Kind.NAME, "sigma", 0, 6), (Kind.LPAREN, "(", 6, 7), (Kind.NAME, "x", 7, 8),
                    (Kind.RPAREN, ")", 8, 9)]),
]  # fmt: skip


@pytest.mark.parametrize(("source", "expected"), TOKENS, ids=[source for source, _ in TOKENS])
def test_lex_latex_tokens_and_spans(
    source: str, expected: list[tuple[Kind, str, int, int]]
) -> None:
    tokens = lex_latex(source)
    assert tokens[-1].kind is Kind.END
    got = [(token.kind, token.text, token.span.start, token.span.end) for token in tokens[:-1]]
    assert got == expected


@pytest.mark.parametrize(
    ("source", "end"),
    [("x", 1), ("x  ", 3), ("$x$", 2), ("$$x$$ ", 3), (r"\[ x \]", 5)],
    ids=["bare", "trailing-space", "dollar", "display", "brackets"],
)
def test_lex_latex_end_token_at_end_of_math(source: str, end: int) -> None:
    last = lex_latex(source)[-1]
    assert (last.kind, last.span.start, last.span.end) == (Kind.END, end, end)


ERRORS = [
    (r"\frac{a}{b", ParseError, "unbalanced braces: '{' is never closed", 9),
    (r"\,x}", ParseError, "unbalanced braces: '}' has no matching '{'", 4),
    (r"\alpha^{\top", ParseError, "unbalanced braces", 8),
    (r"\foo x", ParseError, r"unknown LaTeX command \foo", 1),
    (r"x + \Sigma", ParseError, r"unknown LaTeX command \Sigma", 5),
    (r"x \\ y", ParseError, r"unknown LaTeX command \\", 3),
    (r"\begin{pmatrix} a \end{pmatrix}", UnsupportedError, "environment pmatrix", 1),
    (r"\begin{pmatrix}", ParseError, "pmatrix", 1),
    (r"\,x^", ParseError, "expected a number or T after '^'", 5),
    (r"\frac{1}", ParseError, r"missing argument of \frac", 1),
    (r"x + \sqrt", ParseError, r"missing argument of \sqrt", 5),
    (r"\frac{1}+x", ParseError, r"expected '{' to start an argument of \frac", 9),
    (r"\frac{x}{}", ParseError, "expected an expression", 10),
    (r"\left( x", ParseError, r"\left has no matching \right", 1),
    (r"x \right)", ParseError, r"\right has no matching \left", 3),
    (r"\left x \right)", ParseError, r"expected a delimiter such as ( or | after \left", 7),
    (r"$x", ParseError, 'math mode "$" is never closed', 1),
    (r"$x$ y", ParseError, "text outside the math delimiters", 4),
    (r"$x$ + $y$", ParseError, "text outside the math delimiters", 4),
    ("x\\", ParseError, "a backslash must start a LaTeX command", 2),
    (r"\,x_12", ParseError, "a subscript of several digits needs braces: {12}", 5),
    (r"\,X^21", ParseError, "an exponent of several digits needs braces: {21}", 5),
    (r"\,x^2_1", ParseError, "a subscript must follow a name", 6),
    (r"\,x_", ParseError, "expected letters or digits after '_'", 4),
    (r"\,x_{k+1}", UnsupportedError, "a subscript must be letters or digits", 7),
    (r"\mathbf{x_1}_2", ParseError, "'x_1' cannot take a subscript", 13),
    (r"\log_2 x", ParseError, "'log' cannot take a subscript", 5),
    (r"\mathbf{}", ParseError, r"\mathbf must contain a name", 1),
    (r"\operatorname{vec}(x)", UnsupportedError, "vec(...) is not supported yet", 1),
    (r"\sinh(x)", UnsupportedError, "sinh(...) is not supported yet", 1),
    (r"\operatorname{foo}(x)", UnsupportedError, r"unknown operator \operatorname{foo}", 1),
    (r"x \odot", ParseError, "expected a symbol, a number or '('", 8),
    (r"\,x & y", ParseError, "unexpected character '&'", 5),
    ("x +\n  \\foo", ParseError, r"unknown LaTeX command \foo", 3),
]


@pytest.mark.parametrize(
    ("source", "error", "message", "column"), ERRORS, ids=[source for source, *_ in ERRORS]
)
def test_lex_latex_error_message_and_column(
    source: str, error: type[LocatedError], message: str, column: int
) -> None:
    with pytest.raises(DeriveError) as info:
        parse_syntax(source)
    assert type(info.value) is error
    assert message in str(info.value)
    assert info.value.column == column


def test_lex_latex_errors_carry_spans_without_source() -> None:
    with pytest.raises(ParseError) as info:
        lex_latex(r"\frac{a}{b")
    assert info.value.span is not None
    assert (info.value.span.start, info.value.span.end) == (8, 9)


FRAGMENTS = [
    "\\", "{", "}", "^", "_", "'", "(", ")", "[", "]", "|", "+", "-", "/", "*", " ", "$", "$$",
    "%", "\n", "~", "&", ".", ",", "1", "2", "0.5", "x", "A", "T", "tr", "k",
    r"\frac", r"\frac{", r"\left(", r"\right)", r"\left", r"\right", r"\left\|", r"\|",
    r"\lVert", r"\rVert", r"\top", r"\mathbf{", r"\mathsf", r"\mathrm{T}", r"\operatorname{",
    r"\alpha", r"\det", r"\log", r"\exp", r"\cdot", r"\odot", r"\,", r"\begin{", r"\end{",
    r"\begin{pmatrix}", r"\end{pmatrix}", r"\(", r"\)", r"\[", r"\]", r"\foo", r"\\",
]  # fmt: skip


@seed(20261202)
@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=14).map("".join))
def test_lex_latex_fuzz_only_located_errors(source: str) -> None:
    # A leading \, (a thin space, ignored) sends every input through the LaTeX front end.
    text = r"\," + source
    try:
        tokens = lex_latex(text)
        parse_syntax(text)
    except DeriveError as error:
        assert isinstance(error, LocatedError)
        assert error.span is not None
        assert 0 <= error.span.start <= error.span.end <= len(text)
    else:
        assert all(0 <= t.span.start <= t.span.end <= len(text) for t in tokens)
