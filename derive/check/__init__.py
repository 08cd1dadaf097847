"""Check: nothing is shown as proven before it is verified.

``verify`` checks a derivation (the result exactly, every step numerically); ``evaluate`` gives
expressions and index sums values at concrete sizes; ``exact`` is rational and dual-number
arithmetic; ``sympy_bridge`` converts results to SymPy.

Importing this package registers ``Derivation.to_sympy``; SymPy loads on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from derive.calculus.proof import register_view
from derive.check import elementwise  # noqa: F401  (registers the values of ir.elementwise)

if TYPE_CHECKING:
    from derive.calculus.proof import Derivation


def _to_sympy(derivation: Derivation) -> Any:
    from derive.check.sympy_bridge import result_to_sympy

    return result_to_sympy(derivation)


register_view("sympy", _to_sympy)
