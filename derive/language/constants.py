"""The exact value of an expression made of numbers only: ``1/(1 - 1)`` and ``log(2 - 3)`` are
caught while the expression is built, with a position.

One entry per node type (:class:`derive.ir.dispatch.Operation`); a node that holds a symbol has no
constant value.
"""

from __future__ import annotations

from fractions import Fraction

from derive.ir import elementwise as el
from derive.ir import expr as ex
from derive.ir.dispatch import Operation

MAX_NUMBER_BITS = 512  # about 150 digits: larger numbers are certainly typing accidents

constant_value: Operation[Fraction | None] = Operation("derive.language.constants.constant_value")
"""``constant_value(node)``: the exact value of an expression made of numbers only, or None.

None also when the value would be huge: it only serves to catch ``1/(1 - 1)`` and
``log(2 - 3)``, and a huge value is neither zero nor negative by accident.
"""


@constant_value.register(ex.Number)
def _number(node: ex.Number) -> Fraction | None:
    return node.value


@constant_value.register(ex.Zero)
def _zero(node: ex.Zero) -> Fraction | None:
    return Fraction(0) if node.shape.is_scalar else None


@constant_value.register(ex.Trace, ex.Det, ex.Norm)
def _of_matrix(node: ex.Trace | ex.Det | ex.Norm) -> Fraction | None:
    if isinstance(node.arg, ex.Zero):
        return Fraction(0)
    inner = constant_value(node.arg)
    return None if inner is None else abs(inner) if isinstance(node, ex.Norm) else inner


def _known(node: ex.Expr) -> list[Fraction] | None:
    """The children's values when the node is a scalar and every child has one."""
    if not node.shape.is_scalar:
        return None
    values = [constant_value(child) for child in node.children]
    if any(v is None for v in values) or not values:
        return None
    return [v for v in values if v is not None]


@constant_value.register(ex.Add)
def _sum(node: ex.Add) -> Fraction | None:
    known = _known(node)
    return None if known is None else sum(known, Fraction(0))


@constant_value.register(ex.MatMul)
def _product(node: ex.MatMul) -> Fraction | None:
    known = _known(node)
    if known is None:
        return None
    result = Fraction(1)
    for v in known:
        result *= v
    return result


@constant_value.register(ex.Power)
def _power(node: ex.Power) -> Fraction | None:
    known = _known(node)
    if known is None:
        return None
    base = known[0]
    if base == 0:
        return None if node.exponent < 0 else Fraction(0)
    size = max(base.numerator.bit_length(), base.denominator.bit_length()) * abs(node.exponent)
    return base**node.exponent if size <= MAX_NUMBER_BITS else None


@constant_value.register(
    ex.Symbol, ex.Identity, ex.Size, ex.Transpose, ex.Inverse, ex.Log, ex.Jacobian, ex.Defined,
    ex.Derivative,
)
def _not_constant(node: ex.Expr) -> Fraction | None:
    return None


@constant_value.register(*el.NODES)
def _elementwise(node: ex.Expr) -> Fraction | None:
    """Not folded: ``exp(0)`` is left to the checks rather than decided while parsing."""
    return None
