"""What every command shares: the error mapping (exit 2 for input errors, 1 for failures) and
the ``--declare`` option."""

from __future__ import annotations

import contextlib
import functools
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
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
    """Turn every DeriveError a command raises into one clear message and its exit code, and
    SIGTERM and SIGHUP into an orderly stop (see :func:`stop_on_signals`)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with stop_on_signals():
                return function(*args, **kwargs)
        except DeriveError as error:
            raise as_click_error(error) from None
        except Terminated as stop:
            click.echo(f"stopped by signal {stop.signum}; nothing was left half written",
                       err=True)  # fmt: skip
            sys.exit(128 + stop.signum)

    return wrapper  # type: ignore[return-value]


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: unwinds like Ctrl-C, so every cleanup runs (temporary files
    removed, latexmk killed, earlier outputs kept)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Raise :class:`Terminated` on SIGTERM and SIGHUP while the body runs (main thread only;
    the previous handlers come back afterwards)."""
    names = ("SIGTERM", "SIGHUP")
    wanted = [getattr(signal, n) for n in names if hasattr(signal, n)]
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise Terminated(signum)

    previous = {number: signal.signal(number, stop) for number in wanted}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


declare_option = click.option(
    "--declare",
    "-d",
    "declare",
    multiple=True,
    metavar="DECL",
    help="Declare a symbol, e.g. 'A: m x n', 'x: n', 'X: n x n, invertible' (repeatable).",
)


class LazyChoice(click.Choice[str]):
    """A ``click.Choice`` whose choices are read from their registry on first use.

    The registries (output formats, proof methods, layouts) live in modules whose packages load
    the engine; reading them only when an option is parsed or its help shown keeps ``derive
    --help`` to click alone.
    """

    def __init__(self, load: Callable[[], Iterable[str]], case_sensitive: bool = True) -> None:
        self._load = load
        self._loaded: tuple[str, ...] | None = None
        self.case_sensitive = case_sensitive

    @property
    def choices(self) -> tuple[str, ...]:
        if self._loaded is None:
            self._loaded = tuple(self._load())
        return self._loaded

    @choices.setter
    def choices(self, value: Iterable[str]) -> None:
        self._loaded = tuple(value)


class LazyHelpOption(click.Option):
    """A ``click.Option`` whose help text is written when help is shown (it names what a
    registry holds): pass ``describe=`` a function returning the text."""

    def __init__(self, *args: Any, describe: Callable[[], str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._describe = describe

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        self.help = self._describe()
        return super().get_help_record(ctx)
