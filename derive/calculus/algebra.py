"""Matrix-level simplification: transposes pushed to the leaves, symmetry, like terms, factoring.

Each function returns an expression equal in value to its input; the engine records one
"simplify" line per function that changed something.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from fractions import Fraction
from math import gcd

from derive import budget
from derive.ir import expr as ex


def map_children(node: ex.Expr, function: Callable[[ex.Expr], ex.Expr]) -> ex.Expr:
    """Apply ``function`` to each child and rebuild (:meth:`derive.ir.expr.Expr.rebuild`)."""
    old_children = node.children
    if not old_children:
        return node
    budget.check()
    children = [function(c) for c in old_children]
    if all(new is old for new, old in zip(children, old_children, strict=True)):
        return node  # nothing changed below: keep the node rather than rebuild it
    return node.rebuild(children)


def map_inner(node: ex.Expr, function: Callable[[ex.Expr], ex.Expr]) -> ex.Expr:
    """:func:`map_children` for a ``function`` that keeps every leaf, and every transposed
    leaf, as it is: those are not passed to it (a result's products are mostly ``A^T``)."""
    old_children = node.children
    if not old_children:
        return node
    budget.check()
    children = [c if is_atom(c) else function(c) for c in old_children]
    if all(new is old for new, old in zip(children, old_children, strict=True)):
        return node
    return node.rebuild(children)


def is_atom(node: ex.Expr) -> bool:
    """A leaf (``A``) or a transposed leaf (``A^T``): no sum or product inside."""
    children = node.children
    return not children or (type(node) is ex.Transpose and not children[0].children)


def push_transpose(node: ex.Expr) -> ex.Expr:
    """Move transposes down to the leaves: ``(A B)^T = B^T A^T``, ``(A + B)^T = A^T + B^T``.

    A transposed scalar is the scalar itself; ``(M^-1)^T`` stays as ``M^-T``.
    """
    if type(node) is ex.Transpose and type(node.arg) is ex.Symbol and \
            not node.arg.symbol_shape.is_scalar:  # fmt: skip
        return node  # A^T, the commonest factor of a result: nothing to push
    if isinstance(node, ex.Det | ex.Trace) and isinstance(node.arg, ex.Transpose):
        return push_transpose(type(node)(node.arg.arg))  # det(M^T) = det(M), tr(M^T) = tr(M)
    if isinstance(node, ex.Inverse) and isinstance(node.arg, ex.Transpose):
        return ex.transpose(ex.Inverse(push_transpose(node.arg.arg)))  # (M^T)^-1 = M^-T
    if not isinstance(node, ex.Transpose):
        return map_children(node, push_transpose)
    arg = node.arg
    if arg.shape.is_scalar:
        return push_transpose(arg)
    if isinstance(arg, ex.Transpose):
        return push_transpose(arg.arg)
    if isinstance(arg, ex.MatMul):
        scalars, chain = split_product(arg)
        return ex.mul(*(push_transpose(f) for f in scalars),
                      *(push_transpose(ex.transpose(f)) for f in reversed(chain)))  # fmt: skip
    if isinstance(arg, ex.Add):
        return ex.add(*(push_transpose(ex.transpose(t)) for t in arg.terms))
    if isinstance(arg, ex.Power):
        return ex.Power(push_transpose(ex.transpose(arg.base)), arg.exponent)
    if isinstance(arg, ex.Inverse):
        return ex.transpose(ex.Inverse(push_transpose(arg.arg)))
    if isinstance(arg, ex.Number | ex.Identity | ex.Zero) or arg.is_symmetric:
        return ex.transpose(arg)
    return node  # a leaf's transpose (A^T) stays: node is what ex.transpose(arg) would build


def apply_symmetry(node: ex.Expr, symmetric: Collection[str]) -> ex.Expr:
    """Replace ``S^T`` by ``S`` and ``S^-T`` by ``S^-1`` for declared symmetric ``S``."""
    if not symmetric:
        return node
    if isinstance(node, ex.Transpose):
        arg = node.arg
        if isinstance(arg, ex.Symbol) and arg.name in symmetric:
            return arg
        inner = arg.arg if isinstance(arg, ex.Inverse) else None
        if isinstance(inner, ex.Symbol) and inner.name in symmetric:
            return arg
    return map_children(node, lambda c: apply_symmetry(c, symmetric))


def collect(node: ex.Expr) -> ex.Expr:
    """Combine like terms of every sum: ``A x + 2 A x = 3 A x``."""
    node = map_inner(node, collect)  # an atom holds no sum: kept
    if not isinstance(node, ex.Add):
        return node
    totals: dict[ex.Expr, Fraction] = {}
    for term in node.terms:
        coeff, rest = ex.coefficient_of(term)
        totals[rest] = totals.get(rest, Fraction(0)) + coeff
    terms = [ex.mul(ex.Number(c), rest) for rest, c in totals.items() if c != 0]
    return ex.add(*terms) if terms else ex.add(node.terms[0], ex.neg(node.terms[0]))


def split_product(node: ex.Expr) -> tuple[list[ex.Expr], list[ex.Expr]]:
    """A product's 1 x 1 parts, which may stand anywhere, and its chain of matrix factors.

    A product is evaluated left to right and a 1 x 1 running value acts as a scalar, so in
    ``x' y A`` the run ``x' y`` is a scalar part and ``A`` the chain; in ``x' A y`` the whole
    product is the chain (a genuine matrix product).
    """
    factors = node.factors if isinstance(node, ex.MatMul) else (node,)
    scalars: list[ex.Expr] = []
    chain: list[ex.Expr] = []
    acc = ex.SCALAR  # the chain's shape so far
    for item in factors:
        shape = item.shape
        if shape.is_scalar:
            scalars.append(item)
            continue
        if chain and acc.is_scalar:
            scalars.append(ex.MatMul(tuple(chain)))
            chain = []
        acc = shape if not chain else ex.Shape(acc.rows, shape.cols)
        chain.append(item)
    return scalars, chain


_Parts = tuple[Fraction, list[ex.Expr], list[ex.Expr]]


def _parts(term: ex.Expr) -> _Parts:
    coeff, rest = ex.coefficient_of(term)
    scalars, chain = split_product(rest)
    return coeff, [f for f in scalars if f != ex.Number(Fraction(1))], chain


def _keys(parts: _Parts) -> set[tuple[str, ex.Expr]]:
    """The factors a term could give up: a scalar part, the chain's first or last factor."""
    _, scalars, chain = parts
    keys = {("scalar", f) for f in scalars}
    if chain:
        keys |= {("left", chain[0]), ("right", chain[-1])}
    return keys


def _without(parts: _Parts, key: tuple[str, ex.Expr]) -> list[ex.Expr]:
    _, scalars, chain = parts
    side, shared = key
    if side == "scalar":
        rest = list(scalars)
        rest.remove(shared)
        return rest + chain
    return scalars + (chain[:-1] if side == "right" else chain[1:])


_PRIORITY = {"scalar": 2, "right": 1, "left": 0}


def factor(node: ex.Expr) -> ex.Expr:
    """Pull a factor shared by several terms out of a sum: ``A x + A^T x = (A + A^T) x``.

    A scalar part shared by several terms comes out in front; otherwise the first or last factor
    of the terms' matrix chains. The terms left outside are factored in turn.
    """
    if not isinstance(node, ex.Add):
        return node
    parts = [_parts(t) for t in node.terms]
    counts: dict[tuple[str, ex.Expr], int] = {}
    scalar_sum = node.shape.is_scalar  # once: a sum's shape is its first product's
    for item in parts:
        for key in _keys(item):
            # a scalar sum keeps its products whole: x' A x - 2 b' A x, not (x' A - 2 b' A) x
            if key[0] == "scalar" or not scalar_sum:
                counts[key] = counts.get(key, 0) + 1
    candidates = [(count, _PRIORITY[key[0]], key) for key, count in counts.items() if count >= 2]
    if not candidates:
        return node
    _, _, key = max(candidates, key=lambda c: (c[0], c[1]))
    inside = [(p[0], _without(p, key)) for p in parts if key in _keys(p)]
    outside = [t for t, p in zip(node.terms, parts, strict=True) if key not in _keys(p)]
    common = _common_coefficient([c for c, _ in inside])
    if all(c < 0 for c, _ in inside):
        common = -common
    rests = [ex.mul(*rest) if rest else ex.Number(Fraction(1)) for _, rest in inside]
    if any(not r.shape.is_scalar for r in rests):
        pad = _neutral(key[1], key[0])
        rests = [ex.mul(r, pad) if r.shape.is_scalar else r for r in rests]
    inner_terms = [ex.mul(ex.Number(c / common), r) for (c, _), r in zip(inside, rests,
                                                                          strict=True)]
    inner_terms.sort(key=lambda t: ex.coefficient_of(t)[0] < 0)
    inner = factor(ex.add(*inner_terms))
    side, shared = key
    if side == "right":
        pulled = ex.mul(ex.Number(common), inner, shared)
    else:
        pulled = ex.mul(ex.Number(common), shared, inner)
    return ex.add(pulled, factor(ex.add(*outside))) if outside else pulled


def _neutral(shared: ex.Expr, side: str) -> ex.Expr:
    """What stands in for a term that is the shared factor alone: 1, or an identity matrix."""
    if side == "scalar" or shared.shape.is_scalar:
        return ex.Number(Fraction(1))
    size = shared.shape.rows if side == "right" else shared.shape.cols
    return ex.Identity(size)


def _common_coefficient(coeffs: list[Fraction]) -> Fraction:
    """The largest rational that divides every coefficient, positive."""
    numerator = 0
    denominator = 1
    for c in coeffs:
        numerator = gcd(numerator, c.numerator)
        denominator = denominator * c.denominator // gcd(denominator, c.denominator)
    return Fraction(numerator or 1, denominator)


def merge_powers(node: ex.Expr) -> ex.Expr:
    """Write runs of equal factors as powers: ``3 X^T X^T = 3 (X^2)^T``, ``s s = s^2``."""
    node = map_inner(node, merge_powers)  # an atom holds no product: kept
    if not isinstance(node, ex.MatMul):
        return node
    coeff, rest = ex.coefficient_of(node)
    scalars, chain = split_product(rest)
    merged = _runs(scalars, ordered=False) + _runs(chain, ordered=True)
    if len(merged) == len(scalars) + len(chain):
        return node  # no run of equal factors: nothing to merge
    return ex.mul(ex.Number(coeff), *merged)


def _runs(factors: list[ex.Expr], *, ordered: bool) -> list[ex.Expr]:
    """Equal neighbours (any equal factors when not ``ordered``) merged into one power."""
    groups: list[tuple[ex.Expr, int]] = []
    where: dict[ex.Expr, int] = {}  # unordered: the group of each base
    for item in factors:
        base, exponent = (item.base, item.exponent) if isinstance(item, ex.Power) and (
            item.shape.is_scalar or item.exponent > 0) else (item, 1)
        if ordered:
            found = len(groups) - 1 if groups and groups[-1][0] == base else None
        else:
            found = where.get(base)
        if found is not None:
            b, e = groups[found]
            groups[found] = (b, e + exponent)
        else:
            where[base] = len(groups)
            groups.append((base, exponent))
    return [_power(base, exponent) for base, exponent in groups if exponent != 0]


def _power(base: ex.Expr, exponent: int) -> ex.Expr:
    if exponent == 1:
        return base
    if isinstance(base, ex.Transpose) and isinstance(base.arg, ex.Symbol):
        return ex.Transpose(ex.Power(base.arg, exponent))  # (X^2)^T, as the Cookbook writes it
    return ex.Power(base, exponent)


def substitute(node: ex.Expr, function: ex.Defined) -> ex.Expr:
    """Write the function's own name where its body's scalar factors stand in a term.

    The derivative of a quotient ``t / s`` holds ``s^-2 t``, which is ``alpha s^-1`` for
    ``alpha = t / s``: a lecturer writes ``2 s^-1 (A' A x - alpha B' B x)``. Only a scalar
    function with a reciprocal among its factors is substituted; the name is a ``Defined`` node,
    so the line keeps its value.
    """
    scale, rest = ex.coefficient_of(function.body)
    scalars, chain = _scalar_parts(rest)
    body = _powers(scalars)
    if chain or not any(e < 0 for e in body.values()) or len(body) < 2 or scale == 0:
        return node
    terms = node.terms if isinstance(node, ex.Add) else (node,)
    return ex.add(*(_substitute_term(t, function, body, scale) for t in terms))


def _scalar_parts(node: ex.Expr) -> tuple[list[ex.Expr], list[ex.Expr]]:
    """As :func:`split_product`, with a chain that multiplies out to 1 x 1 among the scalars."""
    scalars, chain = split_product(node)
    if chain and ex.mul(*chain).shape.is_scalar:
        return [*scalars, ex.mul(*chain)], []
    return scalars, chain


def _powers(scalars: list[ex.Expr]) -> dict[ex.Expr, int]:
    powers: dict[ex.Expr, int] = {}
    for item in scalars:
        base, exponent = (item.base, item.exponent) if isinstance(item, ex.Power) else (item, 1)
        powers[base] = powers.get(base, 0) + exponent
    return powers


def _substitute_term(term: ex.Expr, function: ex.Defined, body: dict[ex.Expr, int],
                     scale: Fraction) -> ex.Expr:  # fmt: skip
    coeff, rest = ex.coefficient_of(term)
    scalars, chain = _scalar_parts(rest)
    have = _powers(scalars)
    fits = all(have.get(b, 0) * e > 0 and abs(have[b]) >= abs(e) for b, e in body.items())
    if not fits:
        return term
    left = {b: have[b] - body.get(b, 0) for b in have}
    kept = [_power(b, e) if e != 1 else b for b, e in left.items() if e != 0]
    return ex.mul(ex.Number(coeff / scale), function, *kept, *chain)  # alpha = scale * body
