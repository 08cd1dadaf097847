"""The machine-learning constructs of the input language: elementwise functions, Hadamard
products and powers, sums and ones, diag, norms, rational powers of scalars, log-sum-exp and
softmax. Each is parsed in its ASCII and LaTeX spellings, printed three ways, and read back."""

from __future__ import annotations

import pytest

from derive.documents.printer import ascii_str, latex, unicode
from derive.ir import elementwise as el
from derive.ir import expr as ex
from derive.ir.functions import FUNCTIONS
from derive.language.frontend import parse

# (ASCII, LaTeX, the expression as the unicode printer writes it)
SPELLINGS = [
    ("exp(x)", r"\exp(\mathbf{x})", "exp(x)"),
    ("sigma(W x + b)", r"\sigma(W \mathbf{x} + \mathbf{b})", "σ(W x + b)"),
    ("sigmoid(W x + b)", r"\operatorname{sigmoid}(W x + b)", "σ(W x + b)"),
    ("tanh(x) + sin(x) - cos(x)", r"\tanh(x) + \sin(x) - \cos(x)", "tanh(x) + sin(x) - cos(x)"),
    ("softplus(x) .* relu(x)", r"\operatorname{softplus}(x) \odot \operatorname{relu}(x)",
     "softplus(x) ∘ relu(x)"),
    ("a .* b", r"a \odot b", "a ∘ b"),
    ("a ∘ b", r"a \circ b", "a ∘ b"),
    ("a ./ b", r"a \oslash b", "a ∘ b .^ -1"),
    ("x .^ 2", r"x^{\circ 2}", "x .^ 2"),
    ("x .^ (1/2)", r"x^{\circ \frac{1}{2}}", "x .^ (1/2)"),
    ("(x' x)^(1/2)", r"(x^\top x)^{1/2}", "(xᵀ x)^(1/2)"),
    ("alpha^(-1/2)", r"\alpha^{-\frac{1}{2}}", "α^(-1/2)"),
    ("sqrt(alpha)", r"\sqrt{\alpha}", "sqrt(α)"),
    ("sum(x)", r"\operatorname{sum}(x)", "sum(x)"),
    ("1' x", r"\mathbf{1}^\top x", "𝟏ᵀ x"),
    ("ones' X ones", r"\mathbf{1}^\top X \mathbf{1}", "𝟏ᵀ X 𝟏"),
    ("diag(x)", r"\operatorname{diag}(x)", "diag(x)"),
    ("diag(X)", r"\operatorname{diag}(X)", "diag(X)"),
    ("x' diag(d) x", r"x^\top \operatorname{diag}(d) x", "xᵀ diag(d) x"),
    ("norm(x)", r"\lVert x \rVert", "‖x‖"),
    ("norm(x)^3", r"\|x\|^3", "‖x‖³"),
    ("norm(x)^(1/3)", r"\|x\|^{1/3}", "‖x‖^(1/3)"),
    ('norm(X, "fro")', r"\|X\|", "‖X‖"),
    ("norm(x, 2)", r"\|x\|", "‖x‖"),
    ("norm(x, 1)", r"\operatorname{sum}(\operatorname{abs}(x))", "sum(abs(x))"),
    ("abs(det(X))", r"\operatorname{abs}(\det(X))", "abs(det(X))"),
    ("log(abs(det(X)))", r"\log(\operatorname{abs}(\det X))", "log(abs(det(X)))"),
    ("logsumexp(x)", r"\operatorname{logsumexp}(x)", "logsumexp(x)"),
    ("softmax(x)", r"\operatorname{softmax}(x)", "softmax(x)"),
    ("log(1 + exp(-y w' x))", r"\log(1 + \exp(-y \mathbf{w}^\top \mathbf{x}))",
     "log(1 + exp(-y wᵀ x))"),
    ("y' log(softmax(W x))", r"y^\top \log(\operatorname{softmax}(W x))",
     "yᵀ log(softmax(W x))"),
    ("tr(X .* X)", r"\operatorname{tr}(X \odot X)", "tr(X ∘ X)"),
]  # fmt: skip


@pytest.mark.parametrize(("source", "tex", "expected"), SPELLINGS, ids=[s[0] for s in SPELLINGS])
def test_ml_language_ascii_and_latex_spellings_agree(source: str, tex: str, expected: str) -> None:
    declare = ["y: scalar"] if "y w" in source else []
    ascii_expr = parse(source, declare).expr
    assert unicode(ascii_expr) == expected
    assert parse(tex, declare).expr == ascii_expr


@pytest.mark.parametrize(("source", "tex", "expected"), SPELLINGS, ids=[s[0] for s in SPELLINGS])
def test_ml_language_printed_forms_read_back(source: str, tex: str, expected: str) -> None:
    declare = ["y: scalar"] if "y w" in source else []
    problem = parse(source, declare)
    for printed in (latex(problem.expr), unicode(problem.expr), ascii_str(problem.expr)):
        assert parse(printed, declare).expr == problem.expr, printed


def test_ml_language_shapes_of_new_nodes() -> None:
    problem = parse("diag(x) A + ones ones' diag(diag(B))", ["A: n x n"])
    assert problem.expr.shape == ex.Shape("n", "n")
    assert parse("softmax(W x)").expr.shape == ex.Shape("n", 1)
    assert parse("sum(exp(X))").expr.shape == ex.SCALAR


def test_ml_language_every_function_row_parses() -> None:
    """Every spelling of every row of the function table is a function of a vector."""
    for row in FUNCTIONS.values():
        for spelling in row.spellings:
            expr = parse(f"{spelling}(x)", ["x: n"]).expr  # log(x) alone would make x a scalar
            assert expr == el.Apply(row.name, ex.Symbol("x", ex.Shape("n", 1))), spelling


def test_ml_language_sigma_alone_is_a_greek_scalar() -> None:
    assert parse("sigma x").expr == ex.mul(ex.Symbol("sigma", ex.SCALAR),
                                          ex.Symbol("x", ex.Shape("n", 1)))  # fmt: skip


def test_ml_language_every_function_row_parses_from_latex() -> None:
    """The LaTeX name of every row of the function table reads back as that function."""
    for row in FUNCTIONS.values():
        tex = f"{row.latex}{{x}}" if row.name == "sqrt" else f"{row.latex}(x)"
        expr = parse(tex, ["x: n"]).expr
        assert expr == el.Apply(row.name, ex.Symbol("x", ex.Shape("n", 1))), tex
