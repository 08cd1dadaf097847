"""The calculus: the index method as a prover that records every step.

``index_method`` is the prover (stages: index form, differentiate, basic derivatives, contract,
collect, recognise, assemble, simplify); ``differentiate`` holds the differentiation rules,
``collect`` and ``recognise`` tidy index sums and read matrix products off them, ``algebra``
simplifies matrix expressions, ``rules`` is the table of rules a step cites, and ``proof`` holds
the data a derivation is made of (``Derivation``, ``Step``).
"""

from derive.calculus import elementwise  # noqa: F401  (registers the rules of ir.elementwise)
