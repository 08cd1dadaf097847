"""Handout items derived in parallel worker processes (documents.handouts.workers): the same
outputs and the same errors as deriving them one after another."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import derive
from derive.documents.handouts import build as ho
from derive.documents.handouts.workers import ordered_map

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


def test_ordered_map_keeps_the_order_and_runs_in_other_processes() -> None:
    results = list(ordered_map(_pid_and_square, 9, jobs=2))
    assert [square for _, square in results] == [n * n for n in range(9)]
    assert results[0][0] == os.getpid()  # the first task warms this process up
    if "fork" in __import__("multiprocessing").get_all_start_methods():
        assert {pid for pid, _ in results[1:]} - {os.getpid()}  # the others ran in workers


def test_ordered_map_with_one_job_runs_here() -> None:
    assert {pid for pid, _ in ordered_map(_pid_and_square, 9, jobs=1)} == {os.getpid()}


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
