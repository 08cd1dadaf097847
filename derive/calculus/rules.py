"""The catalog of rules a proof step can cite: a name, a title (the reason shown beside the
step) and where the rule comes from. Rules are general; no rule knows a particular identity.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rule:
    """One justification.

    Attributes:
        name: snake_case identifier (``sift_delta``).
        title: The reason as prose, shown beside a step.
        cite: Where the rule comes from (a Matrix Cookbook equation, a textbook fact), or "".
    """

    name: str
    title: str
    cite: str = ""


def _rules(*rules: Rule) -> dict[str, Rule]:
    return {rule.name: rule for rule in rules}


RULES = _rules(
    Rule("define", "definition"),
    Rule("expand_index", "write every product as a sum over its inner index"),
    Rule("product_rule", "linearity of the derivative and the product rule"),
    Rule("constant", "factors that do not depend on the variable are constants"),
    Rule("variable_entry", "the entries of the variable are independent"),
    Rule("dependency", "chain rule through a declared dependency"),
    Rule("inverse", "derivative of an inverse", "Matrix Cookbook (59)"),
    Rule("jacobi", "Jacobi's formula for the determinant", "Matrix Cookbook (46)"),
    Rule("log", "derivative of the logarithm"),
    Rule("power", "power rule"),
    Rule("norm", "derivative of the norm"),
    Rule("sift_delta", "sum out the Kronecker deltas"),
    Rule("rename_dummies", "rename dummy indices and combine like terms"),
    Rule("recognise_product", "each sum over an inner index is an entry of a matrix product"),
    Rule("recognise_trace", "a closed chain of indices is a trace"),
    Rule("assemble", "collect the entries into a matrix in the chosen layout"),
    Rule("transpose_product", "transpose of a product and of a sum"),
    Rule("symmetric", "the matrix is symmetric"),
    Rule("collect_terms", "combine like terms"),
    Rule("factor_out", "factor out the common factor"),
    Rule("merge_powers", "write repeated factors as powers"),
    Rule("hessian", "differentiate the gradient's entries once more"),
    Rule("result", "the result"),
)
