"""Fixtures shared by the test suite: gates for tests that need TeX or KaTeX.

A test that needs latexmk/pdflatex asks for the ``requires_tex`` fixture (or carries
``@pytest.mark.tex``); one that needs node's KaTeX asks for ``requires_katex``, ``katex_errors`` or
``katex_check`` (or carries ``@pytest.mark.katex``); ``requires_mathjax`` and ``requires_chromium``
gate MathJax (npm mathjax-full) and headless Chromium the same way, and a Markdown converter is
gated with ``require_tool(webtools.converter_missing_reason(flavor))``. On a developer machine a
missing tool skips the test with the reason and how to install it. Under ``CI=true`` a missing
tool fails the test instead: ``.ci/run`` installs every tool, so CI can never pass by skipping.
"""

from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from katex import FormulaLike, katex_check, katex_errors, katex_missing_reason
from webtools import chromium_missing_reason, mathjax_missing_reason

# mutmut (``[tool.mutmut]`` in pyproject.toml) runs the tests in-process with every function
# wrapped in a trampoline, about three frames per call: the recursive-descent parser at its
# nesting limit then needs more stack than Python's default 1,000 frames.
# Under mutmut the same work also runs ten times slower (trampolines, a loaded 2-core machine):
# derive's time budget (20 s by default, a bound for users) is stretched tenfold there, so a
# clean run does not fail on time; mutmut's own timeout still catches a mutant that hangs.
if "MUTANT_UNDER_TEST" in os.environ:
    sys.setrecursionlimit(6_000)
    from derive import budget as _budget

    _time_limit = _budget.time_limit

    def _stretched(seconds: float | None, stage: str = "the derivation") -> Any:
        return _time_limit(None if seconds is None else 10 * seconds, stage)

    _budget.time_limit = _stretched  # type: ignore[assignment]


# mutmut also runs several pytest sessions in one process (stats, the clean run, then one per
# forked mutant), and pytest 9 keeps the ids it made from a parametrize mark's explicit `ids` on
# the mark and escapes them again in the next session: `\\log s` becomes `\\\\log s`, the test
# ids mutmut recorded are then "not found" (pytest exit 4) and the run stops. Under mutmut each
# session makes its ids afresh (every `ids=` in the suite is a list or a callable, so they can).
if "MUTANT_UNDER_TEST" in os.environ:

    @pytest.hookimpl(tryfirst=True)
    def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
        for mark in metafunc.definition.iter_markers("parametrize"):
            origin = getattr(mark, "_param_ids_from", None)
            if origin is not None:
                object.__setattr__(origin, "_param_ids_generated", None)


_SELECTION = pytest.StashKey[frozenset[str] | None]()


def mutation_selection(stage: str) -> frozenset[str]:
    """Return the test files a mutation run of ``stage`` collects (tests/mutation_stages.toml).

    Args:
        stage: ``calculus``, ``check`` or ``language``, or ``stage.module``: the list of the
            module or of the package it is in when the table has one, else the stage's list.

    Raises:
        pytest.UsageError: The stage is not in the table (a typo must not run the whole suite).
    """
    table = tomllib.loads((Path(__file__).parent / "mutation_stages.toml").read_text("utf-8"))
    parts = stage.split(".")
    for key in (".".join(parts[:end]) for end in range(len(parts), 0, -1)):
        if key in table:  # the longest key the table has: the module, a package of it, the stage
            return frozenset(table[key])
    raise pytest.UsageError(f"DERIVE_MUTATION_STAGE={stage!r} is not in mutation_stages.toml")


def pytest_configure(config: pytest.Config) -> None:
    """Under ``scripts/mutate`` (DERIVE_MUTATION_STAGE set), read the stage's test files once."""
    stage = os.environ.get("DERIVE_MUTATION_STAGE")
    config.stash[_SELECTION] = mutation_selection(stage) if stage else None


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Leave out the test files a mutation run's stage does not list (paths given are kept)."""
    selection = config.stash.get(_SELECTION, None)
    if selection is None or not collection_path.name.startswith("test_"):
        return None
    return collection_path.name not in selection


def in_ci() -> bool:
    """Return True when running under CI (the ``CI`` environment variable is true)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def require_tool(missing_reason: str | None) -> None:
    """Skip the running test when a tool is missing, or fail it under CI.

    Args:
        missing_reason: Why the tool cannot be used, or None when it can.
    """
    if missing_reason is None:
        return
    if in_ci():
        pytest.fail(f"CI=true but {missing_reason}", pytrace=False)
    pytest.skip(missing_reason)


# Hypothesis profiles. "ci" (chosen under CI=true, and by .ci/run through HYPOTHESIS_PROFILE)
# draws the same examples on every run, with no example database and 100 examples for a test
# that sets no budget of its own: a red CI run can be rerun and is red again. Locally the default
# profile explores new examples each run and remembers failures in .hypothesis/.
settings.register_profile("ci", derandomize=True, database=None, max_examples=100,
                          deadline=None, print_blob=True)  # fmt: skip
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if in_ci() else "default"))


def tex_missing_reason() -> str | None:
    """Return why PDFs cannot be built here, or None when latexmk and pdflatex are present."""
    from derive.documents.pdf import INSTALL_HINT, latexmk_available

    return None if latexmk_available() else f"latexmk or pdflatex not found; {INSTALL_HINT}"


# Marker name -> the check that says why its tool is missing (None when present).
_GATES: dict[str, Callable[[], str | None]] = {
    "tex": tex_missing_reason,
    "katex": katex_missing_reason,
    "mathjax": mathjax_missing_reason,
    "chromium": chromium_missing_reason,
}


@pytest.fixture
def requires_tex() -> None:
    """Skip (or, under CI, fail) the test unless latexmk and pdflatex are installed."""
    require_tool(tex_missing_reason())


@pytest.fixture
def requires_katex() -> None:
    """Skip (or, under CI, fail) the test unless node can run KaTeX."""
    require_tool(katex_missing_reason())


@pytest.fixture
def requires_mathjax() -> None:
    """Skip (or, under CI, fail) the test unless node can run MathJax (npm mathjax-full)."""
    require_tool(mathjax_missing_reason())


@pytest.fixture
def requires_chromium() -> None:
    """Skip (or, under CI, fail) the test unless a headless Chromium is installed."""
    require_tool(chromium_missing_reason())


@pytest.fixture(name="katex_errors")
def katex_errors_fixture(requires_katex: None) -> Callable[[Iterable[FormulaLike]], list[str]]:
    """``katex_errors(formulas) -> list[str]``: one message per formula KaTeX rejects."""
    return katex_errors


@pytest.fixture(name="katex_check")
def katex_check_fixture(
    requires_katex: None,
) -> Callable[[Iterable[FormulaLike]], list[str | None]]:
    """``katex_check(formulas) -> list[str | None]``: per formula, None or KaTeX's message."""
    return katex_check


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests that use a gate fixture, so ``-m "not tex"`` deselects them."""
    for item in items:
        for name in _GATES:
            if f"requires_{name}" in getattr(item, "fixturenames", ()):
                item.add_marker(name)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Apply the gate of every ``tex``/``katex`` marker, however the marker got there."""
    for name, missing_reason in _GATES.items():
        if item.get_closest_marker(name) is not None:
            require_tool(missing_reason())
