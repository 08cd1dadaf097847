"""The catalog of rules a proof step can cite, and the kinds of step that cite them.

A rule has a name, a title (the reason shown beside the step) and where it comes from. A step
kind (:class:`StepKind`) names what a step does, the rule it cites by default and what the
checker confirms for a step of that kind. Rules are general; no rule knows a particular
identity. Every rule name a step kind cites is checked against :data:`RULES` when this module
loads, so a misspelt citation is an import error, not a proof that cites nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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


class RuleName(StrEnum):
    """The name of every rule in :data:`RULES` (a step cites rules by these names)."""

    DEFINE = "define"
    EXPAND_INDEX = "expand_index"
    PRODUCT_RULE = "product_rule"
    CONSTANT = "constant"
    VARIABLE_ENTRY = "variable_entry"
    DEPENDENCY = "dependency"
    INVERSE = "inverse"
    JACOBI = "jacobi"
    LOG = "log"
    POWER = "power"
    NORM = "norm"
    SIFT_DELTA = "sift_delta"
    RENAME_DUMMIES = "rename_dummies"
    RECOGNISE_PRODUCT = "recognise_product"
    RECOGNISE_TRACE = "recognise_trace"
    ASSEMBLE = "assemble"
    TRANSPOSE_PRODUCT = "transpose_product"
    SYMMETRIC = "symmetric"
    COLLECT_TERMS = "collect_terms"
    FACTOR_OUT = "factor_out"
    MERGE_POWERS = "merge_powers"
    HESSIAN = "hessian"
    RESULT = "result"
    CHAIN_RULE = "chain_rule"
    RECOGNISE_ENTRYWISE = "recognise_entrywise"
    NAME_FUNCTIONS = "name_functions"


def _rules(*rules: Rule) -> dict[str, Rule]:
    table = {rule.name: rule for rule in rules}
    if set(table) != set(RuleName):
        raise RuntimeError(f"the rule table and RuleName differ: {set(table) ^ set(RuleName)}")
    return table


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
    Rule("chain_rule", "the chain rule, entry by entry"),
    Rule("recognise_entrywise", "entrywise products and diagonal matrices"),
    Rule("name_functions", "the definitions of sigmoid and softmax"),
)


class StepKind(StrEnum):
    """What one step of a proof does (the templates' prose for it is named after the value).

    ``kind.rule`` is the rule a step of this kind cites; ``kind.confirms`` says what the checker
    confirms for it (besides the value of every line, which it checks for every step).
    """

    DEFINE = "define"
    INDEX_FORM = "index_form"
    DIFFERENTIATE = "differentiate"
    BASIC_DERIVATIVES = "basic_derivatives"
    CONTRACT = "contract"
    COLLECT = "collect"
    RECOGNISE = "recognise"
    ASSEMBLE = "assemble"
    SIMPLIFY = "simplify"
    RESULT = "result"

    @property
    def rule(self) -> Rule:
        """The rule a step of this kind cites."""
        return RULES[_KINDS[self][0]]

    @property
    def confirms(self) -> str:
        """What the checker confirms for a step of this kind, in a sentence."""
        return _KINDS[self][1]


_KINDS: dict[StepKind, tuple[RuleName, str]] = {
    StepKind.DEFINE: (RuleName.DEFINE, "the name stands for the expression"),
    StepKind.INDEX_FORM: (RuleName.EXPAND_INDEX, "the index form has the expression's value"),
    StepKind.DIFFERENTIATE: (RuleName.PRODUCT_RULE,
                             "one term per varying factor, that factor marked"),
    StepKind.BASIC_DERIVATIVES: (RuleName.VARIABLE_ENTRY,
                                 "every marked derivative replaced by its value"),
    StepKind.CONTRACT: (RuleName.SIFT_DELTA, "a Kronecker delta is summed out"),
    StepKind.COLLECT: (RuleName.RENAME_DUMMIES, "terms combined or dummies renamed"),
    StepKind.RECOGNISE: (RuleName.RECOGNISE_PRODUCT, "a sum is replaced by a matrix product"),
    StepKind.ASSEMBLE: (RuleName.ASSEMBLE, "the entries are laid out in the stated layout"),
    StepKind.SIMPLIFY: (RuleName.COLLECT_TERMS, "the matrix expression keeps its value"),
    StepKind.RESULT: (RuleName.RESULT, "the result agrees with the original exactly"),
}  # fmt: skip


def _check_kinds() -> None:
    """Every step kind has an entry, and every rule it cites is in the rule table."""
    missing = set(StepKind) - set(_KINDS)
    unknown = {rule for rule, _ in _KINDS.values()} - set(RULES)
    if missing or unknown:
        raise RuntimeError(f"step kinds without an entry {missing}, unknown rules {unknown}")


_check_kinds()
