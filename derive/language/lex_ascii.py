"""ASCII input text -> tokens.

Names are letters with one optional subscript: digits, or ``_`` and letters or digits (``x1``,
``W_2``, ``alpha``, ``theta_ab``); ``x1`` is spelled ``x_1`` (one name, one spelling).
Products are written by juxtaposition, so ``A x`` needs the space while ``Ax`` is one name.
``.T`` is a transpose; ``.*``, ``./`` and ``.^`` are entrywise (Hadamard) operations, and
``"fro"`` is a quoted word. The unicode that the text printer writes reads back too: Greek
letters, ``xᵀ``, ``X⁻¹``, ``X²``, ``‖x‖``, ``W₂``, ``·``, ``×``, ``−``, ``∘`` and ``⊘``.
"""

from __future__ import annotations

import re

from derive.errors import ParseError, Span, UnsupportedError
from derive.language.names import GREEK_UNICODE, canonical_name
from derive.language.tokens import Kind, Token

_GREEK_LETTERS = "".join(GREEK_UNICODE.values())
_TOKEN_RE = re.compile(
    rf"""
    (?P<space>\s+)
  | (?P<scientific>[0-9]+(?:\.[0-9]+)?[eE][-+]?[0-9]+)
  | (?P<number>[0-9]+(?:\.[0-9]+)?|\.[0-9]+)
  | (?P<name>(?:[A-Za-z]+|[{_GREEK_LETTERS}])
        (?:[0-9]+|[₀-₉]+|_[A-Za-z0-9]+|_\{{[A-Za-z0-9]+\}})?)
  | (?P<dot_t>\.T(?![A-Za-z0-9_]))
  | (?P<hadamard>\.\*)
  | (?P<hdiv>\./)
  | (?P<hpow>\.\^)
  | (?P<string>"[A-Za-z]+")
  | (?P<ones>𝟏)
  | (?P<dbar>\|\||‖)
  | (?P<sup>⁻?(?:[⁰¹²³⁴⁵⁶⁷⁸⁹]+|ᵀ))
  | (?P<op>[-+*/@^'(){{}}\[\],|·×−∘⊙⊘])
    """,
    re.VERBOSE,
)
# The unicode the text printer writes (xᵀ, X⁻¹, ‖x‖², α, W₂) reads back as well.
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_GREEK_NAMES = {letter: name for name, letter in GREEK_UNICODE.items()}

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
    "[": Kind.LPAREN,
    "]": Kind.RPAREN,
    "{": Kind.LBRACE,
    "}": Kind.RBRACE,
    ",": Kind.COMMA,
    "|": Kind.BAR,
    "·": Kind.STAR,
    "×": Kind.STAR,
    "−": Kind.MINUS,
    "∘": Kind.HADAMARD,
    "⊙": Kind.HADAMARD,
    "⊘": Kind.HDIV,
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
        UnsupportedError: At a Kronecker product sign (``⊗``).
    """
    tokens: list[Token] = []
    pos = 0
    while pos < len(source):
        match = _TOKEN_RE.match(source, pos)
        if match is None:
            span = Span(offset + pos, offset + pos + 1)
            if source[pos] == "⊗":
                raise UnsupportedError("the Kronecker product (⊗, kron) is not supported yet",
                                       span)  # fmt: skip
            raise ParseError(_unexpected(source, pos), span)
        group = match.lastgroup
        text = match.group()
        span = Span(offset + pos, offset + match.end())
        pos = match.end()
        if group == "space":
            continue
        if group == "scientific":
            raise ParseError(
                f"write {text} without an exponent, e.g. 0.001 or 1/1000 (or put a space"
                " before a name such as e1)",
                span,
            )
        if group == "sup":
            tokens.extend(_superscript(text, span.start))
            continue
        tokens.append(Token(_kind(group, text), _clean(group, text), span))
    if end:
        tokens.append(Token(Kind.END, "", Span(offset + len(source), offset + len(source))))
    return tokens


def _superscript(text: str, start: int) -> list[Token]:
    """``⁻¹`` is ``^ - 1`` and ``ᵀ`` is ``'``, each token spanning its own characters."""
    if text == "ᵀ":
        return [Token(Kind.PRIME, text, Span(start, start + 1))]
    tokens = [Token(Kind.CARET, "^", Span(start, start))]
    if text.startswith("⁻"):
        tokens.append(Token(Kind.MINUS, "-", Span(start, start + 1)))
    body = text.lstrip("⁻")
    body_start = start + len(text) - len(body)
    body_span = Span(body_start, start + len(text))
    if body == "ᵀ":
        tokens.append(Token(Kind.TOP, "T", body_span))
    else:
        tokens.append(Token(Kind.NUMBER, body.translate(_SUPERSCRIPTS), body_span))
    return tokens


def _unexpected(source: str, pos: int) -> str:
    """The message for a character that starts no token."""
    char = source[pos]
    if char == "_":
        word = re.search(r"[A-Za-z0-9_]*$", source[:pos])
        if word is not None and ("_" in word.group() or word.group()[-1:].isdigit()):
            return "a name takes one subscript: write x_12 or x_ab, not x_1_2 or x1_2"
        if pos > 0 and source[pos - 1].isalnum():
            return "expected letters or digits after '_' (a subscript such as x_1 or W_ab)"
        return "a subscript '_' must follow a name, as in x_1"
    if char == "." and pos + 1 < len(source) and source[pos + 1].isalpha():
        return "unexpected character '.': write x' or x.T for a transpose"
    return f"unexpected character {char!r}"


def _kind(group: str | None, text: str) -> Kind:
    if group == "number":
        return Kind.NUMBER
    if group == "name":
        return Kind.NAME
    if group == "dot_t":
        return Kind.PRIME
    if group == "hadamard":
        return Kind.HADAMARD
    if group == "hdiv":
        return Kind.HDIV
    if group == "hpow":
        return Kind.HPOW
    if group == "string":
        return Kind.STRING
    if group == "ones":
        return Kind.NAME
    if group == "dbar":
        return Kind.DBAR
    return _SINGLE[text]


def _clean(group: str | None, text: str) -> str:
    """Normalise a name's spelling: ``W2``, ``W_{2}`` and ``W_2`` are the same name."""
    if group == "name":
        stem = _GREEK_NAMES.get(text[0])
        if stem is not None:
            text = stem + text[1:]
        return canonical_name(text.translate(_SUBSCRIPTS))
    if group == "string":
        return text.strip('"')
    if group == "ones":
        return "ones"
    return text
