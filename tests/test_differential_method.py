"""The differential method (Magnus & Neudecker) beside the index method: same results, its own
steps, each line checked along a random direction, tampering refused.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from click.testing import CliRunner
from engine_support import DECLARE, problems, relative_error, tree_value, tree_values
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from test_render import EXTENSIONS, check_golden, stable

import derive
from derive.calculus.proof import Derivation, Step
from derive.calculus.rules import RuleName, StepKind
from derive.catalog import identities as catalog
from derive.check.verify import verify
from derive.cli import main
from derive.documents.printer import ascii_str, latex
from derive.documents.printer import unicode as unicode_str
from derive.documents.render import render_derivation
from derive.errors import DeriveError, LimitError, UnsupportedError, VerificationError
from derive.ir import expr as ex
from derive.ir.differential import Differential

ENTRIES = catalog.all_identities()


def _index(entry: catalog.CatalogEntry) -> Derivation | None:
    try:
        return derive.prove(entry.expr, entry.wrt, declare=entry.declare,
                            layout=entry.layout or "mixed", hessian=entry.hessian)  # fmt: skip
    except DeriveError:
        return None


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.name for e in ENTRIES])
def test_differential_method_catalog_same_result_or_clear_refusal(
    entry: catalog.CatalogEntry,
) -> None:
    index = _index(entry)
    if index is None:
        pytest.skip("the index method does not prove this identity")
    try:
        differential = derive.prove(entry.expr, entry.wrt, declare=entry.declare,
                                    layout=entry.layout or "mixed", hessian=entry.hessian,
                                    method="differential")  # fmt: skip
    except UnsupportedError as error:
        assert str(error).startswith("not supported by the differential method yet: ")
        return
    assert differential.proven
    assert differential.result == index.result
    kinds = {step.kind for step in differential.steps}
    assert {StepKind.TAKE_DIFFERENTIAL, StepKind.IDENTIFY, StepKind.RESULT} <= kinds


def test_differential_method_catalog_mostly_proven() -> None:
    """Refusals are the exception (a function of softmax, Hessians of entrywise functions,
    second derivatives by a scalar)."""
    proven = refused = 0
    for entry in ENTRIES:
        if _index(entry) is None:
            continue
        try:
            derive.prove(entry.expr, entry.wrt, declare=entry.declare,
                         layout=entry.layout or "mixed", hessian=entry.hessian,
                         method="differential")  # fmt: skip
            proven += 1
        except UnsupportedError:
            refused += 1
    assert proven >= 80 and refused <= 6, (proven, refused)


QUADRATIC_LINES = [
    "d(x' A x)",
    "d(x') A x + x' A dx",
    "(dx)' A x + x' A dx",
    "x' A' dx + x' A dx",
    "(x' A' + x' A) dx",
]


def test_differential_method_quadratic_form_steps() -> None:
    d = derive.prove("x' A x", "x", method="differential")
    lines = [unicode_str(s.lines[-1]) for s in d.steps
             if s.kind in (StepKind.TAKE_DIFFERENTIAL, StepKind.DIFFERENTIAL_RULES,
                           StepKind.CANONICAL_FORM)]  # fmt: skip
    assert lines == ["d(xᵀ A x)", "d(xᵀ) A x + xᵀ A dx", "(dx)ᵀ A x + xᵀ A dx",
                     "xᵀ Aᵀ dx + xᵀ A dx", "(xᵀ Aᵀ + xᵀ A) dx"]
    assert unicode_str(d.result.rhs) == "(A + Aᵀ) x"
    rules = [r.name for s in d.steps for r in s.rules]
    for name in (RuleName.D_PRODUCT, RuleName.D_TRANSPOSE, RuleName.SCALAR_TRANSPOSE,
                 RuleName.COLLECT_DIFFERENTIAL, RuleName.FIRST_IDENTIFICATION):
        assert name in rules


@pytest.mark.parametrize(
    ("expr", "wrt", "rule", "result"),
    [
        ("log(det(X))", "X", RuleName.D_DET, "X⁻ᵀ"),
        ("tr(A X^-1 B)", "X", RuleName.D_INVERSE, "-X⁻ᵀ Aᵀ Bᵀ X⁻ᵀ"),
        ("tr(X^3)", "X", RuleName.CYCLIC_TRACE, "3 (X²)ᵀ"),
        ("norm(x)", "x", RuleName.D_NORM, "‖x‖⁻¹ x"),
        ("(x' x)^2", "x", RuleName.D_POWER, "4 (xᵀ x) x"),
    ],
    ids=["log-det", "inverse", "trace-cube", "norm", "power"],
)
def test_differential_method_rules(expr: str, wrt: str, rule: RuleName, result: str) -> None:
    d = derive.prove(expr, wrt, method="differential")
    assert d.proven
    assert rule in [r.name for s in d.steps for r in s.rules]
    assert unicode_str(d.result.rhs) == result


def test_differential_method_prints_upright_d() -> None:
    dx = Differential(ex.Symbol("x", ex.Shape("n", 1)))
    assert latex(ex.Transpose(dx)) == "(\\mathrm{d}x)^{\\top}"
    assert unicode_str(ex.Transpose(dx)) == "(dx)ᵀ"
    assert ascii_str(dx) == "d(x)"


@pytest.mark.parametrize(
    ("expr", "wrt", "declare", "construct"),
    [
        ("A X", "X", (), "derivatives of a matrix"),
        ("y' x", "x", ("x: n, depends on z",), "a dependency of x on a symbol other than"),
        ("tr(X)", "z", ("X: n x n, depends on z", "z: m"), "a matrix"),
        ("0 - y' log(softmax(W x))", "W", (), "a function of softmax"),
    ],
    ids=["jacobian", "other-dependency", "matrix-dependency", "softmax"],
)
def test_differential_method_refuses_clearly(
    expr: str, wrt: str, declare: tuple[str, ...], construct: str
) -> None:
    with pytest.raises(UnsupportedError,
                       match=f"not supported by the differential method yet: {construct}"):
        derive.prove(expr, wrt, declare=declare, method="differential")


@pytest.mark.parametrize(
    ("expr", "canonical", "symmetrised", "hessian"),
    [
        ("(y - A x)' (y - A x)", "2 (dx)ᵀ Aᵀ A dx", "1/2 ((2 Aᵀ A)ᵀ + 2 Aᵀ A)", "2 Aᵀ A"),
        ("x' A x", "(dx)ᵀ (Aᵀ + A) dx", "1/2 ((Aᵀ + A)ᵀ + Aᵀ + A)", "A + Aᵀ"),
        ("(x' x)^2", "(dx)ᵀ (8 x xᵀ + 4 (xᵀ x) I) dx",
         "1/2 ((8 x xᵀ + 4 (xᵀ x) I)ᵀ + 8 x xᵀ + 4 (xᵀ x) I)", "8 x xᵀ + 4 (xᵀ x) I"),
    ],
    ids=["least-squares", "quadratic", "quartic"],
)
def test_differential_method_hessian_by_the_second_differential(
    expr: str, canonical: str, symmetrised: str, hessian: str
) -> None:
    """d²α = d(M dx) with dx fixed, rewritten as (dx)ᵀ B dx; the Hessian is (Bᵀ + B)/2."""
    d = derive.prove(expr, "x", hessian=True, method="differential")
    index = derive.prove(expr, "x", hessian=True)
    assert d.proven and d.results == index.results
    assert unicode_str(d.result.rhs) == hessian
    second = [s for s in d.steps if s.stage == "hessian"]
    assert second[0].kind is StepKind.TAKE_DIFFERENTIAL
    assert unicode_str(second[0].lines[0]) == "d²α"
    assert [r.name for r in second[0].rules] == [RuleName.SECOND_DIFFERENTIAL]
    forms = [s for s in second if s.kind is StepKind.CANONICAL_FORM]
    assert unicode_str(forms[-1].lines[-1]) == canonical
    [identify] = [s for s in second if s.kind is StepKind.IDENTIFY]
    assert [r.name for r in identify.rules] == [RuleName.SECOND_IDENTIFICATION]
    assert unicode_str(identify.lines[-1]) == symmetrised  # ½ (Bᵀ + B), stated as such


def test_differential_method_hessian_refused_for_a_matrix_variable() -> None:
    with pytest.raises(UnsupportedError, match="a Hessian needs a scalar function of a column"):
        derive.prove("tr(X)", "X", hessian=True, method="differential")


def test_differential_method_tampered_second_identification_refused() -> None:
    """Forgetting the ½ of the symmetrised matrix (H = Bᵀ + B) is refused."""
    d = derive.prove("(y - A x)' (y - A x)", "x", hessian=True, method="differential",
                     verify=False)  # fmt: skip
    number, step = _step(d, RuleName.SECOND_IDENTIFICATION)
    half_of = step.lines[-1]
    assert isinstance(half_of, ex.MatMul)
    tampered = _replace_line(d, number, half_of.factors[-1])
    verify(d)
    with pytest.raises(VerificationError, match=r"step \d+ \(identify\)"):
        verify(tampered)


@pytest.mark.parametrize(
    ("expr", "declare", "substituted", "result"),
    [
        ("y' x", ("x: n, depends on z", "y: n, depends on z"),
         "dα = ((∂y/∂z) dz)ᵀ x + yᵀ (∂x/∂z) dz", "(∂y/∂z)ᵀ x + (∂x/∂z)ᵀ y"),
        ("A x", ("x: n, depends on z", "A: m x n"), "dy = A (∂x/∂z) dz", "A (∂x/∂z)"),
    ],
    ids=["inner-product", "linear-map"],
)
def test_differential_method_chain_rule_by_substitution(
    expr: str, declare: tuple[str, ...], substituted: str, result: str
) -> None:
    """dx = (∂x/∂z) dz: the chain rule falls out of substituting the differential."""
    d = derive.prove(expr, "z", declare=declare, method="differential")
    index = derive.prove(expr, "z", declare=declare)
    assert d.proven and d.result == index.result
    assert unicode_str(d.result.rhs) == result
    [step] = [s for s in d.steps if RuleName.D_CHAIN in [r.name for r in s.rules]]
    assert f"{unicode_str(step.lines[0])} = {unicode_str(step.lines[-1])}" == substituted


@pytest.mark.parametrize(
    ("expr", "wrt", "rule", "line", "result"),
    [
        ("a' sigma(W x + b)", "W", RuleName.D_ENTRYWISE,
         "dα = aᵀ (σ(W x + b) ∘ (𝟏 - σ(W x + b)) ∘ (dW x))",
         "(σ(W x + b) ∘ (𝟏 - σ(W x + b)) ∘ a) xᵀ"),
        ("tr(X .* X)", "X", RuleName.D_HADAMARD, "dα = tr(dX ∘ X + X ∘ dX)", "2 diag(diag(X))"),
        ("x' diag(d) x", "d", RuleName.DIAG_TRACE, "dα = (x ∘ x)ᵀ dd", "x ∘ x"),
        ("sigma(W x)", "x", RuleName.HADAMARD_DIAG, "dy = diag(σ(W x) ∘ (𝟏 - σ(W x))) W dx",
         "diag(σ(W x) ∘ (𝟏 - σ(W x))) W"),
    ],
    ids=["layer", "hadamard-square", "diag", "layer-jacobian"],
)
def test_differential_method_entrywise(
    expr: str, wrt: str, rule: RuleName, line: str, result: str
) -> None:
    """d f(U) = f'(U) ∘ dU, d(U ∘ V) = dU ∘ V + U ∘ dV, then tr(Aᵀ(B ∘ C)) = tr((A ∘ B)ᵀ C)."""
    d = derive.prove(expr, wrt, method="differential")
    assert d.proven
    [step] = [s for s in d.steps if rule in [r.name for r in s.rules]]
    assert f"{unicode_str(step.lines[0])} = {unicode_str(step.lines[-1])}" == line
    assert unicode_str(d.result.rhs) == result


def test_differential_method_refuses_entrywise_hessians_clearly() -> None:
    with pytest.raises(UnsupportedError, match=r"yet: a second differential that is not of the"
                       r" form \(dx\)' B dx \(the Hessians of entrywise functions\)"):
        derive.prove("logsumexp(x)", "x", hessian=True, method="differential")


def test_differential_method_hadamard_in_a_trace() -> None:
    d = derive.prove("a' sigma(W x + b)", "W", method="differential")
    [step] = [s for s in d.steps if RuleName.HADAMARD_TRACE in [r.name for r in s.rules]]
    assert unicode_str(step.lines[-1]) == "tr(x (σ(W x + b) ∘ (𝟏 - σ(W x + b)) ∘ a)ᵀ dW)"


def test_differential_method_squared_norm_at_zero() -> None:
    """d‖u‖² = 2 uᵀ du holds at u = 0 too, where d‖u‖ = uᵀ du / ‖u‖ has no value: ‖x - x‖²
    is proven (no line is left that floating point or the exact check cannot evaluate)."""
    d = derive.prove("norm(x - x)^2", "x", method="differential")
    assert d.proven
    assert RuleName.D_SQUARED_NORM in [r.name for s in d.steps for r in s.rules]
    assert RuleName.D_NORM not in [r.name for s in d.steps for r in s.rules]
    x = np.array([[1.0], [2.0], [3.0]])
    assert np.allclose(tree_value(d.result.rhs, {"x": x}), 0.0)


def test_differential_method_check_names_the_direction() -> None:
    d = derive.prove("x' A x", "x", method="differential")
    text = render_derivation(d, "text")
    assert "each differential taken along a random direction dx" in " ".join(text.split())
    assert "along a random direction" not in render_derivation(derive.prove("x' A x", "x"),
                                                                "text")
    compact = render_derivation(d, "md", style="compact")
    assert "numerically, along a random direction $\\mathrm{d}x$" in compact


def test_differential_method_exact_fallback_along_a_rational_direction() -> None:
    """Where floating point cannot decide a differential line, the step is compared exactly
    at a rational point along a rational direction (its differentials by dual numbers)."""
    from derive.check.fallback import StepJudge
    from derive.check.verify import assign_sizes, numeric_point, with_directions

    d = derive.prove("(y - A x)' (y - A x)", "x", method="differential", verify=False)
    sizes = assign_sizes(d.problem)
    rng = np.random.default_rng(0)
    point = with_directions(d, numeric_point(d.problem, sizes, rng), rng)
    judge = StepJudge(point, d.problem, sizes, 0, 1e-6)
    steps = [(n, s) for n, s in enumerate(d.steps) if s.kind is StepKind.DIFFERENTIAL_RULES]
    for number, step in steps:
        assert judge._exact_agreement(step.lines, f"step {number + 1}") is True
    number, step = steps[0]
    lines = step.lines
    assert isinstance(lines[-1], ex.Add)
    dropped = (*lines[:-1], lines[-1].terms[0])  # the product rule's second term dropped
    assert judge._exact_agreement(dropped, f"step {number + 1}") is False


def test_differential_method_cli() -> None:
    run = CliRunner().invoke(main, ["prove", "log(det(X))", "--wrt", "X",
                                    "--method", "differential"])  # fmt: skip
    assert run.exit_code == 0, run.output
    assert "dα = tr(X⁻¹ dX)" in run.output
    assert "∂α/∂X = X⁻ᵀ" in run.output


# -- golden documents: read as a lecturer would ----------------------------------------------------

DIFFERENTIAL_GOLDEN = [
    ("differential-quadratic", "x' A x", "x", False),
    ("differential-log_det", "log(det(X))", "X", False),
    ("differential-least_squares", "(y - A x)' (y - A x)", "x", True),  # with its Hessian
]


@pytest.mark.parametrize("fmt", list(EXTENSIONS), ids=list(EXTENSIONS))
@pytest.mark.parametrize(("name", "expr", "wrt", "hessian"), DIFFERENTIAL_GOLDEN,
                         ids=[c[0] for c in DIFFERENTIAL_GOLDEN])  # fmt: skip
def test_differential_method_matches_golden(
    name: str, expr: str, wrt: str, hessian: bool, fmt: str
) -> None:
    d = stable(derive.prove(expr, wrt, hessian=hessian, method="differential"))
    check_golden(f"{name}.{EXTENSIONS[fmt]}", render_derivation(d, fmt))


# -- tampering: each must be refused by verification ---------------------------------------------


def _unverified(expr: str, wrt: str) -> Derivation:
    return derive.prove(expr, wrt, method="differential", verify=False)


def _replace_line(d: Derivation, number: int, line: ex.Expr) -> Derivation:
    step = d.steps[number]
    tampered = dataclasses.replace(step, lines=(*step.lines[:-1], line))
    return dataclasses.replace(d, steps=(*d.steps[:number], tampered, *d.steps[number + 1:]))


def _step(d: Derivation, rule: RuleName) -> tuple[int, Step]:
    return next((n, s) for n, s in enumerate(d.steps) if rule in [r.name for r in s.rules])


def test_differential_method_tampered_product_rule_refused() -> None:
    d = _unverified("x' A x", "x")
    number, step = _step(d, RuleName.D_PRODUCT)
    sum_ = step.lines[-1]
    assert isinstance(sum_, ex.Add)
    tampered = _replace_line(d, number, sum_.terms[1])  # the term x' A dx dropped
    verify(d)  # the honest derivation passes
    with pytest.raises(VerificationError, match=r"step \d+ \(differential_rules\)"):
        verify(tampered)


def test_differential_method_tampered_inverse_sign_refused() -> None:
    d = _unverified("tr(A X^-1 B)", "X")
    number, step = _step(d, RuleName.D_INVERSE)
    line = step.lines[-1]
    assert isinstance(line, ex.Trace)
    tampered = _replace_line(d, number, ex.Trace(ex.neg(line.arg)))  # the minus lost
    with pytest.raises(VerificationError, match=r"step \d+ \(differential_rules\)"):
        verify(tampered)


def test_differential_method_tampered_identification_refused() -> None:
    d = _unverified("tr(A X)", "X")
    number, step = _step(d, RuleName.FIRST_IDENTIFICATION)
    wrong = ex.transpose(step.lines[-1])  # G^T instead of G
    tampered = _replace_line(d, number, wrong)
    with pytest.raises(VerificationError, match=r"step \d+ \(identify\)"):
        verify(tampered)


# -- random expressions: both methods, no disagreement ------------------------------------------

EXAMPLES = 60


def _both(tree: ex.Expr, wrt: str) -> str:
    text = ascii_str(tree)
    try:
        index = derive.prove(text, wrt, declare=DECLARE)
    except (UnsupportedError, LimitError):
        return "index refused"
    try:
        differential = derive.prove(text, wrt, declare=DECLARE, method="differential")
    except UnsupportedError as error:
        assert str(error).startswith("not supported by the differential method yet: "), error
        return "differential refused"
    except LimitError:
        return "differential refused"
    except VerificationError:
        # never shown as proven; where floating point cannot decide a differential line (a norm
        # of an expression that is identically zero), the exact fallback has no direction yet
        return "differential not verified"
    assert differential.proven, text
    rhs_a, rhs_b = index.result.rhs, differential.result.rhs
    assert isinstance(rhs_a, ex.Expr) and isinstance(rhs_b, ex.Expr)
    values = tree_values(seed=2)
    error = relative_error(tree_value(rhs_b, values), tree_value(rhs_a, values))
    assert error < 1e-9, f"{text}: the two methods disagree ({error:.2e})"
    return "same" if rhs_a == rhs_b else "equal value"


def _run_both(chunk: int, examples: int) -> dict[str, int]:
    outcomes: dict[str, int] = {}

    @seed(20261201 + chunk)
    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                     HealthCheck.data_too_large])  # fmt: skip
    @given(problems(), st.just(0))
    def run(problem: tuple[ex.Expr, str], _: int) -> None:
        tree, wrt = problem
        outcome = _both(tree, wrt)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1

    run()
    return outcomes


def test_differential_method_random_expressions_agree_with_index_method() -> None:
    outcomes = _run_both(0, EXAMPLES)
    assert outcomes.get("same", 0) + outcomes.get("equal value", 0) >= EXAMPLES * 0.3, outcomes


@pytest.mark.slow
@pytest.mark.parametrize("chunk", range(1, 5), ids=[f"chunk-{c}" for c in range(1, 5)])
def test_differential_method_random_expressions_agree_slow(chunk: int) -> None:
    outcomes = _run_both(chunk, 500)
    assert outcomes.get("same", 0) + outcomes.get("equal value", 0) >= 150, outcomes


@pytest.mark.parametrize(
    ("expr", "wrt", "options", "result"),
    [
        # by hand: d(s² x) = 2 s x ds
        ("s^2 x", "s", {}, "2 s x"),
        # d²(a' x) = 0: no term of the form (dx)' B dx, the Hessian is the n x n zero
        ("a' x", "x", {"hessian": True}, "0"),
        # d tr((a' X b) C) = (a' dX b) tr(C) = tr(tr(C) b a' dX)
        ("tr((a' X b) C)", "X", {}, "tr(C) a bᵀ"),
        ("tr((x' x) A)", "x", {}, "2 tr(A) x"),
        # d((a' x) x) = x a' dx + (a' x) dx
        ("(a' x) x", "x", {}, "x aᵀ + (aᵀ x) I"),
    ],
    ids=["by-a-scalar", "hessian-of-a-linear-form", "scalar-in-a-trace", "quadratic-in-a-trace",
         "scalar-times-vector"],
)
def test_differential_method_less_travelled_forms(
    expr: str, wrt: str, options: dict[str, bool], result: str
) -> None:
    """Forms the catalog does not reach: a scalar variable, an empty second differential, a
    scalar factor holding dX inside a trace or beside a vector; results derived by hand."""
    d = derive.prove(expr, wrt, method="differential", **options)
    assert d.proven
    assert unicode_str(d.result.rhs) == result
    assert d.results == derive.prove(expr, wrt, **options).results


def test_differential_method_chain_rule_in_the_denominator_layout() -> None:
    """dx = (∂x/∂z) dz; in the denominator layout ∂x/∂z names the transposed Jacobian."""
    declare = ("x: n, depends on z", "y: n, depends on z")
    d = derive.prove("y' x", "z", declare=declare, layout="denominator", method="differential")
    assert d.proven
    assert unicode_str(d.result.rhs) == "(∂y/∂z) x + (∂x/∂z) y"
    d = derive.prove("A x", "z", declare=("x: n, depends on z", "A: m x n"),
                     layout="denominator", method="differential")  # fmt: skip
    assert d.proven
    assert unicode_str(d.result.rhs) == "(∂x/∂z) Aᵀ"


@pytest.mark.parametrize("expr", ["A y", "0 x"])
def test_differential_method_jacobian_of_a_constant_is_zero(expr: str) -> None:
    """A vector that does not vary with x: dy = 0, so J = 0, as the index method proves. The
    zero differential keeps its shape (m x 1): a scalar 0 there failed the method's own check."""
    assert unicode_str(derive.prove(expr, "x").result.rhs) == "0"
    d = derive.prove(expr, "x", method="differential")
    assert d.proven and unicode_str(d.result.rhs) == "0"
    assert d.result.rhs.shape == ex.Shape(d.function.shape.rows, d.wrt.shape.rows)
