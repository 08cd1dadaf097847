"""Expressions -> SymPy matrix expressions over ``MatrixSymbol``s named and shaped as the input.

Outside checkers rely on this: ``prove("log(det(X))", "X").to_sympy()`` is ``X^-T``, a SymPy
expression that substitutes and evaluates as SymPy's own do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from derive.errors import UnsupportedError
from derive.ir import expr as ex
from derive.ir.dispatch import Operation

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


_convert: Operation[Any] = Operation("derive.check.sympy_bridge._convert")
"""``_convert(node)``: the SymPy form of one node (SymPy imported by the caller first)."""


def _matrix_symbol(name: str, shape: ex.Shape) -> Any:
    import sympy

    return sympy.MatrixSymbol(name, dim_to_sympy(shape.rows), dim_to_sympy(shape.cols))


@_convert.register(ex.Symbol)
def _symbol(node: ex.Symbol) -> Any:
    import sympy

    return sympy.Symbol(node.name) if node.shape.is_scalar else _matrix_symbol(node.name,
                                                                                node.shape)


@_convert.register(ex.Number)
def _number(node: ex.Number) -> Any:
    import sympy

    return sympy.Rational(node.value.numerator, node.value.denominator)


@_convert.register(ex.Identity)
def _identity(node: ex.Identity) -> Any:
    import sympy

    return sympy.Identity(dim_to_sympy(node.size))


@_convert.register(ex.Zero)
def _zero(node: ex.Zero) -> Any:
    import sympy

    rows, cols = (dim_to_sympy(d) for d in (node.shape.rows, node.shape.cols))
    return sympy.S.Zero if node.shape.is_scalar else sympy.ZeroMatrix(rows, cols)


@_convert.register(ex.Size)
def _size(node: ex.Size) -> Any:
    return dim_to_sympy(node.dim)


@_convert.register(ex.Jacobian)
def _jacobian(node: ex.Jacobian) -> Any:
    return _matrix_symbol(f"d{node.of.name}/d{node.wrt.name}", node.shape)


@_convert.register(ex.Defined)
def _defined(node: ex.Defined) -> Any:
    return to_sympy(node.body)


@_convert.register(ex.Add)
def _sum(node: ex.Add) -> Any:
    import sympy

    terms = (to_sympy(t) for t in node.terms)
    return sympy.Add(*terms) if node.shape.is_scalar else sympy.MatAdd(*terms)


@_convert.register(ex.MatMul)
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


@_convert.register(ex.Transpose)
def _transpose(node: ex.Transpose) -> Any:
    import sympy

    arg = to_sympy(node.arg)
    return sympy.Transpose(arg) if not node.shape.is_scalar else arg


@_convert.register(ex.Inverse)
def _inverse(node: ex.Inverse) -> Any:
    import sympy

    return sympy.Inverse(to_sympy(node.arg))


@_convert.register(ex.Power)
def _power(node: ex.Power) -> Any:
    import sympy

    base = to_sympy(node.base)
    return base**node.exponent if node.shape.is_scalar else sympy.MatPow(base, node.exponent)


@_convert.register(ex.Trace)
def _trace(node: ex.Trace) -> Any:
    import sympy

    arg = to_sympy(node.arg)
    return sympy.Trace(arg) if not node.arg.shape.is_scalar else arg


@_convert.register(ex.Det)
def _det(node: ex.Det) -> Any:
    import sympy

    return sympy.Determinant(to_sympy(node.arg))


@_convert.register(ex.Log)
def _log(node: ex.Log) -> Any:
    import sympy

    return sympy.log(to_sympy(node.arg))


@_convert.register(ex.Norm)
def _norm(node: ex.Norm) -> Any:
    import sympy

    arg = to_sympy(node.arg)
    if node.arg.shape.is_scalar:
        return sympy.Abs(arg)
    return sympy.sqrt(sympy.Trace(sympy.MatMul(sympy.Transpose(arg), arg)))


@_convert.register(ex.Derivative)
def _derivative(node: ex.Derivative) -> Any:
    raise UnsupportedError(f"{type(node).__name__} has no SymPy form")


def register_forms(entries: dict[type, Any]) -> None:
    """Add SymPy forms for node types defined outside :mod:`derive.ir.expr`."""
    _convert.update(entries)


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
