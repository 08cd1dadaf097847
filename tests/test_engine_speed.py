"""The helpers that made the engine faster (issue 14, round 4), each against what it replaced.

Every helper here stands in for a slower spelling of the same thing (``repr``, a comparison of
indices, a rebuilt node, a recursive search), so each test pins the helper to that spelling or
to the behaviour the engine needs from it. The proofs themselves are pinned by the goldens and
the engine tests, which did not change.
"""

from __future__ import annotations

import gc
from fractions import Fraction

import pytest
from index_support import term_text, terms_text

import derive
from derive.calculus import index_method
from derive.calculus.algebra import is_atom, map_inner, push_transpose
from derive.calculus.collect import (
    collect_terms,
    fold_powers,
    indices_text,
    outline,
    same_factors,
)
from derive.calculus.elementwise.entrywise import merge_entrywise, usual_counts
from derive.calculus.index_method import node_kinds
from derive.calculus.proof import Derivation
from derive.errors import UnsupportedError
from derive.ir import elementwise as el
from derive.ir import expr as ex
from derive.ir import index as ix
from derive.ir import order

A = ex.Symbol("A", ex.Shape("n", "n"))
B = ex.Symbol("B", ex.Shape("n", "n"))
X = ex.Symbol("X", ex.Shape("n", "n"))
x = ex.Symbol("x", ex.Shape("n", 1))
y = ex.Symbol("y", ex.Shape("n", 1))
s = ex.Symbol("s", ex.SCALAR)
IDX_I, IDX_J = ix.Index("i", "n"), ix.Index("j", "n")
P, Q, R = (ix.Index(name, "n") for name in ("_0", "_1", "_2"))


def _term(coeff: int, sums: tuple[ix.Index, ...], *factors: ix.Factor) -> ix.Term:
    return ix.Term(Fraction(coeff), sums, factors)


AX = _term(1, (P,), ix.Entry(A, (IDX_I, P)), ix.Entry(x, (P,)))
XA = _term(1, (P,), ix.Entry(x, (P,)), ix.Entry(A, (IDX_I, P)))


# -- derive.ir.index ------------------------------------------------------------------------


def test_speed_rename_by_name_renames_as_rename_does() -> None:
    """Keyed by the old names, the renaming reaches the sums and every kind of factor; a factor
    with nothing to rename comes back as the same object."""
    a, b, c, k = (ix.Index(name, "n") for name in ("a", "b", "c", "k"))
    untouched = ix.Entry(x, (k,))
    term = ix.Term(Fraction(1), (a, c), (ix.Entry(x, (a,)), ix.Delta(a, k), ix.Delta(k, c),
                                         ix.Count("n"), untouched,
                                         ix.Partial(ix.Entry(x, (c,)), x, (a,))))  # fmt: skip
    renamed = ix.rename_by_name(term, {"a": b, "c": a})
    assert term_text(renamed) == "Σb,a x[b] δ[b,k] δ[k,a] #n x[k] ∂x[a]/∂x[b]"
    assert renamed == ix.rename(term, {a: b, c: a})
    assert renamed.factors[4] is untouched
    assert ix.rename_by_name(term, {}) is term
    assert ix.rename_by_name(term, {"z": b}) == term


def test_speed_dummy_names_are_tidys() -> None:
    names = ix.dummy_names()
    assert [next(names) for _ in range(19)] == [*"ijpqrstuvwabcdegh", "i1", "i2"]


# -- derive.calculus.collect ----------------------------------------------------------------


@pytest.mark.parametrize("indices", [
    (), (IDX_I,), (IDX_I, P), (ix.Index("i10", 3), ix.Index("_2", "m"), ix.Index("k", 1)),
], ids=["none", "one", "two", "three-int-dims"])  # fmt: skip
def test_speed_indices_text_is_the_repr(indices: tuple[ix.Index, ...]) -> None:
    """The sort key of canonical factors is the repr of their indices, spelled out."""
    assert indices_text(indices) == repr(indices)


@pytest.mark.parametrize(("a", "b", "expected"), [
    ((AX,), (XA,), True),
    ((AX, XA), (XA, AX), True),
    ((AX,), (_term(1, (Q,), ix.Entry(x, (Q,)), ix.Entry(A, (IDX_I, Q))),), False),
    ((AX,), (_term(1, (P,), ix.Entry(X, (IDX_I, P)), ix.Entry(x, (P,))),), False),
    ((AX,), (_term(2, (P,), ix.Entry(x, (P,)), ix.Entry(A, (IDX_I, P))),), False),
    ((AX,), (AX, AX), False),
    ((AX, AX), (AX, XA), True),
    ((AX, AX), (AX, _term(1, (P,), ix.Entry(A, (P, IDX_I)), ix.Entry(x, (P,)))), False),
], ids=["reordered", "terms-swapped", "renamed", "other-base", "other-coefficient",
        "more-terms", "twice", "index-moved"])  # fmt: skip
def test_speed_same_factors(a: tuple[ix.Term, ...], b: tuple[ix.Term, ...],
                            expected: bool) -> None:  # fmt: skip
    """Only a reordering of factors or terms is the same; a renaming, another base, another
    coefficient or another term is not (the outlines alone cannot tell A from X)."""
    first, second = ix.IndexSum(a, (IDX_I,)), ix.IndexSum(b, (IDX_I,))
    assert same_factors(first, second) is expected
    assert same_factors(second, first) is expected


def test_speed_outline_ignores_the_order_of_factors() -> None:
    assert outline(AX) == outline(XA) == (Fraction(1), ["_0"], [("_0",), ("i", "_0")])
    assert outline(AX) != outline(_term(1, (P,), ix.Entry(A, (P, IDX_I)), ix.Entry(x, (P,))))


def test_speed_fold_powers_keeps_a_sum_with_nothing_to_fold() -> None:
    """Nothing to fold: the same object back, so that the engine sees at once that nothing
    changed; a power to fold: a new sum."""
    plain = ix.IndexSum((AX, XA), (IDX_I,))
    assert fold_powers(plain) is plain
    powers = ix.IndexSum((_term(1, (), ix.Entry(s, ()), ix.Entry(s, ())),), ())
    assert terms_text(fold_powers(powers).terms) == ["s^2"]


def test_speed_collect_does_not_combine_terms_whose_bases_only_share_a_key() -> None:
    """Sort keys put terms in buckets; inside one, only equal canonical forms combine. Two
    symbols called A of different shapes have one key and are different bases."""
    other = ex.Symbol("A", ex.Shape(3, 3))
    first = _term(1, (P,), ix.Entry(A, (IDX_I, P)), ix.Entry(x, (P,)))
    second = _term(1, (Q,), ix.Entry(other, (IDX_I, Q)), ix.Entry(x, (Q,)))
    third = _term(2, (R,), ix.Entry(x, (R,)), ix.Entry(A, (IDX_I, R)))
    collected = collect_terms(ix.IndexSum((first, second, third), (IDX_I,)))
    assert terms_text(collected.terms) == ["3 Σj A[i,j] x[j]", "Σj A[i,j] x[j]"]
    assert [f.base for f in collected.terms[1].factors][0] is other


# -- derive.calculus.elementwise.entrywise, derive.calculus.algebra --------------------------


def _e(base: ex.Expr, *indices: ix.Index) -> ix.Entry:
    return ix.Entry(base, indices)


@pytest.mark.parametrize(("term", "free", "expected"), [
    (_term(1, (P,), _e(A, IDX_I, P), _e(x, P)), (IDX_I,), True),
    (_term(1, (P,), _e(x, P), _e(y, P)), (), True),
    (_term(1, (), _e(x, IDX_I)), (IDX_I, IDX_J), False),
    (_term(1, (), _e(A, IDX_I, IDX_I)), (IDX_I,), False),
    (_term(1, (P,), _e(x, P)), (), False),
    (_term(1, (P,), _e(x, P), _e(y, P), _e(A, P, P)), (), False),
    (_term(1, (P, Q), _e(x, P), _e(y, P)), (), False),
], ids=["product", "inner", "free-missing", "free-twice", "dummy-once", "dummy-four-times",
        "dummy-unused"])  # fmt: skip
def test_speed_usual_counts(term: ix.Term, free: tuple[ix.Index, ...], expected: bool) -> None:
    """A term whose free indices occur once and dummies twice needs no entrywise rewrite, and
    merge_entrywise hands it back as it is; any other count is not usual."""
    assert usual_counts(term, free) is expected
    if expected:
        assert merge_entrywise(term, *(list(free) + [None, None])[:2]) is term


def test_speed_push_transpose_keeps_what_it_does_not_change() -> None:
    """A transposed leaf and a product of them come back as the same objects (nothing is
    rebuilt); a transposed product is pushed down, a transposed identity or number dropped."""
    leaf = ex.Transpose(A)
    product = ex.mul(leaf, ex.Transpose(B), x)
    assert push_transpose(leaf) is leaf
    assert push_transpose(product) is product
    assert push_transpose(ex.Transpose(ex.mul(A, B))) == ex.mul(ex.Transpose(B), leaf)
    assert push_transpose(ex.Transpose(ex.Identity("n"))) == ex.Identity("n")
    assert push_transpose(ex.Transpose(ex.Transpose(A))) == A
    assert push_transpose(ex.Transpose(s)) == s


def test_speed_is_atom_is_a_leaf_or_its_transpose() -> None:
    assert is_atom(A) and is_atom(ex.Transpose(A)) and is_atom(ex.Identity("n"))
    assert not is_atom(ex.Transpose(ex.mul(A, B)))
    assert not is_atom(ex.mul(A, B))
    assert not is_atom(ex.Trace(A))


def test_speed_map_inner_passes_only_compound_children() -> None:
    """Atoms are kept without a call; the node comes back as it is when nothing changed, and
    rebuilt around what changed."""
    seen: list[ex.Expr] = []

    def record(node: ex.Expr) -> ex.Expr:
        seen.append(node)
        return ex.Transpose(node) if isinstance(node, ex.Trace) else node

    product = ex.mul(ex.Transpose(A), ex.Trace(B), ex.add(A, B))
    assert map_inner(product, record) == ex.mul(ex.Transpose(A), ex.Transpose(ex.Trace(B)),
                                                ex.add(A, B))  # fmt: skip
    assert seen == [ex.Trace(B), ex.add(A, B)]
    plain = ex.mul(ex.Transpose(A), ex.add(A, B))
    assert map_inner(plain, lambda node: node) is plain


# -- derive.ir.expr -------------------------------------------------------------------------


def test_speed_shape_transpose_is_one_object_per_shape() -> None:
    shape = ex.Shape("m", "n")
    assert shape.T == ex.Shape("n", "m") and shape.T is shape.T
    assert shape.T.T == shape
    assert ex.SCALAR.T == ex.SCALAR


@pytest.mark.parametrize(("shapes", "expected"), [
    ((), ex.SCALAR),
    ((ex.SCALAR, ex.SCALAR), ex.SCALAR),
    ((ex.Shape("m", "n"),), ex.Shape("m", "n")),
    ((ex.SCALAR, ex.Shape("m", "n"), ex.SCALAR, ex.Shape("n", "p")), ex.Shape("m", "p")),
    ((ex.Shape(1, "n"), ex.Shape("n", 1), ex.Shape("n", "p")), ex.Shape("n", "p")),
    ((ex.Shape("n", 1), ex.Shape(1, "n")), ex.Shape("n", "n")),
], ids=["empty", "scalars", "one", "scalars-between", "running-scalar", "outer"])  # fmt: skip
def test_speed_product_shape(shapes: tuple[ex.Shape, ...], expected: ex.Shape) -> None:
    """1 x 1 factors act as scalars; a running 1 x 1 value (``u' v``) starts the chain anew."""
    assert ex.product_shape(shapes) == expected


def test_speed_mul_still_gives_a_zero_its_shape() -> None:
    """The product's shape is worked out only for a zero, which must carry it."""
    c = ex.Symbol("C", ex.Shape("n", "m"))
    assert ex.mul(A, ex.Zero(ex.Shape("n", "n")), c) == ex.Zero(ex.Shape("n", "m"))
    assert ex.mul(ex.number(0), ex.Transpose(x), c) == ex.Zero(ex.Shape(1, "m"))


# -- derive.calculus.index_method -----------------------------------------------------------


def test_speed_node_kinds_walks_every_node() -> None:
    """The recognise step's rules read the node types of its matrices off one walk: a trace
    deep inside a product, a transpose, an entrywise product, and nothing that is not there."""
    deep = ex.mul(A, ex.Trace(ex.mul(ex.Transpose(A), el.Hadamard((A, B)))))
    assert node_kinds(deep) == {ex.MatMul, ex.Symbol, ex.Trace, ex.Transpose, el.Hadamard}
    assert node_kinds(A) == {ex.Symbol}


def test_speed_pauses_the_cycle_collector_and_restores_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The collector is off while a proof is built (it holds no cycles) and back as it was
    afterwards: on if it was on, off if the caller had turned it off, on after an error."""
    seen: list[bool] = []
    original = index_method._Prover.run

    def run(self: index_method._Prover) -> Derivation:
        seen.append(gc.isenabled())
        if self.var.name == "y":
            raise UnsupportedError("stopped inside the proof")
        return original(self)

    monkeypatch.setattr(index_method._Prover, "run", run)
    assert gc.isenabled()
    derive.prove("x' A x", "x", verify=False)
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        derive.prove("x' A x", "x", verify=False)
    finally:
        still_off = not gc.isenabled()
        gc.enable()
    assert still_off
    with pytest.raises(UnsupportedError, match="stopped inside"):
        derive.prove("x' A y", "y", verify=False)
    assert gc.isenabled()


def test_speed_order_key_of_a_symbol_is_its_sort_key() -> None:
    """A symbol's key is read off its name without the cache; the cache serves the rest."""
    for node in (A, x, s, ex.Symbol("alpha_1", ex.SCALAR)):
        assert order.key(node) == order.sort_key(node) == node.name
    assert order.key(ex.Transpose(A)) == "A'"


def test_speed_symbol_hash_is_its_names() -> None:
    """Equal symbols hash alike; two symbols of one name and different shapes still differ."""
    same = ex.Symbol("A", ex.Shape("n", "n"))
    other = ex.Symbol("A", ex.Shape(3, 3))
    assert hash(same) == hash(A) and same == A
    assert {A: 1, other: 2} == {same: 1, ex.Symbol("A", ex.Shape(3, 3)): 2}
    assert len({A, same, other}) == 2
