"""Matrix-level simplification: transposes pushed to the leaves, symmetry, like terms, factoring.

Each function returns an expression equal in value to its input; the engine records one
"simplify" line per function that changed something.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from fractions import Fraction
from math import gcd

from derive import expr as ex


def rebuild(node: ex.Expr, children: list[ex.Expr]) -> ex.Expr:
    """The same node over new children, through the smart constructors."""
    if isinstance(node, ex.Add):
        return ex.add(*children)
    if isinstance(node, ex.MatMul):
        return ex.mul(*children)
    if isinstance(node, ex.Transpose):
        return ex.transpose(children[0])
    if isinstance(node, ex.Power):
        return ex.Power(children[0], node.exponent)
    if isinstance(node, ex.Inverse | ex.Trace | ex.Det | ex.Log | ex.Norm):
        return type(node)(children[0])
    return node


def map_children(node: ex.Expr, function: Callable[[ex.Expr], ex.Expr]) -> ex.Expr:
    """Apply ``function`` to each child and rebuild."""
    if not node.children or isinstance(node, ex.Jacobian | ex.Defined):
        return node
    return rebuild(node, [function(c) for c in node.children])


def push_transpose(node: ex.Expr) -> ex.Expr:
    """Move transposes down to the leaves: ``(A B)^T = B^T A^T``, ``(A + B)^T = A^T + B^T``.

    A transposed scalar is the scalar itself; ``(M^-1)^T`` stays as ``M^-T``.
    """
    if not isinstance(node, ex.Transpose):
        return map_children(node, push_transpose)
    arg = node.arg
    if arg.shape.is_scalar:
        return push_transpose(arg)
    if isinstance(arg, ex.Transpose):
        return push_transpose(arg.arg)
    if isinstance(arg, ex.MatMul):
        scalars = [push_transpose(f) for f in arg.factors if f.shape.is_scalar]
        others = [f for f in arg.factors if not f.shape.is_scalar]
        return ex.mul(*scalars, *(push_transpose(ex.transpose(f)) for f in reversed(others)))
    if isinstance(arg, ex.Add):
        return ex.add(*(push_transpose(ex.transpose(t)) for t in arg.terms))
    if isinstance(arg, ex.Power):
        return ex.Power(push_transpose(ex.transpose(arg.base)), arg.exponent)
    if isinstance(arg, ex.Inverse):
        return ex.transpose(ex.Inverse(push_transpose(arg.arg)))
    return ex.transpose(arg)


def apply_symmetry(node: ex.Expr, symmetric: Collection[str]) -> ex.Expr:
    """Replace ``S^T`` by ``S`` and ``S^-T`` by ``S^-1`` for declared symmetric ``S``."""
    if isinstance(node, ex.Transpose):
        arg = node.arg
        if isinstance(arg, ex.Symbol) and arg.name in symmetric:
            return arg
        inner = arg.arg if isinstance(arg, ex.Inverse) else None
        if isinstance(inner, ex.Symbol) and inner.name in symmetric:
            return arg
    return map_children(node, lambda c: apply_symmetry(c, symmetric))


def collect(node: ex.Expr) -> ex.Expr:
    """Combine like terms of every sum: ``A x + 2 A x = 3 A x``."""
    node = map_children(node, collect)
    if not isinstance(node, ex.Add):
        return node
    totals: dict[ex.Expr, Fraction] = {}
    for term in node.terms:
        coeff, rest = ex.coefficient_of(term)
        totals[rest] = totals.get(rest, Fraction(0)) + coeff
    terms = [ex.mul(ex.Number(c), rest) for rest, c in totals.items() if c != 0]
    return ex.add(*terms) if terms else ex.add(node.terms[0], ex.neg(node.terms[0]))


def _parts(term: ex.Expr) -> tuple[Fraction, list[ex.Expr]]:
    coeff, rest = ex.coefficient_of(term)
    factors = list(rest.factors) if isinstance(rest, ex.MatMul) else [rest]
    return coeff, [f for f in factors if f != ex.Number(Fraction(1))]


def factor(node: ex.Expr) -> ex.Expr:
    """Pull a factor shared by several terms out of a sum: ``A x + A^T x = (A + A^T) x``."""
    if not isinstance(node, ex.Add):
        return node
    parts = [_parts(t) for t in node.terms]
    best: tuple[int, str, ex.Expr] | None = None
    for side in ("right", "left"):
        counts: dict[ex.Expr, int] = {}
        for _, factors in parts:
            if len(factors) >= 1:
                key = factors[-1] if side == "right" else factors[0]
                counts[key] = counts.get(key, 0) + 1
        for key, count in counts.items():
            if count >= 2 and (best is None or count > best[0]):
                best = (count, side, key)
    if best is None:
        return node
    _, side, shared = best
    inside, outside = [], []
    for term, (coeff, factors) in zip(node.terms, parts, strict=True):
        end = factors[-1] if side == "right" and factors else factors[0] if factors else None
        if end == shared:
            rest = factors[:-1] if side == "right" else factors[1:]
            inside.append((coeff, rest))
        else:
            outside.append(term)
    common = _common_coefficient([c for c, _ in inside])
    identity = _neutral(shared, side)
    inner_terms = [ex.mul(ex.Number(c / common), *(rest or [identity])) for c, rest in inside]
    inner_terms.sort(key=lambda t: ex.coefficient_of(t)[0] < 0)
    inner = factor(ex.add(*inner_terms))
    pulled = ex.mul(ex.Number(common), inner, shared) if side == "right" else ex.mul(
        ex.Number(common), shared, inner
    )
    return ex.add(pulled, *outside)


def _neutral(shared: ex.Expr, side: str) -> ex.Expr:
    """What stands in for a term that is the shared factor alone: 1, or an identity matrix."""
    if shared.shape.is_scalar:
        return ex.Number(Fraction(1))
    size = shared.shape.rows if side == "right" else shared.shape.cols
    return ex.Identity(size)


def _common_coefficient(coeffs: list[Fraction]) -> Fraction:
    """The largest rational that divides every coefficient, positive."""
    numerator = 0
    denominator = 1
    for c in coeffs:
        numerator = gcd(numerator, c.numerator)
        denominator = denominator * c.denominator // gcd(denominator, c.denominator)
    return Fraction(numerator or 1, denominator)
