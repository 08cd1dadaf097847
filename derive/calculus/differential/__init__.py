"""The differential method (Magnus & Neudecker), a prover beside the index method.

A package of its own so that ``calculus`` stays small; :mod:`.method` holds the prover.
"""

from derive.calculus.differential.method import derive, unsupported

__all__ = ["derive", "unsupported"]
