"""The library entry points: ``prove`` and ``build``."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import types
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import derive.check  # noqa: F401 - registers Derivation.to_sympy
import derive.documents  # noqa: F401 - registers Derivation.to_latex, to_markdown, ...
from derive import budget
from derive.budget import DEFAULT_SECONDS
from derive.calculus.proof import Derivation
from derive.errors import DeriveError, DomainError, LimitError, UnsupportedError
from derive.ir import expr as ex
from derive.ir.expr import LAYOUTS, Layout

if TYPE_CHECKING:
    from derive.catalog.identities import CatalogEntry
    from derive.documents.handouts.build import Progress
    from derive.language.shapes import Problem


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
    time_limit: float | None = DEFAULT_SECONDS,
    via: str | None = None,
    structure: str = "none",
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
    time_limit: float | None = DEFAULT_SECONDS,
    via: str | None = None,
    structure: str = "none",
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
    time_limit: float | None = DEFAULT_SECONDS,
    via: str | None = None,
    structure: str = "none",
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
        time_limit: Seconds the derivation and its checks may take together (20 by default;
            with several variables, each); None for no limit.
        via: A substitution ``"w = y - A x"`` to route the proof through, as note 000 does:
            the function by ``w``, ``w`` by the variable, then the chain rule with ``w``
            substituted back (``.parts`` holds the two proofs, each verified); one variable.
        structure: ``"none"`` (every entry of the variable its own variable) or
            ``"symmetric"``: the variable is a symmetric matrix and the derivative is taken in
            the convention of the Matrix Cookbook, section 2.8.2 (``G + Gᵀ - G ∘ I``).

    Returns:
        The derivation (``.verification`` holds the record of the checks, ``.verdict`` the
        verdict on ``expect``); with several variables, a tuple of them in the same order.

    Raises:
        ParseError, ShapeError, UnsupportedError, DeclarationError: The input (or the answer)
            is at fault (an unknown ``method`` is an UnsupportedError).
        LimitError: The expression is too large, or the time limit ran out (the message names
            the stage and the part of the expression to blame).
        DomainError: A denominator is zero (an inverted matrix singular) everywhere.
        VerificationError: A check failed; the result is not shown as proven.
        TypeError: An argument has the wrong type (the message names it).
        ValueError: ``layout`` is not one of the three layouts, ``expect`` does not match
            the variables, ``time_limit`` is not positive, or ``structure`` is unknown.
    """
    _check_prove_arguments(expr, wrt, declare, layout, hessian, method, verify, seed, expect,
                           time_limit)  # fmt: skip
    _check_structure(structure, method)
    if via is not None:
        _require(via, str, "via", "a substitution such as \"w = y - A x\", or None")
        if not isinstance(wrt, str):
            raise ValueError("via routes the proof by one variable: give wrt as one name")
    if not isinstance(wrt, str):
        return _prove_each(expr, tuple(wrt), declare=tuple(declare), layout=layout,
                           hessian=hessian, method=method, verify=verify, seed=seed,
                           expect=expect, time_limit=time_limit,
                           structure=structure)  # fmt: skip
    if expect is not None and not isinstance(expect, str):
        raise ValueError("expect must be the answer as a string for a single variable")
    from derive.calculus.options import Options
    from derive.calculus.provers import prover
    from derive.check.verify import verify as check

    derive = prover(method)
    variable = _variable(wrt)
    structured = structure != "none"
    if structured:  # the variable is declared what it is: points drawn symmetric, Xᵀ = X used
        declare = (*declare, f"{variable}: {structure}")
    problem = _parse(expr, tuple(declare), wrt=variable)
    stage_at_error = ["the derivation"]
    try:
        with budget.time_limit(time_limit), _recording_stage(stage_at_error):
            _check_domain(problem)
            options = Options(method, layout=Layout(layout), hessian=hessian,
                              structure=structure if structured else "")
            derivation = derive(problem, variable, options) if via is None else _through(
                problem, variable, via, tuple(declare), options, verify=verify, seed=seed)
            if verify:
                derivation = check(derivation, seed=seed)
            if expect is None:
                return derivation
            from derive.check.answer import check_answer  # only with an answer: 0.04 s

            with budget.stage("the check of the expected answer"):
                verdict = check_answer(derivation, expect, seed=seed)
            return dataclasses.replace(derivation, verdict=verdict)
    except budget.OutOfTime as error:
        raise _blamed(error, problem) from None
    except RecursionError:
        # a derived expression can nest deeper than the input may (the parser's limit);
        # the stage is read before the budget closes
        raise LimitError(
            f"derive stopped during {stage_at_error[0]}: an expression in the proof of"
            f" {_short(problem.source.strip())} nests too deeply to handle. Simplify the"
            " expression or split it"
        ) from None


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
    scalars = options["hessian"] and _all_scalar(expr, declare, wrt)
    if scalars:  # the Hessian by several scalars: one second derivative per pair, below
        options = {**options, "hessian": False}
    first = prove(expr, wrt[0], declare=declare, expect=answers[0], **options)
    shapes = tuple(f"{name}: {info.shape.rows} x {info.shape.cols}"
                   for name, info in first.symbols.items())  # fmt: skip
    rest = (prove(expr, w, declare=declare + shapes, expect=a, **options)
            for w, a in zip(wrt[1:], answers[1:], strict=True))  # fmt: skip
    found = (first, *rest)
    if not scalars:
        return found
    from derive.documents.printer import ascii_str

    # each first derivative, proven, differentiated again by each variable: the Hessian's rows
    return tuple(dataclasses.replace(d, second=tuple(
        prove(ascii_str(d.result.rhs), w, declare=declare + shapes, **options) for w in wrt))
        for d in found)  # fmt: skip


def _all_scalar(expr: str, declare: tuple[str, ...], wrt: tuple[str, ...]) -> bool:
    """A scalar function of scalar variables only (``x^2 + y^2`` by ``x`` and ``y``)."""
    problem = _parse(expr, declare, wrt=wrt[0])
    names = [_variable(w) for w in wrt]
    return problem.expr.shape.is_scalar and all(
        n in problem.symbols and problem.symbols[n].shape.is_scalar for n in names)


def _through(problem: Problem, variable: str, via: str, declare: tuple[str, ...],
             options: Any, *, verify: bool, seed: int) -> Derivation:
    """The route through a substitution (:mod:`derive.calculus.via`): the outer and the inner
    proof derived (and checked) on their own, then joined by the chain rule."""
    from derive.calculus import via as route
    from derive.calculus.provers import prover
    from derive.check.verify import verify as check
    from derive.documents.printer import ascii_str

    name, text, offset = _substitution(via)
    route.check_name(name, problem, via, offset)
    shapes = tuple(f"{n}: {i.shape.rows} x {i.shape.cols}" for n, i in problem.symbols.items())
    try:
        inner = _parse(text, declare + shapes, wrt=variable)
    except DeriveError as error:
        raise route.moved(error, offset, via) from None
    var = problem.symbol(variable)
    outer = route.outer_expression(problem, name, inner.expr, var, via.strip())
    shape = inner.expr.shape
    outer_problem = _parse(ascii_str(outer), (*declare, *shapes, f"{name}: {shape.rows} x"
                                              f" {shape.cols}"), wrt=name)  # fmt: skip
    derive = prover(options.method)
    parts = (derive(outer_problem, name, dataclasses.replace(options, hessian=False)),
             derive(inner, variable, dataclasses.replace(options, hessian=False, name=name)))
    if verify:
        parts = (check(parts[0], seed=seed), check(parts[1], seed=seed))
    direct = derive(problem, variable, options) if options.hessian else None
    return route.compose(problem, var, options.layout, parts, direct)


def _substitution(via: str) -> tuple[str, str, int]:
    """The name, the expression and where the expression starts in ``"w = y - A x"``.

    Raises:
        ParseError: No ``=``, no expression, or the name is not one symbol name.
    """
    from derive.calculus.via import moved
    from derive.errors import LocatedError, ParseError, Span

    name, equals, text = via.partition("=")
    if not equals or not text.strip():
        raise ParseError("write the substitution as a name, =, and the expression it stands"
                         " for, such as w = y - A x", Span(0, max(1, len(via))), via)
    try:
        symbol = _variable(name)
    except LocatedError as error:
        raise moved(error, 0, via) from None
    return symbol, text, len(name) + 1


@contextlib.contextmanager
def _recording_stage(into: list[str]) -> Iterator[None]:
    """Note the budget's stage when the body fails with a RecursionError."""
    try:
        yield
    except RecursionError:
        into[0] = budget.current_stage()
        raise


def _check_domain(problem: Problem) -> None:
    """Refuse an expression that is undefined everywhere before deriving or checking it.

    Raises:
        DomainError: A denominator is identically zero, or an inverted matrix singular.
    """
    from derive.check.verify import vanishing_denominator
    from derive.documents.printer import ascii_str

    with budget.stage("the check for zero denominators"):
        zero = vanishing_denominator(problem)
    if zero is None:
        return
    what = ("the denominator {} is zero" if zero.shape.is_scalar
            else "the matrix {} is singular, so it has no inverse,")  # fmt: skip
    raise DomainError(
        f"{what.format(_short(ascii_str(zero)))} for every value of the symbols: the expression"
        " is undefined everywhere"
    )


def _check_prove_arguments(
    expr: object, wrt: object, declare: object, layout: object, hessian: object,
    method: object, verify: object, seed: object, expect: object, time_limit: object,
) -> None:
    """Misuse of the API is a TypeError (or ValueError) that names the argument."""
    _require(expr, str, "expr", "a string such as \"x' A x\"")
    if not isinstance(wrt, list | tuple):
        _require(wrt, str, "wrt", "a string such as \"x\" (or a list of them)")
    else:
        _require_strings(wrt, "wrt")
    _require_strings(declare, "declare")
    _require(layout, str, "layout", "a string")
    _require(method, str, "method", "a string such as \"index\"")
    if expect is not None and not isinstance(expect, str):
        _require(expect, list | tuple, "expect", "the answer as a string, or None")
        answers: list[object] = list(expect)  # type: ignore[call-overload]
        for number, answer in enumerate(answers):
            if answer is not None:
                _require(answer, str, f"expect[{number}]", "an answer as a string, or None")
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, not {layout!r}")
    _require(hessian, bool, "hessian", "True or False")
    _require(verify, bool, "verify", "True or False")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, not {type(seed).__name__}")
    _check_time_limit(time_limit)


def _check_structure(structure: object, method: object) -> None:
    from derive.calculus.options import STRUCTURES

    _require(structure, str, "structure", "a string such as \"symmetric\"")
    if structure not in STRUCTURES:
        raise ValueError(f"structure must be one of {', '.join(STRUCTURES)}, not {structure!r}")
    if structure != "none" and method != "index":
        raise UnsupportedError(f"the {method} method does not take a structured variable yet"
                               " (--structure needs --method index)")


def _check_time_limit(time_limit: object) -> None:
    if time_limit is not None:
        if isinstance(time_limit, bool) or not isinstance(time_limit, int | float):
            raise TypeError(f"time_limit must be a number of seconds or None, not"
                            f" {type(time_limit).__name__}")  # fmt: skip
        if not time_limit > 0 or time_limit == float("inf"):
            raise ValueError(f"time_limit must be a positive number of seconds, not {time_limit}")


def _require(value: object, kind: type | types.UnionType, name: str, what: str) -> None:
    if not isinstance(value, kind):
        raise TypeError(f"{name} must be {what}, not {type(value).__name__} ({value!r:.40})")


def _require_strings(value: object, name: str) -> None:
    """An iterable of strings, not one string (whose characters would be read one by one)."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise TypeError(f"{name} must be a list of strings such as [\"A: m x n\"], not"
                        f" {type(value).__name__}")  # fmt: skip
    for number, item in enumerate(list(value)):
        if not isinstance(item, str):
            raise TypeError(f"{name}[{number}] must be a string such as \"A: m x n\", not"
                            f" {type(item).__name__} ({item!r:.40})")  # fmt: skip


def _blamed(error: budget.OutOfTime, problem: Problem) -> LimitError:
    """The time-out with the part of the expression that costs most, and what to do."""
    from derive.documents.printer import ascii_str

    part = _costliest(problem.expr)
    where = "" if part is problem.expr else f"; the costliest part is {_short(ascii_str(part))}"
    if isinstance(part, ex.MatMul) and len(part.factors) > 3:
        where += f" (a product of {len(part.factors)} factors)"
    return budget.OutOfTime(
        f"{error.message}, on {_short(problem.source.strip())}{where}. Simplify the expression,"
        " or allow more time (--time-limit SECONDS, or time_limit= in Python)",
        stage=error.stage, seconds=error.seconds,
    )  # fmt: skip


def _short(text: str, width: int = 60) -> str:
    return repr(text if len(text) <= width else f"{text[: width - 5]} ...")


def _costliest(node: ex.Expr) -> ex.Expr:
    """Descend into the costliest child while it carries a third of the cost or more."""
    while node.children:
        child = max(node.children, key=_cost)
        if _cost(child) * 3 < _cost(node):
            break
        node = child
    return node


def _cost(node: ex.Expr) -> int:
    """A rough count of the factors a node expands into (a power counts its exponent)."""
    inner = sum(_cost(child) for child in node.children) or 1
    if isinstance(node, ex.Power):
        return abs(node.exponent) * inner
    return inner + (1 if node.children else 0)


def parse(text: str, declare: Iterable[str] = (), *, wrt: str | None = None) -> Problem:
    """Parse an expression in the ASCII or LaTeX input language and infer every shape.

    Args:
        text: The expression, e.g. ``"x' A x"`` or ``"x^\\top A x"``.
        declare: Declarations such as ``"A: m x n"`` or ``"X: n x n, invertible"``.
        wrt: The variable of differentiation, if any (its dimensions are named first).

    Returns:
        The shape-checked expression with its symbol table.

    Raises:
        ParseError, ShapeError, UnsupportedError, DeclarationError: The input is at fault.
        TypeError: An argument has the wrong type (the message names it).
    """
    _require(text, str, "text", "a string such as \"x' A x\"")
    _require_strings(declare, "declare")
    if wrt is not None:
        _require(wrt, str, "wrt", "a string such as \"x\" or None")
    return _parse(text, tuple(declare), wrt=wrt)


def _parse(text: str, declare: tuple[str, ...], *, wrt: str | None) -> Problem:
    from derive.language.frontend import parse as parse_text

    return parse_text(text, declare, wrt=wrt)


def _variable(wrt: str) -> str:
    """The variable's name from its ASCII (``x``, ``x_1``) or LaTeX (``\\mathbf{x}``) spelling.

    Raises:
        ParseError: ``wrt`` is not one symbol name; the error points into ``wrt``.
    """
    from derive.errors import LocatedError, ParseError, Span
    from derive.language.lex_ascii import lex_ascii
    from derive.language.tokens import Kind, Token

    def lex_latex(text: str) -> list[Token]:
        from derive.language.lex_latex import lex_latex  # pylatexenc: only for LaTeX

        return lex_latex(text)

    text = wrt.strip()
    try:
        tokens = (lex_latex(text) if "\\" in text else lex_ascii(text)) if text else []
    except LocatedError as error:
        offset = len(wrt) - len(wrt.lstrip())
        span = error.span and Span(error.span.start + offset, error.span.end + offset)
        raise ParseError(f"the variable must be a single symbol name: {error.message}", span,
                         wrt) from None  # fmt: skip
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
                 hessian=entry.hessian, verify=verify, structure=entry.structure)  # fmt: skip


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
    time_limit: float | None = DEFAULT_SECONDS,
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
        time_limit: Seconds each item's derivation and checks may take (see :func:`prove`).

    Returns:
        The output files, PDF first.

    Raises:
        HandoutFileError: The handout file is at fault (nothing is written).
        BuildError: LaTeX failed, latexmk is missing, or a template is broken.
        TypeError: An argument has the wrong type (the message names it).
    """
    from derive.documents.formats import handout_formats
    from derive.documents.handouts.build import build_handout

    if handout_path is not None:
        _require(handout_path, str | Path, "handout_path", "a path (str or Path) or None")
    if formats is not None:
        _require_strings(formats, "formats")
    _require(out_dir, str | Path, "out_dir", "a path (str or Path)")
    if templates_dir is not None:
        _require(templates_dir, str | Path, "templates_dir", "a path (str or Path) or None")
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be callable or None, not {type(progress).__name__}")
    if answer_key is not None:
        _require(answer_key, bool, "answer_key", "True, False or None")
    wanted = handout_formats(default=True) if formats is None else tuple(formats)
    _check_time_limit(time_limit)
    from derive.check.cache import cached

    # cached per call, the time limit included: a build with a shorter limit derives afresh
    timed = functools.partial(cached(prove), time_limit=time_limit)
    return build_handout(handout_path, wanted, Path(out_dir), prove=timed,
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
