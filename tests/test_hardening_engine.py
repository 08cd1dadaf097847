"""Issue 15, the engine side: each reproduction of the issue, exactly as given there.

Any number of size symbols; no float overflow; the public API checks its arguments; a time
budget with a message naming the stage and the part; correct results never refused (exact
fallbacks where floating point cannot decide); an identically zero denominator is a domain error.
"""

from __future__ import annotations

import importlib
import pkgutil
import warnings
from fractions import Fraction

import numpy as np
import pytest
from click.testing import CliRunner

import derive
from derive.budget import OutOfTime
from derive.check import exact
from derive.check.verify import assign_sizes
from derive.cli import main
from derive.errors import DeriveError, DomainError, LimitError

# -- 1. more than 8 size symbols ------------------------------------------------------------------


def test_hardening_nine_size_symbols_prove() -> None:
    derivation = derive.prove("a' B C D E F G H J x", "x")
    assert derivation.proven
    sizes = derivation.verification.sizes
    assert len(sizes) == 9 and len(set(sizes.values())) == 9  # distinct, none missing


def test_hardening_sizes_for_any_number_of_symbols() -> None:
    names = " ".join(f"A{k}" for k in range(30))
    problem = derive.parse(f"a' {names} x", wrt="x")
    sizes = assign_sizes(problem)
    assert len(sizes) == 31 and len(set(sizes.values())) == 31, sizes
    assert max(sizes.values()) <= 40  # small: the table's sizes, then counting up


def test_hardening_eight_dependencies_give_a_derive_error_not_a_key_error() -> None:
    declared = ("A: n x n, depends on z0, z1, z2, z3, z4, z5, z6, z7",)
    for expr in ("x' A x", "A"):
        with pytest.raises(DeriveError):
            derive.prove(expr, "z0", declare=declared)


# -- 1 and 4. overflow, and correct results that floating point cannot decide -------------------


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize(
    ("expr", "wrt"),
    [("(1000000 x' x)^100", "x"), ("(1000 x' x)^100", "x"), ("(x' x)^-100", "x"),
     ("det(X^60)", "X")],
    ids=["huge-coefficient", "power-100", "power-minus-100", "det-X60"],
)  # fmt: skip
def test_hardening_correct_results_are_proven(expr: str, wrt: str) -> None:
    derivation = derive.prove(expr, wrt, time_limit=None)
    assert derivation.proven
    # the steps floating point could not decide are said to be decided exactly
    assert "compared exactly" in derivation.verification.exact_method


@pytest.mark.slow
@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize(
    ("expr", "wrt"),
    [("det(X^100)", "X"), ("log(det(X^100))", "X"), ("x' " + "A " * 1000 + "x", "x")],
    ids=["det-X100", "logdet-X100", "thousand-As"],
)
def test_hardening_ill_conditioned_results_are_proven(expr: str, wrt: str) -> None:
    assert derive.prove(expr, wrt, time_limit=None).proven


def test_hardening_a_wrong_step_still_fails_the_exact_fallback() -> None:
    """The fallback decides, it does not wave through: a wrong step fails it."""
    from derive.check.fallback import StepJudge
    from derive.check.verify import numeric_point

    problem = derive.parse("(1000000 x' x)^100", wrt="x")
    sizes = assign_sizes(problem)
    point = numeric_point(problem, sizes, np.random.default_rng(0))
    judge = StepJudge(point, problem, sizes, 0, 1e-6)
    right = derive.parse("(1000000 x' x)^100 + x' x", wrt="x").expr
    wrong = derive.parse("(1000000 x' x)^100 + 2 x' x", wrt="x").expr
    assert judge.error((right, right), "same") == 0.0
    assert judge.error((right, wrong), "different") > 1e-6


def test_hardening_modular_arithmetic_is_exact() -> None:
    a, b = exact.Modular.of(Fraction(3, 7)), exact.Modular.of(Fraction(-5, 2))
    assert a * b == Fraction(-15, 14)
    assert (a + b) / b == Fraction(3, 7) / Fraction(-5, 2) + 1
    assert a ** -3 == Fraction(343, 27)
    with pytest.raises(ZeroDivisionError):
        _ = a / (b - b)


def test_hardening_identically_zero_denominator_is_a_domain_error() -> None:
    with pytest.raises(DomainError, match=r"the denominator \"x' x - x' x\" is zero for every"):
        derive.prove("x' x / (x' x - x' x)", "x")
    with pytest.raises(DomainError, match="singular"):
        derive.prove("inv(x x')", "x")
    assert derive.prove("1/(a - 1)", "a").proven  # zero at a = 1 only: not refused


def test_hardening_cli_zero_denominator_exit_2(runner: CliRunner) -> None:
    result = runner.invoke(main, ["prove", "x' x / (x' x - x' x)", "--wrt", "x"])
    assert result.exit_code == 2
    assert "undefined everywhere" in result.stderr and "Traceback" not in result.output


def test_hardening_no_simplify_on_the_verification_path(monkeypatch: pytest.MonkeyPatch) -> None:
    import sympy

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("sympy.simplify was called")

    monkeypatch.setattr(sympy, "simplify", refuse)
    for expr, wrt in (("norm(x)", "x"), ("log(det(X)) tr(X)", "X")):
        derivation = derive.prove(expr, wrt, time_limit=None)
        assert derivation.proven and "SymPy" in derivation.verification.exact_method


# -- 2. the public API -----------------------------------------------------------------------------


def test_hardening_parse_is_the_function_after_any_import() -> None:
    for module in pkgutil.walk_packages(derive.__path__, "derive."):
        if module.name != "derive.__main__":  # that one runs the CLI
            importlib.import_module(module.name)
    from derive import parse

    assert callable(parse) and callable(derive.parse)
    assert parse("x").expr.name == "x"  # type: ignore[attr-defined]
    assert callable(derive.prove) and callable(derive.build)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"wrt": None}, r"wrt must be a string .* not NoneType"),
        ({"wrt": "x", "declare": [None]}, r"declare\[0\] must be a string .* not NoneType"),
        ({"wrt": "x", "declare": "x: n"}, r"declare must be a list of strings .* not str"),
        ({"wrt": "x", "hessian": "no"}, r"hessian must be True or False, not str"),
        ({"wrt": "x", "verify": 1}, r"verify must be True or False, not int"),
        ({"wrt": "x", "seed": 1.5}, r"seed must be an int, not float"),
        ({"wrt": "x", "time_limit": "20"}, r"time_limit must be a number of seconds or None"),
        ({"wrt": "x", "layout": 3}, r"layout must be a string, not int"),
    ],
    ids=["wrt-none", "declare-none", "declare-str", "hessian-no", "verify-int", "seed-float",
         "time-limit-str", "layout-int"],
)  # fmt: skip
def test_hardening_prove_checks_argument_types(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        derive.prove("x' x", **kwargs)  # type: ignore[arg-type]


def test_hardening_bad_time_limit_value() -> None:
    with pytest.raises(ValueError, match="time_limit must be a positive number"):
        derive.prove("x' x", "x", time_limit=0)


def test_hardening_parse_and_build_check_argument_types() -> None:
    with pytest.raises(TypeError, match="text must be a string"):
        derive.parse(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"declare\[0\] must be a string"):
        derive.parse("x", [1])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="formats must be a list of strings"):
        derive.build(None, "pdf")
    with pytest.raises(TypeError, match="out_dir must be a path"):
        derive.build(None, ["md"], None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="answer_key must be True, False or None"):
        derive.build(None, ["md"], answer_key="yes")  # type: ignore[arg-type]


def test_hardening_wrt_in_latex_spelling() -> None:
    assert derive.prove("x' x", r"\mathbf{x}").proven


def test_hardening_bad_wrt_points_into_wrt() -> None:
    with pytest.raises(DeriveError) as caught:
        derive.prove("x' x", "x$")
    assert caught.value.source == "x$" and caught.value.column == 2  # type: ignore[attr-defined]


# -- 3. the time budget ----------------------------------------------------------------------------

PRODUCT_320 = "tr(" + " ".join(["X"] * 320) + ")"


def test_hardening_time_limit_names_stage_and_part() -> None:
    with pytest.raises(OutOfTime) as caught:
        derive.prove(PRODUCT_320, "X", time_limit=0.5)
    message = str(caught.value)
    assert isinstance(caught.value, LimitError)
    assert "the limit of 0.5 s was reached during the derivation" in message
    assert "the costliest part is 'X X X" in message and "(a product of 320 factors)" in message
    assert "--time-limit" in message


def test_hardening_time_limit_in_verification_names_the_step() -> None:
    with pytest.raises(OutOfTime) as caught:
        derive.prove("v' Y^99 v", "v", time_limit=1e-4)  # proved by no other test: no warm caches
    assert caught.value.stage  # "the derivation", or a check such as "the check of step 3"


def test_hardening_cli_time_limit(runner: CliRunner) -> None:
    result = runner.invoke(main, ["prove", PRODUCT_320, "--wrt", "X", "--time-limit", "0.5"])
    assert result.exit_code == 2, result.output
    assert "ran out of time" in result.stderr and "Traceback" not in result.output
    bad = runner.invoke(main, ["prove", "x' x", "--wrt", "x", "--time-limit", "0"])
    assert bad.exit_code == 2 and "--time-limit" in bad.stderr


def test_hardening_no_budget_outside_prove() -> None:
    from derive import budget

    budget.check()  # nothing open: never stops
    with budget.time_limit(None):
        budget.check()


@pytest.fixture(name="runner")
def runner_fixture() -> CliRunner:
    return CliRunner()


def test_hardening_no_runtime_warnings_on_stderr(runner: CliRunner) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        result = runner.invoke(main, ["prove", "(x' x)^-100", "--wrt", "x"])
    assert result.exit_code == 0, result.output
    assert "Warning" not in result.stderr


@pytest.mark.parametrize(("expr", "wrt"), [("sum(log(1 + exp(-y .* (X w))))", "w"),
                                           ("sum(relu(A x))", "x")], ids=["logistic", "relu"])
def test_hardening_exact_fallback_decides_elementwise_steps(expr: str, wrt: str) -> None:
    """Modulo a prime there is no exp or sign: such steps go to SymPy numbers, and agree."""
    from derive.check.fallback import StepJudge
    from derive.check.verify import numeric_point

    derivation = derive.prove(expr, wrt, verify=False)
    problem = derivation.problem
    sizes = assign_sizes(problem)
    point = numeric_point(problem, sizes, np.random.default_rng(0))
    judge = StepJudge(point, problem, sizes, 0, 1e-6)
    for number, step in enumerate(derivation.steps):
        assert judge._exact_agreement(step.lines, f"step {number + 1}") is True
