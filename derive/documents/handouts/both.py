"""``method = "both"`` in handouts: the proof by indices and the one by differentials, one result.

A handout item, section or the whole handout names its proof method (``index``,
``differential``) or ``both``; :func:`by_method` turns ``derive.api.prove`` into a prover that
returns the proof and, with ``both``, the second proof (by matrix differentials) of the same
result, which the templates show after the first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from derive.documents.printer import ascii_str
from derive.errors import DeriveError

__all__ = ["Both", "by_method"]

Both = Callable[..., tuple[Any, Any]]
"""``prove`` by a handout's ``method``: the proof and, with ``both``, the differential one."""


def by_method(prove: Callable[..., Any], method: str) -> Both:
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
                raise DeriveError(f"method = \"both\": the index method gives "
                                  f"{ascii_str(a.result.rhs)} and the differential method "
                                  f"{ascii_str(b.result.rhs)}; one result needs the same"
                                  " expression from both")
        return first, second

    return run
