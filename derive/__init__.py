"""derive: verified, step-by-step matrix-calculus proofs in index notation.

The public names are loaded on first use, so that ``derive --help`` does not pay for the engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from derive.api import build, prove
    from derive.calculus.proof import Derivation
    from derive.errors import DeriveError
    from derive.language.frontend import parse

__all__ = ["Derivation", "DeriveError", "build", "parse", "prove"]
__version__ = "0.1.0"

_HOMES = {
    "build": "derive.api",
    "prove": "derive.api",
    "DeriveError": "derive.errors",
    "parse": "derive.language.frontend",
    "Derivation": "derive.calculus.proof",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'derive' has no attribute {name!r}")
