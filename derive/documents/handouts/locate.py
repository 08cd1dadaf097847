"""Where keys are in a handout file, and the errors that name them.

TOML parsers give no positions for values, so :class:`Locator` scans the text for the line of
every table header and key; every :class:`FileProblem` names the file, that line and the key's
path (``section[2].item[1].expr``, 1-based).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass

from derive.errors import HandoutError

__all__ = [
    "FileProblem", "HandoutFileError", "KeyPath", "Locator", "deepest_line", "key_name",
    "syntax_problem",
]  # fmt: skip


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


def deepest_line(text: str) -> int:
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


def syntax_problem(label: str, text: str, error: tomllib.TOMLDecodeError) -> FileProblem:
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
