"""Deciding what floating point cannot: exact fallbacks of the step checks, and denominators
that vanish everywhere.

Floating point cannot decide a step where values overflow, cancel (ill-conditioned high powers)
or where central differences are too coarse; :class:`StepJudge` then evaluates the step again
exactly, modulo a large prime at a random integer point (:class:`exact.Modular`), or in SymPy
numbers to 60 digits where logarithms make values irrational. No ``simplify`` is involved.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import numpy as np

from derive import budget
from derive.check import exact
from derive.check.evaluate import Point, evaluate
from derive.check.points import in_sympy, rational_form, rational_point
from derive.errors import VerificationError
from derive.ir import expr as ex
from derive.language.shapes import Problem

_TRIES = 8


def vanishing_denominator(
    problem: Problem, sizes: dict[str, int], seed: int = 0
) -> ex.Expr | None:
    """A denominator (a scalar's negative power, or an inverted matrix) that is zero (singular)
    for every value of the symbols, or None.

    "Every value" is decided as a randomised identity test: zero at two random integer points
    modulo a large prime (a nonzero polynomial vanishes at both with negligible probability).
    """
    denominators = list(dict.fromkeys(_denominators(problem.expr)))
    if not denominators:
        return None
    rng = np.random.default_rng([seed, 2])
    points = [_modular(rational_point(problem, sizes, rng, integers=True, spread=10**9))
              for _ in range(2)]  # fmt: skip
    for node in denominators:
        if all(_vanishes(node, point) for point in points):
            return node
    return None


def _denominators(node: ex.Expr) -> Iterator[ex.Expr]:
    for child in node.children:
        yield from _denominators(child)
    if isinstance(node, ex.Power) and node.exponent < 0:
        yield node.base
    elif isinstance(node, ex.Inverse):
        yield node.arg


def _vanishes(node: ex.Expr, point: Point) -> bool:
    budget.check()
    try:
        value = evaluate(node, point)
        return bool(exact.det(value) == 0) if value.shape != (1, 1) else bool(value[0, 0] == 0)
    except (ZeroDivisionError, ArithmeticError):
        return False  # undefined at this point for another reason: not this denominator


def relative_error(a: Any, b: Any) -> float:
    """``max |a - b| / max(1, max |a|, max |b|)``; NaN or a shape mismatch counts as infinite.

    Two matrices must have the same shape (a row is not a column); an index sum's array (its
    free indices' axes) is compared with a matrix of as many entries.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        if a.size != b.size or a.ndim == b.ndim == 2:
            return float("inf")
        b = b.reshape(a.shape)
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return float("inf")
    scale = max(1.0, float(np.max(np.abs(a), initial=0)), float(np.max(np.abs(b), initial=0)))
    return float(np.max(np.abs(a - b), initial=0)) / scale


class StepJudge:
    """Decides whether the lines of a step agree: in floating point where it can, else exactly.

    Floating point cannot decide where values overflow, cancel (ill-conditioned high powers) or
    where central differences are too coarse; a correct step must not fail for that, so such a
    step is evaluated again at a random rational point in exact arithmetic (marked derivatives
    by dual numbers), and where logarithms or square roots make the values irrational, in SymPy
    numbers to 60 significant digits.
    """

    def __init__(
        self, point: Point, problem: Problem, sizes: dict[str, int], seed: int, tolerance: float
    ) -> None:
        self.point = point
        self.tolerance = tolerance
        self.problem = problem
        self.sizes = sizes
        self.rng = np.random.default_rng([seed, 1])
        self.decided_exactly: list[str] = []
        # one point for every step (its values are reused): modulo a prime, and as Fractions
        self._rational: tuple[Point, exact.ExactPoint] | None = None

    def error(self, lines: tuple[Any, ...], name: str) -> float:
        """The relative error between the lines: the float one, or 0/inf decided exactly."""
        error = self._float_error(lines, name)
        if error <= self.tolerance:
            return error
        agrees = self._exact_agreement(lines, name)
        if agrees is None:
            return error
        if agrees:
            self.decided_exactly.append(name)
            return 0.0
        return max(error, float("inf") if not np.isfinite(error) else error)

    def _with_directions(self, point: exact.ExactPoint) -> exact.ExactPoint:
        """The rational point with a rational direction wherever the float point has one
        (``d(X)``, see ``check.differential``): differential lines are compared exactly along
        it, their differentials by dual numbers."""
        for key, value in self.point.values.items():
            if key.startswith("d(") and key.endswith(")"):
                point = point.moved(key, _rational_direction(value, self.rng))
        return point

    def _float_error(self, lines: tuple[Any, ...], name: str) -> float:
        try:
            with np.errstate(all="ignore"):
                values = [evaluate(line, self.point) for line in lines]
                return max((relative_error(values[0], v) for v in values[1:]), default=0.0)
        except (OverflowError, ZeroDivisionError, FloatingPointError, np.linalg.LinAlgError):
            return float("inf")  # floating point cannot decide; the exact check will
        except (ValueError, KeyError, IndexError) as problem:
            raise VerificationError(f"{name} could not be evaluated: {problem}") from problem

    def _exact_agreement(self, lines: tuple[Any, ...], name: str) -> bool | None:
        """Whether the lines agree exactly at a rational point (None: no point decides)."""
        for _ in range(_TRIES):
            if self._rational is None:
                fractions = rational_point(self.problem, self.sizes, self.rng, integers=True)
                fractions = self._with_directions(fractions)
                self._rational = _modular(fractions), fractions
            modular, fractions = self._rational
            try:
                values = _exact_values(lines, modular)
                if exact.has_irrational(*values):
                    values = _exact_values(lines, _as_point(in_sympy(fractions)))
            except (ZeroDivisionError, ArithmeticError):
                self._rational = None
                continue  # a pole of the expression at this point: it decides nothing
            except (ValueError, KeyError, IndexError) as problem:
                raise VerificationError(f"{name} could not be evaluated: {problem}") from problem
            return all(_exactly_equal(values[0], v) for v in values[1:])
        return None


def _rational_direction(value: Any, rng: np.random.Generator) -> Any:
    """A random direction of whole numbers, of the shape of ``value`` (never all zero)."""
    rows, cols = np.asarray(value).shape
    entries = [[Fraction(int(rng.integers(-4, 5))) for _ in range(cols)] for _ in range(rows)]
    entries[0][0] = entries[0][0] or Fraction(1)
    return exact.matrix(entries)


def _modular(point: exact.ExactPoint) -> Point:
    """The same point modulo a large prime (see :class:`exact.Modular`)."""
    values = {name: exact.modular(value) for name, value in point.values.items()}
    jacobians = {key: exact.modular(value) for key, value in point.jacobians.items()}
    return Point(values, jacobians, point.sizes, exact=True)


def _as_point(point: exact.ExactPoint) -> Point:
    return Point(point.values, point.jacobians, point.sizes, exact=True)


def _exact_values(lines: tuple[Any, ...], point: Point) -> list[Any]:
    return [np.asarray(evaluate(rational_form(line), point), dtype=object) for line in lines]


def _exactly_equal(a: Any, b: Any) -> bool:
    """Exact arrays equal entry by entry (an index sum's array against a matrix of its size);
    irrational entries are compared in SymPy numbers to 60 digits."""
    a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    if a.shape != b.shape:
        if a.size != b.size or a.ndim == b.ndim == 2:
            return False
        b = b.reshape(a.shape)
    for x, y in zip(a.flat, b.flat, strict=True):
        budget.check()
        if x != y and not negligible(x, y):
            return False
    return True


def negligible(x: Any, y: Any) -> bool:
    """Two exact values that differ by less than 1e-40 of their size (SymPy numbers with
    logarithms and square roots, evaluated to 60 digits)."""
    if isinstance(x, Fraction | int | exact.Modular) and isinstance(y, Fraction | int
                                                                    | exact.Modular):
        return False
    import sympy

    x, y = sympy.sympify(x), sympy.sympify(y)
    values = [sympy.N(v, _DIGITS) for v in (x - y, x, y)]
    if not all(v.is_number and v.is_finite for v in values):
        return False
    scale = max(sympy.Integer(1), abs(values[1]), abs(values[2]))
    return bool(abs(values[0]) <= sympy.Float(10, _DIGITS) ** -40 * scale)


_DIGITS = 60
