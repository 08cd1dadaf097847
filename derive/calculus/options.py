"""How to derive: the options every prover takes, and the names of the proof methods.

The names are data the command line offers as choices without loading a prover;
:mod:`derive.calculus.provers` maps each name to its prover and checks, when it loads, that the
two agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from derive.ir.expr import Layout
from derive.ir.index import MAX_TERMS

METHODS: dict[str, str] = {
    "index": "entries, the product rule and Kronecker deltas, then back to matrices",
    "differential": "matrix differentials (Magnus & Neudecker): d(UV) = dU V + U dV, the trace,"
    " then the first identification theorem",
}
"""The proof methods by name (the route a proof takes), with a line saying what each does."""


@dataclass(frozen=True)
class Options:
    """How to derive.

    Attributes:
        method: The proof method, a name in :data:`METHODS`.
        layout: How the derivative is arranged (mixed, numerator or denominator).
        hessian: Go on to the Hessian.
        max_terms: The largest number of terms any stage may hold.
        name: The function's name (``w`` for the inner part of a route through ``w = ...``);
            "" to choose one (alpha, y, F, ...).
        structure: ``"symmetric"``: the variable is a symmetric matrix, and the derivative is
            taken in the convention of the Matrix Cookbook, section 2.8.2; ``""``: none.
    """

    method: str = "index"
    layout: Layout = Layout.MIXED
    hessian: bool = False
    max_terms: int = MAX_TERMS
    name: str = ""
    structure: str = ""


STRUCTURES: dict[str, str] = {
    "none": "every entry of the variable is its own variable",
    "symmetric": "a symmetric matrix: x_ij = x_ji is one variable (Matrix Cookbook 2.8.2)",
}
"""The structures a matrix variable may have, by name, with a line saying what each means."""
