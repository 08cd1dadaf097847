"""Values of differentials: ``d U`` at a point along a direction ``dX`` of the variable.

A differential line (``d alpha = (dx)^T A x + x^T A dx``) is an equation between expressions
linear in the direction. The verifier draws a random direction for the variable and stores it
beside the point's values under the key ``d(X)`` (no symbol's name holds brackets); every
``Differential`` node then evaluates to the directional derivative of its argument,
``d/dt U(X + t dX)`` at ``t = 0``: by central differences with one Richardson extrapolation in
floating point, and exactly, by dual numbers, at exact points.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from derive import budget
from derive.check import exact as exact_arith
from derive.check.evaluate import Array, Point, evaluate_expr
from derive.ir import expr as ex
from derive.ir.differential import Differential

_STEP = 1e-3


def direction_key(name: str) -> str:
    """Where a point keeps the direction of the symbol ``name``."""
    return f"d({name})"


def with_direction(point: Point, wrt: ex.Symbol, rng: np.random.Generator) -> Point:
    """The point with a random direction ``dX`` for the variable (standard normal entries)."""
    value = np.asarray(point.values[wrt.name])
    direction: Array = rng.standard_normal(value.shape)
    return point.with_value(direction_key(wrt.name), direction)


def _directions(point: Point) -> dict[str, Array]:
    found = {name[2:-1]: value for name, value in point.values.items()
             if name.startswith("d(") and name.endswith(")")}  # fmt: skip
    if not found:
        raise ValueError("a differential has a value only along a direction (none given)")
    return found


def _differential(node: Differential, point: Point) -> Array:
    directions = _directions(point)
    if point.exact:
        return _exact_differential(node.arg, directions, point)
    if isinstance(node.arg, ex.Symbol) and node.arg.name in directions:
        return np.asarray(directions[node.arg.name], dtype=float)

    def moved(t: float) -> Array:
        values = dict(point.values)
        for name, direction in directions.items():
            values[name] = np.asarray(point.values[name], dtype=float) + t * direction
        return np.asarray(evaluate_expr(node.arg, Point(values, point.jacobians, point.sizes)),
                          dtype=float)  # fmt: skip

    budget.check()
    coarse = (moved(_STEP) - moved(-_STEP)) / (2 * _STEP)
    fine = (moved(_STEP / 2) - moved(-_STEP / 2)) / _STEP
    return (4 * fine - coarse) / 3


def _exact_differential(arg: ex.Expr, directions: dict[str, Array], point: Point) -> Array:
    """``sum_k dU/dX_k dX_k`` with the exact partial derivatives of dual numbers."""
    exact_point = exact_arith.ExactPoint(point.values, point.jacobians, point.sizes)
    rows, cols = (point.size(arg.shape.rows), point.size(arg.shape.cols))
    total: Any = np.zeros((rows, cols), dtype=object) * 0
    for name, direction in directions.items():
        value = np.asarray(point.values[name])
        wrt = ex.Symbol(name, ex.Shape(value.shape[0], value.shape[1]))
        tensor = np.asarray(exact_arith.derivative_tensor(arg, wrt, exact_point, 1), dtype=object)
        along = np.asarray(exact_arith.squeeze(wrt.shape, np.asarray(direction, dtype=object)),
                           dtype=object)  # fmt: skip
        axes = along.ndim
        contracted = np.tensordot(tensor, along, axes=axes) if axes else tensor * along
        total = total + np.asarray(contracted, dtype=object).reshape(rows, cols)
    return total


evaluate_expr.register(Differential)(_differential)


@exact_arith.evaluate.register(Differential)
def _no_exact_point(node: Differential, point: exact_arith.ExactPoint) -> Any:
    raise ValueError("a differential is evaluated through check.evaluate, along a direction")
