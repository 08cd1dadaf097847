"""``derive.calculus.collect``: an index sum in, the same sum with like terms combined out.

Terms that differ only in the names of their dummy indices or the order of their factors are
the same term; powers of one scalar leaf fold; the value never changes.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from index_support import terms_text
from numpy.testing import assert_allclose
from oracle import value_of

from derive.calculus.collect import collect_terms, renames_to, same_up_to_renaming
from derive.ir import expr as ex
from derive.ir import index as ix

A = ex.Symbol("A", ex.Shape("n", "n"))
X = ex.Symbol("X", ex.Shape("n", "n"))
x = ex.Symbol("x", ex.Shape("n", 1))
s = ex.Symbol("s", ex.SCALAR)
DET = ex.Det(X)
IDX_I, IDX_K, IDX_L = (ix.Index(name, "n") for name in ("i", "k", "l"))
P, Q, R = (ix.Index(name, "n") for name in ("_0", "_1", "_2"))


def _term(coeff: int, sums: tuple[ix.Index, ...], *factors: ix.Factor) -> ix.Term:
    return ix.Term(Fraction(coeff), sums, factors)


COLLECTED = [
    ("renamed-dummies", (IDX_I,), [
        _term(1, (P,), ix.Entry(A, (IDX_I, P)), ix.Entry(x, (P,))),
        _term(1, (Q,), ix.Entry(A, (IDX_I, Q)), ix.Entry(x, (Q,))),
    ], ["2 Σj A[i,j] x[j]"]),
    ("reordered-factors", (IDX_I,), [
        _term(1, (P,), ix.Entry(A, (IDX_I, P)), ix.Entry(x, (P,))),
        _term(3, (Q,), ix.Entry(x, (Q,)), ix.Entry(A, (IDX_I, Q))),
    ], ["4 Σj A[i,j] x[j]"]),
    ("cancel", (IDX_K,), [
        _term(1, (), ix.Entry(x, (IDX_K,))),
        _term(-1, (), ix.Entry(x, (IDX_K,))),
    ], []),
    ("transposed-not-alike", (IDX_K,), [
        _term(1, (P,), ix.Entry(A, (IDX_K, P)), ix.Entry(x, (P,))),
        _term(1, (P,), ix.Entry(A, (P, IDX_K)), ix.Entry(x, (P,))),
    ], ["Σi A[k,i] x[i]", "Σi A[i,k] x[i]"]),
    ("two-dummies", (), [
        _term(1, (P, Q), ix.Entry(x, (P,)), ix.Entry(A, (P, Q)), ix.Entry(x, (Q,))),
        _term(1, (R, P), ix.Entry(x, (R,)), ix.Entry(A, (R, P)), ix.Entry(x, (P,))),
    ], ["2 Σi,j A[i,j] x[i] x[j]"]),  # factors in canonical order
    ("fold-powers", (), [
        _term(1, (), ix.Entry(s, ()), ix.Entry(s, ()), ix.Entry(ex.Power(s, -1), ())),
    ], ["s"]),
    ("fold-to-one", (IDX_K, IDX_L), [
        _term(1, (), ix.Entry(DET, ()), ix.Entry(ex.Power(DET, -1), ()),
              ix.Entry(ex.Inverse(X), (IDX_L, IDX_K))),
    ], ["inv(X)[l,k]"]),
    ("fold-square", (), [_term(1, (), ix.Entry(DET, ()), ix.Entry(DET, ()))], ["det(X)^2"]),
]  # fmt: skip


@pytest.mark.parametrize(("free", "terms", "expected"), [c[1:] for c in COLLECTED],
                         ids=[c[0] for c in COLLECTED])  # fmt: skip
def test_collect_terms(free: tuple[ix.Index, ...], terms: list[ix.Term], expected: list[str]) -> (
    None
):
    collected = collect_terms(ix.IndexSum(tuple(terms), free))
    assert terms_text(collected.terms) == expected
    assert collected.free == free


@pytest.mark.parametrize(("free", "terms", "expected"), [c[1:] for c in COLLECTED],
                         ids=[c[0] for c in COLLECTED])  # fmt: skip
def test_collect_keeps_the_value(
    free: tuple[ix.Index, ...], terms: list[ix.Term], expected: list[str]
) -> None:
    rng = np.random.default_rng(0)
    values = {"A": rng.standard_normal((3, 3)), "X": rng.standard_normal((3, 3)) + 3 * np.eye(3),
              "x": rng.standard_normal((3, 1)), "s": np.array([[1.7]])}  # fmt: skip
    before = ix.IndexSum(tuple(terms), free)
    after = collect_terms(before)
    sizes = {"n": 3}
    assert_allclose(value_of(after, values, sizes), value_of(before, values, sizes), atol=1e-12)


def test_collect_avoids_symbol_names_for_dummies() -> None:
    j = ix.Index("_0", "n")
    term = _term(1, (j,), ix.Entry(A, (IDX_I, j)), ix.Entry(x, (j,)))
    collected = collect_terms(ix.IndexSum((term,), (IDX_I,)), avoid=("j", "p"))
    assert terms_text(collected.terms) == ["Σq A[i,q] x[q]"]




def test_collect_renames_to_needs_as_many_dummies() -> None:
    """Σ_a A_ia x_a is no renaming of Σ_a,b A_ab x_b (one dummy against two), either way."""
    one = _term(1, (P,), ix.Entry(A, (IDX_I, P)), ix.Entry(x, (P,)))
    two = _term(1, (P, Q), ix.Entry(A, (P, Q)), ix.Entry(x, (Q,)))
    assert not renames_to(one, two)
    assert not renames_to(two, one)


D8 = tuple(ix.Index(f"d{n}", "n") for n in range(8))
E8 = tuple(ix.Index(f"e{n}", "n") for n in range(8))
M8 = tuple(ix.Index(f"m{n}", "m") for n in range(8))


def _spread(dummies: tuple[ix.Index, ...], a_indices: tuple[ix.Index, ix.Index]) -> ix.Term:
    """Σ over eight dummies of A[a_indices] x[d0] ... x[d7]."""
    return ix.Term(Fraction(1), dummies, (ix.Entry(A, a_indices),)
                   + tuple(ix.Entry(x, (d,)) for d in dummies))  # fmt: skip


@pytest.mark.parametrize(("a", "b", "expected"), [
    (_spread(D8, (IDX_I, D8[0])), _spread(E8, (IDX_I, E8[3])), True),
    (_spread(D8, (IDX_I, D8[0])), _spread(E8, (E8[0], IDX_I)), False),
    (_spread(D8, (IDX_I, D8[0])), _spread(M8, (IDX_I, M8[0])), False),
], ids=["renamed", "free-index-moved", "other-dimension"])  # fmt: skip
def test_collect_renames_to_past_seven_dummies_compares_patterns(
    a: ix.Term, b: ix.Term, expected: bool
) -> None:
    """Over seven dummies (8! renamings) the terms are compared by their factors with dummies
    blanked, free indices in place, and the dimensions summed over."""
    assert renames_to(a, b) is expected


def test_collect_renames_to_seven_dummies_tries_every_renaming() -> None:
    """Up to seven dummies every renaming is tried: a chain A_ab A_bc ... is no renaming of a
    star A_ab A_ac ..., though the two have the same factors with their dummies blanked."""
    d = D8[:7]
    chain = ix.Term(Fraction(1), d, tuple(ix.Entry(A, (d[n], d[n + 1])) for n in range(6))
                    + (ix.Entry(x, (d[6],)),))  # fmt: skip
    star = ix.Term(Fraction(1), d, tuple(ix.Entry(A, (d[0], d[n])) for n in range(1, 7))
                   + (ix.Entry(x, (d[0],)),))  # fmt: skip
    assert not renames_to(chain, star)
    assert renames_to(chain, chain)


def test_collect_same_up_to_renaming_pairs_every_term() -> None:
    """Each term must pair with its own renamed term: a missing term, an extra term or a term
    with no partner is not a renaming."""
    ax = _term(1, (P,), ix.Entry(A, (IDX_I, P)), ix.Entry(x, (P,)))
    ax_renamed = _term(1, (Q,), ix.Entry(x, (Q,)), ix.Entry(A, (IDX_I, Q)))
    xa = _term(1, (P,), ix.Entry(A, (P, IDX_I)), ix.Entry(x, (P,)))
    free = (IDX_I,)
    assert same_up_to_renaming(ix.IndexSum((ax, xa), free), ix.IndexSum((xa, ax_renamed), free))
    assert not same_up_to_renaming(ix.IndexSum((ax,), free), ix.IndexSum((ax, xa), free))
    assert not same_up_to_renaming(ix.IndexSum((ax, ax), free), ix.IndexSum((ax, xa), free))
    assert not same_up_to_renaming(ix.IndexSum((xa,), free), ix.IndexSum((ax_renamed,), free))


@pytest.mark.parametrize("dummy", ["b", "z"], ids=["b", "z"])
def test_collect_like_terms_with_one_base_twice(dummy: str) -> None:
    """Σ_ab A_ab A_ib x_a and Σ_ab A_ia A_ba x_b are one term renamed (a <-> b): the two A's
    are told apart by where the free index stands, whatever their order in the product and
    whatever the dummies are called."""
    a, b = ix.Index("a", "n"), ix.Index(dummy, "n")
    first = _term(1, (a, b), ix.Entry(A, (a, b)), ix.Entry(A, (IDX_I, b)), ix.Entry(x, (a,)))
    second = _term(1, (a, b), ix.Entry(A, (IDX_I, a)), ix.Entry(A, (b, a)), ix.Entry(x, (b,)))
    collected = collect_terms(ix.IndexSum((first, second), (IDX_I,)))
    assert terms_text(collected.terms) == ["2 Σj,p A[j,p] A[i,p] x[j]"]
