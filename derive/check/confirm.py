"""What the numeric check of each line cannot see: the structure of a proof.

Every line of every step is evaluated by ``verify``; a false reason, a sum over the wrong range,
a gap between two steps or a printed fact that is wrong would still pass that check. This module
confirms, for each step, what its kind promises (``StepKind.confirms``):

- the rules it cites are the ones its change needs (Jacobi's formula where a determinant is
  differentiated, the product rule only where two varying factors meet, ...);
- every index runs over the length of the axis it addresses;
- it starts where the previous step ended;
- each basic fact printed beside it holds;
- steps before the one that uses a matrix's symmetry hold for a matrix that is not symmetric.

Each function returns the failures as sentences; an empty list means confirmed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from derive.calculus.collect import same_factors, same_up_to_renaming
from derive.calculus.differentiate import Context, factor_depends
from derive.calculus.proof import Derivation, Step
from derive.calculus.rules import RuleName, StepKind
from derive.check.evaluate import Point, evaluate
from derive.ir import expr as ex
from derive.ir import index as ix

_INDEX_KINDS = (
    StepKind.INDEX_FORM, StepKind.DIFFERENTIATE, StepKind.CHAIN, StepKind.INNER,
    StepKind.BASIC_DERIVATIVES, StepKind.CONTRACT, StepKind.REORDER, StepKind.RENAME,
    StepKind.CANCEL, StepKind.COLLECT,
)  # fmt: skip
_LEAF_RULES: dict[type[ex.Expr], RuleName] = {
    ex.Inverse: RuleName.INVERSE, ex.Det: RuleName.JACOBI, ex.Log: RuleName.LOG,
    ex.Norm: RuleName.NORM, ex.Power: RuleName.POWER,
}  # fmt: skip
_BASIC = {RuleName.VARIABLE_ENTRY, RuleName.JACOBIAN_ENTRY, *_LEAF_RULES.values()}


def confirm(derivation: Derivation) -> list[str]:
    """All structural confirmations of a derivation: rules, ranges and continuity."""
    return [*confirm_rules(derivation), *confirm_ranges(derivation),
            *confirm_continuity(derivation)]  # fmt: skip


# -- the cited rules --------------------------------------------------------------------------


def _befores(derivation: Derivation) -> Iterator[tuple[int, Step, ix.IndexSum | None]]:
    """Each step with the index sum it rewrites (the last index-level line before it)."""
    before: ix.IndexSum | None = None
    for number, step in enumerate(derivation.steps):
        yield number, step, before
        if step.kind in _INDEX_KINDS and isinstance(step.lines[-1], ix.IndexSum):
            before = step.lines[-1]


def confirm_rules(derivation: Derivation) -> list[str]:
    """Each step's change is of its kind, and the rules it cites are those the change needs."""
    ctx = Context(derivation.wrt, derivation.symbols, ix.IndexNames(),
                  layout=derivation.layout)
    failures: list[str] = []
    for number, step, before in _befores(derivation):
        check = _CONFIRM.get(step.kind)
        after = step.lines[-1]
        if check is None or before is None or not isinstance(after, ix.IndexSum):
            continue
        cited = {RuleName(r.name) for r in step.rules}
        problem = check(before, after, cited, ctx)
        if problem:
            failures.append(f"step {number + 1} ({step.kind}): {problem}")
    return failures


def _terms_varying(index_sum: ix.IndexSum, ctx: Context) -> list[int]:
    return [sum(factor_depends(f, ctx) for f in t.factors) for t in index_sum.terms]


def _differentiate(before: ix.IndexSum, after: ix.IndexSum, cited: set[RuleName],
                   ctx: Context) -> str:  # fmt: skip
    meets = any(count > 1 for count in _terms_varying(before, ctx))
    if (RuleName.PRODUCT_RULE in cited) != meets:
        return ("the product rule is cited where no two varying factors meet" if not meets
                else "two varying factors meet but the product rule is not cited")
    return ""


def _partials(index_sum: ix.IndexSum) -> list[ix.Partial]:
    return [f for t in index_sum.terms for f in t.factors if isinstance(f, ix.Partial)]


def _needed(partial: ix.Partial) -> RuleName | None:
    """The rule that works out one marked derivative, or None for a compound entry."""
    entry = partial.entry
    if not isinstance(entry, ix.Entry):
        return None
    base = entry.base
    if isinstance(base, ex.Symbol):
        return RuleName.VARIABLE_ENTRY if base.name == partial.wrt.name else \
            RuleName.JACOBIAN_ENTRY
    if isinstance(base, ex.Power) and isinstance(base.base, ex.Norm):
        return RuleName.NORM
    if isinstance(base, ex.Power) and not base.shape.is_scalar:
        return None
    return _LEAF_RULES.get(type(base))


def _worked_out(cited: set[RuleName], worked: set[ix.Partial]) -> str:
    needed = {rule for p in worked if (rule := _needed(p)) is not None}
    # an elementwise function's derivative may cite the power rule among others: only missing
    # rules are refused where such a leaf is worked out
    other = any(isinstance(p.entry, ix.Entry) and _needed(p) is None for p in worked)
    if needed - cited or (not other and cited & _BASIC != needed):
        extra, missing = sorted(cited & _BASIC - needed), sorted(needed - (cited & _BASIC))
        return (f"cites {', '.join(extra) or 'nothing extra'} and misses "
                f"{', '.join(missing) or 'nothing'} for the derivatives it works out")
    return ""


def _chain(before: ix.IndexSum, after: ix.IndexSum, cited: set[RuleName],
           ctx: Context) -> str:  # fmt: skip
    functions = {p for p in _partials(before)
                 if _needed(p) in _LEAF_RULES.values()}  # fmt: skip
    if not functions:
        return "no derivative of a function is marked before it"
    return _worked_out(cited, functions)


def _inner(before: ix.IndexSum, after: ix.IndexSum, cited: set[RuleName],
           ctx: Context) -> str:  # fmt: skip
    if not any(_needed(p) is None for p in _partials(before)):
        return "no derivative of a compound entry is marked before it"
    return "" if RuleName.EXPAND_INDEX in cited else "does not cite the index form"


def _basic(before: ix.IndexSum, after: ix.IndexSum, cited: set[RuleName],
           ctx: Context) -> str:  # fmt: skip
    if _partials(after):
        return "a marked derivative is left"
    return _worked_out(cited, set(_partials(before)))


def _count(index_sum: ix.IndexSum, kind: type) -> int:
    return sum(isinstance(f, kind) for t in index_sum.terms for f in t.factors)


def _contract(before: ix.IndexSum, after: ix.IndexSum, cited: set[RuleName],
              ctx: Context) -> str:  # fmt: skip
    return "" if _count(after, ix.Delta) < _count(before, ix.Delta) else "no delta is summed out"


def _reorder(before: ix.IndexSum, after: ix.IndexSum, cited: set[RuleName],
             ctx: Context) -> str:  # fmt: skip
    return "" if same_factors(before, after) else "changes more than the order of factors"


def _rename(before: ix.IndexSum, after: ix.IndexSum, cited: set[RuleName],
            ctx: Context) -> str:  # fmt: skip
    if same_factors(before, after):
        return "renames nothing (only reorders)"
    return "" if same_up_to_renaming(before, after) else "changes more than the names of dummies"


def _scalars(index_sum: ix.IndexSum) -> list[str]:
    return sorted(repr(f) for t in index_sum.terms for f in t.factors if not f.indices)


def _tensors(index_sum: ix.IndexSum) -> list[str]:
    return sorted(repr(f) for t in index_sum.terms for f in t.factors if f.indices)


def _cancel(before: ix.IndexSum, after: ix.IndexSum, cited: set[RuleName],
            ctx: Context) -> str:  # fmt: skip
    if _tensors(before) != _tensors(after) or len(before.terms) != len(after.terms):
        return "changes more than scalar factors"
    if len(_scalars(after)) >= len(_scalars(before)):
        return "no scalar factor is cancelled or merged"
    return ""


def _collect(before: ix.IndexSum, after: ix.IndexSum, cited: set[RuleName],
             ctx: Context) -> str:  # fmt: skip
    return "" if len(after.terms) < len(before.terms) else "combines no terms"


def _recognise(before: ix.IndexSum, after: ix.IndexSum, cited: set[RuleName],
               ctx: Context) -> str:  # fmt: skip
    if not any(t.sums for t in before.terms):
        return "there is no sum to recognise"
    return "a sum is left" if any(t.sums for t in after.terms) else ""


def _entries(before: ix.IndexSum, after: ix.IndexSum, cited: set[RuleName],
             ctx: Context) -> str:  # fmt: skip
    if any(t.sums for t in before.terms + after.terms):
        return "a sum is involved (that is recognising a product)"
    return ""


_Confirm = Callable[[ix.IndexSum, ix.IndexSum, set[RuleName], Context], str]
_CONFIRM: dict[StepKind, _Confirm] = {
    StepKind.DIFFERENTIATE: _differentiate, StepKind.CHAIN: _chain, StepKind.INNER: _inner,
    StepKind.BASIC_DERIVATIVES: _basic, StepKind.CONTRACT: _contract,
    StepKind.REORDER: _reorder, StepKind.RENAME: _rename, StepKind.CANCEL: _cancel,
    StepKind.COLLECT: _collect, StepKind.RECOGNISE: _recognise, StepKind.ENTRIES: _entries,
}  # fmt: skip


# -- ranges -----------------------------------------------------------------------------------


def _axes(shape: ex.Shape) -> tuple[ex.Dim, ...]:
    return tuple(d for d in (shape.rows, shape.cols) if d != 1)


def _factor_ranges(factor: ix.Factor) -> Iterator[tuple[ix.Index, ex.Dim]]:
    if isinstance(factor, ix.Entry):
        yield from zip(factor.indices, _axes(factor.base.shape), strict=False)
    elif isinstance(factor, ix.Delta):
        yield factor.j, factor.i.dim
    elif isinstance(factor, ix.Partial):
        yield from _factor_ranges(factor.entry)
        yield from zip(factor.wrt_indices, _axes(factor.wrt.shape), strict=False)


def _lines(derivation: Derivation) -> Iterator[tuple[int, Any]]:
    for number, step in enumerate(derivation.steps):
        for line in step.lines:
            yield number, line
        for fact in step.facts:
            yield number, fact.lhs
            yield number, fact.rhs


def confirm_ranges(derivation: Derivation) -> list[str]:
    """Every index runs over the length of each axis it addresses, in every printed line."""
    failures: list[str] = []
    for number, line in _lines(derivation):
        if not isinstance(line, ix.IndexSum):
            continue
        for term in line.terms:
            for factor in term.factors:
                count = len(factor.indices)
                if isinstance(factor, ix.Entry) and count != len(_axes(factor.base.shape)):
                    failures.append(f"step {number + 1}: {count} indices on an entry of a "
                                    f"{factor.base.shape} value")  # fmt: skip
                for index, dim in _factor_ranges(factor):
                    if index.dim != dim:
                        failures.append(f"step {number + 1}: index {index.name} runs to "
                                        f"{index.dim} but addresses an axis of length {dim}")
    return failures


# -- continuity -------------------------------------------------------------------------------


def confirm_continuity(derivation: Derivation) -> list[str]:
    """Each step starts where the one before it ended.

    Index-level steps of one stage rewrite the same left side; a simplification starts from the
    assembled matrix; the result is the last line shown before it.
    """
    failures: list[str] = []
    steps = derivation.steps
    for number in range(1, len(steps)):
        step, previous = steps[number], steps[number - 1]
        if step.kind == StepKind.RESULT and previous.kind in (StepKind.ASSEMBLE,
                                                               StepKind.SIMPLIFY):  # fmt: skip
            if step.lines[-1] != previous.lines[-1]:
                failures.append(f"step {number + 1} (result) is not the line before it")
        elif step.kind == StepKind.SIMPLIFY and previous.kind == StepKind.ASSEMBLE:
            if step.lines[0] != previous.lines[-1]:
                failures.append(f"step {number + 1} (simplify) does not start from the "
                                "assembled matrix")  # fmt: skip
        elif (step.kind in _INDEX_KINDS[2:] and previous.kind in _INDEX_KINDS[1:]
              and step.stage == previous.stage and step.lines[0] != previous.lines[0]):
            failures.append(f"step {number + 1} ({step.kind}) does not continue step {number}")
    return failures


# -- facts and symmetry, at a point ----------------------------------------------------------


def check_facts(derivation: Derivation, point: Point,
                error: Callable[[Any, Any], float], tolerance: float) -> list[str]:  # fmt: skip
    """Each basic fact printed beside a step holds at the point (like a step's lines)."""
    failures: list[str] = []
    for number, step in enumerate(derivation.steps):
        for fact in step.facts:
            try:
                value = error(evaluate(fact.lhs, point), evaluate(fact.rhs, point))
            except (ValueError, IndexError, KeyError):
                value = float("inf")  # a fact whose two sides have different shapes
            if not value <= tolerance:
                failures.append(f"step {number + 1}: a basic derivative it states is false "
                                f"(relative error {value:.2e})")  # fmt: skip
    return failures


def asymmetric(derivation: Derivation, point: Point, rng: np.random.Generator) -> Point:
    """The point with every declared-symmetric matrix made not symmetric."""
    for name, info in derivation.symbols.items():
        if info.symmetric and name != derivation.wrt.name:
            value = np.asarray(point.values[name], dtype=float)
            bump = rng.standard_normal(value.shape) * 0.3
            point = point.with_value(name, value + bump - bump.T)
    return point


def check_before_symmetry(derivation: Derivation, point: Point,
                          error: Callable[[Any, Any], float], tolerance: float) -> list[str]:
    """Steps before symmetry is used hold at a point where the matrix is not symmetric.

    ``point`` must be :func:`asymmetric`. A step that silently replaced ``S^T`` by ``S`` before
    the step that says "S is symmetric" is refused here.
    """
    failures: list[str] = []
    for number, step in enumerate(derivation.steps):
        if any(r.name == RuleName.SYMMETRIC for r in step.rules) or step.kind == StepKind.RESULT:
            break
        if step.stage != "first" or len(step.lines) < 2:
            continue
        values = [evaluate(line, point) for line in step.lines]
        worst = max(error(values[0], v) for v in values[1:])
        if not worst <= tolerance:
            failures.append(f"step {number + 1} ({step.kind}) uses the symmetry of a matrix "
                            f"before saying so (relative error {worst:.2e})")  # fmt: skip
    return failures
