"""derive: verified, step-by-step matrix-calculus proofs in index notation."""

from __future__ import annotations

from derive.api import build, prove
from derive.errors import DeriveError
from derive.frontend import parse
from derive.proof import Derivation

__all__ = ["Derivation", "DeriveError", "build", "parse", "prove"]
__version__ = "0.1.0"
