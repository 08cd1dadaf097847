"""``method =`` in handout files: index, differential, or both proofs one after the other."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.api import prove
from derive.calculus.proof import Derivation
from derive.calculus.rules import StepKind
from derive.documents.handouts import build as ho
from derive.documents.handouts.render import render_handout
from derive.documents.printer import ascii_str

HEAD = 'title = "Two routes"\n'
SECTION = '\n[[section]]\ntitle = "Forms"\n'


def handout(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "two.toml"
    path.write_text(text, encoding="utf-8")
    return path


def kinds(derivation: Derivation) -> set[StepKind]:
    return {step.kind for step in derivation.steps}


def test_method_both_gives_two_proofs_of_one_result(tmp_path: Path) -> None:
    path = handout(tmp_path, HEAD + 'method = "both"\n' + SECTION
                   + '\n[[section.item]]\nidentity = "quadratic_form"\n'
                   + '\n[[section.item]]\nexpr = "log(det(X))"\nwrt = "X"\n'
                   + 'declare = "X: n x n, invertible"\n')  # fmt: skip
    result = ho.derive_handout(ho.load_handout(path), prove=prove)
    items = result.sections[0].items
    assert len(items) == 2
    for item in items:
        assert item.derivation is not None and item.second is not None
        assert StepKind.TAKE_DIFFERENTIAL not in kinds(item.derivation)
        assert StepKind.TAKE_DIFFERENTIAL in kinds(item.second)
        assert StepKind.IDENTIFY in kinds(item.second)
        assert item.derivation.result.rhs == item.second.result.rhs
        assert item.derivation.proven and item.second.proven
    assert ascii_str(items[1].second.result.rhs) == "(inv(X))'"  # type: ignore[union-attr]


@pytest.mark.parametrize("fmt", ["md", "tex", "html"])
def test_method_both_renders_both_proofs_and_numbers_the_result_once(
    tmp_path: Path, fmt: str
) -> None:
    path = handout(tmp_path, HEAD + SECTION + '\n[[section.item]]\nidentity = "quadratic_form"\n'
                   'method = "both"\n')  # fmt: skip
    text = render_handout(ho.derive_handout(ho.load_handout(path), prove=prove), fmt)
    assert text.index("By indices:") < text.index("By matrix differentials:")
    assert "Both proofs:" in text
    if fmt == "html":  # the compact page as the others; its math is rendered by KaTeX
        return
    number = r"\tag{1.1}" if fmt == "tex" else r"\text{(1.1)}"
    assert text.count(number) == 1
    assert text.index(number) > text.index("By matrix differentials:")


def test_method_full_style_names_each_proof(tmp_path: Path) -> None:
    path = handout(tmp_path, HEAD + 'style = "full"\n' + SECTION + 'method = "both"\n'
                   '\n[[section.item]]\nidentity = "quadratic_form"\n')  # fmt: skip
    text = render_handout(ho.derive_handout(ho.load_handout(path), prove=prove), "md")
    assert "**Proof by indices.**" in text and "**Proof by matrix differentials.**" in text
    assert text.count("Let $\\alpha = x^{\\top} A x$") == 1  # the function is stated once


def test_method_differential_alone_and_item_overrides_section(tmp_path: Path) -> None:
    path = handout(tmp_path, HEAD + SECTION + 'method = "differential"\n'
                   '\n[[section.item]]\nidentity = "quadratic_form"\n'
                   '\n[[section.item]]\nidentity = "quadratic_form"\nmethod = "index"\n')
    first, second = ho.derive_handout(ho.load_handout(path), prove=prove).sections[0].items
    assert first.second is None and second.second is None
    assert first.derivation is not None and second.derivation is not None
    assert StepKind.TAKE_DIFFERENTIAL in kinds(first.derivation)
    assert StepKind.TAKE_DIFFERENTIAL not in kinds(second.derivation)


def test_method_both_with_several_variables(tmp_path: Path) -> None:
    path = handout(tmp_path, HEAD + SECTION + '\n[[section.item]]\nexpr = "y\' A x"\n'
                   'wrt = ["x", "A"]\nmethod = "both"\n')  # fmt: skip
    items = ho.derive_handout(ho.load_handout(path), prove=prove).sections[0].items
    assert [ascii_str(i.second.result.rhs) for i in items if i.second] == ["A' y", "y x'"]


def test_method_unknown_value_names_line_and_key(tmp_path: Path) -> None:
    path = handout(tmp_path, HEAD + SECTION + '\n[[section.item]]\nidentity = "trace"\n'
                   'method = "differentials"\n')  # fmt: skip
    with pytest.raises(ho.HandoutFileError) as caught:
        ho.load_handout(path)
    assert (caught.value.line, caught.value.key) == (8, "section[1].item[1].method")
    assert "must be one of index, differential, both, not 'differentials'" in str(caught.value)


def test_method_both_refused_construct_is_named(tmp_path: Path) -> None:
    path = handout(tmp_path, HEAD + 'method = "both"\n' + SECTION
                   + '\n[[section.item]]\nexpr = "A X"\nwrt = "X"\n')
    with pytest.raises(ho.HandoutFileError) as caught:
        ho.derive_handout(ho.load_handout(path), prove=prove)
    assert caught.value.key == "section[1].item[1].expr"
    assert "not supported by the differential method yet: derivatives of a matrix" in str(
        caught.value
    )


def test_method_both_refuses_two_different_results(tmp_path: Path) -> None:
    """One result needs the same expression from both methods; a prover that ends elsewhere
    by one method is caught before anything is rendered."""

    def skewed(expr: str, *args: object, method: str, **kwargs: object) -> object:
        return prove("2 " + expr if method == "differential" else expr, *args, method=method,
                     **kwargs)  # type: ignore[arg-type]

    path = handout(tmp_path, HEAD + SECTION + '\n[[section.item]]\nexpr = "x\' x"\nwrt = "x"\n'
                   'method = "both"\n')  # fmt: skip
    with pytest.raises(ho.HandoutFileError) as caught:
        ho.derive_handout(ho.load_handout(path), prove=skewed)
    message = str(caught.value)
    assert "the index method gives 2 x and the differential method 4 x" in message
