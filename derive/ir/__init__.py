"""The typed intermediate representation: matrix expressions (``expr``) and index sums (``index``).

Nodes are frozen dataclasses that declare their shape, children and how to rebuild themselves;
what the stages above do with a node (index form, derivative, evaluation, SymPy form, printing)
is one table per operation with one entry per node type (``dispatch.Operation``; a missing entry
is an ``InternalError``). ``order`` gives expressions a structural sort key. A new node type is
its class in ``expr`` and one entry per table (``tests/test_dispatch.py`` lists what is missing).
"""
