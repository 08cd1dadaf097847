"""Long right-hand sides split at their top-level terms, so that no row of a proof runs off a
page or a terminal (``&\\quad + ...`` continuation rows); used by :mod:`documents.page`."""

from __future__ import annotations

from derive.calculus.proof import Formula as Node
from derive.documents.printer import sum_groups, unicode
from derive.ir import expr as ex
from derive.ir import index as ix


def _width(node: object, names: tuple[str, ...]) -> int:
    return len(unicode(node, names))


def split_terms(node: Node, names: tuple[str, ...], width: int) -> list[Node]:
    """Split a long sum into consecutive pieces, each at most ``width`` wide where possible.

    Terms that share their summation signs stay together (they print under one sign) unless
    that group alone is too wide. The pieces, added in order, are the sum itself.

    Args:
        node: A right-hand side.
        names: The symbol names, for printing.
        width: The widest piece wanted, in characters of the unicode print.

    Returns:
        The pieces; just ``[node]`` when it fits or cannot be split.
    """
    if _width(node, names) <= width:
        return [node]
    units = _units(node, names, width)
    if len(units) < 2:
        return [node]
    pieces: list[list[object]] = [[]]
    for unit in units:
        candidate = [*pieces[-1], *unit]
        if pieces[-1] and _width(_join(node, candidate), names) > width:
            pieces.append(list(unit))
        else:
            pieces[-1] = candidate
    return [_join(node, piece) for piece in pieces]


def _units(node: Node, names: tuple[str, ...], width: int) -> list[tuple[object, ...]]:
    """The parts a sum may be split between."""
    if isinstance(node, ex.Add):
        return [(term,) for term in node.terms]
    if not isinstance(node, ix.IndexSum):
        return []
    units: list[tuple[object, ...]] = []
    for group in sum_groups(node.terms):
        if len(group) > 1 and _width(ix.IndexSum(tuple(group), node.free), names) > width:
            units.extend((term,) for term in group)
        else:
            units.append(tuple(group))
    return units


def _join(node: Node, parts: list[object]) -> Node:
    """The sum of ``parts`` as a node of the same kind as ``node``."""
    if isinstance(node, ix.IndexSum):
        return ix.IndexSum(tuple(p for p in parts if isinstance(p, ix.Term)), node.free)
    terms = tuple(p for p in parts if isinstance(p, ex.Expr))
    return terms[0] if len(terms) == 1 else ex.Add(terms)
