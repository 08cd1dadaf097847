"""Compile LaTeX to PDF with latexmk: the only module in derive that runs a subprocess.

The build runs in a fresh temporary folder with TeX's file access locked down
(``-no-shell-escape``, ``openin_any=p``, ``openout_any=p``, ``shell_escape=f``), so text that
reaches the document can neither run commands nor read or write files outside the build folder.
Only a finished PDF ever reaches the output path, and it arrives in one atomic ``os.replace``:
a failed, timed-out or interrupted build leaves the previous PDF untouched and no partial files.

A failure raises :class:`~derive.errors.BuildError` naming the first TeX error as
``file:line: message`` (parsed from the ``-file-line-error`` log by :func:`parse_tex_log`), with
the relevant part of the log attached.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from derive.errors import BuildError

__all__ = [
    "INSTALL_HINT", "TexError", "compile_pdf", "latexmk_available", "parse_tex_log",
    "remove_stale_build_folders",
]  # fmt: skip

INSTALL_HINT = (
    "install TeX Live and latexmk, e.g. on Debian or Ubuntu: "
    "sudo apt-get install latexmk texlive-latex-base texlive-latex-recommended lmodern"
)

_TOOLS = ("latexmk", "pdflatex")
_JOBNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
# -file-line-error style: "./main.tex:5: Undefined control sequence."
_FILE_LINE_ERROR = re.compile(r"^(.+?):(\d+): (.*)$")
# Classic style: "! Undefined control sequence." followed a few lines later by "l.5 \foo".
_BANG_ERROR = re.compile(r"^! (.*)$")
_CONTEXT_LINE = re.compile(r"^l\.(\d+)(?: |$)")
# Lines TeX prints after the real error has been reported; they repeat it, so skip them.
_AFTERMATH = ("==> Fatal error occurred", "Emergency stop", "Job aborted")
# How far after an error line to look for its "l.N" context line.
_CONTEXT_WINDOW = 16
_EXCERPT_LINES = 20
_ERROR_EXCERPT_LINES = 10
# TeX's closing memory report: noise after an error, so an excerpt stops there.
_LOG_STATISTICS = "Here is how much of TeX's memory you used:"
_NO_PAGES = "No pages of output."
# Seconds to wait for the killed process group's output pipe to close.
_REAP_TIMEOUT = 5


@dataclass(frozen=True, slots=True)
class TexError:
    """One error found in a TeX log.

    Attributes:
        file: The file TeX was reading (``main.tex``), or None when the log does not say.
        line: The 1-based line in that file, or None when the log does not say.
        message: TeX's message, e.g. ``Undefined control sequence.``
    """

    file: str | None
    line: int | None
    message: str

    def __str__(self) -> str:
        if self.file is not None and self.line is not None:
            return f"{self.file}:{self.line}: {self.message}"
        if self.line is not None:
            return f"line {self.line}: {self.message}"
        return self.message


def latexmk_available() -> bool:
    """Return True when both ``latexmk`` and ``pdflatex`` are on the PATH."""
    return all(shutil.which(tool) is not None for tool in _TOOLS)


def parse_tex_log(log: str) -> list[TexError]:
    """Find the errors in a TeX log, first error first.

    Reads ``-file-line-error`` lines (``file:line: message``) and, as a fallback, classic
    ``! message`` lines whose line number comes from the ``l.N`` context line that follows.
    Repeats such as "==> Fatal error occurred" and "Emergency stop" are left out.

    Args:
        log: The text of a ``.log`` file (or latexmk's captured output).

    Returns:
        The errors in the order TeX reported them; empty when the log shows none.
    """
    lines = log.splitlines()
    errors: list[TexError] = []
    index = 0
    while index < len(lines):
        found = _match_error(lines, index)
        if found is None:
            index += 1
            continue
        error, index = found
        if not _is_aftermath(error.message):
            errors.append(error)
    return errors


def _match_error(lines: list[str], index: int) -> tuple[TexError, int] | None:
    """Match an error starting at ``lines[index]``; return it and the index to resume at."""
    text = lines[index]
    bang = _BANG_ERROR.match(text)
    if bang is not None:
        file_name, line, after = _find_context(lines, index + 1)
        return TexError(file_name, line, bang.group(1).strip()), after
    located = _FILE_LINE_ERROR.match(text)
    if located is not None:
        _, _, after = _find_context(lines, index + 1)
        file_name, line = _clean_name(located.group(1)), int(located.group(2))
        return TexError(file_name, line, located.group(3).strip()), after
    return None


def _find_context(lines: list[str], start: int) -> tuple[str | None, int | None, int]:
    """Find where the error reported just before ``lines[start]`` happened.

    Returns:
        The file (when the log names it), the line, and the index to resume scanning at. The
        ``l.N`` context line and the one after it are user text, so scanning resumes after
        them: a source line such as ``a:1: b`` must not be read as another error.
    """
    for offset in range(start, min(start + _CONTEXT_WINDOW, len(lines))):
        text = lines[offset]
        context = _CONTEXT_LINE.match(text)
        if context is not None:
            return None, int(context.group(1)), min(offset + 2, len(lines))
        bang = _BANG_ERROR.match(text)
        if bang is not None:
            if _is_aftermath(bang.group(1)):
                continue  # "! Emergency stop." has an l.N line of its own that says where.
            break
        located = _FILE_LINE_ERROR.match(text)
        if located is not None:
            if _is_aftermath(located.group(3)):
                # "! LaTeX Error: File `x.sty' not found." has no l.N line even with
                # -file-line-error; the "file:line: Emergency stop." after it says where.
                return _clean_name(located.group(1)), int(located.group(2)), offset
            break
    return None, None, start


def _is_aftermath(message: str) -> bool:
    """Return True for TeX's follow-up messages, which only repeat an error already shown."""
    return message.lstrip().startswith(_AFTERMATH)


def _clean_name(name: str) -> str:
    """Return a file name as TeX printed it, without the ``./`` TeX puts before local files."""
    return name.removeprefix("./")


def _log_excerpt(log: str, first: TexError | None) -> str:
    """Return the lines around the first error, or the tail of the log when none was found."""
    lines = log.splitlines()
    if first is not None:
        for index, text in enumerate(lines):
            if first.message in text and (text.startswith("! ") or f":{first.line}: " in text):
                excerpt = lines[index : index + _ERROR_EXCERPT_LINES]
                return "\n".join(_until(excerpt, _LOG_STATISTICS)).rstrip()
    return "\n".join(_until(lines, _LOG_STATISTICS)[-_EXCERPT_LINES:]).rstrip()


def _until(lines: list[str], stop: str) -> list[str]:
    """Return ``lines`` up to (not including) the first line that starts with ``stop``."""
    for index, text in enumerate(lines):
        if text.startswith(stop):
            return lines[:index]
    return lines


def _build_env(source_date_epoch: int | None) -> dict[str, str]:
    """Return the environment for latexmk: the caller's, with TeX's file access locked down."""
    env = dict(os.environ)
    env.update(
        openin_any="p",  # the default "a" lets \openin and \input read any file, e.g. /etc/*
        openout_any="p",
        shell_escape="f",
        max_print_line="10000",  # no wrapped log lines, so errors parse whole
    )
    if source_date_epoch is not None:
        env["SOURCE_DATE_EPOCH"] = str(source_date_epoch)
        env["FORCE_SOURCE_DATE"] = "1"
    return env


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill latexmk and everything it started (pdflatex, mktexpk, ...) and reap it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    try:
        process.communicate(timeout=_REAP_TIMEOUT)
    except subprocess.TimeoutExpired:
        # Only a descendant that left the process group can still hold the pipe open.
        if process.stdout is not None:
            process.stdout.close()
        process.wait()


def _run_latexmk(build_dir: Path, jobname: str, timeout: float, env: dict[str, str],
                 started: Callable[[], None] | None = None) -> str:  # fmt: skip
    """Run latexmk in ``build_dir`` and return its combined output (``started`` is called
    once it runs).

    Raises:
        BuildError: When latexmk cannot be started or runs longer than ``timeout`` seconds.
    """
    command = [
        "latexmk",
        "-pdf",
        "-norc",
        "-interaction=nonstopmode",
        "-halt-on-error",
        "-file-line-error",
        "-no-shell-escape",
        f"-outdir={build_dir}",
        f"{jobname}.tex",
    ]
    try:
        # A session of its own makes latexmk and its children one process group to kill, and
        # keeps a terminal's Ctrl-C from reaching them before we can clean up.
        process = subprocess.Popen(
            command,
            cwd=build_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except OSError as error:
        raise BuildError(f"cannot run latexmk ({error}); {INSTALL_HINT}") from error
    try:
        if started is not None:
            started()
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        log = _read_log(build_dir, jobname, "")
        raise BuildError(
            f"latexmk did not finish within {timeout:g} s and was stopped",
            _log_excerpt(log, None),
        ) from None
    except BaseException:
        # KeyboardInterrupt (or anything else): no TeX process may outlive the build folder.
        _kill_group(process)
        raise
    text = output.decode("utf-8", errors="replace")
    if process.returncode != 0:
        _explain_failure(build_dir, _read_log(build_dir, jobname, text))
        _raise_tex_failure(_read_log(build_dir, jobname, text), process.returncode)
    return text


# below this many bytes free, a failed build is put down to a full disk
_LOW_SPACE = 4 * 1024 * 1024
# TeX reached the end of the file without \end{document}: an emergency stop at the "<*>"
# prompt (the top level), with no error before it
_NO_END = re.compile(r"^! Emergency stop\.\s*\n<\*> [^\n]*$", re.MULTILINE)


def _explain_failure(build_dir: Path, log: str) -> None:
    """Name the causes of a failure that TeX's log does not name as an error.

    Raises:
        BuildError: The temporary folder is full, or the document has no ``\\end{document}``.
    """
    with contextlib.suppress(OSError):
        free = shutil.disk_usage(build_dir).free
        if free < _LOW_SPACE:
            raise BuildError(
                f"LaTeX could not write its files: the temporary folder {build_dir.parent} is"
                f" full ({free // 1024} KB free); free some space there, or point TMPDIR at"
                " another folder"
            )
    if _NO_END.search(log) and not parse_tex_log(log):
        raise BuildError(
            "the LaTeX document ends without \\end{document}: a template is incomplete"
            " (check the templates given with --templates)",
            _log_excerpt(log, None),
        )


def _read_log(build_dir: Path, jobname: str, fallback: str) -> str:
    """Return TeX's ``.log`` for ``jobname``, or ``fallback`` when TeX never wrote one."""
    try:
        return (build_dir / f"{jobname}.log").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return fallback


def _raise_tex_failure(log: str, returncode: int) -> NoReturn:
    """Raise a :class:`BuildError` naming the first error in ``log``."""
    errors = parse_tex_log(log)
    if errors:
        first = errors[0]
        where = " at " if first.line is not None else ": "
        raise BuildError(f"LaTeX build failed{where}{first}", _log_excerpt(log, first))
    if _NO_PAGES in log:
        raise BuildError("LaTeX produced no pages of output: the document body is empty", _NO_PAGES)
    raise BuildError(
        f"latexmk failed with exit code {returncode} and the log names no TeX error",
        _log_excerpt(log, None),
    )


def _install(built: Path, out_pdf: Path) -> None:
    """Copy ``built`` next to ``out_pdf`` under a temporary name, then rename it into place."""
    out_pdf.parent.mkdir(parents=True, exist_ok=True)
    partial = out_pdf.with_name(f".{out_pdf.name}.{secrets.token_hex(6)}.part")
    try:
        # os.open with 0o666 lets the umask decide the final mode, as for any new file.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as target, built.open("rb") as source:
            shutil.copyfileobj(source, target)
            target.flush()
            os.fsync(target.fileno())
        os.replace(partial, out_pdf)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def compile_pdf(
    tex_source: str,
    out_pdf: Path,
    *,
    jobname: str = "main",
    timeout: float = 120,
    source_date_epoch: int | None = None,
    started: Callable[[], None] | None = None,
) -> Path:
    """Compile a complete LaTeX document to a PDF with latexmk and pdflatex.

    The document is written as ``<jobname>.tex`` into a fresh temporary folder and built there
    by ``latexmk -pdf`` without shell escape and with ``openin_any=p``/``openout_any=p``, so it
    cannot run commands or touch files outside that folder. The PDF then replaces ``out_pdf``
    atomically; on any failure ``out_pdf`` and its folder are left exactly as they were.

    Args:
        tex_source: The full LaTeX source, ``\\documentclass`` to ``\\end{document}``.
        out_pdf: Where to put the PDF; missing parent folders are created.
        jobname: Base name of the ``.tex`` file inside the build folder, which is the name TeX
            errors refer to (``main.tex:12: ...``). Letters, digits, ``_`` and ``-`` only.
        timeout: Seconds to wait for latexmk before stopping it.
        source_date_epoch: Unix time to use as the build date (``\\today``, PDF metadata) for
            reproducible output; None keeps the caller's environment as it is.
        started: Called once latexmk runs (a build then starts its other work, so that
            nothing competes with it before).

    Returns:
        ``out_pdf``.

    Raises:
        BuildError: When latexmk or pdflatex is missing, TeX reports an error (the message names
            the first one as ``file:line``), the build times out, or no PDF is produced.
        ValueError: When ``jobname`` is not a plain file name.
        KeyboardInterrupt: Re-raised after latexmk has been killed and the build folder removed.
    """
    if not _JOBNAME.fullmatch(jobname):
        raise ValueError(f"jobname must be letters, digits, '_' or '-', got {jobname!r}")
    if not latexmk_available():
        missing = ", ".join(tool for tool in _TOOLS if shutil.which(tool) is None)
        raise BuildError(f"cannot build a PDF: {missing} not found; {INSTALL_HINT}")
    out_pdf = Path(out_pdf)
    env = _build_env(source_date_epoch)
    try:
        with tempfile.TemporaryDirectory(prefix=_BUILD_PREFIX) as folder, _held(Path(folder)):
            built = _compile_in(Path(folder).resolve(), tex_source, jobname, timeout, env,
                                started)  # fmt: skip
            try:
                _install(built, out_pdf)
            except OSError as error:
                raise _InstallFailed(error) from error
    except _InstallFailed as failed:
        raise failed.error from None  # the output folder's problem, reported by the caller
    except OSError as error:
        raise BuildError(
            f"cannot build the PDF in the temporary folder {tempfile.gettempdir()}:"
            f" {error.strerror or error}" + (" (the disk is full)" if error.errno == 28 else "")
        ) from None
    return out_pdf


class _InstallFailed(Exception):
    """Carries an OSError of the output folder past the temporary folder's handler."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


def _compile_in(
    build_dir: Path, tex_source: str, jobname: str, timeout: float, env: dict[str, str],
    started: Callable[[], None] | None = None,
) -> Path:
    """Build ``<jobname>.tex`` in ``build_dir``; return the PDF built there."""
    (build_dir / f"{jobname}.tex").write_text(tex_source, encoding="utf-8")
    output = _run_latexmk(build_dir, jobname, timeout, env, started)
    built = build_dir / f"{jobname}.pdf"
    if not built.is_file():
        log = _read_log(build_dir, jobname, output)
        raise BuildError("latexmk finished but produced no PDF", _log_excerpt(log, None))
    return built


# -- build folders of killed builds ----------------------------------------------------------

_BUILD_PREFIX = "derive-pdf-"
_BUILD_LOCK = ".derive-building"
# a build folder without a lock file (killed before taking it) is stale after this long
_UNLOCKED_GRACE = 600


@contextlib.contextmanager
def _held(folder: Path) -> Iterator[None]:
    """Hold a lock inside a build folder while it is in use: a killed build drops it."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(folder / _BUILD_LOCK, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield


def remove_stale_build_folders() -> None:
    """Remove the ``derive-pdf-*`` folders of killed builds from the temporary folder.

    A folder is stale when no process holds its lock (a running build does; the lock of a
    killed process is released), or when it has no lock file and is older than ten minutes.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return
    import time

    for folder in Path(tempfile.gettempdir()).glob(f"{_BUILD_PREFIX}*"):
        lock = folder / _BUILD_LOCK
        try:
            if not folder.is_dir() or folder.is_symlink():
                continue
            if not lock.exists():
                if time.time() - folder.stat().st_mtime > _UNLOCKED_GRACE:
                    shutil.rmtree(folder, ignore_errors=True)
                continue
            with open(lock, "rb") as handle:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue  # in use (the lock is held), or not ours to remove
