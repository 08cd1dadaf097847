"""The second differential's canonical form: every term as ``(dx)^T B dx``.

After the rules of the differential and multiplying out, each term of ``d^2 alpha`` is a scalar
product holding the direction ``dx`` twice. :func:`middle` finds its ``B``; the Hessian is then
the symmetric part ``(B + B^T) / 2`` (the second identification theorem, Magnus & Neudecker).
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from derive.calculus import algebra
from derive.calculus.rules import RuleName
from derive.errors import UnsupportedError
from derive.ir import expr as ex

Row = Callable[[ex.Expr, list[RuleName]], ex.Expr]
"""``M`` with ``term = M dx`` for a scalar ``term`` holding ``dx`` once (the prover's ``row``)."""


def count(node: ex.Expr, target: ex.Expr) -> int:
    """How many times ``target`` occurs in ``node``."""
    if node == target:
        return 1
    return sum(count(child, target) for child in node.children)


def middle(term: ex.Expr, dx: ex.Expr, row: Row, used: list[RuleName]) -> ex.Expr:
    """``B`` with ``term = (dx)^T B dx``, for a scalar ``term`` holding ``dx`` twice.

    ``term``'s transposes must already be pushed down to ``dx`` (``(A dx)^T = (dx)^T A^T``).

    Raises:
        UnsupportedError: The term is not a product of that form.
    """
    scalars, chain = algebra.split_product(term)
    constant = [s for s in scalars if count(s, dx) == 0]
    inside = [s for s in scalars if count(s, dx) > 0]
    in_chain = sum(count(f, dx) for f in chain)
    rest = [*constant, *([ex.mul(*chain)] if chain and not in_chain else [])]
    if in_chain == 2 and len(chain) >= 2 and chain[0] == ex.Transpose(dx) and chain[-1] == dx:
        between = chain[1:-1]
        if not any(count(f, dx) for f in between):
            return ex.mul(*rest, *between) if between else \
                ex.mul(*rest, ex.Identity(dx.shape.rows))
    if in_chain == 0 and len(inside) == 1 and count(inside[0], dx) == 2:
        return ex.mul(*rest, middle(inside[0], dx, row, used))
    pair = [*inside, ex.mul(*chain)] if in_chain == 1 else inside
    if len(pair) == 2 and all(count(p, dx) == 1 for p in pair):
        # (a' dx)(b' dx) = (dx' a)(b' dx) = dx' a b' dx: a scalar is its own transpose
        used.append(RuleName.SCALAR_TRANSPOSE)
        first, second = (row(p, used) for p in pair)
        return ex.mul(*rest, ex.transpose(first), second)
    raise UnsupportedError("not supported by the differential method yet: a second differential"
                           " that is not of the form (dx)' B dx")


def symmetrised(b: ex.Expr) -> ex.Expr:
    """``(B^T + B) / 2``: the Hessian of ``(dx)^T B dx`` (the second identification theorem)."""
    return ex.mul(ex.number(Fraction(1, 2)), ex.add(ex.transpose(b), b))
