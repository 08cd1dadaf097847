"""Shape inference by unification (PRODUCT.md section 3) and the errors it reports."""

from __future__ import annotations

from fractions import Fraction

import pytest

from derive.errors import ShapeError
from derive.ir import expr as ex
from derive.language.frontend import parse
from derive.language.shapes import power

Shapes = dict[str, tuple[ex.Dim, ex.Dim]]


def shapes_of(text: str, declare: tuple[str, ...] = (), wrt: str | None = None) -> Shapes:
    problem = parse(text, declare, wrt=wrt)
    return {name: (i.shape.rows, i.shape.cols) for name, i in problem.symbols.items()}


INFERRED: list[tuple[str, tuple[str, ...], Shapes]] = [
    ("x' A x", (), {"x": ("n", 1), "A": ("n", "n")}),
    ("x' y", (), {"x": ("n", 1), "y": ("n", 1)}),
    ("x y'", (), {"x": ("n", 1), "y": ("m", 1)}),
    ("A x", (), {"A": ("n", "m"), "x": ("m", 1)}),
    ("A B C", (), {"A": ("n", "m"), "B": ("m", "p"), "C": ("p", "q")}),
    ("tr(A B)", (), {"A": ("n", "m"), "B": ("m", "n")}),
    ("tr(A X B)", (), {"A": ("n", "m"), "X": ("m", "p"), "B": ("p", "n")}),
    ("det(X)", (), {"X": ("n", "n")}),
    ("log(det(X))", (), {"X": ("n", "n")}),
    ("inv(X) A", (), {"X": ("n", "n"), "A": ("n", "m")}),
    ("X^2", (), {"X": ("n", "n")}),
    ("X^-T", (), {"X": ("n", "n")}),
    ("A + B'", (), {"A": ("n", "m"), "B": ("m", "n")}),
    ("(y - A x)' (y - A x)", (), {"y": ("n", 1), "A": ("n", "m"), "x": ("m", 1)}),
    ("alpha x + beta y", (), {"alpha": (1, 1), "x": ("n", 1), "beta": (1, 1), "y": ("n", 1)}),
    ("(x' x) A", (), {"x": ("n", 1), "A": ("m", "p")}),
    ("norm(A)^2", (), {"A": ("n", "m")}),
    ("|A x| + |alpha|", (), {"A": ("n", "m"), "x": ("m", 1), "alpha": (1, 1)}),
    ("A + I", (), {"A": ("n", "n")}),
    ("x' (A + A') x", (), {"x": ("n", 1), "A": ("n", "n")}),
    # undeclared lowercase names that the expression forces to be scalars
    ("log(s)", (), {"s": (1, 1)}),
    ("x / s", (), {"x": ("n", 1), "s": (1, 1)}),
    ("x / s^2", (), {"x": ("n", 1), "s": (1, 1)}),
    ("log(s) + s x' x", (), {"s": (1, 1), "x": ("n", 1)}),
    ("x' A x + b' x + c", (), {"x": ("n", 1), "A": ("n", "n"), "b": ("n", 1), "c": (1, 1)}),
    ("c + x' x", (), {"c": (1, 1), "x": ("n", 1)}),
    ("log(x')", (), {"x": ("n", 1)}),  # the log of a row vector, entry by entry
    ("x + c", (), {"x": ("n", 1), "c": ("n", 1)}),
    # declarations override inference
    ("A x", ("A: m x n",), {"A": ("m", "n"), "x": ("n", 1)}),
    ("A x", ("A: 3 x 4",), {"A": (3, 4), "x": (4, 1)}),
    ("x' A x", ("x: 5",), {"x": (5, 1), "A": (5, 5)}),
    ("s x", ("s: scalar",), {"s": (1, 1), "x": ("n", 1)}),
    ("alpha", ("alpha: n",), {"alpha": ("n", 1)}),
    ("A x", ("A: k x k",), {"A": ("k", "k"), "x": ("k", 1)}),
    ("X' A", ("A: symmetric",), {"X": ("n", "m"), "A": ("n", "n")}),
    ("C x", ("C: invertible",), {"C": ("n", "n"), "x": ("n", 1)}),
    ("x' z", ("x: n, depends on z",), {"x": ("n", 1), "z": ("n", 1)}),
    ("x", ("x: n, depends on z",), {"x": ("n", 1), "z": ("m", 1)}),
    ("x1' x_1", ("x_1: 3",), {"x_1": (3, 1)}),
]


@pytest.mark.parametrize(
    ("text", "declare", "shapes"), INFERRED, ids=[f"{t} {' '.join(d)}" for t, d, _ in INFERRED]
)
def test_shapes_inferred(text: str, declare: tuple[str, ...], shapes: Shapes) -> None:
    assert shapes_of(text, declare) == shapes


def test_shapes_variable_of_differentiation_is_named_first() -> None:
    assert shapes_of("A x", wrt="x") == {"A": ("m", "n"), "x": ("n", 1)}
    assert shapes_of("a' x", wrt="z") == {"a": ("m", 1), "x": ("m", 1), "z": ("n", 1)}


def test_shapes_provisional_names_avoid_declared_ones() -> None:
    shapes = shapes_of("A B x", ("A: n x n",))
    assert shapes == {"A": ("n", "n"), "B": ("n", "m"), "x": ("m", 1)}


@pytest.mark.parametrize(
    ("text", "shapes"),
    [
        ("A n", {"A": ("m", "p"), "n": ("p", 1)}),
        ("m' A n", {"m": ("p", 1), "A": ("p", "q"), "n": ("q", 1)}),
        ("tr(N n n')", {"N": ("m", "m"), "n": ("m", 1)}),
    ],
    ids=["A-n", "m-A-n", "N-n"],
)
def test_shapes_provisional_names_avoid_symbol_names(text: str, shapes: Shapes) -> None:
    # "A n" with n in R^m would make the reader think n is both a vector and its own length
    assert shapes_of(text) == shapes


def test_shapes_flags_are_kept() -> None:
    problem = parse("x' A x + log(det(X))", ("A: n x n, symmetric", "X: invertible"))
    assert problem.symbols["A"].symmetric and not problem.symbols["A"].invertible
    assert problem.symbols["X"].invertible and problem.symbols["X"].shape.is_square


def test_shapes_symbol_accepts_every_spelling() -> None:
    problem = parse("x1' x1")
    assert problem.symbol("x_{1}") == problem.symbol(" x1 ") == ex.Symbol("x_1", ex.Shape("n", 1))


# (text, declarations, message fragment, column): the message names the operation and both shapes
SHAPE_ERRORS = [
    ("A x + y", ("A: m x n", "y: n"), "cannot add A x (m x 1) and y (n x 1)", 1),
    ("A y", ("A: m x n", "y: m"),
     "cannot multiply A (m x n) by y (m x 1): inner dimensions n and m differ", 1),
    ("x y", (), "cannot multiply x (n x 1) by y (m x 1): inner dimensions 1 and m differ", 1),
    ("x + x'", (), "cannot add x (n x 1) and x' (1 x n)", 1),
    ("A - B", ("A: 2 x 3", "B: 3 x 2"), "cannot subtract B (3 x 2) from A (2 x 3)", 1),
    ("x' A x", ("A: 2 x 3", "x: 2"),
     "cannot multiply x' A (1 x 3) by x (2 x 1): inner dimensions 3 and 2 differ", 1),
    ("(A + B) x", ("A: 2 x 3", "B: 2 x 3", "x: 2"),
     "cannot multiply (A + B) (2 x 3) by x (2 x 1): inner dimensions 3 and 2 differ", 1),
    ("y + A x", ("A: m x n", "y: n"), "cannot add y (n x 1) and A x (m x 1)", 1),
    ("x' x + y", ("y: m",), "cannot add x' x (1 x 1) and y (m x 1)", 1),
    ("tr(A) + A", (), "cannot add tr(A) (1 x 1) and A (n x n)", 1),
    ("tr(A)", ("A: 2 x 3",), "the trace needs a square matrix, but A is 2 x 3", 1),
    ("det(x)", (), "the determinant needs a square matrix, but x is n x 1", 1),
    ("inv(A)", ("A: m x n",), "the inverse needs a square matrix, but A is m x n", 1),
    ("A^-T", ("A: 2 x 3",), "the inverse needs a square matrix, but A is 2 x 3", 1),
    ("2 + A^2", ("A: m x n",), "a matrix power needs a square matrix, but A is m x n", 5),
    ("x^2", ("x: n",), "a matrix power needs a square matrix, but x is n x 1", 1),
    ("A / x", ("x: k",), "cannot divide by x (k x 1): the divisor must be a scalar", 1),
    ("x / A", (), "cannot divide by A (m x p): the divisor must be a scalar", 1),
    ("log(A)", (), "log needs a scalar or a vector, but A is n x m", 1),
    ("log(A)", ("A: 2 x 3",), "log needs a scalar or a vector, but A is 2 x 3", 1),
    ("alpha + log(s)", ("s: n",), "cannot add alpha (1 x 1) and log(s) (n x 1)", 1),
    # entrywise operations, sums, diag, named compositions
    ("A .* x", (), "cannot multiply A (n x m) and x (n x 1) entry by entry", 1),
    ("x ./ A", ("A: 2 x 3",), "cannot divide x (2 x 1) and A (2 x 3) entry by entry", 1),
    ("exp(A) + x", (), "cannot add exp(A) (n x m) and x (n x 1)", 1),
    ("diag(A)", ("A: 2 x 3",), "diag needs a column vector or a square matrix, but A is 2 x 3", 1),
    ("diag(alpha)", (), "diag needs a column vector or a square matrix, but alpha is 1 x 1", 1),
    ("softmax(A)", (), "softmax needs a column vector, but A is n x m", 1),
    ("logsumexp(alpha)", (), "logsumexp needs a column vector, but alpha is 1 x 1", 1),
    ("norm(A, 1)", (), "the 1-norm needs a column vector, but A is n x m", 1),
    ("A^(1/2)", (), "a power 1/2 needs a scalar, but A is n x m", 1),
    ("x' x A x", ("A: 2 x 3", "x: 2"), "inner dimensions 3 and 2 differ", 1),
    # |X| of a matrix may mean its determinant (the Matrix Cookbook writes |X|) or a norm
    ("log(|X|)", (), "|X| is ambiguous for a matrix (n x m): write det(X) for the determinant"
     " or norm(X) for the Frobenius norm", 5),
    (r"\log \left| X \right|", ("X: n x n",), "|X| is ambiguous for a matrix (n x n)", 6),
]


@pytest.mark.parametrize(
    ("text", "declare", "message", "column"),
    SHAPE_ERRORS,
    ids=[f"{t} {' '.join(d)}" for t, d, _, _ in SHAPE_ERRORS],
)
def test_shapes_error_names_operation_and_shapes(
    text: str, declare: tuple[str, ...], message: str, column: int
) -> None:
    with pytest.raises(ShapeError) as info:
        parse(text, declare)
    assert message in info.value.message
    assert info.value.column == column


def test_shapes_error_shows_caret_under_the_operation() -> None:
    with pytest.raises(ShapeError) as info:
        parse("b + A x + y", ("A: m x n", "y: n"))
    text = str(info.value)
    assert text.splitlines() == [
        "cannot add b + A x (m x 1) and y (n x 1): a sum needs terms of the same shape (at 1:1)",
        "  b + A x + y",
        "  ^^^^^^^^^^^",
    ]


# -- products: a 1 x 1 group inside a matrix product stays a group ------------------------------

x = ex.Symbol("x", ex.Shape("n", 1))
alpha = ex.Symbol("alpha", ex.SCALAR)
DECLARE = ("A: m x p", "B: p x q", "x: n")


def test_shapes_scalar_group_inside_a_product_stays_whole() -> None:
    # flattened, A x' x B would read as a (meaningless) matrix chain
    A, B = ex.Symbol("A", ex.Shape("m", "p")), ex.Symbol("B", ex.Shape("p", "q"))
    xtx = ex.MatMul((ex.Transpose(x), x))
    assert parse("A (x' x) B", DECLARE).expr == ex.MatMul((A, xtx, B))
    assert parse("(x' x) A B", DECLARE).expr == ex.MatMul((ex.Transpose(x), x, A, B))
    assert parse("A (x' x) B", DECLARE).expr.shape == ex.Shape("m", "q")


POWERS = [
    (ex.Power(alpha, 2), 3, ex.Power(alpha, 6)),
    (ex.Power(alpha, 2), -1, ex.Power(alpha, -2)),
    (ex.Power(alpha, -1), -1, ex.Power(ex.Power(alpha, -1), -1)),
    (ex.Number(Fraction(2)), -2, ex.Number(Fraction(1, 4))),
]


@pytest.mark.parametrize(("base", "k", "expected"), POWERS, ids=["2*3", "2*-1", "-1*-1", "num"])
def test_shapes_power_merges_scalar_powers(base: ex.Expr, k: int, expected: ex.Expr) -> None:
    assert power(base, k) == expected


def test_shapes_power_of_matrices() -> None:
    X = ex.Symbol("X", ex.Shape("n", "n"))
    assert power(X, -1) == ex.Inverse(X)
    assert power(X, -3) == ex.Power(ex.Inverse(X), 3)
    assert power(ex.Power(X, 2), 3) == ex.Power(X, 6)
    assert power(ex.Power(X, 2), -1) == ex.Inverse(ex.Power(X, 2))  # (X^2)^-1 stays as written
