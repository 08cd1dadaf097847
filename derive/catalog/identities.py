"""The built-in catalog of named identities.

Each entry is an *input* for the engine: an expression, the variable, the declarations that fix
the shapes and assumptions, a title, a section and where the identity comes from. No entry holds
an answer or a proof: ``derive check`` and the handouts derive every one of them afresh, and the
verifier checks each result, so the catalog can never show a wrong identity as proven.

The entries cover both source notes (``seeds/000``: numerator layout, ``seeds/002``: mixed
layout; the engine writes each in whatever layout is asked for) and the first-order identities of
section 2 of the Matrix Cookbook (Petersen & Pedersen, version of November 15, 2012) that the
input language can express, cited by equation number.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from derive.errors import DeriveError

__all__ = ["CatalogEntry", "all_identities", "get", "search", "SECTIONS"]


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """A named identity, stored as the input that produces it.

    Attributes:
        name: The catalog key, ``snake_case`` (``quadratic_form``).
        title: A short human title (``Quadratic form``).
        expr: The expression in the input language (``x' A x``).
        wrt: The variable of differentiation.
        declare: Declarations that fix shapes and assumptions (``A: n x n, symmetric``).
        section: The catalog section the identity is listed under.
        source: Where it comes from: ``note 000``, ``note 002``, ``Matrix Cookbook (81)``.
        hessian: Derive the Hessian (second derivative) instead of the gradient.
        layout: A layout this identity must be shown in, or None for the caller's choice.
        structure: ``"symmetric"``: the variable is a symmetric matrix (Matrix Cookbook 2.8.2).
    """

    name: str
    title: str
    expr: str
    wrt: str
    declare: tuple[str, ...]
    section: str
    source: str
    hessian: bool = False
    layout: str | None = None
    structure: str = "none"


_LINEAR = "Linear maps and the chain rule"
_FORMS = "Bilinear and quadratic forms"
_PRODUCT = "Product rules through dependencies"
_LSQ = "Least squares"
_HESSIAN = "Hessians"
_MATRIX = "Derivatives by a matrix"
_CB_LINEAR = "Cookbook: linear forms"
_CB_QUADRATIC = "Cookbook: quadratic and bilinear forms"
_CB_TRACE = "Cookbook: traces"
_CB_DET = "Cookbook: determinants"
_CB_INVERSE = "Cookbook: inverses"
_CB_NORM = "Cookbook: norms and least squares"
_ML = "Machine-learning identities"

SECTIONS = (
    _LINEAR, _FORMS, _PRODUCT, _LSQ, _HESSIAN, _MATRIX,
    _CB_LINEAR, _CB_QUADRATIC, _CB_TRACE, _CB_DET, _CB_INVERSE, _CB_NORM, _ML,
)  # fmt: skip
"""The catalog's sections, in the order ``derive catalog`` lists them."""

_MN = ("A: m x n",)
_DEPENDS_XY = ("x: n, depends on z", "y: n, depends on z")
_SYM = ("A: n x n, symmetric",)
_W_SYM = ("W: n x n, symmetric",)


def _id(
    name: str,
    title: str,
    expr: str,
    wrt: str,
    section: str,
    source: str,
    *declare: str,
    hessian: bool = False,
    structure: str = "none",
) -> CatalogEntry:
    return CatalogEntry(name, title, expr, wrt, tuple(declare), section, source, hessian,
                        structure=structure)


_CATALOG: tuple[CatalogEntry, ...] = (
    # --- both notes -------------------------------------------------------------------------
    _id("linear_map_jacobian", "Jacobian of a linear map", "A x", "x", _LINEAR,
        "note 000; note 002", *_MN),
    _id("linear_map_chain_rule", "Chain rule through a linear map", "A x", "z", _LINEAR,
        "note 000", *_MN, "x: n, depends on z"),
    _id("linear_form", "Gradient of a linear form", "a' x", "x", _FORMS,
        "note 002; Matrix Cookbook (69)"),
    _id("bilinear_form_by_x", "Bilinear form, by the right vector", "y' A x", "x", _FORMS,
        "note 000", *_MN),
    _id("bilinear_form_by_y", "Bilinear form, by the left vector", "y' A x", "y", _FORMS,
        "note 000", *_MN),
    _id("quadratic_form", "Quadratic form", "x' A x", "x", _FORMS,
        "note 000; note 002; Matrix Cookbook (81)", "A: n x n"),
    _id("quadratic_form_symmetric", "Quadratic form, symmetric matrix", "x' A x", "x", _FORMS,
        "note 000; note 002", *_SYM),
    _id("inner_product_chain_rule", "Product rule for an inner product", "y' x", "z", _PRODUCT,
        "note 000", *_DEPENDS_XY),
    _id("squared_norm_chain_rule", "Product rule for a squared norm", "x' x", "z", _PRODUCT,
        "note 000", "x: n, depends on z"),
    _id("bilinear_form_chain_rule", "Product rule for a bilinear form", "y' A x", "z", _PRODUCT,
        "note 000", *_MN, "x: n, depends on z", "y: m, depends on z"),
    _id("least_squares_gradient", "Least squares: gradient", "(y - A x)'(y - A x)", "x", _LSQ,
        "note 000", *_MN),
    _id("least_squares_hessian", "Least squares: Hessian", "(y - A x)'(y - A x)", "x", _LSQ,
        "note 000", *_MN, hessian=True),
    _id("quadratic_form_hessian", "Hessian of a quadratic form, symmetric matrix", "x' A x", "x",
        _HESSIAN, "note 002", *_SYM, hessian=True),
    _id("sum_of_squares_hessian",
        "Hessian of $x^2 + y^2$, written as the squared norm of a 2-vector",
        "x' x", "x", _HESSIAN, "note 002", "x: 2", hessian=True),
    _id("trace", "Trace by its matrix", "tr(A)", "A", _MATRIX,
        "note 002; Matrix Cookbook (99)", "A: n x n"),
    # --- Matrix Cookbook 2.4.1: first order ------------------------------------------------
    _id("linear_form_transposed", "Linear form, vector on the left", "x' a", "x", _CB_LINEAR,
        "Matrix Cookbook (69)"),
    _id("bilinear_form_matrix", "Bilinear form by its matrix", "a' X b", "X", _CB_LINEAR,
        "Matrix Cookbook (70)"),
    _id("bilinear_form_matrix_transposed", "Bilinear form by its transposed matrix", "a' X' b",
        "X", _CB_LINEAR, "Matrix Cookbook (71)"),
    _id("quadratic_form_matrix", "Quadratic form by its matrix", "a' X a", "X", _CB_LINEAR,
        "Matrix Cookbook (72)"),
    # --- Matrix Cookbook 2.4.2: second order -----------------------------------------------
    _id("gram_bilinear_form", "Bilinear form in a Gram matrix", "b' X' X c", "X", _CB_QUADRATIC,
        "Matrix Cookbook (77)"),
    _id("affine_bilinear_form", "Bilinear form of two affine maps", "(B x + b)' C (D x + d)", "x",
        _CB_QUADRATIC, "Matrix Cookbook (78)"),
    _id("weighted_gram_bilinear_form", "Weighted Gram bilinear form", "b' X' D X c", "X",
        _CB_QUADRATIC, "Matrix Cookbook (82)"),
    _id("affine_quadratic_form_matrix", "Quadratic form of an affine map, by its matrix",
        "(X b + c)' D (X b + c)", "X", _CB_QUADRATIC, "Matrix Cookbook (83)"),
    _id("bilinear_form_matrix_square", "Bilinear form in a matrix square", "a' X^2 b", "X",
        _CB_QUADRATIC, "Matrix Cookbook (91), n = 2"),
    _id("weighted_least_squares_by_s", "Weighted least squares, by the coefficients",
        "(x - A s)' W (x - A s)", "s", _CB_QUADRATIC, "Matrix Cookbook (84)", *_W_SYM),
    _id("weighted_distance_by_x", "Weighted squared distance, by the first point",
        "(x - s)' W (x - s)", "x", _CB_QUADRATIC, "Matrix Cookbook (85)", *_W_SYM),
    _id("weighted_distance_by_s", "Weighted squared distance, by the second point",
        "(x - s)' W (x - s)", "s", _CB_QUADRATIC, "Matrix Cookbook (86)", *_W_SYM),
    _id("weighted_least_squares_by_x", "Weighted least squares, by the data",
        "(x - A s)' W (x - A s)", "x", _CB_QUADRATIC, "Matrix Cookbook (87)", *_W_SYM),
    _id("weighted_least_squares_by_a", "Weighted least squares, by the design matrix",
        "(x - A s)' W (x - A s)", "A", _CB_QUADRATIC, "Matrix Cookbook (88)", *_W_SYM),
    # --- Matrix Cookbook 2.5: traces -------------------------------------------------------
    _id("trace_xa", "Trace of $X A$", "tr(X A)", "X", _CB_TRACE, "Matrix Cookbook (100)"),
    _id("trace_ax", "Trace of $A X$", "tr(A X)", "X", _CB_TRACE,
        "Matrix Cookbook (100), by cyclicity"),
    _id("trace_axb", "Trace of $A X B$", "tr(A X B)", "X", _CB_TRACE, "Matrix Cookbook (101)"),
    _id("trace_axtb", "Trace of $A X^\\top B$", "tr(A X' B)", "X",
        _CB_TRACE, "Matrix Cookbook (102)"),
    _id("trace_xta", "Trace of $X^\\top A$", "tr(X' A)", "X", _CB_TRACE, "Matrix Cookbook (103)"),
    _id("trace_axt", "Trace of $A X^\\top$", "tr(A X')", "X", _CB_TRACE, "Matrix Cookbook (104)"),
    _id("trace_square", "Trace of X squared", "tr(X^2)", "X", _CB_TRACE,
        "Matrix Cookbook (106)"),
    _id("trace_square_b", "Trace of $X^2 B$", "tr(X^2 B)", "X", _CB_TRACE,
        "Matrix Cookbook (107)"),
    _id("trace_xtbx", "Trace of $X^\\top B X$", "tr(X' B X)", "X",
        _CB_TRACE, "Matrix Cookbook (108)"),
    _id("trace_bxxt", "Trace of $B X X^\\top$", "tr(B X X')", "X",
        _CB_TRACE, "Matrix Cookbook (109)"),
    _id("trace_xxtb", "Trace of $X X^\\top B$", "tr(X X' B)", "X",
        _CB_TRACE, "Matrix Cookbook (110)"),
    _id("trace_xbxt", "Trace of $X B X^\\top$", "tr(X B X')", "X",
        _CB_TRACE, "Matrix Cookbook (111)"),
    _id("trace_bxtx", "Trace of $B X^\\top X$", "tr(B X' X)", "X",
        _CB_TRACE, "Matrix Cookbook (112)"),
    _id("trace_xtxb", "Trace of $X^\\top X B$", "tr(X' X B)", "X",
        _CB_TRACE, "Matrix Cookbook (113)"),
    _id("trace_axbx", "Trace of $A X B X$", "tr(A X B X)", "X", _CB_TRACE,
        "Matrix Cookbook (114)"),
    _id("trace_xtx", "Trace of $X^\\top X$", "tr(X' X)", "X", _CB_TRACE, "Matrix Cookbook (115)"),
    _id("trace_xxt", "Trace of $X X^\\top$", "tr(X X')", "X", _CB_TRACE, "Matrix Cookbook (115)"),
    _id("trace_btxtcxb", "Trace of $B^\\top X^\\top C X B$", "tr(B' X' C X B)", "X", _CB_TRACE,
        "Matrix Cookbook (116)"),
    _id("trace_xtbxc", "Trace of $X^\\top B X C$", "tr(X' B X C)", "X", _CB_TRACE,
        "Matrix Cookbook (117)"),
    _id("trace_axbxtc", "Trace of $A X B X^\\top C$", "tr(A X B X' C)", "X", _CB_TRACE,
        "Matrix Cookbook (118)"),
    _id("trace_axbxt", "Trace of $A X B X^\\top$", "tr(A X B X')", "X", _CB_TRACE,
        "Matrix Cookbook (118), C = I"),
    _id("trace_affine_square", "Trace of $(A X B + C)(A X B + C)^\\top$",
        "tr((A X B + C)(A X B + C)')", "X", _CB_TRACE, "Matrix Cookbook (119)"),
    _id("trace_cube", "Trace of X cubed", "tr(X^3)", "X", _CB_TRACE,
        "Matrix Cookbook (121), k = 3"),
    # --- Matrix Cookbook 2.1: determinants -------------------------------------------------
    _id("determinant", "Determinant", "det(X)", "X", _CB_DET, "Matrix Cookbook (49)",
        "X: n x n, invertible"),
    _id("determinant_axb", "Determinant of $A X B$", "det(A X B)", "X", _CB_DET,
        "Matrix Cookbook (51)", "A: n x n, invertible", "X: n x n, invertible",
        "B: n x n, invertible"),
    _id("log_determinant", "Logarithm of the determinant", "log(det(X))", "X", _CB_DET,
        "Matrix Cookbook (57)", "X: n x n, invertible"),
    # --- Matrix Cookbook 2.2: inverses -----------------------------------------------------
    _id("inverse_bilinear_form", "Bilinear form in the inverse", "a' X^-1 b", "X", _CB_INVERSE,
        "Matrix Cookbook (61)", "X: n x n, invertible"),
    _id("trace_inverse_sandwich", "Trace of $A X^{-1} B$", "tr(A X^-1 B)", "X", _CB_INVERSE,
        "Matrix Cookbook (63), (124)", "X: n x n, invertible"),
    _id("trace_inverse_shifted", "Trace of $(X + A)^{-1}$", "tr((X + A)^-1)", "X", _CB_INVERSE,
        "Matrix Cookbook (64)", "X: n x n", "A: n x n"),
    _id("trace_inverse", "Trace of the inverse", "tr(X^-1)", "X", _CB_INVERSE,
        "Matrix Cookbook (64), A = 0", "X: n x n, invertible"),
    # --- Matrix Cookbook 2.6, 2.7: norms; least squares ------------------------------------
    _id("squared_norm", "Squared Euclidean norm", "norm(x)^2", "x", _CB_NORM,
        "Matrix Cookbook (131)"),
    _id("distance", "Euclidean distance to a point", "norm(x - a)", "x", _CB_NORM,
        "Matrix Cookbook (129)"),
    _id("squared_distance", "Squared distance to a point", "norm(x - a)^2", "x", _CB_NORM,
        "Matrix Cookbook (85), W = I"),
    _id("frobenius_norm", "Squared Frobenius norm", "norm(X)^2", "X", _CB_NORM,
        "Matrix Cookbook (132)"),
    _id("least_squares_residual", "Least squares residual", "(A x - b)'(A x - b)", "x", _CB_NORM,
        "Matrix Cookbook (84), W = I", *_MN),
    _id("matrix_least_squares", "Matrix least squares", "norm(A X - B)^2", "X", _CB_NORM,
        "Matrix Cookbook (119), special case"),
    # --- machine learning: elementwise functions, softmax, network layers ------------------
    _id("logistic_loss_gradient", "Logistic loss: gradient", "sum(log(1 + exp(-y .* (X w))))",
        "w", _ML, "machine learning: logistic regression", "X: m x n"),
    _id("logistic_loss_hessian", "Logistic loss: Hessian", "sum(log(1 + exp(-y .* (X w))))",
        "w", _ML, "machine learning: logistic regression", "X: m x n", hessian=True),
    _id("logistic_loss_single", "Logistic loss of one positive example", "log(1 + exp(-w' x))",
        "w", _ML, "machine learning: logistic regression"),
    _id("softmax_cross_entropy", "Softmax cross-entropy by the weights",
        "0 - y' log(softmax(W x))", "W", _ML,
        "machine learning: multinomial logistic regression", "W: m x n"),
    _id("logsumexp_gradient", "Log-sum-exp: gradient", "logsumexp(x)", "x", _ML,
        "machine learning: definition of softmax"),
    _id("logsumexp_hessian", "Log-sum-exp: Hessian", "logsumexp(x)", "x", _ML,
        "machine learning: definition of softmax", hessian=True),
    _id("softmax_jacobian", "Jacobian of softmax", "softmax(x)", "x", _ML,
        "machine learning: softmax"),
    _id("layer_by_weights", "One-layer network by its weights", "a' sigma(W x + b)", "W", _ML,
        "machine learning: a sigmoid layer", "W: m x n"),
    _id("layer_by_bias", "One-layer network by its bias", "a' sigma(W x + b)", "b", _ML,
        "machine learning: a sigmoid layer", "W: m x n"),
    _id("layer_jacobian", "Jacobian of a sigmoid layer", "sigma(W x)", "x", _ML,
        "machine learning: a sigmoid layer", "W: m x n"),
    _id("norm_gradient", "Gradient of the Euclidean norm", "norm(x)", "x", _ML,
        "machine learning: the distance to the origin"),
    _id("residual_norm_gradient", "Gradient of a residual's norm", "norm(A x - b)", "x", _ML,
        "machine learning: least absolute deviations", *_MN),
    _id("ridge_regression", "Ridge regression (unit weight)", "norm(A x - b)^2 + norm(x)^2", "x",
        _ML, "machine learning: Tikhonov regularisation", *_MN),
    _id("weighted_squares_by_weights", "Weighted sum of squares by its weights",
        "x' diag(d) x", "d", _ML, "machine learning: diag as index form"),
    _id("trace_hadamard_square", "Trace of X ∘ X", "tr(X .* X)", "X", _ML,
        "machine learning: Hadamard product",
        "X: n x n"),
    _id("squared_determinant", "Squared determinant", "det(X)^2", "X", _ML,
        "machine learning: Matrix Cookbook (49), squared", "X: n x n, invertible"),
    _id("inverse_square_bilinear", "Bilinear form in X^-2", "a' X^-2 b", "X", _ML,
        "machine learning: the derivative of an inverse, twice", "X: n x n, invertible"),
    _id("l1_norm_gradient", "1-norm: the sign vector", "norm(x, 1)", "x", _ML,
        "machine learning: where no entry of x is zero"),
    _id("logistic_regression_gradient", "Logistic regression (labels 0 and 1): gradient",
        "sum(log(1 + exp(X w))) - y' X w", "w", _ML, "machine learning: logistic regression",
        "X: m x n"),
    _id("logistic_regression_hessian", "Logistic regression (labels 0 and 1): Hessian",
        "sum(log(1 + exp(X w))) - y' X w", "w", _ML, "machine learning: logistic regression",
        "X: m x n", hessian=True),
    _id("log_det_second_derivative", "Second derivative of a log-determinant along a line",
        "log(det(A + t B))", "t", _ML, "machine learning: Jacobi's formula, then an inverse",
        "t: scalar", hessian=True),
    _id("log_det_symmetric", "Log-determinant by a symmetric matrix", "log(det(X))", "X", _ML,
        "machine learning: Matrix Cookbook (141), 2.8.2", structure="symmetric"),
    _id("determinant_symmetric", "Determinant by a symmetric matrix", "det(X)", "X", _ML,
        "machine learning: Matrix Cookbook 2.8.2", structure="symmetric"),
    _id("trace_symmetric", "Trace of a product by a symmetric matrix", "tr(A X)", "X", _ML,
        "machine learning: Matrix Cookbook 2.8.2", structure="symmetric"),
)  # fmt: skip

_BY_NAME: dict[str, CatalogEntry] = {identity.name: identity for identity in _CATALOG}
if len(_BY_NAME) != len(_CATALOG):  # pragma: no cover - a programming error, caught by tests
    raise RuntimeError("duplicate names in the identity catalog")


def all_identities() -> tuple[CatalogEntry, ...]:
    """Return every identity in the catalog, in the order it is listed."""
    return _CATALOG


def get(name: str) -> CatalogEntry:
    """Return the identity called ``name``.

    Args:
        name: A catalog name such as ``quadratic_form`` (case and ``-``/``_`` are forgiven).

    Returns:
        The identity.

    Raises:
        DeriveError: No identity has that name; the message lists the closest names.
    """
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    identity = _BY_NAME.get(key)
    if identity is not None:
        return identity
    close = difflib.get_close_matches(key, list(_BY_NAME), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `derive catalog` lists them"
    raise DeriveError(f"unknown identity {name!r}{hint}")


def search(word: str) -> tuple[CatalogEntry, ...]:
    """Return the identities whose name, title, expression, section or source contain ``word``.

    Args:
        word: Text to look for, case-insensitively (``trace``, ``cookbook (8``, ``note 000``).

    Returns:
        The matching identities in catalog order; all of them when ``word`` is blank.
    """
    needle = word.strip().lower()
    if not needle:
        return _CATALOG
    alternative = needle.replace(" ", "_")
    return tuple(
        identity
        for identity in _CATALOG
        if any(
            needle in field.lower() or alternative in field.lower()
            for field in (
                identity.name,
                identity.title,
                identity.expr,
                identity.section,
                identity.source,
            )
        )
    )
