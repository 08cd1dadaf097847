"""2,000 random well-shaped expressions: the derivative agrees with central differences, or the
engine says clearly why it cannot derive it (UnsupportedError, LimitError), never anything else.

The expressions are typed ``derive.ir.expr`` trees of depth up to 5 over x, y (n-vectors), A, B, X
(n x n) and the scalar alpha, with sums, differences, scalar multiples, products, transposes,
traces, inverses, integer powers, determinants, logarithms of positive scalars and norms, and the
operations of machine-learning courses: σ, tanh, sin and cos of vectors, sums of entries,
Hadamard products of vectors and of matrices, diag of a vector, logsumexp, softmax and square
roots of positive scalars (``engine_support``). Each is printed with
``documents.printer.ascii_str``, proved (which verifies it: exactly, and every step numerically),
and its result checked again here, independently of the verifier: evaluated at other random
values and compared with this file's own central differences of the original tree, laid out as
PRODUCT.md section 4 says.

The runs are split into four chunks of 500 with fixed seeds and no example database, so CI sees
the same 2,000 expressions every time.
"""

from __future__ import annotations

import pytest
from engine_support import (
    DECLARE,
    SYMBOLS,
    TREE_SIZE,
    central_difference,
    layout_matrix,
    problems,
    relative_error,
    tree_value,
    tree_values,
)
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from oracle import value_of

import derive
from derive.documents.printer import ascii_str
from derive.errors import LimitError, UnsupportedError
from derive.ir import expr as ex

CHUNKS = 4
EXAMPLES = 500
TOLERANCE = 1e-6


def _check(tree: ex.Expr, wrt: str, layout: str) -> str:
    """Prove one expression and compare its result with central differences; return the outcome."""
    text = ascii_str(tree)
    try:
        derivation = derive.prove(text, wrt, declare=DECLARE, layout=layout)
    except (UnsupportedError, LimitError) as error:
        assert str(error), "a DeriveError must say why"
        return type(error).__name__
    assert derivation.proven, text
    values = tree_values(seed=1)  # not the verifier's values
    tensor = central_difference(lambda v: tree_value(tree, v), values, wrt)
    rhs = derivation.result.rhs
    if isinstance(rhs, ex.Expr):
        got = tree_value(rhs, values)
        expected = layout_matrix(tensor, tree.shape, SYMBOLS[wrt].shape, layout)
    else:  # a tensor in index form: free indices are the function's, then the variable's
        got = value_of(rhs, values, {"n": TREE_SIZE})
        expected = tensor.reshape(got.shape) if tensor.size == got.size else tensor
    error = relative_error(got, expected)
    assert error < TOLERANCE, f"d/d{wrt} of {text} ({layout}): relative error {error:.2e}"
    return "proven"


@pytest.mark.slow
@pytest.mark.parametrize("chunk", range(CHUNKS), ids=[f"chunk-{c}" for c in range(CHUNKS)])
def test_random_expressions_agree_with_finite_differences(chunk: int) -> None:
    outcomes: dict[str, int] = {}

    @seed(20261122 + chunk)
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                     HealthCheck.data_too_large])  # fmt: skip
    @given(problems(), st.sampled_from(("mixed", "mixed", "numerator", "denominator")))
    def run(problem: tuple[ex.Expr, str], layout: str) -> None:
        tree, wrt = problem
        outcome = _check(tree, wrt, layout)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1

    run()
    # the property must be exercised, not skipped: most expressions are proven
    assert outcomes.get("proven", 0) >= EXAMPLES * 0.9, outcomes
