"""Exact rational arithmetic with forward-mode derivatives: the fast exact oracle.

A :class:`Dual` carries a value and its derivative in one direction; nesting two of them carries
second derivatives. With ``fractions.Fraction`` entries every operation the input language has —
sums, products, transposes, inverses (Gauss-Jordan), determinants (elimination), traces, integer
powers — stays exact, so ``d f / d x_k`` at a rational point is an exact rational computed
entry by entry, without SymPy and independently of the index-notation engine.

Logarithms and square roots of rationals are irrational: they become :class:`Irrational`, which
poisons whatever it touches; a derivative that comes out irrational is reported as such and the
verifier falls back to SymPy for that expression.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

import numpy as np

from derive import budget
from derive.errors import UnsupportedError
from derive.ir import expr as ex
from derive.ir.dispatch import Operation

Scalar = Any  # Fraction | Dual | Irrational


class Irrational:
    """A value known only to be irrational (a logarithm, a square root): absorbs arithmetic."""

    def _absorb(self, other: object) -> Any:
        if isinstance(other, Dual | np.ndarray):
            return NotImplemented  # a dual keeps its exact derivative part; arrays broadcast
        if isinstance(other, Fraction | int) and other == 0:
            return Fraction(0)
        return self

    def __add__(self, other: object) -> Any:
        if isinstance(other, Dual | np.ndarray):
            return NotImplemented
        return self

    __radd__ = __add__
    __sub__ = __add__
    __rsub__ = __add__
    __mul__ = _absorb
    __rmul__ = _absorb

    def __truediv__(self, other: object) -> Any:
        if isinstance(other, Dual | np.ndarray):
            return NotImplemented
        return self

    __rtruediv__ = __truediv__

    def __neg__(self) -> Irrational:
        return self

    def __pow__(self, exponent: int) -> Irrational:
        return self


def has_irrational(*arrays: Any) -> bool:
    """Whether any entry of the arrays is an :class:`Irrational` (a value only SymPy can give)."""
    return any(isinstance(v, Irrational) for a in arrays for v in np.asarray(a).flat)


class Dual:
    """``a + b ε`` with ``ε² = 0``; ``a`` and ``b`` may themselves be duals."""

    __slots__ = ("a", "b")

    def __init__(self, a: Scalar, b: Scalar = Fraction(0)) -> None:
        self.a = a
        self.b = b

    def __add__(self, other: Scalar) -> Dual:
        if isinstance(other, np.ndarray):
            return NotImplemented
        if isinstance(other, Dual):
            return Dual(self.a + other.a, self.b + other.b)
        return Dual(self.a + other, self.b)

    __radd__ = __add__

    def __neg__(self) -> Dual:
        return Dual(-self.a, -self.b)

    def __sub__(self, other: Scalar) -> Any:
        if isinstance(other, np.ndarray):
            return NotImplemented
        return self + (-other)

    def __rsub__(self, other: Scalar) -> Any:
        if isinstance(other, np.ndarray):
            return NotImplemented
        return (-self) + other

    def __mul__(self, other: Scalar) -> Dual:
        if isinstance(other, np.ndarray):
            return NotImplemented
        if isinstance(other, Dual):
            return Dual(self.a * other.a, self.a * other.b + self.b * other.a)
        return Dual(self.a * other, self.b * other)

    __rmul__ = __mul__

    def reciprocal(self) -> Dual:
        """``1 / self``."""
        inverse = 1 / self.a
        return Dual(inverse, -self.b * inverse * inverse)

    def __truediv__(self, other: Scalar) -> Dual:
        if isinstance(other, np.ndarray):
            return NotImplemented
        if isinstance(other, Dual):
            return self * other.reciprocal()
        return Dual(self.a / other, self.b / other)

    def __rtruediv__(self, other: Scalar) -> Any:
        if isinstance(other, np.ndarray):
            return NotImplemented
        return self.reciprocal() * other

    def __pow__(self, exponent: int) -> Dual:
        if exponent < 0:
            return (self.reciprocal()) ** (-exponent)
        result: Scalar = Fraction(1)
        for _ in range(exponent):
            result = self * result
        assert isinstance(result, Dual)
        return result


class Modular:
    """An integer modulo the prime ``2**61 - 1``: exact arithmetic whose numbers never grow.

    The fast exact fallback of the step checks: two rational expressions that agree at a random
    point modulo a large prime agree as rational functions except with probability about
    (degree / 2**61), and high powers (``X^100``) cost no more than low ones, where Fractions
    grow to hundreds of digits. A rational maps to ``numerator * denominator^-1``; a division
    by a value that is zero modulo the prime raises ``ZeroDivisionError`` (a pole: the point
    decides nothing).
    """

    __slots__ = ("v",)
    PRIME = 2**61 - 1

    def __init__(self, value: int) -> None:
        self.v = value % Modular.PRIME

    @staticmethod
    def of(value: object) -> Modular | None:
        """``value`` as a Modular, or None for values it cannot hold (duals, arrays, ...)."""
        if isinstance(value, Modular):
            return value
        if isinstance(value, bool) or not isinstance(value, int | Fraction):
            return None
        if isinstance(value, int):
            return Modular(value)
        if value.denominator % Modular.PRIME == 0:
            raise ZeroDivisionError("a denominator vanishes modulo the prime")
        return Modular(value.numerator * pow(value.denominator, -1, Modular.PRIME))

    def __add__(self, other: object) -> Any:
        o = Modular.of(other)
        return NotImplemented if o is None else Modular(self.v + o.v)

    __radd__ = __add__

    def __sub__(self, other: object) -> Any:
        o = Modular.of(other)
        return NotImplemented if o is None else Modular(self.v - o.v)

    def __rsub__(self, other: object) -> Any:
        o = Modular.of(other)
        return NotImplemented if o is None else Modular(o.v - self.v)

    def __mul__(self, other: object) -> Any:
        o = Modular.of(other)
        return NotImplemented if o is None else Modular(self.v * o.v)

    __rmul__ = __mul__

    def __truediv__(self, other: object) -> Any:
        o = Modular.of(other)
        return NotImplemented if o is None else self * o.reciprocal()

    def __rtruediv__(self, other: object) -> Any:
        o = Modular.of(other)
        return NotImplemented if o is None else o * self.reciprocal()

    def reciprocal(self) -> Modular:
        """``1 / self``.

        Raises:
            ZeroDivisionError: The value is zero modulo the prime.
        """
        if self.v == 0:
            raise ZeroDivisionError("division by zero modulo the prime")
        return Modular(pow(self.v, -1, Modular.PRIME))

    def __neg__(self) -> Modular:
        return Modular(-self.v)

    def __pow__(self, exponent: int) -> Modular:
        base = self.reciprocal() if exponent < 0 else self
        return Modular(pow(base.v, abs(exponent), Modular.PRIME))

    def __eq__(self, other: object) -> bool:
        try:
            o = Modular.of(other)
        except ZeroDivisionError:
            return False
        return o is not None and o.v == self.v

    def __hash__(self) -> int:
        return hash(self.v)

    def __repr__(self) -> str:
        return f"Modular({self.v})"


def modular(values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """An array of exact rationals as the same array of :class:`Modular` values.

    Raises:
        ZeroDivisionError: A denominator is a multiple of the prime (never for small values).
    """
    result: np.ndarray[Any, Any] = np.vectorize(Modular.of, otypes=[object])(values)
    return result


def primal(value: Scalar) -> Scalar:
    """The innermost value of a (nested) dual."""
    while isinstance(value, Dual):
        value = value.a
    return value


def is_zero(value: Scalar) -> bool:
    """Exactly zero, every part of a dual included."""
    if isinstance(value, Dual):
        return is_zero(value.a) and is_zero(value.b)
    return isinstance(value, Fraction | int | Modular) and value == 0


def _sympy_number(value: Scalar) -> bool:
    """A SymPy number: its logarithm and square root stay exact (``log(3)``, ``sqrt(2)``)."""
    return type(value).__module__.startswith("sympy")


def log(value: Scalar) -> Scalar:
    """The natural logarithm: irrational value, exact derivative ``d log s = ds / s``."""
    if isinstance(value, Dual):
        return Dual(log(value.a), value.b / value.a)
    if value == 1:
        return Fraction(0)
    if _sympy_number(value):
        import sympy

        return sympy.log(value)
    return Irrational()


def sqrt(value: Scalar) -> Scalar:
    """The square root: exact for squares of rationals, irrational otherwise."""
    if isinstance(value, Dual):
        root = sqrt(value.a)
        return Dual(root, value.b / (2 * root))
    if isinstance(value, Fraction) and value >= 0:
        num, den = _isqrt(value.numerator), _isqrt(value.denominator)
        if num is not None and den is not None:
            return Fraction(num, den)
    if _sympy_number(value):
        import sympy

        return sympy.sqrt(value)
    return Irrational()


def _isqrt(n: int) -> int | None:
    import math

    root = math.isqrt(n)
    return root if root * root == n else None


# -- matrices -----------------------------------------------------------------------------


def matrix(rows: list[list[Scalar]]) -> np.ndarray[Any, Any]:
    """An object array of exact scalars."""
    return np.array(rows, dtype=object)


def identity(n: int) -> np.ndarray[Any, Any]:
    """The exact n x n identity."""
    return matrix([[Fraction(int(i == j)) for j in range(n)] for i in range(n)])


def _eliminate(m: np.ndarray[Any, Any], rhs: np.ndarray[Any, Any] | None) -> tuple[Scalar, Any]:
    """Gauss-Jordan on a copy: (determinant, m^-1 rhs or None). Pivots on nonzero values."""
    a = m.copy()
    b = rhs.copy() if rhs is not None else None
    n = a.shape[0]
    det: Scalar = Fraction(1)
    for col in range(n):
        budget.check()
        pivot = next((r for r in range(col, n) if primal(a[r, col]) != 0), None)
        if pivot is None:
            return Fraction(0), None
        if pivot != col:
            a[[col, pivot]] = a[[pivot, col]]
            if b is not None:
                b[[col, pivot]] = b[[pivot, col]]
            det = -det
        head = a[col, col]
        det = det * head
        for r in range(n):
            if r != col and not is_zero(a[r, col]):
                factor = a[r, col] / head
                a[r] = a[r] - factor * a[col]
                if b is not None:
                    b[r] = b[r] - factor * b[col]
        if b is not None:
            b[col] = b[col] / head
            a[col] = a[col] / head
    return det, b


def inverse(m: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The exact inverse.

    Raises:
        ZeroDivisionError: The matrix is singular at this point.
    """
    _, result = _eliminate(m, identity(m.shape[0]))
    if result is None:
        raise ZeroDivisionError("singular matrix")
    return result  # type: ignore[no-any-return]


def det(m: np.ndarray[Any, Any]) -> Scalar:
    """The exact determinant."""
    value, _ = _eliminate(m, None)
    return value


# -- expressions ----------------------------------------------------------------------------


class ExactPoint:
    """Exact values of the symbols, with dependencies modelled as ``x = x0 + J z``."""

    def __init__(
        self,
        values: Mapping[str, np.ndarray[Any, Any]],
        jacobians: Mapping[tuple[str, str], np.ndarray[Any, Any]],
        sizes: Mapping[str, int],
    ) -> None:
        self.values = dict(values)
        self.jacobians = dict(jacobians)
        self.sizes = dict(sizes)

    def moved(self, name: str, value: np.ndarray[Any, Any]) -> ExactPoint:
        """The same point with one symbol's value replaced."""
        point = ExactPoint(self.values, self.jacobians, self.sizes)
        point.values[name] = value
        return point

    def value(self, name: str) -> np.ndarray[Any, Any]:
        """A symbol's value, dependencies applied."""
        result = self.values[name]
        for (of, wrt), jacobian in self.jacobians.items():
            if of == name:
                result = result + jacobian.dot(self.values[wrt])
        return result

    def size(self, dim: ex.Dim) -> int:
        """The concrete size of a dimension."""
        return dim if isinstance(dim, int) else self.sizes[dim]


evaluate: Operation[np.ndarray[Any, Any]] = Operation("derive.check.exact.evaluate")
"""``evaluate(node, point)``: the exact 2-D value of an expression at an :class:`ExactPoint`."""


def _scalar(value: Scalar) -> np.ndarray[Any, Any]:
    return matrix([[value]])


def _product(node: ex.MatMul, point: ExactPoint) -> np.ndarray[Any, Any]:
    result: np.ndarray[Any, Any] | None = None
    for factor in node.factors:
        value = evaluate(factor, point)
        if result is None:
            result = value
        elif result.shape == (1, 1) and not factor.shape.is_scalar:
            result = result[0, 0] * value
        elif factor.shape.is_scalar:
            result = result * value[0, 0]
        else:
            result = result.dot(value)
    assert result is not None
    return result


def _sum(node: ex.Add, point: ExactPoint) -> np.ndarray[Any, Any]:
    values = [evaluate(t, point) for t in node.terms]
    total = values[0]
    for value in values[1:]:
        total = total + value
    return total


def _power(node: ex.Power, point: ExactPoint) -> np.ndarray[Any, Any]:
    base = evaluate(node.base, point)
    if node.shape.is_scalar:
        return _scalar(base[0, 0] ** node.exponent)
    return matrix_power(base, node.exponent, lambda a, b: a.dot(b))


def matrix_power(
    base: np.ndarray[Any, Any],
    exponent: int,
    multiply: Callable[[np.ndarray[Any, Any], np.ndarray[Any, Any]], np.ndarray[Any, Any]],
) -> np.ndarray[Any, Any]:
    """``base ** exponent`` (exponent >= 1) by repeated squaring: about 2 log2(exponent)
    products instead of exponent - 1, which matters for exact values whose digits grow."""
    result: np.ndarray[Any, Any] | None = None
    square = base
    while True:
        budget.check()
        if exponent & 1:
            result = square if result is None else multiply(result, square)
        exponent >>= 1
        if not exponent:
            assert result is not None
            return result
        square = multiply(square, square)


def _zero(node: ex.Zero, point: ExactPoint) -> np.ndarray[Any, Any]:
    rows, cols = point.size(node.shape.rows), point.size(node.shape.cols)
    return matrix([[Fraction(0)] * cols for _ in range(rows)])


def _derivative(node: ex.Derivative, point: ExactPoint) -> np.ndarray[Any, Any]:
    # a whole derivative is evaluated numerically (check.evaluate); the exact check works on
    # the derivative's parts by dual numbers (derivative_tensor below)
    raise UnsupportedError("a whole derivative has no exact value here")


def _frobenius(value: np.ndarray[Any, Any]) -> Scalar:
    total: Scalar = Fraction(0)
    for entry in value.flat:
        total = total + entry * entry
    return sqrt(total)


evaluate.update({
    ex.Symbol: lambda n, p: p.value(n.name),
    ex.Number: lambda n, p: _scalar(n.value),
    ex.Identity: lambda n, p: identity(p.size(n.size)),
    ex.Zero: _zero,
    ex.Size: lambda n, p: _scalar(Fraction(p.size(n.dim))),
    ex.Add: _sum,
    ex.MatMul: _product,
    ex.Transpose: lambda n, p: evaluate(n.arg, p).T,
    ex.Inverse: lambda n, p: inverse(evaluate(n.arg, p)),
    ex.Power: _power,
    ex.Trace: lambda n, p: _scalar(np.trace(evaluate(n.arg, p))),
    ex.Det: lambda n, p: _scalar(det(evaluate(n.arg, p))),
    ex.Log: lambda n, p: _scalar(log(evaluate(n.arg, p)[0, 0])),
    ex.Norm: lambda n, p: _scalar(_frobenius(evaluate(n.arg, p))),
    ex.Jacobian: lambda n, p: jacobian_value(n, p.jacobians),
    ex.Defined: lambda n, p: evaluate(n.body, p),
    ex.Derivative: _derivative,
})


def squeeze(shape: ex.Shape, value: np.ndarray[Any, Any]) -> Any:
    """Drop the unit axes of a 2-D value, as index notation does."""
    if shape.is_scalar:
        return value[0, 0]
    if shape.cols == 1:
        return value[:, 0]
    if shape.rows == 1:
        return value[0, :]
    return value


def derivative_tensor(
    function: ex.Expr, wrt: ex.Symbol, point: ExactPoint, order: int = 1
) -> np.ndarray[Any, Any]:
    """Exact ``d function / d wrt`` (order 1) or the second derivative (order 2) by duals.

    Axes: the function's non-unit axes, then the variable's (twice for order 2). For order 2
    the variable moves along ``e_p`` with one infinitesimal and along ``e_q`` with another:
    ``x + ε1 e_p + ε2 e_q``, and the ``ε1 ε2`` part of ``f`` is ``d² f / dx_p dx_q``.
    """
    base = point.values[wrt.name]
    var_shape = np.shape(squeeze(wrt.shape, base))
    positions = list(np.ndindex(*var_shape))
    f_shape = np.shape(squeeze(function.shape, evaluate(function, point)))
    pairs = [(p, q) for p in positions for q in positions] if order == 2 else [
        (p, p) for p in positions
    ]
    parts = []
    for p, q in pairs:
        budget.check()
        moved = base.copy()
        flat = moved.reshape(-1)
        p_at, q_at = _flat_index(var_shape, p), _flat_index(var_shape, q)
        if order == 1:
            flat[p_at] = Dual(flat[p_at], Fraction(1))
        else:
            entry_q = flat[q_at]
            flat[q_at] = Dual(Dual(entry_q, Fraction(0)), Dual(Fraction(1), Fraction(0)))
            entry_p = base.reshape(-1)[p_at]
            same = Fraction(int(p == q))
            flat[p_at] = Dual(Dual(entry_p, Fraction(1)), Dual(same, Fraction(0)))
        value = squeeze(function.shape, evaluate(function, point.moved(wrt.name, moved)))
        parts.append(_part(value, order))
    stacked = np.empty((len(pairs),) + f_shape, dtype=object)
    for number, part in enumerate(parts):
        stacked[number] = part
    moved_axes = np.moveaxis(stacked, 0, -1)
    return moved_axes.reshape(f_shape + var_shape * order)


def symmetric_derivative(function: ex.Expr, wrt: ex.Symbol, point: ExactPoint) -> Any:
    """Exact ``d function / d wrt`` for a symmetric ``wrt`` (Matrix Cookbook 2.8.2), by duals.

    Entry ``(i, j)``: ``x_ij`` and ``x_ji`` carry the same infinitesimal (one variable), so the
    dual part of the scalar ``function`` is its derivative along ``E_ij + E_ji``.
    """
    base = point.values[wrt.name]
    size = np.shape(base)[0]
    result = np.empty((size, size), dtype=object)
    for i in range(size):
        for j in range(i, size):
            budget.check()
            moved = base.copy()
            moved[i, j] = Dual(base[i, j], Fraction(1))
            moved[j, i] = Dual(base[j, i], Fraction(1))
            value = squeeze(function.shape, evaluate(function, point.moved(wrt.name, moved)))
            result[i, j] = result[j, i] = _part(value, 1)
    return result


def _flat_index(shape: tuple[int, ...], position: tuple[int, ...]) -> int:
    return int(np.ravel_multi_index(position, shape)) if shape else 0


def _part(value: Any, order: int) -> Any:
    def pick(v: Scalar) -> Scalar:
        if not isinstance(v, Dual):
            return Fraction(0)
        if order == 1:
            return v.b
        return v.b.b if isinstance(v.b, Dual) else Fraction(0)

    if isinstance(value, np.ndarray):
        return np.vectorize(pick, otypes=[object])(value)
    return pick(value)


def jacobian_value(node: ex.Jacobian, jacobians: Mapping[tuple[str, str], Any]) -> Any:
    """A declared dependency's ``dx/dz`` at a point (which holds the numerator-layout Jacobian)."""
    value = jacobians[(node.of.name, node.wrt.name)]
    return value.T if node.transposed else value
