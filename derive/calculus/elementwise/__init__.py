"""The elementwise calculus: functions applied entry by entry, Hadamard products, diag, sums.

``rules`` registers the differentiation rules of :mod:`derive.ir.elementwise`'s nodes (the chain
rule entry by entry); ``entrywise`` reads entrywise products and diagonal matrices off index
terms whose indices occur more than twice; ``named`` reads σ and softmax back into results.
"""
