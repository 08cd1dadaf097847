"""``derive prove``: formats, files, templates and errors, through click's CliRunner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from derive.cli import main


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def prove(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(main, ["prove", *args])


def test_prove_prints_text_by_default(runner: CliRunner) -> None:
    result = prove(runner, "x' A x", "--wrt", "x")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Derivative of α = xᵀ A x with respect to x\n")
    assert "│ ∂α/∂x = (A + Aᵀ) x │" in result.stdout
    assert " 1. Write α in index notation:" in result.stdout


@pytest.mark.parametrize(("fmt", "start", "contains"), [
    ("md", "## Derivative of $\\alpha = x^{\\top} A x$", "\\begin{aligned}"),
    ("tex", "\\documentclass[11pt]{article}", "\\boxed{\\frac{\\partial \\alpha}{\\partial x} ="),
    ("text", "Derivative of α", "Checked: the result agrees exactly"),
], ids=["md", "tex", "text"])
def test_prove_formats(runner: CliRunner, fmt: str, start: str, contains: str) -> None:
    result = prove(runner, "x' A x", "--wrt", "x", "--format", fmt)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(start)
    assert contains in result.stdout


def test_prove_json(runner: CliRunner) -> None:
    result = prove(runner, "x' A x", "--wrt", "x", "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["result"]["text"] == "(A + Aᵀ) x"
    assert data["layout"] == "mixed"
    assert data["proven"] is True


def test_prove_layout_and_hessian(runner: CliRunner) -> None:
    result = prove(runner, "(y - A x)' (y - A x)", "--wrt", "x", "--hessian", "--layout",
                   "numerator", "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [r["kind"] for r in data["results"]] == ["gradient", "hessian"]
    assert data["results"][0]["shape"] == {"rows": 1, "cols": "n"}
    assert data["result"]["text"] == "2 Aᵀ A"


def test_prove_declarations(runner: CliRunner) -> None:
    result = prove(runner, "y' x", "--wrt", "z", "-d", "x: n, depends on z",
                   "--declare", "y: n, depends on z")
    assert result.exit_code == 0, result.output
    assert "y and x depend on z." in result.stdout
    assert "∂α/∂z = (∂y/∂z)ᵀ x + (∂x/∂z)ᵀ y" in result.stdout


def test_prove_fragment(runner: CliRunner) -> None:
    result = prove(runner, "x' A x", "--wrt", "x", "-f", "tex", "--fragment")
    assert result.exit_code == 0, result.output
    assert "\\documentclass" not in result.stdout
    assert "\\begin{align*}" in result.stdout


def test_prove_writes_the_file(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "proofs" / "ls.tex"
    result = prove(runner, "(y - A x)' (y - A x)", "--wrt", "x", "-f", "tex", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert f"wrote {out}" in result.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith("\\documentclass") and text.endswith("\\end{document}\n")
    assert [p.name for p in out.parent.iterdir()] == ["ls.tex"]  # no partial files left


def test_prove_output_replaces_an_existing_file(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "proof.md"
    out.write_text("old", encoding="utf-8")
    result = prove(runner, "a' x", "--wrt", "x", "-f", "md", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "\\boxed{\\frac{\\partial \\alpha}{\\partial x} = a}" in out.read_text(encoding="utf-8")


def test_prove_output_that_cannot_be_written_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    result = prove(runner, "x' x", "--wrt", "x", "-o", str(blocker / "proof.txt"))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "proof.txt" in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["(x' A x", "--wrt", "x"], "Error: expected ')'"),
    (["x' A x", "--wrt", "x y"], "Error: the variable must be a single symbol name"),
    (["x + A", "--wrt", "x"], "Error: cannot add x"),
    (["x' A x", "--wrt", "x", "-d", "A: n x"], "Error:"),
    (["x' A x", "--wrt", "x", "--layout", "sideways"], "Invalid value for '--layout'"),
    (["x' A x", "--wrt", "x", "--format", "docx"], "Invalid value for '--format'"),
    (["x' A x", "--wrt", "x", "--fragment"], "--fragment goes with --format tex"),
    (["x' A x", "--wrt", "x", "--templates", "/no/such/folder"], "does not exist"),
    (["x' A x"], "Missing option '--wrt'"),
], ids=["parse", "variable", "shape", "declaration", "layout", "format", "fragment",
        "templates", "missing-wrt"])
def test_prove_bad_input_exits_2_without_traceback(
    runner: CliRunner, args: list[str], message: str
) -> None:
    result = prove(runner, *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_prove_templates_override_by_name(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "derivation.txt.j2").write_text(
        "{{ p.function|uni }} = {{ p.body|uni }}; {{ p.result.lhs|uni }} = "
        "{{ p.result.rhs|uni }}\n", encoding="utf-8")
    result = prove(runner, "x' A x", "--wrt", "x", "--templates", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.stdout == "α = xᵀ A x; ∂α/∂x = (A + Aᵀ) x\n"
    md = prove(runner, "x' A x", "--wrt", "x", "--templates", str(tmp_path), "-f", "md")
    assert md.stdout.startswith("## Derivative of")  # other templates stay built in


def test_prove_help_lists_the_options(runner: CliRunner) -> None:
    result = prove(runner, "--help")
    assert result.exit_code == 0
    for option in ("--wrt", "--declare", "--layout", "--hessian", "--format", "--fragment",
                   "--output", "--templates"):
        assert option in result.stdout


def test_prove_with_a_broken_template_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "md").mkdir()
    (tmp_path / "md" / "derivation.md.j2").write_text("{{ p.no_such_thing }}", encoding="utf-8")
    result = prove(runner, "x' x", "--wrt", "x", "-f", "md", "--templates", str(tmp_path))
    assert result.exit_code == 1
    assert "Error: template error" in result.stderr
    assert "no_such_thing" in result.stderr
    assert "Traceback" not in result.output


def test_prove_multi_letter_index_names_keep_their_commas(runner: CliRunner) -> None:
    # seventeen scalars take every single-letter dummy, so x' A x sums over i1 and i2
    letters = "a b c d e g h i j p q r s t u v w".split()
    declare = [arg for c in letters for arg in ("-d", f"{c}: scalar")]
    result = prove(runner, "x' A x + " + " ".join(letters), "--wrt", "x", *declare)
    assert result.exit_code == 0, result.output
    assert "α = Σᵢ₁ Σᵢ₂ xᵢ₁ A_{i1,i2} xᵢ₂ + a b c" in result.stdout
    assert "∂xᵢ₁/∂xₖ = δ_{i1,k}" in result.stdout
    assert "│ ∂α/∂x = (A + Aᵀ) x │" in result.stdout
    tex = prove(runner, "x' A x + " + " ".join(letters), "--wrt", "x", *declare, "-f", "tex")
    assert "A_{i_{1},i_{2}}" in tex.stdout and "\\delta_{i_{1},k}" in tex.stdout


@pytest.mark.parametrize("args", [
    ("x\x9b31m' x", "--wrt", "x"),
    ("x' x", "--wrt", "x", "-d", "x\x1b[2J: n"),
], ids=["expression", "declaration"])
def test_prove_error_excerpt_sends_no_control_characters(runner: CliRunner, args: tuple[str, ...]
                                                         ) -> None:
    result = runner.invoke(main, ["prove", *args], color=True)  # color: click strips nothing
    assert result.exit_code == 2
    assert "\ufffd" in result.stderr
    assert not any("\x00" <= c < " " and c != "\n" or "\x7f" <= c <= "\x9f" for c in result.stderr)


def test_prove_loads_only_what_the_proof_uses() -> None:
    # no --expect: not the answer checker (the LaTeX lexer is loaded: verification reads each
    # printed LaTeX line back, issue 10)
    script = (
        "import sys; from derive.cli import main\n"
        "try:\n    main(['prove', \"x' A x\", '--wrt', 'x'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m in ('derive.check.answer',)))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, timeout=120)  # fmt: skip
    assert "(A + Aᵀ) x" in done.stdout
    assert done.stdout.splitlines()[-1] == "[]"


@pytest.mark.parametrize(("given", "expected"), [(None, "1"), ("3", "3")],
                         ids=["default", "user's setting kept"])  # fmt: skip
def test_cli_limits_openblas_threads_before_numpy(given: str | None, expected: str) -> None:
    # the checks' matrices have a few rows: OpenBLAS's threads would only double the CPU time
    # of importing NumPy; the setting must be made before NumPy loads, and never override a user's
    script = (
        "import os, sys; import derive.cli\n"
        "print('numpy' in sys.modules, os.environ.get('OPENBLAS_NUM_THREADS'))"
    )
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if given is not None:
        env["OPENBLAS_NUM_THREADS"] = given
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, timeout=60, env=env)  # fmt: skip
    assert done.stdout.split() == ["False", expected]


def test_cli_freezes_the_heap_before_python_shuts_down() -> None:
    # a command's objects are left out of the collector's sweeps at exit (0.03 s of a prove);
    # atexit runs last-registered first, so the probe registered before the command sees the
    # freeze the command registered
    script = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0))\n"
        "from derive.cli import main\n"
        "main([\"prove\", \"x' A x\", '--wrt', 'x'])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "A x" in done.stdout
    assert done.stdout.rstrip().splitlines()[-1] == "frozen True"
