"""The tests' own evaluator (``oracle.py``) against NumPy written out by hand and SymPy.

Every numeric check of the suite takes its expected values from ``oracle.py``, from SymPy, or
from a closed form in NumPy, never from ``derive.check.evaluate``. This file checks the oracle
itself: each node type, its NumPy value against a formula written here, and the same
expression's SymPy value (explicit matrices, SymPy's arithmetic) against both.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

import numpy as np
import pytest
import sympy
from numpy.linalg import det, inv, norm
from numpy.testing import assert_allclose
from oracle import sympy_value, value_of

from derive.ir import index as ix
from derive.language.frontend import parse

DECLARE = ("x: n", "y: n", "A: n x n", "X: n x n", "B: n x m", "alpha: scalar")
SIZES = {"n": 3, "m": 2}
V = dict[str, np.ndarray]


def _values() -> V:
    rng = np.random.default_rng(0)
    return {"x": rng.standard_normal((3, 1)), "y": rng.standard_normal((3, 1)),
            "A": rng.standard_normal((3, 3)), "X": 2 * np.eye(3) + rng.standard_normal((3, 3)) / 4,
            "B": rng.standard_normal((3, 2)), "alpha": np.array([[0.7]])}  # fmt: skip


# (source, the same in NumPy by hand)
CASES: list[tuple[str, Callable[[V], np.ndarray]]] = [
    ("x' A x", lambda v: v["x"].T @ v["A"] @ v["x"]),
    ("A x + 2 y", lambda v: v["A"] @ v["x"] + 2 * v["y"]),
    ("alpha A' - X/2", lambda v: 0.7 * v["A"].T - v["X"] / 2),
    ("inv(X) B", lambda v: inv(v["X"]) @ v["B"]),
    ("X^3", lambda v: v["X"] @ v["X"] @ v["X"]),
    ("X^-2", lambda v: inv(v["X"] @ v["X"])),
    ("tr(A X)", lambda v: np.trace(v["A"] @ v["X"]).reshape(1, 1)),
    ("log(det(X))", lambda v: np.log(det(v["X"])).reshape(1, 1)),
    ("norm(A x)^2 + norm(B)", lambda v: (norm(v["A"] @ v["x"]) ** 2 + norm(v["B"])).reshape(1, 1)),
    ("(x' x) A x", lambda v: (v["x"].T @ v["x"]) * (v["A"] @ v["x"])),
    ("x' x / alpha + 1", lambda v: (v["x"].T @ v["x"]) / 0.7 + 1),
    ("X + 3 I", lambda v: v["X"] + 3 * np.eye(3)),
    ("x y' + B B'", lambda v: v["x"] @ v["y"].T + v["B"] @ v["B"].T),
    ("(y' A x)^-1", lambda v: 1 / (v["y"].T @ v["A"] @ v["x"])),
]


@pytest.mark.parametrize(("source", "formula"), CASES, ids=[c[0] for c in CASES])
def test_oracle_numpy_and_sympy_agree_with_the_formula(
    source: str, formula: Callable[[V], np.ndarray]
) -> None:
    values = _values()
    node = parse(source, DECLARE).expr
    expected = formula(values)
    assert_allclose(value_of(node, values, SIZES), expected, rtol=1e-12)
    exact = sympy_value(node, {k: sympy.Matrix(v) for k, v in values.items()}, SIZES)
    assert_allclose(np.array(exact.evalf(), dtype=float), expected, rtol=1e-9)


def test_oracle_dependent_symbol_is_linear_in_its_variable() -> None:
    values = {"x": np.ones((3, 1)), "z": np.arange(2.0).reshape(2, 1)}
    jacobians = {("x", "z"): np.arange(6.0).reshape(3, 2)}
    node = parse("x", ("x: n, depends on z", "z: m")).expr
    assert_allclose(value_of(node, values, SIZES, jacobians), [[2], [4], [6]])


def test_oracle_index_sums_follow_their_indices() -> None:
    n = "n"
    i, j, k = ix.Index("i", n), ix.Index("j", n), ix.Index("k", n)
    a = parse("A", DECLARE).expr
    x = parse("x", DECLARE).expr
    values = _values()
    # 2 sum_j a_ij x_j + delta_ik (free i, k): 2 (A x)_i + I_ik
    node = ix.IndexSum((
        ix.Term(Fraction(2), (j,), (ix.Entry(a, (i, j)), ix.Entry(x, (j,)))),
        ix.Term(Fraction(1), (), (ix.Delta(i, k),)),
    ), (i, k))  # fmt: skip
    expected = 2 * (values["A"] @ values["x"]) + np.eye(3)
    assert_allclose(value_of(node, values, SIZES), expected, rtol=1e-12)
    # sum_j delta_jj counts n; a_ji with free (i, j) is the transpose
    count = ix.IndexSum((ix.Term(Fraction(1), (j,), (ix.Delta(j, j),)),), ())
    assert value_of(count, values, SIZES) == pytest.approx(3)
    transposed = ix.IndexSum((ix.Term(Fraction(1), (), (ix.Entry(a, (j, i)),)),), (i, j))
    assert_allclose(value_of(transposed, values, SIZES), values["A"].T)
