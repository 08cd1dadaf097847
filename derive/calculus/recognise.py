"""Back from index form to matrices: read each term's index graph.

In a term, a matrix entry ``a_ij`` is an edge from index ``i`` to index ``j``, a vector entry
``x_i`` ends a path at ``i``, a free index is an open end. Walking a path from free index ``k``
to free index ``l`` gives ``(chain)_kl`` (an edge walked backwards contributes a transpose); a
path from ``k`` that ends in a vector gives ``(chain v)_k``; a path with vectors at both ends is
a scalar ``u^T M v``; a closed cycle is a trace. Scalar leaves multiply the term.
"""

from __future__ import annotations

from typing import NamedTuple

from derive import budget
from derive.calculus.elementwise.entrywise import merge_entrywise
from derive.errors import UnsupportedError
from derive.ir import expr as ex
from derive.ir import order
from derive.ir.index import Count, Delta, Entry, Factor, Index, Term


class _Edge(NamedTuple):
    """A factor seen as an edge of the index graph: ``label`` is walked from ``row`` to ``col``.

    A vector entry is an edge with one open side (``None``): its label is a column vector. A
    named tuple, not an IR node: one is made for every factor of every term recognised, and a
    tuple is the cheapest to make.
    """

    label: ex.Expr
    row: Index | None
    col: Index | None


def _edge(factor: Factor) -> _Edge | None:
    """The factor as an edge, or None for a scalar leaf."""
    if isinstance(factor, Delta):
        return _Edge(ex.Identity(factor.i.dim), factor.i, factor.j)
    if not isinstance(factor, Entry) or not factor.indices:
        return None
    base = factor.base
    if len(factor.indices) == 2:
        return _Edge(base, factor.indices[0], factor.indices[1])
    column = base if base.shape.cols == 1 else ex.transpose(base)
    return _Edge(column, factor.indices[0], None)


def _scalar(factor: Factor) -> ex.Expr:
    if isinstance(factor, Count):
        return ex.Size(factor.dim) if isinstance(factor.dim, str) else ex.number(factor.dim)
    assert isinstance(factor, Entry)
    return factor.base


class _Graph:
    """The edges of one term, consumed as they are walked."""

    def __init__(self, edges: list[_Edge]) -> None:
        self.edges = edges
        self.used = [False] * len(edges)
        self.touching: dict[str, list[int]] = {}  # by name: an index equals another of its name
        for number, edge in enumerate(edges):
            for name in {i.name for i in (edge.row, edge.col) if i is not None}:
                self.touching.setdefault(name, []).append(number)

    def next_at(self, index: Index) -> tuple[int, _Edge] | None:
        for number in self.touching.get(index.name, ()):
            if not self.used[number]:
                return number, self.edges[number]
        return None

    def walk(self, start: Index) -> tuple[list[ex.Expr], Index | None]:
        """Follow edges from ``start``; return the chain and the index it stopped at.

        The chain reads left to right from ``start``; it stops at a vector end (None) or at an
        index with no unused edge left (a free index, or ``start`` again for a cycle).
        """
        chain: list[ex.Expr] = []
        here: Index | None = start
        while here is not None:
            found = self.next_at(here)
            if found is None:
                return chain, here
            number, edge = found
            self.used[number] = True
            if edge.row is not None and edge.row.name == here.name:
                chain.append(edge.label)
                here = edge.col
            else:
                chain.append(ex.transpose(edge.label))
                here = edge.row
        return chain, None


def term_to_matrix(term: Term, row: Index | None, col: Index | None) -> ex.Expr:
    """The matrix expression whose (row, col) entry is the term.

    Args:
        term: A contracted term: every dummy index occurs twice, every free index once.
        row: The free index that runs down the rows, or None for a row vector or scalar.
        col: The free index that runs along the columns, or None.

    Returns:
        The matrix, vector or scalar expression.

    Raises:
        UnsupportedError: The term has a pattern no matrix product expresses (a diagonal).
    """
    budget.check()
    term = merge_entrywise(term, row, col)
    _check_occurrences(term, row, col)
    edges = [_edge(f) for f in term.factors]  # once each: a factor is an edge or a scalar
    scalars = [_scalar(f) for f, e in zip(term.factors, edges, strict=True) if e is None]
    graph = _Graph([e for e in edges if e is not None])
    main = _main(graph, row, col)
    # paths between two vector ends first: a walk that starts inside such a path (at a matrix
    # entry) would mistake it for a cycle
    for open_ends in (True, False):
        for number, edge in enumerate(graph.edges):
            if graph.used[number] or ((edge.row is None or edge.col is None) != open_ends):
                continue
            scalars.append(_component(graph, number, edge))
    return ex.mul(ex.Number(term.coeff), *scalars, main)


def _main(graph: _Graph, row: Index | None, col: Index | None) -> ex.Expr:
    if row is None and col is None:
        return ex.number(1)
    if row is None:
        assert col is not None
        chain, end = graph.walk(col)
        return ex.transpose(ex.mul(*chain))
    chain, end = graph.walk(row)
    if end is None:
        left = ex.mul(*chain)
        if col is None:
            return left
        right_chain, _ = graph.walk(col)
        return ex.mul(left, ex.transpose(ex.mul(*right_chain)))
    if end != col:
        raise UnsupportedError("this term has no matrix form (an index is left dangling)")
    return ex.mul(*chain) if chain else ex.Identity(row.dim)


def _component(graph: _Graph, number: int, edge: _Edge) -> ex.Expr:
    """A scalar: a path between two vector ends (``u^T M v``) or a closed cycle (a trace)."""
    if edge.row is None or edge.col is None:
        open_end = edge.row if edge.row is not None else edge.col
        assert open_end is not None
        graph.used[number] = True
        first = edge.label
        chain, end = graph.walk(open_end)
        if end is not None:
            raise UnsupportedError("this term has no matrix form (an index is left dangling)")
        return canonical_scalar(ex.mul(ex.transpose(first), *chain))
    chain, end = graph.walk(edge.row)
    if end != edge.row:
        raise UnsupportedError("this term has no matrix form (an index is left dangling)")
    return canonical_trace(chain)


def canonical_scalar(product: ex.Expr) -> ex.Expr:
    """``u^T M v`` or its transpose ``v^T M^T u``, whichever reads more simply."""
    from derive.calculus.algebra import push_transpose

    flipped = push_transpose(ex.transpose(product))
    return min(product, flipped, key=_reading_cost)


def canonical_trace(chain: list[ex.Expr]) -> ex.Expr:
    """``tr(chain)`` in the simplest of its cyclic rotations and their transposes."""
    from derive.calculus.algebra import push_transpose

    candidates: list[ex.Expr] = []
    for shift in range(len(chain)):
        rotated = ex.mul(*chain[shift:], *chain[:shift])
        candidates.append(ex.Trace(rotated))
        candidates.append(ex.Trace(push_transpose(ex.transpose(rotated))))
    return min(candidates, key=_reading_cost)


def _reading_cost(node: ex.Expr) -> tuple[int, str]:
    return (order.transpose_count(node), order.key(node))


def _check_occurrences(term: Term, row: Index | None, col: Index | None) -> None:
    counts: dict[str, int] = {}  # by name: an index equals another of its name
    for factor in term.factors:
        for index in factor.indices:
            counts[index.name] = counts.get(index.name, 0) + 1
    ends = {i.name for i in (row, col) if i is not None}
    for name, count in counts.items():
        expected = 1 if name in ends else 2
        if count != expected:
            raise UnsupportedError(
                "this term has no matrix form: an index occurs "
                f"{count} times"
            )
