"""Expressions -> SymPy matrix expressions over ``MatrixSymbol``s named and shaped as the input.

Outside checkers rely on this: ``prove("log(det(X))", "X").to_sympy()`` is ``X^-T``, a SymPy
expression that substitutes and evaluates as SymPy's own do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from derive.errors import UnsupportedError
from derive.ir import expr as ex

if TYPE_CHECKING:
    from derive.calculus.proof import Derivation


def dim_to_sympy(dim: ex.Dim) -> Any:
    """A dimension: an integer, or a positive integer SymPy symbol."""
    import sympy

    return dim if isinstance(dim, int) else sympy.Symbol(dim, integer=True, positive=True)


def to_sympy(node: ex.Expr) -> Any:
    """The SymPy form of an expression; 1 x 1 matrix products become scalars.

    A 1 x 1 product ``x' A x`` becomes ``Trace(x.T*A*x)``, a scalar that reads as the product and
    stays a matrix expression (its ``[0, 0]`` would be an explicit ``Sum`` over the entries).
    """
    import sympy

    value = _convert(node)
    if node.shape.is_scalar and isinstance(value, sympy.MatrixExpr):
        return sympy.Trace(value)
    return value


def _convert(node: ex.Expr) -> Any:
    import sympy

    if isinstance(node, ex.Symbol):
        if node.shape.is_scalar:
            return sympy.Symbol(node.name)
        rows, cols = (dim_to_sympy(d) for d in (node.shape.rows, node.shape.cols))
        return sympy.MatrixSymbol(node.name, rows, cols)
    if isinstance(node, ex.Number):
        return sympy.Rational(node.value.numerator, node.value.denominator)
    if isinstance(node, ex.Identity):
        return sympy.Identity(dim_to_sympy(node.size))
    if isinstance(node, ex.Zero):
        rows, cols = (dim_to_sympy(d) for d in (node.shape.rows, node.shape.cols))
        return sympy.S.Zero if node.shape.is_scalar else sympy.ZeroMatrix(rows, cols)
    if isinstance(node, ex.Size):
        return dim_to_sympy(node.dim)
    if isinstance(node, ex.Jacobian):
        rows, cols = (dim_to_sympy(d) for d in (node.shape.rows, node.shape.cols))
        return sympy.MatrixSymbol(f"d{node.of.name}/d{node.wrt.name}", rows, cols)
    if isinstance(node, ex.Defined):
        return to_sympy(node.body)
    if isinstance(node, ex.Add):
        return sympy.Add(*(to_sympy(t) for t in node.terms)) if node.shape.is_scalar else \
            sympy.MatAdd(*(to_sympy(t) for t in node.terms))
    if isinstance(node, ex.MatMul):
        return _product(node)
    return _unary(node)


def _product(node: ex.MatMul) -> Any:
    import sympy

    from derive.calculus.algebra import split_product

    parts, chain = split_product(node)  # x' x y' is (x' x) times y', never x' (x y')
    scalars = [to_sympy(f) for f in parts]
    matrices = [to_sympy(f) for f in chain]
    scale = sympy.Mul(*scalars)
    if not matrices:
        return scale
    return sympy.MatMul(scale, *matrices) if scale != 1 else sympy.MatMul(*matrices)


def _unary(node: ex.Expr) -> Any:
    import sympy

    if isinstance(node, ex.Transpose):
        return sympy.Transpose(to_sympy(node.arg)) if not node.shape.is_scalar else \
            to_sympy(node.arg)
    if isinstance(node, ex.Inverse):
        return sympy.Inverse(to_sympy(node.arg))
    if isinstance(node, ex.Power):
        base = to_sympy(node.base)
        return base**node.exponent if node.shape.is_scalar else sympy.MatPow(base,
                                                                             node.exponent)
    if isinstance(node, ex.Trace):
        return sympy.Trace(to_sympy(node.arg)) if not node.arg.shape.is_scalar else \
            to_sympy(node.arg)
    if isinstance(node, ex.Det):
        return sympy.Determinant(to_sympy(node.arg))
    if isinstance(node, ex.Log):
        return sympy.log(to_sympy(node.arg))
    if isinstance(node, ex.Norm):
        arg = to_sympy(node.arg)
        if node.arg.shape.is_scalar:
            return sympy.Abs(arg)
        return sympy.sqrt(sympy.Trace(sympy.MatMul(sympy.Transpose(arg), arg)))
    raise UnsupportedError(f"{type(node).__name__} has no SymPy form")


def result_to_sympy(derivation: Derivation) -> Any:
    """The derivation's final result as a SymPy expression.

    Raises:
        UnsupportedError: The result is a higher-order tensor shown in index form only.
    """
    rhs = derivation.result.rhs
    if not isinstance(rhs, ex.Expr):
        raise UnsupportedError(
            "this derivative is a higher-order tensor, shown in index form only; it has no"
            " SymPy matrix form"
        )
    return to_sympy(rhs)
