"""Malformed input: the error's class, its message, and the column of the culprit.

Every error shows ``line:col``, the source line and a caret under the problem.
"""

from __future__ import annotations

import pytest

from derive.errors import (
    DeriveError,
    LimitError,
    LocatedError,
    ParseError,
    ShapeError,
    Span,
    UnsupportedError,
    caret_excerpt,
    line_col,
)
from derive.language.frontend import parse

P, U, L, S = ParseError, UnsupportedError, LimitError, ShapeError

# (source, error class, message fragment, 1-based column of the culprit)
ERRORS: list[tuple[str, type[LocatedError], str, int]] = [
    # incomplete input: the column is the end
    ("x' A +", P, "expected a symbol, a number or '(', found end of input", 7),
    ("x ^", P, "expected a number or T after '^', found end of input", 4),
    ("X^-", P, "expected a number or T after '^'", 4),
    ("A^T^", P, "expected a number or T after '^'", 5),
    ("-", P, "expected a symbol, a number or '('", 2),
    ("det", P, "expected the argument of det, found end of input", 4),
    ("", P, "expected an expression, found end of input", 1),
    ("   ", P, "expected an expression, found end of input", 4),
    # brackets
    ("(x", P, "expected ')' to close '('", 3),
    ("log(det(X)", P, "expected ')' to close '('", 11),
    ("{x", P, "expected '}' to close '{'", 3),
    ("(x]", P, "expected ')' to close '(', found ']'", 3),
    ("[x)", P, "expected ']' to close '[', found ')'", 3),
    ("x))", P, "expected an operator or the end of the expression, found ')'", 2),
    ("x}", P, "expected an operator or the end of the expression, found '}'", 2),
    ("tr()", P, "expected an expression inside the brackets, found ')'", 4),
    ("inv()", P, "expected an expression inside the brackets", 5),
    ("ln(x, y)", P, "expected ')' to close '(', found ','", 5),
    ("x, y", P, "found ','", 2),
    ("||x", P, "expected '||' to close the norm, found end of input", 4),
    ("|x", P, "expected '|' to close the norm", 3),
    ("||||", P, "expected a symbol, a number or '(', found end of input", 5),
    (r"\right\| x", P, "\\right has no matching \\left", 1),
    # operators
    ("x +* y", P, "expected a symbol, a number or '(', found '*'", 4),
    ("x @@ y", P, "found '@'", 4),
    ("x^{T", P, "expected '}' to close the exponent, found end of input", 5),
    ("A^(2", P, "expected ')' to close the exponent", 5),
    ("x^{-}", P, "expected a number or T after '^', found '}'", 5),
    ("x^0", P, "the exponent 0 is not allowed", 3),
    ("A^-0", P, "the exponent 0 is not allowed", 4),
    # characters
    ("#", P, "unexpected character '#'", 1),
    ("x = y", P, "unexpected character '='", 3),
    ("5!", P, "unexpected character '!'", 2),
    ("2.", P, "unexpected character '.'", 2),
    ("x.y", P, "write x' or x.T for a transpose", 2),
    ("x_", P, "expected letters or digits after '_'", 2),
    ("_x", P, "a subscript '_' must follow a name", 1),
    ("x_1_2", P, "a name takes one subscript", 4),
    ("x1_2", P, "a name takes one subscript", 3),
    ("x_ab_c", P, "a name takes one subscript", 5),  # a letter subscript, then a second '_'
    ("1e-3", P, "write 1e-3 without an exponent", 1),
    ("x + 2.5E3", P, "write 2.5E3 without an exponent", 5),
    # LaTeX
    ("$", P, 'math mode "$" is never closed', 1),
    (r"\frac{1}{x", P, "unbalanced braces", 9),
    (r"\foo(x)", P, r"unknown LaTeX command \foo", 1),
    # values
    ("1/0", P, "division by zero", 3),
    ("x / (1 - 1)", P, "division by zero", 5),
    (r"\frac{x}{0}", P, "division by zero", 9),
    ("0^-1", P, "division by zero", 1),
    ("inv(0)", P, "division by zero", 1),
    ("inv(0 X)", P, "a zero matrix has no inverse", 1),
    ("(0 X)^-2", P, "a zero matrix has no inverse", 1),
    ("x ./ (0 x)", P, "division by zero", 6),  # entrywise: a zero vector, not a scalar 0
    ("log(0)", P, "log needs a positive number, not 0", 5),
    ("1 + log(2 - 3)", P, "log needs a positive number, not 2 - 3, which is -1", 9),
    # not supported yet, by name
    ("vec(X)", U, "vec(...) is not supported yet", 1),
    ("kron(A, B)", U, "kron(...) is not supported yet", 1),
    ("A ⊗ B", U, "the Kronecker product (⊗, kron) is not supported yet", 3),
    (r"A \otimes B", U, "the Kronecker product (\\otimes, kron) is not supported yet", 3),
    ("1 + max(x)", U, "max(...) is not supported yet", 5),
    ("sinh(x)", U, "sinh(...) is not supported yet", 1),
    ("norm(x, 3)", U, "the norm '3' is not supported", 9),
    ("norm(A, 2)", U, "the spectral norm of the matrix A is not supported yet", 1),
    (r"\sqrt[3]{x}", U, "roots other than the square root are not supported yet", 6),
    ("foo(x)", U, "unknown function foo(...)", 1),
    ("x + bar(y)", U, "unknown function bar(...)", 5),
    # a capital letter does not make a name a matrix product: Fx(X) is not F x (X)
    ("Fx(X)", U, "unknown function Fx(...)", 1),
    ("x' Grad(x)", U, "unknown function Grad(...)", 4),
    ("X^n", U, "exponent 'n' is not supported: write T for a transpose or a number", 3),
    ("X^2.5", S, "a power 5/2 needs a scalar, but X is n x m", 1),
    ("2 ^ x", U, "or a number such as 2, -1 or (1/2)", 5),
    ("x .^ T", P, "expected a number after '.^'", 6),
    ("s^(1/0)", P, "division by zero", 6),
    ("(-1)^(1/2)", P, "the power 1/2 of -1 is not a real number", 1),
    # limits
    ("X^99999", L, "the exponent 99999 is too large (at most 100)", 3),
    ("x " * 1000 + "+ 123456789012345678901234567890123", L, "the number is too long", 2003),
    ("(" * 60 + "x" + ")" * 60, L, "the expression nests too deeply", 51),
    ("x" + "^2" * 120, L, "the expression nests too deeply", 1),
    ("x + " * 1500 + "x", L, "at most 2,000", 4001),
    ("x" * 10_001, L, "the expression is too long: 10,001 characters", 10_001),
    ("99999999999^50", L, "a number in the expression is too large", 1),
    ("((s^10)^10)^10", L, "the power is too large: exponent 1000", 1),
]


def _id(case: tuple[str, type[LocatedError], str, int]) -> str:
    source = case[0]
    return source if len(source) < 30 else f"{source[:20]}...({len(source)} chars)"


@pytest.mark.parametrize(
    ("source", "error", "message", "column"), ERRORS, ids=[_id(case) for case in ERRORS]
)
def test_errors_message_and_column(
    source: str, error: type[LocatedError], message: str, column: int
) -> None:
    declare = ("s: scalar",) if "s^" in source else ()
    with pytest.raises(DeriveError) as info:
        parse(source, declare)
    assert type(info.value) is error
    assert message in info.value.message
    assert info.value.column == column
    assert info.value.source == source


def test_errors_table_is_large_enough() -> None:
    assert len(ERRORS) >= 30


LEGAL = ["x''''", "x'' y'''", "(((x)))", "[x]", "- - - x", "x.T.T", "X^-T'", "f'(x)", "x ' A ' ' x"]


@pytest.mark.parametrize("source", LEGAL, ids=LEGAL)
def test_errors_not_raised_for_odd_but_legal_input(source: str) -> None:
    assert parse(source).expr is not None


def test_errors_str_shows_position_line_and_caret() -> None:
    with pytest.raises(ParseError) as info:
        parse("x' A +")
    assert str(info.value).splitlines() == [
        "expected a symbol, a number or '(', found end of input (at 1:7)",
        "  x' A +",
        "        ^",
    ]


def test_errors_caret_on_the_right_line_of_multiline_input() -> None:
    with pytest.raises(ParseError) as info:
        parse("x' A x\n  + # y")
    error = info.value
    assert error.column == 5
    assert str(error).splitlines()[1:] == ["    + # y", "      ^"]
    assert "(at 2:5)" in str(error)


def test_errors_caret_covers_the_failing_operation() -> None:
    with pytest.raises(ShapeError) as info:
        parse("2 tr(A) + B x", ("A: 2 x 3",))
    assert str(info.value).splitlines()[1:] == ["  2 tr(A) + B x", "    ^^^^^"]


def test_errors_line_col_and_excerpt_helpers() -> None:
    assert line_col("ab\ncd", 4) == (2, 2)
    assert line_col("ab", 99) == (1, 3)
    assert caret_excerpt("ab\ncd", Span(3, 5)) == "  cd\n  ^^"
    assert caret_excerpt("x", Span(1, 1)) == "  x\n   ^"


@pytest.mark.parametrize(
    "control", ["\x1b", "\x9b", "\x07", "\x85"], ids=["ESC", "CSI", "BEL", "NEL"]
)
def test_errors_excerpt_never_sends_control_characters_to_the_terminal(control: str) -> None:
    # ESC and the 8-bit CSI (\x9b) start terminal escape sequences: a source line echoed raw
    # could recolour or rewrite the user's terminal. Each shows as one U+FFFD, so the caret
    # still stands under the right column.
    excerpt = caret_excerpt(f"x{control}[31m' x", Span(1, 2))
    assert excerpt == "  x\ufffd[31m' x\n   ^"


def test_errors_every_derive_error_has_an_exit_code() -> None:
    assert ParseError("m").exit_code == 2
    assert LimitError("m").exit_code == 2
    assert str(LimitError("too big")) == "too big"  # no span: just the message


@pytest.mark.parametrize(("source", "message"), [
    ("x.+y", "unexpected character '.'"),  # a letter before the dot is no transpose hint
    ("2 .y", "unexpected character '.': write x' or x.T for a transpose"),  # one after it is
])
def test_errors_stray_dot_hints_a_transpose_only_before_a_letter(source: str, message: str) -> None:
    with pytest.raises(ParseError) as info:
        parse(source)
    assert info.value.message == message


@pytest.mark.parametrize(("source", "message"), [
    ("A ⊗ B", "the Kronecker product (⊗, kron) is not supported yet"),
    ("1e-3", "write 1e-3 without an exponent, e.g. 0.001 or 1/1000 (or put a space before a"
             " name such as e1)"),
], ids=["kron", "scientific"])  # fmt: skip
def test_errors_whole_message(source: str, message: str) -> None:
    # the table above checks a part of each message; these are read whole, as the user sees them
    with pytest.raises(DeriveError) as info:
        parse(source)
    assert isinstance(info.value, LocatedError) and info.value.message == message
