"""Derive a handout's items in parallel: forked worker processes, results in the file's order.

Deriving and verifying the items is most of a build's Python time (NumPy and the checks hold
the GIL, so threads would not help); the items are independent, so where there are several
cores they run in worker processes. The first item runs here, before the workers fork, so that
each worker starts with every module it needs already imported (the engine, NumPy, SymPy).
Results come back in order, so the outputs do not depend on how the work was shared out.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

_MAX_JOBS = 4
_MIN_TASKS = 4  # fewer items are derived here: forking would cost more than it saves

# the job of the pool being run: forked workers inherit it, so it need not be picklable
_JOB: Callable[[int], Any] | None = None


def default_jobs() -> int:
    """The processes a build uses: the cores this process may run on, at most four."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        cores = os.cpu_count() or 1
    return max(1, min(cores, _MAX_JOBS))


def ordered_map(job: Callable[[int], T], count: int, jobs: int | None = None) -> Iterator[T]:
    """Yield ``job(0)``, ..., ``job(count - 1)`` in that order.

    With ``jobs`` above one, enough tasks and a ``fork`` start method, ``job(0)`` runs here and
    the others in ``jobs`` forked worker processes; otherwise all of them run here. ``job``
    must not raise (a worker's exception would lose its type): it returns its failure.

    Args:
        job: The task, by number; its result must be picklable.
        count: How many tasks.
        jobs: Worker processes; None for :func:`default_jobs`.
    """
    global _JOB
    jobs = default_jobs() if jobs is None else jobs
    forkable = "fork" in multiprocessing.get_all_start_methods()
    if jobs < 2 or count < _MIN_TASKS or not forkable or _JOB is not None:
        yield from (job(number) for number in range(count))
        return
    yield job(0)
    _JOB = job
    try:
        pool = ProcessPoolExecutor(max_workers=min(jobs, count - 1),
                                   mp_context=multiprocessing.get_context("fork"),
                                   initializer=_leave_signals_to_the_parent)  # fmt: skip
        try:
            futures = [pool.submit(_run, number) for number in range(1, count)]
            for future in futures:
                yield future.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    finally:
        _JOB = None


def _run(number: int) -> Any:
    assert _JOB is not None, "a worker runs only in a pool that ordered_map forked"
    return _JOB(number)


def _leave_signals_to_the_parent() -> None:
    """In a worker: Ctrl-C, SIGTERM and SIGHUP stop the parent, which shuts the pool down."""
    import signal

    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
