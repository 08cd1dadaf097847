"""The untyped syntax tree the parser builds, before shapes are known.

Shape inference (``derive.shapes``) turns it into the typed expression IR (``derive.expr``); the
syntax tree keeps the spans so that shape errors can point at the operation that fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from derive.errors import Span


@dataclass(frozen=True, slots=True)
class Syntax:
    """One node of the syntax tree.

    Attributes:
        op: ``sym``, ``num``, ``add``, ``sub``, ``neg``, ``mul``, ``div``, ``transpose``,
            ``power``, ``inverse_transpose``, ``tr``, ``det``, ``log``, ``inv``, ``norm``.
        args: The operands.
        span: Where the node stands in the source.
        name: The symbol's name, for ``sym``.
        value: The number, for ``num``; the integer exponent, for ``power``.
    """

    op: str
    args: tuple[Syntax, ...]
    span: Span
    name: str = ""
    value: Fraction | None = None

    def describe(self, source: str) -> str:
        """Return the node's own text in the source, whitespace folded."""
        return " ".join(source[self.span.start : self.span.end].split())
