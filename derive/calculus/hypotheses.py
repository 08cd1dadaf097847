"""The hypotheses a proof rests on, read from the expression and stated before the proof.

A proof of ``d log det X / dX = X^-T`` holds only where ``det X > 0``; one that divides by
``x' B x`` only where it is not zero; Jacobi's formula and the derivative of an inverse only
for an invertible matrix. Declared assumptions (``X: n x n, invertible``) are stated already
and are not repeated.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from derive.ir import elementwise as el
from derive.ir import expr as ex
from derive.ir.functions import FUNCTIONS


@dataclass(frozen=True, slots=True)
class Hypotheses:
    """What must hold for the proof: matrices invertible, scalars positive or nonzero, vectors
    and matrices with positive entries (``log x``) or no zero entry (``relu(W x + b)``)."""

    invertible: tuple[ex.Expr, ...] = ()
    positive: tuple[ex.Expr, ...] = ()
    nonzero: tuple[ex.Expr, ...] = ()
    positive_entries: tuple[ex.Expr, ...] = ()
    nonzero_entries: tuple[ex.Expr, ...] = ()

    def __bool__(self) -> bool:
        return any((self.invertible, self.positive, self.nonzero, self.positive_entries,
                    self.nonzero_entries))  # fmt: skip


_KINDS = ("invertible", "positive", "nonzero", "positive_entries", "nonzero_entries")


def hypotheses(node: ex.Expr, declared_invertible: set[str]) -> Hypotheses:
    """Collect the hypotheses of differentiating ``node``, in order of appearance.

    Args:
        node: The expression differentiated.
        declared_invertible: Names of symbols declared invertible (already stated).

    Returns:
        The matrices that must be invertible (each inverse and each determinant's argument),
        the scalars that must be positive (each logarithm's argument) and nonzero (each
        denominator, each norm raised to an odd power), and the same entry by entry for the
        arguments of elementwise functions (the domain in the function table: ``log`` and
        ``sqrt`` positive, ``abs`` and ``relu`` nonzero) and of entrywise powers. An argument
        that is positive whatever the values (``1 + exp(v)``) needs no hypothesis.
    """
    found: dict[str, dict[ex.Expr, None]] = {kind: {} for kind in _KINDS}
    for what, expr in _walk(node):
        if what == "invertible" and isinstance(expr, ex.Symbol) and \
                expr.name in declared_invertible:
            continue
        if what in ("positive", "nonzero") and _surely_positive(expr):
            continue
        if what == "positive" and isinstance(expr, el.Apply) and expr.function == "abs":
            what, expr = "nonzero", expr.arg  # |u| > 0 says u ≠ 0
        if what == "nonzero" and isinstance(expr, ex.Det):
            what, expr = "invertible", expr.arg  # det M ≠ 0 says M is invertible
            if isinstance(expr, ex.Symbol) and expr.name in declared_invertible:
                continue
        if what in ("positive", "nonzero") and not expr.shape.is_scalar:
            what += "_entries"
        found[what][expr] = None
    for scalar in found["positive"]:  # det M > 0 says M is invertible
        if isinstance(scalar, ex.Det):
            found["invertible"].pop(scalar.arg, None)
    for entries in found["positive_entries"]:  # positive entries are not zero
        found["nonzero_entries"].pop(entries, None)
    for scalar in found["positive"]:
        found["nonzero"].pop(scalar, None)
    return Hypotheses(*(tuple(found[k]) for k in _KINDS))


def _surely_positive(node: ex.Expr) -> bool:
    """Positive for every value of the symbols: ``exp``, ``σ``, ``softplus``, ones, sums and
    products of such, a sum of ``exp`` (the denominators of softmax)."""
    if isinstance(node, el.Apply):
        return node.function in ("exp", "sigma", "softplus")
    if isinstance(node, ex.Number):
        return node.value > 0
    if isinstance(node, el.Ones | el.Softmax):
        return True
    if isinstance(node, ex.Add | el.Hadamard | el.Sum | ex.MatMul) and not (
            isinstance(node, ex.MatMul) and not node.shape.is_scalar):
        return all(_surely_positive(c) for c in node.children)
    if isinstance(node, ex.Transpose):
        return _surely_positive(node.arg)
    return False


def _walk(node: ex.Expr) -> Iterator[tuple[str, ex.Expr]]:
    if isinstance(node, el.Apply) and FUNCTIONS[node.function].domain != "real":
        yield FUNCTIONS[node.function].domain, node.arg
    if isinstance(node, el.HadamardPower) and node.exponent.denominator != 1:
        yield "positive", node.base
    elif isinstance(node, el.HadamardPower) and node.exponent < 0:
        yield "nonzero", node.base
    if isinstance(node, el.Composite):  # logsumexp, softmax: their logs and quotients are safe
        for child in node.children:
            yield from _walk(child)
        return
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
