"""One error hierarchy for everything a user can cause.

Every error a user can trigger derives from :class:`DeriveError`. Errors that point into the
user's text (:class:`ParseError`, :class:`ShapeError`, :class:`UnsupportedError`) carry a
:class:`Span` and the source, and their ``str()`` shows the message, ``line:col``, the source
line and a caret under the problem, as lark and pylatexenc do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# C0 and C1 control characters but tab: ESC and CSI (\x9b) start terminal escape sequences, so an
# excerpt shows each as one U+FFFD (the caret below keeps its column).
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open range ``[start, end)`` of character offsets into a source string."""

    start: int
    end: int

    def cover(self, other: Span) -> Span:
        """Return the smallest span that covers both spans."""
        return Span(min(self.start, other.start), max(self.end, other.end))


def line_col(source: str, offset: int) -> tuple[int, int]:
    """Return the 1-based line and column of ``offset`` in ``source``."""
    offset = max(0, min(offset, len(source)))
    line = source.count("\n", 0, offset) + 1
    col = offset - (source.rfind("\n", 0, offset) + 1) + 1
    return line, col


def caret_excerpt(source: str, span: Span) -> str:
    """Return the source line that holds ``span`` with carets under the span."""
    start = max(0, min(span.start, len(source)))
    line_start = source.rfind("\n", 0, start) + 1
    line_end = source.find("\n", start)
    if line_end < 0:
        line_end = len(source)
    text = _CONTROL.sub("\ufffd", source[line_start:line_end])
    width = max(1, min(span.end, line_end) - start)
    return f"  {text}\n  {' ' * (start - line_start)}{'^' * width}"


class InternalError(RuntimeError):
    """A bug in derive itself, never the user's input: a node type missing from an operation."""


class DeriveError(Exception):
    """Base of every error a user of derive can cause."""

    exit_code = 2


class LocatedError(DeriveError):
    """An error that points at a span of the user's source text."""

    def __init__(self, message: str, span: Span | None = None, source: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.source = source

    @property
    def column(self) -> int | None:
        """The 1-based column of the error's start, or None without a position."""
        if self.span is None:
            return None
        return line_col(self.source, self.span.start)[1]

    def with_source(self, source: str) -> LocatedError:
        """Return the same error attached to ``source`` (used when a sub-parse is re-raised)."""
        return type(self)(self.message, self.span, source)

    def __str__(self) -> str:
        if self.span is None or not self.source:
            return self.message
        line, col = line_col(self.source, self.span.start)
        return f"{self.message} (at {line}:{col})\n{caret_excerpt(self.source, self.span)}"


class ParseError(LocatedError):
    """The input text is not a well-formed expression."""


class ShapeError(LocatedError):
    """An operation's operands have shapes that do not fit together."""


class UnsupportedError(LocatedError):
    """A construct that derive recognises but cannot handle yet."""


class DeclarationError(LocatedError):
    """A symbol declaration such as ``A: m x n, symmetric`` is malformed or contradictory."""


class LimitError(LocatedError):
    """The expression is too large to handle within the limits; points at the excess if it can."""


class DomainError(LocatedError):
    """The expression is undefined everywhere: a denominator or an inverted matrix that is
    zero (singular) for every value of the symbols."""


class VerificationError(DeriveError):
    """A derivation failed its checks and must not be shown as proven."""

    exit_code = 1

    def __init__(self, message: str, failures: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.failures = failures

    def __str__(self) -> str:
        lines = [self.args[0], *(f"  - {failure}" for failure in self.failures)]
        return "\n".join(lines)


class HandoutError(DeriveError):
    """A handout file is malformed; the message names the file, the line and the key."""


class BuildError(DeriveError):
    """A document build failed; carries the relevant tail of the TeX log."""

    exit_code = 1

    def __init__(self, message: str, log_excerpt: str = "") -> None:
        super().__init__(message)
        self.log_excerpt = log_excerpt

    def __str__(self) -> str:
        if not self.log_excerpt:
            return str(self.args[0])
        return f"{self.args[0]}\n{self.log_excerpt}"
