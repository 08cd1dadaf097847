"""Handout items derived in parallel worker processes (documents.handouts.workers): the same
outputs and the same errors as deriving them one after another."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import derive
from derive.documents.handouts import build as ho
from derive.documents.handouts import workers
from derive.documents.handouts.workers import default_jobs, ordered_map

SHEET = """\
title = "Four items, two wrong"
name = "sheet"

[[section]]
title = "Forms"

[[section.item]]
expr = "x' A x"
wrt = "x"

[[section.item]]
expr = "x' +"
wrt = "x"

[[section.item]]
identity = "no_such_identity"

[[section.item]]
expr = "tr(A X)"
wrt = "X"
"""


def _outputs(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


def _pid_and_square(number: int) -> tuple[int, int]:
    return os.getpid(), number * number


def _shared_out(marker: Path, parent: int, first: int = 1) -> Callable[[int], tuple[int, int]]:
    """A job whose tasks after the ``first`` each wait until this process and a helper have
    both begun one: so both certainly take part, however fast the tasks are."""

    def job(number: int) -> tuple[int, int]:
        if number >= first:
            here = os.getpid() == parent
            marker.with_suffix(".here" if here else ".helper").touch()
            other = marker.with_suffix(".helper" if here else ".here")
            deadline = time.monotonic() + 60
            while not other.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
        return os.getpid(), number * number

    return job


def test_ordered_map_keeps_the_order_and_shares_the_tasks_with_helpers(tmp_path: Path) -> None:
    parent = os.getpid()
    ran: list[str] = []
    results = list(ordered_map(_shared_out(tmp_path / "helped", parent), 9, jobs=2,
                               meanwhile=lambda: ran.append(f"meanwhile {os.getpid()}")))
    assert [square for _, square in results] == [n * n for n in range(9)]
    assert results[0][0] == parent  # the first task warms this process up
    helpers = {pid for pid, _ in results[1:]} - {parent}
    assert len(helpers) == 1  # jobs = 2: this process and one helper
    assert parent in {pid for pid, _ in results[1:]}  # this process took tasks too
    assert ran == [f"meanwhile {parent}"]  # once, here
    for pid in helpers:  # reaped: no zombie is left
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def test_ordered_map_runs_the_first_tasks_here_before_forking(tmp_path: Path) -> None:
    parent = os.getpid()
    results = list(ordered_map(_shared_out(tmp_path / "helped", parent, 3), 9, jobs=2,
                                first=3))
    assert [pid for pid, _ in results[:3]] == [parent] * 3
    assert {pid for pid, _ in results[3:]} - {parent}


def test_ordered_map_with_one_job_runs_here() -> None:
    ran: list[int] = []
    assert {pid for pid, _ in ordered_map(_pid_and_square, 9, jobs=1,
                                          meanwhile=lambda: ran.append(os.getpid()))} \
        == {os.getpid()}  # fmt: skip
    assert ran == [os.getpid()]


def _dies_in_a_helper(marker: Path, parent: int) -> Callable[[int], tuple[int, int]]:
    def job(number: int) -> tuple[int, int]:
        if os.getpid() != parent:
            marker.touch()
            os._exit(3)  # a helper killed mid-task: its result never comes back
        if number > 0:
            deadline = time.monotonic() + 60
            while not marker.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
        return os.getpid(), number * number

    return job


def test_a_task_whose_helper_died_is_run_here(tmp_path: Path) -> None:
    parent = os.getpid()
    results = list(ordered_map(_dies_in_a_helper(tmp_path / "died", parent), 8, jobs=3))
    assert (tmp_path / "died").exists()  # a helper took a task and died in it
    assert results == [(parent, n * n) for n in range(8)]


def _raises_at_five(number: int) -> int:
    if number == 5:
        raise KeyError(number)
    return number


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_exception_of_a_task_reaches_the_caller_with_its_type(jobs: int) -> None:
    with pytest.raises(KeyError):
        list(ordered_map(_raises_at_five, 9, jobs=jobs))


def test_stopping_early_stops_the_helpers(tmp_path: Path) -> None:
    parent = os.getpid()

    def slow(number: int) -> int:
        if os.getpid() != parent:
            (tmp_path / str(os.getpid())).touch()
            if number > 1:  # (task 1 may be the helper's: then the result 1 must come back)
                time.sleep(60)  # killed long before this ends
        elif number > 0:  # here: wait until the helper is inside a task
            deadline = time.monotonic() + 60
            while not any(tmp_path.iterdir()) and time.monotonic() < deadline:
                time.sleep(0.01)
        return number

    mapped = ordered_map(slow, 9, jobs=2)
    assert [next(mapped), next(mapped)] == [0, 1]
    start = time.monotonic()
    mapped.close()  # as an exception in the caller would
    assert time.monotonic() - start < 30  # the helper was not waited for
    pids = [int(p.name) for p in tmp_path.iterdir()]
    assert len(pids) == 1
    with pytest.raises(ChildProcessError):  # killed and reaped
        os.waitpid(pids[0], os.WNOHANG)


def test_parallel_build_of_the_default_handout_is_byte_identical_to_a_serial_one(
    tmp_path: Path,
) -> None:
    ho.build_handout(None, ("tex", "md"), tmp_path / "serial", prove=derive.prove, jobs=1)
    ho.build_handout(None, ("tex", "md"), tmp_path / "parallel", prove=derive.prove, jobs=2)
    serial = _outputs(tmp_path / "serial")
    assert set(serial) == {"default/.derive-stamp.json", "default/default.tex",
                           "default/default.md"}  # fmt: skip
    assert _outputs(tmp_path / "parallel") == serial


def test_parallel_derivation_reports_every_failing_item_as_a_serial_one(tmp_path: Path) -> None:
    path = tmp_path / "sheet.toml"
    path.write_text(SHEET, encoding="utf-8")
    spec = ho.load_handout(path)
    messages = []
    for jobs in (1, 2):
        with pytest.raises(ho.HandoutFileError) as caught:
            ho.derive_handout(spec, prove=derive.prove, jobs=jobs)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    assert messages[0].startswith(f"2 problems in {path}; nothing was built:")
    assert f"{path}:12: section[1].item[2].expr: " in messages[0]
    assert f"{path}:16: section[1].item[3].identity: " in messages[0]


@pytest.mark.parametrize(
    ("cores", "busy", "jobs"),
    [(2, 0.2, 2), (2, 1.2, 1), (2, 12.0, 1), (8, 0.0, 4), (8, 5.4, 3), (1, 0.0, 1)],
    ids=["quiet-pair", "one-core-busy", "loaded", "many-cores", "some-idle", "single"],
)
@pytest.mark.parametrize("source", ["runnable now", "load average"])
def test_default_jobs_uses_the_idle_cores(
    monkeypatch: pytest.MonkeyPatch, cores: int, busy: float, jobs: int, source: str
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)))
    if source == "runnable now":  # Linux: the processes runnable at this moment count
        monkeypatch.setattr(workers, "_runnable_others", lambda: busy)
        monkeypatch.setattr(os, "getloadavg", lambda: (99.0, 99.0, 99.0))
    else:  # elsewhere the one-minute load average
        monkeypatch.setattr(workers, "_runnable_others", lambda: None)
        monkeypatch.setattr(os, "getloadavg", lambda: (busy, busy, busy))
    assert default_jobs() == jobs


def test_runnable_others_reads_the_kernel_count_of_runnable_processes(tmp_path: Path) -> None:
    (tmp_path / "loadavg").write_text("3.10 2.00 1.00 4/300 9999\n", encoding="ascii")
    assert workers._runnable_others(str(tmp_path)) == 3  # this process is one of the four
    (tmp_path / "loadavg").write_text("0.10 0.20 0.30 1/300 9999\n", encoding="ascii")
    assert workers._runnable_others(str(tmp_path)) == 0
    (tmp_path / "loadavg").write_text("garbage\n", encoding="ascii")
    assert workers._runnable_others(str(tmp_path)) is None  # the load average decides


def test_runnable_others_reads_this_machine() -> None:
    if not Path("/proc/loadavg").exists():
        assert workers._runnable_others() is None
        return
    total = int(Path("/proc/loadavg").read_text().split()[3].split("/")[1])
    assert 0 <= workers._runnable_others() <= total  # type: ignore[operator]
