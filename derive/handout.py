"""Handout files: read a TOML handout, derive every item, and build ``.tex``, ``.md`` and ``.pdf``.

The pipeline is four named stages (the file format is described in ``docs/handout-format.md``):

1. :func:`load_handout` reads the file with ``tomllib`` and checks every key and type. TOML
   parsers give no positions for values, so a small scanner (:class:`_Locator`) finds the line of
   every table and key in the text; every error names the file, the line and the key.
2. :func:`derive_handout` derives and verifies *every* item before anything is written, and
   reports all failing items at once: nothing is built when one fails.
3. ``derive.render.render_handout`` turns the :class:`~derive.document.Handout` into LaTeX and
   Markdown text (the templates own all formatting).
4. :func:`build_handout` writes ``out_dir/<name>/<name>.{tex,md,pdf}``: every file arrives by an
   atomic rename, PDFs are compiled by :func:`derive.pdf.compile_pdf` into temporary files first,
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
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from derive.document import DEFINITIONS, Handout, Item, Section
from derive.errors import BuildError, DeclarationError, DeriveError, HandoutError, ParseError

__all__ = [
    "FORMATS", "HandoutFileError", "HandoutSpec", "Problem", "Progress", "build_handout",
    "default_handout_path", "derive_handout", "load_handout",
]  # fmt: skip

FORMATS = ("pdf", "tex", "md")
"""The formats ``build_handout`` writes."""

Progress = Callable[[str, int, int, str], None]
"""``progress(stage, done, total, label)``.

Stages: ``derive`` (after each item), ``pdf`` (before each latexmk run), ``reuse`` (a PDF whose
LaTeX source did not change is kept), ``unchanged`` (nothing changed: every output is kept).
"""

_LAYOUTS = ("mixed", "numerator", "denominator")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_SOLUTIONS_SUFFIX = "-solutions"
_STAMP = ".derive-stamp.json"
_DEFINITION_TITLES = {
    "layouts": "Notation and layouts",
    "jacobian": "The Jacobian",
    "gradient": "The gradient",
    "hessian": "The Hessian",
    "matrix_derivative": "Derivative of a scalar by a matrix",
}


# --- errors -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a handout file, at a line and a key."""

    file: str
    line: int
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.key}: {self.message}"


class HandoutFileError(HandoutError):
    """A handout file has problems; each names the file, the line and the key.

    Attributes:
        problems: Every problem found, in file order.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__(self._text())

    def _text(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        head = f"{len(self.problems)} problems in {self.problems[0].file}; nothing was built:"
        return "\n".join([head, *(str(p) for p in self.problems)])

    def __str__(self) -> str:
        return self._text()

    @property
    def file(self) -> str:
        """The file of the first problem."""
        return self.problems[0].file

    @property
    def line(self) -> int:
        """The line of the first problem."""
        return self.problems[0].line

    @property
    def key(self) -> str:
        """The key of the first problem (``section[2].item[1].expr``)."""
        return self.problems[0].key


# --- where keys are: a line scanner for TOML text ---------------------------------------------

Path_ = tuple[str | int, ...]
_HEADER = re.compile(r"^\s*(\[\[?)([^\[\]]+)\]\]?\s*(?:#.*)?$")
_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*')"""
_KEY = re.compile(rf"^\s*({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*=")
_STRINGS = re.compile(r'"""|\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'')
_SYNTAX_WHERE = re.compile(r"\(at line (\d+), column \d+\)|\(at end of document\)")


def _split_key(text: str) -> list[str]:
    parts = re.findall(r'"([^"]*)"|\'([^\']*)\'|([A-Za-z0-9_-]+)', text)
    return [next(p for p in groups if p) if any(groups) else "" for groups in parts]


class _Locator:
    """The line of every table header and key in a TOML text, by its path in the data.

    Paths index arrays of tables by position, as the parsed data does: the key ``expr`` of the
    third ``[[section.item]]`` of the second ``[[section]]`` is ``("section", 1, "item", 2,
    "expr")``. Lines inside multi-line strings and arrays are skipped.
    """

    def __init__(self, text: str) -> None:
        self.lines: dict[Path_, int] = {}
        self._counts: dict[Path_, int] = {}
        table: Path_ = ()
        skip_until: str | None = None  # the closing quotes of a multi-line string
        depth = 0  # open brackets of a multi-line array
        for number, line in enumerate(text.splitlines(), 1):
            if skip_until is not None:
                if line.count(skip_until) % 2 == 1:
                    skip_until = None
                continue
            if depth > 0:
                depth += _bracket_balance(line)
                continue
            header = _HEADER.match(line)
            if header is not None:
                table = self._open(_split_key(header.group(2)), header.group(1) == "[[")
                self.lines.setdefault(table, number)
                continue
            key = _KEY.match(line)
            if key is None:
                continue
            self.lines.setdefault(table + tuple(_split_key(key.group(1))), number)
            rest = line[key.end() :]
            for quotes in ('"""', "'''"):
                if rest.count(quotes) % 2 == 1:
                    skip_until = quotes
            if skip_until is None:
                depth = max(0, _bracket_balance(rest))

    def _open(self, parts: list[str], array: bool) -> Path_:
        path: Path_ = ()
        for position, part in enumerate(parts):
            path = (*path, part)
            if position == len(parts) - 1 and array:
                count = self._counts.get(path, 0)
                self._counts[path] = count + 1
                path = (*path, count)
            elif path in self._counts:
                path = (*path, self._counts[path] - 1)
        return path

    def line(self, path: Path_) -> int:
        """Return the line of ``path``, or of its nearest enclosing table (1 at the top)."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return 1


def _bracket_balance(text: str) -> int:
    """Return opened minus closed brackets in a line of TOML, outside strings and comments."""
    code = _STRINGS.sub("", text).split("#", 1)[0]
    return code.count("[") - code.count("]")


def _key_name(path: Path_) -> str:
    """``("section", 1, "item", 0, "expr")`` -> ``section[2].item[1].expr`` (1-based)."""
    text = ""
    for part in path:
        text += f"[{part + 1}]" if isinstance(part, int) else ("." if text else "") + part
    return text or "(top level)"


# --- the handout file, checked ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ItemSpec:
    """One ``[[section.item]]``: a catalog identity, an expression or a definition block."""

    path: Path_
    kind: str
    identity: str = ""
    expr: str = ""
    wrt: str = ""
    title: str = ""
    note: str = ""
    hessian: bool = False
    declare: tuple[str, ...] = ()
    definition: str = ""
    source: str = ""


@dataclass(frozen=True, slots=True)
class SectionSpec:
    """One ``[[section]]``."""

    title: str
    intro: str
    items: tuple[ItemSpec, ...]


@dataclass(frozen=True)
class HandoutSpec:
    """A handout file after its keys and types have been checked, before any derivation.

    Attributes:
        file: How messages name the file.
        text: The file's text.
        name: The output name (``output/<name>/<name>.pdf``).
        declare: Declarations applied to every ``expr`` item (a catalog identity carries its
            own declarations, which fix what the identity says).
        answer_key: With ``solutions = false``, also write ``<name>-solutions.*``.
        mtime: The file's modification time (the build date of the PDF).
    """

    file: str
    text: str
    name: str
    title: str
    author: str
    course: str
    date: str
    layout: str
    solutions: bool
    verify: bool
    answer_key: bool
    declare: tuple[str, ...]
    sections: tuple[SectionSpec, ...]
    mtime: int


_TYPE_NAMES: dict[type, str] = {
    str: "a string", bool: "true or false", list: "an array", dict: "a table",
}  # fmt: skip
_TOP_KEYS: dict[str, type] = {
    "name": str, "title": str, "author": str, "course": str, "date": str, "layout": str,
    "solutions": bool, "verify": bool, "answer_key": bool, "declare": list, "symbols": dict,
    "section": list,
}  # fmt: skip
_SECTION_KEYS: dict[str, type] = {"title": str, "intro": str, "item": list}
_ITEM_KEYS: dict[str, type] = {
    "identity": str, "expr": str, "wrt": str, "title": str, "note": str, "hessian": bool,
    "declare": list, "definition": str, "source": str,
}  # fmt: skip
_KIND_KEYS = {
    "identity": {"identity", "title", "note", "source"},
    "expr": {"expr", "wrt", "title", "note", "hessian", "declare", "source"},
    "definition": {"definition", "title", "note"},
}


class _Checker:
    """Collects the problems of one file while its tables are checked."""

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.locator = _Locator(text)
        self.problems: list[Problem] = []

    def fail(self, path: Path_, message: str) -> None:
        self.problems.append(Problem(self.file, self.locator.line(path), _key_name(path), message))

    def table(self, data: Mapping[str, Any], path: Path_, schema: Mapping[str, type]) -> None:
        """Check that ``data`` has only keys of ``schema``, each of the right type."""
        for key, value in data.items():
            expected = schema.get(key)
            if expected is None:
                self.fail((*path, key), _unknown_key(key, schema))
            elif expected is list and isinstance(value, str) and key == "declare":
                continue  # a single declaration may be written as a string
            elif not isinstance(value, expected):
                self.fail((*path, key), f"must be {_TYPE_NAMES[expected]}, not {_toml_type(value)}")

    def text(self, data: Mapping[str, Any], path: Path_, key: str, default: str = "") -> str:
        value = data.get(key, default)
        return value if isinstance(value, str) else default

    def flag(self, data: Mapping[str, Any], key: str, default: bool) -> bool:
        value = data.get(key, default)
        return value if isinstance(value, bool) else default

    def declarations(self, data: Mapping[str, Any], path: Path_) -> tuple[str, ...]:
        """Read ``declare`` (a string or an array of strings), checking each declaration."""
        from derive.declare import parse_declaration

        value = data.get("declare", [])
        items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        found: list[str] = []
        for position, text in enumerate(items):
            if not isinstance(text, str):
                self.fail((*path, "declare"), f"entry {position + 1} must be a string")
                continue
            try:
                parse_declaration(text)
            except DeclarationError as error:
                self.fail((*path, "declare"), str(error))
                continue
            found.append(text)
        return tuple(found)


def _toml_type(value: object) -> str:
    for kind, name in _TYPE_NAMES.items():
        if isinstance(value, kind):
            return name
    return f"a {type(value).__name__}"


def _unknown_key(key: str, allowed: Mapping[str, type] | set[str]) -> str:
    import difflib

    prefixed = [name for name in allowed if key.startswith(name) or name.startswith(key)]
    close = prefixed[:1] or difflib.get_close_matches(key, list(allowed), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown key {key!r}{hint}; allowed here: {', '.join(sorted(allowed))}"


def default_handout_path() -> Path:
    """Return the path of the built-in default handout (``derive/handouts/default.toml``)."""
    return Path(str(resources.files("derive").joinpath("handouts", "default.toml")))


def load_handout(path: Path | None = None) -> HandoutSpec:
    """Read and check a handout file (the built-in default one when ``path`` is None).

    Args:
        path: The TOML file.

    Returns:
        The checked handout, ready to derive.

    Raises:
        HandoutFileError: The file cannot be read, is not TOML, or has unknown keys, values of
            the wrong type or bad declarations; every problem names the file, line and key.
    """
    source = default_handout_path() if path is None else Path(path)
    label = f"{source.name} (built-in)" if path is None else str(path)
    try:
        text = source.read_text(encoding="utf-8")
        mtime = int(source.stat().st_mtime)
    except (OSError, UnicodeDecodeError) as error:
        problem = Problem(label, 1, "(file)", f"cannot read the file: {error}")
        raise HandoutFileError([problem]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise HandoutFileError([_syntax_problem(label, text, error)]) from None
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", source.stem).strip("-") or "handout"
    return _check(data, label, text, stem, mtime)


def _syntax_problem(label: str, text: str, error: tomllib.TOMLDecodeError) -> Problem:
    """Turn tomllib's message into a located problem (the key on the offending line, if any)."""
    message = str(error)
    where = _SYNTAX_WHERE.search(message)
    lines = text.splitlines() or [""]
    line = len(lines)
    if where is not None and where.group(1) is not None:
        line = int(where.group(1))
    elif where is not None:  # "at end of document": blame the last line that holds anything
        line = max((n for n, t in enumerate(lines, 1) if t.strip()), default=1)
    message = _SYNTAX_WHERE.sub("", message).strip()
    key = _KEY.match(lines[line - 1]) if 0 < line <= len(lines) else None
    header = _HEADER.match(lines[line - 1]) if 0 < line <= len(lines) else None
    name = (
        ".".join(_split_key(key.group(1))) if key is not None
        else header.group(2).strip() if header is not None else "(syntax)"
    )  # fmt: skip
    return Problem(label, line, name, f"invalid TOML: {message}")


def _check(data: dict[str, Any], label: str, text: str, stem: str, mtime: int) -> HandoutSpec:
    check = _Checker(label, text)
    check.table(data, (), _TOP_KEYS)
    name = check.text(data, (), "name", stem)
    if not _NAME.fullmatch(name):
        check.fail(("name",), "use letters, digits, '-' and '_' only (it names the output files)")
    layout = check.text(data, (), "layout", "mixed")
    if layout not in _LAYOUTS:
        check.fail(("layout",), f"must be one of {', '.join(_LAYOUTS)}, not {layout!r}")
    declare = check.declarations(data, ()) + _symbols(check, data.get("symbols", {}))
    sections = data.get("section", [])
    if not isinstance(sections, list) or not sections:
        check.fail(("section",), "a handout needs at least one [[section]] with items")
        sections = []
    spec = HandoutSpec(
        file=label, text=text, name=name,
        title=check.text(data, (), "title", name.replace("-", " ").replace("_", " ").title()),
        author=check.text(data, (), "author"), course=check.text(data, (), "course"),
        date=check.text(data, (), "date"), layout=layout,
        solutions=check.flag(data, "solutions", True), verify=check.flag(data, "verify", True),
        answer_key=check.flag(data, "answer_key", False), declare=declare,
        sections=tuple(_section(check, s, i) for i, s in enumerate(sections)), mtime=mtime,
    )  # fmt: skip
    if check.problems:
        raise HandoutFileError(check.problems)
    return spec


def _symbols(check: _Checker, table: object) -> tuple[str, ...]:
    """``[symbols]`` ``A = "m x n, symmetric"`` -> the declaration ``A: m x n, symmetric``."""
    from derive.declare import parse_declaration

    if not isinstance(table, dict):
        return ()
    found: list[str] = []
    for symbol, body in table.items():
        if not isinstance(body, str):
            check.fail(("symbols", symbol), f"must be a string such as \"m x n\", not "
                       f"{_toml_type(body)}")  # fmt: skip
            continue
        text = f"{symbol}: {body}"
        try:
            parse_declaration(text)
        except DeclarationError as error:
            check.fail(("symbols", symbol), str(error))
            continue
        found.append(text)
    return tuple(found)


def _section(check: _Checker, data: object, index: int) -> SectionSpec:
    path: Path_ = ("section", index)
    if not isinstance(data, dict):
        check.fail(path, "each section must be a [[section]] table")
        return SectionSpec("", "", ())
    check.table(data, path, _SECTION_KEYS)
    if not isinstance(data.get("title"), str) or not data["title"].strip():
        check.fail((*path, "title") if "title" in data else path, "a section needs a title")
    items = data.get("item", [])
    if not isinstance(items, list):
        items = []
    return SectionSpec(
        check.text(data, path, "title"),
        check.text(data, path, "intro"),
        tuple(_item(check, item, (*path, "item", i)) for i, item in enumerate(items)),
    )


def _item(check: _Checker, data: object, path: Path_) -> ItemSpec:
    if not isinstance(data, dict):
        check.fail(path, "each item must be a [[section.item]] table")
        return ItemSpec(path, "definition")
    check.table(data, path, _ITEM_KEYS)
    kinds = [kind for kind in _KIND_KEYS if kind in data]
    if len(kinds) != 1:
        what = " and ".join(repr(k) for k in kinds) if kinds else "none of them"
        check.fail(path, f"an item has exactly one of 'identity', 'expr', 'definition' ({what})")
        return ItemSpec(path, "definition")
    kind = kinds[0]
    for key in data:
        if key in _ITEM_KEYS and key not in _KIND_KEYS[kind]:
            check.fail((*path, key), f"{key!r} cannot be used with {kind!r} (allowed: "
                       f"{', '.join(sorted(_KIND_KEYS[kind]))})")  # fmt: skip
    if kind == "expr" and not isinstance(data.get("wrt"), str):
        check.fail((*path, "expr"), "an 'expr' item needs 'wrt', the variable, e.g. wrt = \"x\"")
    definition = check.text(data, path, "definition")
    if kind == "definition" and definition not in DEFINITIONS:
        check.fail((*path, "definition"), f"unknown definition {definition!r}; one of "
                   f"{', '.join(DEFINITIONS)}")  # fmt: skip
    return ItemSpec(
        path, kind, identity=check.text(data, path, "identity"),
        expr=check.text(data, path, "expr"), wrt=check.text(data, path, "wrt"),
        title=check.text(data, path, "title"), note=check.text(data, path, "note"),
        hessian=check.flag(data, "hessian", False), declare=check.declarations(data, path),
        definition=definition, source=check.text(data, path, "source"),
    )  # fmt: skip


# --- deriving ---------------------------------------------------------------------------------


def derive_handout(spec: HandoutSpec, *, progress: Progress | None = None) -> Handout:
    """Derive and verify every item of a checked handout.

    Every item is tried, so one run reports every failing item; nothing is returned unless all
    of them succeed.

    Args:
        spec: The handout from :func:`load_handout`.
        progress: Called as ``progress("derive", done, total, title)`` after each derivation.

    Returns:
        The handout the templates render.

    Raises:
        HandoutFileError: Items failed (unknown identity, bad expression, shape error, failed
            verification, ...); each problem names the file, the line and the key.
    """
    locator = _Locator(spec.text)
    problems: list[Problem] = []
    total = sum(item.kind != "definition" for section in spec.sections for item in section.items)
    done = 0
    sections: list[Section] = []
    for section in spec.sections:
        items: list[Item] = []
        for item in section.items:
            try:
                items.append(_derive_item(spec, item))
            except DeriveError as error:
                key = _blame(item, error)
                problems.append(Problem(spec.file, locator.line(key), _key_name(key), str(error)))
            except Exception as error:  # noqa: BLE001 - an engine bug: name the item, no traceback
                key = _blame(item, DeriveError())
                message = (
                    f"internal error in derive ({type(error).__name__}: {error}); please report it"
                )
                problems.append(Problem(spec.file, locator.line(key), _key_name(key), message))
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


def _derive_item(spec: HandoutSpec, item: ItemSpec) -> Item:
    from derive.api import prove

    if item.kind == "definition":
        title = item.title or _DEFINITION_TITLES[item.definition]
        return Item(title, item.note, definition=item.definition)
    if item.kind == "identity":
        from derive import catalog

        identity = catalog.get(item.identity)
        derivation = prove(
            identity.expr, identity.wrt, declare=identity.declare,
            layout=identity.layout or spec.layout, hessian=identity.hessian, verify=spec.verify,
        )  # fmt: skip
        return Item(item.title or identity.title, item.note, derivation,
                    source=item.source or identity.source)  # fmt: skip
    derivation = prove(
        item.expr, item.wrt, declare=spec.declare + item.declare, layout=spec.layout,
        hessian=item.hessian, verify=spec.verify,
    )  # fmt: skip
    what = "Hessian" if item.hessian else "Derivative"
    title = item.title or f"{what} of {item.expr.strip()} by {item.wrt.strip()}"
    return Item(title, item.note, derivation, source=item.source)


def _blame(item: ItemSpec, error: DeriveError) -> Path_:
    """The key of ``item`` that ``error`` is about."""
    if item.kind == "identity":
        return (*item.path, "identity")
    if isinstance(error, DeclarationError) and item.declare:
        return (*item.path, "declare")
    if isinstance(error, ParseError) and error.source == item.wrt:
        return (*item.path, "wrt")
    return (*item.path, "expr")


# --- building ---------------------------------------------------------------------------------


def build_handout(
    path: Path | None,
    formats: tuple[str, ...],
    out_dir: Path,
    *,
    templates_dir: Path | None = None,
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
        formats: Any of ``pdf``, ``tex``, ``md``.
        out_dir: The output folder (``output``).
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
    spec = load_handout(path)
    if answer_key is not None:
        spec = replace(spec, answer_key=answer_key)
    if "pdf" in wanted:
        _require_latexmk()
    folder = Path(out_dir) / spec.name
    names = _document_names(spec)
    outputs = [folder / f"{name}.{fmt}" for name in names for fmt in FORMATS if fmt in wanted]
    key = _input_key(spec, wanted, templates_dir)
    stamp = _read_stamp(folder)
    if stamp.get("input") == key and all(_recorded(stamp, out) for out in outputs):
        if progress is not None:
            progress("unchanged", len(outputs), len(outputs), str(folder))
        return outputs
    handout = derive_handout(spec, progress=progress)
    documents = {names[0]: handout}
    if len(names) > 1:
        documents[names[1]] = replace(
            handout, name=names[1], title=f"{handout.title} (solutions)", solutions=True
        )
    texts = _render(documents, wanted, templates_dir)
    try:
        _install(folder, documents, texts, wanted, stamp, key, spec, progress)
    except OSError as error:
        raise BuildError(f"cannot write the outputs in {folder}: {error}") from None
    return outputs


def _formats(formats: Sequence[str]) -> tuple[str, ...]:
    wanted = tuple(dict.fromkeys(f.strip().lower() for f in formats if f.strip()))
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise ValueError(f"formats must be some of {', '.join(FORMATS)}, not {list(formats)}")
    return wanted


def _require_latexmk() -> None:
    from derive.pdf import INSTALL_HINT, latexmk_available

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
    """Render every document in every text format the build needs (a PDF needs the tex)."""
    from jinja2 import TemplateError

    from derive.render import render_handout

    needed = [fmt for fmt in ("tex", "md") if fmt in wanted or (fmt == "tex" and "pdf" in wanted)]
    texts: dict[tuple[str, str], str] = {}
    for name, handout in documents.items():
        for fmt in needed:
            try:
                texts[name, fmt] = render_handout(handout, fmt, templates_dir)
            except TemplateError as error:
                line = getattr(error, "lineno", None)
                where = (
                    f" ({getattr(error, 'filename', None) or 'template'}:{line})" if line else ""
                )
                raise BuildError(f"template error{where}: {error}") from None
    return texts


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
    from derive.pdf import compile_pdf

    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    pending: dict[Path, Path] = {}
    built_from: dict[str, str] = {}
    epoch = None if "SOURCE_DATE_EPOCH" in os.environ else spec.mtime
    pdfs = [name for name in documents if "pdf" in wanted]
    try:
        for name in documents:
            for fmt in ("tex", "md"):
                if fmt in wanted:
                    pending[folder / f"{name}.{fmt}"] = _stage(
                        folder / f"{name}.{fmt}", texts[name, fmt].encode()
                    )
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
        for final, temp in pending.items():
            os.replace(temp, final)
        pending.clear()
    finally:
        for temp in pending.values():
            temp.unlink(missing_ok=True)
        if created and not any(folder.iterdir()):
            folder.rmdir()
    _write_stamp(folder, stamp, key, built_from, documents, wanted)


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
            digest = _file_digest(folder / f"{name}.{fmt}")
            if digest is not None:
                files[f"{name}.{fmt}"] = digest
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
        "templates": [_tree_digest(d) for d in (*_builtin_template_dirs(), templates_dir) if d],
    }  # fmt: skip
    return _digest(json.dumps(parts, sort_keys=True).encode())


def _package_dir() -> Path:
    return Path(__file__).resolve().parent


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


def _files(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for entry in root.rglob("*"):
        if entry.is_file() and "__pycache__" not in entry.parts:
            yield entry
