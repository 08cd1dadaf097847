"""Named functions read back into a result: the definitions of σ and softmax, backwards.

The engine expands ``logsumexp`` and ``softmax`` by their definitions and differentiates ``exp``
as itself, so its results hold ``(1 + exp(v))⁻¹ exp(v)`` and ``sum(exp(u))⁻¹ exp(u)``. A lecturer
writes ``σ(v)`` and ``softmax(u)``; both rewrites are the definitions read backwards, identities
that the checks confirm like every other simplification:

- ``(1 + exp(v))^-k`` beside ``exp(v)`` (entrywise, or as scalars) is ``σ(v)`` once per pair;
- ``sum(exp(u))^-k`` beside ``exp(u)``, ``exp(u)ᵀ`` or ``diag(exp(u))`` in a product is
  ``softmax(u)``, ``softmax(u)ᵀ``, ``diag(softmax(u))`` once per pair.

A Hessian's entrywise second derivative comes out as a difference of diagonal matrices,
``diag(σ(v)) - diag(σ(v) ∘ σ(v))``, or of powers, ``σ(s) - σ(s)²``; :func:`factor_entrywise`
writes them as a lecturer does, ``diag(σ(v) ∘ (𝟏 - σ(v)))`` and ``σ(s) (1 - σ(s))`` (diag is
linear; a factor common to every term comes out).
"""

from __future__ import annotations

from fractions import Fraction

from derive.calculus.algebra import is_atom
from derive.ir import elementwise as el
from derive.ir import expr as ex


def name_compositions(node: ex.Expr) -> ex.Expr:
    """``node`` with σ and softmax written by name where their definitions stand."""
    if is_atom(node) or isinstance(node, ex.Jacobian | ex.Defined | ex.Derivative):
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
        rest = k
        for n, other in enumerate(factors):
            m = min(_exp_power(other, v), rest)
            if m:  # exp(v)^m' with m of its m' powers paired: σ(v)^m exp(v)^(m' - m)
                kept = el.hadamard_power(el.Apply("exp", v), _exp_power(other, v) - m)
                factors[n] = node.rebuild([el.hadamard_power(el.Apply("sigma", v), m), kept])
                rest -= m
        if rest == k:
            continue
        factors[position] = _power_like(factor, base, rest)
        return node.rebuild(factors)
    return node


def _exp_power(node: ex.Expr, v: ex.Expr) -> int:
    """``m`` for ``exp(v)``, ``exp(v)^m`` or ``exp(v) .^ m`` (m a positive integer), else 0."""
    if _exp_of(node) == v:
        return 1
    if isinstance(node, ex.Power | el.HadamardPower) and _exp_of(node.base) == v:
        exponent = Fraction(node.exponent)
        if exponent > 0 and exponent.denominator == 1:
            return int(exponent)
    return 0


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


def factor_entrywise(node: ex.Expr) -> ex.Expr:
    """``c₁ diag(a₁) + c₂ diag(a₂) + ...`` as one ``diag(f ∘ (c₁ r₁ + c₂ r₂ + ...))``, and
    ``σ(s) - σ(s)²`` as ``σ(s) (1 - σ(s))``.

    ``f`` is the entrywise product of the factors every ``aₖ`` shares (``rₖ`` what is left,
    ``𝟏`` when nothing is); other terms of the sum stay as they are. In a scalar sum, the
    lowest power of a function's value that every term holds comes out.
    """
    if is_atom(node) or isinstance(node, ex.Jacobian | ex.Defined | ex.Derivative):
        return node
    children = [factor_entrywise(c) for c in node.children]
    if children != list(node.children):
        node = node.rebuild(children)
    if not isinstance(node, ex.Add):
        return node
    if node.shape.is_scalar:
        return _factor_function_powers(node)
    diagonals: list[tuple[Fraction, ex.Expr]] = []
    others: list[ex.Expr] = []
    for term in node.terms:
        coefficient, rest = ex.coefficient_of(term)
        if isinstance(rest, el.Diag) and rest.arg.shape.is_column:
            diagonals.append((coefficient, rest.arg))
        else:
            others.append(term)
    merged = _factor_hadamard(diagonals) if len(diagonals) > 1 else None
    if merged is None:  # without a common factor the diagonals read as well apart
        return node
    return ex.add(*others, el.Diag(merged))


def _factor_hadamard(terms: list[tuple[Fraction, ex.Expr]]) -> ex.Expr | None:
    """``Σ cₖ (f ∘ rₖ) = f ∘ Σ cₖ rₖ`` for the factors ``f`` every term has (as a multiset),
    or None when the terms share no factor."""
    lists = [list(v.factors) if isinstance(v, el.Hadamard) else [v] for _, v in terms]
    common: list[ex.Expr] = []
    for factor in list(lists[0]):
        if all(factor in rest for rest in lists[1:]):
            common.append(factor)
            for rest in lists:
                rest.remove(factor)
    parts = [ex.mul(ex.Number(c), el.hadamard(*rest) if rest else el.ones_like(v))
             for (c, v), rest in zip(terms, lists, strict=True)]
    if not common:
        return None
    inner = ex.add(*parts)
    return el.hadamard(common[0], inner, *common[1:])


def _factor_function_powers(node: ex.Add) -> ex.Expr:
    """``σ(s)^a (…) + σ(s)^b (…)`` as ``σ(s)^min(a, b) (…)``: only values of a function."""
    powers = [_function_powers(t) for t in node.terms]
    common = {base: min(p.get(base, 0) for p in powers) for base in powers[0]}
    common = {base: k for base, k in common.items() if k > 0}
    if not common:
        return node
    rests = [ex.mul(*_without_powers(t, common)) for t in node.terms]
    out = [el.hadamard_power(base, k) for base, k in common.items()]
    return ex.mul(*out, ex.add(*rests))


def _scalar_factors(term: ex.Expr) -> list[ex.Expr]:
    return list(term.factors) if isinstance(term, ex.MatMul) else [term]


def _function_powers(term: ex.Expr) -> dict[ex.Expr, int]:
    """The scalar function values of a product with their integer powers."""
    found: dict[ex.Expr, int] = {}
    for factor in _scalar_factors(term):
        base, k = (factor.base, factor.exponent) if isinstance(factor, ex.Power) else (factor, 1)
        if isinstance(base, el.Apply) and base.shape.is_scalar and k > 0:
            found[base] = found.get(base, 0) + k
    return found


def _without_powers(term: ex.Expr, common: dict[ex.Expr, int]) -> list[ex.Expr]:
    left = dict(common)
    kept: list[ex.Expr] = []
    for factor in _scalar_factors(term):
        base, k = (factor.base, factor.exponent) if isinstance(factor, ex.Power) else (factor, 1)
        take = min(left.get(base, 0), k) if k > 0 else 0
        left[base] = left.get(base, 0) - take
        kept.append(el.hadamard_power(base, k - take) if take else factor)
    return kept or [ex.number(1)]
