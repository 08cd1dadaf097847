"""Shape inference by unification: syntax tree + declarations -> typed expression.

Every dimension starts as a variable in a union-find structure; products, sums, traces and
inverses unify the dimensions they relate, and a conflict is a :class:`ShapeError` naming the
operation and both shapes. Undeclared lowercase Latin names are column vectors, uppercase names
matrices, Greek names scalars; their dimensions may never become 1, so ``x y`` is an error rather
than a silent scalar. Dimensions left unnamed get the names n, m, p, q, ... in order of first
appearance, the variable of differentiation first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from derive import expr as ex
from derive.declare import Declaration
from derive.errors import ShapeError
from derive.names import is_greek
from derive.syntax import Syntax

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

    def symbol(self, name: str) -> ex.Symbol:
        """The typed symbol node for ``name``."""
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


class _Inference:
    """Collects the constraints of one expression; raises at the first conflict."""

    def __init__(self, source: str, declarations: dict[str, Declaration]) -> None:
        self.source = source
        self.declarations = declarations
        self.dims = _Dims()
        self.one = self.dims.new(1)
        self.symbols: dict[str, _Pair] = {}
        self.order: list[str] = []
        self.identities: dict[int, int] = {}

    def symbol_pair(self, name: str) -> _Pair:
        if name in self.symbols:
            return self.symbols[name]
        decl = self.declarations.get(name)
        if decl is not None and decl.shape is not None:
            pair = (self.bound(decl.shape[0]), self.bound(decl.shape[1]))
        elif is_greek(name):
            pair = (self.one, self.one)
        elif name[0].islower():
            pair = (self.dims.new(nonunit=True), self.one)
        else:
            rows = self.dims.new(nonunit=True)
            cols = rows if decl is not None and decl.symmetric else self.dims.new(nonunit=True)
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
        handler = getattr(self, f"_infer_{node.op}")
        result: _Pair = handler(node)
        return result

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

    def _infer_add(self, node: Syntax) -> _Pair:
        left, right = (self.infer(a) for a in node.args)
        if self.dims.unify(left[0], right[0]) and self.dims.unify(left[1], right[1]):
            return left
        word = "add" if node.op == "add" else "subtract"
        a, b = (arg.describe(self.source) for arg in node.args)
        raise self.fail(
            node,
            f"cannot {word} {a} ({self.show(left)}) and {b} ({self.show(right)}):"
            " a sum needs operands of the same shape",
        )

    _infer_sub = _infer_add

    def _infer_mul(self, node: Syntax) -> _Pair:
        left, right = (self.infer(a) for a in node.args)
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

    def _infer_div(self, node: Syntax) -> _Pair:
        left, right = (self.infer(a) for a in node.args)
        if node.args[1].op == "num" and node.args[1].value == 0:
            raise self.fail(node, "division by zero")
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
        pair = self.infer(node.args[0])
        if not self.is_scalar(pair):
            arg = node.args[0].describe(self.source)
            raise self.fail(
                node, f"log needs a scalar, but {arg} is {self.show(pair)}; for log det write"
                " log(det(X))"
            )
        return pair

    def _infer_norm(self, node: Syntax) -> _Pair:
        self.infer(node.args[0])
        return (self.one, self.one)


def provisional_names(inference: _Inference, prefer: Sequence[str] = ()) -> dict[int, str]:
    """Names for the unbound dimension classes: n, m, p, ... in order of appearance."""
    taken = {str(v) for v in inference.dims.value if isinstance(v, str)}
    taken |= set(inference.order)
    pool = [d for d in _DIM_NAMES if d not in taken]
    pool += [f"n_{i}" for i in range(1, 1000)]
    names: dict[int, str] = {}
    ordered = [n for n in prefer if n in inference.symbols]
    ordered += [n for n in inference.order if n not in ordered]
    vars_in_order = [v for n in ordered for v in inference.symbols[n]]
    vars_in_order += list(inference.identities.values())
    for var in vars_in_order:
        root = inference.dims.find(var)
        if inference.dims.value[root] is None and root not in names:
            names[root] = pool[len(names)]
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
    """
    inference = _Inference(source, declarations)
    inference.infer(tree)
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
    return Problem(_Builder(symbols, identities).build(tree), symbols, source)


class _Builder:
    """Syntax tree -> typed expression, once every shape is known."""

    def __init__(self, symbols: dict[str, SymbolInfo], identities: dict[int, ex.Dim]) -> None:
        self.symbols = symbols
        self.identities = identities

    def build(self, node: Syntax) -> ex.Expr:
        args = [self.build(a) for a in node.args]
        op = node.op
        if op == "sym":
            if node.span.start in self.identities and node.name == "I":
                return ex.Identity(self.identities[node.span.start])
            return ex.Symbol(node.name, self.symbols[node.name].shape)
        if op == "num":
            assert node.value is not None
            return ex.Number(node.value)
        if op in ("add", "sub"):
            return ex.add(args[0], args[1] if op == "add" else ex.neg(args[1]))
        if op == "neg":
            return ex.neg(args[0])
        if op == "mul":
            return ex.mul(args[0], args[1])
        if op == "div":
            return ex.mul(args[0], _reciprocal(args[1]))
        if op == "transpose":
            return ex.transpose(args[0])
        if op in ("inv", "inverse_transpose"):
            inverse = _reciprocal(args[0])
            return ex.transpose(inverse) if op == "inverse_transpose" else inverse
        if op == "power":
            assert node.value is not None
            return power(args[0], int(node.value))
        unary: dict[str, type[ex.Unary]] = {
            "tr": ex.Trace, "det": ex.Det, "log": ex.Log, "norm": ex.Norm,
        }  # fmt: skip
        return unary[op](args[0])


def _reciprocal(node: ex.Expr) -> ex.Expr:
    if isinstance(node, ex.Number):
        return ex.Number(1 / node.value)
    if node.shape.is_scalar:
        return ex.Power(node, -1)
    return ex.Inverse(node)


def power(base: ex.Expr, exponent: int) -> ex.Expr:
    """``base^exponent``: numbers fold, ``M^-1`` is an inverse, ``M^-k`` a power of it."""
    if isinstance(base, ex.Number):
        return ex.Number(base.value**exponent)
    if exponent == 1:
        return base
    if base.shape.is_scalar:
        return ex.Power(base, exponent)
    if exponent == -1:
        return ex.Inverse(base)
    if exponent < 0:
        return ex.Power(ex.Inverse(base), -exponent)
    return ex.Power(base, exponent)
