"""The library entry points: ``prove`` and ``build``."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from derive.expr import LAYOUTS
from derive.proof import Derivation


def prove(
    expr: str,
    wrt: str,
    *,
    declare: Iterable[str] = (),
    layout: str = "mixed",
    hessian: bool = False,
    verify: bool = True,
    seed: int = 0,
) -> Derivation:
    """Derive ``d expr / d wrt`` with a step-by-step proof, verified before it is returned.

    Args:
        expr: The expression in the ASCII or LaTeX input language, e.g. ``"x' A x"``.
        wrt: The variable, e.g. ``"x"``.
        declare: Declarations such as ``"A: m x n"`` or ``"X: n x n, invertible"``.
        layout: ``"mixed"`` (default), ``"numerator"`` or ``"denominator"``.
        hessian: Go on to the Hessian (a scalar function of a vector).
        verify: Check the result exactly and every step numerically (on by default).
        seed: Seed of the random test values.

    Returns:
        The derivation; ``.verification`` holds the record of the checks.

    Raises:
        ParseError, ShapeError, UnsupportedError, DeclarationError: The input is at fault.
        LimitError: The expression is too large.
        VerificationError: A check failed; the result is not shown as proven.
        ValueError: ``layout`` is not one of the three layouts.
    """
    from derive.engine import Options, derive
    from derive.frontend import parse
    from derive.verify import verify as check

    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, not {layout!r}")
    variable = _variable(wrt)
    problem = parse(expr, declare, wrt=variable)
    derivation = derive(problem, variable, Options(layout=layout, hessian=hessian))
    return check(derivation, seed=seed) if verify else derivation


def _variable(wrt: str) -> str:
    from derive.errors import ParseError, Span
    from derive.lex_ascii import lex_ascii
    from derive.tokens import Kind

    tokens = lex_ascii(wrt.strip()) if wrt.strip() else []
    if len(tokens) != 2 or tokens[0].kind is not Kind.NAME:
        raise ParseError("the variable must be a single symbol name, such as x or X",
                         Span(0, max(1, len(wrt))), wrt)
    return tokens[0].text


def build(
    handout_path: str | Path | None = None,
    formats: Iterable[str] = ("pdf", "tex", "md"),
    out_dir: str | Path = "output",
) -> list[Path]:
    """Build a handout (the built-in default one when no path is given); return the files."""
    from derive.handout import build_handout

    return build_handout(handout_path, tuple(formats), Path(out_dir))
