"""Symbol declarations: ``A: m x n``, ``x: n``, ``s: scalar``, ``A: n x n, symmetric``,
``X: n x n, invertible``, ``x: n, depends on z``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from derive.errors import DeclarationError, Span
from derive.ir.expr import Dim
from derive.language.names import canonical_name

_NAME = r"[A-Za-z]+(?:[0-9]+|_[A-Za-z0-9]+|_\{[A-Za-z0-9]+\})?"
_DIM_NAME = r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)?"
_DECL_RE = re.compile(rf"^\s*(?P<name>{_NAME})\s*:\s*(?P<body>.*?)\s*$", re.DOTALL)
_DEPENDS_RE = re.compile(rf"^depends\s+on\s+(?P<names>{_NAME}(?:\s*(?:,|and)\s*{_NAME})*)$")
_DIM = rf"(?:{_DIM_NAME}|\d+)"
_SHAPE_RE = re.compile(
    rf"^({_DIM})(?:\s+(?:x|by)\s+({_DIM})|\s*[×*]\s*({_DIM})|(?<=\d)x(\d+))?$"
)
_FLAGS = ("symmetric", "invertible", "constant")


@dataclass(frozen=True, slots=True)
class Declaration:
    """What the user said about one symbol.

    Attributes:
        name: The symbol.
        shape: (rows, cols), or None when only flags were given.
        symmetric: The matrix equals its transpose.
        invertible: The matrix is invertible (used to pick test values; no simplification).
        depends_on: Symbols this one is a function of (``dx/dz`` stays symbolic).
    """

    name: str
    shape: tuple[Dim, Dim] | None = None
    symmetric: bool = False
    invertible: bool = False
    depends_on: tuple[str, ...] = ()


def parse_declaration(text: str) -> Declaration:
    """Parse one declaration string.

    Args:
        text: For example ``"A: m x n, symmetric"``.

    Returns:
        The declaration.

    Raises:
        DeclarationError: The text is not a declaration; the error points at the bad part.
    """
    match = _DECL_RE.match(text)
    if match is None:
        raise DeclarationError(
            "a declaration reads 'NAME: SHAPE[, FLAG...]', e.g. 'A: m x n, symmetric'",
            Span(0, max(1, len(text))),
            text,
        )
    name, body = canonical_name(match.group("name")), match.group("body")
    start = match.start("body")
    if not body:
        raise DeclarationError(
            f"nothing is declared for {name}: give a shape such as 'm x n', 'n' or 'scalar'",
            Span(match.end("name"), max(match.end("name") + 1, len(text))),
            text,
        )
    shape: tuple[Dim, Dim] | None = None
    flags: dict[str, Span] = {}
    depends: list[str] = []
    for part, offset in _split_parts(body, start):
        span = Span(offset, offset + max(1, len(part)))
        lowered = part.lower()
        if lowered in _FLAGS:
            flags[lowered] = span
        elif (dep := _DEPENDS_RE.match(part)) is not None:
            names = [canonical_name(n) for n in re.split(r"\s*(?:,|and)\s*", dep.group("names"))]
            if name in names:
                raise DeclarationError(f"{name} cannot depend on itself", span, text)
            depends.extend(n for n in names if n not in depends)
        elif lowered.startswith("depends"):
            raise DeclarationError(
                f"name what {name} depends on, e.g. '{name}: n, depends on z'", span, text
            )
        elif shape is None:
            shape = _parse_shape(part, span, text)
        else:
            raise DeclarationError(f"unknown declaration part {part!r}", span, text)
    for flag in ("symmetric", "invertible"):
        if flag in flags and shape is not None and shape[0] != shape[1]:
            rows, cols = shape
            raise DeclarationError(
                f"{name} is declared {flag} but is not square ({rows} x {cols})",
                flags[flag],
                text,
            )
    return Declaration(
        name,
        shape,
        symmetric="symmetric" in flags,
        invertible="invertible" in flags,
        depends_on=tuple(depends),
    )


def _split_parts(body: str, start: int) -> Iterable[tuple[str, int]]:
    """Split on commas (and semicolons), keeping ``depends on y, z`` lists together."""
    offset = start
    pieces = re.split(r"([,;])", body)
    merged: list[tuple[str, int]] = []
    for piece in pieces:
        if piece in (",", ";"):
            offset += 1
            continue
        stripped = piece.strip()
        lead = len(piece) - len(piece.lstrip())
        if merged and merged[-1][0].startswith("depends on") and re.fullmatch(_NAME, stripped):
            merged[-1] = (f"{merged[-1][0]}, {stripped}", merged[-1][1])
        elif stripped:
            merged.append((stripped, offset + lead))
        offset += len(piece)
    return merged


def _parse_shape(part: str, span: Span, text: str) -> tuple[Dim, Dim]:
    lowered = part.lower()
    if lowered == "scalar":
        return (1, 1)
    if lowered in ("vector", "matrix"):
        raise DeclarationError(f"give the size of the {lowered}, e.g. 'x: n'", span, text)
    match = _SHAPE_RE.match(part)
    if match is None:
        raise DeclarationError(
            f"cannot read the shape {part!r}: write 'n', 'm x n', '3 x 4' or 'scalar'", span, text
        )
    dims = [d for d in match.groups() if d is not None]
    parsed = [_dim(d) for d in dims]
    if any(d == 0 for d in parsed):
        raise DeclarationError("a dimension must be positive", span, text)
    if len(parsed) == 1:
        return (parsed[0], 1)
    return (parsed[0], parsed[1])


def _dim(text: str) -> Dim:
    return int(text) if text.isdigit() else text


def parse_declarations(texts: Iterable[str]) -> dict[str, Declaration]:
    """Parse several declarations; a later one for the same name merges into the earlier.

    Args:
        texts: Declaration strings; one string may hold several, separated by ``;``.

    Returns:
        The declarations by (canonical) symbol name.

    Raises:
        DeclarationError: A declaration is malformed, two declarations contradict, or symbols
            depend on each other in a cycle.
    """
    result: dict[str, Declaration] = {}
    for text in texts:
        for piece in _split_statements(text):
            decl = parse_declaration(piece)
            old = result.get(decl.name)
            if old is not None:
                decl = _merge(old, decl, piece)
            result[decl.name] = decl
            _check_cycle(result, decl.name, piece)
    return result


def _split_statements(text: str) -> list[str]:
    """``"A: m x n; x: n"`` holds two declarations."""
    return [p for p in re.split(r";\s*(?=[A-Za-z][A-Za-z0-9_{}]*\s*:)", text) if p.strip()]


def _merge(old: Declaration, new: Declaration, text: str) -> Declaration:
    """One declaration from two for the same name; they must not contradict."""
    everything = Span(0, max(1, len(text)))
    if old.shape is not None and new.shape is not None and old.shape != new.shape:
        raise DeclarationError(
            f"{new.name} is declared twice with different shapes: {_show(old.shape)} and"
            f" {_show(new.shape)}",
            everything,
            text,
        )
    merged = Declaration(
        new.name,
        new.shape or old.shape,
        symmetric=old.symmetric or new.symmetric,
        invertible=old.invertible or new.invertible,
        depends_on=old.depends_on + tuple(d for d in new.depends_on if d not in old.depends_on),
    )
    square = merged.shape is None or merged.shape[0] == merged.shape[1]
    if (merged.symmetric or merged.invertible) and not square:
        assert merged.shape is not None
        flag = "symmetric" if merged.symmetric else "invertible"
        raise DeclarationError(
            f"{new.name} is declared {flag} but is not square ({_show(merged.shape)})",
            everything,
            text,
        )
    return merged


def _show(shape: tuple[Dim, Dim]) -> str:
    return f"{shape[0]} x {shape[1]}"


def _check_cycle(declarations: dict[str, Declaration], name: str, text: str) -> None:
    """A symbol may not depend on itself through others (x on z, z on x)."""
    path = [name]
    stack = [(name, iter(declarations[name].depends_on))]
    while stack:  # depth-first search from ``name`` along the dependencies
        _, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            path.pop()
            continue
        if child == name:
            cycle = " -> ".join([*path, name])
            raise DeclarationError(
                f"symbols cannot depend on each other in a cycle: {cycle}",
                Span(0, max(1, len(text))),
                text,
            )
        if child in declarations and child not in path:
            path.append(child)
            stack.append((child, iter(declarations[child].depends_on)))
