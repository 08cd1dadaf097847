"""The calculus: provers that derive with every step recorded, and the rules they cite.

``provers`` runs the prover of ``Options.method`` (``options``); ``index_method`` is the one prover
so far (stages: index form, differentiate, basic derivatives, contract, collect, recognise,
assemble, simplify). ``differentiate`` holds the differentiation rules (one entry per node type),
``collect`` and ``recognise`` tidy index sums and read matrix products off them, ``algebra``
simplifies matrix expressions, ``rules`` is the table of rules and step kinds a step cites, and
``proof`` holds the data a derivation is made of (``Derivation``, ``Step``). A second proof
method is a module beside ``index_method`` and one entry in ``provers.PROVERS``.
"""

# registers the differentiation rules of ir.elementwise
from derive.calculus.elementwise import rules as _elementwise_rules  # noqa: F401
