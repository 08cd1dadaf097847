"""Shape inference by unification: syntax tree + declarations -> typed expression.

Every dimension starts as a variable in a union-find structure; products, sums, traces and
inverses unify the dimensions they relate, and a conflict is a :class:`ShapeError` naming the
operation and both shapes. Undeclared lowercase Latin names are column vectors, uppercase names
matrices, Greek names scalars; their dimensions may never become 1, so ``x y`` is an error rather
than a silent scalar. Dimensions left unnamed get the names n, m, p, q, ... in order of first
appearance, the variable of differentiation first.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from derive.errors import ShapeError, UnsupportedError
from derive.ir import expr as ex
from derive.language.build import Builder, power, reciprocal
from derive.language.constants import constant_value
from derive.language.declare import Declaration
from derive.language.names import canonical_name, is_greek
from derive.language.syntax import Syntax, left_spine

_DIM_NAMES = ("n", "m", "p", "q", "r", "s", "t", "u", "v", "w")
_Pair = tuple[int, int]


@dataclass(frozen=True, slots=True)
class SymbolInfo:
    """Everything known about one symbol after inference."""

    name: str
    shape: ex.Shape
    symmetric: bool = False
    invertible: bool = False
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Problem:
    """A parsed, shape-checked expression with its symbol table."""

    expr: ex.Expr
    symbols: dict[str, SymbolInfo]
    source: str
    warnings: tuple[str, ...] = ()

    def symbol(self, name: str) -> ex.Symbol:
        """The typed symbol node for ``name`` (any spelling: ``x1``, ``x_1``, ``x_{1}``)."""
        name = canonical_name(name.strip())
        return ex.Symbol(name, self.symbols[name].shape)


@dataclass
class _Dims:
    """Union-find over dimension variables; a class may be bound to an int or a name."""

    parent: list[int] = field(default_factory=list)
    value: list[ex.Dim | None] = field(default_factory=list)
    nonunit: list[bool] = field(default_factory=list)

    def new(self, value: ex.Dim | None = None, *, nonunit: bool = False) -> int:
        self.parent.append(len(self.parent))
        self.value.append(value)
        self.nonunit.append(nonunit)
        return len(self.parent) - 1

    def find(self, var: int) -> int:
        while self.parent[var] != var:
            self.parent[var] = self.parent[self.parent[var]]
            var = self.parent[var]
        return var

    def get(self, var: int) -> ex.Dim | None:
        return self.value[self.find(var)]

    def unify(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        va, vb = self.value[ra], self.value[rb]
        if va is not None and vb is not None and va != vb:
            return False
        merged = va if va is not None else vb
        nonunit = self.nonunit[ra] or self.nonunit[rb]
        if nonunit and merged == 1:
            return False
        self.parent[rb] = ra
        self.value[ra] = merged
        self.nonunit[ra] = nonunit
        return True


class _ForcedScalar(Exception):
    """A sum forces an undeclared lowercase name to be a scalar (``x' A x + c``): infer again."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class _Inference:
    """Collects the constraints of one expression; raises at the first conflict."""

    def __init__(
        self, source: str, declarations: dict[str, Declaration], scalars: frozenset[str]
    ) -> None:
        self.source = source
        self.declarations = declarations
        self.scalars = scalars
        self.dims = _Dims()
        self.one = self.dims.new(1)
        self.symbols: dict[str, _Pair] = {}
        self.order: list[str] = []
        self.identities: dict[int, int] = {}
        self.ones: dict[int, int] = {}

    def symbol_pair(self, name: str) -> _Pair:
        if name in self.symbols:
            return self.symbols[name]
        decl = self.declarations.get(name)
        if decl is not None and decl.shape is not None:
            pair = (self.bound(decl.shape[0]), self.bound(decl.shape[1]))
        elif is_greek(name) or name in self.scalars:
            pair = (self.one, self.one)
        elif name[0].islower() and (decl is None or not (decl.symmetric or decl.invertible)):
            pair = (self.dims.new(nonunit=True), self.one)
        else:
            rows = self.dims.new(nonunit=True)
            square = decl is not None and (decl.symmetric or decl.invertible)
            cols = rows if square else self.dims.new(nonunit=True)
            pair = (rows, cols)
        self.symbols[name] = pair
        self.order.append(name)
        return pair

    def bound(self, value: ex.Dim) -> int:
        return self.one if value == 1 else self.dims.new(value, nonunit=isinstance(value, str))

    def is_scalar(self, pair: _Pair) -> bool:
        return self.dims.get(pair[0]) == 1 and self.dims.get(pair[1]) == 1

    def show(self, pair: _Pair) -> str:
        return f"{self.dim_text(pair[0])} x {self.dim_text(pair[1])}"

    def dim_text(self, var: int) -> str:
        value = self.dims.get(var)
        if value is not None:
            return str(value)
        names = provisional_names(self)
        return names.get(self.dims.find(var), "?")

    def fail(self, node: Syntax, message: str) -> ShapeError:
        return ShapeError(message, node.span, self.source)

    def infer(self, node: Syntax) -> _Pair:
        if node.is_chain:
            return self.infer_chain(node)
        handler = getattr(self, f"_infer_{node.op}")
        result: _Pair = handler(node)
        return result

    def infer_chain(self, node: Syntax) -> _Pair:
        """A run of sums and products, left to right in a loop: ``a + b + ... + z`` of any length
        costs no recursion."""
        links = left_spine(node)
        pair = self.infer(links[0].args[0])
        for link in links:
            right = self.infer(link.args[1])
            combine = self._sum if link.op in ("add", "sub") else getattr(self, f"_{link.op}")
            pair = combine(link, pair, right)
        return pair

    def defaulted_vector(self, node: Syntax) -> bool:
        """An undeclared lowercase Latin name, a column vector only by default."""
        return (
            node.op == "sym"
            and node.name[:1].islower()
            and node.name not in self.declarations
            and node.name not in self.scalars
            and not is_greek(node.name)
        )

    def _infer_sym(self, node: Syntax) -> _Pair:
        if node.name == "I" and "I" not in self.declarations:
            size = self.dims.new(nonunit=True)
            self.identities[node.span.start] = size
            return (size, size)
        return self.symbol_pair(node.name)

    def _infer_num(self, node: Syntax) -> _Pair:
        return (self.one, self.one)

    def _infer_neg(self, node: Syntax) -> _Pair:
        return self.infer(node.args[0])

    def _sum(self, node: Syntax, left: _Pair, right: _Pair) -> _Pair:
        if self.dims.unify(left[0], right[0]) and self.dims.unify(left[1], right[1]):
            return left
        for operand, other in ((node.args[0], right), (node.args[1], left)):
            if self.is_scalar(other) and self.defaulted_vector(operand):
                raise _ForcedScalar(operand.name)
        for operand, pair, other in ((node.args[0], left, right), (node.args[1], right, left)):
            if operand.op == "num" and self.is_scalar(pair):
                return other  # 1 + exp(v): the number times the vector of ones, as notes write
        a, b = (arg.describe(self.source) for arg in node.args)
        first, second = f"{a} ({self.show(left)})", f"{b} ({self.show(right)})"
        what = f"add {first} and {second}" if node.op == "add" else \
            f"subtract {second} from {first}"
        raise self.fail(node, f"cannot {what}: a sum needs terms of the same shape")

    def _mul(self, node: Syntax, left: _Pair, right: _Pair) -> _Pair:
        if self.is_scalar(left):
            return right
        if self.is_scalar(right):
            return left
        if self.dims.unify(left[1], right[0]):
            return (left[0], right[1])
        a, b = (arg.describe(self.source) for arg in node.args)
        raise self.fail(
            node,
            f"cannot multiply {a} ({self.show(left)}) by {b} ({self.show(right)}):"
            f" inner dimensions {self.dim_text(left[1])} and {self.dim_text(right[0])} differ",
        )

    def _div(self, node: Syntax, left: _Pair, right: _Pair) -> _Pair:
        if not self.is_scalar(right):
            b = node.args[1].describe(self.source)
            raise self.fail(
                node, f"cannot divide by {b} ({self.show(right)}): the divisor must be a scalar"
            )
        return left

    def _infer_transpose(self, node: Syntax) -> _Pair:
        rows, cols = self.infer(node.args[0])
        return (cols, rows)

    def square(self, node: Syntax, what: str) -> _Pair:
        pair = self.infer(node.args[0])
        if self.is_scalar(pair) or self.dims.unify(pair[0], pair[1]):
            return pair
        arg = node.args[0].describe(self.source)
        raise self.fail(node, f"{what} needs a square matrix, but {arg} is {self.show(pair)}")

    def _infer_power(self, node: Syntax) -> _Pair:
        if node.value == 1:
            return self.infer(node.args[0])  # x^1 is x, whatever its shape
        if node.value is not None and node.value.denominator != 1:
            pair = self.infer(node.args[0])
            if self.is_scalar(pair):
                return pair
            arg = node.args[0].describe(self.source)
            raise self.fail(
                node, f"a power {node.value} needs a scalar, but {arg} is {self.show(pair)};"
                f" for the entrywise power write {arg} .^ ({node.value})"
            )
        return self.square(node, "a matrix power" if node.value != -1 else "the inverse")

    def _infer_inverse_transpose(self, node: Syntax) -> _Pair:
        return self.square(node, "the inverse")

    def _infer_inv(self, node: Syntax) -> _Pair:
        return self.square(node, "the inverse")

    def _infer_tr(self, node: Syntax) -> _Pair:
        self.square(node, "the trace")
        return (self.one, self.one)

    def _infer_det(self, node: Syntax) -> _Pair:
        self.square(node, "the determinant")
        return (self.one, self.one)

    def _infer_log(self, node: Syntax) -> _Pair:
        """The log of a scalar, or of a vector entry by entry (of a matrix it is ambiguous)."""
        pair = self.infer(node.args[0])
        if self.dims.get(pair[0]) != 1 and self.dims.get(pair[1]) != 1:
            arg = node.args[0].describe(self.source)
            raise self.fail(
                node, f"log needs a scalar or a vector, but {arg} is {self.show(pair)}; for log"
                " det write log(det(X))"
            )
        return pair

    def _infer_apply(self, node: Syntax) -> _Pair:
        return self.infer(node.args[0])

    def _infer_hpower(self, node: Syntax) -> _Pair:
        return self.infer(node.args[0])

    def _infer_hadamard(self, node: Syntax) -> _Pair:
        left, right = self.infer(node.args[0]), self.infer(node.args[1])
        if self.is_scalar(left):
            return right
        if self.is_scalar(right) or (
            self.dims.unify(left[0], right[0]) and self.dims.unify(left[1], right[1])
        ):
            return left
        a, b = (arg.describe(self.source) for arg in node.args)
        what = "multiply" if node.op == "hadamard" else "divide"
        raise self.fail(
            node,
            f"cannot {what} {a} ({self.show(left)}) and {b} ({self.show(right)}) entry by entry:"
            " the shapes must be equal (or one a scalar)",
        )

    _infer_hdiv = _infer_hadamard

    def _infer_ones(self, node: Syntax) -> _Pair:
        size = self.dims.new(nonunit=True)
        self.ones[node.span.start] = size
        return (size, self.one)

    def _infer_sum(self, node: Syntax) -> _Pair:
        self.infer(node.args[0])
        return (self.one, self.one)

    def _infer_diag(self, node: Syntax) -> _Pair:
        """``diag`` of a column vector is a square matrix; of a square matrix, a column."""
        pair = self.infer(node.args[0])
        if self.dims.get(pair[1]) == 1 and not self.is_scalar(pair):
            return (pair[0], pair[0])
        if self.dims.get(pair[0]) != 1 and self.dims.unify(pair[0], pair[1]):
            return (pair[0], self.one)
        arg = node.args[0].describe(self.source)
        raise self.fail(
            node, f"diag needs a column vector or a square matrix, but {arg} is {self.show(pair)}"
        )

    def vector(self, node: Syntax, what: str) -> _Pair:
        pair = self.infer(node.args[0])
        if self.dims.get(pair[1]) == 1 and not self.is_scalar(pair):
            return pair
        arg = node.args[0].describe(self.source)
        raise self.fail(node, f"{what} needs a column vector, but {arg} is {self.show(pair)}")

    def _infer_logsumexp(self, node: Syntax) -> _Pair:
        self.vector(node, "logsumexp")
        return (self.one, self.one)

    def _infer_softmax(self, node: Syntax) -> _Pair:
        return self.vector(node, "softmax")

    def _infer_norm1(self, node: Syntax) -> _Pair:
        self.vector(node, "the 1-norm")
        return (self.one, self.one)

    def _infer_norm2(self, node: Syntax) -> _Pair:
        pair = self.infer(node.args[0])
        if self.dims.get(pair[0]) != 1 and self.dims.get(pair[1]) != 1:
            arg = node.args[0].describe(self.source)
            raise UnsupportedError(
                f"the spectral norm of the matrix {arg} is not supported yet; for the Frobenius"
                f' norm write norm({arg}, "fro")',
                node.span,
                self.source,
            )
        return (self.one, self.one)

    def _infer_norm(self, node: Syntax) -> _Pair:
        self.infer(node.args[0])
        return (self.one, self.one)

    def _infer_abs(self, node: Syntax) -> _Pair:
        """``|x|``: the absolute value of a scalar, the Euclidean norm of a vector."""
        pair = self.infer(node.args[0])
        if self.dims.get(pair[0]) != 1 and self.dims.get(pair[1]) != 1:
            arg = node.args[0].describe(self.source)
            raise self.fail(
                node,
                f"|{arg}| is ambiguous for a matrix ({self.show(pair)}): write det({arg}) for the"
                f" determinant or norm({arg}) for the Frobenius norm",
            )
        return (self.one, self.one)


def provisional_names(inference: _Inference, prefer: Sequence[str] = ()) -> dict[int, str]:
    """Names for the unbound dimension classes: n, m, p, ... in order of appearance."""
    taken = {str(v) for v in inference.dims.value if isinstance(v, str)}
    taken |= set(inference.order)
    pool = itertools.chain(_DIM_NAMES, (f"n_{i}" for i in itertools.count(1)))
    fresh = (name for name in pool if name not in taken)
    names: dict[int, str] = {}
    ordered = [n for n in prefer if n in inference.symbols]
    ordered += [n for n in inference.order if n not in ordered]
    vars_in_order = [v for n in ordered for v in inference.symbols[n]]
    vars_in_order += list(inference.identities.values()) + list(inference.ones.values())
    for var in vars_in_order:
        root = inference.dims.find(var)
        if inference.dims.value[root] is None and root not in names:
            names[root] = next(fresh)
    return names


def infer(
    tree: Syntax,
    source: str,
    declarations: dict[str, Declaration],
    *,
    extra: Iterable[str] = (),
    prefer: Sequence[str] = (),
) -> Problem:
    """Infer every shape in ``tree`` and build the typed expression.

    Args:
        tree: The parsed syntax tree.
        source: The text it was parsed from (for error excerpts).
        declarations: The user's declarations by symbol name.
        extra: Names that must be in the symbol table though they may not appear (the variable).
        prefer: Names whose dimensions are named first (the variable of differentiation: ``n``).

    Returns:
        The typed problem.

    Raises:
        ShapeError: Two shapes do not fit; the message names the operation and both shapes.
        ParseError: A division by zero, or the log of a number that is not positive.
        LimitError: A number grows too large.
    """
    scalars = forced_scalars(tree)
    while True:  # terminates: each pass adds a new name from the finite set of symbols
        inference = _Inference(source, declarations, scalars)
        try:
            inference.infer(tree)
            break
        except _ForcedScalar as forced:
            scalars = scalars | {forced.name}
    for name in [*extra, *(d for decl in declarations.values() for d in decl.depends_on)]:
        inference.symbol_pair(name)
    names = provisional_names(inference, prefer)

    def dim(var: int) -> ex.Dim:
        root = inference.dims.find(var)
        value = inference.dims.value[root]
        return value if value is not None else names[root]

    symbols: dict[str, SymbolInfo] = {}
    for name in inference.order:
        rows, cols = inference.symbols[name]
        decl = declarations.get(name, Declaration(name))
        symbols[name] = SymbolInfo(
            name, ex.Shape(dim(rows), dim(cols)), decl.symmetric, decl.invertible, decl.depends_on
        )
    identities = {start: dim(var) for start, var in inference.identities.items()}
    ones = {start: dim(var) for start, var in inference.ones.items()}
    builder = Builder({n: i.shape for n, i in symbols.items()}, identities, source, ones)
    return Problem(builder.build(tree), symbols, source)


def forced_scalars(tree: Syntax) -> frozenset[str]:
    """Lowercase names the expression forces to be scalars: ``log(s)``, ``x / s``, ``s^2``.

    Undeclared lowercase names are vectors, but a vector can be neither the argument of a log,
    nor a divisor, nor raised to a power or inverted, so there the name can only mean a scalar
    (a declaration still wins). The printers write scalars in these same places, so what they
    print reads back with the same shapes.
    """
    found: set[str] = set()
    stack = [tree]
    while stack:  # a loop, not recursion: a sum of a thousand terms is a deep left spine
        node = stack.pop()
        stack.extend(node.args)
        if node.op in ("log", "inv") or (node.op == "power" and node.value != 1):
            operand: Syntax | None = node.args[0]
        else:
            operand = node.args[1] if node.op == "div" else None
        while operand is not None and operand.op == "power":
            operand = operand.args[0]  # 1 / s^2
        if operand is not None and operand.op == "sym" and operand.name[0].islower():
            found.add(operand.name)
    return frozenset(found)


__all__ = ["Problem", "SymbolInfo", "constant_value", "infer", "power", "reciprocal"]
