"""derive: verified, step-by-step matrix-calculus proofs in index notation.

The public names are loaded on first use, so that ``derive --help`` does not pay for the engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from derive.api import build, parse, prove
    from derive.calculus.proof import Derivation
    from derive.errors import DeriveError

__all__ = ["Derivation", "DeriveError", "build", "parse", "prove"]
__version__ = "0.1.0"

_HOMES = {
    "build": "derive.api",
    "prove": "derive.api",
    "DeriveError": "derive.errors",
    "parse": "derive.api",
    "Derivation": "derive.calculus.proof",
}


def __getattr__(name: str) -> Any:
    # Only names not set as attributes arrive here. None of the public names is also a
    # submodule of derive (``derive.parse`` is the function; the parser module is
    # ``derive.language.parse``), so importing a submodule never shadows one; the value is
    # cached so that later lookups skip this function.
    if name in _HOMES:
        import importlib

        value = getattr(importlib.import_module(_HOMES[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'derive' has no attribute {name!r}")
