"""Derivatives with respect to a symmetric matrix (``--structure symmetric``, Matrix Cookbook
2.8.2): the results of the Cookbook, each compared with central differences along symmetric
perturbations computed here with NumPy, a tampered result refused, the convention stated."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from numpy.testing import assert_allclose

import derive
from derive.calculus.proof import Derivation
from derive.check.evaluate import Point, evaluate_expr
from derive.check.verify import verify
from derive.cli import main
from derive.documents.printer import latex, unicode
from derive.documents.render import render_derivation
from derive.errors import UnsupportedError, VerificationError

# (expression, NumPy function of the values, the result as printed): Matrix Cookbook (2.8.2)
CASES: list[tuple[str, Callable[[dict[str, Any]], float], str]] = [
    ("tr(A X)", lambda v: float(np.trace(v["A"] @ v["X"])), "Aᵀ + A - A ∘ I"),
    ("det(X)", lambda v: float(np.linalg.det(v["X"])), "det(X) (2 X⁻¹ - X⁻¹ ∘ I)"),
    ("log(det(X))", lambda v: float(np.log(np.linalg.det(v["X"]))), "2 X⁻¹ - X⁻¹ ∘ I"),
    ("a' X b", lambda v: float((v["a"].T @ v["X"] @ v["b"])[0, 0]), "a bᵀ + b aᵀ - (a bᵀ) ∘ I"),
]  # fmt: skip
IDS = [c[0] for c in CASES]


def _prove(source: str) -> Derivation:
    return derive.prove(source, "X", structure="symmetric")


def _values(derivation: Derivation) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    values: dict[str, Any] = {}
    for name, info in derivation.symbols.items():
        rows = 3 if info.shape.rows != 1 else 1
        cols = 3 if info.shape.cols != 1 else 1
        values[name] = rng.standard_normal((rows, cols)) * 0.5
    x = values["X"] / 3 + 2 * np.eye(3)
    values["X"] = (x + x.T) / 2
    return values


def _along_symmetric(function: Callable[[dict[str, Any]], float],
                     values: dict[str, Any]) -> Any:  # fmt: skip
    """``S_ij``: central differences of f along ``E_ij + E_ji`` (``E_ii`` on the diagonal)."""
    h = 1e-5
    result = np.zeros((3, 3))
    for i in range(3):
        for j in range(i, 3):
            direction = np.zeros((3, 3))
            direction[i, j] = direction[j, i] = 1.0
            up = function({**values, "X": values["X"] + h * direction})
            down = function({**values, "X": values["X"] - h * direction})
            result[i, j] = result[j, i] = (up - down) / (2 * h)
    return result


@pytest.mark.parametrize(("source", "function", "expected"), CASES, ids=IDS)
def test_structure_symmetric_matches_differences_along_symmetric_perturbations(
    source: str, function: Callable[[dict[str, Any]], float], expected: str
) -> None:
    derivation = _prove(source)
    assert derivation.proven
    values = _values(derivation)
    claimed = np.asarray(evaluate_expr(derivation.result.rhs, Point(values, {}, {"n": 3})))
    assert_allclose(claimed, _along_symmetric(function, values), rtol=1e-6, atol=1e-8)
    # the gradient with independent entries (G in G + Gᵀ - G ∘ I) is not what is claimed
    formula = next(s.lines[2] for s in derivation.steps if s.kind == "structure")
    gradient = evaluate_expr(formula.terms[0], Point(values, {}, {"n": 3}))
    assert not np.allclose(claimed, np.asarray(gradient))


@pytest.mark.parametrize(("source", "function", "expected"), CASES, ids=IDS)
def test_structure_symmetric_reads_as_the_cookbook_writes_it(
    source: str, function: Callable[[dict[str, Any]], float], expected: str
) -> None:
    derivation = _prove(source)
    assert unicode(derivation.result.rhs, derivation.symbols) == expected
    assert unicode(derivation.result.lhs) == "dα/dX"


def test_structure_symmetric_refuses_the_unstructured_gradient() -> None:
    """A result that forgets the convention (G itself, here X⁻¹) fails the checks."""
    derivation = _prove("log(det(X))")
    unstructured = next(s.lines[1] for s in derivation.steps if s.kind == "structure")
    gradient = unstructured.terms[0]  # G in G + Gᵀ - G ∘ I
    result = dataclasses.replace(derivation.result, rhs=gradient)
    steps = tuple(dataclasses.replace(s, lines=(s.lines[0], gradient)) if s.kind == "result"
                  else s for s in derivation.steps)  # fmt: skip
    tampered = dataclasses.replace(derivation, results=(result,), steps=steps, verification=None)
    with pytest.raises(VerificationError):
        verify(tampered)


def test_structure_symmetric_states_the_convention() -> None:
    derivation = _prove("log(det(X))")
    text = render_derivation(derivation, "text")
    assert "X is symmetric" in text
    assert "Matrix Cookbook 2.8.2" in text
    assert "dα/dX = ∂α/∂X + (∂α/∂X)ᵀ - (∂α/∂X) ∘ I" in text
    assert "along symmetric perturbations of the variable" in text
    tex = render_derivation(derivation, "tex")
    assert "\\frac{\\mathrm{d} \\alpha}{\\mathrm{d} X}" in tex
    assert "Matrix Cookbook 2.8.2" in tex


@pytest.mark.parametrize(("source", "wrt", "options", "error", "message"), [
    ("x' A x", "x", {}, UnsupportedError, "needs a scalar function of a square matrix"),
    ("A X", "X", {}, UnsupportedError, "needs a scalar function of a square matrix"),
    ("log(det(X))", "X", {"hessian": True}, UnsupportedError, "Hessian"),
    ("log(det(X))", "X", {"method": "differential"}, UnsupportedError, "--method index"),
], ids=["vector", "matrix function", "hessian", "differential"])  # fmt: skip
def test_structure_symmetric_is_refused_where_it_does_not_apply(
    source: str, wrt: str, options: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        derive.prove(source, wrt, structure="symmetric", **options)


def test_structure_unknown_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="structure must be one of none, symmetric"):
        derive.prove("log(det(X))", "X", structure="skew")


def test_structure_cli_option() -> None:
    result = CliRunner().invoke(main, ["prove", "tr(A X)", "--wrt", "X", "--structure",
                                       "symmetric"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "dα/dX = Aᵀ + A - A ∘ I" in result.output
    bad = CliRunner().invoke(main, ["prove", "tr(A X)", "--wrt", "X", "--structure", "skew"])
    assert bad.exit_code == 2
    assert "skew" in bad.output


def test_structure_handout_key(tmp_path: Path) -> None:
    from derive.documents.handouts.load import load_handout

    path = tmp_path / "sym.toml"
    path.write_text('name = "sym"\ntitle = "S"\n[[section]]\ntitle = "S"\n[[section.item]]\n'
                    'expr = "log(det(X))"\nwrt = "X"\nstructure = "symmetric"\n',
                    encoding="utf-8")  # fmt: skip
    spec = load_handout(path)
    assert spec.sections[0].items[0].structure == "symmetric"


@pytest.mark.katex
def test_structure_proof_renders_in_katex(
    katex_errors: Callable[[list[str]], list[str]],
) -> None:
    formulas = [latex(line) for source, _, _ in CASES for step in _prove(source).steps
                for line in step.lines]  # fmt: skip
    assert katex_errors(formulas) == []


@pytest.mark.parametrize("fmt", ["text", "md", "tex"])
def test_unsupported_matrix_form_of_a_tensor_is_said(fmt: str) -> None:
    """A derivative of a matrix by a matrix is shown in index form and says what is missing."""
    page = render_derivation(derive.prove("A X", "X"), fmt)
    assert "its matrix form (with vec and Kronecker products) is not supported yet" in \
        " ".join(page.split())
    assert "not supported" not in render_derivation(derive.prove("x' A x", "x"), fmt)


def test_structure_symmetric_code_generation_says_not_yet() -> None:
    result = CliRunner().invoke(main, ["prove", "log(det(X))", "--wrt", "X", "--structure",
                                       "symmetric", "--format", "numpy"])  # fmt: skip
    assert result.exit_code == 2
    assert "by a symmetric matrix yet" in result.output


def test_structure_symmetric_json_follows_the_documented_schema() -> None:
    import json
    import re

    jsonschema = pytest.importorskip("jsonschema")
    text = (Path(__file__).resolve().parent.parent / "docs" / "json-schema.md").read_text(
        encoding="utf-8")  # fmt: skip
    block = re.search(r"```json\n(.*?)\n```", text, re.DOTALL)
    assert block is not None
    data = json.loads(render_derivation(_prove("tr(A X)"), "json"))
    jsonschema.validate(data, json.loads(block.group(1)))
    assert [s["kind"] for s in data["steps"]][-2:] == ["structure", "result"]
    assert data["result"]["text"] == "Aᵀ + A - A ∘ I"


@pytest.mark.parametrize(("source", "answer", "kind"), [
    ("log(det(X))", "2 inv(X) - inv(X) .* I", "correct"),
    ("log(det(X))", "inv(X)", "wrong"),  # the gradient with independent entries
    ("tr(A X)", "A + A' - A .* I", "correct"),
])  # fmt: skip
def test_structure_symmetric_answers_are_judged_by_the_convention(source: str, answer: str,
                                                                 kind: str) -> None:  # fmt: skip
    derivation = derive.prove(source, "X", structure="symmetric", expect=answer)
    assert derivation.verdict is not None
    assert derivation.verdict.kind == kind
