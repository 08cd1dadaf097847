"""The registry of output formats: what each format is, and that every reader uses it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from derive.cli import main
from derive.documents import formats
from derive.documents.render import DERIVATION_FORMATS, HANDOUT_FORMATS, find_templates


def test_formats_where_each_can_be_used() -> None:
    assert formats.handout_formats() == ("pdf", "tex", "md", "html")
    assert formats.handout_formats(default=True) == ("pdf", "tex", "md")
    assert formats.prove_formats() == ("pdf", "tex", "md", "text", "html", "json", "numpy",
                                       "torch")
    assert HANDOUT_FORMATS == ("tex", "md", "html")
    assert DERIVATION_FORMATS == ("tex", "tex-fragment", "md", "text", "html", "json", "numpy",
                                  "torch")


@pytest.mark.parametrize("fmt", list(formats.FORMATS), ids=list(formats.FORMATS))
def test_formats_templates_exist(fmt: str) -> None:
    form = formats.get(fmt)
    for name in (form.derivation_template, form.handout_template):
        if name:
            assert (find_templates() / form.template(name)).is_file()
    assert form.source == "" or formats.get(form.source).handout_template
    assert form.needs_tex == bool(form.source)


def test_formats_unknown_name() -> None:
    with pytest.raises(ValueError, match="unknown format 'docx'; formats: pdf, tex"):
        formats.get("docx")


def test_formats_cli_options_read_the_registry() -> None:
    runner = CliRunner()
    build_help = " ".join(runner.invoke(main, ["build", "--help"]).output.split())
    assert "formats to write: pdf, tex, md, html" in build_help
    assert "[default: pdf,tex,md]" in build_help
    prove_help = runner.invoke(main, ["prove", "--help"]).output
    assert "[pdf|tex|md|text|html|json|numpy|torch]" in prove_help
    bad = runner.invoke(main, ["build", "--format", "docx"])
    assert bad.exit_code == 2 and "pdf, tex, md, html" in bad.output


@pytest.mark.parametrize(
    "text",
    ["Derivative of x' A x by x", "see [1], p. 12 -- or |x|; (a+b)*c = d/e?", "50% & $5 #1",
     "x_1^2 ~ {y}", "naïve α-β", "a `quoted' \"word\"", "--- -- -"],
    ids=["plain", "plain-punctuation", "specials", "more-specials", "unicode", "quotes", "dashes"],
)  # fmt: skip
def test_escape_latex_fast_path_matches_pylatexenc(text: str) -> None:
    # plain text skips pylatexenc (issue 14): the result must be what pylatexenc gives
    expected = formats._LIGATURE_DASH.sub("-{}", formats._encoder().unicode_to_latex(text))
    assert formats.escape_latex(text) == expected
