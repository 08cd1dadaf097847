"""``derive.ir.index``: matrix expressions in, index-form terms out; renaming and tidying.

The expansion is checked twice: its terms spelled out (the structure a reader sees in the proof),
and its value (the terms summed by ``einsum`` equal the matrix expression at random values).
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from index_support import SIZES, free_indices, random_values, term_text, terms_text
from numpy.testing import assert_allclose
from oracle import value_of

from derive.errors import LimitError
from derive.ir import expr as ex
from derive.ir import index as ix
from derive.language.frontend import parse

EXPANSIONS = [
    ("x' A x", (), ["Σ_0,_1 x[_0] A[_0,_1] x[_1]"]),
    ("A B", (), ["Σ_0 A[i,_0] B[_0,j]"]),
    ("A' x", (), ["Σ_0 A[_0,i] x[_0]"]),
    ("tr(A X B)", (), ["Σ_0,_1,_2 A[_0,_1] X[_1,_2] B[_2,_0]"]),
    ("X^3", (), ["Σ_0,_1 X[i,_0] X[_0,_1] X[_1,j]"]),
    ("norm(x)^2", (), ["Σ_0 x[_0] x[_0]"]),
    ("2 I + A", ("A: n x n",), ["2 δ[i,j]", "A[i,j]"]),
    ("(x' x) A", (), ["Σ_0 x[_0] x[_0] A[i,j]"]),
    ("tr(s A)", ("s: scalar",), ["Σ_0 s A[_0,_0]"]),
    ("s^2", ("s: scalar",), ["s s"]),
    ("det(X)", (), ["det(X)"]),
    ("inv(X)", (), ["inv(X)[i,j]"]),
    ("log(det(X))", (), ["log(det(X))"]),
    ("x - y", (), ["x[i]", "-1 y[i]"]),
    ("0 A", (), []),
]
IDS = [source for source, _, _ in EXPANSIONS]


@pytest.mark.parametrize(("source", "declare", "expected"), EXPANSIONS, ids=IDS)
def test_index_expansion_terms(source: str, declare: tuple[str, ...], expected: list[str]) -> None:
    expr = parse(source, declare).expr
    terms = ix.to_index(expr, *free_indices(expr.shape), ix.IndexNames())
    assert terms_text(terms) == expected


@pytest.mark.parametrize(("source", "declare", "expected"), EXPANSIONS, ids=IDS)
def test_index_expansion_has_the_value_of_the_expression(
    source: str, declare: tuple[str, ...], expected: list[str]
) -> None:
    problem = parse(source, declare)
    expr = problem.expr
    row, col = free_indices(expr.shape)
    terms = ix.to_index(expr, row, col, ix.IndexNames())
    free = tuple(i for i in (row, col) if i is not None)
    values = random_values(problem)
    entries = value_of(ix.IndexSum(tuple(terms), free), values, SIZES)
    assert_allclose(entries, value_of(expr, values, SIZES).reshape(entries.shape), rtol=1e-12,
                    atol=1e-12)  # fmt: skip


def test_index_defined_function_expands_its_body() -> None:
    expr = parse("A x", ()).expr
    i = ix.Index("i", "n")
    defined = ix.to_index(ex.Defined("y", expr), i, None, ix.IndexNames())
    assert defined == ix.to_index(expr, i, None, ix.IndexNames())


def test_index_names_are_fresh() -> None:
    names = ix.IndexNames()
    made = [names.fresh("n") for _ in range(5)]
    assert len({i.name for i in made}) == 5
    assert all(i.name.startswith("_") for i in made)


def test_index_multiply_distributes() -> None:
    a, b = ix.Index("a", "n"), ix.Index("b", "n")
    x = ex.Symbol("x", ex.Shape("n", 1))
    left = [ix.Term(Fraction(2), (a,), (ix.Entry(x, (a,)),)), ix.Term(Fraction(-1), (), ())]
    right = [ix.Term(Fraction(3), (b,), (ix.Entry(x, (b,)),))]
    assert terms_text(ix.multiply([left, right])) == ["6 Σa,b x[a] x[b]", "-3 Σb x[b]"]


def test_index_multiply_stops_past_the_limit() -> None:
    many = [ix.Term(Fraction(k), (), ()) for k in range(1, 50)]
    with pytest.raises(LimitError, match=f"grows past {ix.MAX_TERMS} terms"):
        ix.multiply([many, many])


def test_index_rename_reaches_every_factor() -> None:
    a, b, k = (ix.Index(name, "n") for name in ("a", "b", "k"))
    x = ex.Symbol("x", ex.Shape("n", 1))
    term = ix.Term(Fraction(1), (a,), (ix.Entry(x, (a,)), ix.Delta(a, k), ix.Count("n"),
                                       ix.Partial(ix.Entry(x, (a,)), x, (a,))))  # fmt: skip
    renamed = ix.rename(term, {a: b})
    assert term_text(renamed) == "Σb x[b] δ[b,k] #n ∂x[b]/∂x[b]"


TIDY = [
    # (sums, factors as (symbol, indices), free, avoid, expected)
    ((("_0",), (("A", ("i", "_0")), ("x", ("_0",))), ("i",), (), "Σj A[i,j] x[j]")),
    ((("_3", "_1"), (("x", ("_3",)), ("A", ("_3", "_1")), ("x", ("_1",))), (), (),
      "Σi,j x[i] A[i,j] x[j]")),
    ((("_0",), (("A", ("i", "_0")), ("x", ("_0",))), ("i",), ("j",), "Σp A[i,p] x[p]")),
    ((("a",), (("A", ("i", "a")), ("x", ("a",))), ("i",), (), "Σa A[i,a] x[a]")),
]


@pytest.mark.parametrize(("sums", "factors", "free", "avoid", "expected"), TIDY,
                         ids=["free-i", "two-dummies", "avoid-j", "named-kept"])  # fmt: skip
def test_index_tidy_names_dummies(
    sums: tuple[str, ...],
    factors: tuple[tuple[str, tuple[str, ...]], ...],
    free: tuple[str, ...],
    avoid: tuple[str, ...],
    expected: str,
) -> None:
    shapes = {"A": ex.Shape("n", "n"), "x": ex.Shape("n", 1)}
    index = {name: ix.Index(name, "n") for name in ("i", "a", "_0", "_1", "_3")}
    term = ix.Term(Fraction(1), tuple(index[s] for s in sums), tuple(
        ix.Entry(ex.Symbol(name, shapes[name]), tuple(index[i] for i in indices))
        for name, indices in factors))  # fmt: skip
    tidied = ix.tidy(ix.IndexSum((term,), tuple(index[f] for f in free)), avoid)
    assert terms_text(tidied.terms) == [expected]
