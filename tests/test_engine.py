"""The derivation engine: the steps it records, the kinds and layouts of its results, and the
simplifications a reader sees.

Results are compared by value with closed forms written in NumPy (``engine_support``); printed
forms are asserted where the form itself is the point (a factored sum, a power, a skipped step).
"""

from __future__ import annotations

import numpy as np
import pytest
from engine_support import (
    central_difference,
    evaluate_result,
    layout_matrix,
    random_values,
    relative_error,
)
from numpy.linalg import inv
from numpy.testing import assert_allclose
from oracle import value_of

import derive
from derive.calculus.proof import Derivation
from derive.calculus.rules import RULES, StepKind
from derive.documents.printer import unicode
from derive.ir import expr as ex
from derive.ir import index as ix


def _text(derivation: Derivation) -> str:
    return unicode(derivation.result.rhs, derivation.symbols)


def _kinds(derivation: Derivation) -> list[str]:
    return [step.kind for step in derivation.steps]


# -- the steps of the notes ------------------------------------------------------------------

NOTES_ORDER = ("define", "index_form", "differentiate", "basic_derivatives", "contract",
               "recognise", "assemble", "simplify", "result")  # fmt: skip


def test_engine_quadratic_form_step_kinds() -> None:
    """x' A x by x: the sequence of PRODUCT.md section 5, as the notes use it."""
    derivation = derive.prove("x' A x", "x")
    assert _kinds(derivation) == [
        "define", "index_form", "differentiate", "basic_derivatives", "contract", "rename",
        "recognise", "assemble", "simplify", "result",
    ]  # fmt: skip
    kinds = _kinds(derivation)
    positions = [kinds.index(kind) for kind in NOTES_ORDER]
    assert positions == sorted(positions)


def test_engine_quadratic_form_step_contents() -> None:
    derivation = derive.prove("x' A x", "x")
    names = derivation.symbols
    lines = {step.kind: [unicode(line, names) for line in step.lines] for step in derivation.steps}
    assert lines["define"] == ["α", "xᵀ A x"]
    assert lines["index_form"] == ["α", "Σᵢ Σⱼ xᵢ aᵢⱼ xⱼ"]
    assert lines["basic_derivatives"][-1] == "Σᵢ Σⱼ (δᵢₖ aᵢⱼ xⱼ + xᵢ aᵢⱼ δⱼₖ)"
    assert lines["recognise"][-1] == "(A x)ₖ + (Aᵀ x)ₖ"
    assert lines["simplify"] == ["A x + Aᵀ x", "(A + Aᵀ) x"]
    assert lines["result"][-1] == "(A + Aᵀ) x"


def test_engine_quadratic_form_reasons_and_facts() -> None:
    derivation = derive.prove("x' A x", "x")
    by_kind = {step.kind: step for step in derivation.steps}
    assert "product_rule" in [r.name for r in by_kind["differentiate"].rules]
    assert [r.name for r in by_kind["contract"].rules] == ["sift_delta"]
    assert [r.name for r in by_kind["simplify"].rules] == ["factor_out"]
    facts = by_kind["basic_derivatives"].facts
    assert [unicode(f.lhs, derivation.symbols) + " = " + unicode(f.rhs, derivation.symbols)
            for f in facts] == ["∂xᵢ/∂xₖ = δᵢₖ"]  # fmt: skip
    assert [i.name for i in by_kind["assemble"].for_all] == ["k"]


@pytest.mark.parametrize(
    ("expr", "wrt", "declare", "hessian"),
    [
        ("x' A x", "x", (), True),
        ("tr(A X B)", "X", (), False),
        ("log(det(X))", "X", (), False),
        ("y' A x", "z", ("x: n, depends on z", "y: m, depends on z"), False),
        ("inv(X)", "X", (), False),
        ("alpha A + alpha^2 B", "alpha", (), False),
    ],
    ids=["hessian", "trace", "logdet", "chain-rule", "tensor", "by-scalar"],
)
def test_engine_steps_are_well_formed(
    expr: str, wrt: str, declare: tuple[str, ...], hessian: bool
) -> None:
    """Every step has a known kind, known rules, at least two equal lines, and passed its check."""
    derivation = derive.prove(expr, wrt, declare=declare, hessian=hessian)
    assert derivation.proven
    assert derivation.verification is not None
    assert len(derivation.verification.steps) == len(derivation.steps)
    for step, check in zip(derivation.steps, derivation.verification.steps, strict=True):
        assert isinstance(step.kind, StepKind)
        assert all(RULES[rule.name] == rule for rule in step.rules)
        assert len(step.lines) >= 2
        assert check.passed and check.max_error <= 1e-6
    assert derivation.steps[0].kind == "define"
    assert derivation.steps[-1].kind == "result"


def test_engine_hessian_steps_follow_the_gradient() -> None:
    derivation = derive.prove("x' A x", "x", declare=("A: n x n, symmetric",), hessian=True)
    stages = [step.stage for step in derivation.steps]
    first_hessian = stages.index("hessian")
    assert set(stages[:first_hessian]) == {"first"}
    assert set(stages[first_hessian:]) == {"hessian"}
    assert [r.kind for r in derivation.results] == ["gradient", "hessian"]
    assert [unicode(r.rhs, derivation.symbols) for r in derivation.results] == ["2 A x", "2 A"]


def test_engine_is_deterministic() -> None:
    first = derive.prove("(y - A x)' (y - A x)", "x", hessian=True)
    second = derive.prove("(y - A x)' (y - A x)", "x", hessian=True)
    assert first.steps == second.steps
    assert first.results == second.results


# -- kinds and layouts (PRODUCT.md section 4) -------------------------------------------------

# (expr, wrt, declarations, layout, kind, expected shape with m = 4, n = 3)
LAYOUT_TABLE = [
    ("A x", "x", ("A: m x n",), "numerator", "jacobian", (4, 3)),
    ("A x", "x", ("A: m x n",), "mixed", "jacobian", (4, 3)),
    ("A x", "x", ("A: m x n",), "denominator", "jacobian", (3, 4)),
    ("x' x", "x", ("x: n",), "numerator", "gradient", (1, 3)),
    ("x' x", "x", ("x: n",), "mixed", "gradient", (3, 1)),
    ("x' x", "x", ("x: n",), "denominator", "gradient", (3, 1)),
    ("a' X b", "X", ("X: m x n",), "numerator", "derivative by a matrix", (3, 4)),
    ("a' X b", "X", ("X: m x n",), "mixed", "derivative by a matrix", (4, 3)),
    ("a' X b", "X", ("X: m x n",), "denominator", "derivative by a matrix", (4, 3)),
    ("alpha a", "alpha", ("a: m",), "numerator", "derivative by a scalar", (4, 1)),
    ("alpha a", "alpha", ("a: m",), "mixed", "derivative by a scalar", (4, 1)),
    ("alpha a", "alpha", ("a: m",), "denominator", "derivative by a scalar", (1, 4)),
    ("alpha A", "alpha", ("A: m x n",), "mixed", "derivative by a scalar", (4, 3)),
]


@pytest.mark.parametrize(
    ("expr", "wrt", "declare", "layout", "kind", "shape"), LAYOUT_TABLE,
    ids=[f"{row[0]}-by-{row[1]}-{row[3]}" for row in LAYOUT_TABLE],
)
def test_engine_layouts_and_kinds(
    expr: str, wrt: str, declare: tuple[str, ...], layout: str, kind: str,
    shape: tuple[int, int],
) -> None:  # fmt: skip
    derivation = derive.prove(expr, wrt, declare=declare, layout=layout)
    assert derivation.result.kind == kind
    values, _ = random_values(derivation)
    got = evaluate_result(derivation, values)
    assert got.shape == shape
    # the same numbers as the central differences of the original, laid out as the table says
    function = derivation.problem.expr
    tensor = central_difference(lambda v: value_of(function, v, {"m": 4, "n": 3}), values, wrt)
    expected = layout_matrix(tensor, function.shape, derivation.wrt.shape, layout)
    assert relative_error(got, expected) < 1e-7


@pytest.mark.parametrize("layout", ["numerator", "mixed", "denominator"])
def test_engine_hessian_is_n_by_n_in_every_layout(layout: str) -> None:
    derivation = derive.prove("(y - A x)' (y - A x)", "x", declare=("A: m x n",), layout=layout,
                              hessian=True)  # fmt: skip
    values, _ = random_values(derivation)
    assert_allclose(evaluate_result(derivation, values), 2 * values["A"].T @ values["A"],
                    rtol=1e-12)  # fmt: skip


# -- chain rule, symmetry, scalars ------------------------------------------------------------


def test_engine_chain_rule_keeps_the_jacobian_symbolic() -> None:
    derivation = derive.prove("A x", "z", declare=("A: m x n", "x: n, depends on z"),
                              layout="numerator")  # fmt: skip
    assert _text(derivation) == "A (∂x/∂z)"
    values, jacobians = random_values(derivation)
    assert_allclose(evaluate_result(derivation, values, jacobians),
                    values["A"] @ jacobians[("x", "z")])  # fmt: skip


def test_engine_chain_rule_mixed_layout_is_a_column() -> None:
    declare = ("A: m x n", "x: n, depends on z", "y: m, depends on z")
    derivation = derive.prove("y' A x", "z", declare=declare)
    values, jacobians = random_values(derivation)
    x = values["x"] + jacobians[("x", "z")] @ values["z"]
    y = values["y"] + jacobians[("y", "z")] @ values["z"]
    dx, dy = jacobians[("x", "z")], jacobians[("y", "z")]
    expected = dy.T @ values["A"] @ x + dx.T @ values["A"].T @ y
    assert_allclose(evaluate_result(derivation, values, jacobians), expected, rtol=1e-12)


def test_engine_symmetric_declaration_simplifies() -> None:
    derivation = derive.prove("x' A x", "x", declare=("A: n x n, symmetric",))
    assert _text(derivation) == "2 A x"
    simplify = next(s for s in derivation.steps if s.kind == "simplify")
    assert [r.name for r in simplify.rules] == ["symmetric", "collect_terms"]


def test_engine_symmetric_inverse() -> None:
    derivation = derive.prove("x' inv(S) x", "x", declare=("S: n x n, symmetric",))
    assert _text(derivation) == "2 S⁻¹ x"


def test_engine_matrix_function_by_a_scalar() -> None:
    derivation = derive.prove("alpha A + alpha^2 B", "alpha")
    assert derivation.result.kind == "derivative by a scalar"
    values, _ = random_values(derivation)
    expected = values["A"] + 2 * values["alpha"][0, 0] * values["B"]
    assert_allclose(evaluate_result(derivation, values), expected, rtol=1e-12)


def test_engine_scalar_by_a_scalar() -> None:
    derivation = derive.prove("alpha^3 + 2 alpha", "alpha")
    values, _ = random_values(derivation)
    alpha = values["alpha"][0, 0]
    assert_allclose(evaluate_result(derivation, values), [[3 * alpha**2 + 2]], rtol=1e-12)


@pytest.mark.parametrize(
    ("expr", "hessian"),
    [
        ("log(x' x)", lambda x: 2 * np.eye(3) / (x.T @ x) - 4 * x @ x.T / (x.T @ x) ** 2),
        ("(x' x)^2", lambda x: 4 * (x.T @ x) * np.eye(3) + 8 * x @ x.T),
        ("norm(x)", lambda x: np.eye(3) / np.linalg.norm(x) - x @ x.T / np.linalg.norm(x) ** 3),
    ],
    ids=["log", "square", "norm"],
)
def test_engine_hessian_with_scalar_leaves(expr: str, hessian: object) -> None:
    """The gradient has scalar leaves ((x' x)^-1, ||x||^-1); the Hessian differentiates them."""
    derivation = derive.prove(expr, "x", declare=("x: n",), hessian=True)
    values, _ = random_values(derivation)
    assert callable(hessian)
    assert_allclose(evaluate_result(derivation, values), hessian(values["x"]), rtol=1e-10)


# -- tensors (matrix by matrix) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "wrt", "printed"),
    [
        ("inv(X)", "X", "-(X⁻¹)ᵢₖ (X⁻¹)ₗⱼ"),
        ("X", "X", "δᵢₖ δⱼₗ"),
        ("X' X", "X", "xₖⱼ δᵢₗ + xₖᵢ δⱼₗ"),
        ("x x'", "x", "xⱼ δᵢₖ + xᵢ δⱼₖ"),
        ("A x", "A", "xₗ δᵢₖ"),
    ],
    ids=["inverse-60", "identity", "gram", "outer", "vector-by-matrix"],
)
def test_engine_tensor_results_in_index_form(expr: str, wrt: str, printed: str) -> None:
    """d F_ij / d X_kl with free indices (i, j, k, l): Cookbook (60) for the inverse."""
    derivation = derive.prove(expr, wrt)
    assert derivation.result.kind == "tensor"
    assert isinstance(derivation.result.rhs, ix.IndexSum)
    assert _text(derivation) == printed
    values, _ = random_values(derivation)
    sizes = {"n": 3, "m": 4, "p": 5, "q": 2}
    got = value_of(derivation.result.rhs, values, sizes)
    tensor = central_difference(lambda v: value_of(derivation.problem.expr, v, sizes), values, wrt)
    assert relative_error(np.asarray(got), tensor.reshape(np.shape(got))) < 1e-7


def test_engine_inverse_tensor_is_cookbook_60() -> None:
    derivation = derive.prove("inv(X)", "X")
    values, _ = random_values(derivation)
    x_inv = inv(values["X"])
    got = value_of(derivation.result.rhs, values, {"n": 3})
    assert_allclose(got, -np.einsum("ik,lj->ijkl", x_inv, x_inv), rtol=1e-12)


# -- what a reader sees: simplification -------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "wrt", "declare", "printed"),
    [
        ("x' A x", "x", (), "(A + Aᵀ) x"),
        ("x' A x", "x", ("A: n x n, symmetric",), "2 A x"),
        ("tr(X^3)", "X", (), "3 (X²)ᵀ"),
        ("tr(X^4)", "X", (), "4 (X³)ᵀ"),
        ("det(X')", "X", (), "det(X) X⁻ᵀ"),
        ("det(A X B)", "X", (), "det(A X B) Aᵀ (A X B)⁻ᵀ Bᵀ"),
        ("log(det(X))", "X", (), "X⁻ᵀ"),
        ("(x' x)^2", "x", (), "4 (xᵀ x) x"),
        ("norm(A x - b)^2", "x", (), "2 Aᵀ (A x - b)"),
        ("b' X' X c", "X", (), "X (c bᵀ + b cᵀ)"),
        ("x' A y + x' B y", "y", (), "(Aᵀ + Bᵀ) x"),
    ],
    ids=["factor", "symmetric", "power-3", "power-4", "det-transpose", "det-AXB", "logdet",
         "scalar-group", "least-squares", "gram", "factor-twice"],
)  # fmt: skip
def test_engine_printed_results(
    expr: str, wrt: str, declare: tuple[str, ...], printed: str
) -> None:
    derivation = derive.prove(expr, wrt, declare=declare)
    assert _text(derivation) == printed


def test_engine_skips_a_recognise_step_that_changes_nothing() -> None:
    """||x||^2 = sum_i x_i x_i; d/dx_k = 2 x_k is already an entry of 2 x: no x_k = x_k line."""
    derivation = derive.prove("norm(x)^2", "x")
    assert "recognise" not in _kinds(derivation)
    index_form = next(s for s in derivation.steps if s.kind == "index_form")
    assert unicode(index_form.lines[-1], derivation.symbols) == "Σᵢ xᵢ xᵢ"
    assert _text(derivation) == "2 x"


def test_engine_identity_beside_a_scalar_is_kept() -> None:
    """d((x' x) x)/dx = 2 x x' + (x' x) I: the I must not vanish into a 1 x 1 result."""
    derivation = derive.prove("(x' x) x", "x")
    values, _ = random_values(derivation)
    x = values["x"]
    assert_allclose(evaluate_result(derivation, values), 2 * x @ x.T + (x.T @ x) * np.eye(3))


def test_engine_scalar_groups_are_not_split() -> None:
    """y' (x' y) y: the scalar x' y stays a group; splicing it gives y' x' y y (no product)."""
    derivation = derive.prove("y' (x' y) y", "x")
    values, _ = random_values(derivation)
    y = values["y"]
    assert_allclose(evaluate_result(derivation, values), (y.T @ y) * y, rtol=1e-12)


def test_engine_scalar_paths_before_cycles() -> None:
    """||A x - b||^4: terms with two scalar paths (b' A x and x' A' A x) read back correctly."""
    derivation = derive.prove("norm(A x - b)^4", "x")
    values, _ = random_values(derivation)
    r = values["A"] @ values["x"] - values["b"]
    expected = 4 * (r.T @ r).item() * values["A"].T @ r
    assert_allclose(evaluate_result(derivation, values), expected, rtol=1e-10)


def test_engine_factoring_keeps_scalar_groups_whole() -> None:
    """The factored least-squares gradient of degree 4 never pulls a factor out of b' A x."""
    derivation = derive.prove("norm(A x - b)^4", "x")
    simplify = next(s for s in derivation.steps if s.kind == "simplify")
    values, _ = random_values(derivation)
    sizes = {"n": 3, "m": 4}
    first = value_of(simplify.lines[0], values, sizes)
    for line in simplify.lines[1:]:
        assert_allclose(value_of(line, values, sizes), first, rtol=1e-10)


def test_engine_variable_absent_gives_zero() -> None:
    derivation = derive.prove("a' b", "x", declare=("x: n", "a: n", "b: n"))
    values, _ = random_values(derivation)
    assert_allclose(evaluate_result(derivation, values), np.zeros((3, 1)))


def test_engine_constant_factor_rule_is_cited() -> None:
    derivation = derive.prove("a' x", "x")
    differentiate = next(s for s in derivation.steps if s.kind == "differentiate")
    assert "constant" in [r.name for r in differentiate.rules]
    values, _ = random_values(derivation)
    assert_allclose(evaluate_result(derivation, values), values["a"])


def test_engine_define_step_names_the_function() -> None:
    derivation = derive.prove("A x", "x")
    assert isinstance(derivation.function, ex.Defined)
    assert derivation.function.name == "y"
    scalar = derive.prove("x' x", "x")
    assert scalar.function.name == "alpha"
    matrix = derive.prove("X' X", "X")
    assert matrix.function.name == "F"


@pytest.mark.parametrize(
    ("layout", "shape"), [("numerator", (1, 3)), ("mixed", (3, 1)), ("denominator", (3, 1))]
)
def test_engine_zero_gradient_has_the_layout_shape(layout: str, shape: tuple[int, int]) -> None:
    """Every term cancels (norm(4 (alpha - alpha) x)^2): the zero is still a row in the
    numerator layout (it came out as a column)."""
    derivation = derive.prove("norm(4 (alpha - alpha) x)^2", "x",
                              declare=("x: n", "alpha: scalar"), layout=layout)  # fmt: skip
    assert isinstance(derivation.result.rhs, ex.Zero)
    values, _ = random_values(derivation)
    assert evaluate_result(derivation, values).shape == shape
