"""Text in, typed problem out: the first stages of the pipeline in one call."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from derive.language.declare import parse_declarations
from derive.language.names import ambiguous_names, canonical_name
from derive.language.parse import parse_syntax
from derive.language.shapes import Problem, infer


def parse(text: str, declare: Iterable[str] = (), *, wrt: str | None = None) -> Problem:
    """Parse an expression in the ASCII or LaTeX input language and infer every shape.

    Args:
        text: The expression, e.g. ``"x' A x"`` or ``"x^\\top A x"``.
        declare: Declarations such as ``"A: m x n"`` or ``"X: n x n, invertible"``.
        wrt: The variable of differentiation, if any: it joins the symbol table even where the
            expression does not mention it, and its dimensions are named first (``n``). Any
            spelling of a name works (``x1``, ``x_1``, ``x_{1}``).

    Returns:
        The shape-checked expression with its symbol table, and a warning for each name that
        reads as a product of one-letter names (``Ax``).

    Raises:
        ParseError: The text is malformed (the error shows the column).
        ShapeError: Shapes do not fit (the error names the operation and both shapes).
        UnsupportedError: The text uses a construct that is not supported yet.
        DeclarationError: A declaration is malformed.
    """
    if not isinstance(text, str):
        raise TypeError(f"expected the expression as a string, got {type(text).__name__}")
    declarations = parse_declarations(declare)
    tree = parse_syntax(text)
    extra = (canonical_name(wrt.strip()),) if wrt and wrt.strip() else ()
    problem = infer(tree, text, declarations, extra=extra, prefer=extra)
    warnings = ambiguous_names(problem.symbols, declarations)
    return dataclasses.replace(problem, warnings=warnings) if warnings else problem
