"""``Derivation.to_sympy()``: the result as a SymPy matrix expression over ``MatrixSymbol``s named
and shaped as in the input. Outside checkers rely on it, so its value is checked by substituting
explicit matrices and comparing with NumPy.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from engine_support import (
    SIZES,
    central_difference,
    evaluate_result,
    layout_matrix,
    random_values,
    relative_error,
    sympy_value,
)
from numpy.testing import assert_allclose
from oracle import value_of

import derive


def test_sympy_bridge_log_det_is_inverse_transpose() -> None:
    """The issue's definition of done: prove("log(det(X))", "X").to_sympy() is X^-T."""
    result = derive.prove("log(det(X))", "X").to_sympy()
    x = np.array([[2.0, 1.0, 0.0], [0.5, 3.0, 1.0], [0.0, -1.0, 1.5]])
    assert_allclose(sympy_value(result, {"X": x}), np.linalg.inv(x).T, rtol=1e-12)
    n = sympy.Symbol("n", integer=True, positive=True)
    assert result.shape == (n, n)
    assert {s.name for s in result.free_symbols} == {"X"}


def test_sympy_bridge_sympy_alone_answers_zero() -> None:
    """Why derive exists: SymPy 1.14 differentiates log(det(X)) by X to 0 (a wrong answer)."""
    n = sympy.Symbol("n", integer=True, positive=True)
    for size in (n, 3):
        x = sympy.MatrixSymbol("X", size, size)
        answer = sympy.log(sympy.Determinant(x)).diff(x)
        assert answer.is_ZeroMatrix or answer == 0  # the right answer, X^-T, is never zero


def test_sympy_bridge_symbols_are_named_and_shaped_as_the_input() -> None:
    result = derive.prove("y' A x", "x", declare=("A: 3 x 4",)).to_sympy()
    symbols = {s.name: s for s in result.free_symbols}
    assert set(symbols) == {"A", "y"}
    assert isinstance(symbols["A"], sympy.MatrixSymbol)
    assert symbols["A"].shape == (3, 4)
    assert symbols["y"].shape == (3, 1)
    assert result.shape == (4, 1)


def test_sympy_bridge_symbolic_sizes() -> None:
    result = derive.prove("a' X b", "X", declare=("X: m x n",)).to_sympy()
    m, n = (sympy.Symbol(d, integer=True, positive=True) for d in "mn")
    assert result.shape == (m, n)


def test_sympy_bridge_jacobians_are_matrix_symbols() -> None:
    result = derive.prove("A x", "z", declare=("x: n, depends on z",)).to_sympy()
    names = {s.name for s in result.free_symbols}
    assert names == {"A", "dx/dz"}


# (expression, variable, declarations, layout, hessian)
CASES = [
    ("x' A x", "x", (), "mixed", False),
    ("x' A x", "x", (), "numerator", False),
    ("(y - A x)' (y - A x)", "x", (), "mixed", True),
    ("tr(A X B)", "X", (), "mixed", False),
    ("det(X)", "X", (), "mixed", False),
    ("a' inv(X) b", "X", (), "mixed", False),
    ("norm(x)", "x", (), "mixed", False),
    ("log(x' x)", "x", (), "mixed", False),
    ("(x' x) x", "x", (), "mixed", False),
    ("(x' x)^2", "x", (), "mixed", False),
    ("x' A x y' B y", "y", (), "mixed", False),
    ("alpha^3 x", "alpha", (), "mixed", False),
    ("alpha^2 + alpha", "alpha", (), "mixed", False),
    ("tr(X^3)", "X", (), "mixed", False),
    ("det(A X B)", "X", ("A: n x n", "B: n x n", "X: n x n"), "mixed", False),
    ("y' x", "z", ("x: n, depends on z", "y: n, depends on z"), "numerator", False),
]


@pytest.mark.parametrize(
    ("expr", "wrt", "declare", "layout", "hessian"), CASES,
    ids=[f"{c[0]}-by-{c[1]}-{c[3]}{'-hessian' if c[4] else ''}" for c in CASES],
)
def test_sympy_bridge_value_matches_the_result(
    expr: str, wrt: str, declare: tuple[str, ...], layout: str, hessian: bool
) -> None:
    derivation = derive.prove(expr, wrt, declare=declare, layout=layout, hessian=hessian)
    values, jacobians = random_values(derivation)
    named = dict(values)
    named.update({f"d{of}/d{by}": jac for (of, by), jac in jacobians.items()})
    for (of, by), jac in jacobians.items():
        named[of] = values[of] + jac @ values[by]
    got = sympy_value(derivation.to_sympy(), named, SIZES)
    # the result's IR by the tests' own evaluator: the translation keeps every term
    expected = evaluate_result(derivation, values, jacobians)
    assert_allclose(got, expected.reshape(got.shape), rtol=1e-10, atol=1e-12)
    # and the truth, independent of the result: central differences of the input expression
    function, var = derivation.problem.expr, derivation.wrt
    def f(v: dict[str, np.ndarray]) -> np.ndarray:
        return value_of(function, v, SIZES, jacobians)
    if hessian:
        tensor = central_difference(lambda v: central_difference(f, v, wrt, 1e-4)[0, 0], values,
                                    wrt, 1e-4)
        truth = tensor.reshape(got.shape)
    else:
        truth = layout_matrix(central_difference(f, values, wrt), function.shape, var.shape,
                              layout)
    assert relative_error(got, truth) < 1e-6


def test_sympy_bridge_scalar_product_reads_as_a_trace() -> None:
    """A 1 x 1 product becomes Trace(x.T*x), not an explicit Sum over its entries."""
    result = derive.prove("(x' x) x", "x").to_sympy()
    assert not result.has(sympy.Sum)
    assert result.has(sympy.Trace)


_X = sympy.Matrix([[2, -1, sympy.Rational(1, 2)], [3, sympy.Rational(1, 4), -4]])


@pytest.mark.parametrize(("text", "value", "expected"), [
    # sum(X) = tr(1ᵀ X 1): the sum of the entries
    ("sum(X)", _X, sum(_X)),
    ("sum(v)", _X[:, 0], 5),
    ("sum(X .^ 3)", _X, sum(c**3 for c in _X)),
    ("tr(diag(v))", _X[:, 0], 5),
    ("sum(diag(v))", _X[:, 0], 5),
], ids=["matrix", "column", "cube", "diag-trace", "diag-sum"])  # fmt: skip
def test_sympy_bridge_entrywise_forms_have_their_values(
    text: str, value: sympy.Matrix, expected: object
) -> None:
    """The entrywise forms in SymPy (sum as tr(1ᵀ X 1), .^, diag), made
    explicit at a 2 x 3 matrix or a column: the values computed entry by entry."""
    from derive.check.sympy_bridge import to_sympy
    from derive.language.frontend import parse

    name = "X" if "X" in text else "v"
    problem = parse(text, (), wrt=name)
    shape = problem.symbols[name].shape
    sizes = {sympy.Symbol(str(d), integer=True, positive=True): s
             for d, s in zip((shape.rows, shape.cols), value.shape, strict=True)}  # fmt: skip
    expr = to_sympy(problem.expr).xreplace(sizes)
    expr = expr.xreplace({sympy.MatrixSymbol(name, *value.shape): sympy.ImmutableMatrix(value)})
    expr = expr.replace(lambda a: isinstance(a, sympy.OneMatrix), lambda a: a.as_explicit())
    expr = expr.replace(lambda a: isinstance(a, sympy.HadamardPower),
                        lambda a: a.base.as_explicit().applyfunc(lambda c: c**a.exp))
    assert sympy.simplify(expr.doit() - expected) == 0


def test_sympy_bridge_entrywise_function_of_a_matrix() -> None:
    """d tr(exp(X)) / dX in SymPy (ElementwiseApplyFunction, which SymPy 1.14 keeps out of its
    top-level namespace: the form raised AttributeError, and the JSON output with it), made
    explicit at a 2 x 2 matrix: SymPy's own derivative of sum_i exp(X_ii), entry by entry."""
    result = derive.prove("tr(exp(X))", "X").to_sympy()
    n = sympy.Symbol("n", integer=True, positive=True)
    explicit = result.xreplace({n: sympy.Integer(2)}).as_explicit()
    entries = sympy.MatrixSymbol("X", 2, 2).as_explicit()
    f = sum(sympy.exp(entries[i, i]) for i in range(2))
    expected = sympy.Matrix(2, 2, lambda row, col: sympy.diff(f, entries[row, col]))
    assert sympy.simplify(explicit - expected) == sympy.zeros(2, 2)
    assert "Dummy" not in sympy.srepr(result)  # the same text in every run's JSON


def test_sympy_bridge_json_of_an_entrywise_function_of_a_matrix() -> None:
    """The JSON output carries the SymPy form: it crashed with a traceback for exp(X)."""
    import json

    from click.testing import CliRunner

    from derive.cli import main

    done = CliRunner().invoke(main, ["prove", "tr(exp(X))", "--wrt", "X", "--format", "json"])
    assert done.exit_code == 0, done.output
    assert "ElementwiseApplyFunction" in json.loads(done.output)["result"]["sympy"]
