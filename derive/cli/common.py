"""What every command shares: the error mapping (exit 2 for input errors, 1 for failures) and
the ``--declare`` option."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from derive.errors import DeriveError

F = TypeVar("F", bound=Callable[..., Any])


class DeriveClickError(click.ClickException):
    """A user's error shown the click way: ``Error: ...`` on stderr, exit code 2."""

    exit_code = 2


class DeriveFailure(DeriveClickError):
    """A build or verification failure: exit code 1."""

    exit_code = 1


def as_click_error(error: DeriveError) -> DeriveClickError:
    """The click exception that shows ``error`` with its exit code."""
    kind = DeriveFailure if error.exit_code == 1 else DeriveClickError
    return kind(str(error))


def guarded(function: F) -> F:
    """Turn every DeriveError a command raises into one clear message and its exit code."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except DeriveError as error:
            raise as_click_error(error) from None

    return wrapper  # type: ignore[return-value]


declare_option = click.option(
    "--declare",
    "-d",
    "declare",
    multiple=True,
    metavar="DECL",
    help="Declare a symbol, e.g. 'A: m x n', 'x: n', 'X: n x n, invertible' (repeatable).",
)
