"""The hypotheses a proof rests on, read from the expression and stated before the proof.

A proof of ``d log det X / dX = X^-T`` holds only where ``det X > 0``; one that divides by
``x' B x`` only where it is not zero; Jacobi's formula and the derivative of an inverse only
for an invertible matrix. Declared assumptions (``X: n x n, invertible``) are stated already
and are not repeated.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from derive.ir import expr as ex


@dataclass(frozen=True, slots=True)
class Hypotheses:
    """What must hold for the proof: matrices invertible, scalars positive or nonzero."""

    invertible: tuple[ex.Expr, ...] = ()
    positive: tuple[ex.Expr, ...] = ()
    nonzero: tuple[ex.Expr, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.invertible or self.positive or self.nonzero)


def hypotheses(node: ex.Expr, declared_invertible: set[str]) -> Hypotheses:
    """Collect the hypotheses of differentiating ``node``, in order of appearance.

    Args:
        node: The expression differentiated.
        declared_invertible: Names of symbols declared invertible (already stated).

    Returns:
        The matrices that must be invertible (each inverse and each determinant's argument),
        the scalars that must be positive (each logarithm's argument) and nonzero (each
        denominator, each norm raised to an odd power).
    """
    found: dict[str, dict[ex.Expr, None]] = {"invertible": {}, "positive": {}, "nonzero": {}}
    for what, expr in _walk(node):
        if what == "invertible" and isinstance(expr, ex.Symbol) and \
                expr.name in declared_invertible:
            continue
        found[what][expr] = None
    for scalar in found["positive"]:  # det M > 0 says M is invertible
        if isinstance(scalar, ex.Det):
            found["invertible"].pop(scalar.arg, None)
    return Hypotheses(*(tuple(found[k]) for k in ("invertible", "positive", "nonzero")))


def _walk(node: ex.Expr) -> Iterator[tuple[str, ex.Expr]]:
    if isinstance(node, ex.Inverse | ex.Det) and not node.arg.shape.is_scalar:
        yield "invertible", node.arg
    if isinstance(node, ex.Log):
        yield "positive", node.arg
    if isinstance(node, ex.Power) and node.shape.is_scalar and node.exponent < 0:
        yield "nonzero", node.base
    if isinstance(node, ex.Norm):
        yield "nonzero", node
    if isinstance(node, ex.Power) and isinstance(node.base, ex.Norm) and node.exponent % 2 == 0:
        # an even power of a norm is a polynomial: no hypothesis for the norm inside
        for child in node.base.children:
            yield from _walk(child)
        return
    for child in node.children:
        yield from _walk(child)
