"""The code printer: a matrix expression as NumPy or PyTorch code, one entry per node type.

``print_code(node, context)`` returns the code and its precedence; the context names the
symbols, holds the subexpressions computed once (``Ax = A @ x``) and collects their assignments.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from derive.errors import UnsupportedError
from derive.ir import elementwise as el
from derive.ir import expr as ex
from derive.ir.dispatch import Operation

__all__ = ["LIBRARIES", "NUMPY", "TORCH", "Context", "Library", "dim_code", "print_code"]


@dataclass(frozen=True, slots=True)
class Library:
    """The array library the code is written for: its module name and the functions used."""

    name: str
    module: str
    inv: str
    solve: str
    trace: str
    det: str
    slogdet: str
    log: str
    norm: str
    outer: str
    eye: str
    zeros: str
    matrix_power: str


NUMPY = Library("numpy", "np", "np.linalg.inv", "np.linalg.solve", "np.trace", "np.linalg.det",
                "np.linalg.slogdet", "np.log", "np.linalg.norm", "np.outer", "np.eye",
                "np.zeros", "np.linalg.matrix_power")  # fmt: skip
TORCH = Library("torch", "torch", "torch.linalg.inv", "torch.linalg.solve", "torch.trace",
                "torch.linalg.det", "torch.linalg.slogdet", "torch.log", "torch.linalg.norm",
                "torch.outer", "torch.eye", "torch.zeros",
                "torch.linalg.matrix_power")  # fmt: skip
LIBRARIES = {library.name: library for library in (NUMPY, TORCH)}
"""The libraries by format name: ``numpy``, ``torch``."""

# Python precedence, loosest first: a sum, a product (``*`` and ``@`` alike, left to right),
# a unary minus, a power, an atom (a name, a call, an attribute).
_ADD, _MUL, _UNARY, _POWER, _ATOM = 10, 20, 30, 40, 50

Code = tuple[str, int]  # the text and its precedence


@dataclass
class Context:
    """What printing one module needs: names, the shared subexpressions, the lines so far."""

    library: Library
    names: dict[str, str]
    shared: set[ex.Expr]
    taken: set[str]
    lines: list[str] = field(default_factory=list)
    done: dict[ex.Expr, str] = field(default_factory=dict)

    def code(self, node: ex.Expr) -> Code:
        """``node`` as code; a shared subexpression becomes a local variable, assigned once."""
        if node in self.done:
            return self.done[node], _ATOM
        text = print_code(node, self)
        if node not in self.shared:
            return text
        name = self.fresh(node)
        self.lines.append(f"{name} = {text[0]}")
        self.done[node] = name
        return name, _ATOM

    def paren(self, node: ex.Expr, level: int) -> str:
        """``node``'s code, in parentheses when it binds looser than ``level``."""
        return _paren(self.code(node), level)

    def fresh(self, node: ex.Expr) -> str:
        """A local name for ``node``: ``Ax`` for ``A x``, else ``t1``, ``t2``, ..."""
        name = _spelled(node, self.names)
        if name is None or name in self.taken or len(name) > 8:
            count = 1
            while f"t{count}" in self.taken:
                count += 1
            name = f"t{count}"
        self.taken.add(name)
        return name


def _paren(code: Code, level: int) -> str:
    return code[0] if code[1] >= level else f"({code[0]})"


def _spelled(node: ex.Expr, names: dict[str, str]) -> str | None:
    if isinstance(node, ex.Symbol):
        return names[node.name]
    if isinstance(node, ex.Transpose) and isinstance(node.arg, ex.Symbol):
        return names[node.arg.name] + ("T" if not is_vector(node.arg) else "")
    if isinstance(node, ex.MatMul):
        parts = [_spelled(f, names) for f in node.factors]
        return None if None in parts else "".join(p for p in parts if p)
    return None


def is_vector(node: ex.Expr) -> bool:
    """A row or a column (a 1-D array in the code)."""
    return node.shape.is_column or node.shape.is_row


def dim_code(dim: ex.Dim) -> str:
    return str(dim) if isinstance(dim, int) else f'dims["{dim}"]'


print_code: Operation[Code] = Operation("derive.documents.codegen.print_code")
"""A node as array code: ``print_code(node, context)`` -> (text, precedence)."""


@print_code.register(ex.Symbol)
def _symbol(node: ex.Symbol, c: Context) -> Code:
    return c.names[node.name], _ATOM


@print_code.register(ex.Number)
def _number(node: ex.Number, c: Context) -> Code:
    value = node.value
    if value.denominator == 1:
        return str(value.numerator), (_ATOM if value >= 0 else _UNARY)
    return f"{value.numerator} / {value.denominator}", _MUL


@print_code.register(ex.Size)
def _size(node: ex.Size, c: Context) -> Code:
    return dim_code(node.dim), _ATOM


@print_code.register(ex.Identity)
def _identity(node: ex.Identity, c: Context) -> Code:
    extra = ", dtype=torch.float64" if c.library is TORCH else ""
    return f"{c.library.eye}({dim_code(node.size)}{extra})", _ATOM


@print_code.register(ex.Zero)
def _zero(node: ex.Zero, c: Context) -> Code:
    shape = node.shape
    if shape.is_scalar:
        return "0.0", _ATOM
    extra = ", dtype=torch.float64" if c.library is TORCH else ""
    if is_vector(node):
        size = dim_code(shape.rows if shape.is_column else shape.cols)
        return f"{c.library.zeros}({size}{extra})", _ATOM
    return f"{c.library.zeros}(({dim_code(shape.rows)}, {dim_code(shape.cols)}){extra})", _ATOM


@print_code.register(ex.Add)
def _add(node: ex.Add, c: Context) -> Code:
    text = ""
    for term in node.terms:
        coefficient, rest = ex.coefficient_of(term)
        if text and coefficient < 0:
            text += " - " + _paren(c.code(ex.mul(ex.number(-coefficient), rest)), _ADD + 1)
        else:
            text += (" + " if text else "") + _paren(c.code(term), _ADD + 1)
    return text, _ADD


@print_code.register(ex.MatMul)
def _matmul(node: ex.MatMul, c: Context) -> Code:
    coefficient, rest = ex.coefficient_of(node)
    if coefficient != 1:
        body = c.code(rest)
        if coefficient == -1:
            return "-" + _paren(body, _MUL), _MUL
        return f"{_paren(c.code(ex.number(coefficient)), _MUL)} * {_paren(body, _MUL + 1)}", _MUL
    scalars = [f for f in node.factors if f.shape.is_scalar]
    chain = _chain([f for f in node.factors if not f.shape.is_scalar], c)
    parts = [_paren(c.code(s), _MUL + 1) for s in scalars]
    if chain is not None and not parts:
        return chain[0]  # np.outer(a, b), a solve: a call keeps its own precedence
    if chain is not None:
        parts.append(_paren(chain[0], _MUL + 1) if parts else _paren(chain[0], _MUL))
    return " * ".join(parts), _MUL


Item = tuple[Code, ex.Shape]


def _chain(factors: list[ex.Expr], c: Context) -> Item | None:
    """Non-scalar factors multiplied left to right, an inverse times a factor as a solve."""
    items: list[Item] = []
    i = 0
    while i < len(factors):
        factor = factors[i]
        after = factors[i + 1] if i + 1 < len(factors) else None
        inverse = _inverted(factor)
        if inverse is not None and after is not None:
            matrix, transposed = inverse
            system = c.paren(matrix, _ATOM) + (".T" if transposed else "")
            shape = ex.Shape(factor.shape.rows, after.shape.cols)
            items.append(((f"{c.library.solve}({system}, {c.code(after)[0]})", _ATOM), shape))
            i += 2
            continue
        if after is not None and factor.shape.is_row and _inverted(after) is not None:
            matrix, transposed = _inverted(after) or (after, False)
            system = c.paren(matrix, _ATOM) + ("" if transposed else ".T")
            shape = ex.Shape(1, after.shape.cols)
            items.append(((f"{c.library.solve}({system}, {c.code(factor)[0]})", _ATOM), shape))
            i += 2
            continue
        items.append((c.code(factor), factor.shape))
        i += 1
    if not items:
        return None
    acc = items[0]
    for item in items[1:]:
        acc = _times(acc, item, c)
    return acc


def _inverted(node: ex.Expr) -> tuple[ex.Expr, bool] | None:
    """``(M, False)`` for ``M^{-1}``, ``(M, True)`` for ``M^{-T}``; None otherwise."""
    if isinstance(node, ex.Inverse) and not node.shape.is_scalar:
        return node.arg, False
    if isinstance(node, ex.Transpose) and isinstance(node.arg, ex.Inverse):
        if not node.shape.is_scalar:
            return node.arg.arg, True
    return None


def _times(left: Item, right: Item, c: Context) -> Item:
    (code_l, shape_l), (code_r, shape_r) = left, right
    shape = ex.product_shape((shape_l, shape_r))
    if shape_l.is_scalar or shape_r.is_scalar:
        return (f"{_paren(code_l, _MUL)} * {_paren(code_r, _MUL + 1)}", _MUL), shape
    if shape_l.is_column and shape_r.is_row:  # both are 1-D: the outer product
        return (f"{c.library.outer}({code_l[0]}, {code_r[0]})", _ATOM), shape
    return (f"{_paren(code_l, _MUL)} @ {_paren(code_r, _MUL + 1)}", _MUL), shape


@print_code.register(ex.Transpose)
def _transpose(node: ex.Transpose, c: Context) -> Code:
    if node.arg.shape.is_scalar or is_vector(node.arg):  # a 1-D array is its own transpose
        return c.code(node.arg)
    return c.paren(node.arg, _ATOM) + ".T", _ATOM


@print_code.register(ex.Inverse)
def _inverse(node: ex.Inverse, c: Context) -> Code:
    if node.shape.is_scalar:
        return f"1 / {c.paren(node.arg, _MUL + 1)}", _MUL
    return f"{c.library.inv}({c.code(node.arg)[0]})", _ATOM


@print_code.register(ex.Power)
def _power(node: ex.Power, c: Context) -> Code:
    if node.shape.is_scalar:
        return f"{c.paren(node.base, _ATOM)} ** {node.exponent}", _POWER
    return f"{c.library.matrix_power}({c.code(node.base)[0]}, {node.exponent})", _ATOM


def _call(function: str, arg: ex.Expr, c: Context) -> Code:
    return f"{function}({c.code(arg)[0]})", _ATOM


@print_code.register(ex.Trace)
def _trace(node: ex.Trace, c: Context) -> Code:
    return c.code(node.arg) if node.arg.shape.is_scalar else _call(c.library.trace, node.arg, c)


@print_code.register(ex.Det)
def _det(node: ex.Det, c: Context) -> Code:
    return c.code(node.arg) if node.arg.shape.is_scalar else _call(c.library.det, node.arg, c)


@print_code.register(ex.Log)
def _log(node: ex.Log, c: Context) -> Code:
    if isinstance(node.arg, ex.Det) and not node.arg.arg.shape.is_scalar:
        # log |det M| without forming det M (which overflows or underflows for large M);
        # d log|det M| = tr(M^-1 dM), the same derivative as log det M
        return f"{_call(c.library.slogdet, node.arg.arg, c)[0]}[1]", _ATOM
    return _call(c.library.log, node.arg, c)


@print_code.register(ex.Norm)
def _norm(node: ex.Norm, c: Context) -> Code:
    if node.arg.shape.is_scalar:
        return _call("abs", node.arg, c)
    return _call(c.library.norm, node.arg, c)  # vectors: 2-norm; matrices: Frobenius


@print_code.register(ex.Defined)
def _defined(node: ex.Defined, c: Context) -> Code:
    return c.code(node.body)


@print_code.register(ex.Jacobian, ex.Derivative)
def _refused(node: ex.Expr, c: Context) -> Code:
    raise UnsupportedError(
        "cannot write code for a derivative that stays symbolic (a symbol declared to depend"
        " on another): its Jacobian has no value to compute"
    )




# -- machine-learning nodes: elementwise functions as ufuncs ---------------------------------

# A function of the table derive.ir.functions, as NumPy and as PyTorch code of its argument.
_UFUNCS: dict[str, tuple[str, str]] = {
    "exp": ("np.exp({})", "torch.exp({})"),
    "log": ("np.log({})", "torch.log({})"),
    "sin": ("np.sin({})", "torch.sin({})"),
    "cos": ("np.cos({})", "torch.cos({})"),
    "tan": ("np.tan({})", "torch.tan({})"),
    "tanh": ("np.tanh({})", "torch.tanh({})"),
    "sigma": ("1 / (1 + np.exp(-({})))", "torch.sigmoid({})"),
    "softplus": ("np.logaddexp(0, {})", "torch.nn.functional.softplus({})"),
    "sqrt": ("np.sqrt({})", "torch.sqrt({})"),
    "abs": ("np.abs({})", "torch.abs({})"),
    "sign": ("np.sign({})", "torch.sign({})"),
    "relu": ("np.maximum({}, 0)", "torch.relu({})"),
    "step": ("np.heaviside({}, 0.5)",
             "torch.heaviside({}, torch.tensor(0.5, dtype=torch.float64))"),
}


def _library_call(numpy: str, torch: str, arg: ex.Expr, c: Context) -> Code:
    template = numpy if c.library is NUMPY else torch
    precedence = _MUL if template.startswith("1 /") else _ATOM
    if "-({})" not in template:
        return template.format(c.code(arg)[0]), precedence
    coefficient, rest = ex.coefficient_of(arg)
    if coefficient == -1 and arg not in c.done:  # sigma(-u): np.exp(u), not np.exp(-(-u))
        return template.replace("-({})", "{}").format(c.code(rest)[0]), precedence
    code = c.code(arg)
    negated = f"-{code[0]}" if code[1] >= _POWER else f"-({code[0]})"
    return template.replace("-({})", "{}").format(negated), precedence


@print_code.register(el.Apply)
def _apply(node: el.Apply, c: Context) -> Code:
    if node.function not in _UFUNCS:
        raise UnsupportedError(f"cannot write code for the function {node.function!r} yet")
    return _library_call(*_UFUNCS[node.function], node.arg, c)


@print_code.register(el.Hadamard)
def _hadamard(node: el.Hadamard, c: Context) -> Code:
    return " * ".join(c.paren(f, _MUL + 1) for f in node.factors), _MUL


@print_code.register(el.HadamardPower)
def _hadamard_power(node: el.HadamardPower, c: Context) -> Code:
    exponent = node.exponent
    spelled = (str(exponent.numerator) if exponent.denominator == 1
               else f"({exponent.numerator} / {exponent.denominator})")  # fmt: skip
    return f"{c.paren(node.base, _ATOM)} ** {spelled}", _POWER


@print_code.register(el.Ones)
def _ones(node: el.Ones, c: Context) -> Code:
    shape = node.shape
    extra = ", dtype=torch.float64" if c.library is TORCH else ""
    if is_vector(node):
        size = dim_code(shape.rows if shape.is_column else shape.cols)
        return f"{c.library.module}.ones({size}{extra})", _ATOM
    rows, cols = dim_code(shape.rows), dim_code(shape.cols)
    return f"{c.library.module}.ones(({rows}, {cols}){extra})", _ATOM


@print_code.register(el.Sum)
def _sum(node: el.Sum, c: Context) -> Code:
    if node.arg.shape.is_scalar:
        return c.code(node.arg)
    return _library_call("np.sum({})", "torch.sum({})", node.arg, c)


@print_code.register(el.Diag)
def _diag(node: el.Diag, c: Context) -> Code:
    return _library_call("np.diag({})", "torch.diag({})", node.arg, c)


@print_code.register(el.LogSumExp)
def _logsumexp(node: el.LogSumExp, c: Context) -> Code:
    # a reduction of logaddexp: no overflow for large entries, unlike log(sum(exp(u)))
    return _library_call("np.logaddexp.reduce({})", "torch.logsumexp({}, 0)", node.arg, c)


@print_code.register(el.Softmax)
def _softmax(node: el.Softmax, c: Context) -> Code:
    if c.library is TORCH:
        return _library_call("", "torch.softmax({}, 0)", node.arg, c)
    if node.arg.children:  # the argument is used twice: computed once
        c.shared.add(node.arg)
    arg = c.code(node.arg)[0]
    return f"np.exp({arg} - np.logaddexp.reduce({arg}))", _ATOM
