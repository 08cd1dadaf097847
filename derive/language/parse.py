"""One recursive-descent parser over tokens from either front end.

Grammar (EBNF); juxtaposition is multiplication::

    expr      = term { ("+" | "-") term } ;
    term      = unary { ("*" | "/" | ".*" | "./" | <juxtaposition>) unary } ;
    unary     = "-" unary | "+" unary | postfix ;
    postfix   = atom { "'" | "^" exponent | ".^" exponent } ;
    exponent  = "T" | ["-"] number | "-" "T" | "{" exponent "}" | "(" exponent ")" ;
    number    = NUMBER [ "/" NUMBER ] ;  (a fraction only inside brackets: x^(1/2))
    atom      = NUMBER | NAME | function | "(" expr ")" | "[" expr "]" | "{" expr "}"
              | "|" expr "|" | "||" expr "||" | "\\frac" "{" expr "}" "{" expr "}" ;
    function  = FUNC ( "(" expr ")" | postfix ) | "norm" "(" expr "," (NUMBER | STRING) ")" ;
    FUNC      = "tr" | "det" | "log" | "logdet" | "inv" | "norm" | "sum" | "diag"
              | "logsumexp" | "softmax" | an elementwise function (derive.ir.functions) ;

The lexers have already mapped every spelling to these tokens (``x.T``, ``x^\\top`` and ``xᵀ`` are
all a transpose; ``\\left(`` is ``(``; ``∘`` and ``\\odot`` are ``.*``). A bar closes the innermost
open norm unless LaTeX says it opens one (``\\left\\|``, ``\\lVert``). ``ones`` is the vector of
ones, and so is a transposed literal ``1`` (``1' x``); their sizes are inferred.

Constructs derive does not differentiate yet (``vec``, ``max``, Kronecker products) are
recognised and rejected with an :class:`UnsupportedError` that names them. Input beyond the
limits below (length, nesting, exponent, number size) is a :class:`LimitError` that points at the
excess, never a hang or a crash.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from derive.errors import LimitError, LocatedError, ParseError, Span, UnsupportedError
from derive.ir.functions import SPELLINGS
from derive.language.lex_ascii import lex_ascii
from derive.language.names import GREEK, canonical_name, split_name
from derive.language.syntax import Syntax
from derive.language.tokens import Kind, Token

_FUNCTIONS = {
    "tr": "tr",
    "trace": "tr",
    "Tr": "tr",
    "det": "det",
    "log": "log",
    "ln": "log",
    "logdet": "logdet",
    "inv": "inv",
    "norm": "norm",
    "sum": "sum",
    "diag": "diag",
    "logsumexp": "logsumexp",
    "softmax": "softmax",
    **{spelling: "apply" for spelling in SPELLINGS if spelling not in ("log", "ln")},
}
_UNSUPPORTED = {"vec", "sinh", "cosh", "max", "min", "kron"}
_NORMS = {"2": "norm2", "1": "norm1", "fro": "norm", "F": "norm"}
_FUNCTION_LIST = "tr, det, log, logdet, inv, norm, sum, diag, logsumexp, softmax, " + ", ".join(
    sorted(set(SPELLINGS.values()) - {"log"})
)
_PRODUCTS = {Kind.STAR: "mul", Kind.SLASH: "div", Kind.HADAMARD: "hadamard", Kind.HDIV: "hdiv"}
_ATOM_START = {Kind.NAME, Kind.NUMBER, Kind.LPAREN, Kind.LBRACE, Kind.BAR, Kind.DBAR, Kind.FRAC}
_CLOSING = {Kind.LBRACE: Kind.RBRACE, Kind.LPAREN: Kind.RPAREN}
_MATCHING = {"(": ")", "[": "]"}  # both are LPAREN/RPAREN tokens, but ( must close with )
# LaTeX says which bars open and which close a norm; | and || are decided by position.
_OPENERS = ("\\left", "\\lVert", "\\lvert", "\\bigl", "\\Bigl", "\\biggl", "\\Biggl")
_CLOSERS = ("\\right", "\\rVert", "\\rvert", "\\bigr", "\\Bigr", "\\biggr", "\\Biggr")
# Limits: far beyond any expression a person writes, low enough that nothing downstream (the
# recursive shape inference, printers and engine; Python's stack of 1000 frames) can overflow.
MAX_LENGTH = 10_000  # characters of input
MAX_TOKENS = 2_000
MAX_NESTING = 50  # brackets, function arguments and signs inside each other
MAX_DEPTH = 100  # levels of the syntax tree (see Syntax.depth)
MAX_EXPONENT = 100
MAX_DIGITS = 30  # of a number literal
# of a symbol name: TeX sets a name on one line, and a few thousand characters pass its
# largest dimension ("Dimension too large"); 64 is far below that and above any real name
MAX_NAME = 64


def parse_syntax(source: str) -> Syntax:
    """Parse ASCII or LaTeX input into an untyped syntax tree.

    Input with a backslash or a dollar sign is read as LaTeX (through pylatexenc), anything else
    as the ASCII language.

    Args:
        source: The user's expression.

    Returns:
        The syntax tree.

    Raises:
        ParseError: The text is not a well-formed expression; the error shows the column.
        UnsupportedError: The text uses a construct derive does not handle yet.
        LimitError: The text is too long, nests too deeply, or has a number or exponent too
            large.
    """
    try:
        if len(source) > MAX_LENGTH:
            raise LimitError(
                f"the expression is too long: {len(source):,} characters (at most {MAX_LENGTH:,})",
                Span(MAX_LENGTH, len(source)),
            )
        tokens = tokenize(source)
        if len(tokens) > MAX_TOKENS + 1:
            raise LimitError(
                f"the expression is too long: {len(tokens) - 1:,} symbols, numbers and operators"
                f" (at most {MAX_TOKENS:,})",
                tokens[MAX_TOKENS].span,
            )
        _check_names(tokens)
        return _Parser(tokens).parse()
    except LocatedError as error:
        if error.source:
            raise
        raise error.with_source(source) from None


def _check_names(tokens: list[Token]) -> None:
    for token in tokens:
        if token.kind is Kind.NAME and len(token.text) > MAX_NAME:
            raise LimitError(
                f"the name is too long: {len(token.text):,} characters (at most {MAX_NAME})",
                token.span,
            )


def tokenize(source: str) -> list[Token]:
    """Tokens of ``source``, through the LaTeX front end when the text looks like LaTeX."""
    if "\\" in source or "$" in source:
        from derive.language.lex_latex import lex_latex

        return lex_latex(source)
    return lex_ascii(source)


class _Parser:
    """Recursive descent, one method per precedence level, one ``fail``."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0
        self.open_bars: list[Kind] = []

    # -- helpers -------------------------------------------------------------------------
    @property
    def current(self) -> Token:
        return self.tokens[self.pos]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        if token.kind is not Kind.END:
            self.pos += 1
        return token

    def accept(self, kind: Kind) -> Token | None:
        if self.current.kind is kind:
            return self.advance()
        return None

    def expect(self, kind: Kind, what: str) -> Token:
        if self.current.kind is not kind:
            self.fail(f"expected {what}")
        return self.advance()

    def fail(self, message: str, span: Span | None = None) -> None:
        token = self.current
        found = "end of input" if token.kind is Kind.END else repr(token.text)
        raise ParseError(f"{message}, found {found}", span or token.span)

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise LimitError(
                f"the expression nests too deeply (more than {MAX_NESTING} levels)",
                self.current.span,
            )

    def node(
        self, op: str, args: tuple[Syntax, ...], span: Span, value: Fraction | None = None
    ) -> Syntax:
        """A new syntax node; too deep a tree is an error (inference and printing recurse)."""
        if op in ("add", "sub", "mul", "div"):
            depth = max(args[0].depth, args[1].depth + 1)  # left operands cost no recursion
        else:
            depth = 1 + max((arg.depth for arg in args), default=0)
        if depth > MAX_DEPTH:
            raise LimitError(
                f"the expression nests too deeply (more than {MAX_DEPTH} operations inside each"
                " other)",
                span,
            )
        return Syntax(op, args, span, value=value, depth=depth)

    # -- grammar -------------------------------------------------------------------------
    def parse(self) -> Syntax:
        if self.current.kind is Kind.END:
            self.fail("expected an expression")
        node = self.expr()
        if self.current.kind is not Kind.END:
            self.fail("expected an operator or the end of the expression")
        return node

    def expr(self) -> Syntax:
        self.enter()
        node = self.term()
        while self.current.kind in (Kind.PLUS, Kind.MINUS):
            op = "add" if self.advance().kind is Kind.PLUS else "sub"
            right = self.term()
            node = self.node(op, (node, right), node.span.cover(right.span))
        self.depth -= 1
        return node

    def term(self) -> Syntax:
        node = self.unary()
        while True:
            kind = self.current.kind
            if kind in _PRODUCTS:
                op = _PRODUCTS[self.advance().kind]
            elif kind in _ATOM_START and not self._closes_bar(self.current):
                op = "mul"
            else:
                return node
            right = self.unary()
            node = self.node(op, (node, right), node.span.cover(right.span))

    def _closes_bar(self, token: Token) -> bool:
        """Whether a bar closes the innermost open norm; ``\\left\\lVert`` never does."""
        if token.text.startswith(_OPENERS):
            return False
        return bool(self.open_bars) and self.open_bars[-1] is token.kind

    def unary(self) -> Syntax:
        token = self.current
        if token.kind in (Kind.MINUS, Kind.PLUS):
            self.advance()
            self.enter()
            operand = self.unary()
            self.depth -= 1
            if token.kind is Kind.PLUS:
                return operand
            return self.node("neg", (operand,), token.span.cover(operand.span))
        return self.postfix()

    def postfix(self) -> Syntax:
        node = self.atom()
        while True:
            token = self.current
            if token.kind is Kind.PRIME:
                self.advance()
                node = self.transposed(node, node.span.cover(token.span))
            elif token.kind in (Kind.CARET, Kind.HPOW):
                self.advance()
                node = self.exponent(node, elementwise=token.kind is Kind.HPOW)
            else:
                return node

    def transposed(self, node: Syntax, span: Span) -> Syntax:
        """``x'``; a transposed literal 1 is the row of ones (``1' x`` sums x)."""
        if node.op == "num" and node.value == 1:
            node = Syntax("ones", (), node.span)
        return self.node("transpose", (node,), span)

    def exponent(self, base: Syntax, *, elementwise: bool = False) -> Syntax:
        opener = self.current
        braced = opener.kind in _CLOSING and self.advance() is opener
        if braced and self.accept(Kind.HADAMARD) is not None:
            elementwise = True  # x^{\\circ 2}, the Hadamard power as LaTeX writes it
        negative = self.accept(Kind.MINUS) is not None
        token = self.current
        if not elementwise and (token.kind is Kind.TOP or (token.kind is Kind.NAME and
                                                            token.text == "T")):
            self.advance()
            span = base.span.cover(token.span)
            node = self.node("inverse_transpose", (base,), span) if negative else \
                self.transposed(base, span)
        elif token.kind in (Kind.NUMBER, Kind.FRAC):
            value = self.exponent_value(braced) * (-1 if negative else 1)
            if value == 0:
                raise ParseError("the exponent 0 is not allowed", token.span)
            if abs(value) > MAX_EXPONENT:
                raise LimitError(
                    f"the exponent {token.text} is too large (at most {MAX_EXPONENT})", token.span
                )
            op = "hpower" if elementwise else "power"
            node = self.node(op, (base,), base.span.cover(self.tokens[self.pos - 1].span),
                             value=value)  # fmt: skip
        elif token.kind is Kind.NAME and not elementwise:
            raise UnsupportedError(
                f"exponent {token.text!r} is not supported: write T for a transpose or a number"
                " such as 2, -1 or (1/2)",
                token.span,
            )
        else:
            self.fail("expected a number or T after '^'" if not elementwise else
                      "expected a number after '.^'")  # fmt: skip
            raise AssertionError  # unreachable: fail raises
        if braced:
            closing = _CLOSING[opener.kind]
            close = self.expect(closing, f"{closing.value!r} to close the exponent")
            node = replace(node, span=node.span.cover(close.span))
        return node

    def exponent_value(self, braced: bool) -> Fraction:
        """A number exponent: ``2``, ``0.5``; inside brackets also ``1/2`` and ``\\frac{1}{2}``."""
        token = self.advance()
        if token.kind is Kind.FRAC:
            top, bottom = self.braced_number(), self.braced_number()
            if bottom == 0:
                raise ParseError("division by zero", token.span)
            return top / bottom
        value = self.number_value(token)
        if braced and self.accept(Kind.SLASH) is not None:
            denominator = self.expect(Kind.NUMBER, "a number after '/'")
            if self.number_value(denominator) == 0:
                raise ParseError("division by zero", denominator.span)
            value /= self.number_value(denominator)
        return value

    def braced_number(self) -> Fraction:
        self.expect(Kind.LBRACE, "'{'")
        value = self.number_value(self.expect(Kind.NUMBER, "a number"))
        self.expect(Kind.RBRACE, "'}'")
        return value

    def number_value(self, token: Token) -> Fraction:
        if len(token.text) > MAX_DIGITS:
            raise LimitError(
                f"the number is too long: {len(token.text)} digits (at most {MAX_DIGITS})",
                token.span,
            )
        return Fraction(token.text)

    def atom(self) -> Syntax:
        token = self.current
        kind = token.kind
        if kind is Kind.NUMBER:
            self.advance()
            if len(token.text) > MAX_DIGITS:
                raise LimitError(
                    f"the number is too long: {len(token.text)} digits (at most {MAX_DIGITS})",
                    token.span,
                )
            return Syntax("num", (), token.span, value=Fraction(token.text))
        if kind is Kind.NAME:
            return self.name()
        if kind in (Kind.LPAREN, Kind.LBRACE):
            return self.group()
        if kind in (Kind.BAR, Kind.DBAR):
            return self.norm_bars()
        if kind is Kind.FRAC:
            return self.frac()
        self.fail("expected a symbol, a number or '('")
        raise AssertionError  # unreachable: fail raises

    def name(self) -> Syntax:
        token = self.advance()
        text = token.text
        adjacent_paren = (
            self.current.kind is Kind.LPAREN and self.current.span.start == token.span.end
        )
        # sigma is a Greek letter, but sigma(W x) is the logistic function
        if text in _FUNCTIONS and (text not in GREEK or adjacent_paren):
            return self.function(text, token)
        stem, subscript = split_name(text)
        if subscript and stem not in GREEK and (stem in _FUNCTIONS or stem in _UNSUPPORTED):
            raise ParseError(f"{stem!r} cannot take a subscript", token.span)
        if text in _UNSUPPORTED:
            raise UnsupportedError(f"{text}(...) is not supported yet", token.span)
        if text == "ones":
            return Syntax("ones", (), token.span)
        # foo(x) is an unknown function; W_2(x), x1(y), alpha(x) and A(x) are products.
        if adjacent_paren and len(text) > 1 and text.isalpha() and text not in GREEK:
            raise UnsupportedError(
                f"unknown function {text}(...); the functions are {_FUNCTION_LIST}", token.span
            )
        return Syntax("sym", (), token.span, name=canonical_name(text))

    def function(self, text: str, token: Token) -> Syntax:
        op = _FUNCTIONS[text]
        self.enter()
        if op == "norm" and self.current.kind is Kind.LPAREN:
            node = self.norm_call(token)
            self.depth -= 1
            return node
        if self.current.kind is Kind.LPAREN:
            arg, close = self.bracketed()
            span = token.span.cover(close)
        elif self.current.kind in _ATOM_START:
            arg = self.postfix()
            span = token.span.cover(arg.span)
        else:
            self.fail(f"expected the argument of {token.text}")
            raise AssertionError  # unreachable: fail raises
        self.depth -= 1
        if op == "logdet":
            return self.node("log", (self.node("det", (arg,), span),), span)
        node = self.node(op, (arg,), span)
        return replace(node, name=SPELLINGS[text]) if op == "apply" else node

    def norm_call(self, token: Token) -> Syntax:
        """``norm(x)``, ``norm(x, 1)``, ``norm(x, 2)``, ``norm(X, "fro")``."""
        open_token = self.advance()
        saved, self.open_bars = self.open_bars, []
        inner = self.expr()
        self.open_bars = saved
        op = "norm"
        if self.accept(Kind.COMMA) is not None:
            which = self.advance()
            op = _NORMS.get(which.text, "")
            if not op or which.kind not in (Kind.NUMBER, Kind.STRING, Kind.NAME):
                raise UnsupportedError(
                    f"the norm {which.text!r} is not supported: write norm(x) or norm(x, 2),"
                    ' norm(x, 1), or norm(X, "fro")',
                    which.span,
                )
        close = self.expect(Kind.RPAREN, f"')' to close {open_token.text!r}")
        return self.node(op, (inner,), token.span.cover(close.span))

    def group(self) -> Syntax:
        inner, span = self.bracketed()
        return replace(inner, span=span)

    def bracketed(self) -> tuple[Syntax, Span]:
        """``( expr )`` or ``{ expr }``: the inner expression and the span with the brackets."""
        open_token = self.advance()
        close_kind = _CLOSING[open_token.kind]
        saved, self.open_bars = self.open_bars, []
        if self.current.kind is close_kind:
            self.fail("expected an expression inside the brackets")
        inner = self.expr()
        self.open_bars = saved
        wanted = _MATCHING.get(open_token.text[-1:], close_kind.value)
        close = self.expect(close_kind, f"{wanted!r} to close {open_token.text!r}")
        if close.text[-1:] in _MATCHING.values() and close.text[-1:] != wanted:
            raise ParseError(f"expected {wanted!r} to close {open_token.text!r}, found"
                             f" {close.text!r}", close.span)
        return inner, open_token.span.cover(close.span)

    def norm_bars(self) -> Syntax:
        open_token = self.current
        if open_token.text.startswith(_CLOSERS):
            self.fail("expected a symbol, a number or '('")
        self.advance()
        self.open_bars.append(open_token.kind)
        inner = self.expr()
        self.open_bars.pop()
        close = self.expect(open_token.kind, f"{open_token.text!r} to close the norm")
        op = "abs" if open_token.kind is Kind.BAR else "norm"  # |X| of a matrix is ambiguous
        return self.node(op, (inner,), open_token.span.cover(close.span))

    def frac(self) -> Syntax:
        token = self.advance()
        numerator = self.braced("the numerator of \\frac")
        denominator = self.braced("the denominator of \\frac")
        span = token.span.cover(denominator.span)
        return self.node("div", (numerator, denominator), span)

    def braced(self, what: str) -> Syntax:
        if self.current.kind is not Kind.LBRACE:
            self.fail(f"expected '{{' to start {what}")
        return self.group()
