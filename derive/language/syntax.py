"""The untyped syntax tree the parser builds, before shapes are known.

Shape inference (``language.shapes``) turns it into the typed expression IR (``ir.expr``); the
syntax tree keeps the spans so that shape errors can point at the operation that fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from derive.errors import Span

CHAIN_OPS = frozenset({"add", "sub", "mul", "div"})


@dataclass(frozen=True, slots=True)
class Syntax:
    """One node of the syntax tree.

    Attributes:
        op: ``sym``, ``num``, ``add``, ``sub``, ``neg``, ``mul``, ``div``, ``transpose``,
            ``power``, ``inverse_transpose``, ``tr``, ``det``, ``log``, ``inv``, ``norm``, ``abs``
            (``|x|``: a norm, but not of a matrix, where it could mean the determinant).
        args: The operands.
        span: Where the node stands in the source.
        name: The symbol's name, for ``sym``.
        value: The number, for ``num``; the integer exponent, for ``power``.
        depth: How deeply the node nests, not counting the left operands of sums and products
            (shape inference walks those chains in a loop, so they cost no recursion).
    """

    op: str
    args: tuple[Syntax, ...]
    span: Span
    name: str = ""
    value: Fraction | None = None
    depth: int = 1

    @property
    def is_chain(self) -> bool:
        """Whether the node is a binary sum or product (``add``, ``sub``, ``mul``, ``div``)."""
        return self.op in CHAIN_OPS

    def describe(self, source: str) -> str:
        """Return the node's own text in the source, whitespace folded."""
        return " ".join(source[self.span.start : self.span.end].split())


def left_spine(node: Syntax) -> list[Syntax]:
    """The sums and products down the left operands of ``node``, innermost first.

    ``a + b - c`` is ``sub(add(a, b), c)``; its spine is ``[add, sub]``, so a loop can combine
    ``a`` with ``b`` and then with ``c`` without recursing once per term.
    """
    links: list[Syntax] = []
    while node.is_chain:
        links.append(node)
        node = node.args[0]
    links.reverse()
    return links
