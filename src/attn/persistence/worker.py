"""The loop that runs the persistence job on a schedule, with backoff while the database is down.

Used by ``attn worker`` (a process of its own) and by ``attn serve`` (a background task in
each API process); several of them at once are safe: leases decide who writes what.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from attn.persistence.job import PersistenceJob, RunSummary
from attn.runtime import Runtime

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 60.0


def log_summary(summary: RunSummary) -> None:
    """One line per run; idle runs only at DEBUG so a quiet service keeps a quiet log."""
    busy = summary.attendances or summary.failures or summary.skipped or summary.database_down
    log.log(logging.INFO if busy else logging.DEBUG, "%s", summary.line())


async def run_worker(runtime: Runtime, stop: asyncio.Event, interval: float | None = None) -> None:
    """Run the job every ``interval`` seconds until ``stop`` is set; never raises."""
    job = PersistenceJob(runtime)
    interval = interval or runtime.settings.persist_interval
    delay = interval
    while not stop.is_set():
        try:
            summary = await job.run_once()
        except Exception:
            log.exception("persistence run failed; retrying in %.0fs", delay)
            delay = min(delay * 2, MAX_BACKOFF_S)
        else:
            log_summary(summary)
            delay = min(delay * 2, MAX_BACKOFF_S) if summary.database_down else interval
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=delay)
