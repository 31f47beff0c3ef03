"""The loop that runs the persistence job on a schedule, backing off during an outage.

Used by ``attn worker`` (a process of its own) and by ``attn serve`` (a background task in
each API process); several of them at once are safe: leases decide who writes what. While
the database (or Redis) is down the wait doubles from ``persist_interval`` up to
``MAX_BACKOFF_S``, with jitter so that many workers do not knock in step; the first run that
gets through again resets it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random

from attn.persistence.job import PersistenceJob
from attn.persistence.summary import RunSummary
from attn.runtime import Runtime

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 60.0
STOP_GRACE_S = 10.0
"""On shutdown, how long a run in progress may go on before it is cancelled. Cancelling is
safe (uncommitted work rolls back, leases expire) but wastes the work done so far."""


def log_summary(summary: RunSummary) -> None:
    """One line per run; idle runs only at DEBUG so a quiet service keeps a quiet log."""
    if summary.outage or summary.failures:
        level = logging.WARNING
    elif summary.busy:
        level = logging.INFO
    else:
        level = logging.DEBUG
    log.log(level, "%s", summary.line())


async def run_worker(runtime: Runtime, stop: asyncio.Event, interval: float | None = None) -> None:
    """Run the job every ``interval`` seconds until ``stop`` is set; never raises."""
    job = PersistenceJob(runtime)
    interval = interval or runtime.settings.persist_interval
    delay = interval
    was_down = False
    while not stop.is_set():
        summary = await _run_until_stopped(job, stop)
        if summary is None:  # failed, or cancelled by the shutdown
            down = True
        else:
            log_summary(summary)
            down = summary.outage
        if down:
            delay = min(delay * 2, MAX_BACKOFF_S)
            log.info("next persistence run in %.1fs (backing off)", delay)
        else:
            if was_down:
                log.info("persistence reaches the database and Redis again")
            delay = interval
        was_down = down
        wait = delay * random.uniform(0.8, 1.2) if down else delay
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=wait)


async def _run_until_stopped(job: PersistenceJob, stop: asyncio.Event) -> RunSummary | None:
    """One run; if ``stop`` is set meanwhile, give it ``STOP_GRACE_S`` and then cancel it.
    None when the run failed or was cancelled."""
    run = asyncio.create_task(job.run_once(), name="attn-persistence-run")
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({run, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not run.done():
            await asyncio.wait({run}, timeout=STOP_GRACE_S)
        if not run.done():
            log.warning("persistence run cancelled by shutdown; its attendances stay in Redis")
            return None
        return run.result()
    except Exception:
        log.exception("persistence run failed")
        return None
    finally:
        stopping.cancel()
        if not run.done():  # the grace ran out, or this task itself is being cancelled
            run.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await run
