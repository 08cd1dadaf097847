"""Test points: random exact values of the symbols at concrete sizes.

``rational_point`` draws small rationals (or integers) for the exact checks; ``in_sympy`` turns
them into SymPy numbers (whose logarithms stay exact); ``rational_form`` rewrites even powers of
norms so that their values stay rational.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from fractions import Fraction
from typing import Any, overload

import numpy as np

from derive.check import domain, exact
from derive.ir import expr as ex
from derive.ir import index as ix
from derive.language.shapes import Problem


def independent(problem: Problem) -> Iterator[tuple[str, ex.Shape]]:
    for name, info in problem.symbols.items():
        yield name, info.shape


def size_of(dim: ex.Dim, sizes: dict[str, int]) -> int:
    return dim if isinstance(dim, int) else sizes[dim]


def _positive(value: Any) -> Any:
    """Entries made positive: the argument of a log or a square root (0 becomes 1/4)."""
    return np.vectorize(lambda c: abs(c) + Fraction(1, 4), otypes=[object])(value)


def rational_point(
    problem: Problem,
    sizes: dict[str, int],
    rng: np.random.Generator,
    *,
    integers: bool = False,
    spread: int = 4,
) -> exact.ExactPoint:
    """Random small rationals for every symbol; square matrices near 5 I, scalars positive.

    With ``integers``, every value is a whole number: high powers then keep small denominators,
    which keeps exact arithmetic fast. ``spread`` bounds the numerators.
    """

    def rational(low: int = -spread) -> Fraction:
        return Fraction(int(rng.integers(low, spread + 1)),
                        1 if integers else int(rng.integers(1, 4)))  # fmt: skip

    positive = domain.positive_symbols(problem.expr)
    values: dict[str, Any] = {}
    for name, shape in independent(problem):
        rows, cols = size_of(shape.rows, sizes), size_of(shape.cols, sizes)
        if shape.is_scalar:
            values[name] = exact.matrix([[rational(1)]])
            continue
        value = exact.matrix([[rational() for _ in range(cols)] for _ in range(rows)])
        if shape.is_square:
            value = value + exact.identity(rows) * 5
            if problem.symbols[name].symmetric:
                value = (value + value.T) / 2
        values[name] = _positive(value) if name in positive else value
    jacobians: dict[tuple[str, str], Any] = {}
    for name, info in problem.symbols.items():
        for dep in info.depends_on:
            rows = size_of(info.shape.rows, sizes)
            cols = size_of(problem.symbols[dep].shape.rows, sizes)
            jacobians[(name, dep)] = exact.matrix(
                [[rational() for _ in range(cols)] for _ in range(rows)]
            )
    return exact.ExactPoint(values, jacobians, sizes)


@overload
def rational_form(node: ex.Expr) -> ex.Expr: ...
@overload
def rational_form(node: ix.IndexSum) -> ix.IndexSum: ...


def rational_form(node: ex.Expr | ix.IndexSum) -> ex.Expr | ix.IndexSum:
    """The same value with even powers of norms as powers of sums of squares.

    ``||v||^2`` is rational at a rational point, but computed as the square of a square root it
    is irrational, and an irrational value sends the exact check to the slow SymPy path.
    """
    if isinstance(node, ix.IndexSum):
        terms = tuple(dataclasses.replace(t, factors=tuple(
            ix.Entry(rational_form(f.base), f.indices) if isinstance(f, ix.Entry) else f
            for f in t.factors)) for t in node.terms)  # fmt: skip
        return dataclasses.replace(node, terms=terms)
    if isinstance(node, ex.Power) and isinstance(node.base, ex.Norm) and node.exponent % 2 == 0:
        arg = rational_form(node.base.arg)
        squares = ex.Trace(ex.MatMul((ex.transpose(arg), arg)) if not arg.shape.is_scalar
                           else ex.Power(arg, 2))  # fmt: skip
        return squares if node.exponent == 2 else ex.Power(squares, node.exponent // 2)
    if isinstance(node, ex.Jacobian | ex.Defined | ex.Derivative) or not node.children:
        return node
    return node.rebuild([rational_form(c) for c in node.children])


def in_sympy(point: exact.ExactPoint) -> exact.ExactPoint:
    """The same point with every Fraction a SymPy Rational."""
    import sympy

    def convert(value: Any) -> Any:
        return np.vectorize(lambda c: sympy.Rational(c.numerator, c.denominator),
                            otypes=[object])(value)  # fmt: skip

    values = {name: convert(value) for name, value in point.values.items()}
    jacobians = {key: convert(value) for key, value in point.jacobians.items()}
    return exact.ExactPoint(values, jacobians, point.sizes)
