"""IR -> LaTeX math, unicode text and the ASCII input language.

Printing is by class dispatch (``_print_<Class>``) with one precedence table and one
``parenthesize``, as SymPy's printers do. Both the matrix IR (``derive.ir.expr``) and the index IR
(``derive.ir.index``) print here; nothing else in the package builds LaTeX strings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fractions import Fraction

from derive.documents.printers import elementwise as pe
from derive.ir import expr as ex
from derive.ir import index as ix
from derive.ir.differential import Differential
from derive.language.names import name_latex, name_unicode, split_name

_TALL = ("\\frac", "\\sum", "\\left", "\\begin")
_PREC_ADD = 10
_PREC_NEG = 15
_PREC_MUL = 20
_PREC_POSTFIX = 30
_PREC_ATOM = 40

_SUB = dict(zip("0123456789aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True))
_SUP = dict(zip("0123456789-T", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻ᵀ", strict=True))


def precedence(node: object) -> int:
    """Binding strength of a node's outermost operation."""
    if isinstance(node, ex.Add | ix.IndexSum) and _count_terms(node) > 1:
        return _PREC_ADD
    if isinstance(node, ex.MatMul):
        coeff, _ = ex.coefficient_of(node)
        return _PREC_NEG if coeff < 0 else _PREC_MUL
    if isinstance(node, ex.Number):
        if node.value < 0:
            return _PREC_NEG
        return _PREC_ATOM if node.value.denominator == 1 else _PREC_MUL
    if isinstance(node, ex.Transpose | ex.Inverse | ex.Power):
        return _PREC_POSTFIX
    if isinstance(node, Differential):
        return _PREC_POSTFIX  # dx binds like x^T: (dx)^T, but A dx x
    if isinstance(node, ex.Jacobian | ex.Derivative):
        return _PREC_MUL
    elementwise = pe.precedence(node)
    return _PREC_ATOM if elementwise is None else elementwise


def product_groups(factors: Sequence[ex.Expr]) -> list[tuple[ex.Expr, ...]]:
    """Split a flat product into the runs a reader sees: ``x' A x y' B`` is ``x' A x | y' B``.

    A run is a single 1 x 1 factor (``alpha``), a chain whose product is 1 x 1 (``x' A x``), or
    the final chain (``y' B``); 1 x 1 factors inside a chain stay in it. This is how
    :func:`derive.ir.expr.product_shape` reads a flat product, so parenthesising every 1 x 1 chain
    that has factors after it prints ``(x' x) A`` rather than the ambiguous-looking ``x' x A``.
    """
    groups: list[tuple[ex.Expr, ...]] = []
    current: list[ex.Expr] = []
    acc = ex.SCALAR
    for factor in factors:
        if factor.shape.is_scalar and not current:
            groups.append((factor,))
            continue
        current.append(factor)
        if not factor.shape.is_scalar:
            acc = factor.shape if acc.is_scalar else ex.Shape(acc.rows, factor.shape.cols)
        if acc.is_scalar:
            groups.append(tuple(current))
            current = []
    if current:
        groups.append(tuple(current))
    return groups


def _same_scalar(entries: list[ix.Entry]) -> bool:
    """Whether a repeated derivative is by one scalar each time (``∂²α/∂t²``)."""
    return all(e == entries[0] and not e.indices and e.base.shape.is_scalar for e in entries)


def _has_norm(node: ex.Expr) -> bool:
    """Whether a norm occurs anywhere in ``node``."""
    return isinstance(node, ex.Norm) or any(_has_norm(child) for child in node.children)


def _is_reciprocal(node: ex.Expr) -> bool:
    """A scalar to a negative power: printed as the denominator of a fraction in LaTeX."""
    return isinstance(node, ex.Power) and node.exponent < 0 and node.base.shape.is_scalar


def _count_terms(node: ex.Add | ix.IndexSum) -> int:
    return len(node.terms)


class Printer:
    """Shared machinery; subclasses supply the spelling."""

    def __init__(self, symbol_names: Iterable[str] = ()) -> None:
        self.symbol_names = set(symbol_names)

    def doprint(self, node: object) -> str:
        """Print any IR node."""
        method = getattr(self, f"_print_{type(node).__name__}", None)
        if method is None:
            raise TypeError(f"{type(self).__name__} cannot print {type(node).__name__}")
        text: str = method(node)
        return text

    def parenthesize(self, node: object, level: int) -> str:
        """Print ``node``, in parentheses when it binds more loosely than ``level``."""
        text = self.doprint(node)
        return self.paren(text) if self.precedence(node) < level else text

    def precedence(self, node: object) -> int:
        """Binding strength of ``node`` as this printer writes it."""
        return precedence(node)

    def paren(self, text: str) -> str:
        """Wrap in parentheses."""
        return f"({text})"

    # -- shared structure ----------------------------------------------------------------
    def _print_Add(self, node: ex.Add) -> str:
        parts: list[str] = []
        for position, term in enumerate(node.terms):
            coeff, rest = ex.coefficient_of(term)
            if position and coeff < 0:  # x - (y + z): the negated term keeps its brackets
                parts.append(" - " + self.parenthesize(ex.mul(ex.Number(-coeff), rest), _PREC_NEG))
            else:
                parts.append((" + " if position else "") + self.doprint(term))
        return "".join(parts)

    def _print_MatMul(self, node: ex.MatMul) -> str:
        coeff, rest = ex.coefficient_of(node)
        factors = rest.factors if isinstance(rest, ex.MatMul) else (rest,)
        last = factors[-1]
        if len(factors) > 1 and isinstance(last, ex.Power) and last.exponent == -1 and \
                _is_reciprocal(last):  # (x' x) / alpha reads back as the same product
            divisor = self.parenthesize(last.base, _PREC_ATOM)
            return self.signed(coeff, f"{self.product_body(factors[:-1])} / {divisor}")
        return self.signed(coeff, self.product_body(factors))

    def signed(self, coeff: Fraction, body: str) -> str:
        """``body`` with a numeric coefficient in front (``-`` alone for -1)."""
        if coeff == 1:
            return body
        if coeff == -1:
            return "-" + body
        return self.coefficient(coeff) + " " + body

    def product_body(self, factors: Sequence[ex.Expr]) -> str:
        """Juxtaposed factors; every 1 x 1 chain with more factors after it in parentheses."""
        groups = product_groups(factors)
        parts: list[str] = []
        for position, group in enumerate(groups):
            text = self.join_factors([self.factor(f) for f in group])
            closed = position < len(groups) - 1 and len(group) > 1
            parts.append(self.paren(text) if closed else text)
        return self.join_factors(parts)

    def factor(self, node: ex.Expr) -> str:
        """One factor of a product, in parentheses where it binds more loosely than a product."""
        return self.parenthesize(node, _PREC_POSTFIX if self.tight(node) else _PREC_MUL + 1)

    def tight(self, node: ex.Expr) -> bool:
        """Whether a factor needs parentheses even when it is a product (never, by default)."""
        return False

    def join_factors(self, parts: list[str]) -> str:
        """Juxtapose the factors of a product."""
        return " ".join(parts)

    def coefficient(self, value: Fraction) -> str:
        """A numeric coefficient in front of a product."""
        return self.doprint(ex.Number(value))

    def _print_Defined(self, node: ex.Defined) -> str:
        return self.symbol_name(node.name)

    def _print_Symbol(self, node: ex.Symbol) -> str:
        return self.symbol_name(node.name)

    def symbol_name(self, name: str) -> str:
        """How a symbol's name is written."""
        return name

    # -- index IR ------------------------------------------------------------------------
    def entry_stem(self, base: ex.Expr) -> str:
        """``A`` as the stem of its entries: ``a`` as the notes write it, unless ``a`` is taken."""
        if isinstance(base, ex.Symbol | ex.Defined):
            name = base.name
            stem, sub = split_name(name)
            if len(stem) == 1 and stem.isupper() and not sub and name.lower() not in \
                    self.symbol_names and not base.shape.is_column:
                return self.symbol_name(name.lower())
            if sub:  # W_2 has entries (W_2)_ij: a second subscript would not be readable
                return self.paren(self.symbol_name(name))
            return self.symbol_name(name)
        if isinstance(base, (ex.Identity, *pe.CALLS)):
            return self.doprint(base)  # I_kl and σ(u)_i, not (I)_kl
        return self.paren(self.doprint(base))

    def _print_Entry(self, node: ix.Entry) -> str:
        if not node.indices:
            return self.parenthesize(node.base, _PREC_POSTFIX)
        return self.subscript(self.entry_stem(node.base), [i.name for i in node.indices])

    def _print_Delta(self, node: ix.Delta) -> str:
        return self.subscript(self.delta_name(), [node.i.name, node.j.name])

    def delta_name(self) -> str:
        """The Kronecker delta's letter."""
        return "delta"

    def _print_Count(self, node: ix.Count) -> str:
        return str(node.dim)

    def _print_Term(self, node: ix.Term) -> str:
        return self.term(node, with_sums=True)

    def term(self, node: ix.Term, *, with_sums: bool) -> str:
        """A term: coefficient, sums, factors."""
        body = self.join_factors([self.doprint(f) for f in node.factors])
        sums = "".join(self.sum_sign(i) + " " for i in node.sums) if with_sums else ""
        coeff = node.coeff
        if not body:
            return self.doprint(ex.Number(coeff))
        sign = "-" if coeff < 0 else ""
        magnitude = abs(coeff)
        lead = "" if magnitude == 1 else self.coefficient(magnitude) + " "
        return f"{sign}{lead}{sums}{body}"

    def _print_IndexSum(self, node: ix.IndexSum) -> str:
        if not node.terms:
            return "0"
        parts: list[str] = []
        for group in sum_groups(node.terms):
            text = self.term_group(group)
            if parts:
                parts.append(f" - {text[1:]}" if text.startswith("-") else f" + {text}")
            else:
                parts.append(text)
        return "".join(parts)

    def term_group(self, group: list[ix.Term]) -> str:
        """Terms that share their sums, written under one set of summation signs."""
        if len(group) == 1:
            return self.term(group[0], with_sums=True)
        sums = "".join(self.sum_sign(i) + " " for i in group[0].sums)
        inner = ix.IndexSum(tuple(ix.Term(t.coeff, (), t.factors) for t in group), ())
        return f"{sums}{self.paren(self.doprint(inner))}"

    def sum_sign(self, index: ix.Index) -> str:
        """The summation sign over one index."""
        return f"sum_{index.name}"

    def subscript(self, stem: str, indices: list[str]) -> str:
        """An entry: stem with indices."""
        return f"{stem}_{''.join(indices)}"


class LatexPrinter(Printer, pe.LatexElementwise):
    """LaTeX math (amsmath), as KaTeX and MathJax also render it.

    The output is also valid input (``language.frontend.parse(latex(e)).expr == e``): a scalar to a
    negative power becomes the denominator of a ``\\frac`` whose numerator is what stands before
    it (``\\frac{2}{x^\\top x} x``), which reads back as the same product.
    """

    def paren(self, text: str) -> str:
        # \left( \right) only around tall content: plain brackets keep the size of the text
        # around them, and pdftotext keeps them in the text layer
        if any(tall in text for tall in _TALL):
            return f"\\left({text}\\right)"
        return f"({text})"

    def precedence(self, node: object) -> int:
        if isinstance(node, ex.Log) and isinstance(node.arg, ex.Det):
            return _PREC_POSTFIX  # \log \det(X) has no brackets of its own: bracket its powers
        return precedence(node)

    def _print_MatMul(self, node: ex.MatMul) -> str:
        coeff, rest = ex.coefficient_of(node)
        factors = rest.factors if isinstance(rest, ex.MatMul) else (rest,)
        groups = product_groups(factors)
        if len(groups[-1]) > 1 and _is_reciprocal(groups[-1][-1]):  # A x / alpha
            groups[-1:] = [groups[-1][:-1], groups[-1][-1:]]
        if not any(len(g) == 1 and _is_reciprocal(g[0]) for g in groups):
            return super()._print_MatMul(node)
        parts: list[str] = []
        numerator: list[ex.Expr] = []
        magnitude = abs(coeff)
        if magnitude.denominator == 1 and magnitude != 1:
            numerator.append(ex.Number(magnitude))  # 2 goes into the first numerator
        elif magnitude != 1:
            parts.append(self.doprint(ex.Number(magnitude)))  # 1/2 stays in front
        for group in groups:
            if len(group) == 1 and isinstance(group[0], ex.Power) and _is_reciprocal(group[0]):
                power = group[0]
                denominator = ex.Power(power.base, -power.exponent) if power.exponent != -1 \
                    else power.base
                above = self.product_body(numerator) if numerator else "1"
                parts.append(f"\\frac{{{above}}}{{{self.doprint(denominator)}}}")
                numerator = []
            else:
                numerator.extend(group)
        if numerator:
            parts.append(self.product_body(numerator))
        return ("-" if coeff < 0 else "") + " ".join(parts)

    def tight(self, node: ex.Expr) -> bool:
        return isinstance(node, ex.Jacobian)

    def symbol_name(self, name: str) -> str:
        return name_latex(name)

    def coefficient(self, value: Fraction) -> str:
        return self.doprint(ex.Number(value))

    def _print_Number(self, node: ex.Number) -> str:
        value = node.value
        sign = "-" if value < 0 else ""
        value = abs(value)
        if value.denominator == 1:
            return f"{sign}{value.numerator}"
        return f"{sign}\\frac{{{value.numerator}}}{{{value.denominator}}}"

    def _print_Identity(self, node: ex.Identity) -> str:
        return "I"

    def _print_Zero(self, node: ex.Zero) -> str:
        return "0" if node.shape.is_scalar else "\\mathbf{0}"

    def _print_Size(self, node: ex.Size) -> str:
        return name_latex(str(node.dim))

    def _print_Transpose(self, node: ex.Transpose) -> str:
        if isinstance(node.arg, ex.Inverse):
            return f"{self.parenthesize(node.arg.arg, _PREC_ATOM)}^{{-\\top}}"
        return f"{self.parenthesize(node.arg, _PREC_ATOM)}^{{\\top}}"

    def _print_Inverse(self, node: ex.Inverse) -> str:
        return f"{self.parenthesize(node.arg, _PREC_ATOM)}^{{-1}}"

    def _print_Power(self, node: ex.Power) -> str:
        if _is_reciprocal(node):  # \frac{1}{\alpha} reads back as alpha^-1
            below = node.base if node.exponent == -1 else ex.Power(node.base, -node.exponent)
            return f"\\frac{{1}}{{{self.doprint(below)}}}"
        if isinstance(node.base, ex.Inverse):  # X^{-2}, not (X^{-1})^{2}
            return f"{self.parenthesize(node.base.arg, _PREC_ATOM)}^{{-{node.exponent}}}"
        return f"{self.parenthesize(node.base, _PREC_ATOM)}^{{{node.exponent}}}"

    def _print_Trace(self, node: ex.Trace) -> str:
        return f"\\operatorname{{tr}}{self.paren(self.doprint(node.arg))}"

    def _print_Det(self, node: ex.Det) -> str:
        return f"\\det{self.paren(self.doprint(node.arg))}"

    def _print_Differential(self, node: Differential) -> str:
        if isinstance(node.arg, Differential) and isinstance(node.arg.arg, ex.Symbol | ex.Defined):
            return "\\mathrm{d}^2" + self.doprint(node.arg.arg)  # the second differential
        if isinstance(node.arg, ex.Symbol | ex.Defined):
            return "\\mathrm{d}" + self.doprint(node.arg)
        return f"\\mathrm{{d}}{self.paren(self.doprint(node.arg))}"

    def _print_Log(self, node: ex.Log) -> str:
        if isinstance(node.arg, ex.Det):
            return f"\\log {self.doprint(node.arg)}"
        return f"\\log{self.paren(self.doprint(node.arg))}"

    def _print_Norm(self, node: ex.Norm) -> str:
        return f"\\left\\lVert {self.doprint(node.arg)} \\right\\rVert"

    def _print_Jacobian(self, node: ex.Jacobian) -> str:
        return f"\\frac{{\\partial {self.doprint(node.of)}}}{{\\partial {self.doprint(node.wrt)}}}"

    def _print_Derivative(self, node: ex.Derivative) -> str:
        of, wrt = self.doprint(node.of), self.doprint(node.wrt)
        if node.structure:  # the Cookbook's d f / d X for a structured X (2.8.2)
            return f"\\frac{{\\mathrm{{d}} {of}}}{{\\mathrm{{d}} {wrt}}}"
        if node.order == 2 and node.wrt.shape.is_scalar:
            return f"\\frac{{\\partial^2 {of}}}{{\\partial {wrt}^2}}"
        if node.order == 2:
            return f"\\frac{{\\partial^2 {of}}}{{\\partial {wrt}\\, \\partial {wrt}^{{\\top}}}}"
        return f"\\frac{{\\partial {of}}}{{\\partial {wrt}}}"

    def _print_Partial(self, node: ix.Partial) -> str:
        entries: list[ix.Entry] = []
        inner: ix.Entry | ix.Partial = node
        while isinstance(inner, ix.Partial):
            entries.append(ix.Entry(inner.wrt, inner.wrt_indices))
            inner = inner.entry
        order = f"^{len(entries)}" if len(entries) > 1 else ""
        denominator = "\\, ".join(f"\\partial {self.doprint(e)}" for e in reversed(entries))
        if len(entries) > 1 and _same_scalar(entries):
            denominator = f"\\partial {self.doprint(entries[0])}{order}"
        return f"\\frac{{\\partial{order} {self.doprint(inner)}}}{{{denominator}}}"

    def delta_name(self) -> str:
        return "\\delta"

    def sum_sign(self, index: ix.Index) -> str:
        return f"\\sum_{{{self.index_name(index.name)}=1}}^{{{name_latex(str(index.dim))}}}"

    def index_name(self, name: str) -> str:
        """``i1`` -> ``i_{1}``."""
        return name_latex(name)

    def subscript(self, stem: str, indices: list[str]) -> str:
        names = [self.index_name(i) for i in indices]
        joiner = "," if any(len(i) > 1 for i in indices) else ""
        return f"{stem}_{{{joiner.join(names)}}}"


class UnicodePrinter(Printer, pe.UnicodeElementwise):
    """Readable unicode for a terminal: ``∂α/∂x = (A + Aᵀ) x``."""

    def symbol_name(self, name: str) -> str:
        return name_unicode(name)

    def _print_Number(self, node: ex.Number) -> str:
        value = node.value
        return str(value.numerator) if value.denominator == 1 else f"{value}"

    def _print_Identity(self, node: ex.Identity) -> str:
        return "I"

    def _print_Zero(self, node: ex.Zero) -> str:
        return "0"

    def _print_Size(self, node: ex.Size) -> str:
        return str(node.dim)

    def postfix(self, node: ex.Expr, suffix: str) -> str:
        return self.parenthesize(node, _PREC_ATOM) + suffix

    def _print_Transpose(self, node: ex.Transpose) -> str:
        if isinstance(node.arg, ex.Inverse):
            return self.postfix(node.arg.arg, "⁻ᵀ")
        return self.postfix(node.arg, "ᵀ")

    def _print_Inverse(self, node: ex.Inverse) -> str:
        return self.postfix(node.arg, "⁻¹")

    def _print_Power(self, node: ex.Power) -> str:
        if isinstance(node.base, ex.Inverse):  # X⁻², not (X⁻¹)²
            return self.postfix(node.base.arg, "".join(_SUP[c] for c in f"-{node.exponent}"))
        return self.postfix(node.base, "".join(_SUP[c] for c in str(node.exponent)))

    def _print_Trace(self, node: ex.Trace) -> str:
        return f"tr({self.doprint(node.arg)})"

    def _print_Det(self, node: ex.Det) -> str:
        return f"det({self.doprint(node.arg)})"

    def _print_Differential(self, node: Differential) -> str:
        if isinstance(node.arg, Differential) and isinstance(node.arg.arg, ex.Symbol | ex.Defined):
            return "d²" + self.doprint(node.arg.arg)  # the second differential
        if isinstance(node.arg, ex.Symbol | ex.Defined):
            return "d" + self.doprint(node.arg)
        return f"d({self.doprint(node.arg)})"

    def _print_Log(self, node: ex.Log) -> str:
        return f"log({self.doprint(node.arg)})"

    def _print_Norm(self, node: ex.Norm) -> str:
        if _has_norm(node.arg):  # ‖x ‖y‖‖ cannot tell its bars apart: norm(x ‖y‖) can
            return f"norm({self.doprint(node.arg)})"
        return f"‖{self.doprint(node.arg)}‖"

    def _print_Jacobian(self, node: ex.Jacobian) -> str:
        return f"∂{self.doprint(node.of)}/∂{self.doprint(node.wrt)}"

    def _print_Derivative(self, node: ex.Derivative) -> str:
        of, wrt = self.doprint(node.of), self.doprint(node.wrt)
        if node.structure:
            return f"d{of}/d{wrt}"
        if node.order == 2 and node.wrt.shape.is_scalar:
            return f"∂²{of}/∂{wrt}²"
        if node.order == 2:
            return f"∂²{of}/∂{wrt}∂{wrt}ᵀ"
        return f"∂{of}/∂{wrt}"

    def _print_Partial(self, node: ix.Partial) -> str:
        entries: list[ix.Entry] = []
        inner: ix.Entry | ix.Partial = node
        while isinstance(inner, ix.Partial):
            entries.append(ix.Entry(inner.wrt, inner.wrt_indices))
            inner = inner.entry
        order = "²" if len(entries) == 2 else ""
        denominator = "".join(f"∂{self.doprint(e)}" for e in reversed(entries))
        if order and _same_scalar(entries):
            denominator = f"∂{self.doprint(entries[0])}{order}"
        return f"∂{order}{self.doprint(inner)}/{denominator}"

    def delta_name(self) -> str:
        return "δ"

    def sum_sign(self, index: ix.Index) -> str:
        return "Σ" + self.subscript("", [index.name])

    def subscript(self, stem: str, indices: list[str]) -> str:
        text = "".join(indices) if all(len(i) == 1 for i in indices) else ",".join(indices)
        if all(c in _SUB for c in text):
            return stem + "".join(_SUB[c] for c in text)
        return f"{stem}_{text}" if len(text) == 1 else f"{stem}_{{{text}}}"


class AsciiPrinter(Printer, pe.AsciiElementwise):
    """The ASCII input language: ``parse(AsciiPrinter().doprint(e))`` gives ``e`` back."""

    def _print_Number(self, node: ex.Number) -> str:
        value = node.value
        return str(value.numerator) if value.denominator == 1 else f"{value}"

    def _print_Identity(self, node: ex.Identity) -> str:
        return "I"

    def _print_Zero(self, node: ex.Zero) -> str:
        return "0"

    def _print_Size(self, node: ex.Size) -> str:
        return str(node.dim)

    def _print_Transpose(self, node: ex.Transpose) -> str:
        return self.parenthesize(node.arg, _PREC_ATOM) + "'"

    def _print_Inverse(self, node: ex.Inverse) -> str:
        return f"inv({self.doprint(node.arg)})"

    def _print_Power(self, node: ex.Power) -> str:
        return f"{self.parenthesize(node.base, _PREC_ATOM)}^{node.exponent}"

    def _print_Trace(self, node: ex.Trace) -> str:
        return f"tr({self.doprint(node.arg)})"

    def _print_Det(self, node: ex.Det) -> str:
        return f"det({self.doprint(node.arg)})"

    def _print_Differential(self, node: Differential) -> str:
        return f"d({self.doprint(node.arg)})"

    def _print_Log(self, node: ex.Log) -> str:
        return f"log({self.doprint(node.arg)})"

    def _print_Norm(self, node: ex.Norm) -> str:
        return f"norm({self.doprint(node.arg)})"

    def _print_Jacobian(self, node: ex.Jacobian) -> str:
        return f"d{node.of.name}/d{node.wrt.name}"

    def _print_Derivative(self, node: ex.Derivative) -> str:
        return f"d{self.doprint(node.of)}/d{node.wrt.name}"

    def _print_Partial(self, node: ix.Partial) -> str:
        return f"d{self.doprint(node.entry)}/d{self.doprint(ix.Entry(node.wrt, node.wrt_indices))}"


def latex(node: object, symbol_names: Iterable[str] = ()) -> str:
    """LaTeX math for any IR node."""
    return LatexPrinter(symbol_names).doprint(node)


def unicode(node: object, symbol_names: Iterable[str] = ()) -> str:
    """Unicode text for any IR node."""
    return UnicodePrinter(symbol_names).doprint(node)


def ascii_str(node: object) -> str:
    """The ASCII input language for an expression."""
    return AsciiPrinter().doprint(node)


def sum_groups(terms: tuple[ix.Term, ...]) -> list[list[ix.Term]]:
    """Runs of consecutive terms over the same summation indices: each run is printed under
    one sum sign, ``Σ_j (a_ij x_j - b_ij x_j)``."""
    groups: list[list[ix.Term]] = []
    for term in terms:
        if groups and term.sums and groups[-1][0].sums == term.sums:
            groups[-1].append(term)
        else:
            groups.append([term])
    return groups
