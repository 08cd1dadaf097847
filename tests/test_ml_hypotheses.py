"""Domain conditions stated as hypotheses in the first sentence of a proof: the argument of a log
or a square root positive, of abs, relu or a division nonzero, entry by entry for vectors; an
argument positive for every value (``1 + exp(v)``) needs none. Each format says it, and TeX
compiles it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import derive
from derive.calculus.hypotheses import hypotheses
from derive.documents.pdf import compile_pdf
from derive.documents.printer import latex, unicode
from derive.documents.render import render_derivation
from derive.language.frontend import parse

# (expression, variable, declarations, the hypotheses in the Let sentence, as text prints them)
CASES = [
    ("sum(relu(W x + b))", "W", ("W: m x n",), "W x + b has no zero entry"),
    ("sum(log(x))", "x", ("x: n",), "x has positive entries only"),
    ("sum(sqrt(x))", "x", ("x: n",), "x has positive entries only"),
    ("x ./ y", "y", (), "y has no zero entry"),
    ("norm(x, 1)", "x", (), "x has no zero entry"),
    ("sum(abs(A x - b))", "x", (), "A x - b has no zero entry"),
    ("log(s) + x' x", "x", ("s: scalar",), "s > 0"),
    ("(x' x)^(1/2)", "x", (), "xᵀ x > 0"),
    ("log(abs(det(X)))", "X", (), "X is invertible"),
]  # fmt: skip


@pytest.mark.parametrize(("source", "wrt", "declare", "stated"), CASES, ids=[c[0] for c in CASES])
def test_hypotheses_stated_in_the_let_sentence(source: str, wrt: str, declare: tuple[str, ...],
                                               stated: str) -> None:  # fmt: skip
    text = render_derivation(derive.prove(source, wrt, declare=declare), "text")
    let = " ".join(text.split("Proof")[0].split())
    assert stated in let


@pytest.mark.parametrize("source", [
    "sum(log(1 + exp(-y .* (X w))))", "logsumexp(x)", "0 - y' log(softmax(W x))",
    "sum(softplus(x))", "a' sigma(W x + b)",
])  # fmt: skip
def test_hypotheses_none_where_the_argument_is_always_positive(source: str) -> None:
    problem = parse(source, ("X: m x n", "W: m x n"))
    assert not hypotheses(problem.expr, set())


def test_hypotheses_kinds_are_kept_apart() -> None:
    problem = parse("sum(log(x)) + sum(relu(A x)) + log(s)", ("x: n", "s: scalar"))
    found = hypotheses(problem.expr, set())
    assert [unicode(e) for e in found.positive_entries] == ["x"]
    assert [unicode(e) for e in found.nonzero_entries] == ["A x"]
    assert [unicode(e) for e in found.positive] == ["s"]
    assert found.nonzero == ()


@pytest.mark.parametrize(("fmt", "stated"), [
    ("md", "$W x + b$ has no zero entry"),
    ("tex", "$W x + b$ has no zero entry"),
])  # fmt: skip
def test_hypotheses_in_every_format(fmt: str, stated: str) -> None:
    page = render_derivation(derive.prove("sum(relu(W x + b))", "W"), fmt)
    assert stated in " ".join(page.split())


def test_hypotheses_html() -> None:
    page = render_derivation(derive.prove("sum(log(x))", "x", declare=["x: n"]), "html")
    assert "has positive entries only" in page


@pytest.mark.katex
def test_hypotheses_render_in_katex(katex_errors: Callable[[list[str]], list[str]]) -> None:
    formulas = []
    for source, wrt, declare, _ in CASES:
        found = derive.prove(source, wrt, declare=declare).hypotheses
        formulas += [latex(e) for e in (*found.positive_entries, *found.nonzero_entries)]
    assert katex_errors(formulas) == []


def test_hypotheses_and_symmetric_structure_compile_with_tex(requires_tex: None,
                                                             tmp_path: Path) -> None:  # fmt: skip
    for number, derivation in enumerate((derive.prove("sum(relu(W x + b))", "W"),
                                         derive.prove("log(det(X))", "X", structure="symmetric"),
                                         derive.prove("sigma(t)", "t", declare=["t: scalar"],
                                                      hessian=True))):  # fmt: skip
        source = render_derivation(derivation, "tex")
        pdf = compile_pdf(source, tmp_path / f"page{number}.pdf")
        assert pdf.read_bytes().startswith(b"%PDF")
