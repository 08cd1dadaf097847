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
    LINEARITY = "linearity"
    PRODUCT_RULE = "product_rule"
    CONSTANT = "constant"
    VARIABLE_ENTRY = "variable_entry"
    JACOBIAN_ENTRY = "jacobian_entry"
    INVERSE = "inverse"
    JACOBI = "jacobi"
    LOG = "log"
    POWER = "power"
    NORM = "norm"
    SIFT_DELTA = "sift_delta"
    REORDER = "reorder"
    RENAME_DUMMIES = "rename_dummies"
    COLLECT_LIKE = "collect_like"
    CANCEL = "cancel"
    IDENTITY_ENTRY = "identity_entry"
    TRANSPOSE_ENTRY = "transpose_entry"
    RECOGNISE_PRODUCT = "recognise_product"
    RECOGNISE_TRACE = "recognise_trace"
    ASSEMBLE = "assemble"
    TRANSPOSE_PRODUCT = "transpose_product"
    SYMMETRIC = "symmetric"
    NAME_FUNCTION = "name_function"
    COLLECT_TERMS = "collect_terms"
    FACTOR_OUT = "factor_out"
    MERGE_POWERS = "merge_powers"
    HESSIAN = "hessian"
    RESTATE = "restate"
    DISTRIBUTE = "distribute"
    RESULT = "result"
    CHAIN_RULE = "chain_rule"
    RECOGNISE_ENTRYWISE = "recognise_entrywise"
    NAME_FUNCTIONS = "name_functions"
    FACTOR_ENTRYWISE = "factor_entrywise"
    SYMMETRIC_MATRIX = "symmetric_matrix"
    # the differential method (Magnus & Neudecker)
    TAKE_DIFFERENTIAL = "take_differential"
    D_LINEARITY = "d_linearity"
    D_PRODUCT = "d_product"
    D_CONSTANT = "d_constant"
    D_TRANSPOSE = "d_transpose"
    D_INVERSE = "d_inverse"
    D_DET = "d_det"
    D_LOG = "d_log"
    D_POWER = "d_power"
    D_TRACE = "d_trace"
    D_NORM = "d_norm"
    EXPAND = "expand"
    SCALAR_TRANSPOSE = "scalar_transpose"
    SCALAR_TRACE = "scalar_trace"
    CYCLIC_TRACE = "cyclic_trace"
    COLLECT_DIFFERENTIAL = "collect_differential"
    FIRST_IDENTIFICATION = "first_identification"
    LAYOUT = "layout"
    CHAIN_SUBSTITUTE = "chain_substitute"
    SECOND_DIFFERENTIAL = "second_differential"
    D_CHAIN = "d_chain"
    D_SQUARED_NORM = "d_squared_norm"
    SECOND_IDENTIFICATION = "second_identification"


def _rules(*rules: Rule) -> dict[str, Rule]:
    table = {rule.name: rule for rule in rules}
    if set(table) != set(RuleName):
        raise RuntimeError(f"the rule table and RuleName differ: {set(table) ^ set(RuleName)}")
    return table


RULES = _rules(
    Rule("define", "the definition of the function"),
    Rule("expand_index", "write every product as a sum over its inner index"),
    Rule("linearity", "linearity of the derivative"),
    Rule("product_rule", "linearity of the derivative and the product rule"),
    Rule("constant", "factors that do not depend on the variable are constants"),
    Rule("variable_entry", "the entries of the variable are independent"),
    Rule("jacobian_entry", "definition of an entry of the Jacobian"),
    Rule("inverse", "derivative of the inverse of an invertible matrix", "Matrix Cookbook (59)"),
    Rule("jacobi", "Jacobi's formula for the determinant of an invertible matrix",
         "Matrix Cookbook (46)"),
    Rule("log", "chain rule: the derivative of log s is the derivative of s divided by s"),
    Rule("power", "chain rule and power rule for a power of a scalar"),
    Rule("norm", "chain rule and derivative of the norm"),
    Rule("sift_delta", "sum out the Kronecker deltas"),
    Rule("reorder", "the factors of a product commute"),
    Rule("rename_dummies", "renaming a dummy index does not change a sum"),
    Rule("collect_like", "rename dummy indices and combine like terms"),
    Rule("cancel", "a nonzero scalar times its reciprocal is 1"),
    Rule("identity_entry", "the Kronecker delta is an entry of the identity"),
    Rule("transpose_entry", "swapping an entry's indices gives an entry of the transpose"),
    Rule("recognise_product", "each sum over an inner index is an entry of a matrix product"),
    Rule("recognise_trace", "a closed chain of indices is a trace"),
    Rule("assemble", "collect the entries into a matrix in the chosen layout"),
    Rule("transpose_product", "transpose of a product and of a sum"),
    Rule("symmetric", "the matrix is symmetric"),
    Rule("name_function", "write the function's name where its value appears"),
    Rule("collect_terms", "combine like terms"),
    Rule("factor_out", "factor out the common factor"),
    Rule("merge_powers", "write repeated factors as powers"),
    Rule("hessian", "differentiate the gradient's entries once more"),
    Rule("restate", "the entries of the gradient, as found above"),
    Rule("distribute", "multiply out: a product distributes over sums, a transpose over products"),
    Rule("result", "the result"),
    Rule("chain_rule", "the chain rule, entry by entry"),
    Rule("recognise_entrywise", "entrywise products and diagonal matrices"),
    Rule("name_functions", "the definitions of sigmoid and softmax"),
    Rule("symmetric_matrix", "the variable is a symmetric matrix: an entry off the diagonal and"
         " its mirror image are one variable, so both entries of the derivative with independent"
         " entries count", "Matrix Cookbook 2.8.2"),
    Rule("factor_entrywise", "diag is linear, and a factor common to entrywise products or"
         " powers of a function comes out"),
    Rule("take_differential", "the differential is the linear part of the change in the function"),
    Rule("d_linearity", "the differential is linear", "Matrix Cookbook (34), (35)"),
    Rule("d_product", "product rule for differentials", "Matrix Cookbook (37)"),
    Rule("d_constant", "the differential of a constant is zero", "Matrix Cookbook (33)"),
    Rule("d_transpose", "the differential of a transpose is the transpose of the differential",
         "Matrix Cookbook (43)"),
    Rule("d_inverse", "differential of an inverse", "Matrix Cookbook (40)"),
    Rule("d_det", "Jacobi's formula", "Matrix Cookbook (41)"),
    Rule("d_log", "differential of the logarithm"),
    Rule("d_power", "power rule"),
    Rule("d_trace", "the differential of a trace is the trace of the differential",
         "Matrix Cookbook (36)"),
    Rule("d_norm", "differential of the norm"),
    Rule("expand", "multiply out the products of sums"),
    Rule("scalar_transpose", "a scalar equals its own transpose"),
    Rule("scalar_trace", "a scalar equals its own trace"),
    Rule("cyclic_trace", "cyclic property of the trace: tr(AB) = tr(BA)", "Matrix Cookbook (16)"),
    Rule("collect_differential", "collect the terms in the differential of the variable"),
    Rule("first_identification", "first identification theorem",
         "Magnus & Neudecker, Matrix Differential Calculus, ch. 5 and 9"),
    Rule("layout", "write the derivative in the chosen layout"),
    Rule("chain_substitute", "the chain rule through the substitution, with the derivatives"
         " found above, then the substitution undone"),
    Rule("d_chain", "chain rule: the differential of a dependent symbol is its Jacobian times the"
         " differential of the variable"),
    Rule("d_squared_norm", "the squared norm is the inner product of the argument with itself,"
         " so its differential is twice the inner product of the argument with its differential"),
    Rule("second_differential", "the second differential is the differential of the first, the"
         " direction of the variable held fixed"),
    Rule("second_identification", "second identification theorem: the Hessian is the symmetric"
         " part of the matrix between the two differentials",
         "Magnus & Neudecker, Matrix Differential Calculus, ch. 6 and 10"),
)


class StepKind(StrEnum):
    """What one step of a proof does (the templates' prose for it is named after the value).

    ``kind.rule`` is the rule a step of this kind cites; ``kind.confirms`` says what the checker
    confirms for it (besides the value of every line, which it checks for every step).
    """

    DEFINE = "define"
    EXPAND = "expand"
    RESTATE = "restate"
    INDEX_FORM = "index_form"
    DIFFERENTIATE = "differentiate"
    CHAIN = "chain"
    INNER = "inner"
    BASIC_DERIVATIVES = "basic_derivatives"
    CONTRACT = "contract"
    REORDER = "reorder"
    RENAME = "rename"
    CANCEL = "cancel"
    COLLECT = "collect"
    RECOGNISE = "recognise"
    ENTRIES = "entries"
    ASSEMBLE = "assemble"
    SIMPLIFY = "simplify"
    RESULT = "result"
    TAKE_DIFFERENTIAL = "take_differential"
    DIFFERENTIAL_RULES = "differential_rules"
    CANONICAL_FORM = "canonical_form"
    IDENTIFY = "identify"
    SUBSTITUTE = "substitute"
    STRUCTURE = "structure"

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
    StepKind.EXPAND: (RuleName.DISTRIBUTE, "the expanded expression has the same value"),
    StepKind.RESTATE: (RuleName.RESTATE, "the same left side and the value of the gradient"),
    StepKind.INDEX_FORM: (RuleName.EXPAND_INDEX, "the index form has the expression's value"),
    StepKind.DIFFERENTIATE: (RuleName.LINEARITY,
                             "one term per varying factor, that factor marked; the product rule"
                             " cited exactly where two varying factors meet"),
    StepKind.BASIC_DERIVATIVES: (RuleName.VARIABLE_ENTRY,
                                 "no marked derivative is left, and the rule of each kind of"
                                 " derivative worked out (and no other) is cited"),
    StepKind.CHAIN: (RuleName.LOG, "the rule of each function differentiated (and no other) is"
                                   " cited; a derivative of an inner entry remains marked"),
    StepKind.INNER: (RuleName.EXPAND_INDEX, "compound entries written in index form, their"
                                            " varying factors marked"),
    StepKind.CONTRACT: (RuleName.SIFT_DELTA, "a Kronecker delta is summed out"),
    StepKind.REORDER: (RuleName.REORDER, "the same factors and sums, only in another order"),
    StepKind.RENAME: (RuleName.RENAME_DUMMIES,
                      "the same terms up to the names of dummies and the order of factors"),
    StepKind.CANCEL: (RuleName.CANCEL, "only scalar factors change, and fewer of them remain"),
    StepKind.COLLECT: (RuleName.COLLECT_LIKE, "fewer terms after renaming dummies"),
    StepKind.RECOGNISE: (RuleName.RECOGNISE_PRODUCT,
                         "a sum is removed: a summed line becomes one with no sum"),
    StepKind.ENTRIES: (RuleName.IDENTITY_ENTRY, "no sum before or after"),
    StepKind.ASSEMBLE: (RuleName.ASSEMBLE, "the entries are laid out in the stated layout"),
    StepKind.SIMPLIFY: (RuleName.COLLECT_TERMS, "the matrix expression keeps its value"),
    StepKind.RESULT: (RuleName.RESULT, "the result agrees with the original exactly"),
    StepKind.TAKE_DIFFERENTIAL: (RuleName.TAKE_DIFFERENTIAL,
                                 "both sides have the same directional derivative"),
    StepKind.DIFFERENTIAL_RULES: (RuleName.D_PRODUCT,
                                  "the differential keeps its value along a random direction"),
    StepKind.CANONICAL_FORM: (RuleName.CYCLIC_TRACE,
                              "the differential keeps its value along a random direction"),
    StepKind.IDENTIFY: (RuleName.FIRST_IDENTIFICATION,
                        "the identified derivative agrees with finite differences"),
    StepKind.SUBSTITUTE: (RuleName.CHAIN_SUBSTITUTE,
                          "each line has the value of the derivative; the two parts are proofs"
                          " of their own, checked as such"),
    StepKind.STRUCTURE: (RuleName.SYMMETRIC_MATRIX,
                         "the derivative along symmetric perturbations of the variable (each"
                         " entry moved with its mirror image) equals the formula"),
}  # fmt: skip


def _check_kinds() -> None:
    """Every step kind has an entry, and every rule it cites is in the rule table."""
    missing = set(StepKind) - set(_KINDS)
    unknown = {rule for rule, _ in _KINDS.values()} - set(RULES)
    if missing or unknown:
        raise RuntimeError(f"step kinds without an entry {missing}, unknown rules {unknown}")


_check_kinds()
