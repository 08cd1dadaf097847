"""Issue 15, the build side: each reproduction of the issue, exactly as given there.

Broken handout files and templates give a DeriveError naming the file (and line); builds install
all outputs or none; killed builds leave nothing behind that a later build does not remove; text
prints literally in the PDF; unclear messages made clear.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import derive
import derive.documents.handouts.build as handout_module
import derive.documents.handouts.outputs as outputs_module
import derive.documents.pdf as pdf_module
from derive.cli import main
from derive.documents.handouts.locate import HandoutFileError
from derive.errors import BuildError, DeriveError, LimitError

SMALL = """\
title = "Course"

[[section]]
title = "Quadratic forms"

[[section.item]]
expr = "x' A x"
wrt = "x"
"""


@pytest.fixture(name="runner")
def runner_fixture() -> CliRunner:
    return CliRunner()


def handout(tmp_path: Path, text: str = SMALL, name: str = "course.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- 1. tracebacks from files and templates -------------------------------------------------------


def test_hardening_toml_nested_500_levels(tmp_path: Path, runner: CliRunner) -> None:
    path = handout(tmp_path, 'title = "x"\nx = ' + "[" * 500 + "]" * 500 + "\n")
    with pytest.raises(HandoutFileError, match="nested too deeply") as caught:
        derive.build(path, ["md"], tmp_path / "out")
    assert caught.value.line == 2
    result = runner.invoke(main, ["build", str(path), "-f", "md", "-o", str(tmp_path / "out")])
    assert result.exit_code == 2 and "nested too deeply" in result.stderr
    assert "Traceback" not in result.output


TEMPLATES = {
    "calls-itself": "((* macro f() *))((( f() )))((* endmacro *))((( f() )))\n",
    "extends-itself": '((* extends "tex/derivation.tex.j2" *))\n',
    "divides-by-zero": "first line\n((( 1 // 0 )))\n",
}


@pytest.mark.parametrize("case", list(TEMPLATES), ids=list(TEMPLATES))
def test_hardening_broken_user_template_names_template_and_line(
    tmp_path: Path, runner: CliRunner, case: str
) -> None:
    (tmp_path / "tpl" / "tex").mkdir(parents=True)
    (tmp_path / "tpl" / "tex" / "derivation.tex.j2").write_text(TEMPLATES[case])
    result = runner.invoke(main, ["prove", "x' x", "--wrt", "x", "-f", "tex",
                                  "--templates", str(tmp_path / "tpl")])  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    line = 2 if case == "divides-by-zero" else 1
    assert f"tex/derivation.tex.j2:{line})" in result.stderr
    expected = {"calls-itself": "calls, includes or extends itself",
                "extends-itself": "calls, includes or extends itself",
                "divides-by-zero": "ZeroDivisionError"}[case]  # fmt: skip
    assert expected in result.stderr


def test_hardening_template_not_utf8(tmp_path: Path, runner: CliRunner) -> None:
    (tmp_path / "tpl" / "tex").mkdir(parents=True)
    (tmp_path / "tpl" / "tex" / "derivation.tex.j2").write_bytes(b"\xff\xfe broken\n")
    result = runner.invoke(main, ["prove", "x' x", "--wrt", "x", "-f", "tex",
                                  "--templates", str(tmp_path / "tpl")])  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "tex/derivation.tex.j2" in result.stderr and "is not UTF-8 text" in result.stderr


# -- 5. all or nothing -----------------------------------------------------------------------------


def _outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_hardening_failed_final_rename_leaves_every_output_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = handout(tmp_path)
    out = tmp_path / "out"
    derive.build(path, ["tex", "md"], out)
    before = _outputs(out / "course")
    path.write_text(SMALL.replace('"Course"', '"Course, second edition"'), encoding="utf-8")
    real = os.replace

    def failing(src: os.PathLike[str] | str, dst: os.PathLike[str] | str) -> None:
        if str(dst).endswith("course.md") and ".tmp" in str(src):
            raise PermissionError(1, "Operation not permitted", str(dst))
        real(src, dst)

    monkeypatch.setattr(handout_module.os, "replace", failing)
    with pytest.raises(BuildError, match="cannot write the outputs"):
        derive.build(path, ["tex", "md"], out)
    assert _outputs(out / "course") == before  # the .tex renamed first was put back
    assert not [p for p in (out / "course").iterdir() if p.name.endswith(".tmp")]


def test_hardening_folder_in_place_of_an_output(tmp_path: Path) -> None:
    path = handout(tmp_path)
    out = tmp_path / "out"
    derive.build(path, ["tex"], out)
    tex = (out / "course" / "course.tex").read_bytes()
    (out / "course" / "course.md").mkdir()
    path.write_text(SMALL.replace('"Course"', '"Other"'), encoding="utf-8")
    with pytest.raises(BuildError):
        derive.build(path, ["tex", "md"], out)
    assert (out / "course" / "course.tex").read_bytes() == tex


# -- 6. leftovers of killed builds -----------------------------------------------------------------


def test_hardening_stale_temporaries_removed_at_the_start_of_a_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    killed = tmp_path / "tmp" / "derive-pdf-killed"
    killed.mkdir()
    (killed / ".derive-building").touch()  # its lock file, held by nobody
    (killed / "course.log").write_text("x" * 1000)
    out = tmp_path / "out"
    (out / "course").mkdir(parents=True)
    stale = [out / "course" / ".course.tex.0123456789ab.tmp",
             out / "course" / ".course.md.a1b2c3d4e5f6.tmp"]  # fmt: skip
    for file in stale:
        file.write_text("half")
    keep = out / "course" / "notes.txt"
    keep.write_text("mine")
    derive.build(handout(tmp_path), ["tex", "md"], out)
    assert not any(f.exists() for f in stale) and not killed.exists()
    assert keep.read_text() == "mine"


def test_hardening_held_build_folder_is_not_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fcntl
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    busy = tmp_path / "derive-pdf-busy"
    busy.mkdir()
    with open(busy / ".derive-building", "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)  # a build in progress holds it
        pdf_module.remove_stale_build_folders()
        assert busy.exists()
    pdf_module.remove_stale_build_folders()
    assert not busy.exists()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_hardening_signal_during_latexmk_cleans_up(
    tmp_path: Path, requires_tex: None, signum: int
) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    out = tmp_path / "out"
    env = {**os.environ, "TMPDIR": str(temp)}
    command = [sys.executable, "-m", "derive", "build", str(handout(tmp_path)), "-o", str(out)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not list(temp.glob("derive-pdf-*")) and time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the build ended before latexmk started: {process.communicate()}")
        time.sleep(0.05)
    time.sleep(0.3)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signum, stderr.decode()
    assert b"Traceback" not in stderr
    assert not list(temp.glob("derive-pdf-*"))
    left = list((out / "course").iterdir()) if (out / "course").exists() else []
    assert not [p for p in left if p.name.endswith((".tmp", ".part"))], left


# -- 7. text in the PDF ------------------------------------------------------------------------

DASHES = """\
title = "Dashes -- and --- and \\"quoted\\""

[[section]]
title = "S"
intro = "a--b and c---d"

[[section.item]]
expr = "x' x"
wrt = "x"
note = "fine -- really \\"yes\\""
"""


def test_hardening_dashes_and_quotes_print_literally(tmp_path: Path, requires_tex: None) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    pdf = derive.build(handout(tmp_path, DASHES), ["pdf"], tmp_path / "out")[0]
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    assert 'Dashes -- and --- and "quoted"' in text
    assert "a--b and c---d" in text
    assert 'fine -- really "yes"' in text


def test_hardening_escape_keeps_dashes_and_straight_quotes() -> None:
    from derive.documents.formats import escape_latex

    assert escape_latex('a -- b --- "c"') == r"a -{}- b -{}-{}- \textquotedbl{}c\textquotedbl{}"
    assert escape_latex("well-known") == "well-known"


def test_hardening_emoji_is_an_error_naming_character_and_field(tmp_path: Path) -> None:
    text = SMALL.replace('title = "Course"', 'title = "Course 😀"').replace(
        'title = "Quadratic forms"', 'title = "Quadratic forms"\nintro = "中文"')
    with pytest.raises(HandoutFileError) as caught:
        derive.build(handout(tmp_path, text), ["tex"], tmp_path / "out")
    message = str(caught.value)
    assert "course.toml:1: title: the PDF fonts cannot print '😀' (U+1F600)" in message
    assert "section[1].intro: the PDF fonts cannot print '中' (U+4E2D)" in message
    assert not (tmp_path / "out").exists()
    # Markdown shows every character: the same file builds
    derive.build(handout(tmp_path, text), ["md"], tmp_path / "out")


def test_hardening_long_symbol_name_is_a_limit_error() -> None:
    with pytest.raises(LimitError, match=r"the name is too long: 2,500 characters \(at most 64\)"):
        derive.prove("a" * 2500 + "' x", "x")


# -- 8. clear messages ------------------------------------------------------------------------


def test_hardening_toml_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "course.toml"
    path.write_bytes(b"\xef\xbb\xbf" + SMALL.encode())
    with pytest.raises(HandoutFileError, match="byte-order mark") as caught:
        derive.build(path, ["md"], tmp_path / "out")
    assert "without a BOM" in str(caught.value)


def test_hardening_template_without_end_document(tmp_path: Path, requires_tex: None) -> None:
    (tmp_path / "tpl" / "tex").mkdir(parents=True)
    (tmp_path / "tpl" / "tex" / "handout.tex.j2").write_text(
        "\\documentclass{article}\n\\begin{document}\nhello\n"
    )
    with pytest.raises(BuildError, match=r"ends without \\end\{document\}"):
        derive.build(handout(tmp_path), ["pdf"], tmp_path / "out", templates_dir=tmp_path / "tpl")


def test_hardening_full_temporary_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_module.shutil, "disk_usage",
                        lambda path: shutil._ntuple_diskusage(10**9, 10**9, 0))  # type: ignore[attr-defined]  # fmt: skip
    with pytest.raises(BuildError, match="is full"):
        pdf_module._explain_failure(tmp_path, "")

    def no_space(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pdf_module.tempfile, "TemporaryDirectory", no_space)
    monkeypatch.setattr(pdf_module, "latexmk_available", lambda: True)
    with pytest.raises(BuildError, match=r"temporary folder .*No space left on device"):
        pdf_module.compile_pdf("\\documentclass{article}", tmp_path / "a.pdf")


def test_hardening_wrt_latex_spelling_in_a_handout(tmp_path: Path) -> None:
    text = SMALL.replace('wrt = "x"', "wrt = '\\mathbf{x}'")
    written = derive.build(handout(tmp_path, text), ["md"], tmp_path / "out")
    assert written[0].read_text(encoding="utf-8")


def test_hardening_bad_wrt_in_a_handout_is_blamed_on_wrt(tmp_path: Path) -> None:
    text = SMALL.replace('wrt = "x"', 'wrt = "x$"')
    with pytest.raises(HandoutFileError) as caught:
        derive.build(handout(tmp_path, text), ["md"], tmp_path / "out")
    assert "course.toml:8: section[1].item[1].wrt:" in str(caught.value)
    assert "(at 1:2)" in str(caught.value)


def test_hardening_templates_must_be_an_existing_folder(tmp_path: Path) -> None:
    with pytest.raises(DeriveError, match="does not exist"):
        derive.build(handout(tmp_path), ["md"], tmp_path / "out", templates_dir="/nonexistent")
    (tmp_path / "file").write_text("x")
    with pytest.raises(DeriveError, match="is not a folder"):
        derive.build(handout(tmp_path), ["md"], tmp_path / "out", templates_dir=tmp_path / "file")


def test_hardening_only_template_files_are_hashed(tmp_path: Path) -> None:
    folder = tmp_path / "tpl"
    (folder / "tex").mkdir(parents=True)
    (folder / "tex" / "handout.tex.j2").write_text("a")
    first = outputs_module._templates_digest(folder)
    (folder / "big.bin").write_bytes(b"x" * 100_000)
    (folder / "deep" / "er" / "than" / "three").mkdir(parents=True)
    (folder / "deep" / "er" / "than" / "three" / "x.j2").write_text("far down")
    assert outputs_module._templates_digest(folder) == first
    (folder / "tex" / "handout.tex.j2").write_text("b")
    assert outputs_module._templates_digest(folder) != first


def test_hardening_build_time_limit(tmp_path: Path, runner: CliRunner) -> None:
    out = tmp_path / "out"
    result = runner.invoke(main, ["build", str(handout(tmp_path)), "-f", "md", "-o", str(out),
                                  "--time-limit", "0.000001"])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "course.toml:7: section[1].item[1].expr: derive ran out of time" in result.stderr
    assert not out.exists()
