"""Evaluate proof lines at concrete values: matrix expressions by ordinary arithmetic, index sums
by ``einsum`` over their factors, marked derivatives by central differences.

Two backends share the code: floating point (NumPy) for the numeric checks and exact rationals
(``fractions.Fraction`` in NumPy object arrays, see ``check.exact``) for the exact check; when
the exact values hold SymPy symbols (the SymPy oracle), SymPy does the inverses and logs.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from derive import budget
from derive.check import exact as exact_arith
from derive.ir import expr as ex
from derive.ir import index as ix
from derive.ir.dispatch import Operation

Array = Any  # numpy.ndarray of floats, or of SymPy numbers (dtype=object)


@dataclass(frozen=True)
class Point:
    """Values of the independent symbols, and the linear model of declared dependencies.

    A symbol ``x`` that depends on ``z`` takes the value ``x0 + J z`` with a fixed ``J``, so
    ``dx/dz = J`` and finite differences through ``z`` see the chain rule at work.
    """

    values: Mapping[str, Array]
    jacobians: Mapping[tuple[str, str], Array]
    sizes: Mapping[str, int]
    exact: bool = False
    # values of the costly nodes (powers, inverses, determinants) at this point, computed once
    memo: dict[ex.Expr, Array] = field(default_factory=dict, compare=False, repr=False)

    def with_value(self, name: str, value: Array) -> Point:
        """The same point with one symbol moved."""
        values = dict(self.values)
        values[name] = value
        return Point(values, self.jacobians, self.sizes, self.exact)

    def value(self, name: str) -> Array:
        """A symbol's value, dependencies applied."""
        base = self.values[name]
        for (of, wrt), jacobian in self.jacobians.items():
            if of == name:
                base = base + _matmul(jacobian, self.values[wrt], self.exact)
        return base

    def size(self, dim: ex.Dim) -> int:
        """The concrete size of a dimension."""
        return dim if isinstance(dim, int) else self.sizes[dim]


def _matmul(a: Array, b: Array, exact: bool) -> Array:
    return a.dot(b) if exact else a @ b


# -- matrix expressions -----------------------------------------------------------------


evaluate_expr: Operation[Array] = Operation("derive.check.evaluate.evaluate_expr")
"""``evaluate_expr(node, point)``: a 2-D array (rows x cols) for any matrix expression."""


def _eye(n: int, exact: bool) -> Array:
    if exact:
        return exact_arith.identity(n)
    return np.eye(n)


def _symbolic(value: Any) -> bool:
    """Whether an exact value holds SymPy expressions (the SymPy oracle's symbolic variable)."""
    cells = value.flat if isinstance(value, np.ndarray) else (value,)
    return any(type(c).__module__.startswith("sympy") for c in cells)


def _mul(node: ex.MatMul, point: Point) -> Array:
    result: Array = None
    for factor in node.factors:
        value = evaluate_expr(factor, point)
        if result is None:
            result = value
        elif result.shape == (1, 1) and factor.shape.is_scalar is False:
            result = value * result[0, 0]  # the array first: numpy then broadcasts the scalar
        elif factor.shape.is_scalar:
            result = result * value[0, 0]
        else:
            result = _matmul(result, value, point.exact)
    return result


def _inverse(value: Array, exact: bool) -> Array:
    if not exact:
        return np.linalg.inv(value)
    if _symbolic(value):
        import sympy

        return np.array(sympy.Matrix(value.tolist()).inv().tolist(), dtype=object)
    return exact_arith.inverse(value)


def _det(value: Array, exact: bool) -> Any:
    if not exact:
        return np.linalg.det(value)
    if _symbolic(value):
        import sympy

        # Berkowitz: division free, and ten times faster than the default Bareiss here
        return sympy.Matrix(value.tolist()).det(method="berkowitz")
    return exact_arith.det(value)


def _log(value: Any, exact: bool) -> Any:
    if not exact:
        return np.log(np.abs(value))
    if _symbolic(value):
        import sympy

        return sympy.log(value)
    return exact_arith.log(value)


def _sqrt(value: Any, exact: bool) -> Any:
    if not exact:
        return np.sqrt(value)
    if _symbolic(value):
        import sympy

        return sympy.sqrt(value)
    return exact_arith.sqrt(value)


def _scalar(value: Any, exact: bool) -> Array:
    return np.array([[value]], dtype=object if exact else float)


def _memo(method: Callable[[Any, Point], Array], node: ex.Expr, point: Point) -> Array:
    """``method(node, point)``, computed once per point: the costly nodes (powers, inverses,
    determinants) recur across the terms of a proof line."""
    found = point.memo.get(node)
    if found is None:
        found = point.memo[node] = method(node, point)
    return found


def _power(node: ex.Power, point: Point) -> Array:
    base = evaluate_expr(node.base, point)
    if node.shape.is_scalar:
        return _scalar(base[0, 0] ** node.exponent, point.exact)
    return exact_arith.matrix_power(base, node.exponent,
                                    lambda a, b: _matmul(a, b, point.exact))


evaluate_expr.update({
    ex.Symbol: lambda n, p: p.value(n.name),
    ex.Number: lambda n, p: _scalar(_number(n.value, p.exact), p.exact),
    ex.Identity: lambda n, p: _eye(p.size(n.size), p.exact),
    ex.Zero: lambda n, p: np.zeros((p.size(n.shape.rows), p.size(n.shape.cols)),
                                   dtype=object if p.exact else float) * 0,
    ex.Size: lambda n, p: _scalar(p.size(n.dim), p.exact),
    ex.Add: lambda n, p: _add(n, p),
    ex.MatMul: _mul,
    ex.Transpose: lambda n, p: evaluate_expr(n.arg, p).T,
    ex.Inverse: lambda n, p: _memo(lambda m, q: _inverse(evaluate_expr(m.arg, q), q.exact), n, p),
    ex.Power: lambda n, p: _memo(_power, n, p),
    ex.Trace: lambda n, p: _scalar(np.trace(evaluate_expr(n.arg, p)), p.exact),
    ex.Det: lambda n, p: _memo(
        lambda m, q: _scalar(_det(evaluate_expr(m.arg, q), q.exact), q.exact), n, p),
    ex.Log: lambda n, p: _scalar(_log(evaluate_expr(n.arg, p)[0, 0], p.exact), p.exact),
    ex.Norm: lambda n, p: _scalar(
        _sqrt((evaluate_expr(n.arg, p) ** 2).sum(), p.exact), p.exact
    ),
    ex.Jacobian: lambda n, p: exact_arith.jacobian_value(n, p.jacobians),
    ex.Defined: lambda n, p: evaluate_expr(n.body, p),
    ex.Derivative: lambda n, p: _whole_derivative(n, p),
})


def _number(value: Any, exact: bool) -> Any:
    return Fraction(value) if exact else float(value)


def _add(node: ex.Add, point: Point) -> Array:
    values = [evaluate_expr(t, point) for t in node.terms]
    shape = max((v.shape for v in values), key=lambda s: s[0] * s[1])
    total = np.zeros(shape, dtype=object if point.exact else float) * 0
    for value in values:
        total = total + value
    return total


# -- index sums -------------------------------------------------------------------------


def axes_of(base: ex.Expr, value: Array) -> Array:
    """Drop the unit axes of a base's 2-D value, as its entries' indices do."""
    shape = base.shape
    if shape.is_scalar:
        return value[0, 0]
    if shape.cols == 1:
        return value[:, 0]
    if shape.rows == 1:
        return value[0, :]
    return value


def evaluate_index(node: ix.IndexSum, point: Point) -> Array:
    """An array over ``node.free`` (in that order; an index named twice is one axis: the fact
    ``d exp(X)_ii / d X_kl = exp(X)_ii d X_ii / d X_kl`` holds for each i, k and l)."""
    free = tuple(dict.fromkeys(node.free))
    sizes = [point.size(i.dim) for i in free]
    total: Array = np.zeros(sizes, dtype=object if point.exact else float) * 0
    for term in node.terms:
        total = total + _term_value(term, free, point)
    return total


def _term_value(term: ix.Term, free: tuple[ix.Index, ...], point: Point) -> Array:
    factors: list[ix.Factor] = []
    operands: list[Array] = []
    scale: Any = _number(term.coeff, point.exact)
    for factor in term.factors:
        value = factor_value(factor, point)
        if not factor.indices:
            scale = scale * value
            continue
        factors.append(factor)
        operands.append(value)
    specs: list[Axes] = [f.indices for f in factors]
    used = {i for spec in specs for i in spec}
    for index in free:
        if index not in used:
            operands.append(np.ones(point.size(index.dim), dtype=object if point.exact else float))
            specs.append((index,))
    for index in term.sums:
        if index not in used:
            scale = scale * point.size(index.dim)
    if not operands:
        return scale
    pieces, scalars = _pieces(factors, operands, specs, free)
    for value, count in scalars:
        scale = scale * value**count
    if not pieces:
        return scale
    return _contract([p for p, _ in pieces], [s for _, s in pieces], free) * scale


def _pieces(
    factors: list[ix.Factor], operands: list[Array], specs: list[Axes], free: Axes
) -> tuple[list[tuple[Array, Axes]], list[tuple[Any, int]]]:
    """Contract each connected group of factors (linked by shared indices) on its own.

    Returns the groups that carry free indices (an array over them each), and the scalar ones
    as ``(value, count)``: a group that recurs with the same bases and pattern of indices (the
    ``x_i x_i`` of each factor of ``(x' x)^100``) is contracted once and raised to its count.
    """
    wanted = set(free)
    pieces: list[tuple[Array, Axes]] = []
    scalars: dict[Any, tuple[Any, int]] = {}
    for group in _groups(specs):
        budget.check()
        indices = {i for n in group for i in specs[n]}
        own = [operands[n] for n in group], [specs[n] for n in group]
        if indices & wanted or any(n >= len(factors) for n in group):
            kept = tuple(i for i in free if i in indices)
            pieces.append((_contract(*own, kept), kept))
            continue
        key = _pattern([factors[n] for n in group])
        if key in scalars:
            value, count = scalars[key]
            scalars[key] = (value, count + 1)
        else:
            total = _contract(*own, ())
            scalars[key] = (total.item() if isinstance(total, np.ndarray) else total, 1)
    return pieces, list(scalars.values())


def _groups(specs: list[Axes]) -> list[list[int]]:
    """The operands in groups connected by shared indices, each group in order."""
    parent = list(range(len(specs)))

    def root(n: int) -> int:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    first: dict[ix.Index, int] = {}
    for number, spec in enumerate(specs):
        for index in spec:
            if index in first:
                parent[root(number)] = root(first[index])
            else:
                first[index] = number
    groups: dict[int, list[int]] = {}
    for number in range(len(specs)):
        groups.setdefault(root(number), []).append(number)
    return list(groups.values())


def _pattern(factors: list[ix.Factor]) -> tuple[ix.Factor, ...]:
    """The factors with their (summed) indices renamed in order of appearance."""
    mapping: dict[ix.Index, ix.Index] = {}
    for factor in factors:
        for index in factor.indices:
            mapping.setdefault(index, ix.Index(f"_{len(mapping)}", index.dim))
    return tuple(ix.rename_factor(f, mapping) for f in factors)


Axes = tuple[ix.Index, ...]


def _contract(operands: list[Array], specs: list[Axes], output: Axes) -> Array:
    """``einsum`` of the operands, one at a time, each time one that shares an index.

    One ``einsum`` over a long product (``tr(X^40)``: 40 factors) would build an iteration space
    of size n^40 and run out of subscript letters, and contracting in the order of the factors
    builds outer products of unrelated ones; following shared indices keeps every intermediate
    at a few axes. Each contraction is lettered afresh.
    """
    holders: dict[ix.Index, set[int]] = {}  # for each index, the operands not yet used
    for number, spec in enumerate(specs[1:], start=1):
        for index in spec:
            holders.setdefault(index, set()).add(number)
    wanted = set(output)
    current, axes = operands[0], specs[0]
    remaining = set(range(1, len(operands)))
    while remaining:
        budget.check()
        sharing = [n for index in axes for n in holders.get(index, ())]
        chosen = min(sharing) if sharing else min(remaining)  # the first in order that shares
        remaining.discard(chosen)
        for index in specs[chosen]:
            holders[index].discard(chosen)
        kept = tuple(dict.fromkeys(i for i in axes + specs[chosen]
                                   if i in wanted or holders.get(i)))  # fmt: skip
        current = _einsum(((current, axes), (operands[chosen], specs[chosen])), kept)
        axes = kept
    return _einsum(((current, axes),), output)


def _einsum(pairs: tuple[tuple[Array, Axes], ...], output: Axes) -> Array:
    letters: dict[ix.Index, str] = {}
    for _, axes in pairs:
        for index in axes:
            letters.setdefault(index, string.ascii_letters[len(letters)])
    inputs = ",".join("".join(letters[i] for i in axes) for _, axes in pairs)
    result = "".join(letters[i] for i in output)
    return np.einsum(f"{inputs}->{result}", *(value for value, _ in pairs))


factor_value: Operation[Array] = Operation("derive.check.evaluate.factor_value", "factor")
"""``factor_value(factor, point)``: an array over the factor's indices."""
factor_value.update({
    ix.Entry: lambda f, p: axes_of(f.base, evaluate_expr(f.base, p)),
    ix.Delta: lambda f, p: _eye(p.size(f.i.dim), p.exact),
    ix.Count: lambda f, p: p.size(f.dim),
    ix.Partial: lambda f, p: _exact_partial(f, p) if p.exact else finite_difference(
        lambda q: factor_value(f.entry, q), f.wrt, p),
})


def evaluate(node: ex.Expr | ix.IndexSum, point: Point) -> Array:
    """Any proof line's value."""
    if isinstance(node, ix.IndexSum):
        return evaluate_index(node, point)
    return evaluate_expr(node, point)


# -- derivatives by central differences -----------------------------------------------------

_STEP = 1e-3


def finite_difference(function: Callable[[Point], Array], wrt: ex.Symbol, point: Point) -> Array:
    """``d function / d wrt`` by central differences with one Richardson extrapolation.

    The result's axes are the function value's axes followed by the variable's non-unit axes.
    Error O(h^4) with h = 1e-3, far below the 1e-6 the checks allow.
    """
    if point.exact:
        raise ValueError("finite differences are a numeric check")
    base = np.asarray(point.values[wrt.name], dtype=float)
    flat_var = axes_of(wrt, base)
    var_shape = np.shape(flat_var)
    center = np.asarray(function(point), dtype=float)
    result = np.zeros(center.shape + var_shape)
    for position in np.ndindex(*var_shape) if var_shape else [()]:
        budget.check()

        def moved(step: float, position: tuple[int, ...] = position) -> Array:
            bump = np.zeros_like(base)
            _bump_view(wrt, bump)[position] = step
            return np.asarray(function(point.with_value(wrt.name, base + bump)), dtype=float)

        coarse = (moved(_STEP) - moved(-_STEP)) / (2 * _STEP)
        fine = (moved(_STEP / 2) - moved(-_STEP / 2)) / _STEP
        result[(...,) + position] = (4 * fine - coarse) / 3
    return result


def _bump_view(wrt: ex.Symbol, bump: Array) -> Array:
    shape = wrt.shape
    if shape.is_scalar:
        return bump[0, 0:1]
    if shape.cols == 1:
        return bump[:, 0]
    if shape.rows == 1:
        return bump[0, :]
    return bump


def derivative_tensor(of: ex.Expr, wrt: ex.Symbol, point: Point, order: int = 1) -> Array:
    """``d of / d wrt`` (or the second derivative) as a tensor: of's axes, then wrt's axes."""

    def value(p: Point) -> Array:
        return axes_of(of, evaluate_expr(of, p))

    if order == 1:
        return finite_difference(value, wrt, point)
    return finite_difference(lambda p: finite_difference(value, wrt, p), wrt, point)


def arrange(tensor: Array, of: ex.Shape, wrt: ex.Shape, layout: str, order: int) -> Array:
    """Lay a derivative tensor out as the matrix the layout prescribes (see derivative_shape)."""
    target = ex.derivative_shape(of, wrt, layout, order)
    if target is None:
        raise ValueError("no matrix layout for this derivative")
    if order == 2:
        return tensor
    of_axes = sum(1 for d in (of.rows, of.cols) if d != 1)
    transposed = _layout_transposes(of, wrt, layout)
    matrix = tensor
    if np.ndim(matrix) == 0:
        return np.asarray(matrix).reshape(1, 1)
    if np.ndim(matrix) == 1:
        matrix = matrix.reshape(-1, 1)
        vector_is_row = (of_axes == 0 and layout == "numerator") or (
            of_axes == 1 and wrt.is_scalar and layout == "denominator")
        return matrix.T if vector_is_row else matrix
    return matrix.T if transposed else matrix


def _layout_transposes(of: ex.Shape, wrt: ex.Shape, layout: str) -> bool:
    if of.is_scalar:
        return layout == "numerator"
    return layout == "denominator" and not wrt.is_scalar


def symmetric_derivative(of: ex.Expr, wrt: ex.Symbol, point: Point) -> Array:
    """``d of / d wrt`` for a symmetric matrix ``wrt`` (Matrix Cookbook 2.8.2), numerically.

    Entry ``(i, j)`` is the derivative of the scalar ``of`` along the symmetric perturbation
    that moves ``x_ij`` and ``x_ji`` together (``E_ij + E_ji``; ``E_ii`` on the diagonal): one
    variable per pair, never a perturbation that leaves the symmetric matrices. Central
    differences with one Richardson extrapolation, as :func:`finite_difference`.
    """
    base = np.asarray(point.values[wrt.name], dtype=float)
    size = base.shape[0]
    result = np.zeros((size, size))
    for i in range(size):
        for j in range(i, size):
            budget.check()
            direction = np.zeros_like(base)
            direction[i, j] = direction[j, i] = 1.0

            def moved(step: float, direction: Array = direction) -> float:
                value = evaluate_expr(of, point.with_value(wrt.name, base + step * direction))
                return float(np.asarray(value, dtype=float).reshape(-1)[0])

            coarse = (moved(_STEP) - moved(-_STEP)) / (2 * _STEP)
            fine = (moved(_STEP / 2) - moved(-_STEP / 2)) / _STEP
            result[i, j] = result[j, i] = (4 * fine - coarse) / 3
    return result


def _whole_derivative(node: ex.Derivative, point: Point) -> Array:
    if node.structure and point.exact:
        return exact_arith.symmetric_derivative(node.of, node.wrt, _exact_point(point))
    if node.structure:
        return symmetric_derivative(node.of, node.wrt, point)
    if point.exact:
        tensor = exact_arith.derivative_tensor(node.of, node.wrt, _exact_point(point),
                                               node.order)  # fmt: skip
        return arrange(tensor, node.of.shape, node.wrt.shape, node.layout, node.order)
    tensor = derivative_tensor(node.of, node.wrt, point, node.order)
    return arrange(tensor, node.of.shape, node.wrt.shape, node.layout, node.order)


# -- derivatives in exact arithmetic (dual numbers) ---------------------------------------------


def _exact_point(point: Point) -> exact_arith.ExactPoint:
    return exact_arith.ExactPoint(point.values, point.jacobians, point.sizes)


def _exact_partial(factor: ix.Partial, point: Point) -> Array:
    """A marked derivative's exact value: the same axes as its central differences (the
    entry's, then the variable's), by dual numbers.

    Raises:
        ValueError: A marked derivative of something other than an entry or a marked
            derivative of one (nothing the engine writes).
    """
    order, inner = 1, factor.entry
    while isinstance(inner, ix.Partial):
        if inner.wrt != factor.wrt:
            raise ValueError("mixed second derivatives have no exact evaluation")
        order, inner = order + 1, inner.entry
    if not isinstance(inner, ix.Entry) or order > 2:
        raise ValueError(f"no exact evaluation of {type(inner).__name__} derivatives")
    return exact_arith.derivative_tensor(inner.base, factor.wrt, _exact_point(point), order)

