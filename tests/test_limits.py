"""Bad input: unsupported constructs name themselves, explosions stop with a clear LimitError.

The timings are hang guards, not speed assertions: an expression whose expansion explodes must
stop within the 2 seconds QUALITY.md allows, never run for minutes.
"""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner

import derive
from derive.calculus.options import Options
from derive.calculus.provers import derive as run_engine
from derive.cli import main
from derive.errors import DeriveError, LimitError, UnsupportedError
from derive.ir.index import MAX_TERMS
from derive.language.frontend import parse

HANG_GUARD = 2.0  # seconds (QUALITY.md: "a clear error within 2 s, not a hang")

# (expression, variable, options, a fragment of the message that names the construct)
UNSUPPORTED = [
    ("vec(X)", "X", {}, "vec"),
    ("x' A x", "A", {"hessian": True}, "Hessian"),
    ("A x", "x", {"hessian": True}, "Hessian"),
    ("x' x", "z", {"declare": ("x: n, depends on z",), "hessian": True}, "dependency of x on z"),
]


@pytest.mark.parametrize(
    ("expr", "wrt", "options", "named"), UNSUPPORTED, ids=[row[0] + "-" + row[3] for row in
                                                           UNSUPPORTED],
)  # fmt: skip
def test_limits_unsupported_construct_names_itself(
    expr: str, wrt: str, options: dict[str, object], named: str
) -> None:
    with pytest.raises(UnsupportedError) as caught:
        derive.prove(expr, wrt, **options)  # type: ignore[arg-type]
    assert named in str(caught.value)
    assert isinstance(caught.value, DeriveError)


def test_limits_tensor_result_has_no_sympy_form() -> None:
    derivation = derive.prove("inv(X)", "X")
    with pytest.raises(UnsupportedError, match="tensor"):
        derivation.to_sympy()


EXPLOSIONS = [
    ("tr((A + B)^30)", "A"),
    ("tr((A + B)^14)", "A"),
    ("tr((A + B + X)^9)", "X"),
    ("(x + y)' (x + y) (x + y)' (x + y) (x + y)' (x + y) (x + y)' (x + y) (x + y)' (x + y)"
     " (x + y)' (x + y) (x + y)' (x + y)", "x"),
    ("tr((A + B)^10)", "A"),  # the index form fits; the product rule's output would not
    ("tr((A + B)(A + X)(B + X)(A + B)(A + X)(B + X)(A + B)(A + X)(B + X)(A + B)(A + X)(B + X))",
     "X"),
]


@pytest.mark.parametrize(("expr", "wrt"), EXPLOSIONS, ids=["trace-30", "trace-14", "three-9",
                                                           "many-sums", "product-rule",
                                                           "twelve-sums"])  # fmt: skip
def test_limits_explosion_stops_quickly(expr: str, wrt: str) -> None:
    start = time.perf_counter()
    with pytest.raises(LimitError) as caught:
        derive.prove(expr, wrt)
    elapsed = time.perf_counter() - start
    assert elapsed < HANG_GUARD, f"took {elapsed:.2f} s to give up"
    message = str(caught.value)
    assert f"{MAX_TERMS} terms" in message
    assert "simplify the expression or split it" in message


@pytest.mark.parametrize(
    ("declare", "expr", "wrt"),
    [(("x: 1000",), "x' A x", "x"), (("X: 40 x 40",), "tr(X' X)", "X")],
    ids=["vector-1000", "matrix-40"],
)
def test_limits_huge_declared_size_stops_quickly(
    declare: tuple[str, ...], expr: str, wrt: str
) -> None:
    """Checks run at the declared sizes: a huge one is refused, with the way out named."""
    start = time.perf_counter()
    with pytest.raises(LimitError, match=r"Declare a symbolic size instead \(x: n\)"):
        derive.prove(expr, wrt, declare=declare)
    assert time.perf_counter() - start < HANG_GUARD


def test_limits_huge_size_proves_without_verification() -> None:
    """The engine itself never depends on the size: only the checks are refused."""
    derivation = derive.prove("x' A x", "x", declare=("x: 1000",), verify=False)
    assert not derivation.proven
    assert derivation.result.kind == "gradient"


def test_limits_moderate_expansion_still_proves() -> None:
    """The limit is not so tight that ordinary expressions fail: tr((A + B)^3) has 8 terms."""
    derivation = derive.prove("tr((A + B)^3)", "A")
    assert derivation.proven


def test_limits_engine_option() -> None:
    problem = parse("(y - A x)' (y - A x)", wrt="x")
    with pytest.raises(LimitError, match="past 3 terms"):
        run_engine(problem, "x", Options(max_terms=3))
    assert run_engine(problem, "x", Options(max_terms=100)).result.kind == "gradient"


def test_limits_cli_reports_one_clear_line() -> None:
    result = CliRunner().invoke(main, ["prove", "tr((A + B)^30)", "--wrt", "A"])
    assert result.exit_code == 2
    assert "2000 terms" in result.output
    assert "Traceback" not in result.output


def test_limits_nine_dimensions_prove_or_say_why() -> None:
    # tr(A B C D E F G H J) has nine dimensions (n, m, p, ..., v): a proof, or a clear
    # DeriveError, never a traceback
    runner = CliRunner()
    result = runner.invoke(main, ["prove", "tr(A B C D E F G H J)", "--wrt", "A"])
    if isinstance(result.exception, KeyError):
        raise result.exception
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    if result.exit_code == 0:
        assert "Checked: the result agrees exactly" in result.stdout
    else:
        assert result.stderr.startswith("Error: ") and "Traceback" not in result.output
