"""``attn persist``: run the persistence job once, or look after what it could not persist.

``--once`` runs exactly the code ``attn serve`` and ``attn worker`` run on a schedule and
prints the run's summary line; it exits 1 when the database or Redis was unreachable (the
data stays in Redis; one ``error:`` line on stderr says why, never a traceback) and 3 when
an attendance was moved to the dead letters, so cron jobs and scripts notice. ``--failed``
lists the dead letters with their errors; ``--retry ID`` puts one back in the queue once
its data or the database has been fixed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from attn.cli.base import app, configure_logging, fail, load_settings, run_async
from attn.error_text import first_line  # standard library only: costs the CLI nothing

if TYPE_CHECKING:
    from attn.config import Settings
    from attn.runtime import Runtime

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
        str | None,
        typer.Option(
            "--retry", metavar="ATTENDANCE_ID", help="Put a dead-lettered attendance back in line."
        ),
    ] = None,
) -> None:
    """Persist due attendances once, or inspect the ones that could not be persisted."""
    from attn.runtime import Runtime

    if sum((once, failed, retry is not None)) != 1:
        raise fail("choose exactly one of --once, --failed, --retry ID", 2)
    settings = load_settings()
    configure_logging(settings)
    runtime = await Runtime.open(settings, role="persist")
    try:
        if failed:
            await _list_failed(runtime)
        elif retry is not None:
            await _retry(runtime, retry)
        else:
            await _run_once(runtime, settings)
    finally:
        await runtime.close()


async def _list_failed(runtime: Runtime) -> None:
    """``--failed``: one line per dead letter (id, when, error)."""
    dead = await runtime.redis_client.list_dead_letters()
    if not dead:
        typer.echo("no failed attendances")
    for attendance_id, entry in sorted(dead.items()):
        typer.echo(f"{attendance_id}\t{entry.get('at', '')}\t{entry.get('error', '')}")


async def _retry(runtime: Runtime, attendance_id: str) -> None:
    """``--retry ID``: due again now; exit 1 when it was not dead-lettered."""
    if not await runtime.redis_client.requeue_dead_letter(attendance_id, runtime.clock.now()):
        raise fail(f"no failed attendance {attendance_id}")
    typer.echo(f"attendance {attendance_id} is due again")


async def _run_once(runtime: Runtime, settings: Settings) -> None:
    """``--once``: migrate if configured, run the job, print its line; exit 1 on an outage
    (the data stays in Redis), 3 when something was dead-lettered."""
    from attn.persistence.job import PersistenceJob
    from attn.persistence.summary import Outcome

    unmigrated = await _migrate_unless_down(settings) if settings.auto_migrate else None
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


async def _migrate_unless_down(settings: Settings) -> str | None:
    """Upgrade the schema; the outage's first line if the database is down (the run still
    reports what stays in Redis), None once migrated. Any other failure raises."""
    from attn.db.sql.migrate import upgrade_async
    from attn.persistence.errors import Failure, classify

    try:
        await upgrade_async(settings.effective_database_url)
    except Exception as exc:
        if classify(exc) is not Failure.OUTAGE:
            raise
        return first_line(exc)
    return None
