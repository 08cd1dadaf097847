"""Check LaTeX math with node's KaTeX, the renderer Markdown output must satisfy.

One ``node tests/katex_check.mjs`` process checks a whole batch of formulas with
``katex.renderToString(tex, {displayMode, throwOnError: true, strict: "error"})``. KaTeX is pinned
by the repository's ``package-lock.json``; ``npm ci`` in the repository root installs it.

Tests should not import this module directly but use the fixtures in ``conftest.py``
(``katex_errors``, ``katex_check``), which skip or fail when node or KaTeX is missing.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(__file__).resolve().parent / "katex_check.mjs"
INSTALL_HINT = "install node (>= 18) and run `npm ci` in the repository root"
_TIMEOUT = 120


class Formula(NamedTuple):
    """A LaTeX math string and whether KaTeX renders it as display math (``$$...$$``)."""

    tex: str
    display: bool = False


FormulaLike = Formula | tuple[str, bool] | str
"""A :class:`Formula`, a ``(tex, display)`` pair, or a bare string (inline math, as in KaTeX)."""


def _as_formula(item: FormulaLike) -> Formula:
    if isinstance(item, str):
        return Formula(item)
    return Formula(*item)


def katex_check(formulas: Iterable[FormulaLike]) -> list[str | None]:
    """Render each formula with KaTeX in one node process.

    Args:
        formulas: The formulas to check.

    Returns:
        One entry per formula, in order: None when KaTeX renders it, else KaTeX's message.

    Raises:
        RuntimeError: When node cannot run the checker (see :func:`katex_missing_reason`).
    """
    batch = [_as_formula(item) for item in formulas]
    payload = json.dumps([{"tex": f.tex, "displayMode": f.display} for f in batch])
    node = shutil.which("node")
    if node is None:
        raise RuntimeError(f"node not found; {INSTALL_HINT}")
    result = subprocess.run(
        [node, str(SCRIPT)],
        input=payload,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        timeout=_TIMEOUT,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{SCRIPT.name} failed: {result.stderr.strip()}; {INSTALL_HINT}")
    answers = json.loads(result.stdout)
    if len(answers) != len(batch):
        raise RuntimeError(f"{SCRIPT.name} answered {len(answers)} of {len(batch)} formulas")
    return [None if answer["ok"] else str(answer["error"]) for answer in answers]


def katex_errors(formulas: Iterable[FormulaLike]) -> list[str]:
    """Return a message for every formula KaTeX cannot render; empty when all render.

    Meant for ``assert katex_errors(formulas) == []``, whose failure lists each bad formula as
    ``'<tex>' (display|inline): <KaTeX's message>``.

    Args:
        formulas: The formulas to check.

    Returns:
        The failures only, in input order.

    Raises:
        RuntimeError: When node cannot run the checker.
    """
    batch = [_as_formula(item) for item in formulas]
    return [
        f"{formula.tex!r} ({'display' if formula.display else 'inline'}): {error}"
        for formula, error in zip(batch, katex_check(batch), strict=True)
        if error is not None
    ]


@functools.cache
def katex_missing_reason() -> str | None:
    """Return why the KaTeX checker cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return f"node not found; {INSTALL_HINT}"
    try:
        katex_check([])
    except (RuntimeError, OSError, subprocess.TimeoutExpired, ValueError) as error:
        return f"the KaTeX checker cannot run: {error}"
    return None
