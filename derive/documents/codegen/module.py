"""The generated module's data: its arguments, the assignments, the value and the derivatives.

:func:`code_module` prints a derivation's function and results with the code printer and
collects what the module template (``templates/code/``) needs.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from derive.check.domain import positive_symbols
from derive.documents.codegen.printer import LIBRARIES, Context, Library, is_vector
from derive.documents.printer import ascii_str
from derive.errors import UnsupportedError
from derive.ir import expr as ex

if TYPE_CHECKING:
    from derive.calculus.proof import Derivation

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
        of: ``value`` (a gradient) or ``grad`` (the Hessian): what it is the derivative of.
    """

    name: str
    code: str
    formula: str
    dims: tuple[str | int, ...]
    transposed: bool
    of: str

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

    @property
    def variable(self) -> Argument:
        """The argument the derivative is taken by (the first)."""
        return self.arguments[0]

    @property
    def sizes(self) -> dict[str, int]:
        """Test sizes, a different one per dimension name: 3, 4, 5, ..."""
        names = [d for a in self.arguments for d in a.dims if isinstance(d, str)]
        return {name: 3 + i for i, name in enumerate(dict.fromkeys(names))}


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


def code_module(derivation: Derivation, library: str = "numpy") -> Module:
    """The code of a derivation's value and derivatives, for the module template.

    Args:
        derivation: A proven derivation.
        library: ``numpy`` or ``torch``.

    Returns:
        The module's data: arguments (the variable, then the constants in order of
        appearance), the assignments of shared subexpressions, the value and the derivatives.

    Raises:
        UnsupportedError: The result has no matrix form (a tensor in index notation), is a
            derivative by a structured (symmetric) matrix, or contains a derivative that stays
            symbolic.
    """
    body = derivation.function.body
    wrt = derivation.wrt
    by_order = {(r.lhs.order if isinstance(r.lhs, ex.Derivative) else 1): r
                for r in derivation.results}  # fmt: skip
    results = [by_order[order] for order in sorted(by_order)]
    for result in results:
        if isinstance(result.lhs, ex.Derivative) and result.lhs.structure:
            raise UnsupportedError(
                f"cannot write code for d{derivation.function.name}/d{wrt.name} by a"
                f" {result.lhs.structure} matrix yet: the module's own check perturbs one entry"
                " at a time")  # fmt: skip
        if not isinstance(result.rhs, ex.Expr):
            raise UnsupportedError(
                f"cannot write code for d{derivation.function.name}/d{wrt.name}: the result is a"
                " tensor written with indices, not a matrix expression")  # fmt: skip
    symbols = [wrt] + [s for s in ex.symbols_of(body) if s.name != wrt.name]
    taken: set[str] = set()
    names: dict[str, str] = {}
    for symbol in symbols:
        names[symbol.name] = _python_name(symbol.name, taken)
        taken.add(names[symbol.name])
    rhs = [r.rhs for r in results if isinstance(r.rhs, ex.Expr)]
    context = Context(LIBRARIES[library], names, _repeated([body, *rhs]), set(taken) | _RESERVED)
    value = context.code(body)[0]
    outputs = []
    for order, expr in enumerate(rhs, start=1):
        name, of = ("grad", "value") if order == 1 else ("hessian", "grad")
        outputs.append(Output(name, context.code(expr)[0], ascii_str(expr), _dims(expr.shape),
                              _transposes(body.shape, wrt.shape, derivation.layout, order), of))
    arguments = tuple(Argument(names[s.name], s.name, _dims(s.shape), _kind(derivation, s))
                      for s in symbols)  # fmt: skip
    return Module(
        LIBRARIES[library], ascii_str(body), derivation.function.name, wrt.name,
        str(derivation.layout), arguments, tuple(context.lines), value, _dims(body.shape),
        tuple(outputs), _verified(derivation),
    )  # fmt: skip


def _verified(derivation: Derivation) -> str:
    check = derivation.verification
    if check is None:
        return "derive generated this code from its proof; the proof was NOT verified"
    sizes = ", ".join(f"{k} = {v}" for k, v in check.sizes.items())
    exact = "exactly and " if check.exact else ""
    return (f"derive generated this code from a proof it verified {exact}numerically"
            f" (relative error {check.numeric_error:.1e}{' at ' + sizes if sizes else ''})")
