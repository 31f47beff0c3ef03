"""``attn persist``: run the persistence job once, or inspect what it could not persist."""

from __future__ import annotations

from typing import Annotated

import typer

from attn.cli.base import app, configure_logging, fail, load_settings, run_async


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
