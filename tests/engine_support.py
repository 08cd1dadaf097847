"""Helpers shared by the engine's tests: test values, independent numeric oracles, random trees.

Everything here is written against NumPy (and SymPy's explicit matrices) directly, so that the
tests compare the engine with arithmetic it does not control: a derivation's result is evaluated
at random values and compared with a closed form written in NumPy, or with central differences
of the original expression. Expressions are evaluated by the tests' own evaluator
(``oracle.py``), never by ``derive.check.evaluate``, the evaluator under test.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from oracle import value_of

from derive.calculus.proof import Derivation
from derive.ir import elementwise as el
from derive.ir import expr as ex

Values = dict[str, np.ndarray]

SIZES = {"n": 3, "m": 4, "p": 5, "q": 2}


def dim_size(dim: ex.Dim, sizes: Mapping[str, int] = SIZES) -> int:
    """The concrete size of a dimension."""
    return dim if isinstance(dim, int) else sizes[dim]


def random_values(
    derivation: Derivation, seed: int = 0, sizes: Mapping[str, int] = SIZES
) -> tuple[Values, dict[tuple[str, str], np.ndarray]]:
    """Values for every symbol of a derivation, and a Jacobian for every declared dependency.

    Square matrices are ``2 I`` plus noise (invertible, well conditioned; symmetric when
    declared), scalars lie in [0.5, 1.5], everything else is standard normal.
    """
    rng = np.random.default_rng(seed)
    values: Values = {}
    for name, info in derivation.symbols.items():
        rows, cols = dim_size(info.shape.rows, sizes), dim_size(info.shape.cols, sizes)
        if rows == cols == 1:
            values[name] = np.array([[rng.uniform(0.5, 1.5)]])
        elif rows == cols:
            value = 2 * np.eye(rows) + 0.5 * rng.standard_normal((rows, rows)) / np.sqrt(rows)
            values[name] = (value + value.T) / 2 if info.symmetric else value
        else:
            values[name] = rng.standard_normal((rows, cols))
    jacobians = {
        (name, wrt): rng.standard_normal(
            (dim_size(info.shape.rows, sizes), dim_size(derivation.symbols[wrt].shape.rows, sizes))
        )
        for name, info in derivation.symbols.items()
        for wrt in info.depends_on
    }
    return values, jacobians


def evaluate_result(
    derivation: Derivation,
    values: Values,
    jacobians: Mapping[tuple[str, str], np.ndarray] | None = None,
    sizes: Mapping[str, int] = SIZES,
) -> np.ndarray:
    """The derivation's final matrix result at the given values (by the tests' own evaluator)."""
    rhs = derivation.result.rhs
    assert isinstance(rhs, ex.Expr), "a tensor result has no matrix value"
    return value_of(rhs, values, sizes, jacobians)


def sympy_value(expr: Any, values: Values, sizes: Mapping[str, int] = SIZES) -> np.ndarray:
    """Evaluate a SymPy matrix expression over ``MatrixSymbol``s at explicit values.

    Dimension symbols are replaced by their sizes first, then every symbol by its value (matched
    by name, so ``MatrixSymbol('X', n, n)`` takes ``values['X']``), and the result made explicit.
    """
    import sympy

    dims = {sympy.Symbol(d, integer=True, positive=True): s for d, s in sizes.items()}
    concrete = expr.xreplace(dims)
    mapping: dict[Any, Any] = {}
    for symbol in concrete.free_symbols:
        name = str(symbol.name)
        if name not in values:
            continue
        if isinstance(symbol, sympy.MatrixSymbol):
            mapping[symbol] = sympy.ImmutableMatrix(values[name])
        else:
            mapping[symbol] = sympy.Float(float(values[name][0, 0]), 30)
    result = concrete.xreplace(mapping).doit()
    if isinstance(result, sympy.MatrixBase | sympy.MatrixExpr):
        return np.array(result.as_explicit().evalf(), dtype=float)
    return np.array([[float(result)]])


def central_difference(
    function: Callable[[Values], np.ndarray], values: Values, wrt: str, step: float = 1e-5
) -> np.ndarray:
    """``d function / d wrt`` as a tensor: the function's 2-D axes, then wrt's 2-D axes."""
    base = values[wrt]
    center = np.asarray(function(values))
    out = np.zeros(center.shape + base.shape)
    for position in np.ndindex(*base.shape):
        bump = np.zeros_like(base)
        bump[position] = step
        up = np.asarray(function({**values, wrt: base + bump}))
        down = np.asarray(function({**values, wrt: base - bump}))
        out[(...,) + position] = (up - down) / (2 * step)
    return out


def layout_matrix(tensor: np.ndarray, of: ex.Shape, wrt: ex.Shape, layout: str) -> np.ndarray:
    """Lay a 4-axis derivative tensor (of rows, of cols, wrt rows, wrt cols) out as PRODUCT.md 4.

    Vector by vector: numerator and mixed are m x n, denominator n x m. Scalar by anything:
    numerator is the transpose of wrt's shape, denominator and mixed wrt's shape. Anything by a
    scalar: the function's shape (a column becomes a row in the denominator layout).
    """
    if wrt.is_scalar:
        result = tensor[:, :, 0, 0]
        return result.T if layout == "denominator" and of.is_column else result
    if of.is_scalar:
        result = tensor[0, 0]
        return result.T if layout == "numerator" else result
    jacobian = tensor.reshape(-1, tensor.shape[2] * tensor.shape[3])
    return jacobian.T if layout == "denominator" else jacobian


def relative_error(got: np.ndarray, expected: np.ndarray) -> float:
    """``max |got - expected| / max(1, max |expected|)``; a shape mismatch is infinite."""
    if np.shape(got) != np.shape(expected):
        return float("inf")
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    return float(np.max(np.abs(got - expected), initial=0.0)) / scale


# -- random well-shaped expressions ---------------------------------------------------------
#
# Symbols with known shapes: x, y (n-vectors), A, B, X (n x n) and the scalar alpha. Logarithms
# are only taken of positive scalars, inverses and determinants only of "safe" matrices
# (products, transposes, inverses, powers and positive combinations of the symbols, whose test
# values are near multiples of I): a disagreement with finite differences is then the engine's
# fault, not the arithmetic's.

N: ex.Dim = "n"
TREE_SIZE = 3
SYMBOLS = {
    "x": ex.Symbol("x", ex.Shape(N, 1)),
    "y": ex.Symbol("y", ex.Shape(N, 1)),
    "A": ex.Symbol("A", ex.Shape(N, N)),
    "B": ex.Symbol("B", ex.Shape(N, N)),
    "X": ex.Symbol("X", ex.Shape(N, N)),
    "alpha": ex.Symbol("alpha", ex.SCALAR),
}
DECLARE = ("x: n", "y: n", "A: n x n", "B: n x n", "X: n x n", "alpha: scalar")
_VECTORS = ("x", "y")
_MATRICES = ("A", "B", "X")
_COEFFS = (Fraction(2), Fraction(-1), Fraction(3), Fraction(1, 2), Fraction(-3, 2))

Draw = Callable[[st.SearchStrategy[Any]], Any]


def _symbol(draw: Draw, names: tuple[str, ...]) -> ex.Expr:
    return SYMBOLS[draw(st.sampled_from(names))]


def _coefficient(draw: Draw) -> ex.Expr:
    return ex.Number(draw(st.sampled_from(_COEFFS)))


def safe_matrix(draw: Draw, depth: int) -> ex.Expr:
    """An invertible, well-conditioned n x n matrix."""
    choice = draw(st.integers(0, 6 if depth > 0 else 0))
    if choice == 0:
        return _symbol(draw, _MATRICES)
    inner = safe_matrix(draw, depth - 1)
    if choice == 1:
        return ex.transpose(inner)
    if choice == 2:
        return ex.Inverse(inner)
    if choice == 3:
        return ex.mul(inner, safe_matrix(draw, depth - 1))
    if choice == 4:
        return ex.Power(inner, draw(st.integers(2, 3)))
    if choice == 5:
        return ex.add(inner, safe_matrix(draw, depth - 1))
    return ex.mul(ex.Number(draw(st.sampled_from((Fraction(2), Fraction(1, 2))))), inner)


def positive(draw: Draw, depth: int) -> ex.Expr:
    """A scalar whose test values are positive and not small."""
    choice = draw(st.integers(0, 6 if depth > 0 else 1))
    if choice == 0:
        return SYMBOLS["alpha"]
    if choice == 1:
        v = _symbol(draw, _VECTORS)
        return ex.mul(ex.transpose(v), v)
    if choice == 2:
        return ex.Det(safe_matrix(draw, depth - 1))
    if choice == 3:
        return ex.Power(ex.Norm(_symbol(draw, _VECTORS + _MATRICES)), 2)
    if choice == 4:
        return ex.mul(positive(draw, depth - 1), positive(draw, depth - 1))
    if choice == 5:
        return ex.add(positive(draw, depth - 1), positive(draw, depth - 1))
    return ex.Norm(_symbol(draw, _VECTORS + _MATRICES))


def scalar(draw: Draw, depth: int) -> ex.Expr:
    """Any scalar expression."""
    if depth <= 0:
        return draw(st.sampled_from((SYMBOLS["alpha"], ex.number(2))))
    d = depth - 1
    choices: list[Callable[[], ex.Expr]] = [
        lambda: ex.mul(row(draw, d), column(draw, d)),
        lambda: ex.Trace(matrix(draw, d)),
        lambda: ex.Det(safe_matrix(draw, min(d, 2))),
        lambda: ex.Log(positive(draw, d)),
        lambda: ex.Power(ex.Norm(column(draw, d)), 2),
        lambda: ex.Norm(_symbol(draw, _VECTORS + _MATRICES)),
        lambda: ex.Power(scalar(draw, d), draw(st.integers(2, 3))),
        lambda: ex.add(scalar(draw, d), scalar(draw, d)),
        lambda: ex.add(scalar(draw, d), ex.neg(scalar(draw, d))),
        lambda: ex.mul(_coefficient(draw), scalar(draw, d)),
        lambda: ex.mul(scalar(draw, d), scalar(draw, d)),
        lambda: ex.Power(positive(draw, min(d, 2)), -1),
        # machine-learning operations (issue 12): bounded functions, so no value overflows
        lambda: el.Sum(el.Apply(_bounded(draw), column(draw, d))),
        lambda: el.LogSumExp(_symbol(draw, _VECTORS)),
        lambda: el.hadamard_power(positive(draw, min(d, 2)), Fraction(1, 2)),
        lambda: el.Sum(el.hadamard(column(draw, d), column(draw, d))),
        lambda: ex.mul(row(draw, d), el.Diag(column(draw, d)), column(draw, d)),
    ]
    return choices[draw(st.integers(0, len(choices) - 1))]()


def _bounded(draw: Draw) -> str:
    return str(draw(st.sampled_from(("sigma", "tanh", "sin", "cos"))))


def column(draw: Draw, depth: int) -> ex.Expr:
    """An n x 1 vector."""
    if depth <= 0:
        return _symbol(draw, _VECTORS)
    d = depth - 1
    choices: list[Callable[[], ex.Expr]] = [
        lambda: _symbol(draw, _VECTORS),
        lambda: ex.mul(matrix(draw, d), column(draw, d)),
        lambda: ex.mul(scalar(draw, d), column(draw, d)),
        lambda: ex.add(column(draw, d), column(draw, d)),
        lambda: ex.add(column(draw, d), ex.neg(column(draw, d))),
        lambda: ex.transpose(row(draw, d)),
        lambda: ex.mul(_coefficient(draw), column(draw, d)),
        lambda: el.Apply(_bounded(draw), column(draw, d)),
        lambda: el.hadamard(column(draw, d), column(draw, d)),
        lambda: el.Softmax(_symbol(draw, _VECTORS)),
    ]
    return choices[draw(st.integers(0, len(choices) - 1))]()


def row(draw: Draw, depth: int) -> ex.Expr:
    """A 1 x n vector."""
    if depth <= 0:
        return ex.transpose(_symbol(draw, _VECTORS))
    if draw(st.booleans()):
        return ex.transpose(column(draw, depth - 1))
    return ex.mul(row(draw, depth - 1), matrix(draw, depth - 1))


def matrix(draw: Draw, depth: int) -> ex.Expr:
    """An n x n matrix."""
    if depth <= 0:
        return _symbol(draw, _MATRICES)
    d = depth - 1
    choices: list[Callable[[], ex.Expr]] = [
        lambda: _symbol(draw, _MATRICES),
        lambda: ex.mul(matrix(draw, d), matrix(draw, d)),
        lambda: ex.transpose(matrix(draw, d)),
        lambda: ex.Inverse(safe_matrix(draw, min(d, 2))),
        lambda: ex.Power(matrix(draw, d), draw(st.integers(2, 3))),
        lambda: ex.mul(scalar(draw, d), matrix(draw, d)),
        lambda: ex.add(matrix(draw, d), matrix(draw, d)),
        lambda: ex.add(matrix(draw, d), ex.neg(matrix(draw, d))),
        lambda: ex.mul(column(draw, d), row(draw, d)),
        lambda: el.Diag(column(draw, d)),
        lambda: el.hadamard(matrix(draw, d), matrix(draw, d)),
    ]
    return choices[draw(st.integers(0, len(choices) - 1))]()


_KINDS: dict[str, Callable[[Draw, int], ex.Expr]] = {
    "scalar": scalar, "column": column, "matrix": matrix,
}  # fmt: skip


@st.composite
def problems(draw: Draw) -> tuple[ex.Expr, str]:
    """A random expression of depth up to 5 (mostly scalars) and a variable that occurs in it."""
    kind = draw(st.sampled_from(("scalar", "scalar", "scalar", "column", "matrix")))
    tree = _KINDS[kind](draw, draw(st.integers(1, 5)))
    present = sorted(symbol.name for symbol in ex.symbols_of(tree))
    assume(present)  # a tree of numbers alone has nothing to differentiate by
    return tree, draw(st.sampled_from(present))


def tree_values(seed: int) -> Values:
    """Test values for the random trees: matrices near ``2 I``, alpha in [0.5, 1.5]."""
    rng = np.random.default_rng(seed)
    values = {name: rng.standard_normal((TREE_SIZE, 1)) for name in _VECTORS}
    for name in _MATRICES:
        noise = rng.standard_normal((TREE_SIZE, TREE_SIZE)) / np.sqrt(TREE_SIZE)
        values[name] = 2 * np.eye(TREE_SIZE) + 0.5 * noise
    values["alpha"] = np.array([[rng.uniform(0.5, 1.5)]])
    return values


def tree_value(tree: ex.Expr, values: Values) -> np.ndarray:
    """A tree's value at the given values (by the tests' own evaluator)."""
    return value_of(tree, values, {"n": TREE_SIZE})
