"""Entrywise products read off index form: an index that occurs more than twice in a term.

A product of matrices uses each dummy index twice and each free index once. Entrywise
operations break that count: ``Σ_i a_i b_i c_i`` uses ``i`` three times, ``d_i x_i`` with ``i``
free twice. Before the product recogniser (:mod:`derive.calculus.recognise`) walks a term, this
module rewrites it until every index has its usual count, each rewrite an identity:

1. ``X_ii`` (both indices one) is ``diag(X)_i``;
2. two vectors on one index are one Hadamard product: ``a_i b_i = (a ∘ b)_i``;
3. two matrices on the same pair of indices likewise: ``A_ij B_ij = (A ∘ B)_ij``
   (``A_ij B_ji = (A ∘ Bᵀ)_ij``);
4. a vector on an index that still occurs too often becomes a diagonal matrix:
   ``v_i W_ik = Σ_j diag(v)_ij W_jk`` (``v_i δ_ij`` read backwards);
5. a free index that no factor carries is an index of the vector (or matrix) of ones, and so is
   a dummy index that occurs once (``Σ_i x_i = 1ᵀ x``).

So ``Σ_i a_i σ'(u)_i W_ik`` reads as ``(Wᵀ (a ∘ σ'(u)))_k`` and ``σ'(u)_i W_ik`` with ``i``
free as ``(diag(σ'(u)) W)_ik``, the two forms a lecturer writes.
"""

from __future__ import annotations

import itertools

from derive.ir import elementwise as el
from derive.ir import expr as ex
from derive.ir.index import Count, Entry, Factor, Index, Term, rename_factor

_fresh = itertools.count()


def merge_entrywise(term: Term, row: Index | None, col: Index | None) -> Term:
    """The same term with every index at its usual count (see the module docstring).

    Terminates because every rewrite lowers the total count of over-used indices or removes a
    missing or lonely index.
    """
    free = tuple(i for i in (row, col) if i is not None)
    if usual_counts(term, free):
        return term  # the common case: nothing below would change the term
    factors = list(term.factors)
    counts = _counts(factors)
    factors = [_diagonal(f, counts, free) for f in factors]
    sums = list(term.sums)
    coeff = term.coeff
    while (index := _overused(factors, free)) is not None:
        if not (_merge_vectors(factors, index) or _merge_matrices(factors, index, free)
                or _diagonal_chain(factors, sums, index, free)
                or _to_diag(factors, sums, index)):  # fmt: skip
            break  # only matrices: no matrix form; recognise says so
    counts = _counts(factors)
    for index in list(sums):
        if counts.get(index, 0) == 1:
            factors.append(Entry(el.Ones(ex.Shape(index.dim, 1)), (index,)))
        elif counts.get(index, 0) == 0:
            sums.remove(index)
            if isinstance(index.dim, int):
                coeff *= index.dim
            else:
                factors.append(Count(index.dim))
    missing = [i for i in free if counts.get(i, 0) == 0]
    for index in missing:  # a matrix of ones is 𝟏 𝟏ᵀ
        factors.append(Entry(el.Ones(ex.Shape(index.dim, 1)), (index,)))
    return Term(coeff, tuple(sums), tuple(factors))


def usual_counts(term: Term, free: tuple[Index, ...]) -> bool:
    """Whether every free index occurs once in the factors and every dummy twice.

    Counted by name (an index is equal to another of its name): the names' hashes are cached.
    """
    counts: dict[str, int] = {}
    for factor in term.factors:
        for index in factor.indices:
            counts[index.name] = counts.get(index.name, 0) + 1
    free_names = {i.name for i in free}
    sums = {i.name for i in term.sums}
    if any(counts.get(name, 0) != 1 for name in free_names):
        return False
    return all(counts.get(name, 0) == 2 for name in sums) and all(
        count <= 2 for name, count in counts.items() if name not in free_names)


def _counts(factors: list[Factor]) -> dict[Index, int]:
    counts: dict[Index, int] = {}
    for factor in factors:
        for index in factor.indices:
            counts[index] = counts.get(index, 0) + 1
    return counts


def _overused(factors: list[Factor], free: tuple[Index, ...]) -> Index | None:
    for index, count in _counts(factors).items():
        if count > (1 if index in free else 2):
            return index
    return None


def _diagonal(factor: Factor, counts: dict[Index, int], free: tuple[Index, ...]) -> Factor:
    """``X_ii`` -> ``diag(X)_i`` where ``i`` occurs too often (``Σ_i X_ii`` stays a trace)."""
    if isinstance(factor, Entry) and len(factor.indices) == 2 and \
            factor.indices[0] == factor.indices[1]:  # fmt: skip
        index = factor.indices[0]
        if counts[index] > (1 if index in free else 2):
            return Entry(el.Diag(factor.base), factor.indices[:1])
    return factor


def _column(entry: Entry) -> ex.Expr:
    base = entry.base
    return base if base.shape.cols == 1 else ex.transpose(base)


def _vectors(factors: list[Factor], index: Index) -> list[int]:
    return [n for n, f in enumerate(factors)
            if isinstance(f, Entry) and f.indices == (index,)]  # fmt: skip


def _merge_vectors(factors: list[Factor], index: Index) -> bool:
    """``a_i b_i`` -> ``(a ∘ b)_i``."""
    found = _vectors(factors, index)
    if len(found) < 2:
        return False
    first, second = (factors[n] for n in found[:2])
    assert isinstance(first, Entry) and isinstance(second, Entry)
    merged = Entry(el.hadamard(_column(first), _column(second)), (index,))
    factors[found[0]] = merged
    del factors[found[1]]
    return True


def _merge_matrices(factors: list[Factor], index: Index, free: tuple[Index, ...]) -> bool:
    """``A_ij B_ij`` -> ``(A ∘ B)_ij`` when both indices occur too often."""
    counts = _counts(factors)
    matrices = [n for n, f in enumerate(factors)
                if isinstance(f, Entry) and len(f.indices) == 2 and index in f.indices]
    for a, b in itertools.combinations(matrices, 2):
        first, second = factors[a], factors[b]
        assert isinstance(first, Entry) and isinstance(second, Entry)
        if set(first.indices) != set(second.indices):
            continue
        other = next(i for i in first.indices if i != index)
        if counts[other] <= (1 if other in free else 2):
            continue
        right = second.base if second.indices == first.indices else ex.transpose(second.base)
        factors[a] = Entry(el.hadamard(first.base, right), first.indices)
        del factors[b]
        return True
    return False


def _diagonal_chain(
    factors: list[Factor], sums: list[Index], index: Index, free: tuple[Index, ...]
) -> bool:
    """``Σ_q X_kq Y_qk`` -> ``diag(X Y)_k``: a closed walk from an over-used index to itself."""
    counts = _counts(factors)
    matrices = [n for n, f in enumerate(factors) if isinstance(f, Entry) and len(f.indices) == 2]
    for start in matrices:
        entry = factors[start]
        assert isinstance(entry, Entry)
        if index not in entry.indices or entry.indices[0] == entry.indices[1]:
            continue
        chain, used, here = [], [start], index
        while True:
            step = factors[used[-1]]
            assert isinstance(step, Entry)
            forward = step.indices[0] == here
            chain.append(step.base if forward else ex.transpose(step.base))
            here = step.indices[1] if forward else step.indices[0]
            if here == index or here in free or counts.get(here) != 2 or here not in sums:
                break
            following = [n for n in matrices if n not in used and here in factors[n].indices]
            if not following:
                break
            used.append(following[0])
        if here != index or len(used) < 2:
            continue
        inner = {i for n in used for i in factors[n].indices} - {index}
        factors[used[0]] = Entry(el.Diag(ex.mul(*chain)), (index,))
        for n in sorted(used[1:], reverse=True):
            del factors[n]
        sums[:] = [i for i in sums if i not in inner]
        return True
    return False


def _to_diag(factors: list[Factor], sums: list[Index], index: Index) -> bool:
    """``v_i W_ik`` -> ``Σ_j diag(v)_ij W_jk``: the vector's index handed on through a delta."""
    found = _vectors(factors, index)
    if not found:
        return False
    vector = factors[found[0]]
    assert isinstance(vector, Entry)
    others = [n for n, f in enumerate(factors) if n != found[0] and index in f.indices]
    target = max(others, key=lambda n: len(factors[n].indices))  # a matrix if there is one
    fresh = Index(f"_d{next(_fresh)}", index.dim)
    column = _column(vector)
    diagonal = ex.Identity(index.dim) if isinstance(column, el.Ones) else el.Diag(column)
    factors[found[0]] = Entry(diagonal, (index, fresh))
    factors[target] = rename_factor(factors[target], {index: fresh})
    sums.append(fresh)
    return True
