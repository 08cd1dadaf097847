"""What a proof page shows, built from a derivation: the data the templates lay out.

A :class:`ProofView` holds the definition (the function, the shapes, what is constant, symmetric
or dependent), one :class:`StageView` per part of the proof (the gradient, then the Hessian),
each a list of :class:`StepView` with the rows of its aligned equations, the reasons, the boxed
result, the layout and the verification record. Math stays IR (wrapped in :class:`Math` with the
symbol names its printer needs); the templates print it with ``|tex`` or ``|uni``. Nothing here
builds LaTeX.

Long right-hand sides are split at their top-level terms into several rows (``&\\quad + ...``),
so that no equation runs off a page or a terminal.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

from derive.calculus.proof import Derivation, Result, ResultKind, Step
from derive.calculus.proof import Formula as Node
from derive.calculus.rules import Rule, StepKind
from derive.documents.formats import PAGE_WIDTH
from derive.documents.printer import latex, unicode
from derive.documents.split import split_terms
from derive.ir import expr as ex
from derive.ir import index as ix
from derive.ir.differential import Differential
from derive.language.shapes import SymbolInfo

# Rules whose reason is already what the step's kind says ("Sum out the Kronecker deltas"):
# the templates' prose for the kind states them, so they are not repeated beside the step.
_IMPLIED: dict[StepKind, set[str]] = {
    StepKind.DEFINE: {"define"},
    StepKind.INDEX_FORM: {"expand_index"},
    StepKind.EXPAND: {"distribute"},
    StepKind.RESTATE: {"restate"},
    StepKind.DIFFERENTIATE: {"hessian"},  # the Hessian part's heading says it
    StepKind.CONTRACT: {"sift_delta"},
    StepKind.REORDER: {"reorder"},
    StepKind.RENAME: {"rename_dummies"},
    StepKind.COLLECT: {"collect_like"},
    StepKind.ASSEMBLE: {"assemble"},
    StepKind.RESULT: {"result"},
    StepKind.SUBSTITUTE: {"chain_substitute"},
}
_HIDDEN_KINDS = (StepKind.DEFINE, StepKind.RESULT)


@dataclass(frozen=True, slots=True)
class Math:
    """An IR node with the symbol names its printer needs (they decide ``a_ij`` vs ``A_ij``)."""

    node: object
    names: tuple[str, ...] = ()

    def latex(self) -> str:
        """LaTeX math."""
        return latex(self.node, self.names)

    def unicode(self) -> str:
        """Unicode text."""
        return unicode(self.node, self.names)


@dataclass(frozen=True, slots=True)
class Sci:
    """A float as ``mantissa x 10^exponent`` (exponent 0 for numbers printed plainly)."""

    mantissa: str
    exponent: int
    plain: str

    @classmethod
    def of(cls, value: float) -> Sci:
        """Two significant digits: ``4.06e-14`` -> ``Sci("4.1", -14, "4.1e-14")``."""
        if value == 0 or not math.isfinite(value):
            return cls(f"{value:g}", 0, f"{value:g}")
        exponent = math.floor(math.log10(abs(value)))
        mantissa = f"{value / 10**exponent:.2g}"
        if mantissa in ("10", "-10"):
            mantissa, exponent = mantissa[:-1], exponent + 1
        if -2 <= exponent <= 3:
            return cls(f"{value:.3g}", 0, f"{value:.3g}")
        return cls(mantissa, exponent, f"{mantissa}e{exponent}")


@dataclass(frozen=True, slots=True)
class Space:
    """Where a symbol lives: ``kind`` is scalar, column (R^n), or matrix (R^{m x n})."""

    kind: str
    rows: Math
    cols: Math

    @classmethod
    def of(cls, shape: ex.Shape) -> Space:
        """The space of an expression of this shape."""
        kind = "scalar" if shape.is_scalar else "column" if shape.is_column else "matrix"
        return cls(kind, Math(ex.Size(shape.rows)), Math(ex.Size(shape.cols)))


@dataclass(frozen=True, slots=True)
class SymbolView:
    """One symbol of the definition: ``A in R^{n x n}``."""

    symbol: Math
    space: Space


@dataclass(frozen=True, slots=True)
class Row:
    """One row of an aligned equation.

    Attributes:
        lhs: The left side of the chain of equalities the row belongs to.
        rhs: What the row shows after ``=`` (or after ``+`` on a continuation row).
        more: The row continues the previous row's long sum (``&\\quad + ...``).
        sign: On a continuation row, ``+``, or ``""`` when ``rhs`` starts with a minus.
        new_lhs: The left side differs from the row above (LaTeX shows it; otherwise ``&= ``).
        opens_step: The first row of its step.
    """

    lhs: Math
    rhs: Math
    more: bool = False
    sign: str = ""
    new_lhs: bool = False
    opens_step: bool = False


@dataclass(frozen=True, slots=True)
class Fact:
    """A basic derivative a step used, as math: ``d x_i / d x_k = delta_ik``."""

    lhs: Math
    rhs: Math


@dataclass(frozen=True, slots=True)
class ForAll:
    """``k, l = 1, ..., n``: free indices that share a range."""

    indices: tuple[Math, ...]
    upper: Math
    values: tuple[int, ...] = ()  # every value, for a small concrete range: k = 1, 2, 3


@dataclass(frozen=True, slots=True)
class StepView:
    """A step as the page shows it.

    Attributes:
        number: 1-based position among the shown steps of the whole proof.
        kind: The step kind (selects the templates' prose).
        rules: The rules that justify the step beyond what its kind says.
        facts: Basic derivatives used.
        for_all: The free indices the step holds for ("for all k = 1, ..., n").
        of: What is differentiated (``alpha``, ``y_i``, ``d alpha / d x_k``), for differentiate.
        variable: The entry differentiated by (``x_k``, ``a_kl``), for differentiate.
        rows: The aligned equation.
        hessian: The step belongs to the Hessian part.
        trivial: The step only renames dummy indices or reorders factors and terms (the compact
            style merges it into the step before).
        also: Trivial steps merged into this one (their reasons are shown with its own).
        facts_fit: The facts are short enough for the reasons column of a compact proof
            (:data:`TAG_WIDTH`); longer ones are named there by their rules only.
    """

    number: int
    kind: StepKind
    rules: tuple[Rule, ...]
    facts: tuple[Fact, ...]
    for_all: tuple[ForAll, ...]
    of: Math | None
    variable: Math | None
    rows: tuple[Row, ...]
    hessian: bool
    trivial: bool = False
    also: tuple[StepView, ...] = ()
    facts_fit: bool = True


@dataclass(frozen=True, slots=True)
class ResultView:
    """A proven identity ``lhs = rhs`` and the space of its left side (None for tensors)."""

    lhs: Math
    rhs: Math
    kind: ResultKind | None
    space: Space | None


@dataclass(frozen=True, slots=True)
class StageView:
    """One part of a proof: the gradient (or Jacobian, ...) and, optionally, the Hessian."""

    hessian: bool
    steps: tuple[StepView, ...]
    result: ResultView
    by_scalar: bool = False

    @property
    def title(self) -> str:
        """The heading of the second part: what it derives, and how."""
        what = "Second derivative" if self.by_scalar else "Hessian"
        done = "the first derivative" if self.by_scalar else "the gradient"
        return f"{what}: differentiate {done} once more"

    @property
    def short_title(self) -> str:
        """The second part's heading in the compact style."""
        return "Second derivative" if self.by_scalar else "Hessian"

    @property
    def compact_steps(self) -> tuple[StepView, ...]:
        """The steps with each trivial step merged into the one before it.

        A trivial step (:attr:`StepView.trivial`: a rename or reorder) keeps its rows in place of
        the last row of the step before, and its reason joins that step's (:attr:`also`).
        """
        merged: list[StepView] = []
        for step in self.steps:
            if step.trivial and merged and not merged[-1].rows[-1].more:
                before = merged[-1]
                rows = before.rows[:-1] + (replace(step.rows[0], new_lhs=before.rows[-1].new_lhs,
                                                   opens_step=before.rows[-1].opens_step),
                                           *step.rows[1:])  # fmt: skip
                merged[-1] = replace(before, rows=rows, also=(*before.also, step))
            else:
                merged.append(step)
        return tuple(merged)

    @property
    def shows_result(self) -> bool:
        """The last row is the result (``d alpha / d x = (A + A^T) x``) on a row of its own."""
        if not self.steps or not self.steps[-1].rows:
            return False
        last = self.steps[-1].rows[-1]
        return not last.more and (last.lhs, last.rhs) == (self.result.lhs, self.result.rhs)


@dataclass(frozen=True, slots=True)
class PartView:
    """One of the proofs a route through a substitution joins: ``alpha = w^T w`` by ``w``, or
    ``w = y - A x`` by ``x``; its stage is shown before the chain rule, its result unboxed."""

    function: Math
    body: Math
    wrt: Math
    stage: StageView


@dataclass(frozen=True, slots=True)
class SizeView:
    """A dimension and the concrete size it was checked at: ``n = 3``."""

    dim: Math
    value: int


@dataclass(frozen=True, slots=True)
class CheckView:
    """How the result was checked."""

    exact: bool | None
    exact_method: str
    sizes: tuple[SizeView, ...]
    numeric_error: Sci
    step_error: Sci
    tolerance: Sci
    seed: int
    passed: bool
    direction: Math | None = None  # the random direction the differential lines were taken along


@dataclass(frozen=True, slots=True)
class ProofView:
    """Everything a proof page shows.

    Attributes:
        source: The input as the user typed it (prose: escaped when rendered).
        function: The function's name (``alpha``, ``y``).
        body: What it stands for (``x^T A x``).
        wrt: The variable.
        symbols: Every symbol with its space, in order of appearance.
        constants: Symbols that do not depend on the variable.
        dependent: Symbols declared to depend on the variable.
        symmetric: Symbols declared symmetric.
        invertible: Symbols declared invertible, then matrices the proof inverts.
        positive: Scalars the proof takes the logarithm of (``det X > 0``).
        nonzero: Scalars the proof divides by.
        positive_entries: Vectors and matrices with every entry positive (``log x``).
        nonzero_entries: Vectors and matrices with no zero entry (``relu(W x + b)``).
        stages: The gradient part and, with a Hessian, the Hessian part.
        layout: ``mixed``, ``numerator`` or ``denominator``.
        hessian: The proof goes on to the Hessian (the second derivative).
        check: The verification record, or None when the derivation was not verified.
        parts: The proofs a route through a substitution joins (none for a direct proof).
        by_scalar: The variable is a scalar (first and second derivatives, no gradient).
    """

    source: str
    function: Math
    body: Math
    wrt: Math
    symbols: tuple[SymbolView, ...]
    constants: tuple[Math, ...]
    dependent: tuple[Math, ...]
    symmetric: tuple[Math, ...]
    invertible: tuple[Math, ...]
    positive: tuple[Math, ...]
    nonzero: tuple[Math, ...]
    positive_entries: tuple[Math, ...]
    nonzero_entries: tuple[Math, ...]
    stages: tuple[StageView, ...]
    layout: str
    hessian: bool
    check: CheckView | None
    parts: tuple[PartView, ...] = ()

    by_scalar: bool = False

    @property
    def result(self) -> ResultView:
        """The final result."""
        return self.stages[-1].result

    @property
    def heading(self) -> str:
        """What the proof derives: a derivative, or the first two (by a scalar or a vector)."""
        if not self.hessian:
            return "Derivative"
        return "First and second derivatives" if self.by_scalar else "Gradient and Hessian"

    @property
    def first_part(self) -> str:
        """The title of the proof's first part."""
        if not self.hessian:
            return "Proof"
        return "First derivative" if self.by_scalar else "Gradient"

    @property
    def tensor_note(self) -> str:
        """What is not shown for a derivative with more than two axes, such as a matrix by a
        matrix ("" for any other)."""
        if self.result.kind != ResultKind.TENSOR:
            return ""
        return ("This derivative has more than two axes and is shown entry by entry: its matrix"
                " form (with vec and Kronecker products) is not supported yet.")

    @property
    def second_name(self) -> str:
        """The second derivative as prose names it: ``the Hessian``."""
        return "the second derivative" if self.by_scalar else "the Hessian"


TAG_WIDTH = 36
"""The widest facts, in characters of their unicode print, that a compact proof's reasons column
shows (``∂xᵢ/∂xₖ = δᵢₖ``); a chain rule of a function (``∂σ(W x)ᵢ/∂xₖ = ...``) is too wide."""


# -- building -----------------------------------------------------------------------------------


def build_proof(d: Derivation, *, width: int | None = None) -> ProofView:
    """Build the page data of a derivation.

    Args:
        d: The derivation.
        width: The widest right-hand side, in characters of its unicode print, before it is
            split over several rows; :data:`PAGE_WIDTH` by default.

    Returns:
        The proof as the templates see it.
    """
    names = tuple(d.symbols)
    wrt = d.wrt.name
    infos = list(d.symbols.values())

    def symbols(test: Callable[[SymbolInfo], bool]) -> tuple[Math, ...]:
        return tuple(Math(d.problem.symbol(i.name), names) for i in infos if test(i))

    return ProofView(
        source=d.source,
        function=Math(ex.Symbol(d.function.name, d.function.shape), names),
        body=Math(d.function.body, names),
        wrt=Math(d.wrt, names),
        symbols=tuple(SymbolView(Math(d.problem.symbol(i.name), names), Space.of(i.shape))
                      for i in infos),
        constants=symbols(lambda i: i.name != wrt and wrt not in i.depends_on),
        dependent=symbols(lambda i: wrt in i.depends_on),
        symmetric=symbols(lambda i: i.symmetric),
        invertible=symbols(lambda i: i.invertible) + tuple(
            Math(m, names) for m in d.hypotheses.invertible),
        positive=tuple(Math(m, names) for m in d.hypotheses.positive),
        nonzero=tuple(Math(m, names) for m in d.hypotheses.nonzero),
        positive_entries=tuple(Math(m, names) for m in d.hypotheses.positive_entries),
        nonzero_entries=tuple(Math(m, names) for m in d.hypotheses.nonzero_entries),
        stages=_stages(d, names, width if width is not None else PAGE_WIDTH),
        layout=d.layout,
        hessian=len(d.results) > 1,
        check=_check(d, names),
        parts=tuple(_part(part, width) for part in d.parts),
        by_scalar=d.wrt.shape.is_scalar,
    )


def _part(d: Derivation, width: int | None) -> PartView:
    view = build_proof(d, width=width)
    return PartView(view.function, view.body, view.wrt, view.stages[0])


def _stages(d: Derivation, names: tuple[str, ...], width: int) -> tuple[StageView, ...]:
    """Split the steps into the parts of the proof, each closed by its result."""
    stages: list[StageView] = []
    shown: list[StepView] = []
    previous: tuple[Node, Node] | None = None  # the last row's (lhs, rhs)
    number = 0
    results = iter(d.results)
    for step in d.steps:
        if step.kind is StepKind.RESULT:
            result = next(results, None) or _result_of(step)
            stages.append(StageView(bool(stages), tuple(shown), _result(result, d, names),
                                    d.wrt.shape.is_scalar))
            shown, previous = [], None
            continue
        if step.kind in _HIDDEN_KINDS or len(step.lines) < 2:
            continue
        rows, previous_after = _rows(step, previous, names, width)
        if not rows:  # the step changed nothing on the page (e.g. a_ik "recognised" as a_ik)
            continue
        number += 1
        trivial = previous is not None and _trivial(step, previous[1])
        shown.append(_step_view(step, number, rows, names, hessian=bool(stages), trivial=trivial))
        previous = previous_after
    return tuple(stages)


def _result_of(step: Step) -> Result:
    return Result(step.lines[0], step.lines[-1], None)


def _result(result: Result, d: Derivation, names: tuple[str, ...]) -> ResultView:
    lhs = result.lhs
    space = Space.of(lhs.shape) if isinstance(lhs, ex.Derivative) else None
    return ResultView(Math(lhs, names), Math(result.rhs, names), result.kind, space)


def _step_view(step: Step, number: int, rows: tuple[Row, ...], names: tuple[str, ...], *,
               hessian: bool, trivial: bool = False) -> StepView:
    implied = _IMPLIED.get(step.kind, set())
    lhs = step.lines[0]
    of = variable = None
    if step.kind is StepKind.DIFFERENTIATE and isinstance(lhs, ix.IndexSum) and _partial(lhs):
        partial = _partial(lhs)
        assert partial is not None
        of = Math(partial.entry, names)
        variable = Math(ix.Entry(partial.wrt, partial.wrt_indices), names)
    return StepView(
        number=number,
        kind=step.kind,
        rules=tuple(r for r in step.rules if r.name not in implied or r.cite),
        facts=tuple(Fact(Math(f.lhs, names), Math(f.rhs, names)) for f in step.facts),
        for_all=_for_all(step.for_all),
        of=of,
        variable=variable,
        rows=rows,
        hessian=hessian,
        trivial=trivial,
        facts_fit=sum(_width(f.lhs, names) + _width(f.rhs, names) + 3 for f in step.facts)
        <= TAG_WIDTH,
    )


def _trivial(step: Step, before: Node) -> bool:
    """A rename of dummy indices or a reorder of ``before`` (the kind says which; the verifier
    confirms that it is nothing more)."""
    return step.kind in (StepKind.RENAME, StepKind.REORDER) and isinstance(before, ix.IndexSum)


def _for_all(indices: tuple[ix.Index, ...]) -> tuple[ForAll, ...]:
    """Free indices grouped by their range, in order: ``i = 1..m`` and ``k, l = 1..n``."""
    ranges: dict[ex.Dim, list[ix.Index]] = {}
    for index in indices:
        ranges.setdefault(index.dim, []).append(index)
    return tuple(
        ForAll(
            tuple(Math(ex.Size(i.name)) for i in group),
            Math(ex.Size(dim)),
            tuple(range(1, dim + 1)) if isinstance(dim, int) and dim <= 4 else (),
        )
        for dim, group in ranges.items()
    )


def _partial(node: ix.IndexSum) -> ix.Partial | None:
    """The derivative ``d y_i / d x_k`` when ``node`` is exactly that."""
    if len(node.terms) != 1:
        return None
    term = node.terms[0]
    if term.coeff != 1 or term.sums or len(term.factors) != 1:
        return None
    factor = term.factors[0]
    return factor if isinstance(factor, ix.Partial) else None


def _rows(step: Step, previous: tuple[Node, Node] | None, names: tuple[str, ...],
          width: int) -> tuple[tuple[Row, ...], tuple[Node, Node] | None]:
    """The rows of a step's chain ``lines[0] = lines[1] = ...``.

    A chain that starts from the previous row's left side continues it (``&= ...``); one that
    starts from the previous row's right side (a simplification) continues with that left side.
    Members equal to the row above are dropped.
    """
    first, members = step.lines[0], list(step.lines[1:])
    lhs, new_lhs = first, True
    if previous is not None and first in previous:
        lhs, new_lhs = previous[0], False
    last_rhs = previous[1] if previous is not None and not new_lhs else None
    rows: list[Row] = []
    for member in members:
        if member == last_rhs:
            continue
        pieces = split_terms(member, names, width)
        rows.append(Row(Math(lhs, names), Math(pieces[0], names), new_lhs=new_lhs and not rows,
                        opens_step=not rows))
        rows.extend(Row(Math(lhs, names), Math(p, names), more=True, sign=_sign(p, names))
                    for p in pieces[1:])
        last_rhs = member
    if last_rhs is None:
        return (), previous
    return tuple(rows), (lhs, last_rhs)


def _sign(node: object, names: tuple[str, ...]) -> str:
    return "" if unicode(node, names).startswith("-") else "+"


def _width(node: object, names: tuple[str, ...]) -> int:
    return len(unicode(node, names))


def _check(d: Derivation, names: tuple[str, ...]) -> CheckView | None:
    v = d.verification
    if v is None:
        return None
    step_error = max((s.max_error for s in v.steps), default=0.0)
    return CheckView(
        exact=v.exact,
        exact_method=v.exact_method,
        sizes=tuple(SizeView(Math(ex.Size(dim), names), size) for dim, size in v.sizes.items()),
        numeric_error=Sci.of(v.numeric_error),
        step_error=Sci.of(step_error),
        tolerance=Sci.of(v.tolerance),
        seed=v.seed,
        passed=v.passed,
        direction=Math(Differential(d.wrt), names) if any(
            s.kind is StepKind.TAKE_DIFFERENTIAL for s in d.steps) else None,
    )
