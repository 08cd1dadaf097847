"""Collecting an index sum: powers of one scalar folded, dummies renamed canonically, like terms
combined.

Renaming dummy indices and reordering the factors of a product leave its value unchanged, so
terms that agree after a canonical renaming are equal and their coefficients add.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from derive import budget
from derive.ir import elementwise as el
from derive.ir import expr as ex
from derive.ir import index as ix
from derive.ir import order
from derive.ir.dispatch import Operation


def collect_terms(index_sum: ix.IndexSum, avoid: Iterable[str] = ()) -> ix.IndexSum:
    """Fold scalar powers, rename dummies canonically, combine like terms, drop zeros."""
    free = set(index_sum.free)
    totals: dict[tuple[tuple[ix.Index, ...], tuple[ix.Factor, ...]], Fraction] = {}
    for term in index_sum.terms:
        budget.check()
        canonical = _canonical(_fold_powers(term), free)
        key = (canonical.sums, canonical.factors)
        totals[key] = totals.get(key, Fraction(0)) + canonical.coeff
    terms = tuple(ix.Term(c, s, f) for (s, f), c in totals.items() if c != 0)
    return ix.tidy(ix.IndexSum(terms, index_sum.free), avoid)


def _fold_powers(term: ix.Term) -> ix.Term:
    """``s^-1 s = 1``, ``s s = s^2`` for scalar leaves that are not symbols' entries."""
    exponents: dict[ex.Expr, Fraction] = {}
    kept: list[ix.Factor] = []
    for factor in term.factors:
        if isinstance(factor, ix.Entry) and not factor.indices and foldable(factor.base):
            base, power = _split_power(factor.base)
            exponents[base] = exponents.get(base, Fraction(0)) + power
        else:
            kept.append(factor)
    for base, power in exponents.items():
        if power != 0:
            kept.append(ix.Entry(el.hadamard_power(base, power), ()))
    return ix.Term(term.coeff, term.sums, tuple(kept))


foldable: Operation[bool] = Operation("derive.calculus.collect.foldable")
"""``foldable(base)``: whether equal scalar leaves of this type fold into one power.

Symbols and the scalar functions of a matrix fold (``det(X) det(X)^-1 = 1``); the other node
types are expanded in index form before they could stand as a scalar leaf, or must stay apart.
"""
foldable.update({node_type: lambda base: True
                 for node_type in (ex.Det, ex.Log, ex.Norm, ex.Power, ex.Symbol)})
foldable.update({node_type: lambda base: False
                 for node_type in (ex.Number, ex.Identity, ex.Zero, ex.Size, ex.Add, ex.MatMul,
                                   ex.Transpose, ex.Inverse, ex.Trace, ex.Jacobian, ex.Defined,
                                   ex.Derivative)})


def _split_power(base: ex.Expr) -> tuple[ex.Expr, Fraction]:
    """``s^p`` as (s, p); rational powers of scalars (``‖x‖^(1/2)``) fold with integer ones."""
    if isinstance(base, ex.Power | el.HadamardPower):
        return base.base, Fraction(base.exponent)
    return base, Fraction(1)


def _base_key(base: ex.Expr) -> str:
    return order.key(base)


def _shape_key(factor: ix.Factor, free: set[ix.Index]) -> str:
    """A sort key that ignores the names of dummy indices."""
    pattern = ",".join(i.name if i in free else "*" for i in factor.indices)
    if isinstance(factor, ix.Entry):
        return f"0{_base_key(factor.base)}[{pattern}]"
    if isinstance(factor, ix.Delta):
        return f"1delta[{pattern}]"
    return f"2{type(factor).__name__}[{pattern}]"


def _canonical(term: ix.Term, free: set[ix.Index]) -> ix.Term:
    """Factors sorted, dummies renamed ``_0, _1, ...`` in order of appearance."""
    factors = sorted(term.factors, key=lambda f: _shape_key(f, free))
    mapping: dict[ix.Index, ix.Index] = {}
    for index in ix.factor_indices(factors):
        if index in term.sums and index not in mapping:
            mapping[index] = ix.Index(f"_{len(mapping)}", index.dim)
    for index in term.sums:
        if index not in mapping:
            mapping[index] = ix.Index(f"_{len(mapping)}", index.dim)
    renamed = ix.rename(ix.Term(term.coeff, term.sums, tuple(factors)), mapping)
    ordered = sorted(renamed.factors, key=lambda f: _shape_key(f, free) + repr(f.indices))
    sums = tuple(sorted(renamed.sums, key=lambda i: int(i.name[1:])))
    return ix.Term(renamed.coeff, sums, tuple(ordered))
