"""Exercise sheets and their answer keys, built from examples/week3.toml."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from derive.api import prove
from derive.documents.handouts import build as ho

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "week3.toml"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("week3")
    ho.build_handout(EXAMPLE, ("tex", "md"), out, prove=prove)
    results = EXAMPLE.read_text(encoding="utf-8").replace("answer_key = true",
                                                          'answer_key = "results"')
    source = out / "week3r.toml"
    source.write_text(results, encoding="utf-8")
    ho.build_handout(source, ("tex", "md"), out, prove=prove)
    return {f.name: f.read_text(encoding="utf-8") for f in out.glob("*/*") if f.suffix != ".json"}


def test_exercise_sheet_numbers_questions_points_and_space(built: dict[str, str]) -> None:
    tex, md = built["week3.tex"], built["week3.md"]
    for page in (tex, md):
        assert "Exercise 1" in page and "Exercise 5" in page
        assert "Show that the gradient of $\\alpha = a^\\top x$ by $x$ is $a$" in page
        assert "(2 points)" in page and "(4 points)" in page
    assert "\\vspace*{3cm}" in tex and "\\vspace*{6cm}" in tex
    assert "*(Answer space: 3cm.)*" in md


def test_exercise_sheet_hides_proofs_results_and_sources(built: dict[str, str]) -> None:
    for page in (built["week3.tex"], built["week3.md"]):
        assert "boxed" not in page
        assert "index notation}" not in page  # no proof lines
        assert "note 002" not in page and "Source" not in page  # sources hidden on a sheet


def test_answer_key_repeats_the_question_with_the_proof(built: dict[str, str]) -> None:
    key = built["week3-solutions.tex"]
    assert "Week 3: gradients of quadratic functions (solutions)" in key
    assert "Exercise 1" in key and "Show that the gradient of $\\alpha = a^\\top x$" in key
    assert "\\text{\\footnotesize index notation}" in key  # the proof, line by line
    assert key.count("\\boxed") == 6  # five exercises, the last with gradient and Hessian
    assert re.search(r"\\tag\{1\}", key) and re.search(r"\\tag\{5b\}", key)


def test_answer_key_with_results_only(built: dict[str, str]) -> None:
    key = built["week3r-solutions.tex"]
    assert "Exercise 3" in key and "normal equations" in key  # the question
    assert "\\boxed{2 A^{\\top} (A x - y)}" in key
    assert "index notation}" not in key and "Checked" not in key
    # a Hessian exercise: two rows of one align*, no blank line inside it, one \\ between them
    rows = key.split("\\begin{align*}")[-1].split("\\end{align*}")[0]
    assert "\n\n" not in rows.strip() and rows.count("\\\\") == 1, rows
    assert "Summary of results" not in key  # the key is the results already
    md = built["week3r-solutions.md"]
    assert "\\boxed{2 A^{\\top} (A x - y)} && \\text{(5a)} \\\\\n" in md


def test_answer_key_with_results_only_compiles(
    requires_tex: None, tmp_path: Path, built: dict[str, str]
) -> None:
    from derive.documents.pdf import compile_pdf

    pdf = compile_pdf(built["week3r-solutions.tex"], tmp_path / "key.pdf")
    assert pdf.stat().st_size > 10_000


def test_the_same_identity_twice_gets_two_labels(tmp_path: Path) -> None:
    source = tmp_path / "twice.toml"
    source.write_text('title = "Twice"\n\n[[section]]\ntitle = "One"\n\n[[section.item]]\n'
                      'identity = "trace"\n\n[[section.item]]\nidentity = "trace"\n'
                      'layout = "numerator"\n', encoding="utf-8")
    ho.build_handout(source, ("tex",), tmp_path / "out", prove=prove)
    tex = (tmp_path / "out" / "twice" / "twice.tex").read_text(encoding="utf-8")
    assert "\\label{eq:trace}" in tex and "\\label{eq:1.2}" in tex


def test_exercise_sheet_and_key_in_html(tmp_path: Path) -> None:
    ho.build_handout(EXAMPLE, ("html",), tmp_path, prove=prove)
    sheet = (tmp_path / "week3" / "week3.html").read_text(encoding="utf-8")
    key = (tmp_path / "week3" / "week3-solutions.html").read_text(encoding="utf-8")
    assert "<h3>Exercise 1: Gradient of a linear form" in sheet and "(2 points)" in sheet
    assert '<div class="answer-space" style="height: 3cm"></div>' in sheet
    assert "Source" not in sheet and "boxed" not in sheet
    assert "<h3>Exercise 5" in key and key.count("\\boxed") == 6
    assert "index notation" in key  # the compact proofs' reasons
