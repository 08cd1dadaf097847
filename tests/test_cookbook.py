"""Matrix Cookbook, section 2: the first-order identities the input language can express.

Petersen & Pedersen, "The Matrix Cookbook", version of November 15, 2012; equation numbers in the
test ids. The Cookbook lays a scalar's derivative by a matrix out in the matrix's shape and a
gradient as a column: the mixed layout. Each expression is derived by the engine, verified (exact
and every step numerically), and its result evaluated at random values and compared with the
Cookbook's formula written in NumPy, independently of the engine.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from engine_support import Values, evaluate_result, random_values
from numpy.linalg import det, inv, norm
from numpy.testing import assert_allclose

import derive

Formula = Callable[[Values], np.ndarray]
SQUARE = ("A: n x n", "B: n x n", "X: n x n")
W_SYM = ("W: m x m, symmetric",)


def _t(matrix: np.ndarray) -> np.ndarray:
    return matrix.T


def _scalar(value: float) -> float:
    return float(np.asarray(value).reshape(()))


# (id with the equation number, expression, variable, declarations, the Cookbook's formula)
COOKBOOK: list[tuple[str, str, str, tuple[str, ...], Formula]] = [
    # 2.4.1 first order: linear forms
    ("69-xTa", "x' a", "x", (), lambda v: v["a"]),
    ("69-aTx", "a' x", "x", (), lambda v: v["a"]),
    ("70-aTXb", "a' X b", "X", (), lambda v: v["a"] @ _t(v["b"])),
    ("71-aTXTb", "a' X' b", "X", (), lambda v: v["b"] @ _t(v["a"])),
    ("72-aTXa", "a' X a", "X", (), lambda v: v["a"] @ _t(v["a"])),
    ("72-aTXTa", "a' X' a", "X", (), lambda v: v["a"] @ _t(v["a"])),
    # 2.4.2 second order: quadratic and bilinear forms
    ("77-bTXTXc", "b' X' X c", "X", (), lambda v: v["X"] @ (v["b"] @ _t(v["c"])
                                                           + v["c"] @ _t(v["b"]))),
    ("78-affine-bilinear", "(B x + b)' C (D x + d)", "x", (),
     lambda v: _t(v["B"]) @ v["C"] @ (v["D"] @ v["x"] + v["d"])
     + _t(v["D"]) @ _t(v["C"]) @ (v["B"] @ v["x"] + v["b"])),
    ("81-xTBx", "x' B x", "x", (), lambda v: (v["B"] + _t(v["B"])) @ v["x"]),
    ("82-bTXTDXc", "b' X' D X c", "X", (),
     lambda v: _t(v["D"]) @ v["X"] @ v["b"] @ _t(v["c"]) + v["D"] @ v["X"] @ v["c"] @ _t(v["b"])),
    ("83-affine-quadratic", "(X b + c)' D (X b + c)", "X", (),
     lambda v: (v["D"] + _t(v["D"])) @ (v["X"] @ v["b"] + v["c"]) @ _t(v["b"])),
    # least squares, W symmetric
    ("84-weighted-ls-by-s", "(x - A s)' W (x - A s)", "s", W_SYM,
     lambda v: -2 * _t(v["A"]) @ v["W"] @ (v["x"] - v["A"] @ v["s"])),
    ("85-weighted-distance-by-x", "(x - s)' W (x - s)", "x", W_SYM,
     lambda v: 2 * v["W"] @ (v["x"] - v["s"])),
    ("86-weighted-distance-by-s", "(x - s)' W (x - s)", "s", W_SYM,
     lambda v: -2 * v["W"] @ (v["x"] - v["s"])),
    ("87-weighted-ls-by-x", "(x - A s)' W (x - A s)", "x", W_SYM,
     lambda v: 2 * v["W"] @ (v["x"] - v["A"] @ v["s"])),
    ("88-weighted-ls-by-A", "(x - A s)' W (x - A s)", "A", W_SYM,
     lambda v: -2 * v["W"] @ (v["x"] - v["A"] @ v["s"]) @ _t(v["s"])),
    ("84-least-squares-W=I", "norm(A x - b)^2", "x", (),
     lambda v: 2 * _t(v["A"]) @ (v["A"] @ v["x"] - v["b"])),
    ("84-least-squares-expanded", "(A x - b)' (A x - b)", "x", (),
     lambda v: 2 * _t(v["A"]) @ (v["A"] @ v["x"] - v["b"])),
    # 2.5.1 traces, first order
    ("99-trX", "tr(X)", "X", (), lambda v: np.eye(v["X"].shape[0])),
    ("100-trXA", "tr(X A)", "X", (), lambda v: _t(v["A"])),
    ("101-trAXB", "tr(A X B)", "X", (), lambda v: _t(v["A"]) @ _t(v["B"])),
    ("102-trAXTB", "tr(A X' B)", "X", (), lambda v: v["B"] @ v["A"]),
    ("103-trXTA", "tr(X' A)", "X", (), lambda v: v["A"]),
    ("104-trAXT", "tr(A X')", "X", (), lambda v: v["A"]),
    # 2.5.2 traces, second order (X twice)
    ("106-trX2", "tr(X^2)", "X", (), lambda v: 2 * _t(v["X"])),
    ("107-trX2B", "tr(X^2 B)", "X", (), lambda v: _t(v["X"] @ v["B"] + v["B"] @ v["X"])),
    ("108-trXTBX", "tr(X' B X)", "X", (), lambda v: v["B"] @ v["X"] + _t(v["B"]) @ v["X"]),
    ("109-trBXXT", "tr(B X X')", "X", (), lambda v: v["B"] @ v["X"] + _t(v["B"]) @ v["X"]),
    ("110-trXXTB", "tr(X X' B)", "X", (), lambda v: v["B"] @ v["X"] + _t(v["B"]) @ v["X"]),
    ("111-trXBXT", "tr(X B X')", "X", (), lambda v: v["X"] @ _t(v["B"]) + v["X"] @ v["B"]),
    ("112-trBXTX", "tr(B X' X)", "X", (), lambda v: v["X"] @ _t(v["B"]) + v["X"] @ v["B"]),
    ("113-trXTXB", "tr(X' X B)", "X", (), lambda v: v["X"] @ _t(v["B"]) + v["X"] @ v["B"]),
    ("114-trAXBX", "tr(A X B X)", "X", (),
     lambda v: _t(v["A"]) @ _t(v["X"]) @ _t(v["B"]) + _t(v["B"]) @ _t(v["X"]) @ _t(v["A"])),
    ("115-trXTX", "tr(X' X)", "X", (), lambda v: 2 * v["X"]),
    ("115-trXXT", "tr(X X')", "X", (), lambda v: 2 * v["X"]),
    ("116-trBTXTCXB", "tr(B' X' C X B)", "X", (),
     lambda v: _t(v["C"]) @ v["X"] @ v["B"] @ _t(v["B"]) + v["C"] @ v["X"] @ v["B"] @ _t(v["B"])),
    ("117-trXTBXC", "tr(X' B X C)", "X", (),
     lambda v: v["B"] @ v["X"] @ v["C"] + _t(v["B"]) @ v["X"] @ _t(v["C"])),
    ("118-trAXBXTC", "tr(A X B X' C)", "X", (),
     lambda v: _t(v["A"]) @ _t(v["C"]) @ v["X"] @ _t(v["B"]) + v["C"] @ v["A"] @ v["X"] @ v["B"]),
    ("119-tr-affine-square", "tr((A X B + C)(A X B + C)')", "X", (),
     lambda v: 2 * _t(v["A"]) @ (v["A"] @ v["X"] @ v["B"] + v["C"]) @ _t(v["B"])),
    # 2.5.3 higher order
    ("121-trX3", "tr(X^3)", "X", (), lambda v: 3 * _t(v["X"] @ v["X"])),
    ("121-trX4", "tr(X^4)", "X", (), lambda v: 4 * _t(v["X"] @ v["X"] @ v["X"])),
    # 2.5.4 other: the inverse inside a trace
    ("124-trAXinvB", "tr(A inv(X) B)", "X", (),
     lambda v: -_t(inv(v["X"]) @ v["B"] @ v["A"] @ inv(v["X"]))),
    # 2.1 determinants
    ("49-detX", "det(X)", "X", (), lambda v: det(v["X"]) * _t(inv(v["X"]))),
    ("51-detAXB", "det(A X B)", "X", SQUARE,
     lambda v: det(v["A"] @ v["X"] @ v["B"]) * _t(inv(v["X"]))),
    ("57-logdetX", "log(det(X))", "X", (), lambda v: _t(inv(v["X"]))),
    ("57-logdet-spelling", "logdet(X)", "X", (), lambda v: _t(inv(v["X"]))),
    ("58-detX2", "det(X^2)", "X", (), lambda v: 2 * det(v["X"] @ v["X"]) * _t(inv(v["X"]))),
    ("58-detX3", "det(X^3)", "X", (),
     lambda v: 3 * det(v["X"] @ v["X"] @ v["X"]) * _t(inv(v["X"]))),
    # 2.2 inverses
    ("61-aTXinvb", "a' inv(X) b", "X", (),
     lambda v: -_t(inv(v["X"])) @ v["a"] @ _t(v["b"]) @ _t(inv(v["X"]))),
    ("61-aTXinvb-power-spelling", "a' X^-1 b", "X", (),
     lambda v: -_t(inv(v["X"])) @ v["a"] @ _t(v["b"]) @ _t(inv(v["X"]))),
    ("62-det-inverse", "det(inv(X))", "X", (), lambda v: -det(inv(v["X"])) * _t(inv(v["X"]))),
    ("63-trAXinvB", "tr(A inv(X) B)", "X", (),
     lambda v: -_t(inv(v["X"]) @ v["B"] @ v["A"] @ inv(v["X"]))),
    ("64-tr-inverse-shifted", "tr(inv(X + A))", "X", (),
     lambda v: -_t(inv(v["X"] + v["A"]) @ inv(v["X"] + v["A"]))),
    # 2.6 vector norms, 2.7 matrix norms
    ("129-distance", "norm(x - a)", "x", (), lambda v: (v["x"] - v["a"]) / norm(v["x"] - v["a"])),
    ("131-squared-norm", "norm(x)^2", "x", (), lambda v: 2 * v["x"]),
    ("131-xTx", "x' x", "x", (), lambda v: 2 * v["x"]),
    ("132-frobenius", "norm(X)^2", "X", (), lambda v: 2 * v["X"]),
    ("132-trXXT", "tr(X X')", "X", (), lambda v: 2 * v["X"]),
]


@pytest.mark.parametrize(
    ("case", "expr", "wrt", "declare", "formula"), COOKBOOK, ids=[row[0] for row in COOKBOOK]
)
def test_cookbook_first_order(
    case: str, expr: str, wrt: str, declare: tuple[str, ...], formula: Formula
) -> None:
    derivation = derive.prove(expr, wrt, declare=declare)
    assert derivation.proven
    assert derivation.verification is not None and derivation.verification.exact is True
    assert all(check.passed for check in derivation.verification.steps)
    for seed in (0, 1):
        values, _ = random_values(derivation, seed)
        assert_allclose(evaluate_result(derivation, values), formula(values), rtol=1e-9,
                        atol=1e-12)  # fmt: skip


def test_cookbook_shapes_are_not_all_equal() -> None:
    """Rectangular operands keep transposition errors visible: a' X b has X of shape m x n."""
    derivation = derive.prove("a' X b", "X")
    values, _ = random_values(derivation)
    assert values["X"].shape[0] != values["X"].shape[1]
    assert evaluate_result(derivation, values).shape == values["X"].shape


def test_cookbook_det_axb_reads_as_the_chain_rule() -> None:
    """(51) for square A, B; the engine's form det(A X B) A' (A X B)^-T B' also holds for
    rectangular A and B, where the Cookbook's det(A X B) X^-T does not exist."""
    from derive.documents.printer import unicode

    derivation = derive.prove("det(A X B)", "X")
    assert unicode(derivation.result.rhs, derivation.symbols) == "det(A X B) Aᵀ (A X B)⁻ᵀ Bᵀ"
    values, _ = random_values(derivation, sizes={"n": 4, "m": 5, "p": 3, "q": 2})
    a, x, b = values["A"], values["X"], values["B"]
    m = a @ x @ b
    expected = det(m) * a.T @ inv(m).T @ b.T
    got = evaluate_result(derivation, values, sizes={"n": 4, "m": 5, "p": 3, "q": 2})
    assert_allclose(got, expected, rtol=1e-9)
    assert _scalar(det(m)) != 0
