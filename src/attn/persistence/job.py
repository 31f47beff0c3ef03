"""Persist finished attendances from Redis into SQL, exactly once, whatever fails
(docs/design.md#persistence).

Per attendance: take its lease (renewed while working), read a consistent snapshot, write
users -> attendance -> records in ONE transaction, check the lease is still ours just before
COMMIT, then remove the attendance from Redis only if the lease is still ours and its
version has not moved since the snapshot. A crash anywhere leaves the data in Redis; the
lease runs out and the next run repeats the work, which is idempotent. A changed version (a
teacher's late decision, a late check-in) means the attendance is written again.

One bad attendance never stops the others: bad data is moved aside (dead letter), a
deadlock is retried, a bug is logged and retried later. Only an outage (database or Redis
unreachable) ends the run early, leaving everything in Redis for the backoff loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from pydantic import ValidationError
from redis.exceptions import RedisError

from attn.clock import Clock
from attn.db.redis_client import AttendanceSnapshot, RedisClient
from attn.error_text import first_line
from attn.persistence import metrics
from attn.persistence.errors import (
    BadAttendance,
    DatabaseUnavailable,
    Failure,
    LeaseLost,
    RedisUnavailable,
    classify,
    is_redis_outage,
)
from attn.persistence.feed import DueFeed
from attn.persistence.parse import ParsedAttendance, describe, parse_snapshot
from attn.persistence.summary import Outcome, RunSummary
from attn.persistence.writer import AttendanceWriter
from attn.runtime import Runtime

log = logging.getLogger(__name__)

MAX_REWRITES = 5
"""How often one attendance is written again in one run while it keeps changing under us."""

TRANSIENT_ATTEMPTS = 4
"""Tries of one transaction that hit a deadlock / serialization failure / locked SQLite."""

RETRY_LATER = timedelta(seconds=60)
"""How long an attendance that failed unexpectedly (a bug) waits before its next attempt,
so that it cannot take a slot in every run while someone looks at the logs."""


class PersistenceJob:
    """One instance per process; :meth:`run_once` is safe to run in several processes at once."""

    def __init__(self, runtime: Runtime) -> None:
        self.redis: RedisClient = runtime.redis_client
        self.clock: Clock = runtime.clock  # a frozen test clock freezes the job too
        settings = runtime.settings
        self.lease_ms = settings.persist_lease_ms
        self.batch = settings.persist_batch
        self.concurrency = settings.persist_concurrency
        self.writer = AttendanceWriter(runtime.engine)
        self.worker_id = uuid.uuid4().hex[:12]

    async def run_once(self, now: datetime | None = None) -> RunSummary:
        """Persist every attendance due at ``now``, up to ``persist_concurrency`` at a time."""
        started = time.perf_counter()
        summary = RunSummary()
        feed = DueFeed(self.redis, now or self.clock.now(), self.batch)
        stop = asyncio.Event()

        async def work() -> None:
            async with self.writer.reusing_connection():
                await take_due()

        async def take_due() -> None:
            while not stop.is_set():
                try:
                    attendance_id = await feed.next()
                except RedisError as exc:
                    self._outage(summary, stop, RedisUnavailable(first_line(exc)))
                    return
                if attendance_id is None:
                    return
                outcome, records = await self._persist_reporting(attendance_id, summary, stop)
                summary.add(attendance_id, outcome, records)
                feed.done(attendance_id, still_due=outcome in (Outcome.SKIPPED, Outcome.RETRY))

        await asyncio.gather(*(work() for _ in range(self.concurrency)))
        await self._finish(summary, started)
        return summary

    async def persist_attendance(self, attendance_id: str) -> tuple[Outcome, int]:
        """Persist one attendance under a lease: the outcome and the records written.

        Raises :class:`DatabaseUnavailable` / :class:`RedisUnavailable` on an outage.
        """
        token = f"{self.worker_id}:{uuid.uuid4().hex}"
        try:
            leased, snapshot = await self.redis.lease_and_snapshot(
                attendance_id, token, self.lease_ms
            )
        except RedisError as exc:
            raise RedisUnavailable(first_line(exc)) from exc
        if not leased:
            return Outcome.SKIPPED, 0
        outcome = Outcome.RETRY
        try:
            async with self._renewing(attendance_id, token) as lost:
                outcome, records = await self._persist_leased(attendance_id, token, lost, snapshot)
                return outcome, records
        finally:
            if outcome is not Outcome.PERSISTED:  # the cleanup deleted the lease with the rest
                with contextlib.suppress(RedisError):  # if Redis is gone the lease expires
                    await self.redis.release_lease(attendance_id, token)

    # -- test seams: the points where a crash or a race matters most. No-ops in production.

    async def _before_write(self, attendance_id: str) -> None:
        """The snapshot is read and parsed; the transaction has not begun."""

    async def _before_commit(self, attendance_id: str) -> None:
        """Everything is written, nothing committed yet."""

    async def _after_commit(self, attendance_id: str) -> None:
        """Committed; Redis not cleaned up yet."""

    # --

    async def _persist_reporting(
        self, attendance_id: str, summary: RunSummary, stop: asyncio.Event
    ) -> tuple[Outcome, int]:
        """:meth:`persist_attendance` that never raises: an outage stops the run, a bug is
        logged and the attendance retried later, and the other workers carry on."""
        try:
            return await self.persist_attendance(attendance_id)
        except (DatabaseUnavailable, RedisUnavailable) as exc:
            self._outage(summary, stop, exc)
            return Outcome.RETRY, 0
        except Exception as exc:
            return await self._after_failure(attendance_id, Failure.UNEXPECTED, exc)

    def _outage(
        self, summary: RunSummary, stop: asyncio.Event, exc: DatabaseUnavailable | RedisUnavailable
    ) -> None:
        what = "database" if isinstance(exc, DatabaseUnavailable) else "redis"
        if not summary.outage:
            log.warning("%s unavailable, attendances stay in Redis: %s", what, exc)
            summary.outage_reason = f"{what} unavailable, attendances stay in Redis: {exc}"
        if what == "database":
            summary.database_down = True
        else:
            summary.redis_down = True
        metrics.FAILURES.labels(reason=f"{what}_down").inc()
        stop.set()

    async def _persist_leased(
        self,
        attendance_id: str,
        token: str,
        lost: asyncio.Event,
        snapshot: AttendanceSnapshot | None,
    ) -> tuple[Outcome, int]:
        """Write ``snapshot`` (read with the lease) and clean up; read again and rewrite if
        the attendance changed meanwhile."""
        for attempt in range(MAX_REWRITES):
            try:
                if attempt:
                    snapshot = await self.redis.snapshot(attendance_id)
                parsed = await self._parse(attendance_id, snapshot)
            except RedisError as exc:
                raise RedisUnavailable(first_line(exc)) from exc
            except BadAttendance as exc:
                return await self._dead_letter(attendance_id, str(exc))
            if isinstance(parsed, Outcome):
                return parsed, 0
            await self._before_write(attendance_id)
            failure = await self._write(parsed, token, lost)
            if failure is not None:
                return await self._after_failure(attendance_id, *failure)
            try:
                await self._after_commit(attendance_id)
                result = await self.redis.cleanup_persisted(parsed.lesson, token, parsed.version)
            except RedisError as exc:
                raise RedisUnavailable(first_line(exc)) from exc
            if result == "deleted":
                metrics.ATTENDANCES_PERSISTED.inc()
                metrics.RECORDS_PERSISTED.inc(len(parsed.records))
                return Outcome.PERSISTED, len(parsed.records)
            if result == "lease_lost":
                log.warning("lease on attendance %s lost before cleanup", attendance_id)
                return Outcome.RETRY, 0
            log.info("attendance %s changed while persisting; writing it again", attendance_id)
        log.warning("attendance %s kept changing; the next run takes it again", attendance_id)
        return Outcome.RETRY, 0

    async def _parse(
        self, attendance_id: str, snapshot: AttendanceSnapshot | None
    ) -> ParsedAttendance | Outcome:
        """The parsed snapshot, or the outcome when there is nothing to write (yet)."""
        try:
            if snapshot is None:
                await self.redis.drop_due(attendance_id)
                return Outcome.GONE
            lesson = snapshot.lesson
            if lesson.finished_at is None and lesson.ends_at > self.clock.now():
                await self.redis.postpone_due(attendance_id, lesson.ends_at)
                return Outcome.SKIPPED
        except ValidationError as exc:
            raise BadAttendance(f"lesson is invalid: {describe(exc)}") from exc
        except RedisError as exc:
            raise RedisUnavailable(first_line(exc)) from exc
        return parse_snapshot(attendance_id, snapshot, self.clock.now())

    async def _write(
        self, parsed: ParsedAttendance, token: str, lost: asyncio.Event
    ) -> tuple[Failure, BaseException] | None:
        """One transaction, retried on deadlocks and the like; None once committed."""
        attendance_id = str(parsed.attendance_id)

        async def before_commit() -> None:
            await self._before_commit(attendance_id)
            if lost.is_set() or not await self.redis.renew_lease(
                attendance_id, token, self.lease_ms
            ):
                raise LeaseLost(attendance_id)

        for attempt in range(1, TRANSIENT_ATTEMPTS + 1):
            try:
                await self.writer.write(parsed, before_commit)
            except LeaseLost as exc:
                return Failure.TRANSIENT, exc
            except Exception as exc:
                if is_redis_outage(exc):
                    raise RedisUnavailable(first_line(exc)) from exc
                kind = classify(exc)
                if kind is Failure.OUTAGE:
                    raise DatabaseUnavailable(first_line(exc)) from exc
                if kind is not Failure.TRANSIENT or attempt == TRANSIENT_ATTEMPTS:
                    return kind, exc
                log.info("attendance %s: %s; trying again", attendance_id, first_line(exc))
                await asyncio.sleep(random.uniform(0.02, 0.1) * 2**attempt)
            else:
                return None
        raise AssertionError("unreachable")  # pragma: no cover

    async def _after_failure(
        self, attendance_id: str, kind: Failure, exc: BaseException
    ) -> tuple[Outcome, int]:
        if kind is Failure.BAD_DATA:
            error = f"the database refused it: {first_line(exc)}"
            return await self._dead_letter(attendance_id, error)
        if kind is Failure.TRANSIENT:
            reason = "lease_lost" if isinstance(exc, LeaseLost) else "transient"
            metrics.FAILURES.labels(reason=reason).inc()
            log.warning(
                "attendance %s not written (%s); retried next run", attendance_id, first_line(exc)
            )
            return Outcome.RETRY, 0
        metrics.FAILURES.labels(reason="unexpected").inc()
        log.error("persisting attendance %s failed unexpectedly", attendance_id, exc_info=exc)
        with contextlib.suppress(RedisError):
            await self.redis.postpone_due(attendance_id, self.clock.now() + RETRY_LATER)
        return Outcome.FAILED, 0

    async def _dead_letter(self, attendance_id: str, error: str) -> tuple[Outcome, int]:
        try:
            await self.redis.dead_letter(attendance_id, error, self.clock.now())
        except RedisError as exc:
            raise RedisUnavailable(first_line(exc)) from exc
        metrics.FAILURES.labels(reason="bad_data").inc()
        log.error(
            "attendance %s moved to the dead letters (see `attn persist --failed`): %s",
            attendance_id,
            error,
        )
        return Outcome.DEAD, 0

    async def _finish(self, summary: RunSummary, started: float) -> None:
        with contextlib.suppress(RedisError):
            summary.oldest_due_age = await self.redis.oldest_due_age(self.clock.now())
            summary.dead_letters = await self.redis.count_dead_letters()
        summary.seconds = time.perf_counter() - started
        metrics.observe_run(summary)

    @contextlib.asynccontextmanager
    async def _renewing(self, attendance_id: str, token: str) -> AsyncIterator[asyncio.Event]:
        """Renew the lease every third of its time; set the event once it is lost.

        Wall time, not the clock: the lease is a Redis TTL, which expires in real time."""
        lost = asyncio.Event()

        async def renew() -> None:
            while True:
                await asyncio.sleep(self.lease_ms / 3000)
                try:
                    renewed = await self.redis.renew_lease(attendance_id, token, self.lease_ms)
                except RedisError:
                    continue  # Redis blinked; the check before COMMIT decides
                if not renewed:
                    lost.set()
                    return

        task = asyncio.create_task(renew(), name=f"attn-lease-{attendance_id}")
        try:
            yield lost
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
