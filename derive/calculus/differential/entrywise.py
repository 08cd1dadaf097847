"""The differential method for the entrywise nodes: functions taken entry by entry, Hadamard
products and powers, sums of entries, diagonal matrices, log-sum-exp and softmax.

Rules of the differential: ``d f(U) = f'(U) ∘ dU``, ``d(U ∘ V) = dU ∘ V + U ∘ dV``,
``d(U .^ p) = p U .^ (p - 1) ∘ dU``, ``d sum(U) = sum(dU)``, ``d diag(U) = diag(dU)``;
``logsumexp`` and ``softmax`` are written out by their definitions first. In the canonical
form, ``tr(Aᵀ (B ∘ C)) = tr((A ∘ B)ᵀ C)``, ``sum(C) = 𝟏ᵀ C 𝟏`` and
``tr(M diag(c)) = diag(M)ᵀ c`` move the differential out of the entrywise nodes.
"""

from __future__ import annotations

from collections.abc import Callable

from derive.calculus.rules import RuleName
from derive.errors import UnsupportedError
from derive.ir import elementwise as el
from derive.ir import expr as ex
from derive.ir.differential import Differential
from derive.ir.functions import function

Varies = Callable[[ex.Expr], bool]


def rule(node: ex.Expr, varies: Varies, rules: list[RuleName]) -> ex.Expr | None:
    """One level of the rules of the differential for an entrywise node (None: not one)."""
    d = Differential
    if isinstance(node, el.Apply):
        if isinstance(node.arg, el.Softmax):  # its result would not simplify as the index one
            raise UnsupportedError("not supported by the differential method yet: a function"
                                   " of softmax")
        rules.append(RuleName.D_ENTRYWISE)
        return el.hadamard(function(node.function).derivative(node.arg), d(node.arg))
    if isinstance(node, el.Hadamard):
        factors = node.factors
        rules.append(RuleName.D_HADAMARD if sum(map(varies, factors)) > 1
                     else RuleName.D_LINEARITY)  # fmt: skip
        return ex.add(*(el.hadamard(*factors[:k], d(f), *factors[k + 1:])
                        for k, f in enumerate(factors) if varies(f)))  # fmt: skip
    if isinstance(node, el.HadamardPower):
        rules.append(RuleName.D_ENTRYWISE)
        lower = el.hadamard_power(node.base, node.exponent - 1)
        return ex.mul(ex.number(node.exponent), el.hadamard(lower, d(node.base)))
    if isinstance(node, el.Sum | el.Diag):
        rules.append(RuleName.D_LINEARITY)
        return node.rebuild([d(node.arg)])
    if isinstance(node, el.LogSumExp | el.Softmax):
        rules.append(RuleName.EXPAND_DEFINITION)
        return d(node.body)
    return None


def expand(node: ex.Expr, terms: Callable[[ex.Expr], list[ex.Expr]]) -> list[ex.Expr] | None:
    """The terms of an entrywise node holding ``dX`` multiplied out (None: not one)."""
    if isinstance(node, el.Hadamard):
        products: list[list[ex.Expr]] = [[]]
        for factor in node.factors:
            options = terms(factor)
            products = [[*p, o] for p in products for o in options]
        return [el.hadamard(*p) for p in products]
    if isinstance(node, el.Sum | el.Diag):
        return [node.rebuild([t]) for t in terms(node.arg)]
    return None


def as_product(node: ex.Expr) -> ex.Expr | None:
    """``sum(C)`` as ``𝟏ᵀ C 𝟏`` (None for any other node)."""
    if not isinstance(node, el.Sum):
        return None
    rows, cols = node.arg.shape.rows, node.arg.shape.cols
    return ex.mul(el.ones(ex.Shape(1, rows)), node.arg, el.ones(ex.Shape(cols, 1)))


def move_out(middle: ex.Expr, left: list[ex.Expr], right: list[ex.Expr], holds: Varies,
             used: list[RuleName]) -> ex.Expr | None:
    """``L middle R`` (a scalar, or inside a trace) rewritten so that the factor holding ``dX``
    stands outside any entrywise node: the new product (read as a trace when not 1 x 1), or
    None when ``middle`` is not an entrywise node holding ``dX``."""
    around = ex.mul(*right, *left) if left or right else None
    if isinstance(middle, el.Hadamard):
        inside = [f for f in middle.factors if holds(f)]
        if len(inside) != 1:
            return None
        others = el.hadamard(*(f for f in middle.factors if not holds(f)))
        # tr(L (B ∘ C) R) = tr(Aᵀ (B ∘ C)) with Aᵀ = R L, and that is tr((A ∘ B)ᵀ C)
        used.append(RuleName.HADAMARD_TRACE)
        if around is None:  # tr(B ∘ C) = tr((I ∘ B)ᵀ C), and I ∘ B = diag(diag(B))
            return ex.mul(ex.transpose(el.Diag(el.Diag(others))), inside[0])
        return ex.mul(ex.transpose(el.hadamard(others, ex.transpose(around))), inside[0])
    if isinstance(middle, el.Diag) and middle.to_matrix:
        # tr(L diag(c) R) = tr(R L diag(c)) = diag(R L)ᵀ c
        used.append(RuleName.DIAG_TRACE)
        if around is None:  # tr(diag(c)) = 𝟏ᵀ c
            return ex.mul(el.ones(ex.Shape(1, middle.shape.rows)), middle.arg)
        return ex.mul(ex.transpose(_diagonal(around)), middle.arg)
    return None


def _diagonal(m: ex.Expr) -> ex.Expr:
    """``diag(M)``, the vector of the diagonal; of an outer product ``u vᵀ``, ``u ∘ v``."""
    if isinstance(m, ex.MatMul) and len(m.factors) == 2 and m.factors[0].shape.is_column:
        u, v = m.factors
        return el.hadamard(u, ex.transpose(v))
    return el.Diag(m)


def jacobian_part(term: ex.Expr, holds: Varies, part: Callable[[ex.Expr], ex.Expr]
                  ) -> ex.Expr | None:
    """``J`` with ``term = J dx`` for ``term = b ∘ C``: ``diag(b) J_C`` (None: not that)."""
    if not isinstance(term, el.Hadamard):
        return None
    inside = [f for f in term.factors if holds(f)]
    if len(inside) != 1:
        return None
    others = el.hadamard(*(f for f in term.factors if not holds(f)))
    return ex.mul(el.Diag(others), part(inside[0]))
