"""A declared dependency's derivative has the shape its layout states (issue 10, item 6).

``y = v u`` with ``v`` a scalar and ``u`` a vector, both depending on ``x``: in the mixed and
denominator layouts the gradient ``dv/dx`` is a column, so the row the result needs is written
``(dv/dx)ᵀ`` (mixed); in the denominator layout ``du/dx`` is ``n x 2`` and its entries are
``(du/dx)_ki``. The same shapes reach ``to_sympy()``.
"""

from __future__ import annotations

import pytest
import sympy

import derive
from derive.documents.printer import unicode
from derive.ir import expr as ex

_DECLARE = ("v: scalar, depends on x", "u: 2, depends on x")


@pytest.mark.parametrize(("layout", "result", "fact"), [
    ("mixed", "u (∂v/∂x)ᵀ + v (∂u/∂x)", "(∂u/∂x)ᵢₖ"),
    ("numerator", "u (∂v/∂x) + v (∂u/∂x)", "(∂u/∂x)ᵢₖ"),
    ("denominator", "(∂v/∂x) uᵀ + v (∂u/∂x)", "(∂u/∂x)ₖᵢ"),
])  # fmt: skip
def test_dependent_scalar_is_shaped_by_the_layout(layout: str, result: str, fact: str) -> None:
    derivation = derive.prove("v u", "x", declare=_DECLARE, layout=layout)
    assert unicode(derivation.result.rhs, derivation.symbols) == result
    text = derivation.to_text()
    assert f"∂uᵢ/∂xₖ = {fact}" in text
    assert "u (∂v/∂x) +" not in text or layout == "numerator"


@pytest.mark.parametrize(("layout", "shape"), [
    ("mixed", ("n", 1)), ("numerator", (1, "n")), ("denominator", ("n", 1)),
])  # fmt: skip
def test_dependent_scalar_gradient_node_has_the_layouts_shape(layout: str,
                                                              shape: tuple[object, ...]) -> None:
    derivation = derive.prove("v u", "x", declare=_DECLARE, layout=layout)
    jacobians = [n for n in _nodes(derivation.result.rhs) if isinstance(n, ex.Jacobian)]
    gradient = next(j for j in jacobians if j.of.name == "v")
    assert (gradient.shape.rows, gradient.shape.cols) == shape


def test_dependent_scalar_to_sympy_transposes_the_column_gradient() -> None:
    result = derive.prove("v u", "x", declare=_DECLARE).to_sympy()
    gradient = next(s for s in result.atoms(sympy.MatrixSymbol) if s.name == "dv/dx")
    assert str(gradient.shape) == "(n, 1)"  # a column, as the mixed layout says
    assert sympy.Transpose(gradient) in sympy.preorder_traversal(result)
    assert str(result.shape) == "(2, n)"


def _nodes(node: ex.Expr) -> list[ex.Expr]:
    return [node, *(n for c in node.children for n in _nodes(c))]
