"""``derive build``, ``derive catalog``, ``derive check``.

The commands stay thin: they parse options, call :mod:`derive.documents.handouts.build` and
:mod:`catalog.identities`, and show progress. Errors go through :func:`cli.guarded` (an input
or handout error exits 2, a build or verification failure exits 1). Heavy modules are imported
inside the commands, so ``derive --help`` stays fast.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from derive.cli.common import LazyChoice, LazyHelpOption, guarded

if TYPE_CHECKING:
    from derive.api import CheckResult
    from derive.catalog.identities import CatalogEntry

PDF_HINT = (
    "no PDF: latexmk is not installed; to get the PDF run "
    "`apt-get install latexmk texlive-latex-base texlive-latex-recommended lmodern` "
    "and build again"
)
_RESULT_WIDTH = 46


# The registries of formats and flavours are read when an option is parsed or its help shown:
# derive.documents loads the engine, and ``derive --help`` imports click alone.


def _handout_formats(default: bool = False) -> tuple[str, ...]:
    from derive.documents.formats import handout_formats

    return handout_formats(default=default)


def _describe_formats() -> str:
    return (f"Comma-separated formats to write: {', '.join(_handout_formats())}.  "
            f"[default: {','.join(_handout_formats(default=True))}]")  # fmt: skip


def _flavors() -> tuple[str, ...]:
    from derive.documents.web.flavors import FLAVORS

    return tuple(FLAVORS)


def _split_formats(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[str, ...]:
    known = _handout_formats()
    if value is None:
        return _handout_formats(default=True)
    formats = tuple(dict.fromkeys(f.strip().lower() for f in value.split(",") if f.strip()))
    unknown = [f for f in formats if f not in known]
    if unknown or not formats:
        raise click.BadParameter(f"use a comma-separated list of {', '.join(known)}")
    return formats


class _BuildProgress:
    """Shows a build's progress on stderr: a bar while items are derived, a line per PDF."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._done = 0
        self.unchanged = False

    def __call__(self, stage: str, done: int, total: int, label: str) -> None:
        if stage == "derive":
            if self._bar is None:
                self._bar = click.progressbar(length=total, label="deriving", file=sys.stderr)
                self._bar.__enter__()
            self._bar.update(done - self._done)
            self._done = done
            return
        self.close()
        if stage == "pdf":
            click.echo(f"compiling {label} with latexmk ...", err=True)
        elif stage == "reuse":
            click.echo(f"{label}: its LaTeX did not change, kept", err=True)
        elif stage == "unchanged":
            self.unchanged = True

    def close(self) -> None:
        """Finish the bar, if one is showing."""
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


@click.command("build")
@click.argument(
    "handout", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--format", "-f", "formats", default=None, metavar="LIST", callback=_split_formats,
              cls=LazyHelpOption, describe=_describe_formats)  # fmt: skip
@click.option("--output", "-o", "out_dir", default="output", show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the outputs; each handout gets its own subfolder.")  # fmt: skip
@click.option("--templates", "templates_dir", default=None, metavar="DIR",
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of templates that override the built-in ones by name.")  # fmt: skip
@click.option("--answer-key/--no-answer-key", default=None,
              help="With solutions = false, also write the solutions document "
                   "NAME-solutions.* (overrides the file's answer_key).")  # fmt: skip
@click.option("--md-flavor", type=LazyChoice(_flavors), default=None,
              help="Markdown for a site generator: gfm (GitHub), kramdown (Jekyll, GitHub "
                   "Pages), mkdocs (MkDocs Material), pandoc, hugo, commonmark (the default; "
                   "overrides the file's md_flavor).")  # fmt: skip
@click.option("--front-matter/--no-front-matter", default=None,
              help="Start the Markdown with YAML front matter and use plain-text headings "
                   "(overrides the file's front_matter).")  # fmt: skip
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=20.0,
              show_default=True, metavar="SECONDS",
              help="Stop with an error when deriving and checking one item takes longer.")
@click.option("--watch", "-w", is_flag=True,
              help="Build, then rebuild whenever the handout file or a template in --templates "
                   "changes (one line per build; a failed build keeps the last good outputs). "
                   "Ctrl-C stops.")  # fmt: skip
@guarded
def build_command(
    handout: Path | None,
    formats: tuple[str, ...],
    out_dir: Path,
    templates_dir: Path | None,
    answer_key: bool | None,
    md_flavor: str | None,
    front_matter: bool | None,
    time_limit: float,
    watch: bool,
) -> None:
    """Build HANDOUT.toml (or, without one, the built-in default handout) into DIR/NAME/.

    Writes NAME.pdf, NAME.tex and NAME.md. Without latexmk it writes the LaTeX and Markdown and
    says how to get the PDF.
    """
    from derive.api import build
    from derive.documents.pdf import latexmk_available

    if "pdf" in formats and not latexmk_available():
        formats = tuple(dict.fromkeys("tex" if f == "pdf" else f for f in formats))
        click.echo(PDF_HINT, err=True)
    options: dict[str, Any] = {
        "templates_dir": templates_dir, "answer_key": answer_key, "md_flavor": md_flavor,
        "front_matter": front_matter, "time_limit": time_limit,
    }  # fmt: skip
    if watch:
        _watch(handout, formats, out_dir, options)
        return
    progress = _BuildProgress()
    start = time.perf_counter()
    try:
        written = build(handout, formats, out_dir, progress=progress, **options)
    finally:
        progress.close()
    verb = "unchanged" if progress.unchanged else "wrote"
    for path in written:
        click.echo(f"{verb} {path}")
    click.echo(f"done in {time.perf_counter() - start:.1f} s", err=True)


def _watch(
    handout: Path | None, formats: tuple[str, ...], out_dir: Path, options: dict[str, Any]
) -> None:
    """``--watch``: build, then rebuild on every change until Ctrl-C (see :mod:`cli.watch`)."""
    from derive.api import build
    from derive.cli.watch import Watched, watch
    from derive.documents.handouts.load import default_handout_path

    def build_once() -> tuple[list[Path], bool]:
        progress = _BuildProgress()
        written = build(handout, formats, out_dir, progress=_quiet(progress), **options)
        return written, progress.unchanged

    path = (handout or default_handout_path()).resolve()
    templates = options["templates_dir"]
    watch(Watched(path, templates.resolve() if templates else None), build_once)


def _quiet(progress: _BuildProgress) -> Callable[[str, int, int, str], None]:
    """Only note whether a build had nothing to do (watch mode prints one line per build)."""

    def note(stage: str, done: int, total: int, label: str) -> None:
        progress.unchanged = progress.unchanged or stage == "unchanged"

    return note


@click.command("catalog")
@click.option(
    "--search",
    "-s",
    "word",
    default="",
    metavar="WORD",
    help="Show only identities whose name, title, expression or source contain WORD.",
)
def catalog_command(word: str) -> None:
    """List the built-in identities, by section (use a name as `identity = "NAME"`)."""
    from derive.catalog.identities import SECTIONS, search

    found = search(word)
    if not found:
        click.echo(f"no identity matches {word!r}; `derive catalog` lists them all")
        return
    name_width = max(len(identity.name) for identity in found)
    expr_width = max(len(_statement(identity)) for identity in found)
    decl_width = max(len(_assumptions(identity)) for identity in found)
    for section in SECTIONS:
        rows = [identity for identity in found if identity.section == section]
        if not rows:
            continue
        click.echo(click.style(section, bold=True))
        for identity in rows:
            click.echo(f"  {identity.name:<{name_width}}  {_statement(identity):<{expr_width}}  "
                       f"{_assumptions(identity):<{decl_width}}  {identity.source}")  # fmt: skip
        click.echo()
    click.echo(f"{len(found)} identities. Derive one with `derive prove EXPR --wrt VAR`, or "
               "use its name in a handout: identity = \"NAME\".")  # fmt: skip


def _assumptions(identity: CatalogEntry) -> str:
    return "; ".join(identity.declare) or "-"


def _statement(identity: CatalogEntry) -> str:
    what = f"d²/d{identity.wrt}²" if identity.hessian else f"d/d{identity.wrt}"
    return f"{what} {identity.expr}"


@click.command("check")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None,
              help="Processes to use (default: the number of CPUs, at most 4).")  # fmt: skip
@click.option(
    "--search",
    "-s",
    "word",
    default="",
    metavar="WORD",
    help="Check only the identities that match WORD.",
)
@click.pass_context
@guarded
def check_command(ctx: click.Context, jobs: int | None, word: str) -> None:
    """Derive and verify every catalog identity; exit 1 if any fails."""
    from derive.catalog.identities import search

    identities = search(word)
    if not identities:
        raise click.BadParameter(f"no identity matches {word!r}", param_hint="--search")
    jobs = jobs or min(os.cpu_count() or 1, 4)
    start = time.perf_counter()
    results = _run_checks(identities, jobs)
    elapsed = time.perf_counter() - start
    _print_check_table(results)
    failed = [r for r in results if not r.passed]
    click.echo(f"{len(results)} identities: {len(results) - len(failed)} verified, "
               f"{len(failed)} failed, in {elapsed:.1f} s ({jobs} "
               f"{'process' if jobs == 1 else 'processes'})")  # fmt: skip
    if failed:
        ctx.exit(1)


def _run_checks(identities: Sequence[CatalogEntry], jobs: int) -> list[CheckResult]:
    """Check every identity, ``jobs`` at a time, with a progress bar on stderr."""
    from derive.api import check_identity

    names = [identity.name for identity in identities]
    results: dict[str, CheckResult] = {}
    with click.progressbar(length=len(names), label="checking", file=sys.stderr) as bar:
        if jobs == 1 or len(names) == 1:
            for name in names:
                results[name] = check_identity(name)
                bar.update(1)
        else:
            for result in _parallel_checks(names, jobs):
                results[result.name] = result
                bar.update(1)
    return [results[name] for name in names]


def _parallel_checks(names: Sequence[str], jobs: int) -> Any:
    """Yield check results as worker processes finish them (forked after a warm-up)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from derive.api import check_identity

    yield check_identity(names[0])  # loads the engine and SymPy once, before the workers fork
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    executor = ProcessPoolExecutor(max_workers=jobs, mp_context=context,
                                   initializer=_ignore_interrupts)  # fmt: skip
    try:
        futures = [executor.submit(check_identity, name) for name in names[1:]]
        for future in as_completed(futures):
            yield future.result()
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _ignore_interrupts() -> None:
    """In a worker: leave Ctrl-C to the parent, which cancels the pool."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _print_check_table(results: Sequence[CheckResult]) -> None:
    name_width = max(len(r.name) for r in results)
    header = (f"{'identity':<{name_width}}  {'result':<{_RESULT_WIDTH}}  exact  "
              f"{'numeric error':>13}  {'time':>6}")  # fmt: skip
    click.echo(header)
    click.echo("-" * len(header))
    for r in results:
        exact = {True: "yes", False: "NO", None: "-"}[r.exact]
        error = f"{r.numeric_error:.1e}" if r.numeric_error is not None else "-"
        shown = _shorten(r.result if r.passed or r.result else f"FAILED: {r.error}")
        click.echo(f"{r.name:<{name_width}}  {shown:<{_RESULT_WIDTH}}  {exact:<5}  "
                   f"{error:>13}  {r.seconds:>5.2f}s")  # fmt: skip
        if not r.passed and r.result:
            click.echo(f"{'':<{name_width}}  FAILED: {r.error or 'the checks did not pass'}")


def _shorten(text: str) -> str:
    return text if len(text) <= _RESULT_WIDTH else text[: _RESULT_WIDTH - 1] + "…"


COMMANDS: list[click.Command] = [build_command, catalog_command, check_command]
