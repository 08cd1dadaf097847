"""``derive build``, ``derive catalog`` and ``derive check`` through click's CliRunner."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import derive.documents.pdf
from derive.catalog import identities as catalog
from derive.cli import main

SMALL = """\
title = "Small"

[[section]]
title = "Forms"

[[section.item]]
identity = "linear_form"
"""

BROKEN_TEX_TEMPLATE = r"""\documentclass{article}
\begin{document}
((( h.title )))
\undefinedcontrolsequence
\end{document}
"""


@pytest.fixture(name="runner")
def runner_fixture() -> CliRunner:
    return CliRunner()


def files_in(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def small_handout(tmp_path: Path) -> Path:
    path = tmp_path / "course.toml"
    path.write_text(SMALL, encoding="utf-8")
    return path


# --- catalog ------------------------------------------------------------------------------------


def test_cli_catalog_lists_every_identity_by_section(runner: CliRunner) -> None:
    result = runner.invoke(main, ["catalog"])
    assert result.exit_code == 0, result.output
    for identity in catalog.all_identities():
        assert identity.name in result.stdout
    for section in catalog.SECTIONS:
        assert section in result.stdout
    assert f"{len(catalog.all_identities())} identities" in result.stdout


def test_cli_catalog_search_filters(runner: CliRunner) -> None:
    result = runner.invoke(main, ["catalog", "--search", "determinant"])
    assert result.exit_code == 0
    assert "log_determinant" in result.stdout and "Matrix Cookbook (57)" in result.stdout
    assert "trace_axb" not in result.stdout


def test_cli_catalog_search_without_match(runner: CliRunner) -> None:
    result = runner.invoke(main, ["catalog", "-s", "laplacian"])
    assert result.exit_code == 0
    assert "no identity matches 'laplacian'" in result.stdout


# --- check --------------------------------------------------------------------------------------


def test_cli_check_verifies_the_whole_catalog(runner: CliRunner) -> None:
    result = runner.invoke(main, ["check", "--jobs", "2"])
    assert result.exit_code == 0, result.output
    count = len(catalog.all_identities())
    assert f"{count} identities: {count} verified, 0 failed" in result.stdout
    assert "∂α/∂x = (A + Aᵀ) x" in result.stdout
    rows = [line.split()[0] for line in result.stdout.splitlines()[2 : 2 + count]]
    assert rows == [identity.name for identity in catalog.all_identities()]
    assert "FAILED" not in result.stdout


def test_cli_check_failure_exits_1(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = catalog.CatalogEntry("broken", "Broken", "x' A x)", "x", (), "Hessians", "note 000")
    good = catalog.get("trace")
    monkeypatch.setattr(catalog, "_CATALOG", (good, broken))
    monkeypatch.setattr(catalog, "_BY_NAME", {"trace": good, "broken": broken})
    result = runner.invoke(main, ["check", "-j", "1"])
    assert result.exit_code == 1
    assert "2 identities: 1 verified, 1 failed" in result.stdout
    assert "FAILED: expected an operator" in result.stdout
    assert "Traceback" not in result.output


def test_cli_check_search(runner: CliRunner) -> None:
    result = runner.invoke(main, ["check", "-s", "Cookbook (49)", "-j", "1"])
    assert result.exit_code == 0
    assert "2 identities: 2 verified" in result.stdout  # (49) and det(X)^2, which cites it
    assert "det(X) X⁻ᵀ" in result.stdout and "2 det(X)² X⁻ᵀ" in result.stdout


# --- build --------------------------------------------------------------------------------------


def test_cli_build_writes_and_reports(runner: CliRunner, tmp_path: Path) -> None:
    path = small_handout(tmp_path)
    out = tmp_path / "out"
    args = ["build", str(path), "--format", "tex,md", "-o", str(out)]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    assert f"wrote {out / 'course' / 'course.tex'}" in first.stdout
    assert f"wrote {out / 'course' / 'course.md'}" in first.stdout
    second = runner.invoke(main, args)
    assert second.exit_code == 0
    assert f"unchanged {out / 'course' / 'course.tex'}" in second.stdout or "wrote" in second.stdout


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('title = "T"\nlayout = mixed\n', ":2: layout: invalid TOML"),
        (SMALL + 'colour = "red"\n', ":8: section[1].item[1].colour: unknown key"),
        (SMALL.replace("linear_form", "linear_from"), ":7: section[1].item[1].identity"),
        (SMALL.replace('identity = "linear_form"', 'expr = "x\' A x)"\nwrt = "x"'),
         ":7: section[1].item[1].expr: expected an operator"),
    ],
    ids=["toml", "unknown-key", "unknown-identity", "bad-expression"],
)  # fmt: skip
def test_cli_build_bad_handout_exits_2(
    runner: CliRunner, tmp_path: Path, text: str, where: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(main, ["build", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert f"Error: {path}{where}" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "args",
    [["--format", "pdf,docx"], ["--format", ""], ["missing.toml"]],
    ids=["unknown-format", "no-format", "missing-file"],
)
def test_cli_build_usage_errors_exit_2(runner: CliRunner, tmp_path: Path, args: list[str]) -> None:
    result = runner.invoke(main, ["build", *args, "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_cli_build_without_latexmk_writes_tex_and_md_and_says_how(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(derive.documents.pdf, "latexmk_available", lambda: False)
    out = tmp_path / "out"
    result = runner.invoke(main, ["build", str(small_handout(tmp_path)), "-o", str(out)])
    assert result.exit_code == 0, result.output
    hint = [line for line in result.stderr.splitlines() if "PDF" in line]
    assert hint == [
        "no PDF: latexmk is not installed; to get the PDF run `apt-get install latexmk "
        "texlive-latex-base texlive-latex-recommended lmodern` and build again"
    ]
    assert sorted(p.name for p in (out / "course").iterdir()) == [
        ".derive-stamp.json", "course.md", "course.tex",
    ]  # fmt: skip


def test_cli_build_template_syntax_error_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    (templates / "tex").mkdir(parents=True)
    (templates / "tex" / "handout.tex.j2").write_text("((* if *))\n", encoding="utf-8")
    args = ["build", str(small_handout(tmp_path)), "-f", "tex", "--templates", str(templates)]
    result = runner.invoke(main, [*args, "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert f"template error ({templates / 'tex' / 'handout.tex.j2'}:1)" in result.stderr
    assert "Traceback" not in result.output


def test_cli_build_broken_user_template_keeps_the_previous_pdf(
    requires_tex: None, runner: CliRunner, tmp_path: Path
) -> None:
    path = small_handout(tmp_path)
    out = tmp_path / "out"
    first = runner.invoke(main, ["build", str(path), "-o", str(out)])
    assert first.exit_code == 0, first.output
    before = files_in(out)
    assert "course/course.pdf" in before
    templates = tmp_path / "templates"
    (templates / "tex").mkdir(parents=True)
    (templates / "tex" / "handout.tex.j2").write_text(BROKEN_TEX_TEMPLATE, encoding="utf-8")
    result = runner.invoke(
        main, ["build", str(path), "-o", str(out), "--templates", str(templates)]
    )
    assert result.exit_code == 1
    assert "LaTeX build failed at course.tex:4: Undefined control sequence." in result.stderr
    assert "\\undefinedcontrolsequence" in result.stderr  # the log excerpt shows the line
    assert "Traceback" not in result.output
    assert files_in(out) == before


def test_cli_build_sigint_during_latexmk_leaves_no_partial_files(
    requires_tex: None, tmp_path: Path
) -> None:
    import signal
    import subprocess
    import sys

    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "derive",
        "build",
        str(small_handout(tmp_path)),
        "-o",
        str(out),
    ]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    for line in process.stderr:
        if line.startswith("compiling"):
            break
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=60)
    assert process.returncode != 0
    assert "Aborted" in rest
    assert "Traceback" not in rest
    assert not out.exists() or files_in(out) == {}
