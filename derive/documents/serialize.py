"""A derivation as plain JSON data, for other programs (schema: ``docs/json-schema.md``).

Every piece of math is given twice, as LaTeX (what the printers produce) and as unicode text; a
result with a matrix form also carries SymPy code over ``MatrixSymbol``s (``sympy.srepr``), which
``eval`` turns back into the SymPy expression after ``from sympy import *`` and
``from sympy.core.symbol import Str``.
"""

from __future__ import annotations

from typing import Any

from derive.calculus.proof import Derivation, Result, Step, Verification
from derive.calculus.rules import Rule
from derive.documents.printer import latex, unicode
from derive.documents.verdict import verdict_json
from derive.ir import expr as ex

SCHEMA_VERSION = 1

JSONDict = dict[str, Any]


def to_json_dict(d: Derivation) -> JSONDict:
    """The derivation as JSON-ready data (only dicts, lists, str, int, float, bool and None).

    Args:
        d: The derivation.

    Returns:
        ``{"schema", "input", "function", "shapes", "layout", "steps", "results", "result",
        "verification", "proven"}`` as documented in ``docs/json-schema.md``.
    """
    names = tuple(d.symbols)
    results = [_result(r, names) for r in d.results]
    return {
        "schema": SCHEMA_VERSION,
        "input": {
            "expression": d.source,
            "wrt": d.wrt.name,
            "hessian": len(d.results) > 1,
            "warnings": list(d.problem.warnings),
        },
        "function": {
            "name": d.function.name,
            **_math(ex.Symbol(d.function.name, d.function.shape), names),
            "definition": _math(d.function.body, names),
        },
        "shapes": {name: _shape(info.shape) | {
            "symmetric": info.symmetric,
            "invertible": info.invertible,
            "depends_on": list(info.depends_on),
        } for name, info in d.symbols.items()},
        "layout": d.layout,
        "steps": [_step(i, step, names) for i, step in enumerate(d.steps)],
        "results": results,
        "result": results[-1],
        "verification": _verification(d.verification),
        "proven": d.proven,
        **({"verdict": verdict_json(d)} if d.verdict is not None else {}),
    }


def _math(node: object, names: tuple[str, ...]) -> JSONDict:
    return {"latex": latex(node, names), "text": unicode(node, names)}


def _shape(shape: ex.Shape) -> JSONDict:
    return {"rows": shape.rows, "cols": shape.cols}


def _rule(rule: Rule) -> JSONDict:
    return {"rule": rule.name, "title": rule.title, "cite": rule.cite}


def _step(index: int, step: Step, names: tuple[str, ...]) -> JSONDict:
    return {
        "index": index,
        "kind": step.kind,
        "stage": step.stage,
        "lines": [_math(line, names) for line in step.lines],
        "reasons": [_rule(rule) for rule in step.rules],
        "facts": [{"lhs": _math(f.lhs, names), "rhs": _math(f.rhs, names)} for f in step.facts],
        "for_all": [{"index": i.name, "upper": i.dim} for i in step.for_all],
    }


def _result(result: Result, names: tuple[str, ...]) -> JSONDict:
    """The identity ``lhs = rhs``: ``latex``/``text`` are the derivative's value (``rhs``)."""
    shape = result.lhs.shape if isinstance(result.lhs, ex.Derivative) else None
    return {
        "kind": result.kind,
        **_math(result.rhs, names),
        "lhs": _math(result.lhs, names),
        "shape": _shape(shape) if shape is not None else None,
        **_sympy(result.rhs),
    }


def _sympy(rhs: object) -> JSONDict:
    """SymPy code for a matrix-form result; None for a tensor shown in index form only."""
    if not isinstance(rhs, ex.Expr):
        return {"sympy": None, "sympy_str": None}
    import sympy

    from derive.check.sympy_bridge import to_sympy

    value = to_sympy(rhs)
    return {"sympy": sympy.srepr(value), "sympy_str": str(value)}


def _verification(v: Verification | None) -> JSONDict | None:
    if v is None:
        return None
    return {
        "passed": v.passed,
        "exact": v.exact,
        "exact_method": v.exact_method,
        "sizes": dict(v.sizes),
        "numeric_error": v.numeric_error,
        "tolerance": v.tolerance,
        "seed": v.seed,
        "steps": [{"step": s.step, "kind": s.kind, "max_error": s.max_error, "passed": s.passed}
                  for s in v.steps],
    }
