"""Routes through a substitution: ``d alpha / d x`` through ``w = y - A x``, as note 000 does.

The route has three parts: the outer proof (``alpha = w^T w`` by ``w``), the inner proof
(``w = y - A x`` by ``x``), both proofs of their own by any prover, and the chain rule that joins
them here: ``d alpha / d x = (d alpha / d w) (d w / d x)`` arranged in the chosen layout, the
inner result put in, then ``w`` substituted back. The joining step is a :class:`Step` like any
other (kind ``substitute``), so the verifier evaluates each of its lines at the original
symbols: ``w`` is a :class:`~derive.ir.expr.Defined` name whose value is its expression.
"""

from __future__ import annotations

from derive.calculus import algebra
from derive.calculus.hypotheses import hypotheses
from derive.calculus.proof import Derivation, Result, ResultKind, Step
from derive.calculus.rules import RULES, RuleName, StepKind
from derive.errors import DeriveError, LocatedError, ParseError, Span, UnsupportedError
from derive.ir import expr as ex
from derive.language.shapes import Problem


def check_name(name: str, problem: Problem, via: str, offset: int) -> None:
    """Refuse a substitution whose name is a symbol of the expression already.

    Raises:
        ParseError: The name is taken; the error points at it in ``via``.
    """
    if name in problem.symbols:
        raise ParseError(f"the substitution's name {name} is a symbol of the expression already;"
                         " choose a new name", Span(0, max(1, offset - 1)), via)


def moved(error: DeriveError, offset: int, source: str) -> DeriveError:
    """An error located in a part of ``source`` (from ``offset`` on), located in ``source``."""
    if not isinstance(error, LocatedError) or error.span is None:
        return error
    span = Span(error.span.start + offset, error.span.end + offset)
    return type(error)(f"in the substitution: {error.message}", span, source)


def outer_expression(
    problem: Problem, name: str, inner: ex.Expr, wrt: ex.Symbol, shown: str
) -> ex.Expr:
    """The expression with every occurrence of ``inner`` replaced by the symbol ``name``.

    Args:
        problem: The parsed expression (``(y - A x)^T (y - A x)``).
        name: The new variable's name (``w``).
        inner: What it stands for (``y - A x``), parsed with the problem's symbols.
        wrt: The variable of differentiation.
        shown: The substitution as the user wrote it, for the error messages.

    Returns:
        The outer expression (``w^T w``).

    Raises:
        UnsupportedError: ``inner`` does not occur, is not a column vector or a scalar, or the
            variable also occurs outside it (the outer function must depend on it through
            ``name`` alone).
    """
    if not (inner.shape.is_column or inner.shape.is_scalar):
        raise UnsupportedError(f"the substitution {shown} must be a column vector or a scalar,"
                               f" but it is {inner.shape.rows} x {inner.shape.cols}")
    if not (wrt.shape.is_column or wrt.shape.is_scalar) or not (
            problem.expr.shape.is_column or problem.expr.shape.is_scalar):
        raise UnsupportedError("a route through a substitution needs a scalar or a column vector"
                               " differentiated by a column vector or a scalar")
    if wrt not in ex.symbols_of(inner):
        raise UnsupportedError(f"the substitution {shown} does not depend on {wrt.name}")
    symbol = ex.Symbol(name, inner.shape)
    outer = _replace(problem.expr, inner, symbol)
    if outer == problem.expr:
        raise UnsupportedError(f"the substitution {shown} does not occur in the expression"
                               f" (write it as it appears there)")
    if wrt in ex.symbols_of(outer):
        raise UnsupportedError(f"{wrt.name} also occurs outside the substitution {shown};"
                               f" substitute an expression that holds every {wrt.name}")
    return outer


def _replace(node: ex.Expr, inner: ex.Expr, symbol: ex.Expr) -> ex.Expr:
    if node == inner:
        return symbol
    return algebra.map_children(node, lambda child: _replace(child, inner, symbol))


def compose(
    problem: Problem,
    wrt: ex.Symbol,
    layout: ex.Layout,
    parts: tuple[Derivation, Derivation],
    hessian: Derivation | None = None,
) -> Derivation:
    """The derivation through the substitution: the chain rule joining the two parts.

    Args:
        problem: The original expression.
        wrt: The variable.
        layout: The layout of every derivative.
        parts: The outer proof (the function by the new variable) and the inner proof (the new
            variable by ``wrt``, its function named as the new variable).
        hessian: A direct proof of the same problem with its Hessian, whose Hessian part is
            taken over (the gradient found here differs from it only in form); None for none.

    Returns:
        The composed derivation, not yet verified (its parts are proofs of their own).
    """
    outer, inner = parts
    function = ex.Defined(hessian.function.name if hessian else outer.function.name,
                          problem.expr)  # fmt: skip
    name = ex.Defined(inner.function.name, inner.function.body)
    symbol = outer.wrt
    found = outer.results[0].rhs, inner.results[0].rhs
    if not (isinstance(found[0], ex.Expr) and isinstance(found[1], ex.Expr)):
        raise UnsupportedError("a route through a substitution needs both parts to have a"
                               " matrix result")
    whole = ex.Derivative(function, wrt, layout)
    named = _put(found[0], symbol, name)
    by_name = chain(named, ex.Derivative(name, wrt, layout), layout, function, name, wrt)
    joined = chain(named, found[1], layout, function, name, wrt)
    back = _put(joined, name, name.body)
    steps = [
        Step(StepKind.DEFINE, (function, problem.expr), (RULES[RuleName.DEFINE],)),
        Step(StepKind.SUBSTITUTE, (whole, by_name, joined, back),
             (RULES[RuleName.CHAIN_SUBSTITUTE],)),
        Step(StepKind.RESULT, (whole, back), (RULES[RuleName.RESULT],)),
    ]
    results = [Result(whole, back, _kind(problem.expr.shape, wrt.shape))]
    if hessian is not None:
        steps += [s for s in hessian.steps if s.stage == "hessian"]
        results.append(hessian.results[-1])
    invertible = {n for n, info in problem.symbols.items() if info.invertible}
    return Derivation(
        source=problem.source, problem=problem, function=function, wrt=wrt, layout=layout,
        steps=tuple(steps), results=tuple(results),
        options={"hessian": hessian is not None, "via": f"{name.name}"},
        hypotheses=hypotheses(problem.expr, invertible), parts=parts,
    )  # fmt: skip


def chain(
    outer: ex.Expr, inner: ex.Expr, layout: ex.Layout, of: ex.Expr, through: ex.Expr,
    wrt: ex.Expr,
) -> ex.Expr:
    """``d of / d wrt`` from ``outer = d of / d through`` and ``inner = d through / d wrt``.

    In numerator layout the chain rule is the product ``outer inner`` of Jacobians; a layout
    that transposes a derivative (a gradient as a column, or every derivative in denominator
    layout) is turned into a Jacobian first, and the product back into the layout.
    """
    product = ex.mul(_jacobian(outer, of, through, layout), _jacobian(inner, through, wrt, layout))
    if _transposes(of.shape, wrt.shape, layout):
        product = ex.transpose(product)
    return algebra.push_transpose(product)


def _jacobian(derivative: ex.Expr, of: ex.Expr, wrt: ex.Expr, layout: ex.Layout) -> ex.Expr:
    transposed = _transposes(of.shape, wrt.shape, layout)
    return algebra.push_transpose(ex.transpose(derivative)) if transposed else derivative


def _transposes(of: ex.Shape, wrt: ex.Shape, layout: ex.Layout) -> bool:
    """Whether the layout writes ``d of / d wrt`` (column vectors or scalars) as the transpose
    of the Jacobian (one row per entry of ``of``, one column per entry of ``wrt``)."""
    if of.is_scalar and wrt.is_scalar:
        return False
    if layout == ex.Layout.DENOMINATOR:
        return True
    return layout == ex.Layout.MIXED and of.is_scalar


def _put(node: ex.Expr, old: ex.Expr, new: ex.Expr) -> ex.Expr:
    return _replace(node, old, new)


def _kind(of: ex.Shape, wrt: ex.Shape) -> ResultKind:
    if wrt.is_scalar:
        return ResultKind.BY_SCALAR
    return ResultKind.GRADIENT if of.is_scalar else ResultKind.JACOBIAN

