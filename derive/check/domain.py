"""Where the functions of an expression are defined: the points the checks may draw.

Each elementwise function states its domain in the function table (``log`` and ``sqrt`` need a
positive argument, ``abs``, ``sign``, ``relu`` and ``step`` a nonzero one: that is where they are
differentiable); a rational power of a scalar or an entrywise power with a fraction needs a
positive base, a negative power a nonzero one. The checks draw symbols that stand directly in such
a place positive, and redraw a point at which some argument leaves its domain (for the numeric
checks with a margin, so that central differences do not straddle a kink).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from derive.ir import elementwise as el
from derive.ir import expr as ex
from derive.ir.functions import FUNCTIONS

TRIES = 50
MARGIN = 0.05  # numeric points keep every constrained argument this far from the boundary


@dataclass(frozen=True, slots=True)
class Condition:
    """``arg`` must be positive (``"positive"``) or nonzero (``"nonzero"``), entry by entry."""

    arg: ex.Expr
    domain: str
    because: str


def conditions(node: ex.Expr) -> tuple[Condition, ...]:
    """The domain conditions of every function and power in ``node``, outermost first."""
    return tuple(dict.fromkeys(_conditions(node)))


def _conditions(node: ex.Expr) -> Iterator[Condition]:
    if isinstance(node, el.Apply) and FUNCTIONS[node.function].domain != "real":
        yield Condition(node.arg, FUNCTIONS[node.function].domain, node.function)
    if isinstance(node, el.HadamardPower):
        if node.exponent.denominator != 1:
            yield Condition(node.base, "positive", "a fractional power")
        elif node.exponent < 0:
            yield Condition(node.base, "nonzero", "a negative power")
    if isinstance(node, el.Composite):
        yield from _conditions(node.body)
        return
    for child in node.children:
        yield from _conditions(child)


def positive_symbols(node: ex.Expr) -> frozenset[str]:
    """Symbols whose values the checks draw positive: those a positive condition names alone."""
    return frozenset(c.arg.name for c in conditions(node)
                     if c.domain == "positive" and isinstance(c.arg, ex.Symbol))  # fmt: skip


def inside(found: tuple[Condition, ...], value: Callable[[ex.Expr], Any], margin: float) -> bool:
    """Whether every condition holds at a point (``value`` evaluates an expression there)."""
    for condition in found:
        entries = np.asarray(value(condition.arg), dtype=float)
        if not np.all(np.isfinite(entries)):
            return False
        if condition.domain == "positive" and not np.all(entries > margin):
            return False
        if condition.domain == "nonzero" and not np.all(np.abs(entries) > margin):
            return False
    return True
