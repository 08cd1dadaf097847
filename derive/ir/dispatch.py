"""One table per operation on nodes: an entry per node type, a clear error for a missing one.

Each stage that does something with every kind of node (index form, differentiation,
evaluation, exact evaluation, the SymPy form) declares an :class:`Operation` and registers one
function per node type, as SymPy's printers have one ``_print_<Class>`` each. Lookup is by the
node's exact type: a new node type that an operation does not know stops with
:class:`~derive.errors.InternalError` naming both, instead of passing through unchanged.
``tests/test_dispatch.py`` checks that every node class of ``ir`` has an entry in every table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from derive.errors import InternalError

R = TypeVar("R")
F = TypeVar("F", bound=Callable[..., Any])


class Operation(Generic[R]):
    """An operation on nodes of one family (matrix expressions or index factors).

    Args:
        name: The operation's function, for error messages ("derive.ir.index.to_index").
        family: ``"expr"`` for :class:`derive.ir.expr.Expr` nodes, ``"factor"`` for the factors
            of :mod:`derive.ir.index`.
    """

    every: list[Operation[Any]] = []  # every operation declared: the coverage test reads it

    def __init__(self, name: str, family: str = "expr") -> None:
        self.name = name
        self.family = family
        self._table: dict[type, Callable[..., R]] = {}
        Operation.every.append(self)

    def register(self, *types: type) -> Callable[[F], F]:
        """A decorator: the function is the operation's entry for each of ``types``."""

        def add(function: F) -> F:
            for node_type in types:
                if node_type in self._table:
                    raise InternalError(f"{self.name}: {node_type.__name__} registered twice")
                self._table[node_type] = function
            return function

        return add

    def update(self, entries: Mapping[type, Callable[..., R]]) -> None:
        """Register many entries at once, from a table ``{node type: function}``."""
        for node_type, function in entries.items():
            self.register(node_type)(function)

    def __call__(self, node: Any, /, *args: Any) -> R:
        try:
            function = self._table[type(node)]
        except KeyError:
            raise InternalError(
                f"{self.name} has no entry for the node type {type(node).__name__}"
                f" (register one: @<operation>.register({type(node).__name__}))"
            ) from None
        return function(node, *args)

    @property
    def types(self) -> frozenset[type]:
        """The node types the operation has an entry for."""
        return frozenset(self._table)

    def __repr__(self) -> str:
        return f"Operation({self.name!r}, {self.family!r})"
