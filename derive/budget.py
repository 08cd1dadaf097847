"""A time budget for one derivation and its checks.

``prove`` opens a budget with :func:`time_limit`; the engine and the checker call :func:`check`
in their loops (a cheap clock read) and name what they are doing with :func:`stage`. Past the
deadline, :func:`check` raises :class:`OutOfTime`, a :class:`~derive.errors.LimitError` that
says which stage ran out of time; ``prove`` adds which part of the expression is to blame.

The budget lives in a context variable, so threads and nested calls each see their own, and
code run outside ``prove`` (no budget open) never stops.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from derive.errors import LimitError, Span

DEFAULT_SECONDS = 20.0


class OutOfTime(LimitError):
    """The time budget ran out; ``stage`` says where (``verification: step 5 (collect)``)."""

    def __init__(
        self, message: str, span: Span | None = None, source: str = "", *, stage: str = "",
        seconds: float = 0.0,
    ) -> None:
        super().__init__(message, span, source)
        self.stage = stage
        self.seconds = seconds


@dataclass
class _Clock:
    seconds: float
    deadline: float
    stage: str


_ACTIVE: ContextVar[_Clock | None] = ContextVar("derive_time_budget", default=None)


@contextmanager
def time_limit(seconds: float | None, stage: str = "the derivation") -> Iterator[None]:
    """Run the body under a budget of ``seconds`` (None: no limit).

    Args:
        seconds: The budget in seconds, or None for none.
        stage: What runs first, for the message.

    Yields:
        Nothing; :func:`check` inside the body raises once the budget is spent.
    """
    if seconds is None:
        token = _ACTIVE.set(None)
    else:
        token = _ACTIVE.set(_Clock(seconds, time.monotonic() + seconds, stage))
    try:
        yield
    finally:
        _ACTIVE.reset(token)


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Name the stage that runs in the body (checked on entry), restoring the outer one after."""
    clock = _ACTIVE.get()
    if clock is None:
        yield
        return
    outer, clock.stage = clock.stage, name
    check()
    try:
        yield
    finally:
        clock.stage = outer


def current_stage(default: str = "the derivation") -> str:
    """The stage running now (``default`` outside any budget)."""
    clock = _ACTIVE.get()
    return default if clock is None else clock.stage


def check() -> None:
    """Raise :class:`OutOfTime` when the current budget is spent.

    Raises:
        OutOfTime: Past the deadline of the innermost :func:`time_limit`.
    """
    clock = _ACTIVE.get()
    if clock is not None and time.monotonic() > clock.deadline:
        raise OutOfTime(
            f"derive ran out of time: the limit of {clock.seconds:g} s was reached during"
            f" {clock.stage}",
            stage=clock.stage,
            seconds=clock.seconds,
        )
