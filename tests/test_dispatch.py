"""Behaviour per node type: every operation has an entry for every node class of ``ir``, and a
node type an operation does not know stops with a clear internal error.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pytest

# every module that declares an operation on nodes (their tables fill as they import)
import derive.calculus.collect
import derive.calculus.differentiate
import derive.check.evaluate
import derive.check.exact
import derive.check.sympy_bridge
import derive.language.constants  # noqa: F401
from derive.calculus import algebra
from derive.documents.printer import AsciiPrinter, LatexPrinter, UnicodePrinter
from derive.errors import InternalError
from derive.ir import elementwise as el
from derive.ir import expr as ex
from derive.ir import index as ix
from derive.ir import order
from derive.ir.dispatch import Operation

EXPR_TYPES = sorted(
    [*(c for c in vars(ex).values()
       if isinstance(c, type) and issubclass(c, ex.Expr) and c is not ex.Expr), *el.NODES],
    key=lambda c: c.__name__,
)  # fmt: skip
FAMILIES = {"expr": frozenset(EXPR_TYPES), "factor": frozenset(ix.FACTOR_TYPES)}
OPERATIONS = {op.name: op for op in Operation.every}


@dataclass(frozen=True, slots=True)
class Sigmoid(ex.Expr):
    """A node type that no operation knows: what a half-added node looks like."""

    arg: ex.Expr

    @property
    def shape(self) -> ex.Shape:
        return self.arg.shape

    @property
    def children(self) -> tuple[ex.Expr, ...]:
        return (self.arg,)


@dataclass(frozen=True, slots=True)
class Stray:
    """An index factor that no operation knows."""

    @property
    def indices(self) -> tuple[ix.Index, ...]:
        return ()


def test_dispatch_knows_the_operations() -> None:
    expected = {
        "derive.ir.index.to_index", "derive.ir.index.rename_factor",
        "derive.calculus.differentiate.depends", "derive.calculus.differentiate.factor_depends",
        "derive.calculus.differentiate.entry_derivative",
        "derive.calculus.differentiate.basic_rule", "derive.check.evaluate.evaluate_expr",
        "derive.check.evaluate.factor_value", "derive.check.exact.evaluate",
        "derive.calculus.collect.foldable",
        "derive.check.sympy_bridge._convert", "derive.language.constants.constant_value",
    }  # fmt: skip
    assert expected <= set(OPERATIONS)
    assert len(EXPR_TYPES) == 17 + len(el.NODES)


@pytest.mark.parametrize("name", sorted(OPERATIONS), ids=sorted(OPERATIONS))
def test_dispatch_every_node_class_has_an_entry(name: str) -> None:
    operation = OPERATIONS[name]
    missing = FAMILIES[operation.family] - operation.types
    assert not missing, f"{name} lacks {sorted(t.__name__ for t in missing)}"


@pytest.mark.parametrize("printer", [LatexPrinter, UnicodePrinter, AsciiPrinter],
                         ids=["latex", "unicode", "ascii"])
def test_dispatch_every_node_class_has_a_printer_method(printer: type) -> None:
    nodes = [*EXPR_TYPES, *ix.FACTOR_TYPES, ix.Term, ix.IndexSum]
    missing = [t.__name__ for t in nodes if not hasattr(printer, f"_print_{t.__name__}")]
    assert not missing
    with pytest.raises(TypeError, match="cannot print Sigmoid"):
        printer().doprint(Sigmoid(ex.Symbol("x", ex.Shape("n", 1))))


def test_dispatch_every_node_class_has_a_sort_key() -> None:
    assert set(EXPR_TYPES) <= set(order.sort_key.registry)
    with pytest.raises(TypeError, match="no sort key for Sigmoid"):
        order.sort_key(Sigmoid(ex.Symbol("x", ex.Shape("n", 1))))


@pytest.mark.parametrize("name", sorted(OPERATIONS), ids=sorted(OPERATIONS))
def test_dispatch_unknown_node_is_an_internal_error(name: str) -> None:
    operation = OPERATIONS[name]
    stray: object = Sigmoid(ex.Symbol("x", ex.Shape("n", 1))) if operation.family == "expr" \
        else Stray()
    with pytest.raises(InternalError, match=f"{name} has no entry for the node type"
                                            f" {type(stray).__name__}"):
        operation(stray, None, None, None)


def test_dispatch_unknown_node_inside_an_expression_is_an_internal_error() -> None:
    x = ex.Symbol("x", ex.Shape("n", 1))
    inside = ex.mul(ex.Transpose(x), Sigmoid(x))
    with pytest.raises(InternalError, match="to_index has no entry for the node type Sigmoid"):
        ix.to_index(inside, None, None, ix.IndexNames())
    point = derive.check.evaluate.Point({"x": np.ones((3, 1))}, {}, {"n": 3})
    with pytest.raises(InternalError, match="evaluate_expr has no entry for the node type Sigmoid"):
        derive.check.evaluate.evaluate_expr(inside, point)


def test_dispatch_rebuild_of_an_unknown_node_is_an_internal_error() -> None:
    x = ex.Symbol("x", ex.Shape("n", 1))
    node = ex.Transpose(ex.Transpose(Sigmoid(ex.Transpose(ex.Transpose(x)))))
    with pytest.raises(InternalError, match="Sigmoid does not say how to rebuild itself"):
        algebra.push_transpose(node)


def test_dispatch_register_twice_is_an_error() -> None:
    operation: Operation[int] = Operation("test.twice")
    try:
        operation.register(ex.Symbol)(lambda node: 1)
        with pytest.raises(InternalError, match="Symbol registered twice"):
            operation.register(ex.Symbol)(lambda node: 2)
    finally:
        Operation.every.remove(operation)


X = ex.Symbol("X", ex.Shape("n", "n"))
Y = ex.Symbol("Y", ex.Shape("n", "n"))
s = ex.Symbol("s", ex.SCALAR)
REBUILT = [
    (ex.Add((X, Y)), [Y, X], ex.Add((Y, X))),
    (ex.MatMul((X, Y)), [Y, ex.MatMul((X, X))], ex.MatMul((Y, X, X))),
    (ex.Transpose(X), [ex.Transpose(Y)], Y),
    (ex.Inverse(X), [Y], ex.Inverse(Y)),
    (ex.Power(X, 3), [Y], ex.Power(Y, 3)),
    (ex.Trace(X), [Y], ex.Trace(Y)),
    (ex.Det(X), [Y], ex.Det(Y)),
    (ex.Log(s), [ex.Det(X)], ex.Log(ex.Det(X))),
    (ex.Norm(X), [Y], ex.Norm(Y)),
    (ex.Add((X, Y)), [X, ex.Zero(X.shape)], X),
    (ex.MatMul((s, X)), [ex.Number(Fraction(0)), X], ex.Zero(X.shape)),
]


@pytest.mark.parametrize(("node", "children", "expected"), REBUILT,
                         ids=[type(n).__name__ for n, _, _ in REBUILT])  # fmt: skip
def test_dispatch_rebuild_over_new_children(
    node: ex.Expr, children: list[ex.Expr], expected: ex.Expr
) -> None:
    assert node.rebuild(children) == expected


@pytest.mark.parametrize("node_type", EXPR_TYPES, ids=[t.__name__ for t in EXPR_TYPES])
def test_dispatch_every_node_with_children_says_how_to_rebuild(node_type: type) -> None:
    has_children = "children" in vars(node_type)
    overrides = "rebuild" in vars(node_type)
    assert has_children == overrides


@pytest.mark.parametrize(("body", "node", "written"), [
    ("t / s", "s^-2 t x", "alpha s^-1 x"),  # the quotient's name where t s^-1 stands
    ("s t", "s t x", "s t x"),  # no reciprocal in the body: the product is left as it is
], ids=["quotient", "product"])  # fmt: skip
def test_dispatch_substitute_names_only_a_quotient(body: str, node: str, written: str) -> None:
    from derive.calculus.algebra import substitute
    from derive.documents.printer import ascii_str
    from derive.ir import expr as ex
    from derive.language.frontend import parse

    declare = ("s: scalar", "t: scalar")
    function = ex.Defined("alpha", parse(body, declare).expr)
    assert ascii_str(substitute(parse(node, declare).expr, function)) == written
