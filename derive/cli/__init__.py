"""The command line: ``derive parse | prove | build | catalog | check``.

The CLI is thin: it parses options, calls the library, and maps errors to exit codes once. An
input error (parse, shape, unsupported, declaration, handout file) prints one clear message and
exits 2; a build or verification failure exits 1. Heavy imports (sympy, numpy, jinja2) happen
inside the commands, so ``derive --help`` stays fast.
"""

from __future__ import annotations

import atexit
import gc
import os

# The checks multiply matrices of a few rows, where OpenBLAS's worker threads only cost: starting
# them doubles the CPU time of ``import numpy`` (0.2 s instead of 0.1 s). Set before NumPy is first
# imported, and only for the command line: a program importing derive keeps its own setting.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import click  # noqa: E402 - after the environment NumPy reads when it loads

from derive.cli.common import declare_option, guarded


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="derive-proofs", prog_name="derive")
def main() -> None:
    """Verified, step-by-step matrix-calculus proofs in index notation."""
    # The process ends with the command: the collector's last sweeps of every object as Python
    # shuts down free nothing that exit would not (0.03 s of a 0.25 s `derive prove`, 0.05-0.1 s
    # of a build). Frozen objects are left out of those sweeps.
    atexit.register(gc.freeze)


@main.command("parse")
@click.argument("expr")
@declare_option
@click.option("--wrt", default=None, metavar="VAR", help="Name this variable's sizes first.")
@guarded
def parse_command(expr: str, declare: tuple[str, ...], wrt: str | None) -> None:
    """Show EXPR as derive understands it, with every symbol's shape.

    \b
    Examples:
      derive parse "x' A x"
      derive parse "A x + y" --declare "A: m x n" --declare "y: m"
      derive parse "\\operatorname{tr}(A X B)"
    """
    from derive.documents.printer import ascii_str, latex, unicode
    from derive.ir.expr import Shape
    from derive.language.declare import parse_declarations
    from derive.language.frontend import parse

    problem = parse(expr, declare, wrt=wrt)
    declared = parse_declarations(declare)

    def kind(shape: Shape) -> str:
        if shape.is_scalar:
            return "scalar"
        if shape.is_column or shape.is_row:
            return "vector" if shape.is_column else "row vector"
        return "square matrix" if shape.is_square else "matrix"

    for warning in problem.warnings:
        click.echo(f"Warning: {warning}", err=True)
    names = list(problem.symbols)
    click.echo(f"expression: {unicode(problem.expr, names)}")
    click.echo(f"latex:      {latex(problem.expr, names)}")
    click.echo(f"ascii:      {ascii_str(problem.expr)}")
    click.echo(f"result:     {kind(problem.expr.shape)} ({problem.expr.shape})")
    heads = {name: f"{name}: {info.shape}" for name, info in problem.symbols.items()}
    if heads:
        click.echo("symbols:")
    for name, info in problem.symbols.items():
        notes = [kind(info.shape)]
        notes += [flag for flag in ("symmetric", "invertible") if getattr(info, flag)]
        if info.depends_on:
            notes.append("depends on " + ", ".join(info.depends_on))
        shaped = name in declared and declared[name].shape is not None
        notes.append("declared" if shaped else "inferred")
        click.echo(f"  {heads[name]:<{max(map(len, heads.values()))}}  {', '.join(notes)}")


def _register() -> None:
    """Add the commands that live in their own modules."""
    from derive.cli import build as cli_handout
    from derive.cli import prove as cli_prove
    main.add_command(cli_prove.prove_command)
    for command in cli_handout.COMMANDS:
        main.add_command(command)


_register()
