"""Every identity of the two source notes, derived in the note's own layout.

Note 000 ("Matrix & vector differentiation", handwritten, OCR) uses the numerator layout:
gradients are rows, ``d(A x)/dx = A``. Note 002 ("Vector & Matrix Calculus", web) uses the mixed
layout: gradients are columns, ``d alpha/dX`` has the shape of ``X``. Each result is compared by
value with the note's published formula written independently in NumPy, and, where the note's form
is exactly what the engine prints, by its printed form too (the form matters to a reader).

Where a note has a slip (seeds/README.md), the test states the correct result and says what the
slip was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from engine_support import Values, evaluate_result, random_values, relative_error
from numpy.testing import assert_allclose

import derive
from derive.documents.printer import unicode

MN = ("A: m x n",)  # note 000: y in R^m, x in R^n, A in R^(m x n)
SYM = ("A: n x n, symmetric",)


def _t(matrix: np.ndarray) -> np.ndarray:
    return matrix.T


# (id, expression, variable, declarations, layout, hessian, published formula, printed form or
# None where the note writes an equal but different form). Formulas see the symbols' values and
# "dx/dz" for the Jacobian of a declared dependency.
Formula = Callable[[Values], np.ndarray]
NOTE_000: list[tuple[str, str, str, tuple[str, ...], bool, Formula, str | None]] = [
    # "dy/dx = A": the Jacobian of y = A x is A (m x n)
    ("000-jacobian-Ax", "A x", "x", MN, False, lambda v: v["A"], "A"),
    # "x depends on z: dy/dz = A dx/dz"
    ("000-chain-rule-Ax", "A x", "z", (*MN, "x: n, depends on z"), False,
     lambda v: v["A"] @ v["dx/dz"], "A (∂x/∂z)"),
    # "if x is a scalar, the Jacobian J is in R^(m x 1)": y = alpha a by the scalar alpha
    ("000-jacobian-by-scalar", "alpha a", "alpha", ("a: m",), False, lambda v: v["a"], "a"),
    # alpha = y' A x: "d alpha/dx = y' A" (the proof's OCR writes g for y: w' = g' A)
    ("000-bilinear-by-x", "y' A x", "x", MN, False, lambda v: _t(v["y"]) @ v["A"], "yᵀ A"),
    # "d alpha/dy = x' A'" (the proof's "alpha = alpha' = x' A' g" again has g for y)
    ("000-bilinear-by-y", "y' A x", "y", MN, False, lambda v: _t(v["x"]) @ _t(v["A"]), "xᵀ Aᵀ"),
    # alpha = x' A x: "d alpha/dx = x' (A + A')", the proof ends on "x' (A' + A)"
    ("000-quadratic", "x' A x", "x", (), False, lambda v: _t(v["x"]) @ (v["A"] + _t(v["A"])),
     "xᵀ (Aᵀ + A)"),
    # "if A is symmetric, d alpha/dx = 2 x' A"
    ("000-quadratic-symmetric", "x' A x", "x", SYM, False, lambda v: 2 * _t(v["x"]) @ v["A"],
     "2 xᵀ A"),
    # alpha = y' x, both functions of z: "d alpha/dz = x' dy/dz + y' dx/dz" (the OCR of the
    # proof writes x'_j, y'_j with stray primes for x_j, y_j)
    ("000-product-rule-yx", "y' x", "z", ("x: n, depends on z", "y: n, depends on z"), False,
     lambda v: _t(v["x"]) @ v["dy/dz"] + _t(v["y"]) @ v["dx/dz"], "xᵀ (∂y/∂z) + yᵀ (∂x/∂z)"),
    # alpha = x' x: "d alpha/dz = 2 x' dx/dz" (OCR: x'^T for x^T)
    ("000-product-rule-xx", "x' x", "z", ("x: n, depends on z",), False,
     lambda v: 2 * _t(v["x"]) @ v["dx/dz"], "2 xᵀ (∂x/∂z)"),
    # alpha = y' A x, x and y functions of z, A not: "x' A' dy/dz + y' A dx/dz"
    ("000-product-rule-yAx", "y' A x", "z", (*MN, "x: n, depends on z", "y: m, depends on z"),
     False, lambda v: _t(v["x"]) @ _t(v["A"]) @ v["dy/dz"] + _t(v["y"]) @ v["A"] @ v["dx/dz"],
     "xᵀ Aᵀ (∂y/∂z) + yᵀ A (∂x/∂z)"),
    # w = y - A x: "dw/dx = -A"
    ("000-residual-jacobian", "y - A x", "x", MN, False, lambda v: -v["A"], "-A"),
    # least squares: "d alpha/dx = -2 (y - A x)' A = -2 y' A + 2 x' A' A"; the engine writes
    # the equal 2 (x' A' - y') A
    ("000-least-squares", "(y - A x)' (y - A x)", "x", MN, False,
     lambda v: -2 * _t(v["y"] - v["A"] @ v["x"]) @ v["A"], None),
    # "d^2 alpha / dx' dx = 2 A' A"
    ("000-least-squares-hessian", "(y - A x)' (y - A x)", "x", MN, True,
     lambda v: 2 * _t(v["A"]) @ v["A"], "2 Aᵀ A"),
]

NOTE_002: list[tuple[str, str, str, tuple[str, ...], bool, Formula, str | None]] = [
    # f = a' x: "f'(x) = a" (the note writes the gradient's entries as dx_i/dx; it means df/dx_i)
    ("002-linear", "a' x", "x", (), False, lambda v: v["a"], "a"),
    # f = x' A x: "(A + A') x" (the note "sums" the partials over k where it means: stack them
    # for k = 1..n)
    ("002-quadratic", "x' A x", "x", (), False, lambda v: (v["A"] + _t(v["A"])) @ v["x"],
     "(A + Aᵀ) x"),
    # "if A = A', d/dx (x' A x) = 2 A x"
    ("002-quadratic-symmetric", "x' A x", "x", SYM, False, lambda v: 2 * v["A"] @ v["x"],
     "2 A x"),
    # Jacobian of f(x) = A x, A in R^(m x n): an m x n matrix, here A itself
    ("002-jacobian-Ax", "A x", "x", MN, False, lambda v: v["A"], "A"),
    # Hessian of x' A x, A symmetric: "d/dx 2 A x = 2 A"
    ("002-hessian-quadratic", "x' A x", "x", SYM, True, lambda v: 2 * v["A"], "2 A"),
    # f(x, y) = x^2 + y^2: gradient [2x, 2y] (the note writes df/dx twice; the second entry is
    # df/dy). Written as the squared norm of v = (x, y):
    ("002-sum-of-squares-gradient", "v' v", "v", ("v: 2",), False, lambda v: 2 * v["v"], "2 v"),
    # ... and its Hessian [[2, 0], [0, 2]]
    ("002-sum-of-squares-hessian", "v' v", "v", ("v: 2",), True, lambda v: 2 * np.eye(2),
     "2 I"),
    # ... and entry by entry: df/dx = 2x and df/dy = 2y, with x and y scalars
    ("002-sum-of-squares-dx", "x^2 + y^2", "x", ("x: scalar", "y: scalar"), False,
     lambda v: 2 * v["x"], "2 x"),
    ("002-sum-of-squares-dy", "x^2 + y^2", "y", ("x: scalar", "y: scalar"), False,
     lambda v: 2 * v["y"], "2 y"),
    # derivative of a scalar by a matrix: d tr(A)/dA = I
    ("002-trace", "tr(A)", "A", (), False, lambda v: np.eye(v["A"].shape[0]), "I"),
]


def _prove(expr: str, wrt: str, declare: tuple[str, ...], layout: str, hessian: bool) -> Any:
    derivation = derive.prove(expr, wrt, declare=declare, layout=layout, hessian=hessian)
    assert derivation.proven
    assert derivation.verification is not None
    assert derivation.verification.exact is True
    assert all(check.passed for check in derivation.verification.steps)
    return derivation


def _published(derivation: Any, formula: Formula, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    values, jacobians = random_values(derivation, seed)
    named = dict(values)
    named.update({f"d{of}/d{wrt}": jac for (of, wrt), jac in jacobians.items()})
    # a dependent symbol's value at the point is its own value plus J z (check.evaluate.Point)
    for (of, wrt), jac in jacobians.items():
        named[of] = named[of] + jac @ values[wrt]
    return evaluate_result(derivation, values, jacobians), formula(named)


def _case_ids(table: list[tuple[Any, ...]]) -> list[str]:
    return [row[0] for row in table]


@pytest.mark.parametrize(
    ("case", "expr", "wrt", "declare", "hessian", "formula", "printed"), NOTE_000,
    ids=_case_ids(NOTE_000),
)
def test_note_000_numerator_layout(
    case: str, expr: str, wrt: str, declare: tuple[str, ...], hessian: bool,
    formula: Formula, printed: str | None,
) -> None:  # fmt: skip
    derivation = _prove(expr, wrt, declare, "numerator", hessian)
    for seed in (0, 1):
        got, expected = _published(derivation, formula, seed)
        assert_allclose(got, expected, rtol=1e-10, atol=1e-10)
    if printed is not None:
        assert unicode(derivation.result.rhs, derivation.symbols) == printed


@pytest.mark.parametrize(
    ("case", "expr", "wrt", "declare", "hessian", "formula", "printed"), NOTE_002,
    ids=_case_ids(NOTE_002),
)
def test_note_002_mixed_layout(
    case: str, expr: str, wrt: str, declare: tuple[str, ...], hessian: bool,
    formula: Formula, printed: str | None,
) -> None:  # fmt: skip
    derivation = _prove(expr, wrt, declare, "mixed", hessian)
    for seed in (0, 1):
        got, expected = _published(derivation, formula, seed)
        assert_allclose(got, expected, rtol=1e-10, atol=1e-10)
    if printed is not None:
        assert unicode(derivation.result.rhs, derivation.symbols) == printed


def test_note_000_least_squares_expanded_form() -> None:
    """The note's second form, ``-2 y' A + 2 x' A' A``, is the same row vector."""
    derivation = _prove("(y - A x)' (y - A x)", "x", MN, "numerator", False)
    values, _ = random_values(derivation)
    y, a, x = values["y"], values["A"], values["x"]
    assert_allclose(evaluate_result(derivation, values), -2 * y.T @ a + 2 * x.T @ a.T @ a,
                    rtol=1e-10)  # fmt: skip


def test_note_000_least_squares_gradient_is_a_row() -> None:
    """In the numerator layout the gradient of a scalar by x in R^n is 1 x n."""
    derivation = _prove("(y - A x)' (y - A x)", "x", MN, "numerator", False)
    values, _ = random_values(derivation)
    assert evaluate_result(derivation, values).shape == (1, 3)
    assert derivation.result.kind == "gradient"


def test_note_000_quadratic_proof_follows_the_note() -> None:
    """alpha = sum_j sum_i a_ij x_i x_j; d alpha/dx_k = sum_j a_kj x_j + sum_i a_ik x_i."""
    derivation = _prove("x' A x", "x", (), "numerator", False)
    by_kind = {step.kind: step for step in derivation.steps}
    names = derivation.symbols
    assert unicode(by_kind["index_form"].lines[-1], names) == "Σᵢ Σⱼ xᵢ aᵢⱼ xⱼ"
    assert unicode(by_kind["contract"].lines[-1], names) == "Σⱼ aₖⱼ xⱼ + Σᵢ xᵢ aᵢₖ"
    assert [i.name for i in by_kind["assemble"].for_all] == ["k"]
    assert unicode(by_kind["assemble"].lines[-1], names) == "xᵀ Aᵀ + xᵀ A"


def test_note_002_quadratic_proof_combines_both_sums() -> None:
    """The note combines both sums over one dummy: sum_i (a_ki + a_ik) x_i."""
    derivation = _prove("x' A x", "x", (), "mixed", False)
    collect = next(step for step in derivation.steps if step.kind == "rename")
    assert unicode(collect.lines[-1], derivation.symbols) == "Σᵢ (aₖᵢ xᵢ + aᵢₖ xᵢ)"
    recognise = next(step for step in derivation.steps if step.kind == "recognise")
    assert unicode(recognise.lines[-1], derivation.symbols) == "(A x)ₖ + (Aᵀ x)ₖ"


def test_note_002_trace_by_matrix_has_the_matrix_shape() -> None:
    """d tr(A)/dA is n x n (mixed layout: the shape of A) and equals I."""
    derivation = _prove("tr(A)", "A", ("A: 3 x 3",), "mixed", False)
    assert derivation.result.kind == "derivative by a matrix"
    values, _ = random_values(derivation)
    assert_allclose(evaluate_result(derivation, values), np.eye(3))


@pytest.mark.parametrize("layout", ["numerator", "mixed", "denominator"])
def test_notes_quadratic_form_in_every_layout(layout: str) -> None:
    """The same gradient as a row (numerator) or a column (mixed, denominator)."""
    derivation = _prove("x' A x", "x", (), layout, False)
    values, _ = random_values(derivation)
    column = (values["A"] + values["A"].T) @ values["x"]
    expected = column.T if layout == "numerator" else column
    got = evaluate_result(derivation, values)
    assert relative_error(got, expected) < 1e-12
