"""An evaluator written for the tests alone: derive's IR at concrete NumPy values.

The numeric checks of the suite must not take their expected values from the code under test,
so this module shares nothing with ``derive.check.evaluate`` (the evaluator ``verify`` uses): it
walks the expression itself and does the arithmetic with NumPy's own ``@``, ``inv``, ``det``,
``matrix_power``, ``trace``, ``log`` and ``norm``, index sums with ``einsum``, and a marked
derivative ``∂x_i/∂z_k`` by central differences. It is checked
against SymPy's explicit matrices in ``test_oracle.py``. The only thing it takes from derive is
the data structure it reads.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from derive.ir import elementwise as el
from derive.ir import expr as ex
from derive.ir import index as ix

Values = Mapping[str, np.ndarray]
Jacobians = Mapping[tuple[str, str], np.ndarray]


class Oracle:
    """Values of expressions and index sums at fixed symbol values and sizes."""

    def __init__(
        self, values: Values, sizes: Mapping[str, int], jacobians: Jacobians | None = None
    ) -> None:
        self.values = values
        self.sizes = sizes
        self.jacobians = jacobians or {}

    def symbol(self, name: str) -> np.ndarray:
        """A symbol's value; one declared to depend on z is the linear map x0 + (dx/dz) z."""
        value = self.values[name]
        for (of, wrt), jacobian in self.jacobians.items():
            if of == name:
                value = value + jacobian @ self.values[wrt]
        return value

    def size(self, dim: ex.Dim) -> int:
        return dim if isinstance(dim, int) else self.sizes[dim]

    def value(self, node: ex.Expr) -> np.ndarray:
        """A matrix expression's value as a 2-D float array (a scalar is 1 x 1)."""
        rule = _RULES.get(type(node))
        if rule is None:
            raise TypeError(f"the test oracle cannot evaluate {type(node).__name__}")
        return np.asarray(rule(self, node), dtype=float)

    def index_sum(self, node: ix.IndexSum) -> np.ndarray:
        """An index sum as an array with one axis per free index, in ``node.free`` order."""
        shape = tuple(self.size(i.dim) for i in node.free)
        total = np.zeros(shape)
        for term in node.terms:
            total = total + self.term(term, node.free)
        return total

    def term(self, term: ix.Term, free: tuple[ix.Index, ...]) -> np.ndarray:
        letters: dict[ix.Index, str] = {}

        def letter(index: ix.Index) -> str:
            return letters.setdefault(index, string.ascii_letters[len(letters)])

        operands: list[np.ndarray] = []
        subscripts: list[str] = []
        for factor in term.factors:
            array, indices = self.factor(factor)
            operands.append(array)
            subscripts.append("".join(letter(i) for i in indices))
        for index in free:  # a free index no factor carries: the term is constant along it
            if index not in letters:
                operands.append(np.ones(self.size(index.dim)))
                subscripts.append(letter(index))
        for index in term.sums:  # likewise a summed index no factor carries counts dim times
            if index not in letters:
                operands.append(np.ones(self.size(index.dim)))
                subscripts.append(letter(index))
        spec = ",".join(subscripts) + "->" + "".join(letters[i] for i in free)
        result = np.einsum(spec, *operands) if operands else np.ones(())
        return float(term.coeff) * np.asarray(result, dtype=float)

    def factor(self, factor: object) -> tuple[np.ndarray, tuple[ix.Index, ...]]:
        if isinstance(factor, ix.Entry):
            matrix = self.value(factor.base)
            shape = factor.base.shape  # the unit axes by shape, not by size: x_i of x in R^n
            dims = (shape.rows, shape.cols)
            axes = [n for n, d in zip(matrix.shape, dims, strict=True) if d != 1]
            return matrix.reshape(axes), factor.indices
        if isinstance(factor, ix.Delta):
            return np.eye(self.size(factor.i.dim)), (factor.i, factor.j)
        if isinstance(factor, ix.Count):
            return np.array(float(self.size(factor.dim))), ()
        if isinstance(factor, ix.Partial):
            return self.partial(factor), factor.indices
        raise TypeError(f"the test oracle cannot evaluate {type(factor).__name__}")

    def partial(self, factor: ix.Partial, step: float = 1e-4) -> np.ndarray:
        """``d entry / d wrt`` by central differences: the entry's axes, then the variable's."""
        name = factor.wrt.name
        base = self.values[name]
        shape = factor.wrt.shape
        wrt_axes = [n for n, d in zip(base.shape, (shape.rows, shape.cols), strict=True) if d != 1]

        def entry_at(value: np.ndarray) -> np.ndarray:
            moved = Oracle({**self.values, name: value}, self.sizes, self.jacobians)
            return moved.factor(factor.entry)[0]

        center = entry_at(base)
        out = np.zeros((*center.shape, *wrt_axes))
        for position in np.ndindex(*base.shape):
            bump = np.zeros_like(base)
            bump[position] = step
            slope = (entry_at(base + bump) - entry_at(base - bump)) / (2 * step)
            axes = tuple(p for p, d in zip(position, (shape.rows, shape.cols), strict=True)
                         if d != 1)  # fmt: skip
            out[(...,) + axes] = slope
        return out

    def product(self, node: ex.MatMul) -> np.ndarray:
        result = np.ones((1, 1))
        for factor in node.factors:
            value = self.value(factor)
            if result.shape[1] == value.shape[0]:
                result = result @ value
            else:  # a 1 x 1 factor inside a chain scales it
                assert 1 in (result.size, value.size), (result.shape, value.shape)
                result = result * value
        return result

    def power(self, node: ex.Power) -> np.ndarray:
        base = self.value(node.base)
        if base.shape == (1, 1):
            return base ** node.exponent
        return np.linalg.matrix_power(base, node.exponent)


def _scalar(value: Any) -> np.ndarray:
    return np.array([[float(value)]])


_RULES: dict[type, Callable[[Oracle, Any], Any]] = {
    ex.Symbol: lambda o, n: o.symbol(n.name),
    ex.Number: lambda o, n: _scalar(n.value),
    ex.Identity: lambda o, n: np.eye(o.size(n.size)),
    ex.Zero: lambda o, n: np.zeros((o.size(n.shape.rows), o.size(n.shape.cols))),
    ex.Size: lambda o, n: _scalar(o.size(n.dim)),
    ex.Add: lambda o, n: sum((o.value(t) for t in n.terms), np.zeros((1, 1))),
    ex.MatMul: Oracle.product,
    ex.Transpose: lambda o, n: o.value(n.arg).T,
    ex.Inverse: lambda o, n: np.linalg.inv(o.value(n.arg)),
    ex.Power: Oracle.power,
    ex.Trace: lambda o, n: _scalar(np.trace(o.value(n.arg))),
    ex.Det: lambda o, n: _scalar(np.linalg.det(o.value(n.arg))),
    ex.Log: lambda o, n: np.log(o.value(n.arg)),
    ex.Norm: lambda o, n: _scalar(np.linalg.norm(o.value(n.arg))),
    ex.Jacobian: lambda o, n: o.jacobians[(n.of.name, n.wrt.name)],
    ex.Defined: lambda o, n: o.value(n.body),
}

# the elementwise functions, written here again (not read from derive.ir.functions)
_FUNCTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "exp": np.exp, "log": np.log, "sin": np.sin, "cos": np.cos, "tan": np.tan, "tanh": np.tanh,
    "sigma": lambda u: 1 / (1 + np.exp(-u)), "softplus": lambda u: np.log1p(np.exp(u)),
    "sqrt": np.sqrt, "abs": np.abs, "sign": np.sign, "relu": lambda u: np.where(u > 0, u, 0.0),
    "step": lambda u: np.where(u > 0, 1.0, 0.0),
}  # fmt: skip


def _diag(value: np.ndarray) -> np.ndarray:
    return np.diag(value[:, 0]) if value.shape[1] == 1 else np.diag(value).reshape(-1, 1)


def _softmax(value: np.ndarray) -> np.ndarray:
    return np.exp(value) / np.sum(np.exp(value))


def _hadamard(o: Oracle, node: Any) -> np.ndarray:
    result = o.value(node.factors[0])
    for factor in node.factors[1:]:
        result = result * o.value(factor)
    return result


_RULES.update({
    el.Apply: lambda o, n: _FUNCTIONS[n.function](o.value(n.arg)),
    el.Hadamard: _hadamard,
    el.HadamardPower: lambda o, n: o.value(n.base) ** float(n.exponent),
    el.Ones: lambda o, n: np.ones((o.size(n.shape.rows), 1)),
    el.Sum: lambda o, n: _scalar(np.sum(o.value(n.arg))),
    el.Diag: lambda o, n: _diag(o.value(n.arg)),
    el.LogSumExp: lambda o, n: _scalar(np.log(np.sum(np.exp(o.value(n.arg))))),
    el.Softmax: lambda o, n: _softmax(o.value(n.arg)),
})


def value_of(
    node: ex.Expr | ix.IndexSum,
    values: Values,
    sizes: Mapping[str, int],
    jacobians: Jacobians | None = None,
) -> np.ndarray:
    """The value of a matrix expression (2-D) or an index sum (one axis per free index)."""
    oracle = Oracle(values, sizes, jacobians)
    if isinstance(node, ix.IndexSum):
        return oracle.index_sum(node)
    return oracle.value(node)


# -- the same expressions over SymPy's explicit matrices --------------------------------------


def sympy_value(
    node: ex.Expr,
    values: Mapping[str, Any],
    sizes: Mapping[str, int],
    jacobians: Mapping[tuple[str, str], Any] | None = None,
) -> Any:
    """A matrix expression as an explicit ``sympy.Matrix`` (a scalar is 1 x 1).

    ``values`` holds SymPy matrices (or anything ``sympy.Matrix`` accepts: NumPy arrays of
    Fractions or symbols); the arithmetic is SymPy's, entry by entry.
    """
    import sympy

    jacobians = {k: sympy.Matrix(v) for k, v in (jacobians or {}).items()}

    def size(dim: ex.Dim) -> int:
        return dim if isinstance(dim, int) else sizes[dim]

    def scalar(value: Any) -> Any:
        return sympy.Matrix([[value]])

    def symbol(name: str) -> Any:
        value = sympy.Matrix(values[name])
        for (of, wrt), jacobian in jacobians.items():
            if of == name:
                value = value + jacobian * sympy.Matrix(values[wrt])
        return value

    def product(factors: tuple[ex.Expr, ...]) -> Any:
        result = sympy.eye(1)
        for factor in factors:
            value = go(factor)
            if result.shape[1] == value.shape[0]:
                result = result * value
            elif result.shape == (1, 1):
                result = result[0, 0] * value
            else:
                result = result * value[0, 0]
        return result

    def power(node: ex.Power) -> Any:
        base = go(node.base)
        return scalar(base[0, 0] ** node.exponent) if base.shape == (1, 1) else \
            base ** node.exponent

    def add(terms: tuple[ex.Expr, ...]) -> Any:
        parts = [go(t) for t in terms]
        shape = max((p.shape for p in parts), key=lambda s: s[0] * s[1])
        total = sympy.zeros(*shape)
        for part in parts:
            total = total + (part[0, 0] * sympy.ones(*shape) if part.shape != shape else part)
        return total

    rules: dict[type, Callable[[Any], Any]] = {
        ex.Symbol: lambda n: symbol(n.name),
        ex.Number: lambda n: scalar(sympy.Rational(n.value.numerator, n.value.denominator)),
        ex.Identity: lambda n: sympy.eye(size(n.size)),
        ex.Zero: lambda n: sympy.zeros(size(n.shape.rows), size(n.shape.cols)),
        ex.Size: lambda n: scalar(size(n.dim)),
        ex.Add: lambda n: add(n.terms),
        ex.MatMul: lambda n: product(n.factors),
        ex.Transpose: lambda n: go(n.arg).T,
        ex.Inverse: lambda n: go(n.arg).inv(),
        ex.Power: power,
        ex.Trace: lambda n: scalar(go(n.arg).trace()),
        ex.Det: lambda n: scalar(go(n.arg).det()),
        ex.Log: lambda n: scalar(sympy.log(go(n.arg)[0, 0])),
        ex.Norm: lambda n: scalar(sympy.sqrt(sum(e**2 for e in go(n.arg)))),
        ex.Jacobian: lambda n: jacobians[(n.of.name, n.wrt.name)],
        ex.Defined: lambda n: go(n.body),
    }

    def go(node: ex.Expr) -> Any:
        rule = rules.get(type(node))
        if rule is None:
            raise TypeError(f"the test oracle cannot evaluate {type(node).__name__}")
        return rule(node)

    return go(node)
