"""Over the whole catalog: every reason is true of its step, and every index reads unambiguously.

No step is labelled "recognise" without removing a sum or "collect" without combining terms (the
verifier's own confirmation, run here on every proof), and no summation index is named like a
dimension or a symbol, or shares its name with another index of the same term.
"""

from __future__ import annotations

import pytest

import derive
from derive.api import prove_identity
from derive.calculus.proof import Derivation
from derive.calculus.rules import StepKind
from derive.catalog import identities as catalog
from derive.check.confirm import confirm_rules
from derive.ir import index as ix

_ALL = catalog.all_identities()


def _reserved(derivation: Derivation) -> set[str]:
    names = set(derivation.symbols) | {n.lower() for n in derivation.symbols}
    for info in derivation.symbols.values():
        names |= {d for d in (info.shape.rows, info.shape.cols) if isinstance(d, str)}
    return names


def _index_lines(derivation: Derivation) -> list[ix.IndexSum]:
    lines = [line for step in derivation.steps for line in step.lines]
    lines += [f for step in derivation.steps for fact in step.facts for f in (fact.lhs, fact.rhs)]
    return [line for line in lines if isinstance(line, ix.IndexSum)]


def _terms(derivation: Derivation) -> list[ix.Term]:
    return [t for line in _index_lines(derivation) for t in line.terms]


def _free_names(derivation: Derivation) -> set[str]:
    names = {i.name for line in _index_lines(derivation) for i in line.free}
    return names | {i.name for step in derivation.steps for i in step.for_all}


@pytest.fixture(scope="module")
def proofs() -> dict[str, Derivation]:
    return {i.name: prove_identity(i, verify=False) for i in _ALL}


@pytest.fixture(scope="module")
def handout_proofs() -> list[Derivation]:
    """Every proof of the default handout, in the layout the handout gives it."""
    from derive.documents.handouts.build import derive_handout
    from derive.documents.handouts.load import load_handout

    def prove(*args: object, **kwargs: object) -> Derivation:
        kwargs["verify"] = False
        return derive.prove(*args, **kwargs)  # type: ignore[arg-type]

    handout = derive_handout(load_handout(), prove=prove, jobs=1)
    return [item.derivation for section in handout.sections for item in section.items
            if item.derivation is not None]  # fmt: skip


def test_wording_default_handout_reasons_and_indices(handout_proofs: list[Derivation]) -> None:
    assert len(handout_proofs) >= 19  # every identity and expression item
    for derivation in handout_proofs:
        assert confirm_rules(derivation) == [], derivation.source
        reserved = _reserved(derivation)
        assert not _free_names(derivation) & reserved, derivation.source
        for term in _terms(derivation):
            assert not {i.name for i in term.sums} & reserved, derivation.source


@pytest.mark.parametrize("name", [i.name for i in _ALL])
def test_wording_every_step_does_what_its_kind_says(name: str,
                                                     proofs: dict[str, Derivation]) -> None:
    assert confirm_rules(proofs[name]) == []


@pytest.mark.parametrize("name", [i.name for i in _ALL])
def test_wording_no_summation_index_is_a_dimension_or_symbol(
    name: str, proofs: dict[str, Derivation]
) -> None:
    derivation = proofs[name]
    reserved = _reserved(derivation)
    for term in _terms(derivation):
        clash = {i.name for i in term.sums} & reserved
        assert not clash, f"{name}: summation index {clash} is also a size or a symbol"
        free = {i.name for f in term.factors for i in f.indices} - {i.name for i in term.sums}
        assert not free & reserved, f"{name}: free index {free & reserved} is a size or symbol"
        indices = {i for f in term.factors for i in f.indices} | set(term.sums)
        names = [i.name for i in indices]
        assert len(names) == len(set(names)), f"{name}: an index name is used twice in a term"


def test_wording_recognise_and_collect_only_where_true(proofs: dict[str, Derivation]) -> None:
    for name, derivation in proofs.items():
        before: ix.IndexSum | None = None
        for step in derivation.steps:
            after = step.lines[-1]
            if step.kind == StepKind.RECOGNISE:
                assert before is not None and any(t.sums for t in before.terms), name
            if step.kind == StepKind.COLLECT:
                assert before is not None and isinstance(after, ix.IndexSum)
                assert len(after.terms) < len(before.terms), name
            if isinstance(after, ix.IndexSum) and step.kind not in (StepKind.RECOGNISE,
                                                                    StepKind.ENTRIES):
                before = after


def test_wording_trace_with_a_size_named_p_sums_over_another_letter() -> None:
    derivation = derive.prove("tr(A X B)", "X", declare=("A: p x n",), verify=False)
    index_form = derivation.steps[1].lines[-1]
    assert isinstance(index_form, ix.IndexSum)
    assert "p" not in {i.name for t in index_form.terms for i in t.sums}


@pytest.mark.parametrize(("expr", "wrt", "declare"), [
    ("tr(A X)", "X", ("A: k x n",)),
    ("x' A x", "x", ("A: k x k",)),
    ("y' A x", "x", ("A: j x l",)),
])  # fmt: skip
def test_wording_free_indices_avoid_sizes_and_symbols(expr: str, wrt: str,
                                                       declare: tuple[str, ...]) -> None:
    derivation = derive.prove(expr, wrt, declare=declare, hessian=expr == "x' A x")
    assert _free_names(derivation)
    assert not _free_names(derivation) & _reserved(derivation)


# -- hypotheses, ambiguous names, the handout's opening ---------------------------------------


@pytest.mark.parametrize(("expr", "wrt", "declare", "sentence"), [
    ("log(det(X))", "X", (), "X ∈ ℝⁿˣⁿ; det(X) > 0."),
    ("det(A X B)", "X", ("A: n x n",), "A X B is invertible;"),
    ("(x' A' A x) / (x' B' B x)", "x", (), "xᵀ Bᵀ B x ≠ 0;"),
    ("x' inv(A) x", "x", (), "A is invertible;"),
], ids=["log-det", "det-product", "quotient", "inverse"])  # fmt: skip
def test_wording_hypotheses_are_stated(expr: str, wrt: str, declare: tuple[str, ...],
                                       sentence: str) -> None:  # fmt: skip
    text = derive.prove(expr, wrt, declare=declare).to_text()
    assert sentence in " ".join(text.split())


def test_wording_no_hypothesis_for_a_polynomial() -> None:
    text = derive.prove("x' A x", "x").to_text()
    assert "> 0" not in text and "≠ 0" not in text and "invertible" not in text


@pytest.mark.parametrize(("expr", "warned"), [
    ("x' Ax", ["Ax"]), ("x' xA", ["xA"]), ("x' A x", []), ("alpha x", []),
    ("b' Bx", ["Bx"]),
], ids=["Ax", "xA", "spaced", "greek", "Bx"])  # fmt: skip
def test_wording_ambiguous_names_warn(expr: str, warned: list[str]) -> None:
    from derive.language.frontend import parse

    problem = parse(expr)
    assert [w.split()[0] for w in problem.warnings] == warned
    for name in warned:
        assert f"{name} is read as one symbol; write {' '.join(name)} for a product" in \
            problem.warnings


def test_wording_declared_name_does_not_warn() -> None:
    from derive.language.frontend import parse

    assert parse("x' Ax", ("Ax: n x n",)).warnings == ()


def test_wording_ambiguous_name_warns_on_stderr_and_in_json() -> None:
    import json

    from click.testing import CliRunner

    from derive.cli import main

    runner = CliRunner()
    proved = runner.invoke(main, ["prove", "x' Ax", "--wrt", "x", "-f", "json"])
    assert proved.exit_code == 0
    assert "Warning: Ax is read as one symbol; write A x for a product" in proved.stderr
    assert json.loads(proved.stdout)["input"]["warnings"] == [
        "Ax is read as one symbol; write A x for a product"]
    parsed = runner.invoke(main, ["parse", "x' Ax"])
    assert "Warning: Ax is read as one symbol" in parsed.stderr


def test_wording_unverified_handout_does_not_claim_checks() -> None:
    from derive.documents.document import Handout, Item, Section
    from derive.documents.handouts.render import render_handout

    derivation = derive.prove("a' x", "x", verify=False)
    item = Item(title="Linear", derivation=derivation)
    for verify in (True, False):
        handout = Handout(name="h", title="H", sections=(Section("S", (item,)),),
                          options={"verify": verify})  # fmt: skip
        for fmt in ("md", "tex"):
            text = render_handout(handout, fmt)
            assert ("checked exactly" in text) is verify, (fmt, verify)
            assert ("were not checked" in text) is not verify, (fmt, verify)


@pytest.mark.parametrize(("expr", "wrt", "result"), [
    ("(x' A' A x) / (x' B' B x)", "x", "2 (xᵀ Bᵀ B x)⁻¹ (Aᵀ A - α Bᵀ B) x"),
    ("2 alpha^-1 x' x", "alpha", "-f / α"),  # the coefficient 2 belongs to f
], ids=["quotient", "scaled"])  # fmt: skip
def test_wording_quotient_is_written_with_the_function_name(expr: str, wrt: str,
                                                            result: str) -> None:  # fmt: skip
    from derive.documents.printer import unicode

    derivation = derive.prove(expr, wrt)  # verified: the substitution keeps the value
    assert unicode(derivation.result.rhs, derivation.symbols) == result


# -- the norm, in visible steps ----------------------------------------------------------------


@pytest.mark.parametrize(("expr", "hypothesis"), [
    ("norm(x)", "‖x‖ ≠ 0"), ("norm(A x - b)", "‖A x - b‖ ≠ 0"), ("norm(X)", "‖X‖ ≠ 0"),
])  # fmt: skip
def test_wording_norm_derivative_is_its_own_step(expr: str, hypothesis: str) -> None:
    from derive.calculus.rules import RuleName

    derivation = derive.prove(expr, "X" if "X" in expr else "x")
    kinds = [step.kind for step in derivation.steps]
    chain = derivation.steps[kinds.index(StepKind.CHAIN)]
    assert [r.name for r in chain.rules] == [RuleName.NORM]
    line = chain.lines[-1]
    assert isinstance(line, ix.IndexSum)
    # the norm's rule leaves the inner derivative to the next steps: dx_i/dx_k, not delta_ik
    assert all(any(isinstance(f, ix.Partial) for f in t.factors) for t in line.terms)
    assert not any(isinstance(f, ix.Delta) for t in line.terms for f in t.factors)
    assert kinds.index(StepKind.BASIC_DERIVATIVES) > kinds.index(StepKind.CHAIN)
    assert hypothesis in derivation.to_text()


def test_wording_squared_norm_is_multiplied_out_first() -> None:
    from derive.calculus.rules import RuleName
    from derive.documents.printer import unicode

    derivation = derive.prove("norm(A x - b)^2", "x")
    first = derivation.steps[1]
    assert first.kind == StepKind.EXPAND
    assert [r.name for r in first.rules] == [RuleName.NORM_SQUARED, RuleName.DISTRIBUTE]
    shown = [unicode(line, derivation.symbols) for line in first.lines[1:]]
    assert shown == ["(A x - b)ᵀ (A x - b)", "xᵀ Aᵀ A x - xᵀ Aᵀ b - bᵀ A x + bᵀ b"]
    assert derivation.steps[2].kind == StepKind.INDEX_FORM


def test_wording_derivation_shows_itself_as_latex_and_html() -> None:
    d = derive.prove("x' A x", "x")
    assert d.to_latex().startswith("\\documentclass")  # a whole document
    fragment = d.to_latex(fragment=True)  # a snippet to \input
    assert fragment.startswith("% derive: a proof to \\input") and "\\documentclass" not in fragment
    html = d._repr_html_()  # None only where node or KaTeX is missing (Jupyter shows LaTeX)
    assert html is None or ('class="derive-proof"' in html and "<math" in html)


def test_wording_no_hypothesis_for_the_log_of_a_sum_of_exponentials() -> None:
    # 1' exp(x) is a scalar product of positive factors: surely positive, nothing to assume
    d = derive.prove("log(1' exp(x))", "x")
    assert not d.hypotheses and "> 0" not in d.to_text()
    assert derive.prove("log(a' x)", "x").hypotheses.positive  # a' x may be negative


def test_wording_a_product_of_sums_inside_a_sum_is_multiplied_out_first() -> None:
    # c + (x - y)' (x - y): the reader sees the square expanded before its index form
    kinds = [step.kind.value for step in derive.prove("c + (x - y)' (x - y)", "x").steps]
    assert kinds[:3] == ["define", "expand", "index_form"]


@pytest.mark.parametrize(("expr", "wrt", "kind"), [
    ("sqrt(abs(a' x))", "x", "nonzero"),  # |a' x| > 0 says a' x ≠ 0
    ("log(abs(det(X)))", "X", "invertible"),  # |det X| > 0 says det X ≠ 0: X is invertible
])
def test_wording_a_positive_absolute_value_is_assumed_as_nonzero(expr: str, wrt: str,
                                                                  kind: str) -> None:  # fmt: skip
    hypotheses = derive.prove(expr, wrt).hypotheses
    assert not hypotheses.positive and len(getattr(hypotheses, kind)) == 1


def test_wording_derivation_records_the_options_it_was_made_with() -> None:
    # Derivation.options is public data: what the proof was asked for
    assert derive.prove("x' A x", "x", hessian=True).options == {"hessian": True}
    assert derive.prove("x' A x", "x").options == {"hessian": False}


@pytest.mark.parametrize(("expr", "name"), [
    ("A x", "y"), ("y + f + g + A x", "h"), ("y + f + g + h + A x", "y_0"),
])
def test_wording_a_vector_function_takes_the_first_free_name(expr: str, name: str) -> None:
    assert derive.prove(expr, "x").function.name == name
