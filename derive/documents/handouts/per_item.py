"""What an item's settings add to its proof: the method or methods it is proved by (``method``)
and the NumPy listing shown after it (``code``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from derive.calculus.proof import Derivation
from derive.documents.render import render_template
from derive.errors import DeriveError

__all__ = ["CodeError", "ProveBoth", "by_method", "code_listing", "innermost"]

# derive.api.prove, passed in by the API (see documents.handouts.build)
Prover = Callable[..., Derivation]


def innermost(*flags: bool | None) -> bool:
    """The innermost flag that is set (an item's, else its section's, else the handout's)."""
    return next((flag for flag in flags if flag is not None), False)


class CodeError(DeriveError):
    """``code = true`` on a result the code printer cannot write (a symbolic derivative)."""


def code_listing(derivation: Derivation | None) -> str:
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


ProveBoth = Callable[..., tuple[Any, Any]]


def by_method(prove: Prover, method: str) -> ProveBoth:
    """``prove`` by ``method``, returning the proof and, with ``both``, the differential one.

    With ``both``, the two methods must reach the same result (the same expression): a handout
    shows that result once.

    Raises:
        DeriveError: The methods reach different results (or one of them fails).
    """

    def run(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        if method != "both":
            found = prove(*args, method=method, **kwargs)
            return found, (None,) * len(found) if isinstance(found, tuple) else None
        first = prove(*args, method="index", **kwargs)
        second = prove(*args, method="differential", **kwargs)
        for a, b in zip(*((first, second) if isinstance(first, tuple) else ((first,), (second,))),
                        strict=True):
            if [r.rhs for r in a.results] != [r.rhs for r in b.results]:
                from derive.documents.printer import ascii_str

                raise DeriveError(f"method = \"both\": the index method gives "
                                  f"{ascii_str(a.result.rhs)} and the differential method "
                                  f"{ascii_str(b.result.rhs)}; one result needs the same"
                                  " expression from both")
        return first, second

    return run
