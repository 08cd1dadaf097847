"""Robustness of the whole ``prove`` pipeline (issue 15): 50,000 seeded inputs, random and
mutated valid ones, through parse, derive and (for some) verify, with random variables, layouts
and Hessians. Nothing but a DeriveError may come out, and no run may outlast its time budget.

Ten chunks of 5,000 inputs, each seeded by its number: chunk 0 runs with the quick suite, the
others are marked slow (about 20 s a chunk on the 2-core test machine). To keep the cost down,
one input in 50 is verified; every run has a budget of 2 s (``time_limit``), which the
pipeline must keep to within a generous margin (a hang guard, not a benchmark).
"""

from __future__ import annotations

import random
import time

import pytest
from test_fuzz_parser import ASCII_SEEDS, LATEX_SEEDS, mutate, tokens

import derive
from derive.errors import DeriveError

CHUNKS = 10
CHUNK = 5_000
BUDGET = 2.0
# the budget is checked between units of work; one unit on a loaded machine may run past it
HANG_GUARD = 4 * BUDGET + 5
WRT_NOISE = ["x", "X", "", "x y", "\\alpha", "2", "\\mathbf{x}", "A'", "x_1"]
LAYOUTS = ["mixed", "numerator", "denominator"]


def fuzz_input(rng: random.Random) -> tuple[str, str]:
    """An expression (mutated, random tokens, or a seed as it is) and a variable for it."""
    roll = rng.random()
    if roll < 0.45:
        source = mutate(rng, ASCII_SEEDS)
    elif roll < 0.8:
        source = mutate(rng, LATEX_SEEDS)
    elif roll < 0.9:
        source = tokens(rng)
    else:
        source = rng.choice(ASCII_SEEDS + LATEX_SEEDS)
    try:
        names = list(derive.parse(source).symbols)
    except DeriveError:
        names = []
    wrt = rng.choice(names) if names and rng.random() < 0.9 else rng.choice(WRT_NOISE)
    return source, wrt


def run_chunk(number: int) -> dict[str, int]:
    """Prove CHUNK inputs of chunk ``number``; return how many ended each way."""
    rng = random.Random(number)
    outcomes: dict[str, int] = {}
    for _ in range(CHUNK):
        source, wrt = fuzz_input(rng)
        options = {"verify": rng.random() < 0.02, "hessian": rng.random() < 0.1,
                   "layout": rng.choice(LAYOUTS)}  # fmt: skip
        start = time.monotonic()
        try:
            derive.prove(source, wrt, time_limit=BUDGET, **options)  # type: ignore[arg-type]
            outcome = "proven"
        except DeriveError as error:
            outcome = type(error).__name__
        except Exception as error:  # noqa: BLE001 - the finding this test looks for
            pytest.fail(f"prove({source!r}, {wrt!r}, {options}) raised {error!r}")
        elapsed = time.monotonic() - start
        assert elapsed < HANG_GUARD, f"prove({source!r}, {wrt!r}, {options}): {elapsed:.1f} s"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def test_fuzz_prove_chunk_0() -> None:
    outcomes = run_chunk(0)
    assert sum(outcomes.values()) == CHUNK
    assert outcomes.get("proven", 0) > CHUNK // 20  # the mutations leave many inputs valid
    assert outcomes.get("ParseError", 0) > CHUNK // 4  # ... and break many


@pytest.mark.slow
@pytest.mark.parametrize("number", range(1, CHUNKS), ids=[f"chunk-{n}" for n in range(1, CHUNKS)])
def test_fuzz_prove_chunk(number: int) -> None:
    assert sum(run_chunk(number).values()) == CHUNK
