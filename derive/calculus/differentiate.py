"""Differentiation in index form: the product rule, the basic derivatives, delta contraction.

``d x_i / d x_k = delta_ik``; ``d X_ij / d X_kl = delta_ik delta_jl``; constants give 0;
``d x_i / d z_k = (dx/dz)_ik`` for a declared dependency; ``d (M^-1)_ij = - sum (M^-1)_ia dM_ab
(M^-1)_bj``; ``d det M = det M sum (M^-1)_ba dM_ab`` (Jacobi); ``d log s = ds / s``;
``d ||M|| = sum M_ab dM_ab / ||M||``; where ``dM`` is the derivative of ``M``'s own index form.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from derive import budget
from derive.calculus.rules import RuleName
from derive.errors import LimitError, UnsupportedError
from derive.ir import expr as ex
from derive.ir import index as ix
from derive.ir.dispatch import Operation
from derive.ir.index import (
    MAX_TERMS,
    Count,
    Delta,
    Entry,
    Factor,
    Index,
    IndexNames,
    Partial,
    Term,
    multiply,
    row_col,
    to_index,
)
from derive.language.shapes import SymbolInfo


@dataclass(frozen=True)
class Context:
    """What differentiation needs to know besides the expression.

    Attributes:
        wrt: The variable of differentiation.
        symbols: The symbol table (for declared dependencies).
        names: Source of fresh indices.
        max_terms: The largest number of terms any stage may produce.
        layout: The layout in which a declared dependency's ``dx/dz`` is named.
    """

    wrt: ex.Symbol
    symbols: Mapping[str, SymbolInfo]
    names: IndexNames
    max_terms: int = MAX_TERMS
    layout: ex.Layout = ex.Layout.NUMERATOR

    def check_size(self, terms: list[Term]) -> list[Term]:
        """Raise a clear error instead of growing without bound."""
        self.check_count(len(terms))
        return terms

    def check_count(self, count: int) -> None:
        """Raise a clear error when a stage would hold more than ``max_terms`` terms."""
        if count > self.max_terms:
            raise LimitError(
                f"the derivation grows past {self.max_terms} terms; derive stops here rather than"
                " run for a long time (simplify the expression or split it)"
            )


depends: Operation[bool] = Operation("derive.calculus.differentiate.depends")
"""``depends(node, ctx)``: whether ``node`` varies with the variable of differentiation."""


@depends.register(ex.Symbol)
def _symbol_depends(node: ex.Symbol, ctx: Context) -> bool:
    info = ctx.symbols.get(node.name)
    return node.name == ctx.wrt.name or (info is not None and ctx.wrt.name in info.depends_on)


@depends.register(ex.Jacobian)
def _jacobian_depends(node: ex.Jacobian, ctx: Context) -> bool:
    if node.wrt.name == ctx.wrt.name or depends(node.wrt, ctx):
        raise UnsupportedError(
            f"second derivatives through the declared dependency of {node.of.name} on"
            f" {node.wrt.name} are not supported"
        )
    return False


@depends.register(ex.Defined)
def _defined_depends(node: ex.Defined, ctx: Context) -> bool:
    return depends(node.body, ctx)


@depends.register(
    ex.Number, ex.Identity, ex.Zero, ex.Size, ex.Add, ex.MatMul, ex.Transpose, ex.Inverse,
    ex.Power, ex.Trace, ex.Det, ex.Log, ex.Norm, ex.Derivative,
)
def _children_depend(node: ex.Expr, ctx: Context) -> bool:
    return any(depends(child, ctx) for child in node.children)


factor_depends: Operation[bool] = Operation("derive.calculus.differentiate.factor_depends",
                                            "factor")
"""``factor_depends(factor, ctx)``: whether an index factor varies with the variable."""


@factor_depends.register(ix.Entry)
def _entry_depends(factor: ix.Entry, ctx: Context) -> bool:
    return depends(factor.base, ctx)


@factor_depends.register(ix.Partial)
def _partial_depends(factor: ix.Partial, ctx: Context) -> bool:
    return True


@factor_depends.register(ix.Delta, ix.Count)
def _constant(factor: ix.Factor, ctx: Context) -> bool:
    return False


def product_rule(term: Term, wrt_indices: tuple[Index, ...], ctx: Context) -> list[Term]:
    """``d/dv`` of one term: one term per factor that depends on ``v``, that factor marked."""
    result = []
    for position, factor in enumerate(term.factors):
        if factor_depends(factor, ctx):
            assert isinstance(factor, Entry | Partial)
            marked = Partial(factor, ctx.wrt, wrt_indices)
            factors = term.factors[:position] + (marked,) + term.factors[position + 1 :]
            result.append(Term(term.coeff, term.sums, factors))
    return result


def work_out(terms: Iterable[Term], ctx: Context) -> list[Term]:
    """Replace every marked derivative by its value (the basic derivatives)."""
    result: list[Term] = []
    for term in terms:
        budget.check()
        parts: list[list[Term]] = [[Term(term.coeff, term.sums, ())]]
        constants: list[Factor] = []  # a run of factors that are not derivatives: one part
        for factor in term.factors:
            if isinstance(factor, Partial):
                if constants:
                    parts.append([Term(Fraction(1), (), tuple(constants))])
                    constants = []
                parts.append(partial_value(factor, ctx))
            else:
                constants.append(factor)
        if constants:
            parts.append([Term(Fraction(1), (), tuple(constants))])
        result.extend(multiply(parts))
        ctx.check_size(result)
    return result


def partial_value(partial: Partial, ctx: Context) -> list[Term]:
    """The index form of one basic derivative ``d entry / d v_k``."""
    entry = partial.entry
    if isinstance(entry, Partial):
        raise UnsupportedError("a derivative of a derivative cannot be worked out here")
    return entry_derivative(entry.base, entry.indices, partial.wrt_indices, ctx)


entry_derivative: Operation[list[Term]] = Operation(
    "derive.calculus.differentiate.entry_derivative"
)
"""``entry_derivative(base, indices, k, ctx)``: ``d base_indices / d v_k`` in index form.

The bases are the leaves of :func:`derive.ir.index.to_index`; the other node types are expanded
before they are differentiated, and reaching one here is unsupported.
"""


@entry_derivative.register(ex.Symbol)
def _symbol(base: ex.Symbol, indices: tuple[Index, ...], k: tuple[Index, ...], ctx: Context) -> (
    list[Term]
):
    if base.name == ctx.wrt.name:
        deltas = tuple(Delta(i, j) for i, j in zip(indices, k, strict=True))
        return [Term(Fraction(1), (), deltas)]
    jacobian = ex.Jacobian(base, ctx.wrt, ctx.layout)
    return [Term(Fraction(1), (), (Entry(jacobian, k + indices if jacobian.transposed
                                             else indices + k),))]


@entry_derivative.register(ex.Inverse)
def _inverse(base: ex.Inverse, indices: tuple[Index, ...], k: tuple[Index, ...], ctx: Context) -> (
    list[Term]
):
    a, b = indices
    c, d = ctx.names.fresh(a.dim), ctx.names.fresh(b.dim)
    left = [Term(Fraction(-1), (c, d), (Entry(base, (a, c)),))]
    right = [Term(Fraction(1), (), (Entry(base, (d, b)),))]
    return multiply([left, derivative(base.arg, c, d, k, ctx), right])


@entry_derivative.register(ex.Det)
def _det(base: ex.Det, indices: tuple[Index, ...], k: tuple[Index, ...], ctx: Context) -> (
    list[Term]
):
    a, b = ctx.names.fresh(base.arg.shape.rows), ctx.names.fresh(base.arg.shape.cols)
    jacobi = [Term(Fraction(1), (a, b), (Entry(base, ()), Entry(ex.Inverse(base.arg), (b, a))))]
    return multiply([jacobi, derivative(base.arg, a, b, k, ctx)])


@entry_derivative.register(ex.Log)
def _log(base: ex.Log, indices: tuple[Index, ...], k: tuple[Index, ...], ctx: Context) -> (
    list[Term]
):
    reciprocal = [Term(Fraction(1), (), (Entry(ex.Power(base.arg, -1), ()),))]
    return multiply([reciprocal, derivative(base.arg, None, None, k, ctx)])


@entry_derivative.register(ex.Norm)
def _norm(base: ex.Norm, indices: tuple[Index, ...], k: tuple[Index, ...], ctx: Context) -> (
    list[Term]
):
    return _norm_value(base, -1, k, ctx)


@entry_derivative.register(ex.Power)
def _power(base: ex.Power, indices: tuple[Index, ...], k: tuple[Index, ...], ctx: Context) -> (
    list[Term]
):
    if not base.shape.is_scalar:
        return _not_a_leaf(base, indices, k, ctx)
    if isinstance(base.base, ex.Norm):
        return _norm_value(base.base, base.exponent - 2, k, ctx, Fraction(base.exponent))
    lower = _scalar_power(base.base, base.exponent - 1)
    return multiply([[Term(Fraction(base.exponent), (), lower)],
                     derivative(base.base, None, None, k, ctx)])  # fmt: skip


@entry_derivative.register(
    ex.Number, ex.Identity, ex.Zero, ex.Size, ex.Add, ex.MatMul, ex.Transpose, ex.Trace,
    ex.Jacobian, ex.Defined, ex.Derivative,
)
def _not_a_leaf(base: ex.Expr, indices: tuple[Index, ...], k: tuple[Index, ...], ctx: Context) -> (
    list[Term]
):
    raise UnsupportedError(f"cannot differentiate {type(base).__name__} entries yet")


basic_rule: Operation[RuleName] = Operation("derive.calculus.differentiate.basic_rule")
"""``basic_rule(base, wrt)``: the rule a step cites for ``d base_.. / d wrt_..``."""


@basic_rule.register(ex.Symbol)
def _symbol_rule(base: ex.Symbol, wrt: ex.Symbol) -> RuleName:
    return RuleName.VARIABLE_ENTRY if base.name == wrt.name else RuleName.JACOBIAN_ENTRY


basic_rule.update({
    ex.Inverse: lambda base, wrt: RuleName.INVERSE,
    ex.Det: lambda base, wrt: RuleName.JACOBI,
    ex.Log: lambda base, wrt: RuleName.LOG,
    ex.Norm: lambda base, wrt: RuleName.NORM,
    ex.Power: lambda base, wrt: RuleName.POWER,
})
basic_rule.update({  # not leaves of the index form: expanded before they are differentiated
    node_type: lambda base, wrt: RuleName.PRODUCT_RULE
    for node_type in (ex.Number, ex.Identity, ex.Zero, ex.Size, ex.Add, ex.MatMul, ex.Transpose,
                      ex.Trace, ex.Jacobian, ex.Defined, ex.Derivative)
})


def _scalar_power(base: ex.Expr, exponent: int) -> tuple[Factor, ...]:
    if exponent == 0:
        return ()
    if exponent == 1:
        return (Entry(base, ()),)
    return (Entry(ex.Power(base, exponent), ()),)


def _norm_value(
    norm: ex.Norm, exponent: int, k: tuple[Index, ...], ctx: Context, coeff: Fraction = Fraction(1)
) -> list[Term]:
    """``d ||M||^p = p ||M||^(p-2) sum_ab M_ab dM_ab`` (here ``exponent`` is p - 2)."""
    shape = norm.arg.shape
    a = ctx.names.fresh(shape.rows) if shape.rows != 1 else None
    b = ctx.names.fresh(shape.cols) if shape.cols != 1 else None
    sums = tuple(i for i in (a, b) if i is not None)
    head = [Term(coeff, sums, _scalar_power(norm, exponent))]
    entries = to_index(norm.arg, a, b, ctx.names)
    return multiply([head, entries, derivative(norm.arg, a, b, k, ctx)])


def derivative(
    node: ex.Expr, row: Index | None, col: Index | None, k: tuple[Index, ...], ctx: Context
) -> list[Term]:
    """The fully worked-out, contracted index form of ``d node_(row, col) / d v_k``."""
    marked = [t for term in to_index(node, row, col, ctx.names) for t in product_rule(term, k, ctx)]
    return [contract(t) for t in work_out(ctx.check_size(marked), ctx)]


def contract(term: Term) -> Term:
    """Sum out every Kronecker delta that has a dummy index.

    Terminates because every pass removes one delta or one factor. Indices are compared by
    name, as their equality does, with the names at hand (an index's own equality and hash run
    in Python on every comparison).
    """
    factors = list(term.factors)
    sums = list(term.sums)
    names = [i.name for i in sums]
    coeff = term.coeff
    position = 0
    while position < len(factors):
        factor = factors[position]
        if not isinstance(factor, Delta):
            position += 1
            continue
        i, j = factor.i, factor.j
        if i.name == j.name:
            factors.pop(position)
            # δ_ii = 1; the sum over i goes only if no other factor carries i (tr(diag(v)))
            if i.name in names and not any(i.name == g.name for f in factors for g in f.indices):
                del sums[names.index(i.name)]
                names.remove(i.name)
                if isinstance(i.dim, int):
                    coeff *= i.dim
                else:
                    factors.append(Count(i.dim))
            continue
        if i.name in names or j.name in names:
            gone, kept = (i, j) if i.name in names else (j, i)
            factors.pop(position)
            del sums[names.index(gone.name)]
            names.remove(gone.name)
            factors = [ix.rename_factor_by_name(f, {gone.name: kept}) for f in factors]
            position = 0
            continue
        position += 1
    return Term(coeff, tuple(sums), tuple(factors))


# -- one level at a time, for proofs ----------------------------------------------------------

FUNCTIONS = (ex.Inverse, ex.Det, ex.Log, ex.Norm, ex.Power)
"""Bases whose entries' derivatives come from a rule of their own (the chain rule's outer part)."""


def is_function_partial(factor: Factor) -> bool:
    """``d f(M)_ab / d v_k`` for an inverse, determinant, logarithm, norm or scalar power."""
    return (isinstance(factor, Partial) and isinstance(factor.entry, Entry)
            and _is_function(factor.entry.base))  # fmt: skip


def _is_function(base: ex.Expr) -> bool:
    # a matrix power is a product (its index form expands it), not a function of a scalar
    return isinstance(base, FUNCTIONS) and not (isinstance(base, ex.Power)
                                                and not base.shape.is_scalar)  # fmt: skip


def is_compound_partial(factor: Factor) -> bool:
    """``d (A X B)_ab / d v_k``: the derivative of an entry of a product, sum or transpose."""
    # only the structural nodes whose index form expands them; other leaves (elementwise
    # functions) are worked out by their own rule in the basic-derivatives step
    return (isinstance(factor, Partial) and isinstance(factor.entry, Entry)
            and not _is_function(factor.entry.base)
            and isinstance(factor.entry.base, ex.MatMul | ex.Add | ex.Transpose | ex.Trace
                           | ex.Power))  # fmt: skip


def expand_partials(terms: Iterable[Term], select: Callable[[Factor], bool],
                    ctx: Context) -> list[Term]:  # fmt: skip
    """Replace each selected marked derivative by one level of its value.

    A function's entry gets its own rule with the inner derivative left marked
    (``d log s = s^-1 ds``, Jacobi's formula, the inverse's rule, the power rule); a compound
    entry is written in index form and differentiated by the product rule, its factors marked.
    """
    result: list[Term] = []
    for term in terms:
        parts: list[list[Term]] = [[Term(term.coeff, term.sums, ())]]
        for factor in term.factors:
            if select(factor):
                assert isinstance(factor, Partial)
                parts.append(_one_level(factor, ctx))
            else:
                parts.append([Term(Fraction(1), (), (factor,))])
        result.extend(multiply(parts))
        ctx.check_size(result)
    return result


def _one_level(partial: Partial, ctx: Context) -> list[Term]:
    entry = partial.entry
    assert isinstance(entry, Entry)
    base, k, names = entry.base, partial.wrt_indices, ctx.names

    def inner(node: ex.Expr, indices: tuple[Index, ...]) -> Partial:
        return Partial(Entry(node, indices), ctx.wrt, k)

    if isinstance(base, ex.Inverse):
        a, b = entry.indices
        c, d = names.fresh(a.dim), names.fresh(b.dim)
        return [Term(Fraction(-1), (c, d),
                     (Entry(base, (a, c)), inner(base.arg, (c, d)), Entry(base, (d, b))))]
    if isinstance(base, ex.Det):
        a, b = names.fresh(base.arg.shape.rows), names.fresh(base.arg.shape.cols)
        return [Term(Fraction(1), (a, b), (Entry(base, ()), Entry(ex.Inverse(base.arg), (b, a)),
                                           inner(base.arg, (a, b))))]  # fmt: skip
    if isinstance(base, ex.Log):
        return [Term(Fraction(1), (), (Entry(ex.Power(base.arg, -1), ()), inner(base.arg, ())))]
    if isinstance(base, ex.Power) and base.shape.is_scalar and not isinstance(base.base, ex.Norm):
        lower = _scalar_power(base.base, base.exponent - 1)
        return [Term(Fraction(base.exponent), (), (*lower, inner(base.base, ())))]
    norm, power = (base, 1) if isinstance(base, ex.Norm) else (
        (base.base, base.exponent) if isinstance(base, ex.Power) else (None, 0))
    if isinstance(norm, ex.Norm):
        # d||u||^p / du_a = p ||u||^(p-2) u_a, the inner entries' derivatives left marked
        shape = norm.arg.shape
        at = tuple(names.fresh(d) for d in (shape.rows, shape.cols) if d != 1)
        return [Term(Fraction(power), at, (*_scalar_power(norm, power - 2),
                                           Entry(norm.arg, at), inner(norm.arg, at)))]
    if _is_function(base):
        return partial_value(partial, ctx)
    row, col = row_col(base.shape, entry.indices)
    return [t for term in to_index(base, row, col, names) for t in product_rule(term, k, ctx)]


def product_meets(partial: Partial, ctx: Context) -> bool:
    """Whether writing a compound entry in index form puts two varying factors in one term."""
    entry = partial.entry
    assert isinstance(entry, Entry)
    row, col = row_col(entry.base.shape, entry.indices)
    terms = to_index(entry.base, row, col, IndexNames())
    return any(sum(factor_depends(f, ctx) for f in t.factors) > 1 for t in terms)
