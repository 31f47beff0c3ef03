"""The ``attn`` command line: serve, worker, migrate and the admin commands.

Bad input ends with a one-line message on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
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
        field = ".".join(str(part) for part in first.get("loc", ())) or "settings"
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


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
) -> None:
    """Run the HTTP API and web UI (and the persistence job, unless disabled)."""
    import uvicorn

    from attn.db.sql.migrate import upgrade
    from attn.embedded import EmbeddedRedis

    settings = load_settings()
    configure_logging(settings)
    embedded: EmbeddedRedis | None = None
    if settings.redis_url is None:
        embedded = EmbeddedRedis(settings.data_dir)
        os.environ["ATTN_REDIS_URL"] = embedded.start()
    try:
        if settings.auto_migrate:
            upgrade(settings.effective_database_url)
            os.environ["ATTN_AUTO_MIGRATE"] = "false"  # workers must not race to migrate
        get_settings.cache_clear()  # the app reads the environment set above
        typer.echo(f"ATTN listening on http://{host}:{port}  (API docs: /docs)", err=True)
        uvicorn.run(
            "attn.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=settings.log_level.lower(),
        )
    finally:
        if embedded is not None:
            embedded.stop()


@app.command()
def migrate(
    revision: Annotated[str, typer.Argument(help="Alembic revision to upgrade to.")] = "head",
) -> None:
    """Create or upgrade the database schema."""
    from attn.db.sql.migrate import upgrade

    settings = load_settings()
    url = settings.effective_database_url
    try:
        upgrade(url, revision)
    except Exception as exc:  # a CLI answers with one line, whatever the driver raised
        raise fail(f"migration failed: {type(exc).__name__}: {exc}") from None
    typer.echo(f"database at revision {revision}")


@app.command()
@run_async
async def worker(
    interval: Annotated[
        float | None, typer.Option(min=0.1, help="Seconds between runs (default: settings).")
    ] = None,
) -> None:
    """Run the persistence job in a loop until interrupted (SIGINT/SIGTERM)."""
    import signal

    from attn.persistence.worker import run_worker
    from attn.runtime import Runtime

    settings = load_settings()
    configure_logging(settings)
    runtime = await Runtime.open(settings, role="worker", migrate=settings.auto_migrate)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await run_worker(runtime, stop, interval)
    finally:
        await runtime.close()


@app.command()
@run_async
async def persist(
    once: Annotated[bool, typer.Option("--once", help="Run the job once and report.")] = False,
    failed: Annotated[
        bool, typer.Option("--failed", help="List attendances moved aside (dead letters).")
    ] = False,
    retry: Annotated[
        str | None, typer.Option("--retry", help="Put a dead-lettered attendance back in line.")
    ] = None,
) -> None:
    """Persist due attendances once, or inspect the ones that could not be persisted."""
    from attn.persistence.job import PersistenceJob
    from attn.runtime import Runtime

    if sum((once, failed, retry is not None)) != 1:
        raise fail("choose exactly one of --once, --failed, --retry ID", 2)
    settings = load_settings()
    configure_logging(settings)
    runtime = await Runtime.open(settings, role="persist", migrate=settings.auto_migrate)
    try:
        if failed:
            dead = await runtime.redis_client.list_dead_letters()
            if not dead:
                typer.echo("no failed attendances")
            for attendance_id, entry in sorted(dead.items()):
                typer.echo(f"{attendance_id}\t{entry.get('at', '')}\t{entry.get('error', '')}")
            return
        if retry is not None:
            if not await runtime.redis_client.requeue_dead_letter(retry):
                raise fail(f"no failed attendance {retry}")
            typer.echo(f"attendance {retry} is due again")
            return
        summary = await PersistenceJob(runtime).run_once()
        typer.echo(summary.line())
        if summary.database_down:
            raise typer.Exit(1)
    finally:
        await runtime.close()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
