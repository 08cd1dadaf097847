"""Engine speed against SymPy's own matrix derivative, measured in the same run.

    python bench/engine.py [--repeat 7] [--max-k 64] [--sympy-max-k 16]

Family: d tr(A1 X A2 X ... Ak X) / dX for k = 1, 2, 4, 8, 16, 32 — derive's derivation with all
proof steps (no verification) against SymPy's bare ``MatrixExpr.diff`` (no proof, no check).
Then five everyday identities. Every figure is a median over ``--repeat`` runs of the CPU time
of this process (SymPy's cache cleared before each of its runs); the ratio is SymPy's time over
ours (higher is better for derive).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import sympy
from sympy.core.cache import clear_cache

from derive import prove

EVERYDAY = (
    ("x' A x", "x", ()),
    ("(y - A x)' (y - A x)", "x", ()),
    ("tr(A X B)", "X", ()),
    ("log(det(X))", "X", ()),
    ("a' inv(X) b", "X", ()),
)


def median_seconds(function: Callable[[], Any], repeat: int) -> float:
    """Median CPU seconds of ``repeat`` calls (after one warm-up call).

    CPU time of this process, not wall time: both sides are single-threaded and CPU-bound, and
    on a shared machine the wall time of either swings with the other users' load.
    """
    function()
    times = []
    for _ in range(repeat):
        start = time.process_time()
        function()
        times.append(time.process_time() - start)
    return statistics.median(times)


def uncached(function: Callable[[], Any]) -> Callable[[], Any]:
    """``function`` with SymPy's cache cleared before each call: derive caches nothing either."""

    def call() -> Any:
        clear_cache()
        return function()

    return call


def trace_family(k: int) -> tuple[str, Callable[[], Any]]:
    """Our input text and a SymPy callable for tr(A1 X ... Ak X) by X."""
    n = sympy.Symbol("n", integer=True, positive=True)
    x = sympy.MatrixSymbol("X", n, n)
    factors: list[Any] = []
    for i in range(1, k + 1):
        factors += [sympy.MatrixSymbol(f"A{i}", n, n), x]
    expr = sympy.Trace(sympy.MatMul(*factors))
    text = "tr(" + " ".join(f"A{i} X" for i in range(1, k + 1)) + ")"
    return text, lambda: expr.diff(x)


def sympy_everyday(text: str, wrt: str) -> Callable[[], Any]:
    """SymPy's bare derivative of the same everyday identity."""
    n = sympy.Symbol("n", integer=True, positive=True)
    m = sympy.Symbol("m", integer=True, positive=True)
    x, y, a, b = (sympy.MatrixSymbol(s, n, 1) for s in "xyab")
    big_x, big_a, big_b = (sympy.MatrixSymbol(s, n, n) for s in "XAB")
    rect = sympy.MatrixSymbol("A", m, n)
    ym = sympy.MatrixSymbol("y", m, 1)
    table: dict[str, tuple[Any, Any]] = {
        "x' A x": ((x.T * big_a * x), x),
        "(y - A x)' (y - A x)": (((ym - rect * x).T * (ym - rect * x)), x),
        "tr(A X B)": (sympy.Trace(big_a * big_x * big_b), big_x),
        "log(det(X))": (sympy.log(sympy.Determinant(big_x)), big_x),
        "a' inv(X) b": ((a.T * big_x.I * b), big_x),
    }
    expr, var = table[text]
    return lambda: expr.diff(var)


def main() -> None:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--max-k", type=int, default=32)
    parser.add_argument("--sympy-max-k", type=int, default=32)
    args = parser.parse_args()
    print(f"sympy {sympy.__version__}; medians of {args.repeat} runs, CPU seconds; ratio = sympy"
          f" / derive; load average (1 min) {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"{'k':>3} {'derive (s)':>11} {'sympy .diff (s)':>16} {'ratio':>8} {'derive growth':>14}")
    previous: float | None = None
    k = 1
    while k <= args.max_k:
        text, bare = trace_family(k)
        ours = median_seconds(lambda t=text: prove(t, "X", verify=False), args.repeat)
        theirs = (median_seconds(uncached(bare), args.repeat) if k <= args.sympy_max_k
                  else None)  # fmt: skip
        growth = f"x{ours / previous:5.2f}" if previous else ""
        ratio = f"{theirs / ours:8.1f}" if theirs else "       -"
        theirs_text = f"{theirs:16.4f}" if theirs else f"{'-':>16}"
        print(f"{k:>3} {ours:11.4f} {theirs_text} {ratio} {growth:>14}")
        previous = ours
        k *= 2
    print("\n(doubling k quadruples the output; growth near x4 per doubling means time ~ k^2)")
    print(f"load average (1 min) at the end {os.getloadavg()[0]:.1f}")
    print(f"\n{'everyday identity':<24} {'derive (s)':>11} {'sympy .diff (s)':>16} {'ratio':>8}")
    for text, wrt, declare in EVERYDAY:
        ours = median_seconds(lambda t=text, w=wrt, d=declare: prove(t, w, declare=d,
                                                                     verify=False), args.repeat)
        theirs = median_seconds(uncached(sympy_everyday(text, wrt)), args.repeat)
        print(f"{text:<24} {ours:11.4f} {theirs:16.4f} {theirs / ours:8.1f}")


if __name__ == "__main__":
    main()
