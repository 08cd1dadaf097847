"""The index IR: sums of products of entries, Kronecker deltas and scalar leaves.

A term is a rational coefficient times a product of factors, summed over its dummy indices.
Expansion into index form is structural: ``(A B)_ij = sum_k a_ik b_kj``, ``(A^T)_ij = a_ji``,
``tr(A) = sum_i a_ii``. Inverses, determinants, logarithms and norms of composite expressions stay
leaves whose derivatives reach inside them (``derive.calculus.differentiate``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction

from derive import budget
from derive.errors import LimitError
from derive.ir import expr as ex
from derive.ir.dispatch import Operation


@dataclass(frozen=True, slots=True, order=True)
class Index:
    """An index name with its range 1..dim."""

    name: str
    dim: ex.Dim = field(compare=False)


@dataclass(frozen=True, slots=True)
class Entry:
    """An entry of a matrix expression: ``a_ij``, ``x_i``, ``(X^-1)_ij``, or a scalar leaf.

    ``indices`` address the base's non-unit axes in order: two for a matrix, one for a column or
    row vector, none for a scalar (``det X``, ``alpha``).
    """

    base: ex.Expr
    indices: tuple[Index, ...]


@dataclass(frozen=True, slots=True)
class Delta:
    """The Kronecker delta ``delta_ij``."""

    i: Index
    j: Index

    @property
    def indices(self) -> tuple[Index, ...]:
        """Both indices."""
        return (self.i, self.j)


@dataclass(frozen=True, slots=True)
class Count:
    """The number ``dim``: what ``sum_i delta_ii`` contracts to."""

    dim: ex.Dim

    @property
    def indices(self) -> tuple[Index, ...]:
        """No indices."""
        return ()


@dataclass(frozen=True, slots=True)
class Partial:
    """``d entry / d wrt_{indices}``: a derivative not yet worked out."""

    entry: Entry | Partial
    wrt: ex.Symbol
    wrt_indices: tuple[Index, ...]

    @property
    def indices(self) -> tuple[Index, ...]:
        """The entry's indices followed by the variable's."""
        return self.entry.indices + self.wrt_indices


Factor = Entry | Delta | Count | Partial
FACTOR_TYPES = (Entry, Delta, Count, Partial)


@dataclass(frozen=True, slots=True)
class Term:
    """``coeff * sum_{sums} prod(factors)``."""

    coeff: Fraction
    sums: tuple[Index, ...]
    factors: tuple[Factor, ...]


@dataclass(frozen=True, slots=True)
class IndexSum:
    """A sum of terms with the given free indices (their order is the evaluation order)."""

    terms: tuple[Term, ...]
    free: tuple[Index, ...]


class IndexNames:
    """Hands out fresh index names; display names are chosen later by :func:`tidy`."""

    def __init__(self) -> None:
        self._counter = itertools.count()

    def fresh(self, dim: ex.Dim) -> Index:
        """A new index that no other index shares."""
        return Index(f"_{next(self._counter)}", dim)


# -- expansion ------------------------------------------------------------------------------


to_index: Operation[list[Term]] = Operation("derive.ir.index.to_index")
"""``to_index(node, row, col, names)``: the terms of ``node``'s entry (row, col).

``row`` (``col``) is None when the node has one row (column); ``names`` hands out fresh dummy
indices. One entry per node type below.
"""


def _indices(row: Index | None, col: Index | None) -> tuple[Index, ...]:
    return tuple(i for i in (row, col) if i is not None)


def row_col(shape: ex.Shape, indices: tuple[Index, ...]) -> tuple[Index | None, Index | None]:
    """The (row, col) indices of an entry from the indices of its non-unit axes (the inverse
    of listing the row and column indices that are not None)."""
    if shape.is_scalar:
        return None, None
    if shape.is_column:
        return indices[0], None
    if shape.is_row:
        return None, indices[0]
    return indices[0], indices[1]


@to_index.register(ex.Symbol, ex.Jacobian, ex.Inverse, ex.Log, ex.Norm, ex.Size, ex.Derivative)
def _leaf(node: ex.Expr, row: Index | None, col: Index | None, names: IndexNames) -> list[Term]:
    """An entry of its own: a derivative reaches inside it later, if at all."""
    return [Term(Fraction(1), (), (Entry(node, _indices(row, col)),))]


@to_index.register(ex.Number)
def _number(node: ex.Number, row: Index | None, col: Index | None, names: IndexNames) -> (
    list[Term]
):
    return [Term(node.value, (), ())]


@to_index.register(ex.Zero)
def _zero(node: ex.Zero, row: Index | None, col: Index | None, names: IndexNames) -> list[Term]:
    return []


@to_index.register(ex.Identity)
def _identity(node: ex.Identity, row: Index | None, col: Index | None, names: IndexNames) -> (
    list[Term]
):
    assert row is not None and col is not None
    return [Term(Fraction(1), (), (Delta(row, col),))]


@to_index.register(ex.Defined)
def _defined(node: ex.Defined, row: Index | None, col: Index | None, names: IndexNames) -> (
    list[Term]
):
    return to_index(node.body, row, col, names)


@to_index.register(ex.Add)
def _sum(node: ex.Add, row: Index | None, col: Index | None, names: IndexNames) -> list[Term]:
    return [t for term in node.terms for t in to_index(term, row, col, names)]


@to_index.register(ex.MatMul)
def _product(node: ex.MatMul, row: Index | None, col: Index | None, names: IndexNames) -> (
    list[Term]
):
    return _expand_product(node.factors, row, col, names)


@to_index.register(ex.Transpose)
def _transpose(node: ex.Transpose, row: Index | None, col: Index | None, names: IndexNames) -> (
    list[Term]
):
    return to_index(node.arg, col, row, names)


@to_index.register(ex.Trace)
def _trace(node: ex.Trace, row: Index | None, col: Index | None, names: IndexNames) -> (
    list[Term]
):
    if node.arg.shape.is_scalar:
        return to_index(node.arg, None, None, names)
    i = names.fresh(node.arg.shape.rows)
    return [_with_sums(t, (i,)) for t in to_index(node.arg, i, i, names)]


@to_index.register(ex.Det)
def _det(node: ex.Det, row: Index | None, col: Index | None, names: IndexNames) -> list[Term]:
    if node.arg.shape.is_scalar:
        return to_index(node.arg, None, None, names)
    return _leaf(node, row, col, names)


@to_index.register(ex.Power)
def _expand_power(node: ex.Power, row: Index | None, col: Index | None, names: IndexNames) -> (
    list[Term]
):
    base, k = node.base, node.exponent
    if isinstance(base, ex.Norm) and k % 2 == 0 and k > 0 and not base.arg.shape.is_scalar:
        # ||M||^2 = sum_ab m_ab m_ab: no square root, so no division by the norm
        squared = ex.Trace(ex.mul(ex.transpose(base.arg), base.arg))
        return _expand_product((squared,) * (k // 2), None, None, names)
    if k >= 2 and not base.shape.is_scalar:
        return _expand_product((base,) * k, row, col, names)
    if k >= 2:
        return _expand_product((base,) * k, None, None, names)
    return [Term(Fraction(1), (), (Entry(node, ()),))]


def _with_sums(term: Term, sums: tuple[Index, ...]) -> Term:
    return Term(term.coeff, sums + term.sums, term.factors)


def _expand_product(
    factors: Iterable[ex.Expr], row: Index | None, col: Index | None, names: IndexNames
) -> list[Term]:
    """Expand a product whose 1 x 1 factors act as scalars, as :func:`expr.product_shape` folds."""
    segments: list[list[ex.Expr]] = [[]]
    scalars: list[ex.Expr] = []
    acc = ex.SCALAR
    for factor in factors:
        if factor.shape.is_scalar:
            scalars.append(factor)
            continue
        if acc.is_scalar and segments[-1]:
            segments.append([])
        segments[-1].append(factor)
        acc = factor.shape if acc.is_scalar else ex.Shape(acc.rows, factor.shape.cols)
    parts: list[list[Term]] = [to_index(s, None, None, names) for s in scalars]
    for number, segment in enumerate(segments):
        last = number == len(segments) - 1
        parts.extend(_expand_chain(segment, row if last else None, col if last else None, names))
    return multiply(parts)


def _expand_chain(
    chain: list[ex.Expr], row: Index | None, col: Index | None, names: IndexNames
) -> list[list[Term]]:
    parts: list[list[Term]] = []
    sums: list[Index] = []
    left = row
    for position, factor in enumerate(chain):
        if position == len(chain) - 1:
            right = col
        elif factor.shape.cols == 1:
            right = None
        else:
            right = names.fresh(factor.shape.cols)
            sums.append(right)
        parts.append(to_index(factor, left, right, names))
        left = right
    if sums:
        parts.insert(0, [Term(Fraction(1), tuple(sums), ())])
    return parts


# Terms any stage may hold. Every term costs about a millisecond in each later stage and more
# in verification, so past this a derivation would run for minutes: stop with a clear error.
MAX_TERMS = 2000


def multiply(parts: Iterable[list[Term]]) -> list[Term]:
    """Distribute a product of sums of terms into one sum of terms.

    Raises:
        LimitError: The product would have more than :data:`MAX_TERMS` terms.
    """
    result = [Term(Fraction(1), (), ())]
    for part in parts:
        if len(result) * len(part) > MAX_TERMS:
            raise LimitError(
                f"the index form grows past {MAX_TERMS} terms; derive stops here rather than run"
                " for a long time (simplify the expression or split it)"
            )
        result = [
            Term(a.coeff * b.coeff, a.sums + b.sums, a.factors + b.factors)
            for a in result
            for b in part
        ]
    return result


# -- renaming -------------------------------------------------------------------------------


rename_factor: Operation[Factor] = Operation("derive.ir.index.rename_factor", "factor")
"""``rename_factor(factor, mapping)``: apply an index renaming to one factor."""


def _renamed(indices: tuple[Index, ...], mapping: Mapping[Index, Index]) -> tuple[Index, ...]:
    return tuple(mapping.get(i, i) for i in indices)


@rename_factor.register(Entry)
def _rename_entry(factor: Entry, mapping: Mapping[Index, Index]) -> Factor:
    return Entry(factor.base, _renamed(factor.indices, mapping))


@rename_factor.register(Delta)
def _rename_delta(factor: Delta, mapping: Mapping[Index, Index]) -> Factor:
    return Delta(mapping.get(factor.i, factor.i), mapping.get(factor.j, factor.j))


@rename_factor.register(Partial)
def _rename_partial(factor: Partial, mapping: Mapping[Index, Index]) -> Factor:
    entry = rename_factor(factor.entry, mapping)
    assert isinstance(entry, Entry | Partial)
    return Partial(entry, factor.wrt, _renamed(factor.wrt_indices, mapping))


@rename_factor.register(Count)
def _rename_count(factor: Count, mapping: Mapping[Index, Index]) -> Factor:
    return factor


def rename(term: Term, mapping: Mapping[Index, Index]) -> Term:
    """Apply an index renaming to a term (its sums and its factors)."""
    # indices are equal when their names are, so a lookup by name is the same lookup, and a
    # string's hash is cached where an Index's is computed in Python on every lookup
    return rename_by_name(term, {old.name: new for old, new in mapping.items()})


def rename_by_name(term: Term, by_name: Mapping[str, Index]) -> Term:
    """:func:`rename` with the renaming keyed by the old indices' names."""
    if not by_name:
        return term
    sums = tuple(by_name.get(i.name, i) for i in term.sums)
    return Term(term.coeff, sums, tuple(rename_factor_by_name(f, by_name)
                                        for f in term.factors))  # fmt: skip


def rename_factor_by_name(factor: Factor, by_name: Mapping[str, Index]) -> Factor:
    """One factor renamed; a factor none of whose indices is renamed is returned as it is."""
    if type(factor) is Entry:
        if not any(i.name in by_name for i in factor.indices):
            return factor
        return Entry(factor.base, tuple(by_name.get(i.name, i) for i in factor.indices))
    if type(factor) is Delta:
        i, j = factor.i, factor.j
        if i.name not in by_name and j.name not in by_name:
            return factor
        return Delta(by_name.get(i.name, i), by_name.get(j.name, j))
    return rename_factor(factor, {Index(name, new.dim): new for name, new in by_name.items()})


def factor_indices(factors: Iterable[Factor]) -> Iterator[Index]:
    """Every index occurrence in the factors, in order."""
    for factor in factors:
        yield from factor.indices


_DUMMY_POOL = ("i", "j", "p", "q", "r", "s", "t", "u", "v", "w", "a", "b", "c", "d", "e", "g", "h")


def tidy(index_sum: IndexSum, avoid: Iterable[str] = (), *, everything: bool = False) -> IndexSum:
    """Give dummy indices readable names (i, j, p, ...) in order of appearance.

    Only machine-made names (``_3``) are renamed unless ``everything`` is set; free indices and
    names in ``avoid`` (symbol names) are never used for a dummy. Renaming a dummy index does not
    change a term's value, so the result equals the original.
    """
    taken = {i.name for i in index_sum.free} | set(avoid)
    terms = tuple(_tidy_term(t, taken, everything) for t in index_sum.terms)
    return replace(index_sum, terms=terms)


def _tidy_term(term: Term, taken: set[str], everything: bool) -> Term:
    budget.check()
    # by name: indices are equal when their names are
    renamed = {i.name for i in term.sums if everything or i.name.startswith("_")}
    occurrences = list(itertools.chain(factor_indices(term.factors), term.sums))
    used = taken | {i.name for i in occurrences if i.name not in renamed}
    pool = (name for name in _pool() if name not in used)
    mapping: dict[str, Index] = {}
    for index in occurrences:
        if index.name in renamed and index.name not in mapping:
            mapping[index.name] = Index(next(pool), index.dim)
    return rename_by_name(term, mapping)


def dummy_names() -> Iterator[str]:
    """The names :func:`tidy` gives dummies, in order: i, j, p, q, ..., then i1, i2, ..."""
    return _pool()


def _pool() -> Iterator[str]:
    yield from _DUMMY_POOL
    for number in itertools.count(1):
        yield f"i{number}"
