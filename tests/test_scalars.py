"""A function of several named scalars (note 002's ``x^2 + y^2``): the gradient and the Hessian
written out entry by entry, every entry a verified derivation."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from click.testing import CliRunner

import derive
from derive.cli import main
from derive.documents.document import explicit_view
from derive.documents.printer import unicode
from derive.documents.render import render_derivations
from tests.test_render import markdown_formulas

SCALARS = ["x: scalar", "y: scalar"]


def entries(ds: tuple[derive.Derivation, ...]) -> tuple[list[str], list[list[str]]]:
    names = list(ds[0].symbols)
    return ([unicode(d.result.rhs, names) for d in ds],
            [[unicode(e.result.rhs, names) for e in d.second] for d in ds])  # fmt: skip


@pytest.mark.parametrize(
    ("expr", "gradient", "hessian"),
    [
        ("x^2 + y^2", ["2 x", "2 y"], [["2", "0"], ["0", "2"]]),
        # d/dx (x^3 y + x y^2) = 3x^2 y + y^2, d/dy = x^3 + 2xy; the mixed partials agree
        ("x^3 y + x y^2", ["3 x² y + y²", "x³ + 2 x y"],
         [["6 x y", "3 x² + 2 y"], ["3 x² + 2 y", "2 x"]]),
    ],
    ids=["note-002", "polynomial"],
)
def test_scalars_hessian_has_every_second_partial(
    expr: str, gradient: list[str], hessian: list[list[str]]
) -> None:
    ds = derive.prove(expr, ["x", "y"], declare=SCALARS, hessian=True)
    assert entries(ds) == (gradient, hessian)
    assert all(d.proven for d in ds)
    assert all(e.verification is not None and e.verification.exact for d in ds for e in d.second)


def test_scalars_without_hessian_have_no_second_partials() -> None:
    ds = derive.prove("x^2 + y^2", ["x", "y"], declare=SCALARS)
    assert all(d.second == () for d in ds)
    view = explicit_view(ds)
    assert view is not None and view.hessian == ()


def test_scalars_explicit_view_only_for_scalar_variables() -> None:
    assert explicit_view(derive.prove("y' A x", ["x", "y"])) is None
    assert explicit_view((derive.prove("x^2", "x", declare=["x: scalar"]),)) is None


def test_scalars_unverified_second_partial_is_not_proven() -> None:
    ds = derive.prove("x^2 + y^2", ["x", "y"], declare=SCALARS, hessian=True, verify=False)
    assert not any(d.proven for d in ds)
    view = explicit_view(ds)
    assert view is not None and not view.proven


def test_scalars_text_shows_gradient_and_hessian_explicitly() -> None:
    result = CliRunner().invoke(main, ["prove", "x^2 + y^2", "--wrt", "x", "--wrt", "y",
                                       "-d", "x: scalar", "-d", "y: scalar", "--hessian"])
    assert result.exit_code == 0, result.output
    assert "∇α = [∂α/∂x; ∂α/∂y] = [2 x; 2 y]" in result.output
    assert "∇²α = [∂²α/∂x², ∂²α/∂x∂y; ∂²α/∂y∂x, ∂²α/∂y²] = [2, 0; 0, 2]" in result.output


def test_scalars_numerator_layout_gradient_is_a_row() -> None:
    ds = derive.prove("x^2 + y^2", ["x", "y"], declare=SCALARS, layout="numerator")
    text = render_derivations(ds, "text")
    assert "∇α = [∂α/∂x, ∂α/∂y] = [2 x, 2 y]" in text
    assert "\\begin{bmatrix} 2 x & 2 y \\end{bmatrix}" in render_derivations(ds, "tex")


@pytest.mark.parametrize("style", ["compact", "full"])
def test_scalars_tex_and_md_write_bmatrix(style: str) -> None:
    ds = derive.prove("x^2 + y^2", ["x", "y"], declare=SCALARS, hessian=True)
    for fmt in ("tex", "md"):
        text = render_derivations(ds, fmt, style=style)
        assert "\\begin{bmatrix} 2 x \\\\ 2 y \\end{bmatrix}" in text
        assert "\\begin{bmatrix} 2 & 0 \\\\ 0 & 2 \\end{bmatrix}" in text
        assert "\\frac{\\partial^2 \\alpha}{\\partial x\\, \\partial y}" in text


def test_scalars_md_renders_in_katex(
    katex_errors: Callable[[Iterable[tuple[str, bool]]], list[str]],
) -> None:
    ds = derive.prove("x^2 + y^2", ["x", "y"], declare=SCALARS, hessian=True)
    formulas = markdown_formulas(render_derivations(ds, "md", style="compact"))
    assert any("bmatrix" in f for f, _ in formulas)
    assert katex_errors(formulas) == []


def test_scalars_pdf_compiles(requires_tex: None, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["prove", "x^2 + y^2", "--wrt", "x", "--wrt", "y",
                                       "-d", "x: scalar", "-d", "y: scalar", "--hessian",
                                       "-f", "pdf", "-o", str(tmp_path / "s.pdf")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "s.pdf").stat().st_size > 5_000


def test_scalars_handout_writes_them_out_in_every_format(tmp_path: Path) -> None:
    from derive.documents.handouts import build as ho

    path = tmp_path / "sq.toml"
    path.write_text('name = "sq"\n[[section]]\ntitle = "S"\n[[section.item]]\n'
                    'expr = "x^2 + y^2"\nwrt = ["x", "y"]\ndeclare = ["x: scalar", "y: scalar"]\n'
                    'hessian = true\n', encoding="utf-8")  # fmt: skip
    files = ho.build_handout(path, ("tex", "md", "html"), tmp_path / "out", prove=derive.prove)
    for file in files:
        text = file.read_text(encoding="utf-8")
        assert text.count("bmatrix") >= 4 and "katex-error" not in text, file.name
        assert "differentiated once more, derived and checked" in text, file.name
