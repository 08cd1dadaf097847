"""Differentiation rules for the nodes of :mod:`derive.ir.elementwise`, one entry per node type.

The chain rule entry by entry, as the notes write it: ``σ(u)_i = σ(u_i)``, so
``∂σ(u_i)/∂x_k = σ'(u_i) ∂u_i/∂x_k`` with ``σ'`` from the function table
(:mod:`derive.ir.functions`); ``∂(u_i^p)/∂x_k = p u_i^(p-1) ∂u_i/∂x_k``. Hadamard products, sums,
diag, log-sum-exp and softmax are expanded into index form before they are differentiated, so
they never reach :func:`entry_derivative` as entries.
"""

from __future__ import annotations

from derive.calculus.collect import foldable
from derive.calculus.differentiate import (
    Context,
    basic_rule,
    depends,
    derivative,
    entry_derivative,
)
from derive.calculus.rules import RuleName
from derive.ir import elementwise as el
from derive.ir import expr as ex
from derive.ir.functions import derivative as function_derivative
from derive.ir.index import Entry, Index, Term, multiply, row_col, to_index


@depends.register(*el.NODES)
def _children_depend(node: ex.Expr, ctx: Context) -> bool:
    return any(depends(child, ctx) for child in node.children)


@entry_derivative.register(el.Apply)
def _apply(base: el.Apply, indices: tuple[Index, ...], k: tuple[Index, ...], ctx: Context) -> (
    list[Term]
):
    """``∂f(u_i)/∂v_k = f'(u_i) ∂u_i/∂v_k``: f' from the function table, of u's shape."""
    row, col = row_col(base.shape, indices)
    outer = _entry(function_derivative(base), row, col, ctx)
    return multiply([outer, derivative(base.arg, row, col, k, ctx)])


_WHOLE = (el.Apply, el.Hadamard, el.HadamardPower, el.Ones)


def _entry(node: ex.Expr, row: Index | None, col: Index | None, ctx: Context) -> list[Term]:
    """``node``'s entry; ``σ'(u)_i`` stays one factor, as the notes write it."""
    coeff, rest = ex.coefficient_of(node)
    if not isinstance(rest, _WHOLE):
        return to_index(node, row, col, ctx.names)
    indices = tuple(i for i in (row, col) if i is not None)
    return [Term(coeff, (), (Entry(rest, indices),))]


@entry_derivative.register(el.HadamardPower)
def _power(base: el.HadamardPower, indices: tuple[Index, ...], k: tuple[Index, ...],
           ctx: Context) -> list[Term]:  # fmt: skip
    """``∂(u_i^p)/∂v_k = p u_i^(p-1) ∂u_i/∂v_k``."""
    row, col = row_col(base.shape, indices)
    lower = el.hadamard_power(base.base, base.exponent - 1)
    outer = [Term(t.coeff * base.exponent, t.sums, t.factors)
             for t in _entry(lower, row, col, ctx)]  # fmt: skip
    return multiply([outer, derivative(base.base, row, col, k, ctx)])


@entry_derivative.register(el.Hadamard, el.Ones, el.Sum, el.Diag, el.LogSumExp, el.Softmax)
def _expanded(base: ex.Expr, indices: tuple[Index, ...], k: tuple[Index, ...], ctx: Context) -> (
    list[Term]
):
    """A derivative factor such as ``(σ(u) ∘ (1 - σ(u)))_i``, differentiated again (a Hessian):
    its index form, differentiated."""
    row, col = row_col(base.shape, indices)
    return derivative(base, row, col, k, ctx)




basic_rule.update({
    el.Apply: lambda base, wrt: RuleName.CHAIN_RULE,
    el.HadamardPower: lambda base, wrt: RuleName.POWER,
    **{node_type: lambda base, wrt: RuleName.PRODUCT_RULE
       for node_type in (el.Hadamard, el.Ones, el.Sum, el.Diag, el.LogSumExp, el.Softmax)},
})  # fmt: skip


# equal scalar leaves fold into one power (‖x‖^(-1/2) ‖x‖^-1 = ‖x‖^(-3/2)); the others are
# expanded before they could stand as a scalar leaf
foldable.update({node_type: lambda base: True
                 for node_type in (el.HadamardPower, el.Apply, el.Sum)})
foldable.update({node_type: lambda base: False
                 for node_type in (el.Hadamard, el.Ones, el.Diag, el.LogSumExp, el.Softmax)})
