"""Shared pieces of the ``attn`` command line: the Typer app, settings, errors, async.

Bad input ends with a one-line message on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from functools import wraps
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from pydantic import ValidationError

from attn.config import Settings, get_settings
from attn.errors import AttnError

P = ParamSpec("P")
T = TypeVar("T")

app = typer.Typer(
    name="attn",
    help="ATTN: class attendance with live check-ins.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Click's plain help: typer's rich panels print ``<bool>`` beside every flag.
    rich_markup_mode=None,
    add_completion=False,
)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one line to stderr and return the Exit to raise."""
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def load_settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first.get("loc", ()))
        if not field:  # a rule over several settings: its message names them
            message = str(first.get("msg", "")).removeprefix("Value error, ")
            raise fail(f"invalid configuration: {message}", 2) from None
        raise fail(f"invalid configuration ({field}): {first.get('msg')}", 2) from None


def run_async(func: Callable[P, Coroutine[Any, Any, T]]) -> Callable[P, T]:
    """Typer commands are sync; this runs the async body and turns domain errors into exits."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return asyncio.run(func(*args, **kwargs))
        except AttnError as exc:
            raise fail(exc.message) from None
        except (OSError, ConnectionError) as exc:
            raise fail(f"{type(exc).__name__}: {exc}") from None

    return wrapper


class _Options:
    """What the options before the command (``attn --verbose …``) asked for."""

    verbose = False


@app.callback()
def _global_options(
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="Also print the log (embedded Redis, migrations, …) at ATTN_LOG_LEVEL.",
        ),
    ] = False,
) -> None:
    """ATTN: class attendance with live check-ins."""
    _Options.verbose = verbose


def configure_logging(settings: Settings, *, verbose: bool = False) -> None:
    """Log to stderr, secrets redacted (see :mod:`attn.logging_setup`): at the configured
    level for a server (``verbose``) or with ``attn --verbose``; otherwise warnings and
    errors only, so that a command's normal output is its answer."""
    from attn.logging_setup import configure_logging as configure

    configure(settings)
    if not (verbose or _Options.verbose):
        root = logging.getLogger()
        root.setLevel(max(root.level, logging.WARNING))
