"""The proof styles: ``compact`` (one aligned display per part, short reasons, the result boxed
once with its number) and ``full`` (a sentence and a display per step), for every identity."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from derive.api import prove, prove_identity
from derive.catalog import identities as catalog
from derive.documents.document import Handout, Item, Section
from derive.documents.handouts.render import render_handout
from derive.documents.render import render_derivation
from tests.test_render import check_golden, markdown_formulas, stable

GOLDEN_CASES = [
    ("quadratic", "x' A x", "x", False),
    ("least_squares", "(y - A x)' (y - A x)", "x", True),
]


@pytest.mark.parametrize("fmt", ["tex", "md"])
@pytest.mark.parametrize(("name", "expr", "wrt", "hessian"), GOLDEN_CASES,
                         ids=[c[0] for c in GOLDEN_CASES])
def test_styles_compact_matches_golden(name: str, expr: str, wrt: str, hessian: bool,
                                       fmt: str) -> None:
    d = stable(prove(expr, wrt, hessian=hessian))
    check_golden(f"{name}-compact.{fmt}", render_derivation(d, fmt, style="compact"))


def test_styles_compact_aligns_one_display_per_part_and_boxes_once() -> None:
    d = prove("(y - A x)' (y - A x)", "x", hessian=True)
    tex = render_derivation(d, "tex", style="compact")
    assert tex.count("\\begin{align*}") == 2  # the gradient, the Hessian
    assert tex.count("\\boxed") == 2  # each result once, in place
    assert "\\intertext" not in tex
    assert "Checked exactly at" in tex and tex.count("Checked") == 1
    assert "&& \\text{\\footnotesize index notation}" in tex
    md = render_derivation(d, "md", style="compact")
    assert md.count("\\begin{aligned}") == 2 and md.count("\\boxed") == 2


def test_styles_compact_merges_a_pure_rename_into_the_line_before() -> None:
    tex = render_derivation(prove("y' A x", "x"), "tex", style="compact")
    # y_i a_ik -> a_ik y_i only reorders: its reason joins the line before
    assert ("&= \\sum_{i=1}^{m} a_{ik} y_{i} "
            "&& \\text{\\footnotesize sum out $\\delta$; reorder}") in tex
    assert "y_{i} a_{ik}" not in tex
    full = render_derivation(prove("y' A x", "x"), "tex")
    assert "y_{i} a_{ik}" in full
    assert "Reorder the factors" in full


def catalog_handout(style: str) -> Handout:
    items = tuple(Item(identity.title, derivation=prove_identity(identity.name),
                       source=identity.source, label=identity.name)
                  for identity in catalog.all_identities())
    return Handout(name="catalog", title="Every identity", style=style,
                   sections=(Section("All", items),))


@pytest.fixture(scope="module")
def catalog_handouts() -> dict[str, Handout]:
    return {style: catalog_handout(style) for style in ("compact", "full")}


def test_styles_every_catalog_identity_renders_in_katex(
    catalog_handouts: dict[str, Handout],
    katex_errors: Callable[[Iterable[tuple[str, bool]]], list[str]],
) -> None:
    formulas = []
    for handout in catalog_handouts.values():
        formulas += markdown_formulas(render_handout(handout, "md"))
    assert len(formulas) > 2 * len(catalog.all_identities())
    assert katex_errors(formulas) == []


@pytest.mark.parametrize("style", ["compact", "full"])
def test_styles_every_catalog_identity_compiles(
    requires_tex: None, catalog_handouts: dict[str, Handout], style: str, tmp_path: Path
) -> None:
    from derive.documents.pdf import compile_pdf

    source = render_handout(catalog_handouts[style], "tex")
    assert len(re.findall(r"\\boxed", source)) >= len(catalog.all_identities())
    assert compile_pdf(source, tmp_path / f"{style}.pdf").stat().st_size > 10_000
