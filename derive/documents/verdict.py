"""What a verdict on a student's answer shows: the data the ``verdict`` templates phrase.

``check.answer`` decides the verdict; this module only arranges it for the page (math as
:class:`~derive.documents.page.Math`, sizes and values as text) and for JSON. The sentences are
in ``templates/{text,tex,md}/verdict.*.j2``, one macro per verdict kind.
"""

from __future__ import annotations

from dataclasses import dataclass

from derive.calculus.proof import Derivation, Verdict
from derive.documents.page import Math, SizeView, Space
from derive.documents.printer import latex, unicode
from derive.ir import expr as ex

JSONDict = dict[str, object]


@dataclass(frozen=True, slots=True)
class ValueView:
    """One symbol's value in a counterexample: rows of exact numbers (``"3/2"``)."""

    symbol: Math
    rows: tuple[tuple[str, ...], ...]

    @property
    def text(self) -> str:
        """MATLAB-style: ``[2; 1]`` for a column, ``[3 -1; -1 1]`` for a matrix, ``5``."""
        if len(self.rows) == 1 and len(self.rows[0]) == 1:
            return self.rows[0][0]
        return "[" + "; ".join(" ".join(row) for row in self.rows) + "]"


@dataclass(frozen=True, slots=True)
class CounterexampleView:
    """Values at which the answer and the result differ, and the entry that shows it."""

    sizes: tuple[SizeView, ...]
    values: tuple[ValueView, ...]
    entry: tuple[int, int]
    answer: str
    expected: str
    scalar: bool


@dataclass(frozen=True, slots=True)
class VerdictView:
    """Everything the verdict paragraph shows.

    Attributes:
        kind: ``correct``, ``conditional``, ``transpose``, ``factor``, ``shape`` or ``wrong``.
        correct: The answer is right as stated.
        source: The answer as typed (prose: escaped when rendered).
        answer: The parsed answer.
        lhs: The derivative's symbol (``∂α/∂x``).
        expected: The proven result.
        layout: The proof's layout.
        condition: Matrices that must be symmetric (conditional; also a note on others).
        layouts: Layouts in which the answer is the derivative (transpose).
        factor: The answer is this multiple of the result, or "".
        answer_space, expected_space: The two shapes (for ``shape``).
        counterexample: Where a wrong answer differs, or None.
    """

    kind: str
    correct: bool
    source: str
    answer: Math
    lhs: Math
    expected: Math
    layout: str
    condition: tuple[Math, ...]
    layouts: tuple[str, ...]
    factor: str
    answer_space: Space
    expected_space: Space
    counterexample: CounterexampleView | None


def build_verdict(d: Derivation) -> VerdictView | None:
    """The verdict's page data, or None when no answer was given.

    Args:
        d: The derivation, with ``d.verdict`` set by :func:`derive.check.answer.check_answer`.

    Returns:
        The view the ``verdict`` templates lay out.
    """
    v = d.verdict
    if v is None:
        return None
    names = tuple(d.symbols)
    expected_shape = v.expected.shape if isinstance(v.expected, ex.Expr) else v.answer.shape
    return VerdictView(
        kind=v.kind,
        correct=v.correct,
        source=v.source,
        answer=Math(v.answer, names),
        lhs=Math(d.result.lhs, names),
        expected=Math(v.expected, names),
        layout=d.layout,
        condition=tuple(Math(d.problem.symbol(n), names) for n in v.condition),
        layouts=v.layouts,
        factor=v.factor,
        answer_space=Space.of(v.answer.shape),
        expected_space=Space.of(expected_shape),
        counterexample=_counterexample(v, names),
    )


def _counterexample(v: Verdict, names: tuple[str, ...]) -> CounterexampleView | None:
    c = v.counterexample
    if c is None:
        return None
    return CounterexampleView(
        sizes=tuple(SizeView(Math(ex.Size(dim)), size) for dim, size in c.sizes.items()),
        values=tuple(ValueView(Math(ex.Symbol(name, ex.Shape(len(rows), len(rows[0]))), names),
                               rows) for name, rows in c.values.items()),  # fmt: skip
        entry=c.entry,
        answer=c.answer,
        expected=c.expected,
        scalar=v.answer.shape.is_scalar,
    )


def verdict_json(d: Derivation) -> JSONDict | None:
    """The verdict for the JSON output (schema in docs/json-schema.md), or None."""
    v = d.verdict
    if v is None:
        return None
    c = v.counterexample
    names = tuple(d.symbols)
    return {
        "kind": v.kind,
        "correct": v.correct,
        "answer": v.source,
        "parsed": {"latex": latex(v.answer, names), "text": unicode(v.answer, names)},
        "expected": {"latex": latex(v.expected, names), "text": unicode(v.expected, names)},
        "condition": {"symmetric": list(v.condition)} if v.condition else None,
        "layouts": list(v.layouts),
        "factor": v.factor or None,
        "answer_shape": [str(v.answer.shape.rows), str(v.answer.shape.cols)],
        "counterexample": None if c is None else {
            "sizes": c.sizes,
            "values": {name: [list(row) for row in rows] for name, rows in c.values.items()},
            "entry": list(c.entry), "answer": c.answer, "expected": c.expected,
        },
    }  # fmt: skip
