"""The differential-method prover (Magnus & Neudecker): take the differential, apply the rules
of the differential, rearrange into the canonical form, identify the derivative.

For a scalar ``alpha`` of a variable ``X`` the stages are: ``d alpha = d(...)``; the rules of the
differential, one level of the expression per step (product rule, transpose, inverse, Jacobi's
formula, logarithm, powers, trace, norm, constants), until only ``dX`` is left; multiply out;
rearrange every term into ``tr(M dX)`` (a scalar is its own trace and its own transpose, the
trace is cyclic), ``M dx`` for a vector; collect the terms; identify ``d alpha / dX = G`` with
``G = M^T`` by the first identification theorem; simplify as the index method does.
"""

from __future__ import annotations

from fractions import Fraction

from derive.calculus import algebra
from derive.calculus.differential import entrywise, second
from derive.calculus.elementwise.named import name_compositions
from derive.calculus.index_method import Recorder
from derive.calculus.options import Options
from derive.calculus.proof import Derivation, Result, ResultKind
from derive.calculus.rules import RuleName, StepKind
from derive.errors import UnsupportedError
from derive.ir import expr as ex
from derive.ir.differential import Differential, contains, substitute
from derive.language.shapes import Problem

_MAX_PASSES = 64  # each pass removes one level of the expression: deeper is not an input
_LINEAR = {RuleName.D_LINEARITY, RuleName.D_CONSTANT}


def derive(problem: Problem, wrt: str, options: Options) -> Derivation:
    """Derive ``d problem.expr / d wrt`` with a full proof by matrix differentials.

    Args:
        problem: The parsed, shape-checked expression.
        wrt: The name of the variable.
        options: Layout, Hessian, limits.

    Returns:
        The derivation, not yet verified.

    Raises:
        UnsupportedError: "not supported by the differential method yet: <construct>".
    """
    return _Prover(problem, wrt, options).run()


def unsupported(construct: str) -> UnsupportedError:
    """The error for a construct the differential method cannot do yet."""
    return UnsupportedError(f"not supported by the differential method yet: {construct}")


class _Prover:
    def __init__(self, problem: Problem, wrt: str, options: Options) -> None:
        self.problem = problem
        self.options = options
        self.var = problem.symbol(wrt)
        self.dvar = Differential(self.var)
        self.recorder = Recorder()
        self.first_row: ex.Expr = ex.Zero(self.var.shape.T)  # M of d alpha = M dx (a Hessian's)
        if options.structure:  # Matrix Cookbook 2.8.2 (a symmetric variable): the index method
            raise unsupported(f"a {options.structure} variable (structure)")
        f_shape, v_shape = problem.expr.shape, self.var.shape
        if not (f_shape.is_scalar or v_shape.is_scalar or (f_shape.is_column and
                                                            v_shape.is_column)):
            raise unsupported("derivatives of a matrix or a row vector by a vector or a matrix,"
                              " or of a vector by a matrix")
        if options.hessian and f_shape.is_scalar and v_shape.is_scalar:
            raise unsupported("second derivatives by a scalar (the index method proves them)")
        if options.hessian and not (f_shape.is_scalar and v_shape.is_column):
            raise UnsupportedError("a Hessian needs a scalar function of a column vector")
        # x declared to depend on the variable z: dx = (dx/dz) dz, the chain rule
        self.dependents = {n for n, info in problem.symbols.items() if wrt in info.depends_on}
        for name, info in problem.symbols.items():
            if info.depends_on and name not in self.dependents:
                raise unsupported(f"a dependency of {name} on a symbol other than the variable")
            if name in self.dependents and info.shape.cols != 1:
                raise unsupported(f"a matrix ({name}) that depends on the variable")
        if options.hessian and self.dependents:
            raise unsupported("a Hessian through declared dependencies")
        self.function = ex.Defined(options.name or _function_name(problem), problem.expr)

    def run(self) -> Derivation:
        record = self.recorder.record
        record(StepKind.DEFINE, (self.function, self.problem.expr), (RuleName.DEFINE,))
        lhs = Differential(self.function)
        line: ex.Expr = Differential(self.problem.expr)
        record(StepKind.TAKE_DIFFERENTIAL, (lhs, line), (RuleName.TAKE_DIFFERENTIAL,))
        terms = self.differentiate(lhs, line)
        results = [self.identify(lhs, terms)]
        if self.options.hessian:
            results.append(self.hessian(self.first_row))
        return Derivation(
            source=self.problem.source,
            problem=self.problem,
            function=self.function,
            wrt=self.var,
            layout=self.options.layout,
            steps=tuple(self.recorder.steps),
            results=tuple(results),
            options={"hessian": self.options.hessian, "method": "differential"},
        )

    def differentiate(self, lhs: ex.Expr, line: ex.Expr) -> list[ex.Expr]:
        """Apply the rules of the differential to ``lhs = line`` until only ``dX`` is left,
        cancel, multiply out; return the terms (each a product holding ``dX``)."""
        record = self.recorder.record
        for _ in range(_MAX_PASSES):
            rules: list[RuleName] = []
            new = self.apply_rules(line, rules)
            if new == line:
                break
            line = new
            for _ in range(_MAX_PASSES):  # linearity alone joins the step before it
                more: list[RuleName] = []
                further = self.apply_rules(line, more)
                if further == line or not set(more) <= _LINEAR:
                    break
                line, rules = further, rules + more
            record(StepKind.DIFFERENTIAL_RULES, (lhs, line), tuple(rules))
        substituted = self.substitute_dependents(line)
        if substituted != line:
            line = substituted
            record(StepKind.DIFFERENTIAL_RULES, (lhs, line), (RuleName.D_CHAIN,))
        cancelled = _cancel(line)
        if cancelled != line:
            line = cancelled
            record(StepKind.DIFFERENTIAL_RULES, (lhs, line), (RuleName.CANCEL,))
        terms = self.expand(line)
        expanded = ex.add(*terms) if terms else _zero(line.shape)
        if expanded != line:
            record(StepKind.CANONICAL_FORM, (lhs, expanded), (RuleName.EXPAND,))
        return terms

    def hessian(self, row: ex.Expr) -> Result:
        """``d^2 alpha = d(M dx)`` with ``dx`` fixed, rewritten as ``(dx)^T B dx``; the Hessian
        is ``(B + B^T) / 2`` (second identification theorem)."""
        record = self.recorder.record
        self.recorder.stage = "hessian"
        lhs = Differential(Differential(self.function))
        record(StepKind.TAKE_DIFFERENTIAL, (lhs, Differential(ex.mul(row, self.dvar))),
               (RuleName.SECOND_DIFFERENTIAL,))  # fmt: skip
        shown = self.differentiate(lhs, Differential(ex.mul(row, self.dvar)))
        terms = [self.open_transposes(t) for t in shown]
        used = [RuleName.TRANSPOSE_PRODUCT] if terms != shown else []
        parts = [second.middle(t, self.dvar, self.row, used) for t in terms]
        dxt = ex.Transpose(self.dvar)
        canonical = ex.add(*(ex.mul(dxt, b, self.dvar) for b in parts)) if parts else None
        if canonical is not None and canonical != ex.add(*shown):
            record(StepKind.CANONICAL_FORM, (lhs, canonical), tuple(used) or
                   (RuleName.SCALAR_TRANSPOSE,))  # fmt: skip
        size = self.var.shape.rows
        b = algebra.collect(ex.add(*parts)) if parts else ex.Zero(ex.Shape(size, size))
        if len(parts) > 1:
            record(StepKind.CANONICAL_FORM, (lhs, ex.mul(dxt, b, self.dvar)),
                   (RuleName.COLLECT_DIFFERENTIAL,))  # fmt: skip
        whole = ex.Derivative(self.function, self.var, self.options.layout, 2)
        hessian = second.symmetrised(b) if parts else b
        record(StepKind.IDENTIFY, (whole, hessian), (RuleName.SECOND_IDENTIFICATION,))
        return self.finish(whole, hessian, ResultKind.HESSIAN)

    # -- the rules of the differential ----------------------------------------------------
    def varies(self, node: ex.Expr) -> bool:
        """Whether ``node`` changes with the variable (a direction ``dX`` is held fixed)."""
        if isinstance(node, Differential):
            return False
        if isinstance(node, ex.Symbol):
            return node == self.var or node.name in self.dependents
        return any(self.varies(child) for child in node.children)

    def apply_rules(self, node: ex.Expr, rules: list[RuleName]) -> ex.Expr:
        """Rewrite every outermost differential of a compound expression one level down."""
        if isinstance(node, Differential):
            if node.arg == self.var or isinstance(node.arg, ex.Symbol):
                return node  # dz, or dx of an x that depends on z (substituted afterwards)
            return self.rule(node.arg, rules)
        if not node.children:
            return node
        return node.rebuild([self.apply_rules(child, rules) for child in node.children])

    def substitute_dependents(self, node: ex.Expr) -> ex.Expr:
        """``dx = (dx/dz) dz`` for every ``x`` declared to depend on the variable ``z``."""
        if isinstance(node, Differential) and isinstance(node.arg, ex.Symbol) and \
                node.arg.name in self.dependents:
            # dx/dz as the layout names it; dx = J dz with J the numerator-layout Jacobian
            jacobian = ex.Jacobian(node.arg, self.var, self.options.layout)
            return ex.mul(ex.transpose(jacobian) if jacobian.transposed else jacobian, self.dvar)
        if not node.children:
            return node
        return node.rebuild([self.substitute_dependents(child) for child in node.children])

    def rule(self, node: ex.Expr, rules: list[RuleName]) -> ex.Expr:
        d = Differential
        if not self.varies(node):
            rules.append(RuleName.D_CONSTANT)
            return _zero(node.shape)
        if isinstance(node, ex.Defined):
            return self.rule(node.body, rules)
        if isinstance(node, ex.Add):
            rules.append(RuleName.D_LINEARITY)
            if not all(self.varies(t) for t in node.terms):
                rules.append(RuleName.D_CONSTANT)
            return ex.add(*(d(t) if self.varies(t) else _zero(t.shape) for t in node.terms))
        if isinstance(node, ex.MatMul):
            return self.product(node, rules)
        if isinstance(node, ex.Transpose):
            rules.append(RuleName.D_TRANSPOSE)
            return ex.Transpose(d(node.arg))
        if isinstance(node, ex.Inverse):
            rules.append(RuleName.D_INVERSE)
            return ex.neg(ex.mul(node, d(node.arg), node))
        if isinstance(node, ex.Det):
            rules.append(RuleName.D_DET)
            return ex.mul(node, ex.Trace(ex.mul(ex.Inverse(node.arg), d(node.arg))))
        if isinstance(node, ex.Log):
            rules.append(RuleName.D_LOG)
            return ex.mul(ex.Power(node.arg, -1), d(node.arg))
        if isinstance(node, ex.Trace):
            rules.append(RuleName.D_TRACE)
            return ex.Trace(d(node.arg))
        if isinstance(node, ex.Power):
            return self.power(node, rules)
        if isinstance(node, ex.Norm):
            rules.append(RuleName.D_NORM)
            inner = ex.mul(ex.transpose(node.arg), d(node.arg))
            if not inner.shape.is_scalar:
                inner = ex.Trace(inner)
            return ex.mul(ex.Power(node, -1), inner)
        found = entrywise.rule(node, self.varies, rules)
        if found is not None:
            return found
        raise unsupported(_construct(node))

    def product(self, node: ex.MatMul, rules: list[RuleName]) -> ex.Expr:
        factors = node.factors
        terms = [ex.mul(*factors[:k], Differential(f), *factors[k + 1:])
                 for k, f in enumerate(factors) if self.varies(f)]  # fmt: skip
        varying = sum(self.varies(f) for f in factors)
        rules.append(RuleName.D_PRODUCT if varying > 1 else RuleName.D_LINEARITY)
        return ex.add(*terms)

    def power(self, node: ex.Power, rules: list[RuleName]) -> ex.Expr:
        base, p = node.base, node.exponent
        if isinstance(base, ex.Norm) and p == 2:  # |U|^2 = tr(U^T U): defined at U = 0 too
            rules.append(RuleName.D_SQUARED_NORM)
            inner = ex.mul(ex.transpose(base.arg), Differential(base.arg))
            return ex.mul(ex.number(2), inner if inner.shape.is_scalar else ex.Trace(inner))
        if base.shape.is_scalar:
            rules.append(RuleName.D_POWER)
            lower = base if p == 2 else ex.Number(Fraction(1)) if p == 1 else ex.Power(base, p - 1)
            return ex.mul(ex.number(p), lower, Differential(base))
        if p < 2:
            raise unsupported(f"the differential of a matrix power {p}")
        rules.append(RuleName.D_PRODUCT)
        # X^p is the product of p factors X: one term per factor, the others written out
        return ex.add(*(ex.mul(*[base] * k, Differential(base), *[base] * (p - 1 - k))
                        for k in range(p)))  # fmt: skip

    # -- the canonical form ---------------------------------------------------------------
    def expand(self, node: ex.Expr) -> list[ex.Expr]:
        """The terms of ``node`` multiplied out, each a product holding ``dX`` once."""
        if not contains(node, self.dvar):
            return [] if _is_zero(node) else [node]
        if isinstance(node, ex.Add):
            return [t for term in node.terms for t in self.expand(term)]
        if isinstance(node, ex.MatMul):
            products: list[list[ex.Expr]] = [[]]
            for factor in node.factors:
                options = self.expand(factor) if contains(factor, self.dvar) else [factor]
                products = [[*p, o] for p in products for o in options]
            return [ex.mul(*p) for p in products]
        if isinstance(node, ex.Transpose | ex.Trace):
            return [node.rebuild([t]) for t in self.expand(node.children[0])]
        return entrywise.expand(node, self.expand) or [node]

    def identify(self, lhs: ex.Expr, terms: list[ex.Expr]) -> Result:
        record = self.recorder.record
        var = self.var
        whole = ex.Derivative(self.function, var, self.options.layout, 1)
        f_shape = self.function.shape
        if var.shape.is_scalar:
            coefficients = [substitute(t, self.dvar, ex.Number(Fraction(1))) for t in terms]
            gradient = ex.add(*coefficients) if coefficients else _zero(f_shape)
            if len(terms) > 1:
                record(StepKind.CANONICAL_FORM, (lhs, ex.mul(gradient, self.dvar)),
                       (RuleName.COLLECT_DIFFERENTIAL,))  # fmt: skip
            rules = [RuleName.FIRST_IDENTIFICATION]
            # a vector by a scalar is a column in the mixed and numerator layouts, a row in
            # the denominator layout; a matrix keeps its shape
            denominator = self.options.layout == ex.Layout.DENOMINATOR
            if (f_shape.is_column and denominator) or (f_shape.is_row and not denominator):
                gradient = ex.transpose(gradient)
                rules.append(RuleName.LAYOUT)
            record(StepKind.IDENTIFY, (whole, gradient), tuple(rules))
            return self.finish(whole, gradient, ResultKind.BY_SCALAR)
        if not f_shape.is_scalar:
            return self.identify_jacobian(lhs, whole, terms)
        used: list[RuleName] = []
        rows = [self.row(t, used) for t in terms]
        canonical = ex.add(*(self.canonical(m) for m in rows)) if rows else None
        if canonical is not None and canonical != ex.add(*terms):
            record(StepKind.CANONICAL_FORM, (lhs, canonical), tuple(used) or
                   (RuleName.SCALAR_TRACE,))  # fmt: skip
        transposed_gradient: ex.Expr = algebra.collect(ex.add(*rows)) if rows else \
            _zero(var.shape.T)
        if len(rows) > 1:
            record(StepKind.CANONICAL_FORM, (lhs, self.canonical(transposed_gradient)),
                   (RuleName.COLLECT_DIFFERENTIAL,))  # fmt: skip
        self.first_row = transposed_gradient
        gradient = ex.transpose(transposed_gradient)
        rules = [RuleName.FIRST_IDENTIFICATION]
        if self.options.layout == ex.Layout.NUMERATOR:
            gradient = transposed_gradient
            rules.append(RuleName.LAYOUT)
        record(StepKind.IDENTIFY, (whole, gradient), tuple(rules))
        kind = ResultKind.GRADIENT if var.shape.is_column or var.shape.is_row \
            else ResultKind.BY_MATRIX
        return self.finish(whole, gradient, kind)

    def identify_jacobian(self, lhs: ex.Expr, whole: ex.Expr, terms: list[ex.Expr]) -> Result:
        """``dy = J dx`` gives the Jacobian ``J`` (first identification theorem)."""
        record = self.recorder.record
        used: list[RuleName] = []
        parts = [self.jacobian_part(t, used) for t in terms]
        canonical = ex.add(*(ex.mul(j, self.dvar) for j in parts)) if parts else None
        if canonical is not None and canonical != ex.add(*terms):
            record(StepKind.CANONICAL_FORM, (lhs, canonical), tuple(used) or
                   (RuleName.SCALAR_TRANSPOSE,))  # fmt: skip
        shape = ex.Shape(self.function.shape.rows, self.var.shape.rows)
        jacobian = algebra.collect(ex.add(*parts)) if parts else ex.Zero(shape)
        if len(parts) > 1:
            record(StepKind.CANONICAL_FORM, (lhs, ex.mul(jacobian, self.dvar)),
                   (RuleName.COLLECT_DIFFERENTIAL,))  # fmt: skip
        rules = [RuleName.FIRST_IDENTIFICATION]
        shown = jacobian
        if self.options.layout == ex.Layout.DENOMINATOR:
            shown = ex.transpose(jacobian)
            rules.append(RuleName.LAYOUT)
        record(StepKind.IDENTIFY, (whole, shown), tuple(rules))
        return self.finish(whole, shown, ResultKind.JACOBIAN)

    def jacobian_part(self, term: ex.Expr, used: list[RuleName]) -> ex.Expr:
        """``J`` with ``term = J dx``, for a column-vector term and a column-vector ``dx``."""
        term = self.open_transposes(term)
        scalars, chain = algebra.split_product(term)
        outside = [s for s in scalars if not contains(s, self.dvar)]
        inside = [s for s in scalars if contains(s, self.dvar)]
        if len(chain) == 1 and not inside:  # b ∘ (W dx) = diag(b) W dx
            found = entrywise.jacobian_part(chain[0], lambda f: contains(f, self.dvar),
                                            lambda t: self.jacobian_part(t, used))
            if found is not None:
                used.append(RuleName.HADAMARD_DIAG)
                return ex.mul(*outside, found)
        if inside:  # (a^T dx) v = v a^T dx: a scalar moves to the end of the product
            return ex.mul(*outside, *chain, self.row(inside[0], used))
        if chain and chain[-1] == self.dvar:
            before = chain[:-1]
            return ex.mul(*outside, *before) if before else \
                ex.mul(*outside, ex.Identity(self.var.shape.rows))
        raise unsupported("a differential that is not of the form J dx")

    def canonical(self, row: ex.Expr) -> ex.Expr:
        """``M dx`` for a column vector, ``tr(M dX)`` otherwise."""
        product = ex.mul(row, self.dvar)
        return product if self.var.shape.is_column else ex.Trace(product)

    def row(self, term: ex.Expr, used: list[RuleName]) -> ex.Expr:
        """``M`` with ``term = tr(M dX)`` (``M`` has the shape of ``dX`` transposed)."""
        term = self.open_transposes(term)
        ones = entrywise.as_product(term)
        if ones is not None:  # sum(C) = 1' C 1
            used.append(RuleName.SUM_ONES)
            return self.row(ones, used)
        if isinstance(term, ex.Trace):
            return self.chain(term.arg, used, in_trace=True)
        if isinstance(term, ex.Transpose):
            used.append(RuleName.SCALAR_TRANSPOSE)
            return self.row(term.arg, used)
        return self.chain(term, used, in_trace=False)

    def open_transposes(self, node: ex.Expr) -> ex.Expr:
        """Move transposes that hold ``dX`` down to it: ``(A dx)^T = (dx)^T A^T``."""
        if isinstance(node, ex.Transpose) and contains(node.arg, self.dvar):
            pushed = algebra.push_transpose(node)
            return pushed if pushed != node else node
        if not node.children:
            return node
        return node.rebuild([self.open_transposes(child) for child in node.children])

    def chain(self, node: ex.Expr, used: list[RuleName], *, in_trace: bool) -> ex.Expr:
        scalars, chain = algebra.split_product(node)
        outside = [s for s in scalars if not contains(s, self.dvar)]
        inside = [s for s in scalars if contains(s, self.dvar)]
        if inside:  # dX sits in a scalar factor: the rest is a constant multiple of it
            rest = ex.mul(*outside, *chain) if chain else ex.mul(*outside)
            if in_trace and chain:
                rest = ex.mul(*outside, ex.Trace(ex.mul(*chain)))
            return ex.mul(rest, self.row(inside[0], used))
        where = next(k for k, f in enumerate(chain) if contains(f, self.dvar))
        left, middle, right = chain[:where], chain[where], chain[where + 1:]
        if not in_trace and (left or right) and not self.var.shape.is_column:
            used.append(RuleName.SCALAR_TRACE)
        if middle == self.dvar:
            if right:
                used.append(RuleName.CYCLIC_TRACE)
            if not (left or right):  # tr(dX) = tr(I dX)
                return ex.mul(*outside, ex.Identity(self.var.shape.rows))
            return ex.mul(*outside, *right, *left)
        if middle == ex.Transpose(self.dvar):
            # tr(L dX^T R) = tr(R^T dX L^T) = tr(L^T R^T dX)
            used.append(RuleName.SCALAR_TRANSPOSE)
            if left:
                used.append(RuleName.CYCLIC_TRACE)
            if not (left or right):  # tr(dX^T) = tr(dX) = tr(I dX)
                return ex.mul(*outside, ex.Identity(self.var.shape.rows))
            return ex.mul(*outside, *(ex.transpose(f) for f in reversed(left)),
                          *(ex.transpose(f) for f in reversed(right)))  # fmt: skip
        moved = entrywise.move_out(middle, left, right, lambda f: contains(f, self.dvar), used)
        if moved is not None:
            return self.chain(ex.mul(*outside, moved), used,
                              in_trace=in_trace or not moved.shape.is_scalar)
        raise unsupported(f"a differential inside {_construct(middle)}")

    def finish(self, whole: ex.Expr, gradient: ex.Expr, kind: ResultKind) -> Result:
        symmetric = {n for n, info in self.problem.symbols.items() if info.symmetric}
        stages = (
            (RuleName.TRANSPOSE_PRODUCT, algebra.push_transpose),
            (RuleName.EXPAND, multiply_out),
            (RuleName.SYMMETRIC, lambda e: algebra.apply_symmetry(e, symmetric)),
            (RuleName.COLLECT_TERMS, algebra.collect),
            (RuleName.FACTOR_OUT, algebra.factor),
            (RuleName.MERGE_POWERS, algebra.merge_powers),
            (RuleName.NAME_FUNCTIONS, name_compositions),
        )
        final = self.recorder.simplify(gradient, stages)
        self.recorder.record(StepKind.RESULT, (whole, final), (RuleName.RESULT,))
        return Result(whole, final, kind)


def multiply_out(node: ex.Expr) -> ex.Expr:
    """Distribute every product over the sums among its factors: ``A (x - y) = A x - A y``.

    The index method's terms come out multiplied out, and ``algebra.factor`` then finds the
    common factors; multiplying out first lets both methods end on the same expression.
    """
    if node.children:
        node = node.rebuild([multiply_out(child) for child in node.children])
    if not isinstance(node, ex.MatMul):
        return node
    products: list[list[ex.Expr]] = [[]]
    for factor in node.factors:
        options = factor.terms if isinstance(factor, ex.Add) else (factor,)
        products = [[*p, o] for p in products for o in options]
    return ex.add(*(ex.mul(*p) for p in products)) if len(products) > 1 else node


_CONSTRUCTS = {
    "Hadamard": "the elementwise product", "HadamardPower": "elementwise powers",
    "Sum": "the sum of the entries", "Diag": "diagonal matrices", "LogSumExp": "log-sum-exp",
    "Softmax": "softmax",
}


def _construct(node: ex.Expr) -> str:
    """What a reader calls the node the method cannot differentiate yet."""
    function = getattr(node, "function", None)
    if isinstance(function, str):  # an elementwise function: sigmoid(x), exp(x)
        return f"the elementwise function {function}"
    name = type(node).__name__
    return f"the differential of {_CONSTRUCTS.get(name, name)}"


def _zero(shape: ex.Shape) -> ex.Expr:
    return ex.Number(Fraction(0)) if shape.is_scalar else ex.Zero(shape)


def _is_zero(node: ex.Expr) -> bool:
    return isinstance(node, ex.Zero) or node == ex.Number(Fraction(0))


def _cancel(node: ex.Expr) -> ex.Expr:
    """Cancel a scalar against its reciprocal in every product: ``(det X)^-1 det X = 1``."""
    if node.children:
        node = node.rebuild([_cancel(child) for child in node.children])
    if not isinstance(node, ex.MatMul):
        return node
    factors = list(node.factors)
    for k, factor in enumerate(factors):
        if isinstance(factor, ex.Power) and factor.exponent == -1 and \
                factor.base.shape.is_scalar and factor.base in factors:
            other = factors.index(factor.base)
            kept = [f for j, f in enumerate(factors) if j not in (k, other)]
            return ex.mul(*kept) if kept else ex.Number(Fraction(1))
    return node


def _function_name(problem: Problem) -> str:
    """The name the index method gives the function (``alpha`` for a scalar, ``y`` for a vector)."""
    shape = problem.expr.shape
    choices = ("alpha", "f", "phi") if shape.is_scalar else ("y", "f", "g", "h") if (
        shape.is_column or shape.is_row) else ("F", "G", "H")
    return next((c for c in choices if c not in problem.symbols), f"{choices[0]}_0")
