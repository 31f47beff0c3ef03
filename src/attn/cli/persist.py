"""``attn persist``: run the persistence job once, or look after what it could not persist.

``--once`` runs exactly the code ``attn serve`` and ``attn worker`` run on a schedule and
prints the run's summary line; it exits 1 when the database or Redis was unreachable (the
data stays in Redis; one ``error:`` line on stderr says why, never a traceback) and 3 when
an attendance was moved to the dead letters, so cron jobs and scripts notice. ``--failed``
lists the dead letters with their errors; ``--retry ID`` puts one back in the queue once
its data or the database has been fixed.
"""

from __future__ import annotations

from typing import Annotated

import typer

from attn.cli.base import app, configure_logging, fail, load_settings, run_async
from attn.error_text import first_line  # standard library only: costs the CLI nothing

EXIT_OUTAGE = 1
EXIT_DEAD_LETTERED = 3


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
    from attn.db.sql.migrate import upgrade_async
    from attn.persistence.errors import Failure, classify
    from attn.persistence.job import PersistenceJob
    from attn.persistence.summary import Outcome
    from attn.runtime import Runtime

    if sum((once, failed, retry is not None)) != 1:
        raise fail("choose exactly one of --once, --failed, --retry ID", 2)
    settings = load_settings()
    configure_logging(settings)
    runtime = await Runtime.open(settings, role="persist")
    try:
        if failed:
            dead = await runtime.redis_client.list_dead_letters()
            if not dead:
                typer.echo("no failed attendances")
            for attendance_id, entry in sorted(dead.items()):
                typer.echo(f"{attendance_id}\t{entry.get('at', '')}\t{entry.get('error', '')}")
            return
        if retry is not None:
            if not await runtime.redis_client.requeue_dead_letter(retry, runtime.clock.now()):
                raise fail(f"no failed attendance {retry}")
            typer.echo(f"attendance {retry} is due again")
            return
        unmigrated: str | None = None
        if settings.auto_migrate:
            try:
                await upgrade_async(settings.effective_database_url)
            except Exception as exc:
                if classify(exc) is not Failure.OUTAGE:
                    raise
                unmigrated = first_line(exc)  # the run still reports what stays in Redis
        summary = await PersistenceJob(runtime).run_once()
        if unmigrated is not None and not summary.outage:
            summary.database_down = True
            summary.outage_reason = f"database unavailable, not migrated: {unmigrated}"
        typer.echo(summary.line())
        if summary.outage:
            raise fail(summary.outage_reason or "the database or Redis is unavailable", EXIT_OUTAGE)
        if Outcome.DEAD in summary.outcomes.values():
            typer.echo("some attendances were moved aside: see `attn persist --failed`", err=True)
            raise typer.Exit(EXIT_DEAD_LETTERED)
    finally:
        await runtime.close()
