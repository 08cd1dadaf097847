"""Checking a student's answer: derive's verdict against the SymPy way of checking it.

    python bench/answer.py [--repeat 5] [--size 3]

For each (expression, answer), derive's ``check_answer`` on a proven derivation (the verdict: exact
comparison at random rational points, then what the answer is instead) against what one does
with SymPy alone: build explicit symbolic matrices of one size, differentiate the expression
entry by entry, subtract the answer and ``simplify`` every entry to see whether it is zero (a
yes/no at one size, without a verdict). Medians of ``--repeat`` runs; ratio = SymPy / derive.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import sympy

from derive import prove
from derive.check.answer import check_answer

CASES = (
    ("x' A x", "x", "2 A x"),
    ("x' A x", "x", "(A + A') x"),
    ("(y - A x)' (y - A x)", "x", "-2 A' (y - A x)"),
    ("a' X b", "X", "b a'"),
    ("log(det(X))", "X", "X^-1"),
)


def median_seconds(function: Callable[[], Any], repeat: int) -> float:
    """Median wall time of ``repeat`` calls (after one warm-up call)."""
    function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def sympy_check(text: str, size: int) -> Callable[[str], bool]:
    """Whether the answer equals the gradient at ``size``, with explicit SymPy matrices."""
    x, y, a, b = (sympy.Matrix(sympy.symbols(f"{s}0:{size}")) for s in "xyab")
    big_a, big_x = (sympy.Matrix(size, size, sympy.symbols(f"{s}0:{size * size}"))
                    for s in ("A", "X"))  # fmt: skip
    table: dict[str, tuple[Any, Any]] = {
        "x' A x": ((x.T * big_a * x)[0], x),
        "(y - A x)' (y - A x)": (((y - big_a * x).T * (y - big_a * x))[0], x),
        "a' X b": ((a.T * big_x * b)[0], big_x),
        "log(det(X))": (sympy.log(big_x.det()), big_x),
    }
    answers = {
        "2 A x": 2 * big_a * x, "(A + A') x": (big_a + big_a.T) * x,
        "-2 A' (y - A x)": -2 * big_a.T * (y - big_a * x), "b a'": b * a.T, "X^-1": big_x.inv(),
    }  # fmt: skip
    function, variable = table[text]

    def check(answer: str) -> bool:
        gradient = variable.applyfunc(lambda v: sympy.diff(function, v))
        difference = gradient - answers[answer]
        return all(sympy.simplify(entry) == 0 for entry in difference)

    return check


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--size", type=int, default=3)
    args = parser.parse_args()
    print(f"sympy {sympy.__version__}; size {args.size}; medians of {args.repeat} runs; "
          "ratio = sympy / derive")  # fmt: skip
    print(f"{'expression':<22} {'answer':<17} {'verdict':<12} {'derive (s)':>10} "
          f"{'sympy (s)':>10} {'same':>5} {'ratio':>7}")  # fmt: skip
    for text, wrt, answer in CASES:
        derivation = prove(text, wrt)
        verdict = check_answer(derivation, answer)
        ours = median_seconds(lambda d=derivation, a=answer: check_answer(d, a), args.repeat)
        peer = sympy_check(text, args.size)
        agrees = peer(answer)
        theirs = median_seconds(lambda p=peer, a=answer: p(a), max(1, args.repeat // 2))
        print(f"{text:<22} {answer:<17} {verdict.kind:<12} {ours:10.4f} {theirs:10.4f} "
              f"{str(agrees == verdict.correct):>5} {theirs / ours:7.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
