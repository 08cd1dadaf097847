"""ASCII input text -> tokens.

Names are a letter followed by letters or digits, optionally ``_`` and a subscript of letters or
digits (``x1``, ``W_2``, ``alpha``). Products are written by juxtaposition, so ``A x`` needs the
space while ``Ax`` is one name. ``.T`` is a transpose, ``.*`` a Hadamard product.
"""

from __future__ import annotations

import re

from derive.errors import ParseError, Span
from derive.tokens import Kind, Token

_TOKEN_RE = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d+)?|\.\d+)
  | (?P<name>[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+|_\{[A-Za-z0-9]+\})?)
  | (?P<dot_t>\.T(?![A-Za-z0-9_]))
  | (?P<hadamard>\.\*)
  | (?P<dbar>\|\|)
  | (?P<op>[-+*/@^'(){},|])
    """,
    re.VERBOSE,
)

_SINGLE: dict[str, Kind] = {
    "+": Kind.PLUS,
    "-": Kind.MINUS,
    "*": Kind.STAR,
    "@": Kind.STAR,
    "/": Kind.SLASH,
    "^": Kind.CARET,
    "'": Kind.PRIME,
    "(": Kind.LPAREN,
    ")": Kind.RPAREN,
    "{": Kind.LBRACE,
    "}": Kind.RBRACE,
    ",": Kind.COMMA,
    "|": Kind.BAR,
}


def lex_ascii(source: str, offset: int = 0, *, end: bool = True) -> list[Token]:
    """Split ASCII input into tokens.

    Args:
        source: The text to split.
        offset: Added to every span, for text that is part of a larger source.
        end: Whether to append an ``END`` token.

    Returns:
        The tokens, spans pointing into the original source.

    Raises:
        ParseError: At the first character that starts no token.
    """
    tokens: list[Token] = []
    pos = 0
    while pos < len(source):
        match = _TOKEN_RE.match(source, pos)
        if match is None:
            span = Span(offset + pos, offset + pos + 1)
            raise ParseError(f"unexpected character {source[pos]!r}", span)
        group = match.lastgroup
        text = match.group()
        span = Span(offset + pos, offset + match.end())
        pos = match.end()
        if group == "space":
            continue
        tokens.append(Token(_kind(group, text), _clean(group, text), span))
    if end:
        tokens.append(Token(Kind.END, "", Span(offset + len(source), offset + len(source))))
    return tokens


def _kind(group: str | None, text: str) -> Kind:
    if group == "number":
        return Kind.NUMBER
    if group == "name":
        return Kind.NAME
    if group == "dot_t":
        return Kind.PRIME
    if group == "hadamard":
        return Kind.HADAMARD
    if group == "dbar":
        return Kind.DBAR
    return _SINGLE[text]


def _clean(group: str | None, text: str) -> str:
    """Normalise a name's subscript braces: ``W_{2}`` and ``W_2`` are the same name."""
    if group == "name":
        return text.replace("{", "").replace("}", "")
    return text
