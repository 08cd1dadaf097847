"""A handout item's NumPy listing (``code = true``): the function a proof ends with."""

from __future__ import annotations

from typing import TYPE_CHECKING

from derive.documents.render import render_template
from derive.errors import DeriveError

if TYPE_CHECKING:
    from derive.calculus.proof import Derivation

__all__ = ["CodeError", "inherited", "listing"]


def inherited(*flags: bool | None) -> bool:
    """The innermost flag that is set (an item's, else its section's, else the handout's)."""
    return next((flag for flag in flags if flag is not None), False)


class CodeError(DeriveError):
    """``code = true`` on a result the code printer cannot write (a symbolic derivative)."""


def listing(derivation: Derivation | None) -> str:
    """The NumPy code a handout shows after an item's proof (``templates/code/listing.py.j2``).

    Raises:
        CodeError: The result has no NumPy form, or the code is not plain ASCII (the listing
            is typeset verbatim, so it must hold nothing TeX reads specially).
    """
    from derive.documents.codegen import code_module

    assert derivation is not None  # definition items never ask for code
    try:
        module = code_module(derivation, "numpy")
    except DeriveError as error:
        raise CodeError(f"code = true: {error}") from None
    text = render_template("code", "code/listing.py.j2", None, mod=module)
    if not text.isascii() or "\\" in text or "```" in text:
        raise CodeError("code = true: the code holds characters a listing cannot show")
    return text
