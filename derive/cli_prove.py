"""``derive prove``: one derivation, to the terminal or a file."""

from __future__ import annotations

import click

from derive.cli import declare_option, guarded


@click.command("prove")
@click.argument("expr")
@click.option("--wrt", required=True, metavar="VAR", help="The variable of differentiation.")
@declare_option
@guarded
def prove_command(expr: str, wrt: str, declare: tuple[str, ...]) -> None:
    """Derive d EXPR / d VAR with a verified step-by-step proof."""
    from derive.api import prove
    from derive.printer import unicode

    derivation = prove(expr, wrt, declare=declare)
    for step in derivation.steps:
        click.echo(" = ".join(unicode(line, derivation.symbols) for line in step.lines))
