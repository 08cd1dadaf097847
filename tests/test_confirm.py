"""What the values of a proof's lines cannot show, confirmed: each test feeds the verifier a
derivation tampered in one way that every line's value still allows, and sees it refused.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import pytest

import derive
from derive.calculus.proof import Derivation, Fact, Step
from derive.calculus.rules import RULES, RuleName, StepKind
from derive.check.confirm import confirm_continuity, confirm_ranges, confirm_rules
from derive.check.verify import verify
from derive.errors import VerificationError
from derive.ir import expr as ex
from derive.ir import index as ix


def _unverified(expr: str, wrt: str, *declare: str) -> Derivation:
    return derive.prove(expr, wrt, declare=declare, verify=False)


def _number(derivation: Derivation, kind: StepKind) -> int:
    return next(n for n, step in enumerate(derivation.steps) if step.kind == kind)


def _with_step(derivation: Derivation, number: int, step: Step) -> Derivation:
    steps = (*derivation.steps[:number], step, *derivation.steps[number + 1 :])
    return dataclasses.replace(derivation, steps=steps)


def _cite(derivation: Derivation, kind: StepKind, *names: RuleName) -> Derivation:
    number = _number(derivation, kind)
    step = dataclasses.replace(derivation.steps[number], rules=tuple(RULES[n] for n in names))
    return _with_step(derivation, number, step)


def _refused(derivation: Derivation, match: str) -> None:
    with pytest.raises(VerificationError) as caught:
        verify(derivation)
    assert any(match in failure for failure in caught.value.failures), caught.value.failures


# -- the cited rule ---------------------------------------------------------------------------


def test_confirm_every_catalog_proof_as_derived() -> None:
    for expr, wrt, declare in (("x' A x", "x", ()), ("log(det(X))", "X", ()),
                               ("det(A X B)", "X", ("A: n x n",)), ("a' inv(X) b", "X", ()),
                               ("tr(A)", "A", ())):  # fmt: skip
        derivation = _unverified(expr, wrt, *declare)
        assert confirm_rules(derivation) == []
        assert confirm_ranges(derivation) == []
        assert confirm_continuity(derivation) == []


def test_confirm_jacobi_step_citing_the_inverse_is_refused() -> None:
    derivation = _cite(_unverified("log(det(X))", "X"), StepKind.CHAIN, RuleName.LOG)
    # the first chain step (the logarithm) is fine; cite the inverse on the Jacobi step
    numbers = [n for n, s in enumerate(derivation.steps) if s.kind == StepKind.CHAIN]
    jacobi = derivation.steps[numbers[1]]
    assert [r.name for r in jacobi.rules] == ["jacobi"]
    wrong = _with_step(derivation, numbers[1],
                       dataclasses.replace(jacobi, rules=(RULES[RuleName.INVERSE],)))
    _refused(wrong, "cites inverse and misses jacobi")


def test_confirm_product_rule_on_a_linear_form_is_refused() -> None:
    derivation = _cite(_unverified("a' x", "x"), StepKind.DIFFERENTIATE, RuleName.PRODUCT_RULE)
    _refused(derivation, "the product rule is cited where no two varying factors meet")


def test_confirm_linearity_where_the_product_rule_is_needed_is_refused() -> None:
    derivation = _cite(_unverified("x' A x", "x"), StepKind.DIFFERENTIATE, RuleName.LINEARITY)
    _refused(derivation, "two varying factors meet but the product rule is not cited")


def test_confirm_dependency_called_a_variable_entry_is_refused() -> None:
    derivation = _unverified("a' x", "z", "x: n, depends on z", "z: m")
    wrong = _cite(derivation, StepKind.BASIC_DERIVATIVES, RuleName.VARIABLE_ENTRY)
    _refused(wrong, "misses jacobian_entry")


def test_confirm_recognise_without_a_sum_is_refused() -> None:
    derivation = _unverified("tr(A)", "A")
    number = _number(derivation, StepKind.ENTRIES)
    step = dataclasses.replace(derivation.steps[number], kind=StepKind.RECOGNISE)
    _refused(_with_step(derivation, number, step), "there is no sum to recognise")


def test_confirm_collect_that_only_reorders_is_refused() -> None:
    derivation = _unverified("a' inv(X) b", "X")
    number = _number(derivation, StepKind.REORDER)
    step = dataclasses.replace(derivation.steps[number], kind=StepKind.COLLECT)
    _refused(_with_step(derivation, number, step), "combines no terms")


def test_confirm_rename_that_only_reorders_is_refused() -> None:
    derivation = _unverified("a' inv(X) b", "X")
    number = _number(derivation, StepKind.REORDER)
    step = dataclasses.replace(derivation.steps[number], kind=StepKind.RENAME)
    _refused(_with_step(derivation, number, step), "renames nothing")


def test_confirm_reorder_that_renames_is_refused() -> None:
    derivation = _unverified("x' A x", "x")
    number = _number(derivation, StepKind.RENAME)
    step = dataclasses.replace(derivation.steps[number], kind=StepKind.REORDER)
    _refused(_with_step(derivation, number, step), "changes more than the order of factors")


# -- ranges, facts, continuity, symmetry ------------------------------------------------------


def test_confirm_sum_over_the_wrong_range_is_refused() -> None:
    """A sum printed as running to 1 over an index of an axis of length m."""
    derivation = _unverified("x' A y", "x", "A: n x m")
    number = _number(derivation, StepKind.INDEX_FORM)
    step = derivation.steps[number]
    line = step.lines[-1]
    assert isinstance(line, ix.IndexSum)
    m_index = next(i for t in line.terms for i in t.sums if i.dim == "m")
    short = ix.Index(m_index.name, 1)
    wrong_line = ix.IndexSum(tuple(ix.rename(t, {m_index: short}) for t in line.terms), line.free)
    wrong = _with_step(derivation, number, dataclasses.replace(step, lines=(step.lines[0],
                                                                            wrong_line)))
    _refused(wrong, f"index {m_index.name} runs to 1 but addresses an axis of length m")


def test_confirm_false_basic_fact_is_refused() -> None:
    """The printed fact d x_ij / d x_kl = delta_jk delta_il (indices crossed) is false."""
    derivation = _unverified("tr(A X)", "X")
    number = _number(derivation, StepKind.BASIC_DERIVATIVES)
    step = derivation.steps[number]
    fact = step.facts[0]
    assert isinstance(fact.rhs, ix.IndexSum)
    (term,) = fact.rhs.terms
    crossed = tuple(ix.Delta(d.i, d.j) for d in term.factors if isinstance(d, ix.Delta))
    (j, p), (k, el) = (crossed[0].i, crossed[1].i), (crossed[0].j, crossed[1].j)
    false = ix.IndexSum((ix.Term(Fraction(1), (), (ix.Delta(p, k), ix.Delta(j, el))),),
                        fact.rhs.free)  # fmt: skip
    wrong = _with_step(derivation, number, dataclasses.replace(step, facts=(Fact(fact.lhs,
                                                                                  false),)))
    _refused(wrong, "a basic derivative it states is false")


def test_confirm_simplify_that_drops_its_last_line_is_refused() -> None:
    derivation = _unverified("x' A x", "x")
    number = _number(derivation, StepKind.SIMPLIFY)
    step = derivation.steps[number]
    assert len(step.lines) == 2
    shortened = dataclasses.replace(step, lines=(step.lines[0], step.lines[0]))
    _refused(_with_step(derivation, number, shortened), "is not the line before it")


def test_confirm_step_skipped_between_index_steps_is_refused() -> None:
    """Dropping the contract step leaves a rename that starts from uncontracted deltas."""
    derivation = _unverified("x' A x", "x")
    number = _number(derivation, StepKind.CONTRACT)
    steps = (*derivation.steps[:number], *derivation.steps[number + 1 :])
    _refused(dataclasses.replace(derivation, steps=steps), "changes more than the names")


def test_confirm_symmetry_used_before_it_is_said_is_refused() -> None:
    """x' S x with S symmetric: writing S where S^T belongs in the recognise step."""
    derivation = _unverified("x' S x", "x", "S: n x n, symmetric")
    number = _number(derivation, StepKind.RECOGNISE)
    step = derivation.steps[number]
    line = step.lines[-1]
    assert isinstance(line, ix.IndexSum)

    def untranspose(node: ex.Expr) -> ex.Expr:
        if isinstance(node, ex.Transpose) and isinstance(node.arg, ex.Symbol):
            return node.arg
        if isinstance(node, ex.MatMul):
            return ex.mul(*(untranspose(f) for f in node.factors))
        return node

    silent = ix.IndexSum(tuple(dataclasses.replace(t, factors=tuple(
        ix.Entry(untranspose(f.base), f.indices) if isinstance(f, ix.Entry) else f
        for f in t.factors)) for t in line.terms), line.free)  # fmt: skip
    assert silent != line
    wrong = _with_step(derivation, number, dataclasses.replace(step, lines=(step.lines[0],
                                                                            silent)))
    _refused(wrong, "uses the symmetry of a matrix before saying so")


# -- the printed lines, read back by derive's own parser ---------------------------------------


@pytest.mark.parametrize(("printer", "form"), [
    ("LatexPrinter", "LaTeX"), ("UnicodePrinter", "text"), ("AsciiPrinter", "ASCII"),
])  # fmt: skip
def test_confirm_printer_that_drops_a_transpose_is_refused(monkeypatch: pytest.MonkeyPatch,
                                                           printer: str, form: str) -> None:
    from derive.documents import printer as printers

    derivation = _unverified("x' A x", "x")
    monkeypatch.setattr(getattr(printers, printer), "_print_Transpose",
                        lambda self, node: self.doprint(node.arg))  # fmt: skip
    _refused(derivation, f"its {form} line")


def test_confirm_printer_that_writes_an_inverse_for_its_transpose_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from derive.documents.printer import LatexPrinter

    derivation = _unverified("log(det(X))", "X")
    original = LatexPrinter._print_Transpose
    monkeypatch.setattr(LatexPrinter, "_print_Transpose", lambda self, node: (
        self.doprint(node.arg) if isinstance(node.arg, ex.Inverse) else original(self, node)))
    _refused(derivation, "its LaTeX line 'X^{-1}' reads back as a different value")


@pytest.mark.parametrize(("expr", "wrt", "declare"), [
    ("v u", "x", ("v: scalar, depends on x", "u: 2, depends on x")),  # Jacobians as stand-ins
    ("(x' A' A x) / (x' B' B x)", "x", ()),  # the function's name alpha in the result
    ("(y - A x)' (y - A x)", "x", ()),
])  # fmt: skip
def test_confirm_printed_lines_read_back(expr: str, wrt: str, declare: tuple[str, ...]) -> None:
    from derive.check.confirm import read_back
    from derive.check.evaluate import Point

    derivation = _unverified(expr, wrt, *declare)
    compared: list[float] = []

    def error(value: object, expected: object) -> float:
        compared.append(_relative_error(value, expected))
        return compared[-1]

    point = _point(derivation)
    assert isinstance(point, Point)
    assert read_back(derivation, point, error, 1e-6) == []
    assert len(compared) >= 6  # the statement, the result, ... each in three forms


def _point(derivation: Derivation) -> object:
    import numpy as np

    from derive.check.verify import assign_sizes, numeric_point

    sizes = assign_sizes(derivation.problem)
    return numeric_point(derivation.problem, sizes, np.random.default_rng(0))


def _relative_error(value: object, expected: object) -> float:
    from derive.check.verify import relative_error

    return float(relative_error(value, expected))


def test_confirm_a_line_that_cannot_be_compared_reads_back_as_different() -> None:
    """A comparison that fails (ValueError: values that do not line up) is a failed read-back
    with an infinite error, reported for the line, never an exception out of the check."""
    from derive.check.confirm import read_back
    from derive.check.evaluate import Point

    derivation = _unverified("x' A x", "x")
    point = _point(derivation)
    assert isinstance(point, Point)

    def error(value: object, expected: object) -> float:
        raise ValueError("the two values do not line up")

    failures = read_back(derivation, point, error, 1e-6)
    assert failures
    assert all(f.endswith("reads back as a different value (relative error inf)")
               for f in failures)  # fmt: skip
