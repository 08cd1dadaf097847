"""Markdown flavours: each one through the converter its site runs, then KaTeX and MathJax.

The documents are the built-in default handout (definitions, tables, every identity of both
notes) and a handout of every catalog identity. For each flavour the converter must hand every
formula over intact (the same TeX, in the same order, inline or display as written) and leave no
math behind as text; the formulas it hands over must render in KaTeX and in MathJax.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from conftest import require_tool
from katex import Formula, FormulaLike
from webtools import convert, converter_missing_reason, math_in_html, mathjax_check, same_tex

from derive.api import build
from derive.catalog import identities as catalog
from derive.documents.web.flavors import (
    FLAVORS,
    Math,
    formulas,
    front_matter,
    split_math,
    to_flavor,
)


def catalog_toml() -> str:
    """A handout of every catalog identity, one section per catalog section."""
    lines = ['title = "Every identity"', "solutions = true"]
    for section in catalog.SECTIONS:
        lines += ["", "[[section]]", f'title = "{section}"']
        for identity in catalog.all_identities():
            if identity.section == section:
                lines += ["[[section.item]]", f'identity = "{identity.name}"']
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The Markdown of the default handout and of the whole catalog, as the templates write it."""
    folder = tmp_path_factory.mktemp("flavors")
    every = folder / "catalog.toml"
    every.write_text(catalog_toml(), encoding="utf-8")
    found = {}
    for name, path in (("default", None), ("catalog", every)):
        (md,) = build(path, ["md"], folder / "out")
        found[name] = md.read_text(encoding="utf-8")
    return found


# --- the rewrite, from tables ---------------------------------------------------------------------

_SOURCE = "Let $x_i$ be \\$5 and\n\n$$\n\\begin{aligned}\na &= b \\\\\n\\end{aligned}\n$$\n\nend\n"


@pytest.mark.parametrize(
    ("flavor", "expected"),
    [
        ("commonmark", _SOURCE),
        ("pandoc", _SOURCE),
        ("gfm", "Let $`x_i`$ be \\$5 and\n\n```math\n\\begin{aligned}\na &= b \\\\\n"
                "\\end{aligned}\n```\n\nend\n"),
        ("kramdown", "Let $$x_i$$ be \\$5 and\n\n$$\n\\begin{aligned}\na &= b \\\\\n"
                     "\\end{aligned}\n$$\n\nend\n"),
        ("mkdocs", "Let \\(x_i\\) be &#36;5 and\n\n\\[\n\\begin{aligned}\na &= b \\\\\n"
                   "\\end{aligned}\n\\]\n\nend\n"),
        ("hugo", "Let \\\\(x\\_i\\\\) be \\$5 and\n\n\\\\[\n\\\\begin\\{aligned\\}\n"
                 "a \\&\\= b \\\\\\\\\n\\\\end\\{aligned\\}\n\\\\]\n\nend\n"),
    ],
    ids=lambda value: value if value in FLAVORS else "",
)
def test_flavor_rewrites_math_delimiters(flavor: str, expected: str) -> None:
    assert to_flavor(_SOURCE, flavor) == expected


@pytest.mark.parametrize(
    ("source", "segments"),
    [
        ("a $x$ b", ["a ", Math("x", False), " b"]),
        ("\\$5 and \\\\$x$", ["\\$5 and \\\\", Math("x", False)]),
        ("$$\nx\ny\n$$\n", [Math("x\ny", True), "\n"]),
        ("a\n$$\nx\n$$\nb $y$", ["a\n", Math("x", True), "\n", "b ", Math("y", False)]),
    ],
    ids=["inline", "escaped-dollar-then-math", "display", "mixed"],
)
def test_split_math_finds_prose_and_formulas(source: str, segments: list[object]) -> None:
    assert split_math(source) == segments


@pytest.mark.parametrize(
    ("source", "message"),
    [("a $x b", "a $ is never closed"), ("$$\nx\n", "a $$ display is never closed")],
    ids=["inline", "display"],
)
def test_split_math_refuses_unclosed_math(source: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("$", r"\$")):
        split_math(source)


def test_flavor_unknown_is_refused() -> None:
    with pytest.raises(ValueError, match="md_flavor must be one of commonmark, gfm"):
        to_flavor("a", "jekyll")


def test_front_matter_is_yaml_with_the_fields() -> None:
    import yaml

    title = 'Gradients: "x\' A x" # and - more'
    text = front_matter({"title": title, "author": "Ana Núñez", "date": "", "math": True})
    assert text.startswith("---\n") and text.endswith("---\n\n")
    assert yaml.safe_load(text.strip().strip("-")) == {
        "title": title, "author": "Ana Núñez", "math": True}


# --- the real converters --------------------------------------------------------------------------


# Formula -> (KaTeX's error, MathJax's error): most formulas come out of every converter the same,
# so each distinct one is rendered once per run.
_RENDERED: dict[Formula, tuple[str | None, str | None]] = {}


def render_errors(found: Iterable[Formula],
                  katex_check: Callable[[Iterable[FormulaLike]], list[str | None]]) -> list[str]:
    """KaTeX's and MathJax's complaints about the formulas, as ``'tex' (renderer): message``."""
    batch = list(dict.fromkeys(found))
    new = [f for f in batch if f not in _RENDERED]
    if new:
        for f, by_katex, by_mathjax in zip(new, katex_check(new), mathjax_check(new), strict=True):
            _RENDERED[f] = (by_katex, by_mathjax)
    return [f"{f.tex!r} ({renderer}): {error}" for f in batch
            for renderer, error in zip(("KaTeX", "MathJax"), _RENDERED[f], strict=True)
            if error is not None]


@pytest.mark.parametrize("document", ["default", pytest.param("catalog", marks=pytest.mark.slow)])
@pytest.mark.parametrize("flavor", FLAVORS)
def test_flavor_math_survives_its_converter_and_renders(
    flavor: str,
    document: str,
    documents: dict[str, str],
    katex_check: Callable[[Iterable[FormulaLike]], list[str | None]],
    requires_mathjax: None,
) -> None:
    require_tool(converter_missing_reason(flavor))
    source = documents[document]
    expected = [Formula(same_tex(m.tex), m.display) for m in formulas(source)]
    converted = math_in_html(flavor, convert(flavor, to_flavor(source, flavor)))
    got = [Formula(same_tex(f.tex), f.display) for f in converted.formulas]
    assert len(expected) > 100
    assert got == expected
    assert "$" not in converted.leftover and "\\(" not in converted.leftover
    assert render_errors(converted.formulas, katex_check) == []


@pytest.mark.parametrize("flavor", ["kramdown", "hugo"])
def test_converter_without_the_flavor_loses_math(flavor: str, documents: dict[str, str]) -> None:
    """The check above can fail: the plain CommonMark text is not math for these converters."""
    require_tool(converter_missing_reason(flavor))
    source = documents["default"]
    converted = math_in_html(flavor, convert(flavor, source))
    expected = [Formula(same_tex(m.tex), m.display) for m in formulas(source)]
    assert [Formula(same_tex(f.tex), f.display) for f in converted.formulas] != expected


_PROSE = "Costs $5 < 6 & a|b ~c_d_ *e* \\f `g` #h [i](j)"
_PROSE_SOURCE = _PROSE.replace("$", "\\$")  # a literal dollar in handout prose


@pytest.mark.parametrize("flavor", FLAVORS)
def test_flavor_prose_prints_literally(flavor: str, tmp_path: Path) -> None:
    require_tool(converter_missing_reason(flavor))
    handout = tmp_path / "prose.toml"
    handout.write_text(
        f'title = "T"\n[[section]]\ntitle = "S"\nintro = {_toml(_PROSE_SOURCE)}\n'
        '[[section.item]]\nexpr = "x\' x"\nwrt = "x"\n', encoding="utf-8")
    (md,) = build(handout, ["md"], tmp_path / "out")
    converted = math_in_html(flavor, convert(flavor, to_flavor(md.read_text(), flavor)))
    assert _PROSE in " ".join(converted.leftover.split())


def _toml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_render_errors_names_what_each_renderer_rejects(
    katex_check: Callable[[Iterable[FormulaLike]], list[str | None]], requires_mathjax: None
) -> None:
    errors = render_errors([Formula("\\frac{a}{b", False), Formula("\\nosuchmacro x", True)],
                           katex_check)  # fmt: skip
    assert [e.split(":")[0] for e in errors] == [
        "'\\\\frac{a}{b' (KaTeX)", "'\\\\frac{a}{b' (MathJax)",
        "'\\\\nosuchmacro x' (KaTeX)", "'\\\\nosuchmacro x' (MathJax)"]
