"""``derive build --watch``: rebuild a handout whenever its file or a user template changes.

The file system is watched with ``watchfiles`` (inotify where it is available, polling
elsewhere). Each rebuild prints one line: when, what changed, how long it took, and the
error if it failed. A failed build leaves the previous outputs in place (the build writes
every file by an atomic rename, and only when everything succeeded), so the last good PDF
stays open in the viewer. Ctrl-C stops watching and exits 0.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import click

from derive.errors import DeriveError

# builds the handout; returns the files and whether they were all unchanged (nothing to do)
Build = Callable[[], tuple[Sequence[Path], bool]]

_TEMPLATE_SUFFIX = ".j2"
_TEMPLATE_DEPTH = 3  # as far down as the build's digest of a templates folder reads
_TICK_MS = 500  # the watcher wakes up this often when nothing changes (Ctrl-C is seen at once)


@dataclass(frozen=True, slots=True)
class Watched:
    """The files a handout build depends on that a user edits.

    Attributes:
        handout: The handout file.
        templates: The user's templates folder, or None.
    """

    handout: Path
    templates: Path | None

    def folders(self) -> list[Path]:
        """The folders to watch, each without its subfolders: the handout's folder (which
        often holds the output folder too) and the templates folder with its subfolders."""
        found = [self.handout.parent]
        if self.templates is not None:
            found.append(self.templates)
            level = [self.templates]
            for _ in range(_TEMPLATE_DEPTH - 1):
                level = [d for folder in level for d in sorted(folder.iterdir()) if d.is_dir()]
                found += level
        return found

    def concerns(self, path: Path) -> bool:
        """True when a change of ``path`` can change the outputs."""
        if path == self.handout:
            return True
        return (self.templates is not None and path.suffix == _TEMPLATE_SUFFIX
                and self.templates in path.parents)  # fmt: skip

    def name(self, path: Path) -> str:
        """``path`` as the user knows it: the handout's file name, or the template's path in
        the templates folder."""
        if path == self.handout or self.templates is None:
            return path.name
        return str(path.relative_to(self.templates))


def watch(watched: Watched, build: Build) -> None:
    """Build once, then again after every change of a watched file, until Ctrl-C.

    Args:
        watched: The handout file and the templates folder.
        build: Builds the handout; returns the files and whether nothing had to be done, or
            raises DeriveError.
    """
    import watchfiles

    from derive.documents.render import reload_templates

    try:
        # watching starts on the generator's first step, which returns within a tick: a
        # change made during the first build (or any later one) is then not missed
        changes = watchfiles.watch(
            *watched.folders(), watch_filter=lambda _, path: watched.concerns(Path(path)),
            debounce=400, step=50, rust_timeout=_TICK_MS, yield_on_timeout=True,
            recursive=False, raise_interrupt=True,
        )  # fmt: skip
        next(changes)
        _build_and_say(build, "")
        click.echo(f"watching {_shown(watched)} for changes; Ctrl-C to stop", err=True)
        for batch in changes:
            if not batch:
                continue
            changed = sorted({watched.name(Path(path)) for _, path in batch})
            if any(Path(path) != watched.handout for _, path in batch):
                reload_templates()
            _build_and_say(build, ", ".join(changed) + " changed: ")
    except KeyboardInterrupt:
        pass
    click.echo("stopped watching", err=True)


def _build_and_say(build: Build, cause: str) -> None:
    """Run one build and print its line: ``[12:03:04] handout.toml changed: rebuilt in 1.2 s
    (3 files)``, or the error and that the last good outputs were kept."""
    stamp = time.strftime("%H:%M:%S")
    start = time.perf_counter()
    try:
        written, unchanged = build()
    except DeriveError as error:
        seconds = time.perf_counter() - start
        click.echo(f"[{stamp}] {cause}failed in {seconds:.1f} s, the last good outputs are"
                   f" kept: {_one_line(str(error))}")  # fmt: skip
        return
    seconds = time.perf_counter() - start
    verb = "unchanged" if unchanged else "rebuilt" if cause else "built"
    click.echo(f"[{stamp}] {cause}{verb} in {seconds:.1f} s: {_files(written)}")


def _one_line(message: str) -> str:
    """An error message on one line: its lines joined by `` | `` (a caret line, which points
    into the line above, is left out)."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return " | ".join(line for line in lines if set(line) - {"^", "~"})


def _files(paths: Iterable[Path]) -> str:
    return ", ".join(str(path) for path in paths) or "nothing to write"


def _shown(watched: Watched) -> str:
    shown = str(watched.handout)
    if watched.templates is not None:
        shown += f" and the templates in {watched.templates}"
    return shown
