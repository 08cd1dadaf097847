"""``derive prove`` for homework: ``--expect`` (verdict, exit status), ``--quiet``, several
``--wrt``, the expression from standard input or ``--expr-file``, and ``--format pdf``."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from derive.cli import main

LEAST_SQUARES = "(y - A x)' (y - A x)"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def prove(runner: CliRunner, *args: str, stdin: str | None = None) -> Result:
    return runner.invoke(main, ["prove", *args], input=stdin)


@pytest.mark.parametrize(("answer", "code", "first_line"), [
    ("(A + A') x", 0, "Correct: (A + Aᵀ) x is ∂α/∂x = (A + Aᵀ) x."),
    ("2 A x", 1, "Right only if A is symmetric: 2 A x equals ∂α/∂x = (A + Aᵀ) x when A is"),
    ("x' (A + A')", 1,
     "The transpose: xᵀ (A + Aᵀ) is the derivative in numerator layout; in mixed"),
    ("A", 1, "Wrong shape: A is n × n, but ∂α/∂x = (A + Aᵀ) x is a column in ℝⁿ."),
], ids=["correct", "conditional", "transpose", "shape"])
def test_prove_expect_verdict_first_and_exit_status(
    runner: CliRunner, answer: str, code: int, first_line: str
) -> None:
    result = prove(runner, "x' A x", "--wrt", "x", "--expect", answer)
    assert result.exit_code == code, result.output
    assert result.stdout.splitlines()[0] == first_line
    assert "Derivative of α = xᵀ A x with respect to x" in result.stdout  # then the proof
    assert result.stdout.index(first_line) < result.stdout.index("Derivative of α")


def test_prove_expect_quiet_shows_only_the_verdict(runner: CliRunner) -> None:
    result = prove(runner, LEAST_SQUARES, "--wrt", "x", "--expect", "A' (A x - y)", "--quiet")
    assert result.exit_code == 1
    assert result.stdout == (
        "Off by a factor of 1/2: Aᵀ (A x - y) is 1/2 times ∂α/∂x = 2 Aᵀ (A x - y).\n"
    )


def test_prove_expect_wrong_gives_the_counterexample(runner: CliRunner) -> None:
    result = prove(runner, "x' A x", "--wrt", "x", "--expect", "2 x", "-q")
    assert result.exit_code == 1
    text = " ".join(result.stdout.split())
    assert text.startswith("Wrong: 2 x is not ∂α/∂x = (A + Aᵀ) x. For example, at n = 2, "
                           "with x = [")  # fmt: skip
    assert " A = [" in text
    assert "of the answer is" in text and ", of the derivative" in text


def test_prove_expect_json_has_the_verdict(runner: CliRunner) -> None:
    result = prove(runner, "log det X", "--wrt", "X", "--expect", "X^-1", "--format", "json")
    assert result.exit_code == 1
    verdict = json.loads(result.stdout)["verdict"]
    assert verdict["kind"] == "transpose" and verdict["correct"] is False
    assert verdict["layouts"] == ["numerator"]
    assert verdict["condition"] == {"symmetric": ["X"]}
    assert verdict["parsed"] == {"latex": "X^{-1}", "text": "X⁻¹"}
    assert verdict["expected"]["text"] == "X⁻ᵀ"
    quiet = prove(runner, "log det X", "--wrt", "X", "-d", "X: symmetric", "--expect", "X^-1",
                  "-q", "-f", "json")  # fmt: skip
    assert quiet.exit_code == 0
    assert json.loads(quiet.stdout)["verdict"]["kind"] == "correct"


def test_prove_expect_tex_and_md_state_the_verdict(runner: CliRunner) -> None:
    tex = prove(runner, "a' X b", "--wrt", "X", "--expect", "b a'", "-f", "tex")
    md = prove(runner, "a' X b", "--wrt", "X", "--expect", "b a'", "-f", "md")
    assert tex.exit_code == md.exit_code == 1
    lead = "The transpose:} $b a^{\\top}$ is the derivative in numerator layout"
    assert "\\textbf{" + lead in tex.stdout
    assert "**The transpose:** $b a^{\\top}$ is the derivative in numerator layout" in md.stdout


def test_prove_expect_error_points_at_the_answer(runner: CliRunner) -> None:
    result = prove(runner, "x' A x", "--wrt", "x", "--expect", "2 B x")
    assert result.exit_code == 2
    assert "in the answer: B is not a symbol of the expression" in result.output
    assert "(at 1:3)\n  2 B x\n    ^" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["--expect", "2 A x", "--expect", "x"], "one --expect per --wrt"),
    (["--quiet"], "--quiet goes with --expect"),
    (["--expect", "2 A x", "-q", "-f", "md"], "--quiet shows the verdict as text or json"),
    (["--expect", "2 A x", "-q", "-o", "v.txt"], "--quiet shows the verdict as text or json"),
    (["--format", "pdf"], "--format pdf needs -o"),
], ids=["answers-count", "quiet-alone", "quiet-md", "quiet-file", "pdf-without-output"])
def test_prove_homework_usage_errors(runner: CliRunner, args: list[str], message: str) -> None:
    result = prove(runner, "x' A x", "--wrt", "x", *args)
    assert result.exit_code == 2
    assert message in result.output


def test_prove_reads_standard_input(runner: CliRunner) -> None:
    result = prove(runner, "-", "--wrt", "x", stdin="(y - A x)'\n  (y - A x)\n")
    assert result.exit_code == 0, result.output
    assert "│ ∂α/∂x = 2 Aᵀ (A x - y) │" in result.stdout


def test_prove_reads_an_expression_file(runner: CliRunner, tmp_path: Path) -> None:
    source = tmp_path / "f.txt"
    source.write_text("log(det(X))\n", encoding="utf-8")
    result = prove(runner, "--expr-file", str(source), "--wrt", "X")
    assert result.exit_code == 0, result.output
    assert "│ ∂α/∂X = X⁻ᵀ │" in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    ([], "give the expression"),
    (["x' A x", "--expr-file", "{file}"], "not both"),
], ids=["none", "both"])
def test_prove_expression_source_errors(
    runner: CliRunner, tmp_path: Path, args: list[str], message: str
) -> None:
    source = tmp_path / "f.txt"
    source.write_text("x' A x", encoding="utf-8")
    result = prove(runner, *(a.format(file=source) for a in args), "--wrt", "x")
    assert result.exit_code == 2
    assert message in result.output


def test_prove_several_variables_one_document(runner: CliRunner) -> None:
    result = prove(runner, "y' A x", "--wrt", "x", "--wrt", "A")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("Derivatives of α = yᵀ A x with respect to x and A\n")
    assert out.count("Let α = yᵀ A x, where y ∈ ℝᵐ, A ∈ ℝᵐˣⁿ and x ∈ ℝⁿ.") == 1
    assert out.index("With respect to x\n") < out.index("│ ∂α/∂x = Aᵀ y │")
    assert out.index("With respect to A\n") < out.index("│ ∂α/∂A = y xᵀ │")
    assert "y and x do not depend on A." in out
    assert out.count("A Jacobian ∂y/∂x is m × n") == 1  # the layout's meaning once
    assert "Layout: mixed. Here ∂α/∂A ∈ ℝᵐˣⁿ." in out


def test_prove_several_variables_with_answers(runner: CliRunner) -> None:
    result = prove(runner, "y' A x", "--wrt", "x", "--wrt", "A",
                   "--expect", "A' y", "--expect", "x y'", "-q")  # fmt: skip
    assert result.exit_code == 1  # the second answer is the numerator-layout one
    lines = [line for line in result.stdout.splitlines() if line]
    assert lines[0] == "Correct: Aᵀ y is ∂α/∂x = Aᵀ y."
    assert lines[1].startswith("The transpose: x yᵀ is the derivative in numerator layout")


def test_prove_several_variables_json(runner: CliRunner) -> None:
    result = prove(runner, "y' A x", "--wrt", "x", "--wrt", "A", "-f", "json")
    data = json.loads(result.stdout)
    assert [d["input"]["wrt"] for d in data["derivations"]] == ["x", "A"]
    assert all(d["proven"] for d in data["derivations"])


@pytest.mark.usefixtures("requires_tex")
def test_prove_pdf_has_the_result(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "ls.pdf"
    result = prove(runner, LEAST_SQUARES, "--wrt", "x", "--format", "pdf", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    assert "Derivative of α = (y − Ax)⊤ (y − Ax) with respect to x" in text
    assert "= 2A⊤ (Ax − y)" in text


@pytest.mark.usefixtures("requires_tex")
def test_prove_pdf_several_variables_with_a_verdict(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "two.pdf"
    result = prove(runner, "y' A x", "--wrt", "x", "--wrt", "A", "--expect", "A' y",
                   "--expect", "x y'", "-f", "pdf", "-o", str(out))  # fmt: skip
    assert result.exit_code == 1, result.output  # the PDF is written, the answer is not right
    assert out.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    assert "With respect to A" in text and "The transpose:" in text


# -- answer keys in handouts: expect = and wrt = [...] on an item --------------------------------

KEY = """title = "Homework 3"

[[section]]
title = "Quadratic forms"

[[section.item]]
expr = "x' A x"
wrt = "x"
expect = "{first}"

[[section.item]]
expr = "y' A x"
wrt = ["x", "A"]
expect = ["A' y", "{second}"]
"""


def test_handout_answer_keys_and_several_variables(tmp_path: Path) -> None:
    from derive.api import build

    source = tmp_path / "hw.toml"
    source.write_text(KEY.format(first="A x + A' x", second="y x'"), encoding="utf-8")
    [markdown] = build(source, ("md",), tmp_path / "out")
    headings = [line for line in markdown.read_text("utf-8").splitlines()
                if line.startswith("### ")]  # fmt: skip
    assert headings == ["### 1.1 Derivative of x' A x by x", "### 1.2 Derivative of y' A x by x",
                        "### 1.3 Derivative of y' A x by A"]  # fmt: skip


def test_handout_wrong_answer_keys_are_errors_at_their_lines(tmp_path: Path) -> None:
    from derive.api import build
    from derive.documents.handouts.locate import HandoutFileError

    source = tmp_path / "hw.toml"
    source.write_text(KEY.format(first="2 A x", second="x y'"), encoding="utf-8")
    with pytest.raises(HandoutFileError) as caught:
        build(source, ("md",), tmp_path / "out")
    message = str(caught.value)
    assert ("hw.toml:9: section[1].item[1].expect: the answer key is not the proven result: "
            "Right only if A is symmetric") in message
    assert ("hw.toml:14: section[1].item[2].expect: the answer key is not the proven result: "
            "The transpose: x yᵀ is the derivative in numerator layout") in message
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("item", "key", "message"), [
    ('expr = "x\' A x"\nwrt = ["x", "A"]\nexpect = "2 A x"', "expect",
     "give one answer per variable"),
    ('expr = "x\' A x"\nwrt = ["x", 1]', "wrt", "must be a string or an array of strings"),
    ('expr = "x\' A x"\nwrt = "x"\nexpect = "2 B x"', "expect",
     "B is not a symbol of the expression"),
], ids=["answers-count", "variable-type", "answer-symbol"])
def test_handout_answer_key_file_errors(
    tmp_path: Path, item: str, key: str, message: str
) -> None:
    from derive.api import build
    from derive.documents.handouts.locate import HandoutFileError

    source = tmp_path / "hw.toml"
    source.write_text(f'title = "t"\n[[section]]\ntitle = "s"\n[[section.item]]\n{item}\n',
                      encoding="utf-8")  # fmt: skip
    with pytest.raises(HandoutFileError) as caught:
        build(source, ("md",), tmp_path / "out")
    assert f"section[1].item[1].{key}: " in str(caught.value)
    assert message in str(caught.value)


# -- the README's student section shows real output ------------------------------------------------


def _readme_runs() -> list[tuple[str, str]]:
    """``(command, output)`` of every unpiped ``derive prove`` in the README's homework section."""
    import re

    readme = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
    section = readme[readme.index("## Homework"):readme.index("## The input language")]
    runs = []
    for block in re.findall(r"```console\n(.*?)```", section, re.DOTALL):
        for chunk in re.split(r"^\$ ", block, flags=re.MULTILINE)[1:]:
            command, _, output = chunk.partition("\n")
            if command.startswith("derive prove") and "|" not in command and "-o " not in command:
                runs.append((command, output))
    return runs


@pytest.mark.parametrize(("command", "output"), _readme_runs())
def test_readme_homework_output_is_real(runner: CliRunner, command: str, output: str) -> None:
    import shlex

    result = runner.invoke(main, shlex.split(command)[1:])
    assert result.stdout == output
