"""Routes through a substitution: ``--via "w = y - A x"``, note 000's least-squares proof."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner

import derive
from derive.calculus.rules import StepKind
from derive.check.verify import verify
from derive.cli import main
from derive.documents.printer import unicode
from derive.errors import DeriveError, ParseError, UnsupportedError, VerificationError
from derive.ir import expr as ex

LEAST_SQUARES = "(y - A x)' (y - A x)"


def shown(node: object, d: derive.Derivation) -> str:
    return unicode(node, list(d.symbols))


@pytest.mark.parametrize(
    ("layout", "outer", "inner", "chain", "result"),
    [
        ("numerator", "2 wᵀ", "-A", "2 wᵀ (∂w/∂x)", "-2 (y - A x)ᵀ A"),
        ("mixed", "2 w", "-A", "2 (∂w/∂x)ᵀ w", "-2 Aᵀ (y - A x)"),
        ("denominator", "2 w", "-Aᵀ", "2 (∂w/∂x) w", "-2 Aᵀ (y - A x)"),
    ],
    ids=["numerator", "mixed", "denominator"],
)
def test_via_least_squares_takes_note_000s_route(
    layout: str, outer: str, inner: str, chain: str, result: str
) -> None:
    d = derive.prove(LEAST_SQUARES, "x", via="w = y - A x", layout=layout)
    first, second = d.parts
    assert (first.function.name, first.wrt.name, shown(first.result.rhs, first)) == \
        ("alpha", "w", outer)
    assert (second.function.name, second.wrt.name, shown(second.result.rhs, second)) == \
        ("w", "x", inner)
    [step] = [s for s in d.steps if s.kind is StepKind.SUBSTITUTE]
    assert shown(step.lines[1], d) == chain
    assert shown(d.result.rhs, d) == result
    assert d.proven and first.proven and second.proven
    assert d.verification is not None and d.verification.exact is True


def test_via_goes_on_to_the_hessian() -> None:
    d = derive.prove(LEAST_SQUARES, "x", via="w = y - A x", layout="numerator", hessian=True)
    assert [shown(r.rhs, d) for r in d.results] == ["-2 (y - A x)ᵀ A", "2 Aᵀ A"]
    assert d.proven


def test_via_a_wrong_chain_line_fails_the_check() -> None:
    d = derive.prove(LEAST_SQUARES, "x", via="w = y - A x", layout="numerator", verify=False)
    index = next(n for n, s in enumerate(d.steps) if s.kind is StepKind.SUBSTITUTE)
    step = d.steps[index]
    wrong = ex.neg(step.lines[-1])  # the sign lost when w is substituted back
    steps = (*d.steps[:index], dataclasses.replace(step, lines=(*step.lines[:-1], wrong)),
             *d.steps[index + 1:])  # fmt: skip
    with pytest.raises(VerificationError, match="substitute"):
        verify(dataclasses.replace(d, steps=steps))


def test_via_unverified_parts_are_not_proven() -> None:
    d = derive.prove(LEAST_SQUARES, "x", via="w = y - A x", verify=False)
    assert not d.proven and not any(part.proven for part in d.parts)


@pytest.mark.parametrize(
    ("expr", "via", "error", "message"),
    [
        (LEAST_SQUARES, "w = y + A x", UnsupportedError, "does not occur in the expression"),
        (LEAST_SQUARES, "w = A", UnsupportedError, "must be a column vector or a scalar"),
        (LEAST_SQUARES, "w y - A x", ParseError, "write the substitution as a name, ="),
        (f"{LEAST_SQUARES} + x' x", "w = y - A x", UnsupportedError, "x also occurs outside"),
        (LEAST_SQUARES, "y = y - A x", ParseError, "is a symbol of the expression already"),
        (LEAST_SQUARES, "w = y", UnsupportedError, "does not depend on x"),
        (LEAST_SQUARES, "2w = y - A x", ParseError, "single symbol name"),
        (LEAST_SQUARES, "w = y - A x +", ParseError, "in the substitution"),
    ],
    ids=["absent", "matrix", "no-equals", "outside", "taken", "constant", "bad-name", "syntax"],
)
def test_via_bad_substitution_is_a_clear_error(
    expr: str, via: str, error: type[DeriveError], message: str
) -> None:
    with pytest.raises(error, match=message):
        derive.prove(expr, "x", via=via)


def test_via_syntax_error_points_into_the_substitution() -> None:
    with pytest.raises(ParseError) as caught:
        derive.prove(LEAST_SQUARES, "x", via="w = y - A x +")
    assert caught.value.source == "w = y - A x +"
    assert caught.value.column == 14


def test_via_takes_one_variable() -> None:
    with pytest.raises(ValueError, match="one variable"):
        derive.prove(LEAST_SQUARES, ["x", "y"], via="w = y - A x")


def test_cli_via_shows_the_three_parts() -> None:
    result = CliRunner().invoke(main, ["prove", LEAST_SQUARES, "--wrt", "x", "--via",
                                       "w = y - A x", "--layout", "numerator"])  # fmt: skip
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.index("Through w = y - A x: first α = wᵀ w by w") < out.index(
        "Then w = y - A x by x") < out.index("Chain rule") < out.index("│ ∂α/∂x = -2 (y - A x)ᵀ A")
    assert "∂α/∂w = 2 wᵀ" in out and "∂w/∂x = -A" in out


def test_cli_via_with_several_variables_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["prove", LEAST_SQUARES, "--wrt", "x", "--wrt", "y",
                                       "--via", "w = y - A x"])  # fmt: skip
    assert result.exit_code == 2
    assert "--via routes the proof by one variable" in result.output


@pytest.mark.parametrize("style", ["compact", "full"])
def test_via_renders_in_tex_and_md(style: str) -> None:
    from derive.documents.render import render_derivation

    d = derive.prove(LEAST_SQUARES, "x", via="w = y - A x", layout="numerator")
    tex = render_derivation(d, "tex", style=style)
    md = render_derivation(d, "md", style=style)
    assert "Through $w = y - A x$" in tex and "Through $w = y - A x$" in md
    assert "Chain rule" in tex and "Chain rule" in md
    for text in (tex, md):  # the parts' results are shown, the composite's alone is boxed
        assert text.count("\\boxed") == 1
        assert "-2 (y - A x)^{\\top} A}" in text.split("\\boxed")[1]


def test_handout_item_via_key(tmp_path: Path) -> None:
    from derive.documents.handouts import build as ho

    path = tmp_path / "ls.toml"
    path.write_text('name = "ls"\ntitle = "LS"\n[[section]]\ntitle = "S"\n[[section.item]]\n'
                    f'expr = "{LEAST_SQUARES}"\nwrt = "x"\nvia = "w = y - A x"\n',
                    encoding="utf-8")  # fmt: skip
    spec = ho.load_handout(path)
    assert spec.sections[0].items[0].via == "w = y - A x"
    handout = ho.derive_handout(spec, prove=derive.prove)
    derivation = handout.sections[0].items[0].derivation
    assert derivation is not None and len(derivation.parts) == 2 and derivation.proven


def test_handout_via_with_several_variables_is_refused(tmp_path: Path) -> None:
    from derive.documents.handouts import build as ho

    path = tmp_path / "ls.toml"
    path.write_text('name = "ls"\n[[section]]\ntitle = "S"\n[[section.item]]\n'
                    f'expr = "{LEAST_SQUARES}"\nwrt = ["x", "y"]\nvia = "w = y - A x"\n',
                    encoding="utf-8")  # fmt: skip
    with pytest.raises(ho.HandoutFileError, match="'via' routes the proof by one variable"):
        ho.load_handout(path)


def test_via_taken_name_error_reads_whole_and_points_at_the_name() -> None:
    with pytest.raises(ParseError) as caught:
        derive.prove(LEAST_SQUARES, "x", via="y = y - A x")
    assert caught.value.message == ("the substitution's name y is a symbol of the expression"
                                    " already; choose a new name")  # fmt: skip
    assert caught.value.source == "y = y - A x"
    assert caught.value.span is not None
    assert (caught.value.span.start, caught.value.span.end) == (0, 2)  # "y ", before the "="


def test_via_every_step_gives_its_reason() -> None:
    d = derive.prove(LEAST_SQUARES, "x", via="w = y - A x")
    assert all(step.rules for step in d.steps)  # each line of the proof says why it holds
    assert [rule.name for rule in d.steps[-1].rules] == ["result"]
