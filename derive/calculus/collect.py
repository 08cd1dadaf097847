"""Collecting an index sum: powers of one scalar folded, dummies renamed canonically, like terms
combined.

Renaming dummy indices and reordering the factors of a product leave its value unchanged, so
terms that agree after a canonical renaming are equal and their coefficients add.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from derive import budget
from derive.ir import elementwise as el
from derive.ir import expr as ex
from derive.ir import index as ix
from derive.ir import order
from derive.ir.dispatch import Operation


def collect_terms(index_sum: ix.IndexSum, avoid: Iterable[str] = ()) -> ix.IndexSum:
    """Fold scalar powers, rename dummies canonically, combine like terms, drop zeros.

    The surviving terms' dummies then get readable names, as :func:`derive.ir.index.tidy`
    gives them; each factor is renamed once, from its own names to the readable ones.
    """
    free = {i.name for i in index_sum.free}
    # like terms: equal canonical forms. Terms are first put in buckets by their sort keys,
    # which equal canonical forms share; forms are compared only inside a bucket
    buckets: dict[tuple[str, ...], list[int]] = {}  # sort keys -> positions in forms
    forms: list[_Form] = []
    coeffs: list[Fraction] = []
    for term in index_sum.terms:
        budget.check()
        form = _canonical(_fold_powers(term), free)
        bucket = buckets.setdefault(form.keys, [])
        same = next((n for n in bucket if _exact(forms[n]) == _exact(form)), None)
        if same is None:
            bucket.append(len(forms))
            forms.append(form)
            coeffs.append(Fraction(0) + form.coeff)
        else:
            coeffs[same] += form.coeff
    taken = {i.name for i in index_sum.free} | set(avoid)
    terms = tuple(_readable(form, coeff, taken) for form, coeff in zip(forms, coeffs, strict=True)
                  if coeff != 0)  # fmt: skip
    return ix.IndexSum(terms, index_sum.free)


def fold_powers(index_sum: ix.IndexSum) -> ix.IndexSum:
    """Every term with its powers of one scalar folded (``s^-1 s = 1``, ``s s = s^2``).

    ``index_sum`` itself when no term has a scalar leaf to fold.
    """
    terms = tuple(_fold_powers(t) for t in index_sum.terms)
    if all(new is old for new, old in zip(terms, index_sum.terms, strict=True)):
        return index_sum
    return ix.IndexSum(terms, index_sum.free)


def same_factors(a: ix.IndexSum, b: ix.IndexSum) -> bool:
    """Whether ``b`` is ``a`` with only the factors of its terms (or the terms) reordered."""
    if a is b:
        return True
    if len(a.terms) != len(b.terms) or sorted(map(_sums_outline, a.terms)) != sorted(
            map(_sums_outline, b.terms)) or sorted(map(outline, a.terms)) != sorted(
            map(outline, b.terms)):  # fmt: skip
        return False  # cheap to compare, and equal whenever the full forms below are
    return sorted(map(_unordered, a.terms)) == sorted(map(_unordered, b.terms))


def _sums_outline(term: ix.Term) -> tuple[Fraction, list[str]]:
    return term.coeff, sorted(i.name for i in term.sums)


def outline(term: ix.Term) -> tuple[Fraction, list[str], list[tuple[str, ...]]]:
    """The coefficient, the names of the dummies and each factor's index names, in an order
    of their own: terms with the same factors in any order have the same outline."""
    return (term.coeff, sorted(i.name for i in term.sums),
            sorted(tuple(i.name for i in f.indices) for f in term.factors))  # fmt: skip


def same_up_to_renaming(a: ix.IndexSum, b: ix.IndexSum) -> bool:
    """Whether ``b`` is ``a`` with dummies renamed and factors reordered (no term combined).

    Each term of ``a`` must pair with its own term of ``b`` under some renaming of its dummies.
    """
    if len(a.terms) != len(b.terms):
        return False
    unpaired = list(b.terms)
    for term in a.terms:
        match = next((other for other in unpaired if renames_to(term, other)), None)
        if match is None:
            return False
        unpaired.remove(match)
    return True


_MAX_PERMUTED = 7  # 7! renamings; longer terms are compared by their canonical form only


def renames_to(a: ix.Term, b: ix.Term) -> bool:
    """Whether some renaming of ``a``'s dummies to ``b``'s makes the two terms equal."""
    if a.coeff != b.coeff or len(a.sums) != len(b.sums) or len(a.factors) != len(b.factors):
        return False
    target = _unordered(b)
    if len(a.sums) > _MAX_PERMUTED:  # the same factors up to the names of the dummies
        return _pattern(a) == _pattern(b)
    for image in itertools.permutations(b.sums):
        if all(i.dim == j.dim for i, j in zip(a.sums, image, strict=True)):
            renamed = ix.rename(a, dict(zip(a.sums, image, strict=True)))
            if _unordered(renamed) == target:
                return True
    return False


def _pattern(term: ix.Term) -> tuple[list[str], list[str]]:
    sums = {i.name for i in term.sums}
    free = {i.name for f in term.factors for i in f.indices} - sums
    return (sorted(_shape_key(f, free) for f in term.factors),
            sorted(str(i.dim) for i in term.sums))  # fmt: skip


def _unordered(term: ix.Term) -> tuple[Fraction, tuple[str, ...], tuple[str, ...]]:
    return (term.coeff, tuple(sorted(map(repr, term.sums))),
            tuple(sorted(map(repr, term.factors))))  # fmt: skip


def _fold_powers(term: ix.Term) -> ix.Term:
    """``s^-1 s = 1``, ``s s = s^2`` for scalar leaves that are not symbols' entries."""
    exponents: dict[ex.Expr, Fraction] = {}
    kept: list[ix.Factor] = []
    for factor in term.factors:
        if isinstance(factor, ix.Entry) and not factor.indices and foldable(factor.base):
            base, power = _split_power(factor.base)
            exponents[base] = exponents.get(base, Fraction(0)) + power
        else:
            kept.append(factor)
    if not exponents:
        return term
    for base, power in exponents.items():
        if power != 0:
            kept.append(ix.Entry(el.hadamard_power(base, power), ()))
    return ix.Term(term.coeff, term.sums, tuple(kept))


foldable: Operation[bool] = Operation("derive.calculus.collect.foldable")
"""``foldable(base)``: whether equal scalar leaves of this type fold into one power.

Symbols and the scalar functions of a matrix fold (``det(X) det(X)^-1 = 1``); the other node
types are expanded in index form before they could stand as a scalar leaf, or must stay apart.
"""
foldable.update({node_type: lambda base: True
                 for node_type in (ex.Det, ex.Log, ex.Norm, ex.Power, ex.Symbol)})
foldable.update({node_type: lambda base: False
                 for node_type in (ex.Number, ex.Identity, ex.Zero, ex.Size, ex.Add, ex.MatMul,
                                   ex.Transpose, ex.Inverse, ex.Trace, ex.Jacobian, ex.Defined,
                                   ex.Derivative)})


def _split_power(base: ex.Expr) -> tuple[ex.Expr, Fraction]:
    """``s^p`` as (s, p); rational powers of scalars (``‖x‖^(1/2)``) fold with integer ones."""
    if isinstance(base, ex.Power | el.HadamardPower):
        return base.base, Fraction(base.exponent)
    return base, Fraction(1)


def _base_key(base: ex.Expr) -> str:
    return order.key(base)


def _shape_key(factor: ix.Factor, free: set[str]) -> str:
    """A sort key that ignores the names of dummy indices (``free``: the free indices' names)."""
    pattern = ",".join([i.name if i.name in free else "*" for i in factor.indices])
    if isinstance(factor, ix.Entry):
        return f"0{_base_key(factor.base)}[{pattern}]"
    if isinstance(factor, ix.Delta):
        return f"1delta[{pattern}]"
    return f"2{type(factor).__name__}[{pattern}]"


def indices_text(indices: tuple[ix.Index, ...]) -> str:
    """``repr(indices)``, spelled out here: the dataclass ``repr`` guards every call against
    recursion, which made it the costliest part of sorting factors."""
    parts = [f"Index(name={i.name!r}, dim={i.dim!r})" for i in indices]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


@dataclass(frozen=True, slots=True)
class _Form:
    """A term's canonical form, kept as its own factors in canonical order and the renaming
    of its dummies to ``_0, _1, ...`` (applied only when two forms must be compared)."""

    coeff: Fraction
    keys: tuple[str, ...]  # the factors' sort keys, in order
    factors: tuple[ix.Factor, ...]  # the term's own factors, in canonical order
    renaming: dict[str, ix.Index]  # a dummy's name -> its canonical index
    sums: tuple[str, ...]  # the dummies' own names, in canonical order


def _exact(form: _Form) -> tuple[tuple[str, ...], tuple[ix.Factor, ...]]:
    """The canonical term itself: its dummies and its renamed factors."""
    renaming = form.renaming
    return (tuple(renaming[name].name for name in form.sums),
            tuple(ix.rename_factor_by_name(f, renaming) for f in form.factors))  # fmt: skip


def _canonical(term: ix.Term, free: set[str]) -> _Form:
    """Factors sorted, dummies renamed ``_0, _1, ...`` in order of appearance.

    ``free`` holds the free indices' names (an index is equal to another of its name).
    """
    # a factor's shape key ignores the dummies' names, so renaming them keeps it: one key each
    keyed = sorted(((_shape_key(f, free), f) for f in term.factors), key=lambda kf: kf[0])
    sums = {i.name for i in term.sums}
    mapping: dict[str, ix.Index] = {}
    for _, factor in keyed:
        for index in factor.indices:
            if index.name in sums and index.name not in mapping:
                mapping[index.name] = ix.Index(f"_{len(mapping)}", index.dim)
    for index in term.sums:
        if index.name not in mapping:
            mapping[index.name] = ix.Index(f"_{len(mapping)}", index.dim)
    ordered = sorted(((key + indices_text(tuple(mapping.get(i.name, i) for i in f.indices)), f)
                      for key, f in keyed), key=lambda kf: kf[0])  # fmt: skip
    dummies = sorted((i.name for i in term.sums), key=lambda name: int(mapping[name].name[1:]))
    return _Form(term.coeff, tuple(k for k, _ in ordered), tuple(f for _, f in ordered),
                 mapping, tuple(dummies))  # fmt: skip


def _readable(form: _Form, coeff: Fraction, taken: set[str]) -> ix.Term:
    """The canonical term with its dummies named i, j, p, ... in order of appearance, as
    :func:`derive.ir.index.tidy` names the machine-made ``_0, _1, ...``."""
    budget.check()
    renaming = form.renaming
    occurrences = [i for f in form.factors for i in f.indices]
    used = taken | {i.name for i in occurrences if i.name not in renaming}
    pool = (name for name in ix.dummy_names() if name not in used)
    readable: dict[str, ix.Index] = {}
    for name in itertools.chain((i.name for i in occurrences), form.sums):
        if name in renaming and name not in readable:
            readable[name] = ix.Index(next(pool), renaming[name].dim)
    return ix.Term(coeff, tuple(readable[name] for name in form.sums),
                   tuple(ix.rename_factor_by_name(f, readable) for f in form.factors))
