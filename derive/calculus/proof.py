"""Step, Derivation, Verification: the only objects templates see.

A derivation is a list of steps; each step is a chain of equal expressions (``lines[0] =
lines[1] = ...``) with the rules that justify it and, where useful, the basic facts it used
(``d x_i / d x_k = delta_ik``). Lines are matrix expressions (``derive.ir.expr``) or index sums
(``ir.index``); both print through ``documents.printer`` and evaluate through ``check.verify``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from derive.calculus.hypotheses import Hypotheses
from derive.calculus.rules import Rule, StepKind
from derive.ir import expr as ex
from derive.ir import index as ix
from derive.language.shapes import Problem, SymbolInfo

if TYPE_CHECKING:
    import sympy

# The layers above register how a derivation is shown (documents) and converted (check), so
# that this data module imports neither: ``register_view("render", render_derivation)``.
_VIEWS: dict[str, Callable[..., Any]] = {}


def register_view(name: str, function: Callable[..., Any]) -> None:
    """Make ``function`` the implementation of the view ``name`` of every derivation.

    Args:
        name: ``render``, ``repr_latex``, ``repr_html`` (``derive.documents``) or ``sympy``
            (``derive.check``).
        function: Called with the derivation (and, for ``render``, the format name).
    """
    _VIEWS[name] = function


def _view(name: str) -> Callable[..., Any]:
    try:
        return _VIEWS[name]
    except KeyError:
        raise RuntimeError(f"no {name!r} view is registered: import derive.documents and "
                           "derive.check first (derive.prove does)") from None

Formula = ex.Expr | ix.IndexSum


class ResultKind(StrEnum):
    """What kind of derivative a result is (a str: templates compare it with strings)."""

    GRADIENT = "gradient"
    HESSIAN = "hessian"
    JACOBIAN = "jacobian"
    BY_SCALAR = "derivative by a scalar"
    BY_MATRIX = "derivative by a matrix"
    TENSOR = "tensor"


@dataclass(frozen=True, slots=True)
class Fact:
    """A basic identity a step relies on, shown beside it: ``d x_i / d x_k = delta_ik``."""

    lhs: Formula
    rhs: Formula


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a proof.

    Attributes:
        kind: What the step does (it selects the prose that leads into it).
        lines: Expressions that are all equal, written ``lines[0] = lines[1] = ...``.
        rules: The rules that justify the step.
        facts: Basic identities the step used.
        for_all: Free indices the step holds for ("for all k = 1, ..., n, this leads to").
        stage: ``gradient`` or ``hessian`` (which part of a proof the step belongs to).
    """

    kind: StepKind
    lines: tuple[Formula, ...]
    rules: tuple[Rule, ...]
    facts: tuple[Fact, ...] = ()
    for_all: tuple[ix.Index, ...] = ()
    stage: str = "first"


@dataclass(frozen=True, slots=True)
class Result:
    """A proven identity ``lhs = rhs`` and what kind of derivative it is."""

    lhs: Formula
    rhs: Formula
    kind: ResultKind | None


@dataclass(frozen=True, slots=True)
class StepCheck:
    """The numeric check of one step: the largest relative error between consecutive lines."""

    step: int
    kind: StepKind
    max_error: float
    passed: bool


@dataclass(frozen=True, slots=True)
class Verification:
    """How a derivation was checked, kept on the derivation and shown with the proof.

    Attributes:
        exact: Whether the exact SymPy comparison passed (None when skipped).
        exact_method: How the exact comparison was made.
        sizes: The concrete size given to each dimension symbol.
        numeric_error: Largest relative error of the result against central differences.
        tolerance: The relative error allowed.
        steps: The check of each step.
        seed: The seed of the random test values.
    """

    exact: bool | None
    exact_method: str
    sizes: dict[str, int]
    numeric_error: float
    tolerance: float
    steps: tuple[StepCheck, ...]
    seed: int

    @property
    def passed(self) -> bool:
        """Everything that was checked passed."""
        return (
            self.exact is not False
            and self.numeric_error <= self.tolerance
            and all(s.passed for s in self.steps)
        )


VERDICTS = ("correct", "conditional", "transpose", "factor", "shape", "wrong")


@dataclass(frozen=True, slots=True)
class Counterexample:
    """Small integer values at which a wrong answer and the result differ.

    Attributes:
        sizes: The concrete size of each dimension symbol.
        values: Each symbol's value, as rows of exact numbers written out (``"3/2"``).
        entry: The 1-based (row, column) of the entry that differs.
        answer: That entry of the answer.
        expected: That entry of the proven result.
    """

    sizes: dict[str, int]
    values: dict[str, tuple[tuple[str, ...], ...]]
    entry: tuple[int, int]
    answer: str
    expected: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """How a student's answer compares with the proven result (``check.answer`` decides).

    Attributes:
        kind: One of :data:`VERDICTS`: ``correct``; ``conditional`` (right only when the
            ``condition`` symbols are symmetric); ``transpose`` (right in the ``layouts``);
            ``factor`` (``factor`` times the result); ``shape`` (the wrong shape); ``wrong``.
        source: The answer as the student wrote it.
        answer: The parsed answer.
        expected: The proven result it was compared with.
        condition: Symbols that must be symmetric for the answer to be right.
        layouts: The layouts in which the answer is the derivative (for ``transpose``).
        factor: The answer is this multiple of the result (for ``factor``).
        counterexample: Values at which the answer and the result differ (for ``wrong``).
    """

    kind: str
    source: str
    answer: ex.Expr
    expected: Formula
    condition: tuple[str, ...] = ()
    layouts: tuple[str, ...] = ()
    factor: str = ""
    counterexample: Counterexample | None = None

    @property
    def correct(self) -> bool:
        """The answer is right as the problem was stated."""
        return self.kind == "correct"


@dataclass(frozen=True)
class Derivation:
    """A derivative with its proof, as computed by the engine and checked by the verifier.

    ``parts`` holds the proofs a route through a substitution joins (``calculus.via``): the
    outer function by the new variable, then the new variable by the variable; each is a
    derivation of its own, verified as such. ``second`` holds, for a scalar function of several
    scalar variables with its Hessian, the result differentiated again by each variable in
    order (one row of the Hessian), each a verified derivation of its own.
    """

    source: str
    problem: Problem
    function: ex.Defined
    wrt: ex.Symbol
    layout: ex.Layout
    steps: tuple[Step, ...]
    results: tuple[Result, ...]
    verification: Verification | None = None
    options: dict[str, Any] = field(default_factory=dict)
    hypotheses: Hypotheses = Hypotheses()
    verdict: Verdict | None = None
    parts: tuple[Derivation, ...] = ()
    second: tuple[Derivation, ...] = ()

    @property
    def result(self) -> Result:
        """The final identity (the Hessian when one was asked for)."""
        return self.results[-1]

    @property
    def symbols(self) -> dict[str, SymbolInfo]:
        """The symbol table, with inferred shapes."""
        return self.problem.symbols

    @property
    def proven(self) -> bool:
        """Verified and passed (its parts too)."""
        return (self.verification is not None and self.verification.passed
                and all(part.proven for part in (*self.parts, *self.second)))

    def to_sympy(self) -> sympy.Basic:
        """The result as a SymPy matrix expression over ``MatrixSymbol``s named as the input."""
        return _view("sympy")(self)

    def to_latex(self, *, fragment: bool = False) -> str:
        """The proof as a LaTeX document (or, with ``fragment``, a snippet to ``\\input``)."""
        return str(_view("render")(self, "tex-fragment" if fragment else "tex"))

    def to_markdown(self) -> str:
        """The proof as Markdown with ``$``/``$$`` math (KaTeX and MathJax)."""
        return str(_view("render")(self, "md"))

    def to_text(self) -> str:
        """The proof as unicode text for a terminal."""
        return str(_view("render")(self, "text"))

    def to_json(self) -> str:
        """The derivation as JSON (schema in docs/json-schema.md)."""
        return str(_view("render")(self, "json"))

    def to_numpy(self) -> str:
        """A Python module computing the value and the derivative with NumPy, with a check."""
        return str(_view("render")(self, "numpy"))

    def to_torch(self) -> str:
        """A Python module computing the value and the derivative with PyTorch, with a check."""
        return str(_view("render")(self, "torch"))

    def _repr_latex_(self) -> str:
        return str(_view("repr_latex")(self))

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str | None:
        """The proof as HTML with MathML math for Jupyter; None (so that Jupyter falls back
        to LaTeX) where node or KaTeX's package is missing."""
        html = _view("repr_html")(self)
        return None if html is None else str(html)
