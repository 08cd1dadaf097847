"""The rule table and the step kinds: every citation names a rule, checked when rules loads."""

from __future__ import annotations

import importlib.util

import pytest

import derive
from derive.calculus import rules
from derive.calculus.proof import ResultKind
from derive.calculus.rules import RULES, RuleName, StepKind
from derive.ir.expr import LAYOUTS, Layout


def test_rules_every_kind_cites_a_rule_of_the_table() -> None:
    for kind in StepKind:
        assert RULES[kind.rule.name] is kind.rule
        assert kind.confirms


def test_rules_names_match_the_table() -> None:
    assert set(RuleName) == set(RULES)


def test_rules_unknown_citation_refused_at_load(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(rules._KINDS, StepKind.COLLECT, ("rename_dumies", "typo"))
    with pytest.raises(RuntimeError, match="rename_dumies"):
        rules._check_kinds()


def test_rules_misspelt_citation_fails_the_module_load() -> None:
    # load the module's own source with one citation misspelt: loading it must fail
    spec = importlib.util.find_spec("derive.calculus.rules")
    assert spec is not None and spec.origin is not None
    with open(spec.origin, encoding="utf-8") as handle:
        source = handle.read()
    good = "StepKind.RESULT: (RuleName.RESULT,"
    assert good in source
    tampered = source.replace(good, 'StepKind.RESULT: ("the_result",')
    namespace: dict[str, object] = {"__name__": "derive.calculus.rules"}  # for dataclasses
    with pytest.raises(RuntimeError, match="the_result"):
        exec(compile(tampered, "tampered_rules", "exec"), namespace)


def test_rules_kinds_and_layouts_compare_as_strings() -> None:
    derivation = derive.prove("x' A x", "x", layout="numerator")
    assert derivation.layout == "numerator" and derivation.layout is Layout.NUMERATOR
    assert derivation.result.kind == "gradient" and derivation.result.kind is ResultKind.GRADIENT
    assert [s.kind for s in derivation.steps][0] == "define"
    assert LAYOUTS == ("mixed", "numerator", "denominator")
