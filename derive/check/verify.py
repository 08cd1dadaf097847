"""Checking a derivation before it is shown as proven.

Exact: at concrete sizes (a distinct size per dimension symbol) and random rational points, the
original expression is differentiated entry by entry with forward-mode dual numbers
(``check.exact``) — over Fractions, or over SymPy's exact numbers where logarithms or square roots
make values irrational — and compared with the engine's result (a randomised identity test with a
negligible chance of a false pass).
Numeric: at random well-conditioned values, every line of every step is evaluated (index sums by
``einsum``, marked derivatives and the whole derivative by central differences) and consecutive
lines must agree to a relative error of 1e-6; where floating point cannot decide, the step is
compared exactly instead (``check.fallback``).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import numpy as np

from derive import budget
from derive.calculus.proof import Derivation, Result, ResultKind, StepCheck, Verification
from derive.calculus.rules import StepKind
from derive.check import confirm, differential, domain, exact, fallback
from derive.check.evaluate import Point, arrange, evaluate
from derive.check.fallback import StepJudge, negligible, relative_error
from derive.check.points import (
    in_sympy,
    independent,
    rational_form,
    rational_point,
    size_of,
)
from derive.errors import LimitError, UnsupportedError, VerificationError
from derive.ir import expr as ex
from derive.ir.differential import Differential
from derive.language.shapes import Problem

__all__ = [
    "TOLERANCE", "assign_sizes", "exact_check", "numeric_point", "rational_form",
    "rational_point", "relative_error", "sympy_exact_check", "vanishing_denominator", "verify",
]  # fmt: skip

TOLERANCE = 1e-6
_SIZES = (3, 2, 4, 5, 6, 7, 8, 9)


def assign_sizes(problem: Problem) -> dict[str, int]:
    """A distinct small size for every dimension symbol, in order of appearance (n=3, m=2...).

    Where the expression inverts a product (or takes its determinant), the product's outer size
    must not exceed its inner ones, or the product is singular at every point: ``det(A X B)``
    with ``A: p x n`` needs ``p <= n``. Such constraints order the sizes.
    """
    taken = {d for info in problem.symbols.values() for d in (info.shape.rows, info.shape.cols)}
    dims: list[str] = []
    shapes = [info.shape for info in problem.symbols.values()] + _shapes_within(problem.expr)
    for shape in shapes:  # the symbols' first, then a size no symbol has (x 1': 1 is 1 x m)
        for dim in (shape.rows, shape.cols):
            if isinstance(dim, str) and dim not in dims:
                dims.append(dim)
    free = _free_sizes(taken, len(dims))
    bounds = _rank_bounds(problem.expr)
    if bounds:
        dims = _smallest_first(dims, bounds)
        free = sorted(free[: len(dims)])
    return dict(zip(dims, free, strict=False))


def _shapes_within(node: ex.Expr) -> list[ex.Shape]:
    """The shape of ``node`` and of every node inside it, outermost first."""
    shapes = [node.shape]
    for child in node.children:
        shapes += _shapes_within(child)
    return shapes


def _free_sizes(taken: set[ex.Dim], count: int) -> list[int]:
    """``count`` small distinct sizes not declared anywhere: 3, 2, 4, ... 9, then 10, 11, ...

    Any number of dimension symbols gets sizes; past the table they go on counting up.
    """
    free = [s for s in _SIZES if s not in taken]
    extra = max(_SIZES) + 1
    while len(free) < count:
        if extra not in taken:
            free.append(extra)
        extra += 1
    return free


def _rank_bounds(node: ex.Expr) -> set[tuple[str, str]]:
    """Pairs ``(outer, inner)`` of dimensions with ``size(outer) <= size(inner)`` required."""
    bounds: set[tuple[str, str]] = set()
    if isinstance(node, ex.Inverse | ex.Det) and not node.arg.shape.is_scalar:
        outer = node.arg.shape.rows
        for inner in _product_dims(node.arg):
            if isinstance(outer, str) and isinstance(inner, str) and inner != outer:
                bounds.add((outer, inner))
    for child in node.children:
        bounds |= _rank_bounds(child)
    return bounds


def _product_dims(node: ex.Expr) -> set[ex.Dim]:
    """Every dimension a product passes through (its rank is at most the smallest)."""
    if isinstance(node, ex.MatMul):
        return {d for f in node.factors if not f.shape.is_scalar for d in _product_dims(f)}
    if isinstance(node, ex.Transpose | ex.Inverse | ex.Power):
        return _product_dims(node.children[0])
    return {node.shape.rows, node.shape.cols}


def _smallest_first(dims: list[str], bounds: set[tuple[str, str]]) -> list[str]:
    """Order dimensions so each bounded one comes before those bounding it (stable)."""
    order: list[str] = []
    pending = list(dims)
    while pending:
        ready = [d for d in pending if not any(b == d and a in pending for a, b in bounds)]
        chosen = ready[0] if ready else pending[0]  # a cycle of bounds: keep the given order
        order.append(chosen)
        pending.remove(chosen)
    return order


def verify(
    derivation: Derivation, *, seed: int = 0, exact: bool = True, method: str = "auto"
) -> Derivation:
    """Check a derivation; return it with its verification record.

    Args:
        derivation: What the engine produced.
        seed: Seed for the random test values.
        exact: Whether to run the exact comparison as well as the numeric checks.
        method: How to make the exact comparison (see :func:`exact_check`).

    Returns:
        The derivation with ``verification`` filled in.

    Raises:
        VerificationError: A step or the result failed; it is never shown as proven.
    """
    problem = derivation.problem
    sizes = assign_sizes(problem)
    _check_sizes(problem, derivation.wrt, sizes)
    rng = np.random.default_rng(seed)
    point = with_directions(derivation, numeric_point(problem, sizes, rng), rng)
    judge = StepJudge(point, problem, sizes, seed, TOLERANCE)
    checks = tuple(_check_step(n, step.kind, step.lines, judge)
                   for n, step in enumerate(derivation.steps))  # fmt: skip
    errors = [_error_of(r, judge, _result_name(derivation, r)) for r in derivation.results]
    structure = confirm_structure(derivation, point, seed)
    verdicts: list[bool] = []
    methods: list[str] = []
    if exact:
        for result in derivation.results:
            with budget.stage(f"the exact check of {_result_name(derivation, result)}"):
                agrees, how = exact_check(problem, derivation.wrt, result, sizes, rng,
                                          derivation.layout, method)  # fmt: skip
            if isinstance(result.lhs, ex.Derivative) and result.lhs.structure:
                how = f"{SYMMETRIC_METHOD}, {how}"
            verdicts.append(agrees)
            methods.append(how)
    if judge.decided_exactly:
        methods.append(f"{_listed(judge.decided_exactly)}, where floating point could not"
                       " decide, compared exactly (modulo a large prime) at a random integer"
                       " point")  # fmt: skip
    record = Verification(
        exact=all(verdicts) if exact else None,
        exact_method="; ".join(dict.fromkeys(methods)),
        sizes=sizes,
        numeric_error=max(errors, default=0.0),
        tolerance=TOLERANCE,
        steps=checks,
        seed=seed,
    )
    if structure or not record.passed:
        failures = [f"step {c.step + 1} ({c.kind}): relative error {c.max_error:.2e}"
                    for c in checks if not c.passed]  # fmt: skip
        for number, result in enumerate(derivation.results):
            name = _result_name(derivation, result)
            if exact and not verdicts[number]:
                failures.append(f"{name}: the exact comparison with the original failed")
            if errors[number] > TOLERANCE:
                failures.append(f"{name}: differs from finite differences of the original by"
                                f" {errors[number]:.2e}")  # fmt: skip
        raise VerificationError(
            f"the derivation of {derivation.source!r} failed its checks", (*failures, *structure)
        )
    return dataclasses.replace(derivation, verification=record)


def confirm_structure(derivation: Derivation, point: Point, seed: int) -> list[str]:
    """What the values of the lines cannot show (``check.confirm``): the rule each step cites,
    the range of every index, continuity between steps, the printed basic facts, the printed
    lines read back by the parser, and the steps before symmetry is used, at a matrix that is not
    symmetric."""
    failures = confirm.confirm(derivation)
    failures += confirm.check_facts(derivation, point, relative_error, TOLERANCE)
    failures += confirm.read_back(derivation, point, relative_error, TOLERANCE)
    if any(info.symmetric for info in derivation.symbols.values()):
        skewed = confirm.asymmetric(derivation, point, np.random.default_rng(seed + 1))
        failures += confirm.check_before_symmetry(derivation, skewed, relative_error, TOLERANCE)
    return failures


def with_directions(derivation: Derivation, point: Point, rng: np.random.Generator) -> Point:
    """The point, with a random direction ``dX`` of the variable when a line is a differential.

    A differential line (``d alpha = (dx)^T A x + x^T A dx``) is an equation between expressions
    linear in ``dX``; each side is evaluated along the same random direction (``d U`` as the
    directional derivative of ``U``), so a dropped term or a lost sign shows as a difference.
    """
    lines = (line for step in derivation.steps for line in step.lines)
    if not any(isinstance(line, ex.Expr) and _has_differential(line) for line in lines):
        return point
    return differential.with_direction(point, derivation.wrt, rng)


def _has_differential(node: ex.Expr) -> bool:
    return isinstance(node, Differential) or any(_has_differential(c) for c in node.children)


MAX_SIZE = 32
MAX_ENTRIES = 144


def vanishing_denominator(problem: Problem, seed: int = 0) -> ex.Expr | None:
    """A denominator (a scalar's negative power, or an inverted matrix) that is zero (singular)
    for every value of the symbols, or None; see :func:`fallback.vanishing_denominator`.
    Sizes past the check's limits are not tried (the checks refuse them anyway)."""
    sizes = assign_sizes(problem)
    dims = [d for info in problem.symbols.values() for d in (info.shape.rows, info.shape.cols)]
    if max((size_of(d, sizes) for d in dims), default=1) > MAX_SIZE:
        return None
    return fallback.vanishing_denominator(problem, sizes, seed)


def _check_sizes(problem: Problem, wrt: ex.Symbol, sizes: dict[str, int]) -> None:
    """Refuse sizes whose checks would run for minutes (each entry of the variable is one
    exact derivative and two finite differences of the whole expression).

    Raises:
        LimitError: A declared size is larger than :data:`MAX_SIZE`, or the variable has more
            than :data:`MAX_ENTRIES` entries.
    """
    dims = [d for info in problem.symbols.values() for d in (info.shape.rows, info.shape.cols)]
    largest = max((size_of(d, sizes) for d in dims), default=1)
    entries = size_of(wrt.shape.rows, sizes) * size_of(wrt.shape.cols, sizes)
    if largest > MAX_SIZE or entries > MAX_ENTRIES:
        raise LimitError(
            f"derive checks a proof at the declared sizes, and a size of {largest} (the variable"
            f" {wrt.name} has {entries} entries) would take minutes; the limits are {MAX_SIZE}"
            f" and {MAX_ENTRIES} entries. Declare a symbolic size instead (x: n): the proof is the"
            " same for every size"
        )


def _result_name(derivation: Derivation, result: Result) -> str:
    """``the result (step 10)``, or ``the Hessian (step 17)``: where the reader finds it."""
    what = "the Hessian" if result.kind == ResultKind.HESSIAN else "the result"
    for number, step in enumerate(derivation.steps):
        if step.kind == StepKind.RESULT and step.lines[0] == result.lhs:
            return f"{what} (step {number + 1}, result)"
    return what


def _check_step(
    number: int, kind: StepKind, lines: tuple[Any, ...], judge: StepJudge
) -> StepCheck:
    name = f"step {number + 1} ({kind})"
    with budget.stage(f"the check of {name}"):
        error = judge.error(lines, name)
    return StepCheck(number, kind, error, error <= TOLERANCE)


def _error_of(result: Result, judge: StepJudge, name: str) -> float:
    with budget.stage(f"the numeric check of {name}"):
        return judge.error((result.lhs, result.rhs), name)


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def numeric_point(problem: Problem, sizes: dict[str, int], rng: np.random.Generator) -> Point:
    """Random well-conditioned values inside the domain of every function (:mod:`domain`).

    Raises:
        UnsupportedError: No point drawn lies inside the domain.
    """
    found = domain.conditions(problem.expr)
    for _ in range(domain.TRIES):
        point = _numeric_point(problem, sizes, rng)
        if domain.inside(found, functools.partial(_value_at, point), domain.MARGIN):
            return point
    shown = "; ".join(f"{c.domain} for {c.because}" for c in found)
    raise UnsupportedError(f"the checks found no random point where the arguments are {shown}")


def _value_at(point: Point, node: ex.Expr) -> Any:
    return evaluate(node, point)


def _in_domain(problem: Problem, point: exact.ExactPoint, sizes: dict[str, int]) -> bool:
    """Whether every function's argument is inside its domain at an exact point."""
    found = domain.conditions(problem.expr)
    if not found:
        return True
    floats = Point({n: np.asarray(v, dtype=float) for n, v in point.values.items()},
                   {k: np.asarray(v, dtype=float) for k, v in point.jacobians.items()}, sizes)
    return domain.inside(found, functools.partial(_value_at, floats), 0.0)


def _numeric_point(problem: Problem, sizes: dict[str, int], rng: np.random.Generator) -> Point:
    """Random well-conditioned values: square matrices near 2 I, positive scalars."""
    positive = domain.positive_symbols(problem.expr)
    values: dict[str, Any] = {}
    for name, shape in independent(problem):
        rows = shape.rows if isinstance(shape.rows, int) else sizes[shape.rows]
        cols = shape.cols if isinstance(shape.cols, int) else sizes[shape.cols]
        if shape.is_scalar:
            values[name] = np.array([[rng.uniform(0.5, 1.5)]])
            continue
        value = rng.standard_normal((rows, cols)) * 0.5
        if shape.is_square:
            value = value / np.sqrt(rows) + 2 * np.eye(rows)
            if problem.symbols[name].symmetric:
                value = (value + value.T) / 2
        values[name] = np.abs(value) + 0.1 if name in positive else value
    jacobians = {
        (name, wrt): rng.standard_normal((size_of(info.shape.rows, sizes),
                                          size_of(problem.symbols[wrt].shape.rows, sizes)))
        for name, info in problem.symbols.items() for wrt in info.depends_on
    }  # fmt: skip
    return Point(values, jacobians, sizes)


SYMMETRIC_METHOD = ("along symmetric perturbations of the variable, each entry moved with its"
                    " mirror image")  # fmt: skip
DUAL_METHOD = "with dual numbers, in exact rational arithmetic at two random rational points"
SYMPY_METHOD = "by SymPy, in exact rational arithmetic at two random rational points"
DIGITS_METHOD = ("by SymPy at two random rational points, values SymPy does not decide equal"
                 " (exp, sin, σ) compared to 60 digits with mpmath")  # fmt: skip


def exact_check(
    problem: Problem,
    wrt: ex.Symbol,
    result: Result,
    sizes: dict[str, int],
    rng: np.random.Generator,
    layout: ex.Layout,
    method: str = "auto",
) -> tuple[bool, str]:
    """Compare the result with an exact entrywise derivative of the original expression.

    Args:
        problem: The parsed expression.
        wrt: The variable.
        result: The engine's result.
        sizes: Concrete sizes of the dimension symbols.
        rng: Source of the random rational points.
        layout: The layout the result is in.
        method: ``"dual"`` (forward-mode dual numbers over Fractions), ``"sympy"`` (the same
            dual numbers over SymPy's exact numbers), or ``"auto"``: over Fractions, and over
            SymPy numbers where the values turn irrational (logarithms and square roots).

    Returns:
        Whether they agree, and a sentence saying how they were compared.
    """
    if method in ("auto", "dual"):
        verdict = dual_exact_check(problem, wrt, result, sizes, rng, layout)
        if verdict is not None or method == "dual":
            return bool(verdict), DUAL_METHOD
    digits: list[bool] = []
    agrees = sympy_exact_check(problem, wrt, result, sizes, rng, layout, digits)
    return agrees, DIGITS_METHOD if any(digits) else SYMPY_METHOD


def dual_exact_check(
    problem: Problem,
    wrt: ex.Symbol,
    result: Result,
    sizes: dict[str, int],
    rng: np.random.Generator,
    layout: ex.Layout,
) -> bool | None:
    """Exact check with dual numbers; None when a value is irrational (SymPy must decide)."""
    function, rhs = rational_form(problem.expr), rational_form(result.rhs)
    compared = 0
    for _ in range(_EXACT_TRIES):
        point = rational_point(problem, sizes, rng)
        if not _in_domain(problem, point, sizes):
            continue  # a kink or a boundary of a function (abs at 0): this point decides nothing
        try:
            oracle = _oracle(function, wrt, point, result, layout)
            values = Point(point.values, point.jacobians, sizes, exact=True)
            engine = np.asarray(evaluate(rhs, values), dtype=object)
        except ZeroDivisionError:
            continue  # a pole of the function (a singular matrix): this point decides nothing
        expected = np.asarray(oracle, dtype=object)
        if exact.has_irrational(engine, expected):
            return None
        if engine.size != expected.size:
            return False
        if any(a != b for a, b in zip(engine.flat, expected.reshape(engine.shape).flat,
                                      strict=True)):  # fmt: skip
            return False
        compared += 1
        if compared == 2:
            return True
    # every point a pole of the dual computation (the square root of a zero norm): SymPy decides
    return True if compared else None


def sympy_exact_check(
    problem: Problem,
    wrt: ex.Symbol,
    result: Result,
    sizes: dict[str, int],
    rng: np.random.Generator,
    layout: ex.Layout,
    digits: list[bool] | None = None,
) -> bool:
    """Compare the engine's result with the exact derivative of the original, in SymPy numbers.

    Each comparison that SymPy could not decide exactly and that was made to 60 digits appends
    True to ``digits``, so that the check line can say so.

    The same dual numbers as :func:`dual_exact_check`, over SymPy's exact numbers instead of
    Fractions, so that square roots and logarithms of rationals stay exact (``sqrt(17)``,
    ``log(3)``); values that are not identical are compared by evaluating them and their
    difference to 60 digits (no ``simplify``, which can take minutes).
    """
    import sympy

    function, rhs = rational_form(problem.expr), rational_form(result.rhs)
    compared = 0
    # a random point may be a pole of the function (a zero denominator, a singular matrix):
    # such a point decides nothing, so draw another, up to a fixed number of tries
    for _ in range(_EXACT_TRIES):
        point = in_sympy(rational_point(problem, sizes, rng))
        if not _in_domain(problem, point, sizes):
            continue
        try:
            oracle = _oracle(function, wrt, point, result, layout)
            values = Point(point.values, point.jacobians, sizes, exact=True)
            engine = np.asarray(evaluate(rhs, values), dtype=object)
        except (ZeroDivisionError, ValueError, ArithmeticError):
            continue
        if exact.has_irrational(engine, oracle):
            continue  # a value only known to be irrational (sigma(0 x) at a Fraction 0)
        if any(sympy.sympify(e).has(sympy.zoo, sympy.nan, sympy.oo) for e in oracle.flat):
            continue
        expected = np.asarray(oracle, dtype=object)
        if engine.size != expected.size:
            return False
        for a, b in zip(engine.flat, expected.reshape(engine.shape).flat, strict=True):
            budget.check()
            if sympy.sympify(a) == sympy.sympify(b):
                continue
            if not negligible(a, b):
                return False
            if digits is not None:
                digits.append(True)
        compared += 1
        if compared == 2:
            return True
    return compared > 0


_EXACT_TRIES = 8


def _oracle(function: ex.Expr, wrt: ex.Symbol, point: exact.ExactPoint, result: Result,
            layout: ex.Layout) -> Any:  # fmt: skip
    """The exact derivative of the original that ``result`` claims, laid out as it is.

    A derivative by a symmetric matrix is taken along symmetric perturbations (each pair
    ``x_ij = x_ji`` one variable), never by the entries one at a time.
    """
    if isinstance(result.lhs, ex.Derivative) and result.lhs.structure:
        return exact.symmetric_derivative(function, wrt, point)
    order = 2 if result.kind == ResultKind.HESSIAN else 1
    oracle = exact.derivative_tensor(function, wrt, point, order)
    if result.kind != ResultKind.TENSOR:
        oracle = arrange(oracle, function.shape, wrt.shape, layout, order)
    return oracle
