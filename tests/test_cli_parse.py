"""``derive parse`` and ``derive --version`` through click's CliRunner."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version

import pytest
from click.testing import CliRunner, Result

from derive.cli import main


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(main, list(args), catch_exceptions=False)


def test_cli_parse_shows_inferred_shapes(runner: CliRunner) -> None:
    result = run(runner, "parse", "x' A x")
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "expression: xᵀ A x",
        r"latex:      x^{\top} A x",
        "ascii:      x' A x",
        "result:     scalar (1 x 1)",
        "symbols:",
        "  x: n x 1  vector, inferred",
        "  A: n x n  square matrix, inferred",
    ]


def test_cli_parse_sum_of_mismatched_shapes_exits_2(runner: CliRunner) -> None:
    result = run(runner, "parse", "A x + y", "--declare", "A: m x n", "--declare", "y: n")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "Error: cannot add A x (m x 1) and y (n x 1): a sum needs terms of the same shape"
        " (at 1:1)",
        "  A x + y",
        "  ^^^^^^^",
    ]
    assert "Traceback" not in result.output


def test_cli_parse_declarations_and_flags(runner: CliRunner) -> None:
    result = run(
        runner, "parse", "x' A x + log(det(X))",
        "-d", "A: 3 x 3, symmetric", "-d", "X: invertible", "-d", "x: 3, depends on t",
    )  # fmt: skip
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[lines.index("symbols:") + 1 :] == [
        "  x: 3 x 1  vector, depends on t, declared",
        "  A: 3 x 3  square matrix, symmetric, declared",
        "  X: n x n  square matrix, invertible, inferred",
        "  t: m x 1  vector, inferred",
    ]


@pytest.mark.parametrize(
    ("expr", "result"),
    [
        ("A x", "vector (n x 1)"),
        ("x' A", "row vector (1 x m)"),
        ("x y'", "matrix (n x m)"),
        ("X^-1", "square matrix (n x n)"),
        ("2", "scalar (1 x 1)"),
    ],
    ids=["vector", "row", "matrix", "square", "number"],
)
def test_cli_parse_names_the_kind_of_result(runner: CliRunner, expr: str, result: str) -> None:
    output = run(runner, "parse", expr).output
    assert f"result:     {result}" in output


def test_cli_parse_latex_input(runner: CliRunner) -> None:
    result = run(runner, "parse", r"\frac{1}{2} \mathbf{x}^\top \mathbf{x}")
    assert result.exit_code == 0
    assert "ascii:      1/2 x' x" in result.output
    assert r"latex:      \frac{1}{2} x^{\top} x" in result.output


def test_cli_parse_wrt_names_that_variable_first(runner: CliRunner) -> None:
    output = run(runner, "parse", "A x", "--wrt", "x").output
    assert "  x: n x 1" in output
    assert "  A: m x n" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["parse", "x' A +"], "expected a symbol, a number or '(', found end of input (at 1:7)"),
        (["parse", "A .* x"], "cannot multiply A (n x m) and x (n x 1) entry by entry"),
        (["parse", "vec(X)"], "vec(...) is not supported yet"),
        (["parse", "x", "-d", "x: m x n x p"], "cannot read the shape 'm x n x p'"),
        (["parse", "X^99999"], "the exponent 99999 is too large"),
        (["parse", "(" * 80 + "x" + ")" * 80], "nests too deeply"),
        (["parse", ""], "expected an expression"),
    ],
    ids=["parse", "hadamard", "unsupported", "declaration", "limit", "nesting", "empty"],
)
def test_cli_parse_user_errors_exit_2_without_traceback(
    runner: CliRunner, args: list[str], message: str
) -> None:
    result = run(runner, *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.startswith("Error: ")
    assert "Traceback" not in result.output


def test_cli_parse_missing_argument_is_a_usage_error(runner: CliRunner) -> None:
    result = run(runner, "parse")
    assert result.exit_code == 2
    assert "Missing argument 'EXPR'" in result.stderr


def test_cli_parse_help(runner: CliRunner) -> None:
    result = run(runner, "parse", "--help")
    assert result.exit_code == 0
    assert "--declare" in result.output
    assert "derive parse \"x' A x\"" in result.output


def test_cli_version(runner: CliRunner) -> None:
    result = run(runner, "--version")
    assert result.exit_code == 0
    assert result.output == f"derive, version {version('derive-proofs')}\n"


def test_cli_help_imports_click_alone() -> None:
    # QUALITY.md: `derive --help` under 0.15 s, so the engine, NumPy, SymPy and Jinja stay out
    script = (
        "import sys; from derive.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('sympy', 'numpy', 'jinja2', 'pylatexenc') or m.startswith(('derive.documents', "
        "'derive.calculus', 'derive.language', 'derive.ir', 'derive.check', 'derive.api'))))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, timeout=60)  # fmt: skip
    assert "Commands:" in done.stdout
    assert done.stdout.splitlines()[-1] == "[]"
