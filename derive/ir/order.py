"""A canonical order of expressions, read off their structure.

The calculus sorts factors and terms (to collect like terms, to choose the simplest reading of a
trace), and proofs must not change when a printer changes its spelling. So the order comes from
this module's own key, built from the node types and their children, never from a printer. The
key is a compact string in the shape of the input language (``A'``, ``tr(A X)``), which keeps the
order a reader expects: capitals before lowercase letters, fewer transposes first.
"""

from __future__ import annotations

import functools

from derive.ir import expr as ex


@functools.singledispatch
def sort_key(node: ex.Expr) -> str:
    """The canonical key of ``node``: equal for equal nodes, and orders like the input language.

    Args:
        node: A matrix expression.

    Returns:
        The key.

    Raises:
        TypeError: ``node`` is of a type this table does not know (add it here).
    """
    raise TypeError(f"no sort key for {type(node).__name__}: register one in derive.ir.order")


@functools.lru_cache(maxsize=8192)
def _key(node: ex.Expr) -> str:
    return sort_key(node)


def key(node: ex.Expr) -> str:
    """:func:`sort_key`, cached (keys are asked for many times while sorting).

    A symbol's key is its name, read at once: hashing the symbol for the cache would cost more.
    """
    if type(node) is ex.Symbol:
        return node.name
    return _key(node)


def transpose_count(node: ex.Expr) -> int:
    """How many transposes ``node`` writes (a reader prefers fewer)."""
    return key(node).count("'")


def _atom(node: ex.Expr) -> str:
    """The key of an operand of a postfix operator, in brackets unless it is atomic."""
    text = key(node)
    compound = isinstance(node, ex.Add | ex.MatMul | ex.Transpose | ex.Inverse | ex.Power
                          | ex.Jacobian | ex.Derivative)
    if isinstance(node, ex.Number):
        compound = node.value < 0 or node.value.denominator != 1
    return f"({text})" if compound else text


@sort_key.register
def _(node: ex.Symbol) -> str:
    return node.name


@sort_key.register
def _(node: ex.Defined) -> str:
    return node.name


@sort_key.register
def _(node: ex.Number) -> str:
    value = node.value
    return str(value.numerator) if value.denominator == 1 else str(value)


@sort_key.register
def _(node: ex.Identity) -> str:
    return "I"


@sort_key.register
def _(node: ex.Zero) -> str:
    return "0"


@sort_key.register
def _(node: ex.Size) -> str:
    return str(node.dim)


@sort_key.register
def _(node: ex.Add) -> str:
    return " + ".join(key(term) for term in node.terms)


@sort_key.register
def _(node: ex.MatMul) -> str:
    coeff, rest = ex.coefficient_of(node)
    factors = rest.factors if isinstance(rest, ex.MatMul) else (rest,)
    body = " ".join(_atom(f) if isinstance(f, ex.Add) else key(f) for f in factors)
    if coeff == 1:
        return body
    return ("-" if coeff == -1 else f"{key(ex.Number(coeff))} ") + body


@sort_key.register
def _(node: ex.Transpose) -> str:
    return _atom(node.arg) + "'"


@sort_key.register
def _(node: ex.Power) -> str:
    return f"{_atom(node.base)}^{node.exponent}"


@sort_key.register
def _(node: ex.Inverse) -> str:
    return f"inv({key(node.arg)})"


@sort_key.register
def _(node: ex.Trace) -> str:
    return f"tr({key(node.arg)})"


@sort_key.register
def _(node: ex.Det) -> str:
    return f"det({key(node.arg)})"


@sort_key.register
def _(node: ex.Log) -> str:
    return f"log({key(node.arg)})"


@sort_key.register
def _(node: ex.Norm) -> str:
    return f"norm({key(node.arg)})"


@sort_key.register
def _(node: ex.Jacobian) -> str:
    return f"d{node.of.name}/d{node.wrt.name}"


@sort_key.register
def _(node: ex.Derivative) -> str:
    return f"d{key(node.of)}/d{node.wrt.name}"
