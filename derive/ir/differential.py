"""The differential of a matrix expression, ``d U``: the node the differential method writes.

``Differential(X)`` of the variable is the direction ``dX`` (a leaf of every differential
line); ``Differential(U)`` of a compound ``U`` is what the rules of the differential rewrite
(``d(U V) = dU V + U dV``). Its value at a point, along a direction ``dX``, is the directional
derivative of ``U``: ``d/dt U(X + t dX)`` at ``t = 0`` (``check.differential`` evaluates it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from derive.ir import expr as ex


@dataclass(frozen=True, slots=True)
class Differential(ex.Expr):
    """``d arg``, of the shape of ``arg``."""

    arg: ex.Expr

    @property
    def shape(self) -> ex.Shape:
        return self.arg.shape

    @property
    def children(self) -> tuple[ex.Expr, ...]:
        return (self.arg,)

    def rebuild(self, children: Sequence[ex.Expr]) -> ex.Expr:
        return Differential(children[0])

    @property
    def is_direction(self) -> bool:
        """Whether this is ``dX`` of a symbol (a leaf of a differential line)."""
        return isinstance(self.arg, ex.Symbol)


def contains(node: ex.Expr, target: ex.Expr) -> bool:
    """Whether ``target`` occurs anywhere in ``node``."""
    return node == target or any(contains(child, target) for child in node.children)


def substitute(node: ex.Expr, target: ex.Expr, value: ex.Expr) -> ex.Expr:
    """``node`` with every occurrence of ``target`` replaced by ``value`` (rebuilt bottom-up)."""
    if node == target:
        return value
    if not node.children:
        return node
    return node.rebuild([substitute(child, target, value) for child in node.children])
