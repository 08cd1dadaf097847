"""``derive build --watch``, run as a real process: real file changes, a real Ctrl-C (SIGINT)."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from derive.cli.watch import Watched, _one_line

HANDOUT = """\
title = "{title}"
name = "course"

[[section]]
title = "Forms"

[[section.item]]
expr = "x' A x"
wrt = "x"
"""

# the whole Markdown page, from a user's template: the title and the first item's result
TEMPLATE = "{version}: {{{{ h.title }}}}\n"

_WAIT = 180.0  # seconds: the machine may be loaded; a rebuild of one cached item is fast


class Watcher:
    """A ``derive build --watch`` process whose stdout lines arrive in a queue."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "derive", "build", "--watch", *args], cwd=cwd, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        assert self.process.stdout is not None
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.lines.put(line.rstrip("\n"))

    def next_line(self) -> str:
        try:
            line = self.lines.get(timeout=_WAIT)
        except queue.Empty:
            self.process.kill()
            raise AssertionError(f"no line from derive build --watch; seen: {self.seen}") from None
        self.seen.append(line)
        return line

    def interrupt(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGINT)
        _, stderr = self.process.communicate(timeout=_WAIT)
        return self.process.returncode, stderr


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "DERIVE_CACHE_DIR": str(tmp_path / "cache")}


def _edit(path: Path, text: str) -> None:
    """Write ``text`` and make sure the file's time moves on (coarse file system clocks)."""
    path.write_text(text, encoding="utf-8")
    stamp = time.time() + 1
    os.utime(path, (stamp, stamp))


def test_watch_rebuilds_on_a_change_keeps_the_last_good_outputs_and_stops_on_ctrl_c(
    tmp_path: Path, environment: dict[str, str]
) -> None:
    handout = tmp_path / "course.toml"
    handout.write_text(HANDOUT.format(title="First"), encoding="utf-8")
    md = tmp_path / "out" / "course" / "course.md"
    watcher = Watcher([str(handout), "-f", "tex,md", "-o", "out"], tmp_path, environment)
    first = watcher.next_line()
    pattern = r"\[\d\d:\d\d:\d\d\] built in \d+\.\d s: out/course/course.tex, out/course/course.md"
    assert re.fullmatch(pattern, first), first
    assert md.read_text(encoding="utf-8").startswith("# First\n")

    _edit(handout, HANDOUT.format(title="Second"))
    line = watcher.next_line()
    assert "] course.toml changed: rebuilt in " in line, line
    assert md.read_text(encoding="utf-8").startswith("# Second\n")
    good = sorted(p.name for p in md.parent.iterdir())

    broken = '\n[[section.item]]\nexpr = "x +"\nwrt = "x"\n'  # an expression cut short
    _edit(handout, HANDOUT.format(title="Third") + broken)
    line = watcher.next_line()
    assert "] course.toml changed: failed in " in line, line
    assert "the last good outputs are kept: " in line
    assert "course.toml:12: section[1].item[2].expr: expected a symbol" in line  # line, key
    assert md.read_text(encoding="utf-8").startswith("# Second\n")
    assert sorted(p.name for p in md.parent.iterdir()) == good  # nothing half written

    _edit(handout, HANDOUT.format(title="Fourth"))
    assert "] course.toml changed: rebuilt in " in watcher.next_line()
    assert md.read_text(encoding="utf-8").startswith("# Fourth\n")

    code, stderr = watcher.interrupt()
    assert code == 0, stderr
    assert "Traceback" not in stderr
    assert stderr.rstrip().endswith("stopped watching")
    assert watcher.lines.empty()  # one line per build, nothing else on stdout


def test_watch_rebuilds_when_a_user_template_changes(
    tmp_path: Path, environment: dict[str, str]
) -> None:
    handout = tmp_path / "course.toml"
    handout.write_text(HANDOUT.format(title="Forms"), encoding="utf-8")
    templates = tmp_path / "templates"
    (templates / "md").mkdir(parents=True)
    template = templates / "md" / "handout.md.j2"
    template.write_text(TEMPLATE.format(version="one"), encoding="utf-8")
    md = tmp_path / "out" / "course" / "course.md"
    args = [str(handout), "-f", "md", "-o", "out", "--templates", str(templates)]
    watcher = Watcher(args, tmp_path, environment)
    assert " built in " in watcher.next_line()
    assert md.read_text(encoding="utf-8") == "one: Forms\n"

    _edit(template, TEMPLATE.format(version="two"))
    line = watcher.next_line()
    assert f"] {Path('md', 'handout.md.j2')} changed: rebuilt in " in line, line
    assert md.read_text(encoding="utf-8") == "two: Forms\n"

    _edit(template, "{% if %}\n")
    line = watcher.next_line()
    assert "changed: failed in " in line and "template error" in line, line
    assert md.read_text(encoding="utf-8") == "two: Forms\n"

    code, stderr = watcher.interrupt()
    assert code == 0 and "Traceback" not in stderr, stderr


@pytest.mark.parametrize(
    ("path", "concerns"),
    [
        ("course.toml", True),
        ("other.toml", False),
        ("out/course/course.md", False),
        ("templates/md/handout.md.j2", True),
        ("templates/md/notes.txt", False),
    ],
    ids=["handout", "other-file", "output", "template", "not-a-template"],
)
def test_watch_concerns_only_the_handout_and_templates(path: str, concerns: bool) -> None:
    root = Path("/work/h")
    watched = Watched(root / "course.toml", root / "templates")
    assert watched.concerns(root / path) is concerns


def test_watch_error_on_one_line_without_the_caret() -> None:
    message = "course.toml:9: expr: unexpected end\n  x +\n     ^\nsee the docs"
    assert _one_line(message) == "course.toml:9: expr: unexpected end | x + | see the docs"
