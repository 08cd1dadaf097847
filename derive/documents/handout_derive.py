"""Stage 2 of a handout build: derive and verify every item of a checked handout file.

:func:`derive_handout` turns a :class:`~documents.handout_file.HandoutSpec` into a
:class:`~documents.document.Handout`: each item is derived in its layout (the item's, else its
section's, else the catalog identity's, else the handout's), checked against its answer key
(``expect``), and every failing item is reported at once, at its line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from derive.calculus.proof import Derivation
from derive.documents.document import Handout, Item, Section
from derive.documents.handout_file import (
    FileProblem,
    HandoutFileError,
    HandoutSpec,
    ItemSpec,
    KeyPath,
    Locator,
    key_name,
)
from derive.errors import DeclarationError, DeriveError, LocatedError, ParseError

__all__ = ["AnswerKeyError", "Progress", "Prover", "derive_handout"]

Progress = Callable[[str, int, int, str], None]
# derive.api.prove, passed in by the API so that this layer does not import the one above it.
Prover = Callable[..., Derivation]
"""``progress(stage, done, total, label)``.

Stages: ``derive`` (after each item), ``pdf`` (before each latexmk run), ``reuse`` (a PDF whose
LaTeX source did not change is kept), ``unchanged`` (nothing changed: every output is kept).
"""

_DEFINITION_TITLES = {
    "layouts": "Notation and layouts",
    "jacobian": "The Jacobian",
    "gradient": "The gradient",
    "hessian": "The Hessian",
    "matrix_derivative": "Derivative of a scalar by a matrix",
}


# --- deriving ---------------------------------------------------------------------------------


def derive_handout(
    spec: HandoutSpec, *, prove: Prover, progress: Progress | None = None
) -> Handout:
    """Derive and verify every item of a checked handout.

    Every item is tried, so one run reports every failing item; nothing is returned unless all
    of them succeed.

    Args:
        spec: The handout from :func:`load_handout`.
        prove: Derives (and verifies) one expression: :func:`derive.api.prove`.
        progress: Called as ``progress("derive", done, total, title)`` after each derivation.

    Returns:
        The handout the templates render.

    Raises:
        HandoutFileError: Items failed (unknown identity, bad expression, shape error, failed
            verification, ...); each problem names the file, the line and the key.
    """
    locator = Locator(spec.text)
    problems: list[FileProblem] = []
    total = sum(item.kind != "definition" for section in spec.sections for item in section.items)
    done = 0
    sections: list[Section] = []
    for section in spec.sections:
        items: list[Item] = []
        for item in section.items:
            try:
                items.extend(_derive_items(spec, item, prove, section.layout))
            except DeriveError as error:
                key = _blame(item, error)
                line = locator.line(key)
                problems.append(FileProblem(spec.file, line, key_name(key), str(error)))
            except Exception as error:  # noqa: BLE001 - an engine bug: name the item, no traceback
                key = _blame(item, DeriveError())
                message = (
                    f"internal error in derive ({type(error).__name__}: {error}); please report it"
                )
                line = locator.line(key)
                problems.append(FileProblem(spec.file, line, key_name(key), message))
            if item.kind != "definition":
                done += 1
                if progress is not None:
                    progress("derive", done, total, item.title or item.identity or item.expr)
        sections.append(Section(section.title, tuple(items), section.intro, section.layout))
    if problems:
        raise HandoutFileError(problems)
    return Handout(
        name=spec.name, title=spec.title, sections=tuple(sections), layout=spec.layout,
        author=spec.author, course=spec.course, date=spec.date, solutions=spec.solutions,
        options={"verify": spec.verify}, style=spec.style, results_only=spec.results_only,
        show_sources=spec.show_sources, numbering=spec.numbering, exercises=not spec.solutions,
    )  # fmt: skip


def _derive_item(spec: HandoutSpec, item: ItemSpec, prove: Prover, section_layout: str) -> Item:
    """Derive one item; its layout is the item's, else the section's, else the handout's."""
    if item.kind == "definition":
        title = item.title or _DEFINITION_TITLES[item.definition]
        return Item(title, item.note, definition=item.definition)
    if item.kind == "identity":
        from derive.catalog import identities as catalog
        identity = catalog.get(item.identity)
        layout = item.layout or section_layout or identity.layout or spec.layout
        derivation = prove(
            identity.expr, identity.wrt, declare=identity.declare,
            layout=layout, hessian=identity.hessian, verify=spec.verify,
        )  # fmt: skip
        return Item(item.title or identity.title, item.note, derivation,
                    source=item.source or identity.source,
                    label=item.label or identity.name, **_exercise(item))  # fmt: skip
    derivation = prove(
        item.expr, item.wrt, declare=spec.declare + item.declare,
        layout=item.layout or section_layout or spec.layout, hessian=item.hessian,
        verify=spec.verify, expect=item.expect[0] if item.expect else None,
    )  # fmt: skip
    _check_key(derivation)
    what = "Hessian" if item.hessian else "Derivative"
    title = item.title or f"{what} of {item.expr.strip()} by {item.wrt.strip()}"
    return Item(title, item.note, derivation, source=item.source, label=item.label,
                **_exercise(item))  # fmt: skip


def _exercise(item: ItemSpec) -> dict[str, Any]:
    return {"question": item.question, "points": item.points, "space": item.space}


def _derive_items(spec: HandoutSpec, item: ItemSpec, prove: Prover,
                  section_layout: str) -> list[Item]:
    """The item, or with several variables (``wrt = ["x", "A"]``) one item per variable, all
    with the shapes the first fixes, each checked against its answer (``expect``)."""
    if len(item.variables) < 2:
        return [_derive_item(spec, item, prove, section_layout)]
    derivations: tuple[Derivation, ...] = prove(  # type: ignore[assignment]
        item.expr, list(item.variables), declare=spec.declare + item.declare,
        layout=item.layout or section_layout or spec.layout, hessian=item.hessian,
        verify=spec.verify,
        expect=list(item.expect) if item.expect else None,
    )  # fmt: skip
    what = "Hessian" if item.hessian else "Derivative"
    items: list[Item] = []
    for variable, derivation in zip(item.variables, derivations, strict=True):
        _check_key(derivation)
        title = (f"{item.title} (by {variable.strip()})" if item.title
                 else f"{what} of {item.expr.strip()} by {variable.strip()}")  # fmt: skip
        items.append(Item(title, item.note if not items else "", derivation, source=item.source,
                          **_exercise(item)))
    return items


class AnswerKeyError(DeriveError):
    """An item's ``expect`` (an answer key) is not the proven result; the message says how."""


def _check_key(derivation: Derivation) -> None:
    """Refuse an answer key that is not the proven result.

    Raises:
        AnswerKeyError: The verdict on ``expect`` is anything but correct.
    """
    from derive.documents.render import render_verdict

    if derivation.verdict is not None and not derivation.verdict.correct:
        verdict = " ".join(render_verdict(derivation).split())
        raise AnswerKeyError(f"the answer key is not the proven result: {verdict}")


def _blame(item: ItemSpec, error: DeriveError) -> KeyPath:
    """The key of ``item`` that ``error`` is about."""
    if item.kind == "identity":
        return (*item.path, "identity")
    if isinstance(error, AnswerKeyError) or (
        isinstance(error, LocatedError) and error.source in item.expect
    ):
        return (*item.path, "expect")
    if isinstance(error, DeclarationError) and item.declare:
        return (*item.path, "declare")
    if isinstance(error, ParseError) and error.source in (item.wrt, *item.variables):
        return (*item.path, "wrt")
    return (*item.path, "expr")
