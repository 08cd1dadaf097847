"""Named functions read back into a result: the definitions of σ and softmax, backwards.

The engine expands ``logsumexp`` and ``softmax`` by their definitions and differentiates ``exp``
as itself, so its results hold ``(1 + exp(v))⁻¹ exp(v)`` and ``sum(exp(u))⁻¹ exp(u)``. A lecturer
writes ``σ(v)`` and ``softmax(u)``; both rewrites are the definitions read backwards, identities
that the checks confirm like every other simplification:

- ``(1 + exp(v))^-k`` beside ``exp(v)`` (entrywise, or as scalars) is ``σ(v)`` once per pair;
- ``sum(exp(u))^-k`` beside ``exp(u)``, ``exp(u)ᵀ`` or ``diag(exp(u))`` in a product is
  ``softmax(u)``, ``softmax(u)ᵀ``, ``diag(softmax(u))`` once per pair.
"""

from __future__ import annotations

from fractions import Fraction

from derive.ir import elementwise as el
from derive.ir import expr as ex


def name_compositions(node: ex.Expr) -> ex.Expr:
    """``node`` with σ and softmax written by name where their definitions stand."""
    if not node.children or isinstance(node, ex.Jacobian | ex.Defined | ex.Derivative):
        return node
    children = [name_compositions(c) for c in node.children]
    if children != list(node.children):
        node = node.rebuild(children)
    if isinstance(node, el.Hadamard | ex.MatMul):
        node = _sigmoid(node)
    if isinstance(node, ex.MatMul):
        node = _softmax(node)
    return node


def _exp_of(node: ex.Expr) -> ex.Expr | None:
    return node.arg if isinstance(node, el.Apply) and node.function == "exp" else None


def _one_plus_exp(node: ex.Expr) -> ex.Expr | None:
    """``v`` for ``1 + exp(v)`` (the 1 a number or a matrix of ones)."""
    if not isinstance(node, ex.Add) or len(node.terms) != 2:
        return None
    one, other = node.terms
    if not (one == ex.number(1) or one == el.ones_like(other)):
        return None
    return _exp_of(other)


def _reciprocal_power(node: ex.Expr) -> tuple[ex.Expr, int] | None:
    """``(base, k)`` for ``base^-k`` or ``base .^ -k``."""
    if isinstance(node, ex.Power) and node.exponent < 0:
        return node.base, -node.exponent
    if isinstance(node, el.HadamardPower) and node.exponent < 0 and node.exponent.denominator == 1:
        return node.base, int(-node.exponent)
    return None


def _sigmoid(node: el.Hadamard | ex.MatMul) -> ex.Expr:
    factors = list(node.factors)
    for position, factor in enumerate(factors):
        found = _reciprocal_power(factor)
        if found is None or (v := _one_plus_exp(found[0])) is None:
            continue
        base, k = found
        pairs = [n for n, f in enumerate(factors) if _exp_of(f) == v][:k]
        if not pairs:
            continue
        for n in pairs:
            factors[n] = el.Apply("sigma", v)
        rest = k - len(pairs)
        factors[position] = _power_like(factor, base, rest)
        return node.rebuild(factors)
    return node


def _power_like(original: ex.Expr, base: ex.Expr, k: int) -> ex.Expr:
    if k == 0:
        return ex.number(1)
    if isinstance(original, ex.Power):
        return ex.Power(base, -k)
    return el.hadamard_power(base, Fraction(-k))


def _softmax(node: ex.MatMul) -> ex.Expr:
    factors = list(node.factors)
    for position, factor in enumerate(factors):
        found = _reciprocal_power(factor)
        if found is None or not isinstance(found[0], el.Sum):
            continue
        u = _exp_of(found[0].arg)
        if u is None or not u.shape.is_column:
            continue
        k = found[1]
        for n, other in enumerate(factors):
            if k == 0:
                break
            named = _named_softmax(other, u)
            if named is not None:
                factors[n] = named
                k -= 1
        if k != found[1]:
            factors[position] = ex.number(1) if k == 0 else ex.Power(found[0], -k)
            return ex.mul(*factors)
    return node


def _named_softmax(node: ex.Expr, u: ex.Expr) -> ex.Expr | None:
    exp_u = el.Apply("exp", u)
    if node == exp_u:
        return el.Softmax(u)
    if node == ex.Transpose(exp_u):
        return ex.Transpose(el.Softmax(u))
    if node == el.Diag(exp_u):
        return el.Diag(el.Softmax(u))
    return None
