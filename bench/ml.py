"""The machine-learning expressions of issue 12: SymPy's matrix calculus beside derive's, one run.

    python bench/ml.py [--timeout 20]

For every expression named in the issue's opening paragraph (and a few more of its catalog
section), this asks SymPy 1.x for the derivative of the same expression built from its own
``MatrixSymbol``s (``Matrix.diff``), with a time limit, and derive for a proof; it prints what
each answers (SymPy's answer, its error, or "timed out") and derive's verified result with the
time both took. Nothing is asserted here: the table is the measurement.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from collections.abc import Callable
from typing import Any

import sympy

from derive import prove
from derive.documents.printer import unicode

n, m = sympy.symbols("n m", integer=True, positive=True)
X = sympy.MatrixSymbol("X", n, n)
W = sympy.MatrixSymbol("W", m, n)
x = sympy.MatrixSymbol("x", n, 1)
w = sympy.MatrixSymbol("w", n, 1)
a = sympy.MatrixSymbol("a", n, 1)
b = sympy.MatrixSymbol("b", n, 1)
d = sympy.MatrixSymbol("d", n, 1)
y_vec = sympy.MatrixSymbol("y", m, 1)
y = sympy.Symbol("y")
X_data = sympy.MatrixSymbol("X", m, n)


def _scalar(expr: Any) -> Any:
    """A 1 x 1 matrix expression as the scalar SymPy's own functions take (its trace)."""
    return sympy.Trace(expr)


def _sigmoid(t: Any) -> Any:
    return 1 / (1 + sympy.exp(-t))


def _softmax(u: Any) -> Any:
    exp_u = u.applyfunc(sympy.exp)
    ones = sympy.OneMatrix(1, u.shape[0])
    return exp_u / _scalar(ones * exp_u)


# (derive input, variable, declarations, the SymPy expression, SymPy's variable)
CASES: list[tuple[str, str, tuple[str, ...], Callable[[], Any], Any]] = [
    ("log(1 + exp(-y w' x))", "w", ("y: scalar",),
     lambda: sympy.log(1 + sympy.exp(-y * _scalar(w.T * x))), w),
    ("0 - y' log(softmax(W x))", "W", ("W: m x n", "y: m"),
     lambda: -(y_vec.T * _softmax(W * x).applyfunc(sympy.log)), W),
    ("det(X)^2", "X", (), lambda: sympy.Determinant(X) ** 2, X),
    ("a' X^-2 b", "X", (), lambda: a.T * X**-2 * b, X),
    ("x' diag(d) x", "d", (), lambda: x.T * sympy.DiagMatrix(d) * x, d),
    ("tr(X .* X)", "X", (), lambda: sympy.Trace(sympy.HadamardProduct(X, X)), X),
    ("a' sigma(W x + b)", "W", ("W: m x n", "a: m", "b: m"),
     lambda: sympy.MatrixSymbol("a", m, 1).T * (W * x + sympy.MatrixSymbol("b", m, 1))
     .applyfunc(lambda t: 1 / (1 + sympy.exp(-t))), W),
    ("logsumexp(x)", "x", (),
     lambda: sympy.log(_scalar(sympy.OneMatrix(1, n) * x.applyfunc(sympy.exp))), x),
    ("norm(x)", "x", (), lambda: sympy.sqrt(_scalar(x.T * x)), x),
    # the rest of the opening paragraph: σ(W x + b), exp(x), a .* x, log(sum(exp(x))), the
    # logistic loss of a data set
    ("sigma(W x + b)", "x", ("W: m x n", "b: m"),
     lambda: (W * x + sympy.MatrixSymbol("b", m, 1)).applyfunc(_sigmoid), x),
    ("exp(x)", "x", (), lambda: x.applyfunc(sympy.exp), x),
    ("a .* x", "x", (), lambda: sympy.HadamardProduct(a, x), x),
    ("log(sum(exp(x)))", "x", (),
     lambda: sympy.log(_scalar(sympy.OneMatrix(1, n) * x.applyfunc(sympy.exp))), x),
    ("sum(log(1 + exp(-y .* (X w))))", "w", ("X: m x n", "y: m"),
     lambda: _scalar(sympy.OneMatrix(1, m) * sympy.HadamardProduct(y_vec, X_data * w)
                     .applyfunc(lambda t: sympy.log(1 + sympy.exp(-t)))), w),
]  # fmt: skip


def _sympy_answer(index: int, queue: Any) -> None:
    _, _, _, build, variable = CASES[index]
    try:
        queue.put(str(sympy.diff(build(), variable)))
    except Exception as error:  # noqa: BLE001 - the bench reports whatever SymPy raises
        queue.put(f"error: {type(error).__name__}: {str(error)[:80]}")


def sympy_answer(index: int, timeout: float) -> tuple[str, float]:
    """SymPy's derivative as text (or its error), in a process that is stopped at ``timeout``."""
    queue: Any = multiprocessing.Queue()
    process = multiprocessing.Process(target=_sympy_answer, args=(index, queue))
    start = time.perf_counter()
    process.start()
    process.join(timeout)
    elapsed = time.perf_counter() - start
    if process.is_alive():
        process.terminate()
        process.join()
        return f"timed out after {timeout:.0f} s", elapsed
    if process.exitcode != 0:
        return f"crashed (exit code {process.exitcode}, e.g. recursion)", elapsed
    return str(queue.get()), elapsed


def main() -> None:
    """Print one block per expression: SymPy's answer, derive's verified result, both times."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=20.0)
    args = parser.parse_args()
    print(f"SymPy {sympy.__version__}; derive proofs verified exactly and numerically\n")
    for index, (source, wrt, declare, _, _) in enumerate(CASES):
        answer, sympy_time = sympy_answer(index, args.timeout)
        start = time.perf_counter()
        derivation = prove(source, wrt, declare=declare)
        derive_time = time.perf_counter() - start
        result = unicode(derivation.result.rhs, derivation.symbols)
        print(f"d/d{wrt} {source}")
        print(f"  SymPy  ({sympy_time:6.2f} s): {answer[:150]}")
        verified = "verified" if derivation.proven else "NOT verified"
        print(f"  derive ({derive_time:6.2f} s, {verified}): {result}\n")


if __name__ == "__main__":
    main()
