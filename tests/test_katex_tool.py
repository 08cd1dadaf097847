"""The KaTeX checker itself: what it accepts and rejects (KaTeX 0.19.1, pinned in package-lock)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest
from katex import Formula, FormulaLike

Check = Callable[[Iterable[FormulaLike]], list[str | None]]
Errors = Callable[[Iterable[FormulaLike]], list[str]]

ALIGNED = r"\begin{aligned} a &= b \\ &= c\end{aligned}"
PARTIAL = r"\frac{\partial \alpha}{\partial x_k}"
ALIGN = r"\begin{align}x\end{align}"


@pytest.mark.parametrize(
    "formula",
    [
        Formula(ALIGNED, display=True),
        Formula(ALIGNED, display=False),
        Formula(PARTIAL, display=False),
        Formula(PARTIAL, display=True),
        Formula(r"\mathbf{x}^\top (A + A^\top) \mathbf{x}", display=False),
        # Unlike \begin{aligned}, align is a top-level environment, and KaTeX allows it in
        # display mode only.
        Formula(ALIGN, display=True),
    ],
    ids=["aligned-display", "aligned-inline", "partial-inline", "partial-display", "bold", "align"],
)
def test_katex_check_accepts(katex_check: Check, formula: Formula) -> None:
    assert katex_check([formula]) == [None]


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        (Formula(r"\frac{a}{b", display=True), "Unexpected end of input"),
        (Formula(ALIGN, display=False), "{align} can be used only in display mode"),
        (Formula(r"\label{eq} x", display=True), r"Undefined control sequence: \label"),
        # strict: "error" turns KaTeX's LaTeX-compatibility warnings into failures.
        (Formula("é", display=False), "strict mode is set to 'error'"),
    ],
    ids=["unclosed-brace", "align-inline", "label", "unicode-in-math"],
)
def test_katex_check_rejects(katex_check: Check, formula: Formula, message: str) -> None:
    [error] = katex_check([formula])
    assert error is not None
    assert message in error


def test_katex_errors_lists_only_failures_in_one_batch(katex_errors: Errors) -> None:
    formulas: list[FormulaLike] = [
        PARTIAL,  # a bare string is inline math
        (ALIGNED, True),
        Formula(r"\frac{a}{b", display=False),
        Formula(ALIGN, display=False),
    ]
    errors = katex_errors(formulas)
    assert len(errors) == 2
    assert errors[0].startswith(r"'\\frac{a}{b' (inline): KaTeX parse error: Unexpected end")
    assert errors[1].startswith(r"'\\begin{align}x\\end{align}' (inline): KaTeX parse error:")


def test_katex_errors_empty_batch(katex_errors: Errors) -> None:
    assert katex_errors([]) == []
