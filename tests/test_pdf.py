"""derive.documents.pdf: latexmk builds, their sandbox, their failures, and the TeX log parser."""

# The captured TeX logs below keep TeX's trailing spaces verbatim.
# ruff: noqa: W291, W293

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import require_tool

import derive.documents.pdf
from derive.documents.pdf import TexError, compile_pdf, latexmk_available, parse_tex_log
from derive.errors import BuildError

GOOD = r"""\documentclass{article}
\usepackage{amsmath}
\usepackage{hyperref}
\begin{document}
\tableofcontents
\section{Gradient}
$\frac{\partial \alpha}{\partial x_k} = (A + A^\top)_{kj} x_j$, built \today.
\end{document}
"""

MISSING_PACKAGE = r"""\documentclass{article}
\usepackage{nosuchpackage}
\begin{document}
Text.
\end{document}
"""


def document(*body: str) -> str:
    """Return an article whose body lines start at line 3 of the file."""
    return "\n".join([r"\documentclass{article}", r"\begin{document}", *body, r"\end{document}"])


def files_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def processes_in(folder: Path) -> list[str]:
    """Return the command lines of live processes working in or naming ``folder`` (Linux /proc).

    latexmk names the folder in its arguments; the pdflatex it starts only runs inside it.
    """
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            args = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(proc / "cwd")
        except OSError:  # gone meanwhile, or not ours to inspect
            continue
        if str(folder) in args or cwd.startswith(str(folder)):
            found.append(args)
    return found


@pytest.fixture
def build_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make compile_pdf create its build folders here, so a test can see what is left over."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


# --- builds that work ---------------------------------------------------------------------------


def test_compile_pdf_writes_pdf(requires_tex: None, tmp_path: Path, build_tmp: Path) -> None:
    out = tmp_path / "output" / "handout" / "handout.pdf"  # parent folders do not exist yet
    assert compile_pdf(GOOD, out, jobname="handout") == out
    assert out.read_bytes().startswith(b"%PDF-")
    assert files_in(out.parent) == ["handout.pdf"]
    assert files_in(build_tmp) == []


def test_compile_pdf_calls_started_once_while_latexmk_runs(
    requires_tex: None, tmp_path: Path, build_tmp: Path
) -> None:
    seen: list[list[str]] = []  # what the build folder held when latexmk had started
    out = tmp_path / "doc.pdf"
    compile_pdf(GOOD, out, started=lambda: seen.append(files_in(next(build_tmp.iterdir()))))
    assert len(seen) == 1 and "main.tex" in seen[0]
    assert out.read_bytes().startswith(b"%PDF-")


def test_compile_pdf_replaces_previous_pdf(requires_tex: None, tmp_path: Path) -> None:
    out = tmp_path / "doc.pdf"
    out.write_bytes(b"old")
    compile_pdf(GOOD, out)
    assert out.read_bytes().startswith(b"%PDF-")
    assert files_in(tmp_path) == ["doc.pdf"]


def test_compile_pdf_source_date_epoch_is_reproducible(requires_tex: None, tmp_path: Path) -> None:
    first = compile_pdf(GOOD, tmp_path / "a.pdf", source_date_epoch=1_700_000_000)
    second = compile_pdf(GOOD, tmp_path / "b.pdf", source_date_epoch=1_700_000_000)
    assert first.read_bytes() == second.read_bytes()
    assert b"/CreationDate (D:20231114221320Z)" in first.read_bytes()


# --- builds that fail ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "where", "message"),
    [
        (
            document("Hello", "", r"\undefinedmacro here"),
            "main.tex:5",
            "Undefined control sequence.",
        ),
        (document("x", "$a + b", "", "y"), "main.tex:5", "Missing $ inserted."),
        # \usepackage looks ahead for an optional [date] after its argument, so TeX is already
        # on the next line (3) when it finds the package missing.
        (MISSING_PACKAGE, "main.tex:3", "LaTeX Error: File `nosuchpackage.sty' not found."),
    ],
    ids=["undefined-macro", "missing-dollar", "missing-package"],
)
def test_compile_pdf_error_names_first_tex_error(
    requires_tex: None, tmp_path: Path, build_tmp: Path, source: str, where: str, message: str
) -> None:
    out = tmp_path / "doc.pdf"
    out.write_bytes(b"%PDF previous build")
    with pytest.raises(BuildError) as caught:
        compile_pdf(source, out)
    assert caught.value.args[0] == f"LaTeX build failed at {where}: {message}"
    assert message in caught.value.log_excerpt
    assert out.read_bytes() == b"%PDF previous build"
    assert files_in(tmp_path) == ["doc.pdf", "tmp"]
    assert files_in(build_tmp) == []


def test_compile_pdf_error_excerpt_shows_the_source_line(
    requires_tex: None, tmp_path: Path
) -> None:
    source = document("Hello", "", r"\undefinedmacro here")
    with pytest.raises(BuildError) as caught:
        compile_pdf(source, tmp_path / "doc.pdf", jobname="handout")
    assert caught.value.args[0].startswith("LaTeX build failed at handout.tex:5: Undefined")
    assert caught.value.log_excerpt.splitlines()[:2] == [
        "./handout.tex:5: Undefined control sequence.",
        r"l.5 \undefinedmacro",
    ]
    assert "memory you used" not in caught.value.log_excerpt
    assert "l.5 \\undefinedmacro" in str(caught.value)
    assert not (tmp_path / "doc.pdf").exists()


def test_compile_pdf_without_pages_fails(requires_tex: None, tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="no pages of output"):
        compile_pdf(document(), tmp_path / "doc.pdf")
    assert files_in(tmp_path) == []


def test_compile_pdf_timeout_stops_tex(requires_tex: None, tmp_path: Path, build_tmp: Path) -> None:
    loop = document(r"\def\loop{\loop}\loop")  # TeX spins here forever
    with pytest.raises(BuildError, match=r"did not finish within 2 s"):
        compile_pdf(loop, tmp_path / "doc.pdf", timeout=2)
    assert files_in(tmp_path) == ["tmp"]
    assert files_in(build_tmp) == []
    assert processes_in(build_tmp) == []


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to list processes")
def test_compile_pdf_interrupt_kills_tex_and_leaves_nothing(
    requires_tex: None, tmp_path: Path, build_tmp: Path
) -> None:
    out = tmp_path / "output" / "doc.pdf"
    out.parent.mkdir()
    out.write_bytes(b"%PDF previous build")
    loop = document(r"\def\loop{\loop}\loop")

    finished = threading.Event()

    def interrupt_once_tex_runs() -> None:
        while not finished.wait(0.05):
            if processes_in(build_tmp):
                time.sleep(0.3)  # let pdflatex get going too
                if not finished.is_set():
                    os.kill(os.getpid(), signal.SIGINT)  # as Ctrl-C: KeyboardInterrupt in main
                return

    interrupter = threading.Thread(target=interrupt_once_tex_runs)
    interrupter.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            compile_pdf(loop, out, timeout=60)
    finally:
        finished.set()
        interrupter.join()
    assert out.read_bytes() == b"%PDF previous build"
    assert files_in(out.parent) == ["doc.pdf"]
    assert files_in(build_tmp) == []
    assert processes_in(build_tmp) == []


def test_compile_pdf_without_latexmk_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert not latexmk_available()
    with pytest.raises(BuildError, match="apt-get install latexmk texlive-latex-base") as caught:
        compile_pdf(GOOD, tmp_path / "doc.pdf")
    assert "latexmk, pdflatex not found" in caught.value.args[0]
    assert files_in(tmp_path) == []


@pytest.mark.parametrize("jobname", ["", "../main", "a b", "-main", "x.tex"])
def test_compile_pdf_rejects_unsafe_jobname(tmp_path: Path, jobname: str) -> None:
    with pytest.raises(ValueError, match="jobname"):
        compile_pdf(GOOD, tmp_path / "doc.pdf", jobname=jobname)


# --- the sandbox --------------------------------------------------------------------------------


def test_compile_pdf_write18_does_not_run(requires_tex: None, tmp_path: Path) -> None:
    immediate, shipout = tmp_path / "immediate", tmp_path / "shipout"
    source = document(
        rf"\immediate\write18{{touch {immediate}}}",
        rf"\write18{{touch {shipout}}}",
        "Text.",
    )
    compile_pdf(source, tmp_path / "doc.pdf")  # TeX logs "runsystem(...)...disabled." and goes on
    assert not immediate.exists()
    assert not shipout.exists()


def test_compile_pdf_piped_input_does_not_run(requires_tex: None, tmp_path: Path) -> None:
    marker = tmp_path / "piped"
    with pytest.raises(BuildError, match=r"main.tex:3: I can't find file `\"\|touch "):
        # Without shell escape TeX looks for a file named `"|touch ..."` instead.
        compile_pdf(document(rf'\input|"touch {marker}"'), tmp_path / "doc.pdf")
    assert not marker.exists()


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A readable .tex file outside any build folder."""
    path = tmp_path / "secret" / "secret.tex"
    path.parent.mkdir()
    path.write_text("SECRETCONTENT\n")
    return path


def _unlock_openin(monkeypatch: pytest.MonkeyPatch) -> None:
    """Build with TeX Live's default openin_any=a: the control that shows the lock matters."""
    build_env = derive.documents.pdf._build_env

    def unlocked(source_date_epoch: int | None) -> dict[str, str]:
        return {**build_env(source_date_epoch), "openin_any": "a"}

    monkeypatch.setattr(derive.documents.pdf, "_build_env", unlocked)


@pytest.mark.parametrize("unlocked", [False, True], ids=["locked", "control-openin_any=a"])
def test_compile_pdf_input_outside_build_dir_is_refused(
    requires_tex: None,
    tmp_path: Path,
    secret: Path,
    monkeypatch: pytest.MonkeyPatch,
    unlocked: bool,
) -> None:
    source = document(rf"\input{{{secret}}}", "Text.")
    if unlocked:  # the control: without the lock the same source prints the secret
        require_tool(None if shutil.which("pdftotext") else "pdftotext (poppler-utils) not found")
        _unlock_openin(monkeypatch)
        pdf = compile_pdf(source, tmp_path / "doc.pdf")
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                              check=True, timeout=60).stdout  # fmt: skip
        assert "SECRETCONTENT" in text
        return
    with pytest.raises(BuildError) as caught:
        compile_pdf(source, tmp_path / "doc.pdf")
    assert caught.value.args[0] == (
        f"LaTeX build failed at main.tex:3: LaTeX Error: File `{secret}' not found."
    )
    assert "SECRETCONTENT" not in str(caught.value)


def test_compile_pdf_input_of_etc_file_is_refused(requires_tex: None, tmp_path: Path) -> None:
    with pytest.raises(BuildError, match=r"main.tex:3: LaTeX Error: File `/etc/hostname.tex'"):
        compile_pdf(document(r"\input{/etc/hostname}"), tmp_path / "doc.pdf")


@pytest.mark.parametrize("unlocked", [False, True], ids=["locked", "control-openin_any=a"])
def test_compile_pdf_openin_outside_build_dir_reads_nothing(
    requires_tex: None,
    tmp_path: Path,
    secret: Path,
    monkeypatch: pytest.MonkeyPatch,
    unlocked: bool,
) -> None:
    # \openin does not fail: the stream just reads as at end of file. Leak what it reads into
    # an error message so that a successful build proves nothing was read.
    source = document(
        r"\newread\probe",
        rf"\immediate\openin\probe={secret}",
        r"\ifeof\probe\else\read\probe to\line\errmessage{LEAKED \line}\fi",
        "Text.",
    )
    if not unlocked:
        compile_pdf(source, tmp_path / "doc.pdf")
        return
    _unlock_openin(monkeypatch)
    with pytest.raises(BuildError, match="LEAKED SECRETCONTENT"):
        compile_pdf(source, tmp_path / "doc.pdf")


def test_compile_pdf_openout_outside_build_dir_is_refused(
    requires_tex: None, tmp_path: Path
) -> None:
    target = tmp_path / "written.txt"
    source = document(r"\newwrite\out", rf"\immediate\openout\out={target}", "Text.")
    with pytest.raises(BuildError, match=r"main.tex:4: I can't write on file"):
        compile_pdf(source, tmp_path / "doc.pdf")
    assert not target.exists()


# --- the log parser, on logs captured from pdflatex (TeX Live 2022) -----------------------------

FILE_LINE_LOG = r"""LaTeX Font Info:    Checking defaults for U/cmr/m/n on input line 2.
LaTeX Font Info:    ... okay on input line 2.

./undef.tex:5: Undefined control sequence.
l.5 \foo
         bar 
Here is how much of TeX's memory you used:
 420 strings out of 478051

./undef.tex:5:  ==> Fatal error occurred, no output PDF file produced!
"""

NESTED_LOG = r"""LaTeX Font Info:    ... okay on input line 2.
(./sub.tex
./sub.tex:2: Undefined control sequence.
l.2 \badmacro
              
Here is how much of TeX's memory you used:
"""

BANG_LOG = r"""LaTeX Font Info:    ... okay on input line 2.
! Undefined control sequence.
l.5 \foo
         bar 
Here is how much of TeX's memory you used:

!  ==> Fatal error occurred, no output PDF file produced!
"""

MISSING_FILE_LOG = r"""\bibindent=\dimen140
)

! LaTeX Error: File `nosuchpackage.sty' not found.

Type X to quit or <RETURN> to proceed,
or enter new name. (Default extension: sty)

Enter file name: 
./nosty.tex:3: Emergency stop.
<read *> 
         
l.3 \begin
          {document}^^M 
Here is how much of TeX's memory you used:

./nosty.tex:3:  ==> Fatal error occurred, no output PDF file produced!
"""

MISSING_FILE_BANG_LOG = MISSING_FILE_LOG.replace("./nosty.tex:3: ", "! ").replace(
    "./nosty.tex:3:  ", "!  "
)

RUNAWAY_LOG = r"""{x \par \end {document} 
! File ended while scanning use of \textbf .
<inserted text> 
                \par 
<*> runaway.tex
                
Here is how much of TeX's memory you used:
"""

# Without -halt-on-error: three errors, and user text ":12: z" on a context line.
MULTI_LOG = r"""./multi.tex:4: Undefined control sequence.
l.4 \foo
        
The control sequence at the end of the top line
of your error message was never \def'ed. If you have

./multi.tex:6: Missing $ inserted.
<inserted text> 
                $
l.6 \bar
        :12: z
I've inserted a begin-math/end-math symbol since I think
you left one out. Proceed, with fingers crossed.

LaTeX Font Info:    External font `cmex10' loaded for size
(Font)              <7> on input line 6.
./multi.tex:7: Missing $ inserted.
<inserted text> 
                $
l.7 \end{document}
                  
I've inserted a begin-math/end-math symbol since I think
"""


@pytest.mark.parametrize(
    ("log", "expected"),
    [
        (FILE_LINE_LOG, [TexError("undef.tex", 5, "Undefined control sequence.")]),
        (NESTED_LOG, [TexError("sub.tex", 2, "Undefined control sequence.")]),
        (BANG_LOG, [TexError(None, 5, "Undefined control sequence.")]),
        (
            MISSING_FILE_LOG,
            [TexError("nosty.tex", 3, "LaTeX Error: File `nosuchpackage.sty' not found.")],
        ),
        (
            MISSING_FILE_BANG_LOG,
            [TexError(None, 3, "LaTeX Error: File `nosuchpackage.sty' not found.")],
        ),
        (RUNAWAY_LOG, [TexError(None, None, r"File ended while scanning use of \textbf .")]),
        (
            MULTI_LOG,
            [
                TexError("multi.tex", 4, "Undefined control sequence."),
                TexError("multi.tex", 6, "Missing $ inserted."),
                TexError("multi.tex", 7, "Missing $ inserted."),
            ],
        ),
        ("This is pdfTeX, Version 3.141592653\nOutput written on main.pdf (1 page).\n", []),
        ("", []),
    ],
    ids=[
        "file-line",
        "nested-file",
        "bang",
        "missing-file",
        "missing-file-bang",
        "runaway",
        "multiple",
        "clean",
        "empty",
    ],
)
def test_parse_tex_log(log: str, expected: list[TexError]) -> None:
    assert parse_tex_log(log) == expected


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (TexError("main.tex", 5, "Undefined control sequence."), "main.tex:5: Undefined"),
        (TexError(None, 5, "Undefined control sequence."), "line 5: Undefined"),
        (TexError(None, None, "File ended"), "File ended"),
    ],
    ids=["file-line", "line", "message"],
)
def test_tex_error_str(error: TexError, text: str) -> None:
    assert str(error).startswith(text)


# --- failure paths, with a stand-in latexmk (no TeX needed) -------------------------------------


@pytest.fixture
def fake_tex(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """``fake_tex(script)``: put a ``latexmk`` running ``script`` (bash, in the build folder,
    with the job's ``.tex`` as its last argument) and a dummy ``pdflatex`` first on the PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()

    def install(script: str) -> None:
        for name, body in (("latexmk", script), ("pdflatex", "exit 0")):
            tool = bin_dir / name
            tool.write_text(f"#!/usr/bin/env bash\n{body}\n")
            tool.chmod(0o755)
        monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")

    return install


@pytest.fixture
def previous_pdf(tmp_path: Path) -> Path:
    """The last good PDF, which every failed build must leave as it was."""
    out = tmp_path / "out" / "doc.pdf"
    out.parent.mkdir()
    out.write_bytes(b"%PDF- the last good build")
    return out


def assert_untouched(previous_pdf: Path, build_tmp: Path) -> None:
    assert previous_pdf.read_bytes() == b"%PDF- the last good build"
    assert files_in(previous_pdf.parent) == ["doc.pdf"]  # no partial file beside it
    assert files_in(build_tmp) == []  # the build folder is gone


def test_compile_pdf_latexmk_cannot_start(
    fake_tex: Callable[[str], None], monkeypatch: pytest.MonkeyPatch, previous_pdf: Path,
    build_tmp: Path,
) -> None:  # fmt: skip
    fake_tex("exit 0")

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", "latexmk")

    monkeypatch.setattr(derive.documents.pdf.subprocess, "Popen", refuse)
    with pytest.raises(BuildError) as caught:
        compile_pdf(GOOD, previous_pdf)
    assert str(caught.value).startswith(
        "cannot run latexmk ([Errno 13] Permission denied: 'latexmk'); "
    )
    assert derive.documents.pdf.INSTALL_HINT in str(caught.value)
    assert_untouched(previous_pdf, build_tmp)


def test_compile_pdf_failure_without_tex_error_in_the_log(
    fake_tex: Callable[[str], None], previous_pdf: Path, build_tmp: Path
) -> None:
    fake_tex('echo "Latexmk: something odd happened" > main.log; exit 12')
    with pytest.raises(BuildError) as caught:
        compile_pdf(GOOD, previous_pdf)
    assert caught.value.args[0] == "latexmk failed with exit code 12 and the log names no TeX error"
    assert "Latexmk: something odd happened" in str(caught.value)  # the log's tail is shown
    assert_untouched(previous_pdf, build_tmp)


def test_compile_pdf_success_without_a_pdf(
    fake_tex: Callable[[str], None], previous_pdf: Path, build_tmp: Path
) -> None:
    fake_tex('echo "Output written on nothing" > main.log; exit 0')
    with pytest.raises(BuildError) as caught:
        compile_pdf(GOOD, previous_pdf)
    assert caught.value.args[0] == "latexmk finished but produced no PDF"
    assert "Output written on nothing" in str(caught.value)
    assert_untouched(previous_pdf, build_tmp)


def test_compile_pdf_failed_install_removes_its_partial_file(
    fake_tex: Callable[[str], None], monkeypatch: pytest.MonkeyPatch, previous_pdf: Path,
    build_tmp: Path,
) -> None:  # fmt: skip
    fake_tex('printf "%%PDF- new" > main.pdf')
    renamed: list[tuple[str, str]] = []

    def full_disk(source: str, target: str) -> None:
        renamed.append((str(source), str(target)))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(derive.documents.pdf.os, "replace", full_disk)
    with pytest.raises(OSError, match="No space left on device"):
        compile_pdf(GOOD, previous_pdf)
    assert len(renamed) == 1 and renamed[0][1] == str(previous_pdf)  # it got as far as renaming
    assert Path(renamed[0][0]).name.endswith(".part")
    assert_untouched(previous_pdf, build_tmp)


def test_compile_pdf_timeout_with_a_descendant_holding_the_pipe(
    fake_tex: Callable[[str], None], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    previous_pdf: Path, build_tmp: Path,
) -> None:  # fmt: skip
    # A child in a session of its own survives the kill of latexmk's process group and keeps the
    # output pipe open: the reap gives up after _REAP_TIMEOUT, closes the pipe and waits.
    orphan = tmp_path / "orphan.pid"
    fake_tex(f"setsid sleep 20 & echo $! > {orphan}\nsleep 20")
    monkeypatch.setattr(derive.documents.pdf, "_REAP_TIMEOUT", 0.5)
    try:
        with pytest.raises(BuildError) as caught:
            compile_pdf(GOOD, previous_pdf, timeout=1)
        assert caught.value.args[0] == "latexmk did not finish within 1 s and was stopped"
        assert_untouched(previous_pdf, build_tmp)
        # it returned while the descendant still runs (not a zombie: it would be reaped later)
        state = Path(f"/proc/{int(orphan.read_text())}/stat").read_text().split(") ")[-1][0]
        assert state in "RSD", state
    finally:
        if orphan.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(orphan.read_text()), signal.SIGKILL)
