"""Helpers for the tests of the index-form stages: a compact spelling of terms, test points.

Terms are spelled ``2 Σa,b A[i,a] x[b] δ[a,b]``: the coefficient (when not 1), the summed
indices, then the factors; a factor's base is spelled by :func:`derive.ir.order.key` (the
structural key, not a printer), a marked derivative as ``∂x[i]/∂x[k]``, a count as ``#n``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from derive.ir import expr as ex
from derive.ir import index as ix
from derive.ir import order
from derive.language.shapes import Problem

SIZES = {"n": 3, "m": 4, "p": 2, "q": 5}


def factor_text(factor: ix.Factor) -> str:
    """One factor, spelled compactly."""
    if isinstance(factor, ix.Entry):
        names = ",".join(i.name for i in factor.indices)
        return order.key(factor.base) + (f"[{names}]" if names else "")
    if isinstance(factor, ix.Delta):
        return f"δ[{factor.i.name},{factor.j.name}]"
    if isinstance(factor, ix.Count):
        return f"#{factor.dim}"
    names = ",".join(i.name for i in factor.wrt_indices)
    return f"∂{factor_text(factor.entry)}/∂{factor.wrt.name}[{names}]"


def term_text(term: ix.Term) -> str:
    """One term, spelled compactly."""
    parts = [str(term.coeff)] if term.coeff != 1 else []
    if term.sums:
        parts.append("Σ" + ",".join(i.name for i in term.sums))
    parts += [factor_text(f) for f in term.factors]
    return " ".join(parts) or "1"


def terms_text(terms: Iterable[ix.Term]) -> list[str]:
    """Each term, spelled compactly."""
    return [term_text(t) for t in terms]


def free_indices(shape: ex.Shape, names: tuple[str, str] = ("i", "j")) -> tuple[
    ix.Index | None, ix.Index | None
]:
    """(row, col) indices for a shape's non-unit axes; a lone axis takes the first name."""
    row = ix.Index(names[0], shape.rows) if shape.rows != 1 else None
    col = ix.Index(names[1] if row else names[0], shape.cols) if shape.cols != 1 else None
    return row, col


def random_values(problem: Problem, seed: int = 0) -> dict[str, np.ndarray]:
    """Standard normal values for every symbol (square matrices shifted to be invertible)."""
    rng = np.random.default_rng(seed)
    values = {}
    for name, info in problem.symbols.items():
        rows = SIZES.get(str(info.shape.rows), info.shape.rows)
        cols = SIZES.get(str(info.shape.cols), info.shape.cols)
        assert isinstance(rows, int) and isinstance(cols, int)
        value = rng.standard_normal((rows, cols))
        if rows == cols and rows > 1:
            value = value + 3 * np.eye(rows)
        elif rows == cols == 1:
            value = np.abs(value) + 0.5  # scalars positive: logs and powers are defined
        values[name] = value
    return values
