"""The table of elementwise scalar functions: one row per function.

A row says everything the rest of derive needs: the spellings the parser accepts, the derivative
as an expression of the same family (``σ' = σ ∘ (1 - σ)``), the domain (which points the checks
may draw, and the hypothesis a proof states), the printed names, and how to evaluate it in floats
(NumPy) and exactly or to 50 digits (SymPy). Applied to a scalar a function is an ordinary
function; applied to a vector or matrix it acts entry by entry. Adding a function is adding a row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from derive.ir import expr as ex
from derive.ir import order
from derive.ir.elementwise import Apply, hadamard, hadamard_power, ones_like

# What the checks may draw for the argument, and what a proof states as its hypothesis.
DOMAINS = {
    "real": "",
    "positive": "> 0",
    "nonzero": "\\neq 0",
}


@dataclass(frozen=True)
class Function:
    """One elementwise function.

    Attributes:
        name: The canonical name (``sigma``); also the ASCII spelling printed.
        spellings: Every ASCII name the parser accepts for it (``sigma``, ``sigmoid``).
        latex: The LaTeX name (``\\sigma``, ``\\exp``, ``\\operatorname{relu}``).
        unicode: The name in plain text (``σ``).
        derivative: ``f'(u)`` as an expression in ``u`` of ``u``'s shape.
        domain: A key of :data:`DOMAINS`: where the function is differentiable.
        numeric: The function on a NumPy array of floats, entry by entry.
        symbolic: The function on one SymPy number or expression.
    """

    name: str
    spellings: tuple[str, ...]
    latex: str
    unicode: str
    derivative: Callable[[ex.Expr], ex.Expr]
    domain: str
    numeric: Callable[[Any], Any]
    symbolic: Callable[[Any], Any]


def _np() -> Any:
    import numpy  # lazily: the parser reads this table, and `derive --help` must stay fast

    return numpy


def _numpy(name: str) -> Callable[[Any], Any]:
    return lambda u: getattr(_np(), name)(u)


def _sympy_fn(name: str) -> Callable[[Any], Any]:
    return lambda u: getattr(_sympy(), name)(u)


def _sympy() -> Any:
    import sympy

    return sympy


def _apply(name: str) -> Callable[[ex.Expr], ex.Expr]:
    return lambda u: Apply(name, u)


def _minus(u: ex.Expr, v: ex.Expr) -> ex.Expr:
    return ex.add(u, ex.neg(v))


def _zero(u: ex.Expr) -> ex.Expr:
    """The derivative of a step: zero wherever it exists (the argument nonzero)."""
    return ex.number(0) if u.shape.is_scalar else ex.Zero(u.shape)


def _sigmoid(u: Any) -> Any:
    return 1 / (1 + _np().exp(-u))


def _table(*rows: Function) -> dict[str, Function]:
    return {row.name: row for row in rows}


FUNCTIONS = _table(
    Function("exp", ("exp",), "\\exp", "exp", _apply("exp"), "real", _numpy("exp"),
             _sympy_fn("exp")),
    Function("log", ("log", "ln"), "\\log", "log", lambda u: hadamard_power(u, -1), "positive",
             _numpy("log"), _sympy_fn("log")),
    Function("sin", ("sin",), "\\sin", "sin", _apply("cos"), "real", _numpy("sin"),
             _sympy_fn("sin")),
    Function("cos", ("cos",), "\\cos", "cos", lambda u: ex.neg(Apply("sin", u)), "real",
             _numpy("cos"), _sympy_fn("cos")),
    Function("tan", ("tan",), "\\tan", "tan",
             lambda u: ex.add(ones_like(u), hadamard_power(Apply("tan", u), 2)), "real",
             _numpy("tan"), _sympy_fn("tan")),
    Function("tanh", ("tanh",), "\\tanh", "tanh",
             lambda u: _minus(ones_like(u), hadamard_power(Apply("tanh", u), 2)), "real",
             _numpy("tanh"), _sympy_fn("tanh")),
    Function("sigma", ("sigma", "sigmoid"), "\\sigma", "σ",
             lambda u: hadamard(Apply("sigma", u), _minus(ones_like(u), Apply("sigma", u))),
             "real", _sigmoid, lambda u: 1 / (1 + _sympy().exp(-u))),
    Function("softplus", ("softplus",), "\\operatorname{softplus}", "softplus",
             _apply("sigma"), "real", lambda u: _np().logaddexp(0, u),
             lambda u: _sympy().log(1 + _sympy().exp(u))),
    Function("sqrt", ("sqrt",), "\\sqrt", "sqrt",
             lambda u: ex.mul(ex.number(Fraction(1, 2)), hadamard_power(u, Fraction(-1, 2))),
             "positive", _numpy("sqrt"), _sympy_fn("sqrt")),
    Function("abs", ("abs",), "\\operatorname{abs}", "abs", _apply("sign"), "nonzero",
             _numpy("abs"), _sympy_fn("Abs")),
    Function("sign", ("sign", "sgn"), "\\operatorname{sign}", "sign", _zero, "nonzero",
             _numpy("sign"), _sympy_fn("sign")),
    Function("relu", ("relu",), "\\operatorname{relu}", "relu", _apply("step"), "nonzero",
             lambda u: _np().maximum(u, 0), lambda u: _sympy().Max(u, 0)),
    Function("step", ("step", "heaviside"), "\\operatorname{step}", "step", _zero, "nonzero",
             lambda u: _np().heaviside(u, 0.5), _sympy_fn("Heaviside")),
)  # fmt: skip

SPELLINGS: dict[str, str] = {s: f.name for f in FUNCTIONS.values() for s in f.spellings}


def function(name: str) -> Function:
    """The row for a canonical name.

    Raises:
        KeyError: No such function.
    """
    return FUNCTIONS[name]


def derivative(node: Apply) -> ex.Expr:
    """``f'(u)`` for ``node = f(u)``, an expression of ``u``'s shape."""
    return FUNCTIONS[node.function].derivative(node.arg)


@dataclass(frozen=True, slots=True)
class Prime(ex.Expr):
    """``f′(u)``, the derivative of an elementwise function by name (``σ′(u)``), entry by entry.

    Its value is the table's derivative, :attr:`body` (``σ(u) ∘ (𝟏 - σ(u))``); a proof writes
    ``σ′`` in the chain rule it states and then says what ``σ′`` is.
    """

    function: str
    arg: ex.Expr

    @property
    def shape(self) -> ex.Shape:
        return self.arg.shape

    @property
    def children(self) -> tuple[ex.Expr, ...]:
        return (self.arg,)

    def rebuild(self, children: Sequence[ex.Expr]) -> ex.Expr:
        return Prime(self.function, children[0])

    @property
    def body(self) -> ex.Expr:
        """The derivative from the function table."""
        return FUNCTIONS[self.function].derivative(self.arg)


def named_derivative(node: Apply) -> bool:
    """Whether ``f′`` is worth a name: its derivative is written with ``f`` itself
    (``σ′ = σ ∘ (𝟏 - σ)``, ``tanh′ = 𝟏 - tanh∘²``), not the function itself (``exp′ = exp``) or
    another (``sin′ = cos``)."""
    found = derivative(node)
    return found != node and _mentions(found, node.function)


def _mentions(node: ex.Expr, name: str) -> bool:
    return (isinstance(node, Apply) and node.function == name) or any(
        _mentions(c, name) for c in node.children)


@order.sort_key.register
def _(node: Prime) -> str:
    return f"{node.function}'({order.key(node.arg)})"
