"""``derive prove``: one verified derivation, to the terminal or a file.

Text goes to the terminal by default; ``--format md|tex|html|json`` picks another output, ``-o``
writes it to a file atomically (a temporary file in the same folder, then one rename), so an
interrupted run never leaves half a document behind.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

import click

from derive.cli.common import declare_option, guarded
from derive.documents.flavors import DEFAULT_FLAVOR, FLAVORS
from derive.documents.formats import prove_formats
from derive.ir.expr import LAYOUTS


@click.command("prove")
@click.argument("expr")
@click.option("--wrt", required=True, metavar="VAR", help="The variable of differentiation.")
@declare_option
@click.option("--layout", type=click.Choice(LAYOUTS), default="mixed", show_default=True,
              help="How derivatives are arranged (numerator: note 000, mixed: note 002).")
@click.option("--hessian", is_flag=True, help="Go on to the Hessian (a scalar by a vector).")
@click.option("--format", "-f", "fmt", type=click.Choice(prove_formats()), default="text",
              show_default=True, help="Output format.")
@click.option("--fragment", is_flag=True,
              help="With --format tex: a snippet to \\input instead of a whole document.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of the terminal.")
@click.option("--templates", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, metavar="DIR",
              help="A folder laid out like templates/ (tex/, md/, text/) whose files replace "
                   "the built-in templates of the same name.")
@click.option("--md-flavor", type=click.Choice(FLAVORS), default=DEFAULT_FLAVOR,
              show_default=True,
              help="With --format md: Markdown for a site generator (gfm: GitHub, kramdown: "
                   "Jekyll and GitHub Pages, mkdocs: MkDocs Material, pandoc, hugo).")
@click.option("--front-matter", is_flag=True,
              help="With --format md: YAML front matter and a plain-text heading.")
@guarded
def prove_command(
    expr: str,
    wrt: str,
    declare: tuple[str, ...],
    layout: str,
    hessian: bool,
    fmt: str,
    fragment: bool,
    output: Path | None,
    templates: Path | None,
    md_flavor: str,
    front_matter: bool,
) -> None:
    """Derive d EXPR / d VAR with a verified step-by-step proof.

    \b
    Examples:
      derive prove "x' A x" --wrt x
      derive prove "(y - A x)' (y - A x)" --wrt x --hessian --format tex -o ls.tex
      derive prove "y' A x" --wrt z -d "x: n, depends on z" -d "y: m, depends on z"
    """
    from derive.api import prove
    from derive.documents.render import render_derivation

    if fragment and fmt != "tex":
        raise click.UsageError("--fragment goes with --format tex")
    if (md_flavor != DEFAULT_FLAVOR or front_matter) and fmt != "md":
        raise click.UsageError("--md-flavor and --front-matter go with --format md")
    if fmt == "html" and output is None:
        raise click.UsageError("--format html writes a page and its KaTeX files beside it: "
                               "give -o PAGE.html")
    derivation = prove(expr, wrt, declare=declare, layout=layout, hessian=hessian)
    kind = "tex-fragment" if fragment else fmt
    document = render_derivation(derivation, kind, templates_dir=templates,
                                 md_flavor=md_flavor, front_matter=front_matter)  # fmt: skip
    if output is None:
        click.echo(document, nl=False)
        return
    if fmt == "html":
        from derive.documents.html import server_side, write_assets

        write_assets(output.parent, client_math=not server_side())
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
