"""The generated module's data: its arguments, the assignments, the value and the derivatives.

:func:`code_module` prints a derivation's function and results with the code printer and
collects what the module template (``templates/code/``) needs.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from derive.check.domain import positive_symbols
from derive.documents.codegen.printer import LIBRARIES, Context, Library, is_vector
from derive.documents.codegen.tensor import bases, tensor_code
from derive.documents.printer import ascii_str
from derive.errors import UnsupportedError
from derive.ir import expr as ex

if TYPE_CHECKING:
    from derive.calculus.proof import Derivation, Result

__all__ = ["Argument", "Module", "Output", "code_module"]

_RESERVED = frozenset({"np", "torch", "sys", "dims", "value", "grad", "hessian", "f_and_grad",
                       "check_gradient", "random_arguments", "abs", "float"})  # fmt: skip


@dataclass(frozen=True, slots=True)
class Argument:
    """One argument of ``f_and_grad``.

    Attributes:
        name: Its Python name.
        symbol: The symbol's name in the expression.
        dims: The array's shape as dimension names (or sizes): ``()``, ``("n",)``, ``("m", "n")``.
        kind: How test values are drawn: ``scalar`` (positive), ``positive`` (a vector or
            matrix that a log or square root takes entry by entry), ``vector``, ``matrix``,
            ``square`` (near a multiple of I, so invertible with a positive determinant) or
            ``symmetric`` (the same, symmetric).
    """

    name: str
    symbol: str
    dims: tuple[str | int, ...]
    kind: str

    @property
    def spelled(self) -> str:
        """The shape as Python spells a tuple: ``(n,)``, ``(m, n)``, ``()``."""
        inner = ", ".join(str(d) for d in self.dims)
        return f"({inner},)" if len(self.dims) == 1 else f"({inner})"

    @property
    def literal(self) -> str:
        """The shape as a Python literal of names and sizes: ``("m", "n")``, ``("n",)``."""
        inner = ", ".join(str(d) if isinstance(d, int) else f'"{d}"' for d in self.dims)
        return f"({inner},)" if len(self.dims) == 1 else f"({inner})"

    def draw(self, library: str) -> str:
        """Code that draws a random test value (``rng`` and ``sizes`` in scope)."""
        sized = [str(d) if isinstance(d, int) else f'sizes["{d}"]' for d in self.dims]
        shape = f"({sized[0]},)" if len(sized) == 1 else f"({', '.join(sized)})"
        if self.kind == "scalar":
            return "rng.uniform(0.5, 1.5)" if library == "numpy" else "_uniform(rng, 0.5, 1.5)"
        if self.kind == "positive":
            return (f"rng.uniform(0.5, 1.5, {shape})" if library == "numpy"
                    else f"_uniform(rng, 0.5, 1.5, {shape})")  # fmt: skip
        if self.kind in ("square", "symmetric"):
            return f"_near_identity(rng, {sized[0]}, symmetric={self.kind == 'symmetric'})"
        return f"_normal(rng, {shape})"


@dataclass(frozen=True, slots=True)
class Output:
    """One derivative ``f_and_grad`` returns.

    Attributes:
        name: Its local name (``grad``, ``hessian``).
        code: The expression that computes it.
        formula: The proven result in the input language (``2 A x``).
        dims: Its shape as dimension names.
        transposed: Its layout is the transpose of (function axes, variable axes).
        of: The position in the returned tuple of what it is the derivative of (0: the
            value; a Hessian: its gradient's position).
        by: The position of its variable among the arguments.
        tensor: A tensor (``einsum``): its axes are the function's, then the variable's.
    """

    name: str
    code: str
    formula: str
    dims: tuple[str | int, ...]
    transposed: bool
    of: int
    by: int
    tensor: bool = False

    @property
    def spelled(self) -> str:
        """The shape as Python spells a tuple."""
        inner = ", ".join(str(d) for d in self.dims)
        return f"({inner},)" if len(self.dims) == 1 else f"({inner})"


@dataclass(frozen=True, slots=True)
class Module:
    """Everything the module template writes: the function, its arguments and its outputs."""

    library: Library
    expression: str
    function: str
    wrt: str
    layout: str
    arguments: tuple[Argument, ...]
    lines: tuple[str, ...]
    value: str
    value_dims: tuple[str | int, ...]
    outputs: tuple[Output, ...]
    verified: str
    variables: int = 1

    @property
    def hessian(self) -> bool:
        """Some output is a Hessian."""
        return any(o.of for o in self.outputs)

    @property
    def sizes(self) -> dict[str, int]:
        """Test sizes, a different one per dimension name: 3, 4, 5, ..."""
        names = [d for a in self.arguments for d in a.dims if isinstance(d, str)]
        return {name: 3 + i for i, name in enumerate(dict.fromkeys(names))}

    @property
    def dims_read(self) -> dict[str, str]:
        """Code reading each dimension the printed code needs (``dims["n"]``) off the first
        argument that has it, ``{"n": "x.shape[0]"}``; empty when no code needs a size."""
        code = "\n".join((*self.lines, self.value, *(o.code for o in self.outputs)))
        read: dict[str, str] = {}
        for argument in self.arguments:
            for axis, dim in enumerate(argument.dims):
                if isinstance(dim, str) and f'dims["{dim}"]' in code:
                    read.setdefault(dim, f"{argument.name}.shape[{axis}]")
        return read


def _dims(shape: ex.Shape) -> tuple[str | int, ...]:
    """A shape in the module's convention: vectors 1-D, scalars 0-D."""
    if shape.is_scalar:
        return ()
    if shape.is_column:
        return (shape.rows,)
    if shape.is_row:
        return (shape.cols,)
    return (shape.rows, shape.cols)


def _python_name(name: str, taken: set[str]) -> str:
    text = re.sub(r"\W", "_", name.replace("{", "").replace("}", "")) or "v"
    if text[0].isdigit() or keyword.iskeyword(text) or text in _RESERVED or text in taken:
        text += "_"
    while text in taken:
        text += "_"
    return text


def _kind(derivation: Derivation, symbol: ex.Symbol) -> str:
    shape = symbol.shape
    if shape.is_scalar:
        return "scalar"
    if symbol.name in positive_symbols(derivation.function.body):
        return "positive"
    if is_vector(symbol):
        return "vector"
    if not shape.is_square:
        return "matrix"
    info = derivation.symbols.get(symbol.name)
    return "symmetric" if info is not None and info.symmetric else "square"


def _repeated(roots: list[ex.Expr]) -> set[ex.Expr]:
    """The subexpressions worth a local variable: products, sums and calls met twice or more.

    A node is counted once per place it is used in code: the children of a repeated node are
    not counted again, since the node is computed once. Inverses are left inline, so that
    each becomes a solve where it multiplies something.
    """
    seen: set[ex.Expr] = set()
    shared: set[ex.Expr] = set()
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        coefficient, rest = ex.coefficient_of(node)
        if coefficient != 1 and rest is not node:  # -A x prints as -(A x): count A x
            stack.append(rest)
            continue
        if not node.children or isinstance(node, ex.Inverse | ex.Defined):
            stack.extend(reversed(node.children))
            continue
        if isinstance(node, ex.Transpose) and not node.arg.children:
            continue
        if node in seen:
            shared.add(node)
            continue
        seen.add(node)
        stack.extend(reversed(node.children))
    # a transposed vector prints as the vector itself: share the vector instead
    return {n.arg if isinstance(n, ex.Transpose) and is_vector(n) else n for n in shared}


def _transposes(of: ex.Shape, wrt: ex.Shape, layout: str, order: int) -> bool:
    """Whether the result, laid out in ``layout``, is (variable axes, function axes)."""
    if order == 2 or len(_dims(of)) + len(_dims(wrt)) != 2:
        return False
    if of.is_scalar:
        return layout == "numerator"
    return layout == "denominator"


def code_module(derivations: Derivation | Sequence[Derivation], library: str = "numpy") -> Module:
    """The code of a derivation's value and derivatives, for the module template.

    Args:
        derivations: A proven derivation, or the derivations of one expression by several
            variables (``prove(expr, wrt=[...])``): one function then returns the value and
            the derivative by each variable, in the order given.
        library: ``numpy`` or ``torch``.

    Returns:
        The module's data: arguments (the variables, then the constants in order of
        appearance), the assignments of shared subexpressions, the value and the derivatives.

    Raises:
        UnsupportedError: The result is a derivative by a structured (symmetric) matrix, or
            holds a derivative left symbolic (the Jacobian of a symbol declared to depend on
            the variable).
        ValueError: No derivation, or derivations of different expressions.
    """
    group = (derivations,) if not isinstance(derivations, Sequence) else tuple(derivations)
    if not group or any(d.function.body != group[0].function.body for d in group):
        raise ValueError("code_module takes derivations of one expression")
    for d in group:
        for r in d.results:
            if isinstance(r.lhs, ex.Derivative) and r.lhs.structure:
                raise UnsupportedError(
                    f"cannot write code for d{d.function.name}/d{d.wrt.name} by a"
                    f" {r.lhs.structure} matrix yet: the module's own check perturbs one entry"
                    " at a time")  # fmt: skip
    first = group[0]
    body = first.function.body
    variables = list(dict.fromkeys(d.wrt for d in group))
    symbols = variables + [s for s in ex.symbols_of(body) if s not in variables]
    taken: set[str] = set()
    names: dict[str, str] = {}
    for symbol in symbols:
        names[symbol.name] = _python_name(symbol.name, taken)
        taken.add(names[symbol.name])
    results = [(d, _ordered(d)) for d in group]
    roots = [b for _, rs in results for r in rs for b in (
        [r.rhs] if isinstance(r.rhs, ex.Expr) else bases(r.rhs))]  # fmt: skip
    context = Context(LIBRARIES[library], names, _repeated([body, *roots]), set(taken) | _RESERVED)
    value = context.code(body)[0]
    outputs: list[Output] = []
    for d, ordered in results:
        suffix = "" if len(group) == 1 else "_" + names[d.wrt.name]
        by = variables.index(d.wrt)
        of = 0
        for order, result in enumerate(ordered, start=1):
            name = ("grad" if order == 1 else "hessian") + suffix
            while name in taken:  # a symbol named grad_x
                name += "_"
            taken.add(name)
            outputs.append(_output(order, result, d, context, name, by, of))
            of = len(outputs)  # the next order is the derivative of this one
    arguments = tuple(Argument(names[s.name], s.name, _dims(s.shape), _kind(first, s))
                      for s in symbols)  # fmt: skip
    return Module(
        LIBRARIES[library], ascii_str(body), first.function.name,
        ", ".join(v.name for v in variables), str(first.layout), arguments,
        tuple(context.lines), value, _dims(body.shape), tuple(outputs), _verified(group),
        len(variables),
    )  # fmt: skip


def _ordered(derivation: Derivation) -> list[Result]:
    """The derivation's results, the gradient first, then the Hessian."""
    by_order = {(r.lhs.order if isinstance(r.lhs, ex.Derivative) else 1): r
                for r in derivation.results}  # fmt: skip
    return [by_order[order] for order in sorted(by_order)]


def _output(order: int, result: Result, derivation: Derivation, context: Context, name: str,
            by: int, of: int) -> Output:
    """The derivative of one order: a matrix expression, or a tensor (``einsum``, its axes
    the function's, then the variable's)."""
    rhs = result.rhs
    if isinstance(rhs, ex.Expr):
        transposed = _transposes(derivation.function.body.shape, derivation.wrt.shape,
                                 derivation.layout, order)  # fmt: skip
        return Output(name, context.code(rhs)[0], ascii_str(rhs), _dims(rhs.shape), transposed,
                      of, by)  # fmt: skip
    formula = f"{ascii_str(result.lhs)} = {ascii_str(rhs)}"
    return Output(name, tensor_code(rhs, context), formula, tuple(i.dim for i in rhs.free),
                  False, of, by, tensor=True)  # fmt: skip


def _verified(derivations: Sequence[Derivation]) -> str:
    checks = [d.verification for d in derivations]
    if any(check is None for check in checks):
        return "derive generated this code from its proof; the proof was NOT verified"
    error = max(check.numeric_error for check in checks if check is not None)
    sizes = ", ".join(f"{k} = {v}" for k, v in (checks[0].sizes if checks[0] else {}).items())
    exact = "exactly and " if all(check is not None and check.exact for check in checks) else ""
    return (f"derive generated this code from a proof it verified {exact}numerically"
            f" (relative error {error:.1e}{' at ' + sizes if sizes else ''})")
