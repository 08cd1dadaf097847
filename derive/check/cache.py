"""Verified derivations kept on disk, so that rebuilding a handout re-derives only what changed.

An entry is keyed by everything the proof depends on: the arguments of the prove call
(expression, variables, declarations, layout, Hessian, verification, expected answer, method)
and derive's version and code digest (every ``derive/**/*.py`` file), so an edited engine never
reuses an old proof. The folder is the user's own cache: ``$DERIVE_CACHE_DIR``, else
``$XDG_CACHE_HOME/derive`` or ``~/.cache/derive``, subfolder ``derivations``. Each entry starts
with a header naming the format and the code digest; an entry that is missing, unreadable or
from other code is a miss, and where the folder cannot be written nothing is cached.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

_FORMAT = b"derive-derivation-cache 1"


def cache_folder() -> Path:
    """The user's cache folder for derivations."""
    root = os.environ.get("DERIVE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "derive",
    )
    return Path(root) / "derivations"


@functools.cache
def code_digest() -> str:
    """The SHA-256 of derive's version and of every source file of the package."""
    from derive import __version__

    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def cached(prove: Callable[..., Any]) -> Callable[..., Any]:
    """``prove``, with its results kept on disk and read back for the same arguments.

    Errors are not cached: a failing item is derived again (and fails again) on every build.
    """

    def lookup(*args: Any, **kwargs: Any) -> Any:
        try:
            call = repr((args, sorted(kwargs.items()))).encode()
        except Exception:  # noqa: BLE001 - an argument without a repr: do not cache
            return prove(*args, **kwargs)
        header = _FORMAT + b" " + code_digest().encode() + b"\n"
        path = cache_folder() / f"{hashlib.sha256(header + call).hexdigest()}.pickle"
        found = _read(path, header)
        if found is not None:
            return found
        result = prove(*args, **kwargs)
        _write(path, header, result)
        return result

    return lookup


def _read(path: Path, header: bytes) -> Any:
    try:
        data = path.read_bytes()
        if not data.startswith(header):
            return None
        return pickle.loads(data[len(header):])  # noqa: S301 - the user's own cache folder
    except Exception:  # noqa: BLE001 - missing, unreadable, truncated or stale: a miss
        return None


def _write(path: Path, header: bytes, result: Any) -> None:
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(header + pickle.dumps(result, pickle.HIGHEST_PROTOCOL))
        os.replace(temporary, path)
    except Exception:  # noqa: BLE001 - an unwritable cache or an unpicklable result: no entry
        with contextlib.suppress(OSError):  # e.g. the cache "folder" is a file: nothing to remove
            temporary.unlink(missing_ok=True)
