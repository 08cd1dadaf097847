"""The provers, one per proof method, behind one interface.

A prover takes the parsed problem, the variable's name and the :class:`Options`, and returns a
:class:`~derive.calculus.proof.Derivation` (not yet verified). :func:`derive` runs the one that
``options.method`` names. A second method (matrix differentials, say) is a module of its own
beside ``index_method``, a name in :data:`derive.calculus.options.METHODS` and an entry in
:data:`PROVERS`; the index prover does not change.
"""

from __future__ import annotations

from collections.abc import Callable

from derive.calculus import index_method
from derive.calculus.differential import method as differential_method
from derive.calculus.options import METHODS, Options
from derive.calculus.proof import Derivation
from derive.errors import InternalError, UnsupportedError
from derive.language.shapes import Problem

Prover = Callable[[Problem, str, Options], Derivation]

PROVERS: dict[str, Prover] = {
    "index": index_method.derive,
    "differential": differential_method.derive,
}

if set(PROVERS) != set(METHODS):  # pragma: no cover - a programming error, caught on import
    raise InternalError(f"provers {sorted(PROVERS)} and method names {sorted(METHODS)} differ")


def prover(method: str) -> Prover:
    """The prover of a proof method.

    Raises:
        UnsupportedError: No prover has that name.
    """
    try:
        return PROVERS[method]
    except KeyError:
        raise UnsupportedError(
            f"there is no proof method {method!r}; the methods are {', '.join(PROVERS)}"
        ) from None


def derive(problem: Problem, wrt: str, options: Options) -> Derivation:
    """Derive ``d problem.expr / d wrt`` with a full proof, by ``options.method``.

    Args:
        problem: The parsed, shape-checked expression.
        wrt: The name of the variable.
        options: The method, layout, Hessian, limits.

    Returns:
        The derivation, not yet verified.

    Raises:
        UnsupportedError: The method is unknown, or the derivative is of a kind the method
            cannot do yet.
        LimitError: The expression is too large.
    """
    return prover(options.method)(problem, wrt, options)
