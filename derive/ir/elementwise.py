"""The nodes of machine-learning calculus: entry-by-entry functions and products, sums, diag.

``Apply("sigma", u)`` is ``σ(u)`` taken entry by entry (an ordinary function of a scalar ``u``);
``Hadamard`` is the entrywise product ``a ∘ b`` of equal shapes; ``HadamardPower`` is ``u .^ p``
for a rational ``p`` (of a scalar: any rational power, ``(x' x)^(1/2)``); ``Ones`` is the matrix
of ones; ``Sum`` adds every entry; ``Diag`` turns a vector into a diagonal matrix or a square
matrix into the vector of its diagonal. ``LogSumExp`` and ``Softmax`` are named compositions that
a proof expands once (:attr:`LogSumExp.body`).

The constructors (:func:`hadamard`, :func:`hadamard_power`, :func:`ones_like`) normalise as the
product and sum constructors of :mod:`derive.ir.expr` do: a scalar in a Hadamard product is an
ordinary factor, ``u .^ 1`` is ``u``, ``u .^ 0`` is a matrix of ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from derive.ir import expr as ex
from derive.ir import order
from derive.ir.index import Delta, Entry, Index, IndexNames, Term, multiply, to_index


@dataclass(frozen=True, slots=True)
class Apply(ex.Expr):
    """An elementwise function (a row of :data:`derive.ir.functions.FUNCTIONS`) of ``arg``."""

    function: str
    arg: ex.Expr

    @property
    def shape(self) -> ex.Shape:
        return self.arg.shape

    @property
    def children(self) -> tuple[ex.Expr, ...]:
        return (self.arg,)

    def rebuild(self, children: Sequence[ex.Expr]) -> ex.Expr:
        return Apply(self.function, children[0])


@dataclass(frozen=True, slots=True)
class Hadamard(ex.Expr):
    """``a ∘ b ∘ ...``: the entrywise product of two or more operands of one (non-scalar) shape."""

    factors: tuple[ex.Expr, ...]

    @property
    def shape(self) -> ex.Shape:
        return self.factors[0].shape

    @property
    def children(self) -> tuple[ex.Expr, ...]:
        return self.factors

    def rebuild(self, children: Sequence[ex.Expr]) -> ex.Expr:
        return hadamard(*children)


@dataclass(frozen=True, slots=True)
class HadamardPower(ex.Expr):
    """``base .^ exponent`` entry by entry; of a scalar, the power with a rational exponent."""

    base: ex.Expr
    exponent: Fraction

    @property
    def shape(self) -> ex.Shape:
        return self.base.shape

    @property
    def children(self) -> tuple[ex.Expr, ...]:
        return (self.base,)

    def rebuild(self, children: Sequence[ex.Expr]) -> ex.Expr:
        return hadamard_power(children[0], self.exponent)


@dataclass(frozen=True, slots=True)
class Ones(ex.Expr):
    """The column of ones ``𝟏``; ``𝟏ᵀ`` is its transpose, ``𝟏 𝟏ᵀ`` a matrix of ones."""

    ones_shape: ex.Shape

    @property
    def shape(self) -> ex.Shape:
        return self.ones_shape


@dataclass(frozen=True, slots=True)
class Sum(ex.Expr):
    """``sum(arg)``: the sum of all entries, ``1ᵀ X 1``."""

    arg: ex.Expr

    @property
    def shape(self) -> ex.Shape:
        return ex.SCALAR

    @property
    def children(self) -> tuple[ex.Expr, ...]:
        return (self.arg,)

    def rebuild(self, children: Sequence[ex.Expr]) -> ex.Expr:
        return Sum(children[0])


@dataclass(frozen=True, slots=True)
class Diag(ex.Expr):
    """``diag(x)`` of a column vector: the diagonal matrix; of a square matrix: its diagonal."""

    arg: ex.Expr

    @property
    def shape(self) -> ex.Shape:
        rows = self.arg.shape.rows
        return ex.Shape(rows, rows) if self.arg.shape.cols == 1 else ex.Shape(rows, 1)

    @property
    def children(self) -> tuple[ex.Expr, ...]:
        return (self.arg,)

    def rebuild(self, children: Sequence[ex.Expr]) -> ex.Expr:
        return Diag(children[0])

    @property
    def is_symmetric(self) -> bool:
        return self.to_matrix

    @property
    def to_matrix(self) -> bool:
        """Whether this is a vector made into a diagonal matrix (else a matrix's diagonal)."""
        return self.arg.shape.cols == 1


@dataclass(frozen=True, slots=True)
class LogSumExp(ex.Expr):
    """``logsumexp(x) = log Σ_i exp(x_i)``."""

    arg: ex.Expr

    @property
    def shape(self) -> ex.Shape:
        return ex.SCALAR

    @property
    def children(self) -> tuple[ex.Expr, ...]:
        return (self.arg,)

    def rebuild(self, children: Sequence[ex.Expr]) -> ex.Expr:
        return LogSumExp(children[0])

    @property
    def body(self) -> ex.Expr:
        """The definition, expanded once by a proof."""
        return ex.Log(Sum(Apply("exp", self.arg)))


@dataclass(frozen=True, slots=True)
class Softmax(ex.Expr):
    """``softmax(x)_i = exp(x_i) / Σ_j exp(x_j)``."""

    arg: ex.Expr

    @property
    def shape(self) -> ex.Shape:
        return self.arg.shape

    @property
    def children(self) -> tuple[ex.Expr, ...]:
        return (self.arg,)

    def rebuild(self, children: Sequence[ex.Expr]) -> ex.Expr:
        return Softmax(children[0])

    @property
    def body(self) -> ex.Expr:
        """The definition, expanded once by a proof."""
        return ex.mul(ex.Power(Sum(Apply("exp", self.arg)), -1), Apply("exp", self.arg))


Composite = LogSumExp | Softmax
NODES = (Apply, Hadamard, HadamardPower, Ones, Sum, Diag, LogSumExp, Softmax)


# -- smart constructors ---------------------------------------------------------------------


def ones(shape: ex.Shape) -> ex.Expr:
    """The matrix of ones of a shape: ``𝟏``, ``𝟏ᵀ``, ``𝟏 𝟏ᵀ`` (the number 1 for a scalar).

    Only the column of ones is a node of its own, so that every printed form reads back (``ones``
    is a column) and a matrix of ones is the outer product it is.
    """
    if shape.is_scalar:
        return ex.number(1)
    if shape.is_row:
        return ex.transpose(Ones(shape.T))
    if shape.is_column:
        return Ones(shape)
    return ex.mul(Ones(ex.Shape(shape.rows, 1)), ex.transpose(Ones(ex.Shape(shape.cols, 1))))


def ones_like(node: ex.Expr) -> ex.Expr:
    """A matrix of ones of ``node``'s shape (the number 1 for a scalar)."""
    return ones(node.shape)


def hadamard(*factors: ex.Expr) -> ex.Expr:
    """``a ∘ b ∘ ...``: nested products flattened, scalars and numbers pulled out as factors.

    Ones are dropped (``1 ∘ u = u``), and so is the whole product when a factor is zero.
    """
    scalars: list[ex.Expr] = []
    flat: list[ex.Expr] = []
    for factor in factors:
        for item in factor.factors if isinstance(factor, Hadamard) else (factor,):
            coefficient, rest = ex.coefficient_of(item)
            if coefficient != 1 and not rest.shape.is_scalar:  # (-y) ∘ u = -(y ∘ u)
                scalars.append(ex.Number(coefficient))
                item = rest
            (scalars if item.shape.is_scalar else flat).append(item)
    shape = flat[0].shape if flat else ex.SCALAR
    if any(isinstance(f, ex.Zero) for f in flat):
        return ex.Zero(shape)
    kept = [f for f in flat if not _is_ones(f)]
    if not kept and flat:
        kept = [flat[0]]
    core = kept[0] if len(kept) == 1 else Hadamard(tuple(kept)) if kept else ex.number(1)
    return ex.mul(*scalars, core)


def _is_ones(node: ex.Expr) -> bool:
    return node == ones(node.shape)


def hadamard_power(base: ex.Expr, exponent: Fraction | int) -> ex.Expr:
    """``base .^ exponent``: 1 gives ``base``, 0 ones, a power of a power merges."""
    exponent = Fraction(exponent)
    if exponent == 1:
        return base
    if exponent == 0:
        return ones_like(base)
    if isinstance(base, ex.Number):
        if exponent.denominator == 1 and (base.value != 0 or exponent > 0):
            return ex.Number(base.value ** int(exponent))
    if isinstance(base, HadamardPower):
        return hadamard_power(base.base, base.exponent * exponent)
    if base.shape.is_scalar and exponent.denominator == 1:
        return ex.Power(base, int(exponent))
    return HadamardPower(base, exponent)


# -- index form -----------------------------------------------------------------------------
# f(u)_ij = f(u_ij) is an entry of its own (its derivative reaches inside: calculus.elementwise);
# (a ∘ b)_ij = a_ij b_ij shares the indices; diag(x)_ij = x_i δ_ij; diag(X)_i = X_ii;
# sum(X) = Σ_ij X_ij; logsumexp and softmax are expanded by their definitions.


def _indices(row: Index | None, col: Index | None) -> tuple[Index, ...]:
    return tuple(i for i in (row, col) if i is not None)


@to_index.register(Apply, HadamardPower, Ones)
def _leaf(node: ex.Expr, row: Index | None, col: Index | None, names: IndexNames) -> list[Term]:
    if isinstance(node, Apply) and node.function == "log" and isinstance(node.arg, Softmax):
        # log softmax(u)_i = u_i - logsumexp(u): the definition, with the logarithm worked out
        u = node.arg.arg
        return to_index(ex.add(u, ex.neg(ex.mul(LogSumExp(u), ones(u.shape)))), row, col, names)
    return [Term(Fraction(1), (), (Entry(node, _indices(row, col)),))]


@to_index.register(Hadamard)
def _hadamard(node: Hadamard, row: Index | None, col: Index | None, names: IndexNames) -> (
    list[Term]
):
    return multiply(to_index(f, row, col, names) for f in node.factors)


@to_index.register(Diag)
def _diag(node: Diag, row: Index | None, col: Index | None, names: IndexNames) -> list[Term]:
    if node.to_matrix:
        assert row is not None and col is not None
        return multiply([to_index(node.arg, row, None, names),
                         [Term(Fraction(1), (), (Delta(row, col),))]])  # fmt: skip
    return to_index(node.arg, row, row, names)


@to_index.register(Sum)
def _sum(node: Sum, row: Index | None, col: Index | None, names: IndexNames) -> list[Term]:
    shape = node.arg.shape
    a = names.fresh(shape.rows) if shape.rows != 1 else None
    b = names.fresh(shape.cols) if shape.cols != 1 else None
    sums = _indices(a, b)
    return [Term(t.coeff, sums + t.sums, t.factors) for t in to_index(node.arg, a, b, names)]


@to_index.register(LogSumExp, Softmax)
def _composite(node: LogSumExp | Softmax, row: Index | None, col: Index | None,
               names: IndexNames) -> list[Term]:  # fmt: skip
    return to_index(node.body, row, col, names)


# -- canonical order (derive.ir.order): keys in the shape of the ASCII input language ------------


@order.sort_key.register
def _(node: Apply) -> str:
    return f"{node.function}({order.key(node.arg)})"


@order.sort_key.register
def _(node: Hadamard) -> str:
    return " .* ".join(f"({order.key(f)})" for f in node.factors)


@order.sort_key.register
def _(node: HadamardPower) -> str:
    return f"({order.key(node.base)}) .^ ({node.exponent})"


@order.sort_key.register
def _(node: Ones) -> str:
    return "ones"


@order.sort_key.register(Sum)
@order.sort_key.register(Diag)
@order.sort_key.register(LogSumExp)
@order.sort_key.register(Softmax)
def _(node: Sum | Diag | LogSumExp | Softmax) -> str:
    return f"{type(node).__name__.lower()}({order.key(node.arg)})"
