"""The library entry points: ``prove`` and ``build``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import derive.check  # noqa: F401 - registers Derivation.to_sympy
import derive.documents  # noqa: F401 - registers Derivation.to_latex, to_markdown, ...
from derive.calculus.proof import Derivation
from derive.errors import DeriveError
from derive.ir.expr import LAYOUTS, Layout

if TYPE_CHECKING:
    from derive.catalog.identities import Identity
    from derive.documents.handout import Progress


def prove(
    expr: str,
    wrt: str,
    *,
    declare: Iterable[str] = (),
    layout: str = "mixed",
    hessian: bool = False,
    verify: bool = True,
    seed: int = 0,
) -> Derivation:
    """Derive ``d expr / d wrt`` with a step-by-step proof, verified before it is returned.

    Args:
        expr: The expression in the ASCII or LaTeX input language, e.g. ``"x' A x"``.
        wrt: The variable, e.g. ``"x"``.
        declare: Declarations such as ``"A: m x n"`` or ``"X: n x n, invertible"``.
        layout: ``"mixed"`` (default), ``"numerator"`` or ``"denominator"``.
        hessian: Go on to the Hessian (a scalar function of a vector).
        verify: Check the result exactly and every step numerically (on by default).
        seed: Seed of the random test values.

    Returns:
        The derivation; ``.verification`` holds the record of the checks.

    Raises:
        ParseError, ShapeError, UnsupportedError, DeclarationError: The input is at fault.
        LimitError: The expression is too large.
        VerificationError: A check failed; the result is not shown as proven.
        ValueError: ``layout`` is not one of the three layouts.
    """
    from derive.calculus.index_method import Options, derive
    from derive.check.verify import verify as check
    from derive.language.frontend import parse

    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, not {layout!r}")
    variable = _variable(wrt)
    problem = parse(expr, declare, wrt=variable)
    derivation = derive(problem, variable, Options(layout=Layout(layout), hessian=hessian))
    return check(derivation, seed=seed) if verify else derivation


def _variable(wrt: str) -> str:
    from derive.errors import ParseError, Span
    from derive.language.lex_ascii import lex_ascii
    from derive.language.tokens import Kind

    tokens = lex_ascii(wrt.strip()) if wrt.strip() else []
    if len(tokens) != 2 or tokens[0].kind is not Kind.NAME:
        raise ParseError("the variable must be a single symbol name, such as x or X",
                         Span(0, max(1, len(wrt))), wrt)
    return tokens[0].text


def prove_identity(
    identity: Identity | str, *, layout: str = "mixed", verify: bool = True
) -> Derivation:
    """Derive a catalog identity (in its own layout when it has one, else in ``layout``).

    Args:
        identity: The identity or its catalog name.
        layout: The layout to use when the identity does not fix one.
        verify: Check the result and every step (on by default).

    Returns:
        The derivation.

    Raises:
        DeriveError: The name is unknown, or the engine cannot derive or verify the identity.
    """
    from derive.catalog import identities as catalog

    entry = catalog.get(identity) if isinstance(identity, str) else identity
    return prove(entry.expr, entry.wrt, declare=entry.declare, layout=entry.layout or layout,
                 hessian=entry.hessian, verify=verify)  # fmt: skip


def build(
    handout_path: str | Path | None = None,
    formats: Iterable[str] | None = None,
    out_dir: str | Path = "output",
    *,
    templates_dir: str | Path | None = None,
    progress: Progress | None = None,
    answer_key: bool | None = None,
    md_flavor: str | None = None,
    front_matter: bool | None = None,
) -> list[Path]:
    """Build a handout (the built-in default one when no path is given); return the files.

    Args:
        handout_path: The handout TOML file, or None for the built-in default handout.
        formats: Any of the formats of :mod:`derive.documents.formats` that a handout can have;
            all of them (pdf, tex, md) by default.
        out_dir: The output folder; the handout gets its own subfolder.
        templates_dir: A folder of templates overriding the built-in ones by name.
        progress: Called with ``(stage, done, total, label)`` as the build goes.
        answer_key: Override the file's ``answer_key``.
        md_flavor: Override the file's ``md_flavor`` (gfm, kramdown, mkdocs, pandoc, hugo,
            commonmark).
        front_matter: Override the file's ``front_matter``.

    Returns:
        The output files, PDF first.

    Raises:
        HandoutFileError: The handout file is at fault (nothing is written).
        BuildError: LaTeX failed, latexmk is missing, or a template is broken.
    """
    from derive.documents.formats import handout_formats
    from derive.documents.handout import build_handout

    wanted = handout_formats(default=True) if formats is None else tuple(formats)
    return build_handout(handout_path, wanted, Path(out_dir), prove=prove,
                         templates_dir=templates_dir, progress=progress,
                         answer_key=answer_key, md_flavor=md_flavor,
                         front_matter=front_matter)  # fmt: skip


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of deriving and verifying one catalog identity (a row of ``derive check``).

    Attributes:
        name: The identity's name.
        result: The proven identity in unicode (``∂α/∂x = (A + Aᵀ) x``), or "" on failure.
        exact: Whether the exact comparison passed (None when it did not run).
        numeric_error: The largest relative error against finite differences, or None.
        seconds: Wall time of the derivation and its checks.
        passed: Derived and verified.
        error: Why it failed, or "".
    """

    name: str
    result: str
    exact: bool | None
    numeric_error: float | None
    seconds: float
    passed: bool
    error: str = ""


def check_identity(identity: Identity | str, *, layout: str = "mixed") -> CheckResult:
    """Derive and verify one identity, timing it.

    Args:
        identity: The identity or its name.
        layout: The layout for identities that do not fix one.

    Returns:
        The outcome; a failure is reported in the result, never raised.

    Raises:
        DeriveError: ``identity`` is a name the catalog does not know.
    """
    import time

    from derive.catalog import identities as catalog
    from derive.documents.printer import unicode

    entry = catalog.get(identity) if isinstance(identity, str) else identity
    start = time.perf_counter()
    try:
        derivation = prove_identity(entry, layout=layout)
    except DeriveError as error:
        return CheckResult(entry.name, "", None, None, time.perf_counter() - start, False,
                           str(error).splitlines()[0])  # fmt: skip
    except Exception as error:  # noqa: BLE001 - an engine bug must show as a failed row
        return CheckResult(entry.name, "", None, None, time.perf_counter() - start, False,
                           f"internal error: {type(error).__name__}: {error}")  # fmt: skip
    seconds = time.perf_counter() - start
    names = list(derivation.symbols)
    result = derivation.result
    text = f"{unicode(result.lhs, names)} = {unicode(result.rhs, names)}"
    check = derivation.verification
    return CheckResult(
        entry.name, text, check.exact if check else None,
        check.numeric_error if check else None, seconds, derivation.proven,
    )  # fmt: skip
