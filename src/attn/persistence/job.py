"""Persist finished attendances from Redis into SQL, exactly once, whatever fails.

Per attendance (DESIGN §5): lease it, read a consistent snapshot, write users -> attendance
-> records in ONE transaction, then remove it from Redis only if the lease is still ours
and its version has not moved since the snapshot. A crash anywhere leaves the data in Redis
and the lease runs out; the rerun is idempotent (upserts). A changed version (a teacher's
late decision, a late check-in) means the attendance is written again before cleanup.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from pydantic import ValidationError
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, ProgrammingError

from attn.db.redis_client import AttendanceSnapshot, RedisClient
from attn.db.sql.repository import upsert_attendance, upsert_records, upsert_users
from attn.db.sql.rows import AttendanceRow, RecordRow, UserUpsert
from attn.models import AttendanceRecordRedis, RecordStatus
from attn.models.types import utcnow
from attn.persistence import metrics
from attn.runtime import Runtime

log = logging.getLogger(__name__)

MAX_REWRITES = 5
"""How often one attendance is rewritten in a run when it keeps changing under us."""


class Outcome(StrEnum):
    PERSISTED = "persisted"
    SKIPPED = "skipped"  # another worker holds it, or not due after all
    GONE = "gone"  # already persisted and cleaned up
    DEAD = "dead"  # moved aside: bad data that no retry can fix
    RETRY = "retry"  # lease lost or still changing: the next run takes it again


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached: stop this run, keep everything in Redis, back off."""


class BadAttendance(ValueError):
    """Data in Redis that the database will never accept: dead-letter it."""


@dataclass
class RunSummary:
    attendances: int = 0
    records: int = 0
    failures: int = 0
    skipped: int = 0
    seconds: float = 0.0
    oldest_due_age: float | None = None
    database_down: bool = False
    outcomes: dict[str, str] = field(default_factory=dict)

    def line(self) -> str:
        age = "none" if self.oldest_due_age is None else f"{self.oldest_due_age:.1f}s"
        return (
            f"persisted attendances={self.attendances} records={self.records} "
            f"failures={self.failures} skipped={self.skipped} seconds={self.seconds:.3f} "
            f"oldest_due_age={age}" + (" database=down" if self.database_down else "")
        )


class PersistenceJob:
    """One instance per process; :meth:`run_once` is safe to call from several processes."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.redis: RedisClient = runtime.redis_client
        settings = runtime.settings
        self.lease_ms = settings.persist_lease_ms
        self.batch = settings.persist_batch
        self.concurrency = settings.persist_concurrency
        self.worker_id = uuid.uuid4().hex[:12]

    async def run_once(self, now: datetime | None = None) -> RunSummary:
        """Persist every attendance due at ``now`` (one batch at a time until none is left)."""
        started = time.perf_counter()
        summary = RunSummary()
        now = now or utcnow()
        seen: set[str] = set()
        try:
            while True:
                due = [
                    aid
                    for aid in await self.redis.due_attendance_ids(now, self.batch)
                    if aid not in seen
                ]
                if not due:
                    break
                seen.update(due)
                await self._persist_batch(due, summary)
        except DatabaseUnavailable as exc:
            summary.database_down = True
            log.warning("database unavailable, attendances stay in Redis: %s", exc)
        summary.oldest_due_age = await self.redis.oldest_due_age(utcnow())
        summary.seconds = time.perf_counter() - started
        metrics.RUN_SECONDS.observe(summary.seconds)
        metrics.OLDEST_DUE_AGE.set(summary.oldest_due_age or 0.0)
        return summary

    async def _persist_batch(self, attendance_ids: list[str], summary: RunSummary) -> None:
        semaphore = asyncio.Semaphore(self.concurrency)

        async def guarded(aid: str) -> tuple[str, Outcome, int]:
            async with semaphore:
                outcome, count = await self.persist_attendance(aid)
                return aid, outcome, count

        results = await asyncio.gather(
            *(guarded(aid) for aid in attendance_ids), return_exceptions=True
        )
        outage: DatabaseUnavailable | None = None
        for result in results:
            if isinstance(result, DatabaseUnavailable):
                outage = result
                continue
            if isinstance(result, BaseException):
                summary.failures += 1
                metrics.FAILURES.labels(reason="unexpected").inc()
                log.error("persisting failed unexpectedly", exc_info=result)
                continue
            aid, outcome, count = result
            summary.outcomes[aid] = outcome.value
            if outcome is Outcome.PERSISTED:
                summary.attendances += 1
                summary.records += count
            elif outcome is Outcome.DEAD:
                summary.failures += 1
            elif outcome is not Outcome.GONE:
                summary.skipped += 1
        if outage is not None:
            raise outage

    async def persist_attendance(self, attendance_id: str) -> tuple[Outcome, int]:
        """Persist one attendance under a lease; returns the outcome and records written."""
        token = f"{self.worker_id}:{uuid.uuid4().hex}"
        if not await self.redis.acquire_lease(attendance_id, token, self.lease_ms):
            return Outcome.SKIPPED, 0
        try:
            async with self._renewing(attendance_id, token) as lease_lost:
                for _ in range(MAX_REWRITES):
                    outcome, count = await self._write_and_cleanup(attendance_id, token)
                    if outcome is not Outcome.RETRY or lease_lost.is_set():
                        return outcome, count
                log.warning("attendance %s kept changing; the next run retries", attendance_id)
                return Outcome.RETRY, 0
        finally:
            await self.redis.release_lease(attendance_id, token)

    async def _write_and_cleanup(self, attendance_id: str, token: str) -> tuple[Outcome, int]:
        snapshot = await self.redis.snapshot(attendance_id)
        if snapshot is None:
            await self.redis.drop_due(attendance_id)
            return Outcome.GONE, 0
        lesson = snapshot.lesson
        now = utcnow()
        if lesson.finished_at is None and lesson.ends_at > now:
            await self.redis.postpone_due(attendance_id, lesson.ends_at)
            return Outcome.SKIPPED, 0
        try:
            records = parse_records(snapshot)
            await self._write(snapshot, records, now)
        except BadAttendance as exc:
            await self.redis.dead_letter(attendance_id, str(exc), now)
            metrics.FAILURES.labels(reason="bad_data").inc()
            metrics.DEAD_LETTERS.inc()
            log.error("attendance %s moved to the dead letters: %s", attendance_id, exc)
            return Outcome.DEAD, 0
        result = await self.redis.cleanup_persisted(lesson, token, snapshot.version)
        if result == "deleted":
            metrics.ATTENDANCES_PERSISTED.inc()
            metrics.RECORDS_PERSISTED.inc(len(records))
            return Outcome.PERSISTED, len(records)
        if result == "changed":
            log.info("attendance %s changed while persisting; writing it again", attendance_id)
        else:
            log.warning("lease on attendance %s lost before cleanup; retried later", attendance_id)
        return Outcome.RETRY, 0

    async def _write(
        self, snapshot: AttendanceSnapshot, records: list[AttendanceRecordRedis], now: datetime
    ) -> None:
        lesson = snapshot.lesson
        users = {lesson.teacher_number: UserUpsert.teacher_of(lesson)}
        for record in records:
            users.setdefault(record.student_number, UserUpsert.student_of(record))
        user_rows = [users[number] for number in sorted(users)]  # one lock order: no deadlocks
        record_rows = [RecordRow.from_redis(record) for record in records]
        attendance_row = AttendanceRow.from_redis(lesson, persisted_at=now)
        try:
            async with self.runtime.sessionmaker() as session, session.begin():
                await upsert_users(session, user_rows)
                await upsert_attendance(session, attendance_row)
                await upsert_records(session, record_rows)
        except (IntegrityError, DataError) as exc:
            raise BadAttendance(f"the database refused it: {_first_line(exc)}") from exc
        except ProgrammingError as exc:
            raise DatabaseUnavailable(_first_line(exc)) from exc
        except (DBAPIError, OSError, ConnectionError, TimeoutError) as exc:
            raise DatabaseUnavailable(_first_line(exc)) from exc

    @contextlib.asynccontextmanager
    async def _renewing(self, attendance_id: str, token: str) -> AsyncIterator[asyncio.Event]:
        """Renew the lease at a third of its time; set the event if it could not be renewed."""
        lost = asyncio.Event()

        async def renew() -> None:
            while True:
                await asyncio.sleep(self.lease_ms / 3000)
                if not await self.redis.renew_lease(attendance_id, token, self.lease_ms):
                    lost.set()
                    return

        task = asyncio.create_task(renew())
        try:
            yield lost
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def parse_records(snapshot: AttendanceSnapshot) -> list[AttendanceRecordRedis]:
    """Parse every record; a pending one whose verification never came becomes rejected."""
    records: list[AttendanceRecordRedis] = []
    for student_number, raw in sorted(snapshot.raw_records.items()):
        try:
            record = AttendanceRecordRedis.from_json(raw)
        except ValidationError as exc:
            raise BadAttendance(
                f"record of {student_number!r} is invalid: {_first_line(exc)}"
            ) from exc
        if (
            record.student_number != student_number
            or record.attendance_id != snapshot.lesson.attendance_id
        ):
            raise BadAttendance(f"record stored under {student_number!r} belongs elsewhere")
        if record.status is RecordStatus.PENDING:
            record = record.model_copy(
                update={"status": RecordStatus.REJECTED, "fail_reason": "verification_timeout"}
            )
        records.append(record)
    return records


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
