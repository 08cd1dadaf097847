"""Values of the nodes of :mod:`derive.ir.elementwise`: floats, exact numbers, SymPy forms.

One entry per node type in each table of the checks (:data:`derive.check.evaluate.evaluate_expr`,
:data:`derive.check.exact.evaluate`, the SymPy bridge). Elementwise functions come from the table
:data:`derive.ir.functions.FUNCTIONS`: NumPy in floats; in exact arithmetic the value and every
derivative of ``abs``, ``sign``, ``relu`` and ``step`` at a rational are rational, the others
are :class:`~derive.check.exact.Irrational` at a Fraction (the verifier then asks SymPy) and
SymPy's own function and ``diff`` at a SymPy number.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from derive.check import evaluate as ev
from derive.check import exact
from derive.check import sympy_bridge as sb
from derive.ir import elementwise as el
from derive.ir.functions import FUNCTIONS, Prime

Array = Any


# -- exact scalars ----------------------------------------------------------------------------


def _sign(value: Fraction) -> Fraction:
    return Fraction((value > 0) - (value < 0))


# order -> the order-th derivative at a rational, for the functions that stay rational
_RATIONAL: dict[str, Callable[[int, Fraction], Fraction]] = {
    "abs": lambda k, v: abs(v) if k == 0 else _sign(v) if k == 1 else Fraction(0),
    "sign": lambda k, v: _sign(v) if k == 0 else Fraction(0),
    "relu": lambda k, v: max(v, Fraction(0)) if k == 0 else Fraction(int(v > 0)) if k == 1 else
    Fraction(0),
    "step": lambda k, v: (Fraction(int(v > 0)) if v != 0 else Fraction(1, 2)) if k == 0 else
    Fraction(0),
}  # fmt: skip


@functools.lru_cache(maxsize=64)
def _sympy_derivative(name: str, order: int) -> Callable[[Any], Any]:
    import sympy

    t = sympy.Symbol("t", real=True)
    expression = sympy.diff(FUNCTIONS[name].symbolic(t), t, order)
    return lambda value: expression.subs(t, value)


def apply_exact(name: str, value: Any, order: int = 0) -> Any:
    """The ``order``-th derivative of the function ``name`` at an exact scalar (or dual)."""
    if isinstance(value, exact.Dual):
        return exact.Dual(apply_exact(name, value.a, order),
                          apply_exact(name, value.a, order + 1) * value.b)  # fmt: skip
    if isinstance(value, exact.Irrational):
        return value
    if isinstance(value, exact.Modular):
        return exact.Irrational()  # no sign, no transcendental value modulo a prime: SymPy's
    if isinstance(value, Fraction | int):
        rational = _RATIONAL.get(name)
        return rational(order, Fraction(value)) if rational else exact.Irrational()
    return _sympy_derivative(name, order)(value)


def power_exact(value: Any, exponent: Fraction) -> Any:
    """``value ** exponent`` for a rational exponent, exact where the value is."""
    if exponent.denominator == 1:
        return value ** int(exponent) if exponent > 0 else 1 / value ** int(-exponent)
    if isinstance(value, exact.Dual):
        return exact.Dual(power_exact(value.a, exponent),
                          exponent * power_exact(value.a, exponent - 1) * value.b)  # fmt: skip
    if isinstance(value, exact.Irrational):
        return value
    if isinstance(value, exact.Modular):
        return exact.Irrational()  # a root modulo a prime is not the real root: SymPy's
    if isinstance(value, Fraction | int):
        if exponent.denominator == 2 and value > 0:
            root = exact.sqrt(Fraction(value))
            if isinstance(root, Fraction):
                return root ** exponent.numerator
        return exact.Irrational()
    import sympy

    return sympy.Pow(value, sympy.Rational(exponent.numerator, exponent.denominator))


def _cells(function: Callable[[Any], Any], value: Array) -> Array:
    return np.vectorize(function, otypes=[object])(value)


def _exact_ones(rows: int, cols: int) -> Array:
    return exact.matrix([[Fraction(1)] * cols for _ in range(rows)])


def _diag(value: Array, to_matrix: bool, exact_values: bool) -> Array:
    if not to_matrix:
        return np.diagonal(value).reshape(-1, 1).copy()
    n = value.shape[0]
    if not exact_values:
        return np.diag(value[:, 0])
    result = exact.matrix([[Fraction(0)] * n for _ in range(n)])
    for i in range(n):
        result[i, i] = value[i, 0]
    return result


def _total(value: Array, exact_values: bool) -> Array:
    cells = list(value.flat)
    total: Any = Fraction(0) if exact_values else 0.0
    for cell in cells:
        total = total + cell
    return np.array([[total]], dtype=object if exact_values else float)


# -- floats (and exact values in check.evaluate) ------------------------------------------------


def _apply_value(node: el.Apply, point: ev.Point) -> Array:
    value = ev.evaluate_expr(node.arg, point)
    if point.exact:
        return _cells(lambda c: apply_exact(node.function, c), value)
    return FUNCTIONS[node.function].numeric(np.asarray(value, dtype=float))


def _power_value(node: el.HadamardPower, point: ev.Point) -> Array:
    value = ev.evaluate_expr(node.base, point)
    if point.exact:
        return _cells(lambda c: power_exact(c, node.exponent), value)
    return np.asarray(value, dtype=float) ** float(node.exponent)


def _hadamard_value(node: el.Hadamard, point: ev.Point) -> Array:
    result = ev.evaluate_expr(node.factors[0], point)
    for factor in node.factors[1:]:
        result = result * ev.evaluate_expr(factor, point)
    return result


def _ones_value(node: el.Ones, point: ev.Point) -> Array:
    rows, cols = point.size(node.shape.rows), point.size(node.shape.cols)
    return _exact_ones(rows, cols) if point.exact else np.ones((rows, cols))


ev.evaluate_expr.update({
    el.Apply: _apply_value,
    el.HadamardPower: _power_value,
    el.Hadamard: _hadamard_value,
    el.Ones: _ones_value,
    el.Sum: lambda n, p: _total(ev.evaluate_expr(n.arg, p), p.exact),
    el.Diag: lambda n, p: _diag(ev.evaluate_expr(n.arg, p), n.to_matrix, p.exact),
    el.LogSumExp: lambda n, p: ev.evaluate_expr(n.body, p),
    el.Softmax: lambda n, p: ev.evaluate_expr(n.body, p),
    Prime: lambda n, p: ev.evaluate_expr(n.body, p),
})


# -- the exact oracle (dual numbers) --------------------------------------------------------------


def _exact_hadamard(node: el.Hadamard, point: exact.ExactPoint) -> Array:
    result = exact.evaluate(node.factors[0], point)
    for factor in node.factors[1:]:
        result = result * exact.evaluate(factor, point)
    return result


exact.evaluate.update({
    el.Apply: lambda n, p: _cells(lambda c: apply_exact(n.function, c),
                                  exact.evaluate(n.arg, p)),
    el.HadamardPower: lambda n, p: _cells(lambda c: power_exact(c, n.exponent),
                                          exact.evaluate(n.base, p)),
    el.Hadamard: _exact_hadamard,
    el.Ones: lambda n, p: _exact_ones(p.size(n.shape.rows), p.size(n.shape.cols)),
    el.Sum: lambda n, p: _total(exact.evaluate(n.arg, p), True),
    el.Diag: lambda n, p: _diag(exact.evaluate(n.arg, p), n.to_matrix, True),
    el.LogSumExp: lambda n, p: exact.evaluate(n.body, p),
    el.Softmax: lambda n, p: exact.evaluate(n.body, p),
    Prime: lambda n, p: exact.evaluate(n.body, p),
})  # fmt: skip


# -- SymPy forms ------------------------------------------------------------------------------


def _sympy_apply(node: el.Apply) -> Any:
    import sympy
    from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

    arg = sb.to_sympy(node.arg)
    function = FUNCTIONS[node.function].symbolic
    if node.shape.is_scalar:
        return function(arg)
    t = sympy.Symbol("t")  # bound by the Lambda; a Dummy would print a new index every run
    return ElementwiseApplyFunction(sympy.Lambda(t, function(t)), arg)


def _sympy_power(node: el.HadamardPower) -> Any:
    import sympy

    exponent = sympy.Rational(node.exponent.numerator, node.exponent.denominator)
    base = sb.to_sympy(node.base)
    return base**exponent if node.shape.is_scalar else sympy.HadamardPower(base, exponent)


def _sympy_ones(node: el.Ones) -> Any:
    import sympy

    return sympy.OneMatrix(sb.dim_to_sympy(node.shape.rows), sb.dim_to_sympy(node.shape.cols))


def _sympy_sum(node: el.Sum) -> Any:
    import sympy

    arg = sb.to_sympy(node.arg)
    shape = node.arg.shape
    if shape.is_scalar:
        return arg
    left = sympy.OneMatrix(1, sb.dim_to_sympy(shape.rows))
    right = sympy.OneMatrix(sb.dim_to_sympy(shape.cols), 1)
    return sympy.Trace(sympy.MatMul(left, arg, right))


def _sympy_diag(node: el.Diag) -> Any:
    import sympy

    arg = sb.to_sympy(node.arg)
    return sympy.DiagMatrix(arg) if node.to_matrix else sympy.DiagonalOf(arg)


sb.register_forms({
    el.Apply: _sympy_apply,
    el.HadamardPower: _sympy_power,
    el.Hadamard: lambda n: __import__("sympy").HadamardProduct(*(sb.to_sympy(f)
                                                                 for f in n.factors)),
    el.Ones: _sympy_ones,
    el.Sum: _sympy_sum,
    el.Diag: _sympy_diag,
    el.LogSumExp: lambda n: sb.to_sympy(n.body),
    el.Softmax: lambda n: sb.to_sympy(n.body),
    Prime: lambda n: sb.to_sympy(n.body),
})
