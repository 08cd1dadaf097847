"""Handout files: read a TOML handout and check every key, naming the file, line and key.

TOML parsers give no positions for values, so :class:`Locator` scans the text for the line of
every table header and key; every :class:`FileProblem` names the file, that line and the key's
path (``section[2].item[1].expr``, 1-based). :func:`load_handout` checks keys, types and
declarations and returns a :class:`HandoutSpec`; deriving and building happen in
:mod:`documents.handouts.build`. The format is described in ``docs/handout-format.md``.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from derive.calculus.options import METHODS, STRUCTURES
from derive.documents.document import DEFINITIONS
from derive.documents.formats import STYLES
from derive.documents.handouts.locate import (
    FileProblem,
    HandoutFileError,
    KeyPath,
    Locator,
    deepest_line,
    key_name,
    syntax_problem,
)
from derive.documents.handouts.spec import HandoutSpec, ItemSpec, SectionSpec
from derive.documents.web.flavors import DEFAULT_FLAVOR, FLAVORS
from derive.errors import DeclarationError
from derive.ir.expr import LAYOUTS

__all__ = ["default_handout_path", "load_handout"]

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


_TYPE_NAMES: dict[type, str] = {
    str: "a string", bool: "true or false", list: "an array", dict: "a table", int: "a number",
    object: 'true, false or "results"',
}  # fmt: skip
_TOP_KEYS: dict[str, type] = {
    "name": str, "title": str, "author": str, "course": str, "date": str, "layout": str,
    "solutions": object, "verify": bool, "answer_key": object, "declare": list, "symbols": dict,
    "section": list, "style": str, "show_sources": bool, "numbering": str, "md_flavor": str,
    "front_matter": bool, "method": str, "code": bool,
}  # fmt: skip
_SECTION_KEYS: dict[str, type] = {
    "title": str, "intro": str, "item": list, "layout": str, "method": str, "code": bool,
}  # fmt: skip
_ITEM_KEYS: dict[str, type] = {
    "identity": str, "expr": str, "wrt": str, "title": str, "note": str, "hessian": bool,
    "declare": list, "definition": str, "source": str, "expect": str, "layout": str,
    "question": str, "points": int, "space": str, "label": str, "code": bool,
    "structure": str, "via": str, "method": str,
}  # fmt: skip
# keys that take a string or an array of strings (several variables, one answer for each)
_STRING_OR_LIST = ("declare", "wrt", "expect")
_EXERCISE_KEYS = {"layout", "question", "points", "space", "label"}
_KIND_KEYS = {
    "identity": {"identity", "title", "note", "source", "code", "method", *_EXERCISE_KEYS},
    "expr": {"expr", "wrt", "title", "note", "hessian", "declare", "source", "expect", "code",
             "structure", "via", "method", *_EXERCISE_KEYS},
    "definition": {"definition", "title", "note"},
}
# a proof method of calculus.options.METHODS, or both of them one after the other
_METHODS = (*METHODS, "both")
_SPACE = re.compile(r"\d+(\.\d+)?(cm|mm|in|pt|em)")


class _Checker:
    """Collects the problems of one file while its tables are checked."""

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self._source = text
        self.problems: list[FileProblem] = []

    @functools.cached_property
    def locator(self) -> Locator:
        """The lines of the keys, found when a problem needs one (a good file never does)."""
        return Locator(self._source)

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
    # beside the package's modules, as the templates are (importlib.resources would cost more
    # to import than reading the file)
    return Path(__file__).resolve().parents[2] / "handouts" / "default.toml"


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
        raise HandoutFileError([syntax_problem(label, text, error)]) from None
    except RecursionError:
        problem = FileProblem(label, deepest_line(text), "(syntax)", "invalid TOML: arrays or"
                          " inline tables are nested too deeply to read")  # fmt: skip
        raise HandoutFileError([problem]) from None
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", source.stem).strip("-") or "handout"
    return _check(data, label, text, stem, mtime)


_BOM_MESSAGE = (
    "the file starts with a byte-order mark (U+FEFF), which TOML does not allow: save it as"
    " UTF-8 without a BOM (in many editors: 'UTF-8' rather than 'UTF-8 with BOM')"
)


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
        method=_choice(check, data, (), "method", _METHODS, "index"),
        code=check.flag(data, "code", False),
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
        _choice(check, data, path, "method", _METHODS, ""),
        _maybe(data, "code"),
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
    if "via" in data and len(variables) > 1:
        check.fail((*path, "via"), "'via' routes the proof by one variable: give one 'wrt'")
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
        structure=_choice(check, data, path, "structure", tuple(STRUCTURES), "none"),
        question=check.prose(data, path, "question"), points=_points(check, data, path),
        space=_space(check, data, path), label=_label(check, data, path),
        via=check.text(data, path, "via"),
        method=_choice(check, data, path, "method", _METHODS, ""),
        code=_maybe(data, "code"),
    )  # fmt: skip


def _maybe(data: Mapping[str, Any], key: str) -> bool | None:
    """A flag that, when absent (None), takes the enclosing table's value."""
    value = data.get(key)
    return value if isinstance(value, bool) else None


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
