"""The typed intermediate representation: matrix expressions (``expr``) and index sums (``index``).

Nodes are frozen dataclasses; operations on them (printing, differentiation, evaluation) live in
the stages above and dispatch on the node type.
"""
