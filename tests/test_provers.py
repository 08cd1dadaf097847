"""The proof method is an option on the prover: ``prove(..., method=...)``, ``--method``.

The index method is the default; the differential method is a second prover registered beside
it (tests/test_differential_method.py), and these tests register a stand-in to show that
``prove`` and the CLI route to any prover without other changes.
"""

from __future__ import annotations

import dataclasses

import pytest
from click.testing import CliRunner

import derive
from derive.calculus import index_method, provers
from derive.calculus.options import METHODS, Options
from derive.calculus.proof import Derivation
from derive.cli import main
from derive.errors import UnsupportedError
from derive.language.frontend import parse
from derive.language.shapes import Problem


def test_provers_index_is_the_default_method() -> None:
    assert Options().method == "index"
    assert list(METHODS) == list(provers.PROVERS) == ["index", "differential"]
    assert provers.prover("index") is index_method.derive


def test_provers_derive_runs_the_method_named_in_the_options() -> None:
    problem = parse("x' A x", (), wrt="x")
    by_interface = provers.derive(problem, "x", Options(method="index"))
    direct = index_method.derive(problem, "x", Options())
    assert by_interface.result == direct.result
    assert [s.kind for s in by_interface.steps] == [s.kind for s in direct.steps]


@pytest.mark.parametrize("method", ["tensor", "", "Index"], ids=["other", "empty", "case"])
def test_provers_unknown_method_is_unsupported(method: str) -> None:
    with pytest.raises(UnsupportedError, match=f"there is no proof method {method!r}; the"
                                               " methods are index, differential"):
        derive.prove("x' A x", "x", method=method)


def test_provers_unknown_method_fails_before_parsing() -> None:
    with pytest.raises(UnsupportedError, match="no proof method"):
        derive.prove("x' A x)", "x", method="tensor")  # a parse error otherwise


def test_provers_a_second_method_is_one_registry_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Options] = []

    def twin(problem: Problem, wrt: str, options: Options) -> Derivation:
        calls.append(options)
        derivation = index_method.derive(problem, wrt, options)
        return dataclasses.replace(derivation, steps=derivation.steps[:1] + derivation.steps[-1:])

    monkeypatch.setitem(provers.PROVERS, "twin", twin)
    derivation = derive.prove("x' A x", "x", method="twin", layout="numerator")
    assert calls == [Options(method="twin", layout="numerator")]
    assert [s.kind for s in derivation.steps] == ["define", "result"]
    assert derivation.proven


def test_provers_cli_method_option() -> None:
    runner = CliRunner()
    chosen = runner.invoke(main, ["prove", "x' A x", "--wrt", "x", "--method", "index"])
    default = runner.invoke(main, ["prove", "x' A x", "--wrt", "x"])
    assert chosen.exit_code == 0, chosen.output
    assert chosen.stdout == default.stdout
    unknown = runner.invoke(main, ["prove", "x' A x", "--wrt", "x", "--method", "tensor"])
    assert unknown.exit_code == 2
    assert "Invalid value for '--method': 'tensor' is not one of 'index', 'differential'" in \
        unknown.output
