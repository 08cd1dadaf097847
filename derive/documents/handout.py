"""Handout files: read a TOML handout, derive every item, and build ``.tex``, ``.md`` and ``.pdf``.

The pipeline is four named stages (the file format is described in ``docs/handout-format.md``):

1. ``load_handout`` (``handout_file``) reads the file with ``tomllib`` and checks every
   key and type (:mod:`documents.handout_file`); every error names the file, the line and the key.
2. :func:`derive_handout` derives and verifies *every* item before anything is written, and
   reports all failing items at once: nothing is built when one fails.
3. ``documents.render.render_handout`` turns the :class:`~documents.document.Handout` into LaTeX and
   Markdown text (the templates own all formatting).
4. :func:`build_handout` writes ``out_dir/<name>/<name>.{tex,md,pdf}``: every file arrives by an
   atomic rename, PDFs are compiled by :func:`documents.pdf.compile_pdf` into temporary files first,
   so a TeX error or an interrupt leaves the previous outputs untouched and no partial files. A
   stamp next to the outputs lets a rebuild with nothing changed skip the work.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from derive.calculus.proof import Derivation
from derive.documents import pdf
from derive.documents.document import Handout, Item, Section
from derive.documents.formats import FORMATS, Format, get, handout_formats
from derive.documents.handout_file import (
    FileProblem,
    HandoutFileError,
    HandoutSpec,
    ItemSpec,
    KeyPath,
    Locator,
    check_printable,
    default_handout_path,
    key_name,
    load_handout,
)
from derive.documents.render import templates_folder
from derive.errors import (
    BuildError,
    DeclarationError,
    DeriveError,
    LocatedError,
    ParseError,
)

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
_STAMP = ".derive-stamp.json"
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
                items.extend(_derive_items(spec, item, prove))
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
        sections.append(Section(section.title, tuple(items), section.intro))
    if problems:
        raise HandoutFileError(problems)
    return Handout(
        name=spec.name, title=spec.title, sections=tuple(sections), layout=spec.layout,
        author=spec.author, course=spec.course, date=spec.date, solutions=spec.solutions,
        options={"verify": spec.verify},
    )  # fmt: skip


def _derive_item(spec: HandoutSpec, item: ItemSpec, prove: Prover) -> Item:
    if item.kind == "definition":
        title = item.title or _DEFINITION_TITLES[item.definition]
        return Item(title, item.note, definition=item.definition)
    if item.kind == "identity":
        from derive.catalog import identities as catalog
        identity = catalog.get(item.identity)
        derivation = prove(
            identity.expr, identity.wrt, declare=identity.declare,
            layout=identity.layout or spec.layout, hessian=identity.hessian, verify=spec.verify,
        )  # fmt: skip
        return Item(item.title or identity.title, item.note, derivation,
                    source=item.source or identity.source)  # fmt: skip
    derivation = prove(
        item.expr, item.wrt, declare=spec.declare + item.declare, layout=spec.layout,
        hessian=item.hessian, verify=spec.verify, expect=item.expect[0] if item.expect else None,
    )  # fmt: skip
    _check_key(derivation)
    what = "Hessian" if item.hessian else "Derivative"
    title = item.title or f"{what} of {item.expr.strip()} by {item.wrt.strip()}"
    return Item(title, item.note, derivation, source=item.source)


def _derive_items(spec: HandoutSpec, item: ItemSpec, prove: Prover) -> list[Item]:
    """The item, or with several variables (``wrt = ["x", "A"]``) one item per variable, all
    with the shapes the first fixes, each checked against its answer (``expect``)."""
    if len(item.variables) < 2:
        return [_derive_item(spec, item, prove)]
    derivations: tuple[Derivation, ...] = prove(  # type: ignore[assignment]
        item.expr, list(item.variables), declare=spec.declare + item.declare,
        layout=spec.layout, hessian=item.hessian, verify=spec.verify,
        expect=list(item.expect) if item.expect else None,
    )  # fmt: skip
    what = "Hessian" if item.hessian else "Derivative"
    items: list[Item] = []
    for variable, derivation in zip(item.variables, derivations, strict=True):
        _check_key(derivation)
        title = (f"{item.title} (by {variable.strip()})" if item.title
                 else f"{what} of {item.expr.strip()} by {variable.strip()}")  # fmt: skip
        items.append(Item(title, item.note if not items else "", derivation, source=item.source))
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
    if any(get(f).needs_tex or f == "tex" for f in wanted):
        check_printable(spec)
    if any(get(f).needs_tex for f in wanted):
        _require_latexmk()
    folder = Path(out_dir) / spec.name
    names = _document_names(spec)
    outputs = [folder / f"{name}{f.suffix}" for name in names for f in FORMATS.values()
               if f.name in wanted]  # fmt: skip
    key = _input_key(spec, wanted, templates)
    stamp = _read_stamp(folder)
    if stamp.get("input") == key and all(_recorded(stamp, out) for out in outputs):
        if progress is not None:
            progress("unchanged", len(outputs), len(outputs), str(folder))
        return outputs
    handout = derive_handout(spec, prove=prove, progress=progress)
    documents = {names[0]: handout}
    if len(names) > 1:
        documents[names[1]] = replace(
            handout, name=names[1], title=f"{handout.title} (solutions)", solutions=True
        )
    texts = _render(documents, wanted, templates)
    try:
        _install(folder, documents, texts, wanted, stamp, key, spec, progress)
    except OSError as error:
        raise BuildError(f"cannot write the outputs in {folder}: {error}") from None
    return outputs


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


def _render(
    documents: Mapping[str, Handout], wanted: tuple[str, ...], templates_dir: Path | None
) -> dict[tuple[str, str], str]:
    """Render every document in every text format the build needs (a PDF needs its source).

    Raises:
        BuildError: A template is broken (the message names the template and line).
    """
    from derive.documents.render import render_handout

    needed = dict.fromkeys(get(f).source or f for f in wanted)
    return {
        (name, fmt): render_handout(handout, fmt, templates_dir)
        for name, handout in documents.items()
        for fmt in needed
    }


def _install(
    folder: Path,
    documents: Mapping[str, Handout],
    texts: Mapping[tuple[str, str], str],
    wanted: tuple[str, ...],
    stamp: dict[str, Any],
    key: str,
    spec: HandoutSpec,
    progress: Progress | None,
) -> None:
    """Stage every output next to its final place, then rename them all into place."""
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    with _build_lock(folder):
        _remove_stale_temporaries(folder)
        _install_locked(folder, documents, texts, wanted, stamp, key, spec, progress, created)


def _install_locked(
    folder: Path,
    documents: Mapping[str, Handout],
    texts: Mapping[tuple[str, str], str],
    wanted: tuple[str, ...],
    stamp: dict[str, Any],
    key: str,
    spec: HandoutSpec,
    progress: Progress | None,
    created: bool,
) -> None:
    from derive.documents.pdf import compile_pdf

    pending: dict[Path, Path] = {}
    built_from: dict[str, str] = {}
    epoch = None if "SOURCE_DATE_EPOCH" in os.environ else spec.mtime
    pdfs = [name for name in documents if "pdf" in wanted]
    try:
        for name in documents:
            for fmt in _text_formats(wanted):
                final = folder / f"{name}{fmt.suffix}"
                pending[final] = _stage(final, texts[name, fmt.name].encode())
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
                                         source_date_epoch=epoch)  # fmt: skip
        _swap_in(pending)
        pending.clear()
    finally:
        for temp in pending.values():
            temp.unlink(missing_ok=True)
        if created and not any(folder.iterdir()):
            with contextlib.suppress(OSError):
                folder.rmdir()
    _write_stamp(folder, stamp, key, built_from, documents, wanted)


def _text_formats(wanted: Sequence[str]) -> list[Format]:
    """The formats written as rendered text (not compiled), in the registry's order."""
    return [f for f in FORMATS.values() if f.name in wanted and not f.needs_tex]


def _swap_in(pending: Mapping[Path, Path]) -> None:
    """Rename every staged file into place, or none of them.

    Each existing output is first kept under a temporary name (a hard link, or a copy); when a
    rename fails (an immutable file, a folder in the way, an interrupt), the renames done are
    undone from those, so every output is as it was before the build.
    """
    kept: dict[Path, Path | None] = {}
    try:
        for final, temp in pending.items():
            kept[final] = _keep(final)
            os.replace(temp, final)
    except BaseException:
        for final, old in kept.items():
            with contextlib.suppress(OSError):
                if old is not None:
                    os.replace(old, final)
                elif final.is_file():
                    final.unlink()
        raise
    finally:
        for old in kept.values():
            if old is not None:
                old.unlink(missing_ok=True)


def _keep(final: Path) -> Path | None:
    """A second name for ``final``'s content (None when it is not a file)."""
    if not final.is_file():
        return None
    old = _temp(final)
    try:
        os.link(final, old)
    except OSError:
        shutil.copy2(final, old)
    return old


# --- killed builds: their temporary files (".NAME.tex.1a2b3c4d5e6f.tmp", compile_pdf's ".part")
_TEMPORARY = re.compile(r"\..+\.[0-9a-f]{12}\.(tmp|part)")


@contextlib.contextmanager
def _build_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on the output folder while files are staged and swapped in.

    Builds of one handout take turns, and every temporary file a build holding the lock finds
    was left by a killed build (a killed process releases its lock). The lock is on the folder
    itself: no lock file beside the outputs. Without such locks (Windows), nothing is locked.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def _remove_stale_temporaries(folder: Path) -> None:
    """Remove the temporary files killed builds left in ``folder`` (the lock is held)."""
    for entry in folder.iterdir():
        if _TEMPORARY.fullmatch(entry.name) and entry.is_file():
            with contextlib.suppress(OSError):
                entry.unlink()
    pdf.remove_stale_build_folders()


def _temp(final: Path) -> Path:
    return final.with_name(f".{final.name}.{secrets.token_hex(6)}.tmp")


def _stage(final: Path, data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``final`` and return its path."""
    temp = _temp(final)
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def _write_atomic(final: Path, data: bytes) -> None:
    temp = _stage(final, data)
    try:
        os.replace(temp, final)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


# --- the stamp: what the outputs were built from ---------------------------------------------


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_digest(path: Path) -> str | None:
    try:
        return _digest(path.read_bytes())
    except OSError:
        return None


def _read_stamp(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / _STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _recorded(stamp: Mapping[str, Any], path: Path) -> bool:
    """True when ``path`` exists with the content the stamp recorded for it."""
    files = stamp.get("files", {})
    expected = files.get(path.name) if isinstance(files, dict) else None
    return expected is not None and _file_digest(path) == expected


def _write_stamp(
    folder: Path,
    old: Mapping[str, Any],
    key: str,
    built_from: Mapping[str, str],
    documents: Mapping[str, Handout],
    wanted: tuple[str, ...],
) -> None:
    files = dict(old.get("files", {})) if isinstance(old.get("files"), dict) else {}
    for name in documents:
        for fmt in wanted:
            file = folder / f"{name}{get(fmt).suffix}"
            digest = _file_digest(file)
            if digest is not None:
                files[file.name] = digest
    pdf_from = dict(old.get("pdf_from", {})) if isinstance(old.get("pdf_from"), dict) else {}
    pdf_from.update(built_from)
    stamp = {"input": key, "pdf_from": pdf_from, "files": files}
    _write_atomic(folder / _STAMP, json.dumps(stamp, indent=1, sort_keys=True).encode())


def _input_key(spec: HandoutSpec, wanted: tuple[str, ...], templates_dir: Path | None) -> str:
    """A digest of everything the outputs depend on: the file, the options, derive, templates."""
    from derive import __version__
    parts = {
        "text": spec.text, "formats": sorted(wanted), "answer_key": spec.answer_key,
        "version": __version__, "code": _tree_digest(_package_dir()),
        "templates": [_templates_digest(d) for d in (*_builtin_template_dirs(), templates_dir)
                      if d],
    }  # fmt: skip
    return _digest(json.dumps(parts, sort_keys=True).encode())


def _package_dir() -> Path:
    return Path(__file__).resolve().parents[1]


def _builtin_template_dirs() -> list[Path]:
    """Where the built-in templates live: inside the wheel, or at the repository root."""
    candidates = [_package_dir() / "templates", _package_dir().parent / "templates"]
    return [d for d in candidates if d.is_dir()]


def _tree_digest(root: Path) -> str:
    """A digest of every file under ``root`` (names and contents), caches left out."""
    digest = hashlib.sha256()
    for file in sorted(_files(root)):
        digest.update(str(file.relative_to(root)).encode() + b"\0")
        with contextlib.suppress(OSError):
            digest.update(file.read_bytes())
    return digest.hexdigest()


def _templates_digest(root: Path) -> str:
    """A digest of the template files (``*.j2``) in a templates folder, at most three levels
    down: a folder such as /usr given by mistake is not read whole."""
    digest = hashlib.sha256()
    files = {f for pattern in _TEMPLATE_PATTERNS for f in root.glob(pattern) if f.is_file()}
    for file in sorted(files):
        digest.update(str(file.relative_to(root)).encode() + b"\0")
        with contextlib.suppress(OSError):
            digest.update(file.read_bytes())
    return digest.hexdigest()


_TEMPLATE_PATTERNS = ("*.j2", "*/*.j2", "*/*/*.j2")


def _files(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for entry in root.rglob("*"):
        if entry.is_file() and "__pycache__" not in entry.parts:
            yield entry
