"""The index-method prover: expression -> index form -> derivative -> matrices, step by step.

The pipeline is a short list of named stages (define, index form, differentiate, basic
derivatives, contract, collect, recognise, assemble, simplify, result). Each stage is a general
rewrite of the expression; the engine records every rewrite as a :class:`Step` through a
:class:`Recorder` and knows nothing about LaTeX.
"""

from __future__ import annotations

import gc
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction

from derive import budget
from derive.calculus import algebra
from derive.calculus.collect import (
    collect_terms,
    fold_powers,
    same_factors,
    same_up_to_renaming,
)
from derive.calculus.differentiate import (
    Context,
    basic_rule,
    contract,
    expand_partials,
    factor_depends,
    is_compound_partial,
    is_function_partial,
    product_meets,
    product_rule,
    work_out,
)
from derive.calculus.elementwise.named import factor_entrywise, name_compositions
from derive.calculus.hypotheses import hypotheses
from derive.calculus.options import Options
from derive.calculus.proof import Derivation, Fact, Formula, Result, ResultKind, Step
from derive.calculus.recognise import term_to_matrix
from derive.calculus.rules import RULES, Rule, RuleName, StepKind
from derive.errors import UnsupportedError
from derive.ir import elementwise as el
from derive.ir import expr as ex
from derive.ir import index as ix
from derive.ir.functions import Prime, named_derivative
from derive.ir.functions import derivative as function_derivative
from derive.language.shapes import Problem


@dataclass
class Recorder:
    """Collects the steps of one proof in order."""

    steps: list[Step] = field(default_factory=list)
    stage: str = "first"

    def record(
        self,
        kind: StepKind,
        lines: tuple[Formula, ...],
        rules: tuple[RuleName, ...],
        facts: tuple[Fact, ...] = (),
        for_all: tuple[ix.Index, ...] = (),
    ) -> None:
        """Add a step that cites ``rules`` (names of :data:`derive.calculus.rules.RULES`)."""
        budget.check()
        chosen: tuple[Rule, ...] = tuple(RULES[name] for name in dict.fromkeys(rules))
        self.steps.append(Step(kind, lines, chosen, facts, for_all, self.stage))

    def simplify(
        self, start: ex.Expr, stages: Sequence[tuple[RuleName, Callable[[ex.Expr], ex.Expr]]]
    ) -> ex.Expr:
        """Apply each stage in turn; record one ``simplify`` step of the lines that changed.

        Args:
            start: The expression to simplify.
            stages: Each rewrite with the rule it cites; a stage that changes nothing is left out.

        Returns:
            The simplified expression (``start`` itself when no stage changed it).
        """
        lines: list[ex.Expr] = [start]
        rules: list[RuleName] = []
        for name, function in stages:
            new = function(lines[-1])
            if new != lines[-1]:
                lines.append(new)
                rules.append(name)
        if len(lines) > 1:
            self.record(StepKind.SIMPLIFY, tuple(lines), tuple(rules))
        return lines[-1]


def derive(problem: Problem, wrt: str, options: Options) -> Derivation:
    """Derive ``d problem.expr / d wrt`` with a full proof by the index method.

    Args:
        problem: The parsed, shape-checked expression.
        wrt: The name of the variable.
        options: Layout, Hessian, limits.

    Returns:
        The derivation, not yet verified.

    Raises:
        UnsupportedError: The derivative is of a kind derive cannot do yet.
        LimitError: The expression is too large.
    """
    # The cycle collector is paused while the proof is built: a derivation makes only
    # immutable trees, which hold no cycles, so the collector frees none of them, yet it walks
    # them (and now and then the whole heap) every few hundred allocations: 12-14% of the time
    # at k = 32 and 64 in bench/engine.py. mypy raises its thresholds for the same reason.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _Prover(problem, wrt, options).run()
    finally:
        if enabled:
            gc.enable()


class _Prover:
    def __init__(self, problem: Problem, wrt: str, options: Options) -> None:
        self.problem = problem
        self.options = options
        self.var = problem.symbol(wrt)
        self.avoid = reserved_names(problem)
        self.ctx = Context(self.var, problem.symbols, ix.IndexNames(), options.max_terms,
                           options.layout)
        self.recorder = Recorder()
        self.function = ex.Defined(options.name or _function_name(problem), problem.expr)
        first, second, third, fourth = _free_names(self.avoid)
        self.f_indices = _indices(self.function.shape, (first, second))
        self.v_indices = _indices(self.var.shape, (third, fourth))
        self.second = fourth  # the Hessian's second index (l)
        self.avoid |= {third, fourth}  # a sum over the variable's index letter would capture it
        if options.hessian and not (self.function.shape.is_scalar and (
                self.var.shape.is_column or self.var.shape.is_scalar)):
            raise UnsupportedError("a Hessian (second derivative) needs a scalar function of a"
                                   " scalar or of a column vector")
        if options.structure and (options.hessian or not self.function.shape.is_scalar or
                                  not self.var.shape.is_square or self.var.shape.is_scalar):
            raise UnsupportedError(f"a derivative with respect to a {options.structure} matrix"
                                   " needs a scalar function of a square matrix (and no Hessian)")

    def run(self) -> Derivation:
        record = self.recorder.record
        record(StepKind.DEFINE, (self.function, self.problem.expr), (RuleName.DEFINE,))
        f_free = tuple(i for i in self.f_indices if i is not None)
        body = self.ctx.check_size(ix.to_index(self.problem.expr, *self.f_indices,
                                               self.ctx.names))  # fmt: skip
        index_form = ix.tidy(ix.IndexSum(tuple(body), f_free), self.avoid)
        entry = ix.Entry(self.function, f_free)
        self.expand(index_form)
        if index_form != _single(ix.Entry(self.problem.expr, ()), ()):  # log(x' A x) is no sum
            record(StepKind.INDEX_FORM, (_single(entry, f_free), index_form),
                   (RuleName.EXPAND_INDEX,))  # fmt: skip
        v_free = tuple(i for i in self.v_indices if i is not None)
        gradient = self.differentiate(index_form, entry, v_free, f_free + v_free)
        results = [self.finish(gradient, order=1)]
        if self.options.hessian:
            self.recorder.stage = "hessian"
            second = ix.Partial(entry, self.var, v_free)
            record(StepKind.RESTATE, (_single(second, v_free), gradient), (RuleName.RESTATE,))
            rows = self.var.shape.rows
            l_free = () if self.var.shape.is_scalar else (ix.Index(self.second, rows),)
            hessian = self.differentiate(gradient, second, l_free, (*v_free, *l_free))
            results.append(self.finish(hessian, order=2))
        return Derivation(
            source=self.problem.source,
            problem=self.problem,
            function=self.function,
            wrt=self.var,
            layout=self.options.layout,
            steps=tuple(self.recorder.steps),
            results=tuple(results),
            options={"hessian": self.options.hessian},
            hypotheses=hypotheses(self.problem.expr, {n for n, info in self.problem.symbols.items()
                                                      if info.invertible}),
        )

    def expand(self, index_form: ix.IndexSum) -> None:
        """Multiply out a scalar product of sums (least squares) as matrices before its index
        form, so that the reader sees where each of the index form's terms comes from."""
        squared = _inner_product(self.problem.expr)
        if index_form.free or not _product_of_sums(squared or self.problem.expr):
            return
        try:
            pieces = [ex.mul(ex.Number(t.coeff), term_to_matrix(
                ix.Term(Fraction(1), t.sums, t.factors), None, None)) for t in index_form.terms]
        except UnsupportedError:
            return
        expanded = ex.add(*pieces)
        if squared is not None:  # ||A x - b||^2 = (A x - b)' (A x - b) = x' A' A x - ...
            self.recorder.record(StepKind.EXPAND, (self.function, squared, expanded),
                                 (RuleName.NORM_SQUARED, RuleName.DISTRIBUTE))  # fmt: skip
        elif expanded != self.problem.expr:
            self.recorder.record(StepKind.EXPAND, (self.function, expanded),
                                 (RuleName.DISTRIBUTE,))  # fmt: skip

    # -- index-level stages --------------------------------------------------------------
    def differentiate(
        self,
        index_form: ix.IndexSum,
        entry: ix.Entry | ix.Partial,
        wrt_indices: tuple[ix.Index, ...],
        free: tuple[ix.Index, ...],
    ) -> ix.IndexSum:
        record = self.recorder.record
        lhs = _single(ix.Partial(entry, self.var, wrt_indices), free)
        # the product rule makes one term per varying factor: count before building them
        varying = [sum(factor_depends(f, self.ctx) for f in t.factors) for t in index_form.terms]
        self.ctx.check_count(sum(varying))
        marked = [t for term in index_form.terms for t in product_rule(term, wrt_indices, self.ctx)]
        constant = any(
            not factor_depends(f, self.ctx) for t in index_form.terms for f in t.factors
        )
        # the product rule only where two varying factors meet in one term; linearity otherwise
        meets = any(count > 1 for count in varying)
        alone = len(index_form.terms) == 1 and len(index_form.terms[0].factors) == 1 and \
            index_form.terms[0].coeff == 1 and not index_form.terms[0].sums
        rules = ((RuleName.HESSIAN,) if self.recorder.stage == "hessian" else ()) + (
            (RuleName.PRODUCT_RULE if meets else RuleName.DEFINE if alone
             else RuleName.LINEARITY),
            *((RuleName.CONSTANT,) if constant else ()),
        )
        if not marked:
            record(StepKind.DIFFERENTIATE, (lhs, ix.IndexSum((), free)), rules)
            return ix.IndexSum((), free)
        record(StepKind.DIFFERENTIATE, (lhs, ix.IndexSum(tuple(marked), free)), rules)
        marked = self.chain(lhs, marked, free)
        worked = ix.tidy(ix.IndexSum(tuple(work_out(marked, self.ctx)), free), self.avoid)
        record(StepKind.BASIC_DERIVATIVES, (lhs, worked), _basic_rules(marked),
               _facts(marked, self.ctx))
        contracted = ix.IndexSum(tuple(contract(t) for t in worked.terms), free)
        if contracted != worked:
            record(StepKind.CONTRACT, (lhs, contracted), (RuleName.SIFT_DELTA,))
        return self.collect(lhs, contracted)

    def chain(self, lhs: ix.IndexSum, terms: list[ix.Term],
              free: tuple[ix.Index, ...]) -> list[ix.Term]:  # fmt: skip
        """Work derivatives of functions and of compound entries out one level per step.

        Terminates: each level replaces a marked derivative by derivatives of the children
        of its base, and an expression has finitely many levels.
        """
        selections = ((is_function_partial, StepKind.CHAIN),
                      (is_compound_partial, StepKind.INNER))  # fmt: skip
        while True:
            for select, kind in selections:  # noqa: B007 (kind is used after the loop)
                chosen = [f for t in terms for f in t.factors if select(f)]
                if chosen:
                    break
            else:
                return terms
            expanded = ix.IndexSum(tuple(expand_partials(terms, select, self.ctx)), free)
            new = ix.tidy(expanded, self.avoid)
            self.recorder.record(kind, (lhs, new), self.chain_rules(kind, chosen))
            terms = list(new.terms)

    def chain_rules(self, kind: StepKind, chosen: list[ix.Factor]) -> tuple[RuleName, ...]:
        bases = [f.entry.base for f in chosen
                 if isinstance(f, ix.Partial) and isinstance(f.entry, ix.Entry)]  # fmt: skip
        if kind is StepKind.CHAIN:
            return tuple(_leaf_rule(b) for b in bases)
        meets = any(product_meets(f, self.ctx) for f in chosen if isinstance(f, ix.Partial))
        return (RuleName.EXPAND_INDEX,
                RuleName.PRODUCT_RULE if meets else RuleName.LINEARITY)  # fmt: skip

    def collect(self, lhs: ix.IndexSum, contracted: ix.IndexSum) -> ix.IndexSum:
        """Cancel scalars, then rename, reorder or combine: each a step that says which."""
        record = self.recorder.record
        folded = fold_powers(contracted)
        if same_factors(contracted, folded):  # folding only moved the scalars to the end
            folded = contracted
        else:
            record(StepKind.CANCEL, (lhs, folded), (_cancel_rule(contracted, folded),))
        collected = collect_terms(folded, self.avoid)
        if collected == folded:
            return collected
        if same_factors(folded, collected):
            record(StepKind.REORDER, (lhs, collected), (RuleName.REORDER,))
        elif len(collected.terms) == len(folded.terms) or same_up_to_renaming(folded, collected):
            record(StepKind.RENAME, (lhs, collected), (RuleName.RENAME_DUMMIES,))
        else:
            record(StepKind.COLLECT, (lhs, collected), (RuleName.COLLECT_LIKE,))
        return collected

    # -- back to matrices ----------------------------------------------------------------
    def finish(self, derivative: ix.IndexSum, order: int) -> Result:
        record = self.recorder.record
        row, col = self.orientation(order)
        if row is None and col is None and len(derivative.free) > 0:
            lhs = _single(self.partial_entry(derivative.free, order), derivative.free)
            record(StepKind.RESULT, (lhs, derivative), (RuleName.RESULT,))
            return Result(lhs, derivative, ResultKind.TENSOR)
        pieces = [(t.coeff, term_to_matrix(ix.Term(Fraction(1), t.sums, t.factors), row, col))
                  for t in derivative.terms]  # fmt: skip
        entries = tuple(i for i in (row, col) if i is not None)
        shown = ix.IndexSum(
            tuple(ix.Term(c, (), (ix.Entry(m, entries),)) for c, m in pieces), derivative.free
        )
        lhs_entry = _single(self.partial_entry(derivative.free, order), derivative.free)
        if pieces and not _trivial(shown, derivative):
            kinds = set().union(*(node_kinds(m) for _, m in pieces))
            kind, rules = _recognise_rules(derivative, kinds)
            if kinds & {el.Hadamard, el.Diag, el.Ones}:
                rules += (RuleName.RECOGNISE_ENTRYWISE,)
            record(kind, (lhs_entry, shown), rules)
        whole = ex.Derivative(self.function, self.var, self.options.layout, order)
        assembled = ex.add(*(ex.mul(ex.Number(c), m) for c, m in pieces)) if pieces else \
            ex.Zero(whole.shape)
        if pieces and self.transposed(order):  # a zero already has the layout's shape
            assembled = algebra.push_transpose(ex.transpose(assembled))
        record(StepKind.ASSEMBLE, (whole, assembled), (RuleName.ASSEMBLE,),
               for_all=derivative.free)
        final = self.simplify(assembled)
        if self.options.structure:
            whole, final = self.symmetric(whole, final)
        record(StepKind.RESULT, (whole, final), (RuleName.RESULT,))
        return Result(whole, final, self.kind(order))

    def symmetric(self, whole: ex.Derivative, gradient: ex.Expr) -> tuple[ex.Derivative, ex.Expr]:
        """The derivative by a symmetric matrix, ``G + Gᵀ - G ∘ I`` (Matrix Cookbook 2.8.2).

        ``G`` is the derivative with every entry taken as its own variable; off the diagonal,
        ``x_ij`` and ``x_ji`` are one variable, so both entries of ``G`` count.
        """
        structured = replace(whole, structure=self.options.structure)
        identity = ex.Identity(self.var.shape.rows)

        def formula(g: ex.Expr) -> ex.Expr:
            # the diagonal of G: scalars come out of G ∘ I, and Gᵀ ∘ I is G ∘ I
            factors = g.factors if isinstance(g, ex.MatMul) else (g,)
            scalars = [f for f in factors if f.shape.is_scalar]
            matrix = ex.mul(*(f for f in factors if not f.shape.is_scalar))
            if isinstance(matrix, ex.Transpose):
                matrix = matrix.arg
            diagonal = ex.mul(*scalars, el.hadamard(matrix, identity))
            return ex.add(g, ex.transpose(g), ex.neg(diagonal))

        self.recorder.record(StepKind.STRUCTURE, (structured, formula(whole), formula(gradient)),
                             (RuleName.SYMMETRIC_MATRIX,))  # fmt: skip
        return structured, self.simplify(formula(gradient))

    def simplify(self, assembled: ex.Expr) -> ex.Expr:
        symmetric = {n for n, info in self.problem.symbols.items() if info.symmetric}
        stages = (
            (RuleName.TRANSPOSE_PRODUCT, algebra.push_transpose),
            (RuleName.SYMMETRIC, lambda e: algebra.apply_symmetry(e, symmetric)),
            (RuleName.NAME_FUNCTION, lambda e: algebra.substitute(e, self.function)),
            (RuleName.COLLECT_TERMS, algebra.collect),
            (RuleName.FACTOR_OUT, algebra.factor),
            (RuleName.MERGE_POWERS, algebra.merge_powers),
            (RuleName.NAME_FUNCTIONS, name_compositions),
            (RuleName.FACTOR_ENTRYWISE, factor_entrywise),
        )
        return self.recorder.simplify(assembled, stages)

    def orientation(self, order: int) -> tuple[ix.Index | None, ix.Index | None]:
        """Which free index runs down the rows and which along the columns of the result."""
        f_row, f_col = self.f_indices
        v_row, v_col = self.v_indices
        layout = self.options.layout
        if order == 2:
            return (None, None) if self.var.shape.is_scalar else (
                v_row, ix.Index(self.second, self.var.shape.rows))
        f_scalar, v_scalar = self.function.shape.is_scalar, self.var.shape.is_scalar
        if f_scalar and v_scalar:
            return None, None
        if f_scalar and self.var.shape.is_column:
            return v_row, None
        if f_scalar:
            return (v_col, v_row) if layout == "numerator" else (v_row, v_col)
        f_vec = f_row if f_row is not None else f_col
        if v_scalar:
            return (f_row, f_col) if f_row is not None and f_col is not None else (f_vec, None)
        if not _is_vector(self.function.shape) or not _is_vector(self.var.shape):
            return None, None
        v_vec = v_row if v_row is not None else v_col
        return (v_vec, f_vec) if layout == "denominator" else (f_vec, v_vec)

    def transposed(self, order: int) -> bool:
        """Whether the recognised column vector must be laid out as a row."""
        if order == 2:
            return False
        f, v, layout = self.function.shape, self.var.shape, self.options.layout
        if f.is_scalar and v.is_column:
            return layout == "numerator"
        return v.is_scalar and _is_vector(f) and layout == "denominator"

    def partial_entry(self, free: tuple[ix.Index, ...], order: int) -> ix.Partial:
        f_free = tuple(i for i in self.f_indices if i is not None)
        v_free = tuple(i for i in self.v_indices if i is not None)
        first = ix.Partial(ix.Entry(self.function, f_free), self.var, v_free)
        if order == 2:
            return ix.Partial(first, self.var, free[-1:])
        return first

    def kind(self, order: int) -> ResultKind:
        if order == 2:
            return ResultKind.HESSIAN
        f, v = self.function.shape, self.var.shape
        if v.is_scalar:
            return ResultKind.BY_SCALAR
        if f.is_scalar:
            return ResultKind.GRADIENT if _is_vector(v) else ResultKind.BY_MATRIX
        return ResultKind.JACOBIAN


def reserved_names(problem: Problem) -> set[str]:
    """Names no summation index may take: symbols, their entries' letters, dimensions.

    ``A`` prints its entries ``a_ij`` and ``A: p x n`` makes ``p`` a size, so neither ``a`` nor
    ``p`` may name a dummy index (``sum_p x_jp`` with ``p`` also a size misreads).
    """
    names = set(problem.symbols) | {name.lower() for name in problem.symbols}
    for info in problem.symbols.values():
        names |= {d for d in (info.shape.rows, info.shape.cols) if isinstance(d, str)}
    return names


_FREE_NAMES = ("i", "j", "k", "l", "p", "q", "r", "s", "t", "u", "v", "w")


def _free_names(avoid: set[str]) -> tuple[str, str, str, str]:
    """The free indices' letters: i, j (the function's), k, l (the variable's); one that is a
    size or a symbol name (``A: k x n``) gives way to the next unused letter of the list."""
    preferred = _FREE_NAMES[:4]
    spare = (name for name in itertools.chain(_FREE_NAMES[4:], (f"k{n}" for n in
             itertools.count(1))) if name not in avoid)  # fmt: skip
    first, second, third, fourth = (name if name not in avoid else next(spare)
                                    for name in preferred)  # fmt: skip
    return first, second, third, fourth


def _single(factor: ix.Factor, free: tuple[ix.Index, ...]) -> ix.IndexSum:
    return ix.IndexSum((ix.Term(Fraction(1), (), (factor,)),), free)


def _indices(shape: ex.Shape, names: tuple[str, str]) -> tuple[ix.Index | None, ix.Index | None]:
    """Free indices for a shape's non-unit axes: (i, j) for a matrix, (i, None) for a column."""
    if shape.is_scalar:
        return None, None
    if shape.is_column:
        return ix.Index(names[0], shape.rows), None
    if shape.is_row:
        return None, ix.Index(names[0], shape.cols)
    return ix.Index(names[0], shape.rows), ix.Index(names[1], shape.cols)


def _trivial(shown: ix.IndexSum, derivative: ix.IndexSum) -> bool:
    """Whether recognising changed nothing a reader would see (every term already ``a_kl``)."""
    return shown.terms == derivative.terms


def _is_vector(shape: ex.Shape) -> bool:
    return shape.is_column or shape.is_row


def _function_name(problem: Problem) -> str:
    shape = problem.expr.shape
    choices = ("alpha", "f", "phi") if shape.is_scalar else ("y", "f", "g", "h") if _is_vector(
        shape
    ) else ("F", "G", "H")
    return next((c for c in choices if c not in problem.symbols), f"{choices[0]}_0")


def _product_of_sums(node: ex.Expr) -> bool:
    """Whether a product (or a transpose inside one) has a sum among its factors."""
    if isinstance(node, ex.MatMul) and any(_has(f, ex.Add) for f in node.factors):
        return True
    return any(_product_of_sums(c) for c in node.children if not isinstance(c, FUNCTION_NODES))


FUNCTION_NODES = (ex.Inverse, ex.Det, ex.Log, ex.Norm)


def _inner_product(node: ex.Expr) -> ex.Expr | None:
    """``u' u`` for the squared norm ``||u||^2`` of a column vector (else None)."""
    if isinstance(node, ex.Power) and node.exponent == 2 and isinstance(node.base, ex.Norm) \
            and node.base.arg.shape.is_column:
        return ex.mul(ex.transpose(node.base.arg), node.base.arg)
    return None


def _has(node: ex.Expr, kind: type[ex.Expr]) -> bool:
    return isinstance(node, kind) or any(_has(c, kind) for c in node.children)


def node_kinds(node: ex.Expr) -> set[type]:
    """The types of the nodes of an expression (one walk, for every question about them)."""
    kinds: set[type] = set()
    stack = [node]
    while stack:
        here = stack.pop()
        kinds.add(type(here))
        stack.extend(here.children)
    return kinds


def _recognise_rules(
    derivative: ix.IndexSum, kinds: set[type]
) -> tuple[StepKind, tuple[RuleName, ...]]:
    """``recognise`` where a sum is removed; otherwise only entries are renamed as entries.

    ``kinds``: the node types of the recognised matrices.
    """
    summed = any(t.sums for t in derivative.terms)
    deltas = any(isinstance(f, ix.Delta) for t in derivative.terms for f in t.factors)
    rules = [RuleName.RECOGNISE_PRODUCT] if summed else []
    if ex.Trace in kinds:
        rules.append(RuleName.RECOGNISE_TRACE)
    if deltas:
        rules.append(RuleName.IDENTITY_ENTRY)
    if ex.Transpose in kinds:
        rules.append(RuleName.TRANSPOSE_ENTRY)
    return (StepKind.RECOGNISE if summed else StepKind.ENTRIES), tuple(rules)


def _cancel_rule(before: ix.IndexSum, after: ix.IndexSum) -> RuleName:
    """``cancel`` where a scalar meets its reciprocal, ``merge_powers`` where powers only add."""
    for term in before.terms:
        signs: dict[ex.Expr, set[bool]] = {}
        for factor in term.factors:
            if isinstance(factor, ix.Entry) and not factor.indices:
                base = factor.base
                power = base.exponent if isinstance(base, ex.Power) else 1
                root = base.base if isinstance(base, ex.Power) else base
                signs.setdefault(root, set()).add(power > 0)
        if any(len(s) == 2 for s in signs.values()):
            return RuleName.CANCEL
    return RuleName.MERGE_POWERS


def _leaf_rule(base: ex.Expr) -> RuleName:
    if isinstance(base, ex.Power) and isinstance(base.base, ex.Norm):
        return RuleName.NORM
    return basic_rule(base, base)


def _basic_rules(marked: list[ix.Term]) -> tuple[RuleName, ...]:
    rules: list[RuleName] = []
    for term in marked:
        for factor in term.factors:
            if isinstance(factor, ix.Partial) and isinstance(factor.entry, ix.Entry):
                rules.append(basic_rule(factor.entry.base, factor.wrt))
    return tuple(rules)


def _facts(marked: list[ix.Term], ctx: Context) -> tuple[Fact, ...]:
    """One worked instance of each basic derivative of a symbol's entry (``dx_i/dx_k = d_ik``)."""
    from derive.calculus.differentiate import partial_value

    facts: dict[str, Fact] = {}
    for term in marked:
        for factor in term.factors:
            if not isinstance(factor, ix.Partial) or not isinstance(factor.entry, ix.Entry):
                continue
            base = factor.entry.base
            if isinstance(base, ex.Symbol) and base.name not in facts:
                free = tuple(dict.fromkeys(factor.indices))  # d x_ii / d x_kl: i once
                value = ix.IndexSum(tuple(partial_value(factor, ctx)), free)
                facts[base.name] = Fact(ix.IndexSum(((ix.Term(Fraction(1), (), (factor,))),),
                                                    free), value)  # fmt: skip
            elif isinstance(base, el.Apply) and base.function not in facts and \
                    not isinstance(function_derivative(base), ex.Zero | ex.Number):
                facts[base.function] = _chain_rule_fact(factor, base)
                if named_derivative(base):  # σ′(u) = σ(u) ∘ (𝟏 - σ(u)), from the table
                    prime = Prime(base.function, base.arg)
                    facts[base.function + "'"] = Fact(prime, prime.body)
    return tuple(facts.values())


def _chain_rule_fact(factor: ix.Partial, base: el.Apply) -> Fact:
    """``∂σ(u)_i/∂v_k = σ′(u)_i ∂u_i/∂v_k``: σ′ by name where the table writes it with σ
    itself, else the table's derivative (``∂exp(u)_i/∂v_k = exp(u)_i ∂u_i/∂v_k``)."""
    entry = factor.entry
    assert isinstance(entry, ix.Entry)
    inner = ix.Partial(ix.Entry(base.arg, entry.indices), factor.wrt, factor.wrt_indices)
    coeff, outer = (Fraction(1), Prime(base.function, base.arg)) if named_derivative(base) \
        else ex.coefficient_of(function_derivative(base))
    lhs = ix.Term(Fraction(1), (), (factor,))
    rhs = ix.Term(coeff, (), (ix.Entry(outer, entry.indices), inner))
    return Fact(ix.IndexSum((lhs,), factor.indices), ix.IndexSum((rhs,), factor.indices))
