"""One recursive-descent parser over tokens from either front end.

Grammar (EBNF); juxtaposition is multiplication::

    expr      = term { ("+" | "-") term } ;
    term      = unary { ("*" | "/" | <juxtaposition>) unary } ;
    unary     = "-" unary | "+" unary | postfix ;
    postfix   = atom { "'" | "^" exponent } ;
    exponent  = "T" | ["-"] NUMBER | "-" "T" | "{" exponent "}" ;
    atom      = NUMBER | NAME | function | "(" expr ")" | "{" expr "}"
              | "|" expr "|" | "||" expr "||" | "\\frac" "{" expr "}" "{" expr "}" ;
    function  = FUNC ( "(" expr ")" | postfix ) ;
    FUNC      = "tr" | "trace" | "det" | "log" | "logdet" | "inv" | "norm" ;

Elementwise functions (``exp(x)``) and Hadamard products (``A .* B``) are recognised and rejected
with an :class:`UnsupportedError` that names them.
"""

from __future__ import annotations

from fractions import Fraction

from derive.errors import LocatedError, ParseError, Span, UnsupportedError
from derive.lex_ascii import lex_ascii
from derive.names import GREEK
from derive.syntax import Syntax
from derive.tokens import Kind, Token

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
}
_ELEMENTWISE = {
    "exp", "sin", "cos", "tan", "tanh", "sinh", "cosh", "sqrt", "sigma", "sigmoid", "relu",
    "softmax", "abs", "diag", "vec", "max", "min",
}  # fmt: skip
_ATOM_START = {Kind.NAME, Kind.NUMBER, Kind.LPAREN, Kind.LBRACE, Kind.BAR, Kind.DBAR, Kind.FRAC}
MAX_DEPTH = 200


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
    """
    try:
        tokens = tokenize(source)
        return _Parser(tokens).parse()
    except LocatedError as error:
        if error.source:
            raise
        raise error.with_source(source) from None


def tokenize(source: str) -> list[Token]:
    """Tokens of ``source``, through the LaTeX front end when the text looks like LaTeX."""
    if "\\" in source or "$" in source:
        from derive.lex_latex import lex_latex

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
        if self.depth > MAX_DEPTH:
            raise ParseError("expression nested too deeply", self.current.span)

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
            node = Syntax(op, (node, right), node.span.cover(right.span))
        self.depth -= 1
        return node

    def term(self) -> Syntax:
        node = self.unary()
        while True:
            kind = self.current.kind
            if kind is Kind.HADAMARD:
                raise UnsupportedError(
                    "the Hadamard (elementwise) product is not supported yet", self.current.span
                )
            if kind in (Kind.STAR, Kind.SLASH):
                op = "mul" if self.advance().kind is Kind.STAR else "div"
            elif kind in _ATOM_START and not self._closes_bar(kind):
                op = "mul"
            else:
                return node
            right = self.unary()
            node = Syntax(op, (node, right), node.span.cover(right.span))

    def _closes_bar(self, kind: Kind) -> bool:
        return bool(self.open_bars) and self.open_bars[-1] is kind

    def unary(self) -> Syntax:
        token = self.current
        if token.kind in (Kind.MINUS, Kind.PLUS):
            self.advance()
            self.enter()
            operand = self.unary()
            self.depth -= 1
            if token.kind is Kind.PLUS:
                return operand
            return Syntax("neg", (operand,), token.span.cover(operand.span))
        return self.postfix()

    def postfix(self) -> Syntax:
        node = self.atom()
        while True:
            token = self.current
            if token.kind is Kind.PRIME:
                self.advance()
                node = Syntax("transpose", (node,), node.span.cover(token.span))
            elif token.kind is Kind.CARET:
                self.advance()
                node = self.exponent(node)
            else:
                return node

    def exponent(self, base: Syntax) -> Syntax:
        braced = self.accept(Kind.LBRACE)
        negative = self.accept(Kind.MINUS) is not None
        token = self.current
        if token.kind is Kind.TOP or (token.kind is Kind.NAME and token.text == "T"):
            self.advance()
            op = "inverse_transpose" if negative else "transpose"
            node = Syntax(op, (base,), base.span.cover(token.span))
        elif token.kind is Kind.NUMBER and token.text.isdigit():
            self.advance()
            value = Fraction(int(token.text)) * (-1 if negative else 1)
            if value == 0:
                raise ParseError("the exponent 0 is not allowed", token.span)
            node = Syntax("power", (base,), base.span.cover(token.span), value=value)
        elif token.kind in (Kind.NAME, Kind.NUMBER):
            raise UnsupportedError(
                f"exponent {token.text!r} is not supported: write T for a transpose or an"
                " integer literal such as 2 or -1",
                token.span,
            )
        else:
            self.fail("expected an integer exponent or T after '^'")
            raise AssertionError  # unreachable: fail raises
        if braced is not None:
            close = self.expect(Kind.RBRACE, "'}' to close the exponent")
            node = Syntax(node.op, node.args, node.span.cover(close.span), value=node.value)
        return node

    def atom(self) -> Syntax:
        token = self.current
        kind = token.kind
        if kind is Kind.NUMBER:
            self.advance()
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
        if text in _FUNCTIONS:
            return self.function(_FUNCTIONS[text], token)
        if text in _ELEMENTWISE and adjacent_paren:
            raise UnsupportedError(
                f"the elementwise function {text}(...) is not supported yet", token.span
            )
        if adjacent_paren and len(text) > 1 and text not in GREEK:
            raise UnsupportedError(f"unknown function {text}(...)", token.span)
        return Syntax("sym", (), token.span, name=text)

    def function(self, op: str, token: Token) -> Syntax:
        self.enter()
        if self.current.kind is Kind.LPAREN:
            arg = self.group()
        elif self.current.kind in _ATOM_START:
            arg = self.postfix()
        else:
            self.fail(f"expected the argument of {token.text}")
            raise AssertionError  # unreachable: fail raises
        self.depth -= 1
        span = token.span.cover(arg.span)
        if op == "logdet":
            return Syntax("log", (Syntax("det", (arg,), span),), span)
        return Syntax(op, (arg,), span)

    def group(self) -> Syntax:
        open_token = self.advance()
        close_kind = Kind.RPAREN if open_token.kind is Kind.LPAREN else Kind.RBRACE
        saved, self.open_bars = self.open_bars, []
        if self.current.kind is close_kind:
            self.fail("expected an expression inside the brackets")
        inner = self.expr()
        self.open_bars = saved
        close = self.expect(close_kind, f"{close_kind.value!r} to close {open_token.text!r}")
        span = open_token.span.cover(close.span)
        return Syntax(inner.op, inner.args, span, name=inner.name, value=inner.value)

    def norm_bars(self) -> Syntax:
        open_token = self.advance()
        self.open_bars.append(open_token.kind)
        inner = self.expr()
        self.open_bars.pop()
        close = self.expect(open_token.kind, f"{open_token.text!r} to close the norm")
        return Syntax("norm", (inner,), open_token.span.cover(close.span))

    def frac(self) -> Syntax:
        token = self.advance()
        numerator = self.braced("the numerator of \\frac")
        denominator = self.braced("the denominator of \\frac")
        return Syntax("div", (numerator, denominator), token.span.cover(denominator.span))

    def braced(self, what: str) -> Syntax:
        if self.current.kind is not Kind.LBRACE:
            self.fail(f"expected '{{' to start {what}")
        return self.group()

