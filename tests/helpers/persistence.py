"""Arranging attendances in Redis and reading what the job left in SQL and Redis."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func, select, text

from attn.db import keys
from attn.db.redis_client import RedisClient
from attn.db.sql import repository
from attn.db.sql.rows import AttendanceRow, RecordRow, UserRow
from attn.db.sql.tables import RECORDS
from attn.models import AttendanceRecordRedis, LessonRedis, RecordStatus
from attn.models.types import utcnow
from attn.runtime import Runtime
from tests.helpers.factories import make_audit_entry, make_lesson, make_record

STATUSES = [
    RecordStatus.PRESENT,
    RecordStatus.LATE,
    RecordStatus.REJECTED,
    RecordStatus.EXCUSED,
    RecordStatus.ABSENT,
]


async def eventually(condition: Callable[[], Awaitable[bool]], seconds: float = 30) -> None:
    """Wait until ``condition()`` holds, failing the test after ``seconds``."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "condition never became true"
        await asyncio.sleep(0.02)


def student(index: int) -> str:
    return f"S{index:05d}"


async def seed(
    redis: RedisClient,
    *,
    students: int = 3,
    first: int = 0,
    finished: bool = True,
    teacher_number: str = "T1001",
    teacher_full_name: str = "Ayşe Yılmaz",
    **lesson: Any,
) -> tuple[LessonRedis, list[AttendanceRecordRedis]]:
    """An attendance that ended an hour ago (finished too, unless ``finished=False``) with
    ``students`` records of various statuses, written the way a teacher adds them (each
    with its audit entry in the outbox)."""
    now = utcnow()
    starts_at = lesson.pop("starts_at", now - timedelta(hours=2))
    created = make_lesson(
        starts_at=starts_at,
        ends_at=lesson.pop("ends_at", starts_at + timedelta(hours=1)),
        teacher_number=teacher_number,
        teacher_full_name=teacher_full_name,
        **lesson,
    )
    await redis.create_lesson(created, due_at=created.ends_at)
    records = []
    for offset in range(students):
        index = first + offset
        status = STATUSES[index % len(STATUSES)]
        record = make_record(
            created.attendance_id,
            student_number=student(index),
            user_full_name=f"Öğrenci Işık {index}",
            status=status,
            fail_reason="code_invalid" if status is RecordStatus.REJECTED else None,
            client_ip=f"10.0.{index // 200}.{index % 200 + 1}",
            checked_in_at=starts_at + timedelta(seconds=index),
        )
        entry = make_audit_entry(
            created.attendance_id, actor=teacher_number, student_number=record.student_number
        )
        await redis.save_attendance_record_user(record, audit=entry)
        records.append(record)
    if finished:
        created = await redis.finish_lesson(created.attendance_id, now - timedelta(minutes=30))
    return created, records


async def stored_records(runtime: Runtime, attendance_id: UUID) -> dict[str, RecordRow]:
    async with runtime.sessionmaker() as session:
        rows = await repository.list_records(session, attendance_id, include_deleted=True)
    return {row.student_number: row for row in rows}


async def stored_attendance(runtime: Runtime, attendance_id: UUID) -> AttendanceRow | None:
    async with runtime.sessionmaker() as session:
        return await repository.get_attendance(session, attendance_id, include_deleted=True)


async def stored_user(runtime: Runtime, user_number: str) -> UserRow | None:
    async with runtime.sessionmaker() as session:
        return await repository.get_user(session, user_number)


async def record_count(runtime: Runtime, attendance_id: UUID | None = None) -> int:
    stmt = select(func.count()).select_from(RECORDS)
    if attendance_id is not None:
        stmt = stmt.where(RECORDS.c.attendance_id == attendance_id)
    async with runtime.sessionmaker() as session:
        return int(await session.scalar(stmt) or 0)


async def table_count(runtime: Runtime, table: str) -> int:
    async with runtime.sessionmaker() as session:
        return int(await session.scalar(text(f"SELECT count(*) FROM {table}")) or 0)  # noqa: S608


async def in_redis(redis: RedisClient, attendance_id: UUID | str) -> bool:
    """Whether anything of the attendance is still in Redis (its keys or its due entry)."""
    present = await redis.redis.exists(*keys.attendance_keys(attendance_id))
    due = await redis.redis.zscore(keys.due(), str(attendance_id))
    return bool(present) or due is not None


def assert_matches(stored: dict[str, RecordRow], records: list[AttendanceRecordRedis]) -> None:
    """The database holds exactly these records, field by field (pending -> rejected)."""
    assert set(stored) == {record.student_number for record in records}
    for record in records:
        row = stored[record.student_number]
        expected = RecordRow.from_redis(record)
        if record.status is RecordStatus.PENDING:
            assert (row.status, row.fail_reason) == (RecordStatus.REJECTED, "verification_timeout")
            expected = RecordRow.from_redis(
                record.model_copy(
                    update={"status": RecordStatus.REJECTED, "fail_reason": "verification_timeout"}
                )
            )
        assert row == expected, record.student_number


async def audit_count(runtime: Runtime, attendance_id: UUID) -> int:
    """Rows in ``audit_log`` for the attendance."""
    async with runtime.sessionmaker() as session:
        page = await repository.list_audit(session, attendance_id=attendance_id, limit=1)
    return page.total
