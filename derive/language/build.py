"""Typed expressions from a shape-checked syntax tree: the last stage of :mod:`shapes`.

Once every dimension is known, :class:`Builder` walks the syntax tree and calls the smart
constructors of the IR; it also refuses what only shows up once numbers are folded (a division
by zero, the log of a negative number, a number too large).
"""

from __future__ import annotations

from fractions import Fraction

from derive.errors import LimitError, ParseError
from derive.ir import elementwise as el
from derive.ir import expr as ex
from derive.language.constants import MAX_NUMBER_BITS, constant_value
from derive.language.parse import MAX_EXPONENT
from derive.language.syntax import Syntax, left_spine

_UNARY: dict[str, type[ex.Unary]] = {
    "tr": ex.Trace, "det": ex.Det, "norm": ex.Norm, "abs": ex.Norm, "norm2": ex.Norm,
}  # fmt: skip
_ELEMENTWISE: dict[str, type[el.Sum | el.Diag | el.LogSumExp | el.Softmax]] = {
    "sum": el.Sum, "diag": el.Diag, "logsumexp": el.LogSumExp, "softmax": el.Softmax,
}  # fmt: skip


class Builder:
    """Syntax tree -> typed expression, once every shape is known."""

    def __init__(
        self,
        symbols: dict[str, ex.Shape],
        identities: dict[int, ex.Dim],
        source: str,
        ones: dict[int, ex.Dim] | None = None,
    ) -> None:
        self.symbols = symbols
        self.identities = identities
        self.ones = ones or {}
        self.source = source

    def build(self, node: Syntax) -> ex.Expr:
        if node.is_chain:
            return self.build_chain(left_spine(node))
        args = [self.build(a) for a in node.args]
        op = node.op
        if op == "sym":
            if node.span.start in self.identities and node.name == "I":
                return ex.Identity(self.identities[node.span.start])
            return ex.Symbol(node.name, self.symbols[node.name])
        if op == "num":
            assert node.value is not None
            return self.checked(ex.Number(node.value), node)
        if op == "neg":
            return ex.neg(args[0])
        if op == "transpose":
            return ex.transpose(args[0])
        if op in ("inv", "inverse_transpose"):
            inverse = self.reciprocal(args[0], node)  # the culprit: inv(0) or 0^-T as a whole
            return ex.transpose(inverse) if op == "inverse_transpose" else inverse
        if op == "power":
            assert node.value is not None
            if node.value.denominator != 1:
                return self.real_power(args[0], node.value, node)
            return self.power(args[0], int(node.value), node)
        if op == "log":
            return self.log(args[0], node) if args[0].shape.is_scalar else el.Apply("log", args[0])
        if op in _UNARY:
            return _UNARY[op](args[0])
        return self.build_elementwise(node, args)

    def build_elementwise(self, node: Syntax, args: list[ex.Expr]) -> ex.Expr:
        """The operations of :mod:`derive.ir.elementwise`."""
        op = node.op
        if op == "ones":
            return el.Ones(ex.Shape(self.ones[node.span.start], 1))
        if op == "apply":
            return el.Apply(node.name, args[0])
        if op == "hadamard":
            return el.hadamard(*args)
        if op == "hdiv":
            return el.hadamard(args[0], self.reciprocal_entries(args[1], node.args[1]))
        if op == "hpower":
            assert node.value is not None
            return self.real_power(args[0], node.value, node)
        if op == "norm1":
            return el.Sum(el.Apply("abs", args[0]))
        return _ELEMENTWISE[op](args[0])

    def reciprocal_entries(self, node: ex.Expr, where: Syntax) -> ex.Expr:
        """``1 ./ node`` entry by entry."""
        if node.shape.is_scalar:
            return self.reciprocal(node, where)
        if isinstance(node, ex.Zero):
            raise ParseError("division by zero", where.span, self.source)
        return el.hadamard_power(node, -1)

    def real_power(self, base: ex.Expr, exponent: Fraction, where: Syntax) -> ex.Expr:
        """``base .^ exponent``, or a power with a rational exponent of a scalar."""
        if exponent.denominator == 1 and base.shape.is_scalar:
            return self.power(base, int(exponent), where)
        value = constant_value(base)
        if value is not None and (value < 0 or (value == 0 and exponent < 0)):
            raise ParseError(
                f"the power {exponent} of {value} is not a real number", where.span, self.source
            )
        return el.hadamard_power(base, exponent)

    def build_chain(self, links: list[Syntax]) -> ex.Expr:
        """A chain of sums and products, each run of ``+``/``-`` or ``*``/``/`` in one call.

        A loop, and one smart-constructor call per run, so that a sum of a thousand terms costs
        neither recursion nor quadratic time.
        """
        result = self.build(links[0].args[0])
        position = 0
        while position < len(links):
            is_sum = links[position].op in ("add", "sub")
            run: list[Syntax] = []
            while position < len(links) and (links[position].op in ("add", "sub")) == is_sum:
                run.append(links[position])
                position += 1
            operands = [self.operand(link) for link in run]
            if is_sum:
                result = ex.add(*_broadcast([result, *operands]))
            else:
                result = self.checked(ex.mul(result, *operands), run[-1])
        return result

    def operand(self, link: Syntax) -> ex.Expr:
        """The right operand of one link, negated after ``-`` and inverted after ``/``."""
        right = self.build(link.args[1])
        if link.op == "sub":
            return ex.neg(right)
        if link.op == "div":
            return self.reciprocal(right, link.args[1])
        return right

    def reciprocal(self, node: ex.Expr, where: Syntax) -> ex.Expr:
        """``1 / node``; ``where`` is the culprit an error points at (the divisor, the inverse)."""
        if node.shape.is_scalar:
            return self.power(node, -1, where)
        if isinstance(node, ex.Zero):
            raise ParseError("a zero matrix has no inverse", where.span, self.source)
        return ex.Inverse(node)

    def power(self, base: ex.Expr, exponent: int, where: Syntax) -> ex.Expr:
        value = constant_value(base)
        if value == 0 and exponent < 0:
            raise ParseError("division by zero", where.span, self.source)
        if isinstance(base, ex.Zero) and exponent < 0:
            raise ParseError("a zero matrix has no inverse", where.span, self.source)
        if isinstance(base, ex.Number):
            bits = max(base.value.numerator.bit_length(), base.value.denominator.bit_length())
            if bits * abs(exponent) > MAX_NUMBER_BITS:
                raise self.too_large(where)
        result = power(base, exponent)
        if isinstance(result, ex.Power) and abs(result.exponent) > MAX_EXPONENT:
            raise LimitError(
                f"the power is too large: exponent {result.exponent} (at most {MAX_EXPONENT})",
                where.span,
                self.source,
            )
        return self.checked(result, where)

    def log(self, arg: ex.Expr, where: Syntax) -> ex.Expr:
        value = constant_value(arg)
        if value is not None and value <= 0:
            operand = where.args[0]
            text = operand.describe(self.source)
            shown = text if text == str(value) else f"{text}, which is {value}"
            raise ParseError(
                f"log needs a positive number, not {shown}", operand.span, self.source
            )
        return ex.Log(arg)

    def checked(self, node: ex.Expr, where: Syntax) -> ex.Expr:
        """``node``, unless its numeric coefficient has grown past :data:`MAX_NUMBER_BITS`."""
        coefficient, _ = ex.coefficient_of(node)
        if max(coefficient.numerator.bit_length(), coefficient.denominator.bit_length()) > (
            MAX_NUMBER_BITS
        ):
            raise self.too_large(where)
        return node

    def too_large(self, where: Syntax) -> LimitError:
        return LimitError(
            f"a number in the expression is too large (more than {MAX_NUMBER_BITS} bits)",
            where.span,
            self.source,
        )


def _broadcast(terms: list[ex.Expr]) -> list[ex.Expr]:
    """The numbers of a sum of vectors or matrices times a matrix of ones (``1 + exp(v)``).

    Shape inference allows a number literal beside a vector or matrix and nothing else, so a
    Number here is the only kind of scalar a non-scalar sum can hold.
    """
    shape = next((t.shape for t in terms if not t.shape.is_scalar), None)
    if shape is None:
        return terms
    ones = el.ones(shape)
    return [ex.mul(t, ones) if isinstance(t, ex.Number) else t for t in terms]


def power(base: ex.Expr, exponent: int) -> ex.Expr:
    """``base^exponent``: numbers fold, ``M^-1`` is an inverse, ``M^-k`` a power of it.

    Powers of powers merge where that is an identity: for scalars, and for matrices when both
    exponents are positive (``(X^2)^3 = X^6``; ``(X^2)^-1`` stays an inverse), unless the merged
    exponent is 1.

    Raises:
        ZeroDivisionError: ``0`` to a negative power (the parser reports it with a position).
    """
    if isinstance(base, ex.Number):
        return ex.Number(base.value**exponent)
    merged = base.exponent * exponent if isinstance(base, ex.Power) else 0
    if isinstance(base, ex.Power) and (base.shape.is_scalar or exponent > 0) and merged != 1:
        # (s^-1)^-1 stays as written: s alone would lose what made s a scalar (see
        # forced_scalars), and the printed text would no longer read back
        return power(base.base, merged)
    if exponent == 1:
        return base
    if base.shape.is_scalar:
        return ex.Power(base, exponent)
    if exponent == -1:
        return ex.Inverse(base)
    if exponent < 0:
        return ex.Power(ex.Inverse(base), -exponent)
    return ex.Power(base, exponent)


def reciprocal(node: ex.Expr) -> ex.Expr:
    """``1 / node`` for a scalar (a power -1, merged), the inverse of a matrix."""
    return power(node, -1) if node.shape.is_scalar else ex.Inverse(node)
