"""The typed matrix expression IR: frozen nodes that know their shapes.

Every node is an immutable dataclass with its children in tuples. Shapes are pairs of dimensions;
a dimension is an integer or the name of a dimension symbol (``"n"``). A 1 x 1 expression is a
scalar and may stand anywhere in a product (``(x' x) A`` is a scalar times a matrix).

Each node class says what it is: its shape rule (``shape``), its operands (``children``) and how
it is rebuilt over new operands (``rebuild``). What the stages above do with a node (index form,
derivative, evaluation, SymPy form, printing) is one entry per node type in each operation's table
(:mod:`derive.ir.dispatch`).

The smart constructors (:func:`mul`, :func:`add`, :func:`transpose`, ...) flatten nested sums and
products and fold numbers; they never reorder factors, so an expression prints as it was written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from derive.errors import InternalError

Dim = int | str


@dataclass(frozen=True, slots=True)
class Shape:
    """Rows and columns of a matrix expression."""

    rows: Dim
    cols: Dim

    @property
    def is_scalar(self) -> bool:
        """1 x 1."""
        return self.rows == 1 and self.cols == 1

    @property
    def is_column(self) -> bool:
        """n x 1 with n other than 1."""
        return self.cols == 1 and self.rows != 1

    @property
    def is_row(self) -> bool:
        """1 x n with n other than 1."""
        return self.rows == 1 and self.cols != 1

    @property
    def is_square(self) -> bool:
        """rows == cols."""
        return self.rows == self.cols

    @property
    def T(self) -> Shape:  # noqa: N802 - the transpose, as in numpy
        """The transposed shape (one object per shape: a transpose asks for it each time)."""
        transposed = _TRANSPOSED.get((self.rows, self.cols))
        if transposed is None:
            if len(_TRANSPOSED) > 4096:
                _TRANSPOSED.clear()
            transposed = _TRANSPOSED[self.rows, self.cols] = Shape(self.cols, self.rows)
        return transposed

    def __str__(self) -> str:
        return f"{self.rows} x {self.cols}"


SCALAR = Shape(1, 1)
_TRANSPOSED: dict[tuple[Dim, Dim], Shape] = {}


class Expr:
    """Base of all matrix expression nodes."""

    __slots__ = ()

    @property
    def shape(self) -> Shape:
        """The node's shape."""
        raise NotImplementedError

    @property
    def children(self) -> tuple[Expr, ...]:
        """The node's operands."""
        return ()

    def rebuild(self, children: Sequence[Expr]) -> Expr:
        """The same node over new children, through the smart constructors.

        A leaf rebuilds as itself; a node with children must say how.

        Raises:
            InternalError: The node has children and does not override this method.
        """
        if not self.children and not children:
            return self
        raise InternalError(f"{type(self).__name__} does not say how to rebuild itself")

    @property
    def is_symmetric(self) -> bool:
        """Whether the node is its own transpose whatever its operands (``diag(x)``)."""
        return False


@dataclass(frozen=True, slots=True)
class Symbol(Expr):
    """A named scalar, vector or matrix."""

    name: str
    symbol_shape: Shape

    def __hash__(self) -> int:
        # equal symbols have equal names; hashing the shape too cost a call per lookup
        return hash(self.name)

    @property
    def shape(self) -> Shape:
        return self.symbol_shape


@dataclass(frozen=True, slots=True)
class Number(Expr):
    """An exact rational number."""

    value: Fraction

    @property
    def shape(self) -> Shape:
        return SCALAR


@dataclass(frozen=True, slots=True)
class Identity(Expr):
    """The n x n identity matrix."""

    size: Dim

    @property
    def shape(self) -> Shape:
        return Shape(self.size, self.size)


@dataclass(frozen=True, slots=True)
class Zero(Expr):
    """A zero matrix of the given shape."""

    zero_shape: Shape

    @property
    def shape(self) -> Shape:
        return self.zero_shape


@dataclass(frozen=True, slots=True)
class Size(Expr):
    """A dimension used as a number (``sum_i delta_ii = n``)."""

    dim: Dim

    @property
    def shape(self) -> Shape:
        return SCALAR


@dataclass(frozen=True, slots=True)
class Add(Expr):
    """A sum of two or more terms of one shape."""

    terms: tuple[Expr, ...]

    @property
    def shape(self) -> Shape:
        for term in self.terms:  # each term's shape once: nested sums would cost 2^depth
            shape = term.shape
            if not shape.is_scalar:
                return shape
        return SCALAR

    @property
    def children(self) -> tuple[Expr, ...]:
        return self.terms

    def rebuild(self, children: Sequence[Expr]) -> Expr:
        return add(*children)


@dataclass(frozen=True, slots=True)
class MatMul(Expr):
    """A product; 1 x 1 factors act as scalars wherever they stand."""

    factors: tuple[Expr, ...]

    @property
    def shape(self) -> Shape:
        return product_shape(f.shape for f in self.factors)

    @property
    def children(self) -> tuple[Expr, ...]:
        return self.factors

    def rebuild(self, children: Sequence[Expr]) -> Expr:
        return mul(*children)


@dataclass(frozen=True, slots=True)
class Transpose(Expr):
    """``arg^T``."""

    arg: Expr

    @property
    def shape(self) -> Shape:
        return self.arg.shape.T

    @property
    def children(self) -> tuple[Expr, ...]:
        return (self.arg,)

    def rebuild(self, children: Sequence[Expr]) -> Expr:
        return transpose(children[0])


@dataclass(frozen=True, slots=True)
class Inverse(Expr):
    """``arg^{-1}`` of a square matrix (or ``1/s`` of a scalar)."""

    arg: Expr

    @property
    def shape(self) -> Shape:
        return self.arg.shape

    @property
    def children(self) -> tuple[Expr, ...]:
        return (self.arg,)

    def rebuild(self, children: Sequence[Expr]) -> Expr:
        return Inverse(children[0])


@dataclass(frozen=True, slots=True)
class Power(Expr):
    """``base^exponent`` for an integer exponent: a matrix power (>= 2) or a scalar power."""

    base: Expr
    exponent: int

    @property
    def shape(self) -> Shape:
        return self.base.shape

    @property
    def children(self) -> tuple[Expr, ...]:
        return (self.base,)

    def rebuild(self, children: Sequence[Expr]) -> Expr:
        return Power(children[0], self.exponent)


@dataclass(frozen=True, slots=True)
class Trace(Expr):
    """``tr(arg)``."""

    arg: Expr

    @property
    def shape(self) -> Shape:
        return SCALAR

    @property
    def children(self) -> tuple[Expr, ...]:
        return (self.arg,)

    def rebuild(self, children: Sequence[Expr]) -> Expr:
        return Trace(children[0])


@dataclass(frozen=True, slots=True)
class Det(Expr):
    """``det(arg)``."""

    arg: Expr

    @property
    def shape(self) -> Shape:
        return SCALAR

    @property
    def children(self) -> tuple[Expr, ...]:
        return (self.arg,)

    def rebuild(self, children: Sequence[Expr]) -> Expr:
        return Det(children[0])


@dataclass(frozen=True, slots=True)
class Log(Expr):
    """The natural logarithm of a scalar."""

    arg: Expr

    @property
    def shape(self) -> Shape:
        return SCALAR

    @property
    def children(self) -> tuple[Expr, ...]:
        return (self.arg,)

    def rebuild(self, children: Sequence[Expr]) -> Expr:
        return Log(children[0])


@dataclass(frozen=True, slots=True)
class Norm(Expr):
    """The Euclidean norm of a vector, the Frobenius norm of a matrix."""

    arg: Expr

    @property
    def shape(self) -> Shape:
        return SCALAR

    @property
    def children(self) -> tuple[Expr, ...]:
        return (self.arg,)

    def rebuild(self, children: Sequence[Expr]) -> Expr:
        return Norm(children[0])


class Layout(StrEnum):
    """How a derivative's entries are laid out (a str, so ``layout == "mixed"`` still works)."""

    MIXED = "mixed"
    NUMERATOR = "numerator"
    DENOMINATOR = "denominator"


LAYOUTS = tuple(layout.value for layout in Layout)


@dataclass(frozen=True, slots=True)
class Jacobian(Expr):
    """``dx/dz`` of a symbol declared to depend on another: stays symbolic in results.

    It is the matrix that ``dx/dz`` names in ``layout``: one row per entry of ``x`` in the
    numerator layout, one row per entry of ``z`` in the denominator layout; in the mixed layout a
    vector's Jacobian has one row per entry of ``x`` and a scalar's gradient is a column like
    ``z``. A row where the layout's ``dx/dz`` is a column is written ``(dx/dz)'``.
    """

    of: Symbol
    wrt: Symbol
    layout: Layout = Layout.NUMERATOR

    @property
    def transposed(self) -> bool:
        """Whether this has one row per entry of ``wrt`` (the transpose of the Jacobian)."""
        if self.layout == Layout.DENOMINATOR:
            return True
        return self.layout == Layout.MIXED and self.of.shape.is_scalar

    @property
    def shape(self) -> Shape:
        jacobian = Shape(self.of.shape.rows, self.wrt.shape.rows)
        return jacobian.T if self.transposed else jacobian


@dataclass(frozen=True, slots=True)
class Defined(Expr):
    """A named function being differentiated, such as ``alpha = x' A x``: prints as its name."""

    name: str
    body: Expr

    @property
    def shape(self) -> Shape:
        return self.body.shape


@dataclass(frozen=True, slots=True)
class Derivative(Expr):
    """The whole derivative ``d of / d wrt`` (``order`` 2: the Hessian) in a layout.

    ``structure`` ``"symmetric"``: the derivative with respect to a symmetric matrix, each pair
    of entries ``x_ij = x_ji`` one variable (Matrix Cookbook 2.8.2); ``""``: every entry its own.
    """

    of: Expr
    wrt: Symbol
    layout: Layout = Layout.MIXED
    order: int = 1
    structure: str = ""

    @property
    def shape(self) -> Shape:
        shape = derivative_shape(self.of.shape, self.wrt.shape, self.layout, self.order)
        if shape is None:
            raise ValueError("a derivative of this kind has no matrix shape")
        return shape


def derivative_shape(of: Shape, wrt: Shape, layout: str, order: int = 1) -> Shape | None:
    """The shape of ``d of / d wrt`` in ``layout``, or None when it is a higher-order tensor.

    Numerator layout: dy/dx is m x n, d alpha/dx is 1 x n, d alpha/dX is n x m. Denominator:
    n x m, n x 1, m x n. Mixed (the default): m x n, n x 1, m x n. The Hessian is n x n.
    """
    if order == 2:
        return Shape(wrt.rows, wrt.rows)
    if wrt.is_scalar:
        return of if layout != "denominator" or not of.is_column else of.T
    if of.is_scalar:
        return wrt.T if layout == "numerator" else wrt
    if (of.is_column or of.is_row) and (wrt.is_column or wrt.is_row):
        size_of = of.rows if of.is_column else of.cols
        size_wrt = wrt.rows if wrt.is_column else wrt.cols
        return Shape(size_wrt, size_of) if layout == "denominator" else Shape(size_of, size_wrt)
    return None


Unary = Transpose | Inverse | Trace | Det | Log | Norm


def product_shape(shapes: Iterable[Shape]) -> Shape:
    """The shape of a product whose 1 x 1 factors act as scalars (shapes assumed to fit)."""
    rows: Dim = 1
    cols: Dim = 1
    for shape in shapes:  # is_scalar spelled out: this runs for every factor of every product
        if rows == 1 and cols == 1:
            rows, cols = shape.rows, shape.cols
        elif shape.rows != 1 or shape.cols != 1:
            cols = shape.cols
    return SCALAR if rows == 1 and cols == 1 else Shape(rows, cols)


# -- smart constructors ---------------------------------------------------------------------


def number(value: int | Fraction) -> Number:
    """A number node."""
    return Number(Fraction(value))


def mul(*factors: Expr) -> Expr:
    """A product: nested products flattened, numbers folded into one leading coefficient."""
    flat: list[Expr] = []
    coefficient = Fraction(1)
    for factor in factors:
        spliced = factor.factors if isinstance(factor, MatMul) and _chains(flat, factor) else None
        for item in spliced or (factor,):
            if isinstance(item, Number):
                coefficient *= item.value
            else:
                flat.append(item)
    kinds = {type(f) for f in flat}  # one pass for both questions below (no node subclasses)
    if coefficient == 0 or Zero in kinds:
        return Zero(product_shape(f.shape for f in flat))
    if len(flat) > 1 and Identity in kinds:
        # an identity is neutral only beside another matrix: ``(x' x) I`` must keep its I
        kept = [f for f in flat if not isinstance(f, Identity)]
        if product_shape(f.shape for f in kept) != product_shape(f.shape for f in flat):
            kept.append(next(f for f in flat if isinstance(f, Identity)))
        flat = kept
    if coefficient != 1:
        flat.insert(0, Number(coefficient))
    if not flat:
        return Number(coefficient)
    if len(flat) == 1:
        return flat[0]
    return MatMul(tuple(flat))


def _chains(flat: list[Expr], product: MatMul) -> bool:
    """Whether ``product``'s factors may be spliced into ``flat`` without changing the value.

    A product is evaluated left to right, a 1 x 1 running value acting as a scalar. Splicing is
    safe after a 1 x 1 running value, and after a matrix when the product's own factors keep
    chaining as a true matrix product (``y' (x' y) y`` must not become ``y' x' y y``).
    """
    acc = product_shape(f.shape for f in flat if not isinstance(f, Number))
    if acc.is_scalar:
        return True
    for item in product.factors:
        if item.shape.is_scalar:
            continue
        if acc.cols != item.shape.rows:
            return False
        acc = Shape(acc.rows, item.shape.cols)
    return True


def add(*terms: Expr) -> Expr:
    """A sum: nested sums flattened, zeros dropped."""
    flat: list[Expr] = []
    for term in terms:
        for item in term.terms if isinstance(term, Add) else (term,):
            if not isinstance(item, Zero) and item != Number(Fraction(0)):
                flat.append(item)
    if not flat:
        shape = next((t.shape for t in terms), SCALAR)
        return Zero(shape) if not shape.is_scalar else Number(Fraction(0))
    if len(flat) == 1:
        return flat[0]
    return Add(tuple(flat))


def neg(expr: Expr) -> Expr:
    """``-expr``."""
    return mul(Number(Fraction(-1)), expr)


def transpose(expr: Expr) -> Expr:
    """``expr^T``; a double transpose cancels, numbers and identities are their own transpose."""
    if isinstance(expr, Transpose):
        return expr.arg
    if isinstance(expr, Number | Identity) or expr.is_symmetric:
        return expr
    if isinstance(expr, Zero):
        return Zero(expr.shape.T)
    return Transpose(expr)


def coefficient_of(expr: Expr) -> tuple[Fraction, Expr]:
    """Split a leading numeric coefficient off a term: ``-2 A x`` -> (-2, A x)."""
    if isinstance(expr, Number):
        return expr.value, Number(Fraction(1))
    if isinstance(expr, MatMul) and isinstance(expr.factors[0], Number):
        rest = expr.factors[1:]
        return expr.factors[0].value, rest[0] if len(rest) == 1 else MatMul(rest)
    return Fraction(1), expr


def symbols_of(expr: Expr) -> list[Symbol]:
    """The distinct symbols of an expression, in order of first appearance."""
    seen: dict[str, Symbol] = {}
    stack = [expr]
    order: list[Symbol] = []
    while stack:
        node = stack.pop()
        if isinstance(node, Symbol):
            if node.name not in seen:
                seen[node.name] = node
                order.append(node)
        elif isinstance(node, Jacobian):
            stack.extend((node.wrt, node.of))
        else:
            stack.extend(reversed(node.children))
    return order
