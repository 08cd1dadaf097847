"""Handout files: read a TOML handout, derive every item, and build ``.tex``, ``.md`` and ``.pdf``.

The pipeline is four named stages (the file format is described in ``docs/handout-format.md``):

1. ``load_handout`` (:mod:`documents.handouts.load`) reads the file with ``tomllib`` and
   checks every key and type; every error names the file, the line and the key.
2. :func:`derive_handout` derives and verifies *every* item before anything is written, and
   reports all failing items at once: nothing is built when one fails.
3. :func:`documents.handouts.render.render_documents` (through ``render_handout``) turns the
   :class:`~documents.document.Handout` into LaTeX and Markdown text (the templates own all
   formatting).
4. :func:`build_handout` writes ``out_dir/<name>/<name>.{tex,md,pdf}``: every file arrives by an
   atomic rename, PDFs are compiled by :func:`documents.pdf.compile_pdf` into temporary files first,
   so a TeX error or an interrupt leaves the previous outputs untouched and no partial files. A
   stamp next to the outputs lets a rebuild with nothing changed skip the work.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from derive.calculus.proof import Derivation
from derive.documents.document import Handout, Item, Section
from derive.documents.formats import FORMATS, Format, get, handout_formats
from derive.documents.handouts.load import default_handout_path, load_handout
from derive.documents.handouts.locate import (
    FileProblem,
    HandoutFileError,
    KeyPath,
    Locator,
    key_name,
)
from derive.documents.handouts.outputs import (  # noqa: F401 - _tree_digest for tests
    _build_lock,
    _digest,
    _input_key,
    _read_stamp,
    _recorded,
    _remove_stale_temporaries,
    _stage,
    _swap_in,
    _temp,
    _write_stamp,
)
from derive.documents.handouts.per_item import (
    CodeError,
    ProveBoth,
    by_method,
    code_listing,
    innermost,
)
from derive.documents.handouts.render import Background, Texts, preload, render_documents
from derive.documents.handouts.spec import HandoutSpec, ItemSpec
from derive.documents.render import templates_folder
from derive.errors import (
    BuildError,
    DeclarationError,
    DeriveError,
    LocatedError,
    ParseError,
)

if TYPE_CHECKING:
    from concurrent.futures import Future

__all__ = [
    "HandoutFileError", "HandoutSpec", "FileProblem", "Progress", "build_handout",
    "default_handout_path", "derive_handout", "load_handout",
]  # fmt: skip

Progress = Callable[[str, int, int, str], None]
# derive.api.prove, passed in by the API so that this layer does not import the one above it.
Prover = Callable[..., Derivation]
"""``progress(stage, done, total, label)``.

Stages: ``derive`` (after each item), ``pdf`` (before each latexmk run), ``reuse`` (a PDF whose
LaTeX source did not change is kept), ``unchanged`` (nothing changed: every output is kept).
"""

_SOLUTIONS_SUFFIX = "-solutions"
_DEFINITION_TITLES = {
    "layouts": "Notation and layouts",
    "jacobian": "The Jacobian",
    "gradient": "The gradient",
    "hessian": "The Hessian",
    "matrix_derivative": "Derivative of a scalar by a matrix",
}


# --- deriving ---------------------------------------------------------------------------------


def derive_handout(
    spec: HandoutSpec, *, prove: Prover, progress: Progress | None = None,
    jobs: int | None = None, meanwhile: Callable[[], None] | None = None,
) -> Handout:
    """Derive and verify every item of a checked handout.

    Every item is tried, so one run reports every failing item; nothing is returned unless all
    of them succeed. Where there are several cores, the items are derived in parallel worker
    processes (:mod:`documents.handouts.workers`); the result is the same either way.

    Args:
        spec: The handout from :func:`load_handout`.
        prove: Derives (and verifies) one expression: :func:`derive.api.prove`.
        progress: Called as ``progress("derive", done, total, title)`` after each derivation.
        jobs: Processes to derive with, this one included; None for one per idle core (at
            most four), 1 for this one alone.
        meanwhile: Run once in this process while other processes derive (or after the
            items, when it derives alone): the build loads its templates.

    Returns:
        The handout the templates render.

    Raises:
        HandoutFileError: Items failed (unknown identity, bad expression, shape error, failed
            verification, ...); each problem names the file, the line and the key.
    """
    from derive.documents.handouts.workers import ordered_map

    failed: list[tuple[KeyPath, str]] = []
    tasks = [(section, item) for section in spec.sections for item in section.items]
    total = sum(item.kind != "definition" for _, item in tasks)
    done = 0

    def attempt(number: int) -> list[Item] | tuple[KeyPath, str]:
        section, item = tasks[number]
        code = innermost(item.code, section.code, spec.code)
        method = item.method or section.method or spec.method
        return _attempt(spec, item, by_method(prove, method), section.layout, code)

    derived: list[list[Item]] = []  # each task's items, in the order of the tasks
    # the helpers fork after the first derived item: it has imported the engine they need
    first = next((n + 1 for n, (_, item) in enumerate(tasks) if item.kind != "definition"), 1)
    outcomes = ordered_map(attempt, len(tasks), jobs, first=first, meanwhile=meanwhile)
    for (_, item), outcome in zip(tasks, outcomes, strict=True):
        if isinstance(outcome, list):
            derived.append(outcome)
        else:
            failed.append(outcome)
        if item.kind != "definition":
            done += 1
            if progress is not None:
                progress("derive", done, total, item.title or item.identity or item.expr)
    if failed:
        locator = Locator(spec.text)  # the lines of the keys: only a failure needs them
        raise HandoutFileError([FileProblem(spec.file, locator.line(key), key_name(key), message)
                                for key, message in failed])  # fmt: skip
    each = iter(derived)
    sections = [Section(section.title, tuple(i for _ in section.items for i in next(each)),
                        section.intro, section.layout) for section in spec.sections]  # fmt: skip
    return Handout(
        name=spec.name, title=spec.title, sections=tuple(sections), layout=spec.layout,
        author=spec.author, course=spec.course, date=spec.date, solutions=spec.solutions,
        options={"verify": spec.verify}, style=spec.style, results_only=spec.results_only,
        show_sources=spec.show_sources, numbering=spec.numbering, exercises=not spec.solutions,
        md_flavor=spec.md_flavor, front_matter=spec.front_matter,
    )  # fmt: skip


def _attempt(
    spec: HandoutSpec, item: ItemSpec, prove: ProveBoth, section_layout: str, code: bool
) -> list[Item] | tuple[KeyPath, str]:
    """Derive one item (with its NumPy listing when ``code``); on failure the key to blame and
    the message (an error is returned, not raised, so that it crosses from a worker process
    intact)."""
    try:
        items = _derive_items(spec, item, prove, section_layout)
        return [replace(d, code=code_listing(d.derivation)) for d in items] if code else items
    except DeriveError as error:
        return _blame(item, error), str(error)
    except Exception as error:  # noqa: BLE001 - an engine bug: name the item, no traceback
        return (_blame(item, DeriveError()),
                f"internal error in derive ({type(error).__name__}: {error}); please report it")


def _derive_item(spec: HandoutSpec, item: ItemSpec, prove: ProveBoth, section_layout: str) -> Item:
    """Derive one item; its layout is the item's, else the section's, else the handout's."""
    if item.kind == "definition":
        title = item.title or _DEFINITION_TITLES[item.definition]
        return Item(title, item.note, definition=item.definition)
    if item.kind == "identity":
        from derive.catalog import identities as catalog
        identity = catalog.get(item.identity)
        layout = item.layout or section_layout or identity.layout or spec.layout
        derivation, second = prove(
            identity.expr, identity.wrt, declare=identity.declare,
            layout=layout, hessian=identity.hessian, verify=spec.verify,
            structure=identity.structure,
        )  # fmt: skip
        return Item(item.title or identity.title, item.note, derivation,
                    source=item.source or identity.source,
                    label=item.label or identity.name, second=second,
                    **_exercise(item))  # fmt: skip
    derivation, second = prove(
        item.expr, item.wrt, declare=spec.declare + item.declare,
        layout=item.layout or section_layout or spec.layout, hessian=item.hessian,
        verify=spec.verify, expect=item.expect[0] if item.expect else None,
        structure=item.structure,
        **({"via": item.via} if item.via else {}),
    )  # fmt: skip
    _check_key(derivation)
    what = ("Second derivative" if derivation.wrt.shape.is_scalar else "Hessian") \
        if item.hessian else "Derivative"
    title = item.title or f"{what} of {item.expr.strip()} by {item.wrt.strip()}"
    return Item(title, item.note, derivation, source=item.source, label=item.label,
                second=second, **_exercise(item))  # fmt: skip


def _exercise(item: ItemSpec) -> dict[str, Any]:
    return {"question": item.question, "points": item.points, "space": item.space}


def _derive_items(spec: HandoutSpec, item: ItemSpec, prove: ProveBoth,
                  section_layout: str) -> list[Item]:
    """The item, or with several variables (``wrt = ["x", "A"]``) one item per variable, all
    with the shapes the first fixes, each checked against its answer (``expect``)."""
    if len(item.variables) < 2:
        return [_derive_item(spec, item, prove, section_layout)]
    derivations, seconds = prove(
        item.expr, list(item.variables), declare=spec.declare + item.declare,
        layout=item.layout or section_layout or spec.layout, hessian=item.hessian,
        verify=spec.verify,
        expect=list(item.expect) if item.expect else None, structure=item.structure,
    )  # fmt: skip
    what = "Hessian" if item.hessian else "Derivative"
    items: list[Item] = []
    for variable, derivation, second in zip(item.variables, derivations, seconds, strict=True):
        _check_key(derivation)
        title = (f"{item.title} (by {variable.strip()})" if item.title
                 else f"{what} of {item.expr.strip()} by {variable.strip()}")  # fmt: skip
        items.append(Item(title, item.note if not items else "", derivation, source=item.source,
                          label=item.label if not items else "", second=second,
                          **_exercise(item)))
    items[-1] = dataclasses.replace(items[-1], group=derivations)
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
    if isinstance(error, CodeError) and item.code is not None:
        return (*item.path, "code")
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


# --- building ---------------------------------------------------------------------------------


def build_handout(
    path: str | Path | None,
    formats: Sequence[str],
    out_dir: str | Path,
    *,
    prove: Prover,
    templates_dir: str | Path | None = None,
    progress: Progress | None = None,
    answer_key: bool | None = None,
    md_flavor: str | None = None,
    front_matter: bool | None = None,
    jobs: int | None = None,
) -> list[Path]:
    """Build a handout into ``out_dir/<name>/<name>.{pdf,tex,md}``.

    Everything is derived and rendered before any file is touched; each file then arrives by an
    atomic rename, so a failure or an interrupt leaves the previous outputs as they were and no
    partial files. A rebuild with nothing changed (same file, formats, templates and derive)
    returns the previous outputs at once; when only the PDF's LaTeX source is unchanged, latexmk
    is skipped.

    Args:
        path: The handout file; None builds the built-in default handout.
        formats: Any of :func:`~derive.documents.formats.handout_formats` (pdf, tex, md).
        out_dir: The output folder (``output``).
        prove: Derives (and verifies) one expression: :func:`derive.api.prove`.
        templates_dir: A folder of templates overriding the built-in ones by name.
        progress: Called with ``(stage, done, total, label)`` as the build goes.
        answer_key: Override the file's ``answer_key``: with ``solutions = false``, also write
            the matching solutions document ``<name>-solutions.*``.
        md_flavor: Override the file's ``md_flavor`` (``documents.web.flavors.FLAVORS``).
        front_matter: Override the file's ``front_matter``.
        jobs: Processes to derive the items with (:func:`derive_handout`); None for one per
            idle core, at most four.

    Returns:
        The output files, PDF first.

    Raises:
        HandoutFileError: The handout file is at fault (nothing is written).
        BuildError: LaTeX failed (the message names the first TeX error and its line), latexmk
            is missing, or a template is broken.
        ValueError: ``formats`` is empty or holds an unknown format.
    """
    wanted = _formats(formats)
    templates = None if templates_dir is None else templates_folder(templates_dir)
    spec = load_handout(path)
    if answer_key is not None:
        spec = replace(spec, answer_key=answer_key)
    if md_flavor is not None:
        _check_flavor(md_flavor)
        spec = replace(spec, md_flavor=md_flavor)
    if front_matter is not None:
        spec = replace(spec, front_matter=front_matter)
    if any(get(f).needs_tex or f == "tex" for f in wanted):
        _check_printable(spec)
    if any(get(f).needs_tex for f in wanted):
        _require_latexmk()
    folder = Path(out_dir) / spec.name
    names = _document_names(spec)
    outputs = [folder / f"{name}{f.suffix}" for name in names for f in FORMATS.values()
               if f.name in wanted]  # fmt: skip
    key = _input_key(spec, wanted, templates)
    stamp = _read_stamp(folder)
    if stamp.get("input") == key and all(_recorded(stamp, out) for out in outputs):
        _html_assets(folder, wanted)
        if progress is not None:
            progress("unchanged", len(outputs), len(outputs), str(folder))
        return outputs
    handout = derive_handout(spec, prove=prove, progress=progress, jobs=jobs,
                             meanwhile=lambda: preload(wanted, templates))
    documents = {names[0]: handout}
    if len(names) > 1:
        documents[names[1]] = replace(
            handout, name=names[1], title=f"{handout.title} (solutions)", solutions=True,
            results_only=spec.key_results_only,
        )
    with Background() as background:
        texts = render_documents(documents, wanted, templates, background)
        _html_assets(folder, wanted)  # before the page, so that a page never lacks its assets
        try:
            _install(folder, documents, texts, wanted, stamp, key, spec, progress, background)
        except OSError as error:
            raise BuildError(f"cannot write the outputs in {folder}: {error}") from None
    return outputs


def _html_assets(folder: Path, wanted: Sequence[str]) -> None:
    """An HTML page's KaTeX stylesheet and fonts (and scripts) in ``folder/katex/``."""
    if "html" in wanted:
        from derive.documents.web.html import server_side, write_assets

        write_assets(folder, client_math=not server_side())


def _check_flavor(flavor: str) -> None:
    from derive.documents.web.flavors import FLAVORS

    if flavor not in FLAVORS:
        raise ValueError(f"md_flavor must be one of {', '.join(FLAVORS)}, not {flavor!r}")


def _check_printable(spec: HandoutSpec) -> None:
    """Refuse prose that pdflatex cannot print (an emoji, CJK), naming the character and key.

    Raises:
        HandoutFileError: Every such field, each with its line.
    """
    from derive.documents.formats import unprintable_characters

    fields: list[tuple[KeyPath, str]] = [((key,), getattr(spec, key))
                                         for key in ("title", "author", "course", "date")]
    for number, section in enumerate(spec.sections):
        fields += [(("section", number, "title"), section.title),
                   (("section", number, "intro"), section.intro)]
        fields += [((*item.path, key), getattr(item, key)) for item in section.items
                   for key in ("title", "note", "source")]  # fmt: skip
    failed = []
    for key, text in fields:
        bad = unprintable_characters(text)
        if bad:
            shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in bad[:5])
            failed.append((key, f"the PDF fonts cannot print {shown}; remove it, or build"
                                " only the Markdown (--format md)"))  # fmt: skip
    if failed:
        locator = Locator(spec.text)  # the lines of the keys: only a problem needs them
        raise HandoutFileError([FileProblem(spec.file, locator.line(key), key_name(key), message)
                                for key, message in failed])  # fmt: skip


def _formats(formats: Sequence[str]) -> tuple[str, ...]:
    wanted = tuple(dict.fromkeys(f.strip().lower() for f in formats if f.strip()))
    unknown = [f for f in wanted if f not in handout_formats()]
    if unknown or not wanted:
        raise ValueError(f"formats must be some of {', '.join(handout_formats())}, "
                         f"not {list(formats)}")  # fmt: skip
    return wanted


def _require_latexmk() -> None:
    from derive.documents.pdf import INSTALL_HINT, latexmk_available

    if not latexmk_available():
        raise BuildError(f"cannot build a PDF: latexmk or pdflatex not found; {INSTALL_HINT}")


def _document_names(spec: HandoutSpec) -> list[str]:
    """The main document, and its solutions when an exercise sheet asks for an answer key."""
    if spec.answer_key and not spec.solutions:
        return [spec.name, spec.name + _SOLUTIONS_SUFFIX]
    return [spec.name]


def _install(
    folder: Path,
    documents: Mapping[str, Handout],
    texts: Texts,
    wanted: tuple[str, ...],
    stamp: dict[str, Any],
    key: str,
    spec: HandoutSpec,
    progress: Progress | None,
    background: Background | None = None,
) -> None:
    """Stage every output next to its final place, then rename them all into place (the text
    formats are staged in ``background`` while latexmk runs)."""
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    with _build_lock(folder):
        _remove_stale_temporaries(folder)
        _install_locked(folder, documents, texts, wanted, stamp, key, spec, progress, created,
                        background)  # fmt: skip


def _install_locked(
    folder: Path,
    documents: Mapping[str, Handout],
    texts: Texts,
    wanted: tuple[str, ...],
    stamp: dict[str, Any],
    key: str,
    spec: HandoutSpec,
    progress: Progress | None,
    created: bool,
    background: Background | None = None,
) -> None:
    from derive.documents.pdf import compile_pdf

    pending: dict[Path, Path] = {}
    built_from: dict[str, str] = {}
    epoch = None if "SOURCE_DATE_EPOCH" in os.environ else spec.mtime
    pdfs = [name for name in documents if "pdf" in wanted]
    staged: Future[dict[Path, Path]] | None = None  # the text files, written meanwhile

    def begin() -> None:  # latexmk runs: render and write the text files meanwhile
        nonlocal staged
        if staged is None and background is not None:
            texts.start()
            staged = background.submit(_stage_texts, folder, documents, texts, wanted)

    try:
        for name in documents:  # the PDFs first: the other formats render meanwhile
            if "pdf" not in wanted:
                continue
            final, tex_key = folder / f"{name}.pdf", _digest(texts[name, "tex"].encode())
            built_from[name] = tex_key
            done = pdfs.index(name) + 1
            if stamp.get("pdf_from", {}).get(name) == tex_key and _recorded(stamp, final):
                if progress is not None:
                    progress("reuse", done, len(pdfs), final.name)
                continue
            if progress is not None:
                progress("pdf", done, len(pdfs), final.name)
            pending[final] = compile_pdf(texts[name, "tex"], _temp(final), jobname=name,
                                         source_date_epoch=epoch, started=begin)  # fmt: skip
        if staged is None:
            pending.update(_stage_texts(folder, documents, texts, wanted))
        else:
            written, staged = staged, None
            pending.update(written.result())
        _swap_in(pending)
        pending.clear()
    finally:
        if staged is not None:  # latexmk failed (or was interrupted): wait, then clear up
            with contextlib.suppress(Exception):
                pending.update(staged.result())
        for temp in pending.values():
            temp.unlink(missing_ok=True)
        if created and not any(folder.iterdir()):
            with contextlib.suppress(OSError):
                folder.rmdir()
    _write_stamp(folder, stamp, key, built_from, documents, wanted)


def _stage_texts(folder: Path, documents: Mapping[str, Handout],
                 texts: Mapping[tuple[str, str], str], wanted: Sequence[str]) -> dict[Path, Path]:
    """Write every text output beside its final place; on a failure none is left."""
    staged: dict[Path, Path] = {}
    try:
        for name in documents:
            for fmt in _text_formats(wanted):
                final = folder / f"{name}{fmt.suffix}"
                staged[final] = _stage(final, texts[name, fmt.name].encode())
    except BaseException:
        for temp in staged.values():
            temp.unlink(missing_ok=True)
        raise
    return staged


def _text_formats(wanted: Sequence[str]) -> list[Format]:
    """The formats written as rendered text (not compiled), in the registry's order."""
    return [f for f in FORMATS.values() if f.name in wanted and not f.needs_tex]
