"""Handout files: read a TOML handout and check every key, naming the file, line and key.

TOML parsers give no positions for values, so :class:`Locator` scans the text for the line of
every table header and key; every :class:`FileProblem` names the file, that line and the key's
path (``section[2].item[1].expr``, 1-based). :func:`load_handout` checks keys, types and
declarations and returns a :class:`HandoutSpec`; deriving and building happen in
:mod:`documents.handout`. The format is described in ``docs/handout-format.md``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from derive.documents.document import DEFINITIONS
from derive.documents.formats import STYLES
from derive.documents.web.flavors import DEFAULT_FLAVOR, FLAVORS
from derive.errors import DeclarationError, HandoutError
from derive.ir.expr import LAYOUTS

__all__ = [
    "HandoutFileError", "HandoutSpec", "ItemSpec", "KeyPath", "Locator", "FileProblem",
    "SectionSpec", "default_handout_path", "key_name", "load_handout",
]  # fmt: skip

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


# --- errors -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileProblem:
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

    def __init__(self, problems: Sequence[FileProblem]) -> None:
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

KeyPath = tuple[str | int, ...]
_HEADER = re.compile(r"^\s*(\[\[?)([^\[\]]+)\]\]?\s*(?:#.*)?$")
_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*')"""
_KEY = re.compile(rf"^\s*({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*=")
_STRINGS = re.compile(r'"""|\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'')
_SYNTAX_WHERE = re.compile(r"\(at line (\d+), column \d+\)|\(at end of document\)")


def _split_key(text: str) -> list[str]:
    parts = re.findall(r'"([^"]*)"|\'([^\']*)\'|([A-Za-z0-9_-]+)', text)
    return [next(p for p in groups if p) if any(groups) else "" for groups in parts]


class Locator:
    """The line of every table header and key in a TOML text, by its path in the data.

    Paths index arrays of tables by position, as the parsed data does: the key ``expr`` of the
    third ``[[section.item]]`` of the second ``[[section]]`` is ``("section", 1, "item", 2,
    "expr")``. Lines inside multi-line strings and arrays are skipped.
    """

    def __init__(self, text: str) -> None:
        self.lines: dict[KeyPath, int] = {}
        self._counts: dict[KeyPath, int] = {}
        table: KeyPath = ()
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

    def _open(self, parts: list[str], array: bool) -> KeyPath:
        path: KeyPath = ()
        for position, part in enumerate(parts):
            path = (*path, part)
            if position == len(parts) - 1 and array:
                count = self._counts.get(path, 0)
                self._counts[path] = count + 1
                path = (*path, count)
            elif path in self._counts:
                path = (*path, self._counts[path] - 1)
        return path

    def line(self, path: KeyPath) -> int:
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


def key_name(path: KeyPath) -> str:
    """``("section", 1, "item", 0, "expr")`` -> ``section[2].item[1].expr`` (1-based)."""
    text = ""
    for part in path:
        text += f"[{part + 1}]" if isinstance(part, int) else ("." if text else "") + part
    return text or "(top level)"


# --- the handout file, checked ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ItemSpec:
    """One ``[[section.item]]``: a catalog identity, an expression or a definition block."""

    path: KeyPath
    kind: str
    identity: str = ""
    expr: str = ""
    wrt: str = ""
    variables: tuple[str, ...] = ()
    expect: tuple[str, ...] = ()
    title: str = ""
    note: str = ""
    hessian: bool = False
    declare: tuple[str, ...] = ()
    definition: str = ""
    source: str = ""
    layout: str = ""
    question: str = ""
    points: int = 0
    space: str = ""
    label: str = ""


@dataclass(frozen=True, slots=True)
class SectionSpec:
    """One ``[[section]]``; ``layout`` overrides the handout's for its items ("" keeps it)."""

    title: str
    intro: str
    items: tuple[ItemSpec, ...]
    layout: str = ""


@dataclass(frozen=True)
class HandoutSpec:
    """A handout file after its keys and types have been checked, before any derivation.

    Attributes:
        file: How messages name the file.
        text: The file's text.
        name: The output name (``output/<name>/<name>.pdf``).
        declare: Declarations applied to every ``expr`` item (a catalog identity carries its
            own declarations, which fix what the identity says).
        solutions: Proofs are shown (false: an exercise sheet).
        results_only: ``solutions = "results"``: results without their proofs.
        answer_key: With ``solutions = false``, also write ``<name>-solutions.*``.
        key_results_only: ``answer_key = "results"``: the key gives results, not proofs.
        style: ``compact`` (aligned proofs, the default) or ``full`` (a display per step).
        show_sources: Print each item's source on an exercise sheet too.
        numbering: Exercises numbered through the ``sheet`` or per ``section``.
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
    results_only: bool = False
    key_results_only: bool = False
    style: str = "compact"
    show_sources: bool = False
    numbering: str = "sheet"
    md_flavor: str = "commonmark"
    front_matter: bool = False


_TYPE_NAMES: dict[type, str] = {
    str: "a string", bool: "true or false", list: "an array", dict: "a table", int: "a number",
    object: 'true, false or "results"',
}  # fmt: skip
_TOP_KEYS: dict[str, type] = {
    "name": str, "title": str, "author": str, "course": str, "date": str, "layout": str,
    "solutions": object, "verify": bool, "answer_key": object, "declare": list, "symbols": dict,
    "section": list, "style": str, "show_sources": bool, "numbering": str, "md_flavor": str,
    "front_matter": bool,
}  # fmt: skip
_SECTION_KEYS: dict[str, type] = {"title": str, "intro": str, "item": list, "layout": str}
_ITEM_KEYS: dict[str, type] = {
    "identity": str, "expr": str, "wrt": str, "title": str, "note": str, "hessian": bool,
    "declare": list, "definition": str, "source": str, "expect": str, "layout": str,
    "question": str, "points": int, "space": str, "label": str,
}  # fmt: skip
# keys that take a string or an array of strings (several variables, one answer for each)
_STRING_OR_LIST = ("declare", "wrt", "expect")
_EXERCISE_KEYS = {"layout", "question", "points", "space", "label"}
_KIND_KEYS = {
    "identity": {"identity", "title", "note", "source", *_EXERCISE_KEYS},
    "expr": {"expr", "wrt", "title", "note", "hessian", "declare", "source", "expect",
             *_EXERCISE_KEYS},
    "definition": {"definition", "title", "note"},
}
_SPACE = re.compile(r"\d+(\.\d+)?(cm|mm|in|pt|em)")


class _Checker:
    """Collects the problems of one file while its tables are checked."""

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.locator = Locator(text)
        self.problems: list[FileProblem] = []

    def fail(self, path: KeyPath, message: str) -> None:
        problem = FileProblem(self.file, self.locator.line(path), key_name(path), message)
        self.problems.append(problem)

    def table(self, data: Mapping[str, Any], path: KeyPath, schema: Mapping[str, type]) -> None:
        """Check that ``data`` has only keys of ``schema``, each of the right type."""
        for key, value in data.items():
            expected = schema.get(key)
            if expected is None:
                self.fail((*path, key), _unknown_key(key, schema))
            elif key in _STRING_OR_LIST and isinstance(value, str | list):
                continue  # one declaration (variable, answer) as a string, or several
            elif expected is object and not (isinstance(value, bool) or value == "results"):
                self.fail((*path, key), f"must be {_TYPE_NAMES[expected]}, not {value!r}")
            elif expected is int and (isinstance(value, bool) or not isinstance(value, int)):
                self.fail((*path, key), f"must be a whole number, not {_toml_type(value)}")
            elif expected is not object and not isinstance(value, expected):
                self.fail((*path, key), f"must be {_TYPE_NAMES[expected]}, not {_toml_type(value)}")

    def text(self, data: Mapping[str, Any], path: KeyPath, key: str, default: str = "") -> str:
        value = data.get(key, default)
        return value if isinstance(value, str) else default

    def prose(self, data: Mapping[str, Any], path: KeyPath, key: str, default: str = "") -> str:
        """A prose key, whose ``$...$`` math must pass :func:`documents.prose.check_prose`."""
        from derive.documents.prose import check_prose

        value = self.text(data, path, key, default)
        problem = check_prose(value)
        if problem is not None:
            self.fail((*path, key), problem)
        return value

    def flag(self, data: Mapping[str, Any], key: str, default: bool) -> bool:
        value = data.get(key, default)
        return value if isinstance(value, bool) else default

    def strings(self, data: Mapping[str, Any], path: KeyPath, key: str) -> tuple[str, ...]:
        """Read a string or an array of strings (``wrt = ["x", "A"]``)."""
        value = data.get(key, [])
        items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        if not all(isinstance(item, str) for item in items):
            self.fail((*path, key), "must be a string or an array of strings")
            return ()
        if key in data and isinstance(value, list) and not items:
            self.fail((*path, key), "must not be an empty array")
        return tuple(items)

    def declarations(self, data: Mapping[str, Any], path: KeyPath) -> tuple[str, ...]:
        """Read ``declare`` (a string or an array of strings), checking each declaration."""
        from derive.language.declare import parse_declaration

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


def load_handout(path: str | Path | None = None) -> HandoutSpec:
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
        problem = FileProblem(label, 1, "(file)", f"cannot read the file: {error}")
        raise HandoutFileError([problem]) from None
    if text.startswith("\ufeff"):
        raise HandoutFileError([FileProblem(label, 1, "(file)", _BOM_MESSAGE)])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise HandoutFileError([_syntax_problem(label, text, error)]) from None
    except RecursionError:
        problem = FileProblem(label, _deepest_line(text), "(syntax)", "invalid TOML: arrays or"
                          " inline tables are nested too deeply to read")  # fmt: skip
        raise HandoutFileError([problem]) from None
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", source.stem).strip("-") or "handout"
    return _check(data, label, text, stem, mtime)


_BOM_MESSAGE = (
    "the file starts with a byte-order mark (U+FEFF), which TOML does not allow: save it as"
    " UTF-8 without a BOM (in many editors: 'UTF-8' rather than 'UTF-8 with BOM')"
)


def _deepest_line(text: str) -> int:
    """The line where brackets and braces nest deepest (strings are not told apart)."""
    depth, deepest, line, at = 0, 0, 1, 1
    for character in text:
        if character == "\n":
            line += 1
        elif character in "[{":
            depth += 1
            if depth > deepest:
                deepest, at = depth, line
        elif character in "]}":
            depth -= 1
    return at


def _syntax_problem(label: str, text: str, error: tomllib.TOMLDecodeError) -> FileProblem:
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
    return FileProblem(label, line, name, f"invalid TOML: {message}")


def _check(data: dict[str, Any], label: str, text: str, stem: str, mtime: int) -> HandoutSpec:
    check = _Checker(label, text)
    check.table(data, (), _TOP_KEYS)
    name = check.text(data, (), "name", stem)
    if not _NAME.fullmatch(name):
        check.fail(("name",), "use letters, digits, '-' and '_' only (it names the output files)")
    layout = _choice(check, data, (), "layout", LAYOUTS, "mixed")
    style = _choice(check, data, (), "style", STYLES, "compact")
    numbering = _choice(check, data, (), "numbering", ("sheet", "section"), "sheet")
    md_flavor = _choice(check, data, (), "md_flavor", FLAVORS, DEFAULT_FLAVOR)
    declare = check.declarations(data, ()) + _symbols(check, data.get("symbols", {}))
    sections = data.get("section", [])
    if not isinstance(sections, list) or not sections:
        check.fail(("section",), "a handout needs at least one [[section]] with items")
        sections = []
    spec = HandoutSpec(
        file=label, text=text, name=name,
        title=check.prose(data, (), "title", name.replace("-", " ").replace("_", " ").title()),
        author=check.prose(data, (), "author"), course=check.prose(data, (), "course"),
        date=check.text(data, (), "date"), layout=layout,
        solutions=data.get("solutions", True) is not False,
        results_only=data.get("solutions") == "results", verify=check.flag(data, "verify", True),
        answer_key=data.get("answer_key", False) in (True, "results"),
        key_results_only=data.get("answer_key") == "results", declare=declare,
        sections=tuple(_section(check, s, i) for i, s in enumerate(sections)), mtime=mtime,
        style=style, show_sources=check.flag(data, "show_sources", False), numbering=numbering,
        md_flavor=md_flavor, front_matter=check.flag(data, "front_matter", False),
    )  # fmt: skip
    if check.problems:
        raise HandoutFileError(check.problems)
    return spec


def _symbols(check: _Checker, table: object) -> tuple[str, ...]:
    """``[symbols]`` ``A = "m x n, symmetric"`` -> the declaration ``A: m x n, symmetric``."""
    from derive.language.declare import parse_declaration

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


def _choice(check: _Checker, data: Mapping[str, Any], path: KeyPath, key: str,
            choices: Sequence[str], default: str) -> str:
    """A string key that must be one of ``choices``."""
    value = check.text(data, path, key, default)
    if key in data and value not in choices:
        check.fail((*path, key), f"must be one of {', '.join(choices)}, not {value!r}")
    return value


def _section(check: _Checker, data: object, index: int) -> SectionSpec:
    path: KeyPath = ("section", index)
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
        check.prose(data, path, "title"),
        check.prose(data, path, "intro"),
        tuple(_item(check, item, (*path, "item", i)) for i, item in enumerate(items)),
        _choice(check, data, path, "layout", LAYOUTS, ""),
    )


def _item(check: _Checker, data: object, path: KeyPath) -> ItemSpec:
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
    if kind == "expr" and not isinstance(data.get("wrt"), str | list):
        check.fail((*path, "expr"), "an 'expr' item needs 'wrt', the variable, e.g. wrt = \"x\"")
    variables = check.strings(data, path, "wrt")
    expect = check.strings(data, path, "expect")
    if expect and len(expect) != len(variables):
        check.fail((*path, "expect"), f"give one answer per variable ({len(variables)} "
                   f"variables, {len(expect)} answers)")  # fmt: skip
    definition = check.text(data, path, "definition")
    if kind == "definition" and definition not in DEFINITIONS:
        check.fail((*path, "definition"), f"unknown definition {definition!r}; one of "
                   f"{', '.join(DEFINITIONS)}")  # fmt: skip
    return ItemSpec(
        path, kind, identity=check.text(data, path, "identity"),
        expr=check.text(data, path, "expr"), wrt=variables[0] if variables else "",
        variables=variables, expect=expect,
        title=check.prose(data, path, "title"), note=check.prose(data, path, "note"),
        hessian=check.flag(data, "hessian", False), declare=check.declarations(data, path),
        definition=definition, source=check.text(data, path, "source"),
        layout=_choice(check, data, path, "layout", LAYOUTS, ""),
        question=check.prose(data, path, "question"), points=_points(check, data, path),
        space=_space(check, data, path), label=_label(check, data, path),
    )  # fmt: skip


def _points(check: _Checker, data: Mapping[str, Any], path: KeyPath) -> int:
    value = data.get("points", 0)
    if not isinstance(value, int) or isinstance(value, bool):
        return 0
    if value < 0:
        check.fail((*path, "points"), f"must be 0 or more, not {value}")
    return value


def _space(check: _Checker, data: Mapping[str, Any], path: KeyPath) -> str:
    value = check.text(data, path, "space")
    if value and not _SPACE.fullmatch(value.strip()):
        check.fail((*path, "space"), f"must be a length such as \"6cm\" (cm, mm, in, pt or em), "
                   f"not {value!r}")  # fmt: skip
    return value.strip()


def _label(check: _Checker, data: Mapping[str, Any], path: KeyPath) -> str:
    value = check.text(data, path, "label")
    if value and not _NAME.fullmatch(value):
        check.fail((*path, "label"), "use letters, digits, '-' and '_' only")
    return value
