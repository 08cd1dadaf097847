"""Derive a handout's items in parallel: this process and forked helpers, results in file order.

Deriving and verifying the items is most of a build's Python time before latexmk can start
(the checks hold the GIL, so threads would not help); the items are independent, so where cores
are idle they are shared out between this process and forked helper processes:

* The first tasks run here until one has loaded the engine, so that each helper starts with
  every module it needs already imported (a fork shares them; importing them again in each
  helper would cost more than it saves).
* The remaining task numbers are written into a pipe before the helpers fork; this process and
  every helper take the next number from it until it is empty (a read of one number from a
  pipe is atomic), so a slow item does not hold up the others.
* Each helper sends back each result (pickled, length-prefixed) through a pipe of its own.
  A task whose result never comes back (a helper that crashed or was killed) is run here, so
  the outcome is the same as deriving every item here, only sooner.
* This process runs ``meanwhile`` (the build loads its templates) when the helpers have
  started, so that work overlaps with theirs instead of following it.

Results are yielded in the order of the tasks, so the outputs do not depend on how the work was
shared out. Helpers ignore Ctrl-C, SIGTERM and SIGHUP; on any error or interrupt here they are
killed and reaped before the error goes on.
"""

from __future__ import annotations

import gc
import os
import pickle
import select
import signal
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

_MAX_JOBS = 4
_MIN_TASKS = 4  # fewer tasks are run here: forking would cost more than it saves
_NUMBER = 4  # bytes per task number in the pipe of tasks
_PIPE_ROOM = 4096  # bytes a pipe holds on every system (POSIX's PIPE_BUF): no write blocks
_LENGTH = 8  # bytes of the length before each pickled result

_running = False  # a map is running in this process (a helper must not fork helpers of its own)


def default_jobs() -> int:
    """The processes a build derives with: one per core that is idle, at most four.

    A core counts as idle when no other process is runnable on it right now (Linux's count in
    ``/proc/loadavg``); elsewhere, when the one-minute load average leaves it idle. On a busy
    machine forked helpers only compete for the same cores, and their start-up made a build
    slower, not faster (issue 14's round-3 note); the one-minute average lags, though: it
    counts the latexmk that the previous build ran as a busy core.

    Niced processes count as busy: with the kernel's autogroups (on by default) a niced job
    of another session competes as a whole session would, and a helper gained nothing next to
    one (issue 14's round-4 note).
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        cores = os.cpu_count() or 1
    busy = _runnable_others()
    if busy is None:
        try:
            busy = os.getloadavg()[0]
        except OSError:  # pragma: no cover - no load average
            busy = 0.0
    return max(1, min(cores, _MAX_JOBS, int(cores - busy + 0.5)))


def _runnable_others(proc: str = "/proc") -> float | None:
    """How many other processes are runnable now; None where ``proc`` cannot tell."""
    try:
        with open(os.path.join(proc, "loadavg"), encoding="ascii") as handle:
            running = int(handle.read().split()[3].split("/")[0])
    except (OSError, IndexError, ValueError):
        return None
    return max(0, running - 1)  # this process is one of them


def ordered_map(
    job: Callable[[int], T], count: int, jobs: int | None = None, *,
    first: int = 1, meanwhile: Callable[[], None] | None = None,
) -> Iterator[T]:
    """Yield ``job(0)``, ..., ``job(count - 1)`` in that order.

    With ``jobs`` above one, enough tasks and ``os.fork``, tasks ``0 .. first - 1`` run here,
    then ``jobs - 1`` helpers fork and they and this process share the others; otherwise all
    of them run here. ``job`` should return its failure rather than raise it (a helper's
    exception would lose its type: a task that raised in a helper is run again here, where its
    exception propagates).

    Args:
        job: The task, by number; its result must be picklable.
        count: How many tasks.
        jobs: Processes, this one included; None for :func:`default_jobs`.
        first: Tasks to run here before forking (enough to import what the others need).
        meanwhile: Run once here, while the helpers work (or after the tasks, when there are
            none); an exception it raises propagates.
    """
    global _running
    jobs = default_jobs() if jobs is None else jobs
    first = max(1, min(first, count))
    rest = count - first
    helpers = min(jobs - 1, rest - 1)
    if (helpers < 1 or count < _MIN_TASKS or not hasattr(os, "fork") or _running
            or rest * _NUMBER > _PIPE_ROOM):  # fmt: skip
        yield from (job(number) for number in range(count))
        if meanwhile is not None:
            meanwhile()
        return
    _running = True
    try:
        yield from (job(number) for number in range(first))
        yield from _shared(job, first, count, helpers, meanwhile)
    finally:
        _running = False


def _shared(job: Callable[[int], T], first: int, count: int, helpers: int,
            meanwhile: Callable[[], None] | None) -> Iterator[T]:  # fmt: skip
    """Tasks ``first .. count - 1``, shared between this process and ``helpers`` forks."""
    take, give = os.pipe()
    try:
        os.write(give, b"".join(n.to_bytes(_NUMBER, "little") for n in range(first, count)))
    finally:
        os.close(give)  # the pipe ends when its numbers are taken
    results: dict[int, T] = {}
    children: dict[int, int] = {}  # result pipe -> pid
    buffers: dict[int, bytearray] = {}
    # what exists now is shared with the helpers: kept out of the collector's sweeps, so that
    # a helper's garbage collection does not copy the pages it shares (Python's advice for fork)
    gc.freeze()
    try:
        for _ in range(helpers):
            reader, writer = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - runs in the helper, which leaves by os._exit
                os.close(reader)
                _help(job, take, writer)
            os.close(writer)
            children[reader] = pid
            buffers[reader] = bytearray()
        if meanwhile is not None:
            meanwhile()
        following = first
        while (number := _next(take)) is not None:
            results[number] = job(number)
            _receive(children, buffers, results, wait=False)
            while following in results:
                yield results.pop(following)
                following += 1
        while children:
            _receive(children, buffers, results, wait=True)
        for number in range(following, count):
            yield results.pop(number) if number in results else job(number)
    finally:
        gc.unfreeze()
        os.close(take)
        for reader, pid in children.items():
            os.close(reader)
            _stop(pid)


def _next(take: int) -> int | None:
    data = os.read(take, _NUMBER)
    return int.from_bytes(data, "little") if len(data) == _NUMBER else None


def _help(job: Callable[[int], Any], take: int, writer: int) -> None:  # pragma: no cover
    """A helper's life: take task numbers until none are left, send each result back."""
    code = 0
    try:
        for name in ("SIGINT", "SIGTERM", "SIGHUP"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), signal.SIG_IGN)
        while (number := _next(take)) is not None:
            data = pickle.dumps((number, job(number)), pickle.HIGHEST_PROTOCOL)
            view = memoryview(len(data).to_bytes(_LENGTH, "little") + data)
            while view:
                view = view[os.write(writer, view):]
    except BaseException:  # noqa: BLE001 - the task is run again in the parent, which reports
        code = 1
    finally:
        os._exit(code)  # no atexit handlers, no flushing of the parent's buffers


def _receive(children: dict[int, int], buffers: dict[int, bytearray], results: dict[int, Any],
             wait: bool) -> None:  # fmt: skip
    """Read what the helpers have sent; a helper whose pipe has ended is reaped."""
    ready, _, _ = select.select(list(children), [], [], None if wait else 0)
    for reader in ready:
        chunk = os.read(reader, 1 << 16)
        buffer = buffers[reader]
        buffer += chunk
        while len(buffer) >= _LENGTH:
            size = int.from_bytes(buffer[:_LENGTH], "little")
            if len(buffer) < _LENGTH + size:
                break
            number, result = pickle.loads(buffer[_LENGTH:_LENGTH + size])  # noqa: S301 - ours
            results[number] = result
            del buffer[:_LENGTH + size]
        if not chunk:
            os.close(reader)
            _stop(children.pop(reader), kill=False)


def _stop(pid: int, kill: bool = True) -> None:
    """Reap a helper (killed first, unless it has finished)."""
    if kill:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:  # pragma: no cover - already gone
            pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:  # pragma: no cover - already reaped
        pass
