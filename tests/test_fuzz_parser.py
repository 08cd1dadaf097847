"""Robustness (QUALITY.md): 20,000 random and mutated inputs, no exception but DeriveError.

Every error must carry a position inside the input; every accepted input must print, and its
ASCII, LaTeX and unicode forms must read back to an expression that prints the same. The inputs:
3,000 random texts, 5,000 random token sequences, and 7,000 ASCII and 5,000 LaTeX valid
expressions with characters deleted, inserted, swapped and duplicated; about 12 s on the 2-core
test machine.
"""

from __future__ import annotations

import contextlib
import random
import signal
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive.documents.printer import ascii_str, latex, unicode
from derive.errors import DeriveError, LocatedError
from derive.language.frontend import parse

ASCII_SEEDS = [
    "x' A x", "(y - A x)' (y - A x)", "tr(A X B)", "log(det(X))", "logdet(X) + tr(X^-1 A)",
    "norm(x)^2", "||A x - b||^2", "|x|", "X^-1", "X^{-1} + X^-T", "inv(X) A inv(X)",
    "1/2 x' x", "(x' x) / alpha", "x.T A x", "alpha x + beta y", "W_2 x1 + b_2",
    "det(X)^2 - 3 tr(X)", "-2 tr(A' X) + lambda norm(X)^2", "A .* B", "exp(x)", "x^T A^T y",
    "2 (x' x)^-1 x", "x / norm(x)", "[A + B] x", "xᵀ A x + ‖x‖²", "X⁻¹ W₂", "a' X b",
]  # fmt: skip
LATEX_SEEDS = [
    r"x^\top A x", r"\operatorname{tr}(A X B)", r"\log \det X", r"\frac{1}{2} x^\top x",
    r"\lVert x \rVert^2", r"\left( y - A x \right)^\top \left( y - A x \right)",
    r"\mathbf{x}^\top \mathbf{A} \mathbf{x}", r"x^{\mathsf T} A x", r"X^{-1}", r"\alpha x",
    r"\frac{x^\top x}{\alpha}", r"$x^\top x$", r"\det\left(X\right)^{2}", r"\|A - B\|^2",
    r"\mathrm{tr}\left(X^{-\top}\right)", r"W_{2} x_{1}", r"\bigl( x \bigr)", r"x \odot y",
]  # fmt: skip
ALPHABET = "xyzAXBIabs0123456789 +-*/^'(){}[],|._\\$#@&%~!:;=<>?\"TtrdeglonmvfqkKMN\t\nα‖ᵀ⁻¹²₁·"
TOKENS = [
    "x", "y", "A", "X", "alpha", "2", "0.5", "+", "-", "*", "/", "^", "'", "(", ")", "{", "}",
    "[", "]", "|", "||", ",", "tr", "det", "log", "logdet", "inv", "norm", "T", ".T", "^-1",
    "^T", "^2", "exp", ".*", "I", r"\top", r"\frac", r"\left(", r"\right)", r"\lVert",
    r"\rVert", r"\alpha", r"\mathbf{x}", "$", "_", "_2", "x1",
]  # fmt: skip


def check(source: str) -> None:
    """Parse ``source``: a located DeriveError, or an expression that prints and reads back."""
    try:
        _check(source)
    except AssertionError as failure:
        raise AssertionError(f"input {source!r}: {failure}") from None


def _check(source: str) -> None:
    try:
        problem = parse(source)
    except DeriveError as error:
        assert isinstance(error, LocatedError), f"{type(error).__name__} without a position"
        assert error.span is not None, f"no span: {error.message}"
        assert 0 <= error.span.start <= error.span.end <= len(source), error.span
        assert error.source == source
        assert error.column is not None and error.column >= 1
        str(error)  # the caret excerpt renders
        return
    text = ascii_str(problem.expr)
    for printed in (text, latex(problem.expr, problem.symbols), unicode(problem.expr)):
        again = ascii_str(parse(printed).expr)
        assert again == text, f"prints as {printed!r}, which reads back as {again!r}"


def mutate(rng: random.Random, seeds: list[str]) -> str:
    """A valid input with a few characters deleted, inserted, swapped or duplicated."""
    chars = list(rng.choice(seeds))
    for _ in range(rng.randint(1, 4)):
        where = rng.randint(0, len(chars))
        operation = rng.randint(0, 3)
        if operation == 0 and chars:
            del chars[min(where, len(chars) - 1)]
        elif operation == 1:
            chars.insert(where, rng.choice(ALPHABET))
        elif operation == 2 and len(chars) > 1:
            other = rng.randrange(len(chars))
            where = min(where, len(chars) - 1)
            chars[where], chars[other] = chars[other], chars[where]
        else:
            chars[where:where] = chars[where : where + rng.randint(1, 6)]
    return "".join(chars)


def tokens(rng: random.Random) -> str:
    """A random sequence of the language's tokens, with or without spaces between them."""
    separator = rng.choice(["", " "])
    return separator.join(rng.choice(TOKENS) for _ in range(rng.randint(0, 14)))


# Hypothesis draws a seed; each example then checks a batch of BATCH inputs made from it with
# random.Random (a failure names its input). Drawing every string through hypothesis would cost
# about 2 ms an input in bookkeeping, eight times the parse itself.
BATCH = 10
FAST = settings(
    deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
SEEDS = st.integers(0, 2**32 - 1)


@settings(FAST, max_examples=3_000)
@given(st.one_of(st.text(ALPHABET, max_size=24), st.text(max_size=12)))
def test_fuzz_random_text(source: str) -> None:
    check(source)


@settings(FAST, max_examples=5_000 // BATCH)
@given(SEEDS)
def test_fuzz_random_token_sequences(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(BATCH):
        check(tokens(rng))


@settings(FAST, max_examples=7_000 // BATCH)
@given(SEEDS)
def test_fuzz_mutated_ascii(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(BATCH):
        check(mutate(rng, ASCII_SEEDS))


@settings(FAST, max_examples=5_000 // BATCH)
@given(SEEDS)
def test_fuzz_mutated_latex(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(BATCH):
        check(mutate(rng, LATEX_SEEDS))


def test_fuzz_seeds_are_valid_where_expected() -> None:
    unsupported = {"A .* B", "exp(x)", r"x \odot y"}
    for source in ASCII_SEEDS + LATEX_SEEDS:
        if source not in unsupported:
            parse(source)  # a seed that fails would make its mutations much less interesting


# (input, the error's column, its message): each stops at the first limit it passes, and says
# where, instead of working through the rest of the input
HUGE = [
    ("(" * 5_000 + "x" + ")" * 5_000, 10_001, "the expression is too long: 10,001 characters"),
    ("-" * 9_000 + "x", 2_001, "the expression is too long: 9,001 symbols"),
    ("x" + "'" * 9_000, 2_001, "the expression is too long: 9,001 symbols"),
    ("x" + "^2" * 4_000, 2_001, "the expression is too long: 8,001 symbols"),
    ("tr(" * 3_000 + "X" + ")" * 3_000, 10_001, "the expression is too long: 12,001 characters"),
    ("x + " * 2_400 + "x", 4_001, "the expression is too long: 4,801 symbols"),
    ("x " * 4_000, 4_001, "the expression is too long: 4,000 symbols"),
    ("9" * 9_000, 1, "the number is too long: 9000 digits (at most 30)"),
    ("2^99 " * 50, 1, "a number in the expression is too large"),
    ("|" * 5_000, 4_001, "the expression is too long: 2,500 symbols"),
    ("{" * 3_000 + "x" + "}" * 3_000, 2_001, "the expression is too long: 6,001 symbols"),
    (r"\frac{" * 1_000 + "x", 1, "the LaTeX is nested too deeply"),
    (r"{" * 4_000 + "x" + "}" * 4_000 + r"\alpha", 1, "the LaTeX is nested too deeply"),
    ("x" * 50_000, 10_001, "the expression is too long: 50,000 characters"),
]


@contextlib.contextmanager
def hang_guard(seconds: int) -> Iterator[None]:
    """Fail, instead of hanging the suite, when the block runs past ``seconds`` (a bound on
    pathological behaviour, tens of times what it takes: not a measure of speed)."""

    def stop(signum: int, frame: object) -> None:
        raise AssertionError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize(("source", "column", "message"), HUGE,
                         ids=[f"{s[:6]}...{len(s)}" for s, _, _ in HUGE])  # fmt: skip
def test_fuzz_huge_inputs_fail_fast_with_a_position(source: str, column: int, message: str
                                                    ) -> None:  # fmt: skip
    with hang_guard(30), pytest.raises(LocatedError) as caught:
        parse(source)
    assert caught.value.column == column
    assert message in caught.value.message
    assert caught.value.source == source
