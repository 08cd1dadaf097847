"""LaTeX input text -> the same tokens the ASCII lexer produces.

pylatexenc 2.x (always with ``tolerant_parsing=False``) checks braces, math delimiters and
environments and splits the text into nodes; this module walks the nodes in two stages:

1. :func:`_pieces` flattens the node tree into *pieces*: one raw piece per character of a chars
   node (pylatexenc does not parse ``_`` and ``^``, so ``x_{k}`` reaches us as ``x_`` followed by
   a group), raw ``{``/``}`` pieces for groups, and finished pieces for macros whose token is
   already known (``\\top`` -> ``TOP``, ``\\alpha`` -> ``NAME alpha``, ``\\mathbf{x}`` -> ``x``).
2. :class:`_Scanner` turns the pieces into tokens: letter runs, numbers, subscripts,
   single-character superscripts and ``\\left``/``\\right`` delimiters.

As in TeX, a run of letters is a product of one-letter symbols (``Ax`` is ``A x``) unless the
whole run is a function name (``tr``, ``det``, ``log``, ...) or it stands inside ``\\mathit``,
``\\mathrm``, ``\\operatorname`` or ``\\text``. Also as in TeX, an unbraced sub- or superscript is
one character (``x^TAx`` is ``x^T A x``), but where TeX would silently read ``X^21`` as ``X^2``
times 1 we raise an error that asks for braces. Every span points into the original source.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Any

from pylatexenc.latexwalker import (  # type: ignore[import-untyped, unused-ignore]
    LatexCharsNode,
    LatexCommentNode,
    LatexEnvironmentNode,
    LatexGroupNode,
    LatexMacroNode,
    LatexMathNode,
    LatexSpecialsNode,
    LatexWalker,
    LatexWalkerError,
    get_default_latex_context_db,
)
from pylatexenc.macrospec import MacroSpec  # type: ignore[import-untyped, unused-ignore]

from derive.errors import ParseError, Span, UnsupportedError
from derive.ir.functions import SPELLINGS
from derive.language.names import GREEK
from derive.language.tokens import Kind, Token

# Braces are not here: they reach the scanner as the pieces of a group.
_SINGLE: dict[str, Kind] = {
    "+": Kind.PLUS, "-": Kind.MINUS, "*": Kind.STAR, "@": Kind.STAR, "/": Kind.SLASH,
    "^": Kind.CARET, "'": Kind.PRIME, "(": Kind.LPAREN, ")": Kind.RPAREN, "[": Kind.LPAREN,
    "]": Kind.RPAREN, ",": Kind.COMMA, "|": Kind.BAR,
}  # fmt: skip
_DELIMITERS: dict[str, Kind] = {"(": Kind.LPAREN, "[": Kind.LPAREN, ")": Kind.RPAREN,
                                "]": Kind.RPAREN, "|": Kind.BAR}  # fmt: skip
_LETTERS = frozenset(string.ascii_letters)
_DIGITS = frozenset(string.digits)
_ALNUM = _LETTERS | _DIGITS
_POINT, _UNDERSCORE, _OPEN, _CLOSE = frozenset("."), frozenset("_"), frozenset("{"), frozenset("}")

_MACRO_KINDS: dict[str, Kind] = {
    "top": Kind.TOP, "intercal": Kind.TOP,
    "cdot": Kind.STAR, "times": Kind.STAR,
    "odot": Kind.HADAMARD, "circ": Kind.HADAMARD, "oslash": Kind.HDIV,
    "|": Kind.DBAR, "Vert": Kind.DBAR, "lVert": Kind.DBAR, "rVert": Kind.DBAR,
    "vert": Kind.BAR, "lvert": Kind.BAR, "rvert": Kind.BAR,
}  # fmt: skip
_IGNORED = frozenset({",", ";", ":", ">", "!", " ", "\n", "quad", "qquad", "displaystyle"})
_SIZING = frozenset(
    {"left", "right"} | {f"{size}{side}" for size in ("big", "Big", "bigg", "Bigg")
                         for side in ("", "l", "r")}
)  # fmt: skip
# Spellings of the functions, each mapped to the name the parser knows it by.
_FUNCTIONS = {
    "tr": "tr", "Tr": "tr", "trace": "tr", "det": "det", "log": "log", "ln": "log",
    "logdet": "logdet", "inv": "inv", "norm": "norm",
}  # fmt: skip
_FUNCTION_MACROS = frozenset({"tr", "Tr", "trace", "det", "log", "ln", "logdet"})
_ELEMENTWISE_MACROS = frozenset(
    {"exp", "sin", "cos", "tan", "sinh", "cosh", "tanh", "sqrt", "max", "min"}
)
# Whole words that are one name: the elementwise functions and the named operations (the
# parser knows which of them it supports and rejects the others, such as vec, by name).
_ELEMENTWISE_WORDS = _ELEMENTWISE_MACROS | frozenset(SPELLINGS) | frozenset({
    "softmax", "logsumexp", "sum", "diag", "ones", "vec", "max", "min",
})  # fmt: skip
_WORDS = _ELEMENTWISE_WORDS | frozenset(_FUNCTIONS)  # a whole letter run that is one name
_FRAC_MACROS = frozenset({"frac", "dfrac", "tfrac"})
_LETTER_MACROS = frozenset({"mathbf", "boldsymbol", "bm", "vec"})  # Ax inside: A times x
_WORD_MACROS = frozenset({"mathit", "mathrm", "mathsf", "operatorname", "text"})  # one name
_TRANSPOSE_WORD_MACROS = frozenset({"mathsf", "mathrm"})  # \mathsf{T} is a transpose


def _context() -> Any:
    """pylatexenc's default macros plus the one-argument macros it does not know."""
    context = get_default_latex_context_db()
    macros = [MacroSpec(name, "{") for name in ("operatorname", "bm", "boldsymbol")]
    macros += [MacroSpec(name, "{{") for name in ("dfrac", "tfrac")]
    # \\ is a line break; its optional arguments make pylatexenc fail at the end of input.
    macros.append(MacroSpec("\\", ""))
    context.add_context_category("derive", macros=macros, prepend=True)
    return context


_CONTEXT = _context()


@dataclass(frozen=True, slots=True)
class _Piece:
    """One character of the input, a sizing macro, or a token already decided by a macro.

    Attributes:
        text: The character, ``\\left``-style macro, or the finished token's text.
        span: Where the piece stands in the source.
        kind: The finished token's kind, or None for a raw piece the scanner still has to lex.
    """

    text: str
    span: Span
    kind: Kind | None = None


def lex_latex(source: str) -> list[Token]:
    """Split LaTeX math input into the tokens of the input language.

    Math delimiters (``$...$``, ``$$...$$``, ``\\(...\\)``, ``\\[...\\]``) are unwrapped; without
    them the whole input is read as math.

    Args:
        source: The user's LaTeX.

    Returns:
        The tokens, ending with one ``END`` token; spans point into ``source``.

    Raises:
        ParseError: The LaTeX is malformed (unbalanced braces, a missing macro argument, an
            unknown command, text outside the math delimiters, ...).
        UnsupportedError: The LaTeX uses an environment or an elementwise function.
    """
    try:
        content, end = _formula(_walk(source), len(source))
        pieces = _pieces(content)
    except RecursionError:
        raise ParseError("the LaTeX is nested too deeply", Span(0, 1)) from None
    tokens = _Scanner(pieces).scan()
    tokens.append(Token(Kind.END, "", Span(end, end)))
    return tokens


def _walk(source: str) -> list[Any]:
    """Run pylatexenc without tolerance and map its errors to ours."""
    walker = LatexWalker(source, latex_context=_CONTEXT, tolerant_parsing=False)
    try:
        nodes, start, length = walker.get_latex_nodes()
    except LatexWalkerError as error:
        raise _walker_error(error, source) from None
    # pylatexenc silently drops a backslash at the very end of the input.
    tail = source[start + length :]
    if tail.strip():
        pos = len(source) - len(tail.lstrip())
        raise ParseError("a backslash must start a LaTeX command", _char_span(source, pos))
    return list(nodes)


_NEWLINE_RE = re.compile(r"[\r\n]")
_MACRO_ARGUMENTS_RE = re.compile(r'^End of input while parsing arguments of macro "(.*)"$')


def _walker_error(error: Any, source: str) -> ParseError:
    """Our ParseError for a pylatexenc error, pointing at the construct that is left open."""
    message = str(getattr(error, "msg", "") or error)
    pos = getattr(error, "pos", None) or 0
    contexts = getattr(error, "open_contexts", None) or []
    if "closing brace" in message:
        return ParseError("unbalanced braces: '}' has no matching '{'", _char_span(source, pos))
    if "was expecting '}'" in message:
        brace = _unclosed_brace(source, pos)
        return ParseError("unbalanced braces: '{' is never closed", _char_span(source, brace))
    match = _MACRO_ARGUMENTS_RE.match(message)
    if match:
        return ParseError(f"missing argument of \\{match.group(1)}", _char_span(source, pos))
    if message.startswith("Unexpected end of stream") and contexts:
        what, opened = contexts[0][0], contexts[0][1]
        return ParseError(f"{what} is never closed", _char_span(source, opened))
    message = message[:1].lower() + message[1:]
    return ParseError(f"malformed LaTeX: {message}", _char_span(source, pos))


def _char_span(source: str, pos: int) -> Span:
    """The span of the character at ``pos``; empty at the end of the source."""
    pos = max(0, min(pos, len(source)))
    return Span(pos, min(pos + 1, len(source)))


def _unclosed_brace(source: str, end: int) -> int:
    """The offset of the innermost ``{`` still open at ``end`` (``end`` itself if none is)."""
    open_braces: list[int] = []
    pos = 0
    while pos < min(end, len(source)):
        char = source[pos]
        if char == "\\":
            pos += 1  # an escaped character (\{, \}, \%) is not a brace
        elif char == "%":  # like pylatexenc, end a comment at \n or \r
            newline = _NEWLINE_RE.search(source, pos)
            pos = len(source) if newline is None else newline.start()
        elif char == "{":
            open_braces.append(pos)
        elif char == "}" and open_braces:
            open_braces.pop()
        pos += 1
    return open_braces[-1] if open_braces else end


def _formula(nodes: list[Any], length: int) -> tuple[list[Any], int]:
    """The math content of the input and the offset where it ends.

    Without math delimiters everything is content; with them, the input must be one formula
    with nothing but spaces and comments around it.
    """
    maths = [node for node in nodes if node.isNodeType(LatexMathNode)]
    if not maths:
        return nodes, length
    formula = maths[0]
    for node in nodes:
        if node is not formula and not _is_blank(node):
            span = Span(node.pos, node.pos + node.len)
            raise ParseError("text outside the math delimiters", span)
    closing = len(formula.delimiters[1])
    return list(formula.nodelist), formula.pos + formula.len - closing


def _is_blank(node: Any) -> bool:
    if node.isNodeType(LatexCommentNode):
        return True
    return bool(node.isNodeType(LatexCharsNode) and not node.chars.strip())


# -- stage 1: nodes -> pieces ----------------------------------------------------------------


def _pieces(nodes: list[Any]) -> list[_Piece]:
    """Flatten a pylatexenc node list into pieces."""
    pieces: list[_Piece] = []
    for node in nodes:
        pieces.extend(_node_pieces(node))
    return pieces


def _node_pieces(node: Any) -> list[_Piece]:
    """The pieces of one node; raises for environments and nested math."""
    span = Span(node.pos, node.pos + node.len)
    if node.isNodeType(LatexCharsNode) or node.isNodeType(LatexSpecialsNode):
        text = node.chars if node.isNodeType(LatexCharsNode) else node.specials_chars
        # ~ is a non-breaking space; other specials (--, '') are their characters again.
        return [
            _Piece(char, Span(node.pos + i, node.pos + i + 1))
            for i, char in enumerate(text)
            if not char.isspace() and char != "~"
        ]
    if node.isNodeType(LatexGroupNode):
        return _braced(node, _argument_pieces(node))
    if node.isNodeType(LatexCommentNode):
        return []
    if node.isNodeType(LatexMacroNode):
        return _macro_pieces(node)
    if node.isNodeType(LatexEnvironmentNode):
        begin = Span(node.pos, node.pos + len(f"\\begin{{{node.environmentname}}}"))
        raise UnsupportedError(
            f"the LaTeX environment {node.environmentname} is not supported", begin
        )
    if node.isNodeType(LatexMathNode):
        raise ParseError("math delimiters inside a formula", span)
    raise ParseError("unexpected LaTeX construct", span)


def _macro_pieces(node: Any) -> list[_Piece]:
    """The pieces of a macro: a finished token, nothing (spacing), or its arguments."""
    name = node.macroname
    if len(name) > 1 and name.startswith("\\"):
        name = name[1:]  # pylatexenc names \[ "\\[" when it is a macro argument (\mathsf\[)
    span = Span(node.pos, min(node.pos + 1 + len(name), node.pos + node.len))
    if name in _MACRO_KINDS:
        return [_Piece(f"\\{name}", span, _MACRO_KINDS[name])]
    if name in _IGNORED:
        return []
    if name in _SIZING:
        return [_Piece(f"\\{name}", span)]
    if name in GREEK:
        return [_Piece(name, span, Kind.NAME)]
    if name in _FUNCTION_MACROS:
        return [_Piece(_FUNCTIONS[name], span, Kind.NAME)]
    if name == "sqrt":
        return [_Piece(name, span, Kind.NAME), *_braced_argument(node, span)]
    if name in _ELEMENTWISE_MACROS:
        return [_Piece(name, span, Kind.NAME)]
    if name in _FRAC_MACROS:
        return _frac_pieces(node, span)
    if name in _LETTER_MACROS or name in _WORD_MACROS:
        return _styled_pieces(node)
    if name == "otimes":
        raise UnsupportedError("the Kronecker product (\\otimes, kron) is not supported yet", span)
    raise ParseError(f"unknown LaTeX command \\{name}", span)


def _arguments(node: Any, count: int, span: Span) -> list[Any]:
    """The macro's ``count`` mandatory arguments as pylatexenc parsed them."""
    arguments = [arg for arg in (node.nodeargd.argnlist if node.nodeargd else []) if arg]
    if len(arguments) != count:
        raise ParseError(f"missing argument of \\{node.macroname}", span)
    return arguments


def _braced_argument(node: Any, span: Span) -> list[_Piece]:
    """The one mandatory argument of ``\\sqrt`` as a brace group; ``\\sqrt[3]`` is refused."""
    arguments = node.nodeargd.argnlist if node.nodeargd else []
    if len(arguments) == 2 and arguments[0] is not None:
        where = Span(arguments[0].pos, arguments[0].pos + arguments[0].len)
        raise UnsupportedError("roots other than the square root are not supported yet", where)
    (argument,) = _arguments(node, 1, span)
    return _braced(argument, _argument_pieces(argument))


def _frac_pieces(node: Any, span: Span) -> list[_Piece]:
    """``\\frac`` and its two arguments, each as a brace group (``\\frac12`` gets empty braces)."""
    pieces = [_Piece(f"\\{node.macroname}", span, Kind.FRAC)]
    for argument in _arguments(node, 2, span):
        # TeX takes \frac12 as 1/2, but \frac{1}+x as 1/+ followed by x: demand braces there.
        if argument.isNodeType(LatexCharsNode) and argument.chars not in _ALNUM:
            where = Span(argument.pos, argument.pos + argument.len)
            raise ParseError(f"expected '{{' to start an argument of \\{node.macroname}", where)
        pieces.extend(_braced(argument, _argument_pieces(argument)))
    return pieces


def _argument_pieces(argument: Any) -> list[_Piece]:
    """The pieces of a macro argument, without the braces of a ``{...}`` argument."""
    if argument.isNodeType(LatexGroupNode):
        return _pieces(list(argument.nodelist))
    return _node_pieces(argument)


def _styled_pieces(node: Any) -> list[_Piece]:
    """``\\mathbf{x}``, ``\\operatorname{tr}``, ``\\mathsf{T}``: one name, a transpose or a group.

    The argument is lexed on its own; a single name becomes one finished ``NAME`` piece that a
    following ``_`` can still subscript (``\\mathbf{x}_2``), anything else stays a brace group.
    """
    name = node.macroname
    span = Span(node.pos, node.pos + node.len)
    (argument,) = _arguments(node, 1, Span(node.pos, node.pos + 1 + len(name)))
    tokens = _Scanner(_argument_pieces(argument), words=name in _WORD_MACROS).scan()
    if [t.text for t in tokens] == ["1"] and name in _LETTER_MACROS:
        return [_Piece("ones", span, Kind.NAME)]  # \mathbf{1}, the vector of ones
    if len(tokens) == 1 and tokens[0].kind is Kind.NAME:
        return [_styled_name(name, tokens[0].text, span)]
    if name == "operatorname" or not tokens:
        raise ParseError(f"\\{name} must contain a name", span)
    pieces = [_Piece(token.text, token.span, token.kind) for token in tokens]
    return _braced(argument, pieces)


def _braced(argument: Any, pieces: list[_Piece]) -> list[_Piece]:
    """``pieces`` between the argument's braces, or empty-span braces for ``\\frac12``."""
    start, end = argument.pos, argument.pos + argument.len
    if argument.isNodeType(LatexGroupNode):
        return [_Piece("{", Span(start, start + 1)), *pieces, _Piece("}", Span(end - 1, end))]
    return [_Piece("{", Span(start, start)), *pieces, _Piece("}", Span(end, end))]


def _styled_name(macro: str, word: str, span: Span) -> _Piece:
    """The finished piece for a name written inside a font or operator macro."""
    if word == "T" and macro in _TRANSPOSE_WORD_MACROS:
        return _Piece(f"\\{macro}{{T}}", span, Kind.TOP)
    if macro == "operatorname" and word not in _FUNCTIONS and word not in _ELEMENTWISE_WORDS:
        raise UnsupportedError(f"unknown operator \\operatorname{{{word}}}", span)
    return _Piece(_FUNCTIONS.get(word, word), span, Kind.NAME)


# -- stage 2: pieces -> tokens ---------------------------------------------------------------


class _Scanner:
    """Lexes pieces into tokens: letter runs, numbers, subscripts, superscripts, delimiters.

    Args:
        pieces: The pieces to lex.
        words: Whether a letter run is one name (inside ``\\mathit`` and friends) rather than a
            product of one-letter names.
    """

    def __init__(self, pieces: list[_Piece], *, words: bool = False) -> None:
        self.pieces = pieces
        self.pos = 0
        self.words = words
        self.tokens: list[Token] = []
        self.lefts: list[Span] = []  # the \left delimiters still waiting for their \right

    def scan(self) -> list[Token]:
        """Lex every piece.

        Returns:
            The tokens, without an ``END`` token.

        Raises:
            ParseError: At a piece that starts no token, or at an unmatched ``\\left``.
        """
        while self.pos < len(self.pieces):
            self.step()
        if self.lefts:
            raise ParseError("\\left has no matching \\right", self.lefts[-1])
        return self.tokens

    def peek(self) -> _Piece | None:
        return self.pieces[self.pos] if self.pos < len(self.pieces) else None

    def raw(self, chars: frozenset[str]) -> _Piece | None:
        """The next piece if it is a raw character from ``chars``."""
        piece = self.peek()
        if piece is None or piece.kind is not None or piece.text not in chars:
            return None
        return piece

    def adjacent(self, chars: frozenset[str], after: Span) -> _Piece | None:
        """The next piece if it is a raw character from ``chars`` right after ``after``."""
        piece = self.raw(chars)
        return piece if piece is not None and piece.span.start == after.end else None

    def emit(self, kind: Kind, text: str, span: Span) -> None:
        self.tokens.append(Token(kind, text, span))

    def step(self) -> None:
        piece = self.pieces[self.pos]
        if piece.kind is not None:
            self.pos += 1
            self.emit(piece.kind, piece.text, piece.span)
            if piece.kind is Kind.NAME:
                self.subscript()
        elif piece.text.startswith("\\"):
            self.delimiter(piece)
        elif piece.text in _LETTERS:
            self.letters()
        elif piece.text in _DIGITS or piece.text == ".":
            self.number()
        elif piece.text in ("{", "}"):
            self.pos += 1
            self.emit(Kind.LBRACE if piece.text == "{" else Kind.RBRACE, piece.text, piece.span)
        elif piece.text == "_":
            raise ParseError("a subscript must follow a name (write x_1^2, not x^2_1)", piece.span)
        elif piece.text in _SINGLE:
            self.pos += 1
            self.emit(_SINGLE[piece.text], piece.text, piece.span)
            if piece.text == "^":
                self.superscript()
        else:
            raise ParseError(f"unexpected character {piece.text!r}", piece.span)

    def run(self, chars: frozenset[str]) -> list[_Piece]:
        """Consume the raw characters from ``chars`` that follow each other without a gap."""
        run = [self.pieces[self.pos]]
        self.pos += 1
        while (piece := self.adjacent(chars, run[-1].span)) is not None:
            run.append(piece)
            self.pos += 1
        return run

    def letters(self) -> None:
        """A letter run (and the digits right after it): one name or one name per letter."""
        letters = self.run(_LETTERS)
        digits = self.run(_DIGITS) if self.adjacent(_DIGITS, letters[-1].span) else []
        word = "".join(piece.text for piece in letters)
        if self.words or (word in _WORDS and not digits):
            word = _FUNCTIONS.get(word, word)
            letters = [_Piece(word, letters[0].span.cover(letters[-1].span))]
        for piece in letters[:-1]:
            self.emit(Kind.NAME, piece.text, piece.span)
        last = letters[-1]
        text = last.text + "".join(piece.text for piece in digits)
        self.emit(Kind.NAME, text, last.span.cover(digits[-1].span) if digits else last.span)
        self.subscript()

    def number(self) -> None:
        """Digits with an optional fraction: ``2``, ``0.5``, ``.5``."""
        pieces = self.run(_DIGITS) if self.pieces[self.pos].text != "." else []
        point = self.adjacent(_POINT, pieces[-1].span) if pieces else self.pieces[self.pos]
        if point is not None:
            self.pos += 1
            if self.adjacent(_DIGITS, point.span) is None:
                raise ParseError("unexpected character '.'", point.span)
            pieces += [point, *self.run(_DIGITS)]
        text = "".join(piece.text for piece in pieces)
        self.emit(Kind.NUMBER, text, pieces[0].span.cover(pieces[-1].span))

    def subscript(self) -> None:
        """Attach ``_k``, ``_2`` or ``_{k2}`` to the name just emitted: one ``NAME`` ``x_k``."""
        under = self.raw(_UNDERSCORE)
        if under is None:
            return
        self.pos += 1
        name = self.tokens[-1]
        if name.text in _FUNCTIONS or "_" in name.text:
            raise ParseError(f"{name.text!r} cannot take a subscript", under.span)
        text, end = self.subscript_text(under)
        self.tokens[-1] = Token(Kind.NAME, f"{name.text}_{text}", name.span.cover(end))

    def subscript_text(self, under: _Piece) -> tuple[str, Span]:
        """The subscript after ``_`` and the span of its last character."""
        piece = self.script("a subscript")
        if piece is not None:
            return piece.text, piece.span
        if self.raw(_OPEN) is None:
            found = self.peek()
            raise ParseError("expected letters or digits after '_'", (found or under).span)
        self.pos += 1
        chars: list[_Piece] = []
        while (piece := self.raw(_ALNUM)) is not None:
            chars.append(piece)
            self.pos += 1
        close = self.raw(_CLOSE)
        if close is None:  # never at the end: pylatexenc has checked that the group closes
            found = self.peek()
            raise UnsupportedError("a subscript must be letters or digits", (found or under).span)
        if not chars:
            raise ParseError("expected letters or digits after '_'", close.span)
        self.pos += 1
        return "".join(char.text for char in chars), close.span

    def superscript(self) -> None:
        """After ``^``: an unbraced letter or digit is the whole exponent (``x^TAx``)."""
        piece = self.script("an exponent")
        if piece is not None:
            self.emit(Kind.NUMBER if piece.text in _DIGITS else Kind.NAME, piece.text, piece.span)

    def script(self, what: str) -> _Piece | None:
        """The unbraced one-character sub- or superscript, if one comes next.

        As in TeX only one character is taken, so ``x^TAx`` is ``x^T A x``. TeX would read
        ``X^21`` as ``X^2`` times 1, which is never what was meant: that is an error.
        """
        piece = self.raw(_ALNUM)
        if piece is None:
            return None
        self.pos += 1
        if piece.text in _DIGITS and self.adjacent(_DIGITS, piece.span):
            digits = [piece, *self.run(_DIGITS)]
            text = "".join(digit.text for digit in digits)
            span = piece.span.cover(digits[-1].span)
            raise ParseError(f"{what} of several digits needs braces: {{{text}}}", span)
        return piece

    def delimiter(self, sizing: _Piece) -> None:
        """``\\left(``, ``\\right\\|``, ``\\bigl[``: the delimiter's token, spanning both."""
        self.pos += 1
        piece = self.peek()
        kind: Kind | None = None
        if piece is not None and piece.kind in (Kind.BAR, Kind.DBAR):
            kind = piece.kind
        elif piece is not None and piece.kind is None:
            kind = _DELIMITERS.get(piece.text)
        if piece is None or kind is None:
            found = (piece or sizing).span
            raise ParseError(f"expected a delimiter such as ( or | after {sizing.text}", found)
        self.pos += 1
        if sizing.text == "\\left":
            self.lefts.append(sizing.span)
        elif sizing.text == "\\right":
            if not self.lefts:
                raise ParseError("\\right has no matching \\left", sizing.span)
            self.lefts.pop()
        self.emit(kind, sizing.text + piece.text, sizing.span.cover(piece.span))
