"""Is a student's answer right? Compare it with the proven result, exactly, and say how it errs.

The answer is parsed in the same language and with the same symbols as the expression, then
evaluated at the verifier's random rational points (exact arithmetic, concrete sizes), where it
must equal the result entry by entry. When it does not, the same points tell what it is
instead, in this order:

1. the derivative in another layout (equal to the derivative arranged that way);
2. right only when some undeclared square matrices are symmetric (equal at symmetric points);
3. a constant multiple of the result (``-1``, ``2``, ``1/2``);
4. wrong: the wrong shape (noting what its transpose is, when that has the right shape), or a
   counterexample at small integer values.

Two random points of a rational function that agree are a randomised identity test, as in the
verifier: a false "correct" needs both points to land on the zero set of a nonzero rational
function.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import Any

import numpy as np

from derive.calculus.proof import Counterexample, Derivation, Verdict
from derive.check import exact
from derive.check.evaluate import Point, arrange, evaluate
from derive.check.points import in_sympy, rational_form, rational_point
from derive.check.verify import assign_sizes
from derive.errors import LocatedError, ParseError, Span, UnsupportedError
from derive.ir import expr as ex
from derive.ir.expr import LAYOUTS
from derive.language.declare import Declaration
from derive.language.names import canonical_name
from derive.language.parse import parse_syntax
from derive.language.shapes import Problem, infer
from derive.language.syntax import Syntax

_POINTS = 2
_COUNTEREXAMPLE_TRIES = 20


def parse_answer(text: str, problem: Problem) -> ex.Expr:
    """Parse an answer with the expression's symbols and shapes.

    Args:
        text: The answer in the ASCII or LaTeX input language, e.g. ``"(A + A') x"``.
        problem: The parsed expression whose symbols the answer may use.

    Returns:
        The shape-checked answer.

    Raises:
        ParseError, ShapeError: The answer is malformed, does not fit together, or names a
            symbol the expression does not have (the message points into the answer).
    """
    try:
        tree = parse_syntax(text)
        _check_names(tree, text, problem)
        declarations = {name: Declaration(name, (info.shape.rows, info.shape.cols),
                                          info.symmetric, info.invertible, info.depends_on)
                        for name, info in problem.symbols.items()}  # fmt: skip
        return infer(tree, text, declarations).expr
    except LocatedError as error:
        raise type(error)(f"in the answer: {error.message}", error.span, text) from None


def _check_names(tree: Syntax, text: str, problem: Problem) -> None:
    stack = [tree]
    while stack:  # terminates: the tree is finite and every node is visited once
        node = stack.pop()
        name = canonical_name(node.name) if node.op == "sym" else ""
        if name and name != "I" and name not in problem.symbols:
            known = ", ".join(problem.symbols)
            raise ParseError(f"{node.name} is not a symbol of the expression (it has {known})",
                             node.span, text)  # fmt: skip
        stack.extend(node.args)


def check_answer(derivation: Derivation, answer: str, *, seed: int = 0) -> Verdict:
    """Compare a student's answer with the derivation's result.

    Args:
        derivation: The (verified) derivation.
        answer: The student's answer, in the input language.
        seed: Seed of the random test values.

    Returns:
        The verdict (``verdict.correct`` for a right answer).

    Raises:
        ParseError, ShapeError: The answer is at fault (pointing into the answer).
        UnsupportedError: The result is a tensor without a matrix layout.
    """
    problem, wrt = derivation.problem, derivation.wrt
    order = 2 if derivation.result.kind == "hessian" else 1
    shape = ex.derivative_shape(problem.expr.shape, wrt.shape, derivation.layout, order)
    if shape is None or not isinstance(derivation.result.rhs, ex.Expr):
        raise UnsupportedError("this derivative is a tensor without a matrix layout; answers to "
                               "it cannot be checked yet")  # fmt: skip
    parsed = parse_answer(answer, problem)
    verdict = Verdict("wrong", answer, parsed, derivation.result.rhs)
    judge = _Judge(derivation, parsed, order, seed)
    try:
        try:
            return judge.decide(verdict, shape)
        except _Irrational:
            return dataclasses.replace(judge, in_sympy=True).decide(verdict, shape)
    except (ArithmeticError, ValueError):  # ZeroDivisionError is an ArithmeticError
        raise UnsupportedError("in the answer: it cannot be compared with the result, because it "
                               "is undefined (a division by zero, a singular inverse) at the "
                               "test values", Span(0, len(answer)), answer) from None


class _Irrational(Exception):
    """A value is irrational in Fractions: redo the comparison in SymPy's exact numbers."""


@dataclasses.dataclass(frozen=True)
class _Judge:
    derivation: Derivation
    answer: ex.Expr
    order: int
    seed: int
    in_sympy: bool = False

    def decide(self, verdict: Verdict, shape: ex.Shape) -> Verdict:
        """The first of the verdicts (module docstring) that the answer earns.

        A transpose may also be right under a symmetry (``X^-1`` for ``log det X``), and a
        wrong answer may be a multiple of the result under one (``A' x`` for ``x' A x``): the
        verdict then names that condition too, as a note.
        """
        general = self.points(())
        same_shape = self.answer.shape == shape
        if same_shape and self.agrees(general, self.expected, 1):
            return dataclasses.replace(verdict, kind="correct")
        layouts = self.layouts(general)
        if layouts:
            also = self.symmetry(same_shape)
            return dataclasses.replace(verdict, kind="transpose", layouts=layouts, condition=also)
        if not same_shape:
            return self.transposed(dataclasses.replace(verdict, kind="shape"), shape)
        condition = self.symmetry(True)
        if condition:
            return dataclasses.replace(verdict, kind="conditional", condition=condition)
        factor = self.factor(general)
        if factor is not None:
            return dataclasses.replace(verdict, kind="factor", factor=str(factor))
        verdict = dataclasses.replace(verdict, counterexample=self.counterexample())
        for condition in self.conditions():
            factor = self.factor(self.points(condition))
            if factor is not None:
                return dataclasses.replace(verdict, condition=condition, factor=str(factor))
        return verdict

    def transposed(self, verdict: Verdict, shape: ex.Shape) -> Verdict:
        """A wrong shape that is the result's transposed: note what its transpose is (``2 x' A``
        for ``x' A x``: its transpose is right only if A is symmetric)."""
        if self.answer.shape.T != shape:
            return verdict
        judge = dataclasses.replace(self, answer=ex.transpose(self.answer))
        condition = judge.symmetry(True)
        if condition:
            return dataclasses.replace(verdict, condition=condition)
        factor = judge.factor(self.points(()))
        return verdict if factor is None else dataclasses.replace(verdict, factor=str(factor))

    def symmetry(self, same_shape: bool) -> tuple[str, ...]:
        """The first undeclared symmetry under which the answer equals the result, or ()."""
        if not same_shape:
            return ()
        for condition in self.conditions():
            if self.agrees(self.points(condition), self.expected, 1):
                return condition
        return ()

    # -- points and values --------------------------------------------------------------------

    def points(self, symmetric: tuple[str, ...]) -> list[Point]:
        """Random rational points (the verifier's), with ``symmetric`` matrices symmetric."""
        problem = self.derivation.problem
        symbols = {name: dataclasses.replace(info, symmetric=info.symmetric or name in symmetric)
                   for name, info in problem.symbols.items()}  # fmt: skip
        problem = dataclasses.replace(problem, symbols=symbols)
        sizes = assign_sizes(problem)
        rng = np.random.default_rng(self.seed)
        exact_points = [rational_point(problem, sizes, rng) for _ in range(_POINTS)]
        if self.in_sympy:
            exact_points = [in_sympy(p) for p in exact_points]
        return [Point(p.values, p.jacobians, sizes, exact=True) for p in exact_points]

    def value(self, node: ex.Expr, point: Point) -> np.ndarray[Any, Any]:
        value = np.asarray(evaluate(rational_form(node), point), dtype=object)
        if exact.has_irrational(value):
            raise _Irrational
        return value

    def expected(self, point: Point) -> np.ndarray[Any, Any]:
        rhs = self.derivation.result.rhs
        assert isinstance(rhs, ex.Expr)  # check_answer refuses tensors
        return self.value(rhs, point)

    def arranged(self, point: Point, layout: str) -> np.ndarray[Any, Any]:
        """The exact derivative of the original, laid out in ``layout``."""
        problem, wrt = self.derivation.problem, self.derivation.wrt
        values = exact.ExactPoint(point.values, point.jacobians, point.sizes)
        lhs = self.derivation.result.lhs
        if isinstance(lhs, ex.Derivative) and lhs.structure:  # symmetric: the same in every layout
            structured = exact.symmetric_derivative(rational_form(problem.expr), wrt, values)
            if exact.has_irrational(structured):
                raise _Irrational
            return np.asarray(structured, dtype=object)
        tensor = exact.derivative_tensor(rational_form(problem.expr), wrt, values, self.order)
        if exact.has_irrational(tensor):
            raise _Irrational
        return np.asarray(arrange(tensor, problem.expr.shape, wrt.shape, layout, self.order),
                          dtype=object)  # fmt: skip

    def agrees(self, points: list[Point], reference: Callable[[Point], Any], factor: Any) -> bool:
        """Whether the answer equals ``factor`` times the reference at every point."""
        for point in points:
            mine, theirs = self.value(self.answer, point), reference(point)
            if mine.shape != theirs.shape:
                return False
            if any(not _same(a, factor * b) for a, b in zip(mine.flat, theirs.flat, strict=True)):
                return False
        return True

    # -- what the answer is instead -----------------------------------------------------------

    def layouts(self, points: list[Point]) -> tuple[str, ...]:
        """The other layouts in which the answer is the derivative."""
        d = self.derivation
        if self.order != 1:
            return ()
        found = []
        for layout in LAYOUTS:
            shape = ex.derivative_shape(d.problem.expr.shape, d.wrt.shape, layout)
            if layout == d.layout or shape != self.answer.shape:
                continue
            try:
                if self.agrees(points, functools.partial(self.arranged, layout=layout), 1):
                    found.append(layout)
            except (ZeroDivisionError, ValueError):
                continue
        return tuple(found)

    def conditions(self) -> Iterator[tuple[str, ...]]:
        """Undeclared symmetries to try: each square matrix alone, then all of them."""
        square = [name for name, info in self.derivation.problem.symbols.items()
                  if info.shape.is_square and not info.shape.is_scalar and not info.symmetric]
        yield from ((name,) for name in square)  # fmt: skip
        if len(square) > 1:
            yield tuple(square)

    def factor(self, points: list[Point]) -> Fraction | None:
        """The constant ``c`` with answer = c * result, when there is one (and it is not 1)."""
        mine, theirs = self.value(self.answer, points[0]), self.expected(points[0])
        pairs = [(a, b) for a, b in zip(mine.flat, theirs.flat, strict=True) if b != 0]
        if not pairs:
            return None
        ratio = pairs[0][0] / pairs[0][1]
        if self.in_sympy:
            import sympy

            # a guess from 60 digits (no simplify, which can take minutes); agrees() checks it
            ratio = sympy.nsimplify(sympy.N(ratio, 60), rational=True, tolerance=1e-40)
            if not ratio.is_Rational:
                return None
            ratio = Fraction(int(ratio.p), int(ratio.q))
        if ratio in (0, 1) or not self.agrees(points, self.expected, ratio):
            return None
        return Fraction(ratio)

    def counterexample(self) -> Counterexample | None:
        """Small integer values (every size 2, then the verifier's) where the two differ."""
        problem = self.derivation.problem
        rng = np.random.default_rng(self.seed)
        dims = assign_sizes(problem)
        for sizes in ({d: 2 for d in dims}, dims):
            for _ in range(_COUNTEREXAMPLE_TRIES // 2):
                point = _integer_point(problem, sizes, rng)
                try:
                    mine, theirs = self.value(self.answer, point), self.expected(point)
                except (ZeroDivisionError, ValueError, _Irrational):
                    continue
                for entry in itertools.product(*map(range, mine.shape)):
                    if not _same(mine[entry], theirs[entry]):
                        return Counterexample(
                            sizes, {n: _rows(v) for n, v in point.values.items()},
                            (entry[0] + 1, entry[1] + 1), _show(mine[entry]),
                            _show(theirs[entry]),
                        )  # fmt: skip
        return None


def _integer_point(problem: Problem, sizes: dict[str, int], rng: np.random.Generator) -> Point:
    """Small integers for every symbol; square matrices get 3 on the diagonal (invertible)."""
    values: dict[str, Any] = {}
    for name, info in problem.symbols.items():
        rows = info.shape.rows if isinstance(info.shape.rows, int) else sizes[info.shape.rows]
        cols = info.shape.cols if isinstance(info.shape.cols, int) else sizes[info.shape.cols]
        low = 1 if info.shape.is_scalar else -2
        cells = [[Fraction(int(rng.integers(low, 3))) for _ in range(cols)] for _ in range(rows)]
        value = exact.matrix(cells)
        if info.shape.is_square and not info.shape.is_scalar:
            value = value + exact.identity(rows) * 3
            if info.symmetric:
                value = exact.matrix([[value[min(i, j), max(i, j)] for j in range(cols)]
                                      for i in range(rows)])  # fmt: skip
            elif rows > 1 and (value == value.T).all():
                value[0, 1] += 1  # a symmetric example would hide what symmetry hides
        values[name] = value
    jacobians: dict[tuple[str, str], Any] = {}
    for name, info in problem.symbols.items():
        for dep in info.depends_on:
            rows = _size(info.shape.rows, sizes)
            cols = _size(problem.symbols[dep].shape.rows, sizes)
            jacobians[(name, dep)] = exact.matrix(
                [[Fraction(int(rng.integers(-2, 3))) for _ in range(cols)] for _ in range(rows)]
            )
    return Point(values, jacobians, sizes, exact=True)


def _size(dim: ex.Dim, sizes: dict[str, int]) -> int:
    return dim if isinstance(dim, int) else sizes[dim]


def _same(a: Any, b: Any) -> bool:
    if a == b:
        return True
    if type(a).__module__.startswith("sympy") or type(b).__module__.startswith("sympy"):
        from derive.check.fallback import negligible

        return negligible(a, b)
    return False


def _show(value: Any) -> str:
    return str(value)


def _rows(value: Any) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(_show(c) for c in row) for row in np.asarray(value, dtype=object))
