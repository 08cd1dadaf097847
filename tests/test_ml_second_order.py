"""Second derivatives: by a scalar (``∂²α/∂t²``) and the Hessians of the scalar functions of
machine-learning courses, each compared with second central differences of an independent NumPy
implementation (not derive's evaluator), with the form a lecturer writes and the rendered page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

import derive
from derive.calculus.proof import Derivation
from derive.check.evaluate import Point, evaluate_expr
from derive.documents.printer import latex, unicode
from derive.documents.render import render_derivation
from derive.errors import UnsupportedError


def _sigma(u: Any) -> Any:
    return 1 / (1 + np.exp(-u))


def _inv(v: dict[str, Any]) -> Any:
    return np.linalg.inv(v["A"] + v["t"] * v["B"])


# (expression, variable, NumPy function of the values, the second derivative as printed)
SECOND: list[tuple[str, str, Callable[[dict[str, Any]], Any], str]] = [
    ("det(t B + t^2 C + A)", "t",
     lambda v: np.linalg.det(v["t"] * v["B"] + v["t"] ** 2 * v["C"] + v["A"]), ""),
    ("log(det(A + t B))", "t", lambda v: np.log(np.linalg.det(v["A"] + v["t"] * v["B"])),
     "-tr(B (A + t B)⁻¹ B (A + t B)⁻¹)"),
    ("x' inv(A + t B) x", "t", lambda v: v["x"].T @ _inv(v) @ v["x"],
     "2 xᵀ (A + t B)⁻ᵀ Bᵀ (A + t B)⁻ᵀ Bᵀ (A + t B)⁻ᵀ x"),
    ("exp(t) * sin(t)", "t", lambda v: np.exp(v["t"]) * np.sin(v["t"]), "2 cos(t) exp(t)"),
    ("sigma(t)", "t", lambda v: _sigma(v["t"]), "σ(t) (1 - 3 σ(t) + 2 σ(t)²)"),
    ("a' exp(t x)", "t", lambda v: v["a"].T @ np.exp(v["t"] * v["x"]), "(a ∘ exp(t x) ∘ x)ᵀ x"),
    # the scalar functions of the issue, by a vector: Hessians
    ("sum(log(1 + exp(X w))) - y' X w", "w",
     lambda v: np.sum(np.logaddexp(0, v["X"] @ v["w"])) - v["y"].T @ v["X"] @ v["w"],
     "Xᵀ diag(σ(X w) ∘ (𝟏 - σ(X w))) X"),
    ("log(1 + exp(-w' x))", "w", lambda v: np.logaddexp(0, -(v["w"].T @ v["x"])),
     "σ(-wᵀ x) (1 - σ(-wᵀ x)) x xᵀ"),
    ("sum(log(1 + exp(-y .* (X w))))", "w",
     lambda v: np.sum(np.logaddexp(0, -v["y"] * (v["X"] @ v["w"]))),
     "Xᵀ diag(σ(-(y ∘ (X w))) ∘ (𝟏 - σ(-(y ∘ (X w)))) ∘ y ∘ y) X"),
    ("logsumexp(x)", "x", lambda v: np.log(np.sum(np.exp(v["x"]))),
     "diag(softmax(x)) - softmax(x) softmax(x)ᵀ"),
    ("a' sigma(W x + b)", "b", lambda v: v["a"].T @ _sigma(v["W"] @ v["x"] + v["b"]),
     "diag(σ(W x + b) ∘ (𝟏 - 2 σ(W x + b)) ∘ (𝟏 - σ(W x + b)) ∘ a)"),
    ("norm(x)", "x", lambda v: np.linalg.norm(v["x"]), "-‖x‖⁻³ x xᵀ + ‖x‖⁻¹ I"),
    ("norm(A x - b)", "x", lambda v: np.linalg.norm(v["A"] @ v["x"] - v["b"]), ""),
    ("norm(A x - b)^2 + lambda norm(x)^2", "x",
     lambda v: np.sum((v["A"] @ v["x"] - v["b"]) ** 2) + v["lambda"] * np.sum(v["x"] ** 2),
     "2 Aᵀ A + 2 λ I"),
    ("x' diag(d) x", "d", lambda v: v["x"].T @ np.diag(v["d"][:, 0]) @ v["x"], "0"),
    ("sum(softplus(x))", "x", lambda v: np.sum(np.logaddexp(0, v["x"])),
     "diag(σ(x) ∘ (𝟏 - σ(x)))"),
]  # fmt: skip
IDS = [f"{c[0]} by {c[1]}" for c in SECOND]


def _prove(source: str, wrt: str) -> Derivation:
    return derive.prove(source, wrt, declare=["t: scalar", "W: m x n", "A: n x n", "X: m x n"],
                        hessian=True)  # fmt: skip


def _values(derivation: Derivation, rng: np.random.Generator) -> dict[str, Any]:
    sizes = {"n": 3, "m": 4}
    values: dict[str, Any] = {}
    for name, info in derivation.symbols.items():
        rows, cols = (d if isinstance(d, int) else sizes[str(d)] for d in
                      (info.shape.rows, info.shape.cols))  # fmt: skip
        value = rng.standard_normal((rows, cols)) * 0.5
        if rows == cols and rows > 1:
            value = value / np.sqrt(rows) + 2 * np.eye(rows)
        values[name] = np.abs(value) + 0.2 if info.shape.is_scalar else value
    return values


def _second_differences(function: Callable[[dict[str, Any]], Any], values: dict[str, Any],
                        wrt: str) -> Any:  # fmt: skip
    """``∂²f/∂v_k∂v_l`` by central differences in both directions: a (size x size) matrix."""
    h = 1e-4
    base = np.asarray(values[wrt], dtype=float)
    size = base.size
    result = np.zeros((size, size))

    def at(k: int, dk: float, q: int, dq: float) -> float:
        moved = base.copy().reshape(-1)
        moved[k] += dk
        moved[q] += dq
        return float(np.asarray(function({**values, wrt: moved.reshape(base.shape)})).sum())

    for k in range(size):
        for q in range(size):
            result[k, q] = (at(k, h, q, h) - at(k, h, q, -h) - at(k, -h, q, h)
                            + at(k, -h, q, -h)) / (4 * h * h)  # fmt: skip
    return result


@pytest.mark.parametrize(("source", "wrt", "function", "expected"), SECOND, ids=IDS)
def test_second_order_matches_independent_second_differences(
    source: str, wrt: str, function: Callable[[dict[str, Any]], Any], expected: str
) -> None:
    derivation = _prove(source, wrt)
    assert derivation.proven
    assert derivation.result.kind == "hessian"
    values = _values(derivation, np.random.default_rng(0))
    sizes = {"n": 3, "m": 4}
    claimed = np.asarray(evaluate_expr(derivation.result.rhs, Point(values, {}, sizes)))
    numeric = _second_differences(function, values, wrt)
    assert_allclose(claimed.reshape(numeric.shape), numeric, rtol=1e-4, atol=1e-6)


PRINTED = [c for c in SECOND if c[3]]


@pytest.mark.parametrize(("source", "wrt", "function", "expected"), PRINTED,
                         ids=[f"{c[0]} by {c[1]}" for c in PRINTED])  # fmt: skip
def test_second_order_reads_as_a_lecturer_writes_it(
    source: str, wrt: str, function: Callable[[dict[str, Any]], Any], expected: str
) -> None:
    derivation = _prove(source, wrt)
    assert unicode(derivation.result.rhs, derivation.symbols) == expected


def test_second_order_by_a_scalar_is_written_with_a_square() -> None:
    derivation = _prove("det(t B + t^2 C + A)", "t")
    lhs = derivation.result.lhs
    assert unicode(lhs) == "∂²α/∂t²"
    assert latex(lhs) == "\\frac{\\partial^2 \\alpha}{\\partial t^2}"
    text = render_derivation(derivation, "text")
    assert text.startswith("First and second derivatives of α = det(t B + t² C + A)")
    assert "Second derivative: differentiate the first derivative once more" in text
    assert "Hessian" not in text
    gradient = render_derivation(_prove("logsumexp(x)", "x"), "text")
    assert gradient.startswith("Gradient and Hessian of α = logsumexp(x)")


@pytest.mark.parametrize("fmt", ["tex", "md"])
def test_second_order_by_a_scalar_titles_in_every_format(fmt: str) -> None:
    page = render_derivation(_prove("sigma(t)", "t"), fmt)
    assert "First and second derivatives" in page
    assert "Second derivative" in page
    assert "\\partial t^2" in page


def test_second_order_is_refused_where_it_is_no_matrix() -> None:
    with pytest.raises(UnsupportedError, match="a scalar function of a scalar or of a column"):
        derive.prove("det(X)^2", "X", hessian=True)
    with pytest.raises(UnsupportedError, match="a scalar function of a scalar or of a column"):
        derive.prove("exp(t x)", "t", declare=["t: scalar"], hessian=True)


@pytest.mark.katex
def test_second_order_proofs_render_in_katex(
    katex_errors: Callable[[list[str]], list[str]],
) -> None:
    formulas = [latex(line) for source, wrt, _, _ in SECOND[:6]
                for step in _prove(source, wrt).steps for line in step.lines]  # fmt: skip
    assert katex_errors(formulas) == []


def test_second_order_by_a_scalar_from_the_command_line() -> None:
    from click.testing import CliRunner

    from derive.cli import main

    result = CliRunner().invoke(main, ["prove", "det(t B + t^2 C + A)", "--wrt", "t",
                                       "--hessian"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "First and second derivatives of α = det(t B + t² C + A)" in result.output
    assert "∂²α/∂t² = " in result.output
    refused = CliRunner().invoke(main, ["prove", "A X", "--wrt", "X", "--hessian"])
    assert refused.exit_code == 2
    assert "a scalar function of a scalar or of a column vector" in refused.output
