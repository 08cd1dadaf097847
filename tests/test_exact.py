"""The exact oracle: dual numbers over Fractions against SymPy, and the exact check's verdicts."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import numpy as np
import pytest
import sympy
from oracle import sympy_value

from derive import prove
from derive.check import exact
from derive.check.verify import assign_sizes, exact_check, rational_point, sympy_exact_check
from derive.ir import expr as ex
from derive.language.frontend import parse


def unit_axes_dropped(node: ex.Expr, value: np.ndarray) -> np.ndarray:
    """A 2-D value without its unit axes (by shape): a column's entries by one index."""
    shape = node.shape
    axes = [n for n, d in zip(value.shape, (shape.rows, shape.cols), strict=True) if d != 1]
    return value.reshape(axes)


def _random_matrix(rng: np.random.Generator, n: int) -> np.ndarray:
    cells = [[Fraction(int(rng.integers(-5, 6)), int(rng.integers(1, 4))) for _ in range(n)]
             for _ in range(n)]  # fmt: skip
    return exact.matrix(cells) + exact.identity(n) * 4


@pytest.mark.parametrize("n", [1, 2, 3, 5], ids=lambda n: f"n={n}")
def test_exact_inverse_and_det_match_sympy(n: int) -> None:
    rng = np.random.default_rng(n)
    m = _random_matrix(rng, n)
    reference = sympy.Matrix(m.tolist())
    assert exact.det(m) == reference.det()
    assert (sympy.Matrix(exact.inverse(m).tolist()) - reference.inv()).is_zero_matrix


@pytest.mark.parametrize("n", [2, 3, 4], ids=lambda n: f"n={n}")
def test_exact_det_and_inverse_through_row_swaps(n: int) -> None:
    # zeros on the diagonal force the elimination to swap rows; each swap flips the sign
    rng = np.random.default_rng(10 + n)
    cells = [[Fraction(int(rng.integers(1, 7))) if i != j else Fraction(0) for j in range(n)]
             for i in range(n)]  # fmt: skip
    m = exact.matrix(cells)
    reference = sympy.Matrix(cells)
    assert exact.det(m) == reference.det() != 0
    assert (sympy.Matrix(exact.inverse(m).tolist()) - reference.inv()).is_zero_matrix
    swap = exact.matrix([[Fraction(0), Fraction(1)], [Fraction(1), Fraction(0)]])
    assert exact.det(swap) == -1


def test_exact_derivative_of_det_pivots_on_the_value_not_the_dual() -> None:
    # dual entries with zero values on the diagonal: elimination must pick its pivot by the
    # value (primal) and swap rows, as for plain Fractions
    problem = parse("det(X)", (), wrt="X")
    var = problem.symbol("X")
    sizes = assign_sizes(problem)
    point = rational_point(problem, sizes, np.random.default_rng(0))
    cells = [[Fraction(0), Fraction(1), Fraction(2)], [Fraction(3), Fraction(0), Fraction(1)],
             [Fraction(1), Fraction(2), Fraction(0)]]  # fmt: skip
    point.values["X"] = exact.matrix(cells)
    got = exact.derivative_tensor(problem.expr, var, point, 1)
    reference = sympy.Matrix(cells)
    cofactors = reference.det() * reference.inv().T  # Cookbook (49): d det(X)/dX = det(X) X^-T
    assert sympy.Matrix(np.asarray(got).reshape(3, 3).tolist()) == cofactors


def test_exact_inverse_of_singular_matrix_raises() -> None:
    m = exact.matrix([[Fraction(1), Fraction(2)], [Fraction(2), Fraction(4)]])
    assert exact.det(m) == 0
    with pytest.raises(ZeroDivisionError):
        exact.inverse(m)


def test_exact_log_and_sqrt_are_irrational_but_their_derivatives_exact() -> None:
    value = exact.log(exact.Dual(Fraction(3), Fraction(1)))
    assert isinstance(value.a, exact.Irrational)
    assert value.b == Fraction(1, 3)
    assert exact.sqrt(Fraction(9, 4)) == Fraction(3, 2)
    assert isinstance(exact.sqrt(Fraction(2)), exact.Irrational)


ORACLE_CASES = [
    ("x' A x", "x", (), 1),
    ("(y - A x)' (y - A x)", "x", (), 2),
    ("tr(A X B)", "X", (), 1),
    ("log(det(X))", "X", (), 1),
    ("a' inv(X) b", "X", (), 1),
    ("det(X) tr(X X)", "X", (), 1),
    ("inv(X)", "X", (), 1),
    ("(x' x)^-1 x' A x", "x", (), 2),
    ("y' x", "z", ("x: n, depends on z", "y: n, depends on z"), 1),
    # a dual to a negative power, a matrix power beside an identity, a row vector
    ("(x' x)^-2", "x", (), 2),
    ("tr(X^3 + 2 I)", "X", (), 1),
    ("x' A", "x", (), 1),
]


@pytest.mark.parametrize(("text", "wrt", "declare", "order"), ORACLE_CASES,
                         ids=[c[0] for c in ORACLE_CASES])  # fmt: skip
def test_exact_derivative_tensor_matches_sympy_diff(
    text: str, wrt: str, declare: tuple[str, ...], order: int
) -> None:
    """The dual-number derivative equals SymPy's diff of the explicit expression, entry by entry."""
    problem = parse(text, declare, wrt=wrt)
    var = problem.symbol(wrt)
    sizes = assign_sizes(problem)
    point = rational_point(problem, sizes, np.random.default_rng(1))
    ours = exact.derivative_tensor(problem.expr, var, point, order)
    symbols = np.vectorize(lambda i: sympy.Symbol(f"v{i}"), otypes=[object])(
        np.arange(point.values[wrt].size).reshape(point.values[wrt].shape))
    symbolic = {**point.values, wrt: symbols}
    # the explicit expression over SymPy matrices, built by the tests' own evaluator
    value = unit_axes_dropped(problem.expr, np.array(
        sympy_value(problem.expr, symbolic, sizes, point.jacobians).tolist(),
        dtype=object))
    flat_symbols = unit_axes_dropped(var, symbols)
    at = {s: v for s, v in zip(np.asarray(symbols).flat, np.asarray(point.values[wrt]).flat,
                               strict=True)}  # fmt: skip
    f = np.asarray(value, dtype=object)
    v = np.asarray(flat_symbols, dtype=object)
    for fi in np.ndindex(*f.shape):
        for vi in np.ndindex(*v.shape):
            first = sympy.diff(f[fi], v[vi])
            if order == 1:
                assert sympy.simplify(first.xreplace(at) - ours[fi + vi]) == 0
                continue
            for wi in np.ndindex(*v.shape):
                second = sympy.diff(first, v[wi]).xreplace(at)
                assert sympy.simplify(second - ours[fi + vi + wi]) == 0


def test_exact_check_catches_a_wrong_result() -> None:
    derivation = prove("x' A x", "x", verify=False)
    problem = derivation.problem
    a, x = problem.symbol("A"), problem.symbol("x")
    wrong = dataclasses.replace(derivation.result, rhs=ex.mul(ex.number(2), a, x))
    sizes = assign_sizes(problem)
    for method in ("dual", "sympy"):
        ok, _ = exact_check(problem, x, wrong, sizes, np.random.default_rng(0), "mixed", method)
        assert not ok, method
    ok, how = exact_check(problem, x, derivation.result, sizes, np.random.default_rng(0), "mixed")
    assert ok
    assert "dual numbers" in how


def test_exact_check_falls_back_to_sympy_where_values_are_irrational() -> None:
    derivation = prove("norm(x)", "x", verify=False)
    x = derivation.problem.symbol("x")
    sizes = assign_sizes(derivation.problem)
    ok, how = exact_check(derivation.problem, x, derivation.result, sizes,
                          np.random.default_rng(0), "mixed")  # fmt: skip
    assert ok
    assert "SymPy" in how
    assert sympy_exact_check(derivation.problem, x, derivation.result, sizes,
                             np.random.default_rng(0), "mixed")  # fmt: skip


def test_exact_integer_points_are_whole_numbers_and_plain_points_are_not() -> None:
    """The fallback's integers=True asks for whole numbers (small denominators keep high
    powers fast); plain points are rationals with denominators 1 to 3."""
    problem = parse("a' X b + s", ("s: scalar",), wrt="X")
    sizes = assign_sizes(problem)
    rng = np.random.default_rng(19)
    whole = [rational_point(problem, sizes, rng, integers=True) for _ in range(5)]
    cells = [Fraction(c) for p in whole for v in p.values.values() for c in np.ravel(v)]
    assert cells and all(c.denominator == 1 for c in cells)
    plain = [rational_point(problem, sizes, rng) for _ in range(5)]
    cells = [Fraction(c) for p in plain for v in p.values.values() for c in np.ravel(v)]
    assert {c.denominator for c in cells} > {1}
