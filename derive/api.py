"""The library entry points: ``prove`` and ``build``."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import derive.check  # noqa: F401 - registers Derivation.to_sympy
import derive.documents  # noqa: F401 - registers Derivation.to_latex, to_markdown, ...
from derive.calculus.proof import Derivation
from derive.errors import DeriveError
from derive.ir.expr import LAYOUTS, Layout

if TYPE_CHECKING:
    from derive.catalog.identities import CatalogEntry
    from derive.documents.handout import Progress


@overload
def prove(
    expr: str,
    wrt: str,
    *,
    declare: Iterable[str] = (),
    layout: str = "mixed",
    hessian: bool = False,
    method: str = "index",
    verify: bool = True,
    seed: int = 0,
    expect: str | None = None,
) -> Derivation: ...
@overload
def prove(
    expr: str,
    wrt: list[str] | tuple[str, ...],
    *,
    declare: Iterable[str] = (),
    layout: str = "mixed",
    hessian: bool = False,
    method: str = "index",
    verify: bool = True,
    seed: int = 0,
    expect: Sequence[str | None] | None = None,
) -> tuple[Derivation, ...]: ...


def prove(
    expr: str,
    wrt: str | list[str] | tuple[str, ...],
    *,
    declare: Iterable[str] = (),
    layout: str = "mixed",
    hessian: bool = False,
    method: str = "index",
    verify: bool = True,
    seed: int = 0,
    expect: str | Sequence[str | None] | None = None,
) -> Derivation | tuple[Derivation, ...]:
    """Derive ``d expr / d wrt`` with a step-by-step proof, verified before it is returned.

    Args:
        expr: The expression in the ASCII or LaTeX input language, e.g. ``"x' A x"``.
        wrt: The variable, e.g. ``"x"``; or several, ``["x", "A"]``, for one derivation each
            (with the same shapes for the same symbols).
        declare: Declarations such as ``"A: m x n"`` or ``"X: n x n, invertible"``.
        layout: ``"mixed"`` (default), ``"numerator"`` or ``"denominator"``.
        hessian: Go on to the Hessian (a scalar function of a vector).
        method: The proof method, a name in :data:`derive.calculus.options.METHODS`: ``"index"``
            (the index method, the only one so far).
        verify: Check the result exactly and every step numerically (on by default).
        seed: Seed of the random test values.
        expect: A student's answer to compare with the result (``"2 A x"``), in the same
            language and with the same symbols; ``.verdict`` then says whether it is right and,
            if not, how it errs. With several variables: one answer (or None) per variable.

    Returns:
        The derivation (``.verification`` holds the record of the checks, ``.verdict`` the
        verdict on ``expect``); with several variables, a tuple of them in the same order.

    Raises:
        ParseError, ShapeError, UnsupportedError, DeclarationError: The input (or the answer)
            is at fault (an unknown ``method`` is an UnsupportedError).
        LimitError: The expression is too large.
        VerificationError: A check failed; the result is not shown as proven.
        ValueError: ``layout`` is not one of the three layouts, or ``expect`` does not match
            the variables.
    """
    if not isinstance(wrt, str):
        return _prove_each(expr, tuple(wrt), declare=tuple(declare), layout=layout,
                           hessian=hessian, method=method, verify=verify, seed=seed,
                           expect=expect)  # fmt: skip
    if expect is not None and not isinstance(expect, str):
        raise ValueError("expect must be the answer as a string for a single variable")
    from derive.calculus.options import Options
    from derive.calculus.provers import prover
    from derive.check.answer import check_answer
    from derive.check.verify import verify as check
    from derive.language.frontend import parse

    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, not {layout!r}")
    derive = prover(method)
    variable = _variable(wrt)
    problem = parse(expr, declare, wrt=variable)
    derivation = derive(problem, variable, Options(method, layout=Layout(layout), hessian=hessian))
    if verify:
        derivation = check(derivation, seed=seed)
    if expect is None:
        return derivation
    return dataclasses.replace(derivation, verdict=check_answer(derivation, expect, seed=seed))


def _prove_each(
    expr: str,
    wrt: tuple[str, ...],
    *,
    declare: tuple[str, ...],
    expect: str | Sequence[str | None] | None,
    **options: Any,
) -> tuple[Derivation, ...]:
    """One derivation per variable; the first fixes every symbol's shape for the others, so
    that one document can state the problem once."""
    if not wrt:
        raise ValueError("wrt must name at least one variable")
    if len(set(wrt)) != len(wrt):
        raise ValueError(f"wrt names a variable twice: {', '.join(wrt)}")
    answers = [None] * len(wrt) if expect is None else list(expect)
    if isinstance(expect, str) or len(answers) != len(wrt):
        raise ValueError("with several variables, expect must hold one answer (or None) for "
                         "each variable")  # fmt: skip
    first = prove(expr, wrt[0], declare=declare, expect=answers[0], **options)
    shapes = tuple(f"{name}: {info.shape.rows} x {info.shape.cols}"
                   for name, info in first.symbols.items())  # fmt: skip
    rest = (prove(expr, w, declare=declare + shapes, expect=a, **options)
            for w, a in zip(wrt[1:], answers[1:], strict=True))  # fmt: skip
    return (first, *rest)


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
    identity: CatalogEntry | str, *, layout: str = "mixed", verify: bool = True
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


def check_identity(identity: CatalogEntry | str, *, layout: str = "mixed") -> CheckResult:
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
