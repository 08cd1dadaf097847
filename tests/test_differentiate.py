"""``derive.calculus.differentiate``: index terms in, differentiated index terms out.

Each basic derivative is checked as the terms a reader sees and by value: the worked-out terms
agree with central differences of the marked derivative they replace.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from index_support import SIZES, free_indices, random_values, term_text, terms_text
from numpy.testing import assert_allclose
from oracle import value_of

from derive.calculus.differentiate import (
    Context,
    contract,
    depends,
    derivative,
    entry_derivative,
    expand_partials,
    is_compound_partial,
    is_function_partial,
    partial_value,
    product_meets,
    product_rule,
    work_out,
)
from derive.errors import LimitError, UnsupportedError
from derive.ir import expr as ex
from derive.ir import index as ix
from derive.language.frontend import parse


def _context(source: str, wrt: str, declare: tuple[str, ...] = (), **limits: int) -> tuple[
    ex.Expr, Context
]:
    problem = parse(source, declare, wrt=wrt)
    return problem.expr, Context(problem.symbol(wrt), problem.symbols, ix.IndexNames(), **limits)


DEPENDS = [
    ("A x", "x", (), True),
    ("A x", "A", (), True),
    ("A y", "x", ("x: n",), False),
    ("tr(inv(X))", "X", (), True),
    ("y' y", "z", ("y: n, depends on z", "z: m"), True),
    ("s", "x", ("s: scalar", "x: n"), False),
]


@pytest.mark.parametrize(("source", "wrt", "declare", "expected"), DEPENDS,
                         ids=[f"{s}-by-{w}" for s, w, _, _ in DEPENDS])  # fmt: skip
def test_differentiate_depends(
    source: str, wrt: str, declare: tuple[str, ...], expected: bool
) -> None:
    expr, ctx = _context(source, wrt, declare)
    assert depends(expr, ctx) is expected


def test_differentiate_depends_refuses_a_second_derivative_through_a_dependency() -> None:
    _, ctx = _context("y", "z", ("y: n, depends on z", "z: m"))
    jacobian = ex.Jacobian(ex.Symbol("y", ex.Shape("n", 1)), ctx.wrt)
    with pytest.raises(UnsupportedError, match="second derivatives through the declared"):
        depends(jacobian, ctx)


def test_differentiate_product_rule_marks_each_varying_factor() -> None:
    expr, ctx = _context("x' A x", "x")
    (term,) = ix.to_index(expr, None, None, ctx.names)
    k = (ix.Index("k", "n"),)
    assert terms_text(product_rule(term, k, ctx)) == [
        "Σ_0,_1 ∂x[_0]/∂x[k] A[_0,_1] x[_1]",
        "Σ_0,_1 x[_0] A[_0,_1] ∂x[_1]/∂x[k]",
    ]


def test_differentiate_work_out_replaces_marks_by_basic_derivatives() -> None:
    expr, ctx = _context("x' A x", "x")
    (term,) = ix.to_index(expr, None, None, ctx.names)
    marked = product_rule(term, (ix.Index("k", "n"),), ctx)
    assert terms_text(work_out(marked, ctx)) == [
        "Σ_0,_1 δ[_0,k] A[_0,_1] x[_1]",
        "Σ_0,_1 x[_0] A[_0,_1] δ[_1,k]",
    ]


def test_differentiate_work_out_stops_past_the_limit() -> None:
    expr, ctx = _context("x' A x", "x", max_terms=1)
    (term,) = ix.to_index(expr, None, None, ctx.names)
    marked = product_rule(term, (ix.Index("k", "n"),), ctx)
    with pytest.raises(LimitError) as error:
        work_out(marked, ctx)
    assert str(error.value) == (
        "the derivation grows past 1 terms; derive stops here rather than run for a long time"
        " (simplify the expression or split it)"
    )


def test_differentiate_work_out_holds_exactly_the_limit() -> None:
    expr, ctx = _context("x' A x", "x", max_terms=2)
    (term,) = ix.to_index(expr, None, None, ctx.names)
    marked = product_rule(term, (ix.Index("k", "n"),), ctx)
    assert len(work_out(marked, ctx)) == 2  # two terms under a limit of two: no error


DERIVATIVES = [
    ("x", "x", (), ["δ[i,k]"]),
    ("A x", "x", (), ["A[i,k]"]),
    ("x' x", "x", (), ["x[k]", "x[k]"]),
    ("x' A x", "x", (), ["Σ_1 A[k,_1] x[_1]", "Σ_0 x[_0] A[_0,k]"]),
    ("det(X)", "X", (), ["det(X) inv(X)[l,k]"]),
    ("inv(X)", "X", (), ["-1 inv(X)[i,k] inv(X)[l,j]"]),
    ("log(s)", "s", ("s: scalar",), ["s^-1"]),
    ("s^3", "s", ("s: scalar",), ["s s", "s s", "s s"]),
    ("norm(x)", "x", (), ["norm(x)^-1 x[k]"]),
    # a row vector's norm sums over its columns only; a matrix with 2 rows sums over both axes
    ("norm(x')", "x", (), ["norm(x')^-1 x[k]"]),
    ("norm(X)", "X", ("X: 2 x 3",), ["norm(X)^-1 X[k,l]"]),
    ("norm(x)^-1", "x", (), ["-1 norm(x)^-3 x[k]"]),
    ("tr(X)", "X", (), ["δ[k,l]"]),
    ("y", "z", ("y: n, depends on z", "z: m"), ["dy/dz[i,k]"]),
    ("A", "x", ("A: n x n", "x: n"), []),
]


@pytest.mark.parametrize(("source", "wrt", "declare", "expected"), DERIVATIVES,
                         ids=[f"{s}-by-{w}" for s, w, _, _ in DERIVATIVES])  # fmt: skip
def test_differentiate_derivative_terms(
    source: str, wrt: str, declare: tuple[str, ...], expected: list[str]
) -> None:
    expr, ctx = _context(source, wrt, declare)
    k = tuple(i for i in free_indices(ctx.wrt.shape, ("k", "l")) if i is not None)
    assert terms_text(derivative(expr, *free_indices(expr.shape), k, ctx)) == expected


VALUED = [case for case in DERIVATIVES if "depends on" not in " ".join(case[2])]


@pytest.mark.parametrize(("source", "wrt", "declare", "expected"), VALUED,
                         ids=[f"{s}-by-{w}" for s, w, _, _ in VALUED])  # fmt: skip
def test_differentiate_derivative_matches_central_differences(
    source: str, wrt: str, declare: tuple[str, ...], expected: list[str]
) -> None:
    problem = parse(source, declare, wrt=wrt)
    expr, ctx = _context(source, wrt, declare)
    row, col = free_indices(expr.shape)
    k = tuple(i for i in free_indices(ctx.wrt.shape, ("k", "l")) if i is not None)
    free = tuple(i for i in (row, col) if i is not None) + k
    entry = ix.Entry(expr, tuple(i for i in (row, col) if i is not None))
    marked = ix.IndexSum((ix.Term(Fraction(1), (), (ix.Partial(entry, ctx.wrt, k),)),), free)
    worked = ix.IndexSum(tuple(derivative(expr, row, col, k, ctx)), free)
    values = random_values(problem, seed=1)
    # the marked derivative by central differences of the expression (the tests' own oracle)
    assert_allclose(value_of(worked, values, SIZES), value_of(marked, values, SIZES),
                    rtol=1e-6, atol=1e-8)  # fmt: skip


def _term(sums: str, *factors: ix.Factor, coeff: int = 1) -> ix.Term:
    return ix.Term(Fraction(coeff), tuple(ix.Index(s, "n") for s in sums), factors)


IDX_I, IDX_J, IDX_K, IDX_A, IDX_B = (ix.Index(name, "n") for name in ("i", "j", "k", "a", "b"))
X = ex.Symbol("X", ex.Shape("n", "n"))
CONTRACTIONS = [
    (_term("a", ix.Entry(X, (IDX_I, IDX_A)), ix.Delta(IDX_A, IDX_K)), "X[i,k]"),
    (_term("a", ix.Delta(IDX_K, IDX_A), ix.Entry(X, (IDX_A, IDX_J))), "X[k,j]"),
    (_term("ab", ix.Entry(X, (IDX_A, IDX_B)), ix.Delta(IDX_A, IDX_B)), "Σb X[b,b]"),
    (_term("a", ix.Delta(IDX_A, IDX_A), coeff=2), "2 #n"),
    (_term("", ix.Delta(IDX_I, IDX_K), ix.Entry(X, (IDX_I, IDX_K))), "δ[i,k] X[i,k]"),
    (_term("", ix.Delta(IDX_I, IDX_I)), "1"),
    # Σ_a δ_aa X_ik = n X_ik: the sum goes, a count stays; Σ_a δ_aa x_a = Σ_a x_a keeps the sum
    (_term("a", ix.Delta(IDX_A, IDX_A), ix.Entry(X, (IDX_I, IDX_K))), "X[i,k] #n"),
    (_term("a", ix.Delta(IDX_A, IDX_A), ix.Entry(ex.Symbol("x", ex.Shape("n", 1)), (IDX_A,))),
     "Σa x[a]"),
    # every delta goes, in turn: after δ_aa the next delta; after δ_ka renames a, δ_kb
    (_term("ab", ix.Delta(IDX_A, IDX_A), ix.Entry(X, (IDX_I, IDX_B)), ix.Delta(IDX_B, IDX_K)),
     "X[i,k] #n"),
    (_term("ab", ix.Delta(IDX_K, IDX_A), ix.Delta(IDX_A, IDX_B),
           ix.Entry(ex.Symbol("x", ex.Shape("n", 1)), (IDX_B,))), "x[k]"),
]


@pytest.mark.parametrize(("term", "expected"), CONTRACTIONS,
                         ids=["right", "left", "trace", "count", "free-kept", "free-ii",
                              "count-beside-a-factor", "diagonal-sum-kept", "count-then-sift",
                              "chain-of-deltas"])
def test_differentiate_contract_sifts_deltas(term: ix.Term, expected: str) -> None:
    assert term_text(contract(term)) == expected


def test_differentiate_contract_with_a_number_dimension() -> None:
    a = ix.Index("a", 4)
    assert term_text(contract(ix.Term(Fraction(1), (a,), (ix.Delta(a, a),)))) == "4"
    assert term_text(contract(ix.Term(Fraction(3), (a,), (ix.Delta(a, a),)))) == "12"  # 3 · 4


def test_differentiate_power_rule_for_small_exponents() -> None:
    """``d s^p = p s^(p-1) ds`` with p - 1 = 1 (``s`` itself) and p - 1 = 0 (no factor).

    The index form expands positive integer powers into products before differentiating, so
    only the rule's own callers reach these exponents; the rule must hold for them all the same.
    """
    x, ctx = _context("norm(x)", "x")
    k = (ix.Index("k", "n"),)
    # d ||x||^2 / dx_k = 2 x_k and d ||x||^3 / dx_k = 3 ||x|| x_k (the sum sifts to x_k)
    assert terms_text(entry_derivative(ex.Power(x, 2), (), k, ctx)) == ["2 Σ_0 x[_0] δ[_0,k]"]
    assert terms_text(entry_derivative(ex.Power(x, 3), (), k, ctx)) == [
        "3 Σ_1 norm(x) x[_1] δ[_1,k]"
    ]
    s, ctx = _context("s", "s", ("s: scalar",))
    assert terms_text(entry_derivative(ex.Power(s, 2), (), (), ctx)) == ["2 s"]


ONE_LEVEL = [
    # (A x)_i = Σ_a A_ia x_a: one factor varies; (X X a)_i: two do, so the product rule meets
    ("A x", "x", ("i",), ("k",), False, ["Σ_0 A[i,_0] ∂x[_0]/∂x[k]"]),
    ("x' A", "x", ("j",), ("k",), False, ["Σ_0 ∂x[_0]/∂x[k] A[_0,j]"]),
    ("X X a", "X", ("i",), ("k", "l"), True,
     ["Σ_0,_1 ∂X[i,_0]/∂X[k,l] X[_0,_1] a[_1]", "Σ_0,_1 X[i,_0] ∂X[_0,_1]/∂X[k,l] a[_1]"]),
    ("a' X X", "X", ("j",), ("k", "l"), True,
     ["Σ_0,_1 a[_0] ∂X[_0,_1]/∂X[k,l] X[_1,j]", "Σ_0,_1 a[_0] X[_0,_1] ∂X[_1,j]/∂X[k,l]"]),
]


@pytest.mark.parametrize(("source", "wrt", "entry", "by", "meets", "expected"), ONE_LEVEL,
                         ids=["column", "row", "column-meets", "row-meets"])  # fmt: skip
def test_differentiate_one_level_of_a_vector_entry(
    source: str, wrt: str, entry: tuple[str, ...], by: tuple[str, ...], meets: bool,
    expected: list[str],
) -> None:
    """The entry of a column (row) vector has one index, its row (column): written in index form
    by that index, then the product rule marks each varying factor."""
    expr, ctx = _context(source, wrt)
    partial = ix.Partial(ix.Entry(expr, tuple(ix.Index(n, "n") for n in entry)), ctx.wrt,
                         tuple(ix.Index(n, "n") for n in by))  # fmt: skip
    assert is_compound_partial(partial)
    assert product_meets(partial, ctx) is meets
    term = ix.Term(Fraction(1), (), (partial,))
    assert terms_text(expand_partials([term], is_compound_partial, ctx)) == expected


FUNCTION_LEVEL = [
    # d s^-1 = -s^-2 ds and d||u||^p = p ||u||^(p-2) u_a du_a: the inner derivative left marked
    ("(x' A x)^-1", "x", ["-1 (x' A x)^-2 ∂x' A x/∂x[k]"]),
    ("norm(x)^-1", "x", ["-1 Σ_0 norm(x)^-3 x[_0] ∂x[_0]/∂x[k]"]),
    ("log(x' x)", "x", ["(x' x)^-1 ∂x' x/∂x[k]"]),
    ("det(X)", "X", ["Σ_0,_1 det(X) inv(X)[_1,_0] ∂X[_0,_1]/∂X[k,l]"]),
]


@pytest.mark.parametrize(("source", "wrt", "expected"), FUNCTION_LEVEL,
                         ids=["power", "norm-power", "log", "det"])  # fmt: skip
def test_differentiate_one_level_of_a_function_entry(
    source: str, wrt: str, expected: list[str]
) -> None:
    """A function's entry gets its own rule (the chain rule's outer part) and nothing more."""
    expr, ctx = _context(source, wrt)
    by = tuple(ix.Index(n, "n") for n in ("k", "l")[: 2 if wrt == "X" else 1])
    partial = ix.Partial(ix.Entry(expr, ()), ctx.wrt, by)
    assert is_function_partial(partial)
    assert not is_compound_partial(partial)  # a scalar power is a function, not a product
    term = ix.Term(Fraction(1), (), (partial,))
    assert terms_text(expand_partials([term], is_function_partial, ctx)) == expected


def test_differentiate_partial_value_refuses_a_derivative_of_a_derivative() -> None:
    x, ctx = _context("x", "x")
    k = (ix.Index("k", "n"),)
    inner = ix.Partial(ix.Entry(x, (ix.Index("i", "n"),)), ctx.wrt, k)
    with pytest.raises(UnsupportedError,
                       match="^a derivative of a derivative cannot be worked out here$"):
        partial_value(ix.Partial(inner, ctx.wrt, (ix.Index("l", "n"),)), ctx)
