"""A tensor result (a matrix by a matrix) as ``einsum`` code, read off its index sum.

A term ``c * sum_{k} a_ik b_kl delta_jl`` is ``c * np.einsum("ik,kl,jl->ijl", A, B, I)``: each
entry's base printed as an array by the code printer, a Kronecker delta as an identity matrix,
the free indices of the result in their order (the function's axes, then the variable's). A
free index that no factor carries is a factor of ones; a summed index that none carries is its
size; factors without indices (``det X``, a scalar) multiply the whole term.
"""

from __future__ import annotations

import string
from collections.abc import Iterable

from derive.documents.codegen.printer import TORCH, Context, dim_code
from derive.errors import UnsupportedError
from derive.ir import expr as ex
from derive.ir import index as ix

__all__ = ["bases", "tensor_code"]

_LETTERS = string.ascii_letters  # einsum takes 52 index letters


def bases(index_sum: ix.IndexSum) -> list[ex.Expr]:
    """The matrix expressions whose entries the index sum multiplies (for common subexpressions)."""
    return [f.base for t in index_sum.terms for f in t.factors if isinstance(f, ix.Entry)]


def tensor_code(index_sum: ix.IndexSum, c: Context) -> str:
    """The index sum as array code: a sum of scaled ``einsum`` calls over its free indices.

    Raises:
        UnsupportedError: A term holds a derivative not worked out, or too many indices.
    """
    letters: dict[ix.Index, str] = {}
    _spec(index_sum.free, letters)  # the result's axes first: "...->ijkl" as in the proof
    terms = [_term(term, index_sum.free, letters, c) for term in index_sum.terms]
    if not terms:
        return _zeros(index_sum.free, c)
    code = terms[0]
    for term in terms[1:]:
        code = f"{code} - {term[1:]}" if term.startswith("-") else f"{code} + {term}"
    return code


def _term(term: ix.Term, free: tuple[ix.Index, ...], letters: dict[ix.Index, str],
          c: Context) -> str:
    module = c.library.module
    extra = ", dtype=torch.float64" if c.library is TORCH else ""
    specs: list[str] = []
    operands: list[str] = []
    scale: list[str] = []
    for factor in term.factors:
        if isinstance(factor, ix.Partial):
            raise UnsupportedError("cannot write code for a derivative left symbolic")
        if isinstance(factor, ix.Count):
            scale.append(dim_code(factor.dim))
        elif isinstance(factor, ix.Delta):
            specs.append(_spec(factor.indices, letters))
            operands.append(f"{c.library.eye}({dim_code(factor.i.dim)}{extra})")
        elif not factor.indices:
            scale.append(c.paren(factor.base, 20))  # binds as tightly as a product
        else:
            specs.append(_spec(factor.indices, letters))
            operands.append(c.code(factor.base)[0])
    carried = {i for f in term.factors for i in f.indices}
    for index in free:
        if index not in carried:
            specs.append(_spec((index,), letters))
            operands.append(f"{module}.ones({dim_code(index.dim)}{extra})")
    scale += [dim_code(i.dim) for i in term.sums if i not in carried]
    einsum = f'{module}.einsum("{",".join(specs)}->{_spec(free, letters)}", {", ".join(operands)})'
    return _scaled(term.coeff, [*scale, einsum])


def _spec(indices: Iterable[ix.Index], letters: dict[ix.Index, str]) -> str:
    for index in indices:
        if index in letters:
            continue
        taken = set(letters.values())
        if index.name in _LETTERS and index.name not in taken:  # the proof's own name
            letters[index] = index.name
            continue
        spare = [letter for letter in _LETTERS if letter not in taken]
        if not spare:
            raise UnsupportedError("cannot write code: the result has more than 52 indices")
        letters[index] = spare[0]
    return "".join(letters[i] for i in indices)


def _scaled(coeff: object, factors: list[str]) -> str:
    from fractions import Fraction

    value = Fraction(str(coeff))
    sign, size = ("-" if value < 0 else ""), abs(value)
    if size != 1:
        factors.insert(0, str(size.numerator) if size.denominator == 1
                       else f"{size.numerator} / {size.denominator}")  # fmt: skip
    return sign + " * ".join(factors)


def _zeros(free: tuple[ix.Index, ...], c: Context) -> str:
    extra = ", dtype=torch.float64" if c.library is TORCH else ""
    sizes = ", ".join(dim_code(i.dim) for i in free)
    return f"{c.library.zeros}(({sizes}{',' if len(free) == 1 else ''}){extra})"
