"""The built-in catalog: every identity derives to the closed form its source states.

Each catalog entry is an input, never an answer. These tests derive every entry and compare the
engine's result, evaluated at random matrices, with the closed form written in the notes or the
Matrix Cookbook (equation numbers cited), in the layout the source uses.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import sympy
from numpy.linalg import det, inv
from numpy.testing import assert_allclose
from oracle import value_of

from derive.api import check_identity, prove_identity
from derive.catalog import identities as catalog
from derive.errors import DeriveError

Values = dict[str, np.ndarray]
_SIZES = {"m": 2, "n": 3, "p": 4, "q": 5}


def _t(matrix: np.ndarray) -> np.ndarray:
    return matrix.T


# (identity, layout, closed form from the source). Names are the derivation's symbols; the
# Jacobian of x by z is "dx/dz".
CLOSED_FORMS: list[tuple[str, str, Callable[[Values], np.ndarray]]] = [
    # note 000 (numerator layout) and note 002 (mixed layout)
    ("linear_map_jacobian", "numerator", lambda v: v["A"]),
    ("linear_map_jacobian", "mixed", lambda v: v["A"]),
    ("linear_map_chain_rule", "numerator", lambda v: v["A"] @ v["dx/dz"]),
    ("bilinear_form_by_x", "numerator", lambda v: _t(v["y"]) @ v["A"]),
    ("bilinear_form_by_y", "numerator", lambda v: _t(v["x"]) @ _t(v["A"])),
    ("quadratic_form", "numerator", lambda v: _t(v["x"]) @ (v["A"] + _t(v["A"]))),
    ("quadratic_form", "mixed", lambda v: (v["A"] + _t(v["A"])) @ v["x"]),
    ("quadratic_form_symmetric", "numerator", lambda v: 2 * _t(v["x"]) @ v["A"]),
    ("quadratic_form_symmetric", "mixed", lambda v: 2 * v["A"] @ v["x"]),
    ("inner_product_chain_rule", "numerator",
     lambda v: _t(v["x"]) @ v["dy/dz"] + _t(v["y"]) @ v["dx/dz"]),
    ("squared_norm_chain_rule", "numerator", lambda v: 2 * _t(v["x"]) @ v["dx/dz"]),
    ("bilinear_form_chain_rule", "numerator",
     lambda v: _t(v["x"]) @ _t(v["A"]) @ v["dy/dz"] + _t(v["y"]) @ v["A"] @ v["dx/dz"]),
    ("least_squares_gradient", "numerator",
     lambda v: -2 * _t(v["y"] - v["A"] @ v["x"]) @ v["A"]),
    ("least_squares_hessian", "numerator", lambda v: 2 * _t(v["A"]) @ v["A"]),
    ("linear_form", "mixed", lambda v: v["a"]),
    ("quadratic_form_hessian", "mixed", lambda v: 2 * v["A"]),
    ("sum_of_squares_hessian", "mixed", lambda v: 2 * np.eye(2)),
    ("trace", "mixed", lambda v: np.eye(_SIZES["n"])),
    # Matrix Cookbook, section 2 (its layout is the mixed one)
    ("linear_form_transposed", "mixed", lambda v: v["a"]),  # (69)
    ("bilinear_form_matrix", "mixed", lambda v: v["a"] @ _t(v["b"])),  # (70)
    ("bilinear_form_matrix_transposed", "mixed", lambda v: v["b"] @ _t(v["a"])),  # (71)
    ("quadratic_form_matrix", "mixed", lambda v: v["a"] @ _t(v["a"])),  # (72)
    ("gram_bilinear_form", "mixed",
     lambda v: v["X"] @ (v["b"] @ _t(v["c"]) + v["c"] @ _t(v["b"]))),  # (77)
    ("affine_bilinear_form", "mixed",
     lambda v: _t(v["B"]) @ v["C"] @ (v["D"] @ v["x"] + v["d"])
     + _t(v["D"]) @ _t(v["C"]) @ (v["B"] @ v["x"] + v["b"])),  # (78)
    ("weighted_gram_bilinear_form", "mixed",
     lambda v: _t(v["D"]) @ v["X"] @ v["b"] @ _t(v["c"])
     + v["D"] @ v["X"] @ v["c"] @ _t(v["b"])),  # (82)
    ("affine_quadratic_form_matrix", "mixed",
     lambda v: (v["D"] + _t(v["D"])) @ (v["X"] @ v["b"] + v["c"]) @ _t(v["b"])),  # (83)
    ("bilinear_form_matrix_square", "mixed",
     lambda v: v["a"] @ _t(v["b"]) @ _t(v["X"]) + _t(v["X"]) @ v["a"] @ _t(v["b"])),  # (91)
    ("weighted_least_squares_by_s", "mixed",
     lambda v: -2 * _t(v["A"]) @ v["W"] @ (v["x"] - v["A"] @ v["s"])),  # (84)
    ("weighted_distance_by_x", "mixed", lambda v: 2 * v["W"] @ (v["x"] - v["s"])),  # (85)
    ("weighted_distance_by_s", "mixed", lambda v: -2 * v["W"] @ (v["x"] - v["s"])),  # (86)
    ("weighted_least_squares_by_x", "mixed",
     lambda v: 2 * v["W"] @ (v["x"] - v["A"] @ v["s"])),  # (87)
    ("weighted_least_squares_by_a", "mixed",
     lambda v: -2 * v["W"] @ (v["x"] - v["A"] @ v["s"]) @ _t(v["s"])),  # (88)
    ("trace_xa", "mixed", lambda v: _t(v["A"])),  # (100)
    ("trace_ax", "mixed", lambda v: _t(v["A"])),  # (100)
    ("trace_axb", "mixed", lambda v: _t(v["A"]) @ _t(v["B"])),  # (101)
    ("trace_axtb", "mixed", lambda v: v["B"] @ v["A"]),  # (102)
    ("trace_xta", "mixed", lambda v: v["A"]),  # (103)
    ("trace_axt", "mixed", lambda v: v["A"]),  # (104)
    ("trace_square", "mixed", lambda v: 2 * _t(v["X"])),  # (106)
    ("trace_square_b", "mixed", lambda v: _t(v["X"] @ v["B"] + v["B"] @ v["X"])),  # (107)
    ("trace_xtbx", "mixed", lambda v: v["B"] @ v["X"] + _t(v["B"]) @ v["X"]),  # (108)
    ("trace_bxxt", "mixed", lambda v: v["B"] @ v["X"] + _t(v["B"]) @ v["X"]),  # (109)
    ("trace_xxtb", "mixed", lambda v: v["B"] @ v["X"] + _t(v["B"]) @ v["X"]),  # (110)
    ("trace_xbxt", "mixed", lambda v: v["X"] @ _t(v["B"]) + v["X"] @ v["B"]),  # (111)
    ("trace_bxtx", "mixed", lambda v: v["X"] @ _t(v["B"]) + v["X"] @ v["B"]),  # (112)
    ("trace_xtxb", "mixed", lambda v: v["X"] @ _t(v["B"]) + v["X"] @ v["B"]),  # (113)
    ("trace_axbx", "mixed",
     lambda v: _t(v["A"]) @ _t(v["X"]) @ _t(v["B"])
     + _t(v["B"]) @ _t(v["X"]) @ _t(v["A"])),  # (114)
    ("trace_xtx", "mixed", lambda v: 2 * v["X"]),  # (115)
    ("trace_xxt", "mixed", lambda v: 2 * v["X"]),  # (115)
    ("trace_btxtcxb", "mixed",
     lambda v: _t(v["C"]) @ v["X"] @ v["B"] @ _t(v["B"])
     + v["C"] @ v["X"] @ v["B"] @ _t(v["B"])),  # (116)
    ("trace_xtbxc", "mixed",
     lambda v: v["B"] @ v["X"] @ v["C"] + _t(v["B"]) @ v["X"] @ _t(v["C"])),  # (117)
    ("trace_axbxtc", "mixed",
     lambda v: _t(v["A"]) @ _t(v["C"]) @ v["X"] @ _t(v["B"])
     + v["C"] @ v["A"] @ v["X"] @ v["B"]),  # (118)
    ("trace_axbxt", "mixed",
     lambda v: _t(v["A"]) @ v["X"] @ _t(v["B"]) + v["A"] @ v["X"] @ v["B"]),  # (118), C = I
    ("trace_affine_square", "mixed",
     lambda v: 2 * _t(v["A"]) @ (v["A"] @ v["X"] @ v["B"] + v["C"]) @ _t(v["B"])),  # (119)
    ("trace_cube", "mixed", lambda v: 3 * _t(v["X"] @ v["X"])),  # (121), k = 3
    ("determinant", "mixed", lambda v: det(v["X"]) * _t(inv(v["X"]))),  # (49)
    ("determinant_axb", "mixed",
     lambda v: det(v["A"] @ v["X"] @ v["B"]) * _t(inv(v["X"]))),  # (51)
    ("log_determinant", "mixed", lambda v: _t(inv(v["X"]))),  # (57)
    ("inverse_bilinear_form", "mixed",
     lambda v: -_t(inv(v["X"])) @ v["a"] @ _t(v["b"]) @ _t(inv(v["X"]))),  # (61)
    ("trace_inverse_sandwich", "mixed",
     lambda v: -_t(inv(v["X"]) @ v["B"] @ v["A"] @ inv(v["X"]))),  # (63)
    ("trace_inverse_shifted", "mixed",
     lambda v: -_t(inv(v["X"] + v["A"]) @ inv(v["X"] + v["A"]))),  # (64)
    ("trace_inverse", "mixed", lambda v: -_t(inv(v["X"]) @ inv(v["X"]))),  # (64), A = 0
    ("squared_norm", "mixed", lambda v: 2 * v["x"]),  # (131)
    ("distance", "mixed",
     lambda v: (v["x"] - v["a"]) / np.linalg.norm(v["x"] - v["a"])),  # (129)
    ("squared_distance", "mixed", lambda v: 2 * (v["x"] - v["a"])),  # (85), W = I
    ("frobenius_norm", "mixed", lambda v: 2 * v["X"]),  # (132)
    ("least_squares_residual", "mixed",
     lambda v: 2 * _t(v["A"]) @ (v["A"] @ v["x"] - v["b"])),  # (84), W = I
    ("matrix_least_squares", "mixed",
     lambda v: 2 * _t(v["A"]) @ (v["A"] @ v["X"] - v["B"])),  # (119), B = I, C = -B
    # machine learning: the textbook formulas, written with NumPy
    ("logistic_loss_gradient", "mixed",
     lambda v: -_t(v["X"]) @ (v["y"] * _sig(-v["y"] * (v["X"] @ v["w"])))),
    ("logistic_loss_hessian", "mixed",
     lambda v: _t(v["X"]) @ np.diag((v["y"] ** 2 * _sig(-v["y"] * (v["X"] @ v["w"]))
                                     * _sig(v["y"] * (v["X"] @ v["w"])))[:, 0]) @ v["X"]),
    ("logistic_loss_single", "mixed", lambda v: -_sig(-_t(v["w"]) @ v["x"]) * v["x"]),
    ("softmax_cross_entropy", "mixed",
     lambda v: (np.sum(v["y"]) * _softmax(v["W"] @ v["x"]) - v["y"]) @ _t(v["x"])),
    ("logsumexp_gradient", "mixed", lambda v: _softmax(v["x"])),
    ("logsumexp_hessian", "mixed",
     lambda v: np.diag(_softmax(v["x"])[:, 0]) - _softmax(v["x"]) @ _t(_softmax(v["x"]))),
    ("softmax_jacobian", "mixed",
     lambda v: np.diag(_softmax(v["x"])[:, 0]) - _softmax(v["x"]) @ _t(_softmax(v["x"]))),
    ("layer_by_weights", "mixed", lambda v: (v["a"] * _dsig(v["W"] @ v["x"] + v["b"]))
     @ _t(v["x"])),
    ("layer_by_bias", "mixed", lambda v: v["a"] * _dsig(v["W"] @ v["x"] + v["b"])),
    ("layer_jacobian", "mixed", lambda v: np.diag(_dsig(v["W"] @ v["x"])[:, 0]) @ v["W"]),
    ("norm_gradient", "mixed", lambda v: v["x"] / np.linalg.norm(v["x"])),
    ("residual_norm_gradient", "mixed", lambda v: _t(v["A"]) @ (v["A"] @ v["x"] - v["b"])
     / np.linalg.norm(v["A"] @ v["x"] - v["b"])),
    ("ridge_regression", "mixed",
     lambda v: 2 * _t(v["A"]) @ (v["A"] @ v["x"] - v["b"]) + 2 * v["x"]),
    ("weighted_squares_by_weights", "mixed", lambda v: v["x"] ** 2),
    ("trace_hadamard_square", "mixed", lambda v: 2 * np.diag(np.diag(v["X"]))),
    ("squared_determinant", "mixed", lambda v: 2 * det(v["X"]) ** 2 * _t(inv(v["X"]))),
    ("logistic_regression_gradient", "mixed",
     lambda v: _t(v["X"]) @ (_sig(v["X"] @ v["w"]) - v["y"])),
    ("logistic_regression_hessian", "mixed",
     lambda v: _t(v["X"]) @ np.diag(_dsig(v["X"] @ v["w"])[:, 0]) @ v["X"]),
    ("log_det_second_derivative", "mixed", lambda v: _log_det_second(v)),
    # Matrix Cookbook 2.8.2: G + Gᵀ - G ∘ I for the unstructured gradient G
    ("log_det_symmetric", "mixed", lambda v: _sym(_t(inv(v["X"])))),
    ("determinant_symmetric", "mixed", lambda v: _sym(det(v["X"]) * _t(inv(v["X"])))),
    ("trace_symmetric", "mixed", lambda v: _sym(_t(v["A"]))),
    ("inverse_square_bilinear", "mixed", lambda v: -_t(inv(v["X"])) @ (
        v["a"] @ _t(v["b"]) @ _t(inv(v["X"])) + _t(inv(v["X"])) @ v["a"] @ _t(v["b"]))
     @ _t(inv(v["X"]))),
    ("l1_norm_gradient", "mixed", lambda v: np.sign(v["x"])),
]  # fmt: skip


def _sig(u: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-u))


def _dsig(u: np.ndarray) -> np.ndarray:
    return _sig(u) * (1 - _sig(u))


def _log_det_second(v: Values) -> np.ndarray:
    """d²/dt² log det(A + t B) = -tr(M⁻¹ B M⁻¹ B) with M = A + t B (Jacobi, then an inverse)."""
    m_inv = inv(v["A"] + float(v["t"][0, 0]) * v["B"])
    return np.array([[-np.trace(m_inv @ v["B"] @ m_inv @ v["B"])]])


def _sym(gradient: np.ndarray) -> np.ndarray:
    """The derivative by a symmetric matrix from the unstructured one (Cookbook 2.8.2)."""
    return gradient + gradient.T - np.diag(np.diag(gradient))


def _softmax(u: np.ndarray) -> np.ndarray:
    return np.exp(u) / np.sum(np.exp(u))


def _evaluate(name: str, layout: str) -> tuple[np.ndarray, Values]:
    """The engine's result for ``name`` at random values, and the values (by symbol name).

    Through SymPy's explicit matrices where SymPy can evaluate the result; results with
    elementwise functions or Hadamard products (which SymPy's ``doit`` does not evaluate on
    explicit matrices) through the tests' own evaluator, ``oracle.py``.
    """
    derivation = prove_identity(name, layout=layout, verify=False)
    if catalog.get(name).section == catalog.SECTIONS[-1]:
        return _evaluate_by_oracle(derivation)
    rng = np.random.default_rng(0)
    result = derivation.to_sympy()
    dims = {s: _SIZES[s.name] for s in result.atoms(sympy.Symbol) if s.name in _SIZES}
    result = result.xreplace(dims)
    symbols = {s.name: s for s in derivation.problem.symbols.values() if s.symmetric}
    values: Values = {}
    replacements = {}
    for symbol in sorted(result.atoms(sympy.MatrixSymbol), key=lambda s: s.name):
        rows, cols = (int(d) for d in symbol.shape)
        value = rng.standard_normal((rows, cols))
        if rows == cols:
            # Diagonally dominant: invertible with a positive determinant (for log det).
            value = value + 2 * rows * np.eye(rows)
        if symbol.name in symbols:
            value = (value + value.T) / 2
        values[symbol.name] = value
        replacements[symbol] = sympy.ImmutableMatrix(value)
    evaluated = result.xreplace(replacements).doit()
    if isinstance(evaluated, sympy.MatrixExpr):
        evaluated = evaluated.as_explicit()  # 2*Identity(2) stays symbolic under doit()
    return np.array(evaluated.tolist(), dtype=float), values


def _evaluate_by_oracle(derivation: Any) -> tuple[np.ndarray, Values]:
    rng = np.random.default_rng(0)
    values: Values = {}
    for symbol, info in derivation.symbols.items():
        rows, cols = (d if isinstance(d, int) else _SIZES[d] for d in
                      (info.shape.rows, info.shape.cols))  # fmt: skip
        value = rng.standard_normal((rows, cols))
        if rows == cols and rows > 1:
            value = value + 2 * rows * np.eye(rows)
        if info.symmetric:  # a derivative by a symmetric matrix holds where it is symmetric
            value = (value + value.T) / 2
        values[symbol] = value
    sizes = {d: size for d, size in _SIZES.items()}
    return np.atleast_2d(value_of(derivation.result.rhs, values, sizes)), values


@pytest.mark.parametrize(
    ("name", "layout", "closed_form"),
    CLOSED_FORMS,
    ids=[f"{name}-{layout}" for name, layout, _ in CLOSED_FORMS],
)
def test_catalog_identity_matches_its_source(
    name: str, layout: str, closed_form: Callable[[Values], np.ndarray]
) -> None:
    derived, values = _evaluate(name, layout)
    expected = np.atleast_2d(closed_form(values))
    if derived.shape != expected.shape and expected.shape == (1, 1):
        expected = np.full(derived.shape, np.nan)  # a scalar where a matrix belongs: fail
    assert derived.shape == expected.shape
    assert_allclose(derived, expected, rtol=1e-9, atol=1e-9)


def test_catalog_every_identity_has_a_closed_form_test() -> None:
    tested = {name for name, _, _ in CLOSED_FORMS}
    assert tested == {identity.name for identity in catalog.all_identities()}


_SOURCE = re.compile(r"^(note 000|note 002|Matrix Cookbook \(\d+\)(, \(\d+\))?[^;]*"
                     r"|machine learning: [^;]+)"
                     r"(; (note 000|note 002|Matrix Cookbook \(\d+\)[^;]*))*$")  # fmt: skip


@pytest.mark.parametrize("identity", catalog.all_identities(), ids=lambda i: i.name)
def test_catalog_entry_is_well_formed(identity: catalog.CatalogEntry) -> None:
    assert re.fullmatch(r"[a-z][a-z0-9_]*", identity.name)
    assert identity.section in catalog.SECTIONS
    assert _SOURCE.match(identity.source), identity.source
    assert identity.title and identity.expr and identity.wrt
    assert identity.layout is None


def test_catalog_covers_both_notes() -> None:
    sources = " ".join(identity.source for identity in catalog.all_identities())
    assert sources.count("note 000") >= 11
    assert sources.count("note 002") >= 6


def test_catalog_get_forgives_case_and_dashes() -> None:
    assert catalog.get("Quadratic-Form").name == "quadratic_form"


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("quadratic_from", "quadratic_form"),
        ("determinat", "determinant"),
        ("trace_axbb", "trace_axb"),
    ],
    ids=["transposed-letters", "missing-letter", "extra-letter"],
)
def test_catalog_get_unknown_lists_close_matches(name: str, suggestion: str) -> None:
    with pytest.raises(
        DeriveError, match=rf"unknown identity '{name}'; did you mean .*{suggestion}"
    ):
        catalog.get(name)


def test_catalog_get_unknown_without_close_match_points_to_the_list() -> None:
    with pytest.raises(DeriveError, match="derive catalog"):
        catalog.get("zzzzzz")


@pytest.mark.parametrize(
    ("word", "included", "excluded"),
    [
        ("trace", "trace_axb", "determinant"),
        ("Cookbook (49)", "determinant", "log_determinant"),
        ("note 000", "least_squares_hessian", "trace_axb"),
        ("symmetric", "quadratic_form_symmetric", "quadratic_form"),
        ("least squares", "least_squares_gradient", "trace"),
    ],
    ids=["name", "source", "note", "title", "spaces-match-underscores"],
)
def test_catalog_search(word: str, included: str, excluded: str) -> None:
    names = {identity.name for identity in catalog.search(word)}
    assert included in names
    assert excluded not in names


def test_catalog_search_blank_lists_everything() -> None:
    assert catalog.search("  ") == catalog.all_identities()


def test_check_identity_reports_a_verified_result() -> None:
    result = check_identity("quadratic_form")
    assert result.passed
    assert result.exact is True
    assert result.numeric_error is not None and result.numeric_error < 1e-6
    assert result.result == "∂α/∂x = (A + Aᵀ) x"


def test_check_identity_reports_a_failure_without_raising() -> None:
    broken = catalog.CatalogEntry("broken", "Broken", "x' A x)", "x", (), "Hessians", "note 000")
    result = check_identity(broken)
    assert not result.passed
    assert "expected an operator" in result.error
