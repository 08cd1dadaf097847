"""How the printers write the nodes of :mod:`derive.ir.elementwise`.

Mixins for the three printers of :mod:`derive.documents.printer` (``_print_<Class>`` methods, as
there); the function names come from the table :data:`derive.ir.functions.FUNCTIONS`. Every
spelling reads back through the parser: ``\\sigma(u)``, ``a \\odot b``, ``x^{\\circ 2}``,
``\\mathbf{1}^\\top x``, ``\\operatorname{diag}(x)``; ``σ(u)``, ``a ∘ b``, ``x .^ 2``, ``𝟏ᵀx``;
``sigma(u)``, ``a .* b``, ``ones' x``.
"""

from __future__ import annotations

from fractions import Fraction

from derive.ir import elementwise as el
from derive.ir.functions import FUNCTIONS, Prime

PREC_MUL = 20  # as in printer.py: a Hadamard product binds like a product
PREC_ATOM = 40
_NAMED = {el.Sum: "sum", el.Diag: "diag", el.LogSumExp: "logsumexp", el.Softmax: "softmax"}


class _Base:
    """What the mixins use of :class:`derive.documents.printer.Printer`."""

    def doprint(self, node: object) -> str:  # pragma: no cover - Printer's comes first
        raise NotImplementedError

    def parenthesize(self, node: object, level: int) -> str:  # pragma: no cover
        raise NotImplementedError

    def paren(self, text: str) -> str:  # pragma: no cover
        raise NotImplementedError


def _exponent_text(value: Fraction) -> str:
    return str(value) if value.denominator == 1 else f"({value})"


class LatexElementwise(_Base):
    """LaTeX: ``\\sigma(u)``, ``a \\odot b``, ``x^{\\circ 2}``, ``\\mathbf{1}``."""

    def _print_Apply(self, node: el.Apply) -> str:
        if node.function == "sqrt":
            return f"\\sqrt{{{self.doprint(node.arg)}}}"
        return FUNCTIONS[node.function].latex + self.paren(self.doprint(node.arg))

    def _print_Prime(self, node: Prime) -> str:
        return FUNCTIONS[node.function].latex + "'" + self.paren(self.doprint(node.arg))

    def _print_Hadamard(self, node: el.Hadamard) -> str:
        return " \\odot ".join(self.parenthesize(f, PREC_MUL + 1) for f in node.factors)

    def _print_HadamardPower(self, node: el.HadamardPower) -> str:
        value = node.exponent
        sign = "-" if value < 0 else ""
        value = abs(value)
        number = str(value) if value.denominator == 1 else \
            f"\\frac{{{value.numerator}}}{{{value.denominator}}}"
        circle = "" if node.base.shape.is_scalar else "\\circ "
        return f"{self.parenthesize(node.base, PREC_ATOM)}^{{{circle}{sign}{number}}}"

    def _print_Ones(self, node: el.Ones) -> str:
        return "\\mathbf{1}"

    def _print_Sum(self, node: el.Sum) -> str:
        return self.named(node)

    _print_Diag = _print_LogSumExp = _print_Softmax = _print_Sum

    def named(self, node: el.Sum | el.Diag | el.LogSumExp | el.Softmax) -> str:
        """``\\operatorname{diag}(x)``."""
        return f"\\operatorname{{{_NAMED[type(node)]}}}{self.paren(self.doprint(node.arg))}"


class UnicodeElementwise(_Base):
    """Unicode: ``σ(u)``, ``a ∘ b``, ``x .^ 2``, ``s^(1/2)``, ``𝟏``."""

    def _print_Apply(self, node: el.Apply) -> str:
        return f"{FUNCTIONS[node.function].unicode}({self.doprint(node.arg)})"

    def _print_Prime(self, node: Prime) -> str:
        return f"{FUNCTIONS[node.function].unicode}′({self.doprint(node.arg)})"

    def _print_Hadamard(self, node: el.Hadamard) -> str:
        return " ∘ ".join(self.parenthesize(f, PREC_MUL + 1) for f in node.factors)

    def _print_HadamardPower(self, node: el.HadamardPower) -> str:
        base = self.parenthesize(node.base, PREC_ATOM)
        if node.base.shape.is_scalar:
            return f"{base}^{_exponent_text(node.exponent)}"
        return f"{base} .^ {_exponent_text(node.exponent)}"

    def _print_Ones(self, node: el.Ones) -> str:
        return "𝟏"

    def _print_Sum(self, node: el.Sum) -> str:
        return f"{_NAMED[type(node)]}({self.doprint(node.arg)})"

    _print_Diag = _print_LogSumExp = _print_Softmax = _print_Sum


class AsciiElementwise(UnicodeElementwise):
    """The ASCII input language: ``sigma(u)``, ``a .* b``, ``x .^ 2``, ``ones``."""

    def _print_Apply(self, node: el.Apply) -> str:
        return f"{node.function}({self.doprint(node.arg)})"

    def _print_Prime(self, node: Prime) -> str:
        return self.doprint(node.body)  # the input language has no σ′: its value reads back

    def _print_Hadamard(self, node: el.Hadamard) -> str:
        return " .* ".join(self.parenthesize(f, PREC_MUL + 1) for f in node.factors)

    def _print_Ones(self, node: el.Ones) -> str:
        return "ones"


def precedence(node: object) -> int | None:
    """The binding strength of an elementwise node, None for other nodes."""
    if isinstance(node, el.Hadamard):
        return PREC_MUL
    if isinstance(node, el.HadamardPower):
        return 30
    if isinstance(node, (*el.NODES, Prime)):
        return PREC_ATOM
    return None


CALLS = (el.Apply, el.Sum, el.Diag, el.LogSumExp, el.Softmax, Prime)
"""Nodes printed as a function call: their entries need no extra brackets (``σ(u)ᵢ``)."""
