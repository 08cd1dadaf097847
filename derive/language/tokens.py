"""Tokens: what both front ends (ASCII and LaTeX) produce and the one parser consumes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from derive.errors import Span


class Kind(Enum):
    """Token kinds of the input language.

    The two lexers map every spelling of a construct to one kind: ``x'``, ``x.T``, ``x^T`` and
    ``x^\\top`` all become a ``TRANSPOSE`` token (``^T`` as ``CARET`` followed by ``TOP``).
    """

    NAME = "name"  # a symbol or function name: x, A, W_2, alpha, tr, det
    NUMBER = "number"  # 2, 0.5
    PLUS = "+"
    MINUS = "-"
    STAR = "*"  # also @ and \cdot
    SLASH = "/"
    CARET = "^"
    PRIME = "'"  # transpose written x' or x.T
    TOP = "T"  # the T / \top / \intercal / \mathsf{T} after a caret
    LPAREN = "("
    RPAREN = ")"
    LBRACE = "{"
    RBRACE = "}"
    COMMA = ","
    BAR = "|"
    DBAR = "||"  # also \| \lVert \rVert
    FRAC = "frac"  # \frac (LaTeX only); followed by two brace groups
    HADAMARD = ".*"  # elementwise product; also ∘, ⊙, \odot, \circ
    HDIV = "./"  # elementwise division; also ⊘, \oslash
    HPOW = ".^"  # elementwise power
    STRING = "string"  # a quoted word: the "fro" of norm(X, "fro")
    END = "end of input"


@dataclass(frozen=True, slots=True)
class Token:
    """One token with its spelling and its place in the user's source."""

    kind: Kind
    text: str
    span: Span
