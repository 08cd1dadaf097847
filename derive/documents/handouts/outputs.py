"""Output files of a build: staged writes, the build lock, stale temporaries and the stamp.

Every output is first written beside its final name (``.NAME.<hex>.tmp``) and renamed into place
only when the whole build has succeeded; the stamp (``.derive-stamp.json``) records what the
outputs were built from, so that a rebuild with nothing changed can skip all work.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from derive.documents.document import Handout
from derive.documents.formats import get
from derive.documents.handouts.spec import HandoutSpec

_STAMP = ".derive-stamp.json"

# --- concurrent and killed builds ---------------------------------------------------------------

# the temporary files of a build: ".NAME.tex.1a2b3c4d5e6f.tmp" (and compile_pdf's ".part")
_TEMPORARY = re.compile(r"\..+\.[0-9a-f]{12}\.(tmp|part)")


@contextlib.contextmanager
def _build_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on the output folder while files are staged and swapped in.

    Two builds of one handout then take turns, and a build holding the lock knows that every
    temporary file it finds is left over from a build that was killed (a killed process
    releases its lock). The lock is on the folder itself, so no lock file is left beside the
    outputs. Where such locks are not available, nothing is locked.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def _remove_stale_temporaries(folder: Path) -> None:
    """Remove the temporary files killed builds left in ``folder`` (the lock is held)."""
    from derive.documents.pdf import remove_stale_build_folders

    for entry in folder.iterdir():
        if _TEMPORARY.fullmatch(entry.name) and entry.is_file():
            with contextlib.suppress(OSError):
                entry.unlink()
    remove_stale_build_folders()


def _temp(final: Path) -> Path:
    return final.with_name(f".{final.name}.{secrets.token_hex(6)}.tmp")


def _stage(final: Path, data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``final`` and return its path."""
    temp = _temp(final)
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def _write_atomic(final: Path, data: bytes) -> None:
    temp = _stage(final, data)
    try:
        os.replace(temp, final)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


# --- the stamp: what the outputs were built from ---------------------------------------------


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_digest(path: Path) -> str | None:
    try:
        return _digest(path.read_bytes())
    except OSError:
        return None


def _read_stamp(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / _STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _recorded(stamp: Mapping[str, Any], path: Path) -> bool:
    """True when ``path`` exists with the content the stamp recorded for it."""
    files = stamp.get("files", {})
    expected = files.get(path.name) if isinstance(files, dict) else None
    return expected is not None and _file_digest(path) == expected


def _write_stamp(
    folder: Path,
    old: Mapping[str, Any],
    key: str,
    built_from: Mapping[str, str],
    documents: Mapping[str, Handout],
    wanted: tuple[str, ...],
) -> None:
    files = dict(old.get("files", {})) if isinstance(old.get("files"), dict) else {}
    for name in documents:
        for fmt in wanted:
            file = folder / f"{name}{get(fmt).suffix}"
            digest = _file_digest(file)
            if digest is not None:
                files[file.name] = digest
    pdf_from = dict(old.get("pdf_from", {})) if isinstance(old.get("pdf_from"), dict) else {}
    pdf_from.update(built_from)
    stamp = {"input": key, "pdf_from": pdf_from, "files": files}
    _write_atomic(folder / _STAMP, json.dumps(stamp, indent=1, sort_keys=True).encode())


def _input_key(spec: HandoutSpec, wanted: tuple[str, ...], templates_dir: Path | None) -> str:
    """A digest of everything the outputs depend on: the file, the options, derive, templates.

    derive's modules are digested once per process for the derivation cache as well
    (:func:`~derive.check.cache.code_digest`); the package's other files (the default handout)
    are digested here."""
    from derive import __version__
    from derive.check.cache import code_digest

    parts = {
        "text": spec.text, "formats": sorted(wanted), "answer_key": spec.answer_key,
        "md_flavor": spec.md_flavor, "front_matter": spec.front_matter,
        "version": __version__, "code": code_digest(),
        "data": _tree_digest(_package_dir(), skip=".py"),
        "templates": [_templates_digest(d) for d in (*_builtin_template_dirs(), templates_dir)
                      if d],
    }  # fmt: skip
    return _digest(json.dumps(parts, sort_keys=True).encode())


def _package_dir() -> Path:
    """The ``derive`` package folder."""
    return Path(__file__).resolve().parents[2]


def _builtin_template_dirs() -> list[Path]:
    """Where the built-in templates live (the folder the renderer reads them from)."""
    from derive.documents.render import find_templates

    return [find_templates()]


def _tree_digest(root: Path, skip: str | None = None) -> str:
    """A digest of every file under ``root`` (names and contents), caches and files whose name
    ends with ``skip`` left out."""
    digest = hashlib.sha256()
    for file in sorted(f for f in _files(root) if skip is None or not f.name.endswith(skip)):
        digest.update(str(file.relative_to(root)).encode() + b"\0")
        with contextlib.suppress(OSError):
            digest.update(file.read_bytes())
    return digest.hexdigest()


def _templates_digest(root: Path) -> str:
    """A digest of the template files (``*.j2``) in a templates folder, at most three levels
    down: a folder such as /usr given by mistake is not read whole."""
    digest = hashlib.sha256()
    files = {f for pattern in _TEMPLATE_PATTERNS for f in root.glob(pattern) if f.is_file()}
    for file in sorted(files):
        digest.update(str(file.relative_to(root)).encode() + b"\0")
        with contextlib.suppress(OSError):
            digest.update(file.read_bytes())
    return digest.hexdigest()


_TEMPLATE_PATTERNS = ("*.j2", "*/*.j2", "*/*/*.j2")


def _files(root: Path) -> Iterator[Path]:
    """Every file under ``root``, ``__pycache__`` folders not entered."""
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [d for d in subfolders if d != "__pycache__"]
        for name in names:
            path = Path(folder, name)
            if path.is_file():
                yield path


def _swap_in(pending: Mapping[Path, Path]) -> None:
    """Rename every staged file into place, or none of them.

    Each output that exists is first kept under a temporary name (a hard link, or a copy); if
    a rename fails (an immutable file, a folder in the way, an interrupt), the renames already
    done are undone from those copies, so every output is as it was before the build.
    """
    kept: dict[Path, Path | None] = {}
    try:
        for final, temp in pending.items():
            kept[final] = _keep(final)
            os.replace(temp, final)
    except BaseException:
        for final, old in kept.items():
            with contextlib.suppress(OSError):
                if old is not None:
                    os.replace(old, final)
                elif final.is_file():
                    final.unlink()
        raise
    finally:
        for old in kept.values():
            if old is not None:
                old.unlink(missing_ok=True)


def _keep(final: Path) -> Path | None:
    """A second name for ``final``'s current content (None when it is not a file)."""
    if not final.is_file():
        return None
    old = _temp(final)
    try:
        os.link(final, old)
    except OSError:
        import shutil

        shutil.copy2(final, old)
    return old
