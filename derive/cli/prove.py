"""``derive prove``: one verified derivation, to the terminal or a file.

Text goes to the terminal by default; ``--format md|tex|html|json|pdf`` picks another output
(``numpy|torch``: a Python module computing the value and the derivative, by every --wrt) and
``-o`` writes it to a file atomically (a temporary file in the same folder, then one rename; a
PDF through latexmk in a sandbox, :mod:`derive.documents.pdf`), so an interrupted run never
leaves half a document behind. ``--expect ANSWER`` checks a student's answer against the result:
the verdict comes first, and the exit status is 0 only for a right answer.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from derive.cli.common import LazyChoice, LazyHelpOption, declare_option, guarded

if TYPE_CHECKING:
    from derive.calculus.proof import Derivation


# The choices below come from registries whose packages load the engine: they are read when an
# option is parsed or its help shown, so that ``derive --help`` imports click alone.


def _layouts() -> tuple[str, ...]:
    from derive.ir.expr import LAYOUTS

    return LAYOUTS


def _methods() -> dict[str, str]:
    from derive.calculus.options import METHODS

    return METHODS


def _describe_methods() -> str:
    return ("The route the proof takes. "
            + "; ".join(f"{name}: {what}" for name, what in _methods().items()) + ".")


def _structures() -> dict[str, str]:
    from derive.calculus.options import STRUCTURES

    return STRUCTURES


def _describe_structures() -> str:
    return ("What the variable is. "
            + "; ".join(f"{name}: {what}" for name, what in _structures().items()) + ".")


def _styles() -> tuple[str, ...]:
    from derive.documents.formats import STYLES

    return STYLES


def _flavors() -> tuple[str, ...]:
    from derive.documents.web.flavors import FLAVORS

    return tuple(FLAVORS)


def _describe_flavors() -> str:
    from derive.documents.web.flavors import DEFAULT_FLAVOR

    return ("With --format md: Markdown for a site generator (gfm: GitHub, kramdown: Jekyll and "
            "GitHub Pages, mkdocs: MkDocs Material, pandoc, hugo).  "
            f"[default: {DEFAULT_FLAVOR}]")


def _prove_formats() -> tuple[str, ...]:
    from derive.documents.formats import prove_formats

    return prove_formats()


@click.command("prove")
@click.argument("expr", required=False)
@click.option("--expr-file", type=click.File("r", encoding="utf-8"), default=None, metavar="FILE",
              help="Read the expression from FILE (long inputs); EXPR '-' reads standard input.")
@click.option("--wrt", required=True, multiple=True, metavar="VAR",
              help="The variable of differentiation; repeat it for one proof per variable.")
@declare_option
@click.option("--expect", multiple=True, metavar="ANSWER",
              help="Your answer, checked against the result (exit 1 unless it is right); "
                   "with several --wrt, one --expect per --wrt, in order.")
@click.option("--quiet", "-q", is_flag=True, help="With --expect: show the verdict only.")
@click.option("--layout", type=LazyChoice(_layouts), default="mixed", show_default=True,
              help="How derivatives are arranged (numerator: note 000, mixed: note 002).")
@click.option("--hessian", is_flag=True,
              help="Go on to the Hessian (a scalar by a vector) or the second derivative (a"
                   " scalar by a scalar).")
@click.option("--structure", type=LazyChoice(_structures), default="none", show_default=True,
              cls=LazyHelpOption, describe=_describe_structures)
@click.option("--via", default=None, metavar="SUBSTITUTION",
              help="Route the proof through a substitution, as note 000 does: 'w = y - A x' "
                   "(the function by w, w by the variable, the chain rule; one --wrt).")
@click.option("--method", type=LazyChoice(_methods), default="index", show_default=True,
              cls=LazyHelpOption, describe=_describe_methods)
@click.option("--style", type=LazyChoice(_styles), default="full", show_default=True,
              help="How the proof is laid out (tex, md, pdf): full, a sentence and a display "
                   "per step; compact, one aligned display with a short reason per line.")
@click.option("--format", "-f", "fmt", type=LazyChoice(_prove_formats), default="text",
              show_default=True, help="Output format (pdf needs -o).")
@click.option("--fragment", is_flag=True,
              help="With --format tex: a snippet to \\input instead of a whole document.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of the terminal.")
@click.option("--templates", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, metavar="DIR",
              help="A folder laid out like templates/ (tex/, md/, text/) whose files replace "
                   "the built-in templates of the same name.")
@click.option("--md-flavor", type=LazyChoice(_flavors), default=None, cls=LazyHelpOption,
              describe=_describe_flavors)
@click.option("--front-matter", is_flag=True,
              help="With --format md: YAML front matter and a plain-text heading.")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=20.0,
              show_default=True, metavar="SECONDS",
              help="Stop with an error when deriving and checking take longer than this.")
@guarded
def prove_command(
    expr: str | None,
    expr_file: TextIO | None,
    wrt: tuple[str, ...],
    declare: tuple[str, ...],
    expect: tuple[str, ...],
    quiet: bool,
    layout: str,
    hessian: bool,
    via: str | None,
    structure: str,
    method: str,
    style: str,
    fmt: str,
    fragment: bool,
    output: Path | None,
    templates: Path | None,
    md_flavor: str | None,
    front_matter: bool,
    time_limit: float,
) -> None:
    """Derive d EXPR / d VAR with a verified step-by-step proof.

    \b
    Examples:
      derive prove "x' A x" --wrt x
      derive prove "x' A x" --wrt x --expect "2 A x"
      derive prove "(y - A x)' (y - A x)" --wrt x --format pdf -o ls.pdf
      derive prove "(y - A x)' (y - A x)" --wrt x --via "w = y - A x"
      derive prove "y' A x" --wrt x --wrt A
      derive prove "log(det(X))" --wrt X --structure symmetric
      derive prove "det(t B + t^2 C + A)" --wrt t --hessian
      derive prove - --wrt X < expression.txt
      derive prove "y' A x" --wrt z -d "x: n, depends on z" -d "y: m, depends on z"
    """
    from derive.api import prove
    from derive.documents.web.flavors import DEFAULT_FLAVOR

    md_flavor = md_flavor or DEFAULT_FLAVOR
    _check_options(fmt, fragment, output, quiet, expect, wrt)
    if via is not None and len(wrt) > 1:
        raise click.UsageError("--via routes the proof by one variable: give a single --wrt")
    _check_web_options(fmt, output, wrt, md_flavor, front_matter)
    text = _expression(expr, expr_file)
    several = len(wrt) > 1
    answers = list(expect) if expect else None
    derivations = (
        prove(text, list(wrt), declare=declare, layout=layout, hessian=hessian, method=method,
              expect=answers, time_limit=time_limit, structure=structure)
        if several
        else (prove(text, wrt[0], declare=declare, layout=layout, hessian=hessian, method=method,
                    expect=answers[0] if answers else None, time_limit=time_limit,
                    structure=structure, via=via),)
    )  # fmt: skip
    for warning in derivations[0].problem.warnings:
        click.echo(f"Warning: {warning}", err=True)
    if quiet:
        _show_verdicts(derivations, fmt, templates)
    else:
        _write(derivations, fmt, fragment, output, templates, style, md_flavor,
               front_matter)
    if expect and not all(d.verdict is not None and d.verdict.correct for d in derivations):
        raise click.exceptions.Exit(1)


def _check_options(
    fmt: str,
    fragment: bool,
    output: Path | None,
    quiet: bool,
    expect: tuple[str, ...],
    wrt: tuple[str, ...],
) -> None:
    from derive.documents.formats import get as get_format

    if fragment and fmt != "tex":
        raise click.UsageError("--fragment goes with --format tex")
    if get_format(fmt).needs_tex and output is None:
        raise click.UsageError(f"--format {fmt} needs -o FILE{get_format(fmt).suffix}")
    if quiet and not expect:
        raise click.UsageError("--quiet goes with --expect (it shows only the verdict)")
    if quiet and (fmt not in ("text", "json") or output is not None):
        raise click.UsageError("--quiet shows the verdict as text or json on the terminal")
    if expect and len(expect) != len(wrt):
        raise click.UsageError(f"give one --expect per --wrt ({len(wrt)} variables, "
                               f"{len(expect)} answers)")  # fmt: skip
    if fragment and len(wrt) > 1:
        raise click.UsageError("--fragment takes a single --wrt")


def _check_web_options(
    fmt: str, output: Path | None, wrt: tuple[str, ...], md_flavor: str, front_matter: bool
) -> None:
    from derive.documents.web.flavors import DEFAULT_FLAVOR

    if (md_flavor != DEFAULT_FLAVOR or front_matter) and fmt != "md":
        raise click.UsageError("--md-flavor and --front-matter go with --format md")
    if (md_flavor != DEFAULT_FLAVOR or front_matter or fmt == "html") and len(wrt) > 1:
        raise click.UsageError("--format html, --md-flavor and --front-matter take a single "
                               "--wrt")  # fmt: skip
    if fmt == "html" and output is None:
        raise click.UsageError("--format html writes a page and its KaTeX files beside it: "
                               "give -o PAGE.html")


def _expression(expr: str | None, expr_file: TextIO | None) -> str:
    """The expression from the argument, standard input (``-``) or ``--expr-file``."""
    if expr is not None and expr_file is not None:
        raise click.UsageError("give the expression as EXPR or with --expr-file, not both")
    if expr_file is not None:
        return expr_file.read()
    if expr is None:
        raise click.UsageError("give the expression: EXPR, '-' for standard input, or "
                               "--expr-file FILE")  # fmt: skip
    if expr == "-":
        return sys.stdin.read()
    return expr


def _show_verdicts(derivations: tuple[Derivation, ...], fmt: str, templates: Path | None) -> None:
    from derive.documents.render import render_verdict
    from derive.documents.verdict import verdict_json

    if fmt == "json":
        verdicts = [verdict_json(d) for d in derivations]
        data = {"verdict": verdicts[0]} if len(verdicts) == 1 else {"verdicts": verdicts}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo("\n".join(render_verdict(d, templates) for d in derivations), nl=False)


def _write(
    derivations: tuple[Derivation, ...],
    fmt: str,
    fragment: bool,
    output: Path | None,
    templates: Path | None,
    style: str,
    md_flavor: str,
    front_matter: bool,
) -> None:
    from derive.documents.formats import get as get_format
    from derive.documents.render import render_derivation, render_derivations

    form = get_format(fmt)
    kind = form.source or ("tex-fragment" if fragment else fmt)
    if len(derivations) == 1:
        document = render_derivation(derivations[0], kind, templates_dir=templates,
                                     style=style, md_flavor=md_flavor,
                                     front_matter=front_matter)
    else:
        document = render_derivations(derivations, kind, templates_dir=templates, style=style)
    if output is None:
        click.echo(document, nl=False)
        return
    if fmt == "html":
        from derive.documents.web.html import server_side, write_assets

        write_assets(output.parent, client_math=not server_side())
    if form.needs_tex:
        from derive.documents.pdf import compile_pdf

        compile_pdf(document, output)
    else:
        write_atomic(output, document)
    click.echo(f"wrote {output}", err=True)


class OutputError(click.FileError):
    """The output file cannot be written: a user error (exit 2), shown without a traceback."""

    exit_code = 2


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and one rename.

    Args:
        path: The file to create or replace; missing parent folders are created.
        text: The content, written as UTF-8.

    Raises:
        OutputError: The file cannot be written (no permission, a folder in the way).
    """
    partial = path.with_name(f".{path.name}.{secrets.token_hex(6)}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with partial.open("x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise OutputError(str(path), error.strerror or str(error)) from None
