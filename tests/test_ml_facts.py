"""The chain rule of an elementwise function, stated as a fact beside its step (``∂σ(u)ᵢ/∂xₖ =
σ′(u)ᵢ ∂uᵢ/∂xₖ`` and ``σ′(u) = σ(u) ∘ (𝟏 - σ(u))``): printed with σ′, checked by the verifier
like a step's lines, a tampered fact refused."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from fractions import Fraction

import pytest

import derive
from derive.calculus.proof import Derivation, Fact
from derive.check.verify import verify
from derive.documents.printer import ascii_str, latex, unicode
from derive.documents.render import render_derivation
from derive.errors import VerificationError
from derive.ir import elementwise as el
from derive.ir import expr as ex
from derive.ir import index as ix
from derive.ir.functions import Prime
from derive.language.frontend import parse


def _facts(derivation: Derivation) -> list[Fact]:
    return [f for step in derivation.steps for f in step.facts]


@pytest.mark.parametrize(("source", "expected"), [
    ("a' sigma(W x + b)", ["∂σ(W x + b)ᵢ/∂xₖ = σ′(W x + b)ᵢ ∂(W x + b)ᵢ/∂xₖ",
                           "σ′(W x + b) = σ(W x + b) ∘ (𝟏 - σ(W x + b))"]),
    ("sum(tanh(x))", ["∂tanh(x)ᵢ/∂xₖ = tanh′(x)ᵢ ∂xᵢ/∂xₖ", "tanh′(x) = 𝟏 - tanh(x) .^ 2"]),
    ("sum(exp(x))", ["∂exp(x)ᵢ/∂xₖ = exp(x)ᵢ ∂xᵢ/∂xₖ"]),
], ids=["sigma", "tanh", "exp"])  # fmt: skip
def test_facts_chain_rule_written_with_the_prime(source: str, expected: list[str]) -> None:
    derivation = derive.prove(source, "x")
    shown = [f"{unicode(f.lhs, derivation.symbols)} = {unicode(f.rhs, derivation.symbols)}"
             for f in _facts(derivation) if "∂x" not in unicode(f.lhs)[:3]]  # fmt: skip
    assert [s for s in shown if s.split(" = ")[0] != "∂xᵢ/∂xₖ"] == expected


def test_facts_prime_prints_in_every_language() -> None:
    u = ex.add(ex.mul(ex.Symbol("W", ex.Shape("m", "n")), ex.Symbol("x", ex.Shape("n", 1))),
               ex.Symbol("b", ex.Shape("m", 1)))  # fmt: skip
    prime = Prime("sigma", u)
    assert unicode(prime) == "σ′(W x + b)"
    assert latex(prime) == "\\sigma'(W x + b)"
    assert unicode(ix.Entry(prime, (ix.Index("i", "m"),))) == "σ′(W x + b)ᵢ"
    # the input language has no σ′: its ASCII print is its value, which reads back
    text = ascii_str(prime)
    assert text == "sigma(W x + b) .* (ones - sigma(W x + b))"
    assert parse(text, ("W: m x n",)).expr == prime.body


def _tampered(derivation: Derivation, change: Callable[[Fact], Fact | None]) -> Derivation:
    steps = []
    for step in derivation.steps:
        facts = tuple(change(f) or f for f in step.facts)
        steps.append(dataclasses.replace(step, facts=facts))
    return dataclasses.replace(derivation, steps=tuple(steps), verification=None)


def test_facts_are_checked_and_a_wrong_prime_is_refused() -> None:
    derivation = derive.prove("a' sigma(W x + b)", "x")
    assert derivation.proven

    def wrong_prime(fact: Fact) -> Fact | None:  # σ′(u) = σ(u), a common slip
        if isinstance(fact.lhs, Prime):
            return Fact(fact.lhs, el.Apply("sigma", fact.lhs.arg))
        return None

    with pytest.raises(VerificationError, match="a basic derivative it states is false"):
        verify(_tampered(derivation, wrong_prime))


def test_facts_a_wrong_chain_rule_is_refused() -> None:
    derivation = derive.prove("sum(tanh(W x))", "x")

    def doubled(fact: Fact) -> Fact | None:  # ∂tanh(u)ᵢ/∂xₖ = 2 tanh′(u)ᵢ ∂uᵢ/∂xₖ
        rhs = fact.rhs
        if isinstance(rhs, ix.IndexSum) and any(isinstance(f, ix.Entry) and
                                                isinstance(f.base, Prime)
                                                for t in rhs.terms for f in t.factors):
            terms = tuple(dataclasses.replace(t, coeff=t.coeff * Fraction(2)) for t in rhs.terms)
            return Fact(fact.lhs, dataclasses.replace(rhs, terms=terms))
        return None

    tampered = _tampered(derivation, doubled)
    assert tampered != derivation
    with pytest.raises(VerificationError, match="a basic derivative it states is false"):
        verify(tampered)


def test_facts_stay_inside_the_margin_of_the_page() -> None:
    """In TeX the facts are separate formulas joined by commas, so a line may break between
    them (one long formula cannot break)."""
    tex = render_derivation(derive.prove("a' sigma(W x + b)", "x"), "tex")
    line = next(t for t in tex.splitlines() if "\\sigma'" in t)
    assert line.count("$") >= 4  # two facts, each its own formula
