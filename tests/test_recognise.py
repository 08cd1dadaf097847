"""calculus.recognise: index terms read back as matrices, and the terms that have no matrix form.

Each term is built by hand and read by ``term_to_matrix``; the expected reading is checked as
text and, independently, by value: the term's entries by the tests' own evaluator
(``oracle.py``, einsum) against the matrix's value.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from numpy.testing import assert_allclose
from oracle import value_of

from derive.calculus.recognise import term_to_matrix
from derive.documents.printer import unicode
from derive.errors import UnsupportedError
from derive.ir import expr as ex
from derive.ir import index as ix

N = "n"
i, j, k, m = (ix.Index(name, N) for name in "ijkm")
A, B, C = (ex.Symbol(name, ex.Shape(N, N)) for name in "ABC")
x, y = (ex.Symbol(name, ex.Shape(N, 1)) for name in "xy")
alpha = ex.Symbol("alpha", ex.SCALAR)
SIZES = {"n": 3}


def entry(base: ex.Expr, *indices: ix.Index) -> ix.Entry:
    return ix.Entry(base, indices)


# (id, factors, row, col, the matrix as printed)
READINGS = [
    ("matrix-vector", (entry(A, i, j), entry(x, j)), i, None, "A x"),
    ("transposed", (entry(A, j, i), entry(x, j)), i, None, "Aᵀ x"),
    ("chain", (entry(A, i, j), entry(B, j, m), entry(C, m, k)), i, k, "A B C"),
    ("delta", (ix.Delta(i, k),), i, k, "I"),
    ("outer", (entry(x, i), entry(y, k)), i, k, "x yᵀ"),
    ("row", (entry(x, j), entry(A, j, k)), None, k, "(Aᵀ x)ᵀ"),  # simplify tidies it later
    ("bilinear", (entry(x, i), entry(A, i, j), entry(y, j)), None, None, "xᵀ A y"),
    ("inner", (entry(x, i), entry(y, i)), None, None, "xᵀ y"),
    # closed cycles are traces, in their simplest rotation
    ("trace", (entry(A, j, j),), None, None, "tr(A)"),
    ("trace-pair", (entry(A, i, j), entry(B, j, i)), None, None, "tr(A B)"),
    ("trace-transposed", (entry(A, i, j), entry(B, i, j)), None, None, "tr(A Bᵀ)"),
    ("trace-rotated", (entry(C, m, i), entry(A, i, j), entry(B, j, m)), None, None,
     "tr(A B C)"),
    ("trace-times-vector", (entry(A, j, m), entry(B, m, j), entry(x, i)), i, None,
     "tr(A B) x"),
    ("scalar-leaf", (entry(alpha), entry(x, i)), i, None, "α x"),
]  # fmt: skip


@pytest.mark.parametrize(("factors", "row", "col", "printed"), [r[1:] for r in READINGS],
                         ids=[r[0] for r in READINGS])  # fmt: skip
def test_recognise_reads_the_index_graph(
    factors: tuple[ix.Factor, ...], row: ix.Index | None, col: ix.Index | None, printed: str
) -> None:
    free = tuple(index for index in (row, col) if index is not None)
    dummies = sorted({index for f in factors for index in f.indices} - set(free))
    term = ix.Term(Fraction(1), tuple(dummies), factors)
    matrix = term_to_matrix(term, row, col)
    assert unicode(matrix) == printed
    rng = np.random.default_rng(0)
    values = {"A": rng.standard_normal((3, 3)), "B": rng.standard_normal((3, 3)),
              "C": rng.standard_normal((3, 3)), "x": rng.standard_normal((3, 1)),
              "y": rng.standard_normal((3, 1)), "alpha": np.array([[0.7]])}  # fmt: skip
    entries = value_of(ix.IndexSum((term,), free), values, SIZES)
    assert_allclose(value_of(matrix, values, SIZES).reshape(entries.shape), entries, rtol=1e-12)


# (id, factors, row, col, message)
NO_MATRIX_FORM = [
    ("diagonal", (entry(A, i, i), entry(x, i)), i, None,
     "this term has no matrix form: an index occurs 3 times (elementwise products are not"
     " supported yet)"),
    ("elementwise", (entry(x, i), entry(y, i)), i, None, "an index occurs 2 times"),
    ("dummy-once", (entry(A, i, j),), i, None, "an index occurs 1 times"),
    ("row-index-absent", (entry(A, k, j), entry(x, j)), i, k,
     "this term has no matrix form (an index is left dangling)"),
]  # fmt: skip


@pytest.mark.parametrize(("factors", "row", "col", "message"), [r[1:] for r in NO_MATRIX_FORM],
                         ids=[r[0] for r in NO_MATRIX_FORM])  # fmt: skip
def test_recognise_term_without_matrix_form_is_unsupported(
    factors: tuple[ix.Factor, ...], row: ix.Index | None, col: ix.Index | None, message: str
) -> None:
    free = {index for index in (row, col) if index is not None}
    dummies = sorted({index for f in factors for index in f.indices} - free)
    with pytest.raises(UnsupportedError) as caught:
        term_to_matrix(ix.Term(Fraction(1), tuple(dummies), factors), row, col)
    assert message in str(caught.value)
