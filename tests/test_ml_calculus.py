"""Proofs of the machine-learning constructs: each result checked against central differences of
an independent NumPy implementation of the function, the claimed result evaluated by the tests'
own evaluator (tests/oracle.py, not derive's), plus the results a lecturer writes, the Hessians,
the function table, and the rendered proofs in KaTeX and TeX."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose
from oracle import value_of

import derive
from derive.calculus.proof import Derivation
from derive.documents.pdf import compile_pdf
from derive.documents.printer import latex, unicode
from derive.documents.render import render_derivation
from derive.errors import UnsupportedError
from derive.ir import functions as fn
from derive.ir.functions import FUNCTIONS, Function


def _sigma(u: Any) -> Any:
    return 1 / (1 + np.exp(-u))


def _softmax(u: Any) -> Any:
    e = np.exp(u - u.max())
    return e / e.sum()


# (expression, variable, declarations, NumPy function of the values, the result as printed)
CASES: list[tuple[str, str, tuple[str, ...], Callable[[dict[str, Any]], Any], str]] = [
    ("exp(x)", "x", (), lambda v: np.exp(v["x"]), "diag(exp(x))"),
    ("a' sigma(W x)", "x", (), lambda v: v["a"].T @ _sigma(v["W"] @ v["x"]),
     "Wᵀ (σ(W x) ∘ (𝟏 - σ(W x)) ∘ a)"),
    ("sigma(W x + b)", "x", (), lambda v: _sigma(v["W"] @ v["x"] + v["b"]),
     "diag(σ(W x + b) ∘ (𝟏 - σ(W x + b))) W"),
    ("a' sigma(W x + b)", "W", (), lambda v: v["a"].T @ _sigma(v["W"] @ v["x"] + v["b"]),
     "(σ(W x + b) ∘ (𝟏 - σ(W x + b)) ∘ a) xᵀ"),
    ("a' sigma(W x + b)", "b", (), lambda v: v["a"].T @ _sigma(v["W"] @ v["x"] + v["b"]),
     "σ(W x + b) ∘ (𝟏 - σ(W x + b)) ∘ a"),
    ("x .* y", "x", (), lambda v: v["x"] * v["y"], "diag(y)"),
    ("sum(x .* y .* z)", "x", (), lambda v: np.sum(v["x"] * v["y"] * v["z"]), "y ∘ z"),
    ("x ./ y", "y", (), lambda v: v["x"] / v["y"], "-diag(y .^ -2 ∘ x)"),
    ("sum(x .^ 3)", "x", (), lambda v: np.sum(v["x"] ** 3), "3 x .^ 2"),
    ("sum(x)", "x", (), lambda v: np.sum(v["x"]), "𝟏"),
    ("ones' X ones", "X", (), lambda v: np.sum(v["X"]), "𝟏 𝟏ᵀ"),
    ("x' diag(d) x", "d", (), lambda v: v["x"].T @ np.diag(v["d"][:, 0]) @ v["x"], "x ∘ x"),
    ("x' diag(d) x", "x", (), lambda v: v["x"].T @ np.diag(v["d"][:, 0]) @ v["x"],
     "2 (d ∘ x)"),
    ("a' diag(X)", "X", (), lambda v: v["a"].T @ np.diag(v["X"]).reshape(-1, 1), "diag(a)"),
    ("tr(X .* X)", "X", (), lambda v: np.trace(v["X"] * v["X"]), "2 diag(diag(X))"),
    # a function's diagonal entries: the basic fact names exp(X)_ii, an index twice
    ("tr(exp(X))", "X", (), lambda v: np.trace(np.exp(v["X"])), "diag(diag(exp(X)))"),
    # δ_ii inside a sum whose index other factors carry: the sum stays (Σ_i v_i δ_ii = Σ_i v_i)
    ("tr(diag(x .* y))", "x", (), lambda v: np.sum(v["x"] * v["y"]), "y"),
    # a closed walk through an index used too often is a diagonal: Σ_q X_kq (A X)_qk
    ("tr(X .* (A X))", "X", (), lambda v: np.trace(v["X"] * (v["A"] @ v["X"])),
     "diag(diag(A X)) + Aᵀ diag(diag(X))"),
    # x_i meets v_i and W_ij, then u_j meets y_j and W_ij: each index handed on through a diag
    ("(v .* x)' W (u .* y)", "x", (),
     lambda v: (v["v"] * v["x"]).T @ v["W"] @ (v["u"] * v["y"]), "diag(v) W (u ∘ y)"),
    # the square of a product's entries: 2 (W x)_i, the entry of a product, needs a dummy index
    ("1' (W x) .^ 2", "x", (), lambda v: np.sum((v["W"] @ v["x"]) ** 2), "2 Wᵀ W x"),
    ("norm(x)", "x", (), lambda v: np.linalg.norm(v["x"]), "‖x‖⁻¹ x"),
    ("norm(A x - b)", "x", (), lambda v: np.linalg.norm(v["A"] @ v["x"] - v["b"]),
     "‖A x - b‖⁻¹ Aᵀ (A x - b)"),
    ("norm(x)^(1/2)", "x", (), lambda v: np.linalg.norm(v["x"]) ** 0.5, "1/2 ‖x‖^(-3/2) x"),
    ("(x' x)^(1/2)", "x", (), lambda v: (v["x"].T @ v["x"]) ** 0.5, "(xᵀ x)^(-1/2) x"),
    ('norm(X, "fro")', "X", (), lambda v: np.linalg.norm(v["X"]), "‖X‖⁻¹ X"),
    ("norm(x, 1)", "x", (), lambda v: np.sum(np.abs(v["x"])), "sign(x)"),
    ("logsumexp(x)", "x", (), lambda v: np.log(np.sum(np.exp(v["x"]))), "softmax(x)"),
    ("softmax(x)", "x", (), lambda v: _softmax(v["x"]),
     "-softmax(x) softmax(x)ᵀ + diag(softmax(x))"),
    ("log(1 + exp(-y w' x))", "w", ("y: scalar",),
     lambda v: np.log(1 + np.exp(-v["y"] * (v["w"].T @ v["x"]))), "-σ(-y wᵀ x) y x"),
    ("0 - y' log(softmax(W x))", "W", (), lambda v: -v["y"].T @ np.log(_softmax(v["W"] @ v["x"])),
     "((𝟏ᵀ y) softmax(W x) - y) xᵀ"),
    ("det(X)^2", "X", (), lambda v: np.linalg.det(v["X"]) ** 2, "2 det(X)² X⁻ᵀ"),
    ("a' X^-2 b", "X", (), lambda v: v["a"].T @ np.linalg.inv(v["X"] @ v["X"]) @ v["b"],
     "-X⁻ᵀ (a bᵀ X⁻ᵀ + X⁻ᵀ a bᵀ) X⁻ᵀ"),
    ("log(abs(det(X)))", "X", (), lambda v: np.log(np.abs(np.linalg.det(v["X"]))),
     "abs(det(X))⁻¹ det(X) sign(det(X)) X⁻ᵀ"),
    ("sum(relu(W x + b))", "W", (), lambda v: np.sum(np.maximum(v["W"] @ v["x"] + v["b"], 0)),
     "step(W x + b) xᵀ"),
    ("sum(softplus(X w))", "w", (), lambda v: np.sum(np.logaddexp(0, v["X"] @ v["w"])),
     "Xᵀ σ(X w)"),
    ("sum(log(x))", "x", ("x: n",), lambda v: np.sum(np.log(v["x"])), "x .^ -1"),
    ("sum(sqrt(x))", "x", ("x: n",), lambda v: np.sum(np.sqrt(v["x"])), "1/2 x .^ (-1/2)"),
    ("tan(x) + cos(x) - sin(x)", "x", (), lambda v: np.tan(v["x"]) + np.cos(v["x"]) -
     np.sin(v["x"]), "I + diag(tan(x) .^ 2) - diag(sin(x)) - diag(cos(x))"),
    ("sum(tanh(W x))", "W", (), lambda v: np.sum(np.tanh(v["W"] @ v["x"])),
     "(𝟏 - tanh(W x) .^ 2) xᵀ"),
    ("norm(A x - b)^2 + lambda norm(x)^2", "x", (),
     lambda v: np.sum((v["A"] @ v["x"] - v["b"]) ** 2) + v["lambda"] * np.sum(v["x"] ** 2),
     "2 (Aᵀ A + λ I) x - 2 Aᵀ b"),
]  # fmt: skip
IDS = [f"{c[0]} by {c[1]}" for c in CASES]


def _prove(source: str, wrt: str, declare: tuple[str, ...], **options: Any) -> Derivation:
    return derive.prove(source, wrt, declare=declare, **options)


def _values(derivation: Derivation, rng: np.random.Generator) -> tuple[dict[str, Any], dict]:
    """Values drawn as derive's checks draw them, but by the test: positive where a log is."""
    sizes = {"n": 3, "m": 4, "p": 2}
    values: dict[str, Any] = {}
    for name, info in derivation.symbols.items():
        rows, cols = (d if isinstance(d, int) else sizes[d] for d in
                      (info.shape.rows, info.shape.cols))  # fmt: skip
        value = rng.standard_normal((rows, cols)) * 0.5
        if rows == cols and rows > 1:
            value = value / np.sqrt(rows) + 2 * np.eye(rows)
        values[name] = np.abs(value) + 0.2 if "log" in derivation.source or "sqrt" in \
            derivation.source or info.shape.is_scalar else value
    return values, sizes


def _central(function: Callable[[dict[str, Any]], Any], values: dict[str, Any], wrt: str) -> Any:
    """Central differences of ``function`` by every entry of ``values[wrt]``: f's axes, then wrt's.
    """
    h = 1e-6
    base = values[wrt]
    center = np.asarray(function(values), dtype=float)
    result = np.zeros(center.shape + base.shape)
    for position in np.ndindex(*base.shape):
        up, down = dict(values), dict(values)
        up[wrt], down[wrt] = base.copy(), base.copy()
        up[wrt][position] += h
        down[wrt][position] -= h
        difference = (np.asarray(function(up)) - np.asarray(function(down))) / (2 * h)
        result[(...,) + position] = difference
    return result


def _as_layout(tensor: Any, of_shape: tuple[int, int], wrt_shape: tuple[int, int]) -> Any:
    """Mixed layout: a gradient has the variable's shape, a Jacobian is f entries x x entries."""
    if of_shape == (1, 1):
        return tensor.reshape(wrt_shape)
    return tensor.reshape(of_shape[0] * of_shape[1], wrt_shape[0] * wrt_shape[1])


@pytest.mark.parametrize(("source", "wrt", "declare", "function", "expected"), CASES, ids=IDS)
def test_ml_calculus_result_matches_independent_central_differences(
    source: str, wrt: str, declare: tuple[str, ...], function: Callable[[dict[str, Any]], Any],
    expected: str,
) -> None:
    derivation = _prove(source, wrt, declare)
    assert derivation.proven
    values, sizes = _values(derivation, np.random.default_rng(0))
    # the claimed result evaluated by the tests' own evaluator (tests/oracle.py), not derive's
    claimed = value_of(derivation.result.rhs, values, sizes)
    of_shape = np.shape(function(values))
    of_shape = (of_shape + (1, 1))[:2] if len(of_shape) < 2 else of_shape
    numeric = _as_layout(_central(function, values, wrt), of_shape, values[wrt].shape)
    assert_allclose(claimed.reshape(numeric.shape), numeric, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(("source", "wrt", "declare", "function", "expected"), CASES, ids=IDS)
def test_ml_calculus_result_reads_as_a_lecturer_writes_it(
    source: str, wrt: str, declare: tuple[str, ...], function: Callable[[dict[str, Any]], Any],
    expected: str,
) -> None:
    derivation = _prove(source, wrt, declare)
    assert unicode(derivation.result.rhs, derivation.symbols) == expected


HESSIANS = [
    ("logsumexp(x)", "x", (), "diag(softmax(x)) - softmax(x) softmax(x)ᵀ"),
    ("sum(softplus(X w))", "w", (), "Xᵀ diag(σ(X w) ∘ (𝟏 - σ(X w))) X"),
    ("sum(log(1 + exp(-y .* (X w))))", "w", (),
     "Xᵀ diag(σ(-(y ∘ (X w))) ∘ (𝟏 - σ(-(y ∘ (X w)))) ∘ y ∘ y) X"),
    ("norm(x)", "x", (), "-‖x‖⁻³ x xᵀ + ‖x‖⁻¹ I"),
    ("a' sigma(W x)", "x", (),
     "Wᵀ diag(σ(W x) ∘ (𝟏 - 2 σ(W x)) ∘ (𝟏 - σ(W x)) ∘ a) W"),
]  # fmt: skip


@pytest.mark.parametrize(("source", "wrt", "declare", "expected"), HESSIANS,
                         ids=[h[0] for h in HESSIANS])  # fmt: skip
def test_ml_calculus_hessians(source: str, wrt: str, declare: tuple[str, ...],
                              expected: str) -> None:  # fmt: skip
    derivation = _prove(source, wrt, declare, hessian=True)
    assert derivation.proven
    assert unicode(derivation.result.rhs, derivation.symbols) == expected


def test_ml_calculus_proof_steps_cite_the_chain_rule_and_entrywise_reading() -> None:
    derivation = _prove("a' sigma(W x)", "x", ())
    cited = {rule.name for step in derivation.steps for rule in step.rules}
    assert {"chain_rule", "recognise_entrywise"} <= cited


def test_ml_calculus_a_new_function_is_one_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """Adding a row to the table is all it takes to parse, prove and check a new function."""
    from derive.ir.elementwise import Apply

    row = Function("cube", ("cube",), "\\operatorname{cube}", "cube",
                   lambda u: Apply("triple_square", u), "real", lambda u: u**3,
                   lambda u: u**3)  # fmt: skip
    helper = Function("triple_square", ("triple_square",), "\\operatorname{tsq}", "tsq",
                      lambda u: Apply("six_times", u), "real", lambda u: 3 * u**2,
                      lambda u: 3 * u**2)  # fmt: skip
    monkeypatch.setitem(FUNCTIONS, "cube", row)
    monkeypatch.setitem(FUNCTIONS, "triple_square", helper)
    monkeypatch.setitem(fn.SPELLINGS, "cube", "cube")
    import derive.language.parse as parse_module

    monkeypatch.setitem(parse_module._FUNCTIONS, "cube", "apply")
    derivation = _prove("sum(cube(x))", "x", ())
    assert derivation.proven
    assert unicode(derivation.result.rhs) == "tsq(x)"


def test_ml_calculus_unsupported_kinds_still_say_so() -> None:
    with pytest.raises(UnsupportedError, match="vec"):
        derive.prove("vec(X)", "X")
    with pytest.raises(UnsupportedError, match="a scalar function of a scalar or of a column"):
        derive.prove("sigma(W x)", "x", hessian=True)


@pytest.mark.katex
def test_ml_calculus_proofs_render_in_katex(
    katex_errors: Callable[[list[str]], list[str]],
) -> None:
    formulas: list[str] = []
    for source, wrt, declare, _, _ in CASES:
        derivation = _prove(source, wrt, declare)
        names = list(derivation.symbols)
        formulas += [latex(line, names) for step in derivation.steps for line in step.lines]
    assert katex_errors(formulas) == []


def test_ml_calculus_proof_compiles_with_tex(requires_tex: None, tmp_path: Path) -> None:
    derivation = _prove("0 - y' log(softmax(W x))", "W", ())
    source = render_derivation(replace(derivation), "tex")
    assert "\\odot" in source or "\\operatorname{softmax}" in source
    assert compile_pdf(source, tmp_path / "ml.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(("expr", "factored"), [
    ("sigma(s) - sigma(s)^2", "sigma(s) (1 - sigma(s))"),  # the notes' σ'(s)
    ("sigma(s)^2 t + sigma(s)^3", "sigma(s)^2 (t + sigma(s))"),  # the lower power comes out
    ("sigma(s)^2 - sigma(s)", "sigma(s) (sigma(s) - 1)"),
    ("t + sigma(s)", "t + sigma(s)"),  # nothing shared: the sum stays
    ("sigma(s) + t", "sigma(s) + t"),  # the first term's power, absent from the second
])
def test_ml_calculus_scalar_sum_factors_a_function_power(expr: str, factored: str) -> None:
    from derive.calculus.elementwise.named import factor_entrywise
    from derive.documents.printer import ascii_str
    from derive.language.frontend import parse

    assert ascii_str(factor_entrywise(parse(expr, ("s: scalar", "t: scalar")).expr)) == factored
